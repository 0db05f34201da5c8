#include "sweep/sweep_manifest.h"

#include "common/error.h"
#include "common/output_file.h"
#include "store/project_store.h"
#include "sweep/whole_number.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>

namespace cs::sweep {

namespace fs = std::filesystem;
using json = nlohmann::json;

constexpr const char* kManifestFormat = "concept-studio-sweep";
constexpr int kManifestVersion = 1;

std::vector<std::string> SweepManifest::modelSha256() const {
    std::vector<std::string> out;
    for (const auto& shard : shards)
        if (std::find(out.begin(), out.end(), shard.modelSha256) == out.end()) out.push_back(shard.modelSha256);
    return out;
}

SweepFolder::SweepFolder(std::string dir) : dir_(fs::absolute(dir).lexically_normal().string()) {
    while (dir_.size() > 1 && dir_.back() == '/') dir_.pop_back();
}

std::string SweepFolder::manifestPath() const { return dir_ + "/manifest.json"; }
std::string SweepFolder::submissionsPath() const { return dir_ + "/submissions.json"; }

std::string SweepFolder::shardStem(int64_t index) const {
    char text[32];
    std::snprintf(text, sizeof text, "shard-%04lld", static_cast<long long>(index));
    return text;
}

std::string SweepFolder::shardProjectRelative(int64_t index) const { return "shards/" + shardStem(index) + ".cstudio"; }
std::string SweepFolder::shardProject(int64_t index) const { return dir_ + "/" + shardProjectRelative(index); }
std::string SweepFolder::shardLog(int64_t index) const { return dir_ + "/logs/" + shardStem(index) + ".log"; }
std::string SweepFolder::shardState(int64_t index) const { return dir_ + "/state/" + shardStem(index) + ".json"; }
std::string SweepFolder::slurmScript(int64_t submission) const { return dir_ + "/slurm/submit-" + std::to_string(submission) + ".sh"; }
std::string SweepFolder::slurmOutput(const std::string& jobId, int64_t index) const {
    return dir_ + "/logs/slurm-" + jobId + "_" + std::to_string(index) + ".out";
}

namespace {

json shardJson(const ShardSpec& s) {
    return {{"index", s.index}, {"name", s.name},   {"project", s.project},         {"arguments", s.arguments},
            {"model", s.model}, {"model_sha256", s.modelSha256}, {"data", s.data}, {"data_sha256", s.dataSha256.empty() ? json(nullptr) : json(s.dataSha256)},
            {"seed", s.seed}};
}

ShardSpec shardFrom(const json& j, const std::string& path) {
    ShardSpec s;
    const auto index = wholeNumber(j.at("index"));
    const auto seed = unsignedWholeNumber(j.at("seed"));
    if (!index || !seed) throw Error(path, "damaged sweep manifest: a shard's index or seed is not a whole number");
    s.index = *index;
    s.seed = *seed;
    s.name = j.at("name").get<std::string>();
    s.project = j.at("project").get<std::string>();
    s.arguments = j.at("arguments").get<std::vector<std::string>>();
    s.model = j.at("model").get<std::string>();
    s.modelSha256 = j.at("model_sha256").get<std::string>();
    s.data = j.at("data").get<std::string>();
    if (!j.at("data_sha256").is_null()) s.dataSha256 = j.at("data_sha256").get<std::string>();
    return s;
}

}  // namespace

void writeManifest(const SweepFolder& folder, const SweepManifest& manifest) {
    std::error_code ec;
    if (fs::exists(folder.manifestPath(), ec))
        throw Error(folder.manifestPath(), "a sweep is already planned in this folder; choose another --out folder");
    fs::create_directories(folder.dir(), ec);
    if (ec) throw Error(folder.dir(), "cannot create the sweep folder: " + ec.message());
    json shards = json::array();
    for (const auto& shard : manifest.shards) shards.push_back(shardJson(shard));
    const json out{{"format", kManifestFormat},
                   {"version", kManifestVersion},
                   {"kind", manifest.kind},
                   {"uuid", manifest.uuid.empty() ? store::newUuid() : manifest.uuid},
                   {"created_at", manifest.createdAt},
                   {"shards", shards}};
    writeOutputFile(folder.manifestPath(), out.dump(2) + "\n");
}

SweepManifest readManifest(const SweepFolder& folder) {
    const std::string path = folder.manifestPath();
    std::ifstream in(path);
    if (!in) throw Error(path, "cannot be opened; is " + folder.dir() + " a sweep folder made by `sweep plan`?");
    const json j = json::parse(in, nullptr, false);
    const auto format = j.is_object() ? j.find("format") : j.end();
    if (j.is_discarded() || !j.is_object() || format == j.end() || *format != kManifestFormat) throw Error(path, "not a sweep manifest");
    SweepManifest manifest;
    try {
        const auto version = wholeNumber(j.value("version", json(0)));
        if (!version) throw Error(path, "damaged sweep manifest: its version is not a whole number");
        if (*version > kManifestVersion)
            throw Error(path, "sweep manifest version " + std::to_string(*version) + " is newer than this studio supports");
        manifest.kind = j.at("kind").get<std::string>();
        manifest.createdAt = j.value("created_at", "");
        // Manifests planned before sweeps were recorded in projects have none: the folder stands in.
        manifest.uuid = j.value("uuid", "folder:" + folder.dir());
        for (const auto& shard : j.at("shards")) manifest.shards.push_back(shardFrom(shard, path));
    } catch (const json::exception& e) {
        throw Error(path, std::string("damaged sweep manifest: ") + e.what());
    }
    for (size_t i = 0; i < manifest.shards.size(); ++i)
        if (manifest.shards[i].index != static_cast<int64_t>(i)) throw Error(path, "damaged sweep manifest: shards out of order");
    return manifest;
}

std::string utcNow() {
    const std::time_t t = std::time(nullptr);
    std::tm tm{};
    gmtime_r(&t, &tm);
    char text[32];
    std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return text;
}

}  // namespace cs::sweep
