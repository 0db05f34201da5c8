#pragma once
// CraftJob: one CRAFT run (or a method comparison: one run per dictionary × importance estimator,
// grouped, sharing one activation pass) as an engine job (docs/architecture.md, docs/cli.md): loads the model and the images
// of one class, runs CraftEngine with progress stages (activations, nmf, sobol, maps, tree) and
// cancellation between batches, and writes everything to the project store in ONE transaction
// with the run's final status: concepts (tree parents, importance, W rows), crops (source image,
// box in source pixels, U rows), artifacts (PNG maps, U maps, the tree and the faithfulness curves
// as JSON). A cancelled or failed run is marked so and has no results.
#include "craft/craft_engine.h"
#include "craft/craft_spec.h"

#include "jobs/job.h"

#include <nlohmann/json.hpp>

#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace cs::craft {

// What the caller (CLI, GUI) reads once the job is done.
struct CraftJobOutput {
    int64_t runId = 0;
    nlohmann::json summary;  // the --json summary (docs/cli.md plus faithfulness)
    // A method comparison (CraftJobSpec::dictionaries/importances): its group and each stored run.
    int64_t groupId = 0;
    std::vector<std::pair<int64_t, nlohmann::json>> runs;
};

class CraftJob : public jobs::Job {
public:
    CraftJob(CraftJobSpec spec, std::shared_ptr<CraftJobOutput> output);
    std::string name() const override { return "craft"; }
    void run(jobs::JobContext& context) override;

private:
    CraftJobSpec spec_;
    std::shared_ptr<CraftJobOutput> output_;
};

// Resolves "3" or "Sneaker" against the model's and the dataset's class names; cs::Error otherwise.
int64_t resolveClass(const std::string& spec, const std::vector<std::string>& modelClasses,
                     const std::vector<std::string>& datasetClasses);

}  // namespace cs::craft
