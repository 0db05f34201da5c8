// `concept-studio-cli recsae --project P --model M [--adapter A] [--plugin-dir D] --interactions FILE
// [--format ...] [--item-meta FILE] [--expansion 32] [--k 32] [--epochs N] [--seed 0] [--json OUT]`:
// probes a sequential recommender with a TopK SAE and stores the run (docs/cli.md, docs/recsae.md).
// The model is loaded through cs_model like craft's: the built-in TorchScript convention or a
// plugin's recommender adapter (`concept-studio-cli models` lists them).
#include "cli_support.h"
#include "command.h"

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
        return "Interpret a sequential recommender's user states with a TopK sparse autoencoder (RecSAE)";
    }
    void setup(CLI::App& sub) override {
        sub.add_option("--project", options_.projectPath, "Project file (.cstudio), created if missing")->required();
        sub.add_option("--model", options_.modelPath,
                       "Sequential recommender: TorchScript (encode, score, num_items) or a plugin's model file")
            ->required();
        sub.add_option("--adapter", options_.loader.adapter,
                       "Model adapter (auto, torchscript-recommender, or a plugin's recommender adapter)")
            ->default_val("auto");
        sub.add_option("--plugin-dir", options_.loader.pluginDirs, "Extra folder to search for plugins (repeatable)")
            ->check(CLI::ExistingDirectory);
        sub.add_option("--interactions", options_.interactionsPath, "Interaction log")->required();
        sub.add_option("--format", options_.format, "auto | sasrec | rechorus | movielens")->default_val("auto");
        sub.add_option("--item-meta", options_.itemMetaPath, "Item metadata (TSV: item_id, title, genres|categories|tags)");
        sub.add_option("--expansion", options_.sae.expansion, "Latents per state dimension")
            ->default_val(options_.sae.expansion)
            ->check(CLI::Range(int64_t{1}, int64_t{256}));
        sub.add_option("--k", options_.sae.k, "Active latents per state")
            ->default_val(options_.sae.k)
            ->check(CLI::Range(int64_t{1}, int64_t{4096}));
        sub.add_option("--epochs", options_.sae.epochs, "SAE training epochs")
            ->default_val(options_.sae.epochs)
            ->check(CLI::Range(1, 10000));
        sub.add_option("--seed", seed_, "Random seed")->default_val(0);
        sub.add_option("--json", json_, "Write the run summary as JSON to this file");
    }
    int run() override {
        if (options_.sae.epochs < 1) throw UsageError("--epochs must be at least 1");
        if (options_.sae.k < 1) throw UsageError("--k must be at least 1");
        if (options_.sae.expansion < 1) throw UsageError("--expansion must be at least 1");
        if (options_.format != "auto" && options_.format != "sasrec" && options_.format != "rechorus" &&
            options_.format != "movielens")
            throw UsageError("--format must be auto, sasrec, rechorus or movielens");
        options_.sae.seed = seed_;
        auto job = std::make_shared<sae::RecSaeJob>(options_);
        auto outcome = runJobWithProgress(std::make_unique<jobs::FunctionJob>(
            "recsae", [job](jobs::JobContext& context) { job->run(context); }));
        if (outcome.state != jobs::JobState::Done) return exitCodeFor(outcome);
        const auto& s = job->summary();
        for (const auto& w : s["warnings"]) std::fprintf(stderr, "warning: %s\n", w.get<std::string>().c_str());
        std::printf("RecSAE run %lld: %lld latents, k %lld; FVU %.4f, dead %.1f%%, L0 %.1f; NDCG@10 model %.4f, "
                    "reconstructed %.4f; %lld latents with confidence >= 0.8\n",
                    static_cast<long long>(job->runId()), static_cast<long long>(s["n_latents"].get<int64_t>()),
                    static_cast<long long>(s["k"].get<int64_t>()), s["fvu"].get<double>(),
                    100.0 * s["dead_fraction"].get<double>(), s["l0"].get<double>(), s["ndcg10_model"].get<double>(),
                    s["ndcg10_reconstructed"].get<double>(),
                    static_cast<long long>(s["confident_latents"].get<int64_t>()));
        if (!json_.empty()) writeJsonFile(json_, s);
        return 0;
    }

private:
    sae::RecSaeOptions options_;
    uint64_t seed_ = 0;
    std::string json_;
};

CommandRegistrar<RecSaeCommand> registrar;

}  // namespace
}  // namespace cs::cli
