#include "report/file_output.h"

#include "common/error.h"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>

namespace cs::report {

void writeFileAtomically(const std::string& path, std::string_view bytes) {
    const std::string temp = path + ".part";
    {
        std::ofstream out(temp, std::ios::binary | std::ios::trunc);
        if (!out) throw Error(path, std::string("cannot write: ") + std::strerror(errno));
        out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
        out.flush();
        if (!out) {
            std::error_code ignored;
            std::filesystem::remove(temp, ignored);
            throw Error(path, "write failed (disk full?)");
        }
    }
    std::error_code ec;
    std::filesystem::rename(temp, path, ec);
    if (ec) {
        std::filesystem::remove(temp, ec);
        throw Error(path, "cannot replace: " + ec.message());
    }
}

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
