#pragma once
// ProjectStore: the SQLite project file (`.cstudio`, docs/project-schema.md), the single source of truth
// that views and reports read. WAL mode, foreign keys on, schema_version with migrations,
// every query parameterised. A run's results are written in one transaction together with
// its final status, so a half-finished run never looks finished.
//
// Not thread-safe: use one ProjectStore per thread (SQLite WAL allows a reader on the UI
// thread while the engine thread writes through its own connection).
#include "common/tensor_blob.h"
#include "store/artifact_kind.h"

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

struct sqlite3;

namespace cs::store {

constexpr int kSchemaVersion = 4;
constexpr const char* kApplicationName = "concept-studio";

enum class RunStatus { Queued, Running, Done, Failed, Cancelled, Interrupted };
const char* toString(RunStatus status);
RunStatus runStatusFromString(const std::string& text);

struct ModelRecord {
    int64_t id = 0;
    std::string path, sha256, adapter, kind;
    std::string metadataJson = "{}";
};

struct DatasetRecord {
    int64_t id = 0;
    std::string path, kind;  // kind: image-folder | image-folder-tree | idx | interactions
    std::string metadataJson = "{}";
};

struct RunRecord {
    int64_t id = 0;
    std::string kind;  // craft | recsae | train-sasrec | ...
    std::optional<int64_t> modelId, datasetId;
    std::string parametersJson = "{}";
    RunStatus status = RunStatus::Queued;
    std::string createdAt, startedAt, finishedAt;  // ISO-8601 UTC, empty when unset
    std::string error;
    std::string summaryJson = "{}";  // the --json summary once done
    std::string uuid;  // random, unique across projects: identifies the run when projects are merged
};

struct ConceptRecord {
    int64_t id = 0;
    int64_t runId = 0;
    std::optional<int64_t> parentId;  // recursive CRAFT tree
    std::string layer;
    int64_t index = 0;          // concept number within its (run, layer, parent)
    double importance = 0.0;    // mean Sobol total index
    double importanceStd = 0.0; // spread over images
    std::string label;
    TensorBlob vector;          // row of W (C values)
    std::string metadataJson = "{}";
};

struct CropRecord {
    int64_t id = 0;
    int64_t runId = 0;
    std::string sourceImage;     // path, or path#index for IDX
    int64_t x = 0, y = 0, w = 0, h = 0;  // box in source pixels
    TensorBlob coefficients;     // U row (r values)
};

struct LatentRecord {
    int64_t id = 0;
    int64_t runId = 0;
    int64_t index = 0;
    double frequency = 0, confidence = 0, precision = 0, recall = 0;
    std::string tagsJson = "[]";
    std::string metadataJson = "{}";
};

// What a user label names: a concept (row of `concepts`) or an SAE latent (row of `latents`).
enum class LabelTarget { Concept, Latent };
const char* toString(LabelTarget target);

// A user's name and note for a concept or latent (the `labels` table): who wrote it and when.
struct LabelRecord {
    int64_t id = 0;
    int64_t runId = 0;
    LabelTarget target = LabelTarget::Concept;
    int64_t targetId = 0;    // row id in `concepts` or `latents`
    std::string text, note;
    std::string author;      // the user name from the environment ($USER, $LOGNAME)
    std::string updatedAt;   // ISO-8601 UTC
};

struct ArtifactRecord {
    int64_t id = 0;
    int64_t runId = 0;
    ArtifactKind kind = ArtifactKind::Other;
    std::string otherKind;  // the stored text when kind is Other (an older engine's or a plugin's)
    std::string name;   // unique within (run, kind)
    std::string mime;   // image/png, application/x-cs-tensor, application/json
    std::string bytes;  // raw payload (PNG bytes, JSON text, ...)
    std::optional<TensorBlob> tensor;  // when mime is application/x-cs-tensor
    std::string metadataJson = "{}";

    // The kind as stored: toString(kind), or otherKind for Other.
    std::string kindText() const;
};

// A random (version 4) uuid, as runs and sweeps carry.
std::string newUuid();

// A sweep merged into the project (`sweep merge`): its runs are listed side by side.
struct SweepRecord {
    int64_t id = 0;
    std::string uuid;    // the sweep manifest's: merging the same sweep again adds to this row
    std::string kind;    // craft | recsae
    std::string name;    // the sweep folder's name
    std::string folder;  // where the sweep folder was when merged
    std::string createdAt;
    int64_t runCount = 0;  // filled by sweeps()
};

// A CRAFT activation pass kept for later runs (docs/craft.md "Activation cache"): g on the images
// and on their crops, found again by a key over the model, layer, images and crop parameters.
struct CachedActivationsRecord {
    std::string key;
    std::string modelSha256, layer;  // for listing and clearing; the key already covers them
    std::string metadataJson = "{}"; // crop boxes, Shift offset, smallest activation (craft/activation_cache.h)
    TensorBlob imageActivations, cropActivations;
    std::string usedAt;
    int64_t bytes = 0;               // of both tensors
};

// Which shard of a sweep a run came from.
struct SweepRunRecord {
    int64_t runId = 0;
    int64_t shard = 0;
    std::string shardName;  // e.g. "class 3" or "expansion 8, k 16, seed 1"
};

class ProjectStore {
public:
    // Creates a new project; fails if the file exists and is not empty.
    static std::unique_ptr<ProjectStore> create(const std::string& path);
    // Opens an existing project, migrating an older schema; refuses a non-project file,
    // a newer schema, or a damaged file with cs::Error naming the file. Runs found
    // `running` are marked `interrupted` (unless readOnly). A file or folder the user may not write
    // (by its mode bits, so also as root) opens read-only: viewable, never written, and no -wal
    // or -shm file is left beside it.
    static std::unique_ptr<ProjectStore> open(const std::string& path, bool readOnly = false);
    // Opens if it exists, else creates.
    static std::unique_ptr<ProjectStore> openOrCreate(const std::string& path);
    ~ProjectStore();

