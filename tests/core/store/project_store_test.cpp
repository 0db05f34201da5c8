#include "store/project_store.h"
#include "store/stored_run.h"

#include "common/error.h"

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

using namespace cs::store;
namespace fs = std::filesystem;

namespace {
std::string freshPath(const std::string& name) {
    const fs::path dir = fs::path(CS_TEST_TMP) / "store";
    fs::create_directories(dir);
    const fs::path p = dir / name;
    for (auto suffix : {"", "-wal", "-shm"}) fs::remove(p.string() + suffix);
    return p.string();
}

cs::TensorBlob blob(std::vector<int64_t> shape, std::vector<float> data) { return {std::move(shape), std::move(data)}; }

std::string expectError(const std::function<void()>& fn) {
    try {
        fn();
    } catch (const cs::Error& e) {
        return e.what();
    }
    ADD_FAILURE() << "expected cs::Error";
    return {};
}
}  // namespace

TEST(ProjectStore, CreatesWalProjectWithSchemaVersion) {
    const auto path = freshPath("new.cstudio");
    auto store = ProjectStore::create(path);
    EXPECT_EQ(store->schemaVersion(), kSchemaVersion);
    sqlite3_stmt* s = nullptr;
    sqlite3_prepare_v2(store->handle(), "PRAGMA journal_mode", -1, &s, nullptr);
    ASSERT_EQ(sqlite3_step(s), SQLITE_ROW);
    EXPECT_STREQ(reinterpret_cast<const char*>(sqlite3_column_text(s, 0)), "wal");
    sqlite3_finalize(s);
    sqlite3_prepare_v2(store->handle(), "PRAGMA foreign_keys", -1, &s, nullptr);
    ASSERT_EQ(sqlite3_step(s), SQLITE_ROW);
    EXPECT_EQ(sqlite3_column_int(s, 0), 1);
    sqlite3_finalize(s);
    EXPECT_NE(expectError([&] { ProjectStore::create(path); }).find("already exists"), std::string::npos);
}

TEST(ProjectStore, RunLifecycleAndResultsRoundTrip) {
    const auto path = freshPath("runs.cstudio");
    int64_t runId = 0;
    {
        auto store = ProjectStore::create(path);
        const int64_t model = store->addModel({0, "/m/model.pt", "abc", "torchscript-split", "vision", "{}"});
        EXPECT_EQ(store->addModel({0, "/m/model.pt", "abc", "x", "vision", "{}"}), model) << "deduplicated";
        runId = store->createRun("craft", R"({"concepts":3})", model);
        EXPECT_EQ(store->run(runId)->status, RunStatus::Queued);
        store->markRunning(runId);
        EXPECT_EQ(store->run(runId)->status, RunStatus::Running);
        store->completeRun(runId, R"({"ok":true})", [&] {
            ConceptRecord parent;
            parent.runId = runId;
            parent.layer = "layer4";
            parent.importance = 0.5;
            parent.vector = blob({3}, {1.f, 2.f, 3.f});
            const int64_t parentId = store->addConcept(parent);
            ConceptRecord child = parent;
            child.parentId = parentId;
            child.layer = "layer3";
            child.vector = blob({2}, {-1.5f, 0.25f});
            store->addConcept(child);
            store->addCrop({0, runId, "img.png", 1, 2, 64, 64, blob({3}, {0.f, 1.f, 2.f})});
            ArtifactRecord a;
            a.runId = runId;
            a.kind = ArtifactKind::Heatmap;
            a.name = "0";
            a.tensor = blob({2, 2}, {1, 2, 3, 4});
            store->addArtifact(a);
        });
    }
    auto store = ProjectStore::open(path);
    const auto run = store->run(runId);
    ASSERT_TRUE(run);
    EXPECT_EQ(run->status, RunStatus::Done);
    EXPECT_EQ(run->summaryJson, R"({"ok":true})");
    EXPECT_FALSE(run->finishedAt.empty());
    const auto concepts = store->concepts(runId);
    ASSERT_EQ(concepts.size(), 2u);
    EXPECT_EQ(concepts[1].parentId, concepts[0].id);
    EXPECT_EQ(concepts[1].vector.data, (std::vector<float>{-1.5f, 0.25f}));
    EXPECT_EQ(store->crops(runId).at(0).coefficients.shape, (std::vector<int64_t>{3}));
    const auto listed = store->artifacts(runId);
    ASSERT_EQ(listed.size(), 1u);
    EXPECT_FALSE(listed[0].tensor) << "listing does not load payloads";
    const auto full = store->artifact(runId, ArtifactKind::Heatmap, "0");
    ASSERT_TRUE(full && full->tensor);
    EXPECT_FLOAT_EQ(full->tensor->at({1, 0}), 3.f);
    // replaceArtifact keeps one artifact per (run, kind, name): a rerun of an ablation replaces it.
    ArtifactRecord json;
    json.runId = runId;
    json.kind = ArtifactKind::Ablation;
    json.name = "latent_3";
    json.mime = "application/json";
    json.bytes = R"({"v":1})";
    store->replaceArtifact(json);
    json.bytes = R"({"v":2})";
    store->replaceArtifact(json);
    ASSERT_EQ(store->artifacts(runId, ArtifactKind::Ablation).size(), 1u);
    EXPECT_EQ(store->artifact(runId, ArtifactKind::Ablation, "latent_3")->bytes, R"({"v":2})");
    EXPECT_EQ(store->artifacts(runId).size(), 2u) << "other artifacts are untouched";
    store->deleteRun(runId);
    EXPECT_TRUE(store->concepts(runId).empty()) << "cascade";
}

