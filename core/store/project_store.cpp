#include "store/project_store.h"

#include "common/error.h"
#include "common/input_file.h"

#include <sqlite3.h>
#include <sys/stat.h>
#include <signal.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <iterator>

#include <chrono>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <random>

namespace cs::store {

namespace {

// The schema of version 1. Later versions add migrations in ProjectStore::migrate, never
// edit this text (a project written by an older studio must keep opening).
const char* kSchemaV1 = R"SQL(
CREATE TABLE project_info (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE models (
  id INTEGER PRIMARY KEY, path TEXT NOT NULL, sha256 TEXT NOT NULL, adapter TEXT NOT NULL,
  kind TEXT NOT NULL, metadata TEXT NOT NULL DEFAULT '{}', added_at TEXT NOT NULL,
  UNIQUE(path, sha256));
CREATE TABLE datasets (
  id INTEGER PRIMARY KEY, path TEXT NOT NULL, kind TEXT NOT NULL,
  metadata TEXT NOT NULL DEFAULT '{}', added_at TEXT NOT NULL, UNIQUE(path, kind));
CREATE TABLE runs (
  id INTEGER PRIMARY KEY, kind TEXT NOT NULL,
  model_id INTEGER REFERENCES models(id) ON DELETE SET NULL,
  dataset_id INTEGER REFERENCES datasets(id) ON DELETE SET NULL,
  parameters TEXT NOT NULL DEFAULT '{}',
  status TEXT NOT NULL CHECK (status IN ('queued','running','done','failed','cancelled','interrupted')),
  created_at TEXT NOT NULL, started_at TEXT, finished_at TEXT, error TEXT,
  summary TEXT NOT NULL DEFAULT '{}',
  owner TEXT);
CREATE TABLE concepts (
  id INTEGER PRIMARY KEY, run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  parent_id INTEGER REFERENCES concepts(id) ON DELETE CASCADE,
  layer TEXT NOT NULL, idx INTEGER NOT NULL, importance REAL NOT NULL, importance_std REAL NOT NULL DEFAULT 0,
  label TEXT NOT NULL DEFAULT '', vector_shape TEXT NOT NULL, vector BLOB NOT NULL,
  metadata TEXT NOT NULL DEFAULT '{}');
CREATE INDEX concepts_run ON concepts(run_id);
CREATE TABLE crops (
  id INTEGER PRIMARY KEY, run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  source_image TEXT NOT NULL, x INTEGER NOT NULL, y INTEGER NOT NULL, w INTEGER NOT NULL, h INTEGER NOT NULL,
  coefficients_shape TEXT NOT NULL, coefficients BLOB NOT NULL);
CREATE INDEX crops_run ON crops(run_id);
CREATE TABLE latents (
  id INTEGER PRIMARY KEY, run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  idx INTEGER NOT NULL, frequency REAL NOT NULL, confidence REAL NOT NULL, precision REAL NOT NULL,
  recall REAL NOT NULL, tags TEXT NOT NULL DEFAULT '[]', metadata TEXT NOT NULL DEFAULT '{}',
  UNIQUE(run_id, idx));
CREATE TABLE artifacts (
  id INTEGER PRIMARY KEY, run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  kind TEXT NOT NULL, name TEXT NOT NULL, mime TEXT NOT NULL,
  tensor_shape TEXT, data BLOB NOT NULL, metadata TEXT NOT NULL DEFAULT '{}',
  UNIQUE(run_id, kind, name));
CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);
)SQL";

// Version 2. Runs carry a uuid, so merging the same shard project twice adds nothing; the
// existing runs get one here. Labels and notes that users give concepts and latents live in
// their own table with who wrote them and when; `target_id` is the row id in `concepts` or
// `latents` (so a merge remaps it with the row).
const char* kMigrationToV2 = R"SQL(
ALTER TABLE runs ADD COLUMN uuid TEXT;
UPDATE runs SET uuid = lower(hex(randomblob(4)) || '-' || hex(randomblob(2)) || '-4' ||
  substr(hex(randomblob(2)), 2) || '-' || substr('89ab', 1 + (abs(random()) % 4), 1) ||
  substr(hex(randomblob(2)), 2) || '-' || hex(randomblob(6)));
CREATE UNIQUE INDEX runs_uuid ON runs(uuid);
CREATE TABLE labels (
  id INTEGER PRIMARY KEY, run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  target TEXT NOT NULL CHECK (target IN ('concept','latent')), target_id INTEGER NOT NULL,
  text TEXT NOT NULL DEFAULT '', note TEXT NOT NULL DEFAULT '', author TEXT NOT NULL DEFAULT '',
  updated_at TEXT NOT NULL, UNIQUE(run_id, target, target_id));
CREATE INDEX labels_run ON labels(run_id);
)SQL";

// Version 3. A sweep's runs keep their grouping once merged (the sweep view lists them side by
// side): `sweeps` is one row per sweep folder merged in, keyed by the manifest's uuid, and
// `sweep_runs` says which shard each run came from.
const char* kMigrationToV3 = R"SQL(
CREATE TABLE sweeps (
  id INTEGER PRIMARY KEY, uuid TEXT NOT NULL UNIQUE, kind TEXT NOT NULL, name TEXT NOT NULL,
  folder TEXT NOT NULL, created_at TEXT NOT NULL);
CREATE TABLE sweep_runs (
  run_id INTEGER PRIMARY KEY REFERENCES runs(id) ON DELETE CASCADE,
  sweep_id INTEGER NOT NULL REFERENCES sweeps(id) ON DELETE CASCADE,
  shard INTEGER NOT NULL, shard_name TEXT NOT NULL);
CREATE INDEX sweep_runs_sweep ON sweep_runs(sweep_id);
)SQL";

// Version 4: the CRAFT activation cache (craft/activation_cache.h).
const char* kMigrationToV4 = R"SQL(
CREATE TABLE activation_cache (
  key TEXT PRIMARY KEY, model_sha256 TEXT NOT NULL, layer TEXT NOT NULL, metadata TEXT NOT NULL DEFAULT '{}',
  image_shape TEXT NOT NULL, image_activations BLOB NOT NULL, crop_shape TEXT NOT NULL, crop_activations BLOB NOT NULL,
  bytes INTEGER NOT NULL, used_at TEXT NOT NULL, use_order INTEGER NOT NULL);
)SQL";

}  // namespace

