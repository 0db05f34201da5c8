#pragma once
// Concept Attribution Maps (CRAFT §3.3, deel-ai/Craft notebooks, xplique's CraftManager plots):
//  - projection maps: the NNLS coefficients of a concept at each location of the feature map,
//    thresholded at a percentile of that concept's coefficients over all images (reference: 90th),
//    resized to the image, drawn as per-concept colour overlays whose alpha ramps with the value,
//    top concepts only, the most important drawn last (on top);
//  - implicit-differentiation maps: with the active set S of each location's NNLS solution fixed,
//    u_S = (W_S W_Sᵀ)⁻¹ W_S a is linear in a, so ∂u_k/∂a is exact and autograd through g gives
//    ∂u_k/∂x: Gradient × Input, and a Grad-CAM-like map ReLU(Σ_c a_c · mean_{y,x} ∂u_k/∂a_c).
#include <array>
#include <cstdint>
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
struct ImageMaps;

// Per-concept threshold: the `percentile` (0..100) of each concept's coefficients over every
// location of every image. uMaps: N×h×w×r. Returns r values.
std::vector<double> conceptThresholds(const at::Tensor& uMaps, double percentile);

// One concept's projection map for one image: uMap (h×w×r) → H×W in [0,1]; zero below the
// threshold, bilinear resize, divided by the image's maximum.
at::Tensor projectionMap(const at::Tensor& uMap, int64_t concept, double threshold, int64_t height, int64_t width);

// The gradient of Σ_locations u_k with respect to the activation, for every concept k at once:
// a (C×h×w or C), W (r×C), u (h·w×r NNLS solution) → r×C×h×w (or r×C). Exact given the active sets.
at::Tensor implicitCoefficientGradients(const at::Tensor& a, const at::Tensor& W, const at::Tensor& u);

struct ImplicitMaps {
    std::vector<at::Tensor> gradientInput;  // per concept asked: H×W (signed)
    std::vector<at::Tensor> gradCam;        // per concept asked: H×W (≥ 0, resized from h×w)
    std::vector<at::Tensor> inputGradient;  // per concept asked: C×H×W, ∂(Σ u_k)/∂x (for tests)
};

// x: 1×C×H×W (any floating dtype). W: r×C. concepts: which k to differentiate.
ImplicitMaps implicitDiffMaps(model::VisionModel& model, const std::string& layer, const ActivationPolicy& policy, const at::Tensor& x,
                              const at::Tensor& W, const std::vector<int64_t>& concepts, int nnlsIterations = 1000,
                              double nnlsTolerance = 1e-10);

// Σ_locations NNLS(g(x), W)_k for every k (what implicitDiffMaps differentiates); r values.
at::Tensor totalCoefficients(model::VisionModel& model, const std::string& layer, const ActivationPolicy& policy, const at::Tensor& x,
                             const at::Tensor& W, int nnlsIterations = 1000, double nnlsTolerance = 1e-10);

// Images for the store and reports (PNG bytes, cv::imencode).
// image: C×H×W display values in [0,1] (1 or 3+ channels; the first 3 are used as RGB).
// maps: H×W in [0,1], painted in order (put the most important last); colours: BGR per map.
std::string overlayPng(const at::Tensor& image, const std::vector<at::Tensor>& maps, const std::vector<std::array<uint8_t, 3>>& colours,
                       double maxAlpha = 0.7);
// One map as a colour heatmap (OpenCV colormap, e.g. cv::COLORMAP_INFERNO = 9) scaled to [0,1].
std::string heatmapPng(const at::Tensor& map, int colormap = 9);
// A distinct colour per concept rank, sampled from an OpenCV colormap (BGR).
std::vector<std::array<uint8_t, 3>> conceptColours(int64_t count);

// The image as the user sees it: x (C×H×W model input) with the model's normalisation undone
// when it is declared for every channel, else stretched to [0,1].
at::Tensor displayImage(const at::Tensor& x, const std::vector<float>& mean, const std::vector<float>& stdev);

// The maps of one image (the engine's maps stage): x is its 1×C×H×W model input, shown its C×H×W
// display, uMap its codes (h×w×r). Projection heatmaps of `concepts` (most important first) and
// their overlay, thresholded at `thresholds` (conceptThresholds over all images); with `implicit`,
// also Gradient × Input and Grad-CAM maps (implicitDiffMaps), each divided by its maximum.
// ImageMaps::image is left to the caller.
ImageMaps imageConceptMaps(model::VisionModel& model, const std::string& layer, const ActivationPolicy& policy, const at::Tensor& x,
                           const at::Tensor& shown, const at::Tensor& uMap, const at::Tensor& W, const std::vector<int64_t>& concepts,
                           const std::vector<double>& thresholds, bool implicit);

}  // namespace cs::craft
