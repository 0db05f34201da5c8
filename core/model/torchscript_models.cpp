// Built-in TorchScript conventions: loading, signature checks, probe calls, and the adapters.
#include "model/torchscript_models.h"

#include "common/error.h"
#include "model/frozen_module.h"
#include "model/model_loader.h"
#include "model/torchscript_support.h"

#include <torch/script.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <sstream>

namespace cs::model {
namespace {

using nlohmann::json;

const char* kActivationsSignature = "activations(x: Tensor, layer: str) -> Tensor";
const char* kLogitsFromSignature = "logits_from(a: Tensor, layer: str) -> Tensor";
const char* kActivationsBetweenSignature = "activations_between(a: Tensor, from_layer: str, to_layer: str) -> Tensor";
const char* kEncodeSignature = "encode(item_seq: Tensor) -> Tensor";
const char* kScoreSignature = "score(state: Tensor) -> Tensor";

std::string shapeString(const at::Tensor& t) {
    std::ostringstream out;
    out << "[";
    for (int64_t i = 0; i < t.dim(); ++i) out << (i ? ", " : "") << t.size(i);
    out << "]";
    return out.str();
}

std::string joined(const std::vector<std::string>& names) {
    std::string out;
    for (const auto& name : names) out += (out.empty() ? "" : ", ") + name;
    return out;
}

// Runs a TorchScript method and turns a TorchScript/ATen exception into cs::Error naming the
// model file and the call, without LibTorch's C++ backtrace.
c10::IValue callMethod(torch::jit::Module& module, const std::string& path, const std::string& method,
                       std::vector<c10::IValue> args, const std::string& callDescription) {
    try {
        return module.get_method(method)(std::move(args));
    } catch (const c10::Error& e) {
        throw Error(path, callDescription + " failed: " + firstLine(e.what_without_backtrace()));
    } catch (const std::exception& e) {
        throw Error(path, callDescription + " failed: " + firstLine(e.what()));
    }
}

// NaN or infinite outputs would travel through every later step and surface far away (as a failed
// database constraint); they are refused at the call that makes them, naming the model.
void requireFinite(const at::Tensor& t, const std::string& path, const std::string& call, const char* what) {
    if (t.is_floating_point() && !torch::isfinite(t).all().item<bool>())
        throw Error(path, call + " returned non-finite " + what + " (NaN or infinity); the model is broken for this input");
}

at::Tensor requireTensor(const c10::IValue& value, const std::string& path, const std::string& call) {
    if (!value.isTensor()) throw Error(path, call + " returned a " + value.tagKind() + ", expected a Tensor");
    return value.toTensor();
}

std::vector<float> floatsOption(const json& options, const char* key, std::vector<float> fallback) {
    if (!options.contains(key)) return fallback;
    return options.at(key).get<std::vector<float>>();
}

class SplitModuleVisionModel : public VisionModel {
public:
    SplitModuleVisionModel(torch::jit::Module module, ModelInfo info, c10::optional<torch::jit::Module> fast = c10::nullopt)
        : module_(std::move(module)), fast_(std::move(fast)), info_(std::move(info)) {}

    const ModelInfo& info() const override { return info_; }

    at::Tensor activations(const at::Tensor& x, const std::string& layer) override {
        requireProbePoint(layer);
        checkInput(x);
        const std::string call = "activations(x, '" + layer + "')";
        at::Tensor a = requireTensor(callMethod(moduleFor(x), info_.path, "activations", {x, layer}, call), info_.path, call);
        if ((a.dim() != 4 && a.dim() != 2) || a.size(0) != x.size(0))
            throw Error(info_.path, call + " returned a tensor of shape " + shapeString(a) + " for an input of shape " +
                                        shapeString(x) + "; expected N×C×H×W or N×C with N = " +
                                        std::to_string(x.size(0)));
        return a;
    }

    at::Tensor logitsFrom(const at::Tensor& a, const std::string& layer) override {
        requireProbePoint(layer);
        const std::string call = "logits_from(a, '" + layer + "')";
        at::Tensor logits = requireTensor(callMethod(moduleFor(a), info_.path, "logits_from", {a, layer}, call), info_.path, call);
        if (logits.dim() != 2 || logits.size(0) != a.size(0))
            throw Error(info_.path, call + " returned a tensor of shape " + shapeString(logits) + " for activations of shape " +
                                        shapeString(a) + "; expected N×classes with N = " + std::to_string(a.size(0)));
        if (!info_.classNames.empty() && logits.size(1) != int64_t(info_.classNames.size()))
            throw Error(info_.path, call + " returned " + std::to_string(logits.size(1)) + " logits per image but class_names has " +
                                        std::to_string(info_.classNames.size()) + " names");
        requireFinite(logits, info_.path, call, "logits");
        return logits;
    }

