// RecSAE end to end on (small) demo data: SASRec beats popularity and saves a model that the
// studio's loader accepts; the SAE meets the quality bar (FVU, dead latents, ranking with the
// reconstruction, planted tags recovered with confidence); the run is stored in one piece;
// ablation works on the stored run; a cancelled run is marked so; a Python GRU4Rec-style
// model is probed through the same path; bad models and sizes are refused.
#include "common/error.h"
#include "data/interactions.h"
#include "jobs/job.h"
#include "model/model_loader.h"
#include "sae/demo_data.h"
#include "sae/recommender.h"
#include "sae/recsae_job.h"
#include "sae/sasrec.h"
#include "store/project_store.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

struct Shared {
    std::string dir;
    cs::sae::DemoDataFiles files;
    cs::sae::SasRecResult sasrec;
    std::string model, project;
    json summary;
    int64_t runId = 0;
    std::string pythonError;
};
Shared* shared = nullptr;

cs::jobs::JobContext quietContext(std::shared_ptr<cs::jobs::CancelToken> token = std::make_shared<cs::jobs::CancelToken>()) {
    return cs::jobs::JobContext(std::move(token), [](const cs::jobs::Progress&) {});
}

// Exports three TorchScript models with Debian's python3-torch: a GRU4Rec-style recommender
// (raw item ids), one whose encode width does not fit score, and one without score.
const char* kExportScript = R"PY(
import sys, torch
out = sys.argv[1]
torch.manual_seed(0)
class GRU4Rec(torch.nn.Module):
    def __init__(self, num_items: int, d: int, score_in: int):
        super().__init__()
        self.num_items = num_items
        self.max_len = 50
        self.emb = torch.nn.Embedding(num_items + 1, d, padding_idx=0)
        self.gru = torch.nn.GRU(d, d, batch_first=True)
        self.out = torch.nn.Linear(score_in, num_items + 1)
    @torch.jit.export
    def encode(self, item_seq: torch.Tensor) -> torch.Tensor:
        h, _ = self.gru(self.emb(item_seq))
        return h[:, -1]
    @torch.jit.export
    def score(self, state: torch.Tensor) -> torch.Tensor:
        return self.out(state)
    def forward(self, item_seq: torch.Tensor) -> torch.Tensor:
        return self.score(self.encode(item_seq))
class NoScore(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.num_items = 10
    @torch.jit.export
    def encode(self, item_seq: torch.Tensor) -> torch.Tensor:
        return item_seq.float()
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x
torch.jit.script(GRU4Rec(1600, 32, 32)).save(out + "/gru4rec.pt")
torch.jit.script(GRU4Rec(1600, 32, 48)).save(out + "/mismatch.pt")
torch.jit.script(NoScore()).save(out + "/noscore.pt")
)PY";

class RecSaePipeline : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        if (shared) return;
        shared = new Shared();
        auto& s = *shared;
        s.dir = std::string(CS_TEST_TMP) + "/recsae_pipeline";
        fs::remove_all(s.dir);
        fs::create_directories(s.dir);
        // A smaller demo than the CLI's default keeps the suite to a few minutes on 2 cores.
        cs::sae::DemoDataOptions demo;
        demo.numItems = 500;
        demo.numTags = 16;
        demo.numUsers = 1000;
        demo.minLength = 20;
        demo.maxLength = 30;
        s.files = cs::sae::generateDemoData(s.dir, 7, demo);
        auto log = cs::data::loadInteractions(s.files.sasrec);
        cs::sae::SasRecConfig config;
        config.epochs = 12;
        s.model = s.dir + "/sasrec.pt";
        s.sasrec = cs::sae::trainSasRec(log, s.model, config);

        cs::sae::RecSaeOptions options;
        s.project = s.dir + "/demo.cstudio";
        options.projectPath = s.project;
        options.modelPath = s.model;
        options.interactionsPath = s.files.sasrec;
        options.itemMetaPath = s.files.itemMeta;
        options.sae.epochs = 10;
        cs::sae::RecSaeJob job(options);
        auto context = quietContext();
        job.run(context);
        s.summary = job.summary();
        s.runId = job.runId();

        std::ofstream(s.dir + "/export.py") << kExportScript;
        const std::string cmd = std::string(CS_PYTHON) + " " + s.dir + "/export.py " + s.dir + " 2> " + s.dir + "/export.err";
        if (std::system(cmd.c_str()) != 0) s.pythonError = "python export failed, see " + s.dir + "/export.err";
    }
};

}  // namespace

