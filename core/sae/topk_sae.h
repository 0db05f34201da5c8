#pragma once
// TopK sparse autoencoder on a recommender's user states (RecSAE, docs/recsae.md; Gao et al.
// 2024, "Scaling and evaluating sparse autoencoders"):
//   pre = W_enc (x − b_dec) + b_enc;  keep the k largest pre-activations, ReLU them;
//   x̂ = W_dec z + b_dec.
// Clean TopK order: the reference applies ReLU before TopK, so a zero can be "selected" and
// counted as active; here TopK runs on the raw pre-activations and only positive values are
// active (identical reconstructions, honest L0 and dead counts).
// Untied weights with tied init (W_dec = W_encᵀ, stored here as m×d rows), unit-norm decoder
// rows (renormalised after each step; the gradient component parallel to each row is removed
// first, as Gao et al. do). Loss = FVU Σ(x̂−x)²/Σ(x−mean)² plus, from the second epoch, AuxK:
// the k_aux = d/2 largest pre-activations among latents dead in the previous epoch reconstruct
// the residual e = x − x̂, loss Σ(ê−e)²/Σ(x−mean)² scaled by min(dead/k_aux, 1) and 1/32.
//
// Training uses hand-written sparse gradients (only the k selected rows of W_enc/W_dec get
// gradient), which is the same mathematics as autograd on the dense formulation (a test checks
// it) at a fraction of the cost.
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "common/tensor_blob.h"

namespace at {
class Tensor;
}
namespace cs::jobs {
class JobContext;
}

namespace cs::sae {

struct SaeConfig {
    int64_t expansion = 32;        // latents = d × expansion
    int64_t k = 32;                // active latents per sample
    int epochs = 20;
    int64_t batchSize = 256;
    double learningRate = 5e-4;    // RecSAE paper; the reference code's default is 1e-4
    double weightDecay = 1e-6;     // on W_enc and W_dec only
    double auxCoefficient = 1.0 / 32.0;
    int64_t auxK = -1;             // -1 = d / 2
    uint64_t seed = 0;
};

struct SaeTrainStats {
    std::vector<double> lossPerEpoch;   // mean training FVU per epoch
    std::vector<double> deadPerEpoch;   // fraction of latents with no activation in that epoch
    double seconds = 0;
    int64_t samplesSeen = 0;
    double samplesPerSecond() const { return seconds > 0 ? samplesSeen / seconds : 0; }
};

class TopKSae {
public:
    // Throws cs::Error when d, the latent count or k is out of range (1 <= k <= latents,
    // latents <= 1<<20).
    TopKSae(int64_t inputDim, const SaeConfig& config);
    ~TopKSae();
    TopKSae(TopKSae&&) noexcept;

    int64_t inputDim() const;
    int64_t latents() const;
    int64_t k() const;
    const SaeConfig& config() const;

    // Trains on N×d states (b_dec starts at their mean). context may be null.
    SaeTrainStats train(const at::Tensor& states, jobs::JobContext* context = nullptr);

    // Sparse codes: values (B×k, ≥ 0) and latent indices (B×k, int64).
    std::pair<at::Tensor, at::Tensor> encode(const at::Tensor& x) const;
    at::Tensor decode(const at::Tensor& values, const at::Tensor& indices) const;
    at::Tensor reconstruct(const at::Tensor& x) const;
    // Σ(x̂−x)²/Σ(x−mean)² over all rows.
    double fvu(const at::Tensor& x) const;

    // Largest |manual − autograd| over all parameter gradients on this batch (tests).
    double gradientCheck(const at::Tensor& batch, bool withAux, const at::Tensor& deadMask);

    // Weights as stored in the project: W_enc (m×d), b_enc (m), W_dec (m×d), b_dec (d).
    std::vector<std::pair<std::string, TensorBlob>> weights() const;
    static TopKSae fromWeights(const std::vector<std::pair<std::string, TensorBlob>>& weights, int64_t k,
                               const std::string& subject);

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace cs::sae
