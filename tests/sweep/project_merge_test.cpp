// Merging shard projects (core/sweep/project_merge.h) on projects written here through the store:
// ids collide between shards on purpose, so every remapped reference is checked against what it
// pointed at in its shard.
#include "sweep/project_merge.h"

#include "common/error.h"
#include "store/project_store.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <sqlite3.h>

#include <filesystem>
#include <fstream>
#include <map>

namespace fs = std::filesystem;
using cs::store::ProjectStore;
using nlohmann::json;

namespace {

const fs::path kDir = fs::path(CS_TEST_TMP) / "sweep-merge";

std::string fresh(const std::string& name) {
    fs::create_directories(kDir);
    const fs::path p = kDir / name;
    for (const char* suffix : {"", "-wal", "-shm"}) fs::remove(p.string() + suffix);
    return p.string();
}

void exec(sqlite3* db, const std::string& sql) {
    char* error = nullptr;
    ASSERT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &error), SQLITE_OK) << (error ? error : "");
}

std::string scalar(sqlite3* db, const std::string& sql) {
    sqlite3_stmt* s = nullptr;
    EXPECT_EQ(sqlite3_prepare_v2(db, sql.c_str(), -1, &s, nullptr), SQLITE_OK) << sql;
    std::string out;
    if (sqlite3_step(s) == SQLITE_ROW && sqlite3_column_text(s, 0)) out = reinterpret_cast<const char*>(sqlite3_column_text(s, 0));
    sqlite3_finalize(s);
    return out;
}

// A shard like a CRAFT shard: a run with crops, a two-level concept tree, a label on a concept, thumbnails and a tree artifact that name
// concepts by row id, and a RecSAE-like run with latents and a latent label. `tag` makes its
// values tell the shards apart; `padding` rows shift its ids so they collide differently.
void writeShard(const std::string& path, const std::string& tag, int padding, const std::string& modelSha = "sha-model") {
    auto store = ProjectStore::create(path);
    const int64_t model = store->addModel({0, "/models/m.pt", modelSha, "torchscript-split", "vision", "{}"});
    const int64_t dataset = store->addDataset({0, "/data/" + tag, "idx", "{}"});
    for (int i = 0; i < padding; ++i) store->createRun("craft", "{}", model, dataset);  // queued, never finished
    const int64_t run = store->createRun("craft", json{{"class", tag}}.dump(), model, dataset);
    store->completeRun(run, "{}", [&] {
        std::vector<int64_t> crops;
        for (int c = 0; c < 3; ++c)
            crops.push_back(store->addCrop({0, run, tag + "/img" + std::to_string(c), c, c, 8, 8, {{2}, {float(c), 1.f}}}));
        cs::store::ConceptRecord parent;
        parent.runId = run;
        parent.layer = "block2";
        parent.label = tag + " parent";
        parent.importance = 0.9;
        parent.vector = {{2}, {1.f, 2.f}};
        parent.metadataJson = json{{"top_crops", json::array({json{{"crop_id", crops[2]}}})}}.dump();
        const int64_t parentId = store->addConcept(parent);
        cs::store::ConceptRecord child = parent;
        child.layer = "block1";
        child.label = tag + " child";
        child.parentId = parentId;
        child.metadataJson = json{{"top_crops", json::array({json{{"crop_id", crops[0]}}})}}.dump();
        const int64_t childId = store->addConcept(child);
        exec(store->handle(), "INSERT INTO labels(run_id, target, target_id, text, updated_at) VALUES (" + std::to_string(run) +
                                  ", 'concept', " + std::to_string(childId) + ", '" + tag + " wheel', 'now')");
        cs::store::ArtifactRecord thumb;
        thumb.runId = run;
        thumb.kind = cs::store::ArtifactKind::Thumbnail;
        thumb.name = "concept" + std::to_string(childId) + "#0";
        thumb.mime = "image/png";
        thumb.bytes = "png of " + tag;
        thumb.metadataJson = json{{"concept_id", childId}, {"crop_id", crops[0]}}.dump();
        store->addArtifact(thumb);
        cs::store::ArtifactRecord tree;
        tree.runId = run;
        tree.kind = cs::store::ArtifactKind::Tree;
        tree.name = "concept-tree";
        tree.mime = "application/json";
        tree.bytes = json{{"run_id", run},
                          {"nodes", json::array({json{{"id", parentId}, {"parent", nullptr}}, json{{"id", childId}, {"parent", parentId}}})}}
                         .dump();
        store->addArtifact(tree);
    });
    exec(store->handle(), "UPDATE runs SET summary = '" +
                              json{{"run_id", run}, {"concepts", json::array({json{{"id", store->concepts(run).front().id}}})}}.dump() +
                              "' WHERE id = " + std::to_string(run));
    const int64_t recsae = store->createRun("recsae", "{}", model, dataset);
    store->completeRun(recsae, "{}", [&] {
        for (int l = 0; l < 4; ++l) store->addLatent({0, recsae, l, 0.1 * l, 0.5, 0.5, 0.5, "[]", "{}"});
        const int64_t third = store->latents(recsae)[2].id;
        exec(store->handle(), "INSERT INTO labels(run_id, target, target_id, text, updated_at) VALUES (" + std::to_string(recsae) +
                                  ", 'latent', " + std::to_string(third) + ", '" + tag + " latent two', 'now')");
    });
}

