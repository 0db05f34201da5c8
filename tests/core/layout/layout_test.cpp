// Fat partition and squarified treemap: exact areas, convex cells that tile their parents, the
// aspect-ratio bounds of docs/layout.md on the benchmark's tree families, deep trees, and bad trees.
#include "common/error.h"
#include "layout/layout.h"
#include "tree_families.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>

using namespace cs::layout;

namespace {

bool insideConvex(const Polygon& p, Point q, double tolerance) {
    for (size_t i = 0; i < p.size(); ++i) {
        const Point a = p[i], b = p[(i + 1) % p.size()];
        if (cross(b - a, q - a) / std::hypot(b.x - a.x, b.y - a.y) < -tolerance) return false;
    }
    return true;
}

// Every cell is convex and exact; children lie inside their parent and their areas add up to it.
void expectSoundLayout(const std::vector<LayoutCell>& cells, double areaTolerance = 1e-9) {
    const LayoutMetrics m = measureLayout(cells);
    EXPECT_EQ(m.nonConvexCells, 0u);
    EXPECT_EQ(m.nonFiniteCells, 0u);
    EXPECT_LE(m.maxAreaError, areaTolerance);
    std::vector<double> childArea(cells.size(), 0.0);
    for (const LayoutCell& cell : cells) {
        ASSERT_EQ(cell.id, &cell - cells.data());
        if (cell.parent < 0) continue;
        ASSERT_LT(cell.parent, cell.id);  // preorder
        childArea[cell.parent] += polygonArea(cell.localPolygon);
        const LayoutCell& parent = cells[cell.parent];
        // Containment in the parent's frame (exact even for tiny cells).
        const Point shift = cell.offsetFromParent;
        const double tolerance = 1e-9 * std::sqrt(polygonArea(parent.localPolygon));
        for (const Point& v : cell.localPolygon)
            ASSERT_TRUE(insideConvex(parent.localPolygon, v + shift, tolerance))
                << "cell " << cell.name << " leaves its parent " << parent.name;
    }
    for (const LayoutCell& cell : cells)
        if (!cell.leaf) EXPECT_NEAR(childArea[cell.id] / polygonArea(cell.localPolygon), 1.0, 1e-9) << cell.name;
}

// Random points of the root fall in exactly one leaf: the leaves tile the root without overlap.
void expectLeavesTileTheRoot(const std::vector<LayoutCell>& cells) {
    std::mt19937_64 rng(11);
    std::uniform_real_distribution<double> u(0.0, 1.0);
    for (int sample = 0; sample < 500; ++sample) {
        const Point q{u(rng), u(rng)};
        int inside = 0, nearBoundary = 0;
        for (const LayoutCell& cell : cells) {
            if (!cell.leaf) continue;
            if (insideConvex(cell.polygon, q, -1e-9)) ++inside;
            else if (insideConvex(cell.polygon, q, 1e-9)) ++nearBoundary;
        }
        if (nearBoundary == 0) EXPECT_EQ(inside, 1) << "point " << q.x << ", " << q.y;
    }
}

}  // namespace

TEST(FatLayout, CellsAreConvexExactAndTileTheRoot) {
    for (auto weights : {families::Weights::Zipf, families::Weights::Exponential, families::Weights::LogUniform6}) {
        const LayoutNode tree = families::randomTree(300, weights, 17);
        const auto cells = layoutInUnitSquare(tree, LayoutMethod::Fat);
        ASSERT_EQ(cells.size(), countNodes(tree));
        expectSoundLayout(cells);
        expectLeavesTileTheRoot(cells);
        EXPECT_EQ(cells[0].name, "root");
        EXPECT_EQ(cells[0].parent, -1);
    }
}

TEST(FatLayout, AspectBoundOnAThousandLogUniformLeaves) {
    // The fatness target: max diameter/width <= 5 where a squarified layout reaches ~1e5.
    for (std::uint64_t seed : {1, 2, 42}) {
        const LayoutNode tree = families::randomTree(1000, families::Weights::LogUniform6, seed);
        const auto fat = layoutInUnitSquare(tree, LayoutMethod::Fat);
        expectSoundLayout(fat);
        const LayoutMetrics fatMetrics = measureLayout(fat);
        EXPECT_LE(fatMetrics.maxAspectRatio, 5.0) << "seed " << seed;
        const LayoutMetrics squarified = measureLayout(layoutInUnitSquare(tree, LayoutMethod::Squarified));
        EXPECT_GT(squarified.maxAspectRatio, 100 * fatMetrics.maxAspectRatio) << "seed " << seed;
    }
}

