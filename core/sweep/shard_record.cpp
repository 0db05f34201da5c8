#include "sweep/shard_record.h"

#include "common/error.h"
#include "common/output_file.h"
#include "store/project_store.h"
#include "sweep/sqlite_statement.h"
#include "sweep/whole_number.h"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <filesystem>
#include <fstream>

namespace cs::sweep {

namespace fs = std::filesystem;
using json = nlohmann::json;

const char* toString(ShardState state) {
    switch (state) {
        case ShardState::Pending: return "pending";
        case ShardState::Running: return "running";
        case ShardState::Done: return "done";
        case ShardState::Failed: return "failed";
    }
    return "pending";
}

namespace {

void writeJson(const std::string& path, const json& value) {
    std::error_code ec;
    fs::create_directories(fs::path(path).parent_path(), ec);
    writeOutputFile(path, value.dump(2) + "\n");
}

std::optional<json> readJson(const std::string& path) {
    std::ifstream in(path);
    if (!in) return std::nullopt;
    json value = json::parse(in, nullptr, false);
    if (value.is_discarded()) throw Error(path, "damaged sweep file: not JSON");
    if (!value.is_object()) throw Error(path, "damaged sweep file: not a JSON object");
    return value;
}

}  // namespace

void writeShardRecord(const SweepFolder& folder, int64_t index, const ShardRecord& r) {
    writeJson(folder.shardState(index), {{"state", r.state},
                                         {"host", r.host},
                                         {"pid", r.pid},
                                         {"job_id", r.jobId},
                                         {"exit_code", r.exitCode},
                                         {"started_at", r.startedAt},
                                         {"finished_at", r.finishedAt}});
}

std::optional<ShardRecord> readShardRecord(const SweepFolder& folder, int64_t index) {
    const auto j = readJson(folder.shardState(index));
    if (!j) return std::nullopt;
    ShardRecord r;
    try {
        r.state = j->value("state", "");
        r.host = j->value("host", "");
        const auto pid = wholeNumber(j->value("pid", json(0)));
        const auto exitCode = wholeNumber(j->value("exit_code", json(0)));
        if (!pid || !exitCode || *exitCode < INT32_MIN || *exitCode > INT32_MAX)
            throw Error(folder.shardState(index), "damaged sweep file: its pid or exit code is not a whole number");
        r.pid = *pid;
        r.exitCode = static_cast<int>(*exitCode);
        r.jobId = j->value("job_id", "");
        r.startedAt = j->value("started_at", "");
        r.finishedAt = j->value("finished_at", "");
    } catch (const json::exception& e) {
        throw Error(folder.shardState(index), std::string("damaged sweep file: ") + e.what());
    }
    return r;
}

std::vector<Submission> readSubmissions(const SweepFolder& folder) {
    std::vector<Submission> out;
    const auto j = readJson(folder.submissionsPath());
    if (!j) return out;
    try {
        for (const auto& s : j->at("submissions")) {
            Submission submission;
            const auto number = wholeNumber(s.at("number"));
            if (!number) throw Error(folder.submissionsPath(), "damaged sweep file: a submission's number is not a whole number");
            submission.number = *number;
            submission.executor = s.at("executor").get<std::string>();
            submission.jobId = s.at("job_id").get<std::string>();
            for (const auto& shard : s.at("shards")) {
                const auto index = wholeNumber(shard);
                if (!index) throw Error(folder.submissionsPath(), "damaged sweep file: a submitted shard is not a whole number");
                submission.shards.push_back(*index);
            }
            submission.script = s.value("script", "");
            submission.submittedAt = s.value("submitted_at", "");
            out.push_back(std::move(submission));
        }
    } catch (const json::exception& e) {
        throw Error(folder.submissionsPath(), std::string("damaged sweep file: ") + e.what());
    }
    return out;
}

int64_t appendSubmission(const SweepFolder& folder, Submission submission) {
    auto all = readSubmissions(folder);
    submission.number = all.empty() ? 1 : all.back().number + 1;
    all.push_back(submission);
    json list = json::array();
    for (const auto& s : all)
        list.push_back({{"number", s.number},
                        {"executor", s.executor},
                        {"job_id", s.jobId},
                        {"shards", s.shards},
                        {"script", s.script},
                        {"submitted_at", s.submittedAt}});
    writeJson(folder.submissionsPath(), {{"submissions", list}});
    return submission.number;
}

bool shardProjectFinished(const SweepFolder& folder, int64_t index) {
    const std::string path = folder.shardProject(index);
    std::error_code ec;
    if (!fs::exists(path, ec) || fs::file_size(path, ec) == 0) return false;
    try {
        auto project = store::ProjectStore::open(path, /*readOnly=*/true);
        SqliteStatement done(project->handle(), path, "SELECT count(*) FROM runs WHERE status = 'done'");
        return done.step() && done.integer(0) > 0;
    } catch (const Error&) {
        return false;  // half-written or damaged: not finished; the merge says why
    }
}

}  // namespace cs::sweep
