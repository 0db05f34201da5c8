#pragma once
// ConceptDictionary: how CRAFT turns crop activations into concepts (Fel et al., CVPR 2023 §3.1;
// docs/craft.md). fit learns r concept vectors W (r × C) and the crops' codes U (n × r) with
// A ≈ U W; transform gives the codes of new activations against the fitted concepts; reconstruct
// rebuilds activations from codes. The reference's method is NMF with an NNLS transform (nmf.h);
// Holistic CRAFT (Fel et al., NeurIPS 2023) compares it with PCA, K-Means and Semi-NMF, which are
// in dictionaries.cpp. A new method implements this interface and is chosen in craft_methods.h.
#include "craft/nmf.h"

#include <cstdint>
#include <memory>
#include <string>

namespace at {
class Tensor;
}

namespace cs::craft {

class ConceptDictionary {
public:
    virtual ~ConceptDictionary() = default;
    virtual std::string name() const = 0;
    // True when every code is ≥ 0 (NMF): maps threshold codes and the tree ranks crops by them.
    virtual bool nonNegativeCodes() const = 0;
    // Learns `rank` concepts from A (n × C): U (n × rank) and W (rank × C), float32; a second call
    // refits from scratch. The statistics (iterations, convergence, relative error) are NmfStats,
    // which any iterative method can fill. Throws cs::Error on a matrix the method cannot use.
    virtual NmfStats fit(const at::Tensor& A, int64_t rank, at::Tensor& U, at::Tensor& W) = 0;
    // Codes (m × rank) of activations (m × C) against the fitted concepts.
    virtual at::Tensor transform(const at::Tensor& activations) const = 0;
    // Activations (m × C) rebuilt from codes (m × rank).
    virtual at::Tensor reconstruct(const at::Tensor& codes) const = 0;
    // The part of every reconstruction that no code carries (PCA's mean, C values, float32);
    // undefined when reconstruct is codes·W alone. The engine adds it back before h, so that the
    // concept contributions Σ_k m_k B[k] are perturbations of the activation, not of its centred form.
    virtual at::Tensor offset() const;
};

// NMF (scikit-learn's solver and stopping rule) and the NNLS transform, both run with these
// iteration and tolerance settings.
std::unique_ptr<ConceptDictionary> makeNmfDictionary(int maxIterations, double tolerance);

// scikit-learn's PCA: W = the top-rank right singular vectors of the centred A (exact SVD, signs
// fixed as sklearn's svd_flip), codes = (A − mean)·Wᵀ, reconstruct = codes·W + mean. Signed codes.
std::unique_ptr<ConceptDictionary> makePcaDictionary();

// scikit-learn's KMeans with one initialisation (n_init = 1): k-means++ seeding drawn from `seed`,
// Lloyd iterations until the centres move less than tolerance × the mean feature variance or
// maxIterations. W = the centroids, codes = one-hot of the nearest centroid.
std::unique_ptr<ConceptDictionary> makeKMeansDictionary(int maxIterations, double tolerance, uint64_t seed);

// Semi-NMF (Ding, Li & Jordan, TPAMI 2010): A ≈ U W with U ≥ 0 and W signed, for activations of
// any sign. Initialised from K-Means (indicators + 0.2, as the paper), then alternating
// W = (UᵀU)⁺UᵀA and the multiplicative update of U; transform runs the U update with W fixed.
std::unique_ptr<ConceptDictionary> makeSemiNmfDictionary(int maxIterations, double tolerance, uint64_t seed);

}  // namespace cs::craft
