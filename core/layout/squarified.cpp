// Squarified treemap (Bruls, Huizing, van Wijk, "Squarified Treemaps", 2000): children sorted by
// weight, heaviest first, are laid in rows along the shorter side of the remaining rectangle; a child
// joins the current row while that does not worsen the row's worst aspect ratio.
//
// Each rectangle keeps its own frame (origin = lower-left corner, exact width and height), like the fat
// partition, so deep trees of tiny weights stay exact; the baseline is then limited by its shapes only.
#include "common/error.h"
#include "layout/layout.h"
#include "layout/layout_tree.h"

#include <algorithm>
#include <cmath>

namespace cs::layout {

namespace {

struct Box {
    Point origin;  // absolute lower-left corner
    double width = 0, height = 0;
    Point fromParent;  // origin relative to the parent's lower-left corner
};

Polygon boxPolygon(double width, double height) { return {{0, 0}, {width, 0}, {width, height}, {0, height}}; }

// Worst aspect ratio (long/short side) of a row of areas laid along a side of length `side`.
double worstRatio(double sum, double largest, double smallest, double side) {
    const double s2 = side * side, sum2 = sum * sum;
    return std::max(s2 * largest / sum2, sum2 / (s2 * smallest));
}

// Lays the children (areas in `areas`, same order as `ids`) into `box`; appends (id, box) pairs.
// Sizes are computed as ratios of accurately summed areas, never as differences of lengths, so a tiny
// child after a big one gets its exact area (a difference would lose the digits the big one holds).
void squarify(const std::vector<int>& ids, const std::vector<double>& areas, Box box,
              std::vector<std::pair<int, Box>>& out) {
    std::vector<double> suffix(areas.size() + 1, 0.0);  // suffix[i] = sum of areas[i..]; small ones first
    for (size_t i = areas.size(); i-- > 0;) suffix[i] = suffix[i + 1] + areas[i];
    double x = 0, y = 0, width = box.width, height = box.height;  // the free part, relative to the corner
    size_t start = 0;
    while (start < ids.size()) {
        const bool vertical = width >= height;  // a wide box gets a column at its left
        const double side = vertical ? height : width;
        size_t end = start + 1;
        double sum = areas[start], largest = areas[start], smallest = areas[start];
        while (end < ids.size()) {
            const double a = areas[end];
            if (worstRatio(sum + a, std::max(largest, a), std::min(smallest, a), side) >
                worstRatio(sum, largest, smallest, side))
                break;
            sum += a;
            largest = std::max(largest, a);
            smallest = std::min(smallest, a);
            ++end;
        }
        const double share = sum / suffix[start];
        const double thickness = (vertical ? width : height) * share;
        double along = 0;
        for (size_t i = start; i < end; ++i) {
            const double length = side * (areas[i] / sum);
            const Point offset = vertical ? Point{x, y + along} : Point{x + along, y};
            const Box child = vertical ? Box{box.origin + offset, thickness, length, offset}
                                       : Box{box.origin + offset, length, thickness, offset};
            out.emplace_back(ids[i], child);
            along += length;
        }
        const double left = suffix[end] / suffix[start];
        if (vertical) {
            x += thickness;
            width *= left;
        } else {
            y += thickness;
            height *= left;
        }
        start = end;
    }
}

}  // namespace

std::vector<LayoutCell> layoutSquarified(const LayoutNode& tree, const Rect& rect) {
    validateTree(tree, "tree");
    if (!(rect.width > 0) || !(rect.height > 0) || !std::isfinite(rect.width * rect.height) ||
        !std::isfinite(rect.x) || !std::isfinite(rect.y))
        throw Error("boundary", "the layout rectangle must have a finite, positive width and height");
    const detail::FlatTree flat = detail::flatten(tree);
    std::vector<LayoutCell> cells = detail::makeCells(flat, rect.width * rect.height);

    std::vector<std::pair<int, Box>> stack{{0, Box{{rect.x, rect.y}, rect.width, rect.height, {}}}};
    std::vector<std::pair<int, Box>> placed;
    while (!stack.empty()) {
        const auto [id, box] = stack.back();
        stack.pop_back();
        cells[id].origin = box.origin;
        cells[id].offsetFromParent = box.fromParent;
        cells[id].localPolygon = boxPolygon(box.width, box.height);
        if (flat.children[id].empty()) continue;
        std::vector<int> ids = flat.children[id];
        std::sort(ids.begin(), ids.end(), [&](int a, int b) {
            return flat.weight[a] != flat.weight[b] ? flat.weight[a] > flat.weight[b] : a < b;
        });
        std::vector<double> areas;
        areas.reserve(ids.size());
        const double boxArea = box.width * box.height;
        for (int child : ids) areas.push_back(boxArea * (flat.weight[child] / flat.weight[id]));
        placed.clear();
        squarify(ids, areas, box, placed);
        for (const auto& entry : placed) stack.push_back(entry);
    }
    detail::finishPolygons(cells);
    return cells;
}

}  // namespace cs::layout
