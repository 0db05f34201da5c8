#include "craft/dense_ops.h"

#include <ATen/Parallel.h>
#include <torch/torch.h>

#include <algorithm>

namespace cs::craft {

at::Tensor productWithTransposed(const at::Tensor& P, const at::Tensor& Q) {
    at::Tensor p = P.to(torch::kFloat32).contiguous(), q = Q.to(torch::kFloat32).contiguous();
    const int64_t n = p.size(0), k = p.size(1), r = q.size(0);
    TORCH_CHECK(q.size(1) == k, "productWithTransposed: inner sizes differ");
    at::Tensor out = torch::empty({n, r}, torch::kFloat64);
    const float* pp = p.data_ptr<float>();
    const float* qp = q.data_ptr<float>();
    double* op = out.data_ptr<double>();
    // Small products run on the calling thread: waking the OpenMP team costs more than the work
    // when the machine is busy (the NMF loop calls this 400 times).
    const int64_t grain = n * k * r < (int64_t{1} << 24) ? n + 1 : 16;
    at::parallel_for(0, n, grain, [&](int64_t begin, int64_t end) {
        for (int64_t i = begin; i < end; ++i) {
            const float* row = pp + i * k;
            for (int64_t j = 0; j < r; ++j) {
                const float* other = qp + j * k;
                // Eight independent partial sums let the compiler use vector registers
                // without reassociating (no -ffast-math).
                float s[8] = {0, 0, 0, 0, 0, 0, 0, 0};
                int64_t c = 0;
                for (; c + 8 <= k; c += 8)
                    for (int t = 0; t < 8; ++t) s[t] += row[c + t] * other[c + t];
                double total = 0;
                for (int t = 0; t < 8; ++t) total += s[t];
                for (; c < k; ++c) total += static_cast<double>(row[c]) * other[c];
                op[i * r + j] = total;
            }
        }
    });
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
    at::parallel_for(0, m, 1, [&](int64_t begin, int64_t end) {
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
    });
    return out;
}

}  // namespace cs::craft
