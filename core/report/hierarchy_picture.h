#pragma once
// The hierarchy picture of a report: a tree {"name", "weight"?, "children"?, "color"?} drawn
// as nested convex polygons whose areas are each node's share of its parent. Uses the fat
// polygonal partition of core/layout when that module is built, else a slice-and-dice
// rectangle partition so the report always has a picture.
#include <nlohmann/json.hpp>

#include <string>

namespace cs::report {

// SVG text, or empty when the tree has no children to draw.
std::string hierarchyPictureSvg(const nlohmann::json& tree, int width);
// Name of the method used ("Fat polygonal partition" or "Slice-and-dice partition").
std::string hierarchyPictureMethod();

}  // namespace cs::report