TEST(ArtifactKind, EveryKindRoundTripsThroughItsStoredText) {
    for (ArtifactKind kind : knownArtifactKinds()) {
        EXPECT_NE(std::string(toString(kind)), "other");
        EXPECT_EQ(artifactKindFromString(toString(kind)), kind) << toString(kind);
    }
    EXPECT_EQ(knownArtifactKinds().size(), 18u);
    EXPECT_EQ(std::string(toString(ArtifactKind::Heatmap)), "heatmap");
    EXPECT_EQ(std::string(toString(ArtifactKind::ConceptMapImplicit)), "concept_map_implicit");
    EXPECT_EQ(artifactKindFromString("plugin-saliency"), ArtifactKind::Other);
    EXPECT_EQ(artifactKindFromString(""), ArtifactKind::Other);
    EXPECT_EQ(artifactKindFromString("Heatmap"), ArtifactKind::Other) << "stored texts are matched exactly";
}

TEST(ArtifactKind, UnknownStoredKindOpensAsOtherAndKeepsItsText) {
    const std::string path = freshPath("other-kind.cstudio");
    int64_t runId = 0;
    {
        auto store = ProjectStore::create(path);
        runId = store->createRun("plugin", "{}");
        store->completeRun(runId, "{}", [&] {
            ArtifactRecord known;
            known.runId = runId;
            known.kind = ArtifactKind::Curve;
            known.name = "faithfulness";
            known.mime = "application/json";
            known.bytes = "{}";
            store->addArtifact(known);
            ArtifactRecord other = known;
            other.kind = ArtifactKind::Other;
            other.otherKind = "plugin-saliency";
            other.name = "s0";
            store->addArtifact(other);
        });
        // The stored text is the one every earlier version wrote.
        sqlite3_stmt* stmt = nullptr;
        ASSERT_EQ(sqlite3_prepare_v2(store->handle(), "SELECT kind FROM artifacts ORDER BY id", -1, &stmt, nullptr), SQLITE_OK);
        std::vector<std::string> texts;
        while (sqlite3_step(stmt) == SQLITE_ROW) texts.emplace_back(reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0)));
        sqlite3_finalize(stmt);
        EXPECT_EQ(texts, (std::vector<std::string>{"curve", "plugin-saliency"}));
    }
    auto store = ProjectStore::open(path);
    const auto others = store->artifacts(runId, ArtifactKind::Other);
    ASSERT_EQ(others.size(), 1u);
    EXPECT_EQ(others[0].otherKind, "plugin-saliency");
    EXPECT_EQ(others[0].kindText(), "plugin-saliency");
    EXPECT_EQ(store->artifacts(runId, ArtifactKind::Curve).size(), 1u);
    EXPECT_EQ(store->artifacts(runId, ArtifactKind::Curve)[0].kindText(), "curve");
    EXPECT_TRUE(store->artifact(runId, ArtifactKind::Other, "s0"));
    EXPECT_FALSE(store->artifact(runId, ArtifactKind::Other, "faithfulness"));
}

TEST(ProjectStore, FailedResultsWriteLeavesNoRowsAndRunNotDone) {
    const auto path = freshPath("rollback.cstudio");
    auto store = ProjectStore::create(path);
    const int64_t runId = store->createRun("craft", "{}");
    store->markRunning(runId);
    EXPECT_THROW(store->completeRun(runId, "{}",
                                    [&] {
                                        ConceptRecord c;
                                        c.runId = runId;
                                        c.layer = "l";
                                        c.vector = blob({1}, {1.f});
                                        store->addConcept(c);
                                        throw cs::Error("x", "disk full while writing");
                                    }),
                 cs::Error);
    EXPECT_TRUE(store->concepts(runId).empty());
    EXPECT_EQ(store->run(runId)->status, RunStatus::Running);
    store->markFailed(runId, "disk full while writing");
    EXPECT_EQ(store->run(runId)->status, RunStatus::Failed);
    EXPECT_EQ(store->run(runId)->error, "disk full while writing");
}

