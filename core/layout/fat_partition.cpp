// Fat polygonal partition (de Berg, Onak, Sidiropoulos, JoCG 2013; DESIGN.md §6.3).
//
// Each node's children are split into a binary hierarchy of groups: a child holding at least half of
// the group's weight is split off alone, otherwise the children (in the tree's order) are split at the
// point that balances the two sides' weights best. Each binary step cuts the group's convex polygon
// with one straight line into two convex pieces whose areas have exactly the two sides' weight ratio
// (cutByAreaShares). Of a set of candidate directions the cut whose worse piece is fattest (smallest
// diameter/width) wins, with a tolerance that prefers one canonical direction among near-ties. A piece
// that must be tiny becomes a triangle at one of the polygon's corners, whose shape does not depend on
// how tiny it is: that is why the aspect ratio stays bounded however skewed the weights are.
//
// Keeping the tree's order (not sorting by weight) and the canonical preference are for stability:
// a 1 % change of the weights then rarely changes which children share a side or where a cut goes.
//
// Every polygon is translated to its own centroid before it is cut (a local frame), so a cell a
// billion times smaller than the root is still cut with full relative precision.
#include "common/error.h"
#include "layout/layout.h"
#include "layout/layout_tree.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace cs::layout {

namespace {

struct Piece {
    Point origin;   // absolute position of the local frame
    Polygon local;  // relative to origin, centred on its centroid
};

Piece recentre(Point origin, const Polygon& polygon) {
    const Point c = polygonCentroid(polygon);
    return Piece{origin + c, translated(polygon, c)};
}

class CutChooser {
public:
    explicit CutChooser(const FatOptions& options) : options_(options) {
        for (int k = 0; k < options.uniformDirections; ++k) {
            const double angle = 2 * M_PI * k / options.uniformDirections;
            uniform_.push_back({std::cos(angle), std::sin(angle)});
        }
    }

    // Cuts `polygon` so the low side gets lowShare / (lowShare + highShare) of its area; the result is
    // in `best`.
    void choose(const Polygon& polygon, double lowShare, double highShare, AreaCut& best) {
        collectNormals(polygon);
        const double area = polygonArea(polygon);
        candidates_.resize(normals_.size());
        double fattest = std::numeric_limits<double>::infinity();
        for (size_t c = 0; c < normals_.size(); ++c) {
            AreaCut& cut = candidates_[c].cut;
            cutByAreaShares(polygon, area, normals_[c], lowShare, highShare, cut, scratch_);
            double score = std::numeric_limits<double>::infinity();
            if (cut.low.size() >= 3 && cut.high.size() >= 3) {
                score = aspectRatio(cut.low);
                if (score <= fattest * (1 + options_.preferenceTolerance)) score = std::max(score, aspectRatio(cut.high));
            }
            candidates_[c].score = score;
            fattest = std::min(fattest, score);
        }
        if (!std::isfinite(fattest))
            throw Error("layout", "no cut of a " + std::to_string(polygon.size()) + "-gon gives two proper pieces");
        size_t chosen = normals_.size();
        double preference = -std::numeric_limits<double>::infinity();
        for (size_t c = 0; c < normals_.size(); ++c) {
            if (!(candidates_[c].score <= fattest * (1 + options_.preferenceTolerance))) continue;
            const Point n = normals_[c];
            const double towardsX = n.x / std::hypot(n.x, n.y);
            if (towardsX > preference + 1e-12) {
                preference = towardsX;
                chosen = c;
            }
        }
        std::swap(best, candidates_[chosen].cut);
    }

private:
    // Evenly spaced normals, plus for every edge the normals parallel to it (a cut parallel to an edge)
    // and for every corner the normals along its bisector (a small piece there is an isosceles triangle).
    void collectNormals(const Polygon& polygon) {
        normals_.assign(uniform_.begin(), uniform_.end());
        const size_t n = polygon.size();
        for (size_t i = 0; i < n; ++i) {
            const Point prev = polygon[(i + n - 1) % n], here = polygon[i], next = polygon[(i + 1) % n];
            const Point edge = next - here;
            const double edgeLength = std::hypot(edge.x, edge.y);
            if (edgeLength > 0) {
                const Point inward{-edge.y / edgeLength, edge.x / edgeLength};
                normals_.push_back(inward);
                normals_.push_back({-inward.x, -inward.y});
            }
            const Point toPrev = prev - here;
            const double prevLength = std::hypot(toPrev.x, toPrev.y);
            if (edgeLength > 0 && prevLength > 0) {
                Point bisector = (1 / edgeLength) * edge + (1 / prevLength) * toPrev;
                const double bisectorLength = std::hypot(bisector.x, bisector.y);
                if (bisectorLength > 0) {
                    bisector = (1 / bisectorLength) * bisector;
                    normals_.push_back(bisector);
                    normals_.push_back({-bisector.x, -bisector.y});
                }
            }
        }
    }

