#include "sweep/project_merge.h"

#include "common/error.h"
#include "store/project_store.h"
#include "sweep/id_references.h"
#include "sweep/sqlite_statement.h"

#include <sqlite3.h>

#include <algorithm>
#include <filesystem>
#include <functional>
#include <optional>
#include <set>

namespace cs::sweep {

int64_t MergeReport::runsAdded() const {
    int64_t n = 0;
    for (const auto& s : shards) n += s.runsAdded;
    return n;
}

int64_t MergeReport::runsSkipped() const {
    int64_t n = 0;
    for (const auto& s : shards) n += s.runsSkipped;
    return n;
}

namespace {

std::vector<std::string> tableColumns(sqlite3* db, const std::string& path, const std::string& table) {
    SqliteStatement info(db, path, "PRAGMA table_info(" + table + ")");
    std::vector<std::string> names;
    while (info.step()) names.push_back(info.text(1));
    return names;
}

// The columns (other than id) that both projects have: a table one side has grown is still copied.
std::vector<std::string> sharedColumns(sqlite3* target, const std::string& targetPath, sqlite3* shard,
                                       const std::string& shardPath, const std::string& table) {
    const auto shardColumns = tableColumns(shard, shardPath, table);
    std::vector<std::string> shared;
    for (const std::string& column : tableColumns(target, targetPath, table))
        if (column != "id" && std::find(shardColumns.begin(), shardColumns.end(), column) != shardColumns.end())
            shared.push_back(column);
    return shared;
}

std::string joined(const std::vector<std::string>& items, const std::string& separator) {
    std::string text;
    for (const auto& item : items) text += (text.empty() ? "" : separator) + item;
    return text;
}

// What replaces a column's stored value in the copy; nullopt keeps the value.
struct ColumnValue {
    enum Type { Null, Integer, Text } type = Null;
    int64_t integer = 0;
    std::string text;
    static ColumnValue null() { return {}; }
    static ColumnValue of(int64_t v) { return {Integer, v, {}}; }
    static ColumnValue of(std::string v) { return {Text, 0, std::move(v)}; }
};

// A row of the shard as the rewrite functions see it: its columns by name.
class ShardRow {
public:
    ShardRow(const SqliteStatement& statement, const std::vector<std::string>& columns) : statement_(statement), columns_(columns) {}
    // Column 0 of the select is the row id; the shared columns follow.
    int64_t id() const { return statement_.integer(0); }
    int indexOf(const std::string& column) const {
        return 1 + static_cast<int>(std::find(columns_.begin(), columns_.end(), column) - columns_.begin());
    }
    bool isNull(const std::string& column) const { return statement_.isNull(indexOf(column)); }
    int64_t integer(const std::string& column) const { return statement_.integer(indexOf(column)); }
    std::string text(const std::string& column) const { return statement_.text(indexOf(column)); }

private:
    const SqliteStatement& statement_;
    const std::vector<std::string>& columns_;
};

using Rewrite = std::function<std::optional<ColumnValue>(const std::string& column, const ShardRow& row)>;

// Copies the rows of one table that a WHERE clause selects, one row at a time, column by column
// (types and bytes as stored), with some columns rewritten; calls `copied` with the old and new id.
class TableCopy {
public:
    TableCopy(sqlite3* target, const std::string& targetPath, sqlite3* shard, const std::string& shardPath, const std::string& table,
              const std::string& where)
        : columns_(sharedColumns(target, targetPath, shard, shardPath, table)),
          select_(shard, shardPath, "SELECT id, " + joined(columns_, ", ") + " FROM " + table + " WHERE " + where + " ORDER BY id"),
          insert_(target, targetPath,
                  "INSERT INTO " + table + "(" + joined(columns_, ", ") + ") VALUES (" +
                      joined(std::vector<std::string>(columns_.size(), "?"), ", ") + ")"),
          target_(target) {}

    SqliteStatement& select() { return select_; }

