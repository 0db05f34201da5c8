#pragma once
// The one reader of a run's results: RunData holds what the project store (the single source
// of truth, docs/architecture.md) has about one run, and answers the questions the HTML report,
// the exports, the CLI and the studio's views ask of it. Artifact roles come from
// results/artifact_role.h; payloads (PNG bytes, JSON text, tensors) are read by artifact id
// with ProjectStore::artifact(id), because listings carry none.
// Tolerant by design: a run shows what it has; every accessor returns what there is.
#include "results/artifact_role.h"
#include "store/project_store.h"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace cs::results {

// A source image of a CRAFT run (kind image), as the model saw it.
struct RunImage {
    int64_t artifactId = 0;
    std::string name;    // the artifact name, which the maps' metadata "image" refers to
    std::string source;  // metadata "source": the file the picture came from; may be empty
};

// How a concept map was computed: by projecting activations on the concepts, or by implicit
// differentiation (gradient × input, Grad-CAM).
enum class MapMethod { Projection, Implicit };
const char* toString(MapMethod method);

// Concept maps of one image: a tensor of per-concept planes, or a ready-made overlay picture.
struct ConceptMapRef {
    int64_t artifactId = 0;
    std::string image;  // the image it belongs to
    MapMethod method = MapMethod::Projection;
    bool isTensor = true;
};

// A crop of a source image named by the run summary (engines that store boxes, not pictures).
struct CropBox {
    std::string image;  // file path, or path#index for an IDX file
    int64_t x = 0, y = 0, w = 0, h = 0;
};

struct RunData {
    store::RunRecord run;
    std::optional<store::ModelRecord> model;
    std::optional<store::DatasetRecord> dataset;
    nlohmann::json parameters = nlohmann::json::object();
    nlohmann::json summary = nlohmann::json::object();
    std::vector<store::ConceptRecord> concepts;
    std::vector<store::CropRecord> crops;
    std::vector<store::LatentRecord> latents;
    std::vector<store::ArtifactRecord> artifacts;  // listing only: no payloads
    std::vector<store::LabelRecord> labels;        // the users' labels and notes of its concepts and latents

    bool isCraft() const;
    bool isSae() const;
    std::vector<const store::ArtifactRecord*> artifactsWithRole(ArtifactRole role) const;
    // The artifact of this kind and name; nullptr when absent.
    const store::ArtifactRecord* find(store::ArtifactKind kind, const std::string& name) const;

    // --- CRAFT ---------------------------------------------------------------------------------
    // Top-level concepts (no parent) ordered by importance, most important first.
    std::vector<const store::ConceptRecord*> topConcepts() const;
    // Display name of a concept: the user's label, else the engine's label, else "Concept <index>"
    // (with the layer for sub-concepts).
    std::string conceptName(const store::ConceptRecord& concept) const;
    // The user's label of a concept or latent; nullptr when it has none.
    const store::LabelRecord* userLabel(store::LabelTarget target, int64_t targetId) const;
    // The class/target the run explains (CRAFT), from parameters or summary; empty when unknown.
    std::string className() const;
    // The probe point (layer) from parameters or summary; empty when unknown.
    std::string probePoint() const;
    // Source images (kind image with a picture payload), in stored order.
    std::vector<RunImage> images() const;
    // Concept maps: tensors (concept map kinds, or U maps with layout "h,w,..." / named "umap#...")
    // whose metadata names an image, then overlay pictures of several concepts (attribution
    // pictures without a "concept" in their metadata). Tensors come first, so a method that has
    // both uses the tensor.
    std::vector<ConceptMapRef> conceptMaps() const;
    // Crop thumbnails per concept id (metadata "concept_id"), best rank first.
    std::map<int64_t, std::vector<int64_t>> conceptThumbnails() const;
    // What each concept looks like (a MaCo picture, kind feature_visualization, metadata
    // "concept_id"): concept id -> artifact id; the latest stored when a concept has several.
    std::map<int64_t, int64_t> conceptPictures() const;
    // Crop boxes per concept id from the summary (the CLI's --json: concepts[{id, top_crops}]).
    std::map<int64_t, std::vector<CropBox>> summaryTopCrops() const;
    // The faithfulness curves JSON (deletion / insertion); nullptr when not stored.
    const store::ArtifactRecord* faithfulnessCurve() const;

    // --- trees, SAE ----------------------------------------------------------------------------
    // The first stored tree (concept tree or latent hierarchy); nullptr when none.
    const store::ArtifactRecord* storedTree() const;
    // A stored histogram (JSON {"counts", "edges"} or a tensor of counts) by name.
    const store::ArtifactRecord* histogram(const std::string& name) const;
    // One latent's activation histogram (tensor "latent<N>", metadata {min, max}).
    const store::ArtifactRecord* latentHistogram(int64_t latentIndex) const;
    // The SAE training curve JSON; nullptr when not stored.
    const store::ArtifactRecord* saeTrainingCurve() const;
    // Stored ablation and steering results.
    std::vector<const store::ArtifactRecord*> ablations() const;
    // The stored ablation or steering results of one latent ("latent_<N>").
    std::vector<const store::ArtifactRecord*> latentAblations(int64_t latentIndex) const;
    // A tensor artifact by name (e.g. "W_enc", "concept-vectors"); nullptr when absent.
    const store::ArtifactRecord* tensor(const std::string& name) const;
};

// Reads one run and what belongs to it; cs::Error naming the project when the run is absent.
RunData loadRunData(const store::ProjectStore& store, int64_t runId);
// Reads the run record and its artifact listing only (no concepts, crops, latents, model):
// for views that look up one artifact often.
RunData loadRunArtifacts(const store::ProjectStore& store, int64_t runId);

// The runs a report covers when none are named: every finished run, oldest first.
std::vector<int64_t> finishedRunIds(const store::ProjectStore& store);

// Parses JSON text stored by an engine; invalid text gives {"unparsed": text}.
nlohmann::json parseStoredJson(const std::string& text);

// The names of the classes a concept raises most through h, best first (CRAFT's metadata
// "raised_classes"); empty when the engine stored none.
std::vector<std::string> raisedClassNames(const store::ConceptRecord& concept);

// Tags of a latent as display strings: accepts ["a", ...] and [{"tag"|"name"|"label": ..}, ...].
std::vector<std::string> latentTags(const store::LatentRecord& latent);

}  // namespace cs::results
