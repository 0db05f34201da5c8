#include "craft/image_activations.h"

#include "common/error.h"
#include "model/model_adapter.h"

#include <torch/torch.h>

#include <algorithm>

namespace cs::craft {

at::Tensor imageActivations(model::VisionModel& model, const std::string& layer, const at::Tensor& images, int64_t batch,
                            const std::function<void()>& afterBatch) {
    torch::InferenceMode inference;
    std::vector<at::Tensor> parts;
    for (int64_t from = 0; from < images.size(0); from += batch) {
        parts.push_back(model.activations(images.slice(0, from, std::min(images.size(0), from + batch)), layer));
        if (afterBatch) afterBatch();
    }
    return torch::cat(parts, 0);
}

int64_t checkedClassCount(model::VisionModel& model, const std::string& layer, const at::Tensor& activations, int64_t classIndex) {
    const std::string& modelPath = model.info().path;
    if (activations.dim() != 4 && activations.dim() != 2)
        throw Error(modelPath, "activations at '" + layer + "' must be N×C×H×W or N×C");
    torch::InferenceMode inference;
    const int64_t classes = model.logitsFrom(activations.slice(0, 0, 1), layer).size(1);
    if (classIndex < 0 || classIndex >= classes)
        throw Error(modelPath, "class index " + std::to_string(classIndex) + " is out of range: the model has " + std::to_string(classes) +
                                   " classes (0.." + std::to_string(classes - 1) + ")");
    return classes;
}

std::vector<int64_t> imagesPredictedAs(model::VisionModel& model, const std::string& layer, const at::Tensor& activations,
                                       int64_t classIndex, int64_t hBatch) {
    torch::InferenceMode inference;
    std::vector<at::Tensor> predicted;
    for (int64_t from = 0; from < activations.size(0); from += hBatch)
        predicted.push_back(model.logitsFrom(activations.slice(0, from, std::min(activations.size(0), from + hBatch)), layer).argmax(1));
    at::Tensor keep = (torch::cat(predicted) == classIndex).nonzero().flatten();
    if (keep.numel() == 0)
        throw Error("images", "no image is predicted as class " + std::to_string(classIndex) + " by the model; nothing to analyse");
    std::vector<int64_t> indices;
    for (int64_t i = 0; i < keep.numel(); ++i) indices.push_back(keep[i].item<int64_t>());
    return indices;
}

}  // namespace cs::craft
