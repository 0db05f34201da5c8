// CRAFT building blocks: crops and the crop activation matrix, NMF against scikit-learn,
// the NNLS transform against scipy, and the Sobol designs against the reference's own outputs.
#include "craft/crops.h"
#include "craft/dense_ops.h"
#include "craft/nmf.h"
#include "craft/sobol.h"

#include "common/error.h"
#include "test_support.h"
#include "tiny_vision_model.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cmath>
#include <fstream>
#include <numeric>
#include <random>

using namespace cs::craft;
using namespace cs::craft::test;

// The hand-vectorised kernels against LibTorch's own products, on sizes that exercise the
// remainders (inner size not a multiple of 8, rank not a multiple of 4).
TEST(DenseOps, ProductsMatchLibTorch) {
    torch::manual_seed(3);
    for (int64_t k : {5, 64, 203}) {
        for (int64_t r : {1, 4, 7}) {
            at::Tensor p = torch::rand({37, k}), q = torch::rand({r, k});
            at::Tensor expected = p.to(torch::kFloat64).mm(q.to(torch::kFloat64).t());
            EXPECT_TRUE(torch::allclose(productWithTransposed(p, q), expected, 1e-5, 1e-5)) << "k=" << k << " r=" << r;
            at::Tensor c = torch::rand({13, r}), b = torch::rand({r, k});
            EXPECT_TRUE(torch::allclose(combineRows(c, b), c.mm(b), 1e-5, 1e-5)) << "k=" << k << " r=" << r;
        }
    }
    at::Tensor base = torch::rand({9, 203}), delta = torch::randn({9}), direction = torch::rand({203});
    at::Tensor out = torch::empty({9, 203});
    shiftRows(base, delta, direction, out);
    EXPECT_TRUE(torch::allclose(out, base + delta.unsqueeze(1) * direction.unsqueeze(0), 1e-6, 1e-6));
}

// The randomized SVD start (matrices wider than rank + 10) finds the leading subspace: on an
// exactly rank-6 non-negative matrix, NMF with 6 concepts fits it almost exactly.
TEST(Nmf, RandomizedStartRecoversAnExactLowRankMatrix) {
    torch::manual_seed(5);
    at::Tensor A = torch::rand({400, 6}).mm(torch::rand({6, 120}));
    at::Tensor U, W;
    NmfStats stats = fitNmf(A, NmfOptions{6, 200, 1e-4}, U, W);
    EXPECT_LT(stats.relativeError, 0.02) << stats.iterations << " iterations";
    at::Tensor U2, W2;
    fitNmf(A, NmfOptions{6, 200, 1e-4}, U2, W2);
    EXPECT_TRUE(torch::equal(U, U2)) << "the start is seeded, so two fits agree exactly";
}

TEST(CropGrid, MatchesTheReferenceCounts) {
    EXPECT_EQ(cropGrid(224, 224, 64, defaultStride(64)).perImage(), 16);
    EXPECT_EQ(cropGrid(256, 256, 64, defaultStride(64)).perImage(), 16);
    EXPECT_EQ(cropGrid(224, 224, 80, defaultStride(80)).perImage(), 9);
    EXPECT_EQ(defaultStride(64), 51);
    auto g = cropGrid(60, 100, 32, defaultStride(32));  // not square
    EXPECT_EQ(g.rows, (60 - 32) / 25 + 1);
    EXPECT_EQ(g.cols, (100 - 32) / 25 + 1);
}

TEST(CropGrid, RefusesImagesSmallerThanThePatch) {
    try {
        cropGrid(28, 28, 64, 51);
        FAIL() << "expected cs::Error";
    } catch (const cs::Error& e) {
        EXPECT_NE(std::string(e.what()).find("smaller than the 64-pixel patch"), std::string::npos) << e.what();
    }
    EXPECT_THROW(cropGrid(28, 28, 0, 1), cs::Error);
}

