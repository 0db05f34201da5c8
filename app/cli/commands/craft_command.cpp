// concept-studio-cli craft --project P --model M [--adapter A] [--plugin-dir D] --images SRC --class C --layer L
//     [--concepts 10] [--patch-size 64] [--sobol-designs 32] [--sobol-design sobol|reference|random]
//     [--recursive-layers L2,L1] [--seed 0] [--max-images N] [--filter-predicted]
//     [--negative-activations refuse|relu|shift] [--map-images 16] [--json OUT]
// Runs CRAFT on one class (docs/cli.md, docs/craft.md) as an engine job and stores the run in the project;
// --json writes the run's summary.
#include "cli_support.h"
#include "command.h"

#include "common/error.h"
#include "craft/craft_job.h"

#include <iostream>

namespace cs::cli {
namespace {

class CraftCommand final : public Command {
public:
    std::string name() const override { return "craft"; }
    std::string description() const override { return "Extract CRAFT concepts of one class, with importances, maps and a concept tree"; }

    void setup(CLI::App& sub) override {
        sub.add_option("--project", spec_.projectPath, "Project file (.cstudio), created if missing")->required();
        sub.add_option("--model", spec_.modelPath, "TorchScript model (split convention) or a plugin's model file")->required();
        sub.add_option("--adapter", spec_.adapter, "Model adapter (auto, torchscript-split, or a plugin adapter)");
        sub.add_option("--plugin-dir", spec_.pluginDirs, "Extra folder to search for plugins (repeatable)")->check(CLI::ExistingDirectory);
        sub.add_option("--images", spec_.imagesPath, "Image folder, ImageFolder tree, or IDX file")->required();
        sub.add_option("--class", spec_.classSpec, "Class index or class name")->required();
        sub.add_option("--layer", spec_.options.layer, "Probe point to factorise (e.g. layer4)")->required();
        sub.add_option("--concepts", spec_.options.concepts, "Number of concepts r")->capture_default_str()->check(CLI::PositiveNumber);
        sub.add_option("--patch-size", spec_.options.patchSize, "Crop size in model-input pixels (stride = int(0.8*p))")
            ->capture_default_str()
            ->check(CLI::PositiveNumber);
        sub.add_option("--sobol-designs", spec_.options.sobolDesigns, "Sobol design points per image")->capture_default_str()->check(CLI::Range(2, 100000));
        sub.add_option("--sobol-design", sobolDesign_, "Design: sobol (scrambled Sobol', default), reference (unscrambled Halton), random")
            ->capture_default_str()
            ->check(CLI::IsMember({"sobol", "reference", "random"}));
        sub.add_option("--recursive-layers", spec_.options.recursiveLayers, "Earlier probe points for the concept tree, e.g. layer3,layer2")
            ->delimiter(',');
        sub.add_option("--sub-concepts", spec_.options.subConcepts, "Sub-concepts per concept in the tree")->capture_default_str()->check(CLI::PositiveNumber);
        sub.add_option("--batch-size", spec_.options.cropBatch,
                       "Crops per forward pass of g: the largest memory cost of a run (the first layers' maps of a batch)")
            ->capture_default_str()
            ->check(CLI::Range(1, 4096));
        sub.add_option("--seed", spec_.options.seed, "Seed for the randomised design and random orders")->capture_default_str();
        sub.add_option("--max-images", spec_.maxImages, "Use at most N images of the class (0 = all)")->capture_default_str()->check(CLI::NonNegativeNumber);
        sub.add_flag("--filter-predicted", spec_.options.filterPredicted, "Keep only images the model predicts as the class");
        sub.add_option("--negative-activations", negative_, "What to do with negative activations: refuse, relu, shift")
            ->capture_default_str()
            ->check(CLI::IsMember({"refuse", "relu", "shift"}));
        sub.add_option("--map-images", spec_.options.mapImages, "Images that get attribution-map PNGs")->capture_default_str()->check(CLI::NonNegativeNumber);
        sub.add_flag("!--no-implicit-maps", spec_.options.implicitMaps, "Skip the implicit-differentiation maps");
        sub.add_option("--json", jsonOut_, "Write the run's summary as JSON to this file");
    }

    int run() override {
        spec_.options.sobolDesign = craft::sobolDesignFromString(sobolDesign_);
        spec_.options.negativeActivations = craft::negativeActivationsFromString(negative_);
        auto output = std::make_shared<craft::CraftJobOutput>();
        auto outcome = runJobWithProgress(std::make_unique<craft::CraftJob>(spec_, output));
        if (outcome.state != jobs::JobState::Done) return exitCodeFor(outcome);
        const auto& s = output->summary;
        std::cout << "run " << output->runId << ": " << s["n_images"] << " images, " << s["n_crops"] << " crops, " << s["concepts"].size()
                  << " concepts at " << spec_.options.layer << " (NMF error " << s["nmf"]["relative_error"].get<double>() << ", "
                  << s["sobol"]["h_evaluations"] << " h evaluations, " << s["timings_s"]["total"].get<double>() << " s)\n";
        if (!jsonOut_.empty()) writeJsonFile(jsonOut_, s);
        return 0;
    }

private:
    craft::CraftJobSpec spec_;
    std::string sobolDesign_ = "sobol";
    std::string negative_ = "refuse";
    std::string jsonOut_;
};

CommandRegistrar<CraftCommand> registrar;

}  // namespace
}  // namespace cs::cli
