#pragma once
// g on whole images, the first stage of a CRAFT run (docs/craft.md): the activations that the
// transform, the importance and the faithfulness stages use, the model's class count read from
// them, and the optional filter to the images the model predicts as the class (xplique's
// CraftManager). The reference computes these activations inside its importance stage.
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

namespace cs::craft {

// g(images) at `layer`, `batch` images per call; afterBatch (optional) runs after each call.
at::Tensor imageActivations(model::VisionModel& model, const std::string& layer, const at::Tensor& images, int64_t batch,
                            const std::function<void()>& afterBatch = {});

// The model's class count, from h on the first activation. Throws cs::Error when the activation is
// neither N×C×H×W nor N×C, or when classIndex is not one of the classes.
int64_t checkedClassCount(model::VisionModel& model, const std::string& layer, const at::Tensor& activations, int64_t classIndex);

// Indices of the images whose prediction (h on their activations, hBatch at a time) is classIndex.
// Throws cs::Error when there is none.
std::vector<int64_t> imagesPredictedAs(model::VisionModel& model, const std::string& layer, const at::Tensor& activations,
                                       int64_t classIndex, int64_t hBatch);

}  // namespace cs::craft
