#pragma once
// VisualizeJob: what the concepts of a stored run look like (docs/tcav.md "MaCo", docs/cli.md
// `visualize`): for each concept of a CRAFT or TCAV run, a MaCo image of its concept vector at its
// layer, written as a PNG (RGBA: the transparency map is the alpha) into a folder and stored with
// the concept as an artifact of kind feature_visualization (a rerun replaces it). The magnitude
// spectrum comes from the run's own images.
#include "maco/maco.h"

#include "jobs/job.h"

#include <nlohmann/json.hpp>

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace cs::maco {

struct VisualizeJobSpec {
    std::string projectPath;
    int64_t runId = 0;
    std::optional<int64_t> conceptId;  // one concept (its id, as in the run's JSON); none = every concept of the run
    std::string outDir;
    std::vector<std::string> pluginDirs;
    MacoOptions options;
    size_t spectrumImages = 64;  // images of the run's dataset the magnitude spectrum is measured on
};

struct VisualizeJobOutput {
    nlohmann::json summary;  // {run, layer, steps, size, images: [{concept, file, artifact_id, objective}]}
};

class VisualizeJob : public jobs::Job {
public:
    VisualizeJob(VisualizeJobSpec spec, std::shared_ptr<VisualizeJobOutput> output);
    std::string name() const override { return "visualize"; }
    void run(jobs::JobContext& context) override;

private:
    VisualizeJobSpec spec_;
    std::shared_ptr<VisualizeJobOutput> output_;
};

}  // namespace cs::maco
