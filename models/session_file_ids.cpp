#include "session_file_ids.h"

#include "sqlite_database.h"

namespace provscope {

Result<void> SessionFileIds::prepare(SqliteDatabase &db)
{
    auto st = SqliteStatement::prepare(
        db, "INSERT INTO file_ids(file, dev, ino, first_event) VALUES (?1, ?2, ?3, ?4)");
    if (!st)
        return makeError(st.error());
    m_insert = std::move(st.value());
    return {};
}

Result<void> SessionFileIds::note(int64_t fileId, uint64_t dev, uint64_t ino, int64_t eventId)
{
    if (ino == 0)
        return {};
    auto it = m_last.find(fileId);
    if (it != m_last.end() && it->second.dev == dev && it->second.ino == ino)
        return {};
    // Stored as the signed image of the unsigned values (SQLite integers are signed).
    m_insert.bindInt64(1, fileId);
    m_insert.bindInt64(2, int64_t(dev));
    m_insert.bindInt64(3, int64_t(ino));
    m_insert.bindInt64(4, eventId);
    if (auto done = m_insert.run(); !done)
        return done;
    m_last[fileId] = Identity{dev, ino};
    return {};
}

void SessionFileIds::clear()
{
    m_insert = {};
    m_last.clear();
}

} // namespace provscope
