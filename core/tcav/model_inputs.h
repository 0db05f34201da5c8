#pragma once
// Images of a source as a model's input batch: decoded by core/data, resized to the model's declared
// input size (the first image's size when it declares none) and normalised as it declares.
#include <cstddef>
#include <functional>
#include <vector>

namespace at {
class Tensor;
}
namespace cs::data {
class ImageSource;
}
namespace cs::model {
struct ModelInfo;
}

namespace cs::tcav {

// N×C×H×W float32 of the images at `indices`. Throws cs::Error naming the image when its channels
// do not fit the model. afterImage (optional) runs after each image (progress, cancel).
at::Tensor loadModelInputs(const data::ImageSource& source, const std::vector<size_t>& indices, const model::ModelInfo& info,
                           const std::function<void(size_t done)>& afterImage = {});

// Indices of the source's images of class `classIndex` (by label; matched by name when both the
// model and the source name their classes); every image when the source has no labels. At most
// `limit` (0 = all).
std::vector<size_t> imagesOfClass(const data::ImageSource& source, const model::ModelInfo& info, int64_t classIndex, size_t limit);

// Up to `limit` indices of the source spread evenly over it (every image when it has fewer), so a
// pool of random images covers every class of an ImageFolder tree.
std::vector<size_t> spreadIndices(size_t count, size_t limit);

}  // namespace cs::tcav
