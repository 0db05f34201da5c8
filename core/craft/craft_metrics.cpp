#include "craft/craft_metrics.h"

#include "craft/concept_dictionary.h"

#include "common/tensor_blob.h"
#include "model/model_adapter.h"

#include <torch/torch.h>

namespace cs::craft {

namespace {

TensorBlob blobOf(const at::Tensor& t) {
    at::Tensor c = t.detach().to(torch::kFloat32).contiguous();
    TensorBlob blob;
    blob.shape.assign(c.sizes().begin(), c.sizes().end());
    blob.data.assign(c.data_ptr<float>(), c.data_ptr<float>() + c.numel());
    return blob;
}

}  // namespace

metrics::RunMetrics dictionaryMetrics(const at::Tensor& A, const at::Tensor& U, const at::Tensor& W, const ConceptDictionary& dictionary) {
    torch::InferenceMode inference;
    metrics::RunMetrics m;
    m.relativeReconstructionError = metrics::relativeReconstructionError(blobOf(A), blobOf(dictionary.reconstruct(U)));
    m.sparsity = metrics::meanActiveCodes(blobOf(U));
    m.collinearity = metrics::collinearity(blobOf(W));
    return m;
}

metrics::ConceptFaithfulness conceptFaithfulness(int64_t images, const std::function<at::Tensor(int64_t)>& contributionsOf,
                                                 const at::Tensor& importance, const RowEvaluator& h, int64_t hBatch, uint64_t seed,
                                                 const std::function<void()>& afterImage) {
    torch::InferenceMode inference;
    const int64_t r = importance.size(1);
    const metrics::FaithfulnessDesign design = metrics::faithfulnessDesign(r, 64, 0.2, seed);
    metrics::ConceptFaithfulnessMeter meter(design);
    const at::Tensor local = importance.to(torch::kFloat64).contiguous();
    for (int64_t i = 0; i < images; ++i) {
        const std::vector<double> phi(local[i].data_ptr<double>(), local[i].data_ptr<double>() + r);
        std::vector<float> rows = metrics::faithfulnessMasks(design, phi);
        const at::Tensor masks = torch::from_blob(rows.data(), {metrics::faithfulnessRows(design), r}, torch::kFloat32);
        const at::Tensor y = evaluateMasks(contributionsOf(i), masks, hBatch, h).to(torch::kFloat64).contiguous();
        meter.addImage(phi, std::vector<double>(y.data_ptr<double>(), y.data_ptr<double>() + y.numel()));
        if (afterImage) afterImage();
    }
    return meter.result();
}

std::optional<metrics::StabilityScores> dictionaryStability(const at::Tensor& A, const std::vector<int64_t>& cropImages, const at::Tensor& W,
                                                            const std::function<std::unique_ptr<ConceptDictionary>(uint64_t)>& makeDictionary,
                                                            uint64_t seed) {
    torch::InferenceMode inference;
    const int64_t rank = W.size(0), n = A.size(0);
    // Crops of one image overlap and look alike: halves split by image keep them on one side.
    bool severalImages = false;
    for (int64_t image : cropImages) severalImages = severalImages || image != cropImages.front();
    std::vector<int64_t> halves[2];
    for (int64_t c = 0; c < n; ++c) halves[(severalImages ? cropImages[c] : c) % 2].push_back(c);
    if (static_cast<int64_t>(halves[0].size()) < rank || static_cast<int64_t>(halves[1].size()) < rank) return std::nullopt;
    auto fitted = [&](const at::Tensor& rows, uint64_t fitSeed) {
        at::Tensor U, V;
        makeDictionary(fitSeed)->fit(rows, rank, U, V);
        return blobOf(V);
    };
    const TensorBlob first = fitted(A.index_select(0, torch::tensor(halves[0], torch::kInt64)), seed);
    const TensorBlob second = fitted(A.index_select(0, torch::tensor(halves[1], torch::kInt64)), seed);
    const TensorBlob reseeded = fitted(A, seed + 1);
    return metrics::StabilityScores{metrics::matchConcepts(first, second).meanCosine, metrics::matchConcepts(blobOf(W), reseeded).meanCosine};
}

std::vector<bool> predictedAsClass(model::VisionModel& model, const std::string& layer, const at::Tensor& activations, int64_t classIndex,
                                   int64_t hBatch) {
    torch::InferenceMode inference;
    std::vector<bool> correct;
    for (int64_t from = 0; from < activations.size(0); from += hBatch) {
        const at::Tensor predicted = model.logitsFrom(activations.slice(0, from, std::min(activations.size(0), from + hBatch)), layer).argmax(1);
        for (int64_t i = 0; i < predicted.size(0); ++i) correct.push_back(predicted[i].item<int64_t>() == classIndex);
    }
    return correct;
}

}  // namespace cs::craft
