#pragma once
// RecSAE's interpretation of latents (docs/recsae.md): the concept dictionary (top-activating
// sequences and the item tags / title words over-represented among their recent items, by
// smoothed log-odds against the corpus), the confidence of each latent's description
// (precision / recall / F1 of "tags present → latent active" on held-out sequences), and the
// latent hierarchy (average-linkage clustering by co-activation, weights = activation mass).
// Pure C++: works on sparse codes already computed by TopKSae.
#include "data/item_metadata.h"

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace cs::sae {

// Top-k codes of N sequences, row-major N×k: latent indices and their (≥ 0) activations.
struct LatentCodes {
    int64_t rows = 0, k = 0, latents = 0;
    std::vector<int32_t> indices;
    std::vector<float> values;
};

struct DictionaryOptions {
    int recentWindow = 5;        // a sequence's "recent items" = its last items
    int topSequences = 10;       // kept per latent for display
    int maxTags = 3;
    double minLogOdds = 0.5;     // a tag must be at least e^0.5 ≈ 1.6× over-represented
    int minActivations = 10;     // fewer activating sequences: no confidence (0)
    uint64_t seed = 0;
};

struct ScoredTerm {
    std::string term;
    double score = 0;  // log-odds ratio vs the corpus
};

struct LatentConcept {
    int64_t index = 0;
    int64_t activations = 0;     // sequences where the latent is active
    double frequency = 0;        // activations / sequences
    double mass = 0;             // Σ activation values
    std::vector<ScoredTerm> tags;        // from item attributes
    std::vector<ScoredTerm> titleWords;  // from item titles, when present
    double precision = 0, recall = 0, confidence = 0;  // confidence = held-out F1
    std::vector<int64_t> topSequences;   // corpus rows, strongest first
    std::vector<float> topActivations;
};

// recentItems[row] = the last items of corpus sequence `row` (internal ids, oldest first).
std::vector<LatentConcept> buildConceptDictionary(const LatentCodes& codes,
                                                  const std::vector<std::vector<int64_t>>& recentItems,
                                                  const data::ItemAttributes& attributes,
                                                  const DictionaryOptions& options = {});

// A user's concept as a set of items (docs/recsae.md, "Your own item concepts"): for every latent
// with enough activations, the precision / recall / F1 of "the set's items among a sequence's recent
// items → latent active", measured exactly as the dictionary measures a description's confidence
// (balanced held-out rows, presence threshold chosen on the build half). Best F1 first.
struct ItemSetLatent {
    int64_t latent = 0;
    int64_t activations = 0;
    double precision = 0, recall = 0, f1 = 0;
};
// itemInSet[item] (internal ids) says whether the item belongs to the set.
std::vector<ItemSetLatent> latentsForItemSet(const LatentCodes& codes, const std::vector<std::vector<int64_t>>& recentItems,
                                             const std::vector<char>& itemInSet, const DictionaryOptions& options = {});

// Hierarchy of the `maxLeaves` latents with the largest activation mass, as the tree JSON of
// docs/cli.md ({"name", "weight"?, "children"?}); leaf names "latent <i>: <top tag>".
std::string latentHierarchyJson(const LatentCodes& codes, const std::vector<LatentConcept>& concepts,
                                int maxLeaves = 256);

// Fraction of latents with no activation in `codes`.
double deadFraction(const LatentCodes& codes);

}  // namespace cs::sae