TEST(FatLayout, AdversarialSiblingsStayFatAsEpsilonShrinks) {
    double smallest = 1e9, largest = 0;
    for (int e = 3; e <= 9; ++e) {
        const auto cells = layoutInUnitSquare(families::twoSiblings(std::pow(10.0, -e)), LayoutMethod::Fat);
        expectSoundLayout(cells);
        const double aspect = measureLayout(cells).maxAspectRatio;
        EXPECT_LE(aspect, 2.5) << "epsilon 1e-" << e;
        smallest = std::min(smallest, aspect);
        largest = std::max(largest, aspect);
    }
    EXPECT_LE(largest - smallest, 0.05);  // flat in epsilon
    // Far beyond the range: a 1e-100 sibling is still a fat, exact triangle.
    for (double epsilon : {1e-40, 1e-100, 1e-190}) {
        const LayoutNode tree{"root", 0, {{"big", 1, {}}, {"small", epsilon, {}}}};
        const auto cells = layoutInUnitSquare(tree, LayoutMethod::Fat);
        expectSoundLayout(cells);
        EXPECT_LE(measureLayout(cells).maxAspectRatio, 2.5) << epsilon;
    }
    const auto crowd = layoutInUnitSquare(families::unitsPlusTiny(100, 1e-6), LayoutMethod::Fat);
    expectSoundLayout(crowd);
    EXPECT_LE(measureLayout(crowd).maxAspectRatio, 2.5);
    const auto squarified = layoutInUnitSquare(families::unitsPlusTiny(100, 1e-6), LayoutMethod::Squarified);
    EXPECT_GT(measureLayout(squarified).maxAspectRatio, 1e4);
}

TEST(FatLayout, FortyLevelsOfTinyWeightsStayExact) {
    // Each level is 1e-3 of the one above: the deepest cell is 1e-120 of the root.
    const auto cells = layoutInUnitSquare(families::tinyChain(40, 1e-3), LayoutMethod::Fat);
    expectSoundLayout(cells);
    const LayoutMetrics m = measureLayout(cells);
    EXPECT_LE(m.maxAspectRatio, 2.5);
    EXPECT_EQ(m.nonFiniteCells, 0u);
    for (const LayoutCell& cell : cells) {
        for (const Point& p : cell.polygon) ASSERT_TRUE(std::isfinite(p.x) && std::isfinite(p.y));
        EXPECT_GT(polygonArea(cell.localPolygon), 0.0);
    }
}

TEST(FatLayout, TwoHundredLevelChainLaysOut) {
    // A chain where every inner node has one child (all share the root's polygon) and one where every
    // level halves (0.5^200 ~ 6e-61 of the root).
    LayoutNode single{"n200", 1.0, {}};
    for (int level = 199; level >= 0; --level) single = LayoutNode{"n" + std::to_string(level), 0, {std::move(single)}};
    for (LayoutMethod method : {LayoutMethod::Fat, LayoutMethod::Squarified}) {
        const auto cells = layoutInUnitSquare(single, method);
        ASSERT_EQ(cells.size(), 201u);
        expectSoundLayout(cells);
        EXPECT_NEAR(polygonArea(cells.back().localPolygon), 1.0, 1e-12);
        const auto halving = layoutInUnitSquare(families::tinyChain(200, 0.5), method);
        expectSoundLayout(halving, 1e-9);
    }
}

TEST(FatLayout, OneLeafFillsTheBoundary) {
    const LayoutNode leaf{"only", 3.5, {}};
    const Polygon triangle{{0, 0}, {2, 0}, {1, 2}};
    const auto cells = layoutFat(leaf, triangle);
    ASSERT_EQ(cells.size(), 1u);
    EXPECT_TRUE(cells[0].leaf);
    EXPECT_NEAR(polygonArea(cells[0].polygon), 2.0, 1e-15);
    EXPECT_EQ(cells[0].parent, -1);
    const auto squarified = layoutSquarified(leaf, Rect{0, 0, 2, 1});
    ASSERT_EQ(squarified.size(), 1u);
    EXPECT_NEAR(polygonArea(squarified[0].polygon), 2.0, 1e-15);
}

TEST(FatLayout, AnyConvexBoundaryEitherOrientation) {
    Polygon hexagon;
    for (int k = 5; k >= 0; --k) hexagon.push_back({std::cos(M_PI * k / 3), std::sin(M_PI * k / 3)});  // clockwise
    const LayoutNode tree = families::randomTree(200, families::Weights::Exponential, 5);
    const auto cells = layoutFat(tree, hexagon);
    expectSoundLayout(cells);
    EXPECT_NEAR(polygonArea(cells[0].polygon), 1.5 * std::sqrt(3.0), 1e-12);
    EXPECT_THROW(layoutFat(tree, Polygon{{0, 0}, {2, 0}, {1, 0.2}, {2, 2}, {0, 2}}), cs::Error);
    EXPECT_THROW(layoutFat(tree, Polygon{{0, 0}, {1, 1}}), cs::Error);
    EXPECT_THROW(layoutSquarified(tree, Rect{0, 0, 0, 1}), cs::Error);
}