    // The probe call of the load-time check: every probe point, a zero batch of the declared size.
    void probe() {
        if (info_.inputSize.size() != 3) return;
        torch::NoGradGuard noGrad;
        at::Tensor x = torch::zeros({1, info_.inputSize[0], info_.inputSize[1], info_.inputSize[2]});
        for (const auto& layer : info_.probePoints) logitsFrom(activations(x, layer), layer);
    }

    // The optimised graph must give the frozen module's answers; a graph the oneDNN passes
    // cannot handle faithfully (or at all), or a model without a declared input size to check
    // with, falls back to the frozen module rather than failing.
    void verifyFastPath() {
        if (!fast_) return;
        if (info_.inputSize.size() != 3) {
            fast_.reset();
            return;
        }
        torch::NoGradGuard noGrad;
        // A fixed pattern in [-1, 1] rather than torch::rand: loading must not move the global RNG.
        const int64_t count = 2 * info_.inputSize[0] * info_.inputSize[1] * info_.inputSize[2];
        at::Tensor x = torch::sin(torch::arange(count, torch::kFloat32) * 0.37f)
                           .view({2, info_.inputSize[0], info_.inputSize[1], info_.inputSize[2]});
        try {
            for (const auto& layer : info_.probePoints) {
                const c10::IValue name(layer);
                at::Tensor a = module_.get_method("activations")({x, name}).toTensor();
                at::Tensor fastA = fast_->get_method("activations")({x, name}).toTensor();
                at::Tensor l = module_.get_method("logits_from")({a, name}).toTensor();
                at::Tensor fastL = fast_->get_method("logits_from")({a, name}).toTensor();
                if (!fastA.is_same_size(a) || !fastL.is_same_size(l) || !torch::allclose(fastA, a, 1e-3, 1e-3) ||
                    !torch::allclose(fastL, l, 1e-3, 1e-3)) {
                    fast_.reset();
                    return;
                }
            }
            if (module_.find_method("activations_between")) {
                const auto& points = info_.probePoints;
                for (size_t i = 0; i + 1 < points.size(); ++i) {
                    const c10::IValue from(points[i]), to(points[i + 1]);
                    at::Tensor a = module_.get_method("activations")({x, from}).toTensor();
                    at::Tensor b = module_.get_method("activations_between")({a, from, to}).toTensor();
                    at::Tensor fastB = fast_->get_method("activations_between")({a, from, to}).toTensor();
                    if (!fastB.is_same_size(b) || !torch::allclose(fastB, b, 1e-3, 1e-3)) {
                        fast_.reset();
                        return;
                    }
                }
            }
        } catch (const std::exception&) {
            fast_.reset();
        }
    }

protected:
    // The optimised module serves float32 inputs that need no gradient (every CRAFT stage but
    // the implicit-differentiation maps); anything else goes to the autograd-capable module.
    torch::jit::Module& moduleFor(const at::Tensor& input) {
        if (fast_ && input.scalar_type() == torch::kFloat32 && !input.requires_grad()) return *fast_;
        return module_;
    }

private:
    void requireProbePoint(const std::string& layer) const {
        for (const auto& point : info_.probePoints)
            if (point == layer) return;
        throw Error(info_.path, "layer '" + layer + "' is not a probe point of this model (probe points: " +
                                    joined(info_.probePoints) + ")");
    }
    void checkInput(const at::Tensor& x) const {
        if (x.dim() != 4)
            throw Error(info_.path, "input of shape " + shapeString(x) + " is not a batch of images (N×C×H×W)");
        if (info_.inputSize.size() == 3 && x.size(1) != info_.inputSize[0])
            throw Error(info_.path, "input has " + std::to_string(x.size(1)) + " channels; the model expects " +
                                        std::to_string(info_.inputSize[0]));
    }

    torch::jit::Module module_;
    c10::optional<torch::jit::Module> fast_;  // inferenceOptimised(module_) when frozen
    ModelInfo info_;
};

// A split module that also declares the optional activations_between method (docs/models.md):
// the network from one probe point to a later one, which recursive CRAFT trees use to weigh
// sub-concepts on the parent concept's coefficient.
class BridgedSplitModuleVisionModel final : public SplitModuleVisionModel, public LayerBridge {
public:
    using SplitModuleVisionModel::SplitModuleVisionModel;

