#include "annotation_store.h"

#include "custody_log.h"
#include "session_connection.h"
#include "session_reader.h"
#include "session_schema.h"
#include "sqlite_database.h"
#include "sqlite_statement.h"

#include <sqlite3.h>

namespace provscope {

namespace {
// Readers of a finished session hold no locks (immutable), so a save waits only
// for another writer (a second save, an import).
constexpr int kSaveBusyTimeoutMs = 2000;
} // namespace

Result<std::vector<Annotation>> AnnotationStore::load(SqliteDatabase &db)
{
    std::vector<Annotation> annotations;
    auto found = db.hasTable("annotations");
    if (!found)
        return makeError(found.error());
    if (!*found)
        return annotations;
    auto st = SqliteStatement::prepare(
        db, "SELECT id, target_kind, target, kind, text, created_ns, author FROM annotations ORDER BY id");
    if (!st)
        return makeError("cannot read the annotations: " + st.error());
    for (;;) {
        auto row = st->step();
        if (!row)
            return makeError("cannot read the annotations: " + row.error());
        if (!*row)
            break;
        Annotation a;
        a.id = st->columnInt64(0);
        const auto target = parseAnnotationTarget(st->columnText(1));
        const auto kind = parseAnnotationKind(st->columnText(3));
        if (!target || !kind)
            return makeError("annotation " + std::to_string(a.id) + " has an unknown target kind \""
                             + st->columnText(1) + "\" or kind \"" + st->columnText(3) + "\"");
        a.targetKind = *target;
        a.target = st->columnText(2);
        a.kind = *kind;
        a.text = st->columnText(4);
        a.createdNs = st->columnInt64(5);
        a.author = st->columnText(6);
        annotations.push_back(std::move(a));
    }
    return annotations;
}

Result<std::vector<Annotation>> AnnotationStore::load(const std::string &path)
{
    bool recording = false;
    {
        auto reader = SessionReader::open(path); // same checks and messages as every reader
        if (!reader)
            return makeError(reader.error());
        recording = (*reader)->isRecording();
    }
    auto db = openSessionReadOnly(path, recording);
    if (!db)
        return makeError(db.error());
    auto loaded = load(**db);
    if (!loaded)
        return makeError(path + ": " + loaded.error());
    return loaded;
}

Result<std::vector<Annotation>> AnnotationStore::save(const std::string &path,
                                                      const std::vector<Annotation> &annotations,
                                                      const std::vector<Annotation> *expectedInFile)
{
    auto fail = [&path](const std::string &message) {
        return makeError("cannot save the annotations to " + path + ": " + message);
    };
    // Checks the session, refuses a recording, opens read-write without following a symlink.
    auto opened = openSessionForEvidenceUpdate(path);
    if (!opened)
        return fail(opened.error());
    SqliteDatabase &db = **opened;
    sqlite3_busy_timeout(db.handle(), kSaveBusyTimeoutMs);

    std::vector<Annotation> saved = annotations;
    {
        // One transaction: on any failure the destructor rolls back and the file
        // keeps its previous annotations (and bytes).
        SqliteTransaction tx(db);
        if (!tx.begun())
            return fail(tx.begun().error());
        if (auto done = db.exec(schema::createAnnotationsStatement()); !done)
            return fail(done.error());
        if (expectedInFile) {
            auto current = load(db);
            if (!current)
                return fail(current.error());
            if (*current != *expectedInFile)
                return fail("its annotations were changed by another window or program since they were "
                            "read; nothing was written (your edits are kept: reopen the session to see "
                            "theirs, then add yours again)");
        }
        if (auto done = db.exec("DELETE FROM annotations"); !done)
            return fail(done.error());
        auto insert = SqliteStatement::prepare(
            db, "INSERT INTO annotations(id, target_kind, target, kind, text, created_ns, author)"
                " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)");
        if (!insert)
            return fail(insert.error());
        for (Annotation &a : saved) {
            if (a.id > 0)
                insert->bindInt64(1, a.id);
            else
                insert->bindNull(1);
            insert->bindText(2, annotationTargetName(a.targetKind));
            insert->bindText(3, a.target);
            insert->bindText(4, annotationKindName(a.kind));
            insert->bindText(5, a.text);
            insert->bindInt64(6, a.createdNs);
            insert->bindText(7, a.author);
            if (auto done = insert->run(); !done)
                return fail(done.error());
            a.id = sqlite3_last_insert_rowid(db.handle());
        }
        insert = SqliteStatement(); // finalized before the connection closes
        if (auto done = tx.commit(); !done)
            return fail(done.error());
    }
    if (auto done = db.close(); !done)
        return fail(done.error());
    return saved;
}

} // namespace provscope
