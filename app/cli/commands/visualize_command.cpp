// concept-studio-cli visualize --project P --run R [--concept I] [--steps 256] [--size 224] [--crops 16]
//     [--crop-box 0.5,0.05] [--seed S] --out DIR [--json OUT]
// What the concepts of a CRAFT or TCAV run look like, by MaCo feature visualisation (docs/tcav.md):
// one PNG per concept in DIR (RGBA, the transparency map as alpha), each also stored with its
// concept in the project (artifact kind feature_visualization).
#include "cli_support.h"
#include "command.h"

#include "maco/visualize_job.h"

#include <cstdio>
#include <vector>

namespace cs::cli {
namespace {

class VisualizeCommand final : public Command {
public:
    std::string name() const override { return "visualize"; }
    std::string description() const override { return "Show what a run's concepts look like (MaCo feature visualisation), one PNG per concept"; }

    void setup(CLI::App& sub) override {
        maco::MacoOptions& o = spec_.options;
        sub.add_option("--project", spec_.projectPath, "Project file (.cstudio)")->required()->check(CLI::ExistingFile);
        sub.add_option("--run", spec_.runId, "Run id (a CRAFT or TCAV run)")->required();
        sub.add_option("--concept", concept_, "Concept id as in the run's JSON and the GUI (default: every concept of the run)");
        sub.add_option("--steps", o.steps, "Optimisation steps")->capture_default_str()->check(CLI::Range(1, 100000));
        sub.add_option("--size", o.size, "Side of the image in pixels")->capture_default_str()->check(CLI::Range(int64_t{8}, int64_t{2048}));
        sub.add_option("--crops", o.crops, "Random crops per step")->capture_default_str()->check(CLI::Range(1, 256));
        sub.add_option("--crop-box", cropBox_,
                       "Mean side of the random crops as a share of the image, at the first and the last step (linear in between)")
            ->delimiter(',')
            ->expected(2)
            ->check(CLI::Range(0.05, 1.0));
        sub.add_option("--seed", o.seed, "Seed of the initial phase and the crops")->capture_default_str();
        sub.add_option("--plugin-dir", spec_.pluginDirs, "Extra folder to search for plugins (repeatable)")->check(CLI::ExistingDirectory);
        sub.add_option("--out", spec_.outDir, "Folder for the PNGs (created if missing)")->required();
        sub.add_option("--json", jsonOut_, "Write the list of pictures as JSON to this file");
    }

    int run() override {
        if (concept_ >= 0) spec_.conceptId = concept_;
        if (cropBox_.size() == 2) {
            spec_.options.boxStart = cropBox_[0];
            spec_.options.boxEnd = cropBox_[1];
        }
        auto output = std::make_shared<maco::VisualizeJobOutput>();
        auto outcome = runJobWithProgress(std::make_unique<maco::VisualizeJob>(spec_, output));
        if (outcome.state != jobs::JobState::Done) return exitCodeFor(outcome);
        for (const auto& image : output->summary["images"])
            std::printf("concept %lld: %s (objective %.4g)\n", static_cast<long long>(image["concept"].get<int64_t>()),
                        image["file"].get<std::string>().c_str(), image["objective"].get<double>());
        std::fflush(stdout);
        if (!jsonOut_.empty()) writeJsonFile(jsonOut_, output->summary);
        return 0;
    }

private:
    maco::VisualizeJobSpec spec_;
    int64_t concept_ = -1;
    std::vector<double> cropBox_;
    std::string jsonOut_;
};

CommandRegistrar<VisualizeCommand> registrar;

}  // namespace
}  // namespace cs::cli
