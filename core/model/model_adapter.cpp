// The out-of-line parts of the adapter interfaces. This file is compiled into cs_model_abi,
// a tiny static library that plugins link too, so a plugin's adapter classes find their base
// classes' vtable and typeinfo without the host executable having to export symbols.
#include "model/model_adapter.h"

#include <torch/script.h>

namespace cs::model {

const char* toString(ModelKind kind) {
    switch (kind) {
        case ModelKind::Vision: return "vision";
        case ModelKind::SequentialRecommender: return "sequential-recommender";
    }
    return "unknown";
}

at::Tensor VisionModel::logits(const at::Tensor& x) {
    const auto& points = info().probePoints;
    if (points.empty()) throw std::logic_error("vision model without probe points");
    return logitsFrom(activations(x, points.back()), points.back());
}

}  // namespace cs::model
