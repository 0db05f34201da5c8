// The convex polygon kernel: areas, calipers against brute force, exact area cuts (also for tiny
// fractions far from the origin), convexity, label anchors and inscribed rectangles.
#include "layout/geometry.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>

using namespace cs::layout;

namespace {

const Polygon kUnitSquare{{0, 0}, {1, 0}, {1, 1}, {0, 1}};

// Convex hull (monotone chain) of random points: a random convex polygon, counter-clockwise.
Polygon randomConvex(std::mt19937_64& rng, int points, Point centre = {}, double scale = 1) {
    std::uniform_real_distribution<double> u(-1, 1);
    std::vector<Point> pts;
    for (int i = 0; i < points; ++i) pts.push_back(centre + scale * Point{u(rng), u(rng)});
    std::sort(pts.begin(), pts.end(), [](Point a, Point b) { return a.x < b.x || (a.x == b.x && a.y < b.y); });
    Polygon hull(2 * pts.size());
    size_t k = 0;
    for (size_t i = 0; i < pts.size(); ++i) {
        while (k >= 2 && cross(hull[k - 1] - hull[k - 2], pts[i] - hull[k - 2]) <= 0) --k;
        hull[k++] = pts[i];
    }
    for (size_t i = pts.size() - 1, t = k + 1; i-- > 0;) {
        while (k >= t && cross(hull[k - 1] - hull[k - 2], pts[i] - hull[k - 2]) <= 0) --k;
        hull[k++] = pts[i];
    }
    hull.resize(k - 1);
    return hull;
}

double bruteDiameter(const Polygon& p) {
    double best = 0;
    for (const Point& a : p)
        for (const Point& b : p) best = std::max(best, std::hypot(a.x - b.x, a.y - b.y));
    return best;
}

double bruteWidth(const Polygon& p) {
    // The width of a convex polygon is attained with one side of the strip on an edge.
    double best = std::numeric_limits<double>::infinity();
    for (size_t i = 0; i < p.size(); ++i) {
        const Point a = p[i], b = p[(i + 1) % p.size()];
        double far = 0;
        for (const Point& v : p) far = std::max(far, cross(b - a, v - a) / std::hypot(b.x - a.x, b.y - a.y));
        best = std::min(best, far);
    }
    return best;
}

bool insideConvex(const Polygon& p, Point q, double tolerance) {
    for (size_t i = 0; i < p.size(); ++i) {
        const Point a = p[i], b = p[(i + 1) % p.size()];
        if (cross(b - a, q - a) / std::hypot(b.x - a.x, b.y - a.y) < -tolerance) return false;
    }
    return true;
}

}  // namespace

TEST(Geometry, AreaAndCentroidOfSimpleShapes) {
    EXPECT_DOUBLE_EQ(polygonArea(kUnitSquare), 1.0);
    Polygon clockwise(kUnitSquare.rbegin(), kUnitSquare.rend());
    EXPECT_DOUBLE_EQ(polygonArea(clockwise), -1.0);
    const Point c = polygonCentroid(Polygon{{0, 0}, {3, 0}, {0, 3}});
    EXPECT_NEAR(c.x, 1.0, 1e-15);
    EXPECT_NEAR(c.y, 1.0, 1e-15);
}

TEST(Geometry, TinyPolygonFarFromTheOriginKeepsItsArea) {
    // 1e-7 wide triangle at (1e3, 1e3): a shoelace over absolute coordinates would lose ~9 digits.
    const Point at{1000.0, 1000.0};
    const double s = 1e-7;
    const Polygon tiny{at, at + Point{s, 0}, at + Point{0, s}};
    EXPECT_NEAR(polygonArea(tiny) / (0.5 * s * s), 1.0, 1e-6);
}

