// The results reader (core/results): artifact roles from typed kinds and payloads, and the
// accessors the report, the exports and the views use, on the synthetic project.
#include "results/run_data.h"

#include "common/error.h"
#include "report_fixture.h"
#include "store/project_store.h"

#include <gtest/gtest.h>

#include <filesystem>

using namespace cs::results;
using cs::store::ArtifactKind;
using cs::store::ArtifactRecord;

namespace {

ArtifactRecord record(ArtifactKind kind, const std::string& name, const std::string& mime, const std::string& metadata = "{}") {
    ArtifactRecord a;
    a.kind = kind;
    a.name = name;
    a.mime = mime;
    a.metadataJson = metadata;
    return a;
}

const char* kPng = "image/png";
const char* kTensor = "application/x-cs-tensor";
const char* kJson = "application/json";

class ResultsReader : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        project_ = new cs::report::testing::SyntheticProject(
            cs::report::testing::buildSyntheticProject(std::string(CS_TEST_TMP) + "/results_reader"));
    }
    static void TearDownTestSuite() {
        delete project_;
        project_ = nullptr;
    }
    static cs::report::testing::SyntheticProject* project_;
};
cs::report::testing::SyntheticProject* ResultsReader::project_ = nullptr;

}  // namespace

TEST(ArtifactRoles, KnownKindsTakeTheirRoleFromKindAndPayload) {
    EXPECT_EQ(classifyArtifact(record(ArtifactKind::Thumbnail, "t", kPng)), ArtifactRole::CropImage);
    EXPECT_EQ(classifyArtifact(record(ArtifactKind::Crop, "c", kPng)), ArtifactRole::CropImage);
    EXPECT_EQ(classifyArtifact(record(ArtifactKind::Overlay, "o", kPng)), ArtifactRole::AttributionMap);
    EXPECT_EQ(classifyArtifact(record(ArtifactKind::Heatmap, "h", kPng)), ArtifactRole::AttributionMap);
    EXPECT_EQ(classifyArtifact(record(ArtifactKind::ConceptMap, "m", kPng)), ArtifactRole::AttributionMap);
    EXPECT_EQ(classifyArtifact(record(ArtifactKind::Image, "i", kPng)), ArtifactRole::OtherImage);
    EXPECT_EQ(classifyArtifact(record(ArtifactKind::Tree, "t", kJson)), ArtifactRole::Hierarchy);
    EXPECT_EQ(classifyArtifact(record(ArtifactKind::LatentHierarchy, "h", kJson)), ArtifactRole::Hierarchy);
    EXPECT_EQ(classifyArtifact(record(ArtifactKind::Curve, "faithfulness", kJson)), ArtifactRole::Curve);
    EXPECT_EQ(classifyArtifact(record(ArtifactKind::Ablation, "latent_1", kJson)), ArtifactRole::Ablation);
    EXPECT_EQ(classifyArtifact(record(ArtifactKind::Steering, "latent_1", kJson)), ArtifactRole::Ablation);
    EXPECT_EQ(classifyArtifact(record(ArtifactKind::Histogram, "h", kJson)), ArtifactRole::OtherData);
    // The payload comes first: a concept map or a histogram stored as a tensor is a tensor.
    EXPECT_EQ(classifyArtifact(record(ArtifactKind::Tensor, "W_enc", kTensor)), ArtifactRole::Tensor);
    EXPECT_EQ(classifyArtifact(record(ArtifactKind::SaeWeights, "W_enc", kTensor)), ArtifactRole::Tensor);
    EXPECT_EQ(classifyArtifact(record(ArtifactKind::ConceptMap, "m", kTensor)), ArtifactRole::Tensor);
    EXPECT_EQ(classifyArtifact(record(ArtifactKind::LatentHistogram, "latent0", kTensor)), ArtifactRole::Tensor);
    EXPECT_EQ(classifyArtifact(record(ArtifactKind::Thumbnail, "vector", "image/svg+xml")), ArtifactRole::OtherData);
}

TEST(ArtifactRoles, UnknownKindsTakeTheirRoleFromThePayloadAlone) {
    ArtifactRecord picture = record(ArtifactKind::Other, "p", kPng);
    picture.otherKind = "plugin-attribution";
    EXPECT_EQ(classifyArtifact(picture), ArtifactRole::OtherImage);
    ArtifactRecord tensor = record(ArtifactKind::Other, "t", kTensor);
    tensor.otherKind = "plugin-tree";
    EXPECT_EQ(classifyArtifact(tensor), ArtifactRole::Tensor);
    ArtifactRecord data = record(ArtifactKind::Other, "d", kJson);
    data.otherKind = "plugin-curve";
    EXPECT_EQ(classifyArtifact(data), ArtifactRole::OtherData);
    EXPECT_EQ(std::string(toString(ArtifactRole::Curve)), "curve");
}

