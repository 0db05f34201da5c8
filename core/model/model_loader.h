#pragma once
// Loading a model file into a ModelAdapter: built-in TorchScript conventions (docs/models.md)
// or an adapter from a plugin. Errors name the file and what is missing, with the expected
// signature (e.g. "method activations(x: Tensor, layer: str) -> Tensor is missing").
#include "model/model_adapter.h"

#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace cs::model {

struct LoadOptions {
    std::string adapter = "auto";            // auto | torchscript-split | torchscript-recommender | torchscript-graph | <plugin adapter>
    std::vector<std::string> pluginDirs;     // extra folders (--plugin-dir), searched after the defaults
    std::string optionsJson;                 // adapter options, e.g. {"probe_points": ["layer3", "layer4"]}
    // With auto, a TorchScript module that follows no convention and that no plugin accepts is
    // split at a layer by graph surgery (a vision model); false when a recommender is expected.
    bool graphSplit = true;
};

std::unique_ptr<ModelAdapter> loadModel(const std::string& path, const LoadOptions& options = {});
std::unique_ptr<VisionModel> loadVisionModel(const std::string& path, const LoadOptions& options = {});
std::unique_ptr<SequentialRecommender> loadRecommender(const std::string& path, const LoadOptions& options = {});

// sha256 of a file as lowercase hex.
std::string sha256File(const std::string& path);
// sha256 of the concatenated byte ranges as lowercase hex.
std::string sha256Bytes(const std::vector<std::string_view>& parts);

// Sets LibTorch intra-op threads to the available cores (called on the engine thread).
void configureTorchThreads();

}  // namespace cs::model

namespace cs::model {

// An adapter the studio can use: built in, or offered by a Ready plugin.
struct AdapterDescription {
    std::string name;         // value for --adapter
    std::string kind;         // "vision" or "sequential-recommender"
    std::string description;
    std::string plugin;       // empty for built-in adapters
    std::string pluginPath;
};

// Built-in adapters followed by those of the plugins found in the default folders and pluginDirs.
std::vector<AdapterDescription> listAdapters(const std::vector<std::string>& pluginDirs = {});

}  // namespace cs::model
