#pragma once
// The linear assignment problem: given a rows × cols cost matrix, choose one column per row
// (rows ≤ cols) or one row per column (rows > cols), each used at most once, with the least total
// cost. Used to pair the concepts of two dictionaries (concept_metrics.h). Shortest augmenting
// paths with potentials (the Hungarian method in its O(n²m) form; Kuhn 1955, Munkres 1957).
#include <cstdint>
#include <vector>

namespace cs::metrics {

// cost: row-major rows × cols. Returns, for each row, its column, or −1 for the rows left
// unmatched when rows > cols. Throws cs::Error on a non-finite cost.
std::vector<int64_t> solveAssignment(const std::vector<double>& cost, int64_t rows, int64_t cols);

}  // namespace cs::metrics
