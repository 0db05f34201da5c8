#include "craft/dense_ops.h"

#include <ATen/Parallel.h>
#include <torch/torch.h>

#include <algorithm>

// The kernels are compiled twice, for x86-64-v3 (AVX2 + FMA) and for the baseline, and the loader
// picks one at start-up (GCC function multi-versioning): the .deb runs on any x86-64 and still
// uses 8-wide fused multiply-adds where the CPU has them.
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define CS_VECTOR_KERNEL __attribute__((target_clones("arch=x86-64-v3", "default")))
#else
#define CS_VECTOR_KERNEL
#endif

namespace cs::craft {

namespace {

// Eight floats as one value: GCC's vector extension, one AVX register in the x86-64-v3 clone and
// two SSE registers in the baseline one. Loads go through memcpy, so no alignment is assumed.
typedef float Float8 __attribute__((vector_size(32)));

inline Float8 load8(const float* p) {
    Float8 v;
    __builtin_memcpy(&v, p, sizeof v);
    return v;
}

inline double sum8(Float8 v) {
    double total = 0;
    for (int t = 0; t < 8; ++t) total += v[t];
    return total;
}

// Rows [begin, end) of P·Qᵀ, float32 products summed in eight lanes then in float64. Four
// outputs at a time share each load of the row and give four independent multiply-add chains,
// so the loop is bound by loads rather than by the add latency.
CS_VECTOR_KERNEL void productRows(const float* pp, const float* qp, double* op, int64_t begin, int64_t end, int64_t k, int64_t r) {
    for (int64_t i = begin; i < end; ++i) {
        const float* row = pp + i * k;
        int64_t j = 0;
        for (; j + 4 <= r; j += 4) {
            const float* q0 = qp + j * k;
            const float* q1 = q0 + k;
            const float* q2 = q1 + k;
            const float* q3 = q2 + k;
            Float8 s0 = {}, s1 = {}, s2 = {}, s3 = {};
            int64_t c = 0;
            for (; c + 8 <= k; c += 8) {
                const Float8 x = load8(row + c);
                s0 += x * load8(q0 + c);
                s1 += x * load8(q1 + c);
                s2 += x * load8(q2 + c);
                s3 += x * load8(q3 + c);
            }
            double t0 = sum8(s0), t1 = sum8(s1), t2 = sum8(s2), t3 = sum8(s3);
            for (; c < k; ++c) {
                const double x = row[c];
                t0 += x * q0[c];
                t1 += x * q1[c];
                t2 += x * q2[c];
                t3 += x * q3[c];
            }
            op[i * r + j] = t0;
            op[i * r + j + 1] = t1;
            op[i * r + j + 2] = t2;
            op[i * r + j + 3] = t3;
        }
        for (; j < r; ++j) {
            const float* other = qp + j * k;
            Float8 s = {};
            int64_t c = 0;
            for (; c + 8 <= k; c += 8) s += load8(row + c) * load8(other + c);
            double total = sum8(s);
            for (; c < k; ++c) total += static_cast<double>(row[c]) * other[c];
            op[i * r + j] = total;
        }
    }
}

// Rows [begin, end) of C·B: each output row is Σ_j C[i][j]·B[j], built in place.
CS_VECTOR_KERNEL void combineRowRange(const float* cp, const float* bp, float* op, int64_t begin, int64_t end, int64_t r, int64_t f) {
    for (int64_t i = begin; i < end; ++i) {
        float* row = op + i * f;
        const float first = cp[i * r];
        for (int64_t x = 0; x < f; ++x) row[x] = first * bp[x];
        for (int64_t j = 1; j < r; ++j) {
            const float weight = cp[i * r + j];
            if (weight == 0.0f) continue;
            const float* source = bp + j * f;
            for (int64_t x = 0; x < f; ++x) row[x] += weight * source[x];
        }
    }
}

// out[i] = base[i] + delta[i]·direction for rows [begin, end).
CS_VECTOR_KERNEL void shiftRowRange(const float* base, const float* delta, const float* direction, float* out, int64_t begin,
                                    int64_t end, int64_t f) {
    for (int64_t i = begin; i < end; ++i) {
        const float* from = base + i * f;
        float* to = out + i * f;
        const float d = delta[i];
        for (int64_t x = 0; x < f; ++x) to[x] = from[x] + d * direction[x];
    }
}

// Parallel over rows only when the work is large enough to pay for waking the OpenMP team
// (on a busy machine a wake-up costs milliseconds; the NMF loop calls this hundreds of times).
int64_t grainFor(int64_t rows, int64_t workPerRow) {
    return rows * workPerRow < (int64_t{1} << 22) ? rows + 1 : std::max<int64_t>(1, (int64_t{1} << 20) / std::max<int64_t>(1, workPerRow));
}

}  // namespace

at::Tensor productWithTransposed(const at::Tensor& P, const at::Tensor& Q) {
    at::Tensor p = P.to(torch::kFloat32).contiguous(), q = Q.to(torch::kFloat32).contiguous();
    const int64_t n = p.size(0), k = p.size(1), r = q.size(0);
    TORCH_CHECK(q.size(1) == k, "productWithTransposed: inner sizes differ");
    at::Tensor out = torch::empty({n, r}, torch::kFloat64);
    const float* pp = p.data_ptr<float>();
    const float* qp = q.data_ptr<float>();
    double* op = out.data_ptr<double>();
    at::parallel_for(0, n, grainFor(n, k * r), [&](int64_t begin, int64_t end) { productRows(pp, qp, op, begin, end, k, r); });
    return out;
}

at::Tensor combineRows(const at::Tensor& C, const at::Tensor& B) {
    at::Tensor c = C.to(torch::kFloat32).contiguous(), b = B.to(torch::kFloat32).contiguous();
    const int64_t m = c.size(0), r = c.size(1), f = b.size(1);
    TORCH_CHECK(b.size(0) == r, "combineRows: inner sizes differ");
    at::Tensor out = torch::empty({m, f}, torch::kFloat32);
    const float* cp = c.data_ptr<float>();
    const float* bp = b.data_ptr<float>();
    float* op = out.data_ptr<float>();
    at::parallel_for(0, m, grainFor(m, r * f), [&](int64_t begin, int64_t end) { combineRowRange(cp, bp, op, begin, end, r, f); });
    return out;
}

void shiftRows(const at::Tensor& base, const at::Tensor& delta, const at::Tensor& direction, at::Tensor& out) {
    const int64_t m = base.size(0), f = base.size(1);
    TORCH_CHECK(base.is_contiguous() && out.is_contiguous() && base.scalar_type() == torch::kFloat32 && out.scalar_type() == torch::kFloat32,
                "shiftRows: float32 contiguous rows expected");
    TORCH_CHECK(out.size(0) == m && out.size(1) == f && delta.numel() == m && direction.numel() == f, "shiftRows: sizes differ");
    at::Tensor d = delta.to(torch::kFloat32).contiguous(), dir = direction.to(torch::kFloat32).contiguous();
    const float* bp = base.data_ptr<float>();
    const float* dp = d.data_ptr<float>();
    const float* vp = dir.data_ptr<float>();
    float* op = out.data_ptr<float>();
    at::parallel_for(0, m, grainFor(m, f), [&](int64_t begin, int64_t end) { shiftRowRange(bp, dp, vp, op, begin, end, f); });
}

}  // namespace cs::craft
