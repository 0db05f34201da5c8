#pragma once
// Dense products with one small dimension (the rank r), as multi-threaded loops. Debian's LibTorch
// goes through the system BLAS, which is the unoptimised reference BLAS unless OpenBLAS is
// installed; for these shapes (r = 10) that was the largest cost of NMF and of the Sobol
// rebuild in the bench, and a streaming loop is memory-bound instead. The loops are compiled for
// AVX2/FMA and for baseline x86-64, chosen at load time.
#include <cstdint>

namespace at {
class Tensor;
}

namespace cs::craft {

// P (n×K) · Qᵀ with Q (r×K), both float32 contiguous → n×r float64 (accumulated in float64).
at::Tensor productWithTransposed(const at::Tensor& P, const at::Tensor& Q);

// C (m×r) · B (r×F), float32 → m×F float32 (each output row a combination of B's rows).
at::Tensor combineRows(const at::Tensor& C, const at::Tensor& B);

// out[i] = base[i] + delta[i]·direction, rows of F float32 (base and out m×F contiguous). The
// Sobol C_i rows differ from the A rows in one concept only, so their rebuilt activations are a
// rank-one update of A's: one multiply-add per value instead of r.
void shiftRows(const at::Tensor& base, const at::Tensor& delta, const at::Tensor& direction, at::Tensor& out);

}  // namespace cs::craft
