#pragma once
// The activation cache of CRAFT runs (docs/craft.md "Activation cache"). A run's activation pass
// (g on the whole images, g on every crop) is most of its time and depends only on the model, the
// layer, the images and the crop parameters: not on the dictionary, the importance estimator or
// the number of concepts. Runs that share those inputs share one pass: the runs of a method
// comparison in one process through memory, later runs through the project file.
#include "craft/craft_spec.h"
#include "craft/crops.h"

#include "common/tensor_blob.h"

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace cs::store {
class ProjectStore;
}

namespace cs::craft {

// What CraftEngine's activation pass produced.
struct ActivationPass {
    TensorBlob imageActivations;  // g on every input image, before any filter to predicted images
    TensorBlob cropActivations;   // A: n_crops × C, the negative-activation policy applied
    std::vector<CropBox> boxes;   // one per row of A; image = index into the images kept
    double offset = 0;            // Shift's m
    double minimum = 0;           // the smallest raw activation on the crops: whether NMF may use A
};

class ActivationCache {
public:
    virtual ~ActivationCache() = default;
    virtual std::optional<ActivationPass> find(const std::string& key) = 0;
    virtual void keep(const std::string& key, const ActivationPass& pass) = 0;
};

// The project keeps at most this much in all (least recently used entries go first), and no entry
// larger (SQLite takes values up to 1e9 bytes): 70 ResNet layer4 passes of 100 images, or about 12
// at layer3.
constexpr int64_t kActivationCacheBytes = int64_t(900) << 20;

// Memory in front of the project: what one process computed is reused without reading it back;
// what an earlier process stored is read from the project once.
class ProjectActivationCache : public ActivationCache {
public:
    ProjectActivationCache(store::ProjectStore& store, std::string modelSha256, std::string layer,
                           int64_t maxBytes = kActivationCacheBytes);
    std::optional<ActivationPass> find(const std::string& key) override;
    void keep(const std::string& key, const ActivationPass& pass) override;

private:
    store::ProjectStore& store_;
    std::string modelSha256_, layer_;
    int64_t maxBytes_;
    std::map<std::string, ActivationPass> memory_;
};

// What a pass depends on, besides the images' pixels (hashed by the engine): the model file and how
// it was loaded, the layer, the crops, the negative-activation policy, and the filter to predicted
// images with its class.
std::string activationPassInputs(const std::string& modelIdentity, const CraftOptions& options);

// The pass's key: SHA-256 over its inputs and the images' float32 bytes, as lowercase hex.
std::string activationPassKey(const std::string& inputs, const void* imageBytes, size_t size);

}  // namespace cs::craft
