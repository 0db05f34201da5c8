// CraftJob end to end on a TorchScript model exported by Python and an IDX file written here:
// the run, its concepts, crops, artifacts and summary in the project store; cancellation with
// nothing half-written; and the errors for a bad class or layer.
#include "craft/craft_job.h"

#include "cli_runner.h"

#include "common/error.h"
#include "store/project_store.h"
#include "split_model_fixture.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>

#include <sys/wait.h>

using namespace cs::craft;
using namespace cs::craft::test;
namespace fs = std::filesystem;

namespace {

const SplitModelFixture& fixture() {
    static const SplitModelFixture f = makeSplitModelFixture("job");
    return f;
}

CraftJobSpec baseSpec(const std::string& project) {
    CraftJobSpec spec;
    spec.projectPath = (fixture().dir / project).string();
    fs::remove(spec.projectPath);
    spec.modelPath = fixture().model.string();
    spec.imagesPath = fixture().images.string();
    spec.classSpec = "class1";
    spec.options.layer = "block2";
    spec.options.concepts = 3;
    spec.options.patchSize = 14;
    spec.options.sobolDesigns = 8;
    spec.options.mapImages = 2;
    spec.options.recursiveLayers = {"block1"};
    spec.options.subConcepts = 2;
    return spec;
}

}  // namespace

TEST(CraftJob, StoresTheWholeRunInTheProject) {
    CraftJobSpec spec = baseSpec("run.cstudio");
    auto output = std::make_shared<CraftJobOutput>();
    CraftJob job(spec, output);
    auto token = std::make_shared<cs::jobs::CancelToken>();
    std::vector<std::string> stages;
    cs::jobs::JobContext context(token, [&](const cs::jobs::Progress& p) {
        if (stages.empty() || stages.back() != p.stage) stages.push_back(p.stage);
    });
    job.run(context);

    const auto& s = output->summary;
    // Exactly the fields of docs/cli.md.
    std::vector<std::string> keys;
    for (auto it = s.begin(); it != s.end(); ++it) keys.push_back(it.key());
    std::sort(keys.begin(), keys.end());
    EXPECT_EQ(keys, (std::vector<std::string>{"activation_cache", "class", "concepts", "dictionary", "faithfulness", "images_skipped", "importance", "layer",
                                              "metrics", "model", "n_crops", "n_images", "nmf", "notes", "run_id", "skipped_images",
                                              "sobol", "timings_s"}));
    // The methods by name; the defaults are the reference's.
    EXPECT_EQ(s["dictionary"], "nmf");
    EXPECT_EQ(s["importance"], "sobol");
    EXPECT_EQ(s["class"], 1);
    EXPECT_EQ(s["n_images"], 8);  // labels i % 3 == 1 among 24 images
    // 28 px, patch 14, stride 11: 2×2 crops per image.
    EXPECT_EQ(s["n_crops"], 32);
    EXPECT_EQ(s["nmf"]["rank"], 3);
    EXPECT_EQ(s["sobol"]["h_evaluations"], 8 * 8 * 5);
    ASSERT_EQ(s["concepts"].size(), 3u);
    EXPECT_GE(s["concepts"][0]["importance"].get<double>(), s["concepts"][2]["importance"].get<double>());
    const auto& crop = s["concepts"][0]["top_crops"][0];
    EXPECT_NE(crop["image"].get<std::string>().find("t10k-images-idx3-ubyte#"), std::string::npos);
    EXPECT_EQ(crop["box"].size(), 4u);
    EXPECT_EQ(crop["box"][2], 14);  // source pixels (the model input is the source size here)
    for (const char* k : {"activations", "nmf", "sobol", "maps", "total"}) EXPECT_TRUE(s["timings_s"].contains(k)) << k;
    EXPECT_EQ(s["faithfulness"]["deletion"].size(), 4u);

    auto store = cs::store::ProjectStore::open(spec.projectPath, true);
    auto run = store->run(output->runId);
    ASSERT_TRUE(run);
    EXPECT_EQ(run->status, cs::store::RunStatus::Done);
    EXPECT_EQ(nlohmann::json::parse(run->summaryJson), s);
    auto concepts = store->concepts(output->runId);
    ASSERT_EQ(concepts.size(), 3u + 3u * 2u);
    int children = 0;
    for (const auto& c : concepts) {
        if (c.parentId) {
            ++children;
            EXPECT_EQ(c.layer, "block1");
            EXPECT_EQ(c.vector.shape, (std::vector<int64_t>{8}));
        } else {
            EXPECT_EQ(c.vector.shape, (std::vector<int64_t>{16}));
        }
    }
    EXPECT_EQ(children, 6);
    // Each top-level concept names the classes it raises most through h, best first (the label
    // editor's suggestions); sub-concepts have none.
    int raising = 0;
    for (const auto& c : concepts) {
        const auto raised = nlohmann::json::parse(c.metadataJson)["raised_classes"];
        if (c.parentId) {
            EXPECT_TRUE(raised.is_null() || raised.empty());
            continue;
        }
        ASSERT_TRUE(raised.is_array());
        EXPECT_LE(raised.size(), 3u);
        for (size_t j = 0; j < raised.size(); ++j) {
            EXPECT_GT(raised[j]["logit_gain"].get<double>(), 0.0);
            EXPECT_FALSE(raised[j]["name"].get<std::string>().empty());
            if (j > 0) EXPECT_GE(raised[j - 1]["logit_gain"].get<double>(), raised[j]["logit_gain"].get<double>());
        }
        raising += raised.empty() ? 0 : 1;
    }
    EXPECT_GT(raising, 0);
    auto crops = store->crops(output->runId);
    ASSERT_EQ(crops.size(), 32u);
    EXPECT_EQ(crops[0].coefficients.shape, (std::vector<int64_t>{3}));
    EXPECT_EQ(crops[1].x, 11);
    auto overlays = store->artifacts(output->runId, cs::store::ArtifactKind::Overlay);
    EXPECT_EQ(overlays.size(), 2u * 3u);  // 2 images × projection, gradient-input, grad-cam
    auto png = store->artifact(overlays[0].id);
    ASSERT_TRUE(png);
    EXPECT_EQ(png->bytes.compare(0, 4, "\x89PNG"), 0);
    // Thumbnails: every concept's best crops (8 images × 4 crops = 32 ≥ 10 per concept), ranked.
    auto thumbnails = store->artifacts(output->runId, cs::store::ArtifactKind::Thumbnail);
    EXPECT_EQ(thumbnails.size(), 9u * 10u);
    EXPECT_NE(thumbnails[0].metadataJson.find("concept_id"), std::string::npos);
    EXPECT_EQ(store->artifacts(output->runId, cs::store::ArtifactKind::Image).size(), 2u);
    EXPECT_TRUE(store->artifact(output->runId, cs::store::ArtifactKind::Tree, "concept-tree"));
    EXPECT_TRUE(store->artifact(output->runId, cs::store::ArtifactKind::Curve, "faithfulness"));
    EXPECT_EQ(store->artifacts(output->runId, cs::store::ArtifactKind::Tensor).size(), 8u + 2u);
    // The run records what its speed depends on: the BLAS and the threads.
    const auto parameters = nlohmann::json::parse(store->run(output->runId)->parametersJson);
    EXPECT_FALSE(parameters["runtime"]["blas"].get<std::string>().empty());
    EXPECT_GE(parameters["runtime"]["torch_threads"].get<int>(), 1);
    EXPECT_EQ(parameters["dictionary"], "nmf");
    EXPECT_EQ(parameters["importance"], "sobol");
    for (const char* stage : {"activations", "tree"})  // reports are rate-limited; the first and last always pass
        EXPECT_NE(std::find(stages.begin(), stages.end(), stage), stages.end()) << stage;
}