TEST(Geometry, CalipersMatchBruteForce) {
    std::mt19937_64 rng(3);
    for (int trial = 0; trial < 300; ++trial) {
        const Polygon p = randomConvex(rng, 3 + trial % 40);
        ASSERT_GE(p.size(), 3u);
        EXPECT_NEAR(polygonDiameter(p), bruteDiameter(p), 1e-12) << "trial " << trial;
        EXPECT_NEAR(polygonWidth(p), bruteWidth(p), 1e-12) << "trial " << trial;
    }
    EXPECT_NEAR(aspectRatio(kUnitSquare), std::sqrt(2.0), 1e-15);
    EXPECT_NEAR(aspectRatio(Polygon{{0, 0}, {1, 0}, {0, 1}}), 2.0, 1e-15);
    EXPECT_NEAR(aspectRatio(Polygon{{0, 0}, {1, 0}, {0.5, std::sqrt(3.0) / 2}}), 2 / std::sqrt(3.0), 1e-15);
    EXPECT_TRUE(std::isinf(aspectRatio(Polygon{{0, 0}, {1, 0}, {2, 0}})));
}

TEST(Geometry, ConvexityCheck) {
    EXPECT_TRUE(isConvexCCW(kUnitSquare));
    EXPECT_FALSE(isConvexCCW(Polygon(kUnitSquare.rbegin(), kUnitSquare.rend())));
    EXPECT_FALSE(isConvexCCW(Polygon{{0, 0}, {2, 0}, {1, 0.2}, {2, 2}, {0, 2}}));  // a notch
    // A pentagram turns left at every vertex but winds twice.
    Polygon star;
    for (int k = 0; k < 5; ++k) {
        const double a = 2 * M_PI * (2 * k) / 5;
        star.push_back({std::cos(a), std::sin(a)});
    }
    EXPECT_FALSE(isConvexCCW(star));
    EXPECT_FALSE(isConvexCCW(Polygon{{0, 0}, {1, 0}, {NAN, 1}}));
    EXPECT_FALSE(isConvexCCW(Polygon{{0, 0}, {1, 1}}));
}

TEST(Geometry, AreaCutIsExactForAnyDirectionAndFraction) {
    std::mt19937_64 rng(5);
    std::uniform_real_distribution<double> angle(0, 2 * M_PI);
    const double fractions[] = {1e-12, 1e-9, 1e-5, 0.01, 0.3, 0.5, 0.7, 1 - 1e-6};
    for (int trial = 0; trial < 200; ++trial) {
        const Polygon p = randomConvex(rng, 3 + trial % 12);
        const double area = polygonArea(p);
        for (double f : fractions) {
            const double a = angle(rng);
            const Point normal{std::cos(a), std::sin(a)};
            const AreaCut cut = cutByAreaFraction(p, normal, f);
            ASSERT_TRUE(isConvexCCW(cut.low)) << "trial " << trial << " f " << f;
            ASSERT_TRUE(isConvexCCW(cut.high)) << "trial " << trial << " f " << f;
            // Each piece relative to its own target; the smaller one is the demanding one.
            // In absolute coordinates a 1e-12 piece (1e-6 across) is rounded to the unit grid.
            EXPECT_NEAR(polygonArea(cut.low) / (f * area), 1.0, f < 1e-9 ? 1e-7 : 1e-9) << "trial " << trial << " f " << f;
            // Relative to its own corner it is exact.
            AreaCut local;
            CutScratch scratch;
            cutByAreaShares(p, area, normal, f, 1 - f, local, scratch);
            EXPECT_NEAR(polygonArea(local.low) / (f * area), 1.0, 1e-9) << "trial " << trial << " f " << f;
            EXPECT_NEAR(polygonArea(cut.high) / ((1 - f) * area), 1.0, 1e-9) << "trial " << trial << " f " << f;
            for (const Point& q : cut.low) EXPECT_LE(dot(normal, q), cut.offset + 1e-12);
            for (const Point& q : cut.high) EXPECT_GE(dot(normal, q), cut.offset - 1e-12);
        }
    }
}

TEST(Geometry, AreaSharesKeepATinyShareExact) {
    // 1 - (1 - 1e-15) is not 1e-15 in doubles; shares given separately are.
    AreaCut cut;
    CutScratch scratch;
    cutByAreaShares(kUnitSquare, 1.0, Point{1, 1}, 1 - 1e-15, 1e-15, cut, scratch);
    const Polygon& small = cut.high;  // relative to the corner it was cut from
    EXPECT_NEAR(polygonArea(small) / 1e-15, 1.0, 1e-9);
    EXPECT_EQ(cut.highOrigin.x, 1.0);
    EXPECT_EQ(cut.highOrigin.y, 1.0);
    EXPECT_EQ(cut.high.size(), 3u);  // a corner triangle
    EXPECT_NEAR(aspectRatio(small), 2.0, 1e-6);
}

