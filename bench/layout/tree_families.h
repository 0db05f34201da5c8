#pragma once
// The tree families of the layout benchmark (docs/layout.md), shared with the unit tests so the quality
// bounds they check are measured on the same trees the benchmark reports.
#include "layout/layout.h"

#include <cstdint>
#include <string>

namespace cs::layout::families {

enum class Weights { Zipf, Exponential, LogUniform6 };
const char* weightsName(Weights weights);

// A random tree with `leaves` leaves (fan-out 2..8 at every inner node) and random leaf weights.
LayoutNode randomTree(size_t leaves, Weights weights, std::uint64_t seed);
// Two siblings of weight 1 - epsilon and epsilon.
LayoutNode twoSiblings(double epsilon);
// `units` siblings of weight 1 and one of weight `tiny`.
LayoutNode unitsPlusTiny(int units, double tiny);
// A chain `depth` levels deep: every level holds a leaf of weight 1 and a sub-chain whose total
// weight is about `ratio` of it.
LayoutNode tinyChain(int depth, double ratio);

}  // namespace cs::layout::families
