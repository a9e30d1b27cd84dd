#pragma once
// SessionGraph::build's working state (internal to session_graph_scan.cpp and
// session_graph_assemble.cpp): the small tables, the nodes made so far and
// the raw edges, one per event, before reduction.
#include "event_flow.h"
#include "session_graph.h"
#include "sqlite_database.h"
#include "sqlite_statement.h"

#include <chrono>
#include <map>
#include <unordered_map>
#include <memory>
#include <string>
#include <vector>

namespace provscope {

namespace session_graph_detail {

using Clock = std::chrono::steady_clock;

inline double secondsSince(Clock::time_point start)
{
    return std::chrono::duration<double>(Clock::now() - start).count();
}

// One raw edge before reduction, 40 bytes (a GraphEdge is 72): the source
// shares its word with the edge type, the event id is relative to the first.
struct RawEdge {
    static constexpr uint32_t kNoEvent = UINT32_MAX; // a Version edge, a fork without its clone event
    static constexpr int kNodeBits = 28;
    uint64_t ts = 0, te = 0, bytes = 0;
    uint32_t event = kNoEvent;
    uint32_t fromType = 0;
    int32_t to = -1;
    uint32_t count = 0;

    void set(int from, EdgeType type) { fromType = uint32_t(from) | uint32_t(type) << kNodeBits; }
    int from() const { return int(fromType & ((1u << kNodeBits) - 1)); }
    EdgeType type() const { return EdgeType(fromType >> kNodeBits); }
};

// Raw edges in chunks: no reserve guess, no copy when it grows.
class RawEdges {
public:
    static constexpr size_t kChunkBits = 16;
    void push_back(const RawEdge &edge)
    {
        if ((m_size >> kChunkBits) == m_chunks.size())
            m_chunks.emplace_back(new RawEdge[size_t(1) << kChunkBits]);
        (*this)[m_size++] = edge;
    }
    RawEdge &operator[](size_t i) { return m_chunks[i >> kChunkBits][i & ((size_t(1) << kChunkBits) - 1)]; }
    const RawEdge &operator[](size_t i) const { return m_chunks[i >> kChunkBits][i & ((size_t(1) << kChunkBits) - 1)]; }
    size_t size() const { return m_size; }
    void clear()
    {
        m_chunks.clear();
        m_chunks.shrink_to_fit();
        m_size = 0;
    }

private:
    std::vector<std::unique_ptr<RawEdge[]>> m_chunks;
    size_t m_size = 0;
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

inline std::string baseName(const std::string &path)
{
    const auto slash = path.find_last_of('/');
    return slash == std::string::npos ? path : path.substr(slash + 1);
}

} // namespace session_graph_detail

class SessionGraphScan {
    using RawEdge = session_graph_detail::RawEdge;
    using ProcRow = session_graph_detail::ProcRow;
    using SocketRow = session_graph_detail::SocketRow;
    using SyscallRoles = session_graph_detail::SyscallRoles;
    using Identity = session_graph_detail::Identity;

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
    Result<void> checkDenseIds();
    Result<void> loadProcesses();
    Result<void> loadSockets();
    Result<void> loadIdentities();
    Result<void> scanEvents();
    void addForks();
    void reduceAndAssemble(SessionGraph &out);
    void releaseTables();
    bool push(RawEdge edge, int from, EdgeType type, int64_t eventId);

    int processNode(int64_t row, uint64_t ts);
    int newVersion(int64_t row, uint64_t ts, int64_t execFile);
    int fileNode(int64_t fileId, int64_t eventId);
    int pathNode(int64_t fileId);
    int socketNode(int64_t socketId);
    Result<std::string> pathOf(int64_t fileId);
    void advanceIdentity(int64_t fileId, int64_t eventId);
    int identityNode(uint64_t dev, uint64_t ino, int generation, const std::string &path);
    void unlinked(int64_t fileId);
    static bool hasPath(const GraphNode &node, const std::string &path);
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
    // File identities (optional table file_ids): per file id a range of rows by first_event.
    bool m_identities = false;
    std::vector<Identity> m_identityRows;
    std::vector<int64_t> m_identityStart;   // by files.id (size files + 1)
    std::vector<int64_t> m_identityCursor;  // by files.id: rows consumed
    std::vector<int> m_currentNode;          // by files.id: the identity node the path names now (-1: path node)
    struct PairHash {
        size_t operator()(const std::pair<uint64_t, uint64_t> &p) const
        {
            return std::hash<uint64_t>()(p.first * 0x9e3779b97f4a7c15ULL ^ p.second);
        }
    };
    struct IdentityNode {
        int node = -1;       // the node of the file that has this (dev, ino) now
        int generation = 0;  // files seen with it so far (inode numbers are reused)
        bool stale = false;  // its path was unlinked
    };
    std::unordered_map<std::pair<uint64_t, uint64_t>, IdentityNode, PairHash> m_identityNode;
    // Clone events: (process row, child pid) -> (ts, id).
    std::map<std::pair<int64_t, uint32_t>, std::vector<std::pair<uint64_t, int64_t>>> m_clones;
    session_graph_detail::RawEdges m_raw;
    int64_t m_firstEventId = 0;
    int64_t m_maxFileId = 0; // files.id never exceeds this (checkDenseIds)
    bool m_recording = false;
    SessionGraphStats m_stats;
    std::string m_error;
};


} // namespace provscope
