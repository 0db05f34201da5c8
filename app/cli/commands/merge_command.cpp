// concept-studio-cli merge --into P [--model-sha256 H]... [--json OUT] SHARD...
// Merges shard projects (a sweep's, or any projects) into one project (docs/cluster.md, docs/cli.md):
// runs, their concepts, crops, latents, labels and artifacts with ids remapped; a run already in the
// target (same uuid) is skipped. Every shard is checked before the target is touched.
#include "cli_support.h"
#include "command.h"

#include "sweep/project_merge.h"

#include <nlohmann/json.hpp>

#include <iostream>

namespace cs::cli {
namespace {

class MergeCommand final : public Command {
public:
    std::string name() const override { return "merge"; }
    std::string description() const override { return "Merge shard projects (e.g. a sweep's) into one project"; }

    void setup(CLI::App& sub) override {
        sub.add_option("--into", target_, "Project to merge into (.cstudio), created if missing")->required();
        sub.add_option("--model-sha256", options_.expectedModelSha256,
                       "Refuse shards whose models have another sha256 (repeatable; default: any)");
        sub.add_option("--json", jsonOut_, "Write what was merged as JSON to this file");
        sub.add_option("shards", shards_, "Shard projects (.cstudio)")->required();
    }

    int run() override {
        const sweep::MergeReport report = sweep::mergeProjects(target_, shards_, options_);
        std::cout << "merged " << report.shards.size() << " shard project(s) into " << target_ << ": " << report.runsAdded()
                  << " run(s) added, " << report.runsSkipped() << " already there\n";
        if (!jsonOut_.empty()) writeJsonFile(jsonOut_, toJson(report));
        return 0;
    }

    static nlohmann::json toJson(const sweep::MergeReport& report) {
        nlohmann::json shards = nlohmann::json::array();
        for (const auto& s : report.shards) shards.push_back({{"shard", s.shard}, {"runs_added", s.runsAdded}, {"runs_skipped", s.runsSkipped}});
        return {{"into", report.target}, {"runs_added", report.runsAdded()}, {"runs_skipped", report.runsSkipped()}, {"shards", shards}};
    }

private:
    std::string target_;
    std::vector<std::string> shards_;
    sweep::MergeOptions options_;
    std::string jsonOut_;
};

CommandRegistrar<MergeCommand> registrar;

}  // namespace
}  // namespace cs::cli
