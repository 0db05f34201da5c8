#pragma once
// The built-in TorchScript conventions (docs/models.md):
//   vision split module    activations(x, layer), logits_from(a, layer), probe_points
//   sequential recommender encode(item_seq), score(state), num_items
// Each loader checks that the methods and attributes exist with the expected signatures, then
// makes a probe call to check output shapes, so a model that does not fit fails at load time
// with a message naming the file, the method and the expected signature.
#include "model/model_adapter.h"

#include <memory>
#include <string>

namespace torch::jit {
struct Module;
}

namespace cs::model {

inline constexpr const char* kSplitAdapterName = "torchscript-split";
inline constexpr const char* kRecommenderAdapterName = "torchscript-recommender";

// Which built-in convention a TorchScript file declares (by the names of its methods and
// attributes), without validating it. Throws cs::Error when the file is not loadable TorchScript.
enum class TorchScriptConvention { None, VisionSplit, SequentialRecommender };
TorchScriptConvention detectConvention(const std::string& path);
TorchScriptConvention detectConvention(const torch::jit::Module& module);

// optionsJson (may be empty): {"freeze": bool, "optimize_for_inference": bool (default true; only
// with freeze), "probe": bool, "input_size": [C,H,W], "mean": [...], "std": [...],
// "class_names": [...]} — the last four override the model's own. A frozen module also gets an
// inference-optimised copy (oneDNN) for float32 inputs that need no gradient, checked against
// the frozen module at load time.
std::unique_ptr<VisionModel> loadSplitModule(const std::string& path, const std::string& optionsJson = {});
std::unique_ptr<SequentialRecommender> loadRecommenderModule(const std::string& path,
                                                             const std::string& optionsJson = {});

// The same for a module already loaded from `path` (by loadTorchScriptFile), so that a file
// whose convention was just detected is not read and deserialised a second time.
std::unique_ptr<VisionModel> loadSplitModule(const std::string& path, torch::jit::Module module,
                                             const std::string& optionsJson);
std::unique_ptr<SequentialRecommender> loadRecommenderModule(const std::string& path, torch::jit::Module module,
                                                             const std::string& optionsJson);

}  // namespace cs::model
