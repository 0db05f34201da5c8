#pragma once
// RecSAE as engine jobs (docs/architecture.md, docs/recsae.md):
//  - RecSaeJob probes a sequential recommender with a TopK SAE: states of every prefix of the
//    users' training sequences → SAE training → quality (FVU, dead fraction, L0, NDCG@10/HR@10
//    with the reconstruction substituted) → concept dictionary, confidence, hierarchy and
//    ablation of the strongest latents → one completeRun transaction in the project.
//  - LatentAblationJob ablates or steers one latent of a stored run (the GUI's ablation panel)
//    and returns before/after top-N lists.
#include "jobs/job.h"
#include "sae/recommender.h"
#include "sae/topk_sae.h"

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

struct AblationRequest {
    std::string projectPath;
    int64_t runId = 0;
    int64_t latent = 0;
    double scale = 0.0;   // 0 = ablate; other values steer (multiply the activation)
    int topN = 10;
    int maxUsers = 50;    // users whose final state activates the latent
};

class LatentAblationJob : public jobs::Job {
public:
    explicit LatentAblationJob(AblationRequest request);
    std::string name() const override { return "recsae-ablation"; }
    void run(jobs::JobContext& context) override;
    // {latent, scale, top_n, users, mean_overlap, tags_rose[{tag, delta}], tags_fell[...],
    //  examples[{user, before[item ids], after[item ids]}]}
    const nlohmann::json& result() const { return result_; }

private:
    AblationRequest request_;
    nlohmann::json result_;
};

}  // namespace cs::sae
