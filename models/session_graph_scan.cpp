// SessionGraph::build: one pass over the events table, integer columns only.
// Small tables (processes, sockets, file identities) are read first; a file's
// path is read once, when its node is made; syscall names once per string id.
#include "session_graph.h"

#include "cpr_reduction.h"
#include "event_flow.h"
#include "session_connection.h"
#include "session_reader.h"
#include "sqlite_statement.h"

#include <algorithm>
#include <chrono>
#include <map>
#include <unordered_map>

namespace provscope {

namespace {

using Clock = std::chrono::steady_clock;

double secondsSince(Clock::time_point start)
{
    return std::chrono::duration<double>(Clock::now() - start).count();
}

// One raw edge before reduction (48 bytes; a GraphEdge is 72 plus its ids).
struct RawEdge {
    uint64_t ts = 0, te = 0, bytes = 0;
    int64_t eventId = 0; // 0: none (a Version edge, a fork without its clone event)
    int32_t from = -1, to = -1;
    uint32_t count = 0;
    EdgeType type = EdgeType::Read;
};

struct Version {
    uint64_t ts = 0; // the exec that started it (0 for the first image)
    int node = -1;
};

struct ProcRow {
    uint32_t pid = 0;
    uint64_t start = 0;
    uint32_t ppid = 0;
    uint64_t parentStart = 0;
    std::string comm, baseComm, exe;
    std::vector<Version> versions; // by exec time
    bool present = false;
};

struct SyscallRoles {
    bool known = false;
    FlowRole onFile = FlowRole::None;
    FlowRole onSocket = FlowRole::None;
    bool clone = false;
};

struct SocketRow {
    std::string laddr, raddr;
    uint16_t lport = 0, rport = 0;
    int node = -1;
};

struct Identity {
    int64_t firstEvent = 0;
    uint64_t dev = 0, ino = 0;
};

std::string baseName(const std::string &path)
{
    const auto slash = path.find_last_of('/');
    return slash == std::string::npos ? path : path.substr(slash + 1);
}

} // namespace

class SessionGraphScan {
public:
    SessionGraphScan(const std::string &path, const SessionGraphOptions &options) : m_path(path), m_options(options) {}
    Result<std::shared_ptr<const SessionGraph>> run();

private:
    Result<SqliteStatement> prepare(const std::string &sql)
    {
        auto st = SqliteStatement::prepare(*m_db, sql);
        if (!st)
            return makeError(m_path + ": " + st.error());
        return std::move(st.value());
    }
    Result<void> loadProcesses();
    Result<void> loadSockets();
    Result<void> loadIdentities();
    Result<void> scanEvents();
    void addForks();
    void reduceAndAssemble(SessionGraph &out);

    int processNode(int64_t row, uint64_t ts);
    int newVersion(int64_t row, uint64_t ts, int64_t execFile);
    int fileNode(int64_t fileId, int64_t eventId);
    int pathNode(int64_t fileId);
    int socketNode(int64_t socketId);
    Result<std::string> pathOf(int64_t fileId);
    void advanceIdentity(int64_t fileId, int64_t eventId);
    const SyscallRoles &rolesOf(int64_t syscall);

