#include "views/hierarchy_model.h"

#include "common/error.h"
#include "results/run_data.h"
#include "store/project_store.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRegularExpression>

#include <algorithm>
#include <map>

namespace cs::ui {

int HierarchyData::findItem(qint64 itemId) const {
    if (itemId == 0) return -1;
    for (size_t i = 0; i < nodes.size(); ++i)
        if (nodes[i].itemId == itemId) return int(i);
    return -1;
}

namespace {
constexpr double kMinWeight = 1e-6;  // the layout needs positive weights; a zero importance still shows

QJsonObject parseObject(const std::string& text) {
    return QJsonDocument::fromJson(QByteArray::fromStdString(text)).object();
}

void finishDepthsAndColors(HierarchyData& data) {
    // Top-level nodes take palette colours in order; everything below inherits its ancestor's.
    int nextTopColor = 0;
    for (size_t i = 1; i < data.nodes.size(); ++i) {
        HierarchyNode& node = data.nodes[i];
        node.depth = data.nodes[node.parent].depth + 1;
        if (node.colorIndex < 0) node.colorIndex = node.depth == 1 ? nextTopColor : data.nodes[node.parent].colorIndex;
        if (node.depth == 1) nextTopColor = std::max(nextTopColor, node.colorIndex + 1);
    }
}

// Thumbnails of a CRAFT run: the best-ranked crop picture of each concept, decoded once.
std::map<qint64, QImage> conceptThumbnails(const store::ProjectStore& store, const results::RunData& run) {
    std::map<qint64, QImage> thumbnails;
    for (const auto& [conceptId, artifactIds] : run.conceptThumbnails()) {
        const auto artifact = store.artifact(artifactIds.front());
        if (!artifact) continue;
        QImage image;
        if (image.loadFromData(reinterpret_cast<const uchar*>(artifact->bytes.data()), int(artifact->bytes.size())))
            thumbnails[conceptId] = image;
    }
    return thumbnails;
}

// The analysed class as a person names it: a stored class name, else the name the run's model
// (or its images) gives the class index, else "class N" (the engine stores the index).
QString craftClassTitle(const results::RunData& data) {
    const QJsonObject params = parseObject(data.run.parametersJson), summary = parseObject(data.run.summaryJson);
    for (const QJsonObject* o : {&summary, &params})
        if (const QString name = o->value(QLatin1String("class_name")).toString(); !name.isEmpty()) return name;
    // The user may have given the class by name (--class Sneaker): that is the name.
    const QString given = params.value(QLatin1String("class")).toVariant().toString().trimmed();
    bool givenIsIndex = false;
    given.toLongLong(&givenIsIndex);
    if (!given.isEmpty() && !givenIsIndex) return given;
    qint64 index = -1;
    if (summary.value(QLatin1String("class")).isDouble()) index = summary.value(QLatin1String("class")).toInteger(-1);
    else if (params.value(QLatin1String("class_index")).isDouble()) index = params.value(QLatin1String("class_index")).toInteger(-1);
    else if (givenIsIndex) index = given.toLongLong();
    else if (const QString s = summary.value(QLatin1String("class")).toString(); !s.isEmpty()) return s;
    if (index < 0) return {};
    auto nameFrom = [index](const std::string& metadata) {
        const QJsonArray names = parseObject(metadata).value(QLatin1String("class_names")).toArray();
        return index < names.size() ? names[int(index)].toString() : QString();
    };
    if (data.model)
        if (const QString name = nameFrom(data.model->metadataJson); !name.isEmpty()) return name;
    if (data.dataset)
        if (const QString name = nameFrom(data.dataset->metadataJson); !name.isEmpty()) return name;
    return QStringLiteral("class %1").arg(index);
}

HierarchyData loadCraftTree(const store::ProjectStore& store, const results::RunData& run) {
    HierarchyData data;
    data.source = QStringLiteral("concept tree");
    const qint64 runId = run.run.id;
    const auto& concepts = run.concepts;
    data.title = craftClassTitle(run);
    if (data.title.isEmpty()) data.title = QStringLiteral("run %1").arg(runId);
    HierarchyNode root;
    root.key = QStringLiteral("root");
    root.label = data.title;
    data.nodes.push_back(root);
    if (concepts.empty()) {
        data.problem = QStringLiteral("Run %1 stored no concepts.").arg(runId);
        return data;
    }
    const auto thumbnails = conceptThumbnails(store, run);
    const auto pictures = run.conceptPictures();

    std::map<qint64, std::vector<const store::ConceptRecord*>> byParent;  // 0 = top level
    for (const auto& c : concepts) byParent[c.parentId.value_or(0)].push_back(&c);
    for (auto& [parent, list] : byParent)
        std::sort(list.begin(), list.end(), [](auto* a, auto* b) { return a->index < b->index; });

    // Breadth-first so each parent's node index is known before its children.
    std::vector<std::pair<qint64, int>> queue{{0, 0}};  // (concept id, node index)
    for (size_t q = 0; q < queue.size(); ++q) {
        const auto [conceptId, nodeIndex] = queue[q];
        auto it = byParent.find(conceptId);
        if (it == byParent.end()) continue;
        double total = 0;
        for (auto* c : it->second) total += std::max(0.0, c->importance);
        const double parentWeight = nodeIndex == 0 ? 1.0 : data.nodes[nodeIndex].weight;
        for (auto* c : it->second) {
            HierarchyNode node;
            node.key = QStringLiteral("concept%1").arg(c->id);
            const auto* user = run.userLabel(store::LabelTarget::Concept, c->id);
            node.label = c->label.empty() && !user ? QStringLiteral("Concept %1").arg(c->index) : QString::fromStdString(run.conceptName(*c));
            if (user) node.note = QString::fromStdString(user->note);
            node.itemId = c->id;
            node.importance = c->importance;
            node.spread = c->importanceStd;
            node.layer = QString::fromStdString(c->layer);
            node.parent = nodeIndex;
            // Top level: area = importance. Below: the parent's area shared by importance.
            const double share = total > 0 ? std::max(0.0, c->importance) / total : 1.0 / it->second.size();
            node.weight = std::max(kMinWeight, nodeIndex == 0 ? std::max(0.0, c->importance) : parentWeight * share);
            if (nodeIndex == 0) node.colorIndex = int(c->index);
            auto thumb = thumbnails.find(c->id);
            if (thumb != thumbnails.end()) node.thumbnail = thumb->second;
            if (auto picture = pictures.find(c->id); picture != pictures.end())
                if (const auto artifact = store.artifact(picture->second))
                    node.picturePng = QByteArray(artifact->bytes.data(), qsizetype(artifact->bytes.size()));
            data.nodes.push_back(node);
            const int index = int(data.nodes.size()) - 1;
            data.nodes[nodeIndex].children.push_back(index);
            queue.push_back({c->id, index});
        }
    }
    finishDepthsAndColors(data);
    return data;
}

void parseNode(const QJsonObject& object, int parent, HierarchyData& data, const QString& subject,
               const std::map<qint64, qint64>& latentRows) {
    static const QRegularExpression latentName(QStringLiteral("^latent[ _#]?(\\d+)$"), QRegularExpression::CaseInsensitiveOption);
    HierarchyNode node;
    node.label = object.value(QLatin1String("name")).toString();
    if (node.label.isEmpty()) throw Error(subject.toStdString(), "a tree node has no name");
    node.key = QStringLiteral("n%1").arg(data.nodes.size());
    node.parent = parent;
    node.weight = object.value(QLatin1String("weight")).toDouble(0.0);
    node.importance = node.weight;
    qint64 latentIndex = -1;
    if (object.contains(QLatin1String("latent"))) latentIndex = object.value(QLatin1String("latent")).toInteger(-1);
    else if (const auto m = latentName.match(node.label); m.hasMatch()) latentIndex = m.captured(1).toLongLong();
    if (latentIndex >= 0) {
        auto it = latentRows.find(latentIndex);
        if (it != latentRows.end()) node.itemId = it->second;
    }
    data.nodes.push_back(node);
    const int index = int(data.nodes.size()) - 1;
    if (parent >= 0) data.nodes[parent].children.push_back(index);
    const QJsonArray children = object.value(QLatin1String("children")).toArray();
    for (const auto& child : children) {
        if (!child.isObject()) throw Error(subject.toStdString(), "a child of '" + node.label.toStdString() + "' is not an object");
        parseNode(child.toObject(), index, data, subject, latentRows);
    }
    if (children.isEmpty()) {
        if (!(data.nodes[index].weight > 0) || !std::isfinite(data.nodes[index].weight))
            data.nodes[index].weight = kMinWeight;  // drawn as a sliver rather than refused
    }
}
}  // namespace

HierarchyData parseTreeJson(const QByteArray& json, const QString& subject,
                            const std::vector<std::pair<qint64, qint64>>& latentRowIds) {
    QJsonParseError error;
    const QJsonDocument doc = QJsonDocument::fromJson(json, &error);
    if (doc.isNull())
        throw Error(subject.toStdString(), "tree JSON: " + error.errorString().toStdString() + " at byte " +
                                               std::to_string(error.offset));
    if (!doc.isObject()) throw Error(subject.toStdString(), "tree JSON is not an object");
    std::map<qint64, qint64> rows(latentRowIds.begin(), latentRowIds.end());
    HierarchyData data;
    data.source = QStringLiteral("latent hierarchy");
    parseNode(doc.object(), -1, data, subject, rows);
    data.title = data.nodes[0].label;
    // Inner weights are the sums of their leaves (bottom-up: children follow parents).
    for (int i = int(data.nodes.size()) - 1; i >= 0; --i) {
        if (data.nodes[i].children.empty()) continue;
        double sum = 0;
        for (int c : data.nodes[i].children) sum += data.nodes[c].weight;
        data.nodes[i].weight = sum;
        data.nodes[i].importance = sum;
    }
    finishDepthsAndColors(data);
    return data;
}

namespace {
// A stored tree JSON, its "latent N" leaves linked to the run's latent rows.
HierarchyData loadStoredTree(const store::ProjectStore& store, const results::RunData& run, const store::ArtifactRecord& tree) {
    const auto artifact = store.artifact(tree.id);
    if (!artifact) return {};
    std::vector<std::pair<qint64, qint64>> rows;
    for (const auto& latent : run.latents) rows.push_back({latent.index, latent.id});
    HierarchyData data = parseTreeJson(QByteArray::fromStdString(artifact->bytes),
                                       QString::fromStdString(store.path() + " (artifact " + artifact->name + ")"), rows);
    if (data.empty()) data.problem = QStringLiteral("The stored tree has no children.");
    // Latents the user labelled show the label, with the tree's own name kept beside it.
    for (auto& node : data.nodes) {
        const auto* user = node.itemId ? run.userLabel(store::LabelTarget::Latent, node.itemId) : nullptr;
        if (!user) continue;
        if (!user->text.empty()) node.label = QString::fromStdString(user->text) + QStringLiteral(" (") + node.label + QLatin1Char(')');
        node.note = QString::fromStdString(user->note);
    }
    return data;
}
}  // namespace

HierarchyData loadRunHierarchy(const store::ProjectStore& store, qint64 runId) {
    HierarchyData empty;
    try {
        if (!store.run(runId)) {
            empty.problem = QStringLiteral("The project has no run %1.").arg(runId);
            return empty;
        }
        const results::RunData run = results::loadRunData(store, runId);
        // A stored tree wins for runs without concept rows (SAE hierarchy); CRAFT runs draw their
        // concepts table, which has the ids and images a stored tree lacks.
        if (const auto* tree = run.storedTree(); tree && run.concepts.empty()) return loadStoredTree(store, run, *tree);
        HierarchyData data = loadCraftTree(store, run);
        if (data.empty() && data.problem.isEmpty())
            data.problem = QStringLiteral("Run %1 (%2) has no concept tree or latent hierarchy.")
                               .arg(runId)
                               .arg(QString::fromStdString(run.run.kind));
        return data;
    } catch (const std::exception& e) {
        empty.problem = QString::fromStdString(e.what());
        return empty;
    }
}

}  // namespace cs::ui
