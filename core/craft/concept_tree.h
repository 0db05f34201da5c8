#pragma once
// Concept nodes and the recursive concept tree (Fel et al., CVPR 2023 §3.4; docs/craft.md). Each
// top-level concept's strongest crops are decomposed again at an earlier probe point into
// sub-concepts. A sub-concept's importance is measured on its parent concept's coefficient when
// the model can run the layers in between (model::LayerBridge), else on the class logit. Each
// further recursive layer repeats this under every sub-concept.
#include "craft/craft_engine.h"

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace at {
class Tensor;
}
namespace cs::model {
class VisionModel;
}

namespace cs::craft {

class ConceptDictionary;

// Indices that sort `values` (1-D) from largest to smallest.
std::vector<int64_t> argsortDescending(const at::Tensor& values);

// The node of concept k of one decomposition (importance left to the caller): row k of W, and the
// `topCrops` rows of U with the highest code k, best first, numbered by cropIds (CraftResult::crops
// indices of U's rows; empty when U's rows are those crops).
ConceptNode conceptNode(const std::string& layer, int64_t k, const at::Tensor& U, const at::Tensor& W, int64_t topCrops,
                        const std::vector<int64_t>& cropIds = {});

// What the tree grows from: the top-level decomposition of a run.
struct TopLevelConcepts {
    const at::Tensor& images;                  // the analysed images, model input
    const std::vector<int64_t>& imageIndices;  // CraftResult::images
    const std::vector<CropBox>& crops;         // CraftResult::crops
    const at::Tensor& codes;                   // U: one row per crop
    const ConceptDictionary& dictionary;       // fitted at options.layer
    const ActivationPolicy& policy;
    const std::vector<int64_t>& conceptOrder;  // most important first
};

// Appends the sub-concepts at options.recursiveLayers to `nodes`, which holds the top-level nodes
// (node k = concept k). progress(fraction, message) runs after each decomposition,
// checkCancelled after each crop weighed (either may throw cs::Cancelled).
void growConceptTree(model::VisionModel& model, const CraftOptions& options, const TopLevelConcepts& top, std::vector<ConceptNode>& nodes,
                     const std::function<void(double, const std::string&)>& progress, const std::function<void()>& checkCancelled);

}  // namespace cs::craft
