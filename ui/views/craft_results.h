#pragma once
// What the CRAFT views (atlas, heatmaps, compare) show of a run, in Qt types. Everything is read
// through the results reader (results/run_data.h), which decides what each artifact is:
//   concepts    concepts table; top level = no parent; colour = the top-level ancestor's index
//   thumbnails  crop pictures per concept id, best rank first
//   images      the run's source images (kind image)
//   maps        concept map tensors of an image ([r, h, w] or [h, w, r]), then ready-made overlay
//               pictures (shown when no tensor exists), each with its method (projection | implicit)
//   cropRefs    crop boxes named by the run summary, for engines that store no thumbnails
// Missing pieces are tolerated: every loader returns what there is.
#include "common/tensor_blob.h"

#include <QImage>
#include <QRect>
#include <QList>
#include <QString>

#include <map>
#include <vector>

namespace cs::store {
class ProjectStore;
}

namespace cs::ui {

struct ConceptInfo {
    qint64 id = 0;
    qint64 parentId = 0;
    int index = 0;
    QString label;  // the user's label, else the engine's, else "Concept <index>"
    QString note;   // the user's note; empty when none
    QString layer;
    double importance = 0, spread = 0;
    std::vector<float> vector;
    int colorIndex = 0;  // top-level ancestor's index
};

struct RunImageInfo {
    qint64 artifactId = 0;
    QString name;
    QString source;
};

struct ConceptMapInfo {
    qint64 artifactId = 0;
    QString image;   // image artifact name it belongs to
    QString method;  // "projection" | "implicit"
    bool isTensor = true;
};

// A crop to cut from a source image (engines that store boxes rather than thumbnails).
struct CropRef {
    QString image;  // file path, or path#index for an IDX file
    QRect box;      // in source pixels
};

struct CraftResults {
    std::vector<ConceptInfo> concepts;       // all levels, top level first, by index
    std::vector<RunImageInfo> images;
    std::vector<ConceptMapInfo> maps;
    std::map<qint64, std::vector<qint64>> thumbnailIds;  // concept id -> artifact ids, best first
    std::map<qint64, std::vector<CropRef>> cropRefs;     // concept id -> best crops from the run summary
    std::map<qint64, qint64> pictureIds;                 // concept id -> its MaCo picture (`visualize`), if made

    std::vector<const ConceptInfo*> topLevel() const;
    const ConceptInfo* concept(qint64 id) const;
    // The map artifact for an image and method, 0 when absent.
    qint64 mapFor(const QString& image, const QString& method) const;
};

CraftResults loadCraftResults(const store::ProjectStore& store, qint64 runId);
QImage loadArtifactImage(const store::ProjectStore& store, qint64 artifactId);
// A source image by the name runs give it: a file path, or path#index into an IDX file (gzipped
// or not). Null when unreadable; recently used images are cached.
QImage loadSourceImage(const QString& spec);
// Thumbnails of a concept, best first: stored crop artifacts, else crops cut from source images.
std::vector<QImage> conceptCropImages(const store::ProjectStore& store, const CraftResults& results, qint64 conceptId,
                                      size_t limit);

// What a concept looks like (its MaCo picture, RGBA); null when none was made.
QImage conceptPicture(const store::ProjectStore& store, const CraftResults& results, qint64 conceptId);
// An image with transparency scaled into a side×side square drawn over a grey checkerboard, so the
// transparent parts read as such on any theme.
QImage onCheckerboard(const QImage& image, int side);

// Concept maps of one image as r planes of h×w, whichever layout the tensor was stored in.
struct ConceptMaps {
    int concepts = 0, height = 0, width = 0;
    std::vector<float> data;  // [concept][y][x]
    float at(int c, int y, int x) const { return data[(size_t(c) * height + y) * width + x]; }
    bool valid() const { return concepts > 0 && height > 0 && width > 0; }
};
ConceptMaps toConceptMaps(const TensorBlob& tensor, int expectedConcepts);

}  // namespace cs::ui
