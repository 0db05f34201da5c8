#include "store/artifact_kind.h"

#include <utility>

namespace cs::store {
namespace {

// The one table of kinds and their stored text.
const std::vector<std::pair<ArtifactKind, const char*>>& kindTexts() {
    static const std::vector<std::pair<ArtifactKind, const char*>> table = {
        {ArtifactKind::Thumbnail, "thumbnail"},
        {ArtifactKind::Crop, "crop"},
        {ArtifactKind::Image, "image"},
        {ArtifactKind::Overlay, "overlay"},
        {ArtifactKind::Heatmap, "heatmap"},
        {ArtifactKind::ConceptMap, "concept_map"},
        {ArtifactKind::ConceptMapImplicit, "concept_map_implicit"},
        {ArtifactKind::Tensor, "tensor"},
        {ArtifactKind::SaeWeights, "sae-weights"},
        {ArtifactKind::Tree, "tree"},
        {ArtifactKind::LatentHierarchy, "latent-hierarchy"},
        {ArtifactKind::Curve, "curve"},
        {ArtifactKind::Histogram, "histogram"},
        {ArtifactKind::LatentHistogram, "latent_histogram"},
        {ArtifactKind::LatentDensity, "latent_density"},
        {ArtifactKind::Ablation, "ablation"},
        {ArtifactKind::Steering, "steering"},
        {ArtifactKind::FeatureVisualization, "feature_visualization"},
    };
    return table;
}

}  // namespace

const std::vector<ArtifactKind>& knownArtifactKinds() {
    static const std::vector<ArtifactKind> kinds = [] {
        std::vector<ArtifactKind> out;
        for (const auto& entry : kindTexts()) out.push_back(entry.first);
        return out;
    }();
    return kinds;
}

const char* toString(ArtifactKind kind) {
    for (const auto& [known, text] : kindTexts())
        if (known == kind) return text;
    return "other";
}

ArtifactKind artifactKindFromString(const std::string& text) {
    for (const auto& [kind, known] : kindTexts())
        if (text == known) return kind;
    return ArtifactKind::Other;
}

}  // namespace cs::store
