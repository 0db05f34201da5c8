#pragma once
// Non-negative matrix factorisation A ≈ U W for CRAFT (docs/craft.md), in LibTorch.
// Follows scikit-learn's NMF as the reference calls it (init nndsvda, coordinate descent on the
// Frobenius loss, tol 1e-4, max_iter 200, no regularisation): the coordinate-descent update of one
// column of U (or row of W) with the others fixed is exact, so it is done for every row at once
// (HALS), and the stopping rule is sklearn's: the projected-gradient "violation" of an iteration
// divided by the first iteration's falls under tol.
#include <cstdint>

namespace at {
class Tensor;
}

namespace cs::craft {

struct NmfOptions {
    int64_t rank = 10;
    int maxIterations = 200;
    double tolerance = 1e-4;
};

struct NmfStats {
    int iterations = 0;
    bool converged = false;
    double relativeError = 0.0;  // ‖A − UW‖_F / ‖A‖_F
};

// A: n × C, non-negative (checked). U: n × r, W: r × C, both float32 on return.
// Throws cs::Error when n < r, A has negative or non-finite entries, or A is all zeros.
NmfStats fitNmf(const at::Tensor& A, const NmfOptions& options, at::Tensor& U, at::Tensor& W);

// NNDSVDA initialisation (Boutsidis & Gallopoulos 2008; zeros filled with mean(A)), as sklearn.
void nndsvdaInit(const at::Tensor& A, int64_t rank, at::Tensor& U, at::Tensor& W);

// The transform: U ≥ 0 minimising ‖A − UW‖_F with W fixed, i.e. one NNLS per row of A, all rows
// at once. Coordinate descent from zeros with sklearn's stopping rule (reference behaviour);
// a smaller tolerance gives the exact NNLS solution. Returns n × r, float64 for a float64 A,
// float32 otherwise.
at::Tensor nnlsTransform(const at::Tensor& A, const at::Tensor& W, int maxIterations = 200, double tolerance = 1e-4,
                         int* iterations = nullptr);

double relativeReconstructionError(const at::Tensor& A, const at::Tensor& U, const at::Tensor& W);

}  // namespace cs::craft
