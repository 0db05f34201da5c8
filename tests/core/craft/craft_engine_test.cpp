// The whole CRAFT pipeline on a tiny split conv net: shapes and invariants of every stage,
// batching of h, the implicit-differentiation gradients against finite differences, the
// recursive tree, per-class filtering, and each bad input with its message.
#include "craft/attribution_maps.h"
#include "craft/craft_engine.h"

#include "common/error.h"
#include "tiny_vision_model.h"

#include <gtest/gtest.h>

#include <cmath>

using namespace cs::craft;
using namespace cs::craft::test;

namespace {

std::string errorOf(const std::function<void()>& f) {
    try {
        f();
    } catch (const cs::Error& e) {
        return e.what();
    }
    return "(no error)";
}

bool isPng(const std::string& bytes) { return bytes.size() > 8 && bytes.compare(0, 4, "\x89PNG") == 0; }

}  // namespace

TEST(CraftEngine, RunsEveryStageWithConsistentShapes) {
    TinyVisionModel model;
    at::Tensor images = makeImages(6, 3, 32, 32);
    CraftOptions o = smallCraftOptions();
    CraftResult r = CraftEngine(model, o).run(images, at::Tensor());
    const int64_t crops = 6 * 4;  // 32/16 with stride 12: 2×2 crops per image
    ASSERT_EQ(static_cast<int64_t>(r.crops.size()), crops);
    EXPECT_EQ(r.cropCoefficients.shape, (std::vector<int64_t>{crops, 3}));
    EXPECT_EQ(r.conceptVectors.shape, (std::vector<int64_t>{3, 16}));
    EXPECT_EQ(r.uMaps.size(), 6u);
    EXPECT_EQ(r.uMaps[0].shape, (std::vector<int64_t>{8, 8, 3}));
    EXPECT_EQ(r.numClasses, 4);
    EXPECT_EQ(r.hEvaluations, 6 * 8 * (3 + 2));
    EXPECT_GT(r.nmf.iterations, 0);
    EXPECT_GT(r.nmf.relativeError, 0.0);
    EXPECT_LT(r.nmf.relativeError, 1.0);
    ASSERT_EQ(r.nodes.size(), 3u);
    for (const auto& node : r.nodes) {
        EXPECT_TRUE(std::isfinite(node.importance));
        EXPECT_GE(node.importance, 0.0);
        EXPECT_EQ(node.vector.size(), 16u);
        ASSERT_FALSE(node.topCrops.empty());
        for (size_t i = 1; i < node.topCrops.size(); ++i) EXPECT_GE(node.topCrops[i - 1].second, node.topCrops[i].second);
    }
    // Order: most important first.
    ASSERT_EQ(r.conceptOrder.size(), 3u);
    EXPECT_GE(r.nodes[r.conceptOrder[0]].importance, r.nodes[r.conceptOrder[2]].importance);
    // Faithfulness: deleting nothing and inserting everything rebuild the same activation.
    const auto& f = r.faithfulness;
    ASSERT_EQ(f.deletion.size(), 4u);
    EXPECT_NEAR(f.deletion.front(), f.insertion.back(), 1e-4);
    EXPECT_NEAR(f.deletion.back(), f.insertion.front(), 1e-4);
    EXPECT_NEAR(f.deletionRandom.front(), f.deletion.front(), 1e-4);
    EXPECT_NEAR(f.deletionArea, curveArea(f.deletion), 1e-12);
    // Maps: PNGs for the first two images, top two concepts.
    ASSERT_EQ(r.maps.size(), 2u);
    EXPECT_TRUE(isPng(r.maps[0].projectionOverlayPng));
    EXPECT_TRUE(isPng(r.maps[0].gradientInputOverlayPng));
    EXPECT_TRUE(isPng(r.maps[0].gradCamOverlayPng));
    EXPECT_EQ(r.maps[0].projectionHeatmapPng.size(), 2u);
    EXPECT_EQ(r.maps[0].concepts, (std::vector<int64_t>{r.conceptOrder[0], r.conceptOrder[1]}));
}

