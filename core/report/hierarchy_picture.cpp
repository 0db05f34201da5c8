#include "report/hierarchy_picture.h"

#include "report/svg_charts.h"
#include "report/text_encoding.h"

#include "layout/layout.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <functional>

namespace cs::report {
namespace {

using nlohmann::json;

constexpr int kMaxPictureDepth = 4;  // deeper levels are listed in the text, not drawn

// Weight of a node as its share among siblings: its own positive weight, else the sum of
// its children's.
double nodeWeight(const json& node) {
    if (node.contains("weight") && node["weight"].is_number()) {
        const double w = node["weight"].get<double>();
        if (std::isfinite(w) && w > 0) return w;
    }
    double sum = 0;
    if (node.contains("children") && node["children"].is_array())
        for (const auto& child : node["children"]) sum += nodeWeight(child);
    return sum;
}

std::string lighten(const std::string& hex, double amount) {
    if (hex.size() != 7 || hex[0] != '#') return "#cccccc";
    const unsigned long v = std::stoul(hex.substr(1), nullptr, 16);
    auto mix = [&](unsigned long c) { return static_cast<int>(c + (255 - c) * amount); };
    char buffer[8];
    std::snprintf(buffer, sizeof buffer, "#%02x%02x%02x", mix((v >> 16) & 0xff), mix((v >> 8) & 0xff), mix(v & 0xff));
    return buffer;
}

std::string nodeName(const json& node) {
    if (!node.contains("name")) return {};
    return node["name"].is_string() ? node["name"].get<std::string>() : node["name"].dump();
}

const json* childrenOf(const json& node) {
    auto it = node.find("children");
    return it != node.end() && it->is_array() && !it->empty() ? &*it : nullptr;
}

// One node of the drawn tree: its JSON, its fill colour, and its share of the whole picture.
struct DrawNode {
    const json* node = nullptr;
    std::string label;  // the name, prefixed by the parent's below the first level ("concept 1 › a")
    std::string fill;
    int depth = 0;
    double absoluteShare = 1.0;
    std::vector<int> children;
};

// Flattens the tree to kMaxPictureDepth with shares: a child's share of its parent is its weight
// over its siblings' (equal when all are zero), floored so no region vanishes entirely.
std::vector<DrawNode> flattenForDrawing(const json& tree) {
    std::vector<DrawNode> nodes;
    std::function<int(const json&, int, double, const std::string&, size_t)> add =
        [&](const json& node, int depth, double share, const std::string& inherited, size_t sibling) {
            const int id = static_cast<int>(nodes.size());
            nodes.push_back({});
            std::string base = inherited;
            if (node.contains("color") && node["color"].is_string()) base = node["color"].get<std::string>();
            if (base.empty() && depth > 0) base = paletteColor(sibling);
            nodes[id].node = &node;
            nodes[id].label = nodeName(node);
            nodes[id].depth = depth;
            nodes[id].absoluteShare = share;
            nodes[id].fill = depth == 0 ? "#f4f4f4" : lighten(base, std::min(0.75, 0.25 * (depth - 1)));
            const json* children = childrenOf(node);
            if (!children || depth >= kMaxPictureDepth) return id;
            double total = 0;
            for (const auto& c : *children) total += nodeWeight(c);
            std::vector<double> shares;
            for (const auto& c : *children)
                shares.push_back(total > 0 ? std::max(nodeWeight(c) / total, 1e-4) : 1.0 / children->size());
            double sum = 0;
            for (double s : shares) sum += s;
            for (size_t i = 0; i < children->size(); ++i) {
                const int child = add((*children)[i], depth + 1, share * shares[i] / sum, base, i);
                // Sub-concept names repeat across parents (e.g. "block2/1"); the parent tells them apart.
                if (depth >= 1) nodes[child].label = nodeName(node) + " \u203a " + nodes[child].label;
                nodes[id].children.push_back(child);
            }
            return id;
        };
    add(tree, 0, 1.0, "", 0);
    return nodes;
}

PolygonShape shapeFor(const DrawNode& n, std::vector<std::pair<double, double>> points, double ax, double ay) {
    PolygonShape shape;
    shape.points = std::move(points);
    shape.fill = n.fill;
    shape.tooltip = nodeName(*n.node) + " (" + formatNumber(nodeWeight(*n.node), 3) + ")";
    // Children tile their parent, so only the drawn leaves carry a visible label; the colour
    // family names the top-level ancestor and the tooltip names every region.
    if (n.children.empty()) shape.label = n.label;
    shape.anchorX = ax;
    shape.anchorY = ay;
    shape.depth = n.depth;
    return shape;
}

std::vector<PolygonShape> fatShapes(const std::vector<DrawNode>& nodes) {
    // Layout needs unique names and positive leaf weights: name nodes by their index and give
    // each leaf its share of the whole picture, so inner sums equal the inner shares.
    std::function<layout::LayoutNode(int)> build = [&](int id) {
        layout::LayoutNode out;
        out.name = std::to_string(id);
        out.weight = nodes[id].absoluteShare;
        for (int child : nodes[id].children) out.children.push_back(build(child));
        return out;
    };
    const layout::LayoutNode root = build(0);
    const layout::Polygon boundary{{0, 0}, {1.6, 0}, {1.6, 1.0}, {0, 1.0}};
    const auto cells = layout::layoutFat(root, boundary);
    std::vector<PolygonShape> shapes;
    for (const auto& cell : cells) {
        const int id = std::stoi(cell.name);
        if (nodes[id].depth == 0) continue;
        std::vector<std::pair<double, double>> points;
        // Layout's y axis points up; SVG's points down.
        for (const auto& p : cell.polygon) points.emplace_back(p.x, 1.0 - p.y);
        const layout::Point anchor = layout::labelAnchor(cell);
        shapes.push_back(shapeFor(nodes[id], std::move(points), anchor.x, 1.0 - anchor.y));
    }
    return shapes;
}

std::vector<PolygonShape> sliceAndDiceShapes(const std::vector<DrawNode>& nodes) {
    std::vector<PolygonShape> shapes;
    std::function<void(int, double, double, double, double)> place = [&](int id, double x0, double y0, double x1,
                                                                         double y1) {
        const DrawNode& n = nodes[id];
        if (n.depth > 0) shapes.push_back(shapeFor(n, {{x0, y0}, {x1, y0}, {x1, y1}, {x0, y1}}, (x0 + x1) / 2, (y0 + y1) / 2));
        const bool horizontal = (x1 - x0) >= (y1 - y0);
        const double a0 = horizontal ? x0 : y0, a1 = horizontal ? x1 : y1;
        double cursor = a0;
        for (int child : n.children) {
            const double next = cursor + nodes[child].absoluteShare / n.absoluteShare * (a1 - a0);
            if (horizontal) place(child, cursor, y0, next, y1);
            else place(child, x0, cursor, x1, next);
            cursor = next;
        }
    };
    place(0, 0, 0, 1.6, 1.0);
    return shapes;
}

}  // namespace

std::string hierarchyPictureMethod() {
    return "Fat polygonal partition (de Berg, Onak, Sidiropoulos)";
}

std::string hierarchyPictureSvg(const json& tree, int width) {
    if (!tree.is_object() || !childrenOf(tree)) return {};
    const auto nodes = flattenForDrawing(tree);
    std::vector<PolygonShape> shapes;
    try {
        shapes = fatShapes(nodes);
    } catch (const std::exception&) {
        shapes.clear();  // a tree the layout refuses still gets a picture
    }
    if (shapes.empty()) shapes = sliceAndDiceShapes(nodes);
    // Deeper regions are drawn after (on top of) their parents: preorder already does that.
    return polygonsSvg(shapes, width);
}

}  // namespace cs::report
