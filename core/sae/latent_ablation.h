#pragma once
// Latent ablation and steering (docs/recsae.md): zero (or scale) one SAE latent in the codes
// of some users' states, decode, rescore, and compare the top-N lists before and after.
//  - ablateLatent does it for given users; RecSaeJob uses it for the strongest latents of a run.
//  - LatentAblationJob does it for one latent of a stored run (the GUI's ablation panel and
//    `concept-studio-cli ablate`), on the users whose final state activates the latent.
#include "data/interactions.h"
#include "data/item_metadata.h"
#include "jobs/job.h"
#include "model/model_adapter.h"
#include "sae/sparse_autoencoder.h"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace cs::sae {

// {latent, scale, top_n, users, mean_overlap, tags_rose[{tag, delta}] (up to 5),
//  tags_fell[...] (up to 5), examples[{user, before[item ids], after[item ids]}] (up to 5)}.
// histories are internal item ids; userIds name them in the examples.
nlohmann::json ablateLatent(model::SequentialRecommender& model, const SparseAutoencoder& sae,
                            const std::vector<std::vector<int64_t>>& histories, const std::vector<std::string>& userIds,
                            const data::InteractionLog& log, const data::ItemAttributes& attrs, int64_t latent,
                            double scale, int topN, int64_t maxLength);

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
    // ablateLatent's result plus run_id.
    const nlohmann::json& result() const { return result_; }

private:
    AblationRequest request_;
    nlohmann::json result_;
};

}  // namespace cs::sae
