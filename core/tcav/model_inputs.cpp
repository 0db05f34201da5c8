#include "tcav/model_inputs.h"

#include "common/error.h"
#include "data/image_source.h"
#include "model/model_adapter.h"

#include <torch/torch.h>

#include <algorithm>

namespace cs::tcav {

at::Tensor loadModelInputs(const data::ImageSource& source, const std::vector<size_t>& indices, const model::ModelInfo& info,
                           const std::function<void(size_t)>& afterImage) {
    if (indices.empty()) throw Error(source.path(), "there are no images");
    const bool declared = info.inputSize.size() == 3;
    int64_t channels = declared ? info.inputSize[0] : 0, height = declared ? info.inputSize[1] : 0, width = declared ? info.inputSize[2] : 0;
    at::Tensor batch;
    for (size_t j = 0; j < indices.size(); ++j) {
        const data::Image image = source.load(indices[j], channels == 1 || channels == 3 ? static_cast<int>(channels) : 0);
        if (height == 0) {
            channels = image.channels;
            height = image.height;
            width = image.width;
        }
        if (image.channels != channels)
            throw Error(image.ref.id, "has " + std::to_string(image.channels) + " channels; the model expects " + std::to_string(channels));
        if (!batch.defined()) batch = torch::empty({static_cast<int64_t>(indices.size()), channels, height, width});
        std::vector<float> pixels = data::resizeAndNormalise(image, height, width, info.mean, info.std);
        batch[static_cast<int64_t>(j)].copy_(torch::from_blob(pixels.data(), {channels, height, width}));
        if (afterImage) afterImage(j + 1);
    }
    return batch;
}

std::vector<size_t> imagesOfClass(const data::ImageSource& source, const model::ModelInfo& info, int64_t classIndex, size_t limit) {
    const auto& refs = source.images();
    const std::string className =
        classIndex >= 0 && classIndex < static_cast<int64_t>(info.classNames.size()) ? info.classNames[classIndex] : std::string();
    std::vector<size_t> chosen;
    for (size_t i = 0; i < refs.size() && (limit == 0 || chosen.size() < limit); ++i) {
        const auto& ref = refs[i];
        bool keep = true;
        if (ref.label >= 0) keep = !className.empty() && !ref.className.empty() ? ref.className == className : ref.label == classIndex;
        if (keep) chosen.push_back(i);
    }
    return chosen;
}

std::vector<size_t> spreadIndices(size_t count, size_t limit) {
    std::vector<size_t> indices;
    const size_t n = limit == 0 ? count : std::min(count, limit);
    for (size_t k = 0; k < n; ++k) indices.push_back(k * count / n);
    return indices;
}

}  // namespace cs::tcav
