#include "graph_job.h"

#include "graph_painter.h"
#include "session_reader.h"

namespace provscope {

GraphJobResult runGraphJob(const QString &sessionPath, const PointOfInterest &poi,
                           const GraphBuildOptions &options)
{
    GraphJobResult result;
    result.poi = poi;
    auto reader = SessionReader::open(sessionPath.toStdString());
    if (!reader) {
        result.error = QString::fromStdString(reader.error());
        return result;
    }
    GraphBuilder builder(*reader.value());
    auto graph = builder.build(poi, options);
    if (!graph) {
        result.error = QString::fromStdString(graph.error());
        return result;
    }
    auto shared = std::make_shared<const ProvenanceGraph>(std::move(graph.value()));
    auto layout = GraphPainter(*shared).layout(*shared);
    if (!layout) {
        result.error = QString::fromStdString(layout.error());
        return result;
    }
    result.graph = std::move(shared);
    result.layout = std::move(layout.value());
    result.ok = true;
    return result;
}

} // namespace provscope
