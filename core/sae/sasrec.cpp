#include "sae/sasrec.h"

#include "common/error.h"
#include "jobs/job.h"

#include <torch/script.h>
#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <numeric>
#include <random>
#include <sstream>

namespace cs::sae {
namespace {

using Clock = std::chrono::steady_clock;
double secondsSince(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

// TorchScript source of the network. One attention head as in the SASRec paper's ML-1M setup;
// queries come from the layer-normed sequence and keys/values from the raw one, as in the
// reference implementation (pmixer/SASRec.pytorch). The last `max_len` items are used; a
// shorter sequence takes the last positional embeddings, which equals left-padding it.
std::string networkSource(int64_t blocks) {
    std::ostringstream src;
    for (int64_t i = 0; i < blocks; ++i) {
        const std::string p = "self.b" + std::to_string(i) + "_";
        src << "def _block" << i << "(self, x: Tensor, blocked: Tensor, keep: Tensor) -> Tensor:\n"
            << "    h = torch.layer_norm(x, [self.hidden], " << p << "ln1_w, " << p << "ln1_b, 1e-08)\n"
            << "    q = torch.linear(h, " << p << "q_w, " << p << "q_b)\n"
            << "    k = torch.linear(x, " << p << "k_w, " << p << "k_b)\n"
            << "    v = torch.linear(x, " << p << "v_w, " << p << "v_b)\n"
            << "    att = torch.matmul(q, k.transpose(1, 2)) * self.attn_scale\n"
            << "    att = torch.softmax(att.masked_fill(blocked, -1e9), -1)\n"
            << "    att = torch.dropout(att, self.dropout, self.training)\n"
            << "    a = torch.linear(torch.matmul(att, v), " << p << "o_w, " << p << "o_b)\n"
            << "    x = h + torch.dropout(a, self.dropout, self.training)\n"
            << "    h2 = torch.layer_norm(x, [self.hidden], " << p << "ln2_w, " << p << "ln2_b, 1e-08)\n"
            << "    f = torch.relu(torch.linear(h2, " << p << "f1_w, " << p << "f1_b))\n"
            << "    f = torch.linear(torch.dropout(f, self.dropout, self.training), " << p << "f2_w, " << p
            << "f2_b)\n"
            << "    return (h2 + torch.dropout(f, self.dropout, self.training)) * keep\n\n";
    }
    src << "def encode_all(self, item_seq: Tensor) -> Tensor:\n"
        << "    L = item_seq.size(1)\n"
        << "    if L > self.max_len:\n"
        << "        item_seq = item_seq[:, L - self.max_len:]\n"
        << "        L = self.max_len\n"
        << "    x = torch.embedding(self.item_emb, item_seq) * self.emb_scale\n"
        << "    x = x + self.pos_emb[self.max_len - L:].unsqueeze(0)\n"
        << "    x = torch.dropout(x, self.dropout, self.training)\n"
        << "    keep = (item_seq > 0).unsqueeze(-1).type_as(x)\n"
        << "    x = x * keep\n"
        << "    pos = torch.arange(L)\n"
        << "    causal = pos.unsqueeze(0) > pos.unsqueeze(1)\n"
        << "    blocked = causal.unsqueeze(0) | (item_seq == 0).unsqueeze(1)\n";
    for (int64_t i = 0; i < blocks; ++i) src << "    x = self._block" << i << "(x, blocked, keep)\n";
    src << "    return torch.layer_norm(x, [self.hidden], self.ln_w, self.ln_b, 1e-08)\n\n"
        << "def encode(self, item_seq: Tensor) -> Tensor:\n"
        << "    return self.encode_all(item_seq)[:, -1]\n\n"
        << "def score(self, state: Tensor) -> Tensor:\n"
        << "    return torch.matmul(state, self.item_emb.t())\n\n"
        << "def forward(self, item_seq: Tensor) -> Tensor:\n"
        << "    return self.score(self.encode(item_seq))\n";
    return src.str();
}

torch::Tensor xavier(int64_t rows, int64_t cols) {
    auto t = torch::empty({rows, cols});
    torch::nn::init::xavier_uniform_(t);
    return t;
}

torch::jit::Module buildNetwork(int64_t numItems, const std::vector<std::string>& itemIds, const SasRecConfig& c) {
    torch::jit::Module m(c10::QualifiedName("__torch__.concept_studio.SASRec"));
    const int64_t d = c.hidden;
    auto param = [&](const std::string& name, torch::Tensor t) { m.register_parameter(name, t.requires_grad_(true), false); };
    auto itemEmb = torch::randn({numItems + 1, d}) * std::sqrt(1.0 / d);
    itemEmb[0].zero_();
    param("item_emb", itemEmb);
    param("pos_emb", torch::randn({c.maxLength, d}) * 0.02);
    for (int64_t i = 0; i < c.blocks; ++i) {
        const std::string p = "b" + std::to_string(i) + "_";
        for (const char* ln : {"ln1", "ln2"}) {
            param(p + ln + "_w", torch::ones({d}));
            param(p + ln + "_b", torch::zeros({d}));
        }
        for (const char* lin : {"q", "k", "v", "o", "f1", "f2"}) {
            param(p + lin + "_w", xavier(d, d));
            param(p + lin + "_b", torch::zeros({d}));
        }
    }
    param("ln_w", torch::ones({d}));
    param("ln_b", torch::zeros({d}));
    m.register_attribute("num_items", c10::IntType::get(), numItems);
    // The file ids behind internal ids 1..n, so recsae maps a log the way training did.
    c10::List<std::string> ids;
    for (const auto& id : itemIds) ids.push_back(id);
    m.register_attribute("item_ids", c10::ListType::ofStrings(), ids);
    m.register_attribute("max_len", c10::IntType::get(), c.maxLength);
    m.register_attribute("hidden", c10::IntType::get(), d);
    m.register_attribute("dropout", c10::FloatType::get(), c.dropout);
    m.register_attribute("attn_scale", c10::FloatType::get(), 1.0 / std::sqrt(static_cast<double>(d)));
    m.register_attribute("emb_scale", c10::FloatType::get(), std::sqrt(static_cast<double>(d)));
    if (!m.hasattr("training")) m.register_attribute("training", c10::BoolType::get(), true);
    m.define(networkSource(c.blocks));
    return m;
}

// Training users need at least two training items (one input, one target).
std::vector<size_t> trainingUsers(const data::LeaveOneOutSplit& split, const data::InteractionLog& log) {
    std::vector<size_t> users;
    for (size_t u = 0; u < split.train.size(); ++u)
        if (split.train[u].size() >= 2) users.push_back(u);
    if (users.empty()) throw Error(log.path, "no user has enough interactions to train SASRec");
    return users;
}

// One pass over the training users in a fresh random order: every position predicts the next
// item with a full softmax over the real items (the padding column 0 never competes), as in
// the reference implementation's cross-entropy variant. Returns the mean batch loss.
double trainOneEpoch(torch::jit::Module& net, torch::optim::Adam& optimizer, const data::LeaveOneOutSplit& split,
                     std::vector<size_t>& users, int64_t numItems, const SasRecConfig& config, int epoch,
                     std::mt19937_64& rng, jobs::JobContext* context) {
    net.train(true);
    std::shuffle(users.begin(), users.end(), rng);
    double lossSum = 0;
    int64_t batches = 0;
    for (size_t begin = 0; begin < users.size(); begin += config.batchSize) {
        if (context) context->checkCancelled();
        const size_t end = std::min(users.size(), begin + static_cast<size_t>(config.batchSize));
        std::vector<std::vector<int64_t>> inputs, targets;
        for (size_t i = begin; i < end; ++i) {
            // The last maxLength inputs and their targets are all that padLeft keeps: copy only
            // those, so a user with 10^5 items costs what one with maxLength does.
            const auto& full = split.train[users[i]];
            const size_t keep = std::min(full.size(), static_cast<size_t>(config.maxLength) + 1);
            const std::vector<int64_t> s(full.end() - keep, full.end());
            inputs.emplace_back(s.begin(), s.end() - 1);
            targets.emplace_back(s.begin() + 1, s.end());
        }
        auto inputTensor = padLeft(inputs, config.maxLength);
        auto targetTensor = padLeft(targets, config.maxLength);
        auto states = net.get_method("encode_all")({inputTensor}).toTensor();  // B×L×d
        auto itemEmb = net.attr("item_emb").toTensor();
        auto logits = torch::matmul(states, itemEmb.narrow(0, 1, numItems).t());
        auto loss = torch::nn::functional::cross_entropy(
            logits.reshape({-1, numItems}), (targetTensor - 1).reshape({-1}),
            torch::nn::functional::CrossEntropyFuncOptions().ignore_index(-1));
        optimizer.zero_grad();
        loss.backward();
        optimizer.step();
        lossSum += loss.item<double>();
        ++batches;
        if (context)
            context->report("train", (epoch - 1 + double(end) / users.size()) / config.epochs,
                            "epoch " + std::to_string(epoch) + " loss " + std::to_string(lossSum / batches));
    }
    return lossSum / std::max<int64_t>(1, batches);
}

// Puts the kept (best epoch's) values back into the network's parameters.
void restoreParameters(std::vector<torch::Tensor>& params, const std::vector<torch::Tensor>& kept) {
    torch::NoGradGuard noGrad;
    for (size_t i = 0; i < params.size(); ++i) params[i].copy_(kept[i]);
}

// Saves the network and checks that the file is the trained network: reloaded, it must give
// the same encode outputs. Returns the largest difference seen.
double saveAndVerify(torch::jit::Module& net, const std::string& outPath,
                     const std::vector<std::vector<int64_t>>& histories, int64_t maxLength) {
    try {
        net.save(outPath);
    } catch (const c10::Error& e) {
        throw Error(outPath, std::string("cannot save the model: ") + e.what_without_backtrace());
    }
    torch::NoGradGuard noGrad;
    std::vector<std::vector<int64_t>> probe(histories.begin(), histories.begin() + std::min<size_t>(64, histories.size()));
    auto seq = padLeft(probe, maxLength);
    auto reloaded = torch::jit::load(outPath);
    reloaded.eval();
    auto a = net.get_method("encode")({seq}).toTensor();
    auto b = reloaded.get_method("encode")({seq}).toTensor();
    const double difference = (a - b).abs().max().item<double>();
    if (difference > 1e-5)
        throw Error(outPath, "the saved model does not reproduce the trained network (max difference " +
                                 std::to_string(difference) + ")");
    return difference;
}

}  // namespace

SasRecResult trainSasRec(const data::InteractionLog& log, const std::string& outPath, const SasRecConfig& config,
                         jobs::JobContext* context) {
    if (config.hidden <= 0 || config.blocks <= 0 || config.maxLength < 2 || config.epochs <= 0 || config.batchSize <= 0)
        throw Error(outPath, "SASRec needs hidden > 0, blocks > 0, max length >= 2, epochs > 0 and batch size > 0");
    const auto start = Clock::now();
    // The profiling executor re-specialises the graph for every new batch width and tries
    // to fuse; plain interpretation is faster for this small network and deterministic.
    torch::jit::GraphOptimizerEnabledGuard noGraphOptimizer(false);
    SasRecResult result;
    torch::manual_seed(config.seed);
    std::mt19937_64 rng(config.seed);
    const auto split = data::leaveOneOut(log);
    const int64_t numItems = log.numItems();
    auto net = buildNetwork(numItems, log.itemIds, config);
    std::vector<torch::Tensor> params;
    for (const auto& p : net.parameters()) params.push_back(p);
    torch::optim::Adam optimizer(params, torch::optim::AdamOptions(config.learningRate).betas({0.9, 0.98}));

    // Validation: history = train, target = valid. Test: history = train + valid, target = test.
    std::vector<std::vector<int64_t>> testHistory = split.train;
    for (size_t u = 0; u < testHistory.size(); ++u) testHistory[u].push_back(split.valid[u]);
    auto modelScores = [&](const at::Tensor& seq) {
        return net.get_method("score")({net.get_method("encode")({seq}).toTensor()}).toTensor();
    };
    std::vector<size_t> users = trainingUsers(split, log);
    // Early stopping on validation NDCG@10; the best epoch's parameters are kept.
    double bestValid = -1.0;
    std::vector<torch::Tensor> bestParams;
    int sinceBest = 0;
    for (int epoch = 1; epoch <= config.epochs; ++epoch) {
        const auto epochStart = Clock::now();
        result.trainLoss.push_back(trainOneEpoch(net, optimizer, split, users, numItems, config, epoch, rng, context));
        result.trainSeconds += secondsSince(epochStart);
        result.epochsRun = epoch;

        const auto evalStart = Clock::now();
        net.train(false);
        auto valid = evaluateRanking(modelScores, split.train, split.valid, numItems, config.maxLength);
        result.evalSeconds += secondsSince(evalStart);
        if (context)
            context->report("validate", double(epoch) / config.epochs,
                            "epoch " + std::to_string(epoch) + " valid NDCG@10 " + std::to_string(valid.ndcg10));
        if (valid.ndcg10 > bestValid) {
            bestValid = valid.ndcg10;
            result.valid = valid;
            result.bestEpoch = epoch;
            bestParams.clear();
            for (const auto& p : params) bestParams.push_back(p.detach().clone());
            sinceBest = 0;
        } else if (++sinceBest >= config.patience) {
            break;
        }
    }
    restoreParameters(params, bestParams);
    net.train(false);
    const auto evalStart = Clock::now();
    result.test = evaluateRanking(modelScores, testHistory, split.test, numItems, config.maxLength);
    result.popularityTest = evaluatePopularity(testHistory, testHistory, split.test, numItems);
    result.evalSeconds += secondsSince(evalStart);
    result.reloadMaxDifference = saveAndVerify(net, outPath, testHistory, config.maxLength);
    result.totalSeconds = secondsSince(start);
    return result;
}

}  // namespace cs::sae
