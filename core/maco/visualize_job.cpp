#include "maco/visualize_job.h"

#include "common/error.h"
#include "common/output_file.h"
#include "craft/attribution_maps.h"
#include "data/image_source.h"
#include "model/model_loader.h"
#include "store/project_store.h"
#include "tcav/model_inputs.h"

#include <torch/torch.h>

#include <filesystem>

namespace cs::maco {

using nlohmann::json;

namespace {

struct RunToShow {
    store::RunRecord run;
    store::ModelRecord model;
    std::string imagesPath;
    std::vector<store::ConceptRecord> concepts;
};

// The run, its model and the concepts to show; every refusal names the project and what is wrong.
RunToShow findRun(const store::ProjectStore& store, const VisualizeJobSpec& spec) {
    const std::string& project = spec.projectPath;
    RunToShow r;
    const auto run = store.run(spec.runId);
    if (!run) throw Error(project, "has no run " + std::to_string(spec.runId));
    r.run = *run;
    if (run->status != store::RunStatus::Done) throw Error(project, "run " + std::to_string(spec.runId) + " is " + store::toString(run->status) + ", not done");
    const auto model = run->modelId ? store.model(*run->modelId) : std::nullopt;
    if (!model || model->kind != "vision") throw Error(project, "run " + std::to_string(spec.runId) + " has no vision model to visualise concepts with");
    r.model = *model;
    const auto parameters = json::parse(run->parametersJson, nullptr, false);
    if (parameters.is_object() && parameters.contains("images") && parameters["images"].is_string()) r.imagesPath = parameters["images"].get<std::string>();
    if (r.imagesPath.empty()) throw Error(project, "run " + std::to_string(spec.runId) + " names no images to measure the magnitude spectrum on");
    for (const auto& concept : store.concepts(spec.runId))
        if (!spec.conceptId || concept.id == *spec.conceptId) r.concepts.push_back(concept);
    if (r.concepts.empty())
        throw Error(project, spec.conceptId ? "run " + std::to_string(spec.runId) + " has no concept " + std::to_string(*spec.conceptId)
                                            : "run " + std::to_string(spec.runId) + " has no concepts");
    return r;
}

// Up to `count` images of the run's dataset as the user sees them (N×C×H×W in [0,1]).
at::Tensor spectrumImages(const std::string& imagesPath, const model::ModelInfo& info, size_t count) {
    const auto source = data::openImageSource(imagesPath);
    const at::Tensor inputs = tcav::loadModelInputs(*source, tcav::spreadIndices(source->images().size(), count), info);
    std::vector<at::Tensor> shown;
    for (int64_t i = 0; i < inputs.size(0); ++i) shown.push_back(craft::displayImage(inputs[i], info.mean, info.std));
    return torch::stack(shown);
}

}  // namespace

VisualizeJob::VisualizeJob(VisualizeJobSpec spec, std::shared_ptr<VisualizeJobOutput> output) : spec_(std::move(spec)), output_(std::move(output)) {}

void VisualizeJob::run(jobs::JobContext& context) {
    context.report("load", 0.0, "reading the run");
    auto store = store::ProjectStore::open(spec_.projectPath);
    const RunToShow r = findRun(*store, spec_);
    model::LoadOptions loadOptions;
    loadOptions.pluginDirs = spec_.pluginDirs;
    const auto model = model::loadVisionModel(r.model.path, loadOptions);
    if (!r.model.sha256.empty() && model->info().sha256 != r.model.sha256)
        throw Error(r.model.path, "has changed since run " + std::to_string(spec_.runId) + " was made (its sha256 differs)");
    std::filesystem::create_directories(spec_.outDir);

    context.report("spectrum", 0.02, "measuring the magnitude spectrum of the run's images");
    const NaturalImageStatistics statistics =
        naturalImageStatistics(spectrumImages(r.imagesPath, model->info(), spec_.spectrumImages), spec_.options.size);

    json images = json::array();
    const int steps = spec_.options.steps;
    for (size_t k = 0; k < r.concepts.size(); ++k) {
        const store::ConceptRecord& concept = r.concepts[k];
        const MacoImage picture = visualizeDirection(*model, concept.layer, concept.vector.data, statistics, spec_.options, [&](int step) {
            context.report("maco", (k + (step + 1.0) / steps) / r.concepts.size(),
                           "concept " + std::to_string(concept.id) + ": step " + std::to_string(step + 1) + "/" + std::to_string(steps));
            context.checkCancelled();
        });
        const std::string png = macoPng(picture);
        const std::string file =
            (std::filesystem::path(spec_.outDir) / ("run" + std::to_string(spec_.runId) + "_concept" + std::to_string(concept.id) + ".png")).string();
        writeOutputFile(file, png);
        store::ArtifactRecord artifact;
        artifact.runId = spec_.runId;
        artifact.kind = store::ArtifactKind::FeatureVisualization;
        artifact.name = "maco#concept" + std::to_string(concept.id);
        artifact.mime = "image/png";
        artifact.bytes = png;
        const json metadata{{"concept_id", concept.id}, {"method", "maco"}, {"layer", concept.layer}, {"steps", steps},
                            {"size", spec_.options.size}, {"crops", spec_.options.crops},
                            {"crop_box", {spec_.options.boxStart, spec_.options.boxEnd}}, {"seed", spec_.options.seed},
                            {"objective", picture.objective.back()}, {"spectrum", "images of " + r.imagesPath}};
        artifact.metadataJson = metadata.dump();
        const int64_t artifactId = store->replaceArtifact(artifact);  // a rerun replaces the concept's picture
        images.push_back({{"concept", concept.id}, {"label", concept.label}, {"file", file}, {"artifact_id", artifactId},
                          {"objective", picture.objective.back()}});
    }
    if (output_)
        output_->summary = {{"run", spec_.runId}, {"steps", steps}, {"size", spec_.options.size}, {"crops", spec_.options.crops}, {"images", images}};
}

}  // namespace cs::maco
