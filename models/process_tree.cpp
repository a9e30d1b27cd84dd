#include "process_tree.h"

#include "event_json.h"
#include "session_connection.h"
#include "session_reader.h"
#include "session_schema.h"
#include "sqlite_database.h"
#include "sqlite_statement.h"

#include <sqlite3.h>

#include <algorithm>
#include <csignal>
#include <cstring>
#include <map>
#include <set>
#include <unordered_map>

namespace provscope {
namespace {

// SQLite calls this every kProgressSteps VM steps: a cancelled build stops mid-scan.
constexpr int kProgressSteps = 100000;

struct CancelState {
    const ProcessTree::Progress *progress = nullptr;
    double fraction = 0;
    bool cancelled = false;
};

int progressHandler(void *self)
{
    auto *state = static_cast<CancelState *>(self);
    if (*state->progress && !(*state->progress)(state->fraction))
        state->cancelled = true;
    return state->cancelled ? 1 : 0;
}

// Longest filter text: the filter bar is a QLineEdit (at most 32767 characters).
constexpr size_t kMaxFilterChars = 30000;
// A run of at least this many consecutive session pids is written as a range.
constexpr size_t kMinRangeRun = 4;

} // namespace

ProcessTree ProcessTree::fromProcesses(std::vector<ProcessInfo> processes)
{
    ProcessTree tree;
    tree.m_nodes.reserve(processes.size());
    for (ProcessInfo &info : processes) {
        ProcessNode node;
        node.info = std::move(info);
        tree.m_nodes.push_back(std::move(node));
    }
    tree.link();
    return tree;
}

void ProcessTree::link()
{
    m_roots.clear();
    // Instances of each pid by start time: the parent of a child whose record lacks
    // the parent's start is the latest instance of ppid started before the child.
    std::unordered_map<uint32_t, std::vector<int>> byPid;
    for (int i = 0; i < int(m_nodes.size()); ++i)
        byPid[m_nodes[size_t(i)].info.pid].push_back(i);
    for (auto &[pid, list] : byPid) {
        std::sort(list.begin(), list.end(), [this](int a, int b) {
            return m_nodes[size_t(a)].info.startNs < m_nodes[size_t(b)].info.startNs;
        });
        for (int i : list)
            m_nodes[size_t(i)].pidInstances = int(list.size());
    }
    for (int i = 0; i < int(m_nodes.size()); ++i) {
        ProcessNode &node = m_nodes[size_t(i)];
        node.parent = -1;
        node.children.clear();
        const ProcessInfo &info = node.info;
        auto it = byPid.find(info.ppid);
        if (it == byPid.end() || info.ppid == 0)
            continue;
        int parent = -1;
        for (int candidate : it->second) {
            const ProcessInfo &p = m_nodes[size_t(candidate)].info;
            if (info.parentStartNs ? p.startNs == info.parentStartNs : p.startNs <= info.startNs)
                parent = candidate;
        }
        if (parent != i)
            node.parent = parent;
    }
    // Damaged identities could make a cycle: cut it where the walk comes back.
    for (int i = 0; i < int(m_nodes.size()); ++i) {
        int steps = 0;
        for (int p = m_nodes[size_t(i)].parent; p >= 0; p = m_nodes[size_t(p)].parent) {
            if (p == i || ++steps > int(m_nodes.size())) {
                m_nodes[size_t(i)].parent = -1;
                break;
            }
        }
    }
    auto byStart = [this](int a, int b) {
        const ProcessInfo &x = m_nodes[size_t(a)].info;
        const ProcessInfo &y = m_nodes[size_t(b)].info;
        return x.startNs != y.startNs ? x.startNs < y.startNs : x.pid < y.pid;
    };
    for (int i = 0; i < int(m_nodes.size()); ++i) {
        const int p = m_nodes[size_t(i)].parent;
        (p >= 0 ? m_nodes[size_t(p)].children : m_roots).push_back(i);
    }
    std::sort(m_roots.begin(), m_roots.end(), byStart);
    for (ProcessNode &node : m_nodes)
        std::sort(node.children.begin(), node.children.end(), byStart);

    // Subtree counts, children before parents (no recursion: chains can be deep).
    for (ProcessNode &node : m_nodes)
        node.subtreeEvents = node.ownEvents;
    std::vector<int> order;
    for (int root : m_roots) {
        std::vector<int> one = subtree(root);
        order.insert(order.end(), one.begin(), one.end());
    }
    for (auto it = order.rbegin(); it != order.rend(); ++it) {
        const int p = m_nodes[size_t(*it)].parent;
        if (p >= 0)
            m_nodes[size_t(p)].subtreeEvents += m_nodes[size_t(*it)].subtreeEvents;
    }
}

Result<ProcessTree> ProcessTree::build(const std::string &sessionPath, const Progress &progress)
{
    auto reader = SessionReader::open(sessionPath);
    if (!reader)
        return makeError(reader.error());
    const bool live = reader.value()->isRecording();
    auto processes = reader.value()->processes();
    if (!processes)
        return makeError(processes.error());
    ProcessTree tree;
    tree.m_bootToEpochNs = reader.value()->meta().bootToEpochNs;
    tree.m_captureEndNs = reader.value()->meta().captureEndNs;
    tree.m_totalEvents = reader.value()->counts().events;
    reader.value().reset();
    for (ProcessInfo &info : processes.value()) {
        ProcessNode node;
        node.info = std::move(info);
        tree.m_nodes.push_back(std::move(node));
    }

    auto opened = openSessionReadOnly(sessionPath, live);
    if (!opened)
        return makeError(opened.error());
    SqliteDatabase &db = *opened.value();
    CancelState cancel;
    cancel.progress = &progress;
    sqlite3_progress_handler(db.handle(), kProgressSteps, progressHandler, &cancel);
    auto failed = [&](const std::string &what) -> Error {
        if (cancel.cancelled)
            return makeError("cancelled");
        return makeError(sessionPath + ": " + what);
    };

    // processes.id -> node; (pid, start) is unique.
    std::map<std::pair<uint32_t, uint64_t>, int> byIdentity;
    for (int i = 0; i < int(tree.m_nodes.size()); ++i)
        byIdentity[{tree.m_nodes[size_t(i)].info.pid, tree.m_nodes[size_t(i)].info.startNs}] = i;
    std::unordered_map<int64_t, int> byRowId;
    {
        auto st = SqliteStatement::prepare(db, "SELECT id, pid, start_ns FROM processes");
        if (!st)
            return failed(st.error());
        for (;;) {
            auto row = st->step();
            if (!row)
                return failed(row.error());
            if (!*row)
                break;
            auto it = byIdentity.find({uint32_t(st->columnInt64(1)), uint64_t(st->columnInt64(2))});
            if (it != byIdentity.end())
                byRowId[st->columnInt64(0)] = it->second;
        }
    }
    const double total = std::max<int64_t>(1, tree.m_totalEvents);
    {
        // A covering scan of events_by_proc: about 0.5 s for 10 million events.
        auto st = SqliteStatement::prepare(db, "SELECT proc, COUNT(*) FROM events GROUP BY proc");
        if (!st)
            return failed(st.error());
        int64_t seen = 0;
        for (;;) {
            auto row = st->step();
            if (!row)
                return failed(row.error());
            if (!*row)
                break;
            const int64_t n = st->columnInt64(1);
            auto it = byRowId.find(st->columnInt64(0));
            if (it != byRowId.end())
                tree.m_nodes[size_t(it->second)].ownEvents = n;
            seen += n;
            cancel.fraction = 0.5 * std::min(1.0, double(seen) / total);
        }
    }
    {
        // The images each process exec'd: one scan of the table for the (few) execs.
        auto st = SqliteStatement::prepare(
            db, "SELECT e.id, e.proc, e.ts, f.path, e.argv FROM events e"
                " LEFT JOIN files f ON f.id = e.file"
                " WHERE e.syscall IN (SELECT id FROM strings WHERE text IN ('execve', 'execveat'))"
                " AND e.ret = 0 ORDER BY e.id");
        if (!st)
            return failed(st.error());
        for (;;) {
            auto row = st->step();
            if (!row)
                return failed(row.error());
            if (!*row)
                break;
            cancel.fraction = 0.5 + 0.5 * std::min(1.0, double(st->columnInt64(0)) / total);
            auto it = byRowId.find(st->columnInt64(1));
            if (it == byRowId.end())
                continue;
            ProcessExec exec;
            exec.tsNs = uint64_t(st->columnInt64(2));
            exec.image = st->columnText(3);
            if (!st->isNull(4))
                exec.argv = schema::decodeArgv(st->columnText(4));
            tree.m_nodes[size_t(it->second)].execs.push_back(std::move(exec));
        }
    }
    if (progress && !progress(1.0))
        return makeError("cancelled");
    tree.link();
    return tree;
}

int ProcessTree::find(uint32_t pid, uint64_t startNs) const
{
    int best = -1;
    for (int i = 0; i < int(m_nodes.size()); ++i) {
        const ProcessInfo &info = m_nodes[size_t(i)].info;
        if (info.pid != pid)
            continue;
        if (startNs) {
            if (info.startNs == startNs)
                return i;
        } else if (best < 0 || info.startNs > m_nodes[size_t(best)].info.startNs) {
            best = i;
        }
    }
    return best;
}

std::vector<int> ProcessTree::ancestry(int index) const
{
    std::vector<int> chain;
    for (int i = index; i >= 0 && i < int(m_nodes.size()); i = m_nodes[size_t(i)].parent)
        chain.push_back(i);
    return chain;
}

std::vector<int> ProcessTree::subtree(int index) const
{
    std::vector<int> out;
    if (index < 0 || index >= int(m_nodes.size()))
        return out;
    std::vector<int> stack{index};
    while (!stack.empty()) {
        const int i = stack.back();
        stack.pop_back();
        out.push_back(i);
        const auto &children = m_nodes[size_t(i)].children;
        for (auto it = children.rbegin(); it != children.rend(); ++it)
            stack.push_back(*it);
    }
    return out;
}

std::string ProcessTree::isoTime(uint64_t bootNs) const
{
    return isoTimeUtc(int64_t(bootNs) + m_bootToEpochNs);
}

std::string ProcessTree::describeExit(int32_t waitStatus)
{
    const int signal = waitStatus & 0x7f;
    if (signal == 0)
        return std::to_string((waitStatus >> 8) & 0xff);
    const char *abbrev = sigabbrev_np(signal);
    std::string text = abbrev ? std::string("SIG") + abbrev : "signal " + std::to_string(signal);
    if (waitStatus & 0x80)
        text += " (core dumped)";
    return text;
}

std::string ProcessTree::timeBounds(int index) const
{
    // Instances of one pid never overlap (the pid is free only after the exit), so
    // the instance's events lie in [its start, the next instance's start).
    const ProcessInfo &info = m_nodes[size_t(index)].info;
    bool hasEarlier = false;
    uint64_t next = 0;
    for (const ProcessNode &other : m_nodes) {
        if (other.info.pid != info.pid || other.info.startNs == info.startNs)
            continue;
        if (other.info.startNs < info.startNs)
            hasEarlier = true;
        else if (!next || other.info.startNs < next)
            next = other.info.startNs;
    }
    std::string text;
    if (hasEarlier)
        text += " and evt.time >= \"" + isoTime(info.startNs) + "\"";
    if (next)
        text += " and evt.time < \"" + isoTime(next) + "\"";
    return text;
}

ProcessFilter ProcessTree::processFilter(int index) const
{
    ProcessFilter filter;
    if (index < 0 || index >= int(m_nodes.size()))
        return filter;
    const ProcessNode &node = m_nodes[size_t(index)];
    filter.text = "proc.pid == " + std::to_string(node.info.pid) + timeBounds(index);
    if (node.pidInstances > 1)
        filter.note = "pid " + std::to_string(node.info.pid) + " was used by " +
                      std::to_string(node.pidInstances) +
                      " processes in this session; the time bounds select this one";
    return filter;
}

ProcessFilter ProcessTree::subtreeFilter(int index) const
{
    ProcessFilter filter;
    const std::vector<int> members = subtree(index);
    if (members.empty())
        return filter;
    if (members.size() == 1)
        return processFilter(index);
    // A pid all of whose instances are in the subtree needs no time bounds.
    std::map<uint32_t, std::vector<int>> instancesInSubtree;
    for (int i : members)
        instancesInSubtree[m_nodes[size_t(i)].info.pid].push_back(i);
    std::set<uint32_t> wholePids;
    std::vector<int> timed;
    for (const auto &[pid, list] : instancesInSubtree) {
        if (int(list.size()) == m_nodes[size_t(list.front())].pidInstances)
            wholePids.insert(pid);
        else
            timed.insert(timed.end(), list.begin(), list.end());
    }
    // Runs of consecutive session pids that all belong wholly to the subtree can be
    // ranges (no other process of the session has a pid inside them).
    std::set<uint32_t> sessionPids;
    for (const ProcessNode &node : m_nodes)
        sessionPids.insert(node.info.pid);
    const bool exact = timed.size() <= kMaxTimedClauses;
    auto compose = [&](size_t minRun, size_t *clauseCount) {
        std::vector<std::pair<uint32_t, uint32_t>> ranges;
        std::vector<uint32_t> singles;
        std::vector<uint32_t> run;
        auto flush = [&] {
            if (run.size() >= minRun)
                ranges.emplace_back(run.front(), run.back());
            else
                singles.insert(singles.end(), run.begin(), run.end());
            run.clear();
        };
        for (uint32_t pid : sessionPids) {
            if (wholePids.count(pid))
                run.push_back(pid);
            else
                flush();
        }
        flush();
        // Each range and timed instance is one `or` clause: keep the longest ranges.
        const size_t rangeBudget = kMaxClauses - 1 - (exact ? timed.size() : 0);
        if (ranges.size() > rangeBudget) {
            std::sort(ranges.begin(), ranges.end(),
                      [](auto a, auto b) { return b.second - b.first < a.second - a.first; });
            for (size_t k = rangeBudget; k < ranges.size(); ++k) {
                for (auto it = sessionPids.lower_bound(ranges[k].first);
                     it != sessionPids.end() && *it <= ranges[k].second; ++it)
                    singles.push_back(*it);
            }
            ranges.resize(rangeBudget);
            std::sort(ranges.begin(), ranges.end());
            std::sort(singles.begin(), singles.end());
        }
        std::vector<std::string> clauses;
        if (singles.size() == 1) {
            clauses.push_back("proc.pid == " + std::to_string(singles.front()));
        } else if (!singles.empty()) {
            std::string list;
            for (uint32_t pid : singles)
                list += (list.empty() ? "" : ", ") + std::to_string(pid);
            clauses.push_back("proc.pid in (" + list + ")");
        }
        for (const auto &[from, to] : ranges)
            clauses.push_back("(proc.pid >= " + std::to_string(from) + " and proc.pid <= " + std::to_string(to) + ")");
        if (exact) {
            for (int i : timed)
                clauses.push_back("(proc.pid == " + std::to_string(m_nodes[size_t(i)].info.pid) + timeBounds(i) + ")");
        }
        std::string text;
        for (const std::string &clause : clauses)
            text += (text.empty() ? "" : " or ") + clause;
        *clauseCount = clauses.size();
        return text;
    };
    // One `in` list when it fits: SQLite runs it on the events_by_proc index, which it
    // cannot do for an `or` of several clauses (about 3 s against 17 s for 4 million
    // matches). Ranges when they make a single clause, or when the list is too long.
    size_t rangeClauses = 0, listClauses = 0;
    std::string text = compose(kMinRangeRun, &rangeClauses);
    if (rangeClauses > 1) {
        std::string list = compose(SIZE_MAX, &listClauses);
        if (list.size() <= kMaxFilterChars)
            text = std::move(list);
    }
    if (!exact || text.size() > kMaxFilterChars) {
        // Too large for one expression: the subtree's pids are not listed; bound by its
        // lifetime and the root's pid range instead (may include other processes).
        const ProcessNode &root = m_nodes[size_t(index)];
        uint64_t end = 0;
        bool running = false;
        uint32_t lo = UINT32_MAX, hi = 0;
        for (int i : members) {
            const ProcessInfo &info = m_nodes[size_t(i)].info;
            running = running || !info.exitTsNs;
            end = std::max(end, info.exitTsNs);
            lo = std::min(lo, info.pid);
            hi = std::max(hi, info.pid);
        }
        text = "proc.pid >= " + std::to_string(lo) + " and proc.pid <= " + std::to_string(hi) +
               " and evt.time >= \"" + isoTime(root.info.startNs) + "\"";
        if (!running)
            text += " and evt.time <= \"" + isoTime(end) + "\"";
        filter.exact = false;
        filter.note = "the subtree has " + std::to_string(members.size()) +
                      " processes: too many to list, so this filter is bounded by their pid range "
                      "and lifetime and may include other processes";
    } else if (!timed.empty()) {
        filter.note = std::to_string(timed.size()) +
                      " of its pids were reused by other processes in this session; time bounds "
                      "select the instances in the subtree";
    }
    filter.text = text;
    return filter;
}

} // namespace provscope
