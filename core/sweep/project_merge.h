#pragma once
// Merging shard projects into one project (docs/cluster.md): every shard of a sweep writes its own
// `.cstudio` file, and `concept-studio-cli merge` brings their models, datasets, runs, concepts,
// crops, latents, labels and artifacts into one project with the row ids remapped (and the ids the
// engines write inside JSON and names, id_references.h).
//
// - Every shard is checked before the target is touched: a file that is not a project, one from a
//   newer (or older) schema, one that fails PRAGMA integrity_check, or one whose models' sha256 is
//   not one of the expected ones is refused with cs::Error naming it.
// - Each shard is copied in one transaction of the target, so a failure mid-way leaves whole shards.
// - A run whose uuid is already in the target is skipped: merging a shard twice adds nothing.
// - Rows are streamed shard by shard, row by row: memory does not grow with the number of shards.
#include "store/project_store.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace cs::sweep {

// The sweep the shards belong to (`sweep merge`): the target records it, and which shard each of
// its runs came from, so the runs are listed together (store::SweepRecord).
struct SweepMembership {
    store::SweepRecord sweep;
    std::vector<std::pair<int64_t, std::string>> shards;  // index and name of each shard path, in order
};

struct MergeOptions {
    // The sha256 every model of every shard must have (the sweep's models); empty accepts any.
    std::vector<std::string> expectedModelSha256;
    std::optional<SweepMembership> sweep;
};

struct ShardMergeResult {
    std::string shard;
    int64_t runsAdded = 0;
    int64_t runsSkipped = 0;  // already in the target (same uuid)
    std::vector<int64_t> targetRunIds;  // the shard's runs as rows of the target, added or already there
};

struct MergeReport {
    std::string target;
    std::vector<ShardMergeResult> shards;
    int64_t runsAdded() const;
    int64_t runsSkipped() const;
};

// Checks one shard as mergeProjects does, without writing anything; throws cs::Error naming it.
void checkShard(const std::string& shardPath, const MergeOptions& options);

// Merges the shards into the target, created when missing. Throws cs::Error naming the file at
// fault; when a shard is refused, the target is not created or changed.
MergeReport mergeProjects(const std::string& targetPath, const std::vector<std::string>& shardPaths,
                          const MergeOptions& options = {});

}  // namespace cs::sweep