std::string newUuid() {
    std::random_device device;
    std::mt19937_64 bits((static_cast<uint64_t>(device()) << 32) ^ device());
    const uint64_t high = (bits() & 0xffffffffffff0fffULL) | 0x0000000000004000ULL;
    const uint64_t low = (bits() & 0x3fffffffffffffffULL) | 0x8000000000000000ULL;
    char text[37];
    std::snprintf(text, sizeof text, "%08x-%04x-%04x-%04x-%012llx", static_cast<unsigned>(high >> 32),
                  static_cast<unsigned>((high >> 16) & 0xffff), static_cast<unsigned>(high & 0xffff),
                  static_cast<unsigned>(low >> 48), static_cast<unsigned long long>(low & 0xffffffffffffULL));
    return text;
}

namespace {

// "CSTD" as the SQLite application_id, so `file` and the studio recognise a project.
constexpr int kApplicationId = 0x43535444;

// Identifies the process that owns a queued/running run: "host|pid|process start ticks".
// A run whose owner is gone was interrupted; one whose owner is alive (another window, the
// engine thread of this very process) is left alone.
std::string processStartTicks(long pid) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
    std::string content((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    const auto close = content.rfind(')');
    if (close == std::string::npos) return {};
    // Field 22 (starttime) counted from after the command name, which may contain spaces.
    size_t pos = close + 2;
    for (int field = 3; field < 22 && pos != std::string::npos; ++field) pos = content.find(' ', pos) + 1;
    if (pos == 0 || pos == std::string::npos) return {};
    return content.substr(pos, content.find(' ', pos) - pos);
}

std::string hostName() {
    char buf[256] = {};
    gethostname(buf, sizeof buf - 1);
    return buf;
}

std::string currentOwner() {
    static const std::string owner = hostName() + "|" + std::to_string(getpid()) + "|" + processStartTicks(getpid());
    return owner;
}

bool ownerAlive(const std::string& owner) {
    const auto a = owner.find('|'), b = owner.rfind('|');
    if (a == std::string::npos || b == a) return false;
    if (owner.substr(0, a) != hostName()) return true;  // another machine: cannot tell, assume alive
    const long pid = std::stol(owner.substr(a + 1, b - a - 1));
    if (kill(static_cast<pid_t>(pid), 0) != 0 && errno == ESRCH) return false;
    return processStartTicks(pid) == owner.substr(b + 1);  // same pid, same start = same process
}

std::string nowIso() {
    const auto now = std::chrono::system_clock::now();
    const std::time_t t = std::chrono::system_clock::to_time_t(now);
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf;
}

// A prepared statement with typed binds; finalised on scope exit.
class Statement {
public:
    Statement(sqlite3* db, const std::string& path, const char* sql) : db_(db), path_(path) {
        if (sqlite3_prepare_v2(db, sql, -1, &stmt_, nullptr) != SQLITE_OK)
            throw Error(path_, std::string("database error: ") + sqlite3_errmsg(db));
    }
    ~Statement() { sqlite3_finalize(stmt_); }
    Statement& bind(int i, int64_t v) { check(sqlite3_bind_int64(stmt_, i, v)); return *this; }
    Statement& bind(int i, double v) { check(sqlite3_bind_double(stmt_, i, v)); return *this; }
    Statement& bind(int i, const std::string& v) {
        check(sqlite3_bind_text(stmt_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT));
        return *this;
    }
    Statement& bindBlob(int i, const std::string& bytes) {
        check(sqlite3_bind_blob(stmt_, i, bytes.data(), static_cast<int>(bytes.size()), SQLITE_TRANSIENT));
        return *this;
    }
    Statement& bind(int i, const std::optional<int64_t>& v) {
        if (v) return bind(i, *v);
        check(sqlite3_bind_null(stmt_, i));
        return *this;
    }
    Statement& bindNull(int i) { check(sqlite3_bind_null(stmt_, i)); return *this; }
    // True while a row is available.
    bool step() {
        const int rc = sqlite3_step(stmt_);
        if (rc == SQLITE_ROW) return true;
        if (rc == SQLITE_DONE) return false;
        throw Error(path_, std::string("database error: ") + sqlite3_errmsg(db_));
    }
    void exec() { while (step()) {} }
    int64_t i64(int c) const { return sqlite3_column_int64(stmt_, c); }
    double f64(int c) const { return sqlite3_column_double(stmt_, c); }
    bool isNull(int c) const { return sqlite3_column_type(stmt_, c) == SQLITE_NULL; }
    std::optional<int64_t> optI64(int c) const { return isNull(c) ? std::nullopt : std::optional<int64_t>(i64(c)); }
    std::string text(int c) const {
        const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, c));
        return p ? std::string(p, static_cast<size_t>(sqlite3_column_bytes(stmt_, c))) : std::string();
    }
    std::string blob(int c) const {
        const auto* p = static_cast<const char*>(sqlite3_column_blob(stmt_, c));
        return p ? std::string(p, static_cast<size_t>(sqlite3_column_bytes(stmt_, c))) : std::string();
    }
    TensorBlob tensor(int shapeColumn, int dataColumn) const {
        const auto* p = sqlite3_column_blob(stmt_, dataColumn);
        const int n = sqlite3_column_bytes(stmt_, dataColumn);
        return TensorBlob::fromBytes(shapeFromJson(text(shapeColumn)), p, static_cast<size_t>(n));
    }

private:
    void check(int rc) {
        if (rc != SQLITE_OK) throw Error(path_, std::string("database error: ") + sqlite3_errmsg(db_));
    }
    sqlite3* db_;
    const std::string& path_;
    sqlite3_stmt* stmt_ = nullptr;
};

