#pragma once
// Reads and writes the annotations of a session file (table `annotations`, see
// schema::createAnnotationsStatement). Loading never writes: a read-only connection,
// immutable for a finished session. Saving is the user's explicit choice: it
// replaces all annotations in one transaction on its own read-write connection, so
// a failure leaves the file as it was. Annotations are not evidence: the evidence
// digest and the custody log stay as they are.
#include "annotation.h"
#include "result.h"

#include <string>
#include <vector>

namespace provscope {

class SqliteDatabase;

class AnnotationStore {
public:
    // In id order; empty when the session has no annotations table (never saved to).
    static Result<std::vector<Annotation>> load(const std::string &path);
    static Result<std::vector<Annotation>> load(SqliteDatabase &db);

    // Replaces the session's annotations with these (ids kept; 0 gets a new id),
    // creating the table if needed. Refuses a session still being recorded. The
    // returned list has every id filled in. A reader that opened the file immutable
    // must reopen it to see the change (SQLite assumes an immutable file never changes).
    // expectedInFile (optional): what the caller read from the file; when the file's
    // annotations differ from it (another window or program saved meanwhile) nothing is
    // written and the error says so, instead of silently replacing their work.
    static Result<std::vector<Annotation>> save(const std::string &path,
                                                const std::vector<Annotation> &annotations,
                                                const std::vector<Annotation> *expectedInFile = nullptr);
};

} // namespace provscope
