#include "craft/craft_job.h"

#include "craft/activation_cache.h"
#include "craft/attribution_maps.h"

#include "common/error.h"
#include "data/image_source.h"
#include "model/compute_backend.h"
#include "model/graph_split_model.h"
#include "model/model_loader.h"
#include "store/project_store.h"
#include "store/stored_run.h"

#include <torch/torch.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cmath>
#include <ctime>
#include <fstream>
#include <optional>
#include <utility>

namespace cs::craft {

using nlohmann::json;

int64_t resolveClass(const std::string& spec, const std::vector<std::string>& modelClasses, const std::vector<std::string>& datasetClasses) {
    if (spec.empty()) throw Error("class", "no class given; pass an index or a class name");
    if (std::all_of(spec.begin(), spec.end(), [](unsigned char c) { return std::isdigit(c); })) {
        try {
            return std::stoll(spec);
        } catch (const std::exception&) {
            throw Error("class", "'" + spec + "' is not a valid class index");
        }
    }
    for (const auto* names : {&modelClasses, &datasetClasses}) {
        auto it = std::find(names->begin(), names->end(), spec);
        if (it != names->end()) return it - names->begin();
    }
    std::string known;
    const auto& names = modelClasses.empty() ? datasetClasses : modelClasses;
    for (size_t i = 0; i < names.size() && i < 20; ++i) known += (known.empty() ? "" : ", ") + names[i];
    throw Error("class", "unknown class '" + spec + "'" + (known.empty() ? std::string(" (the model and the images declare no class names; use an index)")
                                                                           : " (known: " + known + (names.size() > 20 ? ", ..." : "") + ")"));
}

namespace {

// "concept 8" for a top-level concept, "concept 8.2" for the second sub-concept of concept 8 (one
// level deeper per recursive layer), so a label says where in the tree a concept sits.
std::string conceptLabel(const std::vector<ConceptNode>& nodes, size_t i) {
    const ConceptNode& node = nodes[i];
    const std::string number = std::to_string(node.index + 1);
    if (node.parent < 0) return "concept " + number;
    return conceptLabel(nodes, static_cast<size_t>(node.parent)) + "." + number;
}

json boxJson(const CropBox& b, double sx, double sy) {
    return json::array({static_cast<int64_t>(std::lround(b.x * sx)), static_cast<int64_t>(std::lround(b.y * sy)),
                        static_cast<int64_t>(std::lround(b.w * sx)), static_cast<int64_t>(std::lround(b.h * sy))});
}

std::string optionsJson(const CraftJobSpec& spec) {
    const auto& o = spec.options;
    json p = {{"model", spec.modelPath},
              {"images", spec.imagesPath},
              {"class", spec.classSpec},
              {"class_index", o.classIndex},
              {"layer", o.layer},
              {"concepts", o.concepts},
              {"patch_size", o.patchSize},
              {"stride", o.stride > 0 ? o.stride : defaultStride(o.patchSize)},
              {"sobol_designs", o.sobolDesigns},
              {"sobol_design", toString(o.sobolDesign)},
              {"dictionary", toString(o.dictionary)},
              {"importance", toString(o.importance)},
              {"recursive_layers", o.recursiveLayers},
              {"seed", o.seed},
              {"max_images", spec.maxImages},
              {"filter_predicted", o.filterPredicted},
              {"strict", spec.strictImages},
              {"negative_activations", toString(o.negativeActivations)},
              {"nmf", {{"max_iter", o.nmfMaxIterations}, {"tol", o.nmfTolerance}}},
              // What the run's speed depends on: the BLAS and threads (model/compute_backend.h).
              {"runtime", model::detectComputeBackend().toJson()}};
    return p.dump();
}

using Clock = std::chrono::steady_clock;

// --class-names: "@file.txt" (one name per line, blank lines skipped) or "a,b,c".
std::vector<std::string> readClassNames(const std::string& text) {
    std::vector<std::string> names;
    auto add = [&](std::string name) {
        while (!name.empty() && std::isspace(static_cast<unsigned char>(name.back()))) name.pop_back();
        const size_t first = name.find_first_not_of(" \t");
        if (first != std::string::npos) names.push_back(name.substr(first));
    };
    if (!text.empty() && text[0] == '@') {
        const std::string path = text.substr(1);
        std::ifstream in(path);
        if (!in) throw Error(path, "cannot be read (the class-names file given with --class-names @file)");
        for (std::string line; std::getline(in, line);) add(line);
        if (names.empty()) throw Error(path, "has no class names (expected one name per line)");
        return names;
    }
    std::string item;
    for (char c : text) {
        if (c == ',') add(std::exchange(item, {}));
        else item += c;
    }
    add(item);
    return names;
}

// The adapter options of a run: freezing, the input handling the user gave (overriding the
// model's own), and the layers to split and check at load for a model split by graph surgery.
std::string adapterOptions(const CraftJobSpec& spec) {
    json options = json::object();
    if (spec.freezeModel) options["freeze"] = true;
    if (!spec.inputSize.empty()) options["input_size"] = spec.inputSize;
    if (!spec.mean.empty()) options["mean"] = spec.mean;
    if (!spec.std.empty()) options["std"] = spec.std;
    if (!spec.classNames.empty()) options["class_names"] = readClassNames(spec.classNames);
    std::vector<std::string> layers = spec.options.recursiveLayers;
    if (!spec.options.layer.empty()) layers.push_back(spec.options.layer);
    if (!layers.empty()) options["layers"] = layers;
    return options.dump();
}

std::unique_ptr<model::VisionModel> loadModel(const CraftJobSpec& spec) {
    model::LoadOptions loadOptions;
    loadOptions.adapter = spec.adapter;
    loadOptions.pluginDirs = spec.pluginDirs;
    loadOptions.optionsJson = adapterOptions(spec);
    return model::loadVisionModel(spec.modelPath, loadOptions);
}

// NMF needs non-negative activations. With no dictionary named, a layer whose activations are
// signed (a transformer block, a layer before its ReLU) gets Semi-NMF, made for signed data, rather
// than a refusal; the implicit maps need NMF's codes, so they are left out. Returns what was done.
std::optional<std::string> dictionaryForSignedLayer(model::VisionModel& model, const at::Tensor& images, CraftOptions& options) {
    if (options.dictionaryGiven || options.dictionary != ConceptDictionaryMethod::Nmf ||
        options.negativeActivations != NegativeActivations::Refuse)
        return std::nullopt;
    torch::InferenceMode inference;
    const double minimum = model.activations(images.slice(0, 0, std::min<int64_t>(4, images.size(0))), options.layer).min().item<double>();
    if (minimum >= 0.0) return std::nullopt;
    options.dictionary = ConceptDictionaryMethod::SemiNmf;
    options.implicitMaps = false;
    return "activations at " + options.layer + " are signed (minimum " + std::to_string(minimum) +
           "): using the Semi-NMF dictionary, made for signed activations, since no --dictionary was given "
           "(and no implicit-differentiation maps, which need NMF)";
}

// Images of the class: by label when the source has labels (matched by name when both sides
// name their classes), all images otherwise; --filter-predicted later keeps the predicted ones.
std::vector<size_t> chooseClassImages(const data::ImageSource& source, const model::ModelInfo& info, int64_t classIndex,
                                      const CraftJobSpec& spec) {
    const auto& refs = source.images();
    const std::string className =
        classIndex >= 0 && classIndex < static_cast<int64_t>(info.classNames.size()) ? info.classNames[classIndex] : std::string();
    std::vector<size_t> chosen;
    for (size_t i = 0; i < refs.size(); ++i) {
        const auto& ref = refs[i];
        bool keep = true;
        if (ref.label >= 0) {
            if (!className.empty() && !ref.className.empty()) keep = ref.className == className;
            else keep = ref.label == classIndex;
        }
        if (keep) chosen.push_back(i);
        if (spec.maxImages > 0 && static_cast<int64_t>(chosen.size()) >= spec.maxImages) break;
    }
    if (chosen.empty())
        throw Error(spec.imagesPath, refs.empty() ? "there are no images" : "there are no images of class " + spec.classSpec);
    return chosen;
}

struct LoadedImages {
    at::Tensor batch;  // N×C×H×W at the model's input size, normalised as the model expects
    int64_t channels = 0, height = 0, width = 0;
    std::vector<std::pair<int64_t, int64_t>> sourceSizes;  // (width, height) of each source image
    std::vector<size_t> kept;            // the source indices in the batch, in order
    std::vector<std::string> skipped;    // "<file>: <problem>" of each unreadable image skipped
};

// How many skipped images a run's summary names (all are counted).
constexpr size_t kSkippedImagesListed = 20;

// The chosen images at the model's declared input size (the first image's when it declares none).
LoadedImages loadImages(const data::ImageSource& source, const std::vector<size_t>& chosen, const model::ModelInfo& info,
                        bool strict, jobs::JobContext& context) {
    LoadedImages loaded;
    const bool declared = info.inputSize.size() == 3;
    loaded.channels = declared ? info.inputSize[0] : 0;
    loaded.height = declared ? info.inputSize[1] : 0;
    loaded.width = declared ? info.inputSize[2] : 0;
    std::vector<std::vector<float>> pixels;
    for (size_t j = 0; j < chosen.size(); ++j) {
        if (j % 16 == 0) {
            context.report("activations", 0.0, "loading image " + std::to_string(j + 1) + "/" + std::to_string(chosen.size()));
            context.checkCancelled();
        }
        // An unreadable image among many is skipped and counted (the run stores the list), unless
        // --strict asks to stop; a folder with no readable image at all still fails below.
        try {
            data::Image image = source.load(chosen[j], static_cast<int>(loaded.channels == 1 || loaded.channels == 3 ? loaded.channels : 0),
                                            data::DecodeTarget{loaded.height, loaded.width});
            if (loaded.height == 0) {
                loaded.channels = image.channels;
                loaded.height = image.height;
                loaded.width = image.width;
            }
            if (image.channels != loaded.channels)
                throw Error(image.ref.id, "has " + std::to_string(image.channels) + " channels; the model expects " + std::to_string(loaded.channels));
            pixels.push_back(data::resizeAndNormalise(image, loaded.height, loaded.width, info.mean, info.std));
            loaded.sourceSizes.push_back({image.sourceWidth, image.sourceHeight});
            loaded.kept.push_back(chosen[j]);
        } catch (const Error& e) {
            if (strict) throw;
            loaded.skipped.push_back(e.what());
        }
    }
    if (loaded.kept.empty())
        throw Error(source.path(), "none of the " + std::to_string(chosen.size()) + " images could be read (first: " +
                                       (loaded.skipped.empty() ? std::string("none") : loaded.skipped.front()) + ")");
    loaded.batch = torch::empty({static_cast<int64_t>(pixels.size()), loaded.channels, loaded.height, loaded.width});
    for (size_t j = 0; j < pixels.size(); ++j)
        loaded.batch[static_cast<int64_t>(j)].copy_(torch::from_blob(pixels[j].data(), {loaded.channels, loaded.height, loaded.width}));
    return loaded;
}

int64_t recordModel(store::ProjectStore& store, const model::ModelInfo& info) {
    store::ModelRecord record;
    record.path = info.path;
    record.sha256 = info.sha256;
    record.adapter = info.adapter;
    record.kind = model::toString(info.kind);
    record.metadataJson = json{{"probe_points", info.probePoints}, {"class_names", info.classNames}, {"input_size", info.inputSize},
                               {"mean", info.mean}, {"std", info.std}}
                              .dump();
    return store.addModel(record);
}

int64_t recordDataset(store::ProjectStore& store, const std::string& path, const data::ImageSource& source) {
    store::DatasetRecord record;
    record.path = path;
    record.kind = source.kind();
    record.metadataJson = json{{"images", source.images().size()}, {"class_names", source.classNames()}}.dump();
    return store.addDataset(record);
}

// Writes one finished run's results into the store (inside the caller's transaction): crops first
// so concepts can point at them, then concepts with their thumbnails, maps, tensors, the tree and
// the faithfulness curves. Boxes are stored in source pixels.
class CraftRunWriter {
public:
    CraftRunWriter(store::ProjectStore& store, int64_t runId, const CraftResult& result, const CraftOptions& options,
                   const model::ModelInfo& info, const data::ImageSource& source, const std::vector<size_t>& chosen, const LoadedImages& images)
        : store_(store), runId_(runId), result_(result), options_(options), info_(info), refs_(source.images()), chosen_(chosen), images_(images) {}

