#include "sae/sparse_autoencoder.h"

#include "common/error.h"
#include "jobs/job.h"
#include "sae/sae_parameters.h"
#include "sae/topk_sae.h"

#include <chrono>
#include <cmath>

namespace cs::sae {

torch::Tensor reconstructionLoss(const torch::Tensor& x, const torch::Tensor& xHat, double variance) {
    return (xHat - x).pow(2).sum() / (double(x.size(0)) * variance);
}

double batchFvu(const torch::Tensor& x, const torch::Tensor& xHat) {
    torch::NoGradGuard noGrad;
    const double variance = std::max((x - x.mean(0)).pow(2).sum().item<double>(), 1e-12);
    return (xHat - x).pow(2).sum().item<double>() / variance;
}

torch::Tensor auxKLoss(const torch::Tensor& pre, const torch::Tensor& deadMask, const torch::Tensor& residual,
                       const torch::Tensor& wDec, const SaeConfig& config, int64_t inputDim, double variance) {
    if (!deadMask.defined()) return torch::zeros({});
    const int64_t numDead = deadMask.sum().item<int64_t>();
    if (numDead == 0) return torch::zeros({});
    const int64_t auxK = config.auxK > 0 ? config.auxK : std::max<int64_t>(1, inputDim / 2);
    const int64_t ka = std::min(auxK, numDead);
    const double scale = std::min(1.0, double(numDead) / auxK) * config.auxCoefficient;
    auto auxPre = pre.masked_fill(deadMask.logical_not().unsqueeze(0), -INFINITY);
    auto [values, indices] = auxPre.topk(ka, 1);
    auto za = torch::zeros_like(pre).scatter(1, indices, torch::relu(values));
    return scale * reconstructionLoss(residual.detach(), torch::mm(za, wDec), variance);
}

torch::Tensor batchTopK(const torch::Tensor& pre, int64_t k) {
    auto acts = torch::relu(pre).reshape({-1});
    const int64_t keep = std::min<int64_t>(k * pre.size(0), acts.numel());
    auto [values, indices] = acts.topk(keep);
    return torch::zeros_like(acts).scatter(0, indices, values).view(pre.sizes());
}

void initTiedWeights(SparseAutoencoder::Parameters& p, int64_t inputDim, int64_t latents) {
    const double bound = 1.0 / std::sqrt(static_cast<double>(inputDim));
    p.wEnc = torch::empty({latents, inputDim}).uniform_(-bound, bound);
    p.bEnc = torch::zeros({latents});
    p.wDec = p.wEnc.clone();
    p.wDec /= p.wDec.norm(2, 1, true).clamp_min(1e-8);
    p.bDec = torch::zeros({inputDim});
}

SparseAutoencoder::SparseAutoencoder(int64_t inputDim, const SaeConfig& config)
    : p_(std::make_unique<Parameters>()), config_(config), inputDim_(inputDim) {
    if (inputDim <= 0) throw Error("sae", "the state dimension must be positive, got " + std::to_string(inputDim));
    if (config.latentCount > 0) {
        if (config.latentCount > (int64_t(1) << 20))
            throw Error("sae", "latent count " + std::to_string(config.latentCount) + " is out of range (1 .. 1048576)");
        latents_ = config.latentCount;
    } else {
        if (config.expansion <= 0 || inputDim * config.expansion > (int64_t(1) << 20))
            throw Error("sae", "latent count d × expansion = " + std::to_string(inputDim) + " × " +
                                   std::to_string(config.expansion) + " is out of range (1 .. 1048576)");
        latents_ = inputDim * config.expansion;
    }
    if (config.k < 1 || config.k > latents_)
        throw Error("sae", "k = " + std::to_string(config.k) + " is out of range (1 .. " + std::to_string(latents_) +
                               " latents)");
    if (config.epochs < 1 || config.batchSize < 2) throw Error("sae", "epochs must be >= 1 and batch size >= 2");
    torch::manual_seed(config.seed);
    initTiedWeights(*p_, inputDim, latents_);
}

SparseAutoencoder::~SparseAutoencoder() = default;

std::vector<at::Tensor> SparseAutoencoder::trainableParameters() const {
    return {p_->wEnc, p_->bEnc, p_->wDec, p_->bDec};
}

void SparseAutoencoder::checkInput(const at::Tensor& x) const {
    if (x.dim() != 2 || x.size(1) != inputDim_)
        throw Error("sae", "states have shape " + std::string(c10::str(x.sizes())) + ", expected [N, " +
                               std::to_string(inputDim_) + "] (does the model's encode output match the SAE?)");
}

void SparseAutoencoder::beginTraining(const at::Tensor&) {}
void SparseAutoencoder::finishTraining(const at::Tensor&) {}

SaeTrainStats SparseAutoencoder::train(const at::Tensor& statesIn, jobs::JobContext* context) {
    auto& p = *p_;
    if (statesIn.dim() != 2 || statesIn.size(1) != inputDim_)
        throw Error("sae", "training states have shape " + std::string(c10::str(statesIn.sizes())) + ", expected [N, " +
                               std::to_string(inputDim_) + "]");
    if (statesIn.size(0) < 2) throw Error("sae", "at least two training states are needed");
    auto states = statesIn.to(torch::kFloat32).contiguous();
    const auto start = std::chrono::steady_clock::now();
    torch::manual_seed(config_.seed);
    {
        torch::NoGradGuard noGrad;
        // Reference implementations start b_dec at 0 (or the geometric median); the mean
        // converges faster (Gao et al. §A) and is what RecSAE has always done.
        p.bDec.copy_(states.mean(0));
        p.variance = std::max((states - p.bDec).pow(2).sum(1).mean().item<double>(), 1e-12);
    }
    beginTraining(states);
    std::vector<torch::Tensor> params = trainableParameters();
    for (auto& t : params) t.set_requires_grad(true);
    torch::optim::Adam optimizer(params, torch::optim::AdamOptions(config_.learningRate));
    SaeTrainStats stats;
    const int64_t N = states.size(0);
    const int64_t batchesPerEpoch = (N + config_.batchSize - 1) / config_.batchSize;
    const double totalBatches = double(batchesPerEpoch) * config_.epochs;
    torch::Tensor deadMask;  // from the previous epoch; undefined in the first
    int64_t step = 0;
    for (int epoch = 0; epoch < config_.epochs; ++epoch) {
        auto perm = torch::randperm(N, torch::kInt64);
        auto fired = torch::zeros({latents_});
        double fvuSum = 0;
        int64_t batches = 0;
        for (int64_t begin = 0; begin < N; begin += config_.batchSize, ++step) {
            if (context) context->checkCancelled();
            const int64_t len = std::min(config_.batchSize, N - begin);
            if (len < 2) break;
            auto batch = states.index_select(0, perm.narrow(0, begin, len));
            for (auto& t : params) t.mutable_grad() = torch::Tensor();
            const double fvu = trainingStep(batch, deadMask, fired, step / totalBatches);
            torch::NoGradGuard noGrad;
            if (unitNormDecoder() && p.wDec.grad().defined()) {
                auto& g = p.wDec.mutable_grad();
                g -= (g * p.wDec).sum(1, true) * p.wDec;  // keep the step tangent to each row's sphere
            }
            optimizer.step();
            if (unitNormDecoder()) p.wDec /= p.wDec.norm(2, 1, true).clamp_min(1e-8);
            fvuSum += fvu;
            ++batches;
            stats.samplesSeen += len;
            if (context && batches % 20 == 0)
                context->report("sae", (epoch + double(begin + len) / N) / config_.epochs,
                                "epoch " + std::to_string(epoch + 1) + " FVU " + std::to_string(fvuSum / batches));
        }
        deadMask = fired == 0;
        stats.lossPerEpoch.push_back(fvuSum / std::max<int64_t>(1, batches));
        stats.deadPerEpoch.push_back(deadMask.to(torch::kFloat32).mean().item<double>());
    }
    for (auto& t : params) {
        t.mutable_grad() = torch::Tensor();
        t.set_requires_grad(false);
    }
    finishTraining(states);
    stats.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return stats;
}

std::pair<at::Tensor, at::Tensor> SparseAutoencoder::encode(const at::Tensor& x) const {
    torch::NoGradGuard noGrad;
    auto dense = encodeDense(x);
    const int64_t width = std::max<int64_t>(1, (dense > 0).sum(1).max().item<int64_t>());
    auto [values, indices] = dense.topk(width, 1);
    return {values, indices};
}

at::Tensor SparseAutoencoder::decode(const at::Tensor& values, const at::Tensor& indices) const {
    torch::NoGradGuard noGrad;
    const int64_t B = values.size(0), width = values.size(1);
    auto rows = p_->wDec.index_select(0, indices.reshape({-1})).view({B, width, inputDim_});
    return torch::bmm(values.unsqueeze(1), rows).squeeze(1) + p_->bDec;
}

at::Tensor SparseAutoencoder::reconstruct(const at::Tensor& x) const {
    auto [values, indices] = encode(x);
    return decode(values, indices);
}

double SparseAutoencoder::fvu(const at::Tensor& x, int64_t latentPrefix) const {
    torch::NoGradGuard noGrad;
    double err = 0;
    const int64_t N = x.size(0);
    for (int64_t b = 0; b < N; b += 4096) {
        auto batch = x.narrow(0, b, std::min<int64_t>(4096, N - b));
        auto [values, indices] = encode(batch);
        if (latentPrefix >= 0) values = values * (indices < latentPrefix);
        err += (decode(values, indices) - batch).pow(2).sum().item<double>();
    }
    return err / std::max((x - x.mean(0)).pow(2).sum().item<double>(), 1e-12);
}

namespace {
TensorBlob toBlob(const torch::Tensor& t) {
    auto c = t.detach().to(torch::kFloat32).contiguous().reshape({-1});
    TensorBlob blob;
    blob.shape.assign(t.sizes().begin(), t.sizes().end());
    if (blob.shape.empty()) blob.shape = {1};
    blob.data.assign(c.data_ptr<float>(), c.data_ptr<float>() + c.numel());
    return blob;
}
torch::Tensor fromBlob(const TensorBlob& b) {
    return torch::from_blob(const_cast<float*>(b.data.data()), b.shape, torch::kFloat32).clone();
}
}  // namespace

std::vector<std::pair<std::string, TensorBlob>> SparseAutoencoder::weights() const {
    const auto& p = *p_;
    std::vector<std::pair<std::string, TensorBlob>> w = {
        {"W_enc", toBlob(p.wEnc)}, {"b_enc", toBlob(p.bEnc)}, {"W_dec", toBlob(p.wDec)}, {"b_dec", toBlob(p.bDec)}};
    if (p.threshold.defined()) w.push_back({"threshold", toBlob(p.threshold)});
    const auto prefixes = prefixSizes();
    if (!prefixes.empty()) {
        TensorBlob sizes;  // exact in float32: latent counts are at most 2^20
        sizes.shape = {static_cast<int64_t>(prefixes.size())};
        for (int64_t s : prefixes) sizes.data.push_back(static_cast<float>(s));
        w.push_back({"prefix_sizes", sizes});
    }
    return w;
}

std::unique_ptr<SparseAutoencoder> makeSparseAutoencoder(int64_t inputDim, const SaeConfig& config) {
    switch (config.family) {
        case SaeFamily::TopK: break;
        case SaeFamily::BatchTopK: return makeBatchTopKSae(inputDim, config);
        case SaeFamily::JumpRelu: return makeJumpReluSae(inputDim, config);
        case SaeFamily::Matryoshka: return makeMatryoshkaSae(inputDim, config);
        case SaeFamily::ReluL1: return makeReluL1Sae(inputDim, config);
    }
    return std::make_unique<TopKSae>(inputDim, config);
}

std::unique_ptr<SparseAutoencoder> loadSparseAutoencoder(const std::vector<std::pair<std::string, TensorBlob>>& weights,
                                                         SaeConfig config, const std::string& subject) {
    auto find = [&](const std::string& name) -> const TensorBlob* {
        for (const auto& [n, b] : weights)
            if (n == name) {
                if (!b.valid()) throw Error(subject, "SAE tensor " + name + " is damaged");
                return &b;
            }
        return nullptr;
    };
    auto require = [&](const std::string& name) -> const TensorBlob& {
        if (const TensorBlob* b = find(name)) return *b;
        throw Error(subject, "SAE tensor " + name + " is missing");
    };
    const TensorBlob& wEnc = require("W_enc");
    if (wEnc.shape.size() != 2 || wEnc.shape[0] <= 0 || wEnc.shape[1] <= 0)
        throw Error(subject, "W_enc must be a latents × d matrix, got " + wEnc.shapeText());
    config.latentCount = wEnc.shape[0];
    if (const TensorBlob* sizes = find("prefix_sizes")) {
        config.prefixSizes.clear();
        for (float size : sizes->data) config.prefixSizes.push_back(std::llround(size));
    }
    if (config.k > wEnc.shape[0]) throw Error(subject, "k = " + std::to_string(config.k) + " exceeds the stored latent count");
    auto sae = makeSparseAutoencoder(wEnc.shape[1], config);
    auto& p = *sae->p_;
    p.wEnc = fromBlob(wEnc);
    p.bEnc = fromBlob(require("b_enc"));
    p.wDec = fromBlob(require("W_dec"));
    p.bDec = fromBlob(require("b_dec"));
    const int64_t m = sae->latents(), d = sae->inputDim();
    if (p.wDec.sizes() != p.wEnc.sizes() || p.bEnc.numel() != m || p.bDec.numel() != d)
        throw Error(subject, "stored SAE tensors have inconsistent shapes");
    const bool perLatentThreshold = config.family == SaeFamily::JumpRelu;
    const bool batchThreshold = config.family == SaeFamily::BatchTopK || config.family == SaeFamily::Matryoshka;
    if (perLatentThreshold || batchThreshold) {
        p.threshold = fromBlob(require("threshold"));
        if (p.threshold.numel() != (perLatentThreshold ? m : 1))
            throw Error(subject, "the SAE's threshold has " + std::to_string(p.threshold.numel()) + " values, expected " +
                                     std::to_string(perLatentThreshold ? m : 1));
        if (batchThreshold) p.threshold = p.threshold.reshape({});
    }
    return sae;
}

}  // namespace cs::sae
