#pragma once
// The Pareto front of methods on a sparsity–fidelity plane (Holistic CRAFT, SAEBench): a method is
// on the front when no other is at least as good on both axes and better on one. Both axes are
// costs here (L0 and relative error or FVU: lower is better), so the front is the lower-left
// staircase of the points.
#include <cstddef>
#include <vector>

namespace cs::metrics {

struct PlanePoint {
    double x = 0, y = 0;  // both to be minimised
};

// Indices of the points on the front, by increasing x (equal points: each is on the front).
std::vector<size_t> paretoFront(const std::vector<PlanePoint>& points);

}  // namespace cs::metrics
