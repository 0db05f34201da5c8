#pragma once
// Whole numbers read from a sweep folder's JSON files. nlohmann converts a value stored as a
// floating-point number to an integer type with a plain cast, which is undefined behaviour when
// the value is out of the type's range (fuzz_sweep_manifest found a seed written as 1.8e19): a
// field that must be whole is accepted only when it is stored as an integer that fits.
#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>

namespace cs::sweep {

std::optional<int64_t> wholeNumber(const nlohmann::json& value);
std::optional<uint64_t> unsignedWholeNumber(const nlohmann::json& value);

}  // namespace cs::sweep
