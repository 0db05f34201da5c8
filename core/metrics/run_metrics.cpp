#include "metrics/run_metrics.h"

namespace cs::metrics {

using nlohmann::json;

namespace {

json orNull(const std::optional<double>& value) { return value ? json(*value) : json(nullptr); }

std::optional<double> number(const json& object, const char* key) {
    if (!object.is_object() || !object.contains(key) || !object[key].is_number()) return std::nullopt;
    return object[key].get<double>();
}

std::vector<double> numbers(const json& object, const char* key) {
    std::vector<double> values;
    if (!object.is_object() || !object.contains(key) || !object[key].is_array()) return values;
    for (const json& v : object[key])
        if (v.is_number()) values.push_back(v.get<double>());
    return values;
}

}  // namespace

json toJson(const RunMetrics& m) {
    json stability = m.stability ? json{{"halves", m.stability->halves}, {"seeds", m.stability->seeds}} : json(nullptr);
    return {{"relative_reconstruction_error", orNull(m.relativeReconstructionError)},
            {"sparsity", orNull(m.sparsity)},
            {"stability", stability},
            {"c_deletion", orNull(m.cDeletion)},
            {"c_insertion", orNull(m.cInsertion)},
            {"c_mu_fidelity", orNull(m.cMuFidelity)},
            {"collinearity", orNull(m.collinearity)},
            {"c_deletion_curve", m.cDeletionCurve},
            {"c_insertion_curve", m.cInsertionCurve}};
}

RunMetrics runMetricsFromSummary(const json& summary) {
    RunMetrics m;
    if (!summary.is_object() || !summary.contains("metrics") || !summary["metrics"].is_object()) return m;
    const json& j = summary["metrics"];
    m.relativeReconstructionError = number(j, "relative_reconstruction_error");
    m.sparsity = number(j, "sparsity");
    m.collinearity = number(j, "collinearity");
    m.cDeletion = number(j, "c_deletion");
    m.cInsertion = number(j, "c_insertion");
    m.cMuFidelity = number(j, "c_mu_fidelity");
    if (j.contains("stability") && j["stability"].is_object()) {
        const auto halves = number(j["stability"], "halves"), seeds = number(j["stability"], "seeds");
        if (halves && seeds) m.stability = StabilityScores{*halves, *seeds};
    }
    m.cDeletionCurve = numbers(j, "c_deletion_curve");
    m.cInsertionCurve = numbers(j, "c_insertion_curve");
    return m;
}

const std::vector<MetricColumn>& metricColumns() {
    static const std::vector<MetricColumn> columns{
        {"relative_reconstruction_error", "rel. error", false},
        {"sparsity", "L0/crop", false},
        {"stability.halves", "stab. halves", true},
        {"stability.seeds", "stab. seeds", true},
        {"c_deletion", "C-Deletion", false},
        {"c_insertion", "C-Insertion", true},
        {"c_mu_fidelity", "C-muFidelity", true},
        {"collinearity", "collinearity", false},
    };
    return columns;
}

std::optional<double> metricValue(const RunMetrics& m, const std::string& key) {
    if (key == "relative_reconstruction_error") return m.relativeReconstructionError;
    if (key == "sparsity") return m.sparsity;
    if (key == "stability.halves") return m.stability ? std::optional<double>(m.stability->halves) : std::nullopt;
    if (key == "stability.seeds") return m.stability ? std::optional<double>(m.stability->seeds) : std::nullopt;
    if (key == "c_deletion") return m.cDeletion;
    if (key == "c_insertion") return m.cInsertion;
    if (key == "c_mu_fidelity") return m.cMuFidelity;
    if (key == "collinearity") return m.collinearity;
    return std::nullopt;
}

}  // namespace cs::metrics
