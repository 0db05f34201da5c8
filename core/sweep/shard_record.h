#pragma once
// What a sweep keeps besides its manifest (sweep_manifest.h): the record `sweep exec` writes for its
// shard (state/shard-NNNN.json), the list of submissions (submissions.json), and whether a shard's
// project holds its finished run. All are small JSON files written atomically.
#include "sweep/sweep_manifest.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace cs::sweep {

enum class ShardState { Pending, Running, Done, Failed };
const char* toString(ShardState state);

// Written by `sweep exec` when the shard starts (running) and when its run ends (done, failed).
struct ShardRecord {
    std::string state;  // running | done | failed
    std::string host;
    int64_t pid = 0;
    std::string jobId;  // "123_4" under Slurm, "local-<pid>" under the local executor
    int exitCode = 0;
    std::string startedAt, finishedAt;
};
void writeShardRecord(const SweepFolder& folder, int64_t index, const ShardRecord& record);
std::optional<ShardRecord> readShardRecord(const SweepFolder& folder, int64_t index);

// One `sweep run`: the executor, its job id (Slurm's, or "local-<pid>") and the shards it ran.
struct Submission {
    int64_t number = 0;  // 1, 2, ... in order
    std::string executor;  // local | slurm
    std::string jobId;
    std::vector<int64_t> shards;
    std::string script;  // the sbatch script, for Slurm
    std::string submittedAt;
};
std::vector<Submission> readSubmissions(const SweepFolder& folder);
// Appends the submission with the next number, which it returns.
int64_t appendSubmission(const SweepFolder& folder, Submission submission);

// True when the shard's project exists and holds a run that finished (status done).
bool shardProjectFinished(const SweepFolder& folder, int64_t index);

}  // namespace cs::sweep
