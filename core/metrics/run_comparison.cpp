#include "metrics/run_comparison.h"

#include "common/error.h"
#include "results/run_data.h"
#include "store/project_store.h"

namespace cs::metrics {

using nlohmann::json;

namespace {

std::string text(const json& object, const char* key) {
    return object.is_object() && object.contains(key) && object[key].is_string() ? object[key].get<std::string>() : std::string();
}

ComparedRun comparedRun(const store::ProjectStore& store, const std::string& projectPath, int64_t runId) {
    if (!store.run(runId)) throw Error(projectPath, "has no run " + std::to_string(runId));
    const results::RunData data = results::loadRunData(store, runId);
    if (!data.isCraft()) throw Error(projectPath, "run " + std::to_string(runId) + " is a " + data.run.kind + " run; compare takes CRAFT runs");
    if (data.run.status != store::RunStatus::Done)
        throw Error(projectPath, "run " + std::to_string(runId) + " is " + store::toString(data.run.status) + ", not finished");
    ComparedRun run;
    run.runId = runId;
    run.dictionary = text(data.parameters, "dictionary");
    run.importance = text(data.parameters, "importance");
    run.layer = data.probePoint();
    run.metrics = runMetricsFromSummary(data.summary);
    // Older runs name no method: they ran the reference's.
    if (run.dictionary.empty()) run.dictionary = "nmf";
    if (run.importance.empty()) run.importance = "sobol";
    for (const store::ConceptRecord* concept : data.topConcepts()) {
        if (run.conceptVectors.shape.empty()) run.conceptVectors.shape = {0, concept->vector.numel()};
        if (concept->vector.numel() != run.conceptVectors.shape[1])
            throw Error(projectPath, "run " + std::to_string(runId) + " has concept vectors of different lengths");
        run.conceptIds.push_back(concept->id);
        run.conceptVectors.data.insert(run.conceptVectors.data.end(), concept->vector.data.begin(), concept->vector.data.end());
        ++run.conceptVectors.shape[0];
    }
    return run;
}

}  // namespace

RunComparison compareRuns(const store::ProjectStore& store, const std::string& projectPath, const std::vector<int64_t>& runIds) {
    RunComparison comparison;
    for (int64_t id : runIds) comparison.runs.push_back(comparedRun(store, projectPath, id));
    for (size_t i = 0; i < comparison.runs.size(); ++i)
        for (size_t j = i + 1; j < comparison.runs.size(); ++j) {
            ConceptPairing pairing{i, j, std::nullopt, {}};
            const ComparedRun &a = comparison.runs[i], &b = comparison.runs[j];
            if (a.conceptIds.empty() || b.conceptIds.empty())
                pairing.problem = "a run has no concepts";
            else if (a.conceptVectors.shape[1] != b.conceptVectors.shape[1] || a.layer != b.layer)
                pairing.problem = "the runs factorise different layers (" + a.layer + ", " + b.layer + ")";
            else
                pairing.matching = matchConcepts(a.conceptVectors, b.conceptVectors);
            comparison.pairings.push_back(std::move(pairing));
        }
    return comparison;
}

json toJson(const RunComparison& comparison) {
    json runs = json::array();
    for (const ComparedRun& run : comparison.runs)
        runs.push_back({{"run_id", run.runId},
                        {"dictionary", run.dictionary},
                        {"importance", run.importance},
                        {"layer", run.layer},
                        {"concepts", run.conceptIds.size()},
                        {"metrics", toJson(run.metrics)}});
    json matchings = json::array();
    for (const ConceptPairing& p : comparison.pairings) {
        const ComparedRun &a = comparison.runs[p.first], &b = comparison.runs[p.second];
        json m{{"run_a", a.runId}, {"run_b", b.runId}};
        if (!p.matching) {
            m["problem"] = p.problem;
            m["mean_cosine"] = nullptr;
        } else {
            json pairs = json::array();
            for (size_t k = 0; k < p.matching->pairs.size(); ++k) {
                const int64_t other = p.matching->pairs[k];
                pairs.push_back({{"concept_a", a.conceptIds[k]},
                                 {"concept_b", other >= 0 ? json(b.conceptIds[other]) : json(nullptr)},
                                 {"cosine", p.matching->cosines[k]}});
            }
            m["mean_cosine"] = p.matching->meanCosine;
            m["pairs"] = pairs;
        }
        matchings.push_back(m);
    }
    return {{"runs", runs}, {"matchings", matchings}};
}

}  // namespace cs::metrics
