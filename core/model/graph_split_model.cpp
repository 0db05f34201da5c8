// Any TorchScript model split at a layer (docs/models.md "Any model, no wrapper"): the layer tree,
// the adapter over g and h from the forward graph, and the token-grid view of transformer layers.
#include "model/graph_split_model.h"

#include "common/error.h"
#include "model/forward_graph.h"
#include "model/frozen_module.h"
#include "model/model_loader.h"
#include "model/torchscript_support.h"

#include <torch/script.h>

#include <nlohmann/json.hpp>

#include <cmath>
#include <map>
#include <optional>
#include <sstream>
#include <tuple>

namespace cs::model {

std::vector<int64_t> defaultInputSize() { return {3, 224, 224}; }
std::vector<float> imagenetMean() { return {0.485f, 0.456f, 0.406f}; }
std::vector<float> imagenetStd() { return {0.229f, 0.224f, 0.225f}; }

namespace {

using nlohmann::json;

std::string sizeText(const std::vector<int64_t>& size) {
    std::string out;
    for (int64_t s : size) out += (out.empty() ? "" : "×") + std::to_string(s);
    return out;
}

std::string floatsText(const std::vector<float>& values) {
    std::ostringstream out;
    for (size_t i = 0; i < values.size(); ++i) out << (i ? "," : "") << values[i];
    return out.str();
}

// The probe input: a fixed pattern in [-1, 1] (not torch::rand: loading must not move the global
// RNG), 2 images so that batch-size mistakes in a graph show. The tests' exporter uses the same.
at::Tensor probeInput(const std::vector<int64_t>& size) {
    const int64_t count = 2 * size[0] * size[1] * size[2];
    return torch::sin(torch::arange(count, torch::kFloat32) * 0.37f).view({2, size[0], size[1], size[2]});
}

// Input size: the user's, else the module's input_size attribute, else the default; with where it came from.
std::pair<std::vector<int64_t>, std::string> chooseInputSize(const torch::jit::Module& module, const std::string& path,
                                                             const std::vector<int64_t>& given) {
    if (!given.empty()) return {given, "--input-size"};
    std::vector<int64_t> declared = optionalIntList(module, path, "input_size");
    if (!declared.empty()) return {declared, "the model's input_size attribute"};
    return {defaultInputSize(), "the default"};
}

void requireInputSize(const std::string& path, const std::vector<int64_t>& size) {
    if (size.size() != 3 || size[0] <= 0 || size[1] <= 0 || size[2] <= 0)
        throw Error(path, "the input size must be C,H,W with three positive numbers; got " + sizeText(size));
}

// A transformer layer's output N×T×D is a g×g grid of patch tokens after `prefix` class or register
// tokens (ViT, DeiT: 1 or 2; registers: up to 4 more). The largest square that leaves at most 5
// prefix tokens is the grid; no such square means the tokens are not a patch grid.
struct TokenGrid {
    int64_t grid = 0, prefix = 0;
};
std::optional<TokenGrid> findTokenGrid(int64_t tokens) {
    for (int64_t g = static_cast<int64_t>(std::sqrt(double(tokens))) + 1; g >= 2; --g) {
        if (g * g > tokens) continue;
        if (tokens - g * g <= 5) return TokenGrid{g, tokens - g * g};
        return std::nullopt;
    }
    return std::nullopt;
}

c10::IValue runGraph(torch::jit::Module& module, const std::string& method, const at::Tensor& input,
                     const std::string& path, const std::string& call) {
    try {
        return module.get_method(method)({input});
    } catch (const c10::Error& e) {
        throw Error(path, call + " failed: " + firstLine(e.what_without_backtrace()));
    } catch (const std::exception& e) {
        throw Error(path, call + " failed: " + firstLine(e.what()));
    }
}

class GraphSplitVisionModel final : public VisionModel, public LoadNotes {
public:
    GraphSplitVisionModel(torch::jit::Module module, ModelInfo info, bool freeze, bool optimize)
        : module_(std::move(module)), graph_(module_, info.path), info_(std::move(info)), freeze_(freeze), optimize_(optimize) {
        for (const LayerCut& layer : graph_.layers())
            if (layer.cuttable) info_.probePoints.push_back(layer.name);
        if (info_.probePoints.empty())
            throw Error(info_.path, "has no layer where a cut works (`concept-studio-cli layers --model " + info_.path + "` says why)");
        // The reference output the splits are checked against: the unmodified module.
        torch::NoGradGuard noGrad;
        probe_ = probeInput(info_.inputSize);
        const c10::IValue out = runGraph(module_, "forward", probe_, info_.path,
                                         "the probe call on an input of shape 2×" + sizeText(info_.inputSize));
        if (!out.isTensor() || out.toTensor().dim() != 2 || out.toTensor().size(0) != 2)
            throw Error(info_.path, "forward returns " + (out.isTensor() ? "a tensor of shape " + std::string(c10::str(out.toTensor().sizes()))
                                                                          : std::string("a ") + out.tagKind()) +
                                        "; a vision model must return N×classes logits");
        reference_ = out.toTensor();
        if (!info_.classNames.empty() && reference_.size(1) != int64_t(info_.classNames.size()))
            throw Error(info_.path, "the model gives " + std::to_string(reference_.size(1)) + " logits per image but " +
                                        std::to_string(info_.classNames.size()) + " class names were given");
    }

