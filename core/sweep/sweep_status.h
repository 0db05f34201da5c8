#pragma once
// The state of every shard of a sweep (`sweep status`, `sweep wait`, `sweep run --resume`), from
// what the sweep folder holds and what Slurm says:
//  - done: the shard's project holds its finished run (whatever else is recorded);
//  - pending / running: the shard's Slurm task is queued / running (squeue), or, for the local
//    executor, its `sweep exec` process is alive; a shard never submitted is pending too;
//  - failed: its `sweep exec` recorded a failure, or its task left Slurm's queue (or its process
//    ended) without the shard finishing: cancelled (scancel), timed out, killed, node failure.
// Failed shards carry the tail of their log and, when Slurm's accounting answers, sacct's state.
#include "sweep/shard_record.h"
#include "sweep/sweep_manifest.h"

#include <cstdint>
#include <string>
#include <vector>

namespace cs::sweep {

struct ShardStatus {
    int64_t index = 0;
    std::string name;
    ShardState state = ShardState::Pending;
    bool submitted = false;
    std::string executor;  // of its latest submission
    std::string jobId;     // "123_4" under Slurm, "local-<pid>" here; empty when never submitted
    std::string log;       // the shard's log file
    std::string reason;    // why it failed, in words
    std::vector<std::string> logTail;  // last lines of the log, for failed shards
};

std::vector<ShardStatus> sweepStatus(const SweepFolder& folder, const SweepManifest& manifest);

// The last `lines` lines of a text file (empty when it cannot be read).
std::vector<std::string> fileTail(const std::string& path, size_t lines);

}  // namespace cs::sweep
