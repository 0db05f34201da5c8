// Shared parts of the layouts: tree validation and flattening, metrics, stability, label anchors.
#include "layout/layout.h"

#include "common/error.h"
#include "layout/layout_tree.h"

#include <algorithm>
#include <cmath>
#include <random>
#include <sstream>
#include <unordered_set>

namespace cs::layout {

namespace {

// Leaf shares below this would make polygons whose squared size underflows double precision.
constexpr double kSmallestShare = 1e-200;
constexpr int kMaxDepth = 10000;

std::string describe(double value) {
    std::ostringstream out;
    out.precision(17);
    out << value;
    return out.str();
}

}  // namespace

const char* methodName(LayoutMethod method) { return method == LayoutMethod::Fat ? "fat" : "squarified"; }

LayoutMethod parseMethod(const std::string& name) {
    if (name == "fat") return LayoutMethod::Fat;
    if (name == "squarified") return LayoutMethod::Squarified;
    throw UsageError("unknown layout method '" + name + "' (expected fat or squarified)");
}

size_t countNodes(const LayoutNode& tree) {
    size_t count = 0;
    std::vector<const LayoutNode*> stack{&tree};
    while (!stack.empty()) {
        const LayoutNode* node = stack.back();
        stack.pop_back();
        ++count;
        for (const LayoutNode& child : node->children) stack.push_back(&child);
    }
    return count;
}

void validateTree(const LayoutNode& tree, const std::string& subject) {
    std::unordered_set<std::string> names;
    double total = 0;
    double smallest = std::numeric_limits<double>::infinity();
    std::string smallestName;
    std::vector<std::pair<const LayoutNode*, int>> stack{{&tree, 0}};
    while (!stack.empty()) {
        const auto [node, depth] = stack.back();
        stack.pop_back();
        if (depth > kMaxDepth)
            throw Error(subject, "tree is deeper than " + std::to_string(kMaxDepth) + " levels");
        if (node->name.empty()) throw Error(subject, "a node has an empty name (names must be unique and non-empty)");
        if (!names.insert(node->name).second) throw Error(subject, "duplicate node name '" + node->name + "'");
        if (node->children.empty()) {
            const double w = node->weight;
            if (!std::isfinite(w) || !(w > 0))
                throw Error(subject, "leaf '" + node->name + "' has weight " + describe(w) +
                                         "; leaf weights must be finite and > 0");
            total += w;
            if (w < smallest) {
                smallest = w;
                smallestName = node->name;
            }
        }
        for (const LayoutNode& child : node->children) stack.push_back({&child, depth + 1});
    }
    if (!std::isfinite(total)) throw Error(subject, "the sum of the leaf weights overflows (" + describe(total) + ")");
    if (smallest / total < kSmallestShare)
        throw Error(subject, "leaf '" + smallestName + "' has a share " + describe(smallest / total) +
                                 " of the total weight, below the representable " + describe(kSmallestShare));
}

namespace detail {

FlatTree flatten(const LayoutNode& tree) {
    FlatTree flat;
    std::vector<std::pair<const LayoutNode*, int>> stack{{&tree, -1}};
    while (!stack.empty()) {
        const auto [node, parent] = stack.back();
        stack.pop_back();
        const int id = static_cast<int>(flat.node.size());
        flat.node.push_back(node);
        flat.parent.push_back(parent);
        flat.depth.push_back(parent < 0 ? 0 : flat.depth[parent] + 1);
        flat.weight.push_back(node->children.empty() ? node->weight : 0.0);
        flat.children.emplace_back();
        if (parent >= 0) flat.children[parent].push_back(id);
        // Reverse push so children are visited (and numbered) in the tree's order.
        for (auto it = node->children.rbegin(); it != node->children.rend(); ++it) stack.push_back({&*it, id});
    }
    // Preorder: every child comes after its parent, so one backwards pass sums the weights.
    for (size_t id = flat.node.size(); id-- > 1;) flat.weight[flat.parent[id]] += flat.weight[id];
    return flat;
}

std::vector<LayoutCell> makeCells(const FlatTree& flat, double rootArea) {
    std::vector<LayoutCell> cells(flat.node.size());
    const double rootWeight = flat.weight[0];
    for (size_t id = 0; id < cells.size(); ++id) {
        LayoutCell& cell = cells[id];
        cell.id = static_cast<int>(id);
        cell.name = flat.node[id]->name;
        cell.parent = flat.parent[id];
        cell.depth = flat.depth[id];
        cell.weight = flat.weight[id];
        cell.leaf = flat.children[id].empty();
        cell.targetArea = rootArea * (flat.weight[id] / rootWeight);
    }
    return cells;
}

void finishPolygons(std::vector<LayoutCell>& cells) {
    for (LayoutCell& cell : cells) {
        cell.polygon.clear();
        cell.polygon.reserve(cell.localPolygon.size());
        for (const Point& p : cell.localPolygon) cell.polygon.push_back(cell.origin + p);
    }
}

}  // namespace detail

std::vector<LayoutCell> layoutInUnitSquare(const LayoutNode& tree, LayoutMethod method, const FatOptions& fat) {
    if (method == LayoutMethod::Fat) return layoutFat(tree, Polygon{{0, 0}, {1, 0}, {1, 1}, {0, 1}}, fat);
    return layoutSquarified(tree, Rect{0, 0, 1, 1});
}

LayoutMetrics measureLayout(const std::vector<LayoutCell>& cells) {
    LayoutMetrics m;
    m.cells = cells.size();
    std::vector<double> aspects;
    aspects.reserve(cells.size());
    double sum = 0;
    for (const LayoutCell& cell : cells) {
        bool finite = true;
        for (const Point& p : cell.localPolygon) finite = finite && std::isfinite(p.x) && std::isfinite(p.y);
        finite = finite && std::isfinite(cell.origin.x) && std::isfinite(cell.origin.y);
        if (!finite) ++m.nonFiniteCells;
        if (cell.leaf) ++m.leaves;
        if (!isConvexCCW(cell.localPolygon)) ++m.nonConvexCells;
        // NaN counts as infinitely thin: a broken cell must never look good.
        double aspect = aspectRatio(cell.localPolygon);
        if (!std::isfinite(aspect)) aspect = std::numeric_limits<double>::infinity();
        aspects.push_back(aspect);
        sum += aspect;
        m.maxAspectRatio = std::max(m.maxAspectRatio, aspect);
        if (cell.leaf) m.maxLeafAspectRatio = std::max(m.maxLeafAspectRatio, aspect);
        double error = std::abs(polygonArea(cell.localPolygon) - cell.targetArea) / cell.targetArea;
        if (!std::isfinite(error)) error = std::numeric_limits<double>::infinity();
        m.maxAreaError = std::max(m.maxAreaError, error);
    }
    if (!aspects.empty()) {
        m.meanAspectRatio = sum / static_cast<double>(aspects.size());
        const size_t rank = static_cast<size_t>(std::ceil(0.99 * static_cast<double>(aspects.size()))) - 1;
        std::nth_element(aspects.begin(), aspects.begin() + static_cast<long>(rank), aspects.end());
        m.p99AspectRatio = aspects[rank];
    }
    return m;
}

double measureStability(const LayoutNode& tree, LayoutMethod method, const FatOptions& fat, int trials,
                        unsigned seed) {
    const std::vector<LayoutCell> base = layoutInUnitSquare(tree, method, fat);
    auto centroidOf = [](const LayoutCell& cell) { return cell.origin + polygonCentroid(cell.localPolygon); };
    std::mt19937_64 rng(seed);
    std::uniform_real_distribution<double> noise(-1.0, 1.0);
    double total = 0;
    for (int trial = 0; trial < trials; ++trial) {
        LayoutNode perturbed = tree;
        std::vector<LayoutNode*> stack{&perturbed};
        while (!stack.empty()) {
            LayoutNode* node = stack.back();
            stack.pop_back();
            if (node->children.empty()) node->weight *= 1 + 0.01 * noise(rng);
            for (LayoutNode& child : node->children) stack.push_back(&child);
        }
        const std::vector<LayoutCell> moved = layoutInUnitSquare(perturbed, method, fat);
        double shift = 0;
        size_t leaves = 0;
        for (size_t id = 0; id < base.size(); ++id) {
            if (!base[id].leaf) continue;
            const Point d = centroidOf(moved[id]) - centroidOf(base[id]);
            shift += std::hypot(d.x, d.y);
            ++leaves;
        }
        total += shift / static_cast<double>(std::max<size_t>(leaves, 1));
    }
    return total / trials / std::sqrt(base[0].targetArea);
}

Point labelAnchor(const LayoutCell& cell) { return cell.origin + poleOfInaccessibility(cell.localPolygon); }

}  // namespace cs::layout
