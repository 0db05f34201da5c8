#include "fixture_project.h"

#include "store/project_store.h"

#include <QBuffer>
#include <QImage>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QPainter>

#include <cmath>
#include <random>

namespace cs::test {

namespace {
constexpr int kConcepts = 6;
constexpr int kChannels = 16;
constexpr int kImages = 4;
constexpr int kImageSize = 96;
constexpr int kMapSize = 8;

std::string json(const QJsonObject& object) {
    return QJsonDocument(object).toJson(QJsonDocument::Compact).toStdString();
}
std::string json(const QJsonArray& array) {
    return QJsonDocument(array).toJson(QJsonDocument::Compact).toStdString();
}

std::string pngBytes(const QImage& image) {
    QByteArray bytes;
    QBuffer buffer(&bytes);
    buffer.open(QIODevice::WriteOnly);
    image.save(&buffer, "PNG");
    return bytes.toStdString();
}

// A synthetic "sneaker" picture: a sole, a body, laces; each image shifted and tinted.
QImage makeImage(int index) {
    QImage image(kImageSize, kImageSize, QImage::Format_RGB32);
    image.fill(QColor(235, 235, 230));
    QPainter p(&image);
    p.setRenderHint(QPainter::Antialiasing);
    const int dx = index * 5 - 8;
    p.setBrush(QColor(60 + index * 30, 60, 90));
    p.setPen(Qt::NoPen);
    p.drawRoundedRect(QRect(10 + dx, 40, 70, 28), 10, 10);          // body
    p.setBrush(QColor(30, 30, 30));
    p.drawRect(QRect(8 + dx, 66, 78, 8));                            // sole
    p.setPen(QPen(Qt::white, 2));
    for (int i = 0; i < 4; ++i) p.drawLine(30 + dx + i * 8, 42, 36 + dx + i * 8, 52);  // laces
    return image;
}

TensorBlob vectorFor(int concept, std::mt19937& rng, double noise) {
    std::normal_distribution<float> gauss(0.0f, float(noise));
    TensorBlob blob;
    blob.shape = {kChannels};
    for (int c = 0; c < kChannels; ++c) {
        // Each concept loads mostly on two channels: distinct, non-negative directions.
        float v = (c == concept * 2 || c == concept * 2 + 1) ? 1.0f : 0.05f;
        blob.data.push_back(std::max(0.0f, v + gauss(rng)));
    }
    return blob;
}

// Concept c's map on image i: a Gaussian blob at a concept-specific place.
TensorBlob conceptMaps(int image, bool implicit) {
    TensorBlob blob;
    blob.shape = {kConcepts, kMapSize, kMapSize};
    for (int c = 0; c < kConcepts; ++c) {
        const double cx = 1.5 + (c * 1.1 + image * 0.3), cy = 2.0 + (c % 3) * 1.8;
        for (int y = 0; y < kMapSize; ++y)
            for (int x = 0; x < kMapSize; ++x) {
                const double d2 = (x - cx) * (x - cx) + (y - cy) * (y - cy);
                double v = std::exp(-d2 / (implicit ? 1.0 : 2.5)) * (1.0 - 0.1 * c);
                blob.data.push_back(float(v));
            }
    }
    return blob;
}

int64_t writeCraftRun(store::ProjectStore& store, int64_t modelId, int64_t datasetId, unsigned seed,
                      bool permute) {
    std::mt19937 rng(seed);
    const QJsonObject params{{"class", "Sneaker"}, {"layer", "features.6"}, {"concepts", kConcepts},
                             {"patch_size", 32}, {"sobol_designs", 32}, {"seed", int(seed)}};
    const int64_t runId = store.createRun("craft", json(params), modelId, datasetId);
    store.markRunning(runId);
    static const char* labels[kConcepts] = {"laces", "sole edge", "toe cap", "heel", "body panel", "background"};
    const double importance[kConcepts] = {0.34, 0.22, 0.15, 0.12, 0.09, 0.04};

    const QJsonObject summary{{"class", "Sneaker"}, {"layer", "features.6"}, {"n_images", kImages},
                              {"n_crops", kImages * 9},
                              {"nmf", QJsonObject{{"rank", kConcepts}, {"iterations", 200}, {"relative_error", 0.21}}}};
    store.completeRun(runId, json(summary), [&] {
        // Images and their crops (3x3 grid of 32 px patches with stride 32).
        std::vector<int64_t> cropIds;
        std::vector<std::vector<float>> cropCoefficients;
        std::vector<QImage> cropImages;
        for (int i = 0; i < kImages; ++i) {
            const QImage image = makeImage(i);
            store::ArtifactRecord art;
            art.runId = runId;
            art.kind = store::ArtifactKind::Image;
            art.name = "image" + std::to_string(i);
            art.mime = "image/png";
            art.bytes = pngBytes(image);
            art.metadataJson = json(QJsonObject{{"source", QString("/data/sneakers/%1.png").arg(i)}, {"index", i}});
            store.addArtifact(art);
            for (const bool implicit : {false, true}) {
                store::ArtifactRecord map;
                map.runId = runId;
                map.kind = implicit ? store::ArtifactKind::ConceptMapImplicit : store::ArtifactKind::ConceptMap;
                map.name = art.name;
                map.mime = "application/x-cs-tensor";
                map.tensor = conceptMaps(i, implicit);
                map.metadataJson = json(QJsonObject{{"image", QString::fromStdString(art.name)},
                                                    {"method", implicit ? "implicit" : "projection"}});
                store.addArtifact(map);
            }
            for (int gy = 0; gy < 3; ++gy)
                for (int gx = 0; gx < 3; ++gx) {
                    store::CropRecord crop;
                    crop.runId = runId;
                    crop.sourceImage = "/data/sneakers/" + std::to_string(i) + ".png";
                    crop.x = gx * 32;
                    crop.y = gy * 32;
                    crop.w = crop.h = 32;
                    crop.coefficients.shape = {kConcepts};
                    std::uniform_real_distribution<float> u(0.0f, 1.0f);
                    for (int c = 0; c < kConcepts; ++c)
                        crop.coefficients.data.push_back(u(rng) * ((gx + gy + c) % 3 == 0 ? 2.0f : 0.3f));
                    cropCoefficients.push_back(crop.coefficients.data);
                    cropIds.push_back(store.addCrop(crop));
                    cropImages.push_back(image.copy(int(crop.x), int(crop.y), 32, 32));
                }
        }
        // Top-level concepts, best crops as thumbnails, sub-concepts for the first two.
        for (int k = 0; k < kConcepts; ++k) {
            const int c = permute ? (k + 2) % kConcepts : k;  // run B lists them in another order
            store::ConceptRecord concept;
            concept.runId = runId;
            concept.layer = "features.6";
            concept.index = k;
            concept.importance = importance[c] * (permute ? 0.9 + 0.05 * k : 1.0);
            concept.importanceStd = importance[c] * 0.3;
            concept.label = labels[c];
            concept.vector = vectorFor(c, rng, permute ? 0.08 : 0.02);
            // The classes the concept raises through h, as the engine stores them (best first).
            const QJsonArray raised{QJsonObject{{"class", 7}, {"name", "Sneaker"}, {"logit_gain", 2.5 - 0.1 * k}},
                                    QJsonObject{{"class", 5}, {"name", "Sandal"}, {"logit_gain", 0.4}}};
            concept.metadataJson = json(QJsonObject{{"color_index", k}, {"raised_classes", raised}});
            const int64_t conceptId = store.addConcept(concept);

            std::vector<size_t> order(cropIds.size());
            for (size_t j = 0; j < order.size(); ++j) order[j] = j;
            std::sort(order.begin(), order.end(), [&](size_t a, size_t b) {
                return cropCoefficients[a][k] > cropCoefficients[b][k];
            });
            for (int rank = 0; rank < 6; ++rank) {
                const size_t j = order[rank];
                store::ArtifactRecord thumb;
                thumb.runId = runId;
                thumb.kind = store::ArtifactKind::Crop;
                thumb.name = "concept" + std::to_string(conceptId) + "/" + std::to_string(rank);
                thumb.mime = "image/png";
                thumb.bytes = pngBytes(cropImages[j].scaled(64, 64));
                thumb.metadataJson = json(QJsonObject{{"concept_id", qint64(conceptId)}, {"crop_id", qint64(cropIds[j])},
                                                      {"rank", rank}, {"coefficient", cropCoefficients[j][k]}});
                store.addArtifact(thumb);
            }
            if (k < 2) {
                for (int s = 0; s < 3; ++s) {
                    store::ConceptRecord sub;
                    sub.runId = runId;
                    sub.parentId = conceptId;
                    sub.layer = "features.3";
                    sub.index = s;
                    sub.importance = concept.importance * (s == 0 ? 0.5 : s == 1 ? 0.3 : 0.2);
                    sub.importanceStd = sub.importance * 0.2;
                    sub.label = std::string(labels[c]) + " · part " + std::to_string(s + 1);
                    sub.vector = vectorFor((c + s + 1) % kConcepts, rng, 0.1);
                    store.addConcept(sub);
                }
            }
        }
    });
    return runId;
}

int64_t writeSaeRun(store::ProjectStore& store, int64_t modelId, int64_t datasetId) {
    std::mt19937 rng(7);
    const QJsonObject params{{"expansion", 8}, {"k", 8}, {"epochs", 5}, {"seed", 0}};
    const int64_t runId = store.createRun("recsae", json(params), modelId, datasetId);
    store.markRunning(runId);
    static const char* genres[] = {"Comedy", "Drama", "Action", "Thriller", "Romance", "Sci-Fi", "Horror",
                                   "Animation", "Children's", "Documentary", "War", "Western"};
    const int latents = 48;
    QJsonObject tree{{"name", "latents"}};
    QJsonArray groups;
    store.completeRun(runId, json(QJsonObject{{"latents", latents}, {"k", 8}, {"fvu", 0.183}, {"dead_fraction", 0.0625},
                                               {"ndcg10_model", 0.121}, {"ndcg10_reconstructed", 0.114}}),
                      [&] {
        std::uniform_real_distribution<double> u(0.0, 1.0);
        QJsonArray children[6];
        for (int i = 0; i < latents; ++i) {
            store::LatentRecord latent;
            latent.runId = runId;
            latent.index = i;
            const bool dead = i % 16 == 15;
            latent.frequency = dead ? 0.0 : std::pow(10.0, -3.0 * u(rng));
            latent.confidence = dead ? 0.0 : 0.4 + 0.6 * u(rng);
            latent.precision = dead ? 0.0 : 0.5 + 0.5 * u(rng);
            latent.recall = dead ? 0.0 : 0.3 + 0.7 * u(rng);
            const QJsonArray tags{genres[i % 12], genres[(i * 5 + 3) % 12]};
            latent.tagsJson = dead ? "[]" : json(tags);
            QJsonArray top;
            for (int s = 0; s < 3; ++s)
                top.append(QJsonObject{{"user", i * 10 + s}, {"activation", 3.0 - s * 0.7},
                                       {"items", QJsonArray{QString("Movie %1 (%2)").arg(i * 3 + s).arg(genres[i % 12]),
                                                            QString("Movie %1").arg(i + 100)}}});
            latent.metadataJson = json(QJsonObject{{"top_sequences", top}, {"dead", dead}});
            store.addLatent(latent);
            if (!dead) children[i % 6].append(QJsonObject{{"name", QString("latent %1").arg(i)},
                                                           {"weight", latent.frequency * 100 + 0.05}});

            store::ArtifactRecord hist;
            hist.runId = runId;
            hist.kind = store::ArtifactKind::LatentHistogram;
            hist.name = "latent" + std::to_string(i);
            hist.mime = "application/x-cs-tensor";
            hist.tensor = TensorBlob{};
            hist.tensor->shape = {20};
            for (int b = 0; b < 20; ++b) hist.tensor->data.push_back(dead ? 0.0f : float(200.0 * std::exp(-b * (0.2 + 0.01 * i))));
            hist.metadataJson = json(QJsonObject{{"latent", i}, {"min", 0.0}, {"max", 4.0}});
            store.addArtifact(hist);
        }
        for (int g = 0; g < 6; ++g)
            groups.append(QJsonObject{{"name", QString("cluster %1").arg(g + 1)}, {"children", children[g]}});
        tree["children"] = groups;
        store::ArtifactRecord treeArt;
        treeArt.runId = runId;
        treeArt.kind = store::ArtifactKind::Tree;
        treeArt.name = "latent_hierarchy";
        treeArt.mime = "application/json";
        treeArt.bytes = json(tree);
        store.addArtifact(treeArt);

        // A stored ablation of latent 5, in the RecSAE engine's format.
        store::ArtifactRecord ablation;
        ablation.runId = runId;
        ablation.kind = store::ArtifactKind::Ablation;
        ablation.name = "latent_5";
        ablation.mime = "application/json";
        ablation.bytes = json(QJsonObject{{"latent", 5}, {"scale", 0.0}, {"users", 4}, {"top_n", 10}, {"mean_overlap", 0.6},
                                          {"tags_rose", QJsonArray{QJsonObject{{"tag", "Drama"}, {"delta", 0.25}}}},
                                          {"tags_fell", QJsonArray{QJsonObject{{"tag", "Sci-Fi"}, {"delta", -0.4}}}},
                                          {"examples", QJsonArray{QJsonObject{{"user", "7"}, {"before", QJsonArray{"1", "2"}},
                                                                              {"after", QJsonArray{"2", "3"}}}}}});
        store.addArtifact(ablation);

        store::ArtifactRecord density;
        density.runId = runId;
        density.kind = store::ArtifactKind::LatentDensity;
        density.name = "log10_frequency";
        density.mime = "application/x-cs-tensor";
        density.tensor = TensorBlob{};
        density.tensor->shape = {12};
        for (float v : {3.f, 0.f, 1.f, 2.f, 4.f, 6.f, 7.f, 9.f, 8.f, 5.f, 2.f, 1.f}) density.tensor->data.push_back(v);
        density.metadataJson = json(QJsonObject{{"min", -4.0}, {"max", 0.0}});
        store.addArtifact(density);
    });
    return runId;
}
}  // namespace

FixtureRuns buildFixtureProject(const QString& path) {
    auto store = store::ProjectStore::create(path.toStdString());
    store::ModelRecord vision;
    vision.path = "/models/sneaker_cnn.pt";
    vision.sha256 = "3f1c0ffee";
    vision.adapter = "split-module";
    vision.kind = "vision";
    const int64_t visionId = store->addModel(vision);
    store::ModelRecord rec;
    rec.path = "/models/sasrec_ml1m.pt";
    rec.sha256 = "9a7beef";
    rec.adapter = "sequential-recommender";
    rec.kind = "sequential-recommender";
    const int64_t recId = store->addModel(rec);
    store::DatasetRecord images;
    images.path = "/data/sneakers";
    images.kind = "image-folder";
    const int64_t imagesId = store->addDataset(images);
    store::DatasetRecord interactions;
    interactions.path = "/data/ml-1m/ratings.dat";
    interactions.kind = "interactions";
    const int64_t interactionsId = store->addDataset(interactions);

    FixtureRuns runs;
    runs.craft = writeCraftRun(*store, visionId, imagesId, 1, false);
    runs.craftB = writeCraftRun(*store, visionId, imagesId, 2, true);
    runs.sae = writeSaeRun(*store, recId, interactionsId);
    runs.failed = store->createRun("craft", json(QJsonObject{{"class", "Boot"}, {"layer", "features.9"}}), visionId, imagesId);
    store->markRunning(runs.failed);
    store->markFailed(runs.failed, "/models/sneaker_cnn.pt: the model has no probe point 'features.9' (known: features.3, features.6)");
    return runs;
}

}  // namespace cs::test
