#pragma once
// TextLines: the lines of a user's text file (interaction logs, item metadata), read with the
// checks every such reader needs, so that each format only parses fields:
//  - the path must be a regular file (cs::requireRegularFile: no FIFO, device or folder);
//  - a UTF-8 byte-order mark before the first line is skipped (spreadsheets write one);
//  - a line longer than kMaxTextLineBytes (64 MiB) stops the read: a file without line breaks
//    (or the endless zeros of a device behind a link) is never read whole into memory;
//  - a line with a NUL or another control byte is binary content: refused with the line number,
//    never echoed;
//  - CR of CRLF line ends is removed.
// Errors are cs::Error naming "<path>:<line>".
#include <cstddef>
#include <cstdint>
#include <fstream>
#include <string>

namespace cs::data {

constexpr std::size_t kMaxTextLineBytes = std::size_t{64} << 20;

class TextLines {
public:
    // `what` names the file in a user's words ("an interactions file").
    TextLines(const std::string& path, const std::string& what);

    // The next line into `line`; false at the end of the file.
    bool next(std::string& line);
    int64_t lineNumber() const { return lineNumber_; }
    // "<path>:<line>", the subject of an error about the current line.
    std::string where() const;

private:
    std::string path_;
    std::string what_;
    std::ifstream in_;
    int64_t lineNumber_ = 0;
};

}  // namespace cs::data