std::string fileBytes(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

std::string mergeError(const std::string& target, const std::vector<std::string>& shards, const cs::sweep::MergeOptions& options = {}) {
    try {
        cs::sweep::mergeProjects(target, shards, options);
    } catch (const cs::Error& e) {
        return e.what();
    }
    ADD_FAILURE() << "the merge was expected to refuse";
    return {};
}

}  // namespace

TEST(ProjectMerge, RemapsEveryReferenceAndMergingTwiceAddsNothing) {
    const std::string a = fresh("a.cstudio"), b = fresh("b.cstudio"), target = fresh("merged.cstudio");
    writeShard(a, "alpha", 0);
    writeShard(b, "beta", 2);
    const auto report = cs::sweep::mergeProjects(target, {a, b});
    EXPECT_EQ(report.runsAdded(), 2 + 4);  // b's two unfinished runs come along, as they are
    EXPECT_EQ(report.runsSkipped(), 0);

    auto merged = ProjectStore::open(target);
    EXPECT_EQ(scalar(merged->handle(), "PRAGMA integrity_check"), "ok");
    EXPECT_EQ(scalar(merged->handle(), "PRAGMA foreign_key_check"), "");
    EXPECT_EQ(merged->models().size(), 1u) << "the same model file is one row";
    EXPECT_EQ(merged->datasets().size(), 2u);

    for (const std::string tag : {"alpha", "beta"}) {
        SCOPED_TRACE(tag);
        const std::string run = scalar(merged->handle(), "SELECT id FROM runs WHERE parameters LIKE '%" + tag + "%'");
        ASSERT_FALSE(run.empty());
        const int64_t runId = std::stoll(run);
        const auto concepts = merged->concepts(runId);
        ASSERT_EQ(concepts.size(), 2u);
        std::map<std::string, cs::store::ConceptRecord> byLabel;
        for (const auto& c : concepts) byLabel[c.label] = c;
        const auto& parent = byLabel.at(tag + " parent");
        const auto& child = byLabel.at(tag + " child");
        ASSERT_TRUE(child.parentId.has_value());
        EXPECT_EQ(*child.parentId, parent.id);
        EXPECT_FALSE(parent.parentId.has_value());
        // Crop references in concept metadata land on the crop they named in the shard.
        const int64_t cropId = json::parse(child.metadataJson)["top_crops"][0]["crop_id"].get<int64_t>();
        EXPECT_EQ(scalar(merged->handle(), "SELECT source_image FROM crops WHERE id = " + std::to_string(cropId)), tag + "/img0");
        EXPECT_EQ(scalar(merged->handle(), "SELECT run_id FROM crops WHERE id = " + std::to_string(cropId)), run);
        // The label follows its concept.
        EXPECT_EQ(scalar(merged->handle(), "SELECT target_id FROM labels WHERE text = '" + tag + " wheel'"), std::to_string(child.id));
        // Artifact names, metadata, the tree and the summary name the new ids.
        const auto thumb = merged->artifact(runId, cs::store::ArtifactKind::Thumbnail, "concept" + std::to_string(child.id) + "#0");
        ASSERT_TRUE(thumb.has_value());
        EXPECT_EQ(json::parse(thumb->metadataJson)["concept_id"].get<int64_t>(), child.id);
        EXPECT_EQ(json::parse(thumb->metadataJson)["crop_id"].get<int64_t>(), cropId);
        const auto full = merged->artifact(thumb->id);
        EXPECT_EQ(full->bytes, "png of " + tag);
        const auto tree = merged->artifact(runId, cs::store::ArtifactKind::Tree, "concept-tree");
        const json treeJson = json::parse(tree->bytes);
        EXPECT_EQ(treeJson["run_id"].get<int64_t>(), runId);
        EXPECT_EQ(treeJson["nodes"][1]["id"].get<int64_t>(), child.id);
        EXPECT_EQ(treeJson["nodes"][1]["parent"].get<int64_t>(), parent.id);
        const json summary = json::parse(merged->run(runId)->summaryJson);
        EXPECT_EQ(summary["run_id"].get<int64_t>(), runId);
        EXPECT_EQ(summary["concepts"][0]["id"].get<int64_t>(), parent.id);
        // The latent label names the third latent of its own run.
        const std::string latent = scalar(merged->handle(), "SELECT target_id FROM labels WHERE text = '" + tag + " latent two'");
        EXPECT_EQ(scalar(merged->handle(), "SELECT idx FROM latents WHERE id = " + latent), "2");
    }
    const std::string runsBefore = scalar(merged->handle(), "SELECT count(*) FROM runs");
    const std::string artifactsBefore = scalar(merged->handle(), "SELECT count(*) FROM artifacts");
    merged.reset();

    const auto again = cs::sweep::mergeProjects(target, {b, a});
    EXPECT_EQ(again.runsAdded(), 0);
    EXPECT_EQ(again.runsSkipped(), 6);
    merged = ProjectStore::open(target);
    EXPECT_EQ(scalar(merged->handle(), "SELECT count(*) FROM runs"), runsBefore);
    EXPECT_EQ(scalar(merged->handle(), "SELECT count(*) FROM artifacts"), artifactsBefore);
    EXPECT_EQ(scalar(merged->handle(), "SELECT count(*) FROM models"), "1");
}

