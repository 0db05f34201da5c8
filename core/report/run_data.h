#pragma once
// Everything a report or an export needs about one run, read from the project store (the
// single source of truth, docs/architecture.md), plus the classification of its artifacts by role.
// Tolerant by design: a run shows what it has; unknown artifact kinds fall into "other".
#include "store/project_store.h"

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <vector>

namespace cs::report {

// What an artifact is for in a report, decided from its kind (and mime).
enum class ArtifactRole {
    CropImage,        // crop thumbnails of a concept
    AttributionMap,   // concept attribution maps / overlays / heatmaps
    OtherImage,       // any other picture
    Hierarchy,        // a tree JSON {"name", "weight"?, "children"?} (concept tree, latent hierarchy)
    Faithfulness,     // deletion / insertion curves
    Ablation,         // SAE ablation or steering results
    Tensor,           // float32 tensor (e.g. SAE weights)
    OtherData,
};
const char* toString(ArtifactRole role);
ArtifactRole classifyArtifact(const store::ArtifactRecord& artifact);
bool isImageMime(const std::string& mime);

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

    bool isCraft() const;
    bool isSae() const;
    std::vector<const store::ArtifactRecord*> artifactsWithRole(ArtifactRole role) const;
    // Top-level concepts (no parent) ordered by importance, most important first.
    std::vector<const store::ConceptRecord*> topConcepts() const;
    // Display name of a concept: its label, else "Concept <index>" (with the layer for sub-concepts).
    std::string conceptName(const store::ConceptRecord& concept) const;
    // The class/target the run explains (CRAFT), from parameters or summary; empty when unknown.
    std::string className() const;
    // The probe point (layer) from parameters or summary; empty when unknown.
    std::string probePoint() const;
};

// Reads one run and what belongs to it; cs::Error naming the project when the run is absent.
RunData loadRunData(const store::ProjectStore& store, int64_t runId);

// The runs a report covers when none are named: every finished run, oldest first.
std::vector<int64_t> finishedRunIds(const store::ProjectStore& store);

// Parses JSON text stored by an engine; invalid text gives {"unparsed": text}.
nlohmann::json parseStoredJson(const std::string& text);

// Tags of a latent as display strings: accepts ["a", ...] and [{"tag"|"name"|"label": ..}, ...].
std::vector<std::string> latentTags(const store::LatentRecord& latent);

}  // namespace cs::report
