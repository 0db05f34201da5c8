#include "craft/concept_tree.h"

#include "craft/concept_contributions.h"
#include "craft/concept_dictionary.h"
#include "craft/concept_importance.h"
#include "craft/craft_methods.h"

#include "common/error.h"
#include "model/model_adapter.h"

#include <torch/torch.h>

#include <algorithm>
#include <memory>

namespace cs::craft {

namespace {

namespace F = torch::nn::functional;

// Mean activation per input (N×C) in batches, with the policy's checks; Shift learns its offset.
at::Tensor meanActivations(model::VisionModel& model, const std::string& layer, const at::Tensor& inputs, int64_t batch,
                           ActivationPolicy& policy) {
    torch::InferenceMode inference;
    std::vector<at::Tensor> means;
    double minimum = 0.0;
    for (int64_t from = 0; from < inputs.size(0); from += batch) {
        at::Tensor a = model.activations(inputs.slice(0, from, std::min(inputs.size(0), from + batch)), layer);
        if (policy.mode == NegativeActivations::Shift) {
            if (!torch::isfinite(a).all().item<bool>())
                throw Error("layer " + layer, "the model's activations contain NaN or infinite values; check the model and the input normalisation");
            minimum = std::min(minimum, a.min().item<double>());
        } else {
            a = policy.toNonNegative(a);
        }
        means.push_back(spatialMean(a).to(torch::kFloat32));
    }
    at::Tensor matrix = torch::cat(means, 0);
    if (policy.mode == NegativeActivations::Shift) {
        policy.offset = minimum;
        matrix = torch::clamp_min(matrix - minimum, 0.0);
    }
    return matrix;
}

// One decomposition waiting its turn: a parent concept's strongest crops, to be decomposed at the
// recursive layer `level`.
struct Decomposition {
    int64_t parentNode;
    std::vector<int64_t> crops;  // CraftResult::crops indices, by the parent's code, best first
    const ConceptDictionary* parentDictionary;
    int64_t parentConcept;
    std::string parentLayer;
    ActivationPolicy parentPolicy;
    size_t level;  // index into CraftOptions::recursiveLayers
};

// h for a sub-concept: the parent concept's code of the rebuilt activation carried up to the
// parent's layer, so a sub-concept is weighed by what it gives its parent.
RowEvaluator parentCoefficientEvaluator(model::LayerBridge& bridge, const std::string& layer, const ActivationPolicy& policy,
                                        std::vector<int64_t> shape, const Decomposition& parent) {
    return [&bridge, layer, &policy, shape = std::move(shape), &parent](const at::Tensor& rows) {
        std::vector<int64_t> full{rows.size(0)};
        full.insert(full.end(), shape.begin(), shape.end());
        at::Tensor upper = bridge.activationsBetween(policy.toModel(rows.view(full)), layer, parent.parentLayer);
        return parent.parentDictionary->transform(spatialMean(parent.parentPolicy.toNonNegative(upper))).select(1, parent.parentConcept);
    };
}

// The breadth-first growth of the tree: one queue of decompositions, children appended as their
// parents are placed, so nodes come out level by level.
class TreeGrower {
public:
    TreeGrower(model::VisionModel& model, const CraftOptions& options, const TopLevelConcepts& top, std::vector<ConceptNode>& nodes)
        : model_(model), o_(options), top_(top), nodes_(nodes), bridge_(dynamic_cast<model::LayerBridge*>(&model)) {}

    void grow(const std::function<void(double, const std::string&)>& progress, const std::function<void()>& checkCancelled) {
        for (int64_t k : top_.conceptOrder) {
            auto order = argsortDescending(top_.codes.select(1, k));
            order.resize(std::min<size_t>(order.size(), static_cast<size_t>(o_.cropsPerConcept)));
            queue_.push_back({k, order, &top_.dictionary, k, o_.layer, top_.policy, 0});
        }
        const size_t initial = queue_.size();
        for (size_t w = 0; w < queue_.size(); ++w) {
            // A copy: decomposing appends to the queue.
            if (!decompose(Decomposition(queue_[w]), w, checkCancelled)) continue;
            progress(static_cast<double>(w + 1) / std::max(queue_.size(), initial), "concept " + std::to_string(w + 1));
        }
    }

private:
    // False when there is nothing to decompose (too few crops, or all-zero activations).
    bool decompose(const Decomposition& work, size_t w, const std::function<void()>& checkCancelled) {
        const std::string& layer = o_.recursiveLayers[work.level];
        const int64_t m = static_cast<int64_t>(work.crops.size());
        const int64_t rank = std::min<int64_t>(o_.subConcepts, m);
        if (rank < 1 || m < 2) return false;
        at::Tensor inputs = cropImages(work.crops);
        ActivationPolicy policy{o_.negativeActivations, 0.0, layer, factorisesSignedActivations(o_.dictionary)};
        at::Tensor A = meanActivations(model_, layer, inputs, o_.cropBatch, policy);
        if (A.abs().max().item<double>() == 0.0) return false;
        dictionaries_.push_back(makeConceptDictionary(o_));
        const ConceptDictionary& dictionary = *dictionaries_.back();
        at::Tensor U, W;
        dictionaries_.back()->fit(A, rank, U, W);
        // Each decomposition draws its own design, seeded after the run's.
        at::Tensor importance = subConceptImportance(work, inputs, policy, dictionary, W, o_.seed + w + 1, checkCancelled);
        addSubConcepts(work, policy, dictionary, U, W, importance);
        return true;
    }