TEST(CraftEngine, BatchesTheModelHeadOverAllMasksOfAnImage) {
    TinyVisionModel model;
    CraftOptions o = smallCraftOptions();
    o.mapImages = 0;
    o.randomOrders = 0;
    o.hBatch = 1000;
    CraftResult r = CraftEngine(model, o).run(makeImages(3, 3, 32, 32), at::Tensor());
    // 1 class-count probe + per image: one call for its 40 Sobol rows, one for the 8 faithfulness rows,
    // one for the 4 rows of the classes each concept raises and one for the 11 metric rows (C-Deletion,
    // C-Insertion, C-muFidelity); + 1 for the predictions behind the concepts' reliability.
    EXPECT_EQ(model.logitCalls, 1 + 3 + 3 + 3 + 3 + 1);
    EXPECT_EQ(r.hEvaluations, 3 * 40);
}

TEST(CraftEngine, SobolImportanceFollowsTheReferenceFormula) {
    // Reference mode reproduces the reference's estimate_importance for one image by hand.
    TinyVisionModel model;
    CraftOptions o = smallCraftOptions();
    o.sobolDesign = SobolDesign::Reference;
    o.mapImages = 0;
    at::Tensor images = makeImages(4, 3, 32, 32);
    CraftResult r = CraftEngine(model, o).run(images, at::Tensor());
    at::Tensor W = torch::from_blob(r.conceptVectors.data.data(), {3, 16}).clone();
    at::Tensor u = torch::from_blob(r.uMaps[2].data.data(), {8, 8, 3}).clone();
    auto maskValues = sobolMasks(SobolDesign::Reference, 3, 8, 0);
    at::Tensor masks = torch::from_blob(maskValues.data(), {40, 3}).clone();
    at::Tensor perturbed = u.unsqueeze(0) * masks.view({40, 1, 1, 3});           // (m, h, w, r)
    at::Tensor a = perturbed.reshape({-1, 3}).mm(W).view({40, 8, 8, 16}).permute({0, 3, 1, 2});
    at::Tensor y = model.logitsFrom(a, "block2").select(1, 1).contiguous();
    auto expected = jansenTotalIndices(std::vector<float>(y.data_ptr<float>(), y.data_ptr<float>() + 40), 3, 8);
    for (int k = 0; k < 3; ++k) EXPECT_NEAR(r.imageImportance.at({2, k}), expected[k], 1e-4 * (1 + expected[k]));
}

TEST(CraftEngine, RecursiveTreeWeighsSubConceptsOnTheParentCoefficient) {
    TinyVisionModel model;
    CraftOptions o = smallCraftOptions();
    o.mapImages = 0;
    o.recursiveLayers = {"block1"};
    o.subConcepts = 2;
    o.cropsPerConcept = 12;
    o.subSobolCrops = 4;
    CraftResult r = CraftEngine(model, o).run(makeImages(6, 3, 32, 32), at::Tensor());
    ASSERT_EQ(r.nodes.size(), 3u + 3u * 2u);
    for (size_t i = 3; i < r.nodes.size(); ++i) {
        const auto& node = r.nodes[i];
        EXPECT_GE(node.parent, 0);
        EXPECT_LT(node.parent, 3);
        EXPECT_EQ(node.layer, "block1");
        EXPECT_EQ(node.depth, 1);
        EXPECT_EQ(node.vector.size(), 8u);
        EXPECT_EQ(node.importanceTarget, "parent_coefficient");
        EXPECT_TRUE(std::isfinite(node.importance));
        EXPECT_GE(node.importance, 0.0);
        // Sub-concept crops are among the parent's strongest crops.
        ASSERT_FALSE(node.topCrops.empty());
        for (auto [crop, coefficient] : node.topCrops) {
            EXPECT_GE(crop, 0);
            EXPECT_LT(crop, static_cast<int64_t>(r.crops.size()));
        }
    }
    // Every top-level concept got children.
    for (int64_t parent = 0; parent < 3; ++parent)
        EXPECT_EQ(std::count_if(r.nodes.begin(), r.nodes.end(), [&](const ConceptNode& n) { return n.parent == parent; }), 2);
}

TEST(CraftEngine, FiltersImagesByPredictedLabel) {
    TinyVisionModel model;
    at::Tensor images = makeImages(12, 3, 32, 32, 5);
    at::Tensor predicted = model.logits(images).argmax(1);
    const int64_t cls = predicted[0].item<int64_t>();
    CraftOptions o = smallCraftOptions();
    o.classIndex = cls;
    o.concepts = 2;
    o.filterPredicted = true;
    o.mapImages = 0;
    CraftResult r = CraftEngine(model, o).run(images, at::Tensor());
    std::vector<int64_t> expected;
    for (int64_t i = 0; i < 12; ++i)
        if (predicted[i].item<int64_t>() == cls) expected.push_back(i);
    EXPECT_EQ(r.images, expected);
    for (const auto& box : r.crops) EXPECT_TRUE(std::find(expected.begin(), expected.end(), box.image) != expected.end());
}

