// concept-studio-cli label --project P --run R (--concept I | --latent I) (--text T [--note N] | --clear)
// concept-studio-cli label --project P --run R --list [--json OUT]
// Names a concept or an SAE latent and keeps a note with it, in the project's labels table
// (docs/project-schema.md). I is the concept's `id` as the run's JSON and the studio show it (its
// row id), or the latent's index, as in the recsae command's JSON.
#include "cli_support.h"
#include "command.h"

#include "common/error.h"
#include "results/run_data.h"
#include "store/project_store.h"

#include <cstdio>
#include <filesystem>
#include <optional>

namespace cs::cli {
namespace {

using nlohmann::json;
using store::LabelTarget;

json labelJson(const store::LabelRecord* label) {
    if (!label) return {{"label", ""}, {"note", ""}};
    return {{"label", label->text}, {"note", label->note}, {"author", label->author}, {"updated_at", label->updatedAt}};
}

// Every concept and latent of the run with its label: what `--list --json` writes.
json runLabelsJson(const results::RunData& run) {
    json concepts = json::array(), latents = json::array();
    for (const auto& c : run.concepts) {
        json entry{{"id", c.id}, {"name", run.conceptName(c)}, {"layer", c.layer}};
        entry.update(labelJson(run.userLabel(LabelTarget::Concept, c.id)));
        concepts.push_back(std::move(entry));
    }
    for (const auto& l : run.latents) {
        json entry{{"id", l.index}, {"tags", results::latentTags(l)}};
        entry.update(labelJson(run.userLabel(LabelTarget::Latent, l.id)));
        latents.push_back(std::move(entry));
    }
    return {{"run", run.run.id}, {"concepts", concepts}, {"latents", latents}};
}

class LabelCommand : public Command {
public:
    std::string name() const override { return "label"; }
    std::string description() const override { return "Name a concept or SAE latent and keep a note with it"; }
    void setup(CLI::App& sub) override {
        sub.add_option("--project", project_, "Project file (.cstudio)")->required();
        sub.add_option("--run", runId_, "Run id")->required();
        auto* concept = sub.add_option("--concept", conceptId_, "Concept id, as in the run's JSON and the studio");
        auto* latent = sub.add_option("--latent", latentIndex_, "SAE latent index");
        concept->excludes(latent);
        sub.add_option("--text", text_, "The label");
        sub.add_option("--note", note_, "A note kept with the label");
        sub.add_flag("--clear", clear_, "Remove the label and note");
        sub.add_flag("--list", list_, "Print the run's labels");
        sub.add_option("--json", json_, "Write the run's concepts and latents with their labels as JSON");
    }

    int run() override {
        const bool targeted = conceptId_ || latentIndex_;
        const bool writes = clear_ || text_ || note_;
        if (!targeted && writes) throw UsageError("--text, --note and --clear need --concept or --latent");
        if (targeted && !writes) throw UsageError("give --text (and --note) to set the label, or --clear to remove it");
        if (clear_ && (text_ || note_)) throw UsageError("--clear takes no --text or --note");
        if (!targeted && !list_ && json_.empty()) throw UsageError("give --concept or --latent to label, or --list");
        if (!std::filesystem::exists(project_)) throw Error(project_, "no such project file");

        auto store = store::ProjectStore::open(project_, /*readOnly=*/!targeted);
        results::RunData run = results::loadRunData(*store, runId_);
        if (targeted) {
            const auto [target, rowId] = resolveTarget(run);
            const std::string text = text_.value_or(existingText(*store, target, rowId)), note = note_.value_or("");
            // An empty label and note is no label: nothing is kept for it.
            if (clear_ || (text.empty() && note.empty())) store->removeLabel(target, rowId);
            else store->setLabel(target, rowId, text, note);
            run.labels = store->labels(runId_);
        }
        if (list_) printLabels(run);
        if (!json_.empty()) writeJsonFile(json_, runLabelsJson(run));
        return 0;
    }

private:
    // The label's row: the concept's row id, checked to belong to the run, or the latent's row
    // found by its index.
    std::pair<LabelTarget, int64_t> resolveTarget(const results::RunData& run) const {
        const std::string runName = "run " + std::to_string(runId_);
        if (conceptId_) {
            for (const auto& c : run.concepts)
                if (c.id == *conceptId_) return {LabelTarget::Concept, c.id};
            throw Error(project_, runName + " has no concept " + std::to_string(*conceptId_) +
                                      (run.concepts.empty() ? " (it has no concepts)"
                                                            : " (its concept ids are " + std::to_string(run.concepts.front().id) +
                                                                  "-" + std::to_string(run.concepts.back().id) + ")"));
        }
        for (const auto& l : run.latents)
            if (l.index == *latentIndex_) return {LabelTarget::Latent, l.id};
        throw Error(project_, runName + " has no latent " + std::to_string(*latentIndex_) +
                                  (run.latents.empty() ? " (it has no SAE latents)" : ""));
    }

    // `--note` alone keeps the label's text.
    static std::string existingText(const store::ProjectStore& store, LabelTarget target, int64_t rowId) {
        const auto label = store.label(target, rowId);
        return label ? label->text : std::string();
    }

    static void printLabels(const results::RunData& run) {
        for (const auto& l : run.labels) {
            int64_t shownId = l.targetId;  // concepts by row id, latents by index, as the JSON shows them
            if (l.target == LabelTarget::Latent)
                for (const auto& latent : run.latents)
                    if (latent.id == l.targetId) shownId = latent.index;
            std::printf("%-7s %-6lld %s%s%s\n", store::toString(l.target), static_cast<long long>(shownId), l.text.c_str(),
                        l.note.empty() ? "" : "  -- ", l.note.c_str());
        }
        if (run.labels.empty()) std::printf("(no labels)\n");
    }

    std::string project_, json_;
    int64_t runId_ = 0;
    std::optional<int64_t> conceptId_, latentIndex_;
    std::optional<std::string> text_, note_;
    bool clear_ = false, list_ = false;
};

CommandRegistrar<LabelCommand> registrar;

}  // namespace
}  // namespace cs::cli
