#pragma once
// ArtifactRole: what an artifact is for when a run's results are shown (report, export, views),
// decided in this one place from its typed kind and its payload (image, tensor or data).
#include "store/project_store.h"

#include <string>

namespace cs::results {

enum class ArtifactRole {
    CropImage,       // crop thumbnails of a concept
    AttributionMap,  // concept attribution maps: overlays, heatmaps, concept map pictures
    OtherImage,      // any other picture (source images, unknown kinds)
    Hierarchy,       // a tree JSON (concept tree, latent hierarchy)
    Curve,           // curves JSON: faithfulness deletion / insertion, SAE training
    Ablation,        // SAE ablation or steering results
    Tensor,          // float32 tensor (U maps, concept vectors, SAE weights, histograms)
    OtherData,
};
const char* toString(ArtifactRole role);

// The payload decides between picture, tensor and data first (an image-kind artifact stored as a
// tensor is a tensor); the kind then names the role. Kinds unknown to this version (Other) keep
// a role from their payload alone.
ArtifactRole classifyArtifact(const store::ArtifactRecord& artifact);
bool isImageMime(const std::string& mime);

}  // namespace cs::results
