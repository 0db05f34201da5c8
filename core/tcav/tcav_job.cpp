#include "tcav/tcav_job.h"

#include "tcav/model_inputs.h"
#include "tcav/nearest_concepts.h"

#include "common/error.h"
#include "craft/attribution_maps.h"
#include "craft/craft_job.h"
#include "data/image_source.h"
#include "model/model_loader.h"
#include "store/project_store.h"
#include "store/stored_run.h"

#include <torch/torch.h>

#include <filesystem>

namespace cs::tcav {

using nlohmann::json;

namespace {

constexpr size_t kThumbnails = 6;  // concept examples shown with the run's concept

// The dataset of the project's newest done CRAFT run of this model, for when --images is not given.
std::string datasetOfLatestCraftRun(const std::string& projectPath, const std::string& modelSha256) {
    const std::string hint = "pass --images with the dataset to take the class's images and random images from";
    if (!std::filesystem::exists(projectPath)) throw UsageError("the project has no CRAFT run yet; " + hint);
    auto store = store::ProjectStore::open(projectPath, /*readOnly=*/true);
    for (const store::RunRecord& run : store->runs()) {
        if (run.kind != "craft" || run.status != store::RunStatus::Done || !run.modelId) continue;
        const auto model = store->model(*run.modelId);
        const auto parameters = json::parse(run.parametersJson, nullptr, false);
        if (model && model->sha256 == modelSha256 && parameters.is_object() && parameters.contains("images"))
            return parameters["images"].get<std::string>();
    }
    throw UsageError(projectPath + " has no finished CRAFT run of this model; " + hint);
}

std::string folderName(const std::string& path) {
    std::filesystem::path p(path);
    if (p.filename().empty()) p = p.parent_path();
    return p.filename().string();
}

// What the job loads before any run exists, so bad input fails without leaving a failed run.
struct TcavInputs {
    std::unique_ptr<model::VisionModel> model;
    std::unique_ptr<data::ImageSource> dataset, concepts, counters;  // counters: null = random images of the dataset
    int64_t classIndex = 0;
    at::Tensor conceptImages, classImages, randomImages, counterImages;
};

TcavInputs loadInputs(TcavJobSpec& spec, jobs::JobContext& context) {
    TcavInputs in;
    context.report("load", 0.0, "loading the model");
    model::LoadOptions loadOptions;
    loadOptions.adapter = spec.adapter;
    loadOptions.pluginDirs = spec.pluginDirs;
    in.model = model::loadVisionModel(spec.modelPath, loadOptions);
    const model::ModelInfo& info = in.model->info();
    if (spec.layer.empty()) throw UsageError("no --layer given; the probe points are listed by `concept-studio-cli models`");
    if (spec.imagesPath.empty()) spec.imagesPath = datasetOfLatestCraftRun(spec.projectPath, info.sha256);
    in.dataset = data::openImageSource(spec.imagesPath);
    in.concepts = data::openImageSource(spec.conceptImagesPath);
    if (!spec.randomImagesPath.empty()) in.counters = data::openImageSource(spec.randomImagesPath);
    in.classIndex = craft::resolveClass(spec.classSpec, info.classNames, in.dataset->classNames());

    const std::vector<size_t> classIndices = imagesOfClass(*in.dataset, info, in.classIndex, spec.maxImages);
    if (classIndices.empty()) throw Error(spec.imagesPath, "there are no images of class " + spec.classSpec);
    auto step = [&](const std::string& what) {
        return [&context, what](size_t done) {
            if (done % 16 == 0) {
                context.report("load", 0.05, "loading " + what + " (" + std::to_string(done) + ")");
                context.checkCancelled();
            }
        };
    };
    in.conceptImages = loadModelInputs(*in.concepts, spreadIndices(in.concepts->images().size(), spec.maxImages), info, step("concept examples"));
    in.classImages = loadModelInputs(*in.dataset, classIndices, info, step("images of the class"));
    // Without a folder of counter-examples, each run draws its counter-examples and its random set,
    // disjoint, from one pool of the dataset: twice as many images.
    const size_t poolLimit = spec.maxImages == 0 ? 0 : (in.counters ? spec.maxImages : 2 * spec.maxImages);
    in.randomImages = loadModelInputs(*in.dataset, spreadIndices(in.dataset->images().size(), poolLimit), info, step("random images"));
    if (in.counters)
        in.counterImages = loadModelInputs(*in.counters, spreadIndices(in.counters->images().size(), spec.maxImages), info, step("counter-examples"));
    return in;
}

int64_t recordModel(store::ProjectStore& store, const model::ModelInfo& info) {
    store::ModelRecord record;
    record.path = info.path;
    record.sha256 = info.sha256;
    record.adapter = info.adapter;
    record.kind = model::toString(info.kind);
    record.metadataJson = json{{"probe_points", info.probePoints}, {"class_names", info.classNames}, {"input_size", info.inputSize}}.dump();
    return store.addModel(record);
}

int64_t recordDataset(store::ProjectStore& store, const std::string& path, const data::ImageSource& source) {
    store::DatasetRecord record;
    record.path = path;
    record.kind = source.kind();
    record.metadataJson = json{{"images", source.images().size()}, {"class_names", source.classNames()}}.dump();
    return store.addDataset(record);
}

json parametersJson(const TcavJobSpec& spec, int64_t classIndex) {
    return {{"model", spec.modelPath},
            {"concept_images", spec.conceptImagesPath},
            {"random_images", spec.randomImagesPath},
            {"images", spec.imagesPath},
            {"class", spec.classSpec},
            {"class_index", classIndex},
            {"layer", spec.layer},
            {"cav", toString(spec.options.method)},
            {"random_runs", spec.options.randomRuns},
            {"alpha", spec.options.alpha},
            {"held_out_share", spec.options.heldOutShare},
            {"seed", spec.options.seed},
            {"max_images", spec.maxImages}};
}

// The run's results: the CAV as the run's one concept (so the views, the report and `visualize`
// treat it like a CRAFT concept), a few of its examples as thumbnails, the CAV tensor and the scores.
class TcavRunWriter {
public:
    TcavRunWriter(store::ProjectStore& store, int64_t runId, const TcavJobSpec& spec, const TcavInputs& in, const TcavResult& result)
        : store_(store), runId_(runId), spec_(spec), in_(in), result_(result) {}

