#pragma once
// The report's comparison of its CRAFT runs (docs/reports.md): the metrics table, the
// sparsity–fidelity plane with the runs' Pareto front, the C-Deletion and C-Insertion curves, and,
// for each pair of runs, the mean |cosine| of their Hungarian-matched concepts, as `compare` and
// the studio's Methods view show them (metrics/run_comparison.h).
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace cs::store {
class ProjectStore;
}

namespace cs::report {

// How the report places an SVG chart with its caption (inline, or as a picture for print).
using FigureHtml = std::function<std::string(const std::string& svg, const std::string& caption)>;

// HTML of the section for the finished CRAFT runs among runIds; empty when there are fewer than two.
std::string comparisonSectionHtml(const store::ProjectStore& store, const std::vector<int64_t>& runIds, const FigureHtml& figure);

}  // namespace cs::report
