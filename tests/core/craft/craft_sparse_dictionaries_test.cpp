// The sparse and archetypal concept dictionaries (sae_dictionary.cpp, archetypal_dictionary.cpp)
// on planted matrices whose answer is known, and each through the whole CRAFT pipeline:
//  - the SAE finds planted non-negative concepts of which each crop uses at most k, with
//    non-negative codes and its decoder bias as the offset;
//  - archetypal analysis finds the archetypes of data made of scaled convex combinations of
//    them, and its concepts stay inside the data's convex hull (checked per channel and by the
//    convex weights that rebuild each concept from the crops).
#include "craft/archetypal_dictionary.h"
#include "craft/craft_engine.h"
#include "craft/sae_dictionary.h"

#include "common/error.h"
#include "tiny_vision_model.h"

#include <torch/torch.h>

#include <cmath>

#include <gtest/gtest.h>

using namespace cs::craft;
using namespace cs::craft::test;

namespace {

// Planted concepts whose best concept vector has cosine >= minCosine.
int recovered(const at::Tensor& planted, const at::Tensor& W, double minCosine) {
    auto p = planted.to(torch::kFloat64);
    auto w = W.to(torch::kFloat64);
    p = p / p.norm(2, 1, true);
    w = w / w.norm(2, 1, true).clamp_min(1e-12);
    return (std::get<0>(p.mm(w.t()).max(1)) >= minCosine).sum().item<int>();
}

double relativeError(const at::Tensor& A, const at::Tensor& rebuilt) {
    at::Tensor a = A.to(torch::kFloat64);
    return (a - rebuilt.to(torch::kFloat64)).norm().item<double>() / a.norm().item<double>();
}

}  // namespace

TEST(SaeDictionary, FindsPlantedSparseConceptsWithNonNegativeCodes) {
    torch::manual_seed(21);
    const int64_t n = 1200, channels = 32, r = 8;  // k = r / 4 = 2 concepts per crop
    at::Tensor concepts = torch::rand({r, channels}, torch::kFloat64).pow(3);  // non-negative, distinct
    at::Tensor codes = torch::zeros({n, r}, torch::kFloat64);
    codes.scatter_(1, torch::randint(0, r, {n, 2}), torch::rand({n, 2}, torch::kFloat64) * 2 + 0.5);
    at::Tensor A = (codes.mm(concepts) + 0.01 * torch::rand({n, channels}, torch::kFloat64)).to(torch::kFloat32);

    auto sae = makeSaeDictionary(0);
    EXPECT_EQ(sae->name(), "sae");
    EXPECT_TRUE(sae->nonNegativeCodes());
    at::Tensor U, W;
    const NmfStats stats = sae->fit(A, r, U, W);
    ASSERT_EQ(U.sizes(), (std::vector<int64_t>{n, r}));
    ASSERT_EQ(W.sizes(), (std::vector<int64_t>{r, channels}));
    std::printf("SAE dictionary: relative error %.4f, planted concepts found %d / %lld\n", stats.relativeError,
                recovered(concepts, W, 0.95), static_cast<long long>(r));
    EXPECT_LT(stats.relativeError, 0.15);
    EXPECT_EQ(recovered(concepts, W, 0.95), r);
    EXPECT_GE(U.min().item<double>(), 0.0);
    EXPECT_LE((U > 0).sum(1).max().item<int64_t>(), 2);  // TopK: at most k active per crop
    EXPECT_TRUE(torch::allclose(sae->transform(A), U));
    // reconstruct adds b_dec, which offset() reports so CRAFT's h sees whole activations.
    ASSERT_TRUE(sae->offset().defined());
    EXPECT_TRUE(torch::allclose(sae->reconstruct(U), U.mm(W) + sae->offset(), 1e-4, 1e-5));
    EXPECT_LT(relativeError(A, sae->reconstruct(sae->transform(A))), 0.15);
    // The same seed gives the same dictionary.
    at::Tensor U2, W2;
    makeSaeDictionary(0)->fit(A, r, U2, W2);
    EXPECT_TRUE(torch::equal(W, W2));
}