    const ModelInfo& info() const override { return info_; }
    std::vector<std::string> loadNotes() const override { return notes_; }
    void addNote(std::string note) { notes_.push_back(std::move(note)); }

    at::Tensor activations(const at::Tensor& x, const std::string& layer) override {
        Split& split = splitAt(layer);
        if (x.dim() != 4 || x.size(1) != info_.inputSize[0])
            throw Error(info_.path, "input of shape " + std::string(c10::str(x.sizes())) + " is not a batch of " +
                                        std::to_string(info_.inputSize[0]) + "-channel images (N×C×H×W)");
        at::Tensor a = runGraph(moduleFor(split, x), split.g, x, info_.path, "g at '" + layer + "'").toTensor();
        if (!split.tokens) return a;
        // N×T×D -> the patch tokens as an N×D×g×g map.
        const int64_t n = a.size(0), d = a.size(2), g = split.tokens->grid;
        return a.narrow(1, split.tokens->prefix, g * g).transpose(1, 2).reshape({n, d, g, g});
    }

    at::Tensor logitsFrom(const at::Tensor& a, const std::string& layer) override {
        Split& split = splitAt(layer);
        at::Tensor input = a;
        if (split.tokens) input = tokensFromGrid(a, *split.tokens);
        const c10::IValue out = runGraph(moduleFor(split, input), split.h, input, info_.path, "h at '" + layer + "'");
        if (!out.isTensor() || out.toTensor().dim() != 2 || out.toTensor().size(0) != a.size(0))
            throw Error(info_.path, "h at '" + layer + "' did not return N×classes logits for N = " + std::to_string(a.size(0)));
        return out.toTensor();
    }

    at::Tensor logits(const at::Tensor& x) override {
        return runGraph(module_, "forward", x, info_.path, "forward").toTensor();
    }

    // Splits (and checks) a layer now rather than on first use.
    void prepare(const std::string& layer) { splitAt(layer); }

private:
    struct Split {
        std::string g, h;                  // method names on the modules below
        torch::jit::Module module;         // frozen (or not, without freeze) module carrying g and h
        c10::optional<torch::jit::Module> fast;
        std::optional<TokenGrid> tokens;   // set for a layer whose output is N×T×D
    };

    // h's input for patch tokens given as a grid: the class/register tokens, which the grid does not
    // carry, are set to the patch tokens' mean, the same vector that stands for a crop (docs/models.md).
    static at::Tensor tokensFromGrid(const at::Tensor& grid, const TokenGrid& layout) {
        at::Tensor patches = grid.flatten(2).transpose(1, 2);  // N×g²×D
        if (layout.prefix == 0) return patches.contiguous();
        at::Tensor prefix = patches.mean({1}, true).expand({patches.size(0), layout.prefix, patches.size(2)});
        return torch::cat({prefix, patches}, 1);
    }