    // Importance of each sub-concept on the first subSobolCrops crops: crops × rank, float64.
    at::Tensor subConceptImportance(const Decomposition& work, const at::Tensor& inputs, const ActivationPolicy& policy,
                                    const ConceptDictionary& dictionary, const at::Tensor& W, uint64_t seed,
                                    const std::function<void()>& checkCancelled) {
        const std::string& layer = policy.layer;
        const auto estimator = makeConceptImportance(o_, seed);
        const int64_t crops = std::min<int64_t>(o_.subSobolCrops, static_cast<int64_t>(work.crops.size()));
        at::Tensor importance = torch::zeros({crops, W.size(0)}, torch::kFloat64);
        for (int64_t c = 0; c < crops; ++c) {
            torch::InferenceMode inference;
            at::Tensor a = policy.toNonNegative(model_.activations(inputs.slice(0, c, c + 1), layer));
            at::Tensor B = conceptContributions(dictionary.transform(rowsByChannel(a)), W, spatialShape(a));
            std::vector<int64_t> shape(a.sizes().begin() + 1, a.sizes().end());
            const RowEvaluator h = withDictionaryOffset(bridge_ ? parentCoefficientEvaluator(*bridge_, layer, policy, shape, work)
                                                                : classLogitEvaluator(model_, layer, policy, shape, o_.classIndex),
                                                        dictionary, spatialShape(a));
            const auto scores = estimator->estimate(B, h).scores;
            for (int64_t k = 0; k < W.size(0); ++k) importance[c][k] = scores[k];
            checkCancelled();
        }
        return importance;
    }

    // One node per sub-concept, and, above the last recursive layer, its decomposition queued.
    void addSubConcepts(const Decomposition& work, const ActivationPolicy& policy, const ConceptDictionary& dictionary, const at::Tensor& U,
                        const at::Tensor& W, const at::Tensor& importance) {
        const int64_t m = static_cast<int64_t>(work.crops.size()), rank = W.size(0);
        at::Tensor mean = importance.mean(0);
        at::Tensor stdev = importance.size(0) > 1 ? importance.std(0) : torch::zeros({rank}, torch::kFloat64);
        for (int64_t j = 0; j < rank; ++j) {
            ConceptNode node = conceptNode(policy.layer, j, U, W, o_.topCrops, work.crops);
            node.parent = work.parentNode;
            node.depth = static_cast<int>(work.level) + 1;
            node.importance = mean[j].item<double>();
            node.importanceStd = stdev[j].item<double>();
            node.importanceTarget = bridge_ ? "parent_coefficient" : "class_logit";
            nodes_.push_back(std::move(node));
            if (work.level + 1 < o_.recursiveLayers.size()) {
                const auto order = argsortDescending(U.select(1, j));
                std::vector<int64_t> childCrops;
                for (int64_t t = 0; t < std::max<int64_t>(m / 2, std::min<int64_t>(m, o_.subConcepts + 1)); ++t)
                    childCrops.push_back(work.crops[order[t]]);
                queue_.push_back({static_cast<int64_t>(nodes_.size()) - 1, childCrops, &dictionary, j, policy.layer, policy, work.level + 1});
            }
        }
    }

    // The crops, cut from the analysed images and resized to the model input (as crops.h does).
    at::Tensor cropImages(const std::vector<int64_t>& cropIndices) const {
        const int64_t height = top_.images.size(2), width = top_.images.size(3);
        std::vector<at::Tensor> parts;
        for (int64_t c : cropIndices) {
            const CropBox& b = top_.crops[c];
            const auto& indices = top_.imageIndices;
            const int64_t local = std::find(indices.begin(), indices.end(), b.image) - indices.begin();
            at::Tensor block = top_.images.slice(0, local, local + 1).slice(2, b.y, b.y + b.h).slice(3, b.x, b.x + b.w);
            parts.push_back(F::interpolate(
                block, F::InterpolateFuncOptions().size(std::vector<int64_t>{height, width}).mode(torch::kBilinear).align_corners(false)));
        }
        return torch::cat(parts, 0);
    }

    model::VisionModel& model_;
    const CraftOptions& o_;
    const TopLevelConcepts& top_;
    std::vector<ConceptNode>& nodes_;
    model::LayerBridge* bridge_;
    std::vector<Decomposition> queue_;
    std::vector<std::unique_ptr<ConceptDictionary>> dictionaries_;  // the sub-decompositions' (queued children use them)
};

}  // namespace

std::vector<int64_t> argsortDescending(const at::Tensor& values) {
    at::Tensor order = std::get<1>(values.to(torch::kFloat64).sort(0, /*descending=*/true));
    std::vector<int64_t> out(static_cast<size_t>(order.numel()));
    auto acc = order.accessor<int64_t, 1>();
    for (int64_t i = 0; i < order.numel(); ++i) out[i] = acc[i];
    return out;
}

ConceptNode conceptNode(const std::string& layer, int64_t k, const at::Tensor& U, const at::Tensor& W, int64_t topCrops,
                        const std::vector<int64_t>& cropIds) {
    ConceptNode node;
    node.layer = layer;
    node.index = k;
    at::Tensor row = W[k].contiguous();
    node.vector.assign(row.data_ptr<float>(), row.data_ptr<float>() + row.numel());
    const auto order = argsortDescending(U.select(1, k));
    for (int64_t j = 0; j < std::min<int64_t>(topCrops, static_cast<int64_t>(order.size())); ++j)
        node.topCrops.push_back({cropIds.empty() ? order[j] : cropIds[order[j]], U[order[j]][k].item<float>()});
    return node;
}

void growConceptTree(model::VisionModel& model, const CraftOptions& options, const TopLevelConcepts& top, std::vector<ConceptNode>& nodes,
                     const std::function<void(double, const std::string&)>& progress, const std::function<void()>& checkCancelled) {
    if (options.recursiveLayers.empty()) return;
    TreeGrower(model, options, top, nodes).grow(progress, checkCancelled);
}

}  // namespace cs::craft