TEST(CraftEngine, BadInputsGiveClearErrors) {
    TinyVisionModel model;
    at::Tensor images = makeImages(2, 3, 32, 32);
    CraftOptions o = smallCraftOptions();
    {
        auto bad = o;
        bad.classIndex = 7;
        EXPECT_NE(errorOf([&] { CraftEngine(model, bad).run(images, at::Tensor()); }).find("class index 7 is out of range: the model has 4 classes"), std::string::npos);
    }
    {
        auto bad = o;
        bad.layer = "layer9";
        const auto e = errorOf([&] { CraftEngine(model, bad).run(images, at::Tensor()); });
        EXPECT_NE(e.find("no probe point 'layer9'"), std::string::npos) << e;
        EXPECT_NE(e.find("block1, block2"), std::string::npos) << e;
    }
    {
        auto bad = o;
        bad.recursiveLayers = {"block2"};
        EXPECT_NE(errorOf([&] { CraftEngine(model, bad).run(images, at::Tensor()); }).find("earlier probe point"), std::string::npos);
    }
    EXPECT_NE(errorOf([&] { CraftEngine(model, o).run(torch::zeros({0, 3, 32, 32}), at::Tensor()); }).find("no images"), std::string::npos);
    {
        auto bad = o;
        bad.concepts = 10;  // 1 image → 4 crops
        const auto e = errorOf([&] { CraftEngine(model, bad).run(images.slice(0, 0, 1), at::Tensor()); });
        EXPECT_NE(e.find("4 crops, fewer than the 10 concepts"), std::string::npos) << e;
    }
    {
        auto bad = o;
        bad.patchSize = 64;
        EXPECT_NE(errorOf([&] { CraftEngine(model, bad).run(images, at::Tensor()); }).find("smaller than the 64-pixel patch"), std::string::npos);
    }
    {
        TinyVisionModel negative(3, 32, 4, 0, TinyVisionModel::Quirk::NoRelu);
        const auto e = errorOf([&] { CraftEngine(negative, o).run(images, at::Tensor()); });
        EXPECT_NE(e.find("negative values"), std::string::npos) << e;
        auto relu = o;
        relu.negativeActivations = NegativeActivations::Relu;
        relu.concepts = 2;
        EXPECT_NO_THROW(CraftEngine(negative, relu).run(makeImages(4, 3, 32, 32), at::Tensor()));
        auto shift = relu;
        shift.negativeActivations = NegativeActivations::Shift;
        CraftResult r = CraftEngine(negative, shift).run(makeImages(4, 3, 32, 32), at::Tensor());
        EXPECT_LT(r.activationOffset, 0.0);
    }
    {
        TinyVisionModel nan(3, 32, 4, 0, TinyVisionModel::Quirk::NaN);
        EXPECT_NE(errorOf([&] { CraftEngine(nan, o).run(images, at::Tensor()); }).find("NaN"), std::string::npos);
    }
    {
        auto bad = o;
        bad.filterPredicted = true;
        bad.classIndex = 3;
        TinyVisionModel m2;
        at::Tensor predicted = m2.logits(images).argmax(1);
        if ((predicted != 3).all().item<bool>())
            EXPECT_NE(errorOf([&] { CraftEngine(m2, bad).run(images, at::Tensor()); }).find("no image is predicted as class 3"), std::string::npos);
    }
}

