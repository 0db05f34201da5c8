#pragma once
// Tree files and layout output as JSON (docs/cli.md).
//   tree file:  {"name": "root", "children": [{"name": "a", "weight": 2}, {"name": "b", "weight": 1}]}
//               leaves need a weight (finite, > 0); an inner node's weight, if given, is ignored
//               (it is the sum of its children's); names are unique; other keys are ignored.
//   output:     {"method", "nodes": [{"id", "name", "parent", "weight", "polygon": [[x, y], ...]}],
//                "metrics": {"max_aspect_ratio", "p99_aspect_ratio", "mean_aspect_ratio",
//                            "max_area_error", ...}, "time_s"}
// Errors are cs::Error(subject, problem); malformed JSON names the byte, line and column.
#include "layout/layout.h"

#include <nlohmann/json.hpp>
#include <string>

namespace cs::layout {

LayoutNode parseLayoutTree(const std::string& jsonText, const std::string& subject);
LayoutNode loadLayoutTree(const std::string& path);

nlohmann::json layoutToJson(const std::vector<LayoutCell>& cells, const LayoutMetrics& metrics,
                            LayoutMethod method, double seconds);

}  // namespace cs::layout
