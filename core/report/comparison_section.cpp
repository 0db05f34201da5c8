#include "report/comparison_section.h"

#include "metrics/pareto.h"
#include "metrics/run_comparison.h"
#include "report/svg_charts.h"
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

std::string runName(const metrics::ComparedRun& run) { return "#" + std::to_string(run.runId) + " " + run.dictionary + " x " + run.importance; }

// L0 against relative error, a dot per run, and the Pareto front as a dashed staircase.
std::string tradeOffSvg(const metrics::RunComparison& comparison) {
    std::vector<Series> series;
    std::vector<metrics::PlanePoint> plane;
    for (const auto& run : comparison.runs) {
        const auto& m = run.metrics;
        if (!m.sparsity || !m.relativeReconstructionError) continue;
        Series dot;
        dot.name = runName(run);
        dot.x = {*m.sparsity};
        dot.y = {*m.relativeReconstructionError};
        dot.markers = true;
        series.push_back(dot);
        plane.push_back({*m.sparsity, *m.relativeReconstructionError});
    }
    if (series.empty()) return {};
    Series front;
    front.name = "Pareto front";
    front.color = "#444444";
    front.dashed = true;
    const auto onFront = metrics::paretoFront(plane);
    for (size_t k = 0; k < onFront.size(); ++k) {
        const auto& p = plane[onFront[k]];
        if (k > 0) {  // across at the previous error, then down
            front.x.push_back(p.x);
            front.y.push_back(plane[onFront[k - 1]].y);
        }
        front.x.push_back(p.x);
        front.y.push_back(p.y);
    }
    series.push_back(front);
    return lineChartSvg(series, "L0: concepts active per crop", "relative reconstruction error");
}

// One curve per run over the share of concepts removed (or added), most important first.
std::string curvesSvg(const metrics::RunComparison& comparison, bool deletion) {
    std::vector<Series> series;
    for (const auto& run : comparison.runs) {
        const auto& curve = deletion ? run.metrics.cDeletionCurve : run.metrics.cInsertionCurve;
        if (curve.size() < 2) continue;
        Series s;
        s.name = runName(run);
        for (size_t j = 0; j < curve.size(); ++j) s.x.push_back(double(j) / double(curve.size() - 1));
        s.y = curve;
        series.push_back(s);
    }
    if (series.empty()) return {};
    return lineChartSvg(series, deletion ? "share of concepts removed" : "share of concepts added", "class logit");
}

}  // namespace

std::string comparisonSectionHtml(const store::ProjectStore& store, const std::vector<int64_t>& runIds, const FigureHtml& figure) {
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
    out << "</table>\n";
    if (const std::string svg = tradeOffSvg(comparison); !svg.empty())
        out << figure(svg, "Sparsity against fidelity: lower left is better; the dashed staircase is the Pareto front (no other run "
                           "is both sparser and more faithful).");
    if (const std::string svg = curvesSvg(comparison, true); !svg.empty())
        out << figure(svg, "C-Deletion: the class logit as each image's concepts are removed, most important first (lower is better).");
    if (const std::string svg = curvesSvg(comparison, false); !svg.empty())
        out << figure(svg, "C-Insertion: the class logit as the concepts are added back in the same order (higher is better).");
    out << "<p>Concepts matched between runs (Hungarian method on |cosine| of the concept vectors):</p>\n"
        << "<table border=\"1\" cellspacing=\"0\" cellpadding=\"3\"><tr><th>Runs</th><th>Mean |cosine|</th></tr>\n";
    for (const auto& pairing : comparison.pairings) {
        out << "<tr><td>" << comparison.runs[pairing.first].runId << " &ndash; " << comparison.runs[pairing.second].runId << "</td><td>"
            << (pairing.matching ? number(pairing.matching->meanCosine) : escapeHtml(pairing.problem)) << "</td></tr>\n";
    }
    out << "</table>\n";
    return out.str();
}

}  // namespace cs::report