TEST(SquarifiedLayout, RectanglesWithExactAreas) {
    const LayoutNode tree = families::randomTree(500, families::Weights::Zipf, 3);
    const auto cells = layoutInUnitSquare(tree, LayoutMethod::Squarified);
    expectSoundLayout(cells);
    expectLeavesTileTheRoot(cells);
    for (const LayoutCell& cell : cells) {
        ASSERT_EQ(cell.localPolygon.size(), 4u);
        EXPECT_EQ(cell.localPolygon[0].y, cell.localPolygon[1].y);  // axis-aligned
        EXPECT_EQ(cell.localPolygon[1].x, cell.localPolygon[2].x);
    }
    // Bruls et al.'s example: areas 6 6 4 3 2 2 1 in a 6 x 4 rectangle give rows of worst ratio <= 4.
    LayoutNode example{"root", 0, {}};
    int index = 0;
    for (double w : {6, 6, 4, 3, 2, 2, 1}) example.children.push_back({"c" + std::to_string(index++), w, {}});
    const auto rects = layoutSquarified(example, Rect{0, 0, 6, 4});
    expectSoundLayout(rects);
    for (const LayoutCell& cell : rects) {
        const double w = polygonWidth(cell.localPolygon), d = polygonDiameter(cell.localPolygon);
        const double longSide = std::sqrt(d * d - w * w);
        EXPECT_LE(longSide / w, 4.0 + 1e-12) << cell.name;
    }
    EXPECT_NEAR(polygonArea(rects[1].polygon), 6.0, 1e-12);
    EXPECT_NEAR(polygonArea(rects[7].polygon), 1.0, 1e-12);
}

TEST(LayoutMetrics, KnownValues) {
    const LayoutNode tree{"root", 0, {{"a", 3, {}}, {"b", 1, {}}}};
    auto cells = layoutSquarified(tree, Rect{0, 0, 4, 1});
    LayoutMetrics m = measureLayout(cells);
    EXPECT_EQ(m.cells, 3u);
    EXPECT_EQ(m.leaves, 2u);
    // Root 4x1, a 3x1, b 1x1: diameter/width sqrt(17), sqrt(10), sqrt(2).
    EXPECT_NEAR(m.maxAspectRatio, std::sqrt(17.0), 1e-12);
    EXPECT_NEAR(m.meanAspectRatio, (std::sqrt(17.0) + std::sqrt(10.0) + std::sqrt(2.0)) / 3, 1e-12);
    EXPECT_NEAR(m.maxLeafAspectRatio, std::sqrt(10.0), 1e-12);
    EXPECT_LE(m.maxAreaError, 1e-15);
    // A cell that lost 1 % of its area shows a 1 % error; a broken one shows up as non-convex.
    cells[2].localPolygon[2].y *= 0.98;
    cells[2].localPolygon[3].y *= 0.98;
    m = measureLayout(cells);
    EXPECT_NEAR(m.maxAreaError, 0.02, 1e-12);
    std::swap(cells[1].localPolygon[0], cells[1].localPolygon[2]);
    EXPECT_EQ(measureLayout(cells).nonConvexCells, 1u);
}

TEST(LayoutMetrics, StabilityIsMeasuredAndFatBeatsSquarifiedOnEqualSiblings) {
    // 100 equal siblings: squarified re-sorts them under any noise and reshuffles its rows;
    // the fat partition keeps the tree's order.
    const LayoutNode crowd = families::unitsPlusTiny(100, 1e-6);
    const double fat = measureStability(crowd, LayoutMethod::Fat);
    const double squarified = measureStability(crowd, LayoutMethod::Squarified);
    EXPECT_TRUE(std::isfinite(fat));
    EXPECT_GE(fat, 0.0);
    EXPECT_LT(fat, squarified);
    // Deterministic: identical inputs give identical layouts.
    const auto a = layoutInUnitSquare(crowd, LayoutMethod::Fat), b = layoutInUnitSquare(crowd, LayoutMethod::Fat);
    for (size_t i = 0; i < a.size(); ++i) {
        ASSERT_EQ(a[i].polygon.size(), b[i].polygon.size());
        for (size_t k = 0; k < a[i].polygon.size(); ++k) {
            EXPECT_EQ(a[i].polygon[k].x, b[i].polygon[k].x);
            EXPECT_EQ(a[i].polygon[k].y, b[i].polygon[k].y);
        }
    }
}