    void writeCrops() {
        const int64_t r = options_.concepts;
        cropIds_.reserve(result_.crops.size());
        for (size_t c = 0; c < result_.crops.size(); ++c) {
            const CropBox& b = result_.crops[c];
            auto [sx, sy] = scaleOf(b.image);
            store::CropRecord crop;
            crop.runId = runId_;
            crop.sourceImage = sourceOf(b.image);
            crop.x = std::lround(b.x * sx);
            crop.y = std::lround(b.y * sy);
            crop.w = std::lround(b.w * sx);
            crop.h = std::lround(b.h * sy);
            crop.coefficients.shape = {r};
            crop.coefficients.data.assign(result_.cropCoefficients.data.begin() + static_cast<int64_t>(c) * r,
                                          result_.cropCoefficients.data.begin() + static_cast<int64_t>(c + 1) * r);
            cropIds_.push_back(store_.addCrop(crop));
        }
    }

    void writeConcepts() {
        conceptIds_.assign(result_.nodes.size(), 0);
        for (size_t i = 0; i < result_.nodes.size(); ++i) {
            const ConceptNode& node = result_.nodes[i];
            store::ConceptRecord concept;
            concept.runId = runId_;
            if (node.parent >= 0) concept.parentId = conceptIds_[node.parent];
            concept.layer = node.layer;
            concept.index = node.index;
            concept.importance = node.importance;
            concept.importanceStd = node.importanceStd;
            concept.label = conceptLabel(result_.nodes, i);
            concept.vector.shape = {static_cast<int64_t>(node.vector.size())};
            concept.vector.data = node.vector;
            json crops = json::array();
            for (auto [crop, coefficient] : node.topCrops) {
                json c = cropJson(crop, coefficient);
                c["crop_id"] = cropIds_[crop];
                crops.push_back(c);
            }
            const auto rank = std::find(result_.conceptOrder.begin(), result_.conceptOrder.end(), node.index) - result_.conceptOrder.begin();
            concept.metadataJson = json{{"depth", node.depth},
                                        {"importance_target", node.importanceTarget},
                                        {"rank", node.parent < 0 ? json(rank) : json(nullptr)},
                                        {"prevalence", node.parent < 0 ? json(result_.prevalence[node.index]) : json(nullptr)},
                                        {"reliability", node.parent < 0 ? reliabilityJson(node.index) : json(nullptr)},
                                        {"raised_classes", raisedClassesJson(node)},
                                        {"top_crops", crops}}
                                       .dump();
            conceptIds_[i] = store_.addConcept(concept);
            writeThumbnails(node, conceptIds_[i]);
        }
    }

