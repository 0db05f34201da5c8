// RecSAE loads recommenders through cs_model, like craft loads vision models: a recommender
// adapter offered by a plugin (tests/plugins/toy_recommender_plugin.cpp, a format that is not
// TorchScript) is found by `auto` and by --adapter, runs a whole recsae job (engine and CLI),
// and the stored run's ablation reloads it through the same adapter. Models in the wrong
// convention get cs_model's messages (the ones craft and docs/models.md show).
// Small data (60 items, 80 users): a few seconds.
#include "cli_runner.h"
#include "common/error.h"
#include "jobs/job.h"
#include "model/model_loader.h"
#include "sae/recommender.h"
#include "sae/recsae_job.h"
#include "store/project_store.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <torch/script.h>
#include <torch/torch.h>

#include <sys/wait.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <functional>
#include <random>

namespace {
namespace fs = std::filesystem;
using nlohmann::json;

const fs::path kDir = fs::path(CS_TEST_TMP) / "recsae-plugin";

std::string slurp(const fs::path& path) {
    std::ifstream in(path);
    return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

cs::jobs::JobContext quietContext() {
    return cs::jobs::JobContext(std::make_shared<cs::jobs::CancelToken>(), [](const cs::jobs::Progress&) {});
}

struct Files {
    std::string toy, toyMismatch, interactions, itemMeta, noScore, mismatch, vision, plain;
};

// A TorchScript module defined from source in C++ (no Python needed).
void saveModule(const std::string& path, const std::string& source,
                const std::function<void(torch::jit::Module&)>& attributes = {}) {
    torch::jit::Module m(c10::QualifiedName("__torch__.cs_test.Model"));
    if (attributes) attributes(m);
    m.define(source);
    m.save(path);
}

Files makeFiles() {
    fs::remove_all(kDir);
    fs::create_directories(kDir / "xdg");
    Files f;
    f.toy = (kDir / "toy.toyrec").string();
    std::ofstream(f.toy) << "toy-recommender v1\nnum_items 60\ndim 8\nseed 3\n";
    f.toyMismatch = (kDir / "mismatch.toyrec").string();
    std::ofstream(f.toyMismatch) << "toy-recommender v1\nnum_items 60\ndim 8\nseed 3\nscore_dim 12\n";
    // 80 users, 12 interactions each, raw item ids 1..60 (the toy model has no item_ids), drawn
    // mostly from one of four blocks of 15 items; the block is the item's tag.
    f.interactions = (kDir / "log.txt").string();
    {
        std::ofstream out(f.interactions);
        std::mt19937 rng(5);
        for (int u = 0; u < 80; ++u) {
            const int block = u % 4;
            std::vector<int> seen;
            while (seen.size() < 12) {
                const int item = rng() % 10 < 8 ? 1 + block * 15 + int(rng() % 15) : 1 + int(rng() % 60);
                if (std::find(seen.begin(), seen.end(), item) != seen.end()) continue;
                seen.push_back(item);
                out << u << " " << item << "\n";
            }
        }
    }
    f.itemMeta = (kDir / "items.tsv").string();
    {
        std::ofstream out(f.itemMeta);
        const char* tags[] = {"jazz", "rock", "folk", "soul"};
        out << "item_id\ttitle\tgenres\n";
        for (int i = 1; i <= 60; ++i) out << i << "\tItem " << i << "\t" << tags[(i - 1) / 15] << "\n";
    }
    f.noScore = (kDir / "noscore.pt").string();
    saveModule(f.noScore, "def encode(self, item_seq: Tensor) -> Tensor:\n    return item_seq.float()\n",
               [](torch::jit::Module& m) { m.register_attribute("num_items", c10::IntType::get(), int64_t(60)); });
    f.mismatch = (kDir / "mismatch.pt").string();  // encode gives 4 columns per sequence, score takes 6
    saveModule(f.mismatch,
               "def encode(self, item_seq: Tensor) -> Tensor:\n    return item_seq.float()\n\n"
               "def score(self, state: Tensor) -> Tensor:\n    return torch.matmul(state, self.table)\n",
               [](torch::jit::Module& m) {
                   m.register_attribute("num_items", c10::IntType::get(), int64_t(60));
                   m.register_parameter("table", torch::zeros({6, 61}), false);
               });
    f.vision = (kDir / "vision.pt").string();
    saveModule(f.vision,
               "def activations(self, x: Tensor, layer: str) -> Tensor:\n    return x\n\n"
               "def logits_from(self, a: Tensor, layer: str) -> Tensor:\n    return a.flatten(1)\n",
               [](torch::jit::Module& m) {
                   c10::List<std::string> points;
                   points.push_back("block1");
                   m.register_attribute("probe_points", c10::ListType::ofStrings(), points);
               });
    f.plain = (kDir / "plain.pt").string();
    saveModule(f.plain, "def forward(self, x: Tensor) -> Tensor:\n    return x\n");
    return f;
}

const Files& files() {
    static const Files f = makeFiles();
    return f;
}

cs::sae::RecommenderLoadOptions pluginLoader(const std::string& adapter = "auto") {
    cs::sae::RecommenderLoadOptions options;
    options.adapter = adapter;
    options.pluginDirs = {CS_TOY_PLUGIN_DIR};
    return options;
}

using cs::testing::CliResult;

// Runs `concept-studio-cli recsae` with an empty user data folder (only --plugin-dir holds plugins).
CliResult runRecSae(const std::string& args) {
    return cs::testing::runCli("recsae " + args, cs::testing::CliStreams::Separate, "XDG_DATA_HOME=" + (kDir / "xdg").string());
}

std::string commonArgs(const std::string& model, const std::string& project) {
    const Files& f = files();
    return "--project " + (kDir / project).string() + " --model " + model + " --interactions " + f.interactions +
           " --item-meta " + f.itemMeta + " --expansion 4 --k 4 --epochs 2";
}

TEST(RecSaePlugins, RecommenderAdapterFromAPluginIsFoundByAutoAndByName) {
    const Files& f = files();
    bool listed = false;
    for (const auto& a : cs::model::listAdapters({CS_TOY_PLUGIN_DIR}))
        if (a.name == "toy-recommender") listed = a.kind == "sequential-recommender";
    EXPECT_TRUE(listed);
    for (const std::string adapter : {"auto", "toy-recommender"}) {
        auto model = cs::sae::ProbedRecommender::load(f.toy, pluginLoader(adapter));
        EXPECT_EQ(model->info().adapter, "toy-recommender") << adapter;
        EXPECT_EQ(model->info().numItems, 60);
        EXPECT_EQ(model->info().path, f.toy);
        EXPECT_FALSE(model->info().sha256.empty());
        EXPECT_EQ(model->maxLength(), 50);  // not TorchScript: the default
        EXPECT_TRUE(model->itemVocabulary().empty());
        auto seq = torch::tensor(std::vector<int64_t>{0, 1, 2, 3, 4, 5, 6, 7}).view({2, 4});
        auto state = model->encode(seq);
        EXPECT_EQ(state.sizes(), (std::vector<int64_t>{2, 8}));
        EXPECT_FALSE(state.requires_grad());
        EXPECT_EQ(model->score(state).sizes(), (std::vector<int64_t>{2, 61}));
    }
}

TEST(RecSaePlugins, EngineRunOnAPluginRecommenderAndItsAblationReloadThroughTheAdapter) {
    const Files& f = files();
    cs::sae::RecSaeOptions options;
    options.projectPath = (kDir / "engine.cstudio").string();
    options.modelPath = f.toy;
    options.loader = pluginLoader("toy-recommender");
    options.interactionsPath = f.interactions;
    options.itemMetaPath = f.itemMeta;
    options.sae.expansion = 4;
    options.sae.k = 4;
    options.sae.epochs = 2;
    cs::sae::RecSaeJob job(options);
    auto context = quietContext();
    job.run(context);
    const json& s = job.summary();
    EXPECT_EQ(s["n_latents"], 32);
    EXPECT_EQ(s["state_dim"], 8);
    EXPECT_EQ(s["users"], 80);
    EXPECT_GT(s["ndcg10_model"].get<double>(), 0.0);

    auto store = cs::store::ProjectStore::open(options.projectPath, true);
    const auto run = store->run(job.runId());
    ASSERT_TRUE(run);
    const json params = json::parse(run->parametersJson);
    EXPECT_EQ(params["adapter"], "toy-recommender");
    EXPECT_EQ(params["plugin_dirs"], json::array({CS_TOY_PLUGIN_DIR}));
    const auto models = store->models();
    ASSERT_FALSE(models.empty());
    EXPECT_EQ(models.back().adapter, "toy-recommender");
    EXPECT_EQ(models.back().kind, "sequential-recommender");

    int64_t latent = -1;
    for (const auto& l : s["latents"])
        if (latent < 0) latent = l["id"].get<int64_t>();
    ASSERT_GE(latent, 0) << s.dump();
    cs::sae::AblationRequest request;
    request.projectPath = options.projectPath;
    request.runId = job.runId();
    request.latent = latent;
    cs::sae::LatentAblationJob ablation(request);
    auto ablationContext = quietContext();
    ablation.run(ablationContext);
    EXPECT_GT(ablation.result()["users"].get<int64_t>(), 0) << ablation.result().dump();
}

TEST(RecSaePlugins, CliRunsAPluginRecommenderWithAndWithoutAdapter) {
    const Files& f = files();
    const std::string summary = (kDir / "cli.json").string();
    for (const std::string adapter : {"", " --adapter toy-recommender"}) {
        fs::remove(summary);
        CliResult r = runRecSae(commonArgs(f.toy, "cli.cstudio") + adapter + " --plugin-dir " + CS_TOY_PLUGIN_DIR +
                                " --json " + summary);
        ASSERT_EQ(r.exitCode, 0) << r.out << r.err;
        const json s = json::parse(slurp(summary));
        EXPECT_EQ(s["n_latents"], 32);
        EXPECT_EQ(s["state_dim"], 8);
    }
}

TEST(RecSaePlugins, WrongConventionModelsGetTheLoadersMessages) {
    const Files& f = files();
    const std::string plugins = std::string(" --plugin-dir ") + CS_TOY_PLUGIN_DIR;
    auto expectFailure = [&](const std::string& model, const std::string& extra, const std::string& part) {
        CliResult r = runRecSae(commonArgs(model, "bad.cstudio") + extra);
        EXPECT_EQ(r.exitCode, 1) << model << "\n" << r.err;
        EXPECT_NE(r.err.find(model + ": "), std::string::npos) << r.err;
        EXPECT_NE(r.err.find(part), std::string::npos) << r.err;
        EXPECT_EQ(r.err.find("Exception raised from"), std::string::npos) << "LibTorch backtrace leaked: " << r.err;
    };
    expectFailure(f.noScore, "", "method score(state: Tensor) -> Tensor is missing (the sequential-recommender convention");
    expectFailure(f.mismatch, "", "score(state) does not accept the states encode(item_seq) returns (shape [2, 4]): "
                                "score(state) failed: RuntimeError: mat1 and mat2 shapes cannot be multiplied (2x4 and 6x61)");
    expectFailure(f.vision, "", "is a vision model; a sequential recommender was expected");
    expectFailure(f.plain, plugins, "follows no built-in convention and no plugin accepts it");
    expectFailure(f.toyMismatch, plugins, "encode returns states of dimension 8 that score does not accept");
    expectFailure(f.toy, plugins + " --adapter nope", "unknown adapter 'nope' (available: torchscript-split, torchscript-recommender");
    expectFailure(f.toy, " --adapter torchscript-recommender", "is not a TorchScript archive");
    // Without its plugin folder nothing knows the format: the TorchScript loader's message.
    expectFailure(f.toy, "", "is not a TorchScript archive");
    // A folder that does not exist is bad usage, as for craft.
    CliResult r = runRecSae(commonArgs(f.toy, "bad.cstudio") + " --plugin-dir " + (kDir / "missing").string());
    EXPECT_EQ(r.exitCode, 2) << r.err;
}

}  // namespace
