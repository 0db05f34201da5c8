#pragma once
// Convex polygon kernel for the hierarchy layouts (docs/layout.md). Pure geometry, doubles only.
//
//   polygonArea / polygonCentroid     signed area (CCW > 0) and centroid, computed relative to the
//                                     polygon's first vertex so tiny polygons far from the origin stay exact
//   polygonDiameter / polygonWidth    rotating calipers, O(n); aspectRatio = diameter / width
//   isConvexCCW                       every turn is a left turn and the boundary winds once
//   cutByAreaFraction                 the straight cut with a given normal that leaves exactly the
//                                     fraction f of the area on the low side (piecewise-quadratic solve)
//   poleOfInaccessibility             the interior point farthest from the boundary (label anchor)
//   largestInscribedRect              the largest axis-aligned rectangle inside a convex polygon (thumbnails)
//
// A Polygon is a list of vertices in counter-clockwise order without repeating the first one.
#include <vector>

namespace cs::layout {

struct Point {
    double x = 0;
    double y = 0;
};

inline Point operator+(Point a, Point b) { return {a.x + b.x, a.y + b.y}; }
inline Point operator-(Point a, Point b) { return {a.x - b.x, a.y - b.y}; }
inline Point operator*(double s, Point a) { return {s * a.x, s * a.y}; }
inline double dot(Point a, Point b) { return a.x * b.x + a.y * b.y; }
inline double cross(Point a, Point b) { return a.x * b.y - a.y * b.x; }

using Polygon = std::vector<Point>;

struct Rect {
    double x = 0, y = 0, width = 0, height = 0;  // lower-left corner and size
};

double polygonArea(const Polygon& polygon);  // signed: positive for counter-clockwise
Point polygonCentroid(const Polygon& polygon);
double polygonDiameter(const Polygon& convex);
double polygonWidth(const Polygon& convex);
// diameter / width: 1 for a disc, sqrt(2) for a square, 2 for a right isosceles triangle.
// Infinite for a degenerate (zero-width) polygon.
double aspectRatio(const Polygon& convex);

// relativeTolerance scales with the polygon's size, so a valid polygon of any size passes.
bool isConvexCCW(const Polygon& polygon, double relativeTolerance = 1e-9);

// Polygon translated by -offset.
Polygon translated(const Polygon& polygon, Point offset);

struct AreaCut {
    Polygon low;   // {p : normal·p <= offset}, area = fraction * area(polygon)
    Polygon high;  // the rest
    Point lowOrigin, highOrigin;  // vertex of a piece = its origin + the listed point
    double offset = 0;
};
// Cuts a convex CCW polygon with the line normal·p = offset chosen so that the low side holds exactly
// `fraction` (0 < fraction < 1) of the area. `normal` need not be unit length. The smaller piece is
// solved from its own end (the offset is a small number measured from a vertex). Returns absolute
// coordinates (both origins zero).
AreaCut cutByAreaFraction(const Polygon& convex, Point normal, double fraction);

// The same cut for many candidate directions without allocating: the smaller piece comes relative to
// the polygon vertex it was cut from (its origin), so a 1e-12 share keeps full relative precision; the
// bigger piece is in the polygon's coordinates (origin zero). The low side gets
// lowShare / (lowShare + highShare) of `area` (the polygon's area, computed once by the caller). Giving
// the two shares, not a fraction, keeps a tiny share exact next to a big one (1 - (1 - 1e-9) is not 1e-9).
struct CutScratch {
    std::vector<double> height;
};
void cutByAreaShares(const Polygon& convex, double area, Point normal, double lowShare, double highShare,
                     AreaCut& out, CutScratch& scratch);

// Pole of inaccessibility (polylabel-style branch and bound); `precision` is relative to sqrt(area).
Point poleOfInaccessibility(const Polygon& convex, double precision = 1e-4);
// Distance from a point inside a convex polygon to its boundary.
double distanceToBoundary(const Polygon& convex, Point p);

// Largest-area axis-aligned rectangle inside a convex polygon. The rectangle's width at heights
// [y1, y2] is min(right(y1), right(y2)) - max(left(y1), left(y2)) (convexity), a concave function, so the
// area is log-concave in (y1, y2) and a nested golden-section search finds the optimum.
Rect largestInscribedRect(const Polygon& convex);

}  // namespace cs::layout
