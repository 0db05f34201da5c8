// Sweeps end to end on a real one-node Slurm cluster (tests/support/slurm_cluster.h) and on this
// machine's cores (docs/cluster.md): a 3-class CRAFT sweep and a 2x2 RecSAE grid submitted with
// --executor slurm, waited for and merged, hold the same concepts and latents as the same shards
// run with --executor local; a shard killed with scancel is reported failed and --resume completes
// the sweep; the merge refuses a corrupt shard and leaves the target unchanged; merging twice adds
// nothing.
#include "cli_runner.h"
#include "slurm_cluster.h"
#include "small_recsae_project.h"

#include "store/project_store.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <sqlite3.h>

#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <random>
#include <thread>

namespace fs = std::filesystem;
using nlohmann::json;
using cs::testing::runCli;
using namespace std::chrono_literals;

namespace {

const fs::path kDir = fs::path(CS_TEST_TMP) / "sweep-slurm";

std::string shellArg(const fs::path& path) { return "'" + path.string() + "'"; }

// An MNIST-style IDX image file with random content (1 channel, size x size).
void writeIdx(const fs::path& path, int count, int size) {
    std::ofstream out(path, std::ios::binary);
    auto be32 = [&](uint32_t v) {
        const unsigned char b[4] = {static_cast<unsigned char>(v >> 24), static_cast<unsigned char>(v >> 16),
                                    static_cast<unsigned char>(v >> 8), static_cast<unsigned char>(v)};
        out.write(reinterpret_cast<const char*>(b), 4);
    };
    be32(0x00000803);
    be32(count);
    be32(size);
    be32(size);
    std::mt19937 rng(11);
    std::string pixels(static_cast<size_t>(count) * size * size, '\0');
    for (auto& p : pixels) p = static_cast<char>(rng() & 0xff);
    out.write(pixels.data(), static_cast<std::streamsize>(pixels.size()));
}

std::string fileBytes(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

json readJson(const fs::path& path) {
    std::ifstream in(path);
    return json::parse(in);
}

std::string scalar(sqlite3* db, const std::string& sql) {
    sqlite3_stmt* s = nullptr;
    EXPECT_EQ(sqlite3_prepare_v2(db, sql.c_str(), -1, &s, nullptr), SQLITE_OK) << sql;
    std::string out;
    if (sqlite3_step(s) == SQLITE_ROW && sqlite3_column_text(s, 0)) out = reinterpret_cast<const char*>(sqlite3_column_text(s, 0));
    sqlite3_finalize(s);
    return out;
}

// The done runs of a project keyed by what identifies a shard's run in its parameters.
std::map<std::string, cs::store::RunRecord> runsByKey(cs::store::ProjectStore& store, const std::vector<std::string>& keys) {
    std::map<std::string, cs::store::RunRecord> out;
    for (const auto& run : store.runs()) {
        if (run.status != cs::store::RunStatus::Done) continue;
        const json p = json::parse(run.parametersJson);
        std::string key;
        for (const auto& k : keys) key += k + "=" + p.at(k).dump() + " ";
        EXPECT_EQ(out.count(key), 0u) << "two runs for " << key;
        out[key] = run;
    }
    return out;
}

void expectSameConcepts(cs::store::ProjectStore& a, int64_t runA, cs::store::ProjectStore& b, int64_t runB) {
    const auto ca = a.concepts(runA), cb = b.concepts(runB);
    ASSERT_EQ(ca.size(), cb.size());
    ASSERT_FALSE(ca.empty());
    for (size_t i = 0; i < ca.size(); ++i) {
        EXPECT_EQ(ca[i].layer, cb[i].layer);
        EXPECT_EQ(ca[i].index, cb[i].index);
        EXPECT_EQ(ca[i].parentId.has_value(), cb[i].parentId.has_value());
        EXPECT_NEAR(ca[i].importance, cb[i].importance, 1e-6);
        ASSERT_EQ(ca[i].vector.data.size(), cb[i].vector.data.size());
        for (size_t v = 0; v < ca[i].vector.data.size(); ++v) EXPECT_NEAR(ca[i].vector.data[v], cb[i].vector.data[v], 1e-5);
    }
    EXPECT_EQ(a.crops(runA).size(), b.crops(runB).size());
}

void expectSameLatents(cs::store::ProjectStore& a, int64_t runA, cs::store::ProjectStore& b, int64_t runB) {
    const auto la = a.latents(runA), lb = b.latents(runB);
    ASSERT_EQ(la.size(), lb.size());
    ASSERT_FALSE(la.empty());
    for (size_t i = 0; i < la.size(); ++i) {
        EXPECT_EQ(la[i].index, lb[i].index);
        EXPECT_NEAR(la[i].frequency, lb[i].frequency, 1e-6);
        EXPECT_NEAR(la[i].confidence, lb[i].confidence, 1e-6);
        EXPECT_EQ(la[i].tagsJson, lb[i].tagsJson);
    }
    const json sa = json::parse(a.run(runA)->summaryJson), sb = json::parse(b.run(runB)->summaryJson);
    EXPECT_NEAR(sa.at("fvu").get<double>(), sb.at("fvu").get<double>(), 1e-6);
}

std::string integrity(const fs::path& project) {
    auto store = cs::store::ProjectStore::open(project.string(), true);
    return scalar(store->handle(), "PRAGMA integrity_check");
}

class SweepOnSlurm : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        fs::remove_all(kDir);
        fs::create_directories(kDir);
        try {
            cluster_ = std::make_unique<cs::testing::SlurmCluster>((kDir / "cluster").string());
        } catch (const std::exception& e) {
            clusterError_ = e.what();
        }
        const std::string exportCmd = std::string(CS_PYTHON) + " " + CS_EXPORT_SCRIPT + " " + (kDir / "tiny.pt").string() + " 1 32 3 0";
        modelExported_ = std::system(exportCmd.c_str()) == 0;
        writeIdx(kDir / "images.idx", 64, 32);
    }
    static void TearDownTestSuite() { cluster_.reset(); }

