// concept-studio-cli user-concept --project P --run ID (--tag T | --items 1,2,3) [--top 10] [--json OUT]
// A concept of the user's for a recommender, as a set of items (docs/recsae.md, "Your own item
// concepts"): the latents of a stored RecSAE run that fire for it, with precision, recall and F1 as
// the concept dictionary measures them, and the `ablate` command that steers with each.
#include "cli_support.h"
#include "command.h"

#include "common/error.h"
#include "sae/user_item_concept.h"

#include <cstdio>

namespace cs::cli {
namespace {

class UserConceptCommand final : public Command {
public:
    std::string name() const override { return "user-concept"; }
    std::string description() const override { return "Find the RecSAE latents that fire for a set of items (a tag or a list of ids)"; }

    void setup(CLI::App& sub) override {
        sub.add_option("--project", request_.projectPath, "Project file (.cstudio)")->required()->check(CLI::ExistingFile);
        sub.add_option("--run", request_.runId, "A done RecSAE run")->required();
        auto* tag = sub.add_option("--tag", request_.tag, "A tag of the run's item metadata");
        auto* items = sub.add_option("--items", request_.itemIds, "Item ids as in the interaction file, comma-separated")->delimiter(',');
        tag->excludes(items);
        sub.add_option("--top", request_.top, "Latents listed")->capture_default_str()->check(CLI::Range(size_t{1}, size_t{100000}));
        sub.add_option("--json", jsonOut_, "Write the result as JSON to this file");
    }

    int run() override {
        if (request_.tag.empty() && request_.itemIds.empty()) throw UsageError("give the concept as --tag T or --items 1,2,3");
        // The job is shared so its result outlives the engine that runs it.
        auto job = std::make_shared<sae::UserItemConceptJob>(request_);
        auto outcome = runJobWithProgress(std::make_unique<jobs::FunctionJob>(job->name(), [job](jobs::JobContext& c) { job->run(c); }));
        if (outcome.state != jobs::JobState::Done) return exitCodeFor(outcome);
        const auto& result = job->result();
        std::printf("%lld items, in the recent items of %lld of %lld users; latents that fire for them:\n",
                    static_cast<long long>(result["n_items"].get<int64_t>()), static_cast<long long>(result["states_with_items"].get<int64_t>()),
                    static_cast<long long>(result["n_states"].get<int64_t>()));
        for (const auto& l : result["latents"])
            std::printf("  latent %lld: F1 %.3f (precision %.3f, recall %.3f, %lld activations)\n", static_cast<long long>(l["latent"].get<int64_t>()),
                        l["f1"].get<double>(), l["precision"].get<double>(), l["recall"].get<double>(),
                        static_cast<long long>(l["activations"].get<int64_t>()));
        std::printf("steer with one: %s\n", result["steer_command"].get<std::string>().c_str());
        std::fflush(stdout);
        if (!jsonOut_.empty()) writeJsonFile(jsonOut_, result);
        return 0;
    }

private:
    sae::UserItemConceptRequest request_;
    std::string jsonOut_;
};

CommandRegistrar<UserConceptCommand> registrar;

}  // namespace
}  // namespace cs::cli
