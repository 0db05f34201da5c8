#pragma once
// Runs side by side (docs/craft.md "Metrics", docs/cli.md `compare`): each finished CRAFT run's
// metrics as stored in its summary, and for every pair of runs the Hungarian matching of their
// top-level concept vectors (concept_metrics.h). The compare command, the report and the views
// read a comparison from here, so they agree.
#include "metrics/concept_metrics.h"
#include "metrics/run_metrics.h"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace cs::store {
class ProjectStore;
}

namespace cs::metrics {

struct ComparedRun {
    int64_t runId = 0;
    std::string dictionary, importance, layer;  // from the run's parameters
    RunMetrics metrics;
    std::vector<int64_t> conceptIds;            // top-level concepts, most important first
    TensorBlob conceptVectors;                  // their vectors, one row each
};

struct ConceptPairing {
    size_t first = 0, second = 0;                // indices into RunComparison::runs
    std::optional<ConceptMatching> matching;     // pairs index the second run's conceptIds
    std::string problem;                         // why there is no matching (e.g. different layers)
};

struct RunComparison {
    std::vector<ComparedRun> runs;
    std::vector<ConceptPairing> pairings;  // every pair (i < j)
};

// Throws cs::Error naming the project for a run that is absent, not a CRAFT run, or not finished.
RunComparison compareRuns(const store::ProjectStore& store, const std::string& projectPath, const std::vector<int64_t>& runIds);

// {"runs": [{"run_id", "dictionary", "importance", "layer", "metrics"}],
//  "matchings": [{"run_a", "run_b", "mean_cosine", "pairs": [{"concept_a", "concept_b", "cosine"}]} or with "problem"]}
nlohmann::json toJson(const RunComparison& comparison);

}  // namespace cs::metrics
