#pragma once
// A plain-language account of a tracked chain, for the report and
// `provscope-cli summary`: the steps on the paths to (or from) the point of
// interest in time order, phrased as an investigator would, e.g.
// "bash (pid 412) ran /usr/bin/curl (pid 415), which downloaded 4 KB from
// 127.0.0.1:8000 and wrote /tmp/.x (4 KB)." "bash (pid 412) ran /tmp/.x
// (pid 417), which read /home/u/.ssh/id_rsa and started tar (pid 418)."
//
// Rules: edges sorted by (ts, te, index); a run of consecutive edges of one
// process instance (all its versions) is one step, one sentence. An exec is
// told by the version that made it; what the new image does follows as
// "; it ...". A run ending in a fork, followed by the child's run whose first
// image did nothing but exec, is one step: "ran IMAGE (pid N), which ...";
// so is a line of lone forks, each by the child of the one before: "A (pid 1)
// started B (pid 2), which started C (pid 3)." A child whose fork was told
// ("started tar (pid 418)") and whose first image only exec'd an ordinary
// (unflagged) program goes on under its new name: "tar (pid 418) read ...".
// Per object the edges gather into one phrase: "downloaded N from" (it
// connected an inet socket and received at least what it sent; a Unix
// socket's data or an accepted connection's is "received N from"), "sent N
// to", "accepted a connection from", "wrote PATH (N)", "read PATH", "executed
// PATH" ("executed it" right after the same sentence wrote it), "started
// CHILD" (named by its latest version), "deleted PATH". Version edges are no
// steps; an unlink only of a file data flowed through in the view; an open
// only of a credential or ssh key file the process did not read or write;
// edges of noise-filter group nodes are left out (noise); a rename edge is a
// sentence of its own; a file with several paths is "FIRST (also LAST)".
// Sizes in bytes, KB, MB, GB (1024).
#include "provenance_graph.h"

#include <string>
#include <vector>

namespace provscope {

struct ChainStep {
    uint64_t tsNs = 0;        // boot ns of the step's first event
    std::string text;         // one sentence, ending in "."
    std::vector<int> edges;   // edges of the view the step stands for
};

// Steps in time order, at most maxSteps. When there are more, the steps
// touching the point of interest or a security-relevant node (NodeFlag) are
// kept first, then the earliest others, and a last step "N more steps not
// shown." stands for the rest (its edges: theirs; its tsNs: the first left
// out's, or the last shown step's when that is later, so the list stays in
// time order).
std::vector<ChainStep> chainSteps(const ProvenanceGraph &view, int maxSteps = 40);
// The steps joined into sentences; "No activity reaches <poi>." when there are none.
std::string summarizeChain(const ProvenanceGraph &view, int maxSteps = 40);

} // namespace provscope
