#pragma once
// Activations rebuilt from concepts, and the model head h evaluated on them (CRAFT §3.2,
// docs/craft.md). An image's activation has codes U (locations × r) against the concept vectors
// W (r × C). Its per-concept contributions are B[k] = U[·,k] ⊗ W[k]; for a mask m of r weights,
// Σ_k m_k B[k] is the activation with concept k scaled by m_k (the residual A − UW is dropped, as
// in the reference). Importance and faithfulness both evaluate h on such rebuilt rows.
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace at {
class Tensor;
}
namespace cs::model {
class VisionModel;
}

namespace cs::craft {

struct ActivationPolicy;
class ConceptDictionary;

// h on rebuilt activations: rows (m × features, each one activation flattened channel-major) →
// one value per row. The result must not alias `rows`: callers refill the rows' memory next.
using RowEvaluator = std::function<at::Tensor(const at::Tensor& rows)>;

// Activation (N×C×h×w or N×C) → N·h·w × C rows, location-major per image like the reference's
// permute(0, 2, 3, 1) then reshape.
at::Tensor rowsByChannel(const at::Tensor& activations);
// h, w of an N×C×h×w activation; empty for N×C.
std::vector<int64_t> spatialShape(const at::Tensor& activations);

// One image's contributions: codes (locations × r), W (r × C) → r × (C·h·w), in the channel-major
// layout of the model's activations.
at::Tensor conceptContributions(const at::Tensor& codes, const at::Tensor& W, const std::vector<int64_t>& spatial);

// h(Σ_k masks[i,k]·B[k]) for every mask row i, float32, with hBatch rows per call to h
// (reference: batch_size 64).
at::Tensor evaluateMasks(const at::Tensor& contributions, const at::Tensor& masks, int64_t hBatch, const RowEvaluator& h);

// h on rows that carry only the concept contributions, with the dictionary's offset (PCA's mean,
// ConceptDictionary::offset) added back in the rows' channel-major layout; h itself when the
// dictionary has none. spatial: h, w of the activation, or empty for N×C.
RowEvaluator withDictionaryOffset(RowEvaluator h, const ConceptDictionary& dictionary, const std::vector<int64_t>& spatial);

// Every logit as h (rows → rows × classes), the rows mapped back as for classLogitEvaluator.
RowEvaluator logitsEvaluator(model::VisionModel& model, const std::string& layer, const ActivationPolicy& policy,
                             std::vector<int64_t> shape, double* seconds = nullptr);

// The class logit as h: rows are viewed as activations of `shape` (C×h×w or C) at `layer` and
// mapped back by the policy (Shift adds its offset back) before the model's head. Float32, never
// aliasing the rows. `seconds` (optional) accumulates the time spent in the head.
RowEvaluator classLogitEvaluator(model::VisionModel& model, const std::string& layer, const ActivationPolicy& policy,
                                 std::vector<int64_t> shape, int64_t classIndex, double* seconds = nullptr);

}  // namespace cs::craft
