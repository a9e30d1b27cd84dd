// SessionGraph::build, reading: one pass over the events table, integer
// columns only. Small tables (processes, sockets, file identities) are read
// first; a file's path is read once, when its node is made; syscall names
// once per string id. The edges are reduced and assembled in
// session_graph_assemble.cpp.
#include "session_graph_scan.h"

#include <algorithm>

namespace provscope {

using namespace session_graph_detail;

// Tables are read into arrays indexed by row id: ids far beyond the row count
// mean a damaged (or crafted) file, refused before anything is allocated.
Result<void> SessionGraphScan::checkDenseIds()
{
    for (const char *table : {"processes", "sockets", "files"}) {
        auto rows = prepare(std::string("SELECT COALESCE(max(id), 0), count(*) FROM ") + table);
        if (!rows)
            return makeError(rows.error());
        if (auto row = rows->step(); !row || !*row)
            return makeError(m_path + ": cannot read " + table + (row ? "" : ": " + row.error()));
        const int64_t maxId = rows->columnInt64(0), count = rows->columnInt64(1);
        if (maxId < 0 || maxId > 4 * count + 65536)
            return makeError(m_path + ": damaged session: " + table + " ids reach " + std::to_string(maxId) + " for "
                             + std::to_string(count) + " rows");
        if (std::string_view(table) == "files")
            m_maxFileId = maxId;
    }
    return {};
}

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
    if (fileId <= 0 || fileId > m_maxFileId)
        return -1;
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
    auto [it, fresh] = m_identityNode.emplace(std::pair(id.dev, id.ino), IdentityNode{});
    if (!fresh && m_currentNode[f] == it->second.node)
        return; // the same file again: its path is known already
    auto path = pathOf(fileId);
    if (!path) {
        m_error = path.error();
        return;
    }
    // A path the identity's node never had: a new file that got the inode
    // number of a deleted one (or, rarely, a hard link): a node of its own.
    // A rename adds the new name first, so a renamed file stays one node.
    if (fresh || it->second.stale || !hasPath(m_graph.node(it->second.node), *path)) {
        it->second.node = identityNode(id.dev, id.ino, it->second.generation++, *path);
        it->second.stale = false;
    }
    m_currentNode[f] = it->second.node;
}

bool SessionGraphScan::hasPath(const GraphNode &node, const std::string &path)
{
    return std::find(node.paths.begin(), node.paths.end(), path) != node.paths.end();
}

int SessionGraphScan::identityNode(uint64_t dev, uint64_t ino, int generation, const std::string &path)
{
    GraphNode node;
    node.kind = isPipePath(path) ? NodeKind::Pipe : NodeKind::File;
    node.key = ProvenanceGraph::keyForFileIdentity(dev, ino);
    if (generation > 0)
        node.key += "/" + std::to_string(generation + 1);
    node.path = path;
    node.paths.push_back(path);
    node.label = baseName(path);
    if (node.label != path)
        node.detail = path;
    node.dev = dev;
    node.ino = ino;
    return m_graph.addNode(std::move(node));
}

// The path was unlinked: what is next found there is another file, even with
// the same inode number (no new file_ids row is written then).
void SessionGraphScan::unlinked(int64_t fileId)
{
    if (!m_identities || fileId <= 0 || static_cast<size_t>(fileId) >= m_currentNode.size())
        return;
    int &current = m_currentNode[static_cast<size_t>(fileId)];
    if (current < 0)
        return;
    const GraphNode &node = m_graph.node(current);
    auto it = m_identityNode.find(std::pair(node.dev, node.ino));
    if (it != m_identityNode.end() && it->second.node == current)
        it->second.stale = true;
    current = -1;
}

