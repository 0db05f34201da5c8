#include "results/artifact_role.h"

namespace cs::results {

using store::ArtifactKind;

const char* toString(ArtifactRole role) {
    switch (role) {
    case ArtifactRole::CropImage: return "crop";
    case ArtifactRole::AttributionMap: return "attribution map";
    case ArtifactRole::OtherImage: return "image";
    case ArtifactRole::Hierarchy: return "hierarchy";
    case ArtifactRole::Curve: return "curve";
    case ArtifactRole::Ablation: return "ablation";
    case ArtifactRole::Tensor: return "tensor";
    case ArtifactRole::OtherData: return "data";
    }
    return "data";
}

bool isImageMime(const std::string& mime) { return mime.rfind("image/", 0) == 0 && mime != "image/svg+xml"; }

namespace {

ArtifactRole pictureRole(ArtifactKind kind) {
    switch (kind) {
    case ArtifactKind::Thumbnail:
    case ArtifactKind::Crop: return ArtifactRole::CropImage;
    case ArtifactKind::Overlay:
    case ArtifactKind::Heatmap:
    case ArtifactKind::ConceptMap:
    case ArtifactKind::ConceptMapImplicit: return ArtifactRole::AttributionMap;
    default: return ArtifactRole::OtherImage;
    }
}

ArtifactRole dataRole(ArtifactKind kind) {
    switch (kind) {
    case ArtifactKind::Curve: return ArtifactRole::Curve;
    case ArtifactKind::Ablation:
    case ArtifactKind::Steering: return ArtifactRole::Ablation;
    case ArtifactKind::Tree:
    case ArtifactKind::LatentHierarchy: return ArtifactRole::Hierarchy;
    default: return ArtifactRole::OtherData;
    }
}

}  // namespace

ArtifactRole classifyArtifact(const store::ArtifactRecord& artifact) {
    if (isImageMime(artifact.mime)) return pictureRole(artifact.kind);
    if (artifact.tensor || artifact.mime == "application/x-cs-tensor") return ArtifactRole::Tensor;
    return dataRole(artifact.kind);
}

}  // namespace cs::results
