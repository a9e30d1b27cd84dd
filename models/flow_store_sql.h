#pragma once
// Two SQL chores every session writer (SessionWriter, FlowStore, import --into) and
// reader repeats: preparing a list of statements, and interning text in a table of
// unique rows (strings, files) through an in-memory cache.
#include "result.h"
#include "sqlite_statement.h"

#include <cstdint>
#include <initializer_list>
#include <string>
#include <unordered_map>

namespace provscope {

class SqliteDatabase;

struct StatementSql {
    SqliteStatement *target;
    std::string sql;
};

// Prepares each statement into its target; the first error (SQLite's message) stops.
Result<void> prepareStatements(SqliteDatabase &db, std::initializer_list<StatementSql> statements);

// The row id of text: from cache, else inserted by insert (bound to ?1). A writer that
// made every row itself (a new session) passes no find: the new row's id is the last
// insert rowid. One adding to an existing session passes insert = "INSERT OR IGNORE ..."
// and find = "SELECT id ... WHERE text = ?1", since the row may be there already.
Result<int64_t> internText(SqliteDatabase &db, std::unordered_map<std::string, int64_t> &cache, SqliteStatement &insert,
                           SqliteStatement *find, const std::string &text);

} // namespace provscope
