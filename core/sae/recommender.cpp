#include "sae/recommender.h"

#include "common/error.h"
#include "model/model_loader.h"
#include "model/torchscript_support.h"

#include <torch/script.h>
#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <filesystem>

namespace cs::sae {

namespace {

// max_len and item_ids are not part of the adapter interface (nor of the plugin ABI): read them
// from the file when it is TorchScript (train-sasrec writes both); anything else keeps defaults.
void readSequenceAttributes(const std::string& path, int64_t numItems, int64_t& maxLength,
                            std::vector<std::string>& vocabulary) {
    torch::jit::Module m;
    try {
        m = torch::jit::load(path);
    } catch (const std::exception&) {
        return;  // a plugin's own format: nothing to read
    }
    if (m.hasattr("max_len") && m.attr("max_len").isInt()) {
        maxLength = m.attr("max_len").toInt();
        if (maxLength < 1) throw Error(path, "attribute max_len is " + std::to_string(maxLength) + "; expected >= 1");
    }
    if (m.hasattr("item_ids") && m.attr("item_ids").isList()) {
        for (const auto& id : m.attr("item_ids").toListRef()) {
            if (!id.isString()) throw Error(path, "attribute item_ids must be a List[str]");
            vocabulary.push_back(id.toStringRef());
        }
        if (static_cast<int64_t>(vocabulary.size()) != numItems + 1)
            throw Error(path, "attribute item_ids has " + std::to_string(vocabulary.size()) +
                                  " entries, expected num_items + 1 = " + std::to_string(numItems + 1));
    }
}

}  // namespace

ProbedRecommender::ProbedRecommender(std::unique_ptr<model::SequentialRecommender> inner) : inner_(std::move(inner)) {}
ProbedRecommender::~ProbedRecommender() = default;

const model::ModelInfo& ProbedRecommender::info() const { return inner_->info(); }

std::unique_ptr<ProbedRecommender> ProbedRecommender::load(const std::string& path, const RecommenderLoadOptions& options) {
    model::LoadOptions loadOptions;
    loadOptions.adapter = options.adapter.empty() ? std::string("auto") : options.adapter;
    loadOptions.pluginDirs = options.pluginDirs;
    loadOptions.optionsJson = options.optionsJson;
    std::unique_ptr<ProbedRecommender> model(new ProbedRecommender(model::loadRecommender(path, loadOptions)));
    if (model->info().numItems <= 0)
        throw Error(path, "adapter " + model->info().adapter + " reports num_items = " +
                              std::to_string(model->info().numItems) + "; expected > 0");
    readSequenceAttributes(path, model->info().numItems, model->maxLength_, model->vocabulary_);
    return model;
}

at::Tensor ProbedRecommender::encode(const at::Tensor& itemSeq) {
    torch::NoGradGuard noGrad;
    torch::jit::GraphOptimizerEnabledGuard noGraphOptimizer(false);
    const auto& path = info().path;
    at::Tensor state;
    try {
        state = inner_->encode(itemSeq);
    } catch (const Error&) {
        throw;
    } catch (const std::exception& e) {  // a plugin's LibTorch error: name the file, drop the backtrace
        throw Error(path, "encode(item_seq) failed on sequences of shape " + std::string(c10::str(itemSeq.sizes())) +
                              ": " + model::firstLine(e.what()));
    }
    if (state.dim() != 2 || state.size(0) != itemSeq.size(0))
        throw Error(path, "encode(item_seq) returned shape " + std::string(c10::str(state.sizes())) +
                              " for sequences of shape " + std::string(c10::str(itemSeq.sizes())) + "; expected [" +
                              std::to_string(itemSeq.size(0)) + ", d]");
    return state.to(torch::kFloat32).contiguous();
}

at::Tensor ProbedRecommender::score(const at::Tensor& state) {
    torch::NoGradGuard noGrad;
    torch::jit::GraphOptimizerEnabledGuard noGraphOptimizer(false);
    try {
        return inner_->score(state).to(torch::kFloat32);
    } catch (const Error&) {
        throw;
    } catch (const std::exception& e) {
        throw Error(info().path, "score(state) failed on states of shape " + std::string(c10::str(state.sizes())) +
                                     ": " + model::firstLine(e.what()));
    }
}

at::Tensor padLeft(const std::vector<std::vector<int64_t>>& sequences, int64_t maxLength) {
    int64_t width = 1;
    for (const auto& s : sequences) width = std::max<int64_t>(width, std::min<int64_t>(maxLength, s.size()));
    auto out = torch::zeros({static_cast<int64_t>(sequences.size()), width}, torch::kInt64);
    auto acc = out.accessor<int64_t, 2>();
    for (size_t b = 0; b < sequences.size(); ++b) {
        const auto& s = sequences[b];
        const int64_t n = std::min<int64_t>(width, s.size());
        for (int64_t j = 0; j < n; ++j) acc[b][width - n + j] = s[s.size() - n + j];
    }
    return out;
}

at::Tensor normaliseScores(const at::Tensor& scores, int64_t numItems, const std::string& subject) {
    if (scores.dim() != 2)
        throw Error(subject, "score returned " + std::to_string(scores.dim()) + " dimensions, expected 2");
    if (scores.size(1) == numItems + 1) return scores;
    if (scores.size(1) == numItems)
        return torch::cat({torch::zeros({scores.size(0), 1}, scores.options()), scores}, 1);
    throw Error(subject, "score returned " + std::to_string(scores.size(1)) + " columns, expected num_items (" +
                             std::to_string(numItems) + ") or num_items + 1");
}

namespace {

void accumulateRanking(at::Tensor scores, const std::vector<std::vector<int64_t>>& histories,
                       const std::vector<int64_t>& targets, size_t begin, RankingMetrics& sum) {
    scores = scores.clone();
    const float negInf = -std::numeric_limits<float>::infinity();
    scores.select(1, 0).fill_(negInf);
    auto acc = scores.accessor<float, 2>();
    for (int64_t b = 0; b < scores.size(0); ++b) {
        const int64_t target = targets[begin + b];
        const float targetScore = acc[b][target];
        for (int64_t item : histories[begin + b])
            if (item != target) acc[b][item] = negInf;
        // Rank = number of items scored strictly higher (ties count in the target's favour).
        int64_t rank = 0;
        const int64_t n = scores.size(1);
        for (int64_t i = 1; i < n && rank < 10; ++i)
            if (acc[b][i] > targetScore) ++rank;
        if (rank < 10) {
            sum.hr10 += 1.0;
            sum.ndcg10 += 1.0 / std::log2(rank + 2.0);
        }
        ++sum.users;
    }
}

}  // namespace

RankingMetrics evaluateRanking(const ScoreFunction& scoreFn, const std::vector<std::vector<int64_t>>& histories,
                               const std::vector<int64_t>& targets, int64_t numItems, int64_t maxLength,
                               int64_t batchSize) {
    torch::NoGradGuard noGrad;
    RankingMetrics sum;
    for (size_t begin = 0; begin < histories.size(); begin += batchSize) {
        const size_t end = std::min(histories.size(), begin + static_cast<size_t>(batchSize));
        std::vector<std::vector<int64_t>> batch(histories.begin() + begin, histories.begin() + end);
        auto scores = normaliseScores(scoreFn(padLeft(batch, maxLength)), numItems, "score").to(torch::kFloat32);
        accumulateRanking(scores.contiguous(), histories, targets, begin, sum);
    }
    if (sum.users > 0) {
        sum.ndcg10 /= sum.users;
        sum.hr10 /= sum.users;
    }
    return sum;
}

RankingMetrics evaluatePopularity(const std::vector<std::vector<int64_t>>& trainSequences,
                                  const std::vector<std::vector<int64_t>>& histories,
                                  const std::vector<int64_t>& targets, int64_t numItems) {
    auto counts = torch::zeros({numItems + 1}, torch::kFloat32);
    auto c = counts.accessor<float, 1>();
    for (const auto& s : trainSequences)
        for (int64_t item : s) c[item] += 1.0f;
    // Tiny index-based tie-break so equal counts do not all tie with the target.
    counts -= torch::arange(numItems + 1, torch::kFloat32) * 1e-6f;
    RankingMetrics sum;
    const int64_t batch = 256;
    for (size_t begin = 0; begin < histories.size(); begin += batch) {
        const size_t end = std::min(histories.size(), begin + static_cast<size_t>(batch));
        auto scores = counts.unsqueeze(0).expand({static_cast<int64_t>(end - begin), numItems + 1}).contiguous();
        accumulateRanking(scores, histories, targets, begin, sum);
    }
    if (sum.users > 0) {
        sum.ndcg10 /= sum.users;
        sum.hr10 /= sum.users;
    }
    return sum;
}

}  // namespace cs::sae
