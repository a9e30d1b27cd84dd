#include "graph_builder.h"

#include "event.h"
#include "event_flow.h"
#include "session_reader.h"

#include <deque>
#include <map>
#include <optional>
#include <set>
#include <string_view>
#include <tuple>
#include <unordered_map>

namespace provscope {

namespace {

// One end of an edge an event implies, before it is a node.
struct Endpoint {
    NodeKind kind = NodeKind::File;
    std::string key;
    std::string path;                 // file / pipe
    std::string laddr, raddr;         // socket
    uint16_t lport = 0, rport = 0;
};

struct PlannedEdge {
    Endpoint from, to;                // Process kind = the event's process
    EdgeType type = EdgeType::Read;
};

Endpoint processEndpoint(const Event &event)
{
    Endpoint end;
    end.kind = NodeKind::Process;
    end.key = ProvenanceGraph::keyForProcess(event.pid, event.procStartNs);
    return end;
}

Endpoint objectEndpoint(const Event &event, const std::string &path)
{
    Endpoint end;
    if (event.hasSocket()) {
        end.kind = NodeKind::Socket;
        end.laddr = event.laddr;
        end.raddr = event.raddr;
        end.lport = event.lport;
        end.rport = event.rport;
        end.key = ProvenanceGraph::keyForSocket(end.laddr, end.lport, end.raddr, end.rport);
    } else if (isPipePath(path)) {
        end.kind = NodeKind::Pipe;
        end.path = path;
        end.key = ProvenanceGraph::keyForPipe(path);
    } else {
        end.kind = NodeKind::File;
        end.path = path;
        end.key = ProvenanceGraph::keyForFile(path);
    }
    return end;
}

std::optional<PlannedEdge> planEdge(const Event &event)
{
    const FlowRole role = flowRoleOf(event.syscall, event.hasSocket());
    if (role == FlowRole::None || !flowSucceeded(role, event.ret))
        return std::nullopt;
    const Endpoint process = processEndpoint(event);
    if (role == FlowRole::Rename) {
        if (event.path.empty() || event.path2.empty())
            return std::nullopt;
        return PlannedEdge{objectEndpoint(event, event.path), objectEndpoint(event, event.path2), EdgeType::Rename};
    }
    if (event.path.empty() && !event.hasSocket())
        return std::nullopt; // nothing to attach the flow to
    const Endpoint object = objectEndpoint(event, event.path);
    if (flowIntoProcess(role))
        return PlannedEdge{object, process, flowEdgeType(role)};
    return PlannedEdge{process, object, flowEdgeType(role)};
}

int addEndpoint(ProvenanceGraph &graph, const Endpoint &end, const Event &event, const ProcessInfo *process)
{
    switch (end.kind) {
    case NodeKind::Process: {
        const bool known = process && process->pid == event.pid && process->startNs == event.procStartNs;
        return graph.addProcess(event.pid, event.procStartNs,
                                known && !process->comm.empty() ? std::string_view(process->comm)
                                                                : std::string_view(event.comm),
                                known ? std::string_view(process->exe) : std::string_view());
    }
    case NodeKind::File: return graph.addFile(end.path);
    case NodeKind::Pipe: return graph.addPipe(end.path);
    case NodeKind::Socket: return graph.addSocket(end.laddr, end.lport, end.raddr, end.rport);
    }
    return -1;
}

using ProcessKey = std::pair<uint32_t, uint64_t>;

} // namespace

GraphBuilder::GraphBuilder(SessionReader &reader) : m_reader(reader) {}

std::vector<int> GraphBuilder::addEvent(ProvenanceGraph &graph, const Event &event, const ProcessInfo *process)
{
    const std::optional<PlannedEdge> plan = planEdge(event);
    if (!plan)
        return {};
    const int from = addEndpoint(graph, plan->from, event, process);
    const int to = addEndpoint(graph, plan->to, event, process);
    const uint64_t last = event.lastTsNs ? event.lastTsNs : event.tsNs;
    graph.addEdge(from, to, plan->type, event.tsNs, last, event.count ? event.count : 1, event.bytes, event.id);
    std::vector<int> objects;
    if (plan->from.kind != NodeKind::Process)
        objects.push_back(from);
    if (plan->to.kind != NodeKind::Process)
        objects.push_back(to);
    if (plan->from.kind == NodeKind::Process || plan->to.kind == NodeKind::Process) {
        // Also report the process so path-based expansion reaches it.
        objects.push_back(plan->from.kind == NodeKind::Process ? from : to);
    }
    return objects;
}

Result<ProvenanceGraph> GraphBuilder::build(const PointOfInterest &poi, const GraphBuildOptions &options)
{
    ProvenanceGraph graph;
    graph.setBootToEpochNs(m_reader.meta().bootToEpochNs);
    const int maxNodes = std::max(options.maxNodes, 1);
    const int maxDepth = std::max(options.depth, 0);

    Result<std::vector<ProcessInfo>> processList = m_reader.processes();
    if (!processList)
        return makeError(processList.error());
    std::map<ProcessKey, const ProcessInfo *> processes;
    std::multimap<uint32_t, const ProcessInfo *> byParentPid;
    for (const ProcessInfo &info : *processList) {
        processes[{info.pid, info.startNs}] = &info;
        byParentPid.emplace(info.ppid, &info);
    }
    auto findProcess = [&](uint32_t pid, uint64_t startNs) -> const ProcessInfo * {
        const auto it = processes.find({pid, startNs});
        return it == processes.end() ? nullptr : it->second;
    };
    auto addProcessNode = [&](const ProcessInfo &info) {
        return graph.addProcess(info.pid, info.startNs, info.comm, info.exe);
    };

    // --- the point of interest ---
    int poiNode = -1;
    if (poi.kind == PointOfInterest::Kind::Process) {
        Result<std::optional<ProcessInfo>> found = m_reader.process(poi.pid, poi.hasStart ? poi.startNs : 0);
        if (!found)
            return makeError(found.error());
        if (found->has_value()) {
            poiNode = addProcessNode(**found);
        } else {
            // Not in the process table (e.g. started before the capture): its events still name it.
            std::optional<Event> latest;
            EventFilter filter;
            filter.pid = poi.pid;
            if (poi.hasStart)
                filter.procStartNs = poi.startNs;
            Result<void> scanned = m_reader.forEachEvent(filter, [&](const Event &event) {
                if (!latest || event.procStartNs >= latest->procStartNs)
                    latest = event;
                return true;
            });
            if (!scanned)
                return makeError(scanned.error());
            if (!latest)
                return makeError(poi.hasStart ? "no process " + std::to_string(poi.pid) + " started at "
                                                    + std::to_string(poi.startNs) + " ns in " + m_reader.path()
                                              : "no process with pid " + std::to_string(poi.pid) + " in " + m_reader.path());
            poiNode = graph.addProcess(latest->pid, latest->procStartNs, latest->comm, {});
        }
    } else {
        bool seen = false;
        EventFilter filter;
        filter.path = poi.path;
        filter.limit = 1;
        Result<void> scanned = m_reader.forEachEvent(filter, [&](const Event &) {
            seen = true;
            return false;
        });
        if (!scanned)
            return makeError(scanned.error());
        if (!seen)
            return makeError("no event touches the file " + poi.path + " in " + m_reader.path());
        poiNode = isPipePath(poi.path) ? graph.addPipe(poi.path) : graph.addFile(poi.path);
    }
    graph.setPoi(poiNode);

    // --- breadth first ---
    // Directed (default): from the POI backward along incoming flows (where its
    // data came from, what started it) and forward along outgoing ones (where
    // its data went); a node reached backward is only followed backward, and
    // vice versa, so a shared library does not pull in every process that read
    // it. Open/unlink edges are shown but never followed.
    enum : unsigned { kBack = 1, kForward = 2, kBoth = 3 };
    struct Visit {
        int node;
        unsigned directions;
        int depth;
    };
    std::set<std::string> omitted; // keys of nodes the cap kept out
    std::vector<unsigned> visited;  // directions a node was queued with
    std::deque<Visit> queue;
    auto enqueue = [&](int node, unsigned directions, int depth) {
        if (!options.directed)
            directions = kBoth;
        if (static_cast<size_t>(node) >= visited.size())
            visited.resize(static_cast<size_t>(node) + 1, 0);
        const unsigned fresh = directions & ~visited[static_cast<size_t>(node)];
        if (fresh == 0 || depth > maxDepth)
            return;
        visited[static_cast<size_t>(node)] |= fresh;
        if (depth < maxDepth)
            queue.push_back({node, fresh, depth});
    };
    enqueue(poiNode, kBoth, 0);
    // Whether a node for key may exist: already there, or room under the cap.
    auto admit = [&](const std::string &key) {
        if (graph.findNode(key) >= 0)
            return true;
        if (graph.nodeCount() < maxNodes)
            return true;
        omitted.insert(key);
        return false;
    };
    // Clone events by (parent pid, parent start, child pid): their ids go on fork edges.
    std::map<std::tuple<uint32_t, uint64_t, int64_t>, int64_t> cloneEvents;
    auto visitEvent = [&](const Event &event, const Visit &from, const std::string &fromKey) {
        if (event.ret > 0 && isCloneSyscall(event.syscall))
            cloneEvents[{event.pid, event.procStartNs, event.ret}] = event.id;
        const std::optional<PlannedEdge> plan = planEdge(event);
        if (!plan)
            return;
        if (plan->type == EdgeType::Rename && graph.node(from.node).kind == NodeKind::Process) {
            // The process's own rename touches neither end as the process: show it
            // and follow the new name forward (that is where the data lives on).
            if (!admit(plan->from.key) || !admit(plan->to.key))
                return;
            addEvent(graph, event, findProcess(event.pid, event.procStartNs));
            enqueue(graph.findNode(plan->to.key), kForward, from.depth + 1);
            return;
        }
        const bool outgoing = plan->from.key == fromKey;
        const bool incoming = plan->to.key == fromKey;
        const unsigned wanted = options.directed ? from.directions : kBoth;
        if (!((outgoing && (wanted & kForward)) || (incoming && (wanted & kBack))))
            return;
        // Opens/unlinks are shown for the process being expanded (and around the
        // POI), never picked up from a file: every process opens libc.
        if (!isFlowEdge(plan->type) && from.node != poiNode && graph.node(from.node).kind != NodeKind::Process)
            return;
        if (!admit(plan->from.key) || !admit(plan->to.key))
            return;
        const ProcessInfo *info = findProcess(event.pid, event.procStartNs);
        addEvent(graph, event, info);
        const int other = graph.findNode(outgoing ? plan->to.key : plan->from.key);
        if (isFlowEdge(plan->type) && other >= 0)
            enqueue(other, outgoing ? kForward : kBack, from.depth + 1);
    };
    auto addFork = [&](const ProcessInfo &parent, const ProcessInfo &child, const Visit &from, bool parentSide) {
        const std::string parentKey = ProvenanceGraph::keyForProcess(parent.pid, parent.startNs);
        const std::string childKey = ProvenanceGraph::keyForProcess(child.pid, child.startNs);
        if (!admit(parentKey) || !admit(childKey))
            return;
        const int parentNode = addProcessNode(parent);
        const int childNode = addProcessNode(child);
        const auto clone = cloneEvents.find({parent.pid, parent.startNs, child.pid});
        const int64_t eventId = clone == cloneEvents.end() ? 0 : clone->second;
        if (const int existing = graph.findEdge(parentNode, childNode, EdgeType::Fork); existing < 0)
            graph.addEdge(parentNode, childNode, EdgeType::Fork, child.startNs, child.startNs, 1, 0, eventId);
        else if (eventId > 0 && graph.edge(existing).eventIds.empty())
            graph.addEdge(parentNode, childNode, EdgeType::Fork, child.startNs, child.startNs, 0, 0, eventId); // the id only
        if (parentSide) // we are the parent: the child is downstream
            enqueue(childNode, kForward, from.depth + 1);
        else
            enqueue(parentNode, kBack, from.depth + 1);
    };

    while (!queue.empty()) {
        const Visit visit = queue.front();
        queue.pop_front();
        const GraphNode node = graph.node(visit.node); // copy: the graph grows below
        EventFilter filter;
        filter.limit = options.eventLimit;
        if (node.kind == NodeKind::Process) {
            filter.pid = node.pid;
            filter.procStartNs = node.startNs;
        } else if (node.kind == NodeKind::File || node.kind == NodeKind::Pipe) {
            filter.path = node.path;
        } else {
            continue; // sockets: no query by endpoint yet
        }
        Result<void> scanned = m_reader.forEachEvent(filter, [&](const Event &event) {
            visitEvent(event, visit, node.key);
            return true;
        });
        if (!scanned)
            return makeError(scanned.error());

        if (node.kind != NodeKind::Process)
            continue;
        const ProcessInfo *self = findProcess(node.pid, node.startNs);
        if (!self)
            continue;
        // Parent (upstream): the process instance that forked this one.
        if ((visit.directions & kBack) && self->ppid != 0) {
            const ProcessInfo *parent = self->parentStartNs ? findProcess(self->ppid, self->parentStartNs) : nullptr;
            if (!parent) { // unknown start: the latest instance of the ppid that started before us
                for (const auto &[key, info] : processes)
                    if (key.first == self->ppid && key.second <= self->startNs)
                        parent = info;
            }
            if (parent)
                addFork(*parent, *self, visit, false);
        }
        // Children (downstream): processes whose parent is this instance.
        if (visit.directions & kForward) {
            const auto [begin, end] = byParentPid.equal_range(self->pid);
            for (auto it = begin; it != end; ++it) {
                const ProcessInfo &child = *it->second;
                const bool mine = child.parentStartNs ? child.parentStartNs == self->startNs
                                                      : child.startNs >= self->startNs
                        && (self->exitTsNs == 0 || child.startNs <= self->exitTsNs);
                if (mine && !(child.pid == self->pid && child.startNs == self->startNs))
                    addFork(*self, child, visit, true);
            }
        }
    }
    // Fork edges added from the child's side before its parent was scanned: find
    // the parent's clone event so the edge keeps its raw event id.
    for (int e = 0; e < graph.edgeCount(); ++e) {
        const GraphEdge &edge = graph.edge(e);
        if (edge.type != EdgeType::Fork || !edge.eventIds.empty())
            continue;
        const GraphNode &parent = graph.node(edge.from);
        const GraphNode &child = graph.node(edge.to);
        int64_t found = 0;
        for (const char *name : {"clone", "clone3", "fork", "vfork"}) {
            EventFilter filter;
            filter.pid = parent.pid;
            filter.procStartNs = parent.startNs;
            filter.syscall = name;
            Result<void> scanned = m_reader.forEachEvent(filter, [&](const Event &event) {
                // The latest clone returning the child's pid before the child started.
                if (event.ret == static_cast<int64_t>(child.pid) && event.tsNs <= child.startNs)
                    found = event.id;
                return event.tsNs <= child.startNs;
            });
            if (!scanned)
                return makeError(scanned.error());
            if (found)
                break;
        }
        if (found)
            graph.addEdge(edge.from, edge.to, EdgeType::Fork, edge.tsNs, edge.teNs, 0, 0, found); // the id only
    }
    graph.setOmittedNodes(static_cast<int>(omitted.size()));
    return graph;
}

} // namespace provscope
