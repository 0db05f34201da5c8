// The Hungarian solver (metrics/assignment.h): a known permutation, and the optimum of every
// permutation on random square and rectangular matrices.
#include "metrics/assignment.h"

#include "common/error.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <random>

using cs::metrics::solveAssignment;

namespace {

double totalCost(const std::vector<double>& cost, int64_t cols, const std::vector<int64_t>& columnOfRow) {
    double total = 0;
    for (size_t i = 0; i < columnOfRow.size(); ++i)
        if (columnOfRow[i] >= 0) total += cost[i * cols + columnOfRow[i]];
    return total;
}

// The least total cost over every injective choice of columns for the rows (rows ≤ cols).
double bruteForceMinimum(const std::vector<double>& cost, int64_t rows, int64_t cols) {
    std::vector<int64_t> columns(static_cast<size_t>(cols));
    std::iota(columns.begin(), columns.end(), 0);
    double best = std::numeric_limits<double>::infinity();
    do {
        double total = 0;
        for (int64_t i = 0; i < rows; ++i) total += cost[i * cols + columns[i]];
        best = std::min(best, total);
    } while (std::next_permutation(columns.begin(), columns.end()));
    return best;
}

std::vector<double> randomCost(int64_t rows, int64_t cols, uint64_t seed) {
    std::mt19937_64 rng(seed);
    std::uniform_real_distribution<double> value(-1.0, 3.0);
    std::vector<double> cost(static_cast<size_t>(rows * cols));
    for (double& c : cost) c = value(rng);
    return cost;
}

}  // namespace

TEST(Assignment, FindsAKnownPermutation) {
    // Cost 0 on the planted permutation, 1 + |i − j| elsewhere: the permutation is the only optimum.
    const std::vector<int64_t> planted{3, 0, 4, 1, 2};
    const int64_t n = 5;
    std::vector<double> cost(n * n);
    for (int64_t i = 0; i < n; ++i)
        for (int64_t j = 0; j < n; ++j) cost[i * n + j] = j == planted[i] ? 0.0 : 1.0 + std::abs(i - j);
    EXPECT_EQ(solveAssignment(cost, n, n), planted);
}

TEST(Assignment, MatchesBruteForceOnRandomSquareMatrices) {
    for (uint64_t seed = 1; seed <= 20; ++seed) {
        const int64_t n = 6;
        const auto cost = randomCost(n, n, seed);
        const auto assignment = solveAssignment(cost, n, n);
        std::vector<int64_t> sorted = assignment;
        std::sort(sorted.begin(), sorted.end());
        std::vector<int64_t> all(n);
        std::iota(all.begin(), all.end(), 0);
        EXPECT_EQ(sorted, all) << "not a permutation, seed " << seed;
        EXPECT_NEAR(totalCost(cost, n, assignment), bruteForceMinimum(cost, n, n), 1e-9) << "seed " << seed;
    }
}

TEST(Assignment, RectangularMatricesLeaveTheExtraRowsUnmatched) {
    for (uint64_t seed = 1; seed <= 10; ++seed) {
        // Fewer rows: each row gets a distinct column, at the brute-force optimum.
        const auto wide = randomCost(4, 6, seed);
        const auto rowsToColumns = solveAssignment(wide, 4, 6);
        EXPECT_NEAR(totalCost(wide, 6, rowsToColumns), bruteForceMinimum(wide, 4, 6), 1e-9);
        // More rows: the transpose's optimum, two rows left at −1.
        std::vector<double> tall(wide.size());
        for (int64_t i = 0; i < 4; ++i)
            for (int64_t j = 0; j < 6; ++j) tall[j * 4 + i] = wide[i * 6 + j];
        const auto columnsOfTall = solveAssignment(tall, 6, 4);
        EXPECT_EQ(std::count(columnsOfTall.begin(), columnsOfTall.end(), -1), 2);
        EXPECT_NEAR(totalCost(tall, 4, columnsOfTall), bruteForceMinimum(wide, 4, 6), 1e-9);
    }
}

TEST(Assignment, RefusesBadCostMatrices) {
    EXPECT_THROW(solveAssignment({1.0, 2.0, 3.0}, 2, 2), cs::Error);
    EXPECT_THROW(solveAssignment({1.0, std::nan(""), 3.0, 4.0}, 2, 2), cs::Error);
    EXPECT_TRUE(solveAssignment({}, 0, 3).empty());
}
