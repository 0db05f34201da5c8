// The concept dictionaries Holistic CRAFT (Fel et al., NeurIPS 2023, §3) puts beside NMF: PCA,
// K-Means and Semi-NMF (concept_dictionary.h, docs/craft.md "Methods"). Each works in float64 and
// hands back float32 U and W, as the NMF does.
#include "craft/concept_dictionary.h"

#include "common/error.h"

#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

namespace cs::craft {

namespace {

const char* const kSubject = "concept dictionary";

at::Tensor checkedMatrix(const at::Tensor& A, int64_t rank, const std::string& method) {
    if (A.dim() != 2) throw Error(kSubject, method + " expects a 2-d activation matrix");
    if (rank <= 0) throw Error(kSubject, "the number of concepts must be positive");
    if (A.size(0) < rank)
        throw Error(kSubject, method + " needs at least as many crops as concepts (" + std::to_string(A.size(0)) + " crops, " +
                                  std::to_string(rank) + " concepts)");
    if (!torch::isfinite(A).all().item<bool>()) throw Error(kSubject, "the activations have NaN or infinite entries");
    return A.to(torch::kFloat64).contiguous();
}

// Codes keep the caller's precision: float64 for a float64 input, float32 otherwise (as nnlsTransform).
at::Tensor inCallersType(const at::Tensor& codes, const at::Tensor& input) {
    return codes.to(input.scalar_type() == torch::kFloat64 ? torch::kFloat64 : torch::kFloat32);
}

double relativeError(const at::Tensor& a, const at::Tensor& rebuilt) {
    const double norm = a.norm().item<double>();
    return norm == 0.0 ? 0.0 : (a - rebuilt).norm().item<double>() / norm;
}

// ---------------------------------------------------------------------------------------------
class PcaDictionary final : public ConceptDictionary {
public:
    std::string name() const override { return "pca"; }
    bool nonNegativeCodes() const override { return false; }

