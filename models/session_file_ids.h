#pragma once
// The writer's side of table file_ids (format 1.2): a row whenever an event on a
// file shows a (dev, ino) other than the last one stored for that file, so each
// file row gets its identities over time without a byte more per event.
#include "result.h"
#include "sqlite_statement.h"

#include <cstdint>
#include <unordered_map>

namespace provscope {

class SqliteDatabase;

class SessionFileIds {
public:
    Result<void> prepare(SqliteDatabase &db);
    // Event eventId on file fileId had identity (dev, ino); ino 0: unknown, nothing stored.
    Result<void> note(int64_t fileId, uint64_t dev, uint64_t ino, int64_t eventId);
    // Forget everything (the statement too): before the connection closes.
    void clear();

private:
    struct Identity {
        uint64_t dev = 0;
        uint64_t ino = 0;
    };
    SqliteStatement m_insert;
    std::unordered_map<int64_t, Identity> m_last; // by file id
};

} // namespace provscope
