// The concept dictionaries beside NMF (dictionaries.cpp) on planted matrices whose answer is known:
// PCA recovers a rank-r subspace and its variances, K-Means well-separated clusters, Semi-NMF a
// product of non-negative codes and signed concepts.
#include "craft/concept_dictionary.h"

#include "common/error.h"

#include <torch/torch.h>

#include <gtest/gtest.h>

using namespace cs::craft;

namespace {
double relativeError(const at::Tensor& A, const at::Tensor& rebuilt) {
    at::Tensor a = A.to(torch::kFloat64);
    return (a - rebuilt.to(torch::kFloat64)).norm().item<double>() / a.norm().item<double>();
}
}  // namespace

TEST(PcaDictionary, RecoversAPlantedSubspaceAndItsVariances) {
    torch::manual_seed(11);
    const int64_t n = 300, channels = 40, r = 5;
    // Rank-r data around a non-zero mean: scores with distinct variances on orthonormal directions.
    at::Tensor directions = std::get<0>(torch::linalg_qr(torch::randn({channels, r}, torch::kFloat64))).t();
    at::Tensor scales = torch::tensor({5.0, 4.0, 3.0, 2.0, 1.0}, torch::kFloat64);
    at::Tensor A = (torch::randn({n, r}, torch::kFloat64) * scales).mm(directions) + torch::rand({channels}, torch::kFloat64) * 3;

    auto pca = makePcaDictionary();
    EXPECT_FALSE(pca->nonNegativeCodes());
    at::Tensor U, W;
    const NmfStats stats = pca->fit(A.to(torch::kFloat32), r, U, W);
    EXPECT_LT(stats.relativeError, 1e-4);
    EXPECT_LT(relativeError(A, pca->reconstruct(pca->transform(A))), 1e-4);
    ASSERT_EQ(U.sizes(), (std::vector<int64_t>{n, r}));
    ASSERT_EQ(W.sizes(), (std::vector<int64_t>{r, channels}));
    // The components span the planted directions: projecting them onto that subspace keeps them.
    at::Tensor w = W.to(torch::kFloat64);
    EXPECT_LT((w - w.mm(directions.t()).mm(directions)).norm().item<double>(), 1e-4);
    // The codes' variances are the covariance's top-r eigenvalues (sklearn's explained_variance_).
    at::Tensor centred = A - A.mean(0);
    at::Tensor eigenvalues = std::get<0>(torch::linalg_eigh(centred.t().mm(centred) / (n - 1))).flip(0).slice(0, 0, r);
    at::Tensor variances = U.to(torch::kFloat64).var(0);
    EXPECT_TRUE(torch::allclose(variances, eigenvalues, 1e-4, 1e-6)) << variances << eigenvalues;
    // Components in decreasing variance order.
    for (int64_t k = 1; k < r; ++k) EXPECT_GT(variances[k - 1].item<double>(), variances[k].item<double>());
}

TEST(KMeansDictionary, RecoversPlantedClusters) {
    torch::manual_seed(5);
    const int64_t perCluster = 40, channels = 16, k = 4;
    at::Tensor centres = torch::randn({k, channels}, torch::kFloat64) * 10;
    at::Tensor labels = torch::arange(k).repeat_interleave(perCluster);
    at::Tensor A = (centres.index_select(0, labels) + torch::randn({k * perCluster, channels}, torch::kFloat64) * 0.1).to(torch::kFloat32);

    auto kmeans = makeKMeansDictionary(300, 1e-4, 0);
    EXPECT_TRUE(kmeans->nonNegativeCodes());
    at::Tensor U, W;
    const NmfStats stats = kmeans->fit(A, k, U, W);
    EXPECT_TRUE(stats.converged);
    // One-hot codes, and every point's code is the centroid of its planted cluster.
    EXPECT_TRUE(torch::equal(U.sum(1), torch::ones({k * perCluster})));
    at::Tensor assigned = U.argmax(1);
    for (int64_t c = 0; c < k; ++c) {
        at::Tensor members = assigned.slice(0, c * perCluster, (c + 1) * perCluster);
        EXPECT_TRUE((members == members[0]).all().item<bool>()) << "cluster " << c;
        const int64_t concept = members[0].item<int64_t>();
        EXPECT_LT((W[concept].to(torch::kFloat64) - centres[c]).abs().max().item<double>(), 0.1);
    }
    EXPECT_EQ(std::get<0>(torch::_unique(assigned)).numel(), k);
    EXPECT_TRUE(torch::equal(kmeans->transform(A), U));
}

TEST(SemiNmfDictionary, FactorsASignedPlantedMatrixWithNonNegativeCodes) {
    torch::manual_seed(9);
    const int64_t n = 200, channels = 30, r = 4;
    at::Tensor A = (torch::rand({n, r}, torch::kFloat64).mm(torch::randn({r, channels}, torch::kFloat64))).to(torch::kFloat32);
    ASSERT_LT(A.min().item<double>(), 0.0);  // signed: NMF refuses it

    auto semi = makeSemiNmfDictionary(500, 1e-6, 0);
    EXPECT_TRUE(semi->nonNegativeCodes());
    at::Tensor U, W;
    const NmfStats stats = semi->fit(A, r, U, W);
    EXPECT_LT(stats.relativeError, 0.05);
    EXPECT_GE(U.min().item<double>(), 0.0);
    EXPECT_LT(W.min().item<double>(), 0.0);
    at::Tensor codes = semi->transform(A);
    EXPECT_GE(codes.min().item<double>(), 0.0);
    EXPECT_LT(relativeError(A, semi->reconstruct(codes)), 0.05);
    // The run's settings (NMF's max_iter 200, tol 1e-4) reach the same bound.
    auto withRunDefaults = makeSemiNmfDictionary(200, 1e-4, 0);
    EXPECT_LT(withRunDefaults->fit(A, r, U, W).relativeError, 0.05);
}

TEST(ConceptDictionaries, RefuseFewerCropsThanConceptsAndUseBeforeFit) {
    at::Tensor A = torch::rand({3, 8});
    at::Tensor U, W;
    for (auto* make : {+[] { return makePcaDictionary(); }, +[] { return makeKMeansDictionary(10, 1e-4, 0); },
                       +[] { return makeSemiNmfDictionary(10, 1e-4, 0); }}) {
        auto dictionary = make();
        EXPECT_THROW(dictionary->transform(A), cs::Error) << dictionary->name();
        EXPECT_THROW(dictionary->fit(A, 5, U, W), cs::Error) << dictionary->name();
    }
}
