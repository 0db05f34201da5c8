#pragma once
// TcavJob: one TCAV test as an engine job (docs/tcav.md, docs/cli.md `tcav`): loads the model, the
// concept examples, the counter-examples (a folder, or random images of the dataset), the class's
// images and random sets from the dataset; learns the concept's CAVs, scores them and random CAVs
// on the class, tests significance, finds the nearest CRAFT concepts, and stores a run of kind
// `tcav` (the CAV as the run's one concept, its example thumbnails, the scores) in one transaction.
#include "tcav/tcav_score.h"

#include "jobs/job.h"

#include <nlohmann/json.hpp>

#include <memory>
#include <string>
#include <vector>

namespace cs::tcav {

struct TcavJobSpec {
    std::string projectPath, modelPath;
    std::string adapter = "auto";
    std::vector<std::string> pluginDirs;
    std::string conceptImagesPath;  // the concept's example images (a folder)
    std::string randomImagesPath;   // counter-examples (a folder); empty = random images of the dataset
    std::string imagesPath;         // the dataset: the class's images and the random sets; empty = the one
                                    // of the project's newest CRAFT run of this model
    std::string classSpec, layer;
    TcavOptions options;
    size_t maxImages = 200;   // per folder and for the class's images; 0 = all
    int64_t batchSize = 32;
    size_t nearestCount = 5;  // CRAFT concepts listed
};

struct TcavJobOutput {
    int64_t runId = 0;
    nlohmann::json summary;  // the --json output (docs/cli.md)
};

class TcavJob : public jobs::Job {
public:
    TcavJob(TcavJobSpec spec, std::shared_ptr<TcavJobOutput> output);
    std::string name() const override { return "tcav"; }
    void run(jobs::JobContext& context) override;

private:
    TcavJobSpec spec_;
    std::shared_ptr<TcavJobOutput> output_;
};

}  // namespace cs::tcav
