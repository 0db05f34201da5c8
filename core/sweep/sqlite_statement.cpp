#include "sweep/sqlite_statement.h"

#include "common/error.h"

#include <sqlite3.h>

namespace cs::sweep {

SqliteStatement::SqliteStatement(sqlite3* db, std::string path, const std::string& sql) : db_(db), path_(std::move(path)) {
    if (sqlite3_prepare_v2(db_, sql.c_str(), -1, &stmt_, nullptr) != SQLITE_OK)
        throw Error(path_, std::string("database error: ") + sqlite3_errmsg(db_));
}

SqliteStatement::~SqliteStatement() { sqlite3_finalize(stmt_); }

namespace {
void check(sqlite3* db, const std::string& path, int rc) {
    if (rc != SQLITE_OK) throw Error(path, std::string("database error: ") + sqlite3_errmsg(db));
}
}  // namespace

void SqliteStatement::bind(int index, int64_t value) { check(db_, path_, sqlite3_bind_int64(stmt_, index, value)); }

void SqliteStatement::bind(int index, const std::string& text) {
    check(db_, path_, sqlite3_bind_text(stmt_, index, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT));
}

void SqliteStatement::bindNull(int index) { check(db_, path_, sqlite3_bind_null(stmt_, index)); }

void SqliteStatement::bindValue(int index, const sqlite3_value* value) {
    check(db_, path_, sqlite3_bind_value(stmt_, index, value));
}

bool SqliteStatement::step() {
    const int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW) return true;
    sqlite3_reset(stmt_);
    if (rc == SQLITE_DONE) return false;
    throw Error(path_, std::string("database error: ") + sqlite3_errmsg(db_));
}

void SqliteStatement::run() {
    while (step()) {
    }
}

void SqliteStatement::reset() {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
}

int SqliteStatement::columns() const { return sqlite3_column_count(stmt_); }
std::string SqliteStatement::columnName(int column) const { return sqlite3_column_name(stmt_, column); }
bool SqliteStatement::isNull(int column) const { return sqlite3_column_type(stmt_, column) == SQLITE_NULL; }
int64_t SqliteStatement::integer(int column) const { return sqlite3_column_int64(stmt_, column); }

std::string SqliteStatement::text(int column) const {
    const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, column));
    return p ? std::string(p, static_cast<size_t>(sqlite3_column_bytes(stmt_, column))) : std::string();
}

const sqlite3_value* SqliteStatement::value(int column) const { return sqlite3_column_value(stmt_, column); }

void executeSql(sqlite3* db, const std::string& path, const std::string& sql) {
    char* message = nullptr;
    if (sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &message) != SQLITE_OK) {
        const std::string problem = message ? message : "unknown error";
        sqlite3_free(message);
        throw Error(path, "database error: " + problem);
    }
}

}  // namespace cs::sweep
