#include "craft/archetypal_dictionary.h"

#include "common/error.h"
#include "craft/nmf.h"

#include <torch/torch.h>

#include <algorithm>
#include <cmath>

namespace cs::craft {
namespace {

const char* const kSubject = "concept dictionary";
constexpr int kInnerSteps = 10;  // projected-gradient steps on S per outer iteration

// Each row of M projected onto the probability simplex {s ≥ 0, Σ s = 1} (Duchi et al. 2008).
at::Tensor projectRowsOntoSimplex(const at::Tensor& M) {
    at::Tensor sorted = std::get<0>(M.sort(1, /*descending=*/true));
    at::Tensor cumulative = sorted.cumsum(1) - 1.0;
    at::Tensor ranks = torch::arange(1, M.size(1) + 1, M.options());
    // ρ = the last position where sorted > (cumsum − 1) / rank.
    at::Tensor positive = (sorted - cumulative / ranks) > 0;
    at::Tensor rho = (positive.to(torch::kInt64) * torch::arange(M.size(1), torch::kInt64)).amax(1, true);
    at::Tensor theta = cumulative.gather(1, rho) / (rho + 1).to(M.scalar_type());
    return (M - theta).clamp_min(0.0);
}

// Largest eigenvalue of a symmetric positive semi-definite matrix, by power iteration.
double largestEigenvalue(const at::Tensor& G) {
    at::Tensor v = torch::ones({G.size(0), 1}, G.options()) / std::sqrt(double(G.size(0)));
    double value = 0;
    for (int i = 0; i < 50; ++i) {
        at::Tensor w = G.mm(v);
        value = w.norm().item<double>();
        if (value == 0) return 0;
        v = w / value;
    }
    return value;
}

// FurthestSum (Mørup & Hansen 2012, the usual start of archetypal analysis): the crop furthest
// from the mean, then repeatedly the crop with the largest summed distance to those chosen.
at::Tensor furthestSumStart(const at::Tensor& a, int64_t rank) {
    std::vector<int64_t> chosen{(a - a.mean(0)).norm(2, 1).argmax().item<int64_t>()};
    at::Tensor summed = torch::zeros({a.size(0)}, a.options());
    while (static_cast<int64_t>(chosen.size()) < rank) {
        summed += (a - a[chosen.back()]).norm(2, 1);
        at::Tensor candidates = summed.clone();
        for (int64_t c : chosen) candidates[c] = -1.0;
        chosen.push_back(candidates.argmax().item<int64_t>());
    }
    at::Tensor S = torch::zeros({rank, a.size(0)}, a.options());
    for (int64_t k = 0; k < rank; ++k) S[k][chosen[k]] = 1.0;
    return S;
}

class ArchetypalDictionary final : public ConceptDictionary {
public:
    ArchetypalDictionary(int maxIterations, double tolerance) : maxIterations_(maxIterations), tolerance_(tolerance) {}
    std::string name() const override { return "archetypal"; }
    bool nonNegativeCodes() const override { return true; }

    NmfStats fit(const at::Tensor& A, int64_t rank, at::Tensor& U, at::Tensor& W) override {
        torch::NoGradGuard noGrad;
        if (A.dim() != 2) throw Error(kSubject, "archetypal analysis expects a 2-d activation matrix");
        if (rank <= 0) throw Error(kSubject, "the number of concepts must be positive");
        if (A.size(0) < rank)
            throw Error(kSubject, "archetypal analysis needs at least as many crops as concepts (" +
                                      std::to_string(A.size(0)) + " crops, " + std::to_string(rank) + " concepts)");
        at::Tensor a = A.to(torch::kFloat64).contiguous();
        if (!torch::isfinite(a).all().item<bool>()) throw Error(kSubject, "the activations have NaN or infinite entries");
        const double dataNorm = a.norm().item<double>();
        if (dataNorm == 0) throw Error(kSubject, "the activations are all zeros");
        // Step sizes: ∂/∂S ½‖A − U S A‖² is Lipschitz with constant λmax(UᵀU) · λmax(A Aᵀ).
        const double dataCurvature = largestEigenvalue(a.t().mm(a));
        at::Tensor S = furthestSumStart(a, rank);
        at::Tensor w = S.mm(a);
        at::Tensor u;
        NmfStats stats;
        double previous = INFINITY;
        for (int iteration = 1; iteration <= maxIterations_; ++iteration) {
            u = nnlsTransform(a, w, 50, 1e-4);
            const double codeCurvature = largestEigenvalue(u.t().mm(u));
            const double step = 1.0 / std::max(codeCurvature * dataCurvature, 1e-12);
            for (int inner = 0; inner < kInnerSteps; ++inner) {
                at::Tensor residual = a - u.mm(w);
                S = projectRowsOntoSimplex(S + step * u.t().mm(residual).mm(a.t()));
                w = S.mm(a);
            }
            const double error = (a - u.mm(w)).norm().item<double>() / dataNorm;
            stats.iterations = iteration;
            stats.relativeError = error;
            if (previous - error < tolerance_ * std::max(previous, 1e-12) && iteration > 1) {
                stats.converged = true;
                break;
            }
            previous = error;
        }
        W_ = w;
        u = nnlsTransform(a, W_, 200, 1e-6);  // the codes transform() would give
        stats.relativeError = (a - u.mm(W_)).norm().item<double>() / dataNorm;
        U = u.to(torch::kFloat32);
        W = W_.to(torch::kFloat32);
        return stats;
    }

    at::Tensor transform(const at::Tensor& activations) const override {
        fitted();
        return nnlsTransform(activations, W_, 200, 1e-6);
    }
    at::Tensor reconstruct(const at::Tensor& codes) const override {
        fitted();
        return codes.to(torch::kFloat64).mm(W_).to(torch::kFloat32);
    }

private:
    void fitted() const {
        if (!W_.defined()) throw Error(kSubject, "the archetypal dictionary is used before it was fitted");
    }
    int maxIterations_;
    double tolerance_;
    at::Tensor W_;  // rank × C, float64: convex combinations of the fitted crops
};

}  // namespace

std::unique_ptr<ConceptDictionary> makeArchetypalDictionary(int maxIterations, double tolerance) {
    return std::make_unique<ArchetypalDictionary>(maxIterations, tolerance);
}

}  // namespace cs::craft