    NmfStats fit(const at::Tensor& A, int64_t rank, at::Tensor& U, at::Tensor& W) override {
        at::Tensor a = checkedMatrix(A, rank, "PCA");
        if (a.size(1) < rank)
            throw Error(kSubject, "PCA cannot find more components than channels (" + std::to_string(a.size(1)) + " channels)");
        mean_ = a.mean(0);
        at::Tensor centred = a - mean_;
        // The principal axes are the top eigenvectors of the scatter matrix centredᵀ·centred
        // (channels × channels): the right singular vectors sklearn's full SVD finds, at a
        // fraction of the cost when there are more crops than channels.
        auto [eigenvalues, eigenvectors] = torch::linalg_eigh(centred.t().mm(centred));
        at::Tensor components = eigenvectors.flip(1).slice(1, 0, rank).t();  // eigh sorts ascending
        // sklearn's svd_flip (u-based): the largest |u| of each component is positive, so the
        // signs do not depend on the LAPACK build. u = codes / singular value, same signs.
        at::Tensor top = centred.mm(components.t());
        at::Tensor signs = torch::sign(top.gather(0, top.abs().argmax(0).unsqueeze(0)).squeeze(0));
        signs = torch::where(signs == 0, torch::ones_like(signs), signs);
        W_ = components * signs.unsqueeze(1);
        at::Tensor codes = centred.mm(W_.t());
        NmfStats stats;
        stats.iterations = 1;
        stats.converged = true;
        stats.relativeError = relativeError(a, codes.mm(W_) + mean_);
        U = codes.to(torch::kFloat32);
        W = W_.to(torch::kFloat32);
        return stats;
    }
    at::Tensor transform(const at::Tensor& activations) const override {
        fitted();
        return inCallersType((activations.to(torch::kFloat64) - mean_).mm(W_.t()), activations);
    }
    at::Tensor reconstruct(const at::Tensor& codes) const override {
        fitted();
        return (codes.to(torch::kFloat64).mm(W_) + mean_).to(torch::kFloat32);
    }
    at::Tensor offset() const override {
        fitted();
        return mean_.to(torch::kFloat32);
    }

private:
    void fitted() const {
        if (!W_.defined()) throw Error(kSubject, "the PCA dictionary is used before it was fitted");
    }
    at::Tensor mean_, W_;  // float64
};

// ---------------------------------------------------------------------------------------------
// Squared distances of every row of x to every row of centres (n × k), clamped at 0; xNorms are
// the rows' squared norms (n × 1), computed once per fit.
at::Tensor squaredDistances(const at::Tensor& x, const at::Tensor& xNorms, const at::Tensor& centres) {
    at::Tensor d = xNorms - 2 * x.mm(centres.t()) + centres.pow(2).sum(1).unsqueeze(0);
    return d.clamp_min(0);
}

// The nearest centre of every row: argmin of ‖c‖² − 2x·c (‖x‖² is the same for every centre).
at::Tensor nearestCentres(const at::Tensor& x, const at::Tensor& centres) {
    return (centres.pow(2).sum(1).unsqueeze(0) - 2 * x.mm(centres.t())).argmin(1);
}

at::Tensor oneHot(const at::Tensor& labels, int64_t k) {
    at::Tensor codes = torch::zeros({labels.size(0), k}, torch::kFloat64);
    codes.scatter_(1, labels.unsqueeze(1), 1.0);
    return codes;
}

// k-means++ (Arthur & Vassilvitskii 2007): the first centre uniformly, each next one with
// probability proportional to the squared distance to the nearest centre chosen so far.
// sklearn's greedy variant tries 2 + log(k) candidates per step; one candidate is the plain rule.
at::Tensor kMeansPlusPlus(const at::Tensor& x, const at::Tensor& xNorms, int64_t k, std::mt19937_64& rng) {
    const int64_t n = x.size(0);
    std::vector<int64_t> chosen{std::uniform_int_distribution<int64_t>(0, n - 1)(rng)};
    at::Tensor closest = squaredDistances(x, xNorms, x[chosen[0]].unsqueeze(0)).squeeze(1);
    while (static_cast<int64_t>(chosen.size()) < k) {
        const double total = closest.sum().item<double>();
        int64_t next = 0;
        if (total <= 0.0) {
            next = std::uniform_int_distribution<int64_t>(0, n - 1)(rng);  // all points coincide with centres
        } else {
            const double target = std::uniform_real_distribution<double>(0.0, total)(rng);
            at::Tensor cumulative = closest.cumsum(0);
            next = std::min<int64_t>(n - 1, (cumulative < target).sum().item<int64_t>());
        }
        chosen.push_back(next);
        closest = torch::minimum(closest, squaredDistances(x, xNorms, x[next].unsqueeze(0)).squeeze(1));
    }
    return x.index_select(0, torch::tensor(chosen, torch::kInt64)).clone();
}

struct KMeansFit {
    at::Tensor centres, labels;
    int iterations = 0;
    bool converged = false;
};

// Lloyd's iterations with sklearn's stopping rule: the squared centre shift under
// tolerance × mean feature variance, or labels unchanged. An empty cluster keeps its centre
// (sklearn moves it to a far point).
KMeansFit kMeans(const at::Tensor& x, int64_t k, int maxIterations, double tolerance, uint64_t seed) {
    std::mt19937_64 rng(seed);
    KMeansFit fit;
    const at::Tensor xNorms = x.pow(2).sum(1, true);
    fit.centres = kMeansPlusPlus(x, xNorms, k, rng);
    const double threshold = tolerance * x.var(0, /*unbiased=*/false).mean().item<double>();
    fit.labels = nearestCentres(x, fit.centres);
    for (int it = 1; it <= maxIterations; ++it) {
        fit.iterations = it;
        at::Tensor sums = torch::zeros_like(fit.centres).index_add_(0, fit.labels, x);
        at::Tensor counts = torch::bincount(fit.labels, {}, k).to(x.scalar_type());
        at::Tensor filled = (counts > 0).unsqueeze(1);
        at::Tensor centres = torch::where(filled, sums / counts.clamp_min(1).unsqueeze(1), fit.centres);
        const double shift = (centres - fit.centres).pow(2).sum().item<double>();
        fit.centres = centres;
        at::Tensor labels = nearestCentres(x, fit.centres);
        const bool same = labels.equal(fit.labels);
        fit.labels = labels;
        if (same || shift <= threshold) {
            fit.converged = true;
            break;
        }
    }
    return fit;
}

class KMeansDictionary final : public ConceptDictionary {
public:
    KMeansDictionary(int maxIterations, double tolerance, uint64_t seed) : maxIterations_(maxIterations), tolerance_(tolerance), seed_(seed) {}

    std::string name() const override { return "kmeans"; }
    bool nonNegativeCodes() const override { return true; }

