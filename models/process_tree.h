#pragma once
// The session's processes as a forest: each process instance (pid + start time, so
// a reused pid is two nodes) under the instance of its parent, children by start
// time; a process whose parent the session does not know is a root. Each node keeps
// its own and its subtree's event counts and the images it exec'd, and can say the
// display filter that selects exactly its (or its subtree's) events.
#include "event.h"
#include "result.h"

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace provscope {

// One successful execve/execveat of a process: the image it ran from then on.
struct ProcessExec {
    uint64_t tsNs = 0; // boot ns
    std::string image;
    std::vector<std::string> argv;
};

struct ProcessNode {
    ProcessInfo info;
    int parent = -1;            // index into nodes(); -1: a root
    std::vector<int> children;  // by start time
    int64_t ownEvents = 0;      // event rows of this process
    int64_t subtreeEvents = 0;  // this process's and all its descendants'
    int pidInstances = 1;       // process instances in the session with this pid
    std::vector<ProcessExec> execs; // in time order
};

// A display filter for a process or a subtree, and whether it selects exactly
// those events (false: the subtree was too large for one expression).
struct ProcessFilter {
    std::string text;
    bool exact = true;
    std::string note; // why it is not exact, or how pid reuse was handled
};

class ProcessTree {
public:
    // Called with a fraction in [0, 1] while building; returns false to cancel.
    using Progress = std::function<bool(double fraction)>;

    // Reads processes, per-process event counts (one GROUP BY over the events_by_proc
    // index) and exec images (one scan of the execs) on its own read-only connection:
    // call it on a worker. A cancelled build returns the error "cancelled".
    static Result<ProcessTree> build(const std::string &sessionPath, const Progress &progress = {});
    // The forest of these processes alone (no counts, no execs).
    static ProcessTree fromProcesses(std::vector<ProcessInfo> processes);

    const std::vector<ProcessNode> &nodes() const { return m_nodes; }
    const std::vector<int> &roots() const { return m_roots; }
    int64_t bootToEpochNs() const { return m_bootToEpochNs; }
    uint64_t captureEndNs() const { return m_captureEndNs; } // 0 while recording
    int64_t totalEvents() const { return m_totalEvents; }

    // The node of (pid, startNs); startNs 0: the latest instance with that pid. -1: none.
    int find(uint32_t pid, uint64_t startNs = 0) const;
    // index, its parent, ... up to its root.
    std::vector<int> ancestry(int index) const;
    // index and all its descendants, depth first, children by start time.
    std::vector<int> subtree(int index) const;

    // `proc.pid == N`, with evt.time bounds between the neighbouring instances when the
    // pid was reused in the session.
    ProcessFilter processFilter(int index) const;
    // `proc.pid in (...)` over the subtree's pids (runs of consecutive session pids as
    // ranges), reused pids as per-instance time-bounded clauses. Every `or` nests one
    // level deeper in the SQL, and SQLite's parser stack holds about 100 levels: at
    // most kMaxClauses clauses, kMaxTimedClauses of them timed. Beyond that, or beyond
    // what the filter bar holds, an approximation bounded by the subtree's pid range
    // and lifetime (exact == false).
    ProcessFilter subtreeFilter(int index) const;
    static constexpr size_t kMaxClauses = 24;
    static constexpr size_t kMaxTimedClauses = 16;

    // ProcessInfo::exitCode is a wait status (exit status << 8 | signal): "0", "1",
    // "SIGKILL", "SIGSEGV (core dumped)".
    static std::string describeExit(int32_t waitStatus);

    // "2026-11-22T09:00:00.123456789Z" of a boot ns of this session (filter syntax).
    std::string isoTime(uint64_t bootNs) const;

private:
    void link();
    // The boot-ns interval [from, to] in which events of instance index can lie when
    // its pid was reused: from its start to just before the next instance's start.
    std::string timeBounds(int index) const;

    std::vector<ProcessNode> m_nodes;
    std::vector<int> m_roots;
    int64_t m_bootToEpochNs = 0;
    uint64_t m_captureEndNs = 0;
    int64_t m_totalEvents = 0;
};

} // namespace provscope
