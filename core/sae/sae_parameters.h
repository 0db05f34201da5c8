#pragma once
// Private to core/sae: the tensors of a SparseAutoencoder and the pieces of training the
// families share. Included only by the families' .cpp files (it includes LibTorch, like
// model/torchscript_support.h); the public interface is sparse_autoencoder.h.
#include "sae/sparse_autoencoder.h"

#include <torch/torch.h>

namespace cs::sae {

struct SparseAutoencoder::Parameters {
    torch::Tensor wEnc, bEnc, wDec, bDec;  // m×d, m, m×d, d
    // What inference compares pre-activations with: JumpReLU's per-latent θ (m), BatchTopK's and
    // Matryoshka's one estimated threshold (a scalar); undefined for TopK and ReLU-L1.
    torch::Tensor threshold;
    // E‖x − mean‖² over the training states: the reconstruction terms are divided by it, so a
    // loss of 1 is "explains nothing" and the penalties' coefficients do not depend on the scale
    // of the states (docs/recsae.md).
    double variance = 1.0;
};

// Σ‖x − x̂‖² / (B · variance): the reconstruction term of every family but TopK (whose
// hand-written gradients normalise by the batch's own variance).
torch::Tensor reconstructionLoss(const torch::Tensor& x, const torch::Tensor& xHat, double variance);

// Σ(x̂ − x)² / Σ(x − batch mean)², the batch FVU the trainer reports.
double batchFvu(const torch::Tensor& x, const torch::Tensor& xHat);

// AuxK (Gao et al. 2024, §A.2): the k_aux largest pre-activations among the dead latents
// reconstruct the residual x − x̂ (a constant), scaled by min(dead / k_aux, 1) · coefficient.
// Zero (and no graph) when no latent is dead or deadMask is undefined.
torch::Tensor auxKLoss(const torch::Tensor& preActivations, const torch::Tensor& deadMask,
                       const torch::Tensor& residual, const torch::Tensor& wDec, const SaeConfig& config,
                       int64_t inputDim, double variance);

// BatchTopK's training activation (Bussmann et al. 2024, §3): keep the k·B largest of
// relu(pre) over the whole batch, zero the rest (dense B×m, differentiable through the kept).
torch::Tensor batchTopK(const torch::Tensor& preActivations, int64_t k);

// nn.Linear's default encoder init and the decoder as its transpose with unit-norm rows.
void initTiedWeights(SparseAutoencoder::Parameters& p, int64_t inputDim, int64_t latents);

// The families other than TopK (topk_sae.h), each in its own file.
std::unique_ptr<SparseAutoencoder> makeBatchTopKSae(int64_t inputDim, const SaeConfig& config);  // batchtopk_sae.cpp
std::unique_ptr<SparseAutoencoder> makeMatryoshkaSae(int64_t inputDim, const SaeConfig& config);  // batchtopk_sae.cpp
std::unique_ptr<SparseAutoencoder> makeJumpReluSae(int64_t inputDim, const SaeConfig& config);    // jumprelu_sae.cpp
std::unique_ptr<SparseAutoencoder> makeReluL1Sae(int64_t inputDim, const SaeConfig& config);      // relu_l1_sae.cpp

}  // namespace cs::sae