    void writeMaps() {
        for (const ImageMaps& maps : result_.maps) {
            const std::string image = sourceOf(maps.image);
            addArtifact(store::ArtifactKind::Image, image, "image/png", overlayPng(displayImageOf(maps.image), {}, {}), json{{"source", image}});
            json conceptList = json::array();
            for (int64_t k : maps.concepts) conceptList.push_back(conceptIds_[k]);
            const json meta{{"image", image}, {"concepts", conceptList}};
            auto withType = [&](const std::string& type) {
                json m = meta;
                m["map_type"] = type;
                return m;
            };
            addArtifact(store::ArtifactKind::Overlay, image + "#projection", "image/png", maps.projectionOverlayPng, withType("projection"));
            if (!maps.gradientInputOverlayPng.empty()) {
                addArtifact(store::ArtifactKind::Overlay, image + "#gradient-input", "image/png", maps.gradientInputOverlayPng, withType("gradient-input"));
                addArtifact(store::ArtifactKind::Overlay, image + "#grad-cam", "image/png", maps.gradCamOverlayPng, withType("grad-cam"));
            }
            writeHeatmaps(maps, image);
        }
    }

    void writeTensors() {
        for (size_t i = 0; i < result_.uMaps.size(); ++i)
            addArtifact(store::ArtifactKind::Tensor, "umap#" + sourceOf(result_.images[i]), "application/x-cs-tensor", {},
                        json{{"image", sourceOf(result_.images[i])}, {"layout", "h,w,concept"}}, result_.uMaps[i]);
        addArtifact(store::ArtifactKind::Tensor, "concept-vectors", "application/x-cs-tensor", {}, json{{"layer", options_.layer}}, result_.conceptVectors);
        addArtifact(store::ArtifactKind::Tensor, "image-importance", "application/x-cs-tensor", {}, json{{"layout", "image,concept"}}, result_.imageImportance);
    }