void execSql(sqlite3* db, const std::string& path, const char* sql) {
    char* err = nullptr;
    if (sqlite3_exec(db, sql, nullptr, nullptr, &err) != SQLITE_OK) {
        std::string message = err ? err : "unknown error";
        sqlite3_free(err);
        throw Error(path, "database error: " + message);
    }
}

int pragmaInt(sqlite3* db, const std::string& path, const char* pragma) {
    Statement s(db, path, pragma);
    return s.step() ? static_cast<int>(s.i64(0)) : 0;
}

// Opens the SQLite connection; maps SQLite's codes to messages a user understands.
sqlite3* openConnection(const std::string& path, int flags) {
    sqlite3* db = nullptr;
    const int rc = sqlite3_open_v2(path.c_str(), &db, flags, nullptr);
    if (rc != SQLITE_OK) {
        std::string message = db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
        sqlite3_close(db);
        throw Error(path, "cannot open project: " + message);
    }
    sqlite3_busy_timeout(db, 5000);
    sqlite3_extended_result_codes(db, 1);
    return db;
}

bool isSqliteFile(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    char header[16] = {};
    in.read(header, 16);
    return in.gcount() == 16 && std::string(header, 15) == "SQLite format 3";
}

// Why the user may not write the project ("" when they may). By the mode bits as well as access():
// root passes access(W_OK) on a chmod 444 file, and a file its owner made read-only must stay so.
std::string whyNotWritable(const std::string& path) {
    struct stat file {};
    if (::stat(path.c_str(), &file) == 0 && (file.st_mode & (S_IWUSR | S_IWGRP | S_IWOTH)) == 0)
        return "the file is read-only";
    if (access(path.c_str(), W_OK) != 0) return "the file is read-only for this user";
    // SQLite writes its -wal and -shm files beside the project.
    std::string folder = std::filesystem::path(path).parent_path().string();
    if (folder.empty()) folder = ".";
    struct stat dir {};
    if (::stat(folder.c_str(), &dir) == 0 && (dir.st_mode & (S_IWUSR | S_IWGRP | S_IWOTH)) == 0)
        return "its folder is read-only";
    if (access(folder.c_str(), W_OK) != 0) return "its folder is read-only for this user";
    return "";
}

bool hasWalContent(const std::string& path) {
    std::error_code ec;
    const auto size = std::filesystem::file_size(path + "-wal", ec);
    return !ec && size > 0;
}

// "file:<path>?immutable=1" with the characters a URI path may not hold percent-encoded.
std::string immutableUri(const std::string& path) {
    std::string uri = "file:";
    for (unsigned char c : path) {
        if (std::isalnum(c) || c == '/' || c == '.' || c == '-' || c == '_' || c == '~') {
            uri += static_cast<char>(c);
        } else {
            char escaped[4];
            std::snprintf(escaped, sizeof escaped, "%%%02X", c);
            uri += escaped;
        }
    }
    return uri + "?immutable=1";
}

void requireCheckedTensor(const TensorBlob& t, const char* what) {
    if (!t.valid()) throw Error(what, "tensor data does not match its shape " + t.shapeText());
}

}  // namespace

const char* toString(RunStatus status) {
    switch (status) {
        case RunStatus::Queued: return "queued";
        case RunStatus::Running: return "running";
        case RunStatus::Done: return "done";
        case RunStatus::Failed: return "failed";
        case RunStatus::Cancelled: return "cancelled";
        case RunStatus::Interrupted: return "interrupted";
    }
    return "unknown";
}

RunStatus runStatusFromString(const std::string& text) {
    for (auto s : {RunStatus::Queued, RunStatus::Running, RunStatus::Done, RunStatus::Failed,
                   RunStatus::Cancelled, RunStatus::Interrupted})
        if (text == toString(s)) return s;
    throw Error("run", "unknown run status '" + text + "'");
}

ProjectStore::ProjectStore(std::string path, sqlite3* db, bool readOnly)
    : path_(std::move(path)), db_(db), readOnly_(readOnly) {}

ProjectStore::~ProjectStore() {
    if (db_) sqlite3_close_v2(db_);
}

