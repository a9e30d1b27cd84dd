#pragma once
// RAII wrappers around an sqlite3 connection and a transaction.
#include "result.h"

#include <memory>
#include <string>

struct sqlite3;

namespace provscope {

class SqliteDatabase {
public:
    ~SqliteDatabase();
    SqliteDatabase(const SqliteDatabase &) = delete;
    SqliteDatabase &operator=(const SqliteDatabase &) = delete;

    // filename may be a "file:" URI; flags are SQLITE_OPEN_* (URI is always enabled).
    static Result<std::unique_ptr<SqliteDatabase>> open(const std::string &filename, int flags);

    // Runs one or more statements without results (schema, pragmas).
    Result<void> exec(const std::string &sql);
    // The first column of the first row of a query without parameters, as text.
    Result<std::string> queryText(const std::string &sql);
    // Whether the file has a table of this name (optional tables of a format minor).
    Result<bool> hasTable(const std::string &name);
    // The last error of this connection, e.g. "database disk image is malformed".
    std::string errorMessage() const;
    int errorCode() const;
    sqlite3 *handle() const { return m_db; }
    // Closes now (finish a session); reports a failure such as unfinalized statements.
    Result<void> close();

private:
    explicit SqliteDatabase(sqlite3 *db) : m_db(db) {}
    sqlite3 *m_db = nullptr;
};

// BEGIN on construction (IMMEDIATE for writers); ROLLBACK unless commit() succeeded.
class SqliteTransaction {
public:
    explicit SqliteTransaction(SqliteDatabase &db);
    ~SqliteTransaction();
    SqliteTransaction(const SqliteTransaction &) = delete;
    SqliteTransaction &operator=(const SqliteTransaction &) = delete;

    const Result<void> &begun() const { return m_begun; }
    Result<void> commit();

private:
    SqliteDatabase &m_db;
    Result<void> m_begun;
    bool m_open = false;
};

} // namespace provscope
