#pragma once
// Session file format 1.x: identity constants, the schema, and the counts kept in meta.
#include "event.h"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace provscope {

// PRAGMA application_id of every provscope session: 'PRVS'.
inline constexpr int32_t kSessionApplicationId = 0x50525653;
inline constexpr int kSessionFormatMajor = 1;
// 1.1 added events.ext (euid, gid, ns pid, cgroup, fd2, aux1, aux2 where they differ
// from the defaults), processes mnt_ns, pid_ns, ns_pid, cgroup and base_gid,
// base_ns_pid, base_cgroup, and losses.before_event. A 1.0 file lacks them: readers
// use the defaults of Event / ProcessInfo.
// 1.2 added the file_ids table: a file's identity (dev, ino) over time. A 1.1
// file lacks it (no identities known); a 1.1 reader ignores it.
// 1.3 added the flows and dns tables (libpcap: 5-tuple flows joined to processes,
// passive DNS answers) and their counts in meta. A 1.2 file lacks them: readers show
// flows as not recorded; a 1.2 reader ignores them.
inline constexpr int kSessionFormatMinor = 3;
// "1.3": what this version writes. A reader opens any 1.x.
std::string sessionFormatVersion();

// Totals kept in the meta table (never a COUNT(*) on open).
struct SessionCounts {
    int64_t events = 0;
    int64_t processes = 0;
    int64_t files = 0;      // distinct paths
    int64_t sockets = 0;    // distinct (family, laddr, lport, raddr, rport)
    int64_t lostEvents = 0; // sum of loss record counts
    int64_t flows = 0;      // distinct flow keys (1.3)
    int64_t dnsRecords = 0; // DNS answer records (1.3)
};

namespace schema {
// CREATE statements of the current format, run in one transaction by the writer.
const char *createStatements();
// Tables a 1.x reader needs; a session lacking one is damaged.
inline constexpr const char *kRequiredTables[] = {"meta", "strings", "files", "sockets",
                                                  "processes", "events", "losses"};
// The flows and dns tables of format 1.3. IF NOT EXISTS: run by the writer after
// createStatements() and by an import into an older session.
const char *createFlowTablesStatement();
// The custody log (optional in 1.1: created by the first custody entry; a session
// without it has none). IF NOT EXISTS: safe to run on any session.
const char *createCustodyLogStatement();
// Investigators' annotations (optional in 1.1, like the custody log: created by the
// first save; a session without it has none, and a reader that does not know it
// ignores it, so adding it needs no new format version). Not evidence: the digest
// never covers it. IF NOT EXISTS: safe to run on any session.
const char *createAnnotationsStatement();
// argv as stored: elements joined by NUL (none can contain one). An empty argv is
// stored as NULL, so [""] (an empty blob) and [] stay distinct.
std::string encodeArgv(const std::vector<std::string> &argv);
std::vector<std::string> decodeArgv(const std::string &blob);
// What an event's ext values default to: its process's base_* columns.
struct EventExtBase {
    uint32_t gid = 0;
    uint32_t nsPid = 0;
    uint64_t cgroupId = 0;
};
// events.ext: (tag byte, LEB128 varint) pairs for the values that differ from their
// defaults (euid: the event's uid; gid, ns pid, cgroup: base; fd2: -1; aux: 0).
// Empty when all are defaults (stored as NULL).
std::string encodeEventExt(const Event &e, const EventExtBase &base);
// Sets the seven fields of e (e.uid must be set); false when the blob is malformed.
bool decodeEventExt(std::string_view blob, const EventExtBase &base, Event &e);
// AF_INET / AF_INET6 / AF_UNIX guessed from the numeric address text.
int socketFamily(const std::string &laddr, const std::string &raddr);
} // namespace schema

} // namespace provscope
