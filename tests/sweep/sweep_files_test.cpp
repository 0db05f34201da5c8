// A sweep folder's files are read back by `sweep status`, `run --resume`, `merge` and the studio;
// damaged ones are refused with a message naming the file, never with an escaping exception or
// undefined behaviour (the cases fuzz_sweep_manifest found are kept here).
#include "common/error.h"
#include "sweep/shard_record.h"
#include "sweep/sweep_manifest.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <functional>

namespace fs = std::filesystem;

namespace {

const fs::path kDir = fs::path(CS_TEST_TMP) / "sweep-files";

cs::sweep::SweepFolder freshFolder(const std::string& name) {
    const fs::path dir = kDir / name;
    fs::remove_all(dir);
    fs::create_directories(dir / "state");
    return cs::sweep::SweepFolder(dir.string());
}

void write(const std::string& path, const std::string& text) { std::ofstream(path) << text; }

std::string manifestWithShard(const std::string& index, const std::string& seed) {
    return R"({"format": "concept-studio-sweep", "version": 1, "kind": "craft", "created_at": "2026-12-02T10:00:00Z",
               "shards": [{"index": )" + index + R"(, "name": "class 0", "project": "shards/shard-0000.cstudio",
                           "arguments": ["craft"], "model": "/m.pt", "model_sha256": "ab", "data": "/d", "data_sha256": null,
                           "seed": )" + seed + "}]}";
}

// The message of the cs::Error that `read` throws; fails the test when it throws nothing or another type.
std::string refusal(const std::function<void()>& read) {
    try {
        read();
    } catch (const cs::Error& e) {
        return e.what();
    }
    ADD_FAILURE() << "expected a refusal";
    return {};
}

}  // namespace

TEST(SweepFiles, AManifestReadsBackWithItsUuidAndSeed) {
    const auto folder = freshFolder("good");
    cs::sweep::SweepManifest manifest;
    manifest.kind = "craft";
    manifest.createdAt = "2026-12-02T10:00:00Z";
    cs::sweep::ShardSpec shard;
    shard.name = "class 0";
    shard.seed = 18446744073709551615ULL;  // the largest seed survives
    manifest.shards.push_back(shard);
    cs::sweep::writeManifest(folder, manifest);
    const auto read = cs::sweep::readManifest(folder);
    EXPECT_EQ(read.uuid.size(), 36u) << "writeManifest gives the sweep a uuid";
    EXPECT_EQ(read.shards.at(0).seed, 18446744073709551615ULL);
}

TEST(SweepFiles, NumbersThatAreNotWholeAreRefusedByName) {
    const auto folder = freshFolder("numbers");
    // Beyond uint64 the parser keeps a double: converting it was undefined behaviour.
    write(folder.manifestPath(), manifestWithShard("0", "18447604473709551615"));
    EXPECT_NE(refusal([&] { cs::sweep::readManifest(folder); }).find("not a whole number"), std::string::npos);
    write(folder.manifestPath(), manifestWithShard("0.5", "1"));
    EXPECT_NE(refusal([&] { cs::sweep::readManifest(folder); }).find(folder.manifestPath()), std::string::npos);
    write(folder.manifestPath(), manifestWithShard("0", "-1"));
    EXPECT_NE(refusal([&] { cs::sweep::readManifest(folder); }).find("seed"), std::string::npos);
    write(folder.manifestPath(), R"({"format": "concept-studio-sweep", "version": "1", "kind": "craft", "shards": []})");
    EXPECT_NE(refusal([&] { cs::sweep::readManifest(folder); }).find("version"), std::string::npos);

    write(folder.submissionsPath(), R"({"submissions": [{"number": 1e300, "executor": "slurm", "job_id": "4", "shards": [0]}]})");
    EXPECT_NE(refusal([&] { cs::sweep::readSubmissions(folder); }).find(folder.submissionsPath()), std::string::npos);
    write(folder.submissionsPath(), R"({"submissions": [{"number": 1, "executor": "slurm", "job_id": "4", "shards": [0, 2.5]}]})");
    EXPECT_NE(refusal([&] { cs::sweep::readSubmissions(folder); }).find("not a whole number"), std::string::npos);

    write(folder.shardState(0), R"({"state": "failed", "pid": 1e40, "exit_code": 1})");
    EXPECT_NE(refusal([&] { cs::sweep::readShardRecord(folder, 0); }).find(folder.shardState(0)), std::string::npos);
    write(folder.shardState(0), R"({"state": "failed", "pid": 12, "exit_code": 99999999999})");
    EXPECT_NE(refusal([&] { cs::sweep::readShardRecord(folder, 0); }).find("exit code"), std::string::npos);
}

TEST(SweepFiles, JsonThatIsNotAnObjectIsRefusedByName) {
    const auto folder = freshFolder("shapes");
    for (const std::string text : {"[1, 2]", "\"concept-studio-sweep\"", "42"}) {
        SCOPED_TRACE(text);
        write(folder.manifestPath(), text);
        EXPECT_NE(refusal([&] { cs::sweep::readManifest(folder); }).find("not a sweep manifest"), std::string::npos);
        write(folder.shardState(0), text);
        EXPECT_NE(refusal([&] { cs::sweep::readShardRecord(folder, 0); }).find("not a JSON object"), std::string::npos);
        write(folder.submissionsPath(), text);
        EXPECT_NE(refusal([&] { cs::sweep::readSubmissions(folder); }).find("not a JSON object"), std::string::npos);
    }
    write(folder.shardState(0), R"({"state": 3, "pid": 12})");  // a field of the wrong type
    EXPECT_NE(refusal([&] { cs::sweep::readShardRecord(folder, 0); }).find("damaged sweep file"), std::string::npos);
}