    void copy(const Rewrite& rewrite, const std::function<void(const ShardRow&, int64_t newId)>& copied = {}) {
        while (select_.step()) {
            const ShardRow row(select_, columns_);
            for (size_t c = 0; c < columns_.size(); ++c) {
                const int param = static_cast<int>(c) + 1;
                const auto value = rewrite ? rewrite(columns_[c], row) : std::nullopt;
                if (!value) insert_.bindValue(param, select_.value(static_cast<int>(c) + 1));
                else if (value->type == ColumnValue::Integer) insert_.bind(param, value->integer);
                else if (value->type == ColumnValue::Text) insert_.bind(param, value->text);
                else insert_.bindNull(param);
            }
            insert_.run();
            insert_.reset();
            if (copied) copied(row, sqlite3_last_insert_rowid(target_));
        }
    }

private:
    std::vector<std::string> columns_;
    SqliteStatement select_;
    SqliteStatement insert_;
    sqlite3* target_;
};

std::optional<ColumnValue> mapped(const ShardRow& row, const std::string& column, const std::unordered_map<int64_t, int64_t>& map) {
    if (row.isNull(column)) return ColumnValue::null();
    const auto found = map.find(row.integer(column));
    return found != map.end() ? ColumnValue::of(found->second) : ColumnValue::null();
}

// Copies one shard into the target inside the caller's transaction.
class ShardCopy {
public:
    ShardCopy(store::ProjectStore& target, store::ProjectStore& shard)
        : target_(target.handle()), targetPath_(target.path()), shard_(shard.handle()), shardPath_(shard.path()) {}

    ShardMergeResult copy() {
        ShardMergeResult result;
        result.shard = shardPath_;
        copyModels();
        copyDatasets();
        SqliteStatement runs(shard_, shardPath_, "SELECT id, COALESCE(uuid, '') FROM runs ORDER BY id");
        SqliteStatement known(target_, targetPath_, "SELECT id FROM runs WHERE uuid = ?");
        std::vector<int64_t> newRuns;
        while (runs.step()) {
            known.bind(1, runs.text(1));
            const bool present = known.step();
            if (present) result.targetRunIds.push_back(known.integer(0));
            known.reset();
            if (present) ++result.runsSkipped;
            else newRuns.push_back(runs.integer(0));
        }
        for (int64_t runId : newRuns) result.targetRunIds.push_back(copyRun(runId));
        result.runsAdded = static_cast<int64_t>(newRuns.size());
        return result;
    }

private:
    TableCopy table(const std::string& name, const std::string& where) {
        return TableCopy(target_, targetPath_, shard_, shardPath_, name, where);
    }

    // Models and datasets are shared by runs and deduplicated as the store does: on (path, sha256)
    // and (path, kind).
    void copyModels() {
        SqliteStatement find(target_, targetPath_, "SELECT id FROM models WHERE path = ? AND sha256 = ?");
        copyDeduplicated("models", {"path", "sha256"}, find, models_);
    }
    void copyDatasets() {
        SqliteStatement find(target_, targetPath_, "SELECT id FROM datasets WHERE path = ? AND kind = ?");
        copyDeduplicated("datasets", {"path", "kind"}, find, datasets_);
    }
    void copyDeduplicated(const std::string& name, const std::vector<std::string>& key, SqliteStatement& find,
                          std::unordered_map<int64_t, int64_t>& map) {
        std::string missing;  // ids of the shard's rows the target does not have yet
        {
            SqliteStatement all(shard_, shardPath_, "SELECT id, " + joined(key, ", ") + " FROM " + name);
            while (all.step()) {
                for (size_t k = 0; k < key.size(); ++k) find.bind(static_cast<int>(k) + 1, all.text(static_cast<int>(k) + 1));
                if (find.step()) map[all.integer(0)] = find.integer(0);
                else missing += (missing.empty() ? "" : ",") + std::to_string(all.integer(0));
                find.reset();
            }
        }
        if (missing.empty()) return;
        table(name, "id IN (" + missing + ")").copy({}, [&](const ShardRow& row, int64_t newId) { map[row.id()] = newId; });
    }

