#pragma once
// ArtifactKind: what a stored artifact is, one enum for every writer and reader. The project
// file keeps the same TEXT values as always (docs/project-schema.md), so no migration: an
// unknown text (an older engine's or a plugin's) opens as ArtifactKind::Other and is written
// back unchanged through ArtifactRecord::otherKind.
#include <optional>
#include <string>
#include <vector>

namespace cs::store {

enum class ArtifactKind {
    Thumbnail,           // "thumbnail": a concept's best crop (PNG), metadata {concept_id, rank}
    Crop,                // "crop": a crop picture written by other engines (PNG)
    Image,               // "image": a source image as the model saw it (PNG)
    Overlay,             // "overlay": concept attribution map over an image (PNG), metadata {image, map_type}
    Heatmap,             // "heatmap": one concept's attribution map (PNG), metadata {image, concept?, map_type}
    ConceptMap,          // "concept_map": per-image concept maps as a tensor, metadata {image, method?}
    ConceptMapImplicit,  // "concept_map_implicit": the same from implicit differentiation
    Tensor,              // "tensor": a float32 tensor (U maps, concept vectors, SAE weights)
    SaeWeights,          // "sae-weights": SAE weight tensors written by other engines
    Tree,                // "tree": a tree JSON (concept tree, latent hierarchy)
    LatentHierarchy,     // "latent-hierarchy": a latent tree JSON written by other engines
    Curve,               // "curve": curves JSON (faithfulness, SAE training)
    Histogram,           // "histogram": {"counts", "edges"} JSON
    LatentHistogram,     // "latent_histogram": one latent's activation histogram (tensor)
    LatentDensity,       // "latent_density": the run's latent frequency density (tensor)
    Ablation,            // "ablation": a latent ablation result JSON
    Steering,            // "steering": a latent steering result JSON
    FeatureVisualization,  // "feature_visualization": what a concept looks like (MaCo, PNG with alpha), metadata {concept_id, method, ...}
    Other,               // any other stored text (kept in ArtifactRecord::otherKind)
};

// Every kind but Other, in declaration order.
const std::vector<ArtifactKind>& knownArtifactKinds();
// The stored text of a kind; "other" for Other (whose real text lives in the record).
const char* toString(ArtifactKind kind);
// The kind a stored text names; Other when the text is not a known kind.
ArtifactKind artifactKindFromString(const std::string& text);

}  // namespace cs::store
