// `concept-studio-cli recsae --project P --model M [--adapter A] [--plugin-dir D] --interactions FILE
// [--format ...] [--item-meta FILE] [--sae topk] [--expansion 32] [--k 32] [--epochs N] [--seed 0] [--json OUT]`:
// probes a sequential recommender with a sparse autoencoder of the chosen family and stores the run (docs/cli.md, docs/recsae.md).
// The model is loaded through cs_model like craft's: the built-in TorchScript convention or a
// plugin's recommender adapter (`concept-studio-cli models` lists them).
#include "cli_support.h"
#include "command.h"
#include "commands/recsae_options.h"

#include "common/error.h"
#include "sae/recsae_job.h"

#include <cstdio>
#include <memory>

namespace cs::cli {
namespace {

class RecSaeCommand : public Command {
public:
    std::string name() const override { return "recsae"; }
    std::string description() const override {
        return "Interpret a sequential recommender's user states with a sparse autoencoder (RecSAE)";
    }
    void setup(CLI::App& sub) override { commandLine_.addOptions(sub); }
    int run() override {
        auto job = std::make_shared<sae::RecSaeJob>(commandLine_.options());
        auto outcome = runJobWithProgress(std::make_unique<jobs::FunctionJob>(
            "recsae", [job](jobs::JobContext& context) { job->run(context); }));
        if (outcome.state != jobs::JobState::Done) return exitCodeFor(outcome);
        const auto& s = job->summary();
        for (const auto& w : s["warnings"]) std::fprintf(stderr, "warning: %s\n", w.get<std::string>().c_str());
        std::printf("RecSAE run %lld (%s SAE): %lld latents, k %lld; FVU %.4f, dead %.1f%%, L0 %.1f; NDCG@10 model %.4f, "
                    "reconstructed %.4f; %lld latents with confidence >= 0.8\n",
                    static_cast<long long>(job->runId()), s["sae"].get<std::string>().c_str(),
                    static_cast<long long>(s["n_latents"].get<int64_t>()),
                    static_cast<long long>(s["k"].get<int64_t>()), s["fvu"].get<double>(),
                    100.0 * s["dead_fraction"].get<double>(), s["l0"].get<double>(), s["ndcg10_model"].get<double>(),
                    s["ndcg10_reconstructed"].get<double>(),
                    static_cast<long long>(s["confident_latents"].get<int64_t>()));
        if (!commandLine_.jsonOut().empty()) writeJsonFile(commandLine_.jsonOut(), s);
        return 0;
    }

private:
    RecSaeCommandLine commandLine_;
};

CommandRegistrar<RecSaeCommand> registrar;

}  // namespace
}  // namespace cs::cli
