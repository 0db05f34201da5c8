#include "layout/tree_json.h"

#include "common/error.h"
#include "common/input_file.h"

#include <cmath>
#include <fstream>
#include <sstream>

namespace cs::layout {

namespace {

constexpr int kMaxJsonDepth = 10000;

LayoutNode nodeFromJson(const nlohmann::json& value, const std::string& subject, const std::string& where,
                        int depth) {
    if (depth > kMaxJsonDepth)
        throw Error(subject, "tree is deeper than " + std::to_string(kMaxJsonDepth) + " levels");
    if (!value.is_object()) throw Error(subject, where + " is not an object");
    LayoutNode node;
    const auto name = value.find("name");
    if (name == value.end() || !name->is_string())
        throw Error(subject, where + " has no \"name\" string");
    node.name = name->get<std::string>();
    const std::string label = "node '" + node.name + "'";
    const auto children = value.find("children");
    if (children != value.end() && !children->is_null()) {
        if (!children->is_array()) throw Error(subject, label + ": \"children\" is not an array");
        node.children.reserve(children->size());
        for (size_t i = 0; i < children->size(); ++i)
            node.children.push_back(nodeFromJson((*children)[i], subject,
                                                 label + " child " + std::to_string(i), depth + 1));
    }
    const auto weight = value.find("weight");
    if (weight != value.end() && !weight->is_null()) {
        if (!weight->is_number()) throw Error(subject, label + ": \"weight\" is not a number");
        node.weight = weight->get<double>();
    } else if (node.children.empty()) {
        throw Error(subject, "leaf '" + node.name + "' has no \"weight\"");
    }
    return node;
}

}  // namespace

LayoutNode parseLayoutTree(const std::string& jsonText, const std::string& subject) {
    nlohmann::json document;
    try {
        document = nlohmann::json::parse(jsonText);
    } catch (const nlohmann::json::parse_error& e) {
        // e.what() already says "parse error at line L, column C: ..."; add the byte offset.
        std::string what = e.what();
        const auto bracket = what.find("] ");
        if (bracket != std::string::npos) what = what.substr(bracket + 2);
        throw Error(subject, "malformed JSON at byte " + std::to_string(e.byte) + ": " + what);
    } catch (const nlohmann::json::exception& e) {
        // e.g. a number too large for a double (1e999)
        std::string what = e.what();
        const auto bracket = what.find("] ");
        if (bracket != std::string::npos) what = what.substr(bracket + 2);
        throw Error(subject, "unreadable JSON: " + what);
    }
    LayoutNode tree = nodeFromJson(document, subject, "the root", 0);
    validateTree(tree, subject);
    return tree;
}

LayoutNode loadLayoutTree(const std::string& path) {
    requireRegularFile(path, "a tree file (JSON)");
    std::ifstream in(path, std::ios::binary);
    if (!in) throw Error(path, "cannot open the tree file");
    std::ostringstream text;
    text << in.rdbuf();
    if (in.bad()) throw Error(path, "cannot read the tree file");
    return parseLayoutTree(text.str(), path);
}

nlohmann::json layoutToJson(const std::vector<LayoutCell>& cells, const LayoutMetrics& metrics,
                            LayoutMethod method, double seconds) {
    nlohmann::json nodes = nlohmann::json::array();
    for (const LayoutCell& cell : cells) {
        nlohmann::json polygon = nlohmann::json::array();
        for (const Point& p : cell.polygon) polygon.push_back({p.x, p.y});
        nlohmann::json parent = cell.parent < 0 ? nlohmann::json(nullptr) : nlohmann::json(cell.parent);
        nodes.push_back({{"id", cell.id},
                         {"name", cell.name},
                         {"parent", parent},
                         {"weight", cell.weight},
                         {"depth", cell.depth},
                         {"leaf", cell.leaf},
                         {"polygon", std::move(polygon)}});
    }
    return {{"method", methodName(method)},
            {"nodes", std::move(nodes)},
            {"metrics",
             {{"cells", metrics.cells},
              {"leaves", metrics.leaves},
              {"max_aspect_ratio", metrics.maxAspectRatio},
              {"p99_aspect_ratio", metrics.p99AspectRatio},
              {"mean_aspect_ratio", metrics.meanAspectRatio},
              {"max_leaf_aspect_ratio", metrics.maxLeafAspectRatio},
              {"max_area_error", metrics.maxAreaError},
              {"non_convex_cells", metrics.nonConvexCells}}},
            {"time_s", seconds}};
}

}  // namespace cs::layout
