// concept-studio-cli craft --project P --model M [--adapter A] [--plugin-dir D] --images SRC --class C --layer L
//     [--concepts R] [--patch-size P] [--sobol-designs N] [--sobol-design sobol|reference|random]
//     [--recursive-layers L2,L1] [--sub-concepts S] [--batch-size B] [--seed S] [--max-images N]
//     [--filter-predicted] [--negative-activations refuse|relu|shift] [--map-images N]
//     [--no-implicit-maps] [--no-activation-cache] [--json OUT]
// --dictionary and --importance take comma lists: a method comparison, one run per pair, one group.
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
        if (output->groupId) return reportComparison(*output);
        const auto& s = output->summary;
        warnAboutImages(s);
        printRunLine(output->runId, s, spec.options.layer);
        if (!commandLine_.jsonOut().empty()) writeJsonFile(commandLine_.jsonOut(), s);
        return 0;
    }

private:
    static void warnAboutImages(const nlohmann::json& s) {
        if (const int64_t skipped = s.value("images_skipped", int64_t{0}); skipped > 0)
            std::cerr << "concept-studio-cli: warning: " << skipped << " unreadable image(s) skipped (the run lists them; --strict "
                      << "stops at the first), e.g. " << s["skipped_images"][0].get<std::string>() << "\n";
        // Defaults the loader chose and checks it made (docs/models.md), so they are never silent.
        if (s.contains("notes"))
            for (const auto& note : s["notes"]) std::cerr << "note: " << note.get<std::string>() << "\n";
    }

    static void printRunLine(int64_t runId, const nlohmann::json& s, const std::string& layer) {
        std::cout << "run " << runId << ": " << s["n_images"] << " images, " << s["n_crops"] << " crops, " << s["concepts"].size()
                  << " concepts at " << layer << " with " << s["dictionary"].get<std::string>() << " and "
                  << s["importance"].get<std::string>() << " (relative error " << s["nmf"]["relative_error"].get<double>() << ", "
                  << s["sobol"]["h_evaluations"] << " h evaluations, activations " << s.value("activation_cache", std::string("off"))
                  << ", " << s["timings_s"]["total"].get<double>() << " s)\n";
    }

    // A method comparison: a line per run; --json gets {"group_id", "runs": [each run's summary]}.
    int reportComparison(const craft::CraftJobOutput& output) const {
        if (!output.runs.empty()) warnAboutImages(output.runs.front().second);
        nlohmann::json runs = nlohmann::json::array();
        for (const auto& [runId, summary] : output.runs) {
            printRunLine(runId, summary, summary["layer"].get<std::string>());
            runs.push_back(summary);
        }
        std::cout << "group " << output.groupId << ": " << output.runs.size() << " runs compared (concept-studio-cli compare, or the "
                  << "studio's Methods view)\n";
        if (!commandLine_.jsonOut().empty()) writeJsonFile(commandLine_.jsonOut(), nlohmann::json{{"group_id", output.groupId}, {"runs", runs}});
        return 0;
    }

    CraftCommandLine commandLine_;
};

CommandRegistrar<CraftCommand> registrar;

}  // namespace
}  // namespace cs::cli
