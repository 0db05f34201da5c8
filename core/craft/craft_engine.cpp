#include "craft/craft_engine.h"

#include "craft/activation_cache.h"
#include "craft/attribution_maps.h"
#include "craft/concept_contributions.h"
#include "craft/concept_dictionary.h"
#include "craft/concept_importance.h"
#include "craft/concept_tree.h"
#include "craft/craft_methods.h"
#include "craft/craft_metrics.h"
#include "craft/class_effects.h"
#include "craft/faithfulness.h"
#include "craft/image_activations.h"

#include "common/error.h"
#include "jobs/job.h"
#include "model/model_adapter.h"

#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <chrono>
#include <limits>
#include <numeric>
#include <optional>

namespace cs::craft {

// What the stages hand on: each stage reads what the earlier ones filled and fills its own part.
struct CraftState {
    at::Tensor images, display;           // the analysed images (after the optional filter); display may be undefined
    CropGrid grid;
    ActivationPolicy policy;              // Shift learns its offset on the crops
    at::Tensor imageActivations;          // g(images): N×C×h×w or N×C
    std::vector<int64_t> activationShape; // C×h×w or C
    std::vector<int64_t> spatial;         // h, w (empty for N×C)
    at::Tensor cropActivations;           // A: n_crops × C
    double minimumCropActivation = 0;     // the smallest raw value of g on the crops (activation_cache.h)
    at::Tensor U, W;                      // crop codes (n_crops × r), concept vectors (r × C)
    at::Tensor imageCodes;                // N × locations × r
    at::Tensor uMaps;                     // N × h × w × r (the same codes)
    at::Tensor importance;                // N × r, float64
    CraftResult result;
};

namespace {

using Clock = std::chrono::steady_clock;

double secondsSince(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

TensorBlob toBlob(const at::Tensor& t) {
    at::Tensor c = t.detach().to(torch::kFloat32).contiguous();
    TensorBlob blob;
    blob.shape.assign(c.sizes().begin(), c.sizes().end());
    blob.data.assign(c.data_ptr<float>(), c.data_ptr<float>() + c.numel());
    return blob;
}

void checkProbePoint(const model::VisionModel& model, const std::string& layer) {
    const auto& points = model.info().probePoints;
    if (std::find(points.begin(), points.end(), layer) != points.end()) return;
    std::string list;
    for (const auto& p : points) list += (list.empty() ? "" : ", ") + p;
    throw Error(model.info().path, "the model has no probe point '" + layer + "' (its probe points: " + list + ")");
}

int64_t probeIndex(const model::VisionModel& model, const std::string& layer) {
    const auto& points = model.info().probePoints;
    return std::find(points.begin(), points.end(), layer) - points.begin();
}

}  // namespace

double curveArea(const std::vector<double>& curve) {
    if (curve.size() < 2) return curve.empty() ? 0.0 : curve[0];
    double area = 0;
    const double step = 1.0 / static_cast<double>(curve.size() - 1);
    for (size_t i = 1; i < curve.size(); ++i) area += 0.5 * (curve[i - 1] + curve[i]) * step;
    return area;
}

CraftEngine::CraftEngine(model::VisionModel& model, CraftOptions options, jobs::JobContext* context)
    : model_(model),
      options_(std::move(options)),
      context_(context),
      dictionary_(makeConceptDictionary(options_)),
      importance_(makeConceptImportance(options_, options_.seed)) {}

CraftEngine::~CraftEngine() = default;

void CraftEngine::useActivationCache(ActivationCache* cache, std::string modelIdentity) {
    activationCache_ = cache;
    modelIdentity_ = std::move(modelIdentity);
}

CraftResult CraftEngine::run(const at::Tensor& images, const at::Tensor& display) {
    const auto started = Clock::now();
    const CraftOptions& o = options_;
    checkInputs(images);
    CraftState s;
    s.images = images;
    s.display = display;
    s.grid = cropGrid(images.size(2), images.size(3), o.patchSize, o.stride > 0 ? o.stride : defaultStride(o.patchSize));
    s.policy = ActivationPolicy{o.negativeActivations, 0.0, o.layer, factorisesSignedActivations(o.dictionary)};
    s.result.layer = o.layer;
    s.result.classIndex = o.classIndex;
    s.result.sobolDesign = toString(o.sobolDesign);
    torch::manual_seed(o.seed);

    const auto activationsStarted = Clock::now();
    runActivationPass(s, {"activations", 0.0, 0.4});
    s.result.timings.activations = secondsSince(activationsStarted);

    fitDictionary(s, {"nmf", 0.4, 0.45});
    estimateImportance(s, {"sobol", 0.45, 0.7});
    addTopLevelNodes(s);
    measureFaithfulness(s, {"faithfulness", 0.7, 0.72});
    findRaisedClasses(s, {"classes", 0.72, 0.73});
    measureMetrics(s, {"metrics", 0.73, 0.75});
    drawMaps(s, {"maps", 0.75, 0.9});
    const StageRange tree{"tree", 0.9, 1.0};
    growTree(s, tree);

    s.result.timings.total = secondsSince(started);
    report(tree, 1.0, "done");
    return std::move(s.result);
}

void CraftEngine::checkInputs(const at::Tensor& images) const {
    const CraftOptions& o = options_;
    if (!images.defined() || images.dim() != 4 || images.size(0) == 0) throw Error("images", "there are no images to analyse");
    checkProbePoint(model_, o.layer);
    for (const auto& l : o.recursiveLayers) {
        checkProbePoint(model_, l);
        if (probeIndex(model_, l) >= probeIndex(model_, o.layer))
            throw Error(model_.info().path, "recursive layer '" + l + "' must be an earlier probe point than '" + o.layer + "'");
    }
    if (o.concepts <= 0) throw Error("concepts", "the number of concepts must be positive");
    if (o.sobolDesigns < 2) throw Error("sobol-designs", "need at least 2 Sobol design points");
    // The implicit maps differentiate the NNLS transform through its active set (attribution_maps.h),
    // which only NMF's codes come from.
    if (o.dictionary != ConceptDictionaryMethod::Nmf && o.implicitMaps && o.mapImages > 0)
        throw Error("implicit maps", std::string("the implicit-differentiation maps need the NMF dictionary (its codes are NNLS solutions); "
                                                 "with --dictionary ") + toString(o.dictionary) + " add --no-implicit-maps");
    // Sub-concepts weighed through a layer bridge target the parent's NNLS coefficient, which
    // autograd cannot differentiate (concept_tree.h).
    const bool gradientImportance =
        o.importance == ConceptImportanceMethod::GradientInput || o.importance == ConceptImportanceMethod::IntegratedGradients;
    if (gradientImportance && !o.recursiveLayers.empty() && dynamic_cast<const model::LayerBridge*>(&model_))
        throw Error("importance", std::string("--importance ") + toString(o.importance) +
                                      " cannot weigh sub-concepts on their parent's coefficient (an NNLS solution, not differentiable); "
                                      "use sobol, occlusion or rise with --recursive-layers");
}

// The activation pass: g on the images, the filter to predicted images, g on the crops; taken from
// the activation cache when an earlier run had the same inputs (activation_cache.h).
void CraftEngine::runActivationPass(CraftState& s, const StageRange& stage) {
    std::string key;
    if (activationCache_) {
        const at::Tensor pixels = s.images.to(torch::kFloat32).contiguous();
        key = activationPassKey(activationPassInputs(modelIdentity_, options_), pixels.data_ptr(), size_t(pixels.numel()) * sizeof(float));
        if (reuseActivationPass(s, key)) return;
    }
    computeImageActivations(s, stage);
    const at::Tensor allImageActivations = s.imageActivations;
    keepPredictedImages(s);
    computeCropActivations(s, stage);
    if (activationCache_) keepActivationPass(s, key, allImageActivations);
}

bool CraftEngine::reuseActivationPass(CraftState& s, const std::string& key) {
    std::optional<ActivationPass> pass = activationCache_->find(key);
    if (!pass) return false;
    auto toTensor = [](const TensorBlob& blob) {
        return torch::from_blob(const_cast<float*>(blob.data.data()), blob.shape, torch::kFloat32).clone();
    };
    s.imageActivations = toTensor(pass->imageActivations);
    describeImageActivations(s);
    keepPredictedImages(s);
    s.cropActivations = toTensor(pass->cropActivations);
    s.minimumCropActivation = pass->minimum;
    s.policy.offset = pass->offset;
    // A pass computed for a dictionary of signed activations may hold what NMF refuses: the same
    // check, on the smallest value the pass saw, with the same message.
    if (s.policy.mode == NegativeActivations::Refuse && !s.policy.signedDictionary)
        s.policy.toNonNegative(torch::full({1}, pass->minimum));
    requireEnoughCrops(s);
    for (auto& b : pass->boxes) b.image = s.result.images[b.image];
    s.result.crops = std::move(pass->boxes);
    s.result.activationOffset = s.policy.offset;
    s.result.activationCache = "hit";
    return true;
}

void CraftEngine::keepActivationPass(CraftState& s, const std::string& key, const at::Tensor& allImageActivations) {
    ActivationPass pass;
    pass.imageActivations = toBlob(allImageActivations);
    pass.cropActivations = toBlob(s.cropActivations);
    pass.boxes = s.result.crops;
    // Boxes are kept by their index among the images the pass kept, as the engine makes them.
    for (auto& b : pass.boxes)
        b.image = std::find(s.result.images.begin(), s.result.images.end(), b.image) - s.result.images.begin();
    pass.offset = s.policy.offset;
    pass.minimum = s.minimumCropActivation;
    activationCache_->keep(key, pass);
    s.result.activationCache = "miss";
}

void CraftEngine::requireEnoughCrops(const CraftState& s) const {
    const int64_t n = s.images.size(0);
    if (n * s.grid.perImage() < options_.concepts)
        throw Error("images", std::to_string(n) + " image(s) give " + std::to_string(n * s.grid.perImage()) + " crops, fewer than the " +
                                  std::to_string(options_.concepts) + " concepts asked for; use more images, a smaller patch or fewer concepts");
}

// g on the whole images, for the transform, the importance and the filter.
void CraftEngine::computeImageActivations(CraftState& s, const StageRange& stage) {
    const auto started = Clock::now();
    report(stage, 0.0, "images");
    s.imageActivations = imageActivations(model_, options_.layer, s.images, options_.cropBatch, [this] { checkCancelled(); });
    s.result.timings.imageActivations = secondsSince(started);
    describeImageActivations(s);
}

// The class count, the activation shape and its spatial part, read from g on the images.
void CraftEngine::describeImageActivations(CraftState& s) {
    s.result.numClasses = checkedClassCount(model_, options_.layer, s.imageActivations, options_.classIndex);
    s.activationShape.assign(s.imageActivations.sizes().begin() + 1, s.imageActivations.sizes().end());
    s.spatial = spatialShape(s.imageActivations);
}

// Every image, or with filterPredicted those the model predicts as the class.
void CraftEngine::keepPredictedImages(CraftState& s) {
    const CraftOptions& o = options_;
    if (!o.filterPredicted) {
        s.result.images.resize(static_cast<size_t>(s.images.size(0)));
        std::iota(s.result.images.begin(), s.result.images.end(), 0);
        return;
    }
    s.result.images = imagesPredictedAs(model_, o.layer, s.imageActivations, o.classIndex, o.hBatch);
    const at::Tensor keep = torch::tensor(s.result.images, torch::kInt64);
    s.images = s.images.index_select(0, keep);
    s.imageActivations = s.imageActivations.index_select(0, keep);
    if (s.display.defined()) s.display = s.display.index_select(0, keep);
}

// A: the spatial mean of g on every crop (crops.h).
void CraftEngine::computeCropActivations(CraftState& s, const StageRange& stage) {
    const CraftOptions& o = options_;
    const int64_t n = s.images.size(0);
    requireEnoughCrops(s);
    std::vector<CropBox> boxes;
    double minimum = std::numeric_limits<double>::infinity();
    s.cropActivations = cropActivationMatrix(
        [&](const at::Tensor& x) {
            at::Tensor a = model_.activations(x, o.layer);
            minimum = std::min(minimum, a.min().item<double>());  // kept with the pass (activation_cache.h)
            return a;
        },
        s.images, s.grid, o.cropBatch, s.policy, boxes, [&](double f) {
            report(stage, f, std::to_string(static_cast<int64_t>(f * n)) + "/" + std::to_string(n) + " images");
            checkCancelled();
        });
    s.minimumCropActivation = minimum;
    // Crop boxes refer to the caller's image indices.
    for (auto& b : boxes) b.image = s.result.images[b.image];
    s.result.crops = std::move(boxes);
    s.result.activationOffset = s.policy.offset;
}

void CraftEngine::fitDictionary(CraftState& s, const StageRange& stage) {
    const auto started = Clock::now();
    const at::Tensor& A = s.cropActivations;
    report(stage, 0.0, std::to_string(A.size(0)) + " crops x " + std::to_string(A.size(1)) + " channels");
    s.result.nmf = dictionary_->fit(A, options_.concepts, s.U, s.W);
    s.result.cropCoefficients = toBlob(s.U);
    s.result.conceptVectors = toBlob(s.W);
    s.result.timings.nmf = secondsSince(started);
    checkCancelled();
}

// Per image (reference: estimate_importance): its codes against the concepts, then each concept's
// importance for the class logit, estimated on the image's concept contributions.
void CraftEngine::estimateImportance(CraftState& s, const StageRange& stage) {
    const auto started = Clock::now();
    const CraftOptions& o = options_;
    report(stage, 0.0);
    const int64_t n = s.images.size(0), r = o.concepts;
    const int64_t locations = s.spatial.empty() ? 1 : s.spatial[0] * s.spatial[1];
    s.imageCodes = dictionary_->transform(rowsByChannel(s.policy.toNonNegative(s.imageActivations))).view({n, locations, r});
    const RowEvaluator classLogit = withDictionaryOffset(
        classLogitEvaluator(model_, o.layer, s.policy, s.activationShape, o.classIndex, &s.result.timings.hSeconds), *dictionary_, s.spatial);
    // One image costs designs × (r + 2) rows of h (32 000 with 4000 designs): a cancel is honoured
    // between blocks of rows, not only between images.
    const RowEvaluator h = [this, &classLogit](const at::Tensor& rows) {
        checkCancelled();
        return classLogit(rows);
    };
    s.importance = torch::zeros({n, r}, torch::kFloat64);
    for (int64_t i = 0; i < n; ++i) {
        const ImportanceScores scores = importance_->estimate(conceptContributions(s.imageCodes[i], s.W, s.spatial), h);
        for (int64_t k = 0; k < r; ++k) {
            // A NaN here would surface only when the run is stored, as a database constraint.
            if (!std::isfinite(scores.scores[k]))
                throw Error(model_.info().path, "the importance of concept " + std::to_string(k) + " on image " + std::to_string(i) +
                                                    " is not finite (NaN or infinity); check the model's logits on this image");
            s.importance[i][k] = scores.scores[k];
        }
        s.result.hEvaluations += scores.evaluations;
        report(stage, static_cast<double>(i + 1) / n, std::to_string(i + 1) + "/" + std::to_string(n) + " images");
        checkCancelled();
    }
    s.result.imageImportance = toBlob(s.importance);
    s.uMaps = s.spatial.empty() ? s.imageCodes.view({n, 1, 1, r}) : s.imageCodes.view({n, s.spatial[0], s.spatial[1], r});
    for (int64_t i = 0; i < n; ++i) s.result.uMaps.push_back(toBlob(s.uMaps[i]));
    s.result.timings.sobol = secondsSince(started);
}

// The concepts in concept order, with their mean importance over the images; the ranking.
void CraftEngine::addTopLevelNodes(CraftState& s) {
    const CraftOptions& o = options_;
    at::Tensor mean = s.importance.mean(0);
    at::Tensor stdev = s.importance.size(0) > 1 ? s.importance.std(0) : torch::zeros({o.concepts}, torch::kFloat64);
    s.result.conceptOrder = argsortDescending(mean);
    for (int64_t k = 0; k < o.concepts; ++k) {
        ConceptNode node = conceptNode(o.layer, k, s.U, s.W, o.topCrops);
        node.importance = mean[k].item<double>();
        node.importanceStd = stdev[k].item<double>();
        node.importanceTarget = "class_logit";
        s.result.nodes.push_back(std::move(node));
    }
}

// Deletion and insertion in the ranked order against random orders (faithfulness.h).
void CraftEngine::measureFaithfulness(CraftState& s, const StageRange& stage) {
    const auto started = Clock::now();
    const CraftOptions& o = options_;
    auto contributionsOf = [&](int64_t i) { return conceptContributions(s.imageCodes[i], s.W, s.spatial); };
    s.result.faithfulness = faithfulnessCurves(s.images.size(0), contributionsOf,
                                               withDictionaryOffset(classLogitEvaluator(model_, o.layer, s.policy, s.activationShape, o.classIndex),
                                                                    *dictionary_, s.spatial),
                                               o.hBatch,
                                               s.result.conceptOrder, o.randomOrders, o.seed + 1, [this] { checkCancelled(); });
    s.result.timings.faithfulness = secondsSince(started);
    report(stage, 1.0);
}

// The classes each top-level concept raises through h (class_effects.h): r + 1 evaluations of h
// per image, against Sobol's designs × (r + 2).
void CraftEngine::findRaisedClasses(CraftState& s, const StageRange& stage) {
    constexpr int64_t kRaisedClasses = 3;  // what the label editor offers
    const CraftOptions& o = options_;
    auto contributionsOf = [&](int64_t i) { return conceptContributions(s.imageCodes[i], s.W, s.spatial); };
    const at::Tensor effects = conceptClassEffects(
        s.images.size(0), contributionsOf, withDictionaryOffset(logitsEvaluator(model_, o.layer, s.policy, s.activationShape), *dictionary_, s.spatial),
        o.concepts, o.hBatch, [this] { checkCancelled(); });
    const auto raised = topRaisedClasses(effects, kRaisedClasses);
    for (size_t k = 0; k < raised.size() && k < s.result.nodes.size(); ++k) s.result.nodes[k].raisedClasses = raised[k];
    report(stage, 1.0);
}

// The run's metrics (craft_metrics.h); stability only when asked, as it refits the dictionary.
void CraftEngine::measureMetrics(CraftState& s, const StageRange& stage) {
    const auto started = Clock::now();
    const CraftOptions& o = options_;
    report(stage, 0.0, "dictionary");
    s.result.metrics = dictionaryMetrics(s.cropActivations, s.U, s.W, *dictionary_);
    if (o.stability) {
        report(stage, 0.1, "stability");
        std::vector<int64_t> cropImages;
        for (const CropBox& b : s.result.crops) cropImages.push_back(b.image);
        const auto dictionaryWithSeed = [&o](uint64_t seed) {
            CraftOptions reseeded = o;
            reseeded.seed = seed;
            return makeConceptDictionary(reseeded);
        };
        s.result.metrics.stability = dictionaryStability(s.cropActivations, cropImages, s.W, dictionaryWithSeed, o.seed);
        checkCancelled();
    }
    const int64_t n = s.images.size(0);
    auto contributionsOf = [&](int64_t i) { return conceptContributions(s.imageCodes[i], s.W, s.spatial); };
    const RowEvaluator h = withDictionaryOffset(classLogitEvaluator(model_, o.layer, s.policy, s.activationShape, o.classIndex), *dictionary_, s.spatial);
    int64_t done = 0;
    const metrics::ConceptFaithfulness f = conceptFaithfulness(n, contributionsOf, s.importance, h, o.hBatch, o.seed + 2, [&] {
        report(stage, 0.3 + 0.7 * static_cast<double>(++done) / n, "faithfulness");
        checkCancelled();
    });
    s.result.metrics.cDeletion = f.cDeletion;
    s.result.metrics.cInsertion = f.cInsertion;
    s.result.metrics.cMuFidelity = f.cMuFidelity;
    s.result.metrics.cDeletionCurve = f.deletion;
    s.result.metrics.cInsertionCurve = f.insertion;
    const metrics::ConceptDominance dominance =
        metrics::conceptDominance(toBlob(s.importance), predictedAsClass(model_, o.layer, s.imageActivations, o.classIndex, o.hBatch));
    s.result.prevalence = dominance.prevalence;
    s.result.reliability = dominance.reliability;
    s.result.timings.metrics = secondsSince(started);
}

// Concept Attribution Maps of the first mapImages images, for the mapConcepts most important concepts.
void CraftEngine::drawMaps(CraftState& s, const StageRange& stage) {
    const auto started = Clock::now();
    const CraftOptions& o = options_;
    const auto thresholds = conceptThresholds(s.uMaps, o.mapPercentile);
    const int64_t drawn = std::min<int64_t>(o.mapConcepts, o.concepts);
    const std::vector<int64_t> top(s.result.conceptOrder.begin(), s.result.conceptOrder.begin() + drawn);
    const int64_t mapped = std::min<int64_t>(o.mapImages, s.images.size(0));
    const auto& info = model_.info();
    for (int64_t i = 0; i < mapped; ++i) {
        const at::Tensor shown = s.display.defined() ? s.display[i] : displayImage(s.images[i], info.mean, info.std);
        ImageMaps maps = imageConceptMaps(model_, o.layer, s.policy, s.images.slice(0, i, i + 1), shown, s.uMaps[i], s.W, top, thresholds,
                                          o.implicitMaps);
        maps.image = s.result.images[i];
        s.result.maps.push_back(std::move(maps));
        report(stage, static_cast<double>(i + 1) / mapped, std::to_string(i + 1) + "/" + std::to_string(mapped) + " images");
        checkCancelled();
    }
    s.result.timings.maps = secondsSince(started);
}

// Sub-concepts at the recursive layers (concept_tree.h).
void CraftEngine::growTree(CraftState& s, const StageRange& stage) {
    const auto started = Clock::now();
    const TopLevelConcepts top{s.images, s.result.images, s.result.crops, s.U, *dictionary_, s.policy, s.result.conceptOrder};
    growConceptTree(
        model_, options_, top, s.result.nodes, [&](double f, const std::string& message) { report(stage, f, message); },
        [this] { checkCancelled(); });
    s.result.timings.tree = secondsSince(started);
}

void CraftEngine::report(const StageRange& stage, double fraction, const std::string& message) {
    if (context_) context_->report(stage.name, stage.from + (stage.to - stage.from) * std::clamp(fraction, 0.0, 1.0), message);
}

void CraftEngine::checkCancelled() {
    if (context_) context_->checkCancelled();
}

}  // namespace cs::craft
