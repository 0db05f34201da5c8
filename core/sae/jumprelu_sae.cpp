// JumpReLU SAE (Rajamanoharan et al. 2024, "Jumping Ahead: Improving Reconstruction Fidelity
// with JumpReLU Sparse Autoencoders"), the SparseAutoencoder family "jumprelu":
//   pre = W_enc x + b_enc;  z = relu(pre) · H(relu(pre) − θ), θ > 0 learned per latent;
//   x̂ = W_dec z + b_dec;  loss = reconstruction + λ · E[‖z‖₀].
// H has no useful derivative, so θ is trained with the paper's straight-through estimator and a
// rectangle kernel K(u) = 1[|u| < ½] of bandwidth ε (§4, eq. 11–12):
//   ∂z/∂θ ≈ −(θ/ε) K((relu(pre) − θ)/ε),   ∂‖z‖₀/∂θ ≈ −(1/ε) K((relu(pre) − θ)/ε),
// and the L0 term gives no gradient to the pre-activations. θ is stored as log θ during training
// (SAELens' parameterisation), which keeps it positive. λ rises linearly over the first 10 % of
// the steps (the paper warms λ up over its first 10k steps). Scale: the paper trains on inputs
// of unit mean squared norm with ε = θ₀ = 0.001 at width 2304; expressed in units of the
// per-dimension RMS u = sqrt(E‖x − mean‖² / d), that is ε = θ₀ ≈ 0.05 u. θ₀ is that; ε is ten
// times wider (0.5 u): θ only learns from activations within ε/2 of it, and a RecSAE run sees
// 10⁴–10⁵ states, not the paper's billions of tokens (docs/recsae.md has the measurement).
// Unit-norm decoder rows, as Gemma Scope.
#include "sae/sae_parameters.h"

#include <cmath>

namespace cs::sae {
namespace {

constexpr double kBandwidth = 0.5;       // ε in units of u
constexpr double kInitialThreshold = 0.05;  // θ₀ in units of u
constexpr double kThresholdPenaltyWarmUp = 0.1;  // share of the steps over which λ rises

class JumpReluSae : public SparseAutoencoder {
public:
    JumpReluSae(int64_t inputDim, const SaeConfig& config) : SparseAutoencoder(inputDim, config) {
        p_->threshold = torch::full({latents()}, 1e-3);
    }

    at::Tensor encodeDense(const at::Tensor& x) const override {
        torch::NoGradGuard noGrad;
        checkInput(x);
        const auto& p = *p_;
        auto acts = torch::relu(torch::addmm(p.bEnc, x.to(torch::kFloat32), p.wEnc.t()));
        return acts * (acts > p.threshold);
    }

    // λ of the L0 term, in FVU per active latent (docs/recsae.md).
    double lambda() const { return config().sparsityCoefficient >= 0 ? config().sparsityCoefficient : 1e-2; }

protected:
    std::vector<at::Tensor> trainableParameters() const override {
        return {p_->wEnc, p_->bEnc, p_->wDec, p_->bDec, logThreshold_};
    }

    void beginTraining(const at::Tensor&) override {
        unit_ = std::sqrt(p_->variance / inputDim());
        logThreshold_ = torch::full({latents()}, std::log(kInitialThreshold * unit_));
    }

    double trainingStep(const at::Tensor& x, const at::Tensor&, at::Tensor& fired, double progress) override {
        const auto& p = *p_;
        const double eps = kBandwidth * unit_;
        auto theta = logThreshold_.exp();
        auto acts = torch::relu(torch::addmm(p.bEnc, x, p.wEnc.t()));
        torch::Tensor gate, kernel;
        {
            torch::NoGradGuard noGrad;
            gate = (acts > theta).to(torch::kFloat32);
            kernel = (((acts - theta) / eps).abs() < 0.5).to(torch::kFloat32);
        }
        // Value acts·H, gradient H to the activations and the STE's to θ (the detached factors
        // carry the kernel; θ − θ.detach() is zero in value and one in gradient).
        auto thetaDelta = theta - theta.detach();
        auto z = acts * gate + thetaDelta * (-(theta.detach() / eps) * kernel);
        auto l0 = (gate + thetaDelta * (-kernel / eps)).sum(1).mean();
        auto xHat = torch::addmm(p.bDec, z, p.wDec);
        const double warm = std::min(1.0, progress / kThresholdPenaltyWarmUp);
        auto loss = reconstructionLoss(x, xHat, p.variance) + lambda() * warm * l0;
        loss.backward();
        torch::NoGradGuard noGrad;
        fired += gate.sum(0);
        return batchFvu(x, xHat);
    }

    void finishTraining(const at::Tensor&) override { p_->threshold = logThreshold_.detach().exp(); }

private:
    torch::Tensor logThreshold_;
    double unit_ = 1.0;
};

}  // namespace

std::unique_ptr<SparseAutoencoder> makeJumpReluSae(int64_t inputDim, const SaeConfig& config) {
    return std::make_unique<JumpReluSae>(inputDim, config);
}

}  // namespace cs::sae
