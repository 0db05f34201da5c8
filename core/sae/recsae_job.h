#pragma once
// RecSaeJob, RecSAE as an engine job (docs/architecture.md, docs/recsae.md): probes a sequential
// recommender with a sparse autoencoder of the chosen family (sparse_autoencoder.h; TopK by default). Its stages, in order: load the model, the log and the item
// metadata and probe the state size → record model and dataset → states of every prefix of the
// users' training sequences → SAE training → quality (FVU, dead fraction, L0, NDCG@10/HR@10 with
// the reconstruction substituted; Matryoshka: FVU per prefix) → concept dictionary and confidence → latent hierarchy →
// ablation of the strongest latents → summary → one completeRun transaction in the project.
// The LibTorch-free stages are in recsae_steps.h; LatentAblationJob (one latent of a stored run)
// is in latent_ablation.h, included here for the callers of both jobs.
#include "jobs/job.h"
#include "sae/latent_ablation.h"
#include "sae/recommender.h"
#include "sae/sparse_autoencoder.h"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>

namespace cs::sae {

struct RecSaeOptions {
    std::string projectPath;
    std::string modelPath;
    std::string interactionsPath;
    std::string format = "auto";       // auto | sasrec | rechorus | movielens
    std::string itemMetaPath;          // optional
    RecommenderLoadOptions loader;     // adapter (auto by default), plugin folders, adapter options
    SaeConfig sae;
    int64_t maxTrainStates = 200000;   // prefixes sampled beyond this
    int64_t maxCorpusSequences = 60000;  // sequences the dictionary is built on
    int ablatedLatents = 8;            // strongest confident latents ablated and stored
    int hierarchyLeaves = 256;
    int topN = 10;
};

class RecSaeJob : public jobs::Job {
public:
    explicit RecSaeJob(RecSaeOptions options);
    std::string name() const override { return "recsae"; }
    void run(jobs::JobContext& context) override;
    int64_t runId() const { return runId_; }
    // The --json summary (docs/cli.md) once done.
    const nlohmann::json& summary() const { return summary_; }

private:
    RecSaeOptions options_;
    int64_t runId_ = 0;
    nlohmann::json summary_;
};

}  // namespace cs::sae
