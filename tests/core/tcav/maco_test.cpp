// MaCo (docs/tcav.md, "Tests"): on the planted case of the TCAV tests, the CRAFT concept that stands
// for the red square (the nearest to the red square's CAV) gets a picture that activates it at least
// five times more than the dataset's images do on average; the picture is written and stored with
// its concept; the statistics of natural images behave; bad requests fail with a message.
// A concept's activation is what CRAFT calls it: the image's coefficient on the concept when its
// pooled activations are written in the run's whole dictionary (NNLS on every concept vector), so a
// pattern the other concepts explain (the grey noise every image has) does not count for it.
#include "craft/nmf.h"
#include "maco/maco.h"
#include "tcav/model_inputs.h"
#include "tcav/tcav_score.h"

#include "cli_runner.h"

#include "common/error.h"
#include "data/image_source.h"
#include "model/model_loader.h"
#include "store/project_store.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

std::string run(const std::string& command) {
    FILE* pipe = popen((command + " 2>&1").c_str(), "r");
    if (!pipe) throw std::runtime_error("cannot run " + command);
    std::string out;
    std::array<char, 4096> buffer{};
    while (size_t n = fread(buffer.data(), 1, buffer.size(), pipe)) out.append(buffer.data(), n);
    if (pclose(pipe) != 0) throw std::runtime_error(command + " failed: " + out);
    return out;
}

// Its own copy of the planted case, so this program and tcav_tests can run at the same time.
const fs::path& plantedCase() {
    static const fs::path dir = [] {
        const fs::path d = fs::path(CS_TEST_TMP) / "maco_planted";
        fs::create_directories(d);
        run(std::string(CS_PYTHON) + " " + CS_TCAV_TEST_DIR + "/make_planted_case.py " + d.string() + " 0");
        return d;
    }();
    return dir;
}

// The coefficient of concept `index` of the dictionary (r×C concept vectors) for each image of a
// folder: its pooled block1 activations written in the dictionary by NNLS (CRAFT's transform).
at::Tensor conceptCoefficients(cs::model::VisionModel& model, const std::string& folder, const at::Tensor& dictionary, int64_t index) {
    const auto source = cs::data::openImageSource(folder);
    const at::Tensor images = cs::tcav::loadModelInputs(*source, cs::tcav::spreadIndices(source->images().size(), 0), model.info());
    const at::Tensor pooled = cs::tcav::pooledActivations(model, "block1", images, 32);
    return cs::craft::nnlsTransform(pooled, dictionary, 1000, 1e-8).select(1, index);
}

}  // namespace

TEST(NaturalImageStatistics, MeasuresSpectrumAndColours) {
    torch::manual_seed(0);
    // Smooth images: most of their energy is at low frequencies, as in natural images.
    const at::Tensor noise = torch::rand({8, 3, 8, 8});
    const at::Tensor smooth = torch::nn::functional::interpolate(
        noise, torch::nn::functional::InterpolateFuncOptions().size(std::vector<int64_t>{32, 32}).mode(torch::kBilinear).align_corners(false));
    const cs::maco::NaturalImageStatistics s = cs::maco::naturalImageStatistics(smooth, 32);
    ASSERT_EQ(s.magnitude.shape, (std::vector<int64_t>{3, 32, 17}));
    ASSERT_EQ(s.colourCorrelation.shape, (std::vector<int64_t>{3, 3}));
    const at::Tensor m = torch::from_blob(const_cast<float*>(s.magnitude.data.data()), {3, 32, 17});
    EXPECT_GT(m.slice(1, 1, 4).slice(2, 1, 4).mean().item<double>(), 4 * m.slice(1, 12, 20).slice(2, 12, 17).mean().item<double>());
    EXPECT_THROW(cs::maco::naturalImageStatistics(torch::zeros({0, 3, 8, 8}), 32), cs::Error);
}

