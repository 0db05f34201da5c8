#pragma once
// The concept dictionary and the importance estimator a CRAFT run uses, made from its options.
// CraftOptions::dictionary and ::importance name them (NMF and Sobol by default, the reference's);
// a new method is chosen here (and only here) once the options can name it.
#include "craft/concept_dictionary.h"
#include "craft/concept_importance.h"
#include "craft/craft_engine.h"

#include <cstdint>
#include <memory>

namespace cs::craft {

std::unique_ptr<ConceptDictionary> makeConceptDictionary(const CraftOptions& options);

// seed: the run's seed for the top-level concepts; each recursive decomposition passes its own
// so that its design differs from its siblings'.
std::unique_ptr<ConceptImportance> makeConceptImportance(const CraftOptions& options, uint64_t seed);

}  // namespace cs::craft
