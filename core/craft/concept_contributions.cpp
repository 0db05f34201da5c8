#include "craft/concept_contributions.h"

#include "craft/concept_dictionary.h"
#include "craft/crops.h"
#include "craft/dense_ops.h"

#include "model/model_adapter.h"

#include <torch/torch.h>

#include <algorithm>
#include <chrono>

namespace cs::craft {

at::Tensor rowsByChannel(const at::Tensor& activations) {
    if (activations.dim() == 4) return activations.permute({0, 2, 3, 1}).reshape({-1, activations.size(1)});
    return activations;
}

std::vector<int64_t> spatialShape(const at::Tensor& activations) {
    if (activations.dim() == 4) return {activations.size(2), activations.size(3)};
    return {};
}

at::Tensor conceptContributions(const at::Tensor& codes, const at::Tensor& W, const std::vector<int64_t>& spatial) {
    const int64_t r = W.size(0), channels = W.size(1);
    if (spatial.empty()) return W * codes[0].unsqueeze(1);
    at::Tensor maps = codes.t().reshape({r, 1, spatial[0], spatial[1]});
    return (W.view({r, channels, 1, 1}) * maps).reshape({r, -1});
}

at::Tensor evaluateMasks(const at::Tensor& contributions, const at::Tensor& masks, int64_t hBatch, const RowEvaluator& h) {
    torch::InferenceMode inference;
    std::vector<at::Tensor> out;
    for (int64_t from = 0; from < masks.size(0); from += hBatch)
        out.push_back(h(combineRows(masks.slice(0, from, std::min(masks.size(0), from + hBatch)), contributions)));
    return torch::cat(out);
}

RowEvaluator withDictionaryOffset(RowEvaluator h, const ConceptDictionary& dictionary, const std::vector<int64_t>& spatial) {
    at::Tensor offset = dictionary.offset();
    if (!offset.defined()) return h;
    offset = offset.to(torch::kFloat32);
    if (!spatial.empty()) offset = offset.view({-1, 1, 1}).expand({offset.size(0), spatial[0], spatial[1]});
    at::Tensor row = offset.reshape({1, -1}).contiguous();
    return [h = std::move(h), row](const at::Tensor& rows) { return h(rows + row); };
}

namespace {

// The model's head on rows viewed as activations of `shape` at `layer`, mapped back by the policy;
// `seconds` (optional) accumulates the head's time. The result may be a view of the rows: each
// evaluator copies what it keeps, once.
at::Tensor headOn(model::VisionModel& model, const std::string& layer, const ActivationPolicy& policy, const std::vector<int64_t>& shape,
                  const at::Tensor& rows, double* seconds) {
    std::vector<int64_t> full{rows.size(0)};
    full.insert(full.end(), shape.begin(), shape.end());
    at::Tensor rebuilt = policy.toModel(rows.view(full));
    const auto start = std::chrono::steady_clock::now();
    at::Tensor logits = model.logitsFrom(rebuilt, layer);
    if (seconds) *seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return logits;
}

}  // namespace

RowEvaluator logitsEvaluator(model::VisionModel& model, const std::string& layer, const ActivationPolicy& policy,
                             std::vector<int64_t> shape, double* seconds) {
    return [&model, layer, policy, shape = std::move(shape), seconds](const at::Tensor& rows) {
        // Cloned: a head that returns a view of its input would alias rows the caller refills.
        return headOn(model, layer, policy, shape, rows, seconds).to(torch::kFloat32).clone();
    };
}

RowEvaluator classLogitEvaluator(model::VisionModel& model, const std::string& layer, const ActivationPolicy& policy,
                                 std::vector<int64_t> shape, int64_t classIndex, double* seconds) {
    return [&model, layer, policy, shape = std::move(shape), classIndex, seconds](const at::Tensor& rows) {
        // Only the class's column is copied: this is Sobol's inner loop.
        return headOn(model, layer, policy, shape, rows, seconds).select(1, classIndex).to(torch::kFloat32).clone();
    };
}

}  // namespace cs::craft
