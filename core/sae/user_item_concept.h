#pragma once
// A user's own concept for a recommender (docs/recsae.md, "Your own item concepts"): a set of
// items, named by a tag of the item metadata or by a list of item ids. UserItemConceptJob finds the
// latents of a stored RecSAE run that fire for it — precision / recall / F1 of "the set's items
// among a user's recent items → latent active", measured as the concept dictionary measures its
// descriptions (latentsForItemSet) — on every user's final state, and names the `ablate` command
// that steers with each.
#include "jobs/job.h"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace cs::sae {

struct UserItemConceptRequest {
    std::string projectPath;
    int64_t runId = 0;
    std::string tag;                   // a tag of the run's item metadata, or
    std::vector<std::string> itemIds;  // item ids as in the interaction file
    size_t top = 10;                   // latents listed
};

class UserItemConceptJob : public jobs::Job {
public:
    explicit UserItemConceptJob(UserItemConceptRequest request);
    std::string name() const override { return "user-concept"; }
    void run(jobs::JobContext& context) override;
    // {run_id, concept{tag | items}, n_items, n_states, states_with_items, latents[{latent,
    //  precision, recall, f1, activations, tags[]}], steer_command}
    const nlohmann::json& result() const { return result_; }

private:
    UserItemConceptRequest request_;
    nlohmann::json result_;
};

}  // namespace cs::sae