    // Returns the run's id in the target.
    int64_t copyRun(int64_t shardRunId) {
        IdRemap remap;
        const std::string where = "run_id = " + std::to_string(shardRunId);
        {
            TableCopy runs = table("runs", "id = " + std::to_string(shardRunId));
            runs.copy(
                [&](const std::string& column, const ShardRow& row) -> std::optional<ColumnValue> {
                    if (column == "model_id") return mapped(row, column, models_);
                    if (column == "dataset_id") return mapped(row, column, datasets_);
                    return std::nullopt;
                },
                [&](const ShardRow&, int64_t newId) { remap.runId = newId; });
        }
        const auto runColumn = [&](const std::string& column, const ShardRow&) -> std::optional<ColumnValue> {
            if (column == "run_id") return ColumnValue::of(remap.runId);
            return std::nullopt;
        };
        table("crops", where).copy(runColumn, [&](const ShardRow& row, int64_t newId) { remap.crops[row.id()] = newId; });
        copyConcepts(where, remap);
        std::unordered_map<int64_t, int64_t> latents;
        table("latents", where).copy(runColumn, [&](const ShardRow& row, int64_t newId) { latents[row.id()] = newId; });
        table("labels", where).copy([&](const std::string& column, const ShardRow& row) -> std::optional<ColumnValue> {
            if (column == "run_id") return ColumnValue::of(remap.runId);
            if (column == "target_id") return mapped(row, column, row.text("target") == "concept" ? remap.concepts : latents);
            return std::nullopt;
        });
        table("artifacts", where).copy([&](const std::string& column, const ShardRow& row) -> std::optional<ColumnValue> {
            if (column == "run_id") return ColumnValue::of(remap.runId);
            if (column == "name") return ColumnValue::of(remapArtifactName(row.text(column), remap));
            if (column == "metadata") return ColumnValue::of(remapArtifactMetadata(row.text(column), remap));
            if (column == "data" && row.text("mime") == "application/json")
                return ColumnValue::of(remapArtifactJson(row.text(column), remap));
            return std::nullopt;
        });
        SqliteStatement summary(shard_, shardPath_, "SELECT summary FROM runs WHERE id = ?");
        summary.bind(1, shardRunId);
        if (summary.step()) {
            SqliteStatement update(target_, targetPath_, "UPDATE runs SET summary = ? WHERE id = ?");
            update.bind(1, remapRunSummary(summary.text(0), remap));
            update.bind(2, remap.runId);
            update.run();
            summary.reset();
        }
        return remap.runId;
    }

    // Concepts point at their parent, which may come later in id order: they are inserted without
    // it, and the parents are set once every concept of the run has its new id.
    void copyConcepts(const std::string& where, IdRemap& remap) {
        std::vector<std::pair<int64_t, int64_t>> parents;  // new id, shard parent id
        table("concepts", where)
            .copy(
                [&](const std::string& column, const ShardRow& row) -> std::optional<ColumnValue> {
                    if (column == "run_id") return ColumnValue::of(remap.runId);
                    if (column == "parent_id") return ColumnValue::null();
                    if (column == "metadata") return ColumnValue::of(remapConceptMetadata(row.text(column), remap));
                    return std::nullopt;
                },
                [&](const ShardRow& row, int64_t newId) {
                    remap.concepts[row.id()] = newId;
                    if (!row.isNull("parent_id")) parents.emplace_back(newId, row.integer("parent_id"));
                });
        SqliteStatement update(target_, targetPath_, "UPDATE concepts SET parent_id = ? WHERE id = ?");
        for (const auto& [id, shardParent] : parents) {
            const auto found = remap.concepts.find(shardParent);
            if (found == remap.concepts.end()) throw Error(shardPath_, "damaged project file: a concept's parent is not a concept of its run");
            update.bind(1, found->second);
            update.bind(2, id);
            update.run();
            update.reset();
        }
    }

