#pragma once
// Session file format 1.x: identity constants, the schema, and the counts kept in meta.
#include <cstdint>
#include <string>

namespace provscope {

// PRAGMA application_id of every provscope session: 'PRVS'.
inline constexpr int32_t kSessionApplicationId = 0x50525653;
inline constexpr int kSessionFormatMajor = 1;
inline constexpr int kSessionFormatMinor = 0;
// "1.0": what this version writes. A reader opens any 1.x.
std::string sessionFormatVersion();

// Totals kept in the meta table (never a COUNT(*) on open).
struct SessionCounts {
    int64_t events = 0;
    int64_t processes = 0;
    int64_t files = 0;      // distinct paths
    int64_t sockets = 0;    // distinct (family, laddr, lport, raddr, rport)
    int64_t lostEvents = 0; // sum of loss record counts
};

namespace schema {
// CREATE statements of format 1.0, run in one transaction by the writer.
const char *createStatements();
// Tables a 1.x reader needs; a session lacking one is damaged.
inline constexpr const char *kRequiredTables[] = {"meta", "strings", "files", "sockets",
                                                  "processes", "events", "losses"};
} // namespace schema

} // namespace provscope