TEST(RunDataAccessors, ConceptMapsPutTensorsFirstAndNameTheirMethod) {
    RunData run;
    run.artifacts = {
        record(ArtifactKind::Overlay, "a.png#grad-cam", kPng, R"({"image": "a.png", "map_type": "grad-cam"})"),
        record(ArtifactKind::Heatmap, "a.png#projection#concept7", kPng, R"({"image": "a.png", "concept": 7})"),
        record(ArtifactKind::Tensor, "umap#a.png", kTensor, R"({"image": "a.png", "layout": "h,w,concept"})"),
        record(ArtifactKind::ConceptMapImplicit, "a", kTensor, R"({"image": "a"})"),
        record(ArtifactKind::Tensor, "concept-vectors", kTensor, R"({"layer": "layer4"})"),
        record(ArtifactKind::Overlay, "b.png", kPng, "{}"),
    };
    for (size_t i = 0; i < run.artifacts.size(); ++i) run.artifacts[i].id = int64_t(i + 1);
    const auto maps = run.conceptMaps();
    ASSERT_EQ(maps.size(), 4u) << "per-concept pictures and other tensors are no concept maps";
    EXPECT_EQ(maps[0].artifactId, 3);
    EXPECT_TRUE(maps[0].isTensor);
    EXPECT_EQ(maps[0].method, MapMethod::Projection);
    EXPECT_EQ(maps[1].artifactId, 4);
    EXPECT_EQ(maps[1].method, MapMethod::Implicit);
    EXPECT_EQ(maps[2].artifactId, 1);
    EXPECT_FALSE(maps[2].isTensor);
    EXPECT_EQ(maps[2].image, "a.png");
    EXPECT_EQ(maps[2].method, MapMethod::Implicit) << "Grad-CAM comes from implicit differentiation";
    EXPECT_EQ(maps[3].image, "b.png") << "an overlay without metadata belongs to the image it is named after";
    EXPECT_EQ(std::string(toString(MapMethod::Implicit)), "implicit");
}

// The classes a concept raises, as CRAFT stores them: names in order; malformed entries skipped.
TEST(RunDataAccessors, RaisedClassNamesReadTheConceptsMetadata) {
    cs::store::ConceptRecord concept;
    concept.metadataJson =
        R"({"raised_classes": [{"class": 7, "name": "Sneaker", "logit_gain": 2.5}, {"class": 5}, "Bag", {"class": 9, "name": "Boot"}]})";
    EXPECT_EQ(raisedClassNames(concept), (std::vector<std::string>{"Sneaker", "Boot"}));
    concept.metadataJson = "{}";
    EXPECT_TRUE(raisedClassNames(concept).empty());
    concept.metadataJson = "not json";
    EXPECT_TRUE(raisedClassNames(concept).empty());
}

TEST(RunDataAccessors, LatentHistogramsAblationsAndSummaryCrops) {
    RunData run;
    run.artifacts = {record(ArtifactKind::LatentHistogram, "latent4", kTensor),
                     record(ArtifactKind::Histogram, "activation_values", kJson),
                     record(ArtifactKind::Ablation, "latent_4", kJson),
                     record(ArtifactKind::Steering, "latent_4", kJson),
                     record(ArtifactKind::Ablation, "latent_5", kJson),
                     record(ArtifactKind::Curve, "sae_training", kJson)};
    for (size_t i = 0; i < run.artifacts.size(); ++i) run.artifacts[i].id = int64_t(i + 1);
    ASSERT_TRUE(run.latentHistogram(4));
    EXPECT_EQ(run.latentHistogram(4)->id, 1);
    EXPECT_FALSE(run.latentHistogram(5));
    ASSERT_TRUE(run.histogram("activation_values"));
    EXPECT_EQ(run.histogram("activation_values")->id, 2);
    EXPECT_EQ(run.ablations().size(), 3u);
    EXPECT_EQ(run.latentAblations(4).size(), 2u);
    ASSERT_TRUE(run.saeTrainingCurve());
    EXPECT_EQ(run.saeTrainingCurve()->id, 6);
    EXPECT_FALSE(run.faithfulnessCurve());

    run.summary = nlohmann::json::parse(
        R"({"concepts": [{"id": 11, "top_crops": [{"image": "x.png", "box": [1, 2, 3, 4]}, {"image": "bad", "box": [1]}]}]})");
    const auto crops = run.summaryTopCrops();
    ASSERT_EQ(crops.count(11), 1u);
    ASSERT_EQ(crops.at(11).size(), 1u) << "a box without four numbers is skipped";
    EXPECT_EQ(crops.at(11)[0].image, "x.png");
    EXPECT_EQ(crops.at(11)[0].w, 3);
}