TEST(Crops, AreUnfoldedBlocksResizedBilinearly) {
    for (int64_t channels : {1, 3, 4}) {
        at::Tensor images = torch::rand({2, channels, 40, 56});
        CropGrid grid = cropGrid(40, 56, 16, defaultStride(16));
        std::vector<CropBox> boxes;
        at::Tensor crops = extractCrops(images, grid, 5, &boxes);
        ASSERT_EQ(crops.sizes(), (std::vector<int64_t>{2 * grid.perImage(), channels, 40, 56}));
        ASSERT_EQ(static_cast<int64_t>(boxes.size()), crops.size(0));
        for (int64_t i : {int64_t(0), grid.cols + 1, crops.size(0) - 1}) {
            const CropBox& b = boxes[i];
            EXPECT_EQ(b.image, 5 + i / grid.perImage());
            at::Tensor block = images.slice(0, b.image - 5, b.image - 4).slice(2, b.y, b.y + b.h).slice(3, b.x, b.x + b.w);
            at::Tensor expected = torch::nn::functional::interpolate(
                block, torch::nn::functional::InterpolateFuncOptions().size(std::vector<int64_t>{40, 56}).mode(torch::kBilinear).align_corners(false));
            EXPECT_TRUE(torch::allclose(crops[i], expected[0], 1e-5, 1e-6)) << "crop " << i;
        }
        // row-major order inside an image: the second crop is one stride to the right.
        EXPECT_EQ(boxes[1].x, grid.stride);
        EXPECT_EQ(boxes[1].y, 0);
        EXPECT_EQ(boxes[grid.cols].y, grid.stride);
    }
}

TEST(CropActivations, BatchedSpatialMeanEqualsTheUnbatchedOne) {
    TinyVisionModel model;
    at::Tensor images = makeImages(3, 3, 32, 32);
    CropGrid grid = cropGrid(32, 32, 16, defaultStride(16));
    ActivationPolicy policy{NegativeActivations::Refuse, 0.0, "block2"};
    std::vector<CropBox> boxes;
    int batches = 0;
    at::Tensor A = cropActivationMatrix([&](const at::Tensor& x) { return model.activations(x, "block2"); }, images, grid, 5, policy,
                                        boxes, [&](double) { ++batches; });
    at::Tensor expected = model.activations(extractCrops(images, grid), "block2").mean({2, 3});
    EXPECT_EQ(A.sizes(), expected.sizes());
    EXPECT_TRUE(torch::allclose(A, expected, 1e-5, 1e-6));
    EXPECT_EQ(batches, 3);  // one image (4 crops) per batch of 5
    EXPECT_EQ(model.activationCalls, 3 + 1);
}

TEST(CropActivations, NegativeActivationsAreRefusedWithAWayOut) {
    TinyVisionModel model(3, 32, 4, 0, TinyVisionModel::Quirk::NoRelu);
    at::Tensor images = makeImages(2, 3, 32, 32);
    CropGrid grid = cropGrid(32, 32, 16, 12);
    auto g = [&](const at::Tensor& x) { return model.activations(x, "block2"); };
    std::vector<CropBox> boxes;
    ActivationPolicy refuse{NegativeActivations::Refuse, 0.0, "block2"};
    try {
        cropActivationMatrix(g, images, grid, 16, refuse, boxes);
        FAIL() << "expected cs::Error";
    } catch (const cs::Error& e) {
        const std::string what = e.what();
        EXPECT_NE(what.find("negative"), std::string::npos) << what;
        EXPECT_NE(what.find("relu"), std::string::npos) << what;
        EXPECT_NE(what.find("block2"), std::string::npos) << what;
    }
    ActivationPolicy relu{NegativeActivations::Relu, 0.0, "block2"};
    at::Tensor A = cropActivationMatrix(g, images, grid, 16, relu, boxes);
    EXPECT_GE(A.min().item<double>(), 0.0);
    EXPECT_TRUE(torch::allclose(A, torch::relu(g(extractCrops(images, grid))).mean({2, 3}), 1e-5, 1e-6));

    ActivationPolicy shift{NegativeActivations::Shift, 0.0, "block2"};
    at::Tensor S = cropActivationMatrix(g, images, grid, 16, shift, boxes);
    at::Tensor raw = g(extractCrops(images, grid));
    EXPECT_NEAR(shift.offset, raw.min().item<double>(), 1e-6);
    EXPECT_TRUE(torch::allclose(S, raw.mean({2, 3}) - shift.offset, 1e-5, 1e-5));
    // h gets the shifted activation back.
    EXPECT_TRUE(torch::allclose(shift.toModel(shift.toNonNegative(raw)), raw, 1e-5, 1e-5));
}

