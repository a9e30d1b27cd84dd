#include "session_values.h"

#include "session_connection.h"
#include "session_file_check.h"
#include "sqlite_database.h"
#include "sqlite_statement.h"

#include <sqlite3.h>

#include <algorithm>
#include <set>

namespace provscope {

namespace {
int pollCancelled(void *data)
{
    const auto *cancelled = static_cast<const std::function<bool()> *>(data);
    return (*cancelled)() ? 1 : 0;
}
} // namespace

Result<SessionValues> readSessionValues(const std::string &sessionPath, const std::function<bool()> &cancelled)
{
    auto check = checkSessionFile(sessionPath);
    if (!check)
        return makeError(check.error());
    const bool live = check.value().walMode;
    auto opened = openSessionReadOnly(sessionPath, live);
    if (!opened)
        return makeError(opened.error());
    SqliteDatabase &db = *opened.value();
    if (cancelled)
        sqlite3_progress_handler(db.handle(), 100000, pollCancelled,
                                 const_cast<std::function<bool()> *>(&cancelled));

    // Distinct string ids first (few), names after: the scan never touches strings.
    // One column only: DISTINCT over (syscall, comm) takes twice as long on 10M events.
    std::set<int64_t> syscallIds, commIds;
    {
        auto scan = SqliteStatement::prepare(db, "SELECT DISTINCT syscall FROM events");
        if (!scan)
            return makeError(scan.error());
        for (;;) {
            auto row = scan.value().step();
            if (!row)
                return makeError(cancelled && cancelled() ? "cancelled" : row.error());
            if (!row.value())
                break;
            syscallIds.insert(scan.value().columnInt64(0));
        }
    }
    {
        // Process names as recorded at fork and after exec (an event stores its own
        // comm only when it differs: a thread renamed by prctl is not listed).
        auto procs = SqliteStatement::prepare(db, "SELECT comm, base_comm FROM processes");
        if (!procs)
            return makeError(procs.error());
        for (;;) {
            auto row = procs.value().step();
            if (!row)
                return makeError(row.error());
            if (!row.value())
                break;
            for (int c = 0; c < 2; ++c) {
                if (!procs.value().isNull(c))
                    commIds.insert(procs.value().columnInt64(c));
            }
        }
    }
    auto name = SqliteStatement::prepare(db, "SELECT text FROM strings WHERE id = ?1");
    if (!name)
        return makeError(name.error());
    const auto names = [&](const std::set<int64_t> &ids, std::vector<std::string> &out) -> Result<void> {
        for (int64_t id : ids) {
            name.value().reset();
            name.value().bindInt64(1, id);
            auto row = name.value().step();
            if (!row)
                return makeError(row.error());
            if (row.value())
                out.push_back(name.value().columnText(0));
        }
        std::sort(out.begin(), out.end());
        out.erase(std::unique(out.begin(), out.end()), out.end());
        return {};
    };
    SessionValues values;
    if (auto ok = names(syscallIds, values.syscalls); !ok)
        return makeError(ok.error());
    if (auto ok = names(commIds, values.processNames); !ok)
        return makeError(ok.error());
    return values;
}

} // namespace provscope
