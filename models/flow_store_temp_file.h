#pragma once
// The temporary files `provscope-cli import` writes, so that an interruption (a signal,
// a full disk, kill -9) never leaves a half-written session under the user's name:
//   --into: an O_EXCL copy of the session in its own directory (".NAME.import-XXXXXX",
//           the original's owner and mode) takes the import's transaction; once committed
//           it is fsynced and renamed over the original. Until then the original keeps
//           every byte; after a kill -9 only the hidden copy is left behind.
//   -o:     the new session is written under a temporary name and linked to its name
//           at the end without overwriting anything (link(2): EEXIST refuses).
// Without place(), the destructor removes the temporary and its -journal.
#include "result.h"

#include <memory>
#include <string>

namespace provscope {

class SessionTempFile {
public:
    ~SessionTempFile();
    SessionTempFile(const SessionTempFile &) = delete;
    SessionTempFile &operator=(const SessionTempFile &) = delete;

    // --into: refuses a symlink ("is a symbolic link"), a directory it cannot write
    // into ("the directory of FILE must be writable"), a copy it cannot give the
    // original's owner; removes a partial copy (a full disk) before returning the error.
    static Result<std::unique_ptr<SessionTempFile>> copyOf(const std::string &original);
    // -o: a free temporary name beside target (not created: SessionWriter::create does,
    // O_EXCL); refuses an existing target or a symlink, and an unwritable directory.
    static Result<std::unique_ptr<SessionTempFile>> besideNew(const std::string &target);

    const std::string &path() const { return m_path; }
    const std::string &target() const { return m_target; }

    // fsyncs the temporary, then renames it over the original (copyOf) or links it to
    // the new name without overwriting (besideNew), and fsyncs the directory.
    Result<void> place();

private:
    SessionTempFile() = default;
    void remove();

    std::string m_path, m_target;
    bool m_replace = false, m_placed = false;
};

// SIGINT and SIGTERM set a flag instead of killing the import (restored on destruction),
// so it can remove its temporary and leave the user's files as they were.
class ImportSignalGuard {
public:
    ImportSignalGuard();
    ~ImportSignalGuard();
    ImportSignalGuard(const ImportSignalGuard &) = delete;
    ImportSignalGuard &operator=(const ImportSignalGuard &) = delete;
    // The signal caught since (any guard was made), 0 when none.
    static int caught();
};

} // namespace provscope
