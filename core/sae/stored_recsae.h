#pragma once
// What the jobs that work on a stored RecSAE run (ablation, user item concepts) load from it: its
// SAE, from the run's tensor artifacts, and the loader options of the recommender it probed.
#include "sae/recommender.h"
#include "sae/topk_sae.h"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>

namespace cs::store {
class ProjectStore;
}

namespace cs::sae {

// The SAE of a stored run. Throws cs::Error(subject, ...) when one of its tensors is missing.
TopKSae loadStoredSae(store::ProjectStore& store, int64_t runId, int64_t k, const std::string& subject);

// The adapter that ran the probe (a plugin's, possibly), found in the same folders.
RecommenderLoadOptions loaderOfRun(const nlohmann::json& params);

}  // namespace cs::sae
