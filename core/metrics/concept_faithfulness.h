#pragma once
// Faithfulness of a concept importance in concept space, as Holistic CRAFT defines it (Fel et al.,
// NeurIPS 2023, §4; docs/craft.md "Metrics"), image by image with the image's own (local)
// importance:
//  - C-Deletion: the concepts are removed (coefficient set to 0) one at a time, most important
//    first; the score is the area under the mean curve of h (lower is better);
//  - C-Insertion: from no concept, they are added in the same order (higher is better);
//  - C-μFidelity: the correlation, over subsets S of the concepts, between Σ_{k∈S} φ_k and the drop
//    h(all) − h(all but S) (Bhatt et al., IJCAI 2020, on concept coefficients; higher is better).
// No LibTorch: the design gives the mask rows, the caller evaluates h on them (1 keeps a concept,
// 0 removes it) and hands the outputs back.
#include <cstdint>
#include <optional>
#include <vector>

namespace cs::metrics {

struct FaithfulnessDesign {
    int64_t concepts = 0;
    std::vector<std::vector<int64_t>> subsets;  // the μFidelity subsets, each of the same size
};

// |S| = max(1, round(subsetShare·r)) (xplique's MuFidelity: subset_percent 0.2). When there are at
// most maxSubsets such subsets they are all used (exact, e.g. 45 for r = 10); otherwise maxSubsets
// are drawn from `seed`.
FaithfulnessDesign faithfulnessDesign(int64_t concepts, int64_t maxSubsets = 64, double subsetShare = 0.2, uint64_t seed = 0);

// Rows for one image with per-concept importance `importance` (r values): the deletion steps
// j = 0..r, the insertion steps j = 0..r, then one row per subset; row-major, rows × r.
std::vector<float> faithfulnessMasks(const FaithfulnessDesign& design, const std::vector<double>& importance);
int64_t faithfulnessRows(const FaithfulnessDesign& design);

struct ConceptFaithfulness {
    std::vector<double> deletion, insertion;  // mean h after j = 0..r steps
    double cDeletion = 0, cInsertion = 0;     // trapezoid areas over j/r ∈ [0, 1]
    // Mean over the images whose correlation is defined (h and the importance sums both vary);
    // none when no image has one.
    std::optional<double> cMuFidelity;
    int64_t images = 0;
};

// Collects the images' outputs on their faithfulnessMasks rows.
class ConceptFaithfulnessMeter {
public:
    explicit ConceptFaithfulnessMeter(FaithfulnessDesign design);
    void addImage(const std::vector<double>& importance, const std::vector<double>& outputs);
    ConceptFaithfulness result() const;

private:
    FaithfulnessDesign design_;
    std::vector<double> deletionSum_, insertionSum_;
    double fidelitySum_ = 0;
    int64_t fidelityImages_ = 0, images_ = 0;
};

// Pearson's correlation; none when either side is constant or there are fewer than 2 values.
std::optional<double> pearsonCorrelation(const std::vector<double>& x, const std::vector<double>& y);

// Trapezoid area of a curve sampled at j/(n−1), j = 0..n−1 (the CRAFT engine's curveArea).
double trapezoidArea(const std::vector<double>& curve);

}  // namespace cs::metrics