TEST(MacoCli, PlantedConceptPictureActivatesItAndIsStored) {
    const fs::path dir = fs::path(CS_TEST_TMP) / "maco_cli";
    fs::remove_all(dir);
    fs::create_directories(dir);
    const std::string project = (dir / "p.cstudio").string();
    const std::string model = (plantedCase() / "model.pt").string();
    const std::string dataset = (plantedCase() / "dataset").string();
    const auto craft = cs::testing::runCli("craft --project '" + project + "' --model '" + model + "' --images '" + dataset +
                                           "' --class red --layer block1 --concepts 3 --patch-size 16 --sobol-designs 8 --map-images 0");
    ASSERT_EQ(craft.exitCode, 0) << craft.err;
    const fs::path tcavJson = dir / "tcav.json";
    const auto tcav = cs::testing::runCli("tcav --project '" + project + "' --model '" + model + "' --concept-images '" +
                                          (plantedCase() / "concept_red").string() + "' --class red --layer block1 --json '" + tcavJson.string() + "'");
    ASSERT_EQ(tcav.exitCode, 0) << tcav.err;
    std::ifstream tcavIn(tcavJson);
    const json near = json::parse(tcavIn)["nearest_concepts"];
    ASSERT_FALSE(near.empty());
    // The planted concept: the CRAFT concept nearest to the red square's CAV.
    const int64_t craftRun = near[0]["run"].get<int64_t>(), conceptId = near[0]["concept"].get<int64_t>();

    const fs::path out = dir / "pictures";
    const fs::path visualizeJson = dir / "visualize.json";
    // The crops cover the whole picture throughout (--crop-box 1,1): the model looks at 32-pixel
    // images, and the reference's schedule down to 5 % of the picture would show it 3-pixel crops
    // blown up tenfold (docs/tcav.md, "MaCo").
    const auto visualize = cs::testing::runCli("visualize --project '" + project + "' --run " + std::to_string(craftRun) + " --concept " +
                                               std::to_string(conceptId) + " --steps 128 --size 64 --crops 8 --crop-box 1,1 --out '" +
                                               out.string() + "' --json '" + visualizeJson.string() + "'");
    ASSERT_EQ(visualize.exitCode, 0) << visualize.err;
    std::ifstream visualizeIn(visualizeJson);
    const json summary = json::parse(visualizeIn);
    ASSERT_EQ(summary["images"].size(), 1u);
    const std::string file = summary["images"][0]["file"];
    ASSERT_TRUE(fs::exists(file));

    // The picture activates the concept far more than the dataset's images.
    auto store = cs::store::ProjectStore::open(project, true);
    std::vector<at::Tensor> vectors;
    int64_t index = -1;
    for (const auto& c : store->concepts(craftRun)) {
        if (c.id == conceptId) index = static_cast<int64_t>(vectors.size());
        vectors.push_back(torch::tensor(c.vector.data, torch::kFloat64));
    }
    ASSERT_GE(index, 0);
    const at::Tensor dictionary = torch::stack(vectors);
    auto vision = cs::model::loadVisionModel(model);
    const double picture = conceptCoefficients(*vision, out.string(), dictionary, index)[0].item<double>();
    const double datasetMean = conceptCoefficients(*vision, dataset, dictionary, index).mean().item<double>();
    std::printf("concept %lld: picture %.4f, dataset images %.4f on average (%.1fx)\n", static_cast<long long>(conceptId), picture, datasetMean,
                picture / datasetMean);
    EXPECT_GT(datasetMean, 0.0);
    EXPECT_GE(picture, 5.0 * datasetMean);

    // Stored with its concept; a rerun replaces it rather than adding another.
    const auto stored = store->artifacts(craftRun, cs::store::ArtifactKind::FeatureVisualization);
    ASSERT_EQ(stored.size(), 1u);
    EXPECT_EQ(json::parse(stored[0].metadataJson)["concept_id"].get<int64_t>(), conceptId);
    const auto again = cs::testing::runCli("visualize --project '" + project + "' --run " + std::to_string(craftRun) + " --concept " +
                                           std::to_string(conceptId) + " --steps 2 --size 32 --crops 2 --out '" + out.string() + "'");
    ASSERT_EQ(again.exitCode, 0) << again.err;
    EXPECT_EQ(cs::store::ProjectStore::open(project, true)->artifacts(craftRun, cs::store::ArtifactKind::FeatureVisualization).size(), 1u);

    // Bad requests: a run that does not exist, a concept not in the run.
    const auto noRun = cs::testing::runCli("visualize --project '" + project + "' --run 999 --out '" + out.string() + "'");
    EXPECT_EQ(noRun.exitCode, 1);
    EXPECT_NE(noRun.err.find("has no run 999"), std::string::npos) << noRun.err;
    const auto noConcept = cs::testing::runCli("visualize --project '" + project + "' --run " + std::to_string(craftRun) +
                                               " --concept 99999 --out '" + out.string() + "'");
    EXPECT_EQ(noConcept.exitCode, 1);
    EXPECT_NE(noConcept.err.find("has no concept 99999"), std::string::npos) << noConcept.err;
}
