#pragma once
// MaCo feature visualisation (Fel et al., NeurIPS 2023, "Unlocking Feature Visualization for Deeper
// Networks with MAgnitude Constrained Optimization"; docs/tcav.md): an image is parametrised by the
// phase of its Fourier spectrum while the magnitude stays fixed to that of natural images; the phase
// is optimised (LibTorch autograd through g) so that the activations at a layer align with a concept
// vector, on random crops with noise; the image's accumulated absolute gradients give a transparency
// map (where the concept lives in the picture).
//
// No ImageNet statistics ship with the studio, so the magnitude spectrum and the colour correlation
// are measured on images the caller gives (the run's own images; naturalImageStatistics).
#include "common/tensor_blob.h"

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace at {
class Tensor;
}
namespace cs::model {
class VisionModel;
}

namespace cs::maco {

struct MacoOptions {
    int steps = 256;                 // optimisation steps (the reference's default)
    int64_t size = 224;              // side of the optimised image (crops of it are resized to the model's input)
    int crops = 16;                  // random crops per step (the reference: 32; halved for 2-core machines, docs/tcav.md)
    double learningRate = 1.0;       // NAdam, as the reference
    double noise = 0.08;             // std of the Gaussian noise added to the crops (plus uniform ±noise/2)
    double boxStart = 0.5, boxEnd = 0.05;  // mean crop side, as a share of the image, decaying linearly
    double cossimPower = 2.0;        // objective: dot(a, v) · max(cos(a, v), 0.1)^power (Lucid's dot-cossim)
    uint64_t seed = 0;
};

// What the spectrum and the colours of natural images look like, measured on a set of images.
struct NaturalImageStatistics {
    TensorBlob magnitude;         // channels × size × (size/2 + 1): mean |rfft2| of decorrelated, standardised images
    TensorBlob colourCorrelation; // channels × channels: square root of the colour covariance, scaled (identity for gray)
};

// images: N×C×H×W display values in [0,1] (C = 1 or 3). Throws cs::Error when there are none.
NaturalImageStatistics naturalImageStatistics(const at::Tensor& images, int64_t size);

struct MacoImage {
    TensorBlob image;         // C × size × size, display values in [0,1]
    TensorBlob transparency;  // size × size, accumulated |∂objective/∂image|, scaled to [0,1]
    std::vector<double> objective;  // the objective at every step
};

// Optimises one image for `direction` (a C' vector in the layer's channel space). The model input is
// the crops resized to the model's input size and normalised as the model declares (mean, std).
// afterStep(step) runs after every step (progress, cancel).
MacoImage visualizeDirection(model::VisionModel& model, const std::string& layer, const std::vector<float>& direction,
                             const NaturalImageStatistics& statistics, const MacoOptions& options,
                             const std::function<void(int step)>& afterStep = {});

// The picture shown to people: the image with the transparency as its alpha channel (clipped at its
// 95th percentile, as the reference's display does at a chosen percentile), PNG bytes (RGBA).
std::string macoPng(const MacoImage& image);

}  // namespace cs::maco