TEST_F(RecSaePipeline, SasRecBeatsPopularityTwice) {
    const auto& r = shared->sasrec;
    std::printf("SASRec test NDCG@10 %.4f HR@10 %.4f, popularity NDCG@10 %.4f; epochs %d (best %d), train %.1f s\n",
                r.test.ndcg10, r.test.hr10, r.popularityTest.ndcg10, r.epochsRun, r.bestEpoch, r.trainSeconds);
    EXPECT_GT(r.popularityTest.ndcg10, 0.0);
    EXPECT_GE(r.test.ndcg10, 2.0 * r.popularityTest.ndcg10);
    EXPECT_EQ(r.test.users, 1000);
    EXPECT_EQ(r.reloadMaxDifference, 0.0);
}

TEST_F(RecSaePipeline, SavedModelLoadsLikeAUserModel) {
    // The studio's own loader (cs_model) accepts the file as a sequential recommender.
    auto viaStudio = cs::model::loadRecommender(shared->model);
    auto viaSae = cs::sae::ProbedRecommender::load(shared->model);
    EXPECT_EQ(viaStudio->info().numItems, 500);
    EXPECT_EQ(viaSae->info().adapter, "torchscript-recommender");
    EXPECT_EQ(viaSae->maxLength(), 50);
    auto seq = torch::tensor(std::vector<int64_t>{0, 0, 3, 4, 5, 0, 1, 2, 3, 4}).view({2, 5});
    auto a = viaStudio->encode(seq), b = viaSae->encode(seq);
    ASSERT_EQ(a.sizes(), (std::vector<int64_t>{2, 64}));
    EXPECT_TRUE(torch::equal(a, b));
    EXPECT_EQ(viaSae->score(b).sizes(), (std::vector<int64_t>{2, 501}));
    EXPECT_EQ(viaSae->itemVocabulary().size(), 501u);
    // Left padding to any width gives the same state (positions are counted from the end).
    auto padded = torch::cat({torch::zeros({2, 7}, torch::kInt64), seq}, 1);
    EXPECT_LT((viaSae->encode(padded) - b).abs().max().item<double>(), 1e-5);
}

TEST_F(RecSaePipeline, SaeMeetsTheQualityBar) {
    const auto& s = shared->summary;
    std::printf("RecSAE: FVU %.4f, dead %.4f, L0 %.1f, NDCG@10 model %.4f reconstructed %.4f, confident %lld\n",
                s["fvu"].get<double>(), s["dead_fraction"].get<double>(), s["l0"].get<double>(),
                s["ndcg10_model"].get<double>(), s["ndcg10_reconstructed"].get<double>(),
                static_cast<long long>(s["confident_latents"].get<int64_t>()));
    EXPECT_EQ(s["n_latents"], 64 * 32);
    EXPECT_EQ(s["k"], 32);
    EXPECT_LE(s["fvu"].get<double>(), 0.1);
    EXPECT_LE(s["dead_fraction"].get<double>(), 0.05);
    EXPECT_GT(s["l0"].get<double>(), 1.0);
    EXPECT_LE(s["l0"].get<double>(), 32.0);
    EXPECT_GE(s["ndcg10_reconstructed"].get<double>(), 0.95 * s["ndcg10_model"].get<double>());
    EXPECT_NEAR(s["ndcg10_model"].get<double>(), shared->sasrec.test.ndcg10, 1e-9);
    // Planted concepts: each tag is the top tag of some latent with confidence >= 0.8.
    int recovered = 0;
    for (const auto& tag : shared->files.tagNames) {
        bool found = false;
        for (const auto& l : s["latents"])
            if (!l["tags"].empty() && l["tags"][0] == tag && l["confidence"].get<double>() >= 0.8) found = true;
        recovered += found ? 1 : 0;
    }
    std::printf("planted tags recovered: %d / %zu\n", recovered, shared->files.tagNames.size());
    EXPECT_GE(recovered, static_cast<int>(std::ceil(0.8 * shared->files.tagNames.size())));
}

