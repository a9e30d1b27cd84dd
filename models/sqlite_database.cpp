#include "sqlite_database.h"

#include <sqlite3.h>

namespace provscope {

SqliteDatabase::~SqliteDatabase()
{
    if (m_db)
        sqlite3_close_v2(m_db);
}

Result<std::unique_ptr<SqliteDatabase>> SqliteDatabase::open(const std::string &filename, int flags)
{
    sqlite3 *db = nullptr;
    const int rc = sqlite3_open_v2(filename.c_str(), &db, flags | SQLITE_OPEN_URI, nullptr);
    if (rc != SQLITE_OK) {
        std::string message = db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
        sqlite3_close_v2(db);
        return makeError(message);
    }
    sqlite3_extended_result_codes(db, 1);
    return std::unique_ptr<SqliteDatabase>(new SqliteDatabase(db));
}

Result<void> SqliteDatabase::exec(const std::string &sql)
{
    char *error = nullptr;
    if (sqlite3_exec(m_db, sql.c_str(), nullptr, nullptr, &error) != SQLITE_OK) {
        std::string message = error ? error : errorMessage();
        sqlite3_free(error);
        return makeError(message);
    }
    return {};
}

Result<std::string> SqliteDatabase::queryText(const std::string &sql)
{
    sqlite3_stmt *stmt = nullptr;
    if (sqlite3_prepare_v2(m_db, sql.c_str(), -1, &stmt, nullptr) != SQLITE_OK)
        return makeError(errorMessage());
    const int rc = sqlite3_step(stmt);
    std::string text;
    if (rc == SQLITE_ROW) {
        if (const auto *p = sqlite3_column_text(stmt, 0))
            text.assign(reinterpret_cast<const char *>(p), sqlite3_column_bytes(stmt, 0));
    }
    sqlite3_finalize(stmt);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return makeError(errorMessage());
    return text;
}

Result<bool> SqliteDatabase::hasTable(const std::string &name)
{
    sqlite3_stmt *stmt = nullptr;
    if (sqlite3_prepare_v2(m_db, "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?1", -1, &stmt,
                           nullptr)
        != SQLITE_OK)
        return makeError(errorMessage());
    sqlite3_bind_text(stmt, 1, name.data(), int(name.size()), SQLITE_TRANSIENT);
    const int rc = sqlite3_step(stmt);
    sqlite3_finalize(stmt);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return makeError(errorMessage());
    return rc == SQLITE_ROW;
}

std::string SqliteDatabase::errorMessage() const { return sqlite3_errmsg(m_db); }

int SqliteDatabase::errorCode() const { return sqlite3_extended_errcode(m_db); }

Result<void> SqliteDatabase::close()
{
    if (!m_db)
        return {};
    if (sqlite3_close(m_db) != SQLITE_OK)
        return makeError(errorMessage());
    m_db = nullptr;
    return {};
}

SqliteTransaction::SqliteTransaction(SqliteDatabase &db) : m_db(db)
{
    m_begun = m_db.exec("BEGIN IMMEDIATE");
    m_open = m_begun.ok();
}

SqliteTransaction::~SqliteTransaction()
{
    if (m_open)
        (void)m_db.exec("ROLLBACK");
}

Result<void> SqliteTransaction::commit()
{
    if (!m_open)
        return makeError("no open transaction");
    auto result = m_db.exec("COMMIT");
    if (result.ok())
        m_open = false;
    return result;
}

} // namespace provscope