// `sweep merge` names the sweep and each shard: the target groups the shards' runs as one sweep,
// also across two merges (the second adds no run and no link).
TEST(ProjectMerge, RecordsTheSweepAndEachRunsShardOnce) {
    const std::string a = fresh("sweep-a.cstudio"), b = fresh("sweep-b.cstudio"), target = fresh("sweep-merged.cstudio");
    writeShard(a, "alpha", 0);
    writeShard(b, "beta", 1);
    cs::sweep::MergeOptions options;
    cs::sweep::SweepMembership membership;
    membership.sweep.uuid = "4f1c9b2e-0000-4000-8000-000000000001";
    membership.sweep.kind = "craft";
    membership.sweep.name = "imagenet";
    membership.sweep.folder = "/sweeps/imagenet";
    membership.sweep.createdAt = "2026-12-02T10:00:00Z";
    membership.shards = {{0, "class alpha"}, {1, "class beta"}};
    options.sweep = membership;
    cs::sweep::mergeProjects(target, {a}, [&] {
        auto first = options;
        first.sweep->shards = {membership.shards[0]};
        return first;
    }());
    cs::sweep::mergeProjects(target, {a, b}, options);

    auto merged = ProjectStore::open(target);
    const auto sweeps = merged->sweeps();
    ASSERT_EQ(sweeps.size(), 1u);
    EXPECT_EQ(sweeps[0].name, "imagenet");
    EXPECT_EQ(sweeps[0].runCount, 2 + 3) << "a's two runs, b's three (one unfinished)";
    for (const auto& member : merged->sweepRuns(sweeps[0].id)) {
        const auto run = merged->run(member.runId);
        ASSERT_TRUE(run.has_value());
        if (run->kind == "craft" && run->parametersJson.find("alpha") != std::string::npos) EXPECT_EQ(member.shardName, "class alpha");
        if (run->kind == "craft" && run->parametersJson.find("beta") != std::string::npos) EXPECT_EQ(member.shardName, "class beta");
    }
    EXPECT_EQ(scalar(merged->handle(), "SELECT count(*) FROM sweep_runs"), "5");
    EXPECT_EQ(scalar(merged->handle(), "PRAGMA foreign_key_check"), "");
}

