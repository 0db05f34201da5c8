#include "sae/stored_recsae.h"

#include "common/error.h"
#include "sae/sae_family.h"
#include "store/project_store.h"

namespace cs::sae {

std::unique_ptr<SparseAutoencoder> loadStoredSae(store::ProjectStore& store, int64_t runId, const nlohmann::json& params,
                                                 const std::string& subject) {
    std::vector<std::pair<std::string, TensorBlob>> weights;
    for (const char* name : {"W_enc", "b_enc", "W_dec", "b_dec", "threshold", "prefix_sizes"}) {
        auto a = store.artifact(runId, store::ArtifactKind::Tensor, name);
        if (a && a->tensor) weights.push_back({name, *a->tensor});
    }
    SaeConfig config;
    config.family = saeFamilyFromString(params.value("sae", std::string("topk")));
    config.k = params.at("k").get<int64_t>();
    return loadSparseAutoencoder(weights, config, subject);
}

RecommenderLoadOptions loaderOfRun(const nlohmann::json& params) {
    RecommenderLoadOptions loader;
    loader.adapter = params.value("adapter", std::string("auto"));
    loader.pluginDirs = params.value("plugin_dirs", std::vector<std::string>{});
    loader.optionsJson = params.value("adapter_options", std::string());
    return loader;
}

}  // namespace cs::sae
