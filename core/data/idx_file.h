#pragma once
// IDX files (the MNIST / Fashion-MNIST format, http://yann.lecun.com/exdb/mnist/): a big-endian
// header — magic 0x00000803 for unsigned-byte images (count, rows, cols) or 0x00000801 for
// unsigned-byte labels (count) — then the raw bytes. Gzipped or not (read through zlib, which
// reads plain files unchanged). Errors name the file: wrong magic, short body, huge dimensions.
#include <cstdint>
#include <string>
#include <vector>

namespace cs::data {

constexpr uint32_t kIdxImagesMagic = 0x00000803;
constexpr uint32_t kIdxLabelsMagic = 0x00000801;

struct IdxImages {
    std::string path;
    int64_t count = 0, rows = 0, cols = 0;
    std::vector<uint8_t> pixels;  // count × rows × cols, row-major
};

IdxImages readIdxImages(const std::string& path);
std::vector<uint8_t> readIdxLabels(const std::string& path);

// The labels file beside an images file ("…images-idx3-ubyte[.gz]" → "…labels-idx1-ubyte[.gz]",
// gzipped or not); empty when there is none.
std::string findIdxLabelsFile(const std::string& imagesPath);

// True when the file starts with an IDX magic number (after gunzip when gzipped).
bool looksLikeIdx(const std::string& path);

}  // namespace cs::data
