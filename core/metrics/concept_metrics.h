#pragma once
// Scores of a concept dictionary (docs/craft.md "Metrics"), on plain float32 matrices
// (TensorBlob, row-major) so that the CLI, the reports and the views compute them from what the
// project stores, without LibTorch:
//  - relative reconstruction error ‖A − Â‖_F / ‖A‖_F of the crop activations;
//  - sparsity: the mean number of active codes per crop (L0);
//  - concept matching: the Hungarian pairing of two dictionaries' concept vectors by |cosine|,
//    which stability (two halves of the crops, two seeds) and the comparison of runs use;
//  - collinearity: the mean |cosine| between distinct concept vectors of one dictionary;
//  - prevalence and reliability of each concept over a class's images (Holistic CRAFT §5).
#include "common/tensor_blob.h"

#include <cstdint>
#include <optional>
#include <vector>

namespace cs::metrics {

// ‖A − Â‖_F / ‖A‖_F for two matrices of one shape; 0 when A is zero. Throws cs::Error on a
// shape mismatch.
double relativeReconstructionError(const TensorBlob& activations, const TensorBlob& reconstruction);

// A code counts as active when |u| > kActiveCodeShare · max|U| over the whole matrix: NMF's
// solvers leave tiny positive values where a code is off, and PCA's codes are never exactly 0.
inline constexpr double kActiveCodeShare = 1e-3;

// The mean number of active codes per row of `codes` (n × r).
double meanActiveCodes(const TensorBlob& codes);

struct ConceptMatching {
    // pairs[i] = the concept of the second dictionary matched with concept i of the first, −1
    // when the first has more concepts than the second.
    std::vector<int64_t> pairs;
    std::vector<double> cosines;  // |cosine| of each matched pair (0 for an unmatched concept)
    double meanCosine = 0;        // over the matched pairs
};

// The pairing of the rows of `first` (r1 × C) with the rows of `second` (r2 × C) that maximises
// the sum of |cosine| (a concept and its negation span one direction; signed dictionaries such as
// PCA may return either). Throws cs::Error when the vectors have different lengths.
ConceptMatching matchConcepts(const TensorBlob& first, const TensorBlob& second);

// Mean |cosine| between distinct rows of W (r × C); 0 for fewer than two concepts.
double collinearity(const TensorBlob& W);

// Holistic CRAFT's per-class view of the concepts (Fel et al., NeurIPS 2023, §5): each image's
// dominant concept is the one of highest local importance. Prevalence = the share of the images a
// concept dominates; reliability = the share of those images the model classifies correctly
// (none when the concept dominates no image).
struct ConceptDominance {
    std::vector<double> prevalence;
    std::vector<std::optional<double>> reliability;
};
// imageImportance: images × r; correct: one flag per image.
ConceptDominance conceptDominance(const TensorBlob& imageImportance, const std::vector<bool>& correct);

}  // namespace cs::metrics
