#include "report/file_output.h"

#include "common/error.h"

#include <cerrno>
#include <cstring>
#include <filesystem>

namespace cs::report {

void ensureDirectory(const std::string& path) {
    std::error_code ec;
    if (std::filesystem::exists(path, ec)) {
        if (!std::filesystem::is_directory(path, ec)) throw Error(path, "exists and is not a folder");
        return;
    }
    std::filesystem::create_directories(path, ec);
    if (ec) throw Error(path, "cannot create folder: " + ec.message());
}

std::string safeFileName(std::string_view text) {
    std::string out;
    for (char c : text) {
        const bool keep = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
                          c == '_' || c == '.';
        out += keep ? c : '_';
        if (out.size() >= 80) break;
    }
    if (out.empty() || out == "." || out == "..") out = "_" + out;
    return out;
}

}  // namespace cs::report
