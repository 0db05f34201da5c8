#include "metrics/assignment.h"

#include "common/error.h"

#include <cmath>
#include <limits>

namespace cs::metrics {

namespace {

// rows ≤ cols. Potentials u (rows) and v (cols) keep reduced costs c − u − v ≥ 0; each row is
// added by a Dijkstra-like search for the cheapest augmenting path in reduced costs.
std::vector<int64_t> assignRowsToColumns(const std::vector<double>& cost, int64_t n, int64_t m) {
    const double inf = std::numeric_limits<double>::infinity();
    // 1-based with column 0 as the virtual start, as in the classic formulation.
    std::vector<double> u(n + 1, 0.0), v(m + 1, 0.0);
    std::vector<int64_t> rowOfColumn(m + 1, 0), way(m + 1, 0);
    for (int64_t i = 1; i <= n; ++i) {
        rowOfColumn[0] = i;
        int64_t column = 0;
        std::vector<double> minimum(m + 1, inf);
        std::vector<char> used(m + 1, 0);
        do {
            used[column] = 1;
            const int64_t row = rowOfColumn[column];
            double delta = inf;
            int64_t next = 0;
            for (int64_t j = 1; j <= m; ++j) {
                if (used[j]) continue;
                const double reduced = cost[(row - 1) * m + (j - 1)] - u[row] - v[j];
                if (reduced < minimum[j]) {
                    minimum[j] = reduced;
                    way[j] = column;
                }
                if (minimum[j] < delta) {
                    delta = minimum[j];
                    next = j;
                }
            }
            for (int64_t j = 0; j <= m; ++j) {
                if (used[j]) {
                    u[rowOfColumn[j]] += delta;
                    v[j] -= delta;
                } else {
                    minimum[j] -= delta;
                }
            }
            column = next;
        } while (rowOfColumn[column] != 0);
        // Flip the path back to the start.
        do {
            const int64_t previous = way[column];
            rowOfColumn[column] = rowOfColumn[previous];
            column = previous;
        } while (column != 0);
    }
    std::vector<int64_t> columnOfRow(n, -1);
    for (int64_t j = 1; j <= m; ++j)
        if (rowOfColumn[j] > 0) columnOfRow[rowOfColumn[j] - 1] = j - 1;
    return columnOfRow;
}

}  // namespace

std::vector<int64_t> solveAssignment(const std::vector<double>& cost, int64_t rows, int64_t cols) {
    if (rows < 0 || cols < 0 || static_cast<int64_t>(cost.size()) != rows * cols)
        throw Error("assignment", "the cost matrix has " + std::to_string(cost.size()) + " values, not " + std::to_string(rows) + " x " +
                                      std::to_string(cols));
    for (double c : cost)
        if (!std::isfinite(c)) throw Error("assignment", "the cost matrix has a value that is not finite");
    if (rows == 0 || cols == 0) return std::vector<int64_t>(static_cast<size_t>(rows), -1);
    if (rows <= cols) return assignRowsToColumns(cost, rows, cols);
    // More rows than columns: assign the columns to rows on the transpose.
    std::vector<double> transposed(cost.size());
    for (int64_t i = 0; i < rows; ++i)
        for (int64_t j = 0; j < cols; ++j) transposed[j * rows + i] = cost[i * cols + j];
    const std::vector<int64_t> rowOfColumn = assignRowsToColumns(transposed, cols, rows);
    std::vector<int64_t> columnOfRow(static_cast<size_t>(rows), -1);
    for (int64_t j = 0; j < cols; ++j) columnOfRow[rowOfColumn[j]] = j;
    return columnOfRow;
}

}  // namespace cs::metrics
