#pragma once
// Recommender side of RecSAE: loading a sequential recommender through cs_model's adapters
// (the built-in TorchScript convention encode(item_seq) -> state, score(state) -> scores,
// num_items, or a plugin's recommender adapter; docs/models.md), full-ranking
// evaluation (NDCG@10 / HR@10 with the user's history masked), the popularity baseline, and
// batched state extraction for every prefix of a set of sequences.
#include "model/model_adapter.h"

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace cs::sae {

// How to load the recommender: the same choices as `craft` (--adapter, --plugin-dir).
struct RecommenderLoadOptions {
    std::string adapter = "auto";          // auto | torchscript-recommender | <plugin adapter>
    std::vector<std::string> pluginDirs;   // extra plugin folders, searched after the defaults
    std::string optionsJson;               // adapter options (a JSON object), may be empty
};

// A recommender loaded with cs::model::loadRecommender, plus what RecSAE needs beyond the
// adapter interface. encode/score run without autograd and with LibTorch's graph optimiser
// off (batches of every prefix length would make the profiling executor re-specialise).
class ProbedRecommender : public model::SequentialRecommender {
public:
    // Errors are cs_model's (file named, expected convention and signature spelled out), e.g.
    // "method score(state: Tensor) -> Tensor is missing (the sequential-recommender convention ...)".
    static std::unique_ptr<ProbedRecommender> load(const std::string& path, const RecommenderLoadOptions& options = {});
    ~ProbedRecommender() override;
    const model::ModelInfo& info() const override;
    at::Tensor encode(const at::Tensor& itemSeq) override;
    at::Tensor score(const at::Tensor& state) override;
    // The file's TorchScript attribute max_len when it has one, else 50.
    int64_t maxLength() const { return maxLength_; }
    // The file's TorchScript attribute item_ids (file id of each internal id, [0] = padding)
    // when it has one (train-sasrec models do); empty for models indexed by raw numeric ids.
    const std::vector<std::string>& itemVocabulary() const { return vocabulary_; }

private:
    explicit ProbedRecommender(std::unique_ptr<model::SequentialRecommender> inner);
    std::unique_ptr<model::SequentialRecommender> inner_;
    int64_t maxLength_ = 50;
    std::vector<std::string> vocabulary_;
};

struct RankingMetrics {
    double ndcg10 = 0.0;
    double hr10 = 0.0;
    int64_t users = 0;
};

// Full ranking of all items (column 0 = padding is never ranked); each user's history items
// are masked except the target itself. scoreFn maps a B×L left-padded batch of histories to
// B×(numItems+1) scores (B×numItems is accepted and shifted by one column).
using ScoreFunction = std::function<at::Tensor(const at::Tensor& itemSeq)>;
RankingMetrics evaluateRanking(const ScoreFunction& scoreFn, const std::vector<std::vector<int64_t>>& histories,
                               const std::vector<int64_t>& targets, int64_t numItems, int64_t maxLength,
                               int64_t batchSize = 256);

// Scores every item by its count in `trainSequences` (the popularity baseline).
RankingMetrics evaluatePopularity(const std::vector<std::vector<int64_t>>& trainSequences,
                                  const std::vector<std::vector<int64_t>>& histories,
                                  const std::vector<int64_t>& targets, int64_t numItems);

// B×L int64 tensor of the last `maxLength` items of each sequence, left-padded with 0 to the
// longest (capped) sequence of the batch.
at::Tensor padLeft(const std::vector<std::vector<int64_t>>& sequences, int64_t maxLength);

// Scores as B×(numItems+1) (prepends a padding column to B×numItems); checks the width.
at::Tensor normaliseScores(const at::Tensor& scores, int64_t numItems, const std::string& subject);

}  // namespace cs::sae
