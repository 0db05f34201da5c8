// The torchvision family plugin (docs/models.md): an exported torchvision model — torch.jit.script'ed
// or torch.jit.trace'd, saved with torch.jit.save — split at a named child, with the family's
// glue between the last stage and the classifier applied here:
//   ResNet-18/34/50/...: conv1, bn1, relu, maxpool, layer1..layer4 | avgpool, flatten(1), fc
//   MobileNetV2:         features.0 .. features.18 | adaptive_avg_pool2d(1×1), flatten(1), classifier
// This mirrors torchvision's own forward() (torchvision/models/resnet.py, mobilenetv2.py), so
// logits_from(activations(x, L), L) equals model(x).
#include "plugin_sdk/concept_studio_sdk.h"

#include <torch/script.h>

#include <nlohmann/json.hpp>

#include <cstring>
#include <fstream>
#include <functional>

namespace {

using cs::Error;
using cs::model::ModelInfo;

enum class Family { ResNet, MobileNetV2 };

std::string shapeText(const at::Tensor& t) {
    std::string out = "[";
    for (int64_t i = 0; i < t.dim(); ++i) out += (i ? ", " : "") + std::to_string(t.size(i));
    return out + "]";
}

class TorchvisionModel final : public cs::model::VisionModel {
public:
    TorchvisionModel(const std::string& path, const std::string& optionsJson) {
        info_.path = path;
        info_.adapter = "torchvision";
        info_.kind = cs::model::ModelKind::Vision;
        torch::jit::Module module = cs::model::loadTorchScriptFile(path);
        module.eval();
        std::vector<std::string> children;
        for (const auto& child : module.named_children()) children.push_back(child.name);
        auto has = [&](std::initializer_list<const char*> names) {
            for (const char* name : names)
                if (std::find(children.begin(), children.end(), name) == children.end()) return false;
            return true;
        };
        if (has({"conv1", "bn1", "relu", "maxpool", "layer1", "layer2", "layer3", "layer4", "avgpool", "fc"})) {
            family_ = Family::ResNet;
            for (const char* name : {"conv1", "bn1", "relu", "maxpool", "layer1", "layer2", "layer3", "layer4"})
                steps_.push_back({name, module.attr(name).toModule()});
            info_.probePoints = {"layer1", "layer2", "layer3", "layer4"};
            pool_ = module.attr("avgpool").toModule();
            head_ = module.attr("fc").toModule();
        } else if (has({"features", "classifier"})) {
            family_ = Family::MobileNetV2;
            torch::jit::Module features = module.attr("features").toModule();
            for (const auto& child : features.named_children()) {
                steps_.push_back({"features." + child.name, child.value});
                info_.probePoints.push_back("features." + child.name);
            }
            if (steps_.empty()) throw Error(path, "features of this MobileNetV2 export has no children");
            head_ = module.attr("classifier").toModule();
        } else {
            std::string found;
            for (const auto& name : children) found += (found.empty() ? "" : ", ") + name;
            throw Error(path, "is not a torchvision ResNet or MobileNetV2 export: expected the children conv1, bn1, relu, "
                              "maxpool, layer1..layer4, avgpool, fc (ResNet) or features, classifier (MobileNetV2); found: " +
                                  (found.empty() ? std::string("none") : found));
        }
        for (auto& step : steps_)
            if (!step.module.find_method("forward"))
                throw Error(path, "child " + step.name + " has no forward method (was it called when the model was traced?)");
        module_ = std::move(module);
        applyOptions(optionsJson);
    }

    const ModelInfo& info() const override { return info_; }

    at::Tensor activations(const at::Tensor& x, const std::string& layer) override {
        const size_t stop = stepIndex(layer);
        if (x.dim() != 4) throw Error(info_.path, "input of shape " + shapeText(x) + " is not a batch of images (N×C×H×W)");
        at::Tensor h = x;
        for (size_t i = 0; i <= stop; ++i) h = run(steps_[i], h);
        return h;
    }

    at::Tensor logitsFrom(const at::Tensor& a, const std::string& layer) override {
        at::Tensor h = a;
        for (size_t i = stepIndex(layer) + 1; i < steps_.size(); ++i) h = run(steps_[i], h);
        if (h.dim() != 4) throw Error(info_.path, "activations of shape " + shapeText(a) + " at " + layer + " are not N×C×H×W");
        if (family_ == Family::ResNet) h = pool_.forward({h}).toTensor();
        else h = torch::adaptive_avg_pool2d(h, {1, 1});
        h = torch::flatten(h, 1);
        return head_.forward({h}).toTensor();
    }

private:
    struct Step {
        std::string name;
        torch::jit::Module module;
    };

