#pragma once
// View-time noise reduction over a tracked graph (DESIGN.md: lossy filters are
// reversible): each filter works on a copy and says how many nodes and edges
// it hid, so the view can show and undo them. The point of interest is never
// hidden, and afterwards nothing is shown that is no longer connected to it
// (a process on no path to the point of interest is never shown).
#include "provenance_graph.h"

#include <cstdint>
#include <string>
#include <vector>

namespace provscope {

// Files the analyst must see by name (security_relevance.h isSensitivePath():
// credentials, ssh keys, persistence locations, /etc/passwd, ld.so.preload),
// files with relevance flags and the point of interest are never hidden or folded.
struct NoiseOptions {
    // Shared libraries and loader reads (/usr/lib*, /lib*, ld.so.cache, and
    // libraries and interpreter modules under any other lib directory outside
    // temp directories), /proc, /sys, /dev/null and friends, locale, fonts,
    // gconv, icons, terminfo, the resolver's /etc/hosts and /etc/resolv.conf,
    // etc. (isSystemNoisePath). Such a file that is written, renamed or executed in
    // the graph stays (a library dropped in place is what a rootkit does),
    // except terminals and /dev/null-like devices.
    bool hideSystemFiles = true;
    // Files only read (no write, rename, unlink or exec in the graph) by at
    // least this many processes become one group node "N shared read-only
    // files" (only when at least two files qualify).
    bool collapseSharedReadOnly = true;
    int sharedReaderMin = 3;
    // Files under /tmp, /var/tmp, /dev/shm or /run/user that one process wrote
    // and alone read, never renamed or executed, and that were unlinked and
    // gone within tempLifetimeNs of their first edge (gone: the unlink, or the
    // last use through a descriptor when unlinked first; times of the edges in
    // the graph), become one group node "N temporary files" per writing
    // process (when it has at least two). A temp file whose data reached
    // another process stays: it is a link of the chain.
    bool collapseTempFiles = true;
    uint64_t tempLifetimeNs = 10'000'000'000ull;
    // Repeated edges of one (from, to, type) whose gap (next ts - previous te)
    // is below burstGapNs merge into one interval edge with the summed count
    // and bytes and every event id.
    bool mergeBursts = true;
    uint64_t burstGapNs = 1'000'000'000ull;
};

struct NoiseFilterCount {
    std::string name;        // "system files", "shared read-only files", "temporary files", "bursts", "unconnected"
    int nodesHidden = 0;     // nodes removed or folded into a group node
    int edgesHidden = 0;     // edges removed or merged away
};

struct NoiseReport {
    // All five in the order applied, each even when it hid nothing or was off.
    // A folded node counts as hidden; nodesAfter includes the group nodes.
    std::vector<NoiseFilterCount> filters;
    int nodesBefore = 0, edgesBefore = 0, nodesAfter = 0, edgesAfter = 0;
};

// Returns the filtered copy of view (view.poi() stays the point of interest,
// at its new index; without a point of interest nothing counts as unconnected).
// Surviving nodes and edges keep their order, group nodes come last; an edge
// merged from several keeps the place of its earliest. nodeMap, when given,
// gets for each node of view its index in the result, or the group node it
// was folded into, or -1 when hidden.
ProvenanceGraph applyNoiseFilters(const ProvenanceGraph &view, const NoiseOptions &options,
                                  NoiseReport *report = nullptr, std::vector<int> *nodeMap = nullptr);

// True for paths the system-files filter hides ("/usr/lib/x86_64-linux-gnu/libc.so.6", "/proc/self/maps", ...).
bool isSystemNoisePath(std::string_view path);
// The system-files filter's judgement of one node of graph: a file whose
// every path is a system path and none a sensitive one, that nothing in graph
// wrote, renamed or executed (terminals and /dev/null-like devices: always).
// For views built outside applyNoiseFilters (e.g. expanding a node).
bool isSystemNoiseFile(const ProvenanceGraph &graph, int node);

} // namespace provscope
