#pragma once
// The classes a concept raises (docs/craft.md "Classes a concept raises"): for each image, the
// model head's logits on the activation rebuilt from all its concepts minus the logits on it
// rebuilt without concept k, averaged over the images. A concept that carries "wheel" raises the
// logits of the vehicle classes; the label editor offers those classes as names for it.
#include "craft/concept_contributions.h"

#include <cstdint>
#include <functional>
#include <utility>
#include <vector>

namespace at {
class Tensor;
}

namespace cs::craft {

// logits: rows → rows × classes (logitsEvaluator). contributionsOf(i): image i's r × F
// contributions. Returns r × classes, float64: the mean gain of every class's logit from concept k.
at::Tensor conceptClassEffects(int64_t images, const std::function<at::Tensor(int64_t)>& contributionsOf, const RowEvaluator& logits,
                               int64_t concepts, int64_t hBatch, const std::function<void()>& afterImage = {});

// Each concept's `count` classes with the largest positive gain, best first: (class index, gain).
std::vector<std::vector<std::pair<int64_t, double>>> topRaisedClasses(const at::Tensor& effects, int64_t count);

}  // namespace cs::craft
