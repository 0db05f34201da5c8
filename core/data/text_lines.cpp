#include "data/text_lines.h"

#include "common/error.h"
#include "common/input_file.h"
#include "common/message_text.h"

namespace cs::data {
namespace {

constexpr std::size_t kChunkBytes = 1 << 16;

}  // namespace

TextLines::TextLines(const std::string& path, const std::string& what) : path_(path), what_(what) {
    requireRegularFile(path, what);
    in_.open(path, std::ios::binary);
    if (!in_) throw Error(path, "cannot open " + what);
}

std::string TextLines::where() const { return path_ + ":" + std::to_string(lineNumber_); }

bool TextLines::next(std::string& line) {
    line.clear();
    if (!in_.good()) return false;
    // Read in chunks with istream::getline, which stops when the chunk is full: the line's length
    // and content are checked as it grows, not after it has been read whole.
    char chunk[kChunkBytes];
    bool extracted = false;
    const int64_t thisLine = lineNumber_ + 1;
    while (true) {
        in_.getline(chunk, kChunkBytes);
        const auto got = static_cast<std::size_t>(in_.gcount());
        extracted = extracted || got > 0;
        const bool chunkFull = in_.fail() && !in_.eof();
        // At a line break, gcount counts the break that getline consumed but did not store.
        const bool atLineBreak = !in_.fail() && !in_.eof();
        const std::size_t stored = atLineBreak ? got - 1 : got;
        line.append(chunk, stored);
        if (!extracted) return false;  // the end of the file, right after the last line break
        lineNumber_ = thisLine;
        if (line.size() > kMaxTextLineBytes)
            throw Error(where(), "the line is longer than 64 MiB; is this " + what_ + "?");
        if (looksBinary(std::string_view(chunk, stored)))
            throw Error(where(), "holds binary data (a NUL or control byte), not text; is this " + what_ + "?");
        if (!chunkFull) break;
        in_.clear();  // the line goes on past this chunk
    }
    if (lineNumber_ == 1 && line.rfind("\xEF\xBB\xBF", 0) == 0) line.erase(0, 3);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    return true;
}

}  // namespace cs::data
