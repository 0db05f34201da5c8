#include "craft/craft_job.h"

#include "craft/attribution_maps.h"

#include "common/error.h"
#include "data/image_source.h"
#include "model/model_loader.h"
#include "store/project_store.h"

#include <torch/torch.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cmath>
#include <optional>

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
              {"recursive_layers", o.recursiveLayers},
              {"seed", o.seed},
              {"max_images", spec.maxImages},
              {"filter_predicted", o.filterPredicted},
              {"negative_activations", toString(o.negativeActivations)},
              {"nmf", {{"max_iter", o.nmfMaxIterations}, {"tol", o.nmfTolerance}}}};
    return p.dump();
}

}  // namespace

CraftJob::CraftJob(CraftJobSpec spec, std::shared_ptr<CraftJobOutput> output) : spec_(std::move(spec)), output_(std::move(output)) {}

void CraftJob::run(jobs::JobContext& context) {
    const auto started = std::chrono::steady_clock::now();
    context.report("activations", 0.0, "loading the model");
    model::LoadOptions loadOptions;
    loadOptions.adapter = spec_.adapter;
    loadOptions.pluginDirs = spec_.pluginDirs;
    if (spec_.freezeModel) loadOptions.optionsJson = R"({"freeze": true})";
    std::unique_ptr<model::VisionModel> model = model::loadVisionModel(spec_.modelPath, loadOptions);
    const model::ModelInfo& info = model->info();

    std::unique_ptr<data::ImageSource> source = data::openImageSource(spec_.imagesPath);
    CraftOptions options = spec_.options;
    options.classIndex = resolveClass(spec_.classSpec, info.classNames, source->classNames());
    if (options.layer.empty()) throw Error(spec_.modelPath, "no layer given; the probe points are listed by `concept-studio-cli models`");

    // Images of the class: by label when the source has labels (matched by name when both sides
    // name their classes), all images otherwise; --filter-predicted then keeps the predicted ones.
    const auto& refs = source->images();
    const auto datasetClasses = source->classNames();
    std::string className = options.classIndex >= 0 && options.classIndex < static_cast<int64_t>(info.classNames.size())
                                ? info.classNames[options.classIndex]
                                : std::string();
    std::vector<size_t> chosen;
    for (size_t i = 0; i < refs.size(); ++i) {
        const auto& ref = refs[i];
        bool keep = true;
        if (ref.label >= 0) {
            if (!className.empty() && !ref.className.empty()) keep = ref.className == className;
            else keep = ref.label == options.classIndex;
        }
        if (keep) chosen.push_back(i);
        if (spec_.maxImages > 0 && static_cast<int64_t>(chosen.size()) >= spec_.maxImages) break;
    }
    if (chosen.empty())
        throw Error(spec_.imagesPath, refs.empty() ? "there are no images" : "there are no images of class " + spec_.classSpec);

    int64_t channels = info.inputSize.size() == 3 ? info.inputSize[0] : 0;
    int64_t height = info.inputSize.size() == 3 ? info.inputSize[1] : 0;
    int64_t width = info.inputSize.size() == 3 ? info.inputSize[2] : 0;
    std::vector<std::pair<int64_t, int64_t>> sourceSizes;  // (width, height) per chosen image
    at::Tensor images;
    for (size_t j = 0; j < chosen.size(); ++j) {
        data::Image image = source->load(chosen[j], static_cast<int>(channels == 1 || channels == 3 ? channels : 0));
        if (height == 0) {  // the model declares no input size: use the first image's
            channels = image.channels;
            height = image.height;
            width = image.width;
        }
        if (image.channels != channels)
            throw Error(image.ref.id, "has " + std::to_string(image.channels) + " channels; the model expects " + std::to_string(channels));
        if (!images.defined()) images = torch::empty({static_cast<int64_t>(chosen.size()), channels, height, width});
        auto pixels = data::resizeAndNormalise(image, height, width, info.mean, info.std);
        images[static_cast<int64_t>(j)].copy_(torch::from_blob(pixels.data(), {channels, height, width}));
        sourceSizes.push_back({image.width, image.height});
        if (j % 16 == 0) {
            context.report("activations", 0.0, "loading image " + std::to_string(j + 1) + "/" + std::to_string(chosen.size()));
            context.checkCancelled();
        }
    }

    auto store = store::ProjectStore::openOrCreate(spec_.projectPath);
    store::ModelRecord modelRecord;
    modelRecord.path = info.path;
    modelRecord.sha256 = info.sha256;
    modelRecord.adapter = info.adapter;
    modelRecord.kind = model::toString(info.kind);
    modelRecord.metadataJson = json{{"probe_points", info.probePoints}, {"class_names", info.classNames}, {"input_size", info.inputSize}}.dump();
    const int64_t modelId = store->addModel(modelRecord);
    store::DatasetRecord datasetRecord;
    datasetRecord.path = spec_.imagesPath;
    datasetRecord.kind = spec_.imagesPath.find("idx") != std::string::npos || spec_.imagesPath.find("ubyte") != std::string::npos
                             ? "idx"
                             : (datasetClasses.empty() ? "image-folder" : "image-folder-tree");
    datasetRecord.metadataJson = json{{"images", refs.size()}, {"class_names", datasetClasses}}.dump();
    const int64_t datasetId = store->addDataset(datasetRecord);

    spec_.options = options;
    const int64_t runId = store->createRun("craft", optionsJson(spec_), modelId, datasetId);
    store->markRunning(runId);
    try {
        CraftEngine engine(*model, options, &context);
        CraftResult result = engine.run(images, at::Tensor());
        context.checkCancelled();

        auto sourceOf = [&](int64_t image) -> const std::string& { return refs[chosen[image]].id; };
        auto scaleOf = [&](int64_t image) {
            return std::make_pair(static_cast<double>(sourceSizes[image].first) / width, static_cast<double>(sourceSizes[image].second) / height);
        };
        auto cropJson = [&](int64_t crop, float coefficient) {
            const CropBox& b = result.crops[crop];
            auto [sx, sy] = scaleOf(b.image);
            return json{{"image", sourceOf(b.image)}, {"box", boxJson(b, sx, sy)}, {"coefficient", coefficient}};
        };

        // What the user sees: the model input with the normalisation undone (min-max when undeclared).
        auto displayImage = [&](int64_t image) {
            at::Tensor x = images[image];
            if (static_cast<int64_t>(info.mean.size()) == channels && info.std.size() == info.mean.size())
                return (x * torch::tensor(info.std).view({-1, 1, 1}) + torch::tensor(info.mean).view({-1, 1, 1})).clamp(0, 1);
            return (x - x.min()) / std::max(1e-12, (x.max() - x.min()).item<double>());
        };

        json summary;
        store->transaction([&] {
            // Crops first so concepts can point at them.
            const int64_t r = options.concepts;
            std::vector<int64_t> cropIds;
            cropIds.reserve(result.crops.size());
            for (size_t c = 0; c < result.crops.size(); ++c) {
                const CropBox& b = result.crops[c];
                auto [sx, sy] = scaleOf(b.image);
                store::CropRecord crop;
                crop.runId = runId;
                crop.sourceImage = sourceOf(b.image);
                crop.x = std::lround(b.x * sx);
                crop.y = std::lround(b.y * sy);
                crop.w = std::lround(b.w * sx);
                crop.h = std::lround(b.h * sy);
                crop.coefficients.shape = {r};
                crop.coefficients.data.assign(result.cropCoefficients.data.begin() + static_cast<int64_t>(c) * r,
                                              result.cropCoefficients.data.begin() + static_cast<int64_t>(c + 1) * r);
                cropIds.push_back(store->addCrop(crop));
            }
            std::vector<int64_t> conceptIds(result.nodes.size());
            json tree = json::array();
            for (size_t i = 0; i < result.nodes.size(); ++i) {
                const ConceptNode& node = result.nodes[i];
                store::ConceptRecord concept;
                concept.runId = runId;
                if (node.parent >= 0) concept.parentId = conceptIds[node.parent];
                concept.layer = node.layer;
                concept.index = node.index;
                concept.importance = node.importance;
                concept.importanceStd = node.importanceStd;
                concept.label = conceptLabel(result.nodes, i);
                concept.vector.shape = {static_cast<int64_t>(node.vector.size())};
                concept.vector.data = node.vector;
                json crops = json::array();
                for (auto [crop, coefficient] : node.topCrops) {
                    json c = cropJson(crop, coefficient);
                    c["crop_id"] = cropIds[crop];
                    crops.push_back(c);
                }
                const auto rank = std::find(result.conceptOrder.begin(), result.conceptOrder.end(), node.index) - result.conceptOrder.begin();
                concept.metadataJson = json{{"depth", node.depth},
                                            {"importance_target", node.importanceTarget},
                                            {"rank", node.parent < 0 ? json(rank) : json(nullptr)},
                                            {"top_crops", crops}}
                                           .dump();
                conceptIds[i] = store->addConcept(concept);
                // Thumbnails of the concept's best crops (model-input pixels, best first) for the views.
                for (size_t t = 0; t < node.topCrops.size(); ++t) {
                    const CropBox& b = result.crops[node.topCrops[t].first];
                    at::Tensor crop = displayImage(b.image).slice(1, b.y, b.y + b.h).slice(2, b.x, b.x + b.w);
                    store::ArtifactRecord thumb;
                    thumb.runId = runId;
                    thumb.kind = store::ArtifactKind::Thumbnail;
                    thumb.name = "concept" + std::to_string(conceptIds[i]) + "#" + std::to_string(t);
                    thumb.mime = "image/png";
                    thumb.bytes = overlayPng(crop, {}, {});
                    thumb.metadataJson = json{{"concept_id", conceptIds[i]}, {"rank", t}, {"crop_id", cropIds[node.topCrops[t].first]},
                                              {"image", sourceOf(b.image)}}
                                             .dump();
                    store->addArtifact(thumb);
                }
                tree.push_back({{"id", conceptIds[i]},
                                {"parent", node.parent >= 0 ? json(conceptIds[node.parent]) : json(nullptr)},
                                {"layer", node.layer},
                                {"index", node.index},
                                {"importance", node.importance},
                                {"importance_std", node.importanceStd},
                                {"importance_target", node.importanceTarget}});
            }

            auto addArtifact = [&](const std::string& kind, const std::string& name, const std::string& mime, std::string bytes,
                                   json metadata, std::optional<TensorBlob> tensor = std::nullopt) {
                store::ArtifactRecord artifact;
                artifact.runId = runId;
                artifact.kind = store::artifactKindFromString(kind);
                artifact.name = name;
                artifact.mime = mime;
                artifact.bytes = std::move(bytes);
                artifact.tensor = std::move(tensor);
                artifact.metadataJson = metadata.dump();
                store->addArtifact(artifact);
            };
            for (const ImageMaps& maps : result.maps) {
                const std::string image = sourceOf(maps.image);
                addArtifact("image", image, "image/png", overlayPng(displayImage(maps.image), {}, {}), json{{"source", image}});
                json conceptList = json::array();
                for (int64_t k : maps.concepts) conceptList.push_back(conceptIds[k]);
                const json meta{{"image", image}, {"concepts", conceptList}};
                auto withType = [&](const std::string& type) {
                    json m = meta;
                    m["map_type"] = type;
                    return m;
                };
                addArtifact("overlay", image + "#projection", "image/png", maps.projectionOverlayPng, withType("projection"));
                if (!maps.gradientInputOverlayPng.empty()) {
                    addArtifact("overlay", image + "#gradient-input", "image/png", maps.gradientInputOverlayPng, withType("gradient-input"));
                    addArtifact("overlay", image + "#grad-cam", "image/png", maps.gradCamOverlayPng, withType("grad-cam"));
                }
                for (size_t c = 0; c < maps.concepts.size(); ++c) {
                    const std::string suffix = "#concept" + std::to_string(conceptIds[maps.concepts[c]]);
                    json m{{"image", image}, {"concept", conceptIds[maps.concepts[c]]}};
                    m["map_type"] = "projection";
                    addArtifact("heatmap", image + "#projection" + suffix, "image/png", maps.projectionHeatmapPng[c], m);
                    if (c < maps.gradientInputPng.size()) {
                        m["map_type"] = "gradient-input";
                        addArtifact("heatmap", image + "#gradient-input" + suffix, "image/png", maps.gradientInputPng[c], m);
                        m["map_type"] = "grad-cam";
                        addArtifact("heatmap", image + "#grad-cam" + suffix, "image/png", maps.gradCamPng[c], m);
                    }
                }
            }
            for (size_t i = 0; i < result.uMaps.size(); ++i)
                addArtifact("tensor", "umap#" + sourceOf(result.images[i]), "application/x-cs-tensor", {},
                            json{{"image", sourceOf(result.images[i])}, {"layout", "h,w,concept"}}, result.uMaps[i]);
            addArtifact("tensor", "concept-vectors", "application/x-cs-tensor", {}, json{{"layer", options.layer}}, result.conceptVectors);
            addArtifact("tensor", "image-importance", "application/x-cs-tensor", {}, json{{"layout", "image,concept"}}, result.imageImportance);

            const auto& f = result.faithfulness;
            json faithfulness{{"deletion", f.deletion},
                              {"insertion", f.insertion},
                              {"deletion_random", f.deletionRandom},
                              {"insertion_random", f.insertionRandom},
                              {"deletion_auc", f.deletionArea},
                              {"insertion_auc", f.insertionArea},
                              {"deletion_auc_random", f.deletionAreaRandom},
                              {"insertion_auc_random", f.insertionAreaRandom},
                              {"random_orders", options.randomOrders},
                              {"order", result.conceptOrder}};
            addArtifact("tree", "concept-tree", "application/json", json{{"run_id", runId}, {"nodes", tree}}.dump(), json::object());
            addArtifact("curve", "faithfulness", "application/json", faithfulness.dump(), json::object());

            json concepts = json::array();
            for (int64_t k : result.conceptOrder) {
                const ConceptNode& node = result.nodes[k];
                json crops = json::array();
                for (auto [crop, coefficient] : node.topCrops) crops.push_back(cropJson(crop, coefficient));
                concepts.push_back({{"id", conceptIds[k]}, {"importance", node.importance}, {"top_crops", crops}});
            }
            const double total = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
            summary = {{"run_id", runId},
                       {"model", spec_.modelPath},
                       {"layer", options.layer},
                       {"class", options.classIndex},
                       {"n_images", static_cast<int64_t>(result.images.size())},
                       {"n_crops", static_cast<int64_t>(result.crops.size())},
                       {"concepts", concepts},
                       {"nmf", {{"rank", options.concepts}, {"iterations", result.nmf.iterations}, {"relative_error", result.nmf.relativeError}}},
                       {"sobol", {{"designs", options.sobolDesigns}, {"h_evaluations", result.hEvaluations}}},
                       {"timings_s",
                        {{"activations", result.timings.activations},
                         {"image_activations", result.timings.imageActivations},
                         {"nmf", result.timings.nmf},
                         {"sobol", result.timings.sobol},
                         {"maps", result.timings.maps},
                         {"total", total}}},
                       {"faithfulness", faithfulness}};
            // Cancelled at the last moment: the transaction rolls back and nothing is written.
            context.checkCancelled();
            store->completeRun(runId, summary.dump(), [] {});
        });
        if (output_) {
            output_->runId = runId;
            output_->summary = summary;
        }
    } catch (const Cancelled&) {
        store->markCancelled(runId);
        throw;
    } catch (const std::exception& e) {
        store->markFailed(runId, e.what());
        throw;
    }
}

}  // namespace cs::craft
