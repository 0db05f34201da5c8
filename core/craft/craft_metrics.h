#pragma once
// The metrics of a CRAFT run (core/metrics, docs/craft.md "Metrics") computed from the engine's
// tensors: the dictionary's reconstruction error, sparsity and collinearity on the crop
// activations; C-Deletion, C-Insertion and C-μFidelity with each image's own importance; the
// optional stability, which refits the dictionary; the concepts' prevalence and reliability.
#include "craft/concept_contributions.h"

#include "metrics/concept_faithfulness.h"
#include "metrics/concept_metrics.h"
#include "metrics/run_metrics.h"

#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

namespace at {
class Tensor;
}
namespace cs::model {
class VisionModel;
}

namespace cs::craft {

class ConceptDictionary;

// Reconstruction error of A (n × C) by the dictionary's reconstruct(U), mean L0 of U, collinearity of W.
metrics::RunMetrics dictionaryMetrics(const at::Tensor& A, const at::Tensor& U, const at::Tensor& W, const ConceptDictionary& dictionary);

// C-Deletion, C-Insertion, C-μFidelity over `images` images: contributionsOf(i) gives image i's
// contributions (r × F), importance (images × r, local) orders and weighs its concepts, h is called
// on at most hBatch rows at a time; afterImage (optional) runs after each image.
metrics::ConceptFaithfulness conceptFaithfulness(int64_t images, const std::function<at::Tensor(int64_t)>& contributionsOf,
                                                 const at::Tensor& importance, const RowEvaluator& h, int64_t hBatch, uint64_t seed,
                                                 const std::function<void()>& afterImage = {});

// Stability of the concepts W fitted on A: fits on the crops of the even-numbered and of the
// odd-numbered images (disjoint halves; alternate crops when there is one image) matched with each
// other, and a fit with the next seed matched with W (metrics::matchConcepts). makeDictionary(seed)
// gives a fresh dictionary of the run's method. None when a half has fewer crops than concepts.
std::optional<metrics::StabilityScores> dictionaryStability(const at::Tensor& A, const std::vector<int64_t>& cropImages, const at::Tensor& W,
                                                            const std::function<std::unique_ptr<ConceptDictionary>(uint64_t)>& makeDictionary,
                                                            uint64_t seed);

// For each image (activations at `layer`), whether the model's prediction is classIndex.
std::vector<bool> predictedAsClass(model::VisionModel& model, const std::string& layer, const at::Tensor& activations, int64_t classIndex,
                                   int64_t hBatch);

}  // namespace cs::craft
