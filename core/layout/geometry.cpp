#include "layout/geometry.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <queue>

namespace cs::layout {

namespace {

constexpr double kEps = std::numeric_limits<double>::epsilon();

double length(Point p) { return std::hypot(p.x, p.y); }

// Largest distance of a vertex from the first one: the scale for relative tolerances.
double polygonScale(const Polygon& polygon) {
    double scale2 = 0;
    for (const Point& p : polygon) {
        const Point d = p - polygon.front();
        scale2 = std::max(scale2, d.x * d.x + d.y * d.y);
    }
    return std::sqrt(scale2);
}

// Drops consecutive vertices closer than `tolerance` (rounding leftovers that make zero-length edges).
void removeDuplicateVertices(Polygon& polygon, double tolerance) {
    if (polygon.size() < 2) return;
    const double tolerance2 = tolerance * tolerance;
    auto apart = [&](Point a, Point b) {
        const Point d = a - b;
        return d.x * d.x + d.y * d.y > tolerance2;
    };
    size_t kept = 1;
    for (size_t i = 1; i < polygon.size(); ++i)
        if (apart(polygon[i], polygon[kept - 1])) polygon[kept++] = polygon[i];
    while (kept > 1 && !apart(polygon[0], polygon[kept - 1])) --kept;
    polygon.resize(kept);
}

}  // namespace

double polygonArea(const Polygon& polygon) {
    const size_t n = polygon.size();
    if (n < 3) return 0;
    // Fan from the first vertex: the cross products then have the polygon's own magnitude,
    // not the magnitude of its position.
    const Point origin = polygon[0];
    double twiceArea = 0;
    for (size_t i = 1; i + 1 < n; ++i) twiceArea += cross(polygon[i] - origin, polygon[i + 1] - origin);
    return 0.5 * twiceArea;
}

Point polygonCentroid(const Polygon& polygon) {
    const size_t n = polygon.size();
    if (n == 0) return {};
    const Point origin = polygon[0];
    double twiceArea = 0;
    Point weighted{};
    for (size_t i = 1; i + 1 < n; ++i) {
        const Point a = polygon[i] - origin;
        const Point b = polygon[i + 1] - origin;
        const double w = cross(a, b);
        twiceArea += w;
        weighted = weighted + w * (a + b);
    }
    if (twiceArea == 0) {  // degenerate: mean of the vertices
        Point sum{};
        for (const Point& p : polygon) sum = sum + (p - origin);
        return origin + (1.0 / static_cast<double>(n)) * sum;
    }
    return origin + (1.0 / (3.0 * twiceArea)) * weighted;
}

namespace {

// Rotating calipers over a convex CCW polygon: for each edge, the vertex farthest from its line.
// Width = smallest such distance; diameter = largest distance over the antipodal pairs visited.
struct Calipers {
    double width = 0;
    double diameter = 0;
};

Calipers rotatingCalipers(const Polygon& p) {
    const size_t n = p.size();
    Calipers result;
    if (n < 2) return result;
    if (n == 2) {
        result.diameter = length(p[1] - p[0]);
        return result;
    }
    // Squared distances and one square root per edge: this runs for every candidate cut.
    auto squared = [](Point d) { return d.x * d.x + d.y * d.y; };
    auto nextIndex = [n](size_t k) { return k + 1 == n ? 0 : k + 1; };
    double diameter2 = 0;
    double width = std::numeric_limits<double>::infinity();
    size_t j = 1;  // antipodal pointer; only moves forward (cyclically)
    for (size_t i = 0; i < n; ++i) {
        const Point a = p[i], b = p[nextIndex(i)];
        const Point edge = b - a;
        // Every vertex the pointer passes while edge i turns is antipodal to vertex i.
        diameter2 = std::max(diameter2, squared(p[j] - a));
        // cross(edge, v - a): twice the area of (a, b, v), i.e. v's height above the edge's line.
        double h = cross(edge, p[j] - a);
        for (size_t steps = 0; steps < n; ++steps) {
            const size_t k = nextIndex(j);
            const double next = cross(edge, p[k] - a);
            if (next < h) break;
            h = next;
            j = k;
            diameter2 = std::max(diameter2, squared(p[j] - a));
        }
        diameter2 = std::max(diameter2, squared(p[j] - b));
        const double edge2 = squared(edge);
        if (edge2 > 0) width = std::min(width, h / std::sqrt(edge2));
    }
    result.diameter = std::sqrt(diameter2);
    result.width = std::isfinite(width) ? width : 0;
    return result;
}

}  // namespace

double polygonDiameter(const Polygon& convex) { return rotatingCalipers(convex).diameter; }
double polygonWidth(const Polygon& convex) { return rotatingCalipers(convex).width; }

double aspectRatio(const Polygon& convex) {
    const Calipers c = rotatingCalipers(convex);
    if (!(c.width > 0)) return std::numeric_limits<double>::infinity();
    return c.diameter / c.width;
}

bool isConvexCCW(const Polygon& polygon, double relativeTolerance) {
    const size_t n = polygon.size();
    if (n < 3) return false;
    for (const Point& p : polygon)
        if (!std::isfinite(p.x) || !std::isfinite(p.y)) return false;
    const double scale = polygonScale(polygon);
    if (!(scale > 0)) return false;
    const double tolerance = relativeTolerance * scale * scale;
    double turning = 0;
    for (size_t i = 0; i < n; ++i) {
        const Point e1 = polygon[(i + 1) % n] - polygon[i];
        const Point e2 = polygon[(i + 2) % n] - polygon[(i + 1) % n];
        const double turn = cross(e1, e2);
        if (turn < -tolerance) return false;
        turning += std::atan2(turn, dot(e1, e2));
    }
    // Winding once (2π) rules out star-shaped self-intersections whose every turn is a left turn.
    return std::abs(turning - 2 * M_PI) < 1e-6 && polygonArea(polygon) > 0;
}

Polygon translated(const Polygon& polygon, Point offset) {
    Polygon out;
    out.reserve(polygon.size());
    for (const Point& p : polygon) out.push_back(p - offset);
    return out;
}

void cutByAreaShares(const Polygon& convex, double area, Point normal, double lowShare, double highShare,
                     AreaCut& out, CutScratch& scratch) {
    // Always solve for the smaller piece from its own end: its offset is then a small number measured
    // from a vertex, and its fraction small/(small+big) is formed without the rounding of 1 - big.
    if (lowShare > highShare) {
        cutByAreaShares(convex, area, Point{-normal.x, -normal.y}, highShare, lowShare, out, scratch);
        std::swap(out.low, out.high);
        std::swap(out.lowOrigin, out.highOrigin);
        out.offset = -out.offset;
        return;
    }
    // Heights and chords in true lengths need a unit normal; the offset is scaled back at the end.
    const double normalLength = std::hypot(normal.x, normal.y);
    if (!(normalLength > 0) || !std::isfinite(normalLength)) {
        out.low.clear();
        out.high.clear();
        return;
    }
    normal = (1 / normalLength) * normal;
    const double target = area * (lowShare / (lowShare + highShare));
    const size_t n = convex.size();
    size_t lowest = 0;
    for (size_t i = 1; i < n; ++i)
        if (dot(normal, convex[i]) < dot(normal, convex[lowest])) lowest = i;
    // Heights above the lowest vertex (exactly 0 there).
    std::vector<double>& height = scratch.height;
    height.resize(n);
    for (size_t i = 0; i < n; ++i) height[i] = dot(normal, convex[i] - convex[lowest]);
    double maxHeight = 0;
    for (size_t i = 0; i < n; ++i) maxHeight = std::max(maxHeight, height[i]);
    const Point along{-normal.y, normal.x};

    // Sweep a line up from the lowest vertex along both boundary chains (forward = increasing index).
    // Between two vertex heights the chord between the chains is linear in the height, so each strip's
    // area is a trapezoid and the area below the line is quadratic inside the strip holding the target.
    auto next = [n](size_t k) { return k + 1 == n ? 0 : k + 1; };
    auto prev = [n](size_t k) { return k == 0 ? n - 1 : k - 1; };
    size_t forwardFrom = lowest, forwardTo = next(lowest), backwardFrom = lowest, backwardTo = prev(lowest);
    double level = 0;
    auto settle = [&] {  // move each chain to the edge that spans `level` (skips flat edges)
        for (size_t steps = 0; steps < n && height[forwardTo] <= level && level < maxHeight; ++steps) {
            forwardFrom = forwardTo;
            forwardTo = next(forwardTo);
        }
        for (size_t steps = 0; steps < n && height[backwardTo] <= level && level < maxHeight; ++steps) {
            backwardFrom = backwardTo;
            backwardTo = prev(backwardTo);
        }
    };
    // Relative to the lowest vertex, so the chords near it are small numbers with all their digits.
    auto pointOn = [&](size_t from, size_t to, double at) {
        const double span = height[to] - height[from];
        const double t = span > 0 ? std::clamp((at - height[from]) / span, 0.0, 1.0) : 0.0;
        return (convex[from] - convex[lowest]) + t * (convex[to] - convex[from]);
    };
    auto chordAt = [&](double at) {
        return std::abs(dot(along, pointOn(forwardFrom, forwardTo, at) - pointOn(backwardFrom, backwardTo, at)));
    };
    settle();
    double below = 0, chordLow = chordAt(level), chordHigh = chordLow, top = level;
    for (size_t strips = 0; strips <= n; ++strips) {
        top = std::min(height[forwardTo], height[backwardTo]);
        chordHigh = chordAt(top);
        const double strip = 0.5 * (chordLow + chordHigh) * (top - level);
        // The last strip also takes a target a hair above the trapezoid total (rounding).
        if (below + strip >= target || top >= maxHeight) break;
        below += strip;
        level = top;
        chordLow = chordHigh;
        settle();
    }
    const double rest = std::max(0.0, target - below);
    const double stripHeight = top - level;
    double s = 0;
    if (stripHeight > 0) {
        // area(s) = below + chordLow*s + c*s², solved in the cancellation-free form.
        const double curvature = (chordHigh - chordLow) / (2 * stripHeight);
        const double discriminant = std::max(0.0, chordLow * chordLow + 4 * curvature * rest);
        const double denominator = chordLow + std::sqrt(discriminant);
        s = denominator > 0 ? std::clamp(2 * rest / denominator, 0.0, stripHeight) : 0.0;
    }
    const double base = level;

    out.offset = (dot(normal, convex[lowest]) + base + s) * normalLength;
    out.low.clear();
    out.high.clear();
    // The low (smaller) piece is written relative to the lowest vertex: a tiny corner piece then keeps
    // all its digits instead of being rounded to the parent's coordinate grid.
    const Point apex = convex[lowest];
    out.lowOrigin = apex;
    out.highOrigin = Point{};
    // Signed distance to the cut is (height - base) - s: exactly 0 at vertices on the cut, and computed
    // without cancellation for a piece at the lowest vertex (base = 0).
    for (size_t i = 0; i < n; ++i) {
        const size_t k = i + 1 == n ? 0 : i + 1;
        const double si = (height[i] - base) - s, sk = (height[k] - base) - s;
        if (si <= 0) out.low.push_back(convex[i] - apex);
        if (si >= 0) out.high.push_back(convex[i]);
        if ((si < 0 && sk > 0) || (si > 0 && sk < 0)) {
            // Interpolate from the edge's low end: near the apex that is a small step from a small
            // number, where interpolating from the far end would cancel most digits.
            const size_t from = si < 0 ? i : k, to = si < 0 ? k : i;
            const double sf = si < 0 ? si : sk, st = si < 0 ? sk : si;
            const Point step = (sf / (sf - st)) * (convex[to] - convex[from]);
            out.low.push_back((convex[from] - apex) + step);
            out.high.push_back(convex[from] + step);
        }
    }
    // Rounding leftovers are judged at each piece's own scale: the small piece (in the apex frame) may be
    // 1e-50 of the polygon and still be a perfectly good triangle.
    removeDuplicateVertices(out.low, 8 * kEps * polygonScale(out.low));
    removeDuplicateVertices(out.high, 8 * kEps * polygonScale(convex));
}

AreaCut cutByAreaFraction(const Polygon& convex, Point normal, double fraction) {
    AreaCut cut;
    CutScratch scratch;
    cutByAreaShares(convex, polygonArea(convex), normal, fraction, 1 - fraction, cut, scratch);
    for (Point& p : cut.low) p = cut.lowOrigin + p;
    for (Point& p : cut.high) p = cut.highOrigin + p;
    cut.lowOrigin = cut.highOrigin = Point{};
    return cut;
}

double distanceToBoundary(const Polygon& convex, Point p) {
    // Inside a convex polygon the distance to the boundary is the smallest distance to an edge line.
    double best = std::numeric_limits<double>::infinity();
    const size_t n = convex.size();
    for (size_t i = 0; i < n; ++i) {
        const Point a = convex[i], b = convex[(i + 1) % n];
        const double edgeLength = length(b - a);
        if (edgeLength == 0) continue;
        best = std::min(best, cross(b - a, p - a) / edgeLength);
    }
    return n < 3 ? 0.0 : best;
}

Point poleOfInaccessibility(const Polygon& convex, double precision) {
    if (convex.size() < 3) return polygonCentroid(convex);
    // Branch and bound over square cells (as in Mapbox's polylabel): a cell of half-size h centred at c
    // can hold no point farther than d(c) + h·√2 from the boundary.
    double minX = convex[0].x, maxX = minX, minY = convex[0].y, maxY = minY;
    for (const Point& p : convex) {
        minX = std::min(minX, p.x);
        maxX = std::max(maxX, p.x);
        minY = std::min(minY, p.y);
        maxY = std::max(maxY, p.y);
    }
    const double tolerance = precision * std::sqrt(std::abs(polygonArea(convex)));
    struct Cell {
        Point centre;
        double half, distance, bound;
        bool operator<(const Cell& o) const { return bound < o.bound; }
    };
    auto makeCell = [&](Point c, double half) {
        const double d = distanceToBoundary(convex, c);
        return Cell{c, half, d, d + half * M_SQRT2};
    };
    const double cellSize = std::min(maxX - minX, maxY - minY);
    Point bestPoint = polygonCentroid(convex);
    double bestDistance = distanceToBoundary(convex, bestPoint);
    if (!(cellSize > 0)) return bestPoint;
    std::priority_queue<Cell> queue;
    for (double x = minX; x < maxX; x += cellSize)
        for (double y = minY; y < maxY; y += cellSize)
            queue.push(makeCell({x + cellSize / 2, y + cellSize / 2}, cellSize / 2));
    int visited = 0;
    while (!queue.empty() && visited < 20000) {
        const Cell cell = queue.top();
        queue.pop();
        ++visited;
        if (cell.distance > bestDistance) {
            bestDistance = cell.distance;
            bestPoint = cell.centre;
        }
        if (cell.bound - bestDistance <= tolerance) break;  // no remaining cell can do better
        const double h = cell.half / 2;
        for (const Point offset : {Point{-h, -h}, Point{h, -h}, Point{-h, h}, Point{h, h}})
            queue.push(makeCell(cell.centre + offset, h));
    }
    return bestPoint;
}

namespace {

// Horizontal extent [left, right] of a convex polygon at height y (empty if outside).
std::pair<double, double> extentAt(const Polygon& p, double y) {
    double left = std::numeric_limits<double>::infinity(), right = -left;
    const size_t n = p.size();
    for (size_t i = 0; i < n; ++i) {
        const Point a = p[i], b = p[(i + 1) % n];
        if ((a.y < y && b.y < y) || (a.y > y && b.y > y)) continue;
        if (a.y == b.y) {
            left = std::min({left, a.x, b.x});
            right = std::max({right, a.x, b.x});
        } else {
            const double x = a.x + (y - a.y) / (b.y - a.y) * (b.x - a.x);
            left = std::min(left, x);
            right = std::max(right, x);
        }
    }
    return {left, right};
}

// Maximises a unimodal function on [lo, hi] by golden-section search. `zeroMeansLeft`: where both
// probes give 0 the positive region lies to the left (the function is 0 on a right-hand plateau).
template <class F>
double goldenMax(F f, double lo, double hi, bool zeroMeansLeft) {
    const double ratio = (std::sqrt(5.0) - 1) / 2;
    double a = lo, b = hi;
    double x1 = b - ratio * (b - a), x2 = a + ratio * (b - a);
    double f1 = f(x1), f2 = f(x2);
    for (int it = 0; it < 90 && b - a > 1e-13 * (hi - lo); ++it) {
        if (f1 < f2 || (f1 == 0 && f2 == 0 && !zeroMeansLeft)) {
            a = x1;
            x1 = x2;
            f1 = f2;
            x2 = a + ratio * (b - a);
            f2 = f(x2);
        } else {
            b = x2;
            x2 = x1;
            f2 = f1;
            x1 = b - ratio * (b - a);
            f1 = f(x1);
        }
    }
    return f1 > f2 ? x1 : x2;
}

}  // namespace

Rect largestInscribedRect(const Polygon& convex) {
    if (convex.size() < 3) return {};
    double minY = convex[0].y, maxY = minY;
    for (const Point& p : convex) {
        minY = std::min(minY, p.y);
        maxY = std::max(maxY, p.y);
    }
    if (!(maxY > minY)) return {};
    auto rectFor = [&](double y1, double y2) {
        const auto [l1, r1] = extentAt(convex, y1);
        const auto [l2, r2] = extentAt(convex, y2);
        const double left = std::max(l1, l2), right = std::min(r1, r2);
        return Rect{left, y1, std::max(0.0, right - left), y2 - y1};
    };
    auto area = [&](double y1, double y2) {
        const Rect r = rectFor(y1, y2);
        return r.width * r.height;
    };
    auto bestTop = [&](double y1) {
        return goldenMax([&](double y2) { return area(y1, y2); }, y1, maxY, true);
    };
    const double y1 = goldenMax([&](double y) { return area(y, bestTop(y)); }, minY, maxY, false);
    return rectFor(y1, bestTop(y1));
}

}  // namespace cs::layout
