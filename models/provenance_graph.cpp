#include "provenance_graph.h"

#include <algorithm>

namespace provscope {

std::string_view nodeKindName(NodeKind kind)
{
    switch (kind) {
    case NodeKind::Process: return "process";
    case NodeKind::File: return "file";
    case NodeKind::Socket: return "socket";
    case NodeKind::Pipe: return "pipe";
    }
    return "unknown";
}

std::string_view edgeTypeName(EdgeType type)
{
    switch (type) {
    case EdgeType::Read: return "read";
    case EdgeType::Write: return "write";
    case EdgeType::Exec: return "exec";
    case EdgeType::Fork: return "fork";
    case EdgeType::Connect: return "connect";
    case EdgeType::Accept: return "accept";
    case EdgeType::Send: return "send";
    case EdgeType::Recv: return "recv";
    case EdgeType::Rename: return "rename";
    case EdgeType::Open: return "open";
    case EdgeType::Unlink: return "unlink";
    case EdgeType::Version: return "version";
    case EdgeType::Renamed: return "renamed";
    }
    return "unknown";
}

bool isFlowEdge(EdgeType type)
{
    return type != EdgeType::Open && type != EdgeType::Unlink && type != EdgeType::Renamed;
}

static std::string endpoint(std::string_view addr, uint16_t port)
{
    std::string text(addr.empty() ? std::string_view("?") : addr);
    // IPv6 addresses are bracketed so the port stays readable.
    if (text.find(':') != std::string::npos)
        text = "[" + text + "]";
    return text + ":" + std::to_string(port);
}

static std::string baseName(std::string_view path)
{
    const auto slash = path.find_last_of('/');
    if (slash == std::string_view::npos || slash + 1 == path.size())
        return std::string(path);
    return std::string(path.substr(slash + 1));
}

std::string ProvenanceGraph::keyForProcess(uint32_t pid, uint64_t startNs)
{
    return "proc:" + std::to_string(pid) + "@" + std::to_string(startNs);
}

std::string ProvenanceGraph::keyForProcessVersion(uint32_t pid, uint64_t startNs, int version)
{
    std::string key = keyForProcess(pid, startNs);
    if (version > 0)
        key += "/v" + std::to_string(version);
    return key;
}

std::string ProvenanceGraph::keyForFile(std::string_view path)
{
    return "file:" + std::string(path);
}

std::string ProvenanceGraph::keyForFileIdentity(uint64_t dev, uint64_t ino)
{
    return "inode:" + std::to_string(dev) + ":" + std::to_string(ino);
}

std::string ProvenanceGraph::keyForSocket(std::string_view laddr, uint16_t lport,
                                          std::string_view raddr, uint16_t rport)
{
    return "sock:" + endpoint(laddr, lport) + "->" + endpoint(raddr, rport);
}

std::string ProvenanceGraph::keyForPipe(std::string_view path)
{
    return "pipe:" + std::string(path);
}

size_t ProvenanceGraph::keySlot(std::string_view key) const
{
    const size_t mask = m_keySlots.size() - 1;
    for (size_t i = std::hash<std::string_view>()(key) & mask;; i = (i + 1) & mask) {
        const int32_t node = m_keySlots[i];
        if (node < 0 || m_nodes[static_cast<size_t>(node)].key == key)
            return i;
    }
}

void ProvenanceGraph::growKeySlots()
{
    size_t capacity = 64;
    while (capacity < (m_nodes.size() + 1) * 2)
        capacity *= 2;
    m_keySlots.assign(capacity, -1);
    for (size_t n = 0; n < m_nodes.size(); ++n)
        m_keySlots[keySlot(m_nodes[n].key)] = static_cast<int32_t>(n);
}

int ProvenanceGraph::addNode(GraphNode node)
{
    if ((m_nodes.size() + 1) * 2 > m_keySlots.size())
        growKeySlots();
    const size_t slot = keySlot(node.key);
    if (m_keySlots[slot] >= 0) {
        const int found = m_keySlots[slot];
        GraphNode &existing = m_nodes[static_cast<size_t>(found)];
        // A process seen first by its events may learn its exe from an exec later.
        if (existing.exe.empty() && !node.exe.empty()) {
            existing.exe = node.exe;
            existing.detail = node.detail;
        }
        if (existing.comm.empty() && !node.comm.empty()) {
            existing.comm = node.comm;
            existing.label = node.label;
        }
        existing.isPoi = existing.isPoi || node.isPoi;
        return found;
    }
    const int index = static_cast<int>(m_nodes.size());
    m_keySlots[slot] = index;
    m_nodes.push_back(std::move(node));
    m_out.emplace_back();
    m_in.emplace_back();
    return index;
}

int ProvenanceGraph::addProcess(uint32_t pid, uint64_t startNs, std::string_view comm, std::string_view exe)
{
    GraphNode node;
    node.kind = NodeKind::Process;
    node.key = keyForProcess(pid, startNs);
    node.pid = pid;
    node.startNs = startNs;
    node.comm = comm;
    node.exe = exe;
    node.label = (comm.empty() ? std::string("?") : std::string(comm)) + " (" + std::to_string(pid) + ")";
    node.detail = exe;
    return addNode(std::move(node));
}

int ProvenanceGraph::addFile(std::string_view path)
{
    GraphNode node;
    node.kind = NodeKind::File;
    node.key = keyForFile(path);
    node.path = path;
    node.label = baseName(path);
    if (node.label != path)
        node.detail = path;
    return addNode(std::move(node));
}

int ProvenanceGraph::addSocket(std::string_view laddr, uint16_t lport, std::string_view raddr, uint16_t rport)
{
    GraphNode node;
    node.kind = NodeKind::Socket;
    node.key = keyForSocket(laddr, lport, raddr, rport);
    node.laddr = laddr;
    node.raddr = raddr;
    node.lport = lport;
    node.rport = rport;
    if (!raddr.empty()) {
        node.label = endpoint(raddr, rport);
        if (!laddr.empty())
            node.detail = "local " + endpoint(laddr, lport);
    } else {
        node.label = endpoint(laddr, lport);
        node.detail = "local (listening)";
    }
    return addNode(std::move(node));
}

int ProvenanceGraph::addPipe(std::string_view path)
{
    GraphNode node;
    node.kind = NodeKind::Pipe;
    node.key = keyForPipe(path);
    node.path = path;
    node.label = path;
    return addNode(std::move(node));
}

static uint64_t edgeKey(int from, int to, EdgeType type)
{
    return (static_cast<uint64_t>(static_cast<uint32_t>(from)) << 34)
           ^ (static_cast<uint64_t>(static_cast<uint32_t>(to)) << 4) ^ static_cast<uint64_t>(type);
}

void ProvenanceGraph::reserveNodes(size_t count)
{
    m_nodes.reserve(count);
    m_out.reserve(count);
    m_in.reserve(count);
    if (count * 2 > m_keySlots.size()) {
        size_t capacity = 64;
        while (capacity < count * 2)
            capacity *= 2;
        m_keySlots.assign(capacity, -1);
        for (size_t n = 0; n < m_nodes.size(); ++n)
            m_keySlots[keySlot(m_nodes[n].key)] = static_cast<int32_t>(n);
    }
}

void ProvenanceGraph::reserveEdges(size_t count)
{
    m_edges.reserve(count);
}

int ProvenanceGraph::appendEdge(GraphEdge edge)
{
    if (edge.teNs < edge.tsNs)
        edge.teNs = edge.tsNs;
    const int index = static_cast<int>(m_edges.size());
    m_out.at(static_cast<size_t>(edge.from)).push_back(index);
    m_in.at(static_cast<size_t>(edge.to)).push_back(index);
    m_edges.push_back(std::move(edge));
    m_edgeIndexStale = true;
    return index;
}

void ProvenanceGraph::setEdges(std::vector<GraphEdge> edges)
{
    const int nodes = nodeCount();
    edges.erase(std::remove_if(edges.begin(), edges.end(),
                               [&](const GraphEdge &e) { return e.from < 0 || e.to < 0 || e.from >= nodes || e.to >= nodes; }),
                edges.end());
    m_edges = std::move(edges);
    std::vector<int> outCount(static_cast<size_t>(nodes), 0), inCount(static_cast<size_t>(nodes), 0);
    for (GraphEdge &e : m_edges) {
        e.teNs = std::max(e.teNs, e.tsNs);
        ++outCount[static_cast<size_t>(e.from)];
        ++inCount[static_cast<size_t>(e.to)];
    }
    for (size_t n = 0; n < static_cast<size_t>(nodes); ++n) {
        std::vector<int>().swap(m_out[n]);
        std::vector<int>().swap(m_in[n]);
        m_out[n].reserve(static_cast<size_t>(outCount[n]));
        m_in[n].reserve(static_cast<size_t>(inCount[n]));
    }
    for (size_t i = 0; i < m_edges.size(); ++i) {
        m_out[static_cast<size_t>(m_edges[i].from)].push_back(static_cast<int>(i));
        m_in[static_cast<size_t>(m_edges[i].to)].push_back(static_cast<int>(i));
    }
    m_edgeByKey.clear();
    m_edgeIndexStale = true;
}

void ProvenanceGraph::rebuildEdgeIndex()
{
    m_edgeByKey.clear();
    for (size_t i = 0; i < m_edges.size(); ++i)
        m_edgeByKey.emplace(edgeKey(m_edges[i].from, m_edges[i].to, m_edges[i].type), static_cast<int>(i));
    m_edgeIndexStale = false;
}

int ProvenanceGraph::addEdge(int from, int to, EdgeType type, uint64_t tsNs, uint64_t teNs,
                             uint64_t count, uint64_t bytes, int64_t eventId)
{
    if (teNs < tsNs)
        teNs = tsNs;
    if (m_edgeIndexStale)
        rebuildEdgeIndex();
    const uint64_t key = edgeKey(from, to, type);
    if (const auto it = m_edgeByKey.find(key); it != m_edgeByKey.end()) {
        GraphEdge &edge = m_edges[static_cast<size_t>(it->second)];
        auto &ids = edge.eventIds;
        if (eventId > 0) {
            // The same raw event can be met twice (by process and by path): count it once.
            const auto pos = std::lower_bound(ids.begin(), ids.end(), eventId);
            if (pos != ids.end() && *pos == eventId)
                return it->second;
            ids.insert(pos, eventId); // usually at the end: events come in id order
        }
        edge.tsNs = std::min(edge.tsNs, tsNs);
        edge.teNs = std::max(edge.teNs, teNs);
        edge.count += count;
        edge.bytes += bytes;
        return it->second;
    }
    const int index = static_cast<int>(m_edges.size());
    GraphEdge edge;
    edge.from = from;
    edge.to = to;
    edge.type = type;
    edge.tsNs = tsNs;
    edge.teNs = teNs;
    edge.count = count;
    edge.bytes = bytes;
    if (eventId > 0)
        edge.eventIds.push_back(eventId);
    m_edges.push_back(std::move(edge));
    m_edgeByKey.emplace(key, index);
    m_out.at(static_cast<size_t>(from)).push_back(index);
    m_in.at(static_cast<size_t>(to)).push_back(index);
    return index;
}

int ProvenanceGraph::findNode(std::string_view key) const
{
    if (m_keySlots.empty())
        return -1;
    return m_keySlots[keySlot(key)];
}

int ProvenanceGraph::findEdge(int from, int to, EdgeType type) const
{
    if (m_edgeIndexStale) {
        // Appended edges: the source's out-edges, in the order added (const and
        // thread-safe, so a shared session graph needs no lock).
        if (from < 0 || static_cast<size_t>(from) >= m_out.size())
            return -1;
        for (int e : m_out[static_cast<size_t>(from)]) {
            const GraphEdge &edge = m_edges[static_cast<size_t>(e)];
            if (edge.to == to && edge.type == type)
                return e;
        }
        return -1;
    }
    const auto it = m_edgeByKey.find(edgeKey(from, to, type));
    return it == m_edgeByKey.end() ? -1 : it->second;
}

void ProvenanceGraph::setPoi(int node)
{
    if (m_poi >= 0)
        m_nodes[static_cast<size_t>(m_poi)].isPoi = false;
    m_poi = node;
    if (node >= 0)
        m_nodes.at(static_cast<size_t>(node)).isPoi = true;
}

} // namespace provscope