    // The tree and the faithfulness curves as JSON artifacts; returns the curves for the summary.
    json writeTreeAndCurves() {
        json tree = json::array();
        for (size_t i = 0; i < result_.nodes.size(); ++i) {
            const ConceptNode& node = result_.nodes[i];
            tree.push_back({{"id", conceptIds_[i]},
                            {"parent", node.parent >= 0 ? json(conceptIds_[node.parent]) : json(nullptr)},
                            {"layer", node.layer},
                            {"index", node.index},
                            {"importance", node.importance},
                            {"importance_std", node.importanceStd},
                            {"importance_target", node.importanceTarget}});
        }
        const auto& f = result_.faithfulness;
        json faithfulness{{"deletion", f.deletion},
                          {"insertion", f.insertion},
                          {"deletion_random", f.deletionRandom},
                          {"insertion_random", f.insertionRandom},
                          {"deletion_auc", f.deletionArea},
                          {"insertion_auc", f.insertionArea},
                          {"deletion_auc_random", f.deletionAreaRandom},
                          {"insertion_auc_random", f.insertionAreaRandom},
                          {"random_orders", options_.randomOrders},
                          {"order", result_.conceptOrder}};
        addArtifact(store::ArtifactKind::Tree, "concept-tree", "application/json", json{{"run_id", runId_}, {"nodes", tree}}.dump(), json::object());
        addArtifact(store::ArtifactKind::Curve, "faithfulness", "application/json", faithfulness.dump(), json::object());
        return faithfulness;
    }

