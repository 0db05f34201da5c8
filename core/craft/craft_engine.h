#pragma once
// CraftEngine: the whole CRAFT pipeline on one class of images (Fel et al., CVPR 2023; docs/craft.md):
//   activations (full images and crops) → concept dictionary (NMF by default) → transform (NNLS) →
//   importance per image (Sobol by default) → faithfulness curves → Concept Attribution Maps →
//   recursive concept tree. The methods are chosen by CraftOptions (craft_methods.h).
// Each stage lives in a file named for it (image_activations, crops, concept_dictionary,
// concept_importance, faithfulness, attribution_maps, concept_tree); run() is their list.
// The engine returns plain data (no LibTorch types) so the job, the store and the UI can use it.
#include "craft/craft_spec.h"
#include "craft/crops.h"
#include "craft/nmf.h"
#include "craft/sobol.h"

#include "common/tensor_blob.h"
#include "metrics/run_metrics.h"

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace at {
class Tensor;
}
namespace cs::model {
class VisionModel;
class LayerBridge;
}
namespace cs::jobs {
class JobContext;
}

namespace cs::craft {

// The optional between-layers interface of a vision model (model/model_adapter.h).
using LayerBridge = model::LayerBridge;

struct ConceptNode {
    int64_t parent = -1;    // index into CraftResult::nodes; -1 for a top-level concept
    std::string layer;
    int64_t index = 0;      // concept number within its decomposition
    int depth = 0;
    double importance = 0, importanceStd = 0;
    std::string importanceTarget;  // "class_logit" or "parent_coefficient"
    std::vector<float> vector;     // row of W (C values)
    std::vector<std::pair<int64_t, float>> topCrops;  // (index into CraftResult::crops, coefficient), best first
    // Top-level concepts: the classes whose logits the concept raises most through h (class index,
    // mean logit gain), best first (class_effects.h).
    std::vector<std::pair<int64_t, double>> raisedClasses;
};

struct ImageMaps {
    int64_t image = 0;                 // index into the engine's input batch
    std::vector<int64_t> concepts;     // drawn concepts, most important first
    std::string projectionOverlayPng;  // top concepts over the image
    std::vector<std::string> projectionHeatmapPng, gradientInputPng, gradCamPng;  // per drawn concept
    std::string gradientInputOverlayPng, gradCamOverlayPng;
};

struct FaithfulnessCurves {
    // Mean class logit after deleting (inserting) the first j concepts, j = 0..r.
    std::vector<double> deletion, insertion, deletionRandom, insertionRandom;
    double deletionArea = 0, insertionArea = 0, deletionAreaRandom = 0, insertionAreaRandom = 0;
};

struct StageTimings {
    double activations = 0, nmf = 0, sobol = 0, maps = 0, faithfulness = 0, metrics = 0, tree = 0, total = 0;
    double hSeconds = 0;  // time inside h during the Sobol stage
    // Part of `activations`: g on the whole images (for the transform, Sobol and filtering),
    // which the reference computes inside its importance stage.
    double imageActivations = 0;
};

struct CraftResult {
    std::string layer;
    int64_t classIndex = 0, numClasses = 0;
    std::vector<int64_t> images;       // indices of the input images used (after filtering)
    std::vector<CropBox> crops;        // boxes in model-input pixels; image = index into the input batch
    TensorBlob cropCoefficients;       // U: n_crops × r
    TensorBlob conceptVectors;         // W: r × C
    std::vector<TensorBlob> uMaps;     // per used image: h × w × r
    TensorBlob imageImportance;        // per used image × r
    NmfStats nmf;
    int64_t hEvaluations = 0;
    std::string sobolDesign;
    double activationOffset = 0;       // Shift mode's m
    std::vector<ConceptNode> nodes;    // top-level concepts first (in concept order), then sub-concepts
    std::vector<int64_t> conceptOrder; // top-level concept indices, most important first
    std::vector<ImageMaps> maps;
    FaithfulnessCurves faithfulness;
    metrics::RunMetrics metrics;       // docs/craft.md "Metrics"
    // Per top-level concept (concept order): the share of the images it dominates, and the share of
    // those the model classifies as the class (none when it dominates no image).
    std::vector<double> prevalence;
    std::vector<std::optional<double>> reliability;
    StageTimings timings;
    // Whether the activation pass came from the activation cache (activation_cache.h) or was
    // computed: "hit", "miss" (computed and kept) or "off" (no cache).
    std::string activationCache = "off";
};

class ActivationCache;
class ConceptDictionary;
class ConceptImportance;
struct CraftState;

// The stages of run(), in order, each a function over one CraftState (craft_engine.cpp):
// check the inputs → image activations (class check, optional filter to predicted images) →
// crop activations → dictionary fit → transform + importance → faithfulness → metrics → maps → tree.
class CraftEngine {
public:
    // context may be null (no progress, no cancellation).
    CraftEngine(model::VisionModel& model, CraftOptions options, jobs::JobContext* context = nullptr);
    ~CraftEngine();

    // images: N×C×H×W at the model's input size, normalised as the model expects.
    // display: the same images in [0,1] for overlays (may be undefined: then min-max of images).
    CraftResult run(const at::Tensor& images, const at::Tensor& display);

    // Runs with the same model identity (sha256 and how it was loaded), layer, images and crop
    // parameters then share one activation pass through `cache` (not owned; null = none).
    void useActivationCache(ActivationCache* cache, std::string modelIdentity);

    const CraftOptions& options() const { return options_; }

private:
    struct StageRange {
        const char* name;
        double from, to;  // share of the whole run
    };
    void checkInputs(const at::Tensor& images) const;
    void computeImageActivations(CraftState& s, const StageRange& stage);
    void describeImageActivations(CraftState& s);
    void keepPredictedImages(CraftState& s);
    void computeCropActivations(CraftState& s, const StageRange& stage);
    void runActivationPass(CraftState& s, const StageRange& stage);
    void requireEnoughCrops(const CraftState& s) const;
    bool reuseActivationPass(CraftState& s, const std::string& key);
    void keepActivationPass(CraftState& s, const std::string& key, const at::Tensor& allImageActivations);
    void fitDictionary(CraftState& s, const StageRange& stage);
    void estimateImportance(CraftState& s, const StageRange& stage);
    void addTopLevelNodes(CraftState& s);
    void measureFaithfulness(CraftState& s, const StageRange& stage);
    void findRaisedClasses(CraftState& s, const StageRange& stage);
    void measureMetrics(CraftState& s, const StageRange& stage);
    void drawMaps(CraftState& s, const StageRange& stage);
    void growTree(CraftState& s, const StageRange& stage);

    void report(const StageRange& stage, double fraction, const std::string& message = {});
    void checkCancelled();
    model::VisionModel& model_;
    CraftOptions options_;
    jobs::JobContext* context_;
    ActivationCache* activationCache_ = nullptr;
    std::string modelIdentity_;
    std::unique_ptr<ConceptDictionary> dictionary_;  // craft_methods.h
    std::unique_ptr<ConceptImportance> importance_;
};

// Trapezoid area of a curve sampled at j/(n-1), j = 0..n-1.
double curveArea(const std::vector<double>& curve);

}  // namespace cs::craft
