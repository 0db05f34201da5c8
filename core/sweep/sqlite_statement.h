#pragma once
// A prepared SQLite statement for the merge, which copies rows between two connections column by
// column (sqlite3_value in, sqlite3_value out) and so needs more of SQLite's API than the store's
// typed records give. Errors name the project file.
#include <cstdint>
#include <string>

struct sqlite3;
struct sqlite3_stmt;
struct sqlite3_value;

namespace cs::sweep {

class SqliteStatement {
public:
    SqliteStatement(sqlite3* db, std::string path, const std::string& sql);
    ~SqliteStatement();
    SqliteStatement(const SqliteStatement&) = delete;
    SqliteStatement& operator=(const SqliteStatement&) = delete;

    void bind(int index, int64_t value);
    void bind(int index, const std::string& text);
    void bindNull(int index);
    void bindValue(int index, const sqlite3_value* value);  // as stored: type and bytes kept
    // True while a row is available; resets itself after the last row so it can run again.
    bool step();
    void run();  // steps to the end and resets
    void reset();

    int columns() const;
    std::string columnName(int column) const;
    bool isNull(int column) const;
    int64_t integer(int column) const;
    std::string text(int column) const;
    const sqlite3_value* value(int column) const;

private:
    sqlite3* db_;
    std::string path_;
    sqlite3_stmt* stmt_ = nullptr;
};

// Runs SQL without results; throws cs::Error naming `path`.
void executeSql(sqlite3* db, const std::string& path, const std::string& sql);

}  // namespace cs::sweep
