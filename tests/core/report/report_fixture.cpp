#include "report_fixture.h"

#include "store/project_store.h"

#include <nlohmann/json.hpp>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cmath>
#include <filesystem>

namespace cs::report::testing {

using nlohmann::json;

std::string makePng(int w, int h, int seed) {
    cv::Mat image(h, w, CV_8UC3);
    for (int y = 0; y < h; ++y)
        for (int x = 0; x < w; ++x)
            image.at<cv::Vec3b>(y, x) = cv::Vec3b(static_cast<uchar>((x * 255) / std::max(1, w - 1)),
                                                  static_cast<uchar>((y * 255) / std::max(1, h - 1)),
                                                  static_cast<uchar>((seed * 67) % 256));
    cv::rectangle(image, cv::Rect(w / 4, h / 4, w / 3, h / 3), cv::Scalar(20, 20 + seed * 30 % 200, 220), cv::FILLED);
    std::vector<uchar> bytes;
    cv::imencode(".png", image, bytes);
    return std::string(bytes.begin(), bytes.end());
}

namespace {

TensorBlob tensor(std::vector<int64_t> shape, float scale, float offset) {
    TensorBlob t;
    t.shape = std::move(shape);
    t.data.resize(static_cast<size_t>(t.numel()));
    for (size_t i = 0; i < t.data.size(); ++i)
        t.data[i] = offset + scale * static_cast<float>(std::sin(0.37 * static_cast<double>(i) + 0.1) + 1.0);
    return t;
}

TensorBlob row(const TensorBlob& matrix, int64_t r) {
    TensorBlob out;
    out.shape = {matrix.shape[1]};
    out.data.assign(matrix.data.begin() + r * matrix.shape[1], matrix.data.begin() + (r + 1) * matrix.shape[1]);
    return out;
}

}  // namespace

SyntheticProject buildSyntheticProject(const std::string& dir) {
    SyntheticProject p;
    std::filesystem::create_directories(dir + "/images");
    p.path = dir + "/project.cstudio";
    p.imageDir = dir + "/images";
    for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(p.path + suffix);
    for (int i = 0; i < 3; ++i) {
        const std::string png = makePng(128, 96, i + 1);
        cv::Mat image = cv::imdecode(std::vector<uchar>(png.begin(), png.end()), cv::IMREAD_COLOR);
        cv::imwrite(p.imageDir + "/sneaker_" + std::to_string(i) + ".png", image);
    }
    auto store = store::ProjectStore::create(p.path);

    // --- CRAFT run ---------------------------------------------------------------------------
    p.modelSha256 = "3f0a9c1b2d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8";
    store::ModelRecord model;
    model.path = "/models/demo <cnn>.pt";
    model.sha256 = p.modelSha256;
    model.adapter = "torchscript-split";
    model.kind = "vision";
    const int64_t modelId = store->addModel(model);
    store::DatasetRecord images;
    images.path = p.imageDir;
    images.kind = "image-folder";
    const int64_t imagesId = store->addDataset(images);

    const json craftParams = {{"class", kHostileClass}, {"layer", "layer4"}, {"concepts", 4}, {"patch_size", 32},
                              {"sobol_designs", 32}, {"recursive_layers", "layer3"}, {"seed", 7}};
    p.craftRunId = store->createRun("craft", craftParams.dump(), modelId, imagesId);
    store->markRunning(p.craftRunId);
    p.conceptVectors = tensor({4, 8}, 0.5f, 0.0f);
    p.coefficients = tensor({13, 4}, 1.0f, 0.01f);
    // The last crop is concept 0's strongest but its source image is gone: the report lists
    // its box instead of a picture.
    std::copy_n(std::vector<float>{5.0f, 0.0f, 0.0f, 0.0f}.begin(), 4, p.coefficients.data.begin() + 48);
    const std::vector<double> importances = {0.12, 0.45, 0.08, 0.30};
    json summary = {{"run_id", p.craftRunId},
                    {"layer", "layer4"},
                    {"class", kHostileClass},
                    {"n_images", 3},
                    {"n_crops", 12},
                    {"nmf", {{"rank", 4}, {"iterations", 200}, {"relative_error", 0.2113}}},
                    {"sobol", {{"designs", 32}, {"h_evaluations", 576}}},
                    {"timings_s", {{"activations", 1.5}, {"nmf", 0.25}, {"sobol", 0.75}, {"total", 2.5}}},
                    {"faithfulness",
                     {{"deletion", {{"estimated", {1.0, 0.6, 0.35, 0.2, 0.1}}, {"random", {1.0, 0.85, 0.6, 0.4, 0.1}},
                                    {"auc_estimated", 0.41}, {"auc_random", 0.6}}},
                      {"insertion", {{"estimated", {0.1, 0.55, 0.8, 0.9, 1.0}}, {"random", {0.1, 0.3, 0.5, 0.7, 1.0}},
                                     {"auc_estimated", 0.7}, {"auc_random", 0.5}}}}}};
    store->completeRun(p.craftRunId, summary.dump(), [&] {
        for (int64_t i = 0; i < 4; ++i) {
            store::ConceptRecord c;
            c.runId = p.craftRunId;
            c.layer = "layer4";
            c.index = i;
            c.importance = importances[i];
            c.importanceStd = importances[i] / 5;
            c.vector = row(p.conceptVectors, i);
            if (i == 2) c.label = kHostileLabel;
            p.conceptIds.push_back(store->addConcept(c));
        }
        // Two sub-concepts of the most important concept, found at an earlier layer.
        for (int64_t j = 0; j < 2; ++j) {
            store::ConceptRecord s;
            s.runId = p.craftRunId;
            s.parentId = p.conceptIds[1];
            s.layer = "layer3";
            s.index = j;
            s.importance = j == 0 ? 0.6 : 0.4;
            s.vector = tensor({6}, 0.3f, static_cast<float>(j));
            store->addConcept(s);
        }
        for (int64_t k = 0; k < 13; ++k) {
            store::CropRecord crop;
            crop.runId = p.craftRunId;
            crop.sourceImage = k == 12 ? p.imageDir + "/gone.png" : p.imageDir + "/sneaker_" + std::to_string(k % 3) + ".png";
            crop.x = (k % 4) * 24;
            crop.y = (k / 4) * 24;
            crop.w = crop.h = 32;
            crop.coefficients = row(p.coefficients, k);
            store->addCrop(crop);
        }
        for (int64_t m = 0; m < 2; ++m) {
            store::ArtifactRecord heatmap;
            heatmap.runId = p.craftRunId;
            heatmap.kind = store::ArtifactKind::Heatmap;
            heatmap.name = "sneaker_" + std::to_string(m) + "_projection";
            heatmap.mime = "image/png";
            heatmap.bytes = makePng(64, 64, 10 + static_cast<int>(m));
            heatmap.metadataJson = json{{"image", p.imageDir + "/sneaker_" + std::to_string(m) + ".png"},
                                        {"method", "projection"}}.dump();
            if (m == 0) p.heatmapPng = heatmap.bytes;
            store->addArtifact(heatmap);
        }
        // As the CRAFT engine stores them: per-image overlays, the flat concept tree, the curves.
        for (const char* type : {"grad-cam", "projection"}) {
            store::ArtifactRecord overlay;
            overlay.runId = p.craftRunId;
            overlay.kind = store::ArtifactKind::Overlay;
            overlay.name = p.imageDir + "/sneaker_2.png#" + type;
            overlay.mime = "image/png";
            overlay.bytes = makePng(80, 60, 20);
            overlay.metadataJson = json{{"image", p.imageDir + "/sneaker_2.png"}, {"map_type", type}}.dump();
            store->addArtifact(overlay);
        }
        store::ArtifactRecord tree;
        tree.runId = p.craftRunId;
        tree.kind = store::ArtifactKind::Tree;
        tree.name = "concept-tree";
        tree.mime = "application/json";
        tree.bytes = json{{"nodes", {{{"id", p.conceptIds[0]}, {"parent", nullptr}, {"index", 0}, {"importance", 0.12}}}}}.dump();
        store->addArtifact(tree);
        store::ArtifactRecord curve;
        curve.runId = p.craftRunId;
        curve.kind = store::ArtifactKind::Curve;
        curve.name = "faithfulness";
        curve.mime = "application/json";
        curve.bytes = json{{"deletion", {1.0, 0.5, 0.2, 0.1, 0.0}}, {"deletion_random", {1.0, 0.8, 0.5, 0.3, 0.0}},
                           {"deletion_auc", 0.36}, {"order", {1, 3, 0, 2}}}.dump();
        store->addArtifact(curve);
        // Ranked thumbnails as the CRAFT engine stores them (rank 0 = best), named so that
        // name order and rank order disagree; and the source picture of a mapped image.
        for (int rank : {1, 0}) {
            store::ArtifactRecord ranked;
            ranked.runId = p.craftRunId;
            ranked.kind = store::ArtifactKind::Thumbnail;
            ranked.name = "concept" + std::to_string(p.conceptIds[2]) + (rank == 0 ? "#best" : "#a-second");
            ranked.mime = "image/png";
            ranked.bytes = makePng(24, 24, 30 + rank);
            ranked.metadataJson = json{{"concept_id", p.conceptIds[2]}, {"rank", rank}}.dump();
            store->addArtifact(ranked);
        }
        store::ArtifactRecord source;
        source.runId = p.craftRunId;
        source.kind = store::ArtifactKind::Image;
        source.name = p.imageDir + "/sneaker_2.png";
        source.mime = "image/png";
        source.bytes = makePng(80, 60, 40);
        source.metadataJson = json{{"source", source.name}}.dump();
        store->addArtifact(source);
        store::ArtifactRecord thumb;
        thumb.runId = p.craftRunId;
        thumb.kind = store::ArtifactKind::Crop;
        thumb.name = "concept-3-best";
        thumb.mime = "image/png";
        thumb.bytes = makePng(40, 40, 5);
        thumb.metadataJson = json{{"concept", 3}}.dump();
        store->addArtifact(thumb);
    });

    // --- RecSAE run ----------------------------------------------------------------------------
    store::ModelRecord recommender;
    recommender.path = "/models/sasrec.pt";
    recommender.sha256 = "aa11bb22cc33dd44ee55ff6600112233445566778899aabbccddeeff00112233";
    recommender.adapter = "torchscript-recommender";
    recommender.kind = "sequential-recommender";
    const int64_t recId = store->addModel(recommender);
    store::DatasetRecord log;
    log.path = "/data/interactions.tsv";
    log.kind = "interactions";
    const int64_t logId = store->addDataset(log);
    const json saeParams = {{"expansion", 4}, {"k", 3}, {"epochs", 5}, {"seed", 11}, {"format", "rechorus"}};
    p.saeRunId = store->createRun("recsae", saeParams.dump(), recId, logId);
    store->markRunning(p.saeRunId);
    p.encoderWeights = tensor({24, 6}, 0.2f, -0.2f);
    const json saeSummary = {{"run_id", p.saeRunId},       {"latents", 24},           {"k", 3},
                             {"fvu", 0.062},               {"dead_fraction", 0.125},  {"l0", 3.0},
                             {"ndcg10_model", 0.31},       {"ndcg10_reconstructed", 0.3},
                             {"timings_s", {{"train", 4.0}, {"dictionary", 1.0}, {"total", 5.0}}}};
    store->completeRun(p.saeRunId, saeSummary.dump(), [&] {
        for (int64_t i = 0; i < 24; ++i) {
            store::LatentRecord l;
            l.runId = p.saeRunId;
            l.index = i;
            l.frequency = i < 3 ? 0.0 : std::pow(10.0, -0.2 * i);
            l.confidence = 0.5 + 0.02 * i;
            l.precision = 0.6 + 0.01 * i;
            l.recall = 0.7 - 0.01 * i;
            json tags = json::array({"genre:" + std::to_string(i % 5), "era, \"90s\""});
            if (i == 23) tags.push_back(kHostileTag);
            l.tagsJson = tags.dump();
            store->addLatent(l);
        }
        store::ArtifactRecord weights;
        weights.runId = p.saeRunId;
        weights.kind = store::ArtifactKind::SaeWeights;
        weights.name = "W_enc";
        weights.mime = "application/x-cs-tensor";
        weights.tensor = p.encoderWeights;
        store->addArtifact(weights);
        store::ArtifactRecord bias = weights;
        bias.name = "b_dec";
        bias.tensor = tensor({6}, 0.1f, 0.0f);
        store->addArtifact(bias);
        store::ArtifactRecord hierarchy;
        hierarchy.runId = p.saeRunId;
        hierarchy.kind = store::ArtifactKind::LatentHierarchy;
        hierarchy.name = "coactivation";
        hierarchy.mime = "application/json";
        hierarchy.bytes = json{{"name", "latents"},
                               {"children",
                                {{{"name", "cluster A"}, {"children", {{{"name", "latent 3"}, {"weight", 5.0}},
                                                                       {{"name", "latent 7"}, {"weight", 2.0}}}}},
                                 {{"name", "latent 23"}, {"weight", 1.0}}}}}
                              .dump();
        store->addArtifact(hierarchy);
        store::ArtifactRecord ablation;
        ablation.runId = p.saeRunId;
        ablation.kind = store::ArtifactKind::Ablation;
        ablation.name = "latent-23-zero";
        ablation.mime = "application/json";
        ablation.bytes = json{{"latent", 23},
                              {"scale", 0.0},
                              {"top10_overlap", 0.6},
                              {"fell", {{{"item", 17}, {"title", kHostileTitle}, {"rank_before", 2}, {"rank_after", 40}}}},
                              {"rose", {{{"item", 4}, {"title", "Heat (1995)"}, {"rank_before", 30}, {"rank_after", 5}}}}}
                             .dump();
        store->addArtifact(ablation);
    });

    // --- A failed run: not in default reports ------------------------------------------------
    p.failedRunId = store->createRun("craft", json{{"class", "bag"}}.dump(), modelId, imagesId);
    store->markRunning(p.failedRunId);
    store->markFailed(p.failedRunId, "layer9: the model has no such probe point");
    return p;
}

}  // namespace cs::report::testing
