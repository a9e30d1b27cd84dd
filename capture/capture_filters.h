#pragma once
// The capture configuration pushed into the kernel (bpf/ps_filter.bpf.h):
// executables and cgroups resolved to the ids the kernel compares, the
// read-only switches set before load, the maps filled after it, and the
// traced process tree of --pid / command mode.
#include "capture_config.h"
#include "result.h"

#include <cstdint>
#include <string>
#include <vector>

struct provscope_bpf;

namespace provscope {

struct ResolvedExe {
    std::string path;
    uint64_t dev = 0; // kernel dev_t (major << 20 | minor) of the file system
    uint64_t ino = 0;
};

struct ResolvedCgroup {
    std::string path;
    uint64_t id = 0; // cgroup v2 id: the inode number of its directory
};

struct CaptureFilters {
    CaptureConfig config;
    std::vector<ResolvedExe> exes;
    std::vector<ResolvedCgroup> cgroups;
    bool tree = false;                // only traced process trees are recorded
    std::vector<uint32_t> treeRoots;  // the roots asked for (--pid, the command)
};

// Resolves exclude_exe (stat: device and inode, so a renamed copy stays
// excluded and a same-named other binary does not) and exclude_cgroup (must
// be a cgroup v2 directory). A path that does not resolve is an error.
Result<CaptureFilters> resolveCaptureFilters(const CaptureConfig &config);

// Before load: the switches and tables in the object's read-only data.
void configureFilters(provscope_bpf *skel, const CaptureFilters &filters);
// After load, before attach: the exclusion maps.
Result<void> populateFilterMaps(provscope_bpf *skel, const CaptureFilters &filters);
// Adds pid and its living descendants (read from procRoot) to the traced tree;
// the kernel adds processes forked later. Returns how many were added.
Result<size_t> traceProcessTree(provscope_bpf *skel, uint32_t pid, const std::string &procRoot = "/proc");

// The effective filters as JSON members (no braces), for the session's meta.
std::string captureFiltersJson(const CaptureFilters &filters);

} // namespace provscope
