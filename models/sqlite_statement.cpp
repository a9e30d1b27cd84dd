#include "sqlite_statement.h"

#include "sqlite_database.h"

#include <sqlite3.h>

#include <utility>

namespace provscope {

SqliteStatement::~SqliteStatement()
{
    if (m_stmt)
        sqlite3_finalize(m_stmt);
}

SqliteStatement::SqliteStatement(SqliteStatement &&other) noexcept
    : m_stmt(std::exchange(other.m_stmt, nullptr)), m_db(other.m_db)
{
}

SqliteStatement &SqliteStatement::operator=(SqliteStatement &&other) noexcept
{
    if (this != &other) {
        if (m_stmt)
            sqlite3_finalize(m_stmt);
        m_stmt = std::exchange(other.m_stmt, nullptr);
        m_db = other.m_db;
    }
    return *this;
}

Result<SqliteStatement> SqliteStatement::prepare(SqliteDatabase &db, std::string_view sql)
{
    sqlite3_stmt *stmt = nullptr;
    if (sqlite3_prepare_v3(db.handle(), sql.data(), int(sql.size()), SQLITE_PREPARE_PERSISTENT,
                           &stmt, nullptr) != SQLITE_OK)
        return makeError(db.errorMessage() + " in: " + std::string(sql));
    return SqliteStatement(stmt, &db);
}

void SqliteStatement::bindNull(int index) { sqlite3_bind_null(m_stmt, index); }

void SqliteStatement::bindInt64(int index, int64_t value) { sqlite3_bind_int64(m_stmt, index, value); }

void SqliteStatement::bindText(int index, std::string_view text)
{
    sqlite3_bind_text64(m_stmt, index, text.data(), text.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
}

void SqliteStatement::bindBlob(int index, std::string_view bytes)
{
    // A zero-length blob must stay non-NULL: data pointer must not be null.
    static const char empty = 0;
    sqlite3_bind_blob64(m_stmt, index, bytes.empty() ? &empty : bytes.data(), bytes.size(),
                        SQLITE_TRANSIENT);
}

void SqliteStatement::bindOptional(int index, std::optional<int64_t> value)
{
    if (value)
        bindInt64(index, *value);
    else
        bindNull(index);
}

Result<bool> SqliteStatement::step()
{
    const int rc = sqlite3_step(m_stmt);
    if (rc == SQLITE_ROW)
        return true;
    if (rc == SQLITE_DONE)
        return false;
    std::string message = m_db ? m_db->errorMessage() : std::string(sqlite3_errstr(rc));
    sqlite3_reset(m_stmt);
    return makeError(message);
}

Result<void> SqliteStatement::run()
{
    auto stepped = step();
    reset();
    if (!stepped)
        return makeError(stepped.error());
    return {};
}

void SqliteStatement::reset()
{
    sqlite3_reset(m_stmt);
    sqlite3_clear_bindings(m_stmt);
}

bool SqliteStatement::isNull(int column) const
{
    return sqlite3_column_type(m_stmt, column) == SQLITE_NULL;
}

int64_t SqliteStatement::columnInt64(int column) const { return sqlite3_column_int64(m_stmt, column); }

std::string SqliteStatement::columnText(int column) const
{
    // Blob access returns the bytes exactly as stored, valid UTF-8 or not.
    const void *data = sqlite3_column_blob(m_stmt, column);
    const int size = sqlite3_column_bytes(m_stmt, column);
    return data ? std::string(static_cast<const char *>(data), size) : std::string();
}

} // namespace provscope
