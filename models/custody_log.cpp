#include "custody_log.h"

#include "evidence_digest.h"
#include "record_author.h"
#include "session_file_check.h"
#include "session_reader.h"
#include "session_schema.h"
#include "sqlite_database.h"
#include "sqlite_statement.h"

#include <sqlite3.h>

namespace provscope {

Result<std::vector<CustodyEntry>> readCustodyLog(SqliteDatabase &db)
{
    std::vector<CustodyEntry> entries;
    auto found = db.hasTable("custody_log");
    if (!found)
        return makeError(found.error());
    if (!*found)
        return entries;
    auto st = SqliteStatement::prepare(
        db, "SELECT id, time_ns, user, action, old_digest, new_digest, note FROM custody_log ORDER BY id");
    if (!st)
        return makeError("cannot read the custody log: " + st.error());
    for (;;) {
        auto row = st->step();
        if (!row)
            return makeError("cannot read the custody log: " + row.error());
        if (!*row)
            break;
        CustodyEntry e;
        e.id = st->columnInt64(0);
        e.timeNs = st->columnInt64(1);
        e.user = st->columnText(2);
        e.action = st->columnText(3);
        e.oldDigest = st->columnText(4);
        e.newDigest = st->columnText(5);
        e.note = st->columnText(6);
        entries.push_back(std::move(e));
    }
    return entries;
}

Result<std::unique_ptr<SqliteDatabase>> openSessionForEvidenceUpdate(const std::string &path)
{
    {
        auto reader = SessionReader::open(path);
        if (!reader)
            return makeError(reader.error());
        if ((*reader)->isRecording())
            return makeError(path + " is being recorded (or its recording was interrupted); "
                                    "evidence can be added to a finished session only");
    }
    auto db = SqliteDatabase::open(sqliteFileUri(path, ""),
                                   SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOFOLLOW | SQLITE_OPEN_NOMUTEX);
    if (!db)
        return makeError("cannot open " + path + " for writing: " + db.error());
    sqlite3_busy_timeout((*db)->handle(), 5000);
    return std::move(db.value());
}

Result<CustodyEntry> appendCustodyEntry(SqliteDatabase &db, const std::string &action,
                                        const std::string &note)
{
    SqliteTransaction tx(db);
    if (!tx.begun())
        return makeError("cannot append to the custody log: " + tx.begun().error());
    auto entry = appendCustodyEntryInTransaction(db, action, note);
    if (!entry)
        return entry;
    if (auto done = tx.commit(); !done)
        return makeError("cannot append to the custody log: " + done.error());
    return entry;
}

Result<CustodyEntry> appendCustodyEntryInTransaction(SqliteDatabase &db, const std::string &action,
                                                     const std::string &note)
{
    auto fail = [](const std::string &message) {
        return makeError("cannot append to the custody log: " + message);
    };
    auto old = readRecordedDigest(db);
    if (!old)
        return fail(old.error());
    auto digest = computeEvidenceDigest(db);
    if (!digest)
        return fail(digest.error());
    if (auto done = db.exec(schema::createCustodyLogStatement()); !done)
        return fail(done.error());

    CustodyEntry entry;
    entry.timeNs = epochNowNs();
    entry.user = effectiveUserName();
    entry.action = action;
    entry.oldDigest = *old ? (*old)->sha256 : std::string();
    entry.newDigest = *digest;
    entry.note = note;

    auto insert = SqliteStatement::prepare(
        db, "INSERT INTO custody_log(time_ns, user, action, old_digest, new_digest, note)"
            " VALUES (?1, ?2, ?3, ?4, ?5, ?6)");
    if (!insert)
        return fail(insert.error());
    insert->bindInt64(1, entry.timeNs);
    insert->bindText(2, entry.user);
    insert->bindText(3, entry.action);
    if (entry.oldDigest.empty())
        insert->bindNull(4);
    else
        insert->bindText(4, entry.oldDigest);
    insert->bindText(5, entry.newDigest);
    insert->bindText(6, entry.note);
    if (auto done = insert->run(); !done)
        return fail(done.error());
    entry.id = sqlite3_last_insert_rowid(db.handle());

    auto setMeta = SqliteStatement::prepare(db, "INSERT OR REPLACE INTO meta(key, value) VALUES (?1, ?2)");
    if (!setMeta)
        return fail(setMeta.error());
    const std::pair<const char *, std::string> values[] = {
        {kEvidenceDigestKey, entry.newDigest},
        {kEvidenceDigestVersionKey, std::to_string(kEvidenceDigestVersion)},
    };
    for (const auto &[key, value] : values) {
        setMeta->bindText(1, key);
        setMeta->bindText(2, value);
        if (auto done = setMeta->run(); !done)
            return fail(done.error());
    }
    return entry;
}

Result<CustodyEntry> appendCustodyEntry(const std::string &path, const std::string &action,
                                        const std::string &note)
{
    auto db = openSessionForEvidenceUpdate(path);
    if (!db)
        return makeError(db.error());
    auto entry = appendCustodyEntry(**db, action, note);
    if (!entry)
        return entry;
    if (auto done = (*db)->close(); !done)
        return makeError("cannot close " + path + ": " + done.error());
    return entry;
}

} // namespace provscope
