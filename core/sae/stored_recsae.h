#pragma once
// What the jobs that work on a stored RecSAE run (ablation, user item concepts) load from it: its
// SAE, from the run's tensor artifacts, and the loader options of the recommender it probed.
#include "sae/recommender.h"
#include "sae/sparse_autoencoder.h"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <memory>
#include <string>

namespace cs::store {
class ProjectStore;
}

namespace cs::sae {

// The SAE of a stored run, of the family its parameters name (runs from before the SAE families
// were added are TopK), from its tensor artifacts. Throws cs::Error(subject, ...) when one of its
// tensors is missing.
std::unique_ptr<SparseAutoencoder> loadStoredSae(store::ProjectStore& store, int64_t runId, const nlohmann::json& params,
                                                 const std::string& subject);

// The adapter that ran the probe (a plugin's, possibly), found in the same folders.
RecommenderLoadOptions loaderOfRun(const nlohmann::json& params);

}  // namespace cs::sae
