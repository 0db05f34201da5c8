#pragma once
// CRAFT's archetypal concept dictionary (docs/craft.md "Methods"): convex NMF / archetypal
// analysis (Cutler & Breiman 1994; Ding, Li & Jordan 2010; the dictionary of Fel et al. 2025,
// "Archetypal SAE", without its relaxation): A ≈ U W with U ≥ 0 and every concept vector a
// convex combination of crops, W = S A with S ≥ 0 and rows of S summing to 1. Concepts stay
// inside the data's convex hull, which is what makes them stable across fits.
#include "craft/concept_dictionary.h"

#include <cstdint>
#include <memory>

namespace cs::craft {

// Alternating minimisation with these iteration and tolerance settings (the run's NMF ones):
// U by NNLS with S fixed, S by a projected-gradient step onto the simplex with U fixed.
std::unique_ptr<ConceptDictionary> makeArchetypalDictionary(int maxIterations, double tolerance);

}  // namespace cs::craft
