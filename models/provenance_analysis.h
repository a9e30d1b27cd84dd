#pragma once
// Answers "how did this happen, and what did it touch?": tracks from a point
// of interest over the session graph (time-respecting, provenance_tracker.h),
// cuts the result out as a view graph (keys equal to the session graph's, the
// point of interest marked), optionally hides noise (noise_filter.h) and marks
// security-relevant nodes (security_relevance.h). Used by the graph tab and
// `provscope-cli graph|summary`.
#include "noise_filter.h"
#include "point_of_interest.h"
#include "provenance_graph.h"
#include "provenance_tracker.h"
#include "result.h"

#include <vector>

namespace provscope {

class SessionGraph;

enum class TrackScope { Backward, Forward, Both };

struct AnalysisOptions {
    TrackScope scope = TrackScope::Backward;
    TrackLimits limits{-1, 2000};
    bool hideNoise = false;
    NoiseOptions noise;
};

struct AnalysisResult {
    ProvenanceGraph view;          // what is shown; view.poi() is the point of interest
    ProvenanceGraph unfiltered;    // the same before noise filters (== view without hideNoise)
    std::vector<int> sessionNode;  // view node -> session graph node (-1: a group node)
    NoiseReport noise;             // empty filters without hideNoise
    bool cut = false;              // a depth or node limit left reachable nodes out
    int omittedNodes = 0;          // lower bound of the nodes left out
    double trackSeconds = 0;
};

Result<AnalysisResult> analyzeProvenance(const SessionGraph &session, const PointOfInterest &poi,
                                         const AnalysisOptions &options = {});

// "backward" | "forward" | "both"
Result<TrackScope> parseTrackScope(std::string_view text);

} // namespace provscope
