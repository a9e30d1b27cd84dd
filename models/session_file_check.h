#pragma once
// Looks at a file's bytes before SQLite touches it: is it an SQLite database at
// all, is it cut short, is it in WAL mode with a writer's -wal beside it.
#include "result.h"

#include <cstdint>
#include <string>

namespace provscope {

struct SessionFileCheck {
    uint64_t fileSize = 0;
    uint32_t pageSize = 0;
    uint32_t headerPageCount = 0; // 0 when the header's count is not valid
    bool walMode = false;         // header says WAL (a recording, or one interrupted)
    bool walFilePresent = false;  // <path>-wal exists beside it
};

// Errors: "<path> is not a provscope session (...)", "<path> is damaged: ..." or
// (checkNoUnfinishedWrite) "<path> has an unfinished write (<path>-journal): ...".
Result<SessionFileCheck> checkSessionFile(const std::string &path);

// Refuses a session with a hot rollback journal beside it (an interrupted write): read
// as it is (immutable) its main file is half of a change, which is not damage.
Result<void> checkNoUnfinishedWrite(const std::string &path);

// Creates path as a new empty file for a writer: refuses an existing file or a
// symlink (O_EXCL|O_NOFOLLOW: never through a planted link).
Result<void> createNewSessionFile(const std::string &path);

// Pages between the writer's automatic WAL checkpoints: 8192 (32 MiB), or 1/16 of
// the free space on a small disk, so that when the disk fills up what is left in
// the WAL still fits into the file at finish (the recorder holds back a quarter).
int64_t walCheckpointPages(const std::string &path);

// "file:" URI for sqlite3_open_v2 with the path percent-encoded.
std::string sqliteFileUri(const std::string &path, const std::string &query);

} // namespace provscope