std::unique_ptr<ProjectStore> ProjectStore::create(const std::string& path) {
    namespace fs = std::filesystem;
    std::error_code ec;
    if (fs::exists(path, ec) && fs::file_size(path, ec) > 0)
        throw Error(path, "a file already exists there; open it or choose another name");
    if (fs::path(path).has_parent_path()) fs::create_directories(fs::path(path).parent_path(), ec);
    sqlite3* db = openConnection(path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
    std::unique_ptr<ProjectStore> store(new ProjectStore(path, db, false));
    execSql(db, path, "PRAGMA journal_mode=WAL; PRAGMA foreign_keys=ON; PRAGMA synchronous=NORMAL;");
    store->transaction([&] {
        // A new project is built the way an old one is upgraded: version 1, then each migration.
        execSql(db, path, kSchemaV1);
        execSql(db, path, ("PRAGMA application_id=" + std::to_string(kApplicationId) + ";").c_str());
        execSql(db, path, "PRAGMA user_version=1;");
        store->migrate(1);
        Statement s(db, path, "INSERT INTO project_info(key, value) VALUES (?, ?), ('created_at', ?)");
        s.bind(1, std::string("application")).bind(2, std::string(kApplicationName)).bind(3, nowIso()).exec();
    });
    return store;
}

std::unique_ptr<ProjectStore> ProjectStore::open(const std::string& path, bool readOnly) {
    namespace fs = std::filesystem;
    std::error_code ec;
    if (!fs::exists(path, ec)) throw Error(path, "no such project file");
    requireRegularFile(path, "a project file (.cstudio)");
    if (!isSqliteFile(path)) throw Error(path, "not a ConceptStudio project (not an SQLite database)");

    // A read-only file (or folder) is opened read-only, rather than failing later mid-write.
    const std::string notWritable = whyNotWritable(path);
    const bool effectiveReadOnly = readOnly || !notWritable.empty();
    sqlite3* db = nullptr;
    if (!notWritable.empty() && !hasWalContent(path)) {
        // Nothing waits in a write-ahead log, so the file alone is the project: immutable=1 reads it
        // without creating -shm or -wal files, which a read-only folder would not allow and which,
        // made with the file's read-only mode, would block later writers once the mode is changed.
        db = openConnection(immutableUri(path), SQLITE_OPEN_READONLY | SQLITE_OPEN_URI);
    } else {
        db = openConnection(path, effectiveReadOnly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE);
    }
    std::unique_ptr<ProjectStore> store(new ProjectStore(path, db, effectiveReadOnly));
    store->readOnlyReason_ = !notWritable.empty() ? notWritable : readOnly ? "it was opened for viewing only" : "";

    int appId = 0, version = 0;
    try {
        appId = pragmaInt(db, path, "PRAGMA application_id");
        version = pragmaInt(db, path, "PRAGMA user_version");
    } catch (const Error& e) {
        if (!notWritable.empty())
            throw Error(path, "cannot read the read-only project (" + notWritable + "): " + e.problem());
        throw Error(path, "damaged project file: " + e.problem());
    }
    if (appId != kApplicationId)
        throw Error(path, "not a ConceptStudio project (an SQLite database of another program)");
    if (version > kSchemaVersion)
        throw Error(path, "project schema version " + std::to_string(version) +
                              " is newer than this studio supports (" + std::to_string(kSchemaVersion) +
                              "); upgrade ConceptStudio to open it");
    if (version < 1) throw Error(path, "damaged project file: no schema version");

    {
        Statement check(db, path, "PRAGMA quick_check");
        if (!check.step() || check.text(0) != "ok")
            throw Error(path, "damaged project file: integrity check failed (" + check.text(0) + ")");
    }
    execSql(db, path, "PRAGMA foreign_keys=ON;");
    if (!effectiveReadOnly) {
        execSql(db, path, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;");
        if (version < kSchemaVersion) store->migrate(version);
        // A run still queued/running whose owning process is gone was killed mid-way (docs/architecture.md).
        std::vector<int64_t> orphans;
        {
            Statement s(db, path, "SELECT id, COALESCE(owner, '') FROM runs WHERE status IN ('running','queued')");
            while (s.step())
                if (!ownerAlive(s.text(1))) orphans.push_back(s.i64(0));
        }
        for (int64_t id : orphans) {
            Statement s(db, path,
                        "UPDATE runs SET status='interrupted', finished_at=?, "
                        "error=COALESCE(error, 'the program stopped while this run was in progress') WHERE id=?");
            s.bind(1, nowIso()).bind(2, id).exec();
        }
    }
    return store;
}

std::unique_ptr<ProjectStore> ProjectStore::openOrCreate(const std::string& path) {
    std::error_code ec;
    if (std::filesystem::exists(path, ec)) {
        // An existing path must be a file before its size means anything (a FIFO has none).
        requireRegularFile(path, "a project file (.cstudio)");
        if (std::filesystem::file_size(path, ec) > 0) return open(path);
    }
    return create(path);
}

void ProjectStore::migrate(int fromVersion) {
    // Each step runs in the same transaction as its user_version bump, so a project is at one
    // version or the next, never in between.
    transaction([&] {
        if (fromVersion < 2) {
            execSql(db_, path_, kMigrationToV2);
            execSql(db_, path_, "PRAGMA user_version=2;");
        }
        if (fromVersion < 3) {
            execSql(db_, path_, kMigrationToV3);
            execSql(db_, path_, "PRAGMA user_version=3;");
        }
        if (fromVersion < 4) {
            execSql(db_, path_, kMigrationToV4);
            execSql(db_, path_, "PRAGMA user_version=4;");
        }
    });
}

int ProjectStore::schemaVersion() const { return pragmaInt(db_, path_, "PRAGMA user_version"); }

void ProjectStore::transaction(const std::function<void()>& fn) {
    if (transactionDepth_ > 0) {
        ++transactionDepth_;
        try {
            fn();
        } catch (...) {
            --transactionDepth_;
            throw;
        }
        --transactionDepth_;
        return;
    }
    if (readOnly_) throw Error(path_, "the project is open read-only (" + readOnlyReason_ + "); nothing can be stored in it");
    execSql(db_, path_, "BEGIN IMMEDIATE");
    ++transactionDepth_;
    try {
        fn();
        --transactionDepth_;
        execSql(db_, path_, "COMMIT");
    } catch (...) {
        --transactionDepth_;
        sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
        throw;
    }
}

int64_t ProjectStore::addModel(const ModelRecord& m) {
    int64_t id = 0;
    transaction([&] {
        Statement find(db_, path_, "SELECT id FROM models WHERE path=? AND sha256=?");
        find.bind(1, m.path).bind(2, m.sha256);
        if (find.step()) {
            id = find.i64(0);
            return;
        }
        Statement s(db_, path_,
                    "INSERT INTO models(path, sha256, adapter, kind, metadata, added_at) VALUES (?,?,?,?,?,?)");
        s.bind(1, m.path).bind(2, m.sha256).bind(3, m.adapter).bind(4, m.kind).bind(5, m.metadataJson).bind(6, nowIso());
        s.exec();
        id = sqlite3_last_insert_rowid(db_);
    });
    return id;
}

static ModelRecord readModel(const Statement& s) {
    ModelRecord m;
    m.id = s.i64(0);
    m.path = s.text(1);
    m.sha256 = s.text(2);
    m.adapter = s.text(3);
    m.kind = s.text(4);
    m.metadataJson = s.text(5);
    return m;
}

std::vector<ModelRecord> ProjectStore::models() const {
    Statement s(db_, path_, "SELECT id, path, sha256, adapter, kind, metadata FROM models ORDER BY id");
    std::vector<ModelRecord> out;
    while (s.step()) out.push_back(readModel(s));
    return out;
}

std::optional<ModelRecord> ProjectStore::model(int64_t id) const {
    Statement s(db_, path_, "SELECT id, path, sha256, adapter, kind, metadata FROM models WHERE id=?");
    s.bind(1, id);
    if (!s.step()) return std::nullopt;
    return readModel(s);
}

int64_t ProjectStore::addDataset(const DatasetRecord& d) {
    int64_t id = 0;
    transaction([&] {
        Statement find(db_, path_, "SELECT id FROM datasets WHERE path=? AND kind=?");
        find.bind(1, d.path).bind(2, d.kind);
        if (find.step()) {
            id = find.i64(0);
            return;
        }
        Statement s(db_, path_, "INSERT INTO datasets(path, kind, metadata, added_at) VALUES (?,?,?,?)");
        s.bind(1, d.path).bind(2, d.kind).bind(3, d.metadataJson).bind(4, nowIso());
        s.exec();
        id = sqlite3_last_insert_rowid(db_);
    });
    return id;
}

std::vector<DatasetRecord> ProjectStore::datasets() const {
    Statement s(db_, path_, "SELECT id, path, kind, metadata FROM datasets ORDER BY id");
    std::vector<DatasetRecord> out;
    while (s.step()) out.push_back(DatasetRecord{s.i64(0), s.text(1), s.text(2), s.text(3)});
    return out;
}

int64_t ProjectStore::createRun(const std::string& kind, const std::string& parametersJson,
                                std::optional<int64_t> modelId, std::optional<int64_t> datasetId) {
    int64_t id = 0;
    transaction([&] {
        Statement s(db_, path_,
                    "INSERT INTO runs(kind, model_id, dataset_id, parameters, status, created_at, owner, uuid) "
                    "VALUES (?,?,?,?,'queued',?,?,?)");
        s.bind(1, kind).bind(2, modelId).bind(3, datasetId).bind(4, parametersJson).bind(5, nowIso());
        s.bind(6, currentOwner()).bind(7, newUuid());
        s.exec();
        id = sqlite3_last_insert_rowid(db_);
    });
    return id;
}

namespace {
void setStatus(sqlite3* db, const std::string& path, int64_t runId, const char* status, const char* timeColumn,
               const std::string* error) {
    const std::string sql = std::string("UPDATE runs SET status=?, ") + timeColumn + "=?" +
                            (error ? ", error=?" : "") + " WHERE id=?";
    Statement s(db, path, sql.c_str());
    s.bind(1, std::string(status)).bind(2, nowIso());
    int next = 3;
    if (error) s.bind(next++, *error);
    s.bind(next, runId);
    s.exec();
    if (sqlite3_changes(db) != 1) throw Error(path, "no run with id " + std::to_string(runId));
}
}  // namespace

void ProjectStore::markRunning(int64_t runId) {
    transaction([&] {
        setStatus(db_, path_, runId, "running", "started_at", nullptr);
        Statement s(db_, path_, "UPDATE runs SET owner=? WHERE id=?");
        s.bind(1, currentOwner()).bind(2, runId).exec();
    });
}

void ProjectStore::markFailed(int64_t runId, const std::string& error) {
    transaction([&] { setStatus(db_, path_, runId, "failed", "finished_at", &error); });
}

void ProjectStore::markCancelled(int64_t runId) {
    transaction([&] { setStatus(db_, path_, runId, "cancelled", "finished_at", nullptr); });
}

void ProjectStore::completeRun(int64_t runId, const std::string& summaryJson,
                               const std::function<void()>& writeResults) {
    transaction([&] {
        writeResults();
        Statement s(db_, path_, "UPDATE runs SET summary=? WHERE id=?");
        s.bind(1, summaryJson).bind(2, runId).exec();
        setStatus(db_, path_, runId, "done", "finished_at", nullptr);
    });
}

static RunRecord readRun(const Statement& s) {
    RunRecord r;
    r.id = s.i64(0);
    r.kind = s.text(1);
    r.modelId = s.optI64(2);
    r.datasetId = s.optI64(3);
    r.parametersJson = s.text(4);
    r.status = runStatusFromString(s.text(5));
    r.createdAt = s.text(6);
    r.startedAt = s.text(7);
    r.finishedAt = s.text(8);
    r.error = s.text(9);
    r.summaryJson = s.text(10);
    r.uuid = s.text(11);
    return r;
}

static const char* kRunColumns =
    "SELECT id, kind, model_id, dataset_id, parameters, status, created_at, started_at, finished_at, error, "
    "summary, COALESCE(uuid, '') FROM runs ";

std::optional<RunRecord> ProjectStore::run(int64_t runId) const {
    Statement s(db_, path_, (std::string(kRunColumns) + "WHERE id=?").c_str());
    s.bind(1, runId);
    if (!s.step()) return std::nullopt;
    return readRun(s);
}

std::vector<RunRecord> ProjectStore::runs() const {
    Statement s(db_, path_, (std::string(kRunColumns) + "ORDER BY id DESC").c_str());
    std::vector<RunRecord> out;
    while (s.step()) out.push_back(readRun(s));
    return out;
}

void ProjectStore::deleteRun(int64_t runId) {
    transaction([&] {
        Statement s(db_, path_, "DELETE FROM runs WHERE id=?");
        s.bind(1, runId).exec();
    });
}

int64_t ProjectStore::addConcept(const ConceptRecord& c) {
    requireCheckedTensor(c.vector, "concept vector");
    int64_t id = 0;
    transaction([&] {
        Statement s(db_, path_,
                    "INSERT INTO concepts(run_id, parent_id, layer, idx, importance, importance_std, label, "
                    "vector_shape, vector, metadata) VALUES (?,?,?,?,?,?,?,?,?,?)");
        s.bind(1, c.runId).bind(2, c.parentId).bind(3, c.layer).bind(4, c.index).bind(5, c.importance);
        s.bind(6, c.importanceStd).bind(7, c.label).bind(8, shapeToJson(c.vector.shape));
        s.bindBlob(9, c.vector.dataBytes()).bind(10, c.metadataJson);
        s.exec();
        id = sqlite3_last_insert_rowid(db_);
    });
    return id;
}

std::vector<ConceptRecord> ProjectStore::concepts(int64_t runId) const {
    Statement s(db_, path_,
                "SELECT id, run_id, parent_id, layer, idx, importance, importance_std, label, vector_shape, vector, "
                "metadata FROM concepts WHERE run_id=? ORDER BY id");
    s.bind(1, runId);
    std::vector<ConceptRecord> out;
    while (s.step()) {
        ConceptRecord c;
        c.id = s.i64(0);
        c.runId = s.i64(1);
        c.parentId = s.optI64(2);
        c.layer = s.text(3);
        c.index = s.i64(4);
        c.importance = s.f64(5);
        c.importanceStd = s.f64(6);
        c.label = s.text(7);
        c.vector = s.tensor(8, 9);
        c.metadataJson = s.text(10);
        out.push_back(std::move(c));
    }
    return out;
}

int64_t ProjectStore::addCrop(const CropRecord& c) {
    requireCheckedTensor(c.coefficients, "crop coefficients");
    int64_t id = 0;
    transaction([&] {
        Statement s(db_, path_,
                    "INSERT INTO crops(run_id, source_image, x, y, w, h, coefficients_shape, coefficients) "
                    "VALUES (?,?,?,?,?,?,?,?)");
        s.bind(1, c.runId).bind(2, c.sourceImage).bind(3, c.x).bind(4, c.y).bind(5, c.w).bind(6, c.h);
        s.bind(7, shapeToJson(c.coefficients.shape)).bindBlob(8, c.coefficients.dataBytes());
        s.exec();
        id = sqlite3_last_insert_rowid(db_);
    });
    return id;
}

std::vector<CropRecord> ProjectStore::crops(int64_t runId) const {
    Statement s(db_, path_,
                "SELECT id, run_id, source_image, x, y, w, h, coefficients_shape, coefficients FROM crops "
                "WHERE run_id=? ORDER BY id");
    s.bind(1, runId);
    std::vector<CropRecord> out;
    while (s.step()) {
        CropRecord c;
        c.id = s.i64(0);
        c.runId = s.i64(1);
        c.sourceImage = s.text(2);
        c.x = s.i64(3);
        c.y = s.i64(4);
        c.w = s.i64(5);
        c.h = s.i64(6);
        c.coefficients = s.tensor(7, 8);
        out.push_back(std::move(c));
    }
    return out;
}

int64_t ProjectStore::addLatent(const LatentRecord& l) {
    int64_t id = 0;
    transaction([&] {
        Statement s(db_, path_,
                    "INSERT INTO latents(run_id, idx, frequency, confidence, precision, recall, tags, metadata) "
                    "VALUES (?,?,?,?,?,?,?,?)");
        s.bind(1, l.runId).bind(2, l.index).bind(3, l.frequency).bind(4, l.confidence).bind(5, l.precision);
        s.bind(6, l.recall).bind(7, l.tagsJson).bind(8, l.metadataJson);
        s.exec();
        id = sqlite3_last_insert_rowid(db_);
    });
    return id;
}

std::vector<LatentRecord> ProjectStore::latents(int64_t runId) const {
    Statement s(db_, path_,
                "SELECT id, run_id, idx, frequency, confidence, precision, recall, tags, metadata FROM latents "
                "WHERE run_id=? ORDER BY idx");
    s.bind(1, runId);
    std::vector<LatentRecord> out;
    while (s.step()) {
        LatentRecord l;
        l.id = s.i64(0);
        l.runId = s.i64(1);
        l.index = s.i64(2);
        l.frequency = s.f64(3);
        l.confidence = s.f64(4);
        l.precision = s.f64(5);
        l.recall = s.f64(6);
        l.tagsJson = s.text(7);
        l.metadataJson = s.text(8);
        out.push_back(std::move(l));
    }
    return out;
}

std::string ArtifactRecord::kindText() const { return kind == ArtifactKind::Other ? otherKind : toString(kind); }

int64_t ProjectStore::addArtifact(const ArtifactRecord& a) {
    int64_t id = 0;
    transaction([&] {
        Statement s(db_, path_,
                    "INSERT INTO artifacts(run_id, kind, name, mime, tensor_shape, data, metadata) "
                    "VALUES (?,?,?,?,?,?,?)");
        s.bind(1, a.runId).bind(2, a.kindText()).bind(3, a.name);
        if (a.tensor) {
            requireCheckedTensor(*a.tensor, "artifact tensor");
            s.bind(4, std::string("application/x-cs-tensor")).bind(5, shapeToJson(a.tensor->shape));
            s.bindBlob(6, a.tensor->dataBytes());
        } else {
            s.bind(4, a.mime).bindNull(5).bindBlob(6, a.bytes);
        }
        s.bind(7, a.metadataJson);
        s.exec();
        id = sqlite3_last_insert_rowid(db_);
    });
    return id;
}

int64_t ProjectStore::replaceArtifact(const ArtifactRecord& a) {
    int64_t id = 0;
    transaction([&] {
        Statement s(db_, path_, "DELETE FROM artifacts WHERE run_id=? AND kind=? AND name=?");
        s.bind(1, a.runId).bind(2, a.kindText()).bind(3, a.name);
        s.exec();
        id = addArtifact(a);
    });
    return id;
}

namespace {
const char* kArtifactColumns = "SELECT id, run_id, kind, name, mime, tensor_shape, metadata, data FROM artifacts ";

ArtifactRecord readArtifact(const Statement& s, bool withPayload) {
    ArtifactRecord a;
    a.id = s.i64(0);
    a.runId = s.i64(1);
    const std::string kind = s.text(2);
    a.kind = artifactKindFromString(kind);
    if (a.kind == ArtifactKind::Other) a.otherKind = kind;
    a.name = s.text(3);
    a.mime = s.text(4);
    a.metadataJson = s.text(6);
    if (withPayload) {
        if (!s.isNull(5)) a.tensor = s.tensor(5, 7);
        else a.bytes = s.blob(7);
    }
    return a;
}

// The SQL condition selecting one kind: its text, or for Other every text that is not a known kind.
std::string kindCondition(ArtifactKind kind) {
    if (kind != ArtifactKind::Other) return "kind=?";
    std::string known;
    for (ArtifactKind k : knownArtifactKinds()) known += std::string(known.empty() ? "'" : ",'") + toString(k) + "'";
    return "kind NOT IN (" + known + ")";
}
}  // namespace

std::vector<ArtifactRecord> ProjectStore::artifacts(int64_t runId, std::optional<ArtifactKind> kind) const {
    // The payload column is listed last and never read here, so SQLite does not load blobs.
    const std::string sql = std::string(kArtifactColumns) + "WHERE run_id=?" + (kind ? " AND " + kindCondition(*kind) : "") +
                            " ORDER BY id";
    Statement s(db_, path_, sql.c_str());
    s.bind(1, runId);
    if (kind && *kind != ArtifactKind::Other) s.bind(2, std::string(toString(*kind)));
    std::vector<ArtifactRecord> out;
    while (s.step()) out.push_back(readArtifact(s, false));
    return out;
}

std::optional<ArtifactRecord> ProjectStore::artifact(int64_t runId, ArtifactKind kind, const std::string& name) const {
    const std::string sql = std::string(kArtifactColumns) + "WHERE run_id=? AND name=? AND " + kindCondition(kind) + " ORDER BY id";
    Statement s(db_, path_, sql.c_str());
    s.bind(1, runId).bind(2, name);
    if (kind != ArtifactKind::Other) s.bind(3, std::string(toString(kind)));
    if (!s.step()) return std::nullopt;
    return readArtifact(s, true);
}

std::optional<ArtifactRecord> ProjectStore::artifact(int64_t artifactId) const {
    Statement s(db_, path_, (std::string(kArtifactColumns) + "WHERE id=?").c_str());
    s.bind(1, artifactId);
    if (!s.step()) return std::nullopt;
    return readArtifact(s, true);
}

const char* toString(LabelTarget target) { return target == LabelTarget::Latent ? "latent" : "concept"; }

namespace {
// Who wrote a label: the login name the environment gives, as git and most tools take it.
std::string labelAuthor() {
    for (const char* variable : {"USER", "LOGNAME"})
        if (const char* value = std::getenv(variable); value && *value) return value;
    return "unknown";
}

const char* kLabelColumns = "SELECT id, run_id, target, target_id, text, note, author, updated_at FROM labels ";

LabelRecord readLabel(const Statement& s) {
    LabelRecord l;
    l.id = s.i64(0);
    l.runId = s.i64(1);
    l.target = s.text(2) == "latent" ? LabelTarget::Latent : LabelTarget::Concept;
    l.targetId = s.i64(3);
    l.text = s.text(4);
    l.note = s.text(5);
    l.author = s.text(6);
    l.updatedAt = s.text(7);
    return l;
}
}  // namespace

void ProjectStore::setLabel(LabelTarget target, int64_t targetId, const std::string& text, const std::string& note) {
    transaction([&] {
        const bool latent = target == LabelTarget::Latent;
        Statement find(db_, path_, latent ? "SELECT run_id FROM latents WHERE id=?" : "SELECT run_id FROM concepts WHERE id=?");
        find.bind(1, targetId);
        if (!find.step())
            throw Error(path_, std::string("the project has no ") + toString(target) + " with row id " + std::to_string(targetId));
        const int64_t runId = find.i64(0);
        Statement s(db_, path_,
                    "INSERT INTO labels(run_id, target, target_id, text, note, author, updated_at) VALUES (?,?,?,?,?,?,?) "
                    "ON CONFLICT(run_id, target, target_id) DO UPDATE SET text=excluded.text, note=excluded.note, "
                    "author=excluded.author, updated_at=excluded.updated_at");
        s.bind(1, runId).bind(2, std::string(toString(target))).bind(3, targetId).bind(4, text).bind(5, note);
        s.bind(6, labelAuthor()).bind(7, nowIso()).exec();
    });
}

std::optional<LabelRecord> ProjectStore::label(LabelTarget target, int64_t targetId) const {
    Statement s(db_, path_, (std::string(kLabelColumns) + "WHERE target=? AND target_id=?").c_str());
    s.bind(1, std::string(toString(target))).bind(2, targetId);
    if (!s.step()) return std::nullopt;
    return readLabel(s);
}

void ProjectStore::removeLabel(LabelTarget target, int64_t targetId) {
    transaction([&] {
        Statement s(db_, path_, "DELETE FROM labels WHERE target=? AND target_id=?");
        s.bind(1, std::string(toString(target))).bind(2, targetId).exec();
    });
}

std::vector<LabelRecord> ProjectStore::labels(int64_t runId) const {
    Statement s(db_, path_, (std::string(kLabelColumns) + "WHERE run_id=? ORDER BY target, target_id").c_str());
    s.bind(1, runId);
    std::vector<LabelRecord> out;
    while (s.step()) out.push_back(readLabel(s));
    return out;
}

void ProjectStore::setSetting(const std::string& key, const std::string& value) {
    transaction([&] {
        Statement s(db_, path_, "INSERT INTO settings(key, value) VALUES (?,?) ON CONFLICT(key) DO UPDATE SET value=excluded.value");
        s.bind(1, key).bind(2, value).exec();
    });
}

std::optional<std::string> ProjectStore::setting(const std::string& key) const {
    Statement s(db_, path_, "SELECT value FROM settings WHERE key=?");
    s.bind(1, key);
    if (!s.step()) return std::nullopt;
    return s.text(0);
}

int64_t ProjectStore::addSweep(const SweepRecord& sweep) {
    int64_t id = 0;
    transaction([&] {
        Statement insert(db_, path_, "INSERT INTO sweeps(uuid, kind, name, folder, created_at) VALUES (?,?,?,?,?) ON CONFLICT(uuid) DO NOTHING");
        insert.bind(1, sweep.uuid).bind(2, sweep.kind).bind(3, sweep.name).bind(4, sweep.folder).bind(5, sweep.createdAt).exec();
        Statement find(db_, path_, "SELECT id FROM sweeps WHERE uuid=?");
        find.bind(1, sweep.uuid);
        find.step();
        id = find.i64(0);
    });
    return id;
}

void ProjectStore::addSweepRun(int64_t sweepId, int64_t runId, int64_t shard, const std::string& shardName) {
    transaction([&] {
        Statement s(db_, path_, "INSERT INTO sweep_runs(sweep_id, run_id, shard, shard_name) VALUES (?,?,?,?) ON CONFLICT DO NOTHING");
        s.bind(1, sweepId).bind(2, runId).bind(3, shard).bind(4, shardName).exec();
    });
}

std::vector<SweepRecord> ProjectStore::sweeps() const {
    Statement s(db_, path_,
                "SELECT sweeps.id, uuid, kind, name, folder, created_at, count(sweep_runs.run_id) FROM sweeps "
                "LEFT JOIN sweep_runs ON sweep_runs.sweep_id = sweeps.id GROUP BY sweeps.id ORDER BY sweeps.id DESC");
    std::vector<SweepRecord> out;
    while (s.step()) {
        SweepRecord r;
        r.id = s.i64(0);
        r.uuid = s.text(1);
        r.kind = s.text(2);
        r.name = s.text(3);
        r.folder = s.text(4);
        r.createdAt = s.text(5);
        r.runCount = s.i64(6);
        out.push_back(std::move(r));
    }
    return out;
}

std::vector<SweepRunRecord> ProjectStore::sweepRuns(int64_t sweepId) const {
    Statement s(db_, path_, "SELECT run_id, shard, shard_name FROM sweep_runs WHERE sweep_id=? ORDER BY shard, run_id");
    s.bind(1, sweepId);
    std::vector<SweepRunRecord> out;
    while (s.step()) out.push_back({s.i64(0), s.i64(1), s.text(2)});
    return out;
}

std::optional<int64_t> ProjectStore::sweepOfRun(int64_t runId) const {
    Statement s(db_, path_, "SELECT sweep_id FROM sweep_runs WHERE run_id=?");
    s.bind(1, runId);
    if (!s.step()) return std::nullopt;
    return s.i64(0);
}

namespace {
// The next value of use_order: entries used later sort after those used earlier, within a second too.
int64_t nextUseOrder(sqlite3* db, const std::string& path) {
    Statement s(db, path, "SELECT coalesce(max(use_order), 0) + 1 FROM activation_cache");
    s.step();
    return s.i64(0);
}
}  // namespace

void ProjectStore::keepActivations(const CachedActivationsRecord& entry, int64_t maxBytes) {
    requireCheckedTensor(entry.imageActivations, "cached image activations");
    requireCheckedTensor(entry.cropActivations, "cached crop activations");
    const int64_t bytes = static_cast<int64_t>((entry.imageActivations.data.size() + entry.cropActivations.data.size()) * sizeof(float));
    transaction([&] {
        Statement insert(db_, path_,
                         "INSERT OR REPLACE INTO activation_cache(key, model_sha256, layer, metadata, image_shape, image_activations, "
                         "crop_shape, crop_activations, bytes, used_at, use_order) VALUES (?,?,?,?,?,?,?,?,?,?,?)");
        insert.bind(1, entry.key).bind(2, entry.modelSha256).bind(3, entry.layer).bind(4, entry.metadataJson);
        insert.bind(5, shapeToJson(entry.imageActivations.shape)).bindBlob(6, entry.imageActivations.dataBytes());
        insert.bind(7, shapeToJson(entry.cropActivations.shape)).bindBlob(8, entry.cropActivations.dataBytes());
        insert.bind(9, bytes).bind(10, nowIso()).bind(11, nextUseOrder(db_, path_)).exec();
        // Least recently used first out, until what is left fits (the new entry stays even when alone too big).
        Statement sizes(db_, path_, "SELECT key, bytes FROM activation_cache ORDER BY use_order DESC");
        int64_t total = 0;
        std::vector<std::string> dropped;
        while (sizes.step()) {
            total += sizes.i64(1);
            if (total > maxBytes && sizes.text(0) != entry.key) dropped.push_back(sizes.text(0));
        }
        for (const auto& key : dropped) Statement(db_, path_, "DELETE FROM activation_cache WHERE key=?").bind(1, key).exec();
    });
}

std::optional<CachedActivationsRecord> ProjectStore::cachedActivations(const std::string& key) {
    Statement s(db_, path_,
                "SELECT model_sha256, layer, metadata, image_shape, image_activations, crop_shape, crop_activations, bytes, used_at "
                "FROM activation_cache WHERE key=?");
    s.bind(1, key);
    if (!s.step()) return std::nullopt;
    CachedActivationsRecord entry;
    entry.key = key;
    entry.modelSha256 = s.text(0);
    entry.layer = s.text(1);
    entry.metadataJson = s.text(2);
    entry.imageActivations = s.tensor(3, 4);
    entry.cropActivations = s.tensor(5, 6);
    entry.bytes = s.i64(7);
    entry.usedAt = s.text(8);
    requireCheckedTensor(entry.imageActivations, "cached image activations");
    requireCheckedTensor(entry.cropActivations, "cached crop activations");
    if (!readOnly_)
        transaction([&] {
            Statement(db_, path_, "UPDATE activation_cache SET used_at=?, use_order=? WHERE key=?")
                .bind(1, nowIso()).bind(2, nextUseOrder(db_, path_)).bind(3, key).exec();
        });
    return entry;
}

std::vector<CachedActivationsRecord> ProjectStore::cachedActivationsList() const {
    Statement s(db_, path_, "SELECT key, model_sha256, layer, metadata, bytes, used_at FROM activation_cache ORDER BY use_order DESC");
    std::vector<CachedActivationsRecord> out;
    while (s.step()) {
        CachedActivationsRecord entry;
        entry.key = s.text(0);
        entry.modelSha256 = s.text(1);
        entry.layer = s.text(2);
        entry.metadataJson = s.text(3);
        entry.bytes = s.i64(4);
        entry.usedAt = s.text(5);
        out.push_back(std::move(entry));
    }
    return out;
}

void ProjectStore::clearActivationCache() {
    transaction([&] { execSql(db_, path_, "DELETE FROM activation_cache;"); });
}

}  // namespace cs::store
