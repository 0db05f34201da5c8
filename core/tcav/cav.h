#pragma once
// Concept activation vectors (docs/tcav.md): a direction in a layer's channel space that separates
// a concept's example activations from counter-examples. Two ways to learn one:
//  - FastCAV (Schmalwasser et al., 2025), the default: centre both sets on their joint mean and take
//    the mean of the centred concept activations, a closed form that needs no optimiser;
//  - logistic regression with an L2 penalty (Kim et al., 2018, TCAV), solved by Newton's method on
//    the objective of scikit-learn's LogisticRegression(C=1), so the two give the same vector.
// Activations are N×C tensors (one row per image, averaged over positions).
#include <string>
#include <vector>

namespace at {
class Tensor;
}

namespace cs::tcav {

enum class CavMethod { FastCav, Logistic };
const char* toString(CavMethod method);
// "fastcav" or "logistic"; throws cs::UsageError otherwise.
CavMethod cavMethodFromString(const std::string& text);

// A linear classifier over activations: concept when direction·a + offset > 0.
struct Cav {
    std::vector<double> direction;  // unit length, pointing towards the concept
    double offset = 0.0;
};

// Learns the CAV separating `concept` (N1×C) from `counter` (N2×C). Throws cs::Error("CAV", ...)
// when a set is empty, the widths differ, or the two sets cannot be told apart (zero direction).
Cav learnCav(const at::Tensor& concept, const at::Tensor& counter, CavMethod method);

// Share of the rows classified right: concept rows on the positive side, counter rows on the other.
double cavAccuracy(const Cav& cav, const at::Tensor& concept, const at::Tensor& counter);

// The CAV's direction as a float64 C tensor.
at::Tensor cavDirection(const Cav& cav);

}  // namespace cs::tcav
