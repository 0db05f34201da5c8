#include "craft/attribution_maps.h"

#include "craft/craft_engine.h"
#include "craft/crops.h"
#include "craft/nmf.h"

#include "common/error.h"
#include "model/model_adapter.h"

#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <torch/torch.h>

#include <algorithm>

namespace cs::craft {

namespace {

namespace F = torch::nn::functional;

at::Tensor resizeMap(const at::Tensor& map, int64_t height, int64_t width) {
    if (map.size(0) == height && map.size(1) == width) return map;
    return F::interpolate(map.unsqueeze(0).unsqueeze(0),
                          F::InterpolateFuncOptions().size(std::vector<int64_t>{height, width}).mode(torch::kBilinear).align_corners(false))
        .squeeze(0)
        .squeeze(0);
}

// Activation (1×C×h×w or 1×C) → locations × C.
at::Tensor locationsByChannel(const at::Tensor& a) {
    if (a.dim() == 4) return a[0].flatten(1).t();
    return a;  // 1×C: one location
}

cv::Mat toBgr8(const at::Tensor& hwc) {
    at::Tensor bytes = (hwc.clamp(0, 1) * 255.0).round().to(torch::kUInt8).contiguous();
    cv::Mat rgb(static_cast<int>(bytes.size(0)), static_cast<int>(bytes.size(1)), CV_8UC3, bytes.data_ptr<uint8_t>());
    cv::Mat bgr;
    cv::cvtColor(rgb, bgr, cv::COLOR_RGB2BGR);  // copies, so `bytes` may go
    return bgr;
}

std::string encodePng(const cv::Mat& image) {
    std::vector<uint8_t> buffer;
    if (!cv::imencode(".png", image, buffer)) throw Error("png", "OpenCV could not encode the image");
    return std::string(buffer.begin(), buffer.end());
}

}  // namespace

std::vector<double> conceptThresholds(const at::Tensor& uMaps, double percentile) {
    at::Tensor flat = uMaps.reshape({-1, uMaps.size(-1)}).to(torch::kFloat64);
    std::vector<double> thresholds;
    for (int64_t k = 0; k < flat.size(1); ++k)
        thresholds.push_back(torch::quantile(flat.select(1, k), percentile / 100.0).item<double>());  // numpy's linear rule
    return thresholds;
}

at::Tensor projectionMap(const at::Tensor& uMap, int64_t concept, double threshold, int64_t height, int64_t width) {
    at::Tensor m = uMap.select(-1, concept).to(torch::kFloat32);
    if (m.dim() == 0) m = m.view({1, 1});
    m = m * (m > threshold).to(m.dtype());
    m = resizeMap(m, height, width).clamp_min(0);
    const double peak = m.max().item<double>();
    return peak > 0 ? m / peak : m;
}

at::Tensor implicitCoefficientGradients(const at::Tensor& a, const at::Tensor& W, const at::Tensor& u) {
    const int64_t r = W.size(0), channels = W.size(1);
    at::Tensor w = W.to(torch::kFloat64);
    const int64_t locations = u.size(0);
    at::Tensor grads = torch::zeros({locations, r, channels}, torch::kFloat64);
    at::Tensor active = u > 0;
    for (int64_t l = 0; l < locations; ++l) {
        at::Tensor S = active[l].nonzero().flatten();
        if (S.numel() == 0) continue;  // u = 0 stays 0 for small changes of a: zero gradient
        at::Tensor ws = w.index_select(0, S);
        // u_S = (W_S W_Sᵀ)⁻¹ W_S a, so ∂u_S/∂a = (W_S W_Sᵀ)⁻¹ W_S.
        at::Tensor jacobian = torch::linalg_solve(ws.mm(ws.t()), ws);
        grads[l].index_copy_(0, S, jacobian);
    }
    // locations × r × C → r × C × (h × w)
    at::Tensor out = grads.permute({1, 2, 0});
    if (a.dim() == 3) return out.reshape({r, channels, a.size(1), a.size(2)});
    return out.reshape({r, channels});
}

at::Tensor totalCoefficients(model::VisionModel& model, const std::string& layer, const ActivationPolicy& policy, const at::Tensor& x,
                             const at::Tensor& W, int nnlsIterations, double nnlsTolerance) {
    torch::NoGradGuard noGrad;
    at::Tensor a = policy.toNonNegative(model.activations(x, layer));
    return nnlsTransform(locationsByChannel(a), W, nnlsIterations, nnlsTolerance).sum(0);
}

ImplicitMaps implicitDiffMaps(model::VisionModel& model, const std::string& layer, const ActivationPolicy& policy, const at::Tensor& x,
                              const at::Tensor& W, const std::vector<int64_t>& concepts, int nnlsIterations, double nnlsTolerance) {
    if (x.dim() != 4 || x.size(0) != 1) throw Error("implicit maps", "expected one image as a 1×C×H×W tensor");
    torch::AutoGradMode enableGrad(true);
    at::Tensor input = x.detach().clone().requires_grad_(true);
    at::Tensor a = policy.toNonNegative(model.activations(input, layer));
    at::Tensor locations = locationsByChannel(a.detach());
    at::Tensor u = nnlsTransform(locations, W, nnlsIterations, nnlsTolerance);
    at::Tensor grads = implicitCoefficientGradients(a.detach()[0], W, u);  // r×C×h×w or r×C
    const int64_t height = x.size(2), width = x.size(3);
    ImplicitMaps maps;
    for (size_t i = 0; i < concepts.size(); ++i) {
        const int64_t k = concepts[i];
        at::Tensor gradA = grads[k].unsqueeze(0).to(a.scalar_type());
        at::Tensor gradX = torch::autograd::grad({a}, {input}, {gradA}, /*retain_graph=*/i + 1 < concepts.size(),
                                                 /*create_graph=*/false, /*allow_unused=*/true)[0];
        if (!gradX.defined()) gradX = torch::zeros_like(input);
        maps.inputGradient.push_back(gradX[0].detach());
        maps.gradientInput.push_back((gradX * input.detach()).sum(1)[0].detach().to(torch::kFloat32));
        if (a.dim() == 4) {
            // Grad-CAM-like (implicit_diff.py): channel weights = spatial mean of ∂u_k/∂a.
            at::Tensor weights = grads[k].mean({1, 2}).to(a.scalar_type());
            at::Tensor cam = torch::relu((a.detach()[0] * weights.view({-1, 1, 1})).sum(0)).to(torch::kFloat32);
            maps.gradCam.push_back(resizeMap(cam, height, width));
        } else {
            maps.gradCam.push_back(torch::zeros({height, width}));
        }
    }
    return maps;
}

std::vector<std::array<uint8_t, 3>> conceptColours(int64_t count) {
    std::vector<std::array<uint8_t, 3>> colours;
    if (count <= 0) return colours;
    cv::Mat ramp(1, static_cast<int>(count), CV_8UC1);
    for (int64_t k = 0; k < count; ++k) ramp.at<uint8_t>(0, static_cast<int>(k)) = static_cast<uint8_t>((k + 0.5) * 255.0 / count);
    cv::Mat coloured;
    cv::applyColorMap(ramp, coloured, cv::COLORMAP_TURBO);
    for (int64_t k = 0; k < count; ++k) {
        const auto& c = coloured.at<cv::Vec3b>(0, static_cast<int>(k));
        colours.push_back({c[0], c[1], c[2]});
    }
    return colours;
}

std::string overlayPng(const at::Tensor& image, const std::vector<at::Tensor>& maps, const std::vector<std::array<uint8_t, 3>>& colours,
                       double maxAlpha) {
    if (image.dim() != 3) throw Error("overlay", "expected a C×H×W image");
    at::Tensor rgb = image.to(torch::kFloat32);
    if (rgb.size(0) == 1) rgb = rgb.expand({3, rgb.size(1), rgb.size(2)});
    else if (rgb.size(0) == 2) rgb = torch::cat({rgb, rgb.slice(0, 0, 1)}, 0);
    else rgb = rgb.slice(0, 0, 3);
    at::Tensor canvas = rgb.permute({1, 2, 0}).clone();  // H×W×3
    for (size_t i = 0; i < maps.size(); ++i) {
        const auto& bgr = colours[i % colours.size()];
        at::Tensor colour = torch::tensor({bgr[2] / 255.0f, bgr[1] / 255.0f, bgr[0] / 255.0f}).view({1, 1, 3});
        // alpha ramps with the map's value, as the reference's custom colormaps do.
        at::Tensor alpha = (maps[i].to(torch::kFloat32).clamp(0, 1) * maxAlpha).unsqueeze(-1);
        canvas = canvas * (1 - alpha) + colour * alpha;
    }
    return encodePng(toBgr8(canvas));
}

namespace {

using Colours = std::vector<std::array<uint8_t, 3>>;

// Gradient × Input (positive part) and Grad-CAM maps of maps.concepts, each divided by its
// maximum, as heatmaps and as overlays painted in `paint` order.
void addImplicitMaps(ImageMaps& maps, model::VisionModel& model, const std::string& layer, const ActivationPolicy& policy, const at::Tensor& x,
                     const at::Tensor& shown, const at::Tensor& W, const Colours& paint) {
    ImplicitMaps im = implicitDiffMaps(model, layer, policy, x, W, maps.concepts, 200, 1e-6);
    std::vector<at::Tensor> gi, gc;
    for (size_t c = 0; c < maps.concepts.size(); ++c) {
        at::Tensor g = torch::relu(im.gradientInput[c]);
        const double gm = g.max().item<double>();
        gi.push_back(gm > 0 ? g / gm : g);
        const double cm = im.gradCam[c].max().item<double>();
        gc.push_back(cm > 0 ? im.gradCam[c] / cm : im.gradCam[c]);
        maps.gradientInputPng.push_back(heatmapPng(gi.back()));
        maps.gradCamPng.push_back(heatmapPng(gc.back()));
    }
    maps.gradientInputOverlayPng = overlayPng(shown, std::vector<at::Tensor>(gi.rbegin(), gi.rend()), paint);
    maps.gradCamOverlayPng = overlayPng(shown, std::vector<at::Tensor>(gc.rbegin(), gc.rend()), paint);
}

}  // namespace

at::Tensor displayImage(const at::Tensor& x, const std::vector<float>& mean, const std::vector<float>& stdev) {
    if (static_cast<int64_t>(mean.size()) == x.size(0) && stdev.size() == mean.size())
        return (x * torch::tensor(stdev).view({-1, 1, 1}) + torch::tensor(mean).view({-1, 1, 1})).clamp(0, 1);
    return (x - x.min()) / std::max(1e-12, (x.max() - x.min()).item<double>());
}

ImageMaps imageConceptMaps(model::VisionModel& model, const std::string& layer, const ActivationPolicy& policy, const at::Tensor& x,
                           const at::Tensor& shown, const at::Tensor& uMap, const at::Tensor& W, const std::vector<int64_t>& concepts,
                           const std::vector<double>& thresholds, bool implicit) {
    const int64_t height = x.size(2), width = x.size(3);
    const Colours colours = conceptColours(static_cast<int64_t>(concepts.size()));
    // Paint the least important first so the most important ends on top (reference notebooks).
    const Colours paint(colours.rbegin(), colours.rend());
    ImageMaps maps;
    maps.concepts = concepts;
    std::vector<at::Tensor> projection;
    for (int64_t k : concepts) {
        projection.push_back(projectionMap(uMap, k, thresholds[k], height, width));
        maps.projectionHeatmapPng.push_back(heatmapPng(projection.back()));
    }
    maps.projectionOverlayPng = overlayPng(shown, std::vector<at::Tensor>(projection.rbegin(), projection.rend()), paint);
    if (implicit) addImplicitMaps(maps, model, layer, policy, x, shown, W, paint);
    return maps;
}

std::string heatmapPng(const at::Tensor& map, int colormap) {
    at::Tensor m = map.to(torch::kFloat32);
    m = m - m.min();
    const double peak = m.max().item<double>();
    if (peak > 0) m = m / peak;
    at::Tensor bytes = (m * 255.0).round().to(torch::kUInt8).contiguous();
    cv::Mat gray(static_cast<int>(bytes.size(0)), static_cast<int>(bytes.size(1)), CV_8UC1, bytes.data_ptr<uint8_t>());
    cv::Mat coloured;
    cv::applyColorMap(gray, coloured, colormap);
    return encodePng(coloured);
}

}  // namespace cs::craft
