#pragma once
// CRAFT's sparse-autoencoder concept dictionary (docs/craft.md "Methods"; Holistic CRAFT, Fel et
// al. NeurIPS 2023 §3, lists SAEs among the dictionary-learning choices): a TopK SAE
// (sae/topk_sae.h, Gao et al. 2024) with one latent per concept, trained on the crop
// activations. W = the decoder rows (unit norm), codes = the ReLU'd TopK encoder (non-negative,
// k active per crop), reconstruct = codes·W + b_dec, and b_dec is the dictionary's offset.
#include "craft/concept_dictionary.h"

#include <cstdint>
#include <memory>

namespace cs::craft {

// k = max(1, rank / 4) active concepts per crop; training runs about 3000 Adam steps.
std::unique_ptr<ConceptDictionary> makeSaeDictionary(uint64_t seed);

}  // namespace cs::craft