    std::string m_path;
    const SessionGraphOptions &m_options;
    std::unique_ptr<SqliteDatabase> m_db;
    SqliteStatement m_pathById, m_nameById;
    ProvenanceGraph m_graph;
    std::vector<ProcRow> m_procs;        // by processes.id
    std::vector<SocketRow> m_sockets;    // by sockets.id
    std::vector<SyscallRoles> m_roles;   // by strings.id
    std::vector<int> m_fileNode;         // by files.id: the path node (-1: not made yet)
    std::vector<std::string> m_pathCache; // paths read for identity nodes
    // File identities (optional table file_ids): per file id a range of rows by first_event.
    bool m_identities = false;
    std::vector<Identity> m_identityRows;
    std::vector<int64_t> m_identityStart;   // by files.id (size files + 1)
    std::vector<int64_t> m_identityCursor;  // by files.id: rows consumed
    std::vector<int> m_currentNode;          // by files.id: the identity node the path names now (-1: path node)
    std::map<std::pair<uint64_t, uint64_t>, int> m_identityNode;
    // Clone events: (process row, child pid) -> (ts, id).
    std::map<std::pair<int64_t, uint32_t>, std::vector<std::pair<uint64_t, int64_t>>> m_clones;
    std::vector<RawEdge> m_raw;
    SessionGraphStats m_stats;
    std::string m_error;
};

Result<void> SessionGraphScan::loadProcesses()
{
    auto rows = prepare("SELECT p.id, p.pid, p.start_ns, p.ppid, p.parent_start_ns, cs.text, bs.text, f.path"
                        " FROM processes p LEFT JOIN strings cs ON cs.id = p.comm"
                        " LEFT JOIN strings bs ON bs.id = p.base_comm LEFT JOIN files f ON f.id = p.exe ORDER BY p.id");
    if (!rows)
        return makeError(rows.error());
    for (;;) {
        auto row = rows->step();
        if (!row)
            return makeError(m_path + ": " + row.error());
        if (!*row)
            break;
        const int64_t id = rows->columnInt64(0);
        if (id < 0 || id > (int64_t(1) << 31))
            continue;
        if (static_cast<size_t>(id) >= m_procs.size())
            m_procs.resize(static_cast<size_t>(id) + 1);
        ProcRow &p = m_procs[static_cast<size_t>(id)];
        p.present = true;
        p.pid = uint32_t(rows->columnInt64(1));
        p.start = uint64_t(rows->columnInt64(2));
        p.ppid = uint32_t(rows->columnInt64(3));
        p.parentStart = uint64_t(rows->columnInt64(4));
        p.comm = rows->columnText(5);
        p.baseComm = rows->columnText(6);
        p.exe = rows->columnText(7);
        // Version 0 of every instance: forks need them, and a process with no events still existed.
        GraphNode node;
        node.kind = NodeKind::Process;
        node.key = ProvenanceGraph::keyForProcess(p.pid, p.start);
        node.pid = p.pid;
        node.startNs = p.start;
        p.versions.push_back({0, m_graph.addNode(std::move(node))});
    }
    return {};
}

Result<void> SessionGraphScan::loadSockets()
{
    auto rows = prepare("SELECT id, laddr, lport, raddr, rport FROM sockets ORDER BY id");
    if (!rows)
        return makeError(rows.error());
    std::map<std::tuple<std::string, uint16_t, std::string, uint16_t>, int64_t> byEnds;
    for (;;) {
        auto row = rows->step();
        if (!row)
            return makeError(m_path + ": " + row.error());
        if (!*row)
            break;
        const int64_t id = rows->columnInt64(0);
        if (id < 0 || id > (int64_t(1) << 31))
            continue;
        if (static_cast<size_t>(id) >= m_sockets.size())
            m_sockets.resize(static_cast<size_t>(id) + 1);
        SocketRow &s = m_sockets[static_cast<size_t>(id)];
        s.laddr = rows->columnText(1);
        s.lport = uint16_t(rows->columnInt64(2));
        s.raddr = rows->columnText(3);
        s.rport = uint16_t(rows->columnInt64(4));
        byEnds.emplace(std::tuple(s.laddr, s.lport, s.raddr, s.rport), id);
    }
    // Both ends of a host-local connection (each side's socket recorded) are
    // one node, oriented with the server (the lower port) as the remote end.
    for (SocketRow &s : m_sockets) {
        if (s.raddr.empty())
            continue;
        if (byEnds.count(std::tuple(s.raddr, s.rport, s.laddr, s.lport)) == 0)
            continue;
        const bool swap = s.lport < s.rport || (s.lport == s.rport && s.laddr < s.raddr);
        if (swap) {
            std::swap(s.laddr, s.raddr);
            std::swap(s.lport, s.rport);
        }
    }
    return {};
}

Result<void> SessionGraphScan::loadIdentities()
{
    auto has = m_db->hasTable("file_ids");
    if (!has)
        return makeError(m_path + ": " + has.error());
    if (!*has)
        return {};
    auto rows = prepare("SELECT file, first_event, dev, ino FROM file_ids ORDER BY file, first_event, id");
    if (!rows)
        return makeError(rows.error());
    std::vector<std::pair<int64_t, Identity>> all;
    for (;;) {
        auto row = rows->step();
        if (!row)
            return makeError(m_path + ": " + row.error());
        if (!*row)
            break;
        const int64_t file = rows->columnInt64(0);
        if (file <= 0 || file > (int64_t(1) << 31))
            continue;
        all.push_back({file, {rows->columnInt64(1), uint64_t(rows->columnInt64(2)), uint64_t(rows->columnInt64(3))}});
    }
    m_identities = true;
    const size_t files = all.empty() ? 1 : static_cast<size_t>(all.back().first) + 1;
    m_identityStart.assign(files + 1, 0);
    for (const auto &[file, identity] : all)
        ++m_identityStart[static_cast<size_t>(file) + 1];
    for (size_t i = 0; i < files; ++i)
        m_identityStart[i + 1] += m_identityStart[i];
    m_identityRows.reserve(all.size());
    for (const auto &[file, identity] : all)
        m_identityRows.push_back(identity); // already grouped by file, in first_event order
    m_identityCursor.assign(files, 0);
    return {};
}

const SyscallRoles &SessionGraphScan::rolesOf(int64_t syscall)
{
    static const SyscallRoles none{true};
    if (syscall < 0 || syscall > (int64_t(1) << 24))
        return none;
    if (static_cast<size_t>(syscall) >= m_roles.size())
        m_roles.resize(static_cast<size_t>(syscall) + 1);
    SyscallRoles &roles = m_roles[static_cast<size_t>(syscall)];
    if (!roles.known) {
        roles.known = true;
        m_nameById.bindInt64(1, syscall);
        auto found = m_nameById.step();
        if (found && *found) {
            const std::string name = m_nameById.columnText(0);
            roles.onFile = flowRoleOf(name, false);
            roles.onSocket = flowRoleOf(name, true);
            roles.clone = isCloneSyscall(name);
        }
        m_nameById.reset();
    }
    return roles;
}

Result<std::string> SessionGraphScan::pathOf(int64_t fileId)
{
    m_pathById.bindInt64(1, fileId);
    auto found = m_pathById.step();
    std::string path = found && *found ? m_pathById.columnText(0) : std::string();
    m_pathById.reset();
    if (!found)
        return makeError(m_path + ": " + found.error());
    return path;
}

int SessionGraphScan::pathNode(int64_t fileId)
{
    if (static_cast<size_t>(fileId) >= m_fileNode.size())
        m_fileNode.resize(static_cast<size_t>(fileId) + 1, -1);
    int &node = m_fileNode[static_cast<size_t>(fileId)];
    if (node < 0) {
        auto path = pathOf(fileId);
        if (!path) {
            m_error = path.error();
            return -1;
        }
        node = isPipePath(*path) ? m_graph.addPipe(*path) : m_graph.addFile(*path);
        GraphNode &made = m_graph.mutableNode(node);
        if (made.paths.empty())
            made.paths.push_back(made.path);
    }
    return node;
}

void SessionGraphScan::advanceIdentity(int64_t fileId, int64_t eventId)
{
    if (static_cast<size_t>(fileId) + 1 >= m_identityStart.size())
        return;
    const size_t f = static_cast<size_t>(fileId);
    int64_t &cursor = m_identityCursor[f];
    const int64_t begin = m_identityStart[f], end = m_identityStart[f + 1];
    bool moved = false;
    while (begin + cursor < end && m_identityRows[static_cast<size_t>(begin + cursor)].firstEvent <= eventId) {
        ++cursor;
        moved = true;
    }
    if (!moved)
        return;
    const Identity &id = m_identityRows[static_cast<size_t>(begin + cursor - 1)];
    if (m_currentNode.size() <= f)
        m_currentNode.resize(f + 1, -1);
    auto [it, fresh] = m_identityNode.emplace(std::pair(id.dev, id.ino), -1);
    auto path = pathOf(fileId);
    if (!path) {
        m_error = path.error();
        return;
    }
    if (fresh) {
        GraphNode node;
        node.kind = isPipePath(*path) ? NodeKind::Pipe : NodeKind::File;
        node.key = ProvenanceGraph::keyForFileIdentity(id.dev, id.ino);
        node.path = *path;
        node.paths.push_back(*path);
        node.label = baseName(*path);
        if (node.label != *path)
            node.detail = *path;
        node.dev = id.dev;
        node.ino = id.ino;
        it->second = m_graph.addNode(std::move(node));
    } else {
        GraphNode &node = m_graph.mutableNode(it->second);
        if (std::find(node.paths.begin(), node.paths.end(), *path) == node.paths.end())
            node.paths.push_back(*path);
    }
    m_currentNode[f] = it->second;
}

int SessionGraphScan::fileNode(int64_t fileId, int64_t eventId)
{
    if (fileId <= 0 || fileId > (int64_t(1) << 31))
        return -1;
    if (m_identities) {
        advanceIdentity(fileId, eventId);
        if (static_cast<size_t>(fileId) < m_currentNode.size() && m_currentNode[static_cast<size_t>(fileId)] >= 0)
            return m_currentNode[static_cast<size_t>(fileId)];
    }
    return pathNode(fileId);
}

int SessionGraphScan::socketNode(int64_t socketId)
{
    if (socketId <= 0 || static_cast<size_t>(socketId) >= m_sockets.size())
        return -1;
    SocketRow &s = m_sockets[static_cast<size_t>(socketId)];
    if (s.laddr.empty() && s.raddr.empty())
        return -1; // a Unix socket or an unknown address: the path names it
    if (s.node < 0)
        s.node = m_graph.addSocket(s.laddr, s.lport, s.raddr, s.rport);
    return s.node;
}

// The version of the process current at ts: the newest whose exec is at or before it.
int SessionGraphScan::processNode(int64_t row, uint64_t ts)
{
    if (row < 0 || static_cast<size_t>(row) >= m_procs.size() || !m_procs[static_cast<size_t>(row)].present)
        return -1;
    const std::vector<Version> &versions = m_procs[static_cast<size_t>(row)].versions;
    for (size_t i = versions.size(); i-- > 1;)
        if (versions[i].ts <= ts)
            return versions[i].node;
    return versions.front().node;
}

int SessionGraphScan::newVersion(int64_t row, uint64_t ts, int64_t execFile)
{
    ProcRow &p = m_procs[static_cast<size_t>(row)];
    const int old = processNode(row, ts);
    const int version = static_cast<int>(p.versions.size());
    GraphNode node;
    node.kind = NodeKind::Process;
    node.key = ProvenanceGraph::keyForProcessVersion(p.pid, p.start, version);
    node.pid = p.pid;
    node.startNs = p.start;
    node.version = version;
    if (execFile > 0) {
        if (auto path = pathOf(execFile); path)
            node.exe = *path;
    }
    const int index = m_graph.addNode(std::move(node));
    // Kept by exec time (an exec seen out of order still lands in its place).
    auto at = std::upper_bound(p.versions.begin() + 1, p.versions.end(), ts,
                               [](uint64_t t, const Version &v) { return t < v.ts; });
    p.versions.insert(at, {ts, index});
    RawEdge edge;
    edge.ts = edge.te = ts;
    edge.from = old;
    edge.to = index;
    edge.count = 1;
    edge.type = EdgeType::Version;
    m_raw.push_back(edge);
    return index;
}

Result<void> SessionGraphScan::scanEvents()
{
    auto bounds = prepare("SELECT COALESCE(min(id), 0), COALESCE(max(id), 0) FROM events");
    if (!bounds)
        return makeError(bounds.error());
    if (auto row = bounds->step(); !row)
        return makeError(m_path + ": " + row.error());
    const int64_t firstId = bounds->columnInt64(0), lastId = bounds->columnInt64(1);
    m_raw.reserve(static_cast<size_t>(std::max<int64_t>(lastId - firstId + 1, 0)) + m_procs.size());

    auto rows = prepare("SELECT id, ts, dt, proc, syscall, ret, file, file2, socket, count, bytes"
                        " FROM events ORDER BY id");
    if (!rows)
        return makeError(rows.error());
    const double span = double(std::max<int64_t>(lastId - firstId + 1, 1));
    int lastPercent = -1;
    for (int64_t n = 0;; ++n) {
        if ((n & 0xfff) == 0) {
            if (m_options.cancelled && m_options.cancelled->load(std::memory_order_relaxed))
                return makeError("building the graph of " + m_path + " was cancelled");
            if (!m_error.empty())
                return makeError(m_error);
        }
        auto row = rows->step();
        if (!row)
            return makeError(m_path + ": " + row.error());
        if (!*row)
            break;
        ++m_stats.eventsRead;
        const int64_t id = rows->columnInt64(0);
        if (m_options.progress && (n & 0xffff) == 0) {
            const int percent = static_cast<int>(90.0 * double(id - firstId) / span);
            if (percent != lastPercent)
                m_options.progress(lastPercent = percent);
        }
        const uint64_t ts = uint64_t(rows->columnInt64(1));
        const int64_t proc = rows->columnInt64(3);
        const SyscallRoles &roles = rolesOf(rows->columnInt64(4));
        const int64_t ret = rows->columnInt64(5);
        const int64_t socket = rows->columnInt64(8);
        const bool onSocket = socket > 0 && static_cast<size_t>(socket) < m_sockets.size()
                              && !(m_sockets[static_cast<size_t>(socket)].laddr.empty()
                                   && m_sockets[static_cast<size_t>(socket)].raddr.empty());
        const FlowRole role = onSocket ? roles.onSocket : roles.onFile;
        if (role == FlowRole::None) {
            if (roles.clone && ret > 0)
                m_clones[{proc, uint32_t(ret)}].push_back({ts, id});
            continue;
        }
        if (!flowSucceeded(role, ret))
            continue;
        if (proc < 0 || static_cast<size_t>(proc) >= m_procs.size() || !m_procs[static_cast<size_t>(proc)].present)
            continue;
        const int64_t file = rows->columnInt64(6);
        RawEdge edge;
        edge.ts = ts;
        edge.te = ts + uint64_t(rows->columnInt64(2));
        edge.count = uint32_t(std::max<int64_t>(rows->columnInt64(9), 1));
        edge.bytes = uint64_t(rows->columnInt64(10));
        edge.eventId = id;
        edge.type = flowEdgeType(role);
        if (role == FlowRole::Rename) {
            const int64_t file2 = rows->columnInt64(7);
            if (file <= 0 || file2 <= 0)
                continue;
            const int from = fileNode(file, id);
            if (from < 0)
                continue;
            const GraphNode &old = m_graph.node(from);
            if (m_identities && old.ino != 0) {
                // One node: the new name joins its paths and names it from now on.
                advanceIdentity(file2, id);
                auto path = pathOf(file2);
                if (!path)
                    return makeError(path.error());
                GraphNode &node = m_graph.mutableNode(from);
                if (std::find(node.paths.begin(), node.paths.end(), *path) == node.paths.end())
                    node.paths.push_back(*path);
                if (m_currentNode.size() <= static_cast<size_t>(std::max(file, file2)))
                    m_currentNode.resize(static_cast<size_t>(std::max(file, file2)) + 1, -1);
                m_currentNode[static_cast<size_t>(file2)] = from;
                m_currentNode[static_cast<size_t>(file)] = -1;
                continue;
            }
            edge.from = from;
            edge.to = pathNode(file2);
            if (edge.to < 0)
                continue;
            m_raw.push_back(edge);
            continue;
        }
        if (role == FlowRole::Exec) {
            // A successful exec starts the next version, with or without its image.
            const int image = file > 0 ? fileNode(file, id) : -1;
            const int next = newVersion(proc, ts, file);
            if (image >= 0) {
                edge.from = image;
                edge.to = next;
                m_raw.push_back(edge);
            }
            continue;
        }
        const int object = onSocket ? socketNode(socket) : fileNode(file, id);
        if (object < 0)
            continue; // nothing to attach the flow to
        const int process = processNode(proc, ts);
        edge.from = flowIntoProcess(role) ? object : process;
        edge.to = flowIntoProcess(role) ? process : object;
        m_raw.push_back(edge);
    }
    if (!m_error.empty())
        return makeError(m_error);
    return {};
}

// Forks from the process table: the parent's version current when the child
// started -> the child's first version, at the child's start.
void SessionGraphScan::addForks()
{
    std::unordered_map<uint32_t, std::vector<std::pair<uint64_t, int64_t>>> byPid; // pid -> (start, row)
    for (size_t row = 0; row < m_procs.size(); ++row)
        if (m_procs[row].present)
            byPid[m_procs[row].pid].push_back({m_procs[row].start, static_cast<int64_t>(row)});
    for (auto &[pid, starts] : byPid)
        std::sort(starts.begin(), starts.end());
    for (size_t row = 0; row < m_procs.size(); ++row) {
        const ProcRow &child = m_procs[row];
        if (!child.present || child.ppid == 0)
            continue;
        const auto it = byPid.find(child.ppid);
        if (it == byPid.end())
            continue;
        int64_t parent = -1;
        for (const auto &[start, candidate] : it->second) {
            if (candidate == static_cast<int64_t>(row))
                continue;
            if (child.parentStart != 0) {
                if (start == child.parentStart)
                    parent = candidate;
            } else if (start <= child.start) {
                parent = candidate; // unknown start: the latest instance started before the child
            }
        }
        if (parent < 0)
            continue;
        RawEdge edge;
        edge.ts = edge.te = child.start;
        edge.from = processNode(parent, child.start);
        edge.to = child.versions.front().node;
        edge.count = 1;
        edge.type = EdgeType::Fork;
        // The parent's clone call that returned the child's pid nearest to its start.
        if (const auto clones = m_clones.find({parent, child.pid}); clones != m_clones.end()) {
            uint64_t bestGap = UINT64_MAX;
            for (const auto &[ts, id] : clones->second) {
                const uint64_t gap = ts > child.start ? ts - child.start : child.start - ts;
                if (gap < bestGap) {
                    bestGap = gap;
                    edge.eventId = id;
                }
            }
        }
        m_raw.push_back(edge);
    }
}

// Labels: the first image is named by the comm seen first, each exec by its
// image; the last version by what the process table says it ended as.
static void labelProcesses(ProvenanceGraph &graph, const std::vector<ProcRow> &procs)
{
    for (const ProcRow &p : procs) {
        if (!p.present)
            continue;
        for (size_t v = 0; v < p.versions.size(); ++v) {
            GraphNode &node = graph.mutableNode(p.versions[v].node);
            const bool last = v + 1 == p.versions.size();
            if (last) {
                node.comm = p.comm.empty() ? p.baseComm : p.comm;
                if (!p.exe.empty())
                    node.exe = p.exe;
            } else if (v == 0) {
                node.comm = p.baseComm.empty() ? p.comm : p.baseComm;
            } else {
                node.comm = baseName(node.exe).substr(0, 15); // what the kernel names it after exec
            }
            node.label = (node.comm.empty() ? std::string("?") : node.comm) + " (" + std::to_string(p.pid) + ")";
            node.detail = node.exe;
        }
    }
}

// Edges in ts order (ties: event order), as CPR needs them: the scan is in id
// order, which is ts order except for coalesced calls (emitted at their last
// ts), so only the out-of-order rest is sorted and merged in.
static std::vector<uint32_t> tsOrder(const std::vector<RawEdge> &raw)
{
    std::vector<uint32_t> inOrder, rest;
    inOrder.reserve(raw.size());
    uint64_t high = 0;
    for (uint32_t i = 0; i < raw.size(); ++i) {
        if (raw[i].ts >= high) {
            high = raw[i].ts;
            inOrder.push_back(i);
        } else {
            rest.push_back(i);
        }
    }
    if (rest.empty())
        return inOrder;
    auto before = [&](uint32_t a, uint32_t b) { return raw[a].ts != raw[b].ts ? raw[a].ts < raw[b].ts : a < b; };
    std::sort(rest.begin(), rest.end(), before);
    std::vector<uint32_t> order(raw.size());
    std::merge(inOrder.begin(), inOrder.end(), rest.begin(), rest.end(), order.begin(), before);
    return order;
}

void SessionGraphScan::reduceAndAssemble(SessionGraph &out)
{
    const auto start = Clock::now();
    m_stats.rawEdges = m_raw.size();
    const std::vector<uint32_t> order = tsOrder(m_raw);
    // keptOf[raw] = index of the kept edge it went into.
    std::vector<uint32_t> keptOf(m_raw.size());
    size_t kept = 0;
    std::unique_ptr<CprReducer> reducer;
    if (m_options.reduce) {
        reducer = std::make_unique<CprReducer>(m_graph.nodeCount());
        for (uint32_t i : order) {
            const RawEdge &e = m_raw[i];
            keptOf[i] = static_cast<uint32_t>(reducer->add(e.from, e.to, e.type, e.ts, e.te));
        }
        kept = reducer->keptCount();
    } else {
        for (uint32_t i : order)
            keptOf[i] = static_cast<uint32_t>(kept++);
    }
    std::vector<GraphEdge> edges(kept);
    std::vector<int64_t> &starts = out.m_eventStart;
    starts.assign(kept + 1, 0);
    for (uint32_t i : order) {
        const RawEdge &e = m_raw[i];
        GraphEdge &g = edges[keptOf[i]];
        if (g.count == 0) {
            g.from = e.from;
            g.to = e.to;
            g.type = e.type;
            g.tsNs = e.ts;
            g.teNs = std::max(e.te, e.ts);
        }
        g.teNs = std::max(g.teNs, e.te);
        g.count += e.count ? e.count : 1;
        g.bytes += e.bytes;
        if (e.eventId > 0)
            ++starts[keptOf[i] + 1];
    }
    for (size_t k = 0; k < kept; ++k)
        starts[k + 1] += starts[k];
    // Raw edges are in id order (forks and versions last), so each edge's ids come out ascending
    // except for fork clone ids: sorted per edge below where needed.
    std::vector<int64_t> &ids = out.m_eventIds;
    ids.assign(static_cast<size_t>(starts[kept]), 0);
    {
        std::vector<int64_t> fill(starts.begin(), starts.end() - 1);
        for (size_t i = 0; i < m_raw.size(); ++i)
            if (m_raw[i].eventId > 0)
                ids[static_cast<size_t>(fill[keptOf[i]]++)] = m_raw[i].eventId;
    }
    for (size_t k = 0; k < kept; ++k)
        if (!std::is_sorted(ids.begin() + starts[k], ids.begin() + starts[k + 1]))
            std::sort(ids.begin() + starts[k], ids.begin() + starts[k + 1]);
    std::vector<RawEdge>().swap(m_raw);
    std::vector<uint32_t>().swap(keptOf);
    m_graph.reserveEdges(kept);
    for (GraphEdge &g : edges)
        m_graph.appendEdge(std::move(g));
    m_stats.reduceSeconds = secondsSince(start);
}

Result<std::shared_ptr<const SessionGraph>> SessionGraphScan::run()
{
    const auto start = Clock::now();
    // The reader's checks and messages (not a session, damaged, newer format).
    auto reader = SessionReader::open(m_path);
    if (!reader)
        return makeError(reader.error());
    m_graph.setBootToEpochNs(reader.value()->meta().bootToEpochNs);
    const bool recording = reader.value()->isRecording();
    reader.value().reset();
    auto db = openSessionReadOnly(m_path, recording);
    if (!db)
        return makeError(db.error());
    m_db = std::move(db.value());
    auto pathById = prepare("SELECT path FROM files WHERE id = ?1");
    auto nameById = prepare("SELECT text FROM strings WHERE id = ?1");
    if (!pathById)
        return makeError(pathById.error());
    if (!nameById)
        return makeError(nameById.error());
    m_pathById = std::move(*pathById);
    m_nameById = std::move(*nameById);

    for (auto step : {&SessionGraphScan::loadProcesses, &SessionGraphScan::loadSockets,
                      &SessionGraphScan::loadIdentities, &SessionGraphScan::scanEvents})
        if (auto done = (this->*step)(); !done)
            return makeError(done.error());
    addForks();
    labelProcesses(m_graph, m_procs);
    m_stats.buildSeconds = secondsSince(start);

    std::shared_ptr<SessionGraph> out(new SessionGraph());
    reduceAndAssemble(*out);
    if (m_options.cancelled && m_options.cancelled->load())
        return makeError("building the graph of " + m_path + " was cancelled");
    out->m_graph = std::move(m_graph);
    out->m_reduced = m_options.reduce;
    out->m_sessionPath = m_path;
    out->m_stats = m_stats;
    out->finish();
    if (m_options.progress)
        m_options.progress(100);
    return std::shared_ptr<const SessionGraph>(std::move(out));
}

Result<std::shared_ptr<const SessionGraph>> SessionGraph::build(const std::string &sessionPath,
                                                                const SessionGraphOptions &options)
{
    SessionGraphScan scan(sessionPath, options);
    return scan.run();
}

} // namespace provscope
