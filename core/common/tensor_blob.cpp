#include "common/tensor_blob.h"

#include "common/error.h"

#include <cstring>
#include <nlohmann/json.hpp>

namespace cs {

static_assert(sizeof(float) == 4, "float32 storage assumes 4-byte float");

int64_t TensorBlob::numel() const {
    int64_t n = 1;
    for (int64_t d : shape) n *= d;
    return n;
}

float TensorBlob::at(std::initializer_list<int64_t> index) const {
    if (index.size() != shape.size()) throw Error("tensor", "index rank does not match shape " + shapeText());
    int64_t flat = 0;
    size_t i = 0;
    for (int64_t v : index) {
        if (v < 0 || v >= shape[i]) throw Error("tensor", "index out of range for shape " + shapeText());
        flat = flat * shape[i] + v;
        ++i;
    }
    return data[static_cast<size_t>(flat)];
}

std::string TensorBlob::shapeText() const {
    std::string s = "[";
    for (size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
    return s + "]";
}

static bool hostIsLittleEndian() {
    const uint16_t probe = 1;
    unsigned char first;
    std::memcpy(&first, &probe, 1);
    return first == 1;
}

std::string TensorBlob::dataBytes() const {
    std::string out(data.size() * 4, '\0');
    // An empty tensor's vector may hold no buffer at all: memcpy must not be given its null pointer.
    if (!out.empty()) std::memcpy(out.data(), data.data(), out.size());
    if (!hostIsLittleEndian()) {
        for (size_t i = 0; i < out.size(); i += 4) std::swap(out[i], out[i + 3]), std::swap(out[i + 1], out[i + 2]);
    }
    return out;
}

TensorBlob TensorBlob::fromBytes(std::vector<int64_t> shape, const void* bytes, size_t size) {
    TensorBlob t;
    t.shape = std::move(shape);
    const int64_t n = t.numel();
    if (n < 0 || static_cast<size_t>(n) * 4 != size)
        throw Error("tensor", "stored data has " + std::to_string(size) + " bytes, shape " + t.shapeText() +
                                  " needs " + std::to_string(n * 4));
    t.data.resize(static_cast<size_t>(n));
    if (size > 0) std::memcpy(t.data.data(), bytes, size);  // SQLite hands an empty blob over as null
    if (!hostIsLittleEndian()) {
        auto* p = reinterpret_cast<unsigned char*>(t.data.data());
        for (size_t i = 0; i < size; i += 4) std::swap(p[i], p[i + 3]), std::swap(p[i + 1], p[i + 2]);
    }
    return t;
}

std::string shapeToJson(const std::vector<int64_t>& shape) { return nlohmann::json(shape).dump(); }

std::vector<int64_t> shapeFromJson(const std::string& text) {
    try {
        return nlohmann::json::parse(text).get<std::vector<int64_t>>();
    } catch (const std::exception& e) {
        throw Error("tensor", "shape is not a JSON list of integers: " + text);
    }
}

}  // namespace cs