    void SetUp() override {
        ASSERT_TRUE(cluster_) << "the test cluster did not start: " << clusterError_;
        ASSERT_TRUE(modelExported_) << "the test model was not exported";
    }

    static std::string craftPlan(const fs::path& dir, const std::string& classes, int maxImages) {
        return "sweep plan --out " + shellArg(dir) + " craft --model " + shellArg(kDir / "tiny.pt") + " --images " + shellArg(kDir / "images.idx") +
               " --classes " + classes + " --layer block2 --concepts 3 --patch-size 12 --sobol-designs 8 --map-images 1 --seed 5 --max-images " +
               std::to_string(maxImages);
    }

    static json status(const fs::path& dir) {
        const auto r = runCli("sweep status " + shellArg(dir) + " --json");
        EXPECT_EQ(r.exitCode, 0) << r.err;
        return json::parse(r.out, nullptr, false);
    }

    static inline std::unique_ptr<cs::testing::SlurmCluster> cluster_;
    static inline std::string clusterError_;
    static inline bool modelExported_ = false;
};

TEST_F(SweepOnSlurm, CraftSweepOnSlurmHoldsWhatTheLocalExecutorMakes) {
    const fs::path onSlurm = kDir / "craft-slurm", here = kDir / "craft-local";
    for (const auto& dir : {onSlurm, here}) {
        const auto plan = runCli(craftPlan(dir, "0-2", 6));
        ASSERT_EQ(plan.exitCode, 0) << plan.err;
    }
    // The manifest: one ordinary craft invocation per class, writing its own shard project.
    const json manifest = readJson(onSlurm / "manifest.json");
    ASSERT_EQ(manifest["shards"].size(), 3u);
    for (int i = 0; i < 3; ++i) {
        const auto args = manifest["shards"][i]["arguments"].get<std::vector<std::string>>();
        ASSERT_FALSE(args.empty());
        EXPECT_EQ(args[0], "craft");
        const auto cls = std::find(args.begin(), args.end(), "--class");
        ASSERT_NE(cls, args.end());
        EXPECT_EQ(*(cls + 1), std::to_string(i));
        EXPECT_EQ(manifest["shards"][i]["model_sha256"].get<std::string>().size(), 64u);
        EXPECT_EQ(manifest["shards"][i]["seed"], 5);
    }
    std::vector<std::string> planned;
    for (const auto& entry : fs::directory_iterator(onSlurm)) planned.push_back(entry.path().filename().string());
    EXPECT_EQ(planned, std::vector<std::string>{"manifest.json"}) << "plan writes the manifest and nothing else";

    const auto submit = runCli("sweep run " + shellArg(onSlurm) + " --executor slurm -j 2 --cpus-per-task 1 --time 00:10:00 --partition " +
                               cluster_->partition() + " --sbatch-arg=--comment=sweep-test");
    ASSERT_EQ(submit.exitCode, 0) << submit.out << submit.err;
    const json submissions = readJson(onSlurm / "submissions.json");
    ASSERT_EQ(submissions["submissions"].size(), 1u);
    const std::string jobId = submissions["submissions"][0]["job_id"];
    EXPECT_FALSE(jobId.empty());
    const std::string script = fileBytes(submissions["submissions"][0]["script"].get<std::string>());
    EXPECT_NE(script.find("#SBATCH --array=0-2%2\n"), std::string::npos) << script;
    EXPECT_NE(script.find("#SBATCH --comment=sweep-test\n"), std::string::npos) << script;
    EXPECT_NE(script.find("sweep exec '" + onSlurm.string() + "' --shard \"$SLURM_ARRAY_TASK_ID\""), std::string::npos) << script;

    const auto waited = runCli("sweep wait " + shellArg(onSlurm) + " --timeout 300");
    ASSERT_EQ(waited.exitCode, 0) << waited.out << waited.err << status(onSlurm).dump(2);
    const json done = status(onSlurm);
    EXPECT_EQ(done["counts"]["done"], 3);
    for (int i = 0; i < 3; ++i) EXPECT_EQ(done["shards"][i]["job_id"], jobId + "_" + std::to_string(i));

    const auto local = runCli("sweep run " + shellArg(here) + " --executor local -j 2");
    ASSERT_EQ(local.exitCode, 0) << local.out << local.err;
    EXPECT_EQ(status(here)["counts"]["done"], 3);

    const fs::path mergedSlurm = kDir / "craft-slurm.cstudio", mergedLocal = kDir / "craft-local.cstudio";
    for (const auto& [dir, into] : {std::pair{onSlurm, mergedSlurm}, std::pair{here, mergedLocal}}) {
        fs::remove(into);
        const auto merged = runCli("sweep merge " + shellArg(dir) + " --into " + shellArg(into));
        ASSERT_EQ(merged.exitCode, 0) << merged.err;
        EXPECT_EQ(integrity(into), "ok");
    }
    {
        auto a = cs::store::ProjectStore::open(mergedSlurm.string(), true);
        auto b = cs::store::ProjectStore::open(mergedLocal.string(), true);
        const auto runsA = runsByKey(*a, {"class_index"}), runsB = runsByKey(*b, {"class_index"});
        ASSERT_EQ(runsA.size(), 3u);
        ASSERT_EQ(runsB.size(), 3u);
        for (const auto& [key, run] : runsA) {
            SCOPED_TRACE(key);
            ASSERT_EQ(runsB.count(key), 1u);
            expectSameConcepts(*a, run.id, *b, runsB.at(key).id);
        }
    }

    // Merging the same shards again adds nothing.
    const std::string before = fileBytes(mergedSlurm);
    const auto again = runCli("sweep merge " + shellArg(onSlurm) + " --into " + shellArg(mergedSlurm));
    ASSERT_EQ(again.exitCode, 0) << again.err;
    EXPECT_NE(again.out.find("0 run(s) added, 3 already there"), std::string::npos) << again.out;

    // A corrupt shard is refused by name, and the target stays as it was.
    const fs::path corrupt = kDir / "corrupt-shard.cstudio";
    fs::copy_file(onSlurm / "shards" / "shard-0001.cstudio", corrupt, fs::copy_options::overwrite_existing);
    {
        const auto size = fs::file_size(corrupt);
        std::fstream out(corrupt, std::ios::in | std::ios::out | std::ios::binary);
        for (std::uintmax_t page = 1; page * 4096 < size; page += 2) {
            out.seekp(static_cast<std::streamoff>(page * 4096));
            out.write("\x0d\xff\xff\xff\xff\xff\xff\xff", 8);
        }
    }
    const std::string targetBefore = fileBytes(mergedSlurm);
    const auto refused = runCli("merge --into " + shellArg(mergedSlurm) + " " + shellArg(onSlurm / "shards" / "shard-0000.cstudio") + " " + shellArg(corrupt));
    EXPECT_EQ(refused.exitCode, 1) << refused.out << refused.err;
    EXPECT_NE(refused.err.find(corrupt.string()), std::string::npos) << refused.err;
    EXPECT_EQ(fileBytes(mergedSlurm), targetBefore);
}

