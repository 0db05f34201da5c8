#pragma once
// Text that goes into an error message but came from somewhere else: a line of a user's file, or
// an exception text of a library. Messages are read on a terminal, so they must stay short, never
// carry raw control bytes, and never carry a C++ backtrace.
//   quoteForMessage: at most maxChars characters, control and invalid UTF-8 bytes as \xNN, a cut
//                    text ends with "..." and says how long it was.
//   withoutBacktrace: drops LibTorch's "Exception raised from ..." and "frame #N: ..." lines.
#include <cstddef>
#include <string>
#include <string_view>

namespace cs {

std::string quoteForMessage(std::string_view text, std::size_t maxChars = 80);

// True when the text holds a NUL byte or other control bytes than tab, CR and LF: binary content.
bool looksBinary(std::string_view text);

std::string withoutBacktrace(const std::string& message);

}  // namespace cs