TEST(CraftJob, CancelledRunIsMarkedAndHasNoResults) {
    CraftJobSpec spec = baseSpec("cancel.cstudio");
    CraftJob job(spec, nullptr);
    auto token = std::make_shared<cs::jobs::CancelToken>();
    cs::jobs::JobContext context(token, [&](const cs::jobs::Progress& p) {
        if (p.stage != "activations") token->cancel();
    });
    EXPECT_THROW(job.run(context), cs::Cancelled);
    auto store = cs::store::ProjectStore::open(spec.projectPath, true);
    auto runs = store->runs();
    ASSERT_EQ(runs.size(), 1u);
    EXPECT_EQ(runs[0].status, cs::store::RunStatus::Cancelled);
    EXPECT_TRUE(store->concepts(runs[0].id).empty());
    EXPECT_TRUE(store->crops(runs[0].id).empty());
    EXPECT_TRUE(store->artifacts(runs[0].id).empty());
}

TEST(CraftJob, BadClassAndLayerAreReported) {
    {
        CraftJobSpec spec = baseSpec("bad.cstudio");
        spec.classSpec = "Sneaker";
        CraftJob job(spec, nullptr);
        cs::jobs::JobContext context(std::make_shared<cs::jobs::CancelToken>(), {});
        try {
            job.run(context);
            FAIL();
        } catch (const cs::Error& e) {
            EXPECT_NE(std::string(e.what()).find("unknown class 'Sneaker' (known: class0, class1, class2)"), std::string::npos) << e.what();
        }
    }
    {
        CraftJobSpec spec = baseSpec("bad2.cstudio");
        spec.options.layer = "layer4";
        spec.options.recursiveLayers.clear();
        CraftJob job(spec, nullptr);
        cs::jobs::JobContext context(std::make_shared<cs::jobs::CancelToken>(), {});
        try {
            job.run(context);
            FAIL();
        } catch (const cs::Error& e) {
            EXPECT_NE(std::string(e.what()).find("layer 'layer4' is not a probe point"), std::string::npos) << e.what();
            EXPECT_NE(std::string(e.what()).find("block1, block2"), std::string::npos) << "lists the probe points: " << e.what();
        }
        // The layer is checked when the model is loaded, before any run is made: nothing that
        // looks like a result is left behind.
        if (fs::exists(spec.projectPath)) {
            auto store = cs::store::ProjectStore::open(spec.projectPath, true);
            for (const auto& run : store->runs()) EXPECT_NE(run.status, cs::store::RunStatus::Done);
        }
    }
    EXPECT_EQ(resolveClass("7", {}, {}), 7);
    EXPECT_THROW(resolveClass("", {"a"}, {}), cs::Error);
}

