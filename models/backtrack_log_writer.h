#pragma once
// Turns our processes and events into BackTrack's two JSON-lines logs (see the
// README section "BackTrack-compatible logs"):
//   raw log      one line per event: {"Timestamp","EventName","SyscallID",
//                "ProcessName","ProcessID","ThreadID","ProcessType","ReturnValue",
//                "Arguments":{...}}
//   tracker log  node lines {"LogType":"node","UUID","NodeName","NodeType",
//                "ProcessID","ThreadID"} and edge lines {"LogType":"edge",
//                "Timestamp","FromUUID","ToUUID","EventName","SyscallID","FromName"}
//                in the direction information flows; a node line comes before
//                the first edge that names it.
// Used by `provscope-cli export --backtrack-jsonl` (whole session, id order) and
// by the live `provscope-capture --jsonl` sink (batch by batch). Stateful: it
// remembers which nodes were written. Not thread-safe.
#include "event.h"

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <utility>

namespace provscope {

class BacktrackLogWriter {
public:
    BacktrackLogWriter(std::string bootId, int64_t bootToEpochNs);

    // A process record (fork, exec, exit, snapshot). A process forked during the
    // capture (parentStartNs != 0) gets a fork edge parent -> child, written
    // before the lines of the first later event (or at flush).
    void addProcess(const ProcessInfo &info);
    // Appends the event's raw line to raw and its node and edge lines to tracker.
    void addEvent(const Event &event, std::string &raw, std::string &tracker);
    // Writes the fork edges still pending.
    void flush(std::string &tracker);

    // The raw line of one event, without newline.
    static std::string rawLine(const Event &event, int64_t bootToEpochNs);
    // Epoch microseconds, BackTrack's Timestamp, for a boot-time ns.
    static int64_t timestampUs(uint64_t bootNs, int64_t bootToEpochNs);

private:
    using ProcessKey = std::pair<uint32_t, uint64_t>; // (pid, start ns)
    struct Node {
        std::string uuid;
        std::string name;
    };
    struct PendingFork {
        ProcessKey parent;
        ProcessKey child;
        std::string childName; // from the process record, when the parent's is unknown
    };

    Node processNode(const ProcessKey &key, const std::string &name, std::string &tracker);
    Node objectNode(const Event &event, bool usePath2, std::string &tracker);
    void writeEdge(uint64_t tsNs, const Node &from, const Node &to, std::string_view eventName, int syscallId,
                   std::string &tracker) const;
    void writeForksUpTo(uint64_t tsNs, std::string &tracker);
    std::string nameOf(const ProcessKey &key) const;

    std::string m_bootId;
    int64_t m_bootToEpochNs = 0;
    std::map<ProcessKey, std::string> m_processNames; // name of the last node line written
    std::map<ProcessKey, std::string> m_knownNames;   // from process records, when no line yet
    std::set<std::string> m_objectNodes;              // UUIDs of file/socket nodes written
    std::set<ProcessKey> m_forked;                    // fork edges queued or written
    std::multimap<uint64_t, PendingFork> m_pendingForks; // by the child's start ns
};

} // namespace provscope