    torch::jit::Module& moduleFor(Split& split, const at::Tensor& input) {
        if (split.fast && input.scalar_type() == torch::kFloat32 && !input.requires_grad()) return *split.fast;
        return split.module;
    }

    Split& splitAt(const std::string& layer) {
        auto found = splits_.find(layer);
        if (found != splits_.end()) return found->second;
        const SplitGraphs graphs = graph_.split(layer);  // throws with the reason when no cut works there
        Split split;
        const std::string suffix = std::to_string(splits_.size());
        split.g = "__cs_g_" + suffix;
        split.h = "__cs_h_" + suffix;
        auto unit = module_._ivalue()->compilation_unit();
        const c10::QualifiedName owner = *module_.type()->name();
        module_.type()->addMethod(unit->create_function(c10::QualifiedName(owner, split.g), graphs.g));
        module_.type()->addMethod(unit->create_function(c10::QualifiedName(owner, split.h), graphs.h));
        if (freeze_) {
            FrozenModule frozen = freezeForInference(module_, info_.path, {split.g, split.h}, optimize_);
            split.module = std::move(frozen.frozen);
            split.fast = std::move(frozen.fast);
        } else {
            split.module = module_;
        }
        check(layer, split);
        return splits_.emplace(layer, std::move(split)).first->second;
    }

    // h(g(x)) must be model(x) on the probe input (1e-4 relative to the logits' scale); the
    // inference-optimised copy must agree with the frozen module (1e-3), or it is dropped.
    void check(const std::string& layer, Split& split) {
        torch::NoGradGuard noGrad;
        const at::Tensor a = runGraph(split.module, split.g, probe_, info_.path, "g at '" + layer + "'").toTensor();
        const at::Tensor y = runGraph(split.module, split.h, a, info_.path, "h at '" + layer + "'").toTensor();
        const double scale = std::max(1.0, reference_.abs().max().item<double>());
        const double diff = y.sizes() == reference_.sizes() ? (y - reference_).abs().max().item<double>() : INFINITY;
        if (!(diff <= 1e-4 * scale))
            throw Error(info_.path, "the split at '" + layer + "' is not faithful: h(g(x)) differs from model(x) by " +
                                        std::to_string(diff) + " on the probe input (tolerance " + std::to_string(1e-4 * scale) + ")");
        std::ostringstream note;
        note << "split at " << layer << ": h(g(x)) = model(x) on the probe input (max difference " << diff << ")";
        if (a.dim() == 3) {
            split.tokens = findTokenGrid(a.size(1));
            if (!split.tokens)
                throw Error(info_.path, "the output of '" + layer + "' is N×T×D with T = " + std::to_string(a.size(1)) +
                                            " tokens, which is not a g×g patch grid (plus up to 5 class or register tokens)");
            note << "; tokens: a " << split.tokens->grid << "×" << split.tokens->grid << " patch grid";
            if (split.tokens->prefix > 0)
                note << " after " << split.tokens->prefix << " class token(s), which h gets as the patch-token mean";
        } else if (a.dim() != 4 && a.dim() != 2) {
            throw Error(info_.path, "the output of '" + layer + "' has shape " + std::string(c10::str(a.sizes())) +
                                        "; a layer to analyse must give N×C×H×W, N×C or N×T×D");
        }
        if (split.fast) {
            try {
                const at::Tensor fastA = runGraph(*split.fast, split.g, probe_, info_.path, "g").toTensor();
                const at::Tensor fastY = runGraph(*split.fast, split.h, a, info_.path, "h").toTensor();
                if (!fastA.is_same_size(a) || !fastY.is_same_size(y) || !torch::allclose(fastA, a, 1e-3, 1e-3) ||
                    !torch::allclose(fastY, y, 1e-3, 1e-3))
                    split.fast.reset();
            } catch (const std::exception&) {
                split.fast.reset();
            }
        }
        notes_.push_back(note.str());
    }