TEST(ImplicitDifferentiation, GradientsMatchFiniteDifferences) {
    TinyVisionModel model(3, 24, 4, 11);
    model.toDouble();
    torch::manual_seed(4);
    at::Tensor x = makeImages(1, 3, 24, 24, 9).to(torch::kFloat64);
    // Concepts from the image's own activations so that several are active at most locations.
    at::Tensor a = model.activations(x, "block2").detach();
    at::Tensor rows = a[0].flatten(1).t();
    at::Tensor W = torch::relu(torch::randn({4, 16}, torch::kFloat64)) + 0.05;
    ActivationPolicy policy{NegativeActivations::Refuse, 0.0, "block2"};
    std::vector<int64_t> concepts{0, 1, 2, 3};
    ImplicitMaps maps = implicitDiffMaps(model, "block2", policy, x, W, concepts, 5000, 1e-14);
    at::Tensor v = torch::randn_like(x);
    const double eps = 1e-5;
    at::Tensor plus = totalCoefficients(model, "block2", policy, x + eps * v, W, 5000, 1e-14).to(torch::kFloat64);
    at::Tensor minus = totalCoefficients(model, "block2", policy, x - eps * v, W, 5000, 1e-14).to(torch::kFloat64);
    for (int64_t k : concepts) {
        const double fd = (plus[k].item<double>() - minus[k].item<double>()) / (2 * eps);
        const double analytic = (maps.inputGradient[k] * v[0]).sum().item<double>();
        EXPECT_NEAR(analytic, fd, 2e-3 * (std::abs(fd) + 1.0)) << "concept " << k;
    }
    // Gradient × Input and Grad-CAM maps have the image's size.
    EXPECT_EQ(maps.gradientInput[0].sizes(), (std::vector<int64_t>{24, 24}));
    EXPECT_EQ(maps.gradCam[0].sizes(), (std::vector<int64_t>{24, 24}));
    EXPECT_GE(maps.gradCam[0].min().item<double>(), 0.0);
}

TEST(AttributionMaps, ProjectionMapIsThresholdedResizedAndNormalised) {
    at::Tensor u = torch::zeros({4, 4, 2});
    u[1][2][0] = 2.0;
    u[3][3][0] = 0.5;
    at::Tensor m = projectionMap(u, 0, 1.0, 16, 16);
    EXPECT_EQ(m.sizes(), (std::vector<int64_t>{16, 16}));
    EXPECT_NEAR(m.max().item<double>(), 1.0, 1e-6);
    EXPECT_EQ(m[15][15].item<float>(), 0.0f);  // below the threshold
    auto thresholds = conceptThresholds(u.unsqueeze(0), 90);
    EXPECT_EQ(thresholds.size(), 2u);
    EXPECT_EQ(thresholds[1], 0.0);
    auto colours = conceptColours(5);
    EXPECT_EQ(colours.size(), 5u);
    EXPECT_NE(colours[0], colours[4]);
    EXPECT_TRUE(isPng(overlayPng(torch::rand({1, 16, 16}), {m}, colours)));
    EXPECT_TRUE(isPng(heatmapPng(m)));
}

// Every dictionary with Sobol, and every importance estimator with NMF, runs the whole pipeline
// (maps and the recursive tree included) with consistent shapes and finite results.
namespace {
void expectCompleteRun(const CraftOptions& o, const std::string& label) {
    TinyVisionModel model;
    CraftResult r = CraftEngine(model, o).run(makeImages(6, 3, 32, 32), at::Tensor());
    const int64_t crops = 6 * 4;
    EXPECT_EQ(r.cropCoefficients.shape, (std::vector<int64_t>{crops, 3})) << label;
    EXPECT_EQ(r.conceptVectors.shape, (std::vector<int64_t>{3, 16})) << label;
    EXPECT_EQ(r.imageImportance.shape, (std::vector<int64_t>{6, 3})) << label;
    ASSERT_EQ(r.uMaps.size(), 6u) << label;
    EXPECT_EQ(r.uMaps[0].shape, (std::vector<int64_t>{8, 8, 3})) << label;
    for (float v : r.cropCoefficients.data) ASSERT_TRUE(std::isfinite(v)) << label;
    for (float v : r.imageImportance.data) ASSERT_TRUE(std::isfinite(v)) << label;
    EXPECT_TRUE(std::isfinite(r.nmf.relativeError)) << label;
    ASSERT_EQ(r.nodes.size(), 3u + 3u * 2u) << label;
    for (const auto& node : r.nodes) EXPECT_TRUE(std::isfinite(node.importance)) << label;
    ASSERT_EQ(r.conceptOrder.size(), 3u) << label;
    for (double v : r.faithfulness.deletion) EXPECT_TRUE(std::isfinite(v)) << label;
    ASSERT_EQ(r.maps.size(), 2u) << label;
    EXPECT_TRUE(isPng(r.maps[0].projectionOverlayPng)) << label;
}

CraftOptions methodOptions(ConceptDictionaryMethod dictionary, ConceptImportanceMethod importance) {
    CraftOptions o = smallCraftOptions();
    o.dictionary = dictionary;
    o.importance = importance;
    o.implicitMaps = dictionary == ConceptDictionaryMethod::Nmf;
    o.recursiveLayers = {"block1"};
    o.subConcepts = 2;
    o.cropsPerConcept = 12;
    o.subSobolCrops = 4;
    return o;
}
}  // namespace