// Stability on Zipf-weighted trees (target: "no worse than squarified"). Both numbers come from the
// same run with the same seeded noise, so this compares two measurements, not timings.
// One fixed tree: the 100-leaf Zipf tree of seed 8, where the layout before the tree-order binarisation
// and the side-A-first cut choice moved leaves 1.5x as far as squarified (ratio 0.68); now 0.4x.
TEST(LayoutStability, FatIsNoLessStableThanSquarifiedOnAFixedZipfTree) {
    const LayoutNode tree = families::randomTree(100, families::Weights::Zipf, 8);
    const double fat = measureStability(tree, LayoutMethod::Fat);
    const double squarified = measureStability(tree, LayoutMethod::Squarified);
    EXPECT_GT(fat, 0.0);
    EXPECT_LE(fat, squarified);
}

// A single tree's ratio is a lottery (one cut that flips under the noise dominates it: 0.2x to 28x
// across seeds), so also the geometric mean over 16 Zipf trees: 1.66 now, 0.82 before the change.
TEST(LayoutStability, FatIsMoreStableThanSquarifiedOnZipfTreesOnAverage) {
    double logRatio = 0;
    const int trees = 16;
    for (int seed = 1; seed <= trees; ++seed) {
        const LayoutNode tree = families::randomTree(100, families::Weights::Zipf, static_cast<std::uint64_t>(seed));
        logRatio += std::log(measureStability(tree, LayoutMethod::Squarified) / measureStability(tree, LayoutMethod::Fat));
    }
    EXPECT_GE(std::exp(logRatio / trees), 1.2);
}

TEST(LayoutLabels, AnchorsLieDeepInsideTheirCells) {
    const auto cells = layoutInUnitSquare(families::randomTree(100, families::Weights::Zipf, 8), LayoutMethod::Fat);
    for (const LayoutCell& cell : cells) {
        const Point anchor = labelAnchor(cell);
        ASSERT_TRUE(insideConvex(cell.polygon, anchor, 0)) << cell.name;
        // Deeper than the centroid is (the pole maximises the distance to the boundary).
        const Point centroid = polygonCentroid(cell.polygon);
        EXPECT_GE(distanceToBoundary(cell.polygon, anchor), distanceToBoundary(cell.polygon, centroid) * (1 - 1e-3));
        const Rect r = largestInscribedRect(cell.localPolygon);
        EXPECT_GT(r.width * r.height, 0.0);
    }
}

TEST(LayoutValidation, BadWeightsAreRefusedWithTheNodeNamed) {
    const double inf = std::numeric_limits<double>::infinity();
    for (double bad : {0.0, -1.0, std::nan(""), inf, -inf}) {
        const LayoutNode tree{"root", 0, {{"good", 1, {}}, {"bad", bad, {}}}};
        for (LayoutMethod method : {LayoutMethod::Fat, LayoutMethod::Squarified}) {
            try {
                layoutInUnitSquare(tree, method);
                FAIL() << "weight " << bad << " accepted";
            } catch (const cs::Error& e) {
                EXPECT_EQ(e.subject(), "tree");
                EXPECT_NE(e.problem().find("'bad'"), std::string::npos) << e.what();
            }
        }
    }
    // Shares too small to represent (1e-300 of the total) are refused, not laid out as NaN.
    const LayoutNode tiny{"root", 0, {{"big", 1e100, {}}, {"small", 1e-210, {}}}};
    EXPECT_THROW(layoutInUnitSquare(tiny, LayoutMethod::Fat), cs::Error);
    // Sums that overflow.
    const LayoutNode huge{"root", 0, {{"a", 1e308, {}}, {"b", 1e308, {}}}};
    EXPECT_THROW(layoutInUnitSquare(huge, LayoutMethod::Fat), cs::Error);
}

TEST(LayoutValidation, DuplicateAndEmptyNamesAreRefused) {
    const LayoutNode duplicate{"root", 0, {{"x", 1, {}}, {"y", 0, {{"x", 2, {}}}}}};
    try {
        layoutInUnitSquare(duplicate, LayoutMethod::Fat);
        FAIL() << "duplicate names accepted";
    } catch (const cs::Error& e) {
        EXPECT_NE(e.problem().find("duplicate node name 'x'"), std::string::npos) << e.what();
    }
    const LayoutNode unnamed{"root", 0, {{"", 1, {}}}};
    EXPECT_THROW(layoutInUnitSquare(unnamed, LayoutMethod::Squarified), cs::Error);
}

TEST(LayoutMethodNames, ParseAndPrint) {
    EXPECT_EQ(parseMethod("fat"), LayoutMethod::Fat);
    EXPECT_EQ(parseMethod("squarified"), LayoutMethod::Squarified);
    EXPECT_STREQ(methodName(LayoutMethod::Squarified), "squarified");
    EXPECT_THROW(parseMethod("slice"), cs::UsageError);
}
