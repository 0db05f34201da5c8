#pragma once
// The two ways to run a sweep's shards, both through `sweep exec` (shard_exec.h), so a shard runs the
// same way here and on a cluster (docs/cluster.md):
//  - local: up to N shards at a time as child processes of this one, each with cores/N LibTorch
//    threads so the machine is not oversubscribed; returns when they have all ended;
//  - slurm: one sbatch job array (one task per shard, `%M` at most M at once), submitted with
//    `sbatch --parsable`; Slurm schedules, runs, retries and accounts; `sweep status` reads it back.
#include "sweep/shard_record.h"
#include "sweep/sweep_manifest.h"

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace cs::sweep {

struct LocalExecutorOptions {
    int jobs = 1;     // shards at a time
    int threads = 0;  // per shard; 0: max(1, cores / jobs)
};

// Runs the shards and returns how many failed. `onEnd` is told each shard's end (index, state,
// seconds) as it happens.
int64_t runLocally(const SweepFolder& folder, const std::vector<int64_t>& shards, const LocalExecutorOptions& options,
                   const std::function<void(int64_t index, ShardState state, double seconds)>& onEnd = {});

struct SlurmOptions {
    std::string partition, time, mem, account, jobName = "concept-studio-sweep";
    int cpusPerTask = 0;  // 0: Slurm's default
    int maxRunning = 0;   // the array's %M; 0: no limit
    std::vector<std::string> sbatchArguments;  // passed on as #SBATCH lines, e.g. --qos=long
};

// "0-9", "3,5-7": the --array list of these shard indices (sorted), with "%M" when maxRunning > 0.
std::string slurmArraySpec(std::vector<int64_t> shards, int maxRunning);

// The sbatch script of one submission. Values are checked (no line breaks) and every path is
// single-quoted for the shell; the script takes its shard's arguments from the manifest by index.
std::string slurmScript(const SweepFolder& folder, const std::vector<int64_t>& shards, const SlurmOptions& options,
                        const std::string& executable);

// Writes the script into the sweep folder, submits it with `sbatch --parsable` and records the
// submission; returns it (with Slurm's job id). Throws cs::Error with sbatch's message on refusal.
Submission submitToSlurm(const SweepFolder& folder, const std::vector<int64_t>& shards, const SlurmOptions& options);

// Quotes text for a POSIX shell: 'text' with every ' written as '\''.
std::string shellQuoted(const std::string& text);

}  // namespace cs::sweep
