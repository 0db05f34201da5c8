// `concept-studio-cli ablate --project P --run ID --latent K [--scale 0] [--users 50] [--top-n 10]
// [--json OUT]`: ablates (scale 0) or steers (any other scale) one latent of a stored RecSAE run
// with the engine's LatentAblationJob, compares the users' top-N recommendations before and
// after, stores the result in the project beside the run's own ablations (artifact kind
// "ablation", or "steering" for a scale other than 0, named latent_K; a newer result for the
// same latent replaces the older one) and writes it as JSON. The studio's SAE dashboard runs
// this command as a job, since the GUI process cannot link LibTorch.
#include "cli_support.h"
#include "command.h"

#include "common/error.h"
#include "sae/recsae_job.h"
#include "store/project_store.h"


#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>

namespace cs::cli {
namespace {

using nlohmann::json;

// item_id → title from the run's item metadata (TSV with a header naming item_id and title);
// empty when the run has none or the file is gone (the ids are still shown).
std::map<std::string, std::string> readTitles(const std::string& path) {
    std::map<std::string, std::string> titles;
    if (path.empty()) return titles;
    std::ifstream in(path);
    std::string line;
    if (!in || !std::getline(in, line)) return titles;
    auto split = [](const std::string& text) {
        std::vector<std::string> fields;
        std::stringstream ss(text);
        std::string field;
        while (std::getline(ss, field, '\t')) {
            if (!field.empty() && field.back() == '\r') field.pop_back();
            fields.push_back(field);
        }
        return fields;
    };
    const auto header = split(line);
    int idColumn = -1, titleColumn = -1;
    for (size_t c = 0; c < header.size(); ++c) {
        if (header[c] == "item_id") idColumn = int(c);
        if (header[c] == "title") titleColumn = int(c);
    }
    if (idColumn < 0 || titleColumn < 0) return titles;
    while (std::getline(in, line)) {
        const auto fields = split(line);
        if (int(fields.size()) > std::max(idColumn, titleColumn)) titles[fields[size_t(idColumn)]] = fields[size_t(titleColumn)];
    }
    return titles;
}

std::string tagList(const json& tags) {
    std::string out;
    for (const auto& t : tags) {
        char delta[32];
        std::snprintf(delta, sizeof delta, "%+.2f", t.value("delta", 0.0));
        out += (out.empty() ? "" : ", ") + t.value("tag", std::string()) + " (" + delta + ")";
    }
    return out.empty() ? "none" : out;
}

// The run's parameters, once the request is known to fit it; bad input is refused with a
// message naming the problem before any model is loaded.
json parametersOfAblatableRun(const sae::AblationRequest& request) {
    const std::string& project = request.projectPath;
    const std::string subject = project + " run " + std::to_string(request.runId);
    auto store = store::ProjectStore::open(project, true);
    const auto run = store->run(request.runId);
    if (!run) {
        std::string known;
        for (const auto& r : store->runs())
            if (r.kind == "recsae") known += (known.empty() ? "" : ", ") + std::to_string(r.id);
        throw Error(project, "no run " + std::to_string(request.runId) + " in this project (RecSAE runs: " +
                                 (known.empty() ? "none" : known) + ")");
    }
    if (run->kind != "recsae")
        throw Error(subject, "is a " + run->kind + " run, not a RecSAE run: only RecSAE latents can be ablated");
    if (run->status != store::RunStatus::Done)
        throw Error(subject, std::string("the run is ") + store::toString(run->status) + ", not done");
    const auto latents = store->latents(request.runId).size();
    if (static_cast<size_t>(request.latent) >= latents)
        throw Error(subject, "latent " + std::to_string(request.latent) + " is out of range (the run has " +
                                 std::to_string(latents) + " latents, 0 .. " + std::to_string(int64_t(latents) - 1) + ")");
    return json::parse(run->parametersJson, nullptr, false);
}

// Titles make the lists readable in the studio; the ids stay the reference.
void addTitles(json& result, const std::map<std::string, std::string>& titles) {
    if (titles.empty()) return;
    for (auto& example : result["examples"])
        for (const char* key : {"before", "after"}) {
            json named = json::array();
            for (const auto& id : example[key]) {
                const std::string text = id.is_string() ? id.get<std::string>() : id.dump();
                const auto it = titles.find(text);
                named.push_back(it == titles.end() ? text : it->second);
            }
            example[std::string(key) + "_titles"] = named;
        }
}

// Stored like RecSaeJob's own ablations, so the dashboard shows it when the latent is selected.
void storeResult(const sae::AblationRequest& request, store::ArtifactKind kind, const std::string& artifactName,
                 const json& result) {
    const std::string& project = request.projectPath;
    auto store = store::ProjectStore::open(project);
    if (store->readOnly()) throw Error(project, "the project file is read-only: the result cannot be stored");
    store::ArtifactRecord artifact;
    artifact.runId = request.runId;
    artifact.kind = kind;
    artifact.name = artifactName;
    artifact.mime = "application/json";
    artifact.bytes = result.dump();
    store->replaceArtifact(artifact);  // one result per latent and kind: a rerun replaces it
}

void printResult(const sae::AblationRequest& request, const json& result, store::ArtifactKind kind,
                 const std::string& artifactName) {
    const int64_t users = result.value("users", int64_t(0));
    if (request.scale == 0.0)
        std::printf("Latent %lld ablated over %lld users:", static_cast<long long>(request.latent), static_cast<long long>(users));
    else
        std::printf("Latent %lld steered x%g over %lld users:", static_cast<long long>(request.latent), request.scale,
                    static_cast<long long>(users));
    std::printf(" top-%d lists keep %.0f%% of their items on average\n", request.topN,
                100.0 * result.value("mean_overlap", 1.0));
    if (users == 0) std::printf("  no user's final state activates this latent, so nothing changed\n");
    std::printf("  rose: %s\n  fell: %s\n", tagList(result["tags_rose"]).c_str(), tagList(result["tags_fell"]).c_str());
    if (!result["examples"].empty()) {
        const auto& e = result["examples"][0];
        auto list = [&](const char* key) {
            std::string out;
            const json& items = e.contains(std::string(key) + "_titles") ? e[std::string(key) + "_titles"] : e[key];
            for (const auto& item : items) out += (out.empty() ? "" : ", ") + (item.is_string() ? item.get<std::string>() : item.dump());
            return out;
        };
        std::printf("  user %s\n    before: %s\n    after:  %s\n", e.value("user", std::string()).c_str(), list("before").c_str(),
                    list("after").c_str());
    }
    std::printf("  stored as %s/%s of run %lld in %s\n", store::toString(kind), artifactName.c_str(),
                static_cast<long long>(request.runId), request.projectPath.c_str());
}

class AblateCommand : public Command {
public:
    std::string name() const override { return "ablate"; }
    std::string description() const override {
        return "Ablate (scale 0) or steer one latent of a stored RecSAE run and compare the recommendations before and after";
    }
    void setup(CLI::App& sub) override {
        sub.add_option("--project", request_.projectPath, "Project file (.cstudio) holding the RecSAE run")->required();
        sub.add_option("--run", request_.runId, "RecSAE run id (see `runs`)")->required();
        sub.add_option("--latent", request_.latent, "Latent index (0 .. latents-1)")
            ->required()
            ->check(CLI::Range(int64_t{0}, int64_t{10000000}));
        sub.add_option("--scale", request_.scale, "Factor for the latent's activation: 0 removes it (ablation), other values steer")
            ->default_val(0.0);
        sub.add_option("--users", request_.maxUsers, "At most this many users whose state activates the latent")
            ->default_val(request_.maxUsers)
            ->check(CLI::Range(1, 100000));
        sub.add_option("--top-n", request_.topN, "Length of the recommendation lists compared")
            ->default_val(request_.topN)
            ->check(CLI::Range(1, 1000));
        sub.add_option("--json", json_, "Write the result (before/after lists, tags that rose and fell) as JSON to this file");
    }