TEST_F(SweepOnSlurm, RecSaeGridOnSlurmHoldsWhatTheLocalExecutorMakes) {
    const auto small = cs::testing::buildSmallRecSaeProject((kDir / "recsae-data").string());
    const fs::path onSlurm = kDir / "recsae-slurm", here = kDir / "recsae-local";
    for (const auto& dir : {onSlurm, here}) {
        const auto plan = runCli("sweep plan --out " + shellArg(dir) + " recsae --model " + shellArg(small.model) + " --interactions " +
                                 shellArg(small.interactions) + " --item-meta " + shellArg(small.itemMeta) +
                                 " --latents 32,64 --k 4 --seeds 1,2 --epochs 2");
        ASSERT_EQ(plan.exitCode, 0) << plan.err;
    }
    EXPECT_EQ(readJson(onSlurm / "manifest.json")["shards"].size(), 4u);

    const auto submit = runCli("sweep run " + shellArg(onSlurm) + " --executor slurm --cpus-per-task 1");
    ASSERT_EQ(submit.exitCode, 0) << submit.out << submit.err;
    const auto waited = runCli("sweep wait " + shellArg(onSlurm) + " --timeout 300");
    ASSERT_EQ(waited.exitCode, 0) << waited.out << waited.err << status(onSlurm).dump(2);
    const auto local = runCli("sweep run " + shellArg(here) + " --executor local -j 2");
    ASSERT_EQ(local.exitCode, 0) << local.out << local.err;

    const fs::path mergedSlurm = kDir / "recsae-slurm.cstudio", mergedLocal = kDir / "recsae-local.cstudio";
    for (const auto& [dir, into] : {std::pair{onSlurm, mergedSlurm}, std::pair{here, mergedLocal}}) {
        fs::remove(into);
        const auto merged = runCli("sweep merge " + shellArg(dir) + " --into " + shellArg(into));
        ASSERT_EQ(merged.exitCode, 0) << merged.err;
        EXPECT_EQ(integrity(into), "ok");
    }
    auto a = cs::store::ProjectStore::open(mergedSlurm.string(), true);
    auto b = cs::store::ProjectStore::open(mergedLocal.string(), true);
    const auto runsA = runsByKey(*a, {"latents", "k", "seed"}), runsB = runsByKey(*b, {"latents", "k", "seed"});
    ASSERT_EQ(runsA.size(), 4u);
    ASSERT_EQ(runsB.size(), 4u);
    // The merged runs stay one sweep, each with its grid point.
    ASSERT_EQ(a->sweeps().size(), 1u);
    EXPECT_EQ(a->sweeps()[0].kind, "recsae");
    const auto members = a->sweepRuns(a->sweeps()[0].id);
    ASSERT_EQ(members.size(), 4u);
    EXPECT_NE(members[0].shardName.find("latents 32, k 4, seed 1"), std::string::npos) << members[0].shardName;
    for (const auto& member : members)
        EXPECT_EQ(json::parse(a->run(member.runId)->summaryJson)["n_latents"], member.shardName.find("latents 64") != std::string::npos ? 64 : 32);
    for (const auto& [key, run] : runsA) {
        SCOPED_TRACE(key);
        ASSERT_EQ(runsB.count(key), 1u);
        expectSameLatents(*a, run.id, *b, runsB.at(key).id);
    }
}

