#include "craft/nmf.h"

#include "craft/dense_ops.h"

#include "common/error.h"

#include <ATen/CPUGeneratorImpl.h>
#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <tuple>

namespace cs::craft {

namespace {

// One sweep of exact coordinate updates over the columns t of X (n×r) minimising
// ‖M − X Yᵀ‖ given G = YᵀY (r×r) and P = M Y (n×r); sklearn's _update_cdnmf_fast.
// Returns the sum of |projected gradient| (sklearn's "violation").
double coordinateSweep(double* x, int64_t n, int64_t r, const double* gram, const double* proj) {
    double violation = 0.0;
    for (int64_t t = 0; t < r; ++t) {
        const double hess = gram[t * r + t];
        for (int64_t i = 0; i < n; ++i) {
            double* row = x + i * r;
            double grad = -proj[i * r + t];
            for (int64_t k = 0; k < r; ++k) grad += gram[k * r + t] * row[k];
            const double projected = row[t] == 0.0 ? std::min(0.0, grad) : grad;
            violation += std::abs(projected);
            if (hess != 0.0) row[t] = std::max(row[t] - grad / hess, 0.0);
        }
    }
    return violation;
}

// Updates X (n×r, contiguous float64) for M ≈ X Yᵀ with Y (m×r) fixed. M32 is M as float32:
// the product M·Y streams M once (dense_ops.h), float32 data with float64 sums like sklearn's
// float32 run.
double updateFactor(at::Tensor& X, const at::Tensor& M32, const at::Tensor& Y) {
    at::Tensor gram = Y.t().mm(Y).contiguous();
    at::Tensor proj = productWithTransposed(M32, Y.t().contiguous());
    return coordinateSweep(X.data_ptr<double>(), X.size(0), X.size(1), gram.data_ptr<double>(), proj.data_ptr<double>());
}

void checkMatrix(const at::Tensor& A, const char* what) {
    if (A.dim() != 2) throw Error(what, "expected a 2-d matrix");
    if (!torch::isfinite(A).all().item<bool>()) throw Error(what, "the matrix has NaN or infinite entries");
    if (A.numel() > 0 && A.min().item<double>() < 0.0) throw Error(what, "NMF needs a non-negative matrix");
}

// The leading singular triplets of A (n×m) by randomized subspace iteration (Halko, Martinsson
// & Tropp 2011), as sklearn's nndsvda start does: rank + 10 columns, 7 power iterations when the
// rank is under a tenth of the smaller side, 4 otherwise. Each step is two streaming products
// with A (dense_ops.h); sklearn renormalises with LU, QR here is as cheap at these widths and
// better conditioned. The exact SVD (through Debian's reference LAPACK) took seconds for a
// 1600×512 crop matrix, more than the whole factorisation. The start is seeded, so runs repeat.
std::tuple<at::Tensor, at::Tensor, at::Tensor> leadingSvd(const at::Tensor& A, int64_t rank) {
    const int64_t n = A.size(0), m = A.size(1);
    const int64_t columns = rank + 10;
    if (columns >= std::min(n, m)) {
        auto [left, sigma, rightT] = torch::linalg_svd(A.to(torch::kFloat64), /*full_matrices=*/false);
        return {left, sigma, rightT};
    }
    const int powerIterations = rank < 0.1 * static_cast<double>(std::min(n, m)) ? 7 : 4;
    at::Tensor a32 = A.to(torch::kFloat32).contiguous();
    at::Tensor at32 = a32.t().contiguous();
    auto generator = at::make_generator<at::CPUGeneratorImpl>(/*seed=*/0);
    at::Tensor q = torch::randn({columns, m}, generator, torch::TensorOptions().dtype(torch::kFloat32));  // Qᵀ
    auto orthonormal = [](const at::Tensor& y) { return std::get<0>(torch::linalg_qr(y)); };
    at::Tensor basis = orthonormal(productWithTransposed(a32, q));  // n × columns: range of A·Q
    for (int i = 0; i < powerIterations; ++i) {
        at::Tensor z = orthonormal(productWithTransposed(at32, basis.t().contiguous()));  // m × columns
        basis = orthonormal(productWithTransposed(a32, z.t().contiguous()));
    }
    at::Tensor small = productWithTransposed(at32, basis.t().contiguous()).t();  // columns × m = basisᵀ·A
    auto [leftSmall, sigma, rightT] = torch::linalg_svd(small, /*full_matrices=*/false);
    at::Tensor left = basis.mm(leftSmall);
    return {left.slice(1, 0, rank), sigma.slice(0, 0, rank), rightT.slice(0, 0, rank)};
}

}  // namespace

double relativeReconstructionError(const at::Tensor& A, const at::Tensor& U, const at::Tensor& W) {
    at::Tensor a = A.to(torch::kFloat64);
    const double norm = a.norm().item<double>();
    if (norm == 0.0) return 0.0;
    return (a - U.to(torch::kFloat64).mm(W.to(torch::kFloat64))).norm().item<double>() / norm;
}

void nndsvdaInit(const at::Tensor& A, int64_t rank, at::Tensor& U, at::Tensor& W) {
    at::Tensor a = A.to(torch::kFloat64);
    auto [left, sigma, rightT] = leadingSvd(A, rank);
    const int64_t n = a.size(0), m = a.size(1);
    at::Tensor u = torch::zeros({n, rank}, torch::kFloat64);
    at::Tensor w = torch::zeros({rank, m}, torch::kFloat64);
    const int64_t available = std::min<int64_t>(rank, sigma.size(0));
    for (int64_t j = 0; j < available; ++j) {
        at::Tensor x = left.select(1, j), y = rightT.select(0, j);
        const double s = sigma[j].item<double>();
        if (j == 0) {
            u.select(1, 0).copy_(std::sqrt(s) * x.abs());
            w.select(0, 0).copy_(std::sqrt(s) * y.abs());
            continue;
        }
        at::Tensor xp = x.clamp_min(0), yp = y.clamp_min(0), xn = (-x).clamp_min(0), yn = (-y).clamp_min(0);
        const double xpn = xp.norm().item<double>(), ypn = yp.norm().item<double>();
        const double xnn = xn.norm().item<double>(), ynn = yn.norm().item<double>();
        const double mp = xpn * ypn, mn = xnn * ynn;
        at::Tensor uu, vv;
        double scale;
        // The dominant sign pair of the singular vectors gives a non-negative rank-1 term.
        if (mp > mn) {
            uu = xpn > 0 ? xp / xpn : xp;
            vv = ypn > 0 ? yp / ypn : yp;
            scale = mp;
        } else {
            uu = xnn > 0 ? xn / xnn : xn;
            vv = ynn > 0 ? yn / ynn : yn;
            scale = mn;
        }
        const double lambda = std::sqrt(s * scale);
        u.select(1, j).copy_(lambda * uu);
        w.select(0, j).copy_(lambda * vv);
    }
    const double eps = 1e-6;
    u.masked_fill_(u < eps, 0.0);
    w.masked_fill_(w < eps, 0.0);
    // The "a" of nndsvda: zeros become the mean of A so coordinate descent can move them.
    const double average = a.mean().item<double>();
    u.masked_fill_(u == 0.0, average);
    w.masked_fill_(w == 0.0, average);
    U = u;
    W = w;
}

NmfStats fitNmf(const at::Tensor& A, const NmfOptions& options, at::Tensor& U, at::Tensor& W) {
    torch::NoGradGuard noGrad;
    checkMatrix(A, "crop activations");
    if (options.rank <= 0) throw Error("concepts", "the number of concepts must be positive");
    if (A.size(0) < options.rank)
        throw Error("crop activations", "there are " + std::to_string(A.size(0)) + " crops but " + std::to_string(options.rank) +
                                            " concepts were asked for; use more images or fewer concepts");
    if (A.size(1) < options.rank)
        throw Error("crop activations", "the layer has " + std::to_string(A.size(1)) + " channels, fewer than the " +
                                            std::to_string(options.rank) + " concepts asked for");
    at::Tensor a = A.to(torch::kFloat64).contiguous();
    if (a.abs().max().item<double>() == 0.0) throw Error("crop activations", "every activation is zero; NMF has nothing to factorise");

    at::Tensor u, w;
    nndsvdaInit(a, options.rank, u, w);
    u = u.contiguous();
    at::Tensor wt = w.t().contiguous();  // C×r, updated as the "X" of the transposed problem
    at::Tensor a32 = a.to(torch::kFloat32).contiguous();
    at::Tensor at32 = a32.t().contiguous();

    NmfStats stats;
    double initialViolation = 0.0;
    for (int iteration = 1; iteration <= options.maxIterations; ++iteration) {
        double violation = updateFactor(u, a32, wt);
        violation += updateFactor(wt, at32, u);
        stats.iterations = iteration;
        if (iteration == 1) initialViolation = violation;
        if (initialViolation == 0.0) break;
        if (violation / initialViolation <= options.tolerance) {
            stats.converged = true;
            break;
        }
    }
    U = u.to(torch::kFloat32);
    W = wt.t().contiguous().to(torch::kFloat32);
    stats.relativeError = relativeReconstructionError(a, u, wt.t());
    return stats;
}

at::Tensor nnlsTransform(const at::Tensor& A, const at::Tensor& W, int maxIterations, double tolerance, int* iterations) {
    torch::NoGradGuard noGrad;
    at::Tensor a = A.to(torch::kFloat64).contiguous();
    at::Tensor wt = W.to(torch::kFloat64).t().contiguous();  // C×r
    at::Tensor u = torch::zeros({a.size(0), W.size(0)}, torch::kFloat64);
    // Gram and projection do not change while W is fixed.
    at::Tensor gram = wt.t().mm(wt).contiguous();
    // float64 callers (finite-difference checks) keep a float64 product.
    at::Tensor proj = A.scalar_type() == torch::kFloat64 ? a.mm(wt).contiguous() : productWithTransposed(A, wt.t().contiguous());
    double initialViolation = 0.0;
    int done = 0;
    for (int iteration = 1; iteration <= maxIterations; ++iteration) {
        const double violation = coordinateSweep(u.data_ptr<double>(), u.size(0), u.size(1), gram.data_ptr<double>(), proj.data_ptr<double>());
        done = iteration;
        if (iteration == 1) initialViolation = violation;
        if (initialViolation == 0.0 || violation / initialViolation <= tolerance) break;
    }
    if (iterations) *iterations = done;
    // float64 in, float64 out (finite-difference checks need it); float32 otherwise.
    return A.scalar_type() == torch::kFloat64 ? u : u.to(torch::kFloat32);
}

}  // namespace cs::craft
