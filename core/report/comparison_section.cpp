#include "report/comparison_section.h"

#include "metrics/run_comparison.h"
#include "report/text_encoding.h"
#include "store/project_store.h"

#include <cstdio>
#include <sstream>

namespace cs::report {

namespace {

std::string number(const std::optional<double>& value) {
    if (!value) return "&ndash;";
    char text[32];
    std::snprintf(text, sizeof text, "%.4g", *value);
    return text;
}

}  // namespace

std::string comparisonSectionHtml(const store::ProjectStore& store, const std::vector<int64_t>& runIds) {
    std::vector<int64_t> craftRuns;
    for (int64_t id : runIds) {
        const auto run = store.run(id);
        if (run && run->kind == "craft" && run->status == store::RunStatus::Done) craftRuns.push_back(id);
    }
    if (craftRuns.size() < 2) return {};
    const metrics::RunComparison comparison = metrics::compareRuns(store, store.path(), craftRuns);
    std::ostringstream out;
    out << "<h2 id=\"comparison\">Comparison of the CRAFT runs</h2>\n"
        << "<p>Metrics of each run (docs/craft.md, Metrics); &ndash; where a run has none (stability is measured only "
           "when asked for).</p>\n<table border=\"1\" cellspacing=\"0\" cellpadding=\"3\"><tr><th>Run</th><th>Dictionary</th>"
           "<th>Importance</th><th>Layer</th>";
    for (const auto& column : metrics::metricColumns())
        out << "<th>" << escapeHtml(column.heading) << (column.higherIsBetter ? " &uarr;" : " &darr;") << "</th>";
    out << "</tr>\n";
    for (const auto& run : comparison.runs) {
        out << "<tr><td><a href=\"#run-" << run.runId << "\">" << run.runId << "</a></td><td>" << escapeHtml(run.dictionary) << "</td><td>"
            << escapeHtml(run.importance) << "</td><td>" << escapeHtml(run.layer) << "</td>";
        for (const auto& column : metrics::metricColumns()) out << "<td>" << number(metrics::metricValue(run.metrics, column.key)) << "</td>";
        out << "</tr>\n";
    }
    out << "</table>\n<p>Concepts matched between runs (Hungarian method on |cosine| of the concept vectors):</p>\n"
        << "<table border=\"1\" cellspacing=\"0\" cellpadding=\"3\"><tr><th>Runs</th><th>Mean |cosine|</th></tr>\n";
    for (const auto& pairing : comparison.pairings) {
        out << "<tr><td>" << comparison.runs[pairing.first].runId << " &ndash; " << comparison.runs[pairing.second].runId << "</td><td>"
            << (pairing.matching ? number(pairing.matching->meanCosine) : escapeHtml(pairing.problem)) << "</td></tr>\n";
    }
    out << "</table>\n";
    return out.str();
}

}  // namespace cs::report
