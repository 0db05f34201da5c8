#include "craft/class_effects.h"

#include <torch/torch.h>

#include <algorithm>

namespace cs::craft {

at::Tensor conceptClassEffects(int64_t images, const std::function<at::Tensor(int64_t)>& contributionsOf, const RowEvaluator& logits,
                               int64_t concepts, int64_t hBatch, const std::function<void()>& afterImage) {
    // Row 0 keeps every concept; row k + 1 drops concept k.
    const at::Tensor masks = torch::cat({torch::ones({1, concepts}), 1.0 - torch::eye(concepts)}).to(torch::kFloat32);
    at::Tensor sum;
    for (int64_t i = 0; i < images; ++i) {
        const at::Tensor values = evaluateMasks(contributionsOf(i), masks, hBatch, logits).to(torch::kFloat64);
        const at::Tensor gains = values[0].unsqueeze(0) - values.slice(0, 1);
        sum = sum.defined() ? sum + gains : gains;
        if (afterImage) afterImage();
    }
    return images > 0 ? sum / static_cast<double>(images) : at::Tensor();
}

std::vector<std::vector<std::pair<int64_t, double>>> topRaisedClasses(const at::Tensor& effects, int64_t count) {
    std::vector<std::vector<std::pair<int64_t, double>>> out;
    if (!effects.defined() || effects.dim() != 2) return out;
    const at::Tensor e = effects.to(torch::kFloat64).contiguous();
    for (int64_t k = 0; k < e.size(0); ++k) {
        const auto [values, indices] = e[k].topk(std::min<int64_t>(count, e.size(1)));
        std::vector<std::pair<int64_t, double>> raised;
        for (int64_t j = 0; j < values.size(0); ++j)
            if (values[j].item<double>() > 0) raised.emplace_back(indices[j].item<int64_t>(), values[j].item<double>());
        out.push_back(std::move(raised));
    }
    return out;
}

}  // namespace cs::craft