TEST_F(RecSaePipeline, TheRunIsStoredInOnePiece) {
    auto store = cs::store::ProjectStore::open(shared->project, true);
    auto run = store->run(shared->runId);
    ASSERT_TRUE(run);
    EXPECT_EQ(run->status, cs::store::RunStatus::Done);
    EXPECT_EQ(run->kind, "recsae");
    EXPECT_EQ(json::parse(run->summaryJson)["run_id"], shared->runId);
    auto latents = store->latents(shared->runId);
    ASSERT_EQ(latents.size(), 2048u);
    auto meta = json::parse(latents[0].metadataJson);
    EXPECT_TRUE(meta.contains("top_sequences"));
    for (const char* name : {"W_enc", "b_enc", "W_dec", "b_dec"}) {
        auto a = store->artifact(shared->runId, cs::store::ArtifactKind::Tensor, name);
        ASSERT_TRUE(a && a->tensor) << name;
    }
    EXPECT_EQ(store->artifact(shared->runId, cs::store::ArtifactKind::Tensor, "W_dec")->tensor->shape, (std::vector<int64_t>{2048, 64}));
    auto tree = store->artifact(shared->runId, cs::store::ArtifactKind::Tree, "latent_hierarchy");
    ASSERT_TRUE(tree);
    auto t = json::parse(tree->bytes);
    EXPECT_EQ(t["name"], "latents");
    EXPECT_FALSE(t["children"].empty());
    EXPECT_TRUE(store->artifact(shared->runId, cs::store::ArtifactKind::Histogram, "latent_log10_frequency"));
    EXPECT_FALSE(store->artifacts(shared->runId, cs::store::ArtifactKind::Ablation).empty());
}

TEST_F(RecSaePipeline, AblationJobChangesTheLatentsOwnTag) {
    // The most confident latent with a tag: ablating it must not push its own tag up.
    int64_t latent = -1;
    std::string tag;
    double best = -1;
    for (const auto& l : shared->summary["latents"])
        if (!l["tags"].empty() && l["confidence"].get<double>() > best) {
            best = l["confidence"].get<double>();
            latent = l["id"].get<int64_t>();
            tag = l["tags"][0].get<std::string>();
        }
    ASSERT_GE(latent, 0);
    cs::sae::AblationRequest request;
    request.projectPath = shared->project;
    request.runId = shared->runId;
    request.latent = latent;
    request.scale = 0.0;
    cs::sae::LatentAblationJob job(request);
    auto context = quietContext();
    job.run(context);
    const auto& r = job.result();
    EXPECT_GT(r["users"].get<int64_t>(), 0);
    EXPECT_LE(r["mean_overlap"].get<double>(), 1.0);
    EXPECT_FALSE(r["examples"].empty());
    for (const auto& rose : r["tags_rose"]) EXPECT_NE(rose["tag"], tag) << r.dump();
    request.latent = 99999;
    cs::sae::LatentAblationJob bad(request);
    EXPECT_THROW(bad.run(context), cs::Error);
}