TEST(ProjectStore, RunOfADeadProcessIsMarkedInterruptedButALiveOneIsNot) {
    const auto path = freshPath("interrupted.cstudio");
    int64_t live = 0, dead = 0;
    {
        auto store = ProjectStore::create(path);
        live = store->createRun("craft", "{}");
        store->markRunning(live);
        dead = store->createRun("craft", "{}");
        store->markRunning(dead);
        // Pretend the second run belongs to a process that no longer exists.
        sqlite3_exec(store->handle(), ("UPDATE runs SET owner = owner || 'x' WHERE id=" + std::to_string(dead)).c_str(),
                     nullptr, nullptr, nullptr);
    }
    auto store = ProjectStore::open(path);
    EXPECT_EQ(store->run(live)->status, RunStatus::Running) << "this process is alive and owns it";
    EXPECT_EQ(store->run(dead)->status, RunStatus::Interrupted);
}

TEST(ProjectStore, RefusesNonProjectsNewerSchemasAndDamage) {
    const auto text = freshPath("notes.cstudio");
    std::ofstream(text) << "just some text, not a database";
    EXPECT_NE(expectError([&] { ProjectStore::open(text); }).find("not a ConceptStudio project"), std::string::npos);

    const auto foreign = freshPath("foreign.cstudio");
    {
        sqlite3* db = nullptr;
        sqlite3_open(foreign.c_str(), &db);
        sqlite3_exec(db, "CREATE TABLE t(x); INSERT INTO t VALUES (1);", nullptr, nullptr, nullptr);
        sqlite3_close(db);
    }
    const auto foreignMsg = expectError([&] { ProjectStore::open(foreign); });
    EXPECT_NE(foreignMsg.find("another program"), std::string::npos) << foreignMsg;
    EXPECT_NE(foreignMsg.find(foreign), std::string::npos) << "names the file";

    const auto newer = freshPath("newer.cstudio");
    ProjectStore::create(newer).reset();
    {
        sqlite3* db = nullptr;
        sqlite3_open(newer.c_str(), &db);
        sqlite3_exec(db, "PRAGMA user_version=99;", nullptr, nullptr, nullptr);
        sqlite3_close(db);
    }
    const auto before = fs::file_size(newer);
    EXPECT_NE(expectError([&] { ProjectStore::open(newer); }).find("newer than this studio"), std::string::npos);
    EXPECT_EQ(fs::file_size(newer), before) << "left as it was";

    const auto damaged = freshPath("damaged.cstudio");
    {
        auto store = ProjectStore::create(damaged);
        for (int i = 0; i < 200; ++i) store->createRun("craft", std::string(500, 'x'));
    }
    {
        // Overwrite a few pages in the middle of the file with garbage.
        std::fstream f(damaged, std::ios::in | std::ios::out | std::ios::binary);
        f.seekp(4096 * 3);
        const std::string junk(4096 * 4, '\x5a');
        f.write(junk.data(), static_cast<std::streamsize>(junk.size()));
    }
    const auto damagedMsg = expectError([&] { ProjectStore::open(damaged); });
    EXPECT_NE(damagedMsg.find(damaged), std::string::npos) << damagedMsg;

    EXPECT_NE(expectError([&] { ProjectStore::open(freshPath("missing.cstudio")); }).find("no such project"),
              std::string::npos);
}

TEST(ProjectStore, ReadOnlyFileOpensReadOnlyAndRefusesWrites) {
    if (geteuid() == 0) {
        // root ignores file permissions; use the explicit read-only mode instead.
    }
    const auto path = freshPath("readonly.cstudio");
    ProjectStore::create(path)->createRun("craft", "{}");
    auto store = ProjectStore::open(path, /*readOnly=*/true);
    EXPECT_TRUE(store->readOnly());
    EXPECT_EQ(store->runs().size(), 1u);
    EXPECT_THROW(store->createRun("craft", "{}"), cs::Error);
}

