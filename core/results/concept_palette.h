#pragma once
// The one colour of each concept, shared by the studio's views (atlas, hierarchy, heatmap legend,
// comparison) and the report's charts, so a concept looks the same wherever it appears. A concept
// takes the colour of its top-level ancestor, chosen by that concept's index within its run.
#include "store/project_store.h"

#include <string>
#include <vector>

namespace cs::results {

struct Rgb {
    int r = 0, g = 0, b = 0;
};

// Colour number `colorIndex`: Tableau-10 first (distinguishable, and the colours readers of the
// CRAFT notebooks know), then golden-angle hues.
Rgb conceptColor(int colorIndex);
std::string conceptColorHex(int colorIndex);  // "#rrggbb"

// The colour number of a concept: the index of its top-level ancestor among the run's concepts.
int conceptColorIndex(const std::vector<store::ConceptRecord>& concepts, const store::ConceptRecord& concept);

}  // namespace cs::results
