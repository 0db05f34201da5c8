// concept-studio-cli tcav --project P --model M --concept-images DIR [--random-images DIR] [--images SRC]
//     --class C --layer L [--cav fastcav|logistic] [--random-runs N] [--max-images N] [--seed S] [--json OUT]
// Tests a concept of the user's (a folder of example images) on one class with TCAV (docs/tcav.md):
// the TCAV score, its significance against random CAVs, the CAV's held-out accuracy and the nearest
// CRAFT concepts, stored in the project as a run of kind `tcav`; --json writes the result.
#include "cli_support.h"
#include "command.h"

#include "tcav/tcav_job.h"

#include <cstdio>
#include <iostream>

namespace cs::cli {
namespace {

class TcavCommand final : public Command {
public:
    std::string name() const override { return "tcav"; }
    std::string description() const override {
        return "Test a concept of your own (example images) on a class with TCAV: score, significance, nearest CRAFT concepts";
    }

    void setup(CLI::App& sub) override {
        tcav::TcavOptions& o = spec_.options;
        sub.add_option("--project", spec_.projectPath, "Project file (.cstudio), created if missing")->required();
        sub.add_option("--model", spec_.modelPath, "TorchScript model (split convention) or a plugin's model file")->required();
        sub.add_option("--adapter", spec_.adapter, "Model adapter (auto, torchscript-split, or a plugin adapter)");
        sub.add_option("--plugin-dir", spec_.pluginDirs, "Extra folder to search for plugins (repeatable)")->check(CLI::ExistingDirectory);
        sub.add_option("--concept-images", spec_.conceptImagesPath, "Folder of example images of the concept")->required();
        sub.add_option("--random-images", spec_.randomImagesPath, "Folder of counter-examples (default: random images of the dataset)");
        sub.add_option("--images", spec_.imagesPath,
                       "The dataset (folder, ImageFolder tree or IDX): the class's images and the random sets "
                       "(default: that of the project's newest CRAFT run of the model)");
        sub.add_option("--class", spec_.classSpec, "Class index or class name")->required();
        sub.add_option("--layer", spec_.layer, "Probe point where the CAV is learned (e.g. layer3)")->required();
        sub.add_option("--cav", cav_, "How the CAV is learned: fastcav (closed form, default) or logistic (L2 logistic regression)")
            ->capture_default_str()
            ->check(CLI::IsMember({"fastcav", "logistic"}));
        sub.add_option("--random-runs", o.randomRuns, "CAVs of the concept and of random sets for the t-test")
            ->capture_default_str()
            ->check(CLI::Range(2, 1000));
        sub.add_option("--alpha", o.alpha, "Significance level of the two-sided t-test")->capture_default_str()->check(CLI::Range(1e-9, 0.5));
        sub.add_option("--max-images", spec_.maxImages, "Use at most N images per folder and of the class (0 = all)")
            ->capture_default_str()
            ->check(CLI::Range(size_t{0}, size_t{1000000}));
        sub.add_option("--batch-size", spec_.batchSize, "Images per forward pass")->capture_default_str()->check(CLI::Range(int64_t{1}, int64_t{4096}));
        sub.add_option("--seed", o.seed, "Seed for the draws of counter-examples, random sets and held-out examples")->capture_default_str();
        sub.add_option("--json", jsonOut_, "Write the result as JSON to this file");
    }

    int run() override {
        spec_.options.method = tcav::cavMethodFromString(cav_);
        auto output = std::make_shared<tcav::TcavJobOutput>();
        auto outcome = runJobWithProgress(std::make_unique<tcav::TcavJob>(spec_, output));
        if (outcome.state != jobs::JobState::Done) return exitCodeFor(outcome);
        const auto& s = output->summary;
        std::printf("run %lld: TCAV score %.3f for class %lld at %s, %s; CAV accuracy %.3f\n", static_cast<long long>(output->runId),
                    s["tcav_score"].get<double>(), static_cast<long long>(s["class"].get<int64_t>()), spec_.layer.c_str(),
                    s["verdict"].get<std::string>().c_str(), s["cav_accuracy"].get<double>());
        for (const auto& near : s["nearest_concepts"])
            std::printf("  near CRAFT concept %lld of run %lld (%s): cosine %.3f\n", static_cast<long long>(near["concept"].get<int64_t>()),
                        static_cast<long long>(near["run"].get<int64_t>()), near["label"].get<std::string>().c_str(), near["cosine"].get<double>());
        std::fflush(stdout);
        if (!jsonOut_.empty()) writeJsonFile(jsonOut_, s);
        return 0;
    }

private:
    tcav::TcavJobSpec spec_;
    std::string cav_ = "fastcav";
    std::string jsonOut_;
};

CommandRegistrar<TcavCommand> registrar;

}  // namespace
}  // namespace cs::cli