TEST(CraftCli, WritesTheSummaryAndExitsWithTheContractCodes) {
    const auto& f = fixture();
    const fs::path project = f.dir / "cli.cstudio", summary = f.dir / "cli.json";
    fs::remove(project);
    fs::remove(summary);
    const std::string common = "craft --project " + project.string() + " --model " + f.model.string() + " --images " + f.images.string() +
                               " --concepts 3 --patch-size 14 --sobol-designs 8 --map-images 1";
    using cs::testing::CliStreams;
    using cs::testing::runCli;
    const auto done = runCli(common + " --class class1 --layer block2 --json " + summary.string(), CliStreams::Merged);
    ASSERT_EQ(done.exitCode, 0) << done.out;
    nlohmann::json s = nlohmann::json::parse(std::ifstream(summary));
    EXPECT_EQ(s["n_images"], 8);
    EXPECT_EQ(s["n_crops"], 32);
    EXPECT_EQ(s["concepts"].size(), 3u);
    EXPECT_TRUE(s.contains("faithfulness"));

    const auto badClass = runCli(common + " --class 9 --layer block2", CliStreams::Merged);
    EXPECT_EQ(badClass.exitCode, 1) << badClass.out;
    // A labelled source is filtered first: the file and the class are named.
    EXPECT_NE(badClass.out.find("t10k-images-idx3-ubyte: there are no images of class 9"), std::string::npos) << badClass.out;
    const auto badModel = runCli("craft --project " + project.string() + " --model " + (f.dir / "missing.pt").string() +
                                     " --images " + f.images.string() + " --class 1 --layer block2",
                                 CliStreams::Merged);
    EXPECT_EQ(badModel.exitCode, 1) << badModel.out;
    EXPECT_NE(badModel.out.find("missing.pt"), std::string::npos) << badModel.out;
    const auto usage = runCli(common + " --class 1", CliStreams::Merged);  // no --layer
    EXPECT_EQ(usage.exitCode, 2) << usage.out;
}

// The methods through the command line: the summary and the stored parameters name them, and a
// dictionary without NNLS codes is refused with the implicit maps until they are turned off.
TEST(CraftCli, ChoosesTheDictionaryAndTheImportanceEstimator) {
    const auto& f = fixture();
    const fs::path project = f.dir / "methods.cstudio", summary = f.dir / "methods.json";
    fs::remove(project);
    fs::remove(summary);
    const std::string common = "craft --project " + project.string() + " --model " + f.model.string() + " --images " + f.images.string() +
                               " --concepts 3 --patch-size 14 --sobol-designs 8 --map-images 1 --class class1 --layer block2"
                               " --dictionary semi-nmf --importance rise";
    using cs::testing::CliStreams;
    using cs::testing::runCli;
    const auto refused = runCli(common, CliStreams::Merged);
    EXPECT_EQ(refused.exitCode, 1) << refused.out;
    EXPECT_NE(refused.out.find("--no-implicit-maps"), std::string::npos) << refused.out;
    const auto done = runCli(common + " --no-implicit-maps --json " + summary.string(), CliStreams::Merged);
    ASSERT_EQ(done.exitCode, 0) << done.out;
    nlohmann::json s = nlohmann::json::parse(std::ifstream(summary));
    EXPECT_EQ(s["dictionary"], "semi-nmf");
    EXPECT_EQ(s["importance"], "rise");
    EXPECT_EQ(s["sobol"]["h_evaluations"], 8 * 8 * 5);  // RISE: as many rows as Sobol
    EXPECT_EQ(s["concepts"].size(), 3u);
    auto store = cs::store::ProjectStore::open(project.string(), true);
    const auto runs = store->runs();
    const auto finished = std::find_if(runs.begin(), runs.end(), [](const auto& run) { return run.status == cs::store::RunStatus::Done; });
    ASSERT_NE(finished, runs.end());
    const auto parameters = nlohmann::json::parse(store->run(finished->id)->parametersJson);
    EXPECT_EQ(parameters["dictionary"], "semi-nmf");
    EXPECT_EQ(parameters["importance"], "rise");
    const auto unknown = runCli(common + " --dictionary ica", CliStreams::Merged);
    EXPECT_EQ(unknown.exitCode, 2) << unknown.out;
}