TEST(StoredRun, CompletedWorkLeavesTheRunDoneWithItsResults) {
    auto store = ProjectStore::create(freshPath("stored-done.cstudio"));
    std::optional<RunStatus> seenDuringWork;
    const int64_t id = runStored(*store, {"craft", R"({"k": 1})"}, [&](int64_t runId) {
        seenDuringWork = store->run(runId)->status;
        store->completeRun(runId, R"({"ok": true})", [&] {
            ConceptRecord c;
            c.runId = runId;
            c.vector = blob({1}, {0.f});  // the store refuses a vector whose data does not fit its shape
            store->addConcept(c);
        });
    });
    EXPECT_EQ(seenDuringWork, RunStatus::Running);
    EXPECT_EQ(store->run(id)->status, RunStatus::Done);
    EXPECT_EQ(store->run(id)->parametersJson, R"({"k": 1})");
    EXPECT_EQ(store->concepts(id).size(), 1u);
}

TEST(StoredRun, CancelAndFailureAreRecordedAndPropagated) {
    auto store = ProjectStore::create(freshPath("stored-fail.cstudio"));
    EXPECT_THROW(runStored(*store, {"craft"}, [](int64_t) { throw cs::Cancelled(); }), cs::Cancelled);
    EXPECT_THROW(runStored(*store, {"recsae"}, [](int64_t) { throw cs::Error("model.pt", "broken"); }), cs::Error);
    const auto runs = store->runs();  // newest first
    ASSERT_EQ(runs.size(), 2u);
    EXPECT_EQ(runs[1].status, RunStatus::Cancelled);
    EXPECT_EQ(runs[0].status, RunStatus::Failed);
    EXPECT_NE(runs[0].error.find("broken"), std::string::npos);
}

TEST(StoredRun, WorkThatStoresNothingLeavesAFailedRunNotARunningOne) {
    auto store = ProjectStore::create(freshPath("stored-empty.cstudio"));
    const int64_t id = runStored(*store, {"craft"}, [](int64_t) {});
    EXPECT_EQ(store->run(id)->status, RunStatus::Failed);
    EXPECT_NE(store->run(id)->error.find("without storing"), std::string::npos);
}

// A project written by a version-1 studio (no run uuids, no labels table) opens, is upgraded in
// place, and its runs get distinct uuids; new runs get one at creation.
TEST(ProjectStore, MigratesVersionOneProjectsToRunUuidsAndLabels) {
    const auto path = freshPath("v1.cstudio");
    {
        auto store = ProjectStore::create(path);
        store->createRun("craft", "{}");
        store->createRun("recsae", "{}");
        // Take the file back to version 1 by hand.
        ASSERT_EQ(sqlite3_exec(store->handle(),
                               "DROP TABLE activation_cache; DROP TABLE sweep_runs; DROP TABLE sweeps; "
                               "DROP INDEX runs_uuid; ALTER TABLE runs DROP COLUMN uuid; DROP TABLE labels; "
                               "PRAGMA user_version=1;",
                               nullptr, nullptr, nullptr),
                  SQLITE_OK);
    }
    auto store = ProjectStore::open(path);
    EXPECT_EQ(store->schemaVersion(), cs::store::kSchemaVersion);
    const auto runs = store->runs();
    ASSERT_EQ(runs.size(), 2u);
    EXPECT_EQ(runs[0].uuid.size(), 36u) << runs[0].uuid;
    EXPECT_EQ(runs[1].uuid.size(), 36u) << runs[1].uuid;
    EXPECT_NE(runs[0].uuid, runs[1].uuid);
    const int64_t fresh = store->createRun("craft", "{}");
    const auto made = store->run(fresh);
    ASSERT_TRUE(made);
    EXPECT_EQ(made->uuid.size(), 36u);
    EXPECT_EQ(made->uuid[14], '4') << "a version-4 uuid: " << made->uuid;
    EXPECT_EQ(sqlite3_exec(store->handle(),
                           "INSERT INTO labels(run_id, target, target_id, text, updated_at) VALUES (1, 'concept', 1, 'stripes', 'now')",
                           nullptr, nullptr, nullptr),
              SQLITE_OK);
}

