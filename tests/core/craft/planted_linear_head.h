#pragma once
// The planted-concept case of the importance tests: h(rows) = rows·c on six concepts whose
// contributions B[k] are random directions scaled by 1, 0.5, 6, 2, 0.1 and 3, so concept k's
// effect on h is exactly B[k]·c and concept 2 dominates.
#include "craft/concept_contributions.h"

#include <torch/torch.h>

#include <algorithm>
#include <numeric>
#include <vector>

namespace cs::craft::test {

struct PlantedLinearHead {
    at::Tensor contributions;  // r × F
    at::Tensor c;              // F
    int64_t calls = 0;
    RowEvaluator h() {
        return [this](const at::Tensor& rows) {
            ++calls;
            return rows.to(torch::kFloat64).mv(c).to(torch::kFloat32);
        };
    }
    // Each concept's exact effect B[k]·c.
    std::vector<double> effects() const {
        at::Tensor e = contributions.to(torch::kFloat64).mv(c).contiguous();
        return {e.data_ptr<double>(), e.data_ptr<double>() + e.numel()};
    }
};

inline constexpr int64_t kPlantedConcept = 2;

inline PlantedLinearHead plantedHead() {
    torch::manual_seed(21);
    const int64_t r = 6, features = 50;
    PlantedLinearHead p;
    p.c = torch::rand({features}, torch::kFloat64);
    at::Tensor weights = torch::tensor({1.0, 0.5, 6.0, 2.0, 0.1, 3.0}, torch::kFloat32);
    p.contributions = torch::rand({r, features}) * weights.unsqueeze(1);
    return p;
}

inline std::vector<int64_t> ranking(const std::vector<double>& scores) {
    std::vector<int64_t> order(scores.size());
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(), [&](int64_t a, int64_t b) { return scores[a] > scores[b]; });
    return order;
}

}  // namespace cs::craft::test
