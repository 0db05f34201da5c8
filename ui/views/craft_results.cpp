#include "views/craft_results.h"

#include "store/project_store.h"

#include <QJsonDocument>
#include <QJsonObject>

#include <algorithm>

namespace cs::ui {

namespace {
QJsonObject parseObject(const std::string& text) {
    return QJsonDocument::fromJson(QByteArray::fromStdString(text)).object();
}
bool containsAny(const QString& text, std::initializer_list<const char*> words) {
    for (const char* w : words)
        if (text.contains(QLatin1String(w))) return true;
    return false;
}
}  // namespace

std::vector<const ConceptInfo*> CraftResults::topLevel() const {
    std::vector<const ConceptInfo*> out;
    for (const auto& c : concepts)
        if (c.parentId == 0) out.push_back(&c);
    return out;
}

const ConceptInfo* CraftResults::concept(qint64 id) const {
    for (const auto& c : concepts)
        if (c.id == id) return &c;
    return nullptr;
}

qint64 CraftResults::mapFor(const QString& image, const QString& method) const {
    for (const auto& m : maps)
        if (m.image == image && m.method == method) return m.artifactId;
    return 0;
}

CraftResults loadCraftResults(const store::ProjectStore& store, qint64 runId) {
    CraftResults results;
    for (const auto& c : store.concepts(runId)) {
        ConceptInfo info;
        info.id = c.id;
        info.parentId = c.parentId.value_or(0);
        info.index = int(c.index);
        info.label = c.label.empty() ? QStringLiteral("Concept %1").arg(c.index) : QString::fromStdString(c.label);
        info.layer = QString::fromStdString(c.layer);
        info.importance = c.importance;
        info.spread = c.importanceStd;
        info.vector = c.vector.data;
        results.concepts.push_back(std::move(info));
    }
    std::stable_sort(results.concepts.begin(), results.concepts.end(), [](const ConceptInfo& a, const ConceptInfo& b) {
        if ((a.parentId == 0) != (b.parentId == 0)) return a.parentId == 0;
        return a.index < b.index;
    });
    // Colour: a concept's top-level ancestor's index (parents precede children after sorting
    // only at the top level, so walk up explicitly).
    for (auto& c : results.concepts) {
        const ConceptInfo* walk = &c;
        for (int guard = 0; walk->parentId != 0 && guard < 64; ++guard) {
            const ConceptInfo* up = results.concept(walk->parentId);
            if (!up) break;
            walk = up;
        }
        c.colorIndex = walk->index;
    }

    std::map<qint64, std::vector<std::pair<int, qint64>>> thumbs;
    for (const auto& a : store.artifacts(runId)) {
        const QString kind = QString::fromStdString(a.kind).toLower();
        const QString mime = QString::fromStdString(a.mime);
        const QJsonObject meta = parseObject(a.metadataJson);
        const bool image = mime.startsWith(QLatin1String("image/"));
        if (kind == QLatin1String("image") && image) {
            results.images.push_back({a.id, QString::fromStdString(a.name), meta.value(QLatin1String("source")).toString()});
        } else if (containsAny(kind, {"map", "heat", "attribution", "overlay"}) &&
                   (mime == QLatin1String("application/x-cs-tensor") || image)) {
            ConceptMapInfo map;
            map.artifactId = a.id;
            map.image = meta.value(QLatin1String("image")).toString(QString::fromStdString(a.name));
            map.method = meta.value(QLatin1String("method")).toString();
            if (map.method.isEmpty()) map.method = kind.contains(QLatin1String("implicit")) ? QStringLiteral("implicit") : QStringLiteral("projection");
            map.isTensor = !image;
            results.maps.push_back(map);
        } else if (containsAny(kind, {"crop", "thumb", "patch"}) && image) {
            const qint64 conceptId = meta.value(QLatin1String("concept_id")).toInteger();
            if (conceptId != 0) thumbs[conceptId].push_back({meta.value(QLatin1String("rank")).toInt(1 << 20), a.id});
        }
    }
    for (auto& [conceptId, list] : thumbs) {
        std::sort(list.begin(), list.end());
        for (const auto& entry : list) results.thumbnailIds[conceptId].push_back(entry.second);
    }
    return results;
}

QImage loadArtifactImage(const store::ProjectStore& store, qint64 artifactId) {
    const auto artifact = store.artifact(artifactId);
    QImage image;
    if (artifact) image.loadFromData(reinterpret_cast<const uchar*>(artifact->bytes.data()), int(artifact->bytes.size()));
    return image;
}

ConceptMaps toConceptMaps(const TensorBlob& tensor, int expectedConcepts) {
    ConceptMaps maps;
    if (!tensor.valid() || tensor.shape.size() < 2) return maps;
    std::vector<int64_t> shape = tensor.shape;
    if (shape.size() == 4 && shape[0] == 1) shape.erase(shape.begin());  // a batch of one
    if (shape.size() == 2) {  // a single map
        maps.concepts = 1;
        maps.height = int(shape[0]);
        maps.width = int(shape[1]);
        maps.data = tensor.data;
        return maps;
    }
    if (shape.size() != 3) return maps;
    // [h, w, r] as CRAFT's transform returns it, or [r, h, w]: decided by where r sits.
    const bool channelsLast = shape[2] == expectedConcepts && shape[0] != expectedConcepts;
    if (!channelsLast) {
        maps.concepts = int(shape[0]);
        maps.height = int(shape[1]);
        maps.width = int(shape[2]);
        maps.data = tensor.data;
        return maps;
    }
    maps.height = int(shape[0]);
    maps.width = int(shape[1]);
    maps.concepts = int(shape[2]);
    maps.data.resize(tensor.data.size());
    for (int y = 0; y < maps.height; ++y)
        for (int x = 0; x < maps.width; ++x)
            for (int c = 0; c < maps.concepts; ++c)
                maps.data[(size_t(c) * maps.height + y) * maps.width + x] =
                    tensor.data[(size_t(y) * maps.width + x) * maps.concepts + c];
    return maps;
}

}  // namespace cs::ui
