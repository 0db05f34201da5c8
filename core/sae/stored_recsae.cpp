#include "sae/stored_recsae.h"

#include "common/error.h"
#include "store/project_store.h"

namespace cs::sae {

TopKSae loadStoredSae(store::ProjectStore& store, int64_t runId, int64_t k, const std::string& subject) {
    std::vector<std::pair<std::string, TensorBlob>> weights;
    for (const char* name : {"W_enc", "b_enc", "W_dec", "b_dec"}) {
        auto a = store.artifact(runId, store::ArtifactKind::Tensor, name);
        if (!a || !a->tensor) throw Error(subject, std::string("SAE tensor ") + name + " is missing");
        weights.push_back({name, *a->tensor});
    }
    return TopKSae::fromWeights(weights, k, subject);
}

RecommenderLoadOptions loaderOfRun(const nlohmann::json& params) {
    RecommenderLoadOptions loader;
    loader.adapter = params.value("adapter", std::string("auto"));
    loader.pluginDirs = params.value("plugin_dirs", std::vector<std::string>{});
    loader.optionsJson = params.value("adapter_options", std::string());
    return loader;
}

}  // namespace cs::sae
