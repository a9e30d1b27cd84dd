#pragma once
// Builds and lays out a provenance graph off the GUI thread. Opens its own
// SessionReader (one reader per thread); Graphviz calls are serialised by GraphLayout.
#include "graph_builder.h"
#include "graph_layout.h"
#include "point_of_interest.h"
#include "provenance_graph.h"

#include <QString>

#include <memory>

namespace provscope {

struct GraphJobResult {
    bool ok = false;
    QString error;
    PointOfInterest poi;
    std::shared_ptr<const ProvenanceGraph> graph;
    GraphLayoutResult layout;
};

GraphJobResult runGraphJob(const QString &sessionPath, const PointOfInterest &poi,
                           const GraphBuildOptions &options);

} // namespace provscope
