#pragma once
// How the chain summary (chain_summary.h) names things: sizes, processes,
// files, sockets, lists. Also for reports that speak the same way.
#include "provenance_graph.h"

#include <cstdint>
#include <string>
#include <vector>

namespace provscope {

// "1 byte", "833 bytes", "4 KB", "1.5 MB" (1024-based, one decimal, no ".0").
std::string humanBytes(uint64_t bytes);
// "curl (pid 415)"
std::string processName(const GraphNode &node);
// Full paths ("FIRST (also LAST)" for a file with several), endpoints with
// their DNS name ("example.org (93.184.216.34:443)"), a group node's label.
std::string objectName(const GraphNode &node);
// "a", "a and b", "a, b and c"
std::string joinList(const std::vector<std::string> &items);

} // namespace provscope
