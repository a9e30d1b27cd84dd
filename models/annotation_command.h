#pragma once
// `provscope-cli annotations FILE [--json]`: lists a session's bookmarks, tags and
// comments with a description of what each is on. Opens the file read-only.
#include "annotation.h"

#include <string>
#include <vector>

namespace provscope {

class SessionReader;

// Exit status: 0 on success, 1 when the session cannot be read, 2 on a usage error.
int runAnnotationsCommand(const std::vector<std::string> &args);

// What an annotation is on, for people: "event 4: read /tmp/x (python3 1001)",
// "process python3 (1001) started 2023-11-14T22:13:25.000001Z", "file /etc/passwd".
// With a null reader (or when the session lacks the target) only what the target
// text says ("event 4", "process 1001@5000001000").
std::string describeAnnotationTarget(const Annotation &annotation, const SessionReader *reader);

} // namespace provscope
