#include "craft/concept_importance.h"

#include "craft/dense_ops.h"

#include <torch/torch.h>

#include <algorithm>
#include <functional>

namespace cs::craft {

namespace {

// True when masks are [A; B; C_1 … C_r] with C_i equal to A but in column i (sobol.h), which
// lets the C rows be rebuilt as rank-one updates of the A rows.
bool masksHaveSobolLayout(const at::Tensor& masks, int64_t nbDesign) {
    const int64_t r = masks.size(1);
    if (masks.size(0) != nbDesign * (r + 2)) return false;
    at::Tensor a = masks.slice(0, 0, nbDesign);
    for (int64_t k = 0; k < r; ++k) {
        at::Tensor c = masks.slice(0, (2 + k) * nbDesign, (3 + k) * nbDesign);
        at::Tensor same = c == a;
        same.select(1, k).fill_(true);
        if (!same.all().item<bool>()) return false;
    }
    return true;
}

// Rows of rebuilt activations go to h in blocks of a fixed size: a block is sent as soon as it is
// full, so h reads the rows while they are still in cache.
class RowBlocks {
public:
    RowBlocks(int64_t rows, int64_t features, const RowEvaluator& h)
        : block_(torch::empty({rows, features}, torch::kFloat32)), h_(h) {}
    // Appends `count` rows; write(first, n, target) fills rows [first, first + n) into target.
    void emit(int64_t count, const std::function<void(int64_t, int64_t, at::Tensor)>& write) {
        for (int64_t done = 0; done < count;) {
            const int64_t n = std::min(count - done, block_.size(0) - filled_);
            write(done, n, block_.slice(0, filled_, filled_ + n));
            filled_ += n;
            done += n;
            if (filled_ == block_.size(0)) flush();
        }
    }
    at::Tensor outputs() {
        flush();
        return torch::cat(outputs_);
    }

private:
    void flush() {
        if (filled_ == 0) return;
        outputs_.push_back(h_(block_.slice(0, 0, filled_)));
        filled_ = 0;
    }
    at::Tensor block_;
    const RowEvaluator& h_;
    int64_t filled_ = 0;
    std::vector<at::Tensor> outputs_;
};

class SobolImportance final : public ConceptImportance {
public:
    SobolImportance(SobolDesign design, int64_t nbDesign, uint64_t seed, int64_t hBatch)
        : design_(design), nbDesign_(nbDesign), seed_(seed), hBatch_(hBatch) {}

    std::string name() const override { return "sobol"; }

    ImportanceScores estimate(const at::Tensor& contributions, const RowEvaluator& h) override {
        torch::InferenceMode inference;
        const int64_t r = contributions.size(0);
        useMasksFor(r);
        at::Tensor B = contributions.contiguous();
        at::Tensor y = (designHasCRows_ ? outputsByRankOneRows(B, h) : evaluateMasks(B, masks_, hBatch_, h)).to(torch::kFloat32).contiguous();
        std::vector<float> outputs(y.data_ptr<float>(), y.data_ptr<float>() + y.numel());
        return {jansenTotalIndices(outputs, r, nbDesign_), masks_.size(0)};
    }

private:
    void useMasksFor(int64_t r) {
        if (masks_.defined() && masks_.size(1) == r) return;
        const auto values = sobolMasks(design_, r, nbDesign_, seed_);
        masks_ = torch::from_blob(const_cast<float*>(values.data()), {static_cast<int64_t>(values.size()) / r, r}, torch::kFloat32).clone();
        designHasCRows_ = masksHaveSobolLayout(masks_, nbDesign_);
    }

    // The A and B rows are rebuilt from all r contributions; each C_i row differs from its A row in
    // concept i only, so it is A's rebuilt activation plus (b_i − a_i)·B[i] (dense_ops.h shiftRows),
    // a quarter of the arithmetic of rebuilding all rows. All rows go to h in one call when hBatch allows.
    at::Tensor outputsByRankOneRows(const at::Tensor& B, const RowEvaluator& h) const {
        const int64_t nb = nbDesign_, r = B.size(0);
        RowBlocks blocks(std::min(hBatch_, masks_.size(0)), B.size(1), h);
        at::Tensor rebuiltA = combineRows(masks_.slice(0, 0, nb), B);
        blocks.emit(nb, [&](int64_t f, int64_t n, at::Tensor target) { target.copy_(rebuiltA.slice(0, f, f + n)); });
        at::Tensor maskB = masks_.slice(0, nb, 2 * nb);
        blocks.emit(nb, [&](int64_t f, int64_t n, at::Tensor target) { target.copy_(combineRows(maskB.slice(0, f, f + n), B)); });
        for (int64_t k = 0; k < r; ++k) {
            at::Tensor delta = (masks_.slice(0, (2 + k) * nb, (3 + k) * nb).select(1, k) - masks_.slice(0, 0, nb).select(1, k)).contiguous();
            at::Tensor direction = B[k].contiguous();
            blocks.emit(nb, [&](int64_t f, int64_t n, at::Tensor target) {
                shiftRows(rebuiltA.slice(0, f, f + n), delta.slice(0, f, f + n), direction, target);
            });
        }
        return blocks.outputs();
    }

    SobolDesign design_;
    int64_t nbDesign_;
    uint64_t seed_;
    int64_t hBatch_;
    at::Tensor masks_;  // [A; B; C_1 … C_r], float32
    bool designHasCRows_ = false;
};

}  // namespace

std::unique_ptr<ConceptImportance> makeSobolImportance(SobolDesign design, int64_t nbDesign, uint64_t seed, int64_t hBatch) {
    return std::make_unique<SobolImportance>(design, nbDesign, seed, hBatch);
}

}  // namespace cs::craft
