#pragma once
// RAII prepared statement: prepare once, then bind / step / reset per use.
// User text is always bound, never pasted into SQL.
#include "result.h"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

struct sqlite3_stmt;

namespace provscope {

class SqliteDatabase;

class SqliteStatement {
public:
    SqliteStatement() = default;
    ~SqliteStatement();
    SqliteStatement(SqliteStatement &&other) noexcept;
    SqliteStatement &operator=(SqliteStatement &&other) noexcept;
    SqliteStatement(const SqliteStatement &) = delete;
    SqliteStatement &operator=(const SqliteStatement &) = delete;

    static Result<SqliteStatement> prepare(SqliteDatabase &db, std::string_view sql);

    // Parameters are 1-based, as in SQLite.
    void bindNull(int index);
    void bindInt64(int index, int64_t value);
    void bindText(int index, std::string_view text);  // copied by SQLite
    void bindBlob(int index, std::string_view bytes); // copied by SQLite
    // NULL when the optional is empty.
    void bindOptional(int index, std::optional<int64_t> value);

    // true: a row is available; false: done. Errors carry SQLite's message.
    Result<bool> step();
    // Step a statement that returns no rows, then reset it.
    Result<void> run();
    // Ready for the next use; bindings are cleared.
    void reset();

    bool isNull(int column) const;
    int64_t columnInt64(int column) const;
    std::string columnText(int column) const; // raw bytes, "" for NULL

    bool isValid() const { return m_stmt != nullptr; }

private:
    SqliteStatement(sqlite3_stmt *stmt, SqliteDatabase *db) : m_stmt(stmt), m_db(db) {}
    sqlite3_stmt *m_stmt = nullptr;
    SqliteDatabase *m_db = nullptr;
};

} // namespace provscope
