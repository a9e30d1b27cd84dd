#include "graph_job.h"

#include "graph_painter.h"
#include "session_graph.h"

#include <QElapsedTimer>
#include <QObject>

namespace provscope {

const ProvenanceGraph &analysisBase(const AnalysisResult &analysis, bool hideNoise)
{
    return hideNoise ? analysis.view : analysis.unfiltered;
}

GraphJobResult runGraphJob(const GraphJobRequest &request)
{
    GraphJobResult result;
    result.revision = request.revision;
    result.analyzed = request.analyze;
    result.poi = request.poi;
    result.session = request.session;
    QElapsedTimer timer;
    std::shared_ptr<const ProvenanceGraph> shown = request.shown;
    if (request.analyze) {
        if (!result.session) {
            timer.start();
            SessionGraphOptions options;
            options.reduce = true;
            options.cancelled = request.cancelled.get();
            options.progress = request.progress;
            auto built = SessionGraph::build(request.sessionPath.toStdString(), options);
            if (!built) {
                result.error = QString::fromStdString(built.error());
                return result;
            }
            result.session = std::move(built.value());
            result.sessionBuilt = true;
            result.sessionSeconds = double(timer.nsecsElapsed()) / 1e9;
        }
        timer.start();
        auto analysis = analyzeProvenance(*result.session, request.poi, request.options);
        if (!analysis) {
            result.error = QString::fromStdString(analysis.error());
            return result;
        }
        result.analysis = std::make_shared<const AnalysisResult>(std::move(analysis.value()));
        result.analysisSeconds = double(timer.nsecsElapsed()) / 1e9;
        GraphViewSpec spec;
        shown = std::make_shared<const ProvenanceGraph>(
            composeView(analysisBase(*result.analysis, request.options.hideNoise), result.session.get(), spec));
    }
    if (!shown) {
        result.error = QObject::tr("Nothing to lay out.");
        return result;
    }
    timer.start();
    // Graphviz places each edge label as a node of its own, and dot's crossing
    // minimisation grows fast with the edges: a 329-node view with 1,424 edges
    // took dot 13 s without labels and minutes with. Such views are laid out
    // by sfdp without edge labels (an edge's tooltip still has its label).
    Result<GraphLayoutResult> layout = makeError(std::string());
    const GraphPainter painter(*shown);
    if (shown->edgeCount() > kLabelledEdgeLimit) {
        std::vector<QSizeF> sizes;
        sizes.reserve(size_t(shown->nodeCount()));
        for (const GraphNode &node : shown->nodes())
            sizes.push_back(painter.nodeSize(node));
        layout = GraphLayout::compute(*shown, sizes, {}, LayoutEngine::Sfdp);
        result.edgeLabelsOff = true;
    } else {
        layout = painter.layout(*shown);
    }
    if (!layout) {
        result.error = QString::fromStdString(layout.error());
        return result;
    }
    result.layoutSeconds = double(timer.nsecsElapsed()) / 1e9;
    result.graph = std::move(shown);
    result.layout = std::move(layout.value());
    result.ok = true;
    return result;
}

} // namespace provscope
