#include "metrics/concept_metrics.h"

#include "metrics/assignment.h"

#include "common/error.h"

#include <algorithm>
#include <cmath>

namespace cs::metrics {

namespace {

int64_t rowsOf(const TensorBlob& m) { return m.shape.size() == 2 ? m.shape[0] : 0; }
int64_t colsOf(const TensorBlob& m) { return m.shape.size() == 2 ? m.shape[1] : 0; }

void requireMatrix(const TensorBlob& m, const char* what) {
    if (m.shape.size() != 2 || !m.valid()) throw Error(what, "expected a matrix, got a tensor of shape " + m.shapeText());
}

// |cosine| of every row of `a` with every row of `b`, row-major ra × rb; a zero row has cosine 0.
std::vector<double> absoluteCosines(const TensorBlob& a, const TensorBlob& b) {
    const int64_t ra = rowsOf(a), rb = rowsOf(b), c = colsOf(a);
    auto norms = [c](const TensorBlob& m) {
        std::vector<double> n(static_cast<size_t>(rowsOf(m)));
        for (int64_t i = 0; i < rowsOf(m); ++i) {
            double s = 0;
            for (int64_t k = 0; k < c; ++k) s += double(m.data[i * c + k]) * m.data[i * c + k];
            n[i] = std::sqrt(s);
        }
        return n;
    };
    const std::vector<double> na = norms(a), nb = norms(b);
    std::vector<double> cosines(static_cast<size_t>(ra * rb), 0.0);
    for (int64_t i = 0; i < ra; ++i)
        for (int64_t j = 0; j < rb; ++j) {
            if (na[i] == 0 || nb[j] == 0) continue;
            double dot = 0;
            for (int64_t k = 0; k < c; ++k) dot += double(a.data[i * c + k]) * b.data[j * c + k];
            cosines[i * rb + j] = std::min(1.0, std::abs(dot) / (na[i] * nb[j]));
        }
    return cosines;
}

}  // namespace

double relativeReconstructionError(const TensorBlob& activations, const TensorBlob& reconstruction) {
    if (activations.shape != reconstruction.shape || !activations.valid() || !reconstruction.valid())
        throw Error("reconstruction", "the activations (" + activations.shapeText() + ") and their reconstruction (" +
                                          reconstruction.shapeText() + ") differ in shape");
    double residual = 0, total = 0;
    for (size_t i = 0; i < activations.data.size(); ++i) {
        const double a = activations.data[i], d = a - reconstruction.data[i];
        residual += d * d;
        total += a * a;
    }
    return total > 0 ? std::sqrt(residual / total) : 0.0;
}

double meanActiveCodes(const TensorBlob& codes) {
    requireMatrix(codes, "codes");
    const int64_t n = rowsOf(codes);
    if (n == 0) return 0.0;
    float largest = 0;
    for (float u : codes.data) largest = std::max(largest, std::abs(u));
    if (largest == 0) return 0.0;
    const double threshold = kActiveCodeShare * largest;
    int64_t active = 0;
    for (float u : codes.data) active += std::abs(u) > threshold ? 1 : 0;
    return static_cast<double>(active) / static_cast<double>(n);
}

ConceptMatching matchConcepts(const TensorBlob& first, const TensorBlob& second) {
    requireMatrix(first, "concept vectors");
    requireMatrix(second, "concept vectors");
    if (colsOf(first) != colsOf(second))
        throw Error("concept vectors", "cannot match concepts of " + std::to_string(colsOf(first)) + " and " +
                                           std::to_string(colsOf(second)) + " channels (runs at different layers?)");
    const int64_t r1 = rowsOf(first), r2 = rowsOf(second);
    const std::vector<double> cosines = absoluteCosines(first, second);
    std::vector<double> cost(cosines.size());
    std::transform(cosines.begin(), cosines.end(), cost.begin(), [](double c) { return -c; });
    ConceptMatching matching;
    matching.pairs = solveAssignment(cost, r1, r2);
    matching.cosines.assign(static_cast<size_t>(r1), 0.0);
    int64_t matched = 0;
    double sum = 0;
    for (int64_t i = 0; i < r1; ++i) {
        if (matching.pairs[i] < 0) continue;
        matching.cosines[i] = cosines[i * r2 + matching.pairs[i]];
        sum += matching.cosines[i];
        ++matched;
    }
    matching.meanCosine = matched > 0 ? sum / static_cast<double>(matched) : 0.0;
    return matching;
}

double collinearity(const TensorBlob& W) {
    requireMatrix(W, "concept vectors");
    const int64_t r = rowsOf(W);
    if (r < 2) return 0.0;
    const std::vector<double> cosines = absoluteCosines(W, W);
    double sum = 0;
    for (int64_t i = 0; i < r; ++i)
        for (int64_t j = 0; j < r; ++j)
            if (i != j) sum += cosines[i * r + j];
    return sum / static_cast<double>(r * (r - 1));
}

ConceptDominance conceptDominance(const TensorBlob& imageImportance, const std::vector<bool>& correct) {
    requireMatrix(imageImportance, "image importance");
    const int64_t n = rowsOf(imageImportance), r = colsOf(imageImportance);
    if (static_cast<int64_t>(correct.size()) != n)
        throw Error("image importance", "has " + std::to_string(n) + " images but " + std::to_string(correct.size()) + " predictions");
    std::vector<int64_t> dominated(static_cast<size_t>(r), 0), right(static_cast<size_t>(r), 0);
    for (int64_t i = 0; i < n; ++i) {
        const float* row = imageImportance.data.data() + i * r;
        const int64_t dominant = std::max_element(row, row + r) - row;
        ++dominated[dominant];
        right[dominant] += correct[i] ? 1 : 0;
    }
    ConceptDominance d;
    for (int64_t k = 0; k < r; ++k) {
        d.prevalence.push_back(n > 0 ? static_cast<double>(dominated[k]) / static_cast<double>(n) : 0.0);
        d.reliability.push_back(dominated[k] > 0 ? std::optional<double>(static_cast<double>(right[k]) / static_cast<double>(dominated[k]))
                                                 : std::nullopt);
    }
    return d;
}

}  // namespace cs::metrics
