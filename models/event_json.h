#pragma once
// JSON text for the CLI (`provscope-cli info` / `events`) and other exporters.
#include "event.h"
#include "result.h"
#include "session_schema.h"

#include <cstdint>
#include <string>
#include <string_view>

namespace provscope {

class SessionReader;

// A JSON string literal (with quotes). Control characters and quotes escaped;
// invalid UTF-8 bytes become U+FFFD, so the output is always valid JSON.
std::string jsonString(std::string_view text);

// One `events` line (no newline): id, ts_ns (EPOCH ns), pid, tid, ppid, comm,
// syscall, ret, path, path2, fd, laddr, lport, raddr, rport, count, bytes.
// Absent fields are omitted: path/path2/comm/laddr/raddr when empty, fd when -1,
// lport/rport when there is no socket address. Then args (the decoded arguments,
// models/syscall_args.h; omitted when empty) and errno (its name, only when ret < 0).
std::string eventJsonLine(const Event &event, int64_t bootToEpochNs);

// ISO 8601 UTC text with nanoseconds for epoch ns, e.g. "2024-05-01T12:00:00.123456789Z".
std::string isoTimeUtc(int64_t epochNs);

// The `info` summary as a pretty JSON object: format_version, tool_version, host,
// kernel, boot_id, recording, finished (an end was recorded), counts {events, processes, files, sockets, lost_events},
// time_range {first_ns, last_ns, first_iso, last_iso} (epoch; from the first and
// last event, or the capture start/end when there are none), capture_config.
Result<std::string> sessionInfoJson(const SessionReader &reader);

} // namespace provscope
