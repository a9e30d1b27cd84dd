#pragma once
// The graph tab's status line: what was tracked from where, what is shown,
// the reduction ratio, what each noise filter hid and what a limit left out.
#include "graph_view_spec.h"
#include "point_of_interest.h"
#include "provenance_analysis.h"

#include <QString>

namespace provscope {

class SessionGraph;

// "process 1001", "file /tmp/x", "address 127.0.0.1:8080", "event 42"
QString describePoi(const PointOfInterest &poi);
QString describeScope(TrackScope scope); // "backward", "forward", "both ways"

struct GraphStatusInput {
    PointOfInterest poi;
    TrackScope scope = TrackScope::Backward;
    const ProvenanceGraph *shown = nullptr;
    const AnalysisResult *analysis = nullptr;
    const SessionGraph *session = nullptr;
    bool hideNoise = false;
    const GraphViewSpec *spec = nullptr;
    int pinned = 0;
    QString engine;
};

// "Backward from process 1001: 12 nodes, 14 edges · CPR 12.3x (1,234 → 100 edges) ·
//  noise hid: system files 5 nodes/7 edges, bursts 3 edges · limit reached: 40 more · dot"
QString graphStatusText(const GraphStatusInput &input);

} // namespace provscope
