#include "craft/activation_cache.h"

#include "craft/craft_spec.h"

#include "common/error.h"
#include "model/model_loader.h"
#include "store/project_store.h"

#include <nlohmann/json.hpp>


namespace cs::craft {

using nlohmann::json;

namespace {

json boxesJson(const std::vector<CropBox>& boxes) {
    json out = json::array();
    for (const CropBox& b : boxes) out.push_back({b.image, b.x, b.y, b.w, b.h});
    return out;
}

std::vector<CropBox> boxesFrom(const json& list) {
    std::vector<CropBox> boxes;
    boxes.reserve(list.size());
    for (const auto& b : list) boxes.push_back({b.at(0).get<int64_t>(), b.at(1).get<int64_t>(), b.at(2).get<int64_t>(),
                                                b.at(3).get<int64_t>(), b.at(4).get<int64_t>()});
    return boxes;
}

int64_t bytesOf(const ActivationPass& pass) {
    return static_cast<int64_t>((pass.imageActivations.data.size() + pass.cropActivations.data.size()) * sizeof(float));
}

}  // namespace

ProjectActivationCache::ProjectActivationCache(store::ProjectStore& store, std::string modelSha256, std::string layer, int64_t maxBytes)
    : store_(store), modelSha256_(std::move(modelSha256)), layer_(std::move(layer)), maxBytes_(maxBytes) {}

std::optional<ActivationPass> ProjectActivationCache::find(const std::string& key) {
    if (auto it = memory_.find(key); it != memory_.end()) return it->second;
    const auto entry = store_.cachedActivations(key);
    if (!entry) return std::nullopt;
    ActivationPass pass;
    pass.imageActivations = entry->imageActivations;
    pass.cropActivations = entry->cropActivations;
    try {
        const json meta = json::parse(entry->metadataJson);
        pass.boxes = boxesFrom(meta.at("boxes"));
        pass.offset = meta.at("offset").get<double>();
        pass.minimum = meta.at("minimum").get<double>();
    } catch (const std::exception&) {
        return std::nullopt;  // an entry this engine cannot read is recomputed (and replaced)
    }
    if (pass.boxes.size() != static_cast<size_t>(pass.cropActivations.shape.empty() ? 0 : pass.cropActivations.shape[0]))
        return std::nullopt;
    memory_[key] = pass;
    return pass;
}

void ProjectActivationCache::keep(const std::string& key, const ActivationPass& pass) {
    memory_[key] = pass;
    if (bytesOf(pass) > maxBytes_ || store_.readOnly()) return;  // too big to keep in the project: this process still reuses it
    store::CachedActivationsRecord entry;
    entry.key = key;
    entry.modelSha256 = modelSha256_;
    entry.layer = layer_;
    entry.metadataJson = json{{"boxes", boxesJson(pass.boxes)}, {"offset", pass.offset}, {"minimum", pass.minimum}}.dump();
    entry.imageActivations = pass.imageActivations;
    entry.cropActivations = pass.cropActivations;
    // The cache only saves time: a project that cannot take the entry (a full disk, a value over
    // SQLite's 1 GB limit) costs the later runs their reuse, never this run.
    try {
        store_.keepActivations(entry, maxBytes_);
    } catch (const Error&) {
    }
}

std::string activationPassInputs(const std::string& modelIdentity, const CraftOptions& o) {
    return json{{"model", modelIdentity},
                {"layer", o.layer},
                {"patch_size", o.patchSize},
                {"stride", o.stride > 0 ? o.stride : defaultStride(o.patchSize)},
                {"negative_activations", toString(o.negativeActivations)},
                {"filter_predicted", o.filterPredicted},
                {"class", o.filterPredicted ? o.classIndex : -1}}
        .dump();
}

std::string activationPassKey(const std::string& inputs, const void* imageBytes, size_t size) {
    return model::sha256Bytes({inputs, std::string_view(static_cast<const char*>(imageBytes), size)});
}

}  // namespace cs::craft
