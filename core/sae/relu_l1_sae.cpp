// ReLU SAE with an L1 penalty, the classic baseline (Bricken et al. 2023, "Towards
// Monosemanticity"; the objective of Anthropic's April 2024 update), the SparseAutoencoder
// family "relu-l1":
//   z = relu(W_enc x + b_enc);  x̂ = W_dec z + b_dec;
//   loss = reconstruction + λ Σ_i z_i ‖W_dec,i‖  (the decoder-norm-weighted L1, so the penalty
//   cannot be dodged by shrinking codes and growing decoder rows; the decoder norms are free).
// Scale: the update trains on inputs scaled to E‖x‖² = d with λ = 5; with this trainer's
// reconstruction (divided by E‖x − mean‖²) that is λ' = 5/√d on Σ z_i ‖W_dec,i‖ / √E‖x − mean‖²,
// the default here. As the update, λ rises linearly over the first 5 % of the steps and the
// decoder rows start with norm 0.1 (the encoder is their transpose), b_enc at 0.
#include "sae/sae_parameters.h"

#include <cmath>

namespace cs::sae {
namespace {

constexpr double kL1WarmUp = 0.05;  // share of the steps over which the L1 coefficient rises
constexpr double kInitialDecoderNorm = 0.1;

class ReluL1Sae : public SparseAutoencoder {
public:
    ReluL1Sae(int64_t inputDim, const SaeConfig& config) : SparseAutoencoder(inputDim, config) {
        torch::NoGradGuard noGrad;
        p_->wDec *= kInitialDecoderNorm;
        p_->wEnc.copy_(p_->wDec);
    }

    at::Tensor encodeDense(const at::Tensor& x) const override {
        torch::NoGradGuard noGrad;
        checkInput(x);
        const auto& p = *p_;
        return torch::relu(torch::addmm(p.bEnc, x.to(torch::kFloat32), p.wEnc.t()));
    }

    double lambda() const {
        return config().sparsityCoefficient >= 0 ? config().sparsityCoefficient : 5.0 / std::sqrt(double(inputDim()));
    }

protected:
    bool unitNormDecoder() const override { return false; }

    double trainingStep(const at::Tensor& x, const at::Tensor&, at::Tensor& fired, double progress) override {
        const auto& p = *p_;
        auto z = torch::relu(torch::addmm(p.bEnc, x, p.wEnc.t()));
        auto xHat = torch::addmm(p.bDec, z, p.wDec);
        auto l1 = (z * p.wDec.norm(2, 1).unsqueeze(0)).sum(1).mean() / std::sqrt(p.variance);
        const double warm = std::min(1.0, progress / kL1WarmUp);
        auto loss = reconstructionLoss(x, xHat, p.variance) + lambda() * warm * l1;
        loss.backward();
        torch::NoGradGuard noGrad;
        fired += (z > 0).sum(0).to(torch::kFloat32);
        return batchFvu(x, xHat);
    }
};

}  // namespace

std::unique_ptr<SparseAutoencoder> makeReluL1Sae(int64_t inputDim, const SaeConfig& config) {
    return std::make_unique<ReluL1Sae>(inputDim, config);
}

}  // namespace cs::sae
