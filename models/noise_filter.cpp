#include "noise_filter.h"

#include "path_text.h"
#include "security_relevance.h"

#include <algorithm>
#include <array>
#include <map>
#include <set>
#include <tuple>

namespace provscope {

namespace {

using namespace path_text;

// Character devices every program reads or writes: hidden even when written.
bool isDeviceSink(std::string_view path)
{
    static constexpr std::array<std::string_view, 8> devices = {
        "/dev/null", "/dev/zero", "/dev/full", "/dev/random", "/dev/urandom", "/dev/tty", "/dev/ptmx",
        "/dev/console"};
    if (std::find(devices.begin(), devices.end(), path) != devices.end())
        return true;
    if (under(path, "/dev/pts"))
        return true;
    // /dev/tty0 ... /dev/ttyS1
    return startsWith(path, "/dev/tty") && path.find('/', 5) == std::string_view::npos;
}

bool isTempPath(std::string_view path);

// Libraries outside /usr/lib: shared objects and interpreters' modules under a
// lib directory (/opt/x/lib, ~/.pyenv/versions/3.11.7/lib/python3.11, ...),
// but not in temp directories (a dropper's "lib") and not Python .pth files
// (code run at every interpreter start: a persistence spot).
bool isLibraryElsewhere(std::string_view path)
{
    if (isTempPath(path) || endsWith(path, ".pth"))
        return false;
    const bool sharedObject = endsWith(path, ".so") || path.find(".so.") != std::string_view::npos;
    for (const std::string_view dir : {std::string_view("/lib/"), std::string_view("/lib64/")}) {
        for (auto pos = path.find(dir); pos != std::string_view::npos; pos = path.find(dir, pos + 1)) {
            const std::string_view rest = path.substr(pos + dir.size());
            if (sharedObject || startsWith(rest, "python") || startsWith(rest, "perl") || startsWith(rest, "ruby")
                || startsWith(rest, "node_modules/"))
                return true;
        }
    }
    return false;
}

// The group node files are folded into, and the edges re-pointed to it.
struct WorkGraph {
    std::vector<GraphNode> nodes;
    std::vector<char> nodeAlive;
    std::vector<int> foldedInto; // work node -> the group node it was folded into, or -1
    std::vector<GraphEdge> edges;
    std::vector<char> edgeAlive;
    std::vector<std::vector<int>> in, out; // live edges as of the last index()
    int poi = -1;

    explicit WorkGraph(const ProvenanceGraph &view)
        : nodes(view.nodes()), nodeAlive(nodes.size(), 1), foldedInto(nodes.size(), -1),
          edges(view.edges()), edgeAlive(edges.size(), 1), poi(view.poi())
    {
        index();
    }

    // Adjacency of the live edges.
    void index()
    {
        in.assign(nodes.size(), {});
        out.assign(nodes.size(), {});
        for (size_t e = 0; e < edges.size(); ++e) {
            if (!edgeAlive[e])
                continue;
            out[static_cast<size_t>(edges[e].from)].push_back(static_cast<int>(e));
            in[static_cast<size_t>(edges[e].to)].push_back(static_cast<int>(e));
        }
    }

    const GraphNode &node(int index) const { return nodes[static_cast<size_t>(index)]; }
    const GraphEdge &edge(int index) const { return edges[static_cast<size_t>(index)]; }

    // A file the filters may hide or fold: not the point of interest, not a
    // group, nothing the analyst must see by name.
    bool foldable(int index) const
    {
        const GraphNode &n = node(index);
        if (!nodeAlive[static_cast<size_t>(index)] || index == poi || n.isPoi || n.kind != NodeKind::File || n.collapsed > 0
            || n.flags != 0 || n.path.empty())
            return false;
        for (const auto &path : n.paths) {
            if (isSensitivePath(path))
                return false;
        }
        return !isSensitivePath(n.path);
    }

    bool hasIn(int index, std::initializer_list<EdgeType> types) const
    {
        for (const int e : in[static_cast<size_t>(index)]) {
            if (std::find(types.begin(), types.end(), edge(e).type) != types.end())
                return true;
        }
        return false;
    }

    bool hasOut(int index, std::initializer_list<EdgeType> types) const
    {
        for (const int e : out[static_cast<size_t>(index)]) {
            if (std::find(types.begin(), types.end(), edge(e).type) != types.end())
                return true;
        }
        return false;
    }