    // The --json summary (docs/cli.md plus faithfulness).
    json summary(const std::string& modelPath, const json& faithfulness, double totalSeconds) const {
        json concepts = json::array();
        for (int64_t k : result_.conceptOrder) {
            const ConceptNode& node = result_.nodes[k];
            json crops = json::array();
            for (auto [crop, coefficient] : node.topCrops) crops.push_back(cropJson(crop, coefficient));
            concepts.push_back({{"id", conceptIds_[k]},
                                {"importance", node.importance},
                                {"prevalence", result_.prevalence[k]},
                                {"reliability", reliabilityJson(k)},
                                {"raised_classes", raisedClassesJson(node)},
                                {"top_crops", crops}});
        }
        const auto& t = result_.timings;
        return {{"run_id", runId_},
                {"model", modelPath},
                {"layer", options_.layer},
                {"class", options_.classIndex},
                {"n_images", static_cast<int64_t>(result_.images.size())},
                {"n_crops", static_cast<int64_t>(result_.crops.size())},
                {"concepts", concepts},
                {"dictionary", toString(options_.dictionary)},
                {"importance", toString(options_.importance)},
                {"nmf", {{"rank", options_.concepts}, {"iterations", result_.nmf.iterations}, {"relative_error", result_.nmf.relativeError}}},
                {"sobol", {{"designs", options_.sobolDesigns}, {"h_evaluations", result_.hEvaluations}}},
                {"timings_s",
                 {{"activations", t.activations},
                  {"image_activations", t.imageActivations},
                  {"nmf", t.nmf},
                  {"sobol", t.sobol},
                  {"maps", t.maps},
                  {"metrics", t.metrics},
                  {"total", totalSeconds}}},
                {"faithfulness", faithfulness},
                {"metrics", metrics::toJson(result_.metrics)}};
    }

private:
    // [{"class", "name", "logit_gain"}, ...] best first; the name is the model's, else "class N".
    json raisedClassesJson(const ConceptNode& node) const {
        json out = json::array();
        for (const auto& [index, gain] : node.raisedClasses) {
            const bool named = index >= 0 && index < static_cast<int64_t>(info_.classNames.size()) && !info_.classNames[index].empty();
            out.push_back({{"class", index}, {"name", named ? info_.classNames[index] : "class " + std::to_string(index)}, {"logit_gain", gain}});
        }
        return out;
    }

    json reliabilityJson(int64_t concept) const {
        const auto& r = result_.reliability[concept];
        return r ? json(*r) : json(nullptr);
    }

