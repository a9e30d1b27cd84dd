#pragma once
// The graph tab's background work (one worker: Graphviz keeps global state).
// Analyze: build the whole-session graph if the tab has none cached yet (once
// per session, with progress and Cancel), track from the point of interest
// (analyzeProvenance), cut the view and lay it out. Layout: lay out a view the
// tab composed after an expand, collapse or hide.
#include "graph_layout.h"
#include "graph_view_spec.h"
#include "point_of_interest.h"
#include "provenance_analysis.h"
#include "provenance_graph.h"

#include <QString>

#include <atomic>
#include <functional>
#include <memory>

namespace provscope {

class SessionGraph;

struct GraphJobRequest {
    int revision = 0;                              // the tab's request counter
    bool analyze = false;                          // false: lay out `shown` only
    QString sessionPath;
    std::shared_ptr<const SessionGraph> session;   // null: build it first
    PointOfInterest poi;
    AnalysisOptions options;
    std::shared_ptr<const ProvenanceGraph> shown;  // layout requests
    std::shared_ptr<std::atomic<bool>> cancelled;  // polled while the session graph is built
    std::function<void(int percent)> progress;     // session graph build, from the worker
};

// Views with more edges are laid out without edge labels (see runGraphJob).
constexpr int kLabelledEdgeLimit = 600;

struct GraphJobResult {
    int revision = 0;
    bool analyzed = false;
    bool ok = false;
    QString error;
    PointOfInterest poi;
    std::shared_ptr<const SessionGraph> session;   // built or reused (also set when analysis failed)
    bool sessionBuilt = false;                     // this job read the session
    std::shared_ptr<const AnalysisResult> analysis;
    std::shared_ptr<const ProvenanceGraph> graph;  // what was laid out
    GraphLayoutResult layout;
    bool edgeLabelsOff = false;                    // too many edges for labelled layout
    double sessionSeconds = 0, analysisSeconds = 0, layoutSeconds = 0;
};

GraphJobResult runGraphJob(const GraphJobRequest &request);

// The base graph the view is cut from: the noise-filtered view or everything tracked.
const ProvenanceGraph &analysisBase(const AnalysisResult &analysis, bool hideNoise);

} // namespace provscope