    int64_t writeConcept() {
        store::ConceptRecord concept;
        concept.runId = runId_;
        concept.layer = spec_.layer;
        concept.index = 0;
        concept.importance = result_.tcavScore;
        concept.label = "TCAV: " + folderName(spec_.conceptImagesPath);
        concept.vector.shape = {static_cast<int64_t>(result_.cav.direction.size())};
        concept.vector.data.assign(result_.cav.direction.begin(), result_.cav.direction.end());
        concept.metadataJson =
            json{{"depth", 0}, {"rank", 0}, {"importance_target", "tcav_score"}, {"cav", toString(spec_.options.method)}, {"offset", result_.cav.offset}}
                .dump();
        conceptId_ = store_.addConcept(concept);
        return conceptId_;
    }

    void writeArtifacts() {
        const model::ModelInfo& info = in_.model->info();
        for (size_t t = 0; t < kThumbnails && static_cast<int64_t>(t) < in_.conceptImages.size(0); ++t) {
            const at::Tensor shown = craft::displayImage(in_.conceptImages[static_cast<int64_t>(t)], info.mean, info.std);
            add(store::ArtifactKind::Thumbnail, "concept" + std::to_string(conceptId_) + "#" + std::to_string(t), "image/png",
                craft::overlayPng(shown, {}, {}), json{{"concept_id", conceptId_}, {"rank", t}});
        }
        TensorBlob cav;
        cav.shape = {static_cast<int64_t>(result_.cav.direction.size())};
        cav.data.assign(result_.cav.direction.begin(), result_.cav.direction.end());
        add(store::ArtifactKind::Tensor, "cav", "application/x-cs-tensor", {}, json{{"layer", spec_.layer}, {"offset", result_.cav.offset}}, cav);
        add(store::ArtifactKind::Curve, "tcav-scores", "application/json",
            json{{"concept_scores", result_.conceptScores}, {"random_scores", result_.randomScores}}.dump(), json::object());
    }

private:
    void add(store::ArtifactKind kind, const std::string& name, const std::string& mime, std::string bytes, const json& metadata,
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

    store::ProjectStore& store_;
    const int64_t runId_;
    const TcavJobSpec& spec_;
    const TcavInputs& in_;
    const TcavResult& result_;
    int64_t conceptId_ = 0;
};

json summaryJson(int64_t runId, int64_t conceptId, const TcavJobSpec& spec, const TcavInputs& in, const TcavResult& result,
                 const std::vector<NearConcept>& nearest) {
    json near = json::array();
    for (const NearConcept& c : nearest) near.push_back({{"run", c.runId}, {"concept", c.conceptId}, {"label", c.label}, {"cosine", c.cosine}});
    return {{"run_id", runId},
            {"concept_id", conceptId},
            {"model", spec.modelPath},
            {"layer", spec.layer},
            {"class", in.classIndex},
            {"cav", toString(spec.options.method)},
            {"tcav_score", result.tcavScore},
            {"concept_scores", result.conceptScores},
            {"random_scores", result.randomScores},
            {"t_statistic", result.test.t},
            {"p_value", result.test.pValue},
            {"alpha", spec.options.alpha},
            {"significant", result.significant},
            {"verdict", significanceVerdict(result, spec.options.alpha)},
            {"cav_accuracy", result.cavAccuracy},
            {"n_concept_images", in.conceptImages.size(0)},
            {"n_counter_examples", (in.counters ? in.counterImages : in.randomImages).size(0)},
            {"counter_examples", in.counters ? spec.randomImagesPath : "random images of " + spec.imagesPath},
            {"n_class_images", in.classImages.size(0)},
            {"nearest_concepts", near}};
}

}  // namespace

TcavJob::TcavJob(TcavJobSpec spec, std::shared_ptr<TcavJobOutput> output) : spec_(std::move(spec)), output_(std::move(output)) {}

void TcavJob::run(jobs::JobContext& context) {
    TcavInputs in = loadInputs(spec_, context);
    model::VisionModel& model = *in.model;
    const model::ModelInfo& info = model.info();
    auto store = store::ProjectStore::openOrCreate(spec_.projectPath);
    const int64_t modelId = recordModel(*store, info);
    const int64_t datasetId = recordDataset(*store, spec_.imagesPath, *in.dataset);
    store::runStored(*store, store::RunStart{"tcav", parametersJson(spec_, in.classIndex).dump(), modelId, datasetId}, [&](int64_t runId) {
        const auto afterBatch = [&] {
            context.report("activations", 0.2, "activations at " + spec_.layer);
            context.checkCancelled();
        };
        const at::Tensor concept = pooledActivations(model, spec_.layer, in.conceptImages, spec_.batchSize, afterBatch);
        const at::Tensor randomPool = pooledActivations(model, spec_.layer, in.randomImages, spec_.batchSize, afterBatch);
        const at::Tensor counterPool =
            in.counters ? pooledActivations(model, spec_.layer, in.counterImages, spec_.batchSize, afterBatch) : randomPool;
        const at::Tensor gradients = classLogitGradients(model, spec_.layer, in.classImages, in.classIndex, spec_.batchSize, afterBatch);

        TcavActivations activations{&concept, &counterPool, &randomPool, !in.counters, &gradients};
        const TcavResult result = runTcavExperiment(activations, spec_.options, [&](int run) {
            context.report("cavs", 0.5 + 0.4 * (run + 1) / spec_.options.randomRuns,
                           "CAV " + std::to_string(run + 1) + "/" + std::to_string(spec_.options.randomRuns));
            context.checkCancelled();
        });
        const std::vector<NearConcept> nearest =
            nearestCraftConcepts(*store, info.sha256, in.classIndex, spec_.layer, result.cav.direction, spec_.nearestCount);

        context.report("store", 0.95, "storing the run");
        json summary;
        store->transaction([&] {
            TcavRunWriter writer(*store, runId, spec_, in, result);
            const int64_t conceptId = writer.writeConcept();
            writer.writeArtifacts();
            summary = summaryJson(runId, conceptId, spec_, in, result, nearest);
            context.checkCancelled();  // cancelled at the last moment: the transaction rolls back
            store->completeRun(runId, summary.dump(), [] {});
        });
        if (output_) {
            output_->runId = runId;
            output_->summary = summary;
        }
    });
}

}  // namespace cs::tcav
