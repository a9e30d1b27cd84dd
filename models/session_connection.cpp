#include "session_connection.h"

#include "session_file_check.h"

#include <sqlite3.h>

namespace provscope {

Result<std::unique_ptr<SqliteDatabase>> openSessionReadOnly(const std::string &path, bool recording)
{
    // Immutable means SQLite will not look at a hot journal: the check is ours.
    if (auto clean = checkNoUnfinishedWrite(path); !clean)
        return makeError(clean.error());
    auto opened = SqliteDatabase::open(sqliteFileUri(path, recording ? "mode=ro" : "mode=ro&immutable=1"),
                                       SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX);
    if (!opened)
        return makeError("cannot open " + path + ": " + opened.error());
    if (recording)
        sqlite3_busy_timeout((*opened)->handle(), 2000);
    return std::move(opened.value());
}

} // namespace provscope