    at::Tensor activationsBetween(const at::Tensor& a, const std::string& from, const std::string& to) override {
        const auto& points = info().probePoints;
        const auto fromAt = std::find(points.begin(), points.end(), from), toAt = std::find(points.begin(), points.end(), to);
        if (fromAt == points.end() || toAt == points.end() || fromAt >= toAt)
            throw Error(info().path, "activations_between needs two probe points, the first earlier than the second; got '" + from +
                                         "' and '" + to + "' (probe points: " + joined(points) + ")");
        const std::string call = "activations_between(a, '" + from + "', '" + to + "')";
        at::Tensor out = requireTensor(callMethod(moduleFor(a), info().path, "activations_between", {a, from, to}, call), info().path, call);
        if (out.dim() < 2 || out.size(0) != a.size(0))
            throw Error(info().path, call + " returned a tensor of shape " + shapeString(out) + " for activations of shape " +
                                         shapeString(a) + "; expected N×C×H×W or N×C with N = " + std::to_string(a.size(0)));
        return out;
    }
};

class RecommenderModule final : public SequentialRecommender {
public:
    RecommenderModule(torch::jit::Module module, ModelInfo info) : module_(std::move(module)), info_(std::move(info)) {}

    const ModelInfo& info() const override { return info_; }

    at::Tensor encode(const at::Tensor& itemSeq) override {
        if (itemSeq.dim() != 2)
            throw Error(info_.path, "item sequences of shape " + shapeString(itemSeq) + " are not B×L");
        at::Tensor seq = itemSeq.scalar_type() == at::kLong ? itemSeq : itemSeq.to(at::kLong);
        const std::string call = "encode(item_seq)";
        at::Tensor state = requireTensor(callMethod(module_, info_.path, "encode", {seq}, call), info_.path, call);
        if (state.dim() != 2 || state.size(0) != seq.size(0))
            throw Error(info_.path, call + " returned a tensor of shape " + shapeString(state) + " for sequences of shape " +
                                        shapeString(seq) + "; expected B×d with B = " + std::to_string(seq.size(0)));
        return state;
    }

    at::Tensor score(const at::Tensor& state) override {
        const std::string call = "score(state)";
        at::Tensor scores = requireTensor(callMethod(module_, info_.path, "score", {state}, call), info_.path, call);
        const int64_t n = info_.numItems;
        if (scores.dim() != 2 || scores.size(0) != state.size(0) || (scores.size(1) != n && scores.size(1) != n + 1))
            throw Error(info_.path, call + " returned a tensor of shape " + shapeString(scores) + " for states of shape " +
                                        shapeString(state) + "; expected B×num_items or B×(num_items+1) with B = " +
                                        std::to_string(state.size(0)) + ", num_items = " + std::to_string(n));
        requireFinite(scores, info_.path, call, "scores");
        return scores;
    }

