#include "craft/crops.h"

#include "common/error.h"

#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <sstream>

namespace cs::craft {

// toString and negativeActivationsFromString are in craft_spec.cpp, which the studio links without LibTorch.

int64_t defaultStride(int64_t patch) { return std::max<int64_t>(1, static_cast<int64_t>(0.8 * static_cast<double>(patch))); }

CropGrid cropGrid(int64_t height, int64_t width, int64_t patch, int64_t stride) {
    if (patch <= 0) throw Error("patch-size", "the patch size must be positive, got " + std::to_string(patch));
    if (stride <= 0) throw Error("patch-size", "the crop stride must be positive, got " + std::to_string(stride));
    if (height < patch || width < patch) {
        std::ostringstream msg;
        msg << "the model input is " << width << "x" << height << " pixels, smaller than the " << patch << "-pixel patch;"
            << " choose a patch size of at most " << std::min(height, width);
        throw Error("patch-size", msg.str());
    }
    CropGrid grid;
    grid.patch = patch;
    grid.stride = stride;
    // unfold without padding: floor((H - p) / s) + 1 positions per axis.
    grid.rows = (height - patch) / stride + 1;
    grid.cols = (width - patch) / stride + 1;
    return grid;
}

at::Tensor extractCrops(const at::Tensor& images, const CropGrid& grid, int64_t firstImageIndex, std::vector<CropBox>* boxes) {
    TORCH_CHECK(images.dim() == 4, "images must be N×C×H×W");
    const int64_t n = images.size(0), c = images.size(1), h = images.size(2), w = images.size(3);
    // unfold over H then W: N×C×rows×cols×p×p, ordered like torch.nn.functional.unfold's blocks.
    auto patches = images.unfold(2, grid.patch, grid.stride).unfold(3, grid.patch, grid.stride);
    patches = patches.permute({0, 2, 3, 1, 4, 5}).reshape({n * grid.rows * grid.cols, c, grid.patch, grid.patch});
    if (boxes) {
        for (int64_t i = 0; i < n; ++i)
            for (int64_t r = 0; r < grid.rows; ++r)
                for (int64_t q = 0; q < grid.cols; ++q)
                    boxes->push_back({firstImageIndex + i, q * grid.stride, r * grid.stride, grid.patch, grid.patch});
    }
    if (grid.patch == h && grid.patch == w) return patches.contiguous();
    return torch::nn::functional::interpolate(
        patches, torch::nn::functional::InterpolateFuncOptions().size(std::vector<int64_t>{h, w}).mode(torch::kBilinear).align_corners(false));
}

at::Tensor spatialMean(const at::Tensor& a) {
    if (a.dim() == 4) return a.mean({2, 3});
    if (a.dim() == 2) return a;
    throw Error("activations", "expected N×C×H×W or N×C activations, got a " + std::to_string(a.dim()) + "-d tensor");
}

at::Tensor ActivationPolicy::toNonNegative(const at::Tensor& a) const {
    if (!torch::isfinite(a).all().item<bool>())
        throw Error("layer " + layer, "the model's activations contain NaN or infinite values; check the model and the input normalisation");
    switch (mode) {
        case NegativeActivations::Refuse: {
            if (signedDictionary) return a;
            const double minimum = a.min().item<double>();
            if (minimum < 0.0) {
                std::ostringstream msg;
                msg << "activations have negative values (minimum " << minimum
                    << "); CRAFT factorises non-negative activations, so probe after a ReLU or use"
                       " --negative-activations relu (ReLU them) or shift (subtract the minimum), or a dictionary for signed"
                       " activations (--dictionary semi-nmf)";
                throw Error("layer " + layer, msg.str());
            }
            return a;
        }
        case NegativeActivations::Relu: return torch::relu(a);
        case NegativeActivations::Shift: return torch::clamp_min(a - offset, 0.0);
    }
    return a;
}

at::Tensor ActivationPolicy::toModel(const at::Tensor& a) const {
    if (mode == NegativeActivations::Shift && offset != 0.0) return a + offset;
    return a;
}

at::Tensor cropActivationMatrix(const std::function<at::Tensor(const at::Tensor&)>& g, const at::Tensor& images,
                                const CropGrid& grid, int64_t batchSize, ActivationPolicy& policy,
                                std::vector<CropBox>& boxes, const std::function<void(double)>& afterBatch) {
    torch::InferenceMode inference;  // no autograd graph: g runs forward only here
    const int64_t n = images.size(0);
    const int64_t perImage = grid.perImage();
    // Images per batch so that one batch holds about batchSize crops.
    const int64_t imagesPerBatch = std::max<int64_t>(1, batchSize / perImage);
    std::vector<at::Tensor> means;
    double minimum = std::numeric_limits<double>::infinity();
    boxes.clear();
    boxes.reserve(static_cast<size_t>(n * perImage));
    for (int64_t start = 0; start < n; start += imagesPerBatch) {
        const int64_t end = std::min(n, start + imagesPerBatch);
        at::Tensor crops = extractCrops(images.slice(0, start, end), grid, start, &boxes);
        for (int64_t from = 0; from < crops.size(0); from += batchSize) {
            at::Tensor a = g(crops.slice(0, from, std::min(crops.size(0), from + batchSize)));
            if (policy.mode == NegativeActivations::Shift) {
                if (!torch::isfinite(a).all().item<bool>())
                    throw Error("layer " + policy.layer, "the model's activations contain NaN or infinite values; check the model and the input normalisation");
                minimum = std::min(minimum, a.min().item<double>());
            } else {
                a = policy.toNonNegative(a);
            }
            means.push_back(spatialMean(a).to(torch::kFloat32));
        }
        if (afterBatch) afterBatch(static_cast<double>(end) / static_cast<double>(n));
    }
    at::Tensor matrix = torch::cat(means, 0);
    if (policy.mode == NegativeActivations::Shift) {
        // mean(a - m) = mean(a) - m: shifting after averaging is exact and needs one pass.
        policy.offset = std::min(0.0, minimum);
        matrix = torch::clamp_min(matrix - policy.offset, 0.0);
    }
    return matrix;
}

}  // namespace cs::craft