    NmfStats fit(const at::Tensor& A, int64_t rank, at::Tensor& U, at::Tensor& W) override {
        at::Tensor a = checkedMatrix(A, rank, "K-Means");
        // Lloyd's iterations in float32, as sklearn runs them on float32 activations: half the
        // memory traffic of each pass over the crops; the centres are kept in float64.
        const KMeansFit fit = kMeans(a.to(torch::kFloat32), rank, maxIterations_, tolerance_, seed_);
        W_ = fit.centres.to(torch::kFloat64);
        at::Tensor codes = oneHot(fit.labels, rank);
        NmfStats stats;
        stats.iterations = fit.iterations;
        stats.converged = fit.converged;
        stats.relativeError = relativeError(a, codes.mm(W_));
        U = codes.to(torch::kFloat32);
        W = W_.to(torch::kFloat32);
        return stats;
    }
    at::Tensor transform(const at::Tensor& activations) const override {
        fitted();
        return inCallersType(oneHot(nearestCentres(activations.to(torch::kFloat64), W_), W_.size(0)), activations);
    }
    at::Tensor reconstruct(const at::Tensor& codes) const override {
        fitted();
        return codes.to(torch::kFloat64).mm(W_).to(torch::kFloat32);
    }

private:
    void fitted() const {
        if (!W_.defined()) throw Error(kSubject, "the K-Means dictionary is used before it was fitted");
    }
    int maxIterations_;
    double tolerance_;
    uint64_t seed_;
    at::Tensor W_;
};

// ---------------------------------------------------------------------------------------------
at::Tensor positivePart(const at::Tensor& m) { return (m.abs() + m) / 2; }
at::Tensor negativePart(const at::Tensor& m) { return (m.abs() - m) / 2; }

// One multiplicative update of U ≥ 0 with W fixed (Ding et al. 2010, eq. 12 with X = Aᵀ, F = Wᵀ,
// G = U): U ∘ sqrt(((AWᵀ)⁺ + U(WWᵀ)⁻) / ((AWᵀ)⁻ + U(WWᵀ)⁺)). It never raises the loss.
at::Tensor semiNmfCodeStep(const at::Tensor& U, const at::Tensor& AWt, const at::Tensor& WWt) {
    constexpr double kTiny = 1e-12;
    at::Tensor numerator = positivePart(AWt) + U.mm(negativePart(WWt));
    at::Tensor denominator = negativePart(AWt) + U.mm(positivePart(WWt));
    return U * torch::sqrt(numerator / denominator.clamp_min(kTiny));
}

class SemiNmfDictionary final : public ConceptDictionary {
public:
    SemiNmfDictionary(int maxIterations, double tolerance, uint64_t seed) : maxIterations_(maxIterations), tolerance_(tolerance), seed_(seed) {}

    std::string name() const override { return "semi-nmf"; }
    bool nonNegativeCodes() const override { return true; }

    NmfStats fit(const at::Tensor& A, int64_t rank, at::Tensor& U, at::Tensor& W) override {
        at::Tensor a = checkedMatrix(A, rank, "Semi-NMF");
        // The paper's start: K-Means cluster indicators plus 0.2 (a multiplicative update cannot
        // leave an exact zero).
        at::Tensor u = oneHot(kMeans(a, rank, maxIterations_, tolerance_, seed_).labels, rank) + 0.2;
        at::Tensor w;
        NmfStats stats;
        double previous = std::numeric_limits<double>::infinity();
        for (int it = 1; it <= maxIterations_; ++it) {
            w = torch::linalg_pinv(u.t().mm(u)).mm(u.t().mm(a));
            u = semiNmfCodeStep(u, a.mm(w.t()), w.mm(w.t()));
            stats.iterations = it;
            const double error = relativeError(a, u.mm(w));
            // Stop when an iteration improves the relative error by less than tol of itself.
            if (previous - error <= tolerance_ * error) {
                stats.converged = true;
                break;
            }
            previous = error;
        }
        // W optimal for the final U, so fit's U and W are a consistent pair.
        w = torch::linalg_pinv(u.t().mm(u)).mm(u.t().mm(a));
        W_ = w;
        stats.relativeError = relativeError(a, u.mm(w));
        U = u.to(torch::kFloat32);
        W = W_.to(torch::kFloat32);
        return stats;
    }
    // U ≥ 0 for new rows with W fixed: the multiplicative updates from the clamped least-squares
    // codes (plus 0.2, as the fit's start), until the codes change by less than tol.
    at::Tensor transform(const at::Tensor& activations) const override {
        fitted();
        at::Tensor a = activations.to(torch::kFloat64);
        at::Tensor AWt = a.mm(W_.t()), WWt = W_.mm(W_.t());
        at::Tensor u = AWt.mm(torch::linalg_pinv(WWt)).clamp_min(0) + 0.2;
        for (int it = 0; it < maxIterations_; ++it) {
            at::Tensor next = semiNmfCodeStep(u, AWt, WWt);
            const double change = (next - u).norm().item<double>(), size = next.norm().item<double>();
            u = next;
            if (change <= tolerance_ * std::max(size, 1e-12)) break;
        }
        return inCallersType(u, activations);
    }
    at::Tensor reconstruct(const at::Tensor& codes) const override {
        fitted();
        return codes.to(torch::kFloat64).mm(W_).to(torch::kFloat32);
    }

private:
    void fitted() const {
        if (!W_.defined()) throw Error(kSubject, "the Semi-NMF dictionary is used before it was fitted");
    }
    int maxIterations_;
    double tolerance_;
    uint64_t seed_;
    at::Tensor W_;
};

}  // namespace

std::unique_ptr<ConceptDictionary> makePcaDictionary() { return std::make_unique<PcaDictionary>(); }

std::unique_ptr<ConceptDictionary> makeKMeansDictionary(int maxIterations, double tolerance, uint64_t seed) {
    return std::make_unique<KMeansDictionary>(maxIterations, tolerance, seed);
}

std::unique_ptr<ConceptDictionary> makeSemiNmfDictionary(int maxIterations, double tolerance, uint64_t seed) {
    return std::make_unique<SemiNmfDictionary>(maxIterations, tolerance, seed);
}

}  // namespace cs::craft