    // Thumbnails of the concept's best crops (model-input pixels, best first) for the views.
    void writeThumbnails(const ConceptNode& node, int64_t conceptId) {
        for (size_t t = 0; t < node.topCrops.size(); ++t) {
            const CropBox& b = result_.crops[node.topCrops[t].first];
            at::Tensor crop = displayImageOf(b.image).slice(1, b.y, b.y + b.h).slice(2, b.x, b.x + b.w);
            store::ArtifactRecord thumb;
            thumb.runId = runId_;
            thumb.kind = store::ArtifactKind::Thumbnail;
            thumb.name = "concept" + std::to_string(conceptId) + "#" + std::to_string(t);
            thumb.mime = "image/png";
            thumb.bytes = overlayPng(crop, {}, {});
            thumb.metadataJson = json{{"concept_id", conceptId}, {"rank", t}, {"crop_id", cropIds_[node.topCrops[t].first]}, {"image", sourceOf(b.image)}}
                                     .dump();
            store_.addArtifact(thumb);
        }
    }

    void writeHeatmaps(const ImageMaps& maps, const std::string& image) {
        for (size_t c = 0; c < maps.concepts.size(); ++c) {
            const std::string suffix = "#concept" + std::to_string(conceptIds_[maps.concepts[c]]);
            json m{{"image", image}, {"concept", conceptIds_[maps.concepts[c]]}};
            m["map_type"] = "projection";
            addArtifact(store::ArtifactKind::Heatmap, image + "#projection" + suffix, "image/png", maps.projectionHeatmapPng[c], m);
            if (c < maps.gradientInputPng.size()) {
                m["map_type"] = "gradient-input";
                addArtifact(store::ArtifactKind::Heatmap, image + "#gradient-input" + suffix, "image/png", maps.gradientInputPng[c], m);
                m["map_type"] = "grad-cam";
                addArtifact(store::ArtifactKind::Heatmap, image + "#grad-cam" + suffix, "image/png", maps.gradCamPng[c], m);
            }
        }
    }

    void addArtifact(store::ArtifactKind kind, const std::string& name, const std::string& mime, std::string bytes, const json& metadata,
                     std::optional<TensorBlob> tensor = std::nullopt) {
        store::ArtifactRecord artifact;
        artifact.runId = runId_;
        artifact.kind = kind;
        artifact.name = name;
        artifact.mime = mime;
        artifact.bytes = std::move(bytes);
        artifact.tensor = std::move(tensor);
        artifact.metadataJson = metadata.dump();
        store_.addArtifact(artifact);
    }

    const std::string& sourceOf(int64_t image) const { return refs_[chosen_[image]].id; }
    std::pair<double, double> scaleOf(int64_t image) const {
        return {static_cast<double>(images_.sourceSizes[image].first) / images_.width,
                static_cast<double>(images_.sourceSizes[image].second) / images_.height};
    }
    json cropJson(int64_t crop, float coefficient) const {
        const CropBox& b = result_.crops[crop];
        auto [sx, sy] = scaleOf(b.image);
        return json{{"image", sourceOf(b.image)}, {"box", boxJson(b, sx, sy)}, {"coefficient", coefficient}};
    }
    // What the user sees: the model input with the normalisation undone (min-max when undeclared).
    at::Tensor displayImageOf(int64_t image) const { return displayImage(images_.batch[image], info_.mean, info_.std); }

