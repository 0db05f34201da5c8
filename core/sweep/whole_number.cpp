#include "sweep/whole_number.h"

#include <limits>

namespace cs::sweep {

std::optional<int64_t> wholeNumber(const nlohmann::json& value) {
    if (value.is_number_unsigned()) {
        const uint64_t v = value.get<uint64_t>();
        if (v > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) return std::nullopt;
        return static_cast<int64_t>(v);
    }
    if (value.is_number_integer()) return value.get<int64_t>();
    return std::nullopt;
}

std::optional<uint64_t> unsignedWholeNumber(const nlohmann::json& value) {
    if (value.is_number_unsigned()) return value.get<uint64_t>();
    if (value.is_number_integer() && value.get<int64_t>() >= 0) return static_cast<uint64_t>(value.get<int64_t>());
    return std::nullopt;
}

}  // namespace cs::sweep
