#pragma once
// The steps of a RecSAE run that need no LibTorch (docs/recsae.md), each testable alone:
// reading the log the way the model indexes items, choosing the training prefixes and the
// dictionary's corpus sample, ranking latents for ablation, and the JSON of the summary and of
// the stored histograms. RecSaeJob (recsae_job.h) chains them with the LibTorch steps.
#include "data/interactions.h"
#include "data/item_metadata.h"
#include "sae/concept_dictionary.h"
#include "sae/recommender.h"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <limits>
#include <random>
#include <string>
#include <vector>

namespace cs::sae {

// The log indexed the way the model sees items: its own vocabulary (train-sasrec models), or
// raw numeric ids 1..num_items for models that do not carry one.
data::InteractionLog loadLogFor(const ProbedRecommender& model, const std::string& path, const std::string& format);

// The item tags and titles aligned with the log; empty (no tags, no titles) without a file.
data::ItemAttributes loadAttributes(const std::string& metaPath, const data::InteractionLog& log);

// A prefix of a user's sequence: the first `length` items.
struct Prefix {
    int32_t user = 0;
    int32_t length = 0;
};

// Every prefix of every sequence (user order, then length), or a random maxPrefixes of them
// when there are more: a user state exists at each position of the sequence. A sequence longer
// than maxLength (the model's window) gives only its last maxLength prefixes, so a user with
// 10^5 items costs no more than one with maxLength; users within the window are unaffected.
std::vector<Prefix> sampleTrainingPrefixes(const std::vector<std::vector<int64_t>>& sequences, int64_t maxPrefixes,
                                           std::mt19937_64& rng,
                                           int64_t maxLength = std::numeric_limits<int32_t>::max());

// The sequences the concept dictionary is built on: all prefixes, or a random maxRows of them
// (kept in their original order) with their codes, since the dictionary's cost grows with rows.
struct CorpusSample {
    std::vector<Prefix> prefixes;
    LatentCodes codes;
};
CorpusSample sampleCorpus(const std::vector<Prefix>& prefixes, const LatentCodes& codes, int64_t maxRows,
                          std::mt19937_64& rng);

// The last `window` items of each prefix: what the dictionary reads a concept from.
std::vector<std::vector<int64_t>> recentItems(const std::vector<Prefix>& prefixes,
                                              const std::vector<std::vector<int64_t>>& sequences, int window);

// Latent indices, most confident first (ties: larger activation mass first).
std::vector<int64_t> latentsByConfidence(const std::vector<LatentConcept>& concepts);

// Rows of `codes` where `latent` is active, at most maxRows, in row order.
std::vector<int64_t> rowsActivating(const LatentCodes& codes, int64_t latent, size_t maxRows);

// Latents with a description at least this confident are counted as "confident" in the summary.
inline constexpr double kConfidentLatent = 0.8;

// The summary's "latents" list: {id, frequency, tags, confidence, precision, recall} of every
// latent that fired at least once.
nlohmann::json latentsSummaryJson(const std::vector<LatentConcept>& concepts);
int64_t confidentLatents(const std::vector<LatentConcept>& concepts);

// Matryoshka's coarse-to-fine latent hierarchy as the tree JSON of latentHierarchyJson (which the
// hierarchy view draws): nested prefix nodes, "prefix 1: latents 0–15 (FVU …)" holding its group's
// latents (clustered by co-activation as latentHierarchyJson does, within the group) and the node
// of the next prefix, which adds the next group, and so on to the last. prefixFvu may be empty.
std::string matryoshkaHierarchyJson(const LatentCodes& codes, const std::vector<LatentConcept>& concepts,
                                    const std::vector<int64_t>& prefixSizes, const std::vector<double>& prefixFvu,
                                    int maxLeaves);

// Histogram artifact {quantity, edges, counts}; values outside [lo, hi] land in the end bins.
nlohmann::json histogramJson(const std::vector<double>& values, double lo, double hi, int bins,
                             const std::string& what);

// The stored latent record's top sequences: {user, length, activation, recent_items (file ids)}.
nlohmann::json topSequencesJson(const LatentConcept& concept, const std::vector<Prefix>& corpus,
                                const std::vector<std::vector<int64_t>>& sequences, const data::InteractionLog& log);

}  // namespace cs::sae
