#pragma once
// Crops and the crop activation matrix of CRAFT (Fel et al. 2023; deel-ai/Craft craft_torch.py):
// square patches of side p taken with stride int(0.8·p) and no padding (unfold), each resized
// back to the model's input size (bilinear, align_corners=false), then A = spatial mean of
// g(crops) → n_crops × C. The mean is taken per batch so memory stays bounded by one batch
// (the reference concatenates every crop's full map before averaging).
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace at {
class Tensor;
}

namespace cs::craft {

// How to make g's output usable by NMF when the model gives negative activations.
enum class NegativeActivations {
    Refuse,  // cs::Error with a message naming the layer (the reference asserts min >= 0)
    Relu,    // use max(a, 0) everywhere (g and the activations fed to h)
    Shift    // use a - m with m the most negative value seen on the crops; h gets a + m back
};
const char* toString(NegativeActivations mode);
NegativeActivations negativeActivationsFromString(const std::string& text);

struct CropGrid {
    int64_t patch = 0, stride = 0;
    int64_t rows = 0, cols = 0;  // crops per column / per row
    int64_t perImage() const { return rows * cols; }
};

// Throws cs::Error when the image is smaller than the patch or the patch is not positive.
CropGrid cropGrid(int64_t height, int64_t width, int64_t patch, int64_t stride);
// Reference stride: int(0.8·p), at least 1.
int64_t defaultStride(int64_t patch);

struct CropBox {
    int64_t image = 0;  // index of the image in the batch given to the engine
    int64_t x = 0, y = 0, w = 0, h = 0;  // in the model-input pixels of that image
};

// images: N×C×H×W. Returns the N·L crops, each resized to H×W (bilinear, align_corners=false),
// image-major then row-major like the reference's unfold; boxes (optional) get one entry each.
at::Tensor extractCrops(const at::Tensor& images, const CropGrid& grid, int64_t firstImageIndex = 0,
                        std::vector<CropBox>* boxes = nullptr);

// Maps g's output into what NMF sees (non-negative) and back before h (see NegativeActivations).
struct ActivationPolicy {
    NegativeActivations mode = NegativeActivations::Refuse;
    double offset = 0.0;  // Shift: the m subtracted (<= 0)
    std::string layer;    // for messages
    // Refuse lets negative values through (only non-finite ones are refused): set for dictionaries
    // that factorise signed activations (PCA, K-Means, Semi-NMF; CraftOptions::dictionary).
    bool signedDictionary = false;
    // Checks finiteness and sign; applies the policy. Throws cs::Error (layer named).
    at::Tensor toNonNegative(const at::Tensor& a) const;
    // What h must get for a non-negative activation built by the engine.
    at::Tensor toModel(const at::Tensor& a) const;
};

// Calls `g` on batches of crops of `images` and returns A (n_crops × C) as float32,
// the boxes, and, for Shift, sets policy.offset from the crops' minimum. `afterBatch`
// runs after each batch (progress, cancellation).
at::Tensor cropActivationMatrix(const std::function<at::Tensor(const at::Tensor&)>& g,
                                const at::Tensor& images, const CropGrid& grid, int64_t batchSize,
                                ActivationPolicy& policy, std::vector<CropBox>& boxes,
                                const std::function<void(double)>& afterBatch = {});

// Spatial mean of an activation: N×C×H×W → N×C, N×C unchanged.
at::Tensor spatialMean(const at::Tensor& a);

}  // namespace cs::craft
