// `concept-studio-cli compare --project P (--runs 3,4,5 | --group G) [--json OUT]`: CRAFT runs side by side, their
// metrics as a table and the Hungarian matching of their concepts for every pair of runs
// (core/metrics/run_comparison.h, docs/cli.md).
#include "cli_support.h"
#include "command.h"

#include "common/error.h"
#include "metrics/run_comparison.h"
#include "store/project_store.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <string>

namespace cs::cli {
namespace {

std::string cell(const std::optional<double>& value) {
    if (!value) return "-";
    char text[32];
    std::snprintf(text, sizeof text, "%.4g", *value);
    return text;
}

void printMetricsTable(const metrics::RunComparison& comparison) {
    std::printf("%-5s %-10s %-21s", "RUN", "DICTIONARY", "IMPORTANCE");
    for (const auto& column : metrics::metricColumns()) std::printf(" %13s", column.heading.c_str());
    std::printf("\n");
    for (const auto& run : comparison.runs) {
        std::printf("%-5lld %-10s %-21s", static_cast<long long>(run.runId), run.dictionary.c_str(), run.importance.c_str());
        for (const auto& column : metrics::metricColumns()) std::printf(" %13s", cell(metrics::metricValue(run.metrics, column.key)).c_str());
        std::printf("\n");
    }
}

void printMatchings(const metrics::RunComparison& comparison) {
    for (const auto& pairing : comparison.pairings) {
        const auto &a = comparison.runs[pairing.first], &b = comparison.runs[pairing.second];
        std::printf("\nconcepts of run %lld matched with run %lld", static_cast<long long>(a.runId), static_cast<long long>(b.runId));
        if (!pairing.matching) {
            std::printf(": none, %s\n", pairing.problem.c_str());
            continue;
        }
        std::printf(" (mean |cosine| %.3f)\n", pairing.matching->meanCosine);
        for (size_t k = 0; k < pairing.matching->pairs.size(); ++k) {
            const int64_t other = pairing.matching->pairs[k];
            if (other < 0)
                std::printf("  concept %lld -> (no partner)\n", static_cast<long long>(a.conceptIds[k]));
            else
                std::printf("  concept %lld -> concept %lld  |cosine| %.3f\n", static_cast<long long>(a.conceptIds[k]),
                            static_cast<long long>(b.conceptIds[other]), pairing.matching->cosines[k]);
        }
    }
}

class CompareCommand : public Command {
public:
    std::string name() const override { return "compare"; }
    std::string description() const override { return "Compare CRAFT runs: their metrics and the matching of their concepts"; }
    void setup(CLI::App& sub) override {
        sub.add_option("--project", project_, "Project file (.cstudio)")->required();
        auto* runs = sub.add_option("--runs", runs_, "Run ids to compare, e.g. 3,4,5 (at least two)")->delimiter(',');
        auto* group = sub.add_option("--group", group_, "Compare the finished runs of a group: a method comparison (craft with several "
                                                         "--dictionary or --importance values) or a sweep");
        runs->excludes(group);
        sub.add_option("--json", json_, "Also write the comparison as JSON to this file");
    }
    int run() override {
        if (runs_.empty() && group_ == 0) throw UsageError("give the runs to compare: --runs 3,4 or --group G");
        if (!std::filesystem::exists(project_)) throw Error(project_, "no such project file");
        auto store = store::ProjectStore::open(project_, /*readOnly=*/true);
        if (group_ != 0) runs_ = finishedRunsOfGroup(*store);
        if (runs_.size() < 2) {
            if (group_ != 0) throw Error(project_, "group " + std::to_string(group_) + " has fewer than two finished CRAFT runs to compare");
            throw UsageError("--runs needs at least two run ids, e.g. --runs 3,4");
        }
        const metrics::RunComparison comparison = metrics::compareRuns(*store, project_, runs_);
        printMetricsTable(comparison);
        printMatchings(comparison);
        if (!json_.empty()) {
            nlohmann::json out = metrics::toJson(comparison);
            out["project"] = project_;
            if (group_ != 0) out["group_id"] = group_;
            writeJsonFile(json_, out);
        }
        return 0;
    }

private:
    std::vector<int64_t> finishedRunsOfGroup(const store::ProjectStore& store) const {
        const auto groups = store.sweeps();
        if (std::none_of(groups.begin(), groups.end(), [&](const auto& g) { return g.id == group_; }))
            throw Error(project_, "has no group " + std::to_string(group_) + " (`concept-studio-cli runs` lists the runs; the studio lists groups)");
        std::vector<int64_t> ids;
        for (const auto& member : store.sweepRuns(group_)) {
            const auto run = store.run(member.runId);
            if (run && run->kind == "craft" && run->status == store::RunStatus::Done) ids.push_back(member.runId);
        }
        return ids;
    }

    std::string project_, json_;
    std::vector<int64_t> runs_;
    int64_t group_ = 0;
};

CommandRegistrar<CompareCommand> registrar;

}  // namespace
}  // namespace cs::cli