    void probe() {
        torch::NoGradGuard noGrad;
        // Two left-padded sequences over the first item ids (0 = padding).
        const int64_t top = std::max<int64_t>(1, std::min<int64_t>(info_.numItems, 3));
        const std::vector<int64_t> ids{0, 0, 1, std::min<int64_t>(2, top), top, 1, 1, 1};
        at::Tensor seq = torch::tensor(ids, torch::kLong).view({2, 4});
        const at::Tensor state = encode(seq);
        try {
            score(state);
        } catch (const Error& e) {
            throw Error(info_.path, "score(state) does not accept the states encode(item_seq) returns (shape " +
                                        shapeString(state) + "): " + e.problem());
        }
    }

private:
    torch::jit::Module module_;
    ModelInfo info_;
};

ModelInfo baseInfo(const std::string& path, const char* adapter, ModelKind kind) {
    ModelInfo info;
    info.path = path;
    info.sha256 = sha256File(path);
    info.adapter = adapter;
    info.kind = kind;
    return info;
}

}  // namespace

TorchScriptConvention detectConvention(const std::string& path) { return detectConvention(loadTorchScriptFile(path)); }

TorchScriptConvention detectConvention(const torch::jit::Module& module) {
    auto has = [&](const char* name) {
        return module.find_method(name).has_value() || findAttribute(module, name).has_value();
    };
    if (has("activations") || has("logits_from") || has("probe_points")) return TorchScriptConvention::VisionSplit;
    if (has("encode") || has("score") || has("num_items")) return TorchScriptConvention::SequentialRecommender;
    return TorchScriptConvention::None;
}

namespace {

// A convention's checks on a loaded module, then its adapter. The callers parse the options
// first, so an options error is reported before any problem of the file.
std::unique_ptr<VisionModel> splitModel(const std::string& path, torch::jit::Module module, const json& options) {
    const std::string convention = "the vision split-module convention";
    requireMethod(module, path, convention, "activations", {{"x", c10::TensorType::get()}, {"layer", c10::StringType::get()}},
                  c10::TensorType::get(), kActivationsSignature);
    requireMethod(module, path, convention, "logits_from", {{"a", c10::TensorType::get()}, {"layer", c10::StringType::get()}},
                  c10::TensorType::get(), kLogitsFromSignature);

    ModelInfo info = baseInfo(path, kSplitAdapterName, ModelKind::Vision);
    info.probePoints = requireStringList(module, path, convention, "probe_points");
    if (info.probePoints.empty()) throw Error(path, "attribute probe_points is empty; expected at least one layer name");
    info.classNames = optionalStringList(module, path, "class_names");
    info.inputSize = optionalIntList(module, path, "input_size");
    info.mean = optionalFloatList(module, path, "mean");
    info.std = optionalFloatList(module, path, "std");
    try {
        if (options.contains("class_names")) info.classNames = options.at("class_names").get<std::vector<std::string>>();
        if (options.contains("input_size")) info.inputSize = options.at("input_size").get<std::vector<int64_t>>();
        info.mean = floatsOption(options, "mean", info.mean);
        info.std = floatsOption(options, "std", info.std);
    } catch (const json::exception& e) {
        throw Error(path, std::string("adapter options have a wrong type: ") + e.what());
    }
    validateVisionInfo(info);

    // Optional: the network between two probe points (recursive CRAFT trees, docs/models.md).
    const bool bridged = module.find_method("activations_between").has_value();
    if (bridged)
        requireMethod(module, path, convention, "activations_between",
                      {{"a", c10::TensorType::get()}, {"from_layer", c10::StringType::get()}, {"to_layer", c10::StringType::get()}},
                      c10::TensorType::get(), kActivationsBetweenSignature);
    std::vector<std::string> methods{"activations", "logits_from"};
    if (bridged) methods.push_back("activations_between");

    module.eval();
    c10::optional<torch::jit::Module> fast;
    if (options.value("freeze", false)) {
        FrozenModule frozen = freezeForInference(module, path, methods, options.value("optimize_for_inference", true));
        module = std::move(frozen.frozen);
        fast = std::move(frozen.fast);
    }
    std::unique_ptr<SplitModuleVisionModel> model;
    if (bridged)
        model = std::make_unique<BridgedSplitModuleVisionModel>(std::move(module), std::move(info), std::move(fast));
    else
        model = std::make_unique<SplitModuleVisionModel>(std::move(module), std::move(info), std::move(fast));
    if (options.value("probe", true)) model->probe();
    model->verifyFastPath();
    return model;
}

std::unique_ptr<SequentialRecommender> recommenderModel(const std::string& path, torch::jit::Module module,
                                                        const json& options) {
    const std::string convention = "the sequential-recommender convention";
    requireMethod(module, path, convention, "encode", {{"item_seq", c10::TensorType::get()}}, c10::TensorType::get(),
                  kEncodeSignature);
    requireMethod(module, path, convention, "score", {{"state", c10::TensorType::get()}}, c10::TensorType::get(),
                  kScoreSignature);
    ModelInfo info = baseInfo(path, kRecommenderAdapterName, ModelKind::SequentialRecommender);
    info.numItems = requireInt(module, path, convention, "num_items");
    if (info.numItems <= 0) throw Error(path, "attribute num_items is " + std::to_string(info.numItems) + "; expected > 0");
    info.probePoints = {"state"};
    module.eval();
    auto model = std::make_unique<RecommenderModule>(std::move(module), std::move(info));
    if (options.value("probe", true)) model->probe();
    return model;
}

}  // namespace

std::unique_ptr<VisionModel> loadSplitModule(const std::string& path, const std::string& optionsJson) {
    const json options = parseAdapterOptions(path, optionsJson);
    return splitModel(path, loadTorchScriptFile(path), options);
}

std::unique_ptr<VisionModel> loadSplitModule(const std::string& path, torch::jit::Module module,
                                             const std::string& optionsJson) {
    return splitModel(path, std::move(module), parseAdapterOptions(path, optionsJson));
}

std::unique_ptr<SequentialRecommender> loadRecommenderModule(const std::string& path, const std::string& optionsJson) {
    const json options = parseAdapterOptions(path, optionsJson);
    return recommenderModel(path, loadTorchScriptFile(path), options);
}

std::unique_ptr<SequentialRecommender> loadRecommenderModule(const std::string& path, torch::jit::Module module,
                                                             const std::string& optionsJson) {
    return recommenderModel(path, std::move(module), parseAdapterOptions(path, optionsJson));
}

}  // namespace cs::model
