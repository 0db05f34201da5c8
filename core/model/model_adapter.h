#pragma once
// ModelAdapter: what the engine knows of a model (docs/models.md): its kind, probe points,
// preprocessing, labels, and the two halves around a probe point.
//
// LibTorch types are only forward-declared here so that headers stay cheap to include;
// code that calls these methods includes <torch/...> in its .cpp file.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace at {
class Tensor;
}

namespace cs::model {

enum class ModelKind { Vision, SequentialRecommender };
const char* toString(ModelKind kind);

struct ModelInfo {
    std::string path;            // the file the model was loaded from
    std::string sha256;          // of that file
    std::string adapter;         // e.g. "torchscript-split", "torchvision"
    ModelKind kind = ModelKind::Vision;
    std::vector<std::string> probePoints;  // layer names, earliest first
    // Vision only
    std::vector<std::string> classNames;   // may be empty
    std::vector<int64_t> inputSize;        // {C, H, W}; empty = not declared
    std::vector<float> mean, std;          // per channel; empty = identity
    // Sequential recommender only
    int64_t numItems = 0;
};

class ModelAdapter {
public:
    virtual ~ModelAdapter() = default;
    virtual const ModelInfo& info() const = 0;
    ModelKind kind() const { return info().kind; }
};

// Vision model split at a probe point: g = activations(·, layer), h = logitsFrom(·, layer).
class VisionModel : public ModelAdapter {
public:
    // x: N×C×H×W float32, already normalised. Returns N×C'×H'×W' or N×C'.
    virtual at::Tensor activations(const at::Tensor& x, const std::string& layer) = 0;
    // a: activations as returned above (or rebuilt from concepts). Returns N×classes logits.
    virtual at::Tensor logitsFrom(const at::Tensor& a, const std::string& layer) = 0;
    // Full forward pass; default = logitsFrom(activations(x, last probe), last probe).
    virtual at::Tensor logits(const at::Tensor& x);
};

// Optional extension a VisionModel may also implement: the part of the network between two
// probe points. With it, CRAFT weighs the sub-concepts of a recursive tree by their Sobol
// importance for the parent concept's coefficient (the paper's definition); without it, for
// the class logit. A separate interface found with dynamic_cast, so that VisionModel's vtable,
// which plugins compiled against ABI 1 rely on, does not change.
class LayerBridge {
public:
    virtual ~LayerBridge() = default;
    // a: activations at probe point `from` (earlier); returns those at `to`.
    virtual at::Tensor activationsBetween(const at::Tensor& a, const std::string& from, const std::string& to) = 0;
};

// Sequential recommender: encode = user state before the prediction layer, score = that layer.
class SequentialRecommender : public ModelAdapter {
public:
    // itemSeq: B×L int64, 0 = padding, left-padded. Returns B×d float32.
    virtual at::Tensor encode(const at::Tensor& itemSeq) = 0;
    // state: B×d. Returns B×(numItems+1) scores (column 0 = padding item) or B×numItems.
    virtual at::Tensor score(const at::Tensor& state) = 0;
};

}  // namespace cs::model