    sqlite3* target_;
    std::string targetPath_;
    sqlite3* shard_;
    std::string shardPath_;
    std::unordered_map<int64_t, int64_t> models_, datasets_;
};

bool samePath(const std::string& a, const std::string& b) {
    std::error_code ec;
    return std::filesystem::equivalent(a, b, ec);
}

}  // namespace

namespace {

// SQLite's own words for a broken file ("database disk image is malformed") become a refusal that
// says the shard is damaged.
void checkShardReadable(const std::string& shardPath, const MergeOptions& options) {
    // open() refuses what is not a project, a newer schema and a file that fails quick_check.
    auto shard = store::ProjectStore::open(shardPath, /*readOnly=*/true);
    if (shard->schemaVersion() < store::kSchemaVersion)
        throw Error(shardPath, "project schema version " + std::to_string(shard->schemaVersion()) +
                                   " is older than this studio's (" + std::to_string(store::kSchemaVersion) +
                                   "); open it once with this studio to upgrade it, then merge");
    SqliteStatement check(shard->handle(), shardPath, "PRAGMA integrity_check");
    std::string problems;
    while (check.step())
        if (check.text(0) != "ok") problems += (problems.empty() ? "" : "; ") + check.text(0);
    if (!problems.empty()) throw Error(shardPath, "damaged project file: integrity check failed (" + problems.substr(0, 300) + ")");
    if (options.expectedModelSha256.empty()) return;
    SqliteStatement models(shard->handle(), shardPath, "SELECT path, sha256 FROM models ORDER BY id");
    while (models.step()) {
        const std::string sha = models.text(1);
        const auto& expected = options.expectedModelSha256;
        if (std::find(expected.begin(), expected.end(), sha) == expected.end())
            throw Error(shardPath, "its model " + models.text(0) + " has sha256 " + sha +
                                       ", not the sweep's model: it was made with another model file; refusing to merge it");
    }
}

}  // namespace

void checkShard(const std::string& shardPath, const MergeOptions& options) {
    try {
        checkShardReadable(shardPath, options);
    } catch (const Error& e) {
        if (e.problem().rfind("database error: ", 0) == 0)
            throw Error(shardPath, "damaged project file: " + e.problem().substr(16));
        throw;
    }
}

namespace {
void recordSweepRuns(store::ProjectStore& target, const SweepMembership& membership, const std::pair<int64_t, std::string>& shard,
                     const ShardMergeResult& merged) {
    const int64_t sweepId = target.addSweep(membership.sweep);
    for (int64_t runId : merged.targetRunIds) target.addSweepRun(sweepId, runId, shard.first, shard.second);
}
}  // namespace

MergeReport mergeProjects(const std::string& targetPath, const std::vector<std::string>& shardPaths, const MergeOptions& options) {
    if (shardPaths.empty()) throw UsageError("no shard projects to merge");
    for (const std::string& shard : shardPaths) {
        if (samePath(shard, targetPath)) throw Error(shard, "is the merge's target; a project cannot be merged into itself");
        checkShard(shard, options);
    }
    MergeReport report;
    report.target = targetPath;
    auto target = store::ProjectStore::openOrCreate(targetPath);
    if (target->readOnly()) throw Error(targetPath, "the target project is read-only");
    if (options.sweep && options.sweep->shards.size() != shardPaths.size())
        throw UsageError("a sweep merge names each shard's index and name: " + std::to_string(options.sweep->shards.size()) +
                         " given for " + std::to_string(shardPaths.size()) + " shard projects");
    for (size_t i = 0; i < shardPaths.size(); ++i) {
        auto shard = store::ProjectStore::open(shardPaths[i], /*readOnly=*/true);
        target->transaction([&] {
            report.shards.push_back(ShardCopy(*target, *shard).copy());
            if (options.sweep) recordSweepRuns(*target, *options.sweep, options.sweep->shards[i], report.shards.back());
        });
    }
    return report;
}

}  // namespace cs::sweep
