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

struct NoiseOptions {
    // Shared libraries and loader reads (/usr/lib*, /lib*, ld.so.cache), /proc,
    // /sys, /dev/null and friends, locale, fonts, gconv, icons, terminfo, etc.
    bool hideSystemFiles = true;
    // Files only read (never written in the graph) by at least this many
    // processes become one group node "N shared read-only files".
    bool collapseSharedReadOnly = true;
    int sharedReaderMin = 3;
    // Files under /tmp, /var/tmp, /dev/shm or /run/user that were created and
    // unlinked within tempLifetimeNs, and are on no path of interest beyond
    // their writer and reader, become one group node per writing process.
    bool collapseTempFiles = true;
    uint64_t tempLifetimeNs = 10'000'000'000ull;
    // Repeated edges of one (from, to, type) closer than burstGapNs merge into
    // one interval edge with the summed count and bytes.
    bool mergeBursts = true;
    uint64_t burstGapNs = 1'000'000'000ull;
};

struct NoiseFilterCount {
    std::string name;        // "system files", "shared read-only files", "temporary files", "bursts", "unconnected"
    int nodesHidden = 0;     // nodes removed or folded into a group node
    int edgesHidden = 0;     // edges removed or merged away
};

struct NoiseReport {
    std::vector<NoiseFilterCount> filters; // in the order applied, each even when it hid nothing
    int nodesBefore = 0, edgesBefore = 0, nodesAfter = 0, edgesAfter = 0;
};

// Returns the filtered copy of view (view.poi() stays the point of interest,
// at its new index). nodeMap, when given, gets for each node of view its index
// in the result, or the group node it was folded into, or -1 when hidden.
ProvenanceGraph applyNoiseFilters(const ProvenanceGraph &view, const NoiseOptions &options,
                                  NoiseReport *report = nullptr, std::vector<int> *nodeMap = nullptr);

// True for paths the system-files filter hides ("/usr/lib/x86_64-linux-gnu/libc.so.6", "/proc/self/maps", ...).
bool isSystemNoisePath(std::string_view path);

} // namespace provscope
