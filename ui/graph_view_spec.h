#pragma once
// What the graph tab shows, as edits over the analysis result: nodes expanded
// from the session graph, nodes hidden, leaves folded into their neighbour.
// Everything is named by node key (view keys equal the session graph's), so a
// spec survives re-cutting the analysis (Hide noise on/off). composeView() turns
// a spec into the graph that is laid out; it is pure and cheap (GUI thread).
#include "provenance_graph.h"

#include <map>
#include <set>
#include <string>
#include <vector>

namespace provscope {

class SessionGraph;

struct GraphExpansion {
    std::string anchor;             // the node that was double-clicked
    std::vector<std::string> added; // the neighbours it brought in, in order
};

struct GraphViewSpec {
    std::vector<GraphExpansion> expansions;              // in the order made
    std::set<std::string> hidden;                        // hidden by the user
    std::map<std::string, std::vector<std::string>> folded; // node -> its leaves folded away
    bool skipNoise = false; // expansion leaves out what the system-files filter hides

    bool hasExpansion(const std::string &anchor) const;
    int foldedCount() const;
};

// base (the analysis' view or unfiltered graph) minus hidden and folded
// nodes, plus each expansion whose anchor is shown, with the session edges
// between an added node and any shown node. Edges of one (from, to, type),
// base's too, merge into one (the view is a picture; tracking runs on the
// session graph). Drops from spec the expansions and folds whose node is no
// longer shown.
ProvenanceGraph composeView(const ProvenanceGraph &base, const SessionGraph *session, GraphViewSpec &spec);

// The session neighbours of node key (both directions) not in shown, not
// hidden and (skipNoise) not system noise, ordered by the time of their first
// edge with it. Empty when the session graph has no such node (a group node).
std::vector<std::string> expansionCandidates(const SessionGraph &session, const ProvenanceGraph &shown,
                                             const GraphViewSpec &spec, const std::string &key);

// Neighbours of node in graph that have no other edge (leaves), except the
// point of interest.
std::vector<int> leafNeighbours(const ProvenanceGraph &graph, int node);

} // namespace provscope
