#pragma once
// TopK sparse autoencoder on a recommender's user states (RecSAE, docs/recsae.md; Gao et al.
// 2024, "Scaling and evaluating sparse autoencoders"), the SparseAutoencoder family "topk":
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
#include "sae/sparse_autoencoder.h"

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace cs::sae {

class TopKSae : public SparseAutoencoder {
public:
    // Throws cs::Error when d, the latent count or k is out of range (1 <= k <= latents,
    // latents <= 1<<20). config.family is set to TopK.
    TopKSae(int64_t inputDim, const SaeConfig& config);

    int64_t k() const { return config().k; }

    at::Tensor encodeDense(const at::Tensor& x) const override;
    // Always exactly k columns (values ≥ 0; a non-positive selected pre-activation gives 0).
    std::pair<at::Tensor, at::Tensor> encode(const at::Tensor& x) const override;

    // Largest |manual − autograd| over all parameter gradients on this batch (tests).
    double gradientCheck(const at::Tensor& batch, bool withAux, const at::Tensor& deadMask);

protected:
    double trainingStep(const at::Tensor& batch, const at::Tensor& deadMask, at::Tensor& fired,
                        double progress) override;
};

}  // namespace cs::sae
