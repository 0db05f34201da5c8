#pragma once
// Any TorchScript model, no wrapper (docs/models.md): the layer tree of a plain scripted or traced
// module, and a VisionModel that splits it at any layer by graph surgery (forward_graph.h).
// A layer whose output is a token sequence N×T×D (a vision transformer block) is presented as the
// patch-token grid N×D×g×g, so CRAFT's stages, maps and trees work as for a CNN.
#include "model/model_adapter.h"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace torch::jit {
struct Module;
}

namespace cs::model {

inline constexpr const char* kGraphSplitAdapterName = "torchscript-graph";

// 3×224×224 when neither the user nor the module (attribute input_size) gives an input size.
std::vector<int64_t> defaultInputSize();
// ImageNet's, used when neither the user nor the module gives a mean / std.
std::vector<float> imagenetMean();
std::vector<float> imagenetStd();

struct LayerDescription {
    std::string name;            // dotted path, e.g. "layer4.1"
    std::vector<int64_t> shape;  // one image's output shape on the probe input (no batch); empty when not a tensor
    bool cuttable = false;
    std::string reason;          // why no cut is possible there
};

struct ModelLayers {
    std::vector<int64_t> inputSize;  // {C, H, W} of the probe
    std::string inputSizeSource;     // "--input-size", "the model's input_size attribute" or "the default"
    std::vector<int64_t> outputShape;  // one image's
    std::vector<LayerDescription> layers;
};

// The layer tree of a TorchScript file, from one probe call on a 2×C×H×W input. inputSize may be
// empty (the module's input_size attribute, else the default). Throws cs::Error naming the file.
ModelLayers describeLayers(const std::string& path, const std::vector<int64_t>& inputSize = {});

// A VisionModel made by graph surgery: what it tells the user at load (defaults chosen, the
// h(g(x)) = model(x) check at each layer), found with dynamic_cast like LayerBridge.
class LoadNotes {
public:
    virtual ~LoadNotes() = default;
    virtual std::vector<std::string> loadNotes() const = 0;
};

// optionsJson (may be empty): {"layers": [...] (split and check these at load; others are split
// on first use), "input_size": [C,H,W], "mean": [...], "std": [...], "class_names": [...],
// "freeze": bool, "optimize_for_inference": bool (default true; only with freeze)}.
std::unique_ptr<VisionModel> loadGraphSplitModel(const std::string& path, const std::string& optionsJson = {});
// `otherwise` (may be empty) is added to the message when the model cannot be split at all (as
// opposed to at a requested layer): what else the user can do with the file.
std::unique_ptr<VisionModel> loadGraphSplitModel(const std::string& path, torch::jit::Module module,
                                                 const std::string& optionsJson, const std::string& otherwise = {});

}  // namespace cs::model
