#pragma once
// The metrics of one concept run as stored in its summary JSON under "metrics" (docs/craft.md
// "Metrics", docs/cli.md), read back by the compare command, the report and the views, and the
// list of the metrics in table order with their direction, so every table shows them alike.
#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <vector>

namespace cs::metrics {

struct StabilityScores {
    double halves = 0;  // mean |cosine| of matched concepts fitted on two disjoint halves of the images' crops
    double seeds = 0;   // the same between the run's dictionary and one fitted with the next seed
};

struct RunMetrics {
    std::optional<double> relativeReconstructionError, sparsity, collinearity;
    std::optional<StabilityScores> stability;  // none unless the run asked for it (it refits)
    std::optional<double> cDeletion, cInsertion, cMuFidelity;
    std::vector<double> cDeletionCurve, cInsertionCurve;
};

// {"relative_reconstruction_error", "sparsity", "stability": {"halves", "seeds"} or null,
//  "c_deletion", "c_insertion", "c_mu_fidelity", "collinearity", "c_deletion_curve", "c_insertion_curve"};
// a metric that is not known is null.
nlohmann::json toJson(const RunMetrics& metrics);
// Tolerant: a summary without "metrics" (an older run, a RecSAE run) gives no values.
RunMetrics runMetricsFromSummary(const nlohmann::json& summary);

struct MetricColumn {
    std::string key;      // as in toJson; "stability.halves" for a nested value
    std::string heading;  // for tables
    bool higherIsBetter = false;
};
// The scalar metrics in table order.
const std::vector<MetricColumn>& metricColumns();
// The value of one column, none when unknown.
std::optional<double> metricValue(const RunMetrics& metrics, const std::string& key);

}  // namespace cs::metrics