TEST(ArchetypalDictionary, FindsPlantedArchetypesInsideTheConvexHull) {
    torch::manual_seed(4);
    const int64_t n = 400, channels = 20, r = 4;
    at::Tensor archetypes = torch::rand({r, channels}, torch::kFloat64) * 3;
    // Convex weights (normalised exponentials), the first r crops pure, each crop scaled.
    at::Tensor weights = torch::rand({n, r}, torch::kFloat64).pow(4);
    weights.narrow(0, 0, r).copy_(torch::eye(r, torch::kFloat64));
    weights = weights / weights.sum(1, true);
    at::Tensor scale = torch::rand({n, 1}, torch::kFloat64) * 0.5 + 0.75;
    at::Tensor A = (scale * weights.mm(archetypes)).to(torch::kFloat32);

    auto archetypal = makeArchetypalDictionary(200, 1e-4);
    EXPECT_EQ(archetypal->name(), "archetypal");
    EXPECT_TRUE(archetypal->nonNegativeCodes());
    at::Tensor U, W;
    const NmfStats stats = archetypal->fit(A, r, U, W);
    std::printf("archetypal: relative error %.4f after %d iterations, archetypes found %d / %lld\n", stats.relativeError,
                stats.iterations, recovered(archetypes, W, 0.98), static_cast<long long>(r));
    EXPECT_LT(stats.relativeError, 0.05);
    EXPECT_EQ(recovered(archetypes, W, 0.98), r);
    EXPECT_GE(U.min().item<double>(), 0.0);
    // Inside the hull: every concept channel within the crops' range...
    at::Tensor lo = std::get<0>(A.min(0)), hi = std::get<0>(A.max(0));
    EXPECT_TRUE((W >= lo - 1e-5).all().item<bool>());
    EXPECT_TRUE((W <= hi + 1e-5).all().item<bool>());
    // ...and a convex combination of crops rebuilds each concept: project onto the simplex of
    // crop weights and check the residual and check the residual.
    at::Tensor a = A.to(torch::kFloat64), w = W.to(torch::kFloat64);
    at::Tensor s = torch::full({r, n}, 1.0 / n, torch::kFloat64);
    at::Tensor y = s.clone();
    double t = 1.0;
    const double step = 1.0 / torch::linalg_matrix_norm(a, 2).pow(2).item<double>();
    // Accelerated (FISTA) projected gradient: plain steps converge too slowly when the crops are
    // nearly collinear.
    for (int i = 0; i < 5000; ++i) {
        at::Tensor g = (y.mm(a) - w).mm(a.t());
        at::Tensor m = y - step * g;
        // Simplex projection (Duchi et al. 2008), written independently of the dictionary's.
        at::Tensor sorted = std::get<0>(m.sort(1, true));
        at::Tensor css = sorted.cumsum(1) - 1;
        at::Tensor idx = torch::arange(1, n + 1, torch::kFloat64);
        at::Tensor cond = (sorted - css / idx) > 0;
        at::Tensor rho = cond.sum(1, true) - 1;  // the last true: cond holds on a prefix
        at::Tensor theta = css.gather(1, rho) / (rho + 1).to(torch::kFloat64);
        at::Tensor next = (m - theta).clamp_min(0);
        const double tNext = (1.0 + std::sqrt(1.0 + 4.0 * t * t)) / 2.0;
        y = next + ((t - 1.0) / tNext) * (next - s);
        s = next;
        t = tNext;
    }
    EXPECT_LT((s.mm(a) - w).norm().item<double>() / w.norm().item<double>(), 0.02);
    EXPECT_LT(relativeError(A, archetypal->reconstruct(archetypal->transform(A))), 0.05);
}

TEST(SparseDictionaries, RunTheWholePipelineAndRefuseMisuse) {
    for (auto method : {ConceptDictionaryMethod::Sae, ConceptDictionaryMethod::Archetypal}) {
        SCOPED_TRACE(toString(method));
        EXPECT_EQ(conceptDictionaryMethodFromString(toString(method)), method);
        EXPECT_TRUE(factorisesSignedActivations(method));
        CraftOptions o = smallCraftOptions();
        o.dictionary = method;
        o.implicitMaps = false;
        TinyVisionModel model;
        CraftResult r = CraftEngine(model, o).run(makeImages(6, 3, 32, 32), at::Tensor());
        EXPECT_EQ(r.conceptVectors.shape, (std::vector<int64_t>{3, 16}));
        EXPECT_EQ(r.imageImportance.shape, (std::vector<int64_t>{6, 3}));
        for (float v : r.cropCoefficients.data) ASSERT_GE(v, 0.0f);
        for (float v : r.imageImportance.data) ASSERT_TRUE(std::isfinite(v));
        EXPECT_TRUE(std::isfinite(r.nmf.relativeError));
    }
    at::Tensor U, W;
    std::vector<std::unique_ptr<ConceptDictionary>> dictionaries;
    dictionaries.push_back(makeSaeDictionary(0));
    dictionaries.push_back(makeArchetypalDictionary(10, 1e-4));
    for (auto& dictionary : dictionaries) {
        EXPECT_THROW(dictionary->transform(torch::rand({3, 8})), cs::Error) << dictionary->name();
        EXPECT_THROW(dictionary->fit(torch::rand({3, 8}), 5, U, W), cs::Error) << dictionary->name();
    }
}
