#include "metrics/concept_faithfulness.h"

#include "common/error.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>

namespace cs::metrics {

namespace {

// Concepts ordered by decreasing importance; ties keep the lower index first.
std::vector<int64_t> rankedConcepts(const std::vector<double>& importance) {
    std::vector<int64_t> order(importance.size());
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(), [&](int64_t a, int64_t b) { return importance[a] > importance[b]; });
    return order;
}

// Every k-subset of 0..r−1 in lexicographic order, or none when there are more than `limit`.
std::vector<std::vector<int64_t>> allSubsets(int64_t r, int64_t k, int64_t limit) {
    std::vector<std::vector<int64_t>> subsets;
    std::vector<int64_t> s(static_cast<size_t>(k));
    std::iota(s.begin(), s.end(), 0);
    while (true) {
        if (static_cast<int64_t>(subsets.size()) == limit) return {};
        subsets.push_back(s);
        int64_t i = k - 1;
        while (i >= 0 && s[i] == r - k + i) --i;
        if (i < 0) return subsets;
        ++s[i];
        for (int64_t j = i + 1; j < k; ++j) s[j] = s[j - 1] + 1;
    }
}

}  // namespace

FaithfulnessDesign faithfulnessDesign(int64_t concepts, int64_t maxSubsets, double subsetShare, uint64_t seed) {
    if (concepts <= 0) throw Error("faithfulness", "needs at least one concept");
    FaithfulnessDesign design;
    design.concepts = concepts;
    const int64_t k = std::clamp<int64_t>(std::llround(subsetShare * static_cast<double>(concepts)), 1, concepts);
    // One more than the limit tells "too many to enumerate" apart from "exactly the limit".
    design.subsets = allSubsets(concepts, k, maxSubsets + 1);
    if (!design.subsets.empty() && static_cast<int64_t>(design.subsets.size()) <= maxSubsets) return design;
    design.subsets.clear();
    std::mt19937_64 rng(seed);
    std::vector<int64_t> all(static_cast<size_t>(concepts));
    std::iota(all.begin(), all.end(), 0);
    for (int64_t s = 0; s < maxSubsets; ++s) {
        std::shuffle(all.begin(), all.end(), rng);
        std::vector<int64_t> subset(all.begin(), all.begin() + k);
        std::sort(subset.begin(), subset.end());
        design.subsets.push_back(std::move(subset));
    }
    return design;
}

int64_t faithfulnessRows(const FaithfulnessDesign& design) {
    return 2 * (design.concepts + 1) + static_cast<int64_t>(design.subsets.size());
}

std::vector<float> faithfulnessMasks(const FaithfulnessDesign& design, const std::vector<double>& importance) {
    const int64_t r = design.concepts;
    if (static_cast<int64_t>(importance.size()) != r)
        throw Error("faithfulness", "got " + std::to_string(importance.size()) + " importance values for " + std::to_string(r) + " concepts");
    const std::vector<int64_t> order = rankedConcepts(importance);
    std::vector<float> masks(static_cast<size_t>(faithfulnessRows(design) * r), 0.0f);
    auto row = [&](int64_t i) { return masks.begin() + i * r; };
    for (int64_t j = 0; j <= r; ++j) {
        std::fill(row(j), row(j) + r, 1.0f);  // deletion: all but the first j
        for (int64_t t = 0; t < j; ++t) {
            row(j)[order[t]] = 0.0f;
            row(r + 1 + j)[order[t]] = 1.0f;  // insertion: the first j only
        }
    }
    for (size_t s = 0; s < design.subsets.size(); ++s) {
        auto subsetRow = row(2 * (r + 1) + static_cast<int64_t>(s));
        std::fill(subsetRow, subsetRow + r, 1.0f);
        for (int64_t k : design.subsets[s]) subsetRow[k] = 0.0f;
    }
    return masks;
}

ConceptFaithfulnessMeter::ConceptFaithfulnessMeter(FaithfulnessDesign design)
    : design_(std::move(design)),
      deletionSum_(static_cast<size_t>(design_.concepts + 1), 0.0),
      insertionSum_(static_cast<size_t>(design_.concepts + 1), 0.0) {}

void ConceptFaithfulnessMeter::addImage(const std::vector<double>& importance, const std::vector<double>& outputs) {
    const int64_t r = design_.concepts;
    if (static_cast<int64_t>(outputs.size()) != faithfulnessRows(design_) || static_cast<int64_t>(importance.size()) != r)
        throw Error("faithfulness", "got " + std::to_string(outputs.size()) + " outputs for " + std::to_string(faithfulnessRows(design_)) + " rows");
    for (int64_t j = 0; j <= r; ++j) {
        deletionSum_[j] += outputs[j];
        insertionSum_[j] += outputs[r + 1 + j];
    }
    const double all = outputs[0];
    std::vector<double> importanceSums, drops;
    for (size_t s = 0; s < design_.subsets.size(); ++s) {
        double sum = 0;
        for (int64_t k : design_.subsets[s]) sum += importance[k];
        importanceSums.push_back(sum);
        drops.push_back(all - outputs[2 * (r + 1) + s]);
    }
    if (const auto correlation = pearsonCorrelation(importanceSums, drops)) {
        fidelitySum_ += *correlation;
        ++fidelityImages_;
    }
    ++images_;
}

ConceptFaithfulness ConceptFaithfulnessMeter::result() const {
    ConceptFaithfulness f;
    f.images = images_;
    if (images_ == 0) return f;
    for (size_t j = 0; j < deletionSum_.size(); ++j) {
        f.deletion.push_back(deletionSum_[j] / static_cast<double>(images_));
        f.insertion.push_back(insertionSum_[j] / static_cast<double>(images_));
    }
    f.cDeletion = trapezoidArea(f.deletion);
    f.cInsertion = trapezoidArea(f.insertion);
    if (fidelityImages_ > 0) f.cMuFidelity = fidelitySum_ / static_cast<double>(fidelityImages_);
    return f;
}

std::optional<double> pearsonCorrelation(const std::vector<double>& x, const std::vector<double>& y) {
    const size_t n = std::min(x.size(), y.size());
    if (n < 2) return std::nullopt;
    const double mx = std::accumulate(x.begin(), x.begin() + n, 0.0) / n, my = std::accumulate(y.begin(), y.begin() + n, 0.0) / n;
    double sxy = 0, sxx = 0, syy = 0;
    for (size_t i = 0; i < n; ++i) {
        sxy += (x[i] - mx) * (y[i] - my);
        sxx += (x[i] - mx) * (x[i] - mx);
        syy += (y[i] - my) * (y[i] - my);
    }
    // Constant up to rounding: no correlation to speak of.
    const double scaleX = std::max(1.0, mx * mx) * 1e-20 * n, scaleY = std::max(1.0, my * my) * 1e-20 * n;
    if (sxx <= scaleX || syy <= scaleY) return std::nullopt;
    return sxy / std::sqrt(sxx * syy);
}

double trapezoidArea(const std::vector<double>& curve) {
    if (curve.size() < 2) return curve.empty() ? 0.0 : curve[0];
    double area = 0;
    const double step = 1.0 / static_cast<double>(curve.size() - 1);
    for (size_t i = 1; i < curve.size(); ++i) area += 0.5 * (curve[i - 1] + curve[i]) * step;
    return area;
}

}  // namespace cs::metrics
