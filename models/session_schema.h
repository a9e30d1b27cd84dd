#pragma once
// Session file format 1.x: identity constants, the schema, and the counts kept in meta.
#include <cstdint>
#include <string>
#include <vector>

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
// argv as stored: elements joined by NUL (none can contain one). An empty argv is
// stored as NULL, so [""] (an empty blob) and [] stay distinct.
std::string encodeArgv(const std::vector<std::string> &argv);
std::vector<std::string> decodeArgv(const std::string &blob);
// AF_INET / AF_INET6 / AF_UNIX guessed from the numeric address text.
int socketFamily(const std::string &laddr, const std::string &raddr);
} // namespace schema

} // namespace provscope