    size_t stepIndex(const std::string& layer) const {
        bool isProbe = std::find(info_.probePoints.begin(), info_.probePoints.end(), layer) != info_.probePoints.end();
        for (size_t i = 0; isProbe && i < steps_.size(); ++i)
            if (steps_[i].name == layer) return i;
        std::string known;
        for (const auto& p : info_.probePoints) known += (known.empty() ? "" : ", ") + p;
        throw Error(info_.path, "layer '" + layer + "' is not a probe point of this model (probe points: " + known + ")");
    }

    at::Tensor run(Step& step, const at::Tensor& x) {
        try {
            return step.module.forward({x}).toTensor();
        } catch (const c10::Error& e) {
            throw Error(info_.path, step.name + " failed on a tensor of shape " + shapeText(x) + ": " +
                                        cs::model::firstLine(e.what_without_backtrace()));
        }
    }

    void applyOptions(const std::string& optionsJson) {
        // torchvision's ImageNet preprocessing unless the options say otherwise.
        info_.inputSize = {3, 224, 224};
        info_.mean = {0.485f, 0.456f, 0.406f};
        info_.std = {0.229f, 0.224f, 0.225f};
        if (optionsJson.empty()) return;
        try {
            nlohmann::json options = nlohmann::json::parse(optionsJson);
            if (options.contains("probe_points")) {
                auto wanted = options.at("probe_points").get<std::vector<std::string>>();
                for (const auto& layer : wanted) stepIndex(layer);  // throws for unknown names
                info_.probePoints = wanted;
            }
            if (options.contains("class_names")) info_.classNames = options.at("class_names").get<std::vector<std::string>>();
            if (options.contains("input_size")) info_.inputSize = options.at("input_size").get<std::vector<int64_t>>();
            if (options.contains("mean")) info_.mean = options.at("mean").get<std::vector<float>>();
            if (options.contains("std")) info_.std = options.at("std").get<std::vector<float>>();
        } catch (const nlohmann::json::exception& e) {
            throw Error(info_.path, std::string("torchvision adapter options are invalid: ") + e.what());
        }
        cs::model::validateVisionInfo(info_);
    }

    torch::jit::Module module_;
    std::vector<Step> steps_;
    torch::jit::Module pool_, head_;
    Family family_ = Family::ResNet;
    ModelInfo info_;
};

// Cheap check: TorchScript archives name each class's source file in their ZIP directory,
// e.g. archive/code/__torch__/torchvision/models/resnet.py, or .../resnet/___torch_mangle_92.py
// for traced models.
int acceptsTorchvision(const char* modelPath) {
    std::ifstream in(modelPath, std::ios::binary | std::ios::ate);
    if (!in) return 0;
    const std::streamoff size = in.tellg();
    const std::streamoff tail = std::min<std::streamoff>(size, 4 << 20);  // the central directory is at the end
    std::string bytes(size_t(tail), '\0');
    in.seekg(size - tail);
    in.read(bytes.data(), tail);
    if (bytes.find("__torch__/torchvision/models/resnet") != std::string::npos) return 1;
    if (bytes.find("__torch__/torchvision/models/mobilenetv2") != std::string::npos) return 1;
    return 0;
}

void* createTorchvision(const char* modelPath, const char* optionsJson, char* err, size_t errSize) {
    try {
        return static_cast<cs::model::ModelAdapter*>(new TorchvisionModel(modelPath, optionsJson ? optionsJson : ""));
    } catch (const Error& e) {
        std::snprintf(err, errSize, "%s", e.problem().c_str());
    } catch (const std::exception& e) {
        std::snprintf(err, errSize, "%s", cs::model::firstLine(e.what()).c_str());
    }
    return nullptr;
}

const CsAdapterFactory kAdapters[] = {
    {"torchvision", "vision",
     "exported torchvision ResNet-18/34/50 (probe points layer1..layer4) and MobileNetV2 (features.N), "
     "split at a named child with the family's pooling and classifier",
     acceptsTorchvision, createTorchvision},
};

const CsPluginDescriptor kDescriptor = {
    CS_PLUGIN_ABI_VERSION, "torchvision", "1.0.0", "torchvision model families (ResNet, MobileNetV2)", 1, kAdapters,
};

}  // namespace

extern "C" __attribute__((visibility("default"))) const CsPluginDescriptor* concept_studio_plugin(void) {
    return &kDescriptor;
}
