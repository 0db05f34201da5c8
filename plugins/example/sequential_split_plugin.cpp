// Example plugin: the "sequential-split" adapter.
//
// Many small classifiers are a single torch.nn.Sequential (convolutions, activations, pooling,
// flatten, linear). Exported with torch.jit.script(model).save("m.pt"), such a model follows no
// built-in convention, but its children run one after the other, so it can be split between any
// two of them: activations(x, "k") runs children 0..k, logits_from(a, "k") runs k+1..end.
// Probe points are the children's names ("0", "1", ... or the keys of an OrderedDict), except
// the last child; adapter options {"probe_points": [...]} narrow them down.
//
// The whole plugin is this file: a VisionModel subclass, a cheap accepts() check, a create()
// factory that never lets an exception cross the C boundary, and the descriptor.
#include "plugin_sdk/concept_studio_sdk.h"

#include <torch/script.h>

#include <nlohmann/json.hpp>

#include <cstdio>
#include <fstream>

namespace {

// TorchScript mangles repeated class names (…container.___torch_mangle_254.Sequential).
bool isSequentialType(const torch::jit::Module& module) {
    if (!module.type()->name()) return false;
    const std::string name = module.type()->name()->qualifiedName();
    const std::string prefix = "__torch__.torch.nn.modules.container.", suffix = ".Sequential";
    return name.compare(0, prefix.size(), prefix) == 0 && name.size() > suffix.size() &&
           name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0;
}

class SequentialSplitModel final : public cs::model::VisionModel {
public:
    SequentialSplitModel(const std::string& path, const std::string& optionsJson) {
        torch::jit::Module module = cs::model::loadTorchScriptFile(path);  // clear errors for broken files
        const std::string type = module.type()->name() ? module.type()->name()->qualifiedName() : "?";
        if (!isSequentialType(module))
            throw cs::Error(path, "is a TorchScript " + type + ", not a torch.nn.Sequential (sequential-split adapter)");
        module.eval();
        for (const auto& child : module.named_children()) children_.push_back({child.name, child.value});
        if (children_.size() < 2) throw cs::Error(path, "the Sequential has fewer than two children; nothing to split");
        info_.path = path;
        info_.adapter = "sequential-split";
        info_.kind = cs::model::ModelKind::Vision;
        for (size_t i = 0; i + 1 < children_.size(); ++i) info_.probePoints.push_back(children_[i].first);
        if (!optionsJson.empty()) {
            try {
                auto options = nlohmann::json::parse(optionsJson);
                if (options.contains("probe_points")) {
                    auto wanted = options.at("probe_points").get<std::vector<std::string>>();
                    for (const auto& layer : wanted) indexOf(layer);
                    info_.probePoints = wanted;
                }
                if (options.contains("input_size")) info_.inputSize = options.at("input_size").get<std::vector<int64_t>>();
                if (options.contains("mean")) info_.mean = options.at("mean").get<std::vector<float>>();
                if (options.contains("std")) info_.std = options.at("std").get<std::vector<float>>();
                if (options.contains("class_names")) info_.classNames = options.at("class_names").get<std::vector<std::string>>();
            } catch (const nlohmann::json::exception& e) {
                throw cs::Error(path, std::string("sequential-split options are invalid: ") + e.what());
            }
            cs::model::validateVisionInfo(info_);
        }
        module_ = std::move(module);  // keeps the children's shared storage alive
    }

    const cs::model::ModelInfo& info() const override { return info_; }

    at::Tensor activations(const at::Tensor& x, const std::string& layer) override {
        at::Tensor h = x;
        const size_t stop = indexOf(layer);
        for (size_t i = 0; i <= stop; ++i) h = children_[i].second.forward({h}).toTensor();
        return h;
    }

    at::Tensor logitsFrom(const at::Tensor& a, const std::string& layer) override {
        at::Tensor h = a;
        for (size_t i = indexOf(layer) + 1; i < children_.size(); ++i) h = children_[i].second.forward({h}).toTensor();
        return h;
    }

private:
    size_t indexOf(const std::string& layer) const {
        for (size_t i = 0; i + 1 < children_.size(); ++i)
            if (children_[i].first == layer) return i;
        throw cs::Error(info_.path, "layer '" + layer + "' is not a child of this Sequential (or is its last child)");
    }

    torch::jit::Module module_;
    std::vector<std::pair<std::string, torch::jit::Module>> children_;
    cs::model::ModelInfo info_;
};

// accepts() must be cheap: it is asked about every model that follows no built-in convention.
// A scripted Sequential's archive holds a class file under torch/nn/modules/container; the
// real check (the top-level type) happens in create().
int acceptsSequential(const char* modelPath) {
    std::ifstream in(modelPath, std::ios::binary | std::ios::ate);
    if (!in) return 0;
    const std::streamoff size = in.tellg(), tail = std::min<std::streamoff>(size, 1 << 20);
    std::string bytes(size_t(tail), '\0');
    in.seekg(size - tail);
    in.read(bytes.data(), tail);
    if (bytes.find("__torch__/torch/nn/modules/container") == std::string::npos) return 0;
    try {
        torch::jit::Module module = torch::jit::load(modelPath);
        return isSequentialType(module) ? 1 : 0;
    } catch (...) {
        return 0;
    }
}

// Exceptions must not cross the C boundary: turn them into the err message.
void* createSequential(const char* modelPath, const char* optionsJson, char* err, size_t errSize) {
    try {
        return static_cast<cs::model::ModelAdapter*>(new SequentialSplitModel(modelPath, optionsJson ? optionsJson : ""));
    } catch (const cs::Error& e) {
        std::snprintf(err, errSize, "%s", e.problem().c_str());
    } catch (const std::exception& e) {
        std::snprintf(err, errSize, "%s", cs::model::firstLine(e.what()).c_str());
    }
    return nullptr;
}

const CsAdapterFactory kAdapters[] = {
    {"sequential-split", "vision", "a TorchScript torch.nn.Sequential classifier, split between any two children",
     acceptsSequential, createSequential},
};

const CsPluginDescriptor kDescriptor = {
    CS_PLUGIN_ABI_VERSION, "example-sequential", "1.0.0",
    "example plugin: split a scripted torch.nn.Sequential classifier", 1, kAdapters,
};

}  // namespace

// The one exported symbol. The studio calls it, reads abi_version first, then the rest.
extern "C" __attribute__((visibility("default"))) const CsPluginDescriptor* concept_studio_plugin(void) {
    return &kDescriptor;
}