TEST(CropActivations, NonFiniteActivationsAreRefused) {
    TinyVisionModel model(3, 32, 4, 0, TinyVisionModel::Quirk::NaN);
    std::vector<CropBox> boxes;
    for (auto mode : {NegativeActivations::Refuse, NegativeActivations::Shift}) {
        ActivationPolicy policy{mode, 0.0, "block2"};
        try {
            cropActivationMatrix([&](const at::Tensor& x) { return model.activations(x, "block2"); }, makeImages(1, 3, 32, 32),
                                 cropGrid(32, 32, 16, 12), 8, policy, boxes);
            FAIL() << "expected cs::Error";
        } catch (const cs::Error& e) {
            EXPECT_NE(std::string(e.what()).find("NaN"), std::string::npos) << e.what();
        }
    }
}

namespace {
// A non-negative matrix with a low-rank structure plus noise, like crop activations.
at::Tensor structuredMatrix(int64_t n, int64_t c, int64_t rank, uint64_t seed) {
    torch::manual_seed(seed);
    at::Tensor u = torch::rand({n, rank}).pow(3);
    at::Tensor w = torch::relu(torch::randn({rank, c}));
    return u.mm(w) + 0.05 * torch::rand({n, c});
}
}  // namespace

TEST(Nmf, ErrorIsNoWorseThanScikitLearn) {
    auto dir = tempDir("nmf");
    for (auto [n, c, rank, seed] : std::vector<std::array<int64_t, 4>>{{300, 64, 10, 1}, {160, 40, 5, 2}}) {
        at::Tensor A = structuredMatrix(n, c, rank + 3, seed);
        writeRaw(A, dir / "A.f32");
        const std::string script =
            "import numpy as np, warnings\nfrom sklearn.decomposition import NMF\nwarnings.simplefilter('ignore')\n"
            "A = np.fromfile('" + (dir / "A.f32").string() + "', dtype=np.float32).reshape(" + std::to_string(n) + "," + std::to_string(c) + ")\n"
            "m = NMF(n_components=" + std::to_string(rank) + ", init='nndsvda', solver='cd', beta_loss='frobenius', tol=1e-4, max_iter=200)\n"
            "U = m.fit_transform(A); W = m.components_\n"
            "print(np.linalg.norm(A.astype(np.float64) - U.astype(np.float64) @ W.astype(np.float64)) / np.linalg.norm(A.astype(np.float64)), m.n_iter_)\n";
        auto values = parseNumbers(runPython(script, dir));
        ASSERT_EQ(values.size(), 2u);
        at::Tensor U, W;
        NmfStats stats = fitNmf(A, NmfOptions{rank, 200, 1e-4}, U, W);
        EXPECT_EQ(U.sizes(), (std::vector<int64_t>{n, rank}));
        EXPECT_EQ(W.sizes(), (std::vector<int64_t>{rank, c}));
        EXPECT_GE(U.min().item<double>(), 0.0);
        EXPECT_GE(W.min().item<double>(), 0.0);
        EXPECT_NEAR(stats.relativeError, relativeReconstructionError(A, U, W), 1e-6);
        RecordProperty("sklearn_error_" + std::to_string(n), std::to_string(values[0]));
        std::cout << "NMF " << n << "x" << c << " r=" << rank << ": studio error " << stats.relativeError << " (" << stats.iterations
                  << " it), sklearn " << values[0] << " (" << values[1] << " it)\n";
        EXPECT_LE(stats.relativeError, values[0] * (1 + 1e-3) + 1e-6);
        EXPECT_LE(stats.iterations, 200);
    }
}

TEST(Nmf, RefusesFewerRowsThanConceptsAndBadMatrices) {
    at::Tensor U, W;
    try {
        fitNmf(torch::rand({4, 8}), NmfOptions{10}, U, W);
        FAIL();
    } catch (const cs::Error& e) {
        EXPECT_NE(std::string(e.what()).find("4 crops but 10 concepts"), std::string::npos) << e.what();
    }
    EXPECT_THROW(fitNmf(-torch::rand({40, 8}), NmfOptions{3}, U, W), cs::Error);
    EXPECT_THROW(fitNmf(torch::full({40, 8}, NAN), NmfOptions{3}, U, W), cs::Error);
    EXPECT_THROW(fitNmf(torch::zeros({40, 8}), NmfOptions{3}, U, W), cs::Error);
}

