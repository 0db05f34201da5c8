#pragma once
// The classes of a CRAFT sweep, as `sweep plan craft --classes` takes them: "0-999", "0,3,7-9",
// names ("Sneaker,Bag"), "@names.txt" (one index or name per line; blank lines and lines starting
// with '#' skipped) or "all" (every class of the model). Each entry is what `craft --class` takes.
#include <cstdint>
#include <string>
#include <vector>

namespace cs::sweep {

// classCount: the model's number of classes, needed for "all" (pass -1 when unknown); ranges
// past it are refused when it is known. Throws cs::UsageError (or cs::Error naming a list file).
std::vector<std::string> parseClassList(const std::string& text, int64_t classCount);

}  // namespace cs::sweep
