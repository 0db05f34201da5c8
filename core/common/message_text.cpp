#include "common/message_text.h"

#include <cstdio>
#include <sstream>

namespace cs {
namespace {

// Length of the valid UTF-8 sequence starting at text[i] (2..4), or 0 when there is none.
std::size_t utf8SequenceLength(std::string_view text, std::size_t i) {
    const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(text[k]); };
    const unsigned char lead = byte(i);
    std::size_t length = 0;
    if (lead >= 0xC2 && lead <= 0xDF) length = 2;
    else if (lead >= 0xE0 && lead <= 0xEF) length = 3;
    else if (lead >= 0xF0 && lead <= 0xF4) length = 4;
    else return 0;
    if (i + length > text.size()) return 0;
    for (std::size_t k = 1; k < length; ++k)
        if ((byte(i + k) & 0xC0) != 0x80) return 0;
    return length;
}

std::string hexEscape(unsigned char byte) {
    char buffer[8];
    std::snprintf(buffer, sizeof buffer, "\\x%02X", byte);
    return buffer;
}

}  // namespace

bool looksBinary(std::string_view text) {
    for (char c : text) {
        const auto byte = static_cast<unsigned char>(c);
        if (byte < 0x20 && c != '\t' && c != '\r' && c != '\n') return true;
        if (byte == 0x7F) return true;
    }
    return false;
}

std::string quoteForMessage(std::string_view text, std::size_t maxChars) {
    // Renders character by character; stops as soon as the text cannot fit whole, then keeps what
    // fits before the tail that says how long the text was: "... (20971520 bytes)".
    const std::string tail = " ... (" + std::to_string(text.size()) + " bytes)";
    const std::size_t budget = maxChars > tail.size() ? maxChars - tail.size() : 0;
    std::string out, cut;  // cut: the rendering up to the budget, used when the text does not fit
    std::size_t shown = 0;  // characters shown; an escape counts as its four characters
    bool cutTaken = false;
    for (std::size_t i = 0; i < text.size();) {
        const auto byte = static_cast<unsigned char>(text[i]);
        std::string piece;
        std::size_t consumed = 1;
        if (byte >= 0x20 && byte < 0x7F) {
            piece = std::string(1, text[i]);
        } else if (const std::size_t length = byte >= 0x80 ? utf8SequenceLength(text, i) : 0; length > 0) {
            piece = std::string(text.substr(i, length));
            consumed = length;
        } else {
            piece = byte == '\t' ? "\\t" : hexEscape(byte);
        }
        const std::size_t width = consumed > 1 ? 1 : piece.size();
        if (!cutTaken && shown + width > budget) {
            cut = out;
            cutTaken = true;
        }
        if (shown + width > maxChars) return cut + tail;
        out += piece;
        shown += width;
        i += consumed;
    }
    return out;
}

std::string withoutBacktrace(const std::string& message) {
    std::istringstream in(message);
    std::string line, out;
    bool inBacktrace = false;
    while (std::getline(in, line)) {
        // c10::Error::what() appends "Exception raised from f at file:line (most recent call first):"
        // and then one "frame #N: ..." line per stack frame.
        if (line.rfind("Exception raised from ", 0) == 0 || line.rfind("frame #", 0) == 0) {
            inBacktrace = true;
            continue;
        }
        if (inBacktrace && line.empty()) continue;
        inBacktrace = false;
        if (!out.empty()) out += '\n';
        out += line;
    }
    while (!out.empty() && (out.back() == '\n' || out.back() == ' ')) out.pop_back();
    return out;
}

}  // namespace cs
