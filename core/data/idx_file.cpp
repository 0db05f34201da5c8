#include "data/idx_file.h"

#include "common/error.h"
#include "data/image_source.h"

#include <zlib.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <memory>

namespace cs::data {
namespace fs = std::filesystem;
namespace {

struct GzCloser {
    void operator()(gzFile_s* file) const { gzclose(file); }
};
using GzFile = std::unique_ptr<gzFile_s, GzCloser>;

GzFile openGz(const std::string& path) {
    std::error_code ec;
    if (!fs::exists(path, ec)) throw Error(path, "does not exist");
    if (fs::file_size(path, ec) == 0) throw Error(path, "is empty (0 bytes); expected an IDX file");
    gzFile file = gzopen(path.c_str(), "rb");
    if (!file) throw Error(path, "cannot be opened for reading");
    gzbuffer(file, 1 << 18);
    return GzFile(file);
}

// Reads up to size bytes; returns how many were read. A corrupt gzip stream is an error.
size_t readSome(gzFile file, const std::string& path, void* out, size_t size) {
    size_t done = 0;
    auto* bytes = static_cast<unsigned char*>(out);
    while (done < size) {
        const unsigned chunk = unsigned(std::min<size_t>(size - done, 1u << 30));
        int got = gzread(file, bytes + done, chunk);
        if (got < 0) {
            int code = 0;
            const char* message = gzerror(file, &code);
            throw Error(path, std::string("is corrupt (gzip: ") + (message ? message : "read error") + ")");
        }
        if (got == 0) break;
        done += size_t(got);
    }
    return done;
}

uint32_t readBigEndian(gzFile file, const std::string& path, const char* what) {
    unsigned char b[4];
    if (readSome(file, path, b, 4) != 4) throw Error(path, std::string("IDX header is cut short (no ") + what + ")");
    return uint32_t(b[0]) << 24 | uint32_t(b[1]) << 16 | uint32_t(b[2]) << 8 | b[3];
}

std::string hex(uint32_t value) {
    char text[16];
    std::snprintf(text, sizeof text, "0x%08x", value);
    return text;
}

void readBody(gzFile file, const std::string& path, std::vector<uint8_t>& out, size_t expected, const std::string& what) {
    // The buffer grows with what the file holds, not with what its header claims: a 26-byte file
    // that claims 454 million labels is reported short after reading 10 bytes, without first
    // allocating and zeroing 454 MB (found by fuzz_idx).
    constexpr size_t kStep = size_t{16} << 20;
    out.clear();
    while (out.size() < expected) {
        const size_t before = out.size();
        const size_t want = std::min(expected - before, kStep);
        out.resize(before + want);
        const size_t got = readSome(file, path, out.data() + before, want);
        out.resize(before + got);
        if (got < want) break;
    }
    if (out.size() != expected)
        throw Error(path, "IDX body is short: expected " + std::to_string(expected) + " bytes for " + what + ", found " +
                              std::to_string(out.size()));
}

}  // namespace

IdxImages readIdxImages(const std::string& path) {
    GzFile file = openGz(path);
    const uint32_t magic = readBigEndian(file.get(), path, "magic number");
    if (magic == kIdxLabelsMagic)
        throw Error(path, "is an IDX labels file (magic 0x00000801), not an IDX images file (magic 0x00000803)");
    if (magic != kIdxImagesMagic)
        throw Error(path, "is not an IDX images file: magic number " + hex(magic) + ", expected 0x00000803");
    IdxImages images;
    images.path = path;
    images.count = readBigEndian(file.get(), path, "image count");
    images.rows = readBigEndian(file.get(), path, "row count");
    images.cols = readBigEndian(file.get(), path, "column count");
    if (images.rows <= 0 || images.cols <= 0 || images.rows > kMaxImageSide || images.cols > kMaxImageSide ||
        images.rows * images.cols > kMaxImagePixels)
        throw Error(path, "IDX images of " + std::to_string(images.rows) + "×" + std::to_string(images.cols) +
                              " are outside the accepted size (1.." + std::to_string(kMaxImageSide) + " per side)");
    const auto bytes = size_t(images.count) * size_t(images.rows) * size_t(images.cols);
    if (images.count > 0 && bytes / size_t(images.count) != size_t(images.rows * images.cols))
        throw Error(path, "IDX header declares an impossible size");
    if (bytes > (size_t(1) << 34)) throw Error(path, "IDX file declares more than 16 GiB of pixels");
    readBody(file.get(), path, images.pixels, bytes,
             std::to_string(images.count) + " images of " + std::to_string(images.rows) + "×" + std::to_string(images.cols));
    return images;
}

std::vector<uint8_t> readIdxLabels(const std::string& path) {
    GzFile file = openGz(path);
    const uint32_t magic = readBigEndian(file.get(), path, "magic number");
    if (magic != kIdxLabelsMagic)
        throw Error(path, "is not an IDX labels file: magic number " + hex(magic) + ", expected 0x00000801");
    const uint32_t count = readBigEndian(file.get(), path, "label count");
    std::vector<uint8_t> labels;
    readBody(file.get(), path, labels, count, std::to_string(count) + " labels");
    return labels;
}

std::string findIdxLabelsFile(const std::string& imagesPath) {
    const fs::path images(imagesPath);
    std::string name = images.filename().string();
    auto at = name.find("images-idx3");
    if (at == std::string::npos) at = name.find("images.idx3");
    if (at == std::string::npos) return {};
    std::string labels = name;
    labels.replace(at, 11, name.substr(at + 6, 1) == "." ? "labels.idx1" : "labels-idx1");
    std::string plain = labels;
    if (plain.size() > 3 && plain.compare(plain.size() - 3, 3, ".gz") == 0) plain.resize(plain.size() - 3);
    for (const std::string& candidate : {labels, plain, plain + ".gz"}) {
        std::error_code ec;
        fs::path path = images.parent_path() / candidate;
        if (fs::is_regular_file(path, ec)) return path.string();
    }
    return {};
}

bool looksLikeIdx(const std::string& path) {
    gzFile file = gzopen(path.c_str(), "rb");
    if (!file) return false;
    unsigned char b[4];
    int got = gzread(file, b, 4);
    gzclose(file);
    if (got != 4) return false;
    return b[0] == 0 && b[1] == 0 && b[2] == 0x08 && (b[3] == 0x01 || b[3] == 0x03);
}

}  // namespace cs::data
