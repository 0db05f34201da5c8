// concept-studio-cli export --project P [--run ID] --out DIR [--what csv,json,npy,png]
// Data files and pictures of runs for other tools: CSV/JSON tables, NumPy arrays (W, U, SAE
// weights), and every picture the run stored (the batch export users of viewers ask for).
#include "command.h"

#include "common/error.h"
#include "report/file_output.h"
#include "report/run_export.h"
#include "results/run_data.h"
#include "store/project_store.h"

#include <filesystem>
#include <iostream>

namespace {

class ExportCommand : public cs::cli::Command {
public:
    std::string name() const override { return "export"; }
    std::string description() const override {
        return "Export runs as CSV/JSON tables, NumPy .npy arrays and PNG pictures";
    }
    void setup(CLI::App& sub) override {
        sub.add_option("--project", project_, "Project file (.cstudio)")->required();
        sub.add_option("--run", runs_, "Run id to export (repeatable; default: every finished run)");
        sub.add_option("--out", out_, "Output folder; each run goes to <out>/run-<id>/")->required();
        sub.add_option("--what", what_, "Comma-separated: csv, json, npy, png, or all")->default_val("all");
    }
    int run() override {
        const cs::report::ExportSelection selection = cs::report::parseExportSelection(what_);
        if (!std::filesystem::exists(project_)) throw cs::Error(project_, "no such project file");
        auto store = cs::store::ProjectStore::open(project_, /*readOnly=*/true);
        std::vector<int64_t> ids = runs_.empty() ? cs::results::finishedRunIds(*store) : runs_;
        if (ids.empty()) throw cs::Error(project_, "the project has no finished runs to export");
        cs::report::ensureDirectory(out_);
        size_t files = 0;
        for (int64_t id : ids) {
            const auto written = cs::report::exportRun(*store, id, out_, selection);
            for (const auto& path : written) std::cout << path << "\n";
            files += written.size();
        }
        std::cerr << "exported " << files << " files from " << ids.size() << " run(s) to " << out_ << "\n";
        return 0;
    }

private:
    std::string project_, out_, what_ = "all";
    std::vector<int64_t> runs_;
};

cs::cli::CommandRegistrar<ExportCommand> registrar;

}  // namespace