TEST_F(SweepOnSlurm, ScancelledShardIsReportedFailedAndResumeCompletesTheSweep) {
    const fs::path dir = kDir / "craft-cancel";
    // Enough images that the shard is still running when it is cancelled, also on an idle machine.
    writeIdx(kDir / "many.idx", 3000, 32);
    auto plan = runCli("sweep plan --out " + shellArg(dir) + " craft --model " + shellArg(kDir / "tiny.pt") + " --images " +
                       shellArg(kDir / "many.idx") + " --classes 0 --layer block2 --concepts 3 --patch-size 8 --sobol-designs 32 --map-images 0 --max-images 3000");
    ASSERT_EQ(plan.exitCode, 0) << plan.err;
    ASSERT_EQ(runCli("sweep run " + shellArg(dir) + " --executor slurm --cpus-per-task 1").exitCode, 0);
    const std::string jobId = readJson(dir / "submissions.json")["submissions"][0]["job_id"];

    // Cancel the shard once `sweep exec` has started its run (it records that first).
    const auto deadline = std::chrono::steady_clock::now() + 120s;
    while (!fs::exists(dir / "state" / "shard-0000.json") && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(50ms);
    ASSERT_EQ(status(dir)["shards"][0]["state"], "running");
    ASSERT_EQ(cluster_->tool({"scancel", jobId + "_0"}), 0);

    const auto waited = runCli("sweep wait " + shellArg(dir) + " --timeout 120");
    EXPECT_EQ(waited.exitCode, 1) << waited.out << waited.err;
    const json failed = status(dir);
    ASSERT_EQ(failed["shards"][0]["state"], "failed") << failed.dump(2);
    EXPECT_EQ(failed["shards"][0]["job_id"], jobId + "_0");
    EXPECT_FALSE(failed["shards"][0]["reason"].get<std::string>().empty());
    EXPECT_FALSE(failed["shards"][0]["log_tail"].empty());
    const auto text = runCli("sweep status " + shellArg(dir));
    EXPECT_NE(text.out.find("failed"), std::string::npos) << text.out;
    // Merging an unfinished sweep is refused unless asked for.
    EXPECT_EQ(runCli("sweep merge " + shellArg(dir) + " --into " + shellArg(kDir / "cancel.cstudio")).exitCode, 1);

    // Without --resume a sweep that ran is not run again.
    EXPECT_EQ(runCli("sweep run " + shellArg(dir) + " --executor slurm").exitCode, 2);
    const auto resumed = runCli("sweep run " + shellArg(dir) + " --executor slurm --resume --cpus-per-task 2");
    ASSERT_EQ(resumed.exitCode, 0) << resumed.out << resumed.err;
    const json submissions = readJson(dir / "submissions.json");
    ASSERT_EQ(submissions["submissions"].size(), 2u);
    EXPECT_EQ(submissions["submissions"][1]["shards"], json::array({0}));
    const auto finished = runCli("sweep wait " + shellArg(dir) + " --timeout 600");
    ASSERT_EQ(finished.exitCode, 0) << finished.out << finished.err << status(dir).dump(2);
    const fs::path merged = kDir / "cancel.cstudio";
    fs::remove(merged);
    ASSERT_EQ(runCli("sweep merge " + shellArg(dir) + " --into " + shellArg(merged)).exitCode, 0);
    auto store = cs::store::ProjectStore::open(merged.string(), true);
    ASSERT_EQ(store->runs().size(), 1u) << "the cancelled attempt's unfinished project was replaced, not merged";
    EXPECT_EQ(store->runs()[0].status, cs::store::RunStatus::Done);
}

}  // namespace
