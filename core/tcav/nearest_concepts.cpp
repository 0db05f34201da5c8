#include "tcav/nearest_concepts.h"

#include "store/project_store.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>

namespace cs::tcav {

namespace {

double cosine(const std::vector<double>& a, const std::vector<float>& b) {
    double dot = 0, na = 0, nb = 0;
    for (size_t i = 0; i < a.size(); ++i) {
        dot += a[i] * b[i];
        na += a[i] * a[i];
        nb += static_cast<double>(b[i]) * b[i];
    }
    return na > 0 && nb > 0 ? dot / std::sqrt(na * nb) : 0.0;
}

bool isCraftRunOf(const store::ProjectStore& store, const store::RunRecord& run, const std::string& modelSha256, int64_t classIndex) {
    if (run.kind != "craft" || run.status != store::RunStatus::Done || !run.modelId) return false;
    const auto model = store.model(*run.modelId);
    if (!model || model->sha256 != modelSha256) return false;
    const auto parameters = nlohmann::json::parse(run.parametersJson, nullptr, false);
    return parameters.is_object() && parameters.value("class_index", int64_t{-1}) == classIndex;
}

}  // namespace

std::vector<NearConcept> nearestCraftConcepts(const store::ProjectStore& store, const std::string& modelSha256, int64_t classIndex,
                                              const std::string& layer, const std::vector<double>& direction, size_t count) {
    std::vector<NearConcept> near;
    for (const store::RunRecord& run : store.runs()) {
        if (!isCraftRunOf(store, run, modelSha256, classIndex)) continue;
        for (const store::ConceptRecord& concept : store.concepts(run.id)) {
            if (concept.layer != layer || concept.vector.data.size() != direction.size()) continue;
            near.push_back({run.id, concept.id, concept.label, cosine(direction, concept.vector.data)});
        }
    }
    std::sort(near.begin(), near.end(), [](const NearConcept& a, const NearConcept& b) { return a.cosine > b.cosine; });
    if (near.size() > count) near.resize(count);
    return near;
}

}  // namespace cs::tcav
