#include "metrics/pareto.h"

#include <algorithm>
#include <numeric>

namespace cs::metrics {

std::vector<size_t> paretoFront(const std::vector<PlanePoint>& points) {
    // Sweep by increasing x (then y): a point is on the front when its y is below every y seen
    // before it at a smaller x; a point equal to the last one kept is kept too.
    std::vector<size_t> order(points.size());
    std::iota(order.begin(), order.end(), size_t{0});
    std::sort(order.begin(), order.end(), [&](size_t a, size_t b) {
        return points[a].x != points[b].x ? points[a].x < points[b].x : points[a].y < points[b].y;
    });
    std::vector<size_t> front;
    for (size_t i : order) {
        if (front.empty()) {
            front.push_back(i);
            continue;
        }
        const PlanePoint& last = points[front.back()];
        const bool equal = points[i].x == last.x && points[i].y == last.y;
        if (equal || points[i].y < last.y) front.push_back(i);
    }
    return front;
}

}  // namespace cs::metrics
