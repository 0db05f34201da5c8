#include "craft/craft_methods.h"

#include "craft/archetypal_dictionary.h"
#include "craft/sae_dictionary.h"

namespace cs::craft {

std::unique_ptr<ConceptDictionary> makeConceptDictionary(const CraftOptions& options) {
    switch (options.dictionary) {
        case ConceptDictionaryMethod::Nmf: break;
        case ConceptDictionaryMethod::Pca: return makePcaDictionary();
        case ConceptDictionaryMethod::KMeans: return makeKMeansDictionary(options.nmfMaxIterations, options.nmfTolerance, options.seed);
        case ConceptDictionaryMethod::SemiNmf: return makeSemiNmfDictionary(options.nmfMaxIterations, options.nmfTolerance, options.seed);
        case ConceptDictionaryMethod::Sae: return makeSaeDictionary(options.seed);
        case ConceptDictionaryMethod::Archetypal: return makeArchetypalDictionary(options.nmfMaxIterations, options.nmfTolerance);
    }
    return makeNmfDictionary(options.nmfMaxIterations, options.nmfTolerance);
}

std::unique_ptr<ConceptImportance> makeConceptImportance(const CraftOptions& options, uint64_t seed) {
    switch (options.importance) {
        case ConceptImportanceMethod::Sobol: break;
        case ConceptImportanceMethod::Occlusion: return makeOcclusionImportance(options.hBatch);
        case ConceptImportanceMethod::Rise: return makeRiseImportance(options.sobolDesigns, seed, options.hBatch);
        case ConceptImportanceMethod::GradientInput: return makeGradientInputImportance(options.hBatch);
        case ConceptImportanceMethod::IntegratedGradients: return makeIntegratedGradientsImportance(kIntegratedGradientSteps, options.hBatch);
    }
    return makeSobolImportance(options.sobolDesign, options.sobolDesigns, seed, options.hBatch);
}

}  // namespace cs::craft