// Version 3 keeps a sweep's runs together: a version-2 project gains the tables on open, a sweep is
// one row per uuid, a run is in one sweep once, and deleting the run takes it out of the sweep.
TEST(ProjectStore, SweepsGroupTheirRunsOnceAndVersionTwoProjectsGainThem) {
    const auto path = freshPath("v2-sweeps.cstudio");
    {
        auto store = ProjectStore::create(path);
        ASSERT_EQ(sqlite3_exec(store->handle(), "DROP TABLE activation_cache; DROP TABLE sweep_runs; DROP TABLE sweeps; PRAGMA user_version=2;", nullptr, nullptr, nullptr),
                  SQLITE_OK);
    }
    auto store = ProjectStore::open(path);
    EXPECT_EQ(store->schemaVersion(), cs::store::kSchemaVersion);
    const int64_t a = store->createRun("craft", "{}"), b = store->createRun("craft", "{}");
    cs::store::SweepRecord sweep;
    sweep.uuid = cs::store::newUuid();
    sweep.kind = "craft";
    sweep.name = "craft-20261202";
    sweep.folder = "/sweeps/craft-20261202";
    sweep.createdAt = "2026-12-02T10:00:00Z";
    const int64_t id = store->addSweep(sweep);
    EXPECT_EQ(store->addSweep(sweep), id) << "the same uuid is the same sweep";
    store->addSweepRun(id, a, 0, "class 0");
    store->addSweepRun(id, b, 1, "class 1");
    store->addSweepRun(id, b, 1, "class 1");
    const auto sweeps = store->sweeps();
    ASSERT_EQ(sweeps.size(), 1u);
    EXPECT_EQ(sweeps[0].runCount, 2);
    EXPECT_EQ(sweeps[0].name, "craft-20261202");
    const auto members = store->sweepRuns(id);
    ASSERT_EQ(members.size(), 2u);
    EXPECT_EQ(members[1].runId, b);
    EXPECT_EQ(members[1].shardName, "class 1");
    EXPECT_EQ(store->sweepOfRun(a), id);
    store->deleteRun(a);
    EXPECT_FALSE(store->sweepOfRun(a).has_value());
    EXPECT_EQ(store->sweeps()[0].runCount, 1);
    EXPECT_FALSE(store->sweepOfRun(store->createRun("craft", "{}")).has_value());
}

// Version 4 keeps CRAFT activation passes: a version-3 project gains the table on open; an entry
// comes back as stored; the least recently used entries go once the cache is over its size, the
// one just added always stays; a read-only project finds entries without writing.
TEST(ProjectStore, ActivationCacheKeepsTheMostRecentlyUsedPasses) {
    const auto path = freshPath("v3-cache.cstudio");
    {
        auto store = ProjectStore::create(path);
        ASSERT_EQ(sqlite3_exec(store->handle(), "DROP TABLE activation_cache; PRAGMA user_version=3;", nullptr, nullptr, nullptr), SQLITE_OK);
    }
    auto store = ProjectStore::open(path);
    EXPECT_EQ(store->schemaVersion(), cs::store::kSchemaVersion);
    auto entry = [](const std::string& key, int64_t values) {
        cs::store::CachedActivationsRecord e;
        e.key = key;
        e.modelSha256 = "abc";
        e.layer = "layer4";
        e.metadataJson = R"({"boxes":[]})";
        e.imageActivations.shape = {values};
        e.imageActivations.data.assign(static_cast<size_t>(values), 1.5f);
        e.cropActivations.shape = {1, 2};
        e.cropActivations.data = {0.25f, -3.0f};
        return e;
    };
    const int64_t limit = 1000 * 4;  // bytes: room for two entries of ~400 floats
    store->keepActivations(entry("a", 400), limit);
    store->keepActivations(entry("b", 400), limit);
    const auto a = store->cachedActivations("a");  // a is now used after b
    ASSERT_TRUE(a);
    EXPECT_EQ(a->imageActivations.shape, std::vector<int64_t>{400});
    EXPECT_EQ(a->cropActivations.data, (std::vector<float>{0.25f, -3.0f}));
    EXPECT_EQ(a->layer, "layer4");
    EXPECT_EQ(a->bytes, (400 + 2) * 4);
    store->keepActivations(entry("c", 400), limit);  // over the limit: b, the least recently used, goes
    EXPECT_TRUE(store->cachedActivations("a"));
    EXPECT_FALSE(store->cachedActivations("b"));
    EXPECT_TRUE(store->cachedActivations("c"));
    store->keepActivations(entry("huge", 5000), limit);  // alone over the limit: kept, everything else goes
    const auto listed = store->cachedActivationsList();
    ASSERT_EQ(listed.size(), 1u);
    EXPECT_EQ(listed[0].key, "huge");
    EXPECT_FALSE(store->cachedActivations("missing"));
    store.reset();
    auto readOnly = ProjectStore::open(path, /*readOnly=*/true);
    EXPECT_TRUE(readOnly->cachedActivations("huge"));
    readOnly.reset();
    ProjectStore::open(path)->clearActivationCache();
    EXPECT_TRUE(ProjectStore::open(path)->cachedActivationsList().empty());
}
