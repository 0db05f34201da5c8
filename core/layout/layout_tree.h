#pragma once
// Internal to core/layout: the input tree flattened into preorder arrays, shared by both methods.
// Flattening is iterative, so trees thousands of levels deep need no deep recursion.
#include "layout/layout.h"

#include <vector>

namespace cs::layout::detail {

struct FlatTree {
    std::vector<const LayoutNode*> node;
    std::vector<int> parent;
    std::vector<int> depth;
    std::vector<double> weight;              // leaf weight, or sum of the children's
    std::vector<std::vector<int>> children;  // ids, in the tree's order
};

FlatTree flatten(const LayoutNode& tree);

// Cells for every node with id, name, parent, depth, weight, leaf and targetArea filled in.
std::vector<LayoutCell> makeCells(const FlatTree& flat, double rootArea);

// Fills polygon = origin + localPolygon for every cell.
void finishPolygons(std::vector<LayoutCell>& cells);

}  // namespace cs::layout::detail