    const std::string& path() const { return path_; }
    bool readOnly() const { return readOnly_; }
    int schemaVersion() const;

    // Runs fn inside one transaction (nested calls join the outer one); rolls back on throw.
    void transaction(const std::function<void()>& fn);

    // Models and datasets are deduplicated on (path, sha256) / (path, kind).
    int64_t addModel(const ModelRecord& model);
    std::vector<ModelRecord> models() const;
    std::optional<ModelRecord> model(int64_t id) const;
    int64_t addDataset(const DatasetRecord& dataset);
    std::vector<DatasetRecord> datasets() const;

    // Run lifecycle: queued -> running -> done | failed | cancelled (interrupted on crash).
    int64_t createRun(const std::string& kind, const std::string& parametersJson,
                      std::optional<int64_t> modelId = {}, std::optional<int64_t> datasetId = {});
    void markRunning(int64_t runId);
    void markFailed(int64_t runId, const std::string& error);
    void markCancelled(int64_t runId);
    // Writes the run's results through `writeResults` and marks it done, in one transaction.
    void completeRun(int64_t runId, const std::string& summaryJson, const std::function<void()>& writeResults);
    std::optional<RunRecord> run(int64_t runId) const;
    std::vector<RunRecord> runs() const;  // newest first
    void deleteRun(int64_t runId);        // cascades to its concepts, crops, latents, artifacts

    int64_t addConcept(const ConceptRecord& concept);
    std::vector<ConceptRecord> concepts(int64_t runId) const;
    int64_t addCrop(const CropRecord& crop);
    std::vector<CropRecord> crops(int64_t runId) const;
    int64_t addLatent(const LatentRecord& latent);
    std::vector<LatentRecord> latents(int64_t runId) const;
    int64_t addArtifact(const ArtifactRecord& artifact);
    // Replaces the run's artifacts of the same kind and name (if any) by this one, atomically.
    int64_t replaceArtifact(const ArtifactRecord& artifact);
    // Lists artifacts without their payload (bytes/tensor empty) for speed; all kinds when none
    // is given. Other matches every kind that is not a known one.
    std::vector<ArtifactRecord> artifacts(int64_t runId, std::optional<ArtifactKind> kind = {}) const;
    std::optional<ArtifactRecord> artifact(int64_t runId, ArtifactKind kind, const std::string& name) const;
    std::optional<ArtifactRecord> artifact(int64_t artifactId) const;

    // User labels and notes. setLabel creates or replaces the label of one concept or latent
    // (cs::Error naming the project when no such row exists); its run is the row's run.
    void setLabel(LabelTarget target, int64_t targetId, const std::string& text, const std::string& note);
    std::optional<LabelRecord> label(LabelTarget target, int64_t targetId) const;
    void removeLabel(LabelTarget target, int64_t targetId);  // no-op when there is none
    std::vector<LabelRecord> labels(int64_t runId) const;    // by target, then target id

    // Sweeps: addSweep returns the row of the sweep with that uuid, added when new; addSweepRun
    // links a run to its shard (a second call for the same run adds nothing).
    int64_t addSweep(const SweepRecord& sweep);
    void addSweepRun(int64_t sweepId, int64_t runId, int64_t shard, const std::string& shardName);
    std::vector<SweepRecord> sweeps() const;  // newest first, with their run counts
    std::vector<SweepRunRecord> sweepRuns(int64_t sweepId) const;  // by shard
    std::optional<int64_t> sweepOfRun(int64_t runId) const;

    // The activation cache: keepActivations adds (or replaces) an entry, then drops the least
    // recently used entries beyond maxBytes in all; cachedActivations finds one and marks it used
    // (a read-only project only reads).
    void keepActivations(const CachedActivationsRecord& entry, int64_t maxBytes);
    std::optional<CachedActivationsRecord> cachedActivations(const std::string& key);
    std::vector<CachedActivationsRecord> cachedActivationsList() const;  // without tensors, most recently used first
    void clearActivationCache();

    // Key/value settings kept in the project (e.g. last view state).
    void setSetting(const std::string& key, const std::string& value);
    std::optional<std::string> setting(const std::string& key) const;

    sqlite3* handle() const { return db_; }  // for tests and advanced readers

private:
    ProjectStore(std::string path, sqlite3* db, bool readOnly);
    void migrate(int fromVersion);
    std::string path_;
    sqlite3* db_ = nullptr;
    bool readOnly_ = false;
    std::string readOnlyReason_;  // why a write is refused, for the message (see open())
    int transactionDepth_ = 0;
};

}  // namespace cs::store
