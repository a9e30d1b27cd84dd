#pragma once
// The provenance graph: objects (process instances, files, sockets, pipes) as
// nodes, information flows as edges, in the direction the data moves
// (DESIGN.md: provenance). Edges of the same (from, to, type) merge: their
// interval widens to [min ts, max te], counts and bytes add up and the raw
// event ids are kept, so a merged edge can add a dependency, never lose one.
// Times are boot ns; bootToEpochNs() turns them into what users see.
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace provscope {

enum class NodeKind { Process, File, Socket, Pipe };

// How information moved along an edge. Open and Unlink are not flows; they
// are shown dashed so a skeleton graph tells which files a process touched.
// Version links a process's image before an exec to the one after it (the
// same process instance, a new version of its node).
// Renamed is a process renaming a file that keeps one node (its identity is
// recorded, so both names are paths of that node): like Open, shown, not a flow.
enum class EdgeType { Read, Write, Exec, Fork, Connect, Accept, Send, Recv, Rename, Open, Unlink, Version, Renamed };

// Security relevance of a node (GraphNode::flags), set by
// classifySecurityRelevance() (security_relevance.h) and shown by the painter.
enum NodeFlag : uint32_t {
    kFlagExecutedDownload = 1u << 0, // a file that came from the network and was executed
    kFlagEtcWrite = 1u << 1,         // a file under /etc written
    kFlagPersistence = 1u << 2,      // cron, systemd units, shell rc files, autostart
    kFlagSshKey = 1u << 3,           // ssh keys and authorized_keys
    kFlagNetworkShell = 1u << 4,     // a shell spawned by a network-facing process
    kFlagOutbound = 1u << 5,         // an outbound connection (socket the process connected)
    kFlagCredential = 1u << 6,       // /etc/shadow, keyrings, browser/cloud credentials
};

std::string_view nodeKindName(NodeKind kind);   // "process", "file", "socket", "pipe"
std::string_view edgeTypeName(EdgeType type);   // "read", "write", "exec", ...
bool isFlowEdge(EdgeType type);                 // false for Open, Unlink and Renamed

struct GraphNode {
    NodeKind kind = NodeKind::File;
    std::string key;       // unique identity, see keyFor*()
    std::string label;     // first line: "comm (pid)", file name, "127.0.0.1:8000", "pipe:[123]"
    std::string detail;    // second line: exe, full path, local address, ...
    // Process identity (kind == Process).
    uint32_t pid = 0;
    uint64_t startNs = 0;  // boot ns
    std::string comm;
    std::string exe;
    // File/pipe path (kind == File or Pipe).
    std::string path;
    // Socket endpoints (kind == Socket).
    std::string laddr, raddr;
    uint16_t lport = 0, rport = 0;
    bool isPoi = false;    // the point of interest the graph was built around
    // Process: how many execs this instance had made before this version (0:
    // its first image). Each exec makes a new node linked by a Version edge.
    int version = 0;
    // File: every path it had, in the order seen (renames); path is the first.
    std::vector<std::string> paths;
    uint64_t dev = 0, ino = 0; // file identity when recorded (0: known by path only)
    std::string dnsName;   // socket: the name its remote address resolved from (network layer)
    uint32_t flags = 0;    // NodeFlag bits
    // > 0: a group node standing for this many collapsed nodes (noise reduction).
    int collapsed = 0;
};

struct GraphEdge {
    int from = -1;         // node index
    int to = -1;
    EdgeType type = EdgeType::Read;
    uint64_t tsNs = 0;     // first (boot ns)
    uint64_t teNs = 0;     // last (boot ns)
    uint64_t count = 0;    // syscalls this edge stands for
    uint64_t bytes = 0;
    std::vector<int64_t> eventIds; // raw events merged into this edge (0 ids not kept)
};

class ProvenanceGraph {
public:
    static std::string keyForProcess(uint32_t pid, uint64_t startNs);
    // Version 0 is keyForProcess(); later versions (after execs) add "/vN".
    static std::string keyForProcessVersion(uint32_t pid, uint64_t startNs, int version);
    static std::string keyForFile(std::string_view path);
    // A file known by device and inode (its paths live in GraphNode::paths).
    // The session graph adds "/N" for the N-th file seen with the same inode
    // number (inode numbers are reused once a file is deleted).
    static std::string keyForFileIdentity(uint64_t dev, uint64_t ino);
    static std::string keyForSocket(std::string_view laddr, uint16_t lport,
                                    std::string_view raddr, uint16_t rport);
    static std::string keyForPipe(std::string_view path);

    // Adds the node, or returns the index of the node with the same key
    // (filling in fields the existing node lacks, e.g. exe learned later).
    int addNode(GraphNode node);
    // Convenience constructors that compute key and labels.
    int addProcess(uint32_t pid, uint64_t startNs, std::string_view comm, std::string_view exe);
    int addFile(std::string_view path);
    int addSocket(std::string_view laddr, uint16_t lport, std::string_view raddr, uint16_t rport);
    int addPipe(std::string_view path);

    // Adds an edge as given, never merging. Returns the edge index. Cheap (no
    // index kept): findEdge() then looks through the source's out-edges.
    int appendEdge(GraphEdge edge);
    void reserveEdges(size_t count);
    void reserveNodes(size_t count);
    // Replaces every edge at once (a builder's output): adjacency is sized
    // exactly. Edges with an endpoint outside the nodes are dropped.
    void setEdges(std::vector<GraphEdge> edges);

    // Adds or merges an edge (same from, to, type). Returns the edge index.
    int addEdge(int from, int to, EdgeType type, uint64_t tsNs, uint64_t teNs,
                uint64_t count, uint64_t bytes, int64_t eventId = 0);

    int findNode(std::string_view key) const; // -1 when absent
    int findEdge(int from, int to, EdgeType type) const;

    const std::vector<GraphNode> &nodes() const { return m_nodes; }
    const std::vector<GraphEdge> &edges() const { return m_edges; }
    const GraphNode &node(int index) const { return m_nodes.at(static_cast<size_t>(index)); }
    GraphNode &mutableNode(int index) { return m_nodes.at(static_cast<size_t>(index)); } // key must not change
    const GraphEdge &edge(int index) const { return m_edges.at(static_cast<size_t>(index)); }
    int nodeCount() const { return static_cast<int>(m_nodes.size()); }
    int edgeCount() const { return static_cast<int>(m_edges.size()); }

    // Adjacency by edge index, for traversals (backtracking walks inEdges).
    const std::vector<int> &outEdges(int node) const { return m_out.at(static_cast<size_t>(node)); }
    const std::vector<int> &inEdges(int node) const { return m_in.at(static_cast<size_t>(node)); }

    void setPoi(int node);
    int poi() const { return m_poi; } // -1 when none

    int64_t bootToEpochNs() const { return m_bootToEpochNs; }
    void setBootToEpochNs(int64_t offset) { m_bootToEpochNs = offset; }

    // Nodes the builder found but left out because of the node cap.
    int omittedNodes() const { return m_omittedNodes; }
    void setOmittedNodes(int count) { m_omittedNodes = count; }

private:
    std::vector<GraphNode> m_nodes;
    std::vector<GraphEdge> m_edges;
    std::vector<std::vector<int>> m_out, m_in;
    // key -> node: open addressing over node indices (-1: empty), hashed by
    // the node's own key, so no key is stored twice (a session graph has
    // hundreds of thousands of nodes).
    std::vector<int32_t> m_keySlots;
    size_t keySlot(std::string_view key) const; // the slot holding key, or the empty one it would take
    void growKeySlots();
    // (from, to, type) -> first such edge, kept by addEdge(); appendEdge()
    // leaves it stale (rebuilt by the next addEdge()).
    std::unordered_map<uint64_t, int> m_edgeByKey;
    bool m_edgeIndexStale = false;
    void rebuildEdgeIndex();
    int m_poi = -1;
    int64_t m_bootToEpochNs = 0;
    int m_omittedNodes = 0;
};

} // namespace provscope
