#pragma once
// Row ids that the engines write inside JSON and artifact names, rewritten when a run moves to
// another project (project_merge.h). CRAFT refers to its concepts and crops by row id in concept
// metadata (top_crops[].crop_id), in artifact metadata (concept_id, crop_id, concept, concepts),
// in artifact names ("concept12#0", "img.png#projection#concept12"), in the concept-tree artifact
// (nodes[].id, nodes[].parent, run_id) and in the run summary (run_id, concepts[].id). RecSAE
// refers to latents by their index, which does not change. Ids missing from a map are kept.
#include <cstdint>
#include <string>
#include <unordered_map>

namespace cs::sweep {

struct IdRemap {
    int64_t runId = 0;  // the run's id in the target
    std::unordered_map<int64_t, int64_t> concepts, crops;  // shard row id -> target row id
};

std::string remapConceptMetadata(const std::string& metadataJson, const IdRemap& remap);
std::string remapArtifactMetadata(const std::string& metadataJson, const IdRemap& remap);
std::string remapArtifactName(const std::string& name, const IdRemap& remap);
// An artifact's JSON payload: the concept tree's nodes, and any top-level run_id.
std::string remapArtifactJson(const std::string& payload, const IdRemap& remap);
std::string remapRunSummary(const std::string& summaryJson, const IdRemap& remap);

}  // namespace cs::sweep
