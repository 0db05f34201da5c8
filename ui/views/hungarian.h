#pragma once
// Minimum-cost assignment (Hungarian algorithm, Kuhn–Munkres with potentials, O(n²m)) for a
// rectangular cost matrix: every row of the smaller side gets a distinct column.
#include <vector>

namespace cs::ui {

// cost[i][j]; returns for each row its column, or -1 when rows outnumber columns and the
// row is left unmatched. All rows must have the same length.
std::vector<int> solveAssignment(const std::vector<std::vector<double>>& cost);

double cosineSimilarity(const std::vector<float>& a, const std::vector<float>& b);

}  // namespace cs::ui
