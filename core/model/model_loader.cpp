// loadModel: the built-in conventions first, then the plugins' adapters (docs/models.md).
#include "model/model_loader.h"

#include "common/error.h"
#include "common/input_file.h"
#include "model/graph_split_model.h"
#include "model/plugin_registry.h"
#include "model/torchscript_models.h"
#include "model/torchscript_support.h"

#include <torch/script.h>

#include <cstdlib>
#include <optional>
#include <thread>

namespace cs::model {
namespace {

// Wraps an adapter made by a plugin: fills in path, sha256 and adapter name the host vouches for
// (a plugin cannot misreport them), and keeps the plugin's object behind the same checks.
class PluginVisionModel final : public VisionModel {
public:
    PluginVisionModel(std::unique_ptr<VisionModel> inner, ModelInfo info) : inner_(std::move(inner)), info_(std::move(info)) {}
    const ModelInfo& info() const override { return info_; }
    at::Tensor activations(const at::Tensor& x, const std::string& layer) override {
        at::Tensor a = inner_->activations(x, layer);
        if ((a.dim() != 4 && a.dim() != 2) || a.size(0) != x.size(0))
            throw Error(info_.path, "adapter " + info_.adapter + ": activations at " + layer + " have " +
                                        std::to_string(a.dim()) + " dimensions / batch " + std::to_string(a.size(0)) +
                                        "; expected N×C×H×W or N×C with N = " + std::to_string(x.size(0)));
        return a;
    }
    at::Tensor logitsFrom(const at::Tensor& a, const std::string& layer) override {
        at::Tensor logits = inner_->logitsFrom(a, layer);
        if (logits.dim() != 2 || logits.size(0) != a.size(0))
            throw Error(info_.path, "adapter " + info_.adapter + ": logits from " + layer + " have " +
                                        std::to_string(logits.dim()) + " dimensions; expected N×classes with N = " +
                                        std::to_string(a.size(0)));
        return logits;
    }
    at::Tensor logits(const at::Tensor& x) override { return inner_->logits(x); }

private:
    std::unique_ptr<VisionModel> inner_;
    ModelInfo info_;
};

class PluginRecommender final : public SequentialRecommender {
public:
    PluginRecommender(std::unique_ptr<SequentialRecommender> inner, ModelInfo info)
        : inner_(std::move(inner)), info_(std::move(info)) {}
    const ModelInfo& info() const override { return info_; }
    at::Tensor encode(const at::Tensor& itemSeq) override { return inner_->encode(itemSeq); }
    at::Tensor score(const at::Tensor& state) override { return inner_->score(state); }

private:
    std::unique_ptr<SequentialRecommender> inner_;
    ModelInfo info_;
};

std::unique_ptr<ModelAdapter> createWithPlugin(const PluginAdapter& adapter, const std::string& path,
                                               const LoadOptions& options) {
    char err[1024] = {};
    void* made = nullptr;
    try {
        made = adapter.factory->create(path.c_str(), options.optionsJson.empty() ? nullptr : options.optionsJson.c_str(),
                                       err, sizeof err);
    } catch (const Error&) {
        throw;
    } catch (const std::exception& e) {
        throw Error(path, "adapter '" + std::string(adapter.factory->name) + "' (plugin " + adapter.pluginName +
                              ") failed: " + firstLine(e.what()));
    }
    if (!made) {
        err[sizeof err - 1] = 0;
        std::string message = err[0] ? err : "the adapter could not open this model (no message given)";
        throw Error(path, message + " [adapter '" + adapter.factory->name + "', plugin " + adapter.pluginName + "]");
    }
    std::unique_ptr<ModelAdapter> inner(static_cast<ModelAdapter*>(made));
    ModelInfo info = inner->info();
    info.path = path;
    info.sha256 = sha256File(path);
    info.adapter = adapter.factory->name;
    if (info.kind == ModelKind::Vision) {
        auto* vision = dynamic_cast<VisionModel*>(inner.get());
        if (!vision) throw Error(path, "adapter '" + info.adapter + "' returned an object that is not a VisionModel");
        if (info.probePoints.empty()) throw Error(path, "adapter '" + info.adapter + "' reports no probe points");
        inner.release();
        return std::make_unique<PluginVisionModel>(std::unique_ptr<VisionModel>(vision), std::move(info));
    }
    auto* recommender = dynamic_cast<SequentialRecommender*>(inner.get());
    if (!recommender) throw Error(path, "adapter '" + info.adapter + "' returned an object that is not a SequentialRecommender");
    inner.release();
    return std::make_unique<PluginRecommender>(std::unique_ptr<SequentialRecommender>(recommender), std::move(info));
}

std::string conventionsHelp() {
    return "expected the vision split-module convention (activations(x: Tensor, layer: str) -> Tensor, "
           "logits_from(a: Tensor, layer: str) -> Tensor, probe_points: List[str]) or the sequential-recommender "
           "convention (encode(item_seq: Tensor) -> Tensor, score(state: Tensor) -> Tensor, num_items: int); "
           "see docs/models.md";
}

}  // namespace

std::unique_ptr<ModelAdapter> loadModel(const std::string& path, const LoadOptions& options) {
    // Before any adapter (or plugin) opens it, and before it is hashed: a FIFO would block both.
    requireRegularFile(path, "a model file");
    const std::string& adapter = options.adapter.empty() ? std::string("auto") : options.adapter;
    if (adapter == kSplitAdapterName) return loadSplitModule(path, options.optionsJson);
    if (adapter == kRecommenderAdapterName) return loadRecommenderModule(path, options.optionsJson);
    if (adapter == kGraphSplitAdapterName) return loadGraphSplitModel(path, options.optionsJson);

    PluginRegistry& registry = PluginRegistry::instance();
    registry.scan(options.pluginDirs);
    if (adapter != "auto") {
        auto found = registry.findAdapter(adapter);
        if (!found) {
            std::string known = std::string(kSplitAdapterName) + ", " + kRecommenderAdapterName + ", " + kGraphSplitAdapterName;
            for (const auto& a : registry.adapters()) known += std::string(", ") + a.factory->name;
            throw Error(path, "unknown adapter '" + adapter + "' (available: " + known + ")");
        }
        return createWithPlugin(*found, path, options);
    }

    // auto: a file that declares a built-in convention is held to it, so its errors are precise.
    // The module loaded to find the convention is the one the convention's loader checks.
    std::string loadError;
    std::optional<torch::jit::Module> module;
    try {
        module = loadTorchScriptFile(path);
    } catch (const Error& e) {
        // Not loadable as TorchScript: a plugin may still know the format; otherwise report this.
        loadError = e.problem();
    }
    const TorchScriptConvention convention = module ? detectConvention(*module) : TorchScriptConvention::None;
    if (convention == TorchScriptConvention::VisionSplit)
        return loadSplitModule(path, std::move(*module), options.optionsJson);
    if (convention == TorchScriptConvention::SequentialRecommender)
        return loadRecommenderModule(path, std::move(*module), options.optionsJson);
    for (const auto& candidate : registry.adapters()) {
        if (candidate.factory->accepts && candidate.factory->accepts(path.c_str()) == 1)
            return createWithPlugin(candidate, path, options);  // a plugin reads the file itself
    }
    if (!loadError.empty()) throw Error(path, loadError);
    const std::string noConvention = "follows no built-in convention and no plugin accepts it";
    if (!options.graphSplit)
        throw Error(path, noConvention + ": " + conventionsHelp() +
                              " (or pass --adapter with a plugin's adapter; `concept-studio-cli models` lists them)");
    // Any other TorchScript module: split at a layer by graph surgery (graph_split_model.h). When
    // it cannot be split at all, the conventions remain the way to use it.
    return loadGraphSplitModel(path, std::move(*module), options.optionsJson, "it " + noConvention + ": " + conventionsHelp());
}

std::unique_ptr<VisionModel> loadVisionModel(const std::string& path, const LoadOptions& options) {
    std::unique_ptr<ModelAdapter> model = loadModel(path, options);
    if (model->kind() != ModelKind::Vision)
        throw Error(path, std::string("is a ") + toString(model->kind()) + " model; a vision model was expected");
    return std::unique_ptr<VisionModel>(static_cast<VisionModel*>(model.release()));
}

std::unique_ptr<SequentialRecommender> loadRecommender(const std::string& path, const LoadOptions& givenOptions) {
    LoadOptions options = givenOptions;
    options.graphSplit = false;  // the graph split makes vision models only
    std::unique_ptr<ModelAdapter> model = loadModel(path, options);
    if (model->kind() != ModelKind::SequentialRecommender)
        throw Error(path, std::string("is a ") + toString(model->kind()) + " model; a sequential recommender was expected");
    return std::unique_ptr<SequentialRecommender>(static_cast<SequentialRecommender*>(model.release()));
}

void configureTorchThreads() {
    unsigned cores = std::thread::hardware_concurrency();
    if (cores == 0) cores = 1;
    // CS_THREADS: a sweep running several shards on one machine gives each its share of the cores.
    if (const char* limit = std::getenv("CS_THREADS"); limit && std::atoi(limit) > 0) cores = static_cast<unsigned>(std::atoi(limit));
    torch::set_num_threads(int(cores));
}

std::vector<AdapterDescription> listAdapters(const std::vector<std::string>& pluginDirs) {
    std::vector<AdapterDescription> out{
        {kSplitAdapterName, "vision",
         "TorchScript vision split module: activations(x, layer), logits_from(a, layer), probe_points", "", ""},
        {kRecommenderAdapterName, "sequential-recommender",
         "TorchScript sequential recommender: encode(item_seq), score(state), num_items", "", ""},
        {kGraphSplitAdapterName, "vision",
         "any TorchScript vision model (scripted or traced), split at a layer by graph surgery; `layers` lists them", "", ""}};
    PluginRegistry& registry = PluginRegistry::instance();
    registry.scan(pluginDirs);
    for (const auto& adapter : registry.adapters())
        out.push_back({adapter.factory->name, adapter.factory->kind ? adapter.factory->kind : "",
                       adapter.factory->description ? adapter.factory->description : "", adapter.pluginName,
                       adapter.pluginPath});
    return out;
}

}  // namespace cs::model