TEST(ProjectMerge, RefusesABadShardByNameAndLeavesTheTargetUntouched) {
    const std::string good = fresh("good.cstudio"), target = fresh("target.cstudio");
    writeShard(good, "good", 0);
    cs::sweep::mergeProjects(target, {good});
    const std::string before = fileBytes(target);
    ASSERT_FALSE(before.empty());

    // A damaged shard: a b-tree page of its artifacts overwritten.
    const std::string damaged = fresh("damaged.cstudio");
    writeShard(damaged, "damaged", 1);
    {
        auto store = ProjectStore::open(damaged);
        cs::store::ArtifactRecord big;
        big.runId = 1;
        big.kind = cs::store::ArtifactKind::Other;
        big.otherKind = "padding";
        big.mime = "application/octet-stream";
        for (int i = 0; i < 40; ++i) {
            big.name = "pad" + std::to_string(i);
            big.bytes = std::string(3000, char('a' + i % 26));
            store->addArtifact(big);
        }
    }
    {
        const std::string bytes = fileBytes(damaged);
        const size_t page = 4096, pages = bytes.size() / page;
        ASSERT_GT(pages, 10u);
        std::fstream out(damaged, std::ios::in | std::ios::out | std::ios::binary);
        for (size_t p = 2; p < pages; p += 3) {
            out.seekp(static_cast<std::streamoff>(p * page));
            out.write("\x0d\xff\xff\xff\xff\xff\xff\xff", 8);
        }
    }
    std::string error = mergeError(target, {good, damaged});
    EXPECT_NE(error.find(damaged), std::string::npos) << error;
    EXPECT_NE(error.find("damaged"), std::string::npos) << error;

    // A shard from a newer schema.
    const std::string newer = fresh("newer.cstudio");
    writeShard(newer, "newer", 0);
    {
        auto store = ProjectStore::open(newer);
        exec(store->handle(), "PRAGMA user_version = " + std::to_string(cs::store::kSchemaVersion + 1));
    }
    error = mergeError(target, {newer});
    EXPECT_NE(error.find(newer), std::string::npos) << error;
    EXPECT_NE(error.find("newer"), std::string::npos) << error;

    // A shard made with another model file than the sweep's.
    const std::string other = fresh("other-model.cstudio");
    writeShard(other, "other", 0, "sha-other");
    cs::sweep::MergeOptions sweepModel;
    sweepModel.expectedModelSha256 = {"sha-model"};
    error = mergeError(target, {good, other}, sweepModel);
    EXPECT_NE(error.find(other), std::string::npos) << error;
    EXPECT_NE(error.find("sha-other"), std::string::npos) << error;
    // The same shard with the right model is accepted under the same check.
    EXPECT_NO_THROW(cs::sweep::checkShard(good, sweepModel));

    // Not a project at all.
    const std::string text = (kDir / "notes.cstudio").string();
    std::ofstream(text) << "not a database";
    error = mergeError(target, {text});
    EXPECT_NE(error.find(text), std::string::npos) << error;

    EXPECT_EQ(fileBytes(target), before) << "a refused merge must not change the target";
    EXPECT_FALSE(fs::exists(target + "-wal") && fs::file_size(target + "-wal") > 0);
    // A refused merge into a new file creates nothing.
    const std::string never = fresh("never.cstudio");
    mergeError(never, {good, damaged});
    EXPECT_FALSE(fs::exists(never));
}
