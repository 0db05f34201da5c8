#pragma once
// The report's comparison of its CRAFT runs (docs/reports.md): the metrics table and, for each pair
// of runs, the mean |cosine| of their Hungarian-matched concepts, as `compare` prints them
// (metrics/run_comparison.h).
#include <cstdint>
#include <string>
#include <vector>

namespace cs::store {
class ProjectStore;
}

namespace cs::report {

// HTML of the section for the finished CRAFT runs among runIds; empty when there are fewer than two.
std::string comparisonSectionHtml(const store::ProjectStore& store, const std::vector<int64_t>& runIds);

}  // namespace cs::report
