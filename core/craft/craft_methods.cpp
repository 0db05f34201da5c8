#include "craft/craft_methods.h"

namespace cs::craft {

std::unique_ptr<ConceptDictionary> makeConceptDictionary(const CraftOptions& options) {
    return makeNmfDictionary(options.nmfMaxIterations, options.nmfTolerance);
}

std::unique_ptr<ConceptImportance> makeConceptImportance(const CraftOptions& options, uint64_t seed) {
    return makeSobolImportance(options.sobolDesign, options.sobolDesigns, seed, options.hBatch);
}

}  // namespace cs::craft
