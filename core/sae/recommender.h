#pragma once
// Recommender side of RecSAE: loading a TorchScript model in the sequential-recommender
// convention (DESIGN.md §3: encode(item_seq) -> state, score(state) -> scores, num_items),
// full-ranking evaluation (NDCG@10 / HR@10 with the user's history masked), the popularity
// baseline, and batched state extraction for every prefix of a set of sequences.
//
// The loader here is this module's own, used until cs_model's loadRecommender is linked in;
// it accepts the same files (a model saved by train-sasrec or scripted in Python).
#include "model/model_adapter.h"

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace cs::sae {

class TorchScriptRecommender : public model::SequentialRecommender {
public:
    // Throws cs::Error naming the file and the missing method/attribute with its signature.
    static std::unique_ptr<TorchScriptRecommender> load(const std::string& path);
    ~TorchScriptRecommender() override;
    const model::ModelInfo& info() const override { return info_; }
    at::Tensor encode(const at::Tensor& itemSeq) override;
    at::Tensor score(const at::Tensor& state) override;
    // The model's max_len attribute when it has one, else 50.
    int64_t maxLength() const { return maxLength_; }
    // The model's item_ids attribute (file id of each internal id, [0] = padding) when it has
    // one (train-sasrec models do); empty for models indexed by raw numeric ids.
    const std::vector<std::string>& itemVocabulary() const { return vocabulary_; }

private:
    TorchScriptRecommender();
    struct Impl;
    std::unique_ptr<Impl> impl_;
    model::ModelInfo info_;
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