    torch::jit::Module module_;
    ForwardGraph graph_;
    ModelInfo info_;
    bool freeze_, optimize_;
    at::Tensor probe_, reference_;
    std::map<std::string, Split> splits_;
    std::vector<std::string> notes_;
};

}  // namespace

ModelLayers describeLayers(const std::string& path, const std::vector<int64_t>& inputSize) {
    torch::jit::Module module = loadTorchScriptFile(path);
    module.eval();
    ModelLayers out;
    std::tie(out.inputSize, out.inputSizeSource) = chooseInputSize(module, path, inputSize);
    requireInputSize(path, out.inputSize);
    const ForwardGraph graph(module, path);
    torch::NoGradGuard noGrad;
    c10::IValue modelOutput;
    const auto shapes = graph.probeShapes(module, probeInput(out.inputSize), modelOutput);
    if (modelOutput.isTensor() && modelOutput.toTensor().dim() > 0)
        out.outputShape.assign(modelOutput.toTensor().sizes().begin() + 1, modelOutput.toTensor().sizes().end());
    for (const LayerCut& cut : graph.layers()) {
        LayerDescription layer{cut.name, {}, cut.cuttable, cut.reason};
        auto shape = shapes.find(cut.name);
        if (shape != shapes.end()) layer.shape.assign(shape->second.begin() + 1, shape->second.end());  // one image's
        out.layers.push_back(std::move(layer));
    }
    return out;
}

std::unique_ptr<VisionModel> loadGraphSplitModel(const std::string& path, const std::string& optionsJson) {
    parseAdapterOptions(path, optionsJson);  // an options error is reported before any problem of the file
    return loadGraphSplitModel(path, loadTorchScriptFile(path), optionsJson);
}

std::unique_ptr<VisionModel> loadGraphSplitModel(const std::string& path, torch::jit::Module module, const std::string& optionsJson,
                                                 const std::string& otherwise) {
    const json options = parseAdapterOptions(path, optionsJson);
    ModelInfo info;
    info.path = path;
    info.sha256 = sha256File(path);
    info.adapter = kGraphSplitAdapterName;
    info.kind = ModelKind::Vision;
    std::vector<std::string> notes, layers;
    try {
        std::vector<int64_t> givenSize;
        if (options.contains("input_size")) givenSize = options.at("input_size").get<std::vector<int64_t>>();
        std::string source;
        std::tie(info.inputSize, source) = chooseInputSize(module, path, givenSize);
        requireInputSize(path, info.inputSize);
        if (source != "--input-size") notes.push_back("input size " + sizeText(info.inputSize) + " from " + source + " (--input-size C,H,W to change)");
        info.mean = options.contains("mean") ? options.at("mean").get<std::vector<float>>() : optionalFloatList(module, path, "mean");
        info.std = options.contains("std") ? options.at("std").get<std::vector<float>>() : optionalFloatList(module, path, "std");
        if (info.mean.empty() && info.std.empty()) {
            info.mean = imagenetMean();
            info.std = imagenetStd();
            notes.push_back("normalisation: ImageNet's mean " + floatsText(info.mean) + " and std " + floatsText(info.std) +
                            ", the default (--mean/--std to change)");
        }
        info.classNames = options.contains("class_names") ? options.at("class_names").get<std::vector<std::string>>()
                                                          : optionalStringList(module, path, "class_names");
        if (options.contains("layers")) layers = options.at("layers").get<std::vector<std::string>>();
    } catch (const json::exception& e) {
        throw Error(path, std::string("adapter options have a wrong type: ") + e.what());
    }
    validateVisionInfo(info);
    module.eval();
    std::unique_ptr<GraphSplitVisionModel> model;
    try {
        model = std::make_unique<GraphSplitVisionModel>(std::move(module), std::move(info), options.value("freeze", false),
                                                        options.value("optimize_for_inference", true));
    } catch (const Error& e) {
        if (otherwise.empty()) throw;
        throw Error(path, e.problem() + " (" + otherwise + ")");
    }
    for (auto& note : notes) model->addNote(std::move(note));
    for (const auto& layer : layers) model->prepare(layer);
    return model;
}

}  // namespace cs::model
