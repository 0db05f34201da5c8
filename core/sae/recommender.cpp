#include "sae/recommender.h"

#include "common/error.h"

#include <torch/script.h>
#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <filesystem>

namespace cs::sae {

struct TorchScriptRecommender::Impl {
    torch::jit::Module module;
};

TorchScriptRecommender::TorchScriptRecommender() : impl_(std::make_unique<Impl>()) {}
TorchScriptRecommender::~TorchScriptRecommender() = default;

std::unique_ptr<TorchScriptRecommender> TorchScriptRecommender::load(const std::string& path) {
    if (!std::filesystem::exists(path)) throw Error(path, "the model file does not exist");
    std::unique_ptr<TorchScriptRecommender> model(new TorchScriptRecommender());
    try {
        model->impl_->module = torch::jit::load(path);
    } catch (const c10::Error& e) {
        throw Error(path, std::string("not a TorchScript file: ") + e.what_without_backtrace());
    }
    auto& m = model->impl_->module;
    m.eval();
    if (!m.find_method("encode"))
        throw Error(path, "method encode(item_seq: Tensor) -> Tensor is missing (sequential-recommender convention)");
    if (!m.find_method("score"))
        throw Error(path, "method score(state: Tensor) -> Tensor is missing (sequential-recommender convention)");
    if (!m.hasattr("num_items") || !m.attr("num_items").isInt())
        throw Error(path, "attribute num_items: int is missing (sequential-recommender convention)");
    model->info_.path = path;
    model->info_.adapter = "torchscript-recommender";
    model->info_.kind = model::ModelKind::SequentialRecommender;
    model->info_.numItems = m.attr("num_items").toInt();
    model->info_.probePoints = {"state"};
    if (model->info_.numItems <= 0) throw Error(path, "num_items must be positive");
    if (m.hasattr("max_len") && m.attr("max_len").isInt()) model->maxLength_ = m.attr("max_len").toInt();
    if (m.hasattr("item_ids") && m.attr("item_ids").isList()) {
        for (const auto& id : m.attr("item_ids").toListRef()) model->vocabulary_.push_back(id.toStringRef());
        if (static_cast<int64_t>(model->vocabulary_.size()) != model->info_.numItems + 1)
            throw Error(path, "attribute item_ids has " + std::to_string(model->vocabulary_.size()) +
                                  " entries, expected num_items + 1");
    }
    return model;
}

at::Tensor TorchScriptRecommender::encode(const at::Tensor& itemSeq) {
    torch::NoGradGuard noGrad;
    torch::jit::GraphOptimizerEnabledGuard noGraphOptimizer(false);
    c10::IValue out;
    try {
        out = impl_->module.get_method("encode")({itemSeq});
    } catch (const std::exception& e) {  // c10::Error or a TorchScript interpreter error
        throw Error(info_.path, "encode failed on a batch of shape " + std::string(c10::str(itemSeq.sizes())) +
                                    ": " + e.what());
    }
    if (!out.isTensor()) throw Error(info_.path, "encode must return a Tensor");
    auto t = out.toTensor();
    if (t.dim() != 2 || t.size(0) != itemSeq.size(0))
        throw Error(info_.path, "encode returned shape " + std::string(c10::str(t.sizes())) + ", expected [" +
                                    std::to_string(itemSeq.size(0)) + ", d]");
    return t.to(torch::kFloat32).contiguous();
}

at::Tensor TorchScriptRecommender::score(const at::Tensor& state) {
    torch::NoGradGuard noGrad;
    torch::jit::GraphOptimizerEnabledGuard noGraphOptimizer(false);
    c10::IValue out;
    try {
        out = impl_->module.get_method("score")({state});
    } catch (const std::exception& e) {  // c10::Error or a TorchScript interpreter error
        throw Error(info_.path, "score failed on a state of shape " + std::string(c10::str(state.sizes())) +
                                    " (does encode's output match score's input?): " + e.what());
    }
    if (!out.isTensor()) throw Error(info_.path, "score must return a Tensor");
    return out.toTensor().to(torch::kFloat32);
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