    int run() override {
        if (request_.maxUsers < 1) throw UsageError("--users must be at least 1");
        if (request_.topN < 1) throw UsageError("--top-n must be at least 1");
        if (request_.latent < 0) throw UsageError("--latent must be 0 or more");
        if (request_.runId < 1) throw UsageError("--run must be at least 1");
        // CLI11's Range lets NaN through (every comparison with it is false), and a NaN or infinite
        // factor turns every score of the steered users into NaN.
        if (!std::isfinite(request_.scale) || std::fabs(request_.scale) > 1000.0)
            throw UsageError("--scale must be a finite number between -1000 and 1000");
        const json params = parametersOfAblatableRun(request_);

        auto job = std::make_shared<sae::LatentAblationJob>(request_);
        auto outcome = runJobWithProgress(std::make_unique<jobs::FunctionJob>(
            "ablate", [job](jobs::JobContext& context) { job->run(context); }));
        if (outcome.state != jobs::JobState::Done) return exitCodeFor(outcome);
        json result = job->result();
        addTitles(result, readTitles(params.is_object() ? params.value("item_meta", std::string()) : std::string()));

        const store::ArtifactKind kind = request_.scale == 0.0 ? store::ArtifactKind::Ablation : store::ArtifactKind::Steering;
        const std::string artifactName = "latent_" + std::to_string(request_.latent);
        result["stored"] = {{"kind", store::toString(kind)}, {"name", artifactName}};
        storeResult(request_, kind, artifactName, result);
        printResult(request_, result, kind, artifactName);
        if (!json_.empty()) writeJsonFile(json_, result);
        return 0;
    }

private:
    sae::AblationRequest request_;
    std::string json_;
};

CommandRegistrar<AblateCommand> registrar;

}  // namespace
}  // namespace cs::cli
