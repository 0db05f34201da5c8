#pragma once
// SparseAutoencoder: the one interface of RecSAE's SAE families (docs/recsae.md, "SAE families").
// Every family shares the affine decoder x̂ = z W_dec + b_dec (W_dec stored as m×d rows) and
// non-negative codes z; the families differ in the encoder's activation, the training
// objective and what is renormalised after a step. One trainer (train) runs them all: Adam
// over shuffled batches, dead-latent tracking per epoch (a latent is dead in an epoch where it
// never fired; TopK, BatchTopK and Matryoshka feed the dead ones to the AuxK loss), progress
// and cancellation between batches. TopKSae (topk_sae.h) is the TopK family; the others are
// built by makeSparseAutoencoder.
#include "common/tensor_blob.h"
#include "sae/sae_family.h"

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace at {
class Tensor;
}
namespace cs::jobs {
class JobContext;
}

namespace cs::sae {

struct SaeConfig {
    SaeFamily family = SaeFamily::TopK;
    int64_t expansion = 32;        // latents = d × expansion
    int64_t latentCount = 0;       // > 0: this many latents instead (CRAFT's SAE dictionary: one per concept)
    int64_t k = 32;                // active latents per sample (TopK, BatchTopK, Matryoshka: k·B per batch)
    int epochs = 20;
    int64_t batchSize = 256;
    double learningRate = 5e-4;    // RecSAE paper; the reference code's default is 1e-4
    double weightDecay = 1e-6;     // TopK only, on W_enc and W_dec (RecSAE's reference)
    double auxCoefficient = 1.0 / 32.0;
    int64_t auxK = -1;             // -1 = d / 2
    // ReLU-L1: λ of the L1 term; JumpReLU: λ of the L0 term. -1 = the family's default
    // (sparse_autoencoder.cpp, docs/recsae.md).
    double sparsityCoefficient = -1;
    // Matryoshka: the nested prefix sizes, increasing, the last = the latent count; empty =
    // m/16, m/8, m/4, m/2, m.
    std::vector<int64_t> prefixSizes;
    uint64_t seed = 0;
};

struct SaeTrainStats {
    std::vector<double> lossPerEpoch;   // mean training FVU per epoch
    std::vector<double> deadPerEpoch;   // fraction of latents with no activation in that epoch
    double seconds = 0;
    int64_t samplesSeen = 0;
    double samplesPerSecond() const { return seconds > 0 ? samplesSeen / seconds : 0; }
};

class SparseAutoencoder {
public:
    virtual ~SparseAutoencoder();
    SparseAutoencoder(const SparseAutoencoder&) = delete;
    SparseAutoencoder& operator=(const SparseAutoencoder&) = delete;

    SaeFamily family() const { return config_.family; }
    int64_t inputDim() const { return inputDim_; }
    int64_t latents() const { return latents_; }
    const SaeConfig& config() const { return config_; }
    // Matryoshka's nested prefix sizes (increasing, the last = latents()); empty for the others.
    virtual std::vector<int64_t> prefixSizes() const { return {}; }

    // Trains on N×d states (b_dec starts at their mean). context may be null.
    SaeTrainStats train(const at::Tensor& states, jobs::JobContext* context = nullptr);

    // Inference codes, N×m, ≥ 0 (BatchTopK and Matryoshka use their estimated threshold here).
    virtual at::Tensor encodeDense(const at::Tensor& x) const = 0;
    // Sparse codes: values (B×w, ≥ 0) and latent indices (B×w, int64), w = the most latents active
    // in any row of x (TopK: always k). Rows with fewer are padded with zero values.
    virtual std::pair<at::Tensor, at::Tensor> encode(const at::Tensor& x) const;
    at::Tensor decode(const at::Tensor& values, const at::Tensor& indices) const;
    at::Tensor reconstruct(const at::Tensor& x) const;
    // Σ(x̂−x)²/Σ(x−mean)² over all rows; with latentPrefix >= 0, x̂ decodes only the codes of
    // latents [0, latentPrefix) (Matryoshka's nested reconstructions).
    double fvu(const at::Tensor& x, int64_t latentPrefix = -1) const;

    // Weights as stored in the project: W_enc (m×d), b_enc (m), W_dec (m×d), b_dec (d), and the
    // family's own (threshold; prefix_sizes).
    std::vector<std::pair<std::string, TensorBlob>> weights() const;

    struct Parameters;  // the tensors (sae_parameters.h, for the family implementations only)

protected:
    SparseAutoencoder(int64_t inputDim, const SaeConfig& config);
    // One batch of training: leaves ∂loss/∂p in every trainable parameter's grad, adds 1 to
    // fired[j] for each sample latent j was active in, and returns the batch's FVU. deadMask is
    // undefined in the first epoch. progress ∈ [0, 1) is the share of training done (warm-ups).
    virtual double trainingStep(const at::Tensor& batch, const at::Tensor& deadMask, at::Tensor& fired,
                                double progress) = 0;
    // The tensors Adam updates (the four common ones by default).
    virtual std::vector<at::Tensor> trainableParameters() const;
    // Unit-norm decoder rows: the trainer removes the gradient along each row before the step
    // and renormalises after it (Gao et al.; SAELens). ReLU-L1 lets the norms free.
    virtual bool unitNormDecoder() const { return true; }
    // Called before the first and after the last step (BatchTopK: the inference threshold).
    virtual void beginTraining(const at::Tensor& states);
    virtual void finishTraining(const at::Tensor& states);

    // Throws cs::Error unless x is N×inputDim().
    void checkInput(const at::Tensor& x) const;

    std::unique_ptr<Parameters> p_;

private:
    friend std::unique_ptr<SparseAutoencoder> loadSparseAutoencoder(
        const std::vector<std::pair<std::string, TensorBlob>>& weights, SaeConfig config, const std::string& subject);
    SaeConfig config_;
    int64_t inputDim_ = 0, latents_ = 0;
};

// A new, untrained SAE of config.family. Throws cs::Error when d, the latent count, k or the
// prefix sizes are out of range.
std::unique_ptr<SparseAutoencoder> makeSparseAutoencoder(int64_t inputDim, const SaeConfig& config);

// The SAE a run stored (weights()), of config.family with config.k; the latent count and d come
// from the tensors. Throws cs::Error naming `subject` when a tensor is missing or inconsistent.
std::unique_ptr<SparseAutoencoder> loadSparseAutoencoder(const std::vector<std::pair<std::string, TensorBlob>>& weights,
                                                         SaeConfig config, const std::string& subject);

}  // namespace cs::sae
