#pragma once
// A plain-language account of a tracked chain, for the report and
// `provscope-cli summary`: the steps on the paths to (or from) the point of
// interest in time order, phrased as an investigator would, e.g.
// "bash (pid 412) downloaded from 127.0.0.1:8000 with curl, wrote /tmp/.x,
// executed it; it read /home/u/.ssh/id_rsa and sent 4 KB to 127.0.0.3:4444".
#include "provenance_graph.h"

#include <string>
#include <vector>

namespace provscope {

struct ChainStep {
    uint64_t tsNs = 0;        // boot ns of the step's first event
    std::string text;         // "curl (pid 415) wrote /tmp/.x (4.0 KB)"
    std::vector<int> edges;   // edges of the view the step stands for
};

// Steps in time order (at most maxSteps; the last says how many more there were).
std::vector<ChainStep> chainSteps(const ProvenanceGraph &view, int maxSteps = 40);
// The steps joined into sentences; "No activity reaches <poi>." when there are none.
std::string summarizeChain(const ProvenanceGraph &view, int maxSteps = 40);

} // namespace provscope
