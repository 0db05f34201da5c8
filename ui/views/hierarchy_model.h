#pragma once
// The trees the hierarchy view draws, read through the results reader (results/run_data.h):
//   CRAFT run : root = the explained class, children = top-level concepts (area = importance),
//               grand-children = recursive sub-concepts (sharing their parent's area by their
//               own importance), from the concepts table (parentId).
//   RecSAE run: the latent hierarchy, the run's stored tree (a tree or latent-hierarchy artifact)
//               whose payload is a tree JSON {"name", "weight"?, "children"?} (docs/cli.md).
#include <QByteArray>
#include <QImage>
#include <QList>
#include <QString>

#include <vector>

namespace cs::store {
class ProjectStore;
}

namespace cs::ui {

struct HierarchyNode {
    QString key;            // unique within the tree (the layout's node name)
    QString label;          // what the user reads: the user's label when there is one
    QString note;           // the user's note; empty when none
    qint64 itemId = 0;      // concept or latent row id; 0 for grouping nodes
    double weight = 0;      // leaves: area weight (> 0); inner: ignored (sum of children)
    double importance = 0;  // as stored (CRAFT) or the weight (trees)
    double spread = 0;      // importance std over images (CRAFT)
    QString layer;
    int colorIndex = -1;    // inherited from the top-level ancestor
    int parent = -1;
    int depth = 0;
    std::vector<int> children;
    QImage thumbnail;       // best crop, when the run stored one
    QByteArray picturePng;  // what the concept looks like (its MaCo picture, PNG), when one was made
};

struct HierarchyData {
    QString title;
    QString source;  // "concept tree" | "latent hierarchy"
    std::vector<HierarchyNode> nodes;  // nodes[0] is the root
    QString problem; // why there is nothing to draw, when nodes is empty

    bool empty() const { return nodes.size() <= 1; }
    int findItem(qint64 itemId) const;
};

// Never throws: a run without a tree gets an explanatory `problem` instead.
HierarchyData loadRunHierarchy(const store::ProjectStore& store, qint64 runId);
// Parses a tree JSON; leaves named "latent N" (or with "latent"/"id" fields) map to latent rows
// through `latentRowIds` (index -> row id). Throws cs::Error(subject, problem) when malformed.
HierarchyData parseTreeJson(const QByteArray& json, const QString& subject,
                            const std::vector<std::pair<qint64, qint64>>& latentRowIds = {});

}  // namespace cs::ui