int SessionGraphScan::fileNode(int64_t fileId, int64_t eventId)
{
    if (fileId <= 0 || fileId > m_maxFileId)
        return -1;
    if (m_identities) {
        advanceIdentity(fileId, eventId);
        if (static_cast<size_t>(fileId) < m_currentNode.size()) {
            int &current = m_currentNode[static_cast<size_t>(fileId)];
            if (current >= 0)
                return current;
            if (static_cast<size_t>(fileId) >= m_identityCursor.size())
                return pathNode(fileId); // no identity was ever recorded for this path
            // Unlinked before: the identity recorded last for this path, as a new file.
            const int64_t begin = m_identityStart[static_cast<size_t>(fileId)];
            const int64_t cursor = m_identityCursor[static_cast<size_t>(fileId)];
            if (cursor > 0) {
                const Identity &id = m_identityRows[static_cast<size_t>(begin + cursor - 1)];
                auto it = m_identityNode.find(std::pair(id.dev, id.ino));
                if (it != m_identityNode.end() && it->second.stale) {
                    auto path = pathOf(fileId);
                    if (!path) {
                        m_error = path.error();
                        return -1;
                    }
                    it->second.node = identityNode(id.dev, id.ino, it->second.generation++, *path);
                    it->second.stale = false;
                    return current = it->second.node;
                }
            }
        }
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
    edge.to = index;
    edge.count = 1;
    push(edge, old, EdgeType::Version, 0);
    return index;
}

bool SessionGraphScan::push(RawEdge edge, int from, EdgeType type, int64_t eventId)
{
    if (from < 0 || edge.to < 0)
        return false;
    if (from >= (1 << RawEdge::kNodeBits) || edge.to >= (1 << RawEdge::kNodeBits)) {
        m_error = m_path + ": too many objects for one graph";
        return false;
    }
    edge.set(from, type);
    edge.event = eventId > 0 ? uint32_t(eventId - m_firstEventId) : RawEdge::kNoEvent;
    m_raw.push_back(edge);
    return true;
}

Result<void> SessionGraphScan::scanEvents()
{
    auto bounds = prepare("SELECT COALESCE(min(id), 0), COALESCE(max(id), 0) FROM events");
    if (!bounds)
        return makeError(bounds.error());
    if (auto row = bounds->step(); !row)
        return makeError(m_path + ": " + row.error());
    const int64_t firstId = bounds->columnInt64(0), lastId = bounds->columnInt64(1);
    if (lastId - firstId >= int64_t(RawEdge::kNoEvent))
        return makeError(m_path + ": too many events for one graph (" + std::to_string(lastId - firstId + 1) + ")");
    m_firstEventId = firstId;

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
        const EdgeType type = flowEdgeType(role);
        if (role == FlowRole::Rename) {
            const int64_t file2 = rows->columnInt64(7);
            if (file <= 0 || file2 <= 0 || file2 > m_maxFileId)
                continue;
            const int from = fileNode(file, id);
            if (from < 0)
                continue;
            const GraphNode &old = m_graph.node(from);
            if (m_identities && old.ino != 0) {
                // One node: the new name joins its paths (first, so the new
                // name's identity row finds it there) and names it from now on.
                auto path = pathOf(file2);
                if (!path)
                    return makeError(path.error());
                GraphNode &node = m_graph.mutableNode(from);
                if (!hasPath(node, *path))
                    node.paths.push_back(*path);
                advanceIdentity(file2, id);
                if (m_currentNode.size() <= static_cast<size_t>(std::max(file, file2)))
                    m_currentNode.resize(static_cast<size_t>(std::max(file, file2)) + 1, -1);
                m_currentNode[static_cast<size_t>(file2)] = from;
                m_currentNode[static_cast<size_t>(file)] = -1;
                // Who renamed it stays visible (not a flow: never followed).
                edge.to = from;
                push(edge, processNode(proc, ts), EdgeType::Renamed, id);
                continue;
            }
            edge.to = pathNode(file2);
            push(edge, from, type, id);
            continue;
        }
        if (role == FlowRole::Copy) {
            // In through the process, out of it: the input file (or socket) is
            // read, the output file (or socket) written, at the same time.
            const int64_t file2 = rows->columnInt64(7);
            const int process = processNode(proc, ts);
            const int source = file > 0 ? fileNode(file, id) : (onSocket ? socketNode(socket) : -1);
            const int sink = file2 > 0 ? fileNode(file2, id) : (onSocket && file > 0 ? socketNode(socket) : -1);
            if (source >= 0) {
                RawEdge in = edge;
                in.to = process;
                push(in, source, file > 0 ? EdgeType::Read : EdgeType::Recv, id);
            }
            if (sink >= 0) {
                edge.to = sink;
                push(edge, process, file2 > 0 ? EdgeType::Write : EdgeType::Send, id);
            }
            continue;
        }
        if (role == FlowRole::Exec) {
            // A successful exec starts the next version, with or without its image.
            const int image = file > 0 ? fileNode(file, id) : -1;
            const int next = newVersion(proc, ts, file);
            if (image >= 0) {
                edge.to = next;
                push(edge, image, type, id);
            }
            continue;
        }
        const int object = onSocket ? socketNode(socket) : fileNode(file, id);
        if (object < 0)
            continue; // nothing to attach the flow to
        const int process = processNode(proc, ts);
        edge.to = flowIntoProcess(role) ? process : object;
        push(edge, flowIntoProcess(role) ? object : process, type, id);
        if (role == FlowRole::Unlink)
            unlinked(file);
    }
    if (!m_error.empty())
        return makeError(m_error);
    return {};
}

} // namespace provscope
