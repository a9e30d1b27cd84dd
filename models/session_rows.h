#pragma once
// The SELECTs a SessionReader runs on a format 1.x file and how their rows become
// Events and ProcessInfos. Columns a 1.0 file lacks are selected as defaults.
#include "event.h"
#include "sqlite_statement.h"

#include <string>

namespace provscope::session_rows {

// Which 1.x columns the file has, looked up once at open (PRAGMA table_info).
struct SchemaFeatures {
    bool identity = false;     // 1.1: events.ext, processes namespaces and base_*
    bool lossPosition = false; // 1.1: losses.before_event
    bool fileIds = false;      // 1.2: table file_ids
    bool flows = false;        // 1.3: tables flows and dns
};

// "SELECT ... FROM events e JOIN processes p ..." without WHERE: callers add it.
std::string eventSelect(const SchemaFeatures &features);
// "SELECT ... FROM processes p ..." without WHERE.
std::string processSelect(const SchemaFeatures &features);
// The current row of a statement made from eventSelect / processSelect.
Event readEvent(const SqliteStatement &st, bool hasExt);
ProcessInfo readProcess(const SqliteStatement &st);

} // namespace provscope::session_rows