TEST_F(ResultsReader, CraftRunOfTheSyntheticProject) {
    auto store = cs::store::ProjectStore::open(project_->path, true);
    const RunData run = loadRunData(*store, project_->craftRunId);
    EXPECT_TRUE(run.isCraft());
    EXPECT_EQ(run.artifactsWithRole(ArtifactRole::AttributionMap).size(), 4u);  // 2 heatmaps, 2 overlays
    EXPECT_EQ(run.artifactsWithRole(ArtifactRole::CropImage).size(), 3u);       // 2 thumbnails, 1 crop
    EXPECT_EQ(run.artifactsWithRole(ArtifactRole::OtherImage).size(), 1u);
    EXPECT_EQ(run.artifactsWithRole(ArtifactRole::Hierarchy).size(), 1u);
    EXPECT_EQ(run.artifactsWithRole(ArtifactRole::Curve).size(), 1u);

    const auto images = run.images();
    ASSERT_EQ(images.size(), 1u);
    EXPECT_EQ(images[0].source, project_->imageDir + "/sneaker_2.png");

    // Heatmaps of several concepts and overlays are concept maps; the grad-cam overlay is implicit.
    const auto maps = run.conceptMaps();
    ASSERT_EQ(maps.size(), 4u);
    int implicit = 0;
    for (const auto& m : maps) {
        EXPECT_FALSE(m.isTensor);
        implicit += m.method == MapMethod::Implicit ? 1 : 0;
    }
    EXPECT_EQ(implicit, 1);

    // Thumbnails by concept id, best rank first although stored second.
    const auto thumbnails = run.conceptThumbnails();
    ASSERT_EQ(thumbnails.size(), 1u);
    const auto& best = thumbnails.at(project_->conceptIds[2]);
    ASSERT_EQ(best.size(), 2u);
    const auto first = store->artifact(best[0]);
    ASSERT_TRUE(first);
    EXPECT_NE(first->name.find("#best"), std::string::npos);

    ASSERT_TRUE(run.storedTree());
    EXPECT_EQ(run.storedTree()->name, "concept-tree");
    ASSERT_TRUE(run.faithfulnessCurve());
    EXPECT_TRUE(run.find(ArtifactKind::Crop, "concept-3-best"));
    EXPECT_FALSE(run.find(ArtifactKind::Thumbnail, "concept-3-best"));
    EXPECT_TRUE(run.summaryTopCrops().empty());
}

TEST_F(ResultsReader, SaeRunOfTheSyntheticProject) {
    auto store = cs::store::ProjectStore::open(project_->path, true);
    const RunData run = loadRunData(*store, project_->saeRunId);
    EXPECT_TRUE(run.isSae());
    EXPECT_EQ(run.latents.size(), 24u);
    ASSERT_TRUE(run.tensor("W_enc"));
    EXPECT_EQ(run.tensor("W_enc")->kindText(), "sae-weights");
    const auto weights = store->artifact(run.tensor("W_enc")->id);
    ASSERT_TRUE(weights && weights->tensor);
    EXPECT_EQ(weights->tensor->shape, project_->encoderWeights.shape);
    ASSERT_TRUE(run.storedTree());
    EXPECT_EQ(run.storedTree()->name, "coactivation");
    ASSERT_EQ(run.ablations().size(), 1u);
    EXPECT_EQ(run.ablations()[0]->name, "latent-23-zero");
    EXPECT_TRUE(run.latentAblations(23).empty()) << "only results named latent_<N> belong to one latent";

    const RunData listing = loadRunArtifacts(*store, project_->saeRunId);
    EXPECT_EQ(listing.artifacts.size(), run.artifacts.size());
    EXPECT_TRUE(listing.latents.empty());
    EXPECT_THROW(loadRunData(*store, 999), cs::Error);
}
