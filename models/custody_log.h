#pragma once
// The custody log of a session: one entry each time evidence was added to a finished
// session (an import), with the digest before and after, the time and the user.
// Table custody_log (format 1.1, optional: a session without it has no entries).
#include "result.h"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace provscope {

class SqliteDatabase;

struct CustodyEntry {
    int64_t id = 0;
    int64_t timeNs = 0; // epoch ns
    std::string user;   // the effective user's name (or uid when it has none)
    std::string action; // e.g. "import"
    std::string oldDigest; // empty: no digest was recorded before
    std::string newDigest;
    std::string note;
};

// Entries in id order; empty when the session has no custody_log table.
Result<std::vector<CustodyEntry>> readCustodyLog(SqliteDatabase &db);

// Opens a finished session for adding evidence (an importer): checks it like
// SessionReader::open, refuses a session still being recorded, and opens it
// read-write (never through a symlink). Call appendCustodyEntry() on it afterwards.
Result<std::unique_ptr<SqliteDatabase>> openSessionForEvidenceUpdate(const std::string &path);

// After evidence was added through db: recomputes the digest, stores it in meta and
// appends (old, new, now, user, action, note) to the custody log, creating the table
// if needed, in one transaction. Returns the entry.
Result<CustodyEntry> appendCustodyEntry(SqliteDatabase &db, const std::string &action,
                                        const std::string &note);
// The same inside the caller's transaction (an importer's: its evidence and the entry
// are committed together or not at all); the caller commits.
Result<CustodyEntry> appendCustodyEntryInTransaction(SqliteDatabase &db, const std::string &action,
                                                     const std::string &note);
// The same on a finished session file: opens it, appends, closes.
Result<CustodyEntry> appendCustodyEntry(const std::string &path, const std::string &action,
                                        const std::string &note);

} // namespace provscope