    store::ProjectStore& store_;
    const int64_t runId_;
    const CraftResult& result_;
    const CraftOptions& options_;
    const model::ModelInfo& info_;
    const std::vector<data::ImageRef>& refs_;
    const std::vector<size_t>& chosen_;
    const LoadedImages& images_;
    std::vector<int64_t> cropIds_, conceptIds_;
};

// "nmf × sobol": a run's place in a method comparison.
std::string pairName(const std::pair<ConceptDictionaryMethod, ConceptImportanceMethod>& pair) {
    return std::string(toString(pair.first)) + " \u00d7 " + toString(pair.second);
}

// The model as the activation cache knows it: the file and how it was loaded (activation_cache.h).
std::string modelIdentity(const model::ModelInfo& info, const CraftJobSpec& spec) {
    return json{{"sha256", info.sha256}, {"adapter", info.adapter}, {"freeze", spec.freezeModel}}.dump();
}

// The group of a method comparison, as the project lists it beside sweeps.
store::SweepRecord comparisonGroup(const std::vector<std::pair<ConceptDictionaryMethod, ConceptImportanceMethod>>& pairs,
                                   const CraftJobSpec& spec, const CraftOptions& options) {
    std::vector<std::string> dictionaries, importances;
    for (const auto& [d, i] : pairs) {
        if (std::find(dictionaries.begin(), dictionaries.end(), toString(d)) == dictionaries.end()) dictionaries.push_back(toString(d));
        if (std::find(importances.begin(), importances.end(), toString(i)) == importances.end()) importances.push_back(toString(i));
    }
    auto joined = [](const std::vector<std::string>& items) {
        std::string text;
        for (const auto& item : items) text += (text.empty() ? "" : ", ") + item;
        return text;
    };
    const std::time_t now = std::time(nullptr);
    std::tm tm{};
    gmtime_r(&now, &tm);
    char created[32];
    std::strftime(created, sizeof created, "%Y-%m-%dT%H:%M:%SZ", &tm);
    store::SweepRecord group;
    group.uuid = store::newUuid();
    group.kind = "comparison";
    group.name = "methods " + joined(dictionaries) + " \u00d7 " + joined(importances) + " \u00b7 class " + spec.classSpec + " \u00b7 " + options.layer;
    group.createdAt = created;
    return group;
}

// Where a run is stored and what it shares with the other runs of its job.
struct RunPlace {
    int64_t modelId = 0, datasetId = 0;
    ActivationCache* cache = nullptr;
    int64_t groupId = 0, groupIndex = 0;  // a comparison's group (0 = none) and the run's place in it
};

// What every run of one job reads.
struct JobInputs {
    model::VisionModel& model;
    const LoadedImages& images;
    const data::ImageSource& source;
    jobs::JobContext& context;
    Clock::time_point started;
};

// Runs CRAFT once with `spec`'s options and stores the run; returns its id and summary.
std::pair<int64_t, json> storeOneRun(store::ProjectStore& store, const RunPlace& place, const JobInputs& in, const CraftJobSpec& spec,
                                     const std::vector<std::string>& notes) {
    const CraftOptions& options = spec.options;
    const model::ModelInfo& info = in.model.info();
    int64_t storedRunId = 0;
    json summary;
    store::runStored(store, store::RunStart{"craft", optionsJson(spec), place.modelId, place.datasetId}, [&](int64_t runId) {
        storedRunId = runId;
        if (place.groupId) store.addSweepRun(place.groupId, runId, place.groupIndex, pairName({options.dictionary, options.importance}));
        CraftEngine engine(in.model, options, &in.context);
        if (place.cache) engine.useActivationCache(place.cache, modelIdentity(info, spec));
        CraftResult result = engine.run(in.images.batch, at::Tensor());
        in.context.checkCancelled();
        store.transaction([&] {
            CraftRunWriter writer(store, runId, result, options, info, in.source, in.images.kept, in.images);
            writer.writeCrops();
            writer.writeConcepts();
            writer.writeMaps();
            writer.writeTensors();
            const json faithfulness = writer.writeTreeAndCurves();
            summary = writer.summary(spec.modelPath, faithfulness, std::chrono::duration<double>(Clock::now() - in.started).count());
            const auto& skipped = in.images.skipped;
            summary["images_skipped"] = static_cast<int64_t>(skipped.size());
            summary["skipped_images"] = std::vector<std::string>(skipped.begin(), skipped.begin() + long(std::min(skipped.size(), kSkippedImagesListed)));
            summary["notes"] = notes;
            summary["activation_cache"] = result.activationCache;
            if (place.groupId) summary["group_id"] = place.groupId;
            // Cancelled at the last moment: the transaction rolls back and nothing is written.
            in.context.checkCancelled();
            store.completeRun(runId, summary.dump(), [] {});
        });
    });
    return {storedRunId, summary};
}

// One run per (dictionary, importance) pair, grouped. A run that fails does not stop the others;
// the job fails afterwards naming each failed pair, and the finished runs stay.
void compareMethods(store::ProjectStore& store, RunPlace place, const JobInputs& in, const CraftJobSpec& spec,
                    const std::vector<std::string>& notes, CraftJobOutput* output) {
    const auto pairs = methodPairs(spec);
    place.groupId = store.addSweep(comparisonGroup(pairs, spec, spec.options));
    if (output) output->groupId = place.groupId;
    std::vector<std::string> failures;
    for (size_t k = 0; k < pairs.size(); ++k) {
        CraftJobSpec runSpec = spec;
        CraftOptions& o = runSpec.options;
        o.dictionary = pairs[k].first;
        o.importance = pairs[k].second;
        o.dictionaryGiven = true;
        std::vector<std::string> runNotes = notes;
        // The implicit maps need NMF's codes (attribution_maps.h): the other dictionaries of a
        // comparison draw the projection and gradient maps alone rather than fail.
        if (o.dictionary != ConceptDictionaryMethod::Nmf && o.implicitMaps) {
            o.implicitMaps = false;
            runNotes.push_back(std::string("no implicit-differentiation maps with the ") + toString(o.dictionary) + " dictionary (they need NMF's codes)");
        }
        place.groupIndex = static_cast<int64_t>(k);
        const std::string name = pairName(pairs[k]);
        in.context.report("activations", 0.0, "method " + std::to_string(k + 1) + "/" + std::to_string(pairs.size()) + ": " + name);
        // A run's total time is its own: the first one's includes loading the model and images.
        JobInputs runInputs = in;
        if (k > 0) runInputs.started = Clock::now();
        try {
            auto [runId, summary] = storeOneRun(store, place, runInputs, runSpec, runNotes);
            if (output) output->runs.push_back({runId, std::move(summary)});
        } catch (const Cancelled&) {
            throw;
        } catch (const Error& e) {
            failures.push_back(name + ": " + e.what());
        }
    }
    if (!failures.empty()) {
        std::string text;
        for (const auto& f : failures) text += (text.empty() ? "" : "; ") + f;
        throw Error("comparison", std::to_string(failures.size()) + " of " + std::to_string(pairs.size()) +
                                      " runs failed (the others are stored in the group): " + text);
    }
}

}  // namespace

CraftJob::CraftJob(CraftJobSpec spec, std::shared_ptr<CraftJobOutput> output) : spec_(std::move(spec)), output_(std::move(output)) {}

void CraftJob::run(jobs::JobContext& context) {
    const auto started = Clock::now();
    context.report("activations", 0.0, "loading the model");
    const std::unique_ptr<model::VisionModel> model = loadModel(spec_);
    const model::ModelInfo& info = model->info();
    const std::unique_ptr<data::ImageSource> source = data::openImageSource(spec_.imagesPath);
    CraftOptions options = spec_.options;
    options.classIndex = resolveClass(spec_.classSpec, info.classNames, source->classNames());
    if (options.layer.empty()) throw Error(spec_.modelPath, "no layer given; `concept-studio-cli layers --model " + spec_.modelPath + "` lists the layers");
    const LoadedImages images = loadImages(*source, chooseClassImages(*source, info, options.classIndex, spec_), info,
                                           spec_.strictImages, context);
    // What the loader chose or checked (defaults, h(g(x)) = model(x)) and what the run changed: told to the user.
    std::vector<std::string> notes;
    if (auto* loadNotes = dynamic_cast<const model::LoadNotes*>(model.get())) notes = loadNotes->loadNotes();
    if (auto note = dictionaryForSignedLayer(*model, images.batch, options)) notes.push_back(*note);
    for (const auto& note : notes) context.report("activations", 0.0, note);

    auto store = store::ProjectStore::openOrCreate(spec_.projectPath);
    RunPlace place;
    place.modelId = recordModel(*store, info);
    place.datasetId = recordDataset(*store, spec_.imagesPath, *source);
    std::unique_ptr<ProjectActivationCache> cache;
    if (spec_.activationCache) cache = std::make_unique<ProjectActivationCache>(*store, info.sha256, options.layer);
    place.cache = cache.get();
    spec_.options = options;
    const JobInputs inputs{*model, images, *source, context, started};
    if (methodPairs(spec_).size() > 1) {
        compareMethods(*store, place, inputs, spec_, notes, output_.get());
        return;
    }
    auto [runId, summary] = storeOneRun(*store, place, inputs, spec_, notes);
    if (output_) {
        output_->runId = runId;
        output_->summary = std::move(summary);
    }
}

}  // namespace cs::craft
