#include "views/craft_results.h"

#include "results/run_data.h"
#include "store/project_store.h"

#include <QCache>
#include <QFile>
#include <QFileInfo>
#include <QPainter>

#include <zlib.h>

#include <algorithm>

namespace cs::ui {

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

namespace {

// Concepts of all levels, top level first, by index; colour = the top-level ancestor's index.
std::vector<ConceptInfo> conceptInfos(const results::RunData& run) {
    std::vector<ConceptInfo> concepts;
    for (const auto& c : run.concepts) {
        ConceptInfo info;
        info.id = c.id;
        info.parentId = c.parentId.value_or(0);
        info.index = int(c.index);
        info.label = c.label.empty() && !run.userLabel(store::LabelTarget::Concept, c.id)
                         ? QStringLiteral("Concept %1").arg(c.index)
                         : QString::fromStdString(run.conceptName(c));
        if (const auto* user = run.userLabel(store::LabelTarget::Concept, c.id)) info.note = QString::fromStdString(user->note);
        info.layer = QString::fromStdString(c.layer);
        info.importance = c.importance;
        info.spread = c.importanceStd;
        info.vector = c.vector.data;
        concepts.push_back(std::move(info));
    }
    std::stable_sort(concepts.begin(), concepts.end(), [](const ConceptInfo& a, const ConceptInfo& b) {
        if ((a.parentId == 0) != (b.parentId == 0)) return a.parentId == 0;
        return a.index < b.index;
    });
    return concepts;
}

// Sorting puts parents before children only at the top level, so walk up explicitly.
void assignColors(CraftResults& results) {
    for (auto& c : results.concepts) {
        const ConceptInfo* walk = &c;
        for (int guard = 0; walk->parentId != 0 && guard < 64; ++guard) {
            const ConceptInfo* up = results.concept(walk->parentId);
            if (!up) break;
            walk = up;
        }
        c.colorIndex = walk->index;
    }
}

}  // namespace

CraftResults loadCraftResults(const store::ProjectStore& store, qint64 runId) {
    CraftResults loaded;
    if (!store.run(runId)) return loaded;  // a run deleted meanwhile shows as empty
    const results::RunData run = results::loadRunData(store, runId);
    loaded.concepts = conceptInfos(run);
    assignColors(loaded);
    for (const auto& image : run.images())
        loaded.images.push_back({image.artifactId, QString::fromStdString(image.name), QString::fromStdString(image.source)});
    for (const auto& map : run.conceptMaps())
        loaded.maps.push_back({map.artifactId, QString::fromStdString(map.image),
                               QString::fromLatin1(results::toString(map.method)), map.isTensor});
    for (const auto& [conceptId, ids] : run.conceptThumbnails()) loaded.thumbnailIds[conceptId] = {ids.begin(), ids.end()};
    for (const auto& [conceptId, artifactId] : run.conceptPictures()) loaded.pictureIds[conceptId] = artifactId;
    for (const auto& [conceptId, boxes] : run.summaryTopCrops())
        for (const auto& b : boxes)
            loaded.cropRefs[conceptId].push_back({QString::fromStdString(b.image), QRect(int(b.x), int(b.y), int(b.w), int(b.h))});
    return loaded;
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

QImage conceptPicture(const store::ProjectStore& store, const CraftResults& results, qint64 conceptId) {
    const auto it = results.pictureIds.find(conceptId);
    return it == results.pictureIds.end() ? QImage() : loadArtifactImage(store, it->second);
}

QImage onCheckerboard(const QImage& image, int side) {
    QImage out(side, side, QImage::Format_RGB32);
    QPainter painter(&out);
    constexpr int kSquare = 8;
    for (int y = 0; y < side; y += kSquare)
        for (int x = 0; x < side; x += kSquare)
            painter.fillRect(x, y, kSquare, kSquare, ((x + y) / kSquare) % 2 ? QColor(0x99, 0x99, 0x99) : QColor(0xcc, 0xcc, 0xcc));
    const QImage scaled = image.scaled(side, side, Qt::KeepAspectRatio, Qt::SmoothTransformation);
    painter.drawImage((side - scaled.width()) / 2, (side - scaled.height()) / 2, scaled);
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
