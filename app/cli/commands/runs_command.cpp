// `concept-studio-cli runs --project P [--json OUT]`: the runs of a project, newest first.
#include "cli_support.h"
#include "command.h"

#include "store/project_store.h"

#include <cstdio>
#include <iostream>

namespace cs::cli {
namespace {

class RunsCommand : public Command {
public:
    std::string name() const override { return "runs"; }
    std::string description() const override { return "List the runs stored in a project"; }
    void setup(CLI::App& sub) override {
        sub.add_option("--project", project_, "Project file (.cstudio)")->required();
        sub.add_option("--json", json_, "Also write the list as JSON to this file");
    }
    int run() override {
        // Opening marks runs whose process died as interrupted, so the list tells the truth.
        auto store = store::ProjectStore::open(project_);
        const auto runs = store->runs();
        nlohmann::json list = nlohmann::json::array();
        std::printf("%-5s %-13s %-11s %-20s %-20s %s\n", "ID", "KIND", "STATUS", "CREATED", "FINISHED", "ERROR");
        for (const auto& r : runs) {
            std::printf("%-5lld %-13s %-11s %-20s %-20s %s\n", static_cast<long long>(r.id), r.kind.c_str(),
                        store::toString(r.status), r.createdAt.c_str(), r.finishedAt.c_str(), r.error.c_str());
            list.push_back({{"id", r.id},
                            {"kind", r.kind},
                            {"status", store::toString(r.status)},
                            {"created_at", r.createdAt},
                            {"started_at", r.startedAt},
                            {"finished_at", r.finishedAt},
                            {"error", r.error},
                            {"parameters", nlohmann::json::parse(r.parametersJson, nullptr, false)}});
        }
        if (runs.empty()) std::printf("(no runs)\n");
        if (!json_.empty()) writeJsonFile(json_, {{"project", project_}, {"runs", list}});
        return 0;
    }

private:
    std::string project_, json_;
};

CommandRegistrar<RunsCommand> registrar;

}  // namespace
}  // namespace cs::cli
