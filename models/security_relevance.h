#pragma once
// Marks the nodes of a graph a malware analyst looks at first (NodeFlag bits
// in GraphNode::flags): an executed download, writes under /etc, cron and
// systemd units and other persistence, ssh keys, credential files, a shell
// spawned by a network-facing process, outbound connections. Judged from the
// nodes and the edges in the graph given (a tracked view or the whole session).
#include "provenance_graph.h"

#include <string>
#include <vector>

namespace provscope {

void classifySecurityRelevance(ProvenanceGraph &graph);

// "executed download", "write under /etc", ... one phrase per set bit, in bit order.
std::vector<std::string> relevanceReasons(uint32_t flags);

} // namespace provscope
