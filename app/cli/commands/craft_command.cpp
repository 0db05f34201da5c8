// concept-studio-cli craft --project P --model M [--adapter A] [--plugin-dir D] --images SRC --class C --layer L
//     [--concepts R] [--patch-size P] [--sobol-designs N] [--sobol-design sobol|reference|random]
//     [--recursive-layers L2,L1] [--sub-concepts S] [--batch-size B] [--seed S] [--max-images N]
//     [--filter-predicted] [--negative-activations refuse|relu|shift] [--map-images N]
//     [--no-implicit-maps] [--json OUT]
// Runs CRAFT on one class (docs/cli.md, docs/craft.md) as an engine job and stores the run in the project;
// --json writes the run's summary. The options and their defaults are CraftJobSpec's
// (craft/craft_spec.h, bound in craft_options.cpp); `--help` lists the defaults.
#include "cli_support.h"
#include "command.h"
#include "commands/craft_options.h"

#include "common/error.h"
#include "craft/craft_job.h"

#include <iostream>

namespace cs::cli {
namespace {

class CraftCommand final : public Command {
public:
    std::string name() const override { return "craft"; }
    std::string description() const override { return "Extract CRAFT concepts of one class, with importances, maps and a concept tree"; }

    void setup(CLI::App& sub) override { commandLine_.addOptions(sub); }

    int run() override {
        const craft::CraftJobSpec spec = commandLine_.spec();
        auto output = std::make_shared<craft::CraftJobOutput>();
        auto outcome = runJobWithProgress(std::make_unique<craft::CraftJob>(spec, output));
        if (outcome.state != jobs::JobState::Done) return exitCodeFor(outcome);
        const auto& s = output->summary;
        if (const int64_t skipped = s.value("images_skipped", int64_t{0}); skipped > 0)
            std::cerr << "concept-studio-cli: warning: " << skipped << " unreadable image(s) skipped (the run lists them; --strict "
                      << "stops at the first), e.g. " << s["skipped_images"][0].get<std::string>() << "\n";
        // Defaults the loader chose and checks it made (docs/models.md), so they are never silent.
        if (s.contains("notes"))
            for (const auto& note : s["notes"]) std::cerr << "note: " << note.get<std::string>() << "\n";
        std::cout << "run " << output->runId << ": " << s["n_images"] << " images, " << s["n_crops"] << " crops, " << s["concepts"].size()
                  << " concepts at " << spec.options.layer << " (NMF error " << s["nmf"]["relative_error"].get<double>() << ", "
                  << s["sobol"]["h_evaluations"] << " h evaluations, " << s["timings_s"]["total"].get<double>() << " s)\n";
        if (!commandLine_.jsonOut().empty()) writeJsonFile(commandLine_.jsonOut(), s);
        return 0;
    }

private:
    CraftCommandLine commandLine_;
};

CommandRegistrar<CraftCommand> registrar;

}  // namespace
}  // namespace cs::cli
