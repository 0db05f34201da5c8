#pragma once
// Dense products with one small dimension (the rank r), as multi-threaded loops. Debian's LibTorch
// goes through the system BLAS, which is the unoptimised reference BLAS unless OpenBLAS is
// installed; for these shapes (r = 10) that was the largest cost of NMF and of the Sobol
// rebuild in the bench, and a streaming loop is memory-bound instead.
#include <cstdint>

namespace at {
class Tensor;
}

namespace cs::craft {

// P (n×K) · Qᵀ with Q (r×K), both float32 contiguous → n×r float64 (accumulated in float64).
at::Tensor productWithTransposed(const at::Tensor& P, const at::Tensor& Q);

// C (m×r) · B (r×F), float32 → m×F float32 (each output row a combination of B's rows).
at::Tensor combineRows(const at::Tensor& C, const at::Tensor& B);

}  // namespace cs::craft
