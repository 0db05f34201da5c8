// The Pareto front of the Methods view's sparsity–fidelity plot, checked against the definition
// (no other point at least as good on both axes and better on one) on random clouds with ties.
#include "metrics/pareto.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>

using cs::metrics::paretoFront;
using cs::metrics::PlanePoint;

namespace {

bool dominated(const std::vector<PlanePoint>& points, size_t i) {
    for (size_t j = 0; j < points.size(); ++j) {
        const bool noWorse = points[j].x <= points[i].x && points[j].y <= points[i].y;
        const bool better = points[j].x < points[i].x || points[j].y < points[i].y;
        if (j != i && noWorse && better) return true;
    }
    return false;
}

}  // namespace

TEST(ParetoFront, IsExactlyTheUndominatedPointsByIncreasingX) {
    std::mt19937 random(7);
    std::uniform_int_distribution<int> coordinate(0, 12);  // small range: many ties
    for (int trial = 0; trial < 200; ++trial) {
        std::vector<PlanePoint> points(1 + trial % 17);
        for (auto& p : points) p = {double(coordinate(random)), double(coordinate(random))};
        const auto front = paretoFront(points);
        std::vector<size_t> expected;
        for (size_t i = 0; i < points.size(); ++i)
            if (!dominated(points, i)) expected.push_back(i);
        std::vector<size_t> sorted = front;
        std::sort(sorted.begin(), sorted.end());
        ASSERT_EQ(sorted, expected) << "trial " << trial;
        for (size_t k = 1; k < front.size(); ++k) ASSERT_LE(points[front[k - 1]].x, points[front[k]].x);
    }
}

TEST(ParetoFront, ALowerLeftPointTakesTheWholeFront) {
    const std::vector<PlanePoint> points{{3, 0.2}, {1, 0.1}, {2, 0.5}, {8, 0.05}};
    EXPECT_EQ(paretoFront(points), (std::vector<size_t>{1, 3}));
    EXPECT_TRUE(paretoFront({}).empty());
}
