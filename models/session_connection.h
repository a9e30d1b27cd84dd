#pragma once
// The SQLite connection every reader of a session opens beside SessionReader's checks.
#include "result.h"
#include "sqlite_database.h"

#include <memory>
#include <string>

namespace provscope {

// Read-only. A finished session is opened immutable: SQLite takes no locks and writes
// nothing beside it. A recording (WAL with its -wal beside it) is read as it grows and
// waits up to 2 s for the writer. Error: "cannot open <path>: <SQLite's message>".
Result<std::unique_ptr<SqliteDatabase>> openSessionReadOnly(const std::string &path, bool recording);

} // namespace provscope
