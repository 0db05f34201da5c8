#pragma once
// Where a user's concept sits among the CRAFT concepts of the project (docs/tcav.md): the cosine
// between its CAV and the concept vectors (rows of W) of the finished CRAFT runs of the same model,
// class and layer. No LibTorch.
#include <cstdint>
#include <string>
#include <vector>

namespace cs::store {
class ProjectStore;
}

namespace cs::tcav {

struct NearConcept {
    int64_t runId = 0;
    int64_t conceptId = 0;  // the concept's id (as in the run's JSON and the GUI)
    std::string label;
    double cosine = 0.0;
};

// The `count` concepts nearest to `direction` (highest cosine first) among the done CRAFT runs whose
// model has `modelSha256`, whose class index is classIndex and whose concepts are at `layer` with as
// many channels as `direction`. Empty when the project has none.
std::vector<NearConcept> nearestCraftConcepts(const store::ProjectStore& store, const std::string& modelSha256, int64_t classIndex,
                                              const std::string& layer, const std::vector<double>& direction, size_t count);

}  // namespace cs::tcav