    struct Candidate {
        AreaCut cut;
        double score = 0;
    };
    FatOptions options_;
    std::vector<Point> uniform_;
    std::vector<Point> normals_;
    std::vector<Candidate> candidates_;  // reused across cuts: no allocation once warmed up
    CutScratch scratch_;
};

// A run of siblings (ids in the tree's order) waiting for its share of a polygon.
struct Task {
    Piece piece;
    std::vector<int> group;
};

}  // namespace

std::vector<LayoutCell> layoutFat(const LayoutNode& tree, const Polygon& boundary, const FatOptions& options) {
    validateTree(tree, "tree");
    if (options.uniformDirections < 0 || !(options.preferenceTolerance >= 0))
        throw Error("layout", "fat layout options must be non-negative");
    Polygon outline = boundary;
    if (polygonArea(outline) < 0) std::reverse(outline.begin(), outline.end());
    if (!isConvexCCW(outline)) throw Error("boundary", "the layout boundary must be a convex polygon with positive area");

    const detail::FlatTree flat = detail::flatten(tree);
    std::vector<LayoutCell> cells = detail::makeCells(flat, polygonArea(outline));
    const std::vector<double>& weight = flat.weight;
    CutChooser chooser(options);
    AreaCut cut;

    std::vector<Task> stack;
    auto assign = [&](int id, Piece piece) {
        LayoutCell& cell = cells[id];
        cell.origin = piece.origin;
        cell.localPolygon = std::move(piece.local);
        if (!flat.children[id].empty())
            stack.push_back(Task{Piece{cell.origin, cell.localPolygon}, flat.children[id]});
    };
    assign(0, recentre(Point{}, outline));

    std::vector<double> prefix;
    while (!stack.empty()) {
        Task task = std::move(stack.back());
        stack.pop_back();
        const std::vector<int>& group = task.group;
        if (group.size() == 1) {
            assign(group[0], std::move(task.piece));
            continue;
        }
        const size_t m = group.size();
        prefix.assign(m + 1, 0.0);
        for (size_t i = 0; i < m; ++i) prefix[i + 1] = prefix[i] + weight[group[i]];
        const double total = prefix[m];
        std::vector<int> first, second;
        const auto heaviest = std::max_element(group.begin(), group.end(),
                                               [&](int a, int b) { return weight[a] < weight[b]; });
        if (weight[*heaviest] >= total / 2) {
            first.push_back(*heaviest);
            for (int id : group)
                if (id != *heaviest) second.push_back(id);
        } else {
            // The split point of the run closest to half the weight.
            size_t split = 1;
            for (size_t k = 2; k < m; ++k)
                if (std::abs(prefix[k] - total / 2) < std::abs(prefix[split] - total / 2)) split = k;
            first.assign(group.begin(), group.begin() + static_cast<long>(split));
            second.assign(group.begin() + static_cast<long>(split), group.end());
        }
        // Each side's weight summed on its own: a tiny side is not the rounding residue of a big one.
        double firstWeight = 0, secondWeight = 0;
        for (int id : first) firstWeight += weight[id];
        for (int id : second) secondWeight += weight[id];
        chooser.choose(task.piece.local, firstWeight, secondWeight, cut);
        stack.push_back(Task{recentre(task.piece.origin, cut.high), std::move(second)});
        stack.push_back(Task{recentre(task.piece.origin, cut.low), std::move(first)});
    }
    detail::finishPolygons(cells);
    return cells;
}

}  // namespace cs::layout
