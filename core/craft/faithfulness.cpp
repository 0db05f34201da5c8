#include "craft/faithfulness.h"

#include <torch/torch.h>

#include <algorithm>
#include <numeric>
#include <random>

namespace cs::craft {

std::vector<std::vector<int64_t>> faithfulnessOrders(const std::vector<int64_t>& ranked, int64_t randomOrders, uint64_t seed) {
    std::mt19937_64 rng(seed);
    std::vector<std::vector<int64_t>> orders{ranked};
    for (int64_t q = 0; q < randomOrders; ++q) {
        std::vector<int64_t> p(ranked.size());
        std::iota(p.begin(), p.end(), 0);
        std::shuffle(p.begin(), p.end(), rng);
        orders.push_back(p);
    }
    return orders;
}

at::Tensor deletionInsertionMasks(const std::vector<std::vector<int64_t>>& orders, int64_t concepts) {
    const int64_t r = concepts;
    at::Tensor rows = torch::zeros({static_cast<int64_t>(orders.size()) * 2 * (r + 1), r});
    for (size_t q = 0; q < orders.size(); ++q)
        for (int64_t j = 0; j <= r; ++j) {
            at::Tensor del = rows[(q * 2) * (r + 1) + j], ins = rows[(q * 2 + 1) * (r + 1) + j];
            del.fill_(1.0);
            for (int64_t t = 0; t < j; ++t) {
                del[orders[q][t]] = 0.0;
                ins[orders[q][t]] = 1.0;
            }
        }
    return rows;
}

FaithfulnessCurves faithfulnessCurves(int64_t images, const std::function<at::Tensor(int64_t)>& contributionsOf, const RowEvaluator& h,
                                      int64_t hBatch, const std::vector<int64_t>& ranked, int64_t randomOrders, uint64_t seed,
                                      const std::function<void()>& afterImage) {
    const int64_t r = static_cast<int64_t>(ranked.size());
    const auto orders = faithfulnessOrders(ranked, randomOrders, seed);
    const at::Tensor masks = deletionInsertionMasks(orders, r);
    at::Tensor sum = torch::zeros({masks.size(0)}, torch::kFloat64);
    for (int64_t i = 0; i < images; ++i) {
        sum += evaluateMasks(contributionsOf(i), masks, hBatch, h).to(torch::kFloat64);
        if (afterImage) afterImage();
    }
    at::Tensor mean = (sum / static_cast<double>(images)).view({static_cast<int64_t>(orders.size()), 2, r + 1});
    auto curve = [&](int64_t q, int64_t kind) {
        std::vector<double> c(static_cast<size_t>(r + 1));
        for (int64_t j = 0; j <= r; ++j) c[j] = mean[q][kind][j].item<double>();
        return c;
    };
    FaithfulnessCurves f;
    f.deletion = curve(0, 0);
    f.insertion = curve(0, 1);
    f.deletionRandom.assign(static_cast<size_t>(r + 1), 0.0);
    f.insertionRandom.assign(static_cast<size_t>(r + 1), 0.0);
    for (int64_t q = 1; q < static_cast<int64_t>(orders.size()); ++q) {
        auto d = curve(q, 0), s = curve(q, 1);
        for (int64_t j = 0; j <= r; ++j) {
            f.deletionRandom[j] += d[j] / randomOrders;
            f.insertionRandom[j] += s[j] / randomOrders;
        }
    }
    f.deletionArea = curveArea(f.deletion);
    f.insertionArea = curveArea(f.insertion);
    f.deletionAreaRandom = curveArea(f.deletionRandom);
    f.insertionAreaRandom = curveArea(f.insertionRandom);
    return f;
}

}  // namespace cs::craft
