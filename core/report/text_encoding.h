#pragma once
// Text encodings the report writers share: HTML escaping of every user-supplied string
// (file names, class names, item titles, tags), base64 for data: URIs, CSV quoting.
#include <string>
#include <string_view>

namespace cs::report {

// Escapes & < > " ' so the text is inert both as element content and inside a quoted
// attribute. Control characters other than tab/newline are dropped (they are invalid in
// HTML and XML, and a PDF renderer may choke on them).
std::string escapeHtml(std::string_view text);

// RFC 4648 base64 (with padding), for data: URIs.
std::string base64Encode(std::string_view bytes);

// "data:<mime>;base64,<payload>"
std::string dataUri(std::string_view mime, std::string_view bytes);

// RFC 4180 field: quoted when it holds a comma, quote, CR or LF; quotes doubled.
// A leading = + - @ is prefixed with ' so spreadsheets do not evaluate a tag as a formula.
std::string csvField(std::string_view text);

// Shortest round-trip-ish decimal for tables: up to `digits` significant digits.
std::string formatNumber(double value, int digits = 4);

}  // namespace cs::report
