#pragma once
// Hierarchy layouts for the hierarchy views of concept trees and latent hierarchies (docs/layout.md).
//
//   LayoutNode tree  ──layoutFat(tree, boundary)──────────►  std::vector<LayoutCell>  (one cell per node)
//                    ──layoutSquarified(tree, rect)──────►
//   cells ──measureLayout──► LayoutMetrics (aspect ratio = diameter/width, area error)
//   tree  ──measureStability(tree, method)──► mean leaf-centroid shift under ±1 % weight noise
//   labelAnchor(cell) / largestInscribedRect(polygon)  for labels and thumbnails (geometry.h)
//   loadLayoutTree(path) / parseLayoutTree(text)       read and validate a tree file (tree_json.h)
//
// Fat partition (de Berg, Onak, Sidiropoulos, "Fat Polygonal Partitions with Applications to
// Visualization and Embeddings", JoCG 2013): each node's children are binarised by weight in the
// tree's order, and each binary step cuts the current convex polygon with one straight line into two
// convex pieces whose areas have exactly the weight ratio; the cut direction is the first of a fixed
// order of candidates whose worse piece is nearly as fat as the fattest candidate's, the first group
// left of / below the cut (FatOptions: fat and stable under small weight changes). Every cell is convex and its area is its weight's share of the boundary's area.
// Squarified treemap (Bruls, Huizing, van Wijk 2000) is the familiar rectangular baseline.
//
// Cells are in preorder: cells[0] is the root, a parent always precedes its children, `id` is the
// index into the vector. Leaf weights come from the tree, an inner node's weight is the sum of its
// children's. For drawing use `polygon` (absolute coordinates, counter-clockwise). A node deep in a
// tree of tiny weights can be smaller than double precision resolves at the root's scale, so each
// cell also keeps `localPolygon` relative to `origin` (polygon = origin + localPolygon), which is
// exact, and `offsetFromParent`; a view that zooms deep in should compose offsets from the zoomed node
// down and draw `localPolygon`, not the absolute `polygon`. See docs/layout.md.
//
// All functions are pure and thread-safe. Bad trees (weights that are not finite and > 0, duplicate
// names, empty names) throw cs::Error with subject "tree" (or the file name when loaded from a file).
#include "layout/geometry.h"

#include <limits>
#include <string>
#include <vector>

namespace cs::layout {

struct LayoutNode {
    std::string name;
    double weight = 0;  // leaves: required, finite and > 0; inner nodes: ignored (sum of children)
    std::vector<LayoutNode> children;
};

struct LayoutCell {
    int id = 0;
    std::string name;
    int parent = -1;  // -1 for the root
    int depth = 0;
    double weight = 0;
    bool leaf = true;
    Polygon polygon;       // absolute coordinates, convex, counter-clockwise
    Point origin;          // polygon == origin + localPolygon
    Polygon localPolygon;  // exact shape, relative to origin
    Point offsetFromParent;  // origin - parent's origin, exact at the parent's scale (for deep zoom)
    double targetArea = 0; // weight / root weight * area of the boundary
};

enum class LayoutMethod { Fat, Squarified };
const char* methodName(LayoutMethod method);
LayoutMethod parseMethod(const std::string& name);  // "fat" | "squarified"; throws cs::UsageError

struct FatOptions {
    // Evenly spaced cut normals tried at every cut (both sides of uniformDirections/2 orientations),
    // in a fixed order of preference: vertical, horizontal, the diagonals, then finer angles.
    int uniformDirections = 16;
    // Also try, after those, the orientations of the polygon's edges and corner bisectors.
    bool polygonDirections = false;
    // The first orientation (in order of preference) whose worse piece is within this factor of the
    // fattest cut wins: near-ties then do not flip the layout when a weight changes a little
    // (stability), at a bounded cost in aspect ratio.
    double preferenceTolerance = 0.1;
    // ... or whose worse piece is at most this fat (diameter/width) anyway: simple, stable cuts win
    // unless they are bad in absolute terms.
    double acceptableAspect = 2.2;
    // For a given orientation, the first group goes left/below the cut unless the other side is better
    // by more than this factor. Default: never (swapping the groups moves every leaf below the node, and
    // comparing the two sides flips under 1 % weight noise); the other side is used only by the last
    // resort, the fattest cut of all.
    double sideTolerance = std::numeric_limits<double>::infinity();
    // When no orientation's cut is within the limit above, the orientations are tried again in the same
    // order (first group left/below) with the limit relaxed by this factor, before the fattest cut of all.
    double relaxedTolerance = 0.3;
    // Try the orientation across the cut that made the piece first (slice-and-dice alternation), so a
    // piece keeps its parent's logic unless that cut is not fat enough.
    bool alternate = true;
};

// The boundary must be a convex polygon (either orientation) with positive area.
std::vector<LayoutCell> layoutFat(const LayoutNode& tree, const Polygon& boundary, const FatOptions& options = {});
std::vector<LayoutCell> layoutSquarified(const LayoutNode& tree, const Rect& rect);
// Either method in the unit square [0,1]² (the CLI's and the bench's frame).
std::vector<LayoutCell> layoutInUnitSquare(const LayoutNode& tree, LayoutMethod method, const FatOptions& fat = {});

struct LayoutMetrics {
    size_t cells = 0;
    size_t leaves = 0;
    double maxAspectRatio = 0;   // diameter / width over every cell (the root included)
    double p99AspectRatio = 0;
    double meanAspectRatio = 0;
    double maxLeafAspectRatio = 0;
    double maxAreaError = 0;     // max |area - targetArea| / targetArea
    size_t nonConvexCells = 0;   // cells whose polygon is not convex and counter-clockwise
    size_t nonFiniteCells = 0;   // cells with a NaN or infinite coordinate
};
LayoutMetrics measureLayout(const std::vector<LayoutCell>& cells);

// Mean distance a leaf's centroid moves when every leaf weight is multiplied by (1 + 0.01 u),
// u uniform in [-1, 1], relative to sqrt(area of the root); averaged over `trials` seeded draws.
double measureStability(const LayoutNode& tree, LayoutMethod method, const FatOptions& fat = {}, int trials = 3,
                        unsigned seed = 1);

// Where to put a cell's label: its pole of inaccessibility, in absolute coordinates.
Point labelAnchor(const LayoutCell& cell);

// Checks a tree (leaf weights finite and > 0, names non-empty and unique, shares of the root's weight
// representable); throws cs::Error(subject, problem). Called by the layout functions with "tree".
void validateTree(const LayoutNode& tree, const std::string& subject);

size_t countNodes(const LayoutNode& tree);

}  // namespace cs::layout