TEST_F(RecSaePipeline, CancelledRunIsMarkedCancelled) {
    cs::sae::RecSaeOptions options;
    options.projectPath = shared->dir + "/cancel.cstudio";
    options.modelPath = shared->model;
    options.interactionsPath = shared->files.sasrec;
    auto token = std::make_shared<cs::jobs::CancelToken>();
    cs::jobs::JobContext context(token, [token](const cs::jobs::Progress& p) {
        if (p.stage != "load") token->cancel();
    });
    cs::sae::RecSaeJob job(options);
    EXPECT_THROW(job.run(context), cs::Cancelled);
    auto store = cs::store::ProjectStore::open(options.projectPath, true);
    auto run = store->run(job.runId());
    ASSERT_TRUE(run);
    EXPECT_EQ(run->status, cs::store::RunStatus::Cancelled);
    EXPECT_TRUE(store->latents(job.runId()).empty());
}

TEST_F(RecSaePipeline, OutOfRangeSizesAreRefusedBeforeARun) {
    for (auto [expansion, k] : std::vector<std::pair<int64_t, int64_t>>{{32, 0}, {32, 5000}, {0, 32}, {100000, 32}}) {
        cs::sae::RecSaeOptions options;
        options.projectPath = shared->dir + "/sizes.cstudio";
        options.modelPath = shared->model;
        options.interactionsPath = shared->files.sasrec;
        options.sae.expansion = expansion;
        options.sae.k = k;
        cs::sae::RecSaeJob job(options);
        auto context = quietContext();
        EXPECT_THROW(job.run(context), cs::Error) << expansion << " " << k;
        EXPECT_EQ(job.runId(), 0);
    }
}

TEST_F(RecSaePipeline, PythonGru4RecIsProbedThroughTheSamePath) {
    ASSERT_TRUE(shared->pythonError.empty()) << shared->pythonError;
    cs::sae::RecSaeOptions options;
    options.projectPath = shared->dir + "/gru.cstudio";
    options.modelPath = shared->dir + "/gru4rec.pt";
    options.interactionsPath = shared->files.rechorus;  // another format, raw item ids
    options.format = "rechorus";
    options.itemMetaPath = shared->files.itemMeta;
    options.sae.expansion = 8;
    options.sae.k = 8;
    options.sae.epochs = 3;
    options.maxTrainStates = 4000;
    cs::sae::RecSaeJob job(options);
    auto context = quietContext();
    job.run(context);
    const auto& s = job.summary();
    EXPECT_EQ(s["n_latents"], 32 * 8);
    EXPECT_EQ(s["state_dim"], 32);
    EXPECT_EQ(s["users"], 1000);
    EXPECT_LT(s["fvu"].get<double>(), 1.0);
    EXPECT_GT(s["ndcg10_model"].get<double>(), 0.0);
}

TEST_F(RecSaePipeline, ModelsOutsideTheConventionAreRefused) {
    ASSERT_TRUE(shared->pythonError.empty()) << shared->pythonError;
    auto expectError = [&](const std::string& model, const std::string& part) {
        cs::sae::RecSaeOptions options;
        options.projectPath = shared->dir + "/bad.cstudio";
        options.modelPath = model;
        options.interactionsPath = shared->files.sasrec;
        cs::sae::RecSaeJob job(options);
        auto context = quietContext();
        try {
            job.run(context);
            FAIL() << model;
        } catch (const cs::Error& e) {
            EXPECT_NE(std::string(e.what()).find(part), std::string::npos) << e.what();
            EXPECT_NE(std::string(e.what()).find(model), std::string::npos) << e.what();
        }
    };
    // cs_model's messages, the same craft and `models` give (see also sae_model_loading_test).
    expectError(shared->dir + "/mismatch.pt", "score(state) does not accept the states encode(item_seq) returns (shape [2, 32])");
    expectError(shared->dir + "/noscore.pt", "method score(state: Tensor) -> Tensor is missing");
    expectError(shared->files.itemMeta, "is not a TorchScript archive");
}
