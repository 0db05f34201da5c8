#pragma once
// Faithfulness of a concept ranking (deletion and insertion curves, as in the CRAFT paper's
// evaluation; docs/craft.md): the concepts of each image are deleted (or inserted) one at a time in
// the ranked order, and in random orders as the baseline, and h is read after every step. The
// curves are the mean of h over the images; a faithful ranking makes deletion fall and insertion
// rise faster than the random orders do.
#include "craft/concept_contributions.h"
#include "craft/craft_engine.h"

#include <cstdint>
#include <functional>
#include <vector>

namespace at {
class Tensor;
}

namespace cs::craft {

// The orders compared: `ranked` first, then `randomOrders` shuffles of 0..r−1 drawn from one
// std::mt19937_64 seeded with `seed`.
std::vector<std::vector<int64_t>> faithfulnessOrders(const std::vector<int64_t>& ranked, int64_t randomOrders, uint64_t seed);

// Mask rows (float32, orders·2·(r+1) × r): for each order the deletion steps j = 0..r (its first j
// concepts set to 0, the others 1), then the insertion steps j = 0..r (only its first j set to 1).
at::Tensor deletionInsertionMasks(const std::vector<std::vector<int64_t>>& orders, int64_t concepts);

// The curves over `images` images: contributionsOf(i) gives image i's contributions (r × F), h is
// called on at most hBatch rows at a time, afterImage (optional) runs after each image.
FaithfulnessCurves faithfulnessCurves(int64_t images, const std::function<at::Tensor(int64_t)>& contributionsOf, const RowEvaluator& h,
                                      int64_t hBatch, const std::vector<int64_t>& ranked, int64_t randomOrders, uint64_t seed,
                                      const std::function<void()>& afterImage = {});

}  // namespace cs::craft