TEST(NnlsTransform, MatchesScipyNnlsPerRow) {
    auto dir = tempDir("nnls");
    torch::manual_seed(3);
    at::Tensor W = torch::relu(torch::randn({6, 20})) + 0.01;
    at::Tensor A = torch::relu(torch::rand({50, 6}).pow(2).mm(W) + 0.1 * torch::randn({50, 20}));
    writeRaw(A, dir / "A.f32");
    writeRaw(W, dir / "W.f32");
    const std::string script =
        "import numpy as np\nfrom scipy.optimize import nnls\n"
        "A = np.fromfile('" + (dir / "A.f32").string() + "', dtype=np.float32).reshape(50,20).astype(np.float64)\n"
        "W = np.fromfile('" + (dir / "W.f32").string() + "', dtype=np.float32).reshape(6,20).astype(np.float64)\n"
        "U = np.stack([nnls(W.T, a)[0] for a in A])\nU.astype(np.float32).tofile('" + (dir / "U.f32").string() + "')\n";
    runPython(script, dir);
    at::Tensor expected = readRaw(dir / "U.f32", {50, 6});
    int iterations = 0;
    at::Tensor exact = nnlsTransform(A, W, 5000, 1e-12, &iterations);
    EXPECT_TRUE(torch::allclose(exact, expected, 1e-4, 1e-4)) << (exact - expected).abs().max();
    // Reference tolerance: close to the optimum in objective.
    at::Tensor approx = nnlsTransform(A, W);
    auto objective = [&](const at::Tensor& U) { return (A - U.mm(W)).norm().item<double>(); };
    EXPECT_LE(objective(approx), objective(expected) * 1.01);
    EXPECT_GE(approx.min().item<double>(), 0.0);
    // Any map shape: rows are independent, so a subset gives the same rows.
    EXPECT_TRUE(torch::allclose(nnlsTransform(A.slice(0, 10, 17), W, 5000, 1e-12), exact.slice(0, 10, 17), 1e-5, 1e-5));
}

TEST(SobolReference, MasksEqualTheReferenceHaltonDesignBitForBit) {
    at::Tensor golden = readNpyFloat32(std::string(CS_TEST_FIXTURES) + "/craft/golden_halton_d10_n32.npy", {384, 10});
    auto masks = sobolMasks(SobolDesign::Reference, 10, 32, 0);
    ASSERT_EQ(masks.size(), 3840u);
    const float* g = golden.data_ptr<float>();
    for (size_t i = 0; i < masks.size(); ++i) ASSERT_EQ(masks[i], g[i]) << "row " << i / 10 << " col " << i % 10;
}

TEST(SobolReference, JansenIndicesEqualTheReferenceOutputs) {
    std::ifstream in(std::string(CS_TEST_FIXTURES) + "/craft/golden_jansen.json");
    ASSERT_TRUE(in);
    nlohmann::json golden = nlohmann::json::parse(in);
    auto c = golden["c"].get<std::vector<float>>();
    auto expected = golden["jansen_sti"].get<std::vector<double>>();
    auto masks = sobolMasks(SobolDesign::Reference, 10, 32, 0);
    EXPECT_EQ(std::vector<float>(masks.begin() + 10, masks.begin() + 20), golden["masks_row1"].get<std::vector<float>>());
    EXPECT_EQ(std::vector<float>(masks.begin() + 330, masks.begin() + 340), golden["masks_row33"].get<std::vector<float>>());
    std::vector<float> outputs(384);
    for (size_t row = 0; row < 384; ++row) {
        float y = 0;  // float32 like the reference's numpy
        for (size_t k = 0; k < 10; ++k) y += masks[row * 10 + k] * c[k];
        outputs[row] = y;
    }
    auto indices = jansenTotalIndices(outputs, 10, 32);
    for (size_t i = 0; i < 10; ++i) EXPECT_NEAR(indices[i], expected[i], 1e-6 * expected[i] + 1e-9) << i;
}

