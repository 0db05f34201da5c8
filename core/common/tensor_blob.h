#pragma once
// TensorBlob: a dense float32 tensor as stored in the project file (docs/project-schema.md):
// row-major little-endian float32 data plus its shape. No LibTorch here, so the store,
// the UI and reports can read tensors without linking LibTorch.
#include <cstdint>
#include <string>
#include <vector>

namespace cs {

struct TensorBlob {
    std::vector<int64_t> shape;
    std::vector<float> data;

    int64_t numel() const;
    bool valid() const { return numel() == static_cast<int64_t>(data.size()); }
    float at(std::initializer_list<int64_t> index) const;

    // Shape as "[2, 3]" text, e.g. for messages.
    std::string shapeText() const;
    // Bytes of the data as little-endian float32 (what goes into a BLOB column).
    std::string dataBytes() const;
    static TensorBlob fromBytes(std::vector<int64_t> shape, const void* bytes, size_t size);
};

// Shape encoded as JSON text ("[2,3]") for the `shape` column.
std::string shapeToJson(const std::vector<int64_t>& shape);
std::vector<int64_t> shapeFromJson(const std::string& text);

}  // namespace cs
