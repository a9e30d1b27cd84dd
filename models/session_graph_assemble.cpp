// SessionGraph::build, assembling: forks from the process table, process
// labels, then the raw edges in ts order through CPR (or kept as they are)
// into the graph's edges and the flat event id array.
#include "session_graph_scan.h"

#include "cpr_reduction.h"
#include "session_connection.h"
#include "session_graph_dns.h"
#include "session_reader.h"

#include <algorithm>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <unordered_map>

namespace provscope {

using namespace session_graph_detail;

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
        edge.to = child.versions.front().node;
        edge.count = 1;
        int64_t clone = 0;
        // The parent's clone call that returned the child's pid nearest to its start.
        if (const auto clones = m_clones.find({parent, child.pid}); clones != m_clones.end()) {
            uint64_t bestGap = UINT64_MAX;
            for (const auto &[ts, id] : clones->second) {
                const uint64_t gap = ts > child.start ? ts - child.start : child.start - ts;
                if (gap < bestGap) {
                    bestGap = gap;
                    clone = id;
                }
            }
        }
        push(edge, processNode(parent, child.start), EdgeType::Fork, clone);
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
static std::vector<uint32_t> tsOrder(const RawEdges &raw)
{
    std::vector<uint32_t> order, rest;
    order.reserve(raw.size());
    uint64_t high = 0;
    for (uint32_t i = 0; i < raw.size(); ++i) {
        if (raw[i].ts >= high) {
            high = raw[i].ts;
            order.push_back(i);
        } else {
            rest.push_back(i);
        }
    }
    if (rest.empty())
        return order;
    auto before = [&](uint32_t a, uint32_t b) { return raw[a].ts != raw[b].ts ? raw[a].ts < raw[b].ts : a < b; };
    std::sort(rest.begin(), rest.end(), before);
    // Merge in place from the back: order grows to hold both.
    size_t i = order.size(), j = rest.size();
    order.resize(order.size() + rest.size());
    for (size_t k = order.size(); j > 0;) {
        if (i > 0 && before(rest[j - 1], order[i - 1]))
            order[--k] = order[--i];
        else
            order[--k] = rest[--j];
    }
    return order;
}

void SessionGraphScan::reduceAndAssemble(SessionGraph &out)
{
    const auto start = Clock::now();
    const size_t rawCount = m_raw.size();
    m_stats.rawEdges = rawCount;
    std::vector<uint32_t> order = tsOrder(m_raw);
    // Each raw edge goes into a kept edge: CPR merges in ts order, or each is
    // kept as it is (in ts order too). The kept edges are then made at their
    // final size in one pass over the raw edges.
    std::vector<uint32_t> keptOf(rawCount);
    std::unique_ptr<CprReducer> reducer;
    std::vector<std::pair<uint64_t, uint64_t>> intervals; // kept (ts, te) when reduced
    size_t kept = 0;
    if (m_options.reduce) {
        reducer = std::make_unique<CprReducer>(m_graph.nodeCount());
        for (uint32_t i : order) {
            const RawEdge &e = m_raw[i];
            keptOf[i] = static_cast<uint32_t>(
                reducer->add(e.from(), e.to, e.type(), e.ts, e.te, isFlowEdge(e.type())));
        }
        kept = reducer->keptCount();
        intervals = reducer->takeKept(); // the reducer's indexes go before the edges are made
        reducer.reset();
    } else {
        for (uint32_t i : order)
            keptOf[i] = static_cast<uint32_t>(kept++);
    }
    std::vector<uint32_t>().swap(order);
    intervals.shrink_to_fit();
    // What each kept edge adds up to, in small arrays, so the raw edges are
    // gone before the (larger) final edges are made.
    struct Kept {
        int32_t from = -1, to = -1;
        EdgeType type = EdgeType::Read;
        uint64_t count = 0, bytes = 0;
    };
    std::vector<Kept> sums(kept);
    std::vector<uint64_t> rawTimes; // without CPR: each kept edge is one raw edge (ts, te)
    if (!m_options.reduce)
        rawTimes.resize(2 * kept);
    std::vector<int64_t> &starts = out.m_eventStart;
    starts.assign(kept + 1, 0);
    for (size_t i = 0; i < rawCount; ++i) {
        const RawEdge &e = m_raw[i];
        const size_t k = keptOf[i];
        Kept &sum = sums[k];
        if (sum.count == 0) {
            sum.from = e.from();
            sum.to = e.to;
            sum.type = e.type();
            if (!m_options.reduce) {
                rawTimes[2 * k] = e.ts;
                rawTimes[2 * k + 1] = std::max(e.te, e.ts);
            }
        }
        sum.count += e.count ? e.count : 1;
        sum.bytes += e.bytes;
        if (e.event != RawEdge::kNoEvent)
            ++starts[k];
    }
    // Counts -> offsets; the ids are filled in id order, so each edge's come out
    // ascending (fork edges hold one clone id each).
    int64_t sum = 0;
    for (size_t k = 0; k <= kept; ++k) {
        const int64_t count = starts[k];
        starts[k] = sum;
        sum += count;
    }
    std::vector<int64_t> &ids = out.m_eventIds;
    ids.assign(static_cast<size_t>(sum), 0);
    for (size_t i = 0; i < rawCount; ++i) {
        const RawEdge &e = m_raw[i];
        if (e.event != RawEdge::kNoEvent)
            ids[static_cast<size_t>(starts[keptOf[i]]++)] = m_firstEventId + int64_t(e.event);
    }
    // Filling advanced each start to the next edge's: shift back.
    for (size_t k = kept; k > 0; --k)
        starts[k] = starts[k - 1];
    starts[0] = 0;
    m_raw.clear();
    std::vector<uint32_t>().swap(keptOf);
#ifdef __GLIBC__
    // The raw edges' chunks came from the heap once glibc raised its mmap
    // threshold: hand their pages back before the final edges are made.
    malloc_trim(0);
#endif

    std::vector<GraphEdge> edges(kept);
    for (size_t k = 0; k < kept; ++k) {
        GraphEdge &g = edges[k];
        g.from = sums[k].from;
        g.to = sums[k].to;
        g.type = sums[k].type;
        g.count = sums[k].count;
        g.bytes = sums[k].bytes;
        g.tsNs = m_options.reduce ? intervals[k].first : rawTimes[2 * k];
        g.teNs = m_options.reduce ? intervals[k].second : rawTimes[2 * k + 1];
    }
    std::vector<Kept>().swap(sums);
    std::vector<uint64_t>().swap(rawTimes);
    std::vector<std::pair<uint64_t, uint64_t>>().swap(intervals);
    m_graph.setEdges(std::move(edges));
    m_stats.reduceSeconds = secondsSince(start);
}

void SessionGraphScan::releaseTables()
{
    m_pathById = SqliteStatement();
    m_nameById = SqliteStatement();
    m_db.reset();
    std::vector<ProcRow>().swap(m_procs);
    std::vector<SocketRow>().swap(m_sockets);
    std::vector<SyscallRoles>().swap(m_roles);
    std::vector<int>().swap(m_fileNode);
    std::vector<Identity>().swap(m_identityRows);
    std::vector<int64_t>().swap(m_identityStart);
    std::vector<int64_t>().swap(m_identityCursor);
    std::vector<int>().swap(m_currentNode);
    m_identityNode = {};
    m_clones = {};
}

Result<std::shared_ptr<const SessionGraph>> SessionGraphScan::run()
{
    const auto start = Clock::now();
    // The reader's checks and messages (not a session, damaged, newer format).
    auto reader = SessionReader::open(m_path);
    if (!reader)
        return makeError(reader.error());
    m_graph.setBootToEpochNs(reader.value()->meta().bootToEpochNs);
    m_recording = reader.value()->isRecording();
    // Passive DNS (format 1.3; none before), streamed into a small index: names for the
    // socket nodes once they are made.
    DnsAnswerIndex dns;
    if (auto read = reader.value()->forEachDnsRecord([&dns](const DnsRecord &r) {
            dns.add(r);
            return true;
        });
        !read)
        return makeError(read.error());
    reader.value().reset();
    auto db = openSessionReadOnly(m_path, m_recording);
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

    // Nodes: about one per process, socket and file row (execs add a few).
    if (auto rows = prepare("SELECT (SELECT count(*) FROM processes) + (SELECT count(*) FROM sockets)"
                            " + (SELECT count(*) FROM files)");
        rows && rows->step() && rows->columnInt64(0) > 0)
        m_graph.reserveNodes(static_cast<size_t>(rows->columnInt64(0)));
    for (auto step : {&SessionGraphScan::checkDenseIds, &SessionGraphScan::loadProcesses, &SessionGraphScan::loadSockets,
                      &SessionGraphScan::loadIdentities, &SessionGraphScan::scanEvents})
        if (auto done = (this->*step)(); !done)
            return makeError(done.error());
    addForks();
    labelProcesses(m_graph, m_procs);
    m_stats.buildSeconds = secondsSince(start);

    std::shared_ptr<SessionGraph> out(new SessionGraph());
    reduceAndAssemble(*out);
    dns.nameSockets(m_graph); // needs the edges: an answer counts up to the socket's last use
    if (m_options.cancelled && m_options.cancelled->load())
        return makeError("building the graph of " + m_path + " was cancelled");
    out->m_graph = std::move(m_graph);
    out->m_reduced = m_options.reduce;
    out->m_sessionPath = m_path;
    out->m_recording = m_recording;
    out->m_stats = m_stats;
    releaseTables(); // before the tracker is built: the peak is there
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
