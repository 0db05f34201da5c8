// `concept-studio-cli train-sasrec --interactions FILE [--format ...] --out MODEL.pt [--epochs N]
// [--seed 0] [--json OUT]`: trains a SASRec and saves it as a TorchScript sequential recommender.
#include "cli_support.h"
#include "command.h"

#include "common/error.h"
#include "data/interactions.h"
#include "sae/sasrec.h"

#include <cstdio>
#include <memory>

namespace cs::cli {
namespace {

class TrainSasRecCommand : public Command {
public:
    std::string name() const override { return "train-sasrec"; }
    std::string description() const override {
        return "Train a SASRec recommender on an interaction log and save it as TorchScript";
    }
    void setup(CLI::App& sub) override {
        sub.add_option("--interactions", interactions_, "Interaction log")->required();
        sub.add_option("--format", format_, "auto | sasrec | rechorus | movielens")->default_val("auto");
        sub.add_option("--out", out_, "Model file to write (.pt)")->required();
        sub.add_option("--epochs", config_.epochs, "Maximum epochs (early stopping on validation NDCG@10)")
            ->default_val(config_.epochs)
            ->check(CLI::Range(1, 10000));
        sub.add_option("--seed", seed_, "Random seed")->default_val(0);
        sub.add_option("--max-len", config_.maxLength, "Maximum sequence length")
            ->default_val(config_.maxLength)
            ->check(CLI::Range(int64_t{2}, int64_t{4096}));
        sub.add_option("--batch-size", config_.batchSize, "Users per batch")
            ->default_val(config_.batchSize)
            ->check(CLI::Range(int64_t{1}, int64_t{65536}));
        sub.add_option("--json", json_, "Write the summary as JSON to this file");
    }
    int run() override {
        // CLI11 checks the ranges; these stay for callers that bypass it and say the same thing.
        if (config_.epochs < 1) throw UsageError("--epochs must be at least 1");
        if (config_.maxLength < 2) throw UsageError("--max-len must be at least 2");
        if (config_.batchSize < 1) throw UsageError("--batch-size must be at least 1");
        config_.seed = seed_;
        data::InteractionLoadOptions options;
        options.format = data::interactionFormatFromString(format_);
        auto result = std::make_shared<sae::SasRecResult>();
        auto log = std::make_shared<data::InteractionLog>();
        auto job = std::make_unique<jobs::FunctionJob>("train-sasrec", [=](jobs::JobContext& context) {
            context.report("load", 0.0, "reading " + interactions_);
            *log = data::loadInteractions(interactions_, options);
            *result = sae::trainSasRec(*log, out_, config_, &context);
        });
        auto outcome = runJobWithProgress(std::move(job));
        if (outcome.state != jobs::JobState::Done) return exitCodeFor(outcome);
        for (const auto& w : log->warnings) std::fprintf(stderr, "warning: %s: %s\n", interactions_.c_str(), w.c_str());
        const auto& r = *result;
        std::printf("SASRec: %lld users, %lld items; test NDCG@10 %.4f HR@10 %.4f (popularity NDCG@10 %.4f), "
                    "%d epochs (best %d), %.1f s\nsaved %s\n",
                    static_cast<long long>(log->numUsers()), static_cast<long long>(log->numItems()), r.test.ndcg10,
                    r.test.hr10, r.popularityTest.ndcg10, r.epochsRun, r.bestEpoch, r.totalSeconds, out_.c_str());
        if (!json_.empty())
            writeJsonFile(json_, {{"ndcg10", r.test.ndcg10},
                                  {"hr10", r.test.hr10},
                                  {"ndcg10_popularity", r.popularityTest.ndcg10},
                                  {"hr10_popularity", r.popularityTest.hr10},
                                  {"ndcg10_valid", r.valid.ndcg10},
                                  {"epochs", r.epochsRun},
                                  {"best_epoch", r.bestEpoch},
                                  {"users", log->numUsers()},
                                  {"items", log->numItems()},
                                  {"train_loss", r.trainLoss},
                                  {"model", out_},
                                  {"timings_s", {{"train", r.trainSeconds}, {"evaluate", r.evalSeconds}, {"total", r.totalSeconds}}}});
        return 0;
    }

private:
    std::string interactions_, format_ = "auto", out_, json_;
    uint64_t seed_ = 0;
    sae::SasRecConfig config_;
};

CommandRegistrar<TrainSasRecCommand> registrar;

}  // namespace
}  // namespace cs::cli