TEST(CraftEngineMethods, EveryDictionaryRunsEndToEndWithSobol) {
    for (auto d : {ConceptDictionaryMethod::Pca, ConceptDictionaryMethod::KMeans, ConceptDictionaryMethod::SemiNmf})
        expectCompleteRun(methodOptions(d, ConceptImportanceMethod::Sobol), toString(d));
}

TEST(CraftEngineMethods, EveryImportanceRunsEndToEndWithNmf) {
    for (auto i : {ConceptImportanceMethod::Occlusion, ConceptImportanceMethod::Rise}) {
        CraftOptions o = methodOptions(ConceptDictionaryMethod::Nmf, i);
        expectCompleteRun(o, toString(i));
        TinyVisionModel model;
        const int64_t perImage = i == ConceptImportanceMethod::Occlusion ? 3 + 1 : o.sobolDesigns * (3 + 2);
        o.recursiveLayers.clear();
        EXPECT_EQ(CraftEngine(model, o).run(makeImages(6, 3, 32, 32), at::Tensor()).hEvaluations, 6 * perImage) << toString(i);
    }
}

TEST(CraftEngineMethods, ImplicitMapsAreRefusedWithoutNmf) {
    TinyVisionModel model;
    CraftOptions o = smallCraftOptions();
    o.dictionary = ConceptDictionaryMethod::Pca;
    const std::string e = errorOf([&] { CraftEngine(model, o).run(makeImages(3, 3, 32, 32), at::Tensor()); });
    EXPECT_NE(e.find("implicit-differentiation maps need the NMF dictionary"), std::string::npos) << e;
    EXPECT_NE(e.find("--no-implicit-maps"), std::string::npos) << e;
    o.mapImages = 0;  // no maps drawn: nothing to refuse
    EXPECT_NO_THROW(CraftEngine(model, o).run(makeImages(3, 3, 32, 32), at::Tensor()));
}

// PCA's contributions are centred: h gets the mean back, so deleting every concept leaves
// h(mean activation) for every image, not h(0) as for NMF.
TEST(CraftEngineMethods, PcaImportanceSeesTheMeanActivation) {
    TinyVisionModel model;
    CraftOptions o = methodOptions(ConceptDictionaryMethod::Pca, ConceptImportanceMethod::Occlusion);
    o.recursiveLayers.clear();
    CraftResult r = CraftEngine(model, o).run(makeImages(6, 3, 32, 32), at::Tensor());
    const double atZero = model.logitsFrom(torch::zeros({1, 16, 8, 8}), o.layer)[0][o.classIndex].item<double>();
    EXPECT_GT(std::abs(r.faithfulness.deletion.back() - atZero), 1e-3);
    EXPECT_NEAR(r.faithfulness.deletion.back(), r.faithfulness.deletionRandom.back(), 1e-4);
    o.dictionary = ConceptDictionaryMethod::Nmf;
    o.implicitMaps = false;
    EXPECT_NEAR(CraftEngine(model, o).run(makeImages(6, 3, 32, 32), at::Tensor()).faithfulness.deletion.back(), atZero, 1e-4);
}

// Semi-NMF (and PCA, K-Means) factorise signed activations: the refusal NMF needs does not apply,
// and the run, the tree included, completes on a probe point without a ReLU.
TEST(CraftEngineMethods, SignedActivationsRunWithASignedDictionary) {
    TinyVisionModel signedModel(3, 32, 4, 0, TinyVisionModel::Quirk::NoRelu);
    CraftOptions o = methodOptions(ConceptDictionaryMethod::Nmf, ConceptImportanceMethod::Sobol);
    o.implicitMaps = false;
    EXPECT_NE(errorOf([&] { CraftEngine(signedModel, o).run(makeImages(6, 3, 32, 32), at::Tensor()); }).find("--dictionary semi-nmf"),
              std::string::npos);
    o.dictionary = ConceptDictionaryMethod::SemiNmf;
    CraftResult r = CraftEngine(signedModel, o).run(makeImages(6, 3, 32, 32), at::Tensor());
    float smallest = 0;
    for (float v : r.conceptVectors.data) smallest = std::min(smallest, v);
    EXPECT_LT(smallest, 0.0f);  // signed concepts
    for (float v : r.cropCoefficients.data) EXPECT_GE(v, 0.0f);
    for (const auto& node : r.nodes) EXPECT_TRUE(std::isfinite(node.importance));
}