namespace {

// Test functions with known total Sobol indices, on masks in [0,1]^d.
struct TestFunction {
    std::string name;
    int64_t dims;
    std::function<double(const float*)> f;
    std::vector<double> exact;
};

std::vector<TestFunction> testFunctions() {
    std::vector<TestFunction> fs;
    {
        TestFunction additive{"additive d=10", 10, nullptr, {}};
        double total = 0;
        for (int i = 1; i <= 10; ++i) total += i * i;
        for (int i = 1; i <= 10; ++i) additive.exact.push_back(i * i / total);
        additive.f = [](const float* m) {
            double y = 0;
            for (int i = 0; i < 10; ++i) y += (i + 1) * m[i];
            return y;
        };
        fs.push_back(additive);
    }
    for (int64_t dims : {3, 10}) {
        // Ishigami (a=7, b=0.1) on x = -π + 2π m; extra dimensions are inert (ST = 0).
        const double a = 7, b = 0.1, pi = M_PI;
        const double v1 = 0.5 * std::pow(1 + b * std::pow(pi, 4) / 5, 2), v2 = a * a / 8;
        const double v13 = b * b * std::pow(pi, 8) * (1.0 / 18 - 1.0 / 50);
        const double v = v1 + v2 + v13;
        TestFunction ishigami{"ishigami d=" + std::to_string(dims), dims, nullptr, {(v1 + v13) / v, v2 / v, v13 / v}};
        ishigami.exact.resize(dims, 0.0);
        ishigami.f = [=](const float* m) {
            const double x1 = -pi + 2 * pi * m[0], x2 = -pi + 2 * pi * m[1], x3 = -pi + 2 * pi * m[2];
            return std::sin(x1) + a * std::pow(std::sin(x2), 2) + b * std::pow(x3, 4) * std::sin(x1);
        };
        fs.push_back(ishigami);
    }
    return fs;
}

// Mean |ST − exact| over the function's inputs, with the inputs placed on the mask columns given
// by `placement` (a concept can sit in any column, and the reference design's columns differ).
double meanAbsError(SobolDesign design, const TestFunction& fn, int64_t nbDesign, uint64_t seed, const std::vector<int64_t>& placement) {
    auto masks = sobolMasks(design, fn.dims, nbDesign, seed);
    const size_t rows = masks.size() / fn.dims;
    std::vector<float> outputs(rows), input(fn.dims);
    for (size_t row = 0; row < rows; ++row) {
        for (int64_t i = 0; i < fn.dims; ++i) input[i] = masks[row * fn.dims + placement[i]];
        outputs[row] = static_cast<float>(fn.f(input.data()));
    }
    auto indices = jansenTotalIndices(outputs, fn.dims, nbDesign);
    double error = 0;
    for (int64_t i = 0; i < fn.dims; ++i) error += std::abs(indices[placement[i]] - fn.exact[i]);
    return error / static_cast<double>(fn.dims);
}

std::vector<int64_t> shuffled(int64_t dims, uint64_t seed) {
    std::vector<int64_t> p(dims);
    std::iota(p.begin(), p.end(), 0);
    if (seed == 0) return p;
    std::mt19937_64 rng(seed);
    std::shuffle(p.begin(), p.end(), rng);
    return p;
}

}  // namespace

// The evidence for the default design (docs/craft.md quotes these numbers).
TEST(SobolDesigns, ScrambledSobolIsCloserToExactIndicesThanTheReferenceHalton) {
    for (const auto& fn : testFunctions()) {
        for (int64_t nbDesign : {32, 128}) {
            // Averaged over 20 placements of the inputs on the columns (and 20 seeds for the
            // randomised designs): the index a concept gets should not depend on its column.
            double reference = 0, sobol = 0, random = 0;
            const int trials = 20;
            for (int s = 0; s < trials; ++s) {
                const auto placement = shuffled(fn.dims, s);
                reference += meanAbsError(SobolDesign::Reference, fn, nbDesign, 0, placement) / trials;
                sobol += meanAbsError(SobolDesign::ScrambledSobol, fn, nbDesign, s, placement) / trials;
                random += meanAbsError(SobolDesign::Random, fn, nbDesign, s, placement) / trials;
            }
            std::cout << fn.name << " nb_design=" << nbDesign << ": mean |ST - exact| reference-halton " << reference
                      << ", scrambled-sobol " << sobol << ", random " << random << "\n";
            EXPECT_LT(sobol, reference) << fn.name << " " << nbDesign;
        }
    }
}

TEST(SobolDesigns, DesignsAreInTheUnitCubeAndSeeded) {
    for (auto d : {SobolDesign::Reference, SobolDesign::ScrambledSobol, SobolDesign::Random}) {
        auto m = sobolMasks(d, 4, 16, 7);
        EXPECT_EQ(m.size(), 16u * 6 * 4);
        for (float v : m) {
            EXPECT_GE(v, 0.f);
            EXPECT_LT(v, 1.f);
        }
        EXPECT_EQ(m, sobolMasks(d, 4, 16, 7));
    }
    EXPECT_NE(sobolMasks(SobolDesign::ScrambledSobol, 4, 16, 1), sobolMasks(SobolDesign::ScrambledSobol, 4, 16, 2));
    EXPECT_EQ(sobolDesignFromString("sobol"), SobolDesign::ScrambledSobol);
    EXPECT_THROW(sobolDesignFromString("owen"), cs::Error);
}
