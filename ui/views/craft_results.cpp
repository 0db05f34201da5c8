#include "views/craft_results.h"

#include "store/project_store.h"

#include <QCache>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include <zlib.h>

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
        const QString name = QString::fromStdString(a.name);
        const QString mime = QString::fromStdString(a.mime);
        const QJsonObject meta = parseObject(a.metadataJson);
        const bool image = mime.startsWith(QLatin1String("image/"));
        const bool tensor = mime == QLatin1String("application/x-cs-tensor");
        const QString layout = meta.value(QLatin1String("layout")).toString();
        if (kind == QLatin1String("image") && image) {
            results.images.push_back({a.id, name, meta.value(QLatin1String("source")).toString()});
        } else if (tensor && meta.contains(QLatin1String("image")) &&
                   (containsAny(kind, {"map", "heat", "attribution"}) || name.startsWith(QLatin1String("umap")) ||
                    layout.startsWith(QLatin1String("h,w")))) {
            // U maps: the NNLS projection of each location on the concepts (h, w, r).
            ConceptMapInfo map;
            map.artifactId = a.id;
            map.image = meta.value(QLatin1String("image")).toString();
            map.method = meta.value(QLatin1String("method")).toString(
                kind.contains(QLatin1String("implicit")) ? QStringLiteral("implicit") : QStringLiteral("projection"));
            results.maps.push_back(map);
        } else if (image && containsAny(kind, {"map", "heat", "attribution", "overlay"}) &&
                   !meta.contains(QLatin1String("concept"))) {
            // A ready-made overlay of several concepts (per-concept pictures are skipped).
            ConceptMapInfo map;
            map.artifactId = a.id;
            map.image = meta.value(QLatin1String("image")).toString(name);
            QString method = meta.value(QLatin1String("method")).toString(meta.value(QLatin1String("map_type")).toString());
            if (method.isEmpty() && kind.contains(QLatin1String("implicit"))) method = QStringLiteral("implicit");
            // Gradient × input and Grad-CAM maps both come from implicit differentiation.
            map.method = method.isEmpty() || method == QLatin1String("projection") ? QStringLiteral("projection") : QStringLiteral("implicit");
            map.isTensor = false;
            results.maps.push_back(map);
        } else if (containsAny(kind, {"crop", "thumb", "patch"}) && image) {
            const qint64 conceptId = meta.value(QLatin1String("concept_id")).toInteger();
            if (conceptId != 0) thumbs[conceptId].push_back({meta.value(QLatin1String("rank")).toInt(1 << 20), a.id});
        }
    }
    // Tensors first, so a method with both a tensor and a picture uses the tensor.
    std::stable_sort(results.maps.begin(), results.maps.end(),
                     [](const ConceptMapInfo& x, const ConceptMapInfo& y) { return x.isTensor && !y.isTensor; });
    for (auto& [conceptId, list] : thumbs) {
        std::sort(list.begin(), list.end());
        for (const auto& entry : list) results.thumbnailIds[conceptId].push_back(entry.second);
    }
    // Crops named by the run's summary (the CLI's --json: concepts[{id, top_crops[{image, box}]}]).
    if (const auto run = store.run(runId)) {
        const QJsonObject summary = parseObject(run->summaryJson);
        for (const auto& value : summary.value(QLatin1String("concepts")).toArray()) {
            const QJsonObject concept = value.toObject();
            const qint64 id = concept.value(QLatin1String("id")).toInteger();
            for (const auto& crop : concept.value(QLatin1String("top_crops")).toArray()) {
                const QJsonObject c = crop.toObject();
                const QJsonArray box = c.value(QLatin1String("box")).toArray();
                if (box.size() != 4) continue;
                results.cropRefs[id].push_back({c.value(QLatin1String("image")).toString(),
                                                QRect(box[0].toInt(), box[1].toInt(), box[2].toInt(), box[3].toInt())});
            }
        }
    }
    return results;
}

QImage loadArtifactImage(const store::ProjectStore& store, qint64 artifactId) {
    const auto artifact = store.artifact(artifactId);
    QImage image;
    if (artifact) image.loadFromData(reinterpret_cast<const uchar*>(artifact->bytes.data()), int(artifact->bytes.size()));
    return image;
}

namespace {
// IDX (MNIST format): magic 0x00000803 for uint8 images, big-endian dims, then the pixels.
QImage readIdxImage(const QString& path, qint64 index) {
    gzFile file = gzopen(QFile::encodeName(path).constData(), "rb");  // reads plain files too
    if (!file) return {};
    auto readU32 = [&](quint32& v) {
        unsigned char b[4];
        if (gzread(file, b, 4) != 4) return false;
        v = (quint32(b[0]) << 24) | (quint32(b[1]) << 16) | (quint32(b[2]) << 8) | b[3];
        return true;
    };
    QImage image;
    quint32 magic = 0, count = 0, rows = 0, cols = 0;
    if (readU32(magic) && magic == 0x00000803 && readU32(count) && readU32(rows) && readU32(cols) && index >= 0 &&
        quint32(index) < count && rows > 0 && cols > 0 && rows * cols <= 4096u * 4096u) {
        const z_off_t offset = z_off_t(16 + quint64(index) * rows * cols);
        if (gzseek(file, offset, SEEK_SET) == offset) {
            image = QImage(int(cols), int(rows), QImage::Format_Grayscale8);
            for (quint32 y = 0; y < rows; ++y)
                if (gzread(file, image.scanLine(int(y)), cols) != int(cols)) {
                    image = QImage();
                    break;
                }
        }
    }
    gzclose(file);
    return image;
}
}  // namespace

QImage loadSourceImage(const QString& spec) {
    static QCache<QString, QImage> cache(64);
    if (QImage* cached = cache.object(spec)) return *cached;
    QImage image;
    if (QFileInfo(spec).isFile()) {
        image.load(spec);
    } else {
        const int hash = spec.lastIndexOf(QLatin1Char('#'));
        bool ok = false;
        const qint64 index = hash > 0 ? spec.mid(hash + 1).toLongLong(&ok) : -1;
        if (ok && QFileInfo(spec.left(hash)).isFile()) image = readIdxImage(spec.left(hash), index);
    }
    if (!image.isNull()) cache.insert(spec, new QImage(image));
    return image;
}

std::vector<QImage> conceptCropImages(const store::ProjectStore& store, const CraftResults& results, qint64 conceptId,
                                      size_t limit) {
    std::vector<QImage> out;
    if (auto it = results.thumbnailIds.find(conceptId); it != results.thumbnailIds.end()) {
        for (qint64 artifactId : it->second) {
            if (out.size() >= limit) break;
            QImage image = loadArtifactImage(store, artifactId);
            if (!image.isNull()) out.push_back(image);
        }
    }
    if (out.empty()) {
        if (auto it = results.cropRefs.find(conceptId); it != results.cropRefs.end()) {
            for (const CropRef& ref : it->second) {
                if (out.size() >= limit) break;
                const QImage source = loadSourceImage(ref.image);
                const QRect box = ref.box.intersected(source.rect());
                if (!box.isEmpty()) out.push_back(source.copy(box));
            }
        }
    }
    return out;
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