TEST(Geometry, PoleOfInaccessibilityIsTheIncentre) {
    EXPECT_NEAR(poleOfInaccessibility(kUnitSquare).x, 0.5, 1e-3);
    EXPECT_NEAR(poleOfInaccessibility(kUnitSquare).y, 0.5, 1e-3);
    // Right triangle with legs 3 and 4: incentre (1, 1), inradius 1.
    const Polygon triangle{{0, 0}, {4, 0}, {0, 3}};
    const Point pole = poleOfInaccessibility(triangle, 1e-6);
    EXPECT_NEAR(pole.x, 1.0, 1e-4);
    EXPECT_NEAR(pole.y, 1.0, 1e-4);
    EXPECT_NEAR(distanceToBoundary(triangle, pole), 1.0, 1e-5);
    // A thin sliver: the anchor is still inside, on its long axis.
    const Polygon sliver{{0, 0}, {100, 0}, {100, 1}, {0, 1}};
    const Point q = poleOfInaccessibility(sliver);
    EXPECT_NEAR(q.y, 0.5, 1e-2);
    EXPECT_TRUE(insideConvex(sliver, q, 0));
}

TEST(Geometry, LargestInscribedRectangle) {
    const Rect square = largestInscribedRect(kUnitSquare);
    EXPECT_NEAR(square.width * square.height, 1.0, 1e-9);
    // Right isosceles triangle with unit legs: the best rectangle is 1/2 x 1/2 in the right angle.
    const Rect inTriangle = largestInscribedRect(Polygon{{0, 0}, {1, 0}, {0, 1}});
    EXPECT_NEAR(inTriangle.width * inTriangle.height, 0.25, 1e-8);
    EXPECT_NEAR(inTriangle.x, 0.0, 1e-8);
    EXPECT_NEAR(inTriangle.y, 0.0, 1e-8);
    // The diamond |x| + |y| <= 1: a centred 1 x 1 square.
    const Polygon diamond{{1, 0}, {0, 1}, {-1, 0}, {0, -1}};
    const Rect inDiamond = largestInscribedRect(diamond);
    EXPECT_NEAR(inDiamond.width * inDiamond.height, 1.0, 1e-8);
    // On random polygons the rectangle stays inside and beats a brute-force grid search.
    std::mt19937_64 rng(9);
    for (int trial = 0; trial < 20; ++trial) {
        const Polygon p = randomConvex(rng, 12);
        const Rect r = largestInscribedRect(p);
        for (const Point corner : {Point{r.x, r.y}, Point{r.x + r.width, r.y}, Point{r.x, r.y + r.height},
                                   Point{r.x + r.width, r.y + r.height}})
            EXPECT_TRUE(insideConvex(p, corner, 1e-9)) << "trial " << trial;
        double bestGrid = 0;
        const int steps = 24;
        for (int i = 0; i <= steps; ++i)
            for (int j = i + 1; j <= steps; ++j) {
                // Bottom/top heights on a grid; the widest x-range inside at both heights.
                const double y1 = -1 + 2.0 * i / steps, y2 = -1 + 2.0 * j / steps;
                double left = -1e9, right = 1e9;
                for (double y : {y1, y2}) {
                    double lo = 1e9, hi = -1e9;
                    for (size_t e = 0; e < p.size(); ++e) {
                        const Point a = p[e], b = p[(e + 1) % p.size()];
                        if ((a.y - y) * (b.y - y) > 0 || a.y == b.y) continue;
                        const double x = a.x + (y - a.y) / (b.y - a.y) * (b.x - a.x);
                        lo = std::min(lo, x);
                        hi = std::max(hi, x);
                    }
                    left = std::max(left, lo);
                    right = std::min(right, hi);
                }
                if (right > left) bestGrid = std::max(bestGrid, (right - left) * (y2 - y1));
            }
        EXPECT_GE(r.width * r.height, bestGrid * (1 - 1e-9)) << "trial " << trial;
    }
}