    // Hides node and its live edges; returns how many edges went.
    int hide(int index)
    {
        nodeAlive[static_cast<size_t>(index)] = 0;
        int hidden = 0;
        for (auto *list : {&in[static_cast<size_t>(index)], &out[static_cast<size_t>(index)]}) {
            for (const int e : *list) {
                if (edgeAlive[static_cast<size_t>(e)]) {
                    edgeAlive[static_cast<size_t>(e)] = 0;
                    ++hidden;
                }
            }
        }
        return hidden;
    }

    // Folds members into a new group node; their edges are re-pointed to it and
    // merged per (other end, type, direction). Returns the edges merged away.
    int fold(const std::vector<int> &members, std::string key, std::string label)
    {
        GraphNode group;
        group.kind = NodeKind::File;
        group.key = std::move(key);
        group.label = std::move(label);
        group.collapsed = static_cast<int>(members.size());
        for (size_t i = 0; i < members.size() && i < 3; ++i)
            group.detail += (i ? ", " : "") + node(members[i]).path;
        if (members.size() > 3)
            group.detail += ", ...";
        const int groupIndex = static_cast<int>(nodes.size());
        nodes.push_back(std::move(group));
        nodeAlive.push_back(1);
        foldedInto.push_back(-1);

        std::set<int> memberSet(members.begin(), members.end());
        std::set<int> touched;
        for (const int member : members) {
            nodeAlive[static_cast<size_t>(member)] = 0;
            foldedInto[static_cast<size_t>(member)] = groupIndex;
            for (const int e : in[static_cast<size_t>(member)])
                touched.insert(e);
            for (const int e : out[static_cast<size_t>(member)])
                touched.insert(e);
        }
        std::map<std::tuple<int, int, EdgeType>, int> kept; // re-pointed (from, to, type) -> edge slot
        int merged = 0;
        for (const int e : touched) { // in edge order: the earliest slot keeps the merged edge
            GraphEdge &edge = edges[static_cast<size_t>(e)];
            if (memberSet.count(edge.from))
                edge.from = groupIndex;
            if (memberSet.count(edge.to))
                edge.to = groupIndex;
            const auto key = std::make_tuple(edge.from, edge.to, edge.type);
            const auto [it, inserted] = kept.emplace(key, e);
            if (inserted)
                continue;
            GraphEdge &into = edges[static_cast<size_t>(it->second)];
            into.tsNs = std::min(into.tsNs, edge.tsNs);
            into.teNs = std::max(into.teNs, edge.teNs);
            into.count += edge.count;
            into.bytes += edge.bytes;
            into.eventIds.insert(into.eventIds.end(), edge.eventIds.begin(), edge.eventIds.end());
            edgeAlive[static_cast<size_t>(e)] = 0;
            ++merged;
        }
        return merged; // the caller re-indexes once after its folds (members' own lists stay right)
    }
};

// Runs first: the work graph's edges are still the view's.
NoiseFilterCount hideSystemFiles(WorkGraph &work, const ProvenanceGraph &view, bool enabled)
{
    NoiseFilterCount count{"system files", 0, 0};
    if (!enabled)
        return count;
    for (int index = 0; index < view.nodeCount(); ++index) {
        if (!work.foldable(index) || !isSystemNoiseFile(view, index))
            continue;
        count.edgesHidden += work.hide(index);
        ++count.nodesHidden;
    }
    work.index();
    return count;
}

NoiseFilterCount collapseSharedReadOnly(WorkGraph &work, bool enabled, int readerMin)
{
    NoiseFilterCount count{"shared read-only files", 0, 0};
    if (!enabled)
        return count;
    std::vector<int> members;
    for (int index = 0; index < static_cast<int>(work.nodes.size()); ++index) {
        if (!work.foldable(index)
            || work.hasIn(index, {EdgeType::Write, EdgeType::Rename, EdgeType::Renamed, EdgeType::Unlink})
            || work.hasOut(index, {EdgeType::Exec, EdgeType::Rename}))
            continue;
        std::set<int> readers;
        for (const int e : work.out[static_cast<size_t>(index)]) {
            const GraphEdge &edge = work.edge(e);
            if (edge.type == EdgeType::Read && work.node(edge.to).kind == NodeKind::Process)
                readers.insert(edge.to);
        }
        if (static_cast<int>(readers.size()) >= std::max(readerMin, 1))
            members.push_back(index);
    }
    if (members.size() < 2) // a group of one hides a name and saves nothing
        return count;
    count.nodesHidden = static_cast<int>(members.size());
    count.edgesHidden = work.fold(members, "group:shared-read-only",
                                  std::to_string(members.size()) + " shared read-only files");
    work.index();
    return count;
}

bool isTempPath(std::string_view path)
{
    return under(path, "/tmp") || under(path, "/var/tmp") || under(path, "/dev/shm") || under(path, "/run/user");
}

// The one process that wrote index and alone read it, when index was created
// and unlinked within lifetimeNs; -1 otherwise.
int privateTempWriter(const WorkGraph &work, int index, uint64_t lifetimeNs)
{
    const GraphNode &node = work.node(index);
    bool temp = isTempPath(node.path);
    for (const auto &path : node.paths)
        temp = temp && isTempPath(path);
    if (!temp || work.hasIn(index, {EdgeType::Rename}) || work.hasOut(index, {EdgeType::Exec, EdgeType::Rename}))
        return -1;
    int writer = -1;
    for (const int e : work.in[static_cast<size_t>(index)]) {
        const GraphEdge &edge = work.edge(e);
        if (edge.type != EdgeType::Write)
            continue;
        if (writer >= 0 && writer != edge.from)
            return -1; // shared between writers: it carries data between them
        writer = edge.from;
    }
    if (writer < 0 || work.node(writer).kind != NodeKind::Process)
        return -1;
    // Data that reached another process keeps the file visible: it is a link of the chain.
    for (const int e : work.out[static_cast<size_t>(index)]) {
        if (work.edge(e).to != writer)
            return -1;
    }
    // Alive from its first edge to its unlink, or to its last use through an
    // open descriptor when it was unlinked first (mkstemp, unlink, use).
    uint64_t created = UINT64_MAX, lastUse = 0, unlinked = UINT64_MAX;
    for (auto *list : {&work.in[static_cast<size_t>(index)], &work.out[static_cast<size_t>(index)]}) {
        for (const int e : *list) {
            const GraphEdge &edge = work.edge(e);
            created = std::min(created, edge.tsNs);
            if (edge.type == EdgeType::Unlink)
                unlinked = std::min(unlinked, edge.tsNs);
            else
                lastUse = std::max(lastUse, edge.teNs);
        }
    }
    if (unlinked == UINT64_MAX || std::max(unlinked, lastUse) - created > lifetimeNs)
        return -1;
    return writer;
}

NoiseFilterCount collapseTempFiles(WorkGraph &work, bool enabled, uint64_t lifetimeNs)
{
    NoiseFilterCount count{"temporary files", 0, 0};
    if (!enabled)
        return count;
    std::map<int, std::vector<int>> byWriter;
    for (int index = 0; index < static_cast<int>(work.nodes.size()); ++index) {
        if (!work.foldable(index))
            continue;
        if (const int writer = privateTempWriter(work, index, lifetimeNs); writer >= 0)
            byWriter[writer].push_back(index);
    }
    for (const auto &[writer, members] : byWriter) {
        if (members.size() < 2)
            continue;
        count.nodesHidden += static_cast<int>(members.size());
        count.edgesHidden += work.fold(members, "group:temporary:" + work.node(writer).key,
                                       std::to_string(members.size()) + " temporary files");
    }
    work.index();
    return count;
}

NoiseFilterCount mergeBursts(WorkGraph &work, bool enabled, uint64_t gapNs)
{
    NoiseFilterCount count{"bursts", 0, 0};
    if (!enabled)
        return count;
    // Live edges by (from, to, type, ts, index): each run of one triple is contiguous.
    std::vector<int> order;
    order.reserve(work.edges.size());
    for (size_t e = 0; e < work.edges.size(); ++e) {
        if (work.edgeAlive[e])
            order.push_back(static_cast<int>(e));
    }
    std::sort(order.begin(), order.end(), [&](int a, int b) {
        const GraphEdge &x = work.edge(a), &y = work.edge(b);
        return std::tie(x.from, x.to, x.type, x.tsNs, a) < std::tie(y.from, y.to, y.type, y.tsNs, b);
    });
    // Each merged edge stays in the slot of its earliest member.
    int current = -1;
    for (const int e : order) {
        const GraphEdge &next = work.edge(e);
        if (current >= 0) {
            GraphEdge &into = work.edges[static_cast<size_t>(current)];
            const bool sameTriple = into.from == next.from && into.to == next.to && into.type == next.type;
            const uint64_t gap = next.tsNs > into.teNs ? next.tsNs - into.teNs : 0;
            if (sameTriple && gap < gapNs) {
                into.teNs = std::max(into.teNs, next.teNs);
                into.count += next.count;
                into.bytes += next.bytes;
                into.eventIds.insert(into.eventIds.end(), next.eventIds.begin(), next.eventIds.end());
                work.edgeAlive[static_cast<size_t>(e)] = 0;
                ++count.edgesHidden;
                continue;
            }
        }
        current = e;
    }
    if (count.edgesHidden > 0)
        work.index();
    return count;
}

NoiseFilterCount hideUnconnected(WorkGraph &work)
{
    NoiseFilterCount count{"unconnected", 0, 0};
    if (work.poi < 0)
        return count; // nothing to be connected to
    // Every node the search started from counts (a path or an address can
    // name several), not only the first.
    std::vector<char> reached(work.nodes.size(), 0);
    std::vector<int> stack{work.poi};
    reached[static_cast<size_t>(work.poi)] = 1;
    for (size_t index = 0; index < work.nodes.size(); ++index) {
        if (work.nodes[index].isPoi && !reached[index]) {
            reached[index] = 1;
            stack.push_back(static_cast<int>(index));
        }
    }
    while (!stack.empty()) {
        const int node = stack.back();
        stack.pop_back();
        for (auto *list : {&work.in[static_cast<size_t>(node)], &work.out[static_cast<size_t>(node)]}) {
            for (const int e : *list) {
                if (!work.edgeAlive[static_cast<size_t>(e)])
                    continue;
                const GraphEdge &edge = work.edge(e);
                const int other = edge.from == node ? edge.to : edge.from;
                if (!reached[static_cast<size_t>(other)]) {
                    reached[static_cast<size_t>(other)] = 1;
                    stack.push_back(other);
                }
            }
        }
    }
    for (size_t index = 0; index < work.nodes.size(); ++index) {
        if (work.nodeAlive[index] && !reached[index]) {
            count.edgesHidden += work.hide(static_cast<int>(index));
            ++count.nodesHidden;
        }
    }
    return count;
}

} // namespace

bool isSystemNoisePath(std::string_view path)
{
    if (path.empty() || path.front() != '/')
        return false;
    static constexpr std::array<std::string_view, 41> dirs = {
        // shared libraries, the loader and interpreters' own libraries
        "/lib", "/lib32", "/lib64", "/libx32", "/usr/lib", "/usr/lib32", "/usr/lib64", "/usr/libx32",
        "/usr/local/lib",
        // kernel interfaces
        "/proc", "/sys",
        // terminals
        "/dev/pts",
        // locale, time zones, character sets
        "/usr/share/locale", "/usr/share/locale-langpack", "/usr/share/i18n", "/usr/share/zoneinfo",
        "/usr/share/X11/locale",
        // terminal, font, icon, theme and mime databases
        "/usr/share/terminfo", "/etc/terminfo", "/usr/share/fonts", "/usr/local/share/fonts", "/etc/fonts",
        "/var/cache/fontconfig", "/usr/share/icons", "/usr/share/pixmaps", "/usr/share/themes",
        "/usr/share/mime", "/usr/share/glib-2.0", "/usr/share/X11/xkb", "/usr/share/bash-completion",
        "/usr/share/misc", "/usr/share/file", "/usr/share/perl", "/usr/share/perl5", "/usr/share/python3",
        "/usr/share/ca-certificates", "/etc/ssl/certs", "/var/lib/dpkg", "/usr/share/doc", "/usr/share/man",
        "/usr/share/gtk-3.0"};
    for (const auto dir : dirs) {
        if (under(path, dir))
            return true;
    }
    // Read by the C library on every start, name lookup or TLS handshake.
    static constexpr std::array<std::string_view, 19> files = {
        "/etc/ld.so.cache", "/etc/localtime", "/etc/timezone", "/etc/nsswitch.conf", "/etc/host.conf",
        "/etc/gai.conf", "/etc/locale.alias", "/etc/locale.conf", "/etc/default/locale", "/etc/mime.types",
        "/etc/inputrc", "/etc/selinux/config", "/etc/magic", "/etc/ld.so.conf", "/etc/hosts", "/etc/resolv.conf",
        "/etc/services", "/etc/protocols", "/etc/ssl/openssl.cnf"};
    if (std::find(files.begin(), files.end(), path) != files.end())
        return true;
    if (isDeviceSink(path) || isLibraryElsewhere(path))
        return true;
    // Byte-code and font caches anywhere (also under home directories).
    if (path.find("/__pycache__/") != std::string_view::npos || endsWith(path, ".pyc")
        || path.find("/.cache/fontconfig/") != std::string_view::npos)
        return true;
    return false;
}

bool isSystemNoiseFile(const ProvenanceGraph &graph, int index)
{
    const GraphNode &node = graph.node(index);
    if (node.kind != NodeKind::File || node.collapsed > 0 || node.path.empty())
        return false;
    bool noise = isSystemNoisePath(node.path) && !isSensitivePath(node.path);
    bool sink = isDeviceSink(node.path);
    for (const auto &path : node.paths) {
        noise = noise && isSystemNoisePath(path) && !isSensitivePath(path);
        sink = sink && isDeviceSink(path);
    }
    if (!noise || sink)
        return noise;
    // A library written or renamed in place, or a program run from there, is
    // what a rootkit or a dropper does: it stays.
    for (const int e : graph.inEdges(index)) {
        const EdgeType type = graph.edge(e).type;
        if (type == EdgeType::Write || type == EdgeType::Rename)
            return false;
    }
    for (const int e : graph.outEdges(index)) {
        const EdgeType type = graph.edge(e).type;
        if (type == EdgeType::Exec || type == EdgeType::Rename)
            return false;
    }
    return true;
}

ProvenanceGraph applyNoiseFilters(const ProvenanceGraph &view, const NoiseOptions &options,
                                  NoiseReport *report, std::vector<int> *nodeMap)
{
    WorkGraph work(view);
    std::vector<NoiseFilterCount> counts;
    counts.push_back(hideSystemFiles(work, view, options.hideSystemFiles));
    counts.push_back(collapseSharedReadOnly(work, options.collapseSharedReadOnly, options.sharedReaderMin));
    counts.push_back(collapseTempFiles(work, options.collapseTempFiles, options.tempLifetimeNs));
    counts.push_back(mergeBursts(work, options.mergeBursts, options.burstGapNs));
    counts.push_back(hideUnconnected(work));

    ProvenanceGraph result;
    result.setBootToEpochNs(view.bootToEpochNs());
    result.setOmittedNodes(view.omittedNodes());
    std::vector<int> resultIndex(work.nodes.size(), -1);
    for (size_t index = 0; index < work.nodes.size(); ++index) {
        if (!work.nodeAlive[index])
            continue;
        GraphNode node = work.nodes[index]; // keeps isPoi: every start node stays marked
        resultIndex[index] = result.addNode(std::move(node));
    }
    for (size_t e = 0; e < work.edges.size(); ++e) {
        if (!work.edgeAlive[e])
            continue;
        GraphEdge edge = work.edges[e];
        edge.from = resultIndex[static_cast<size_t>(edge.from)];
        edge.to = resultIndex[static_cast<size_t>(edge.to)];
        std::sort(edge.eventIds.begin(), edge.eventIds.end());
        edge.eventIds.erase(std::unique(edge.eventIds.begin(), edge.eventIds.end()), edge.eventIds.end());
        result.appendEdge(std::move(edge));
    }
    if (work.poi >= 0)
        result.setPoi(resultIndex[static_cast<size_t>(work.poi)]);

    if (nodeMap) {
        nodeMap->assign(static_cast<size_t>(view.nodeCount()), -1);
        for (int index = 0; index < view.nodeCount(); ++index) {
            const int group = work.foldedInto[static_cast<size_t>(index)];
            (*nodeMap)[static_cast<size_t>(index)] =
                group >= 0 ? resultIndex[static_cast<size_t>(group)] : resultIndex[static_cast<size_t>(index)];
        }
    }
    if (report) {
        report->filters = std::move(counts);
        report->nodesBefore = view.nodeCount();
        report->edgesBefore = view.edgeCount();
        report->nodesAfter = result.nodeCount();
        report->edgesAfter = result.edgeCount();
    }
    return result;
}

} // namespace provscope
