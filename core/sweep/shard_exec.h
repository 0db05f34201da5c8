#pragma once
// `sweep exec DIR --shard I`: what every executor runs for one shard, here or on a Slurm node. It
// reads the shard's arguments from the manifest, starts concept-studio-cli with them in the sweep
// folder (so no shell ever sees them), appends its output to the shard's log, and records the
// shard's state (state/shard-NNNN.json) when it starts and when it ends. SIGTERM and SIGINT (Slurm's
// scancel, Ctrl-C) are passed on to the run, which then ends as cancelled.
#include "sweep/sweep_manifest.h"

#include <cstdint>
#include <string>

namespace cs::sweep {

struct ShardExecOptions {
    int threads = 0;       // CS_THREADS for the run; 0: $SLURM_CPUS_PER_TASK or $SLURM_CPUS_ON_NODE, else every core
    std::string jobId;     // recorded with the shard; empty: taken from Slurm's environment
};

// Runs shard `index` to its end and returns the run's exit code (0 when its project holds the
// finished run). A shard whose project already holds a finished run is not run again; an earlier
// attempt's unfinished project is removed first, so a shard project holds exactly its one run.
int executeShard(const SweepFolder& folder, int64_t index, const ShardExecOptions& options);

}  // namespace cs::sweep
