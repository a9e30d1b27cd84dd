#pragma once
// Writes a provenance graph as PNG, SVG (both painted by GraphPainter) or
// DOT text. Files are written to a temporary file beside the target and
// renamed, so a failure never leaves a partial output. Annotations (tags and
// comments on nodes and processes) are part of the report: numbered marks on the
// nodes and a notes block under the graph (DOT: a note attribute).
#include "annotation.h"
#include "graph_layout.h"
#include "provenance_graph.h"
#include "result.h"

#include <atomic>
#include <string>
#include <string_view>
#include <vector>

namespace provscope {

enum class GraphFormat { Dot, Png, Svg };

class GraphExport {
public:
    static Result<GraphFormat> parseFormat(std::string_view name); // "dot", "png", "svg"

    // DOT text with escaped labels; node ids n0, n1, ... by node index.
    static std::string toDot(const ProvenanceGraph &graph, const std::vector<Annotation> &annotations = {});

    // Lays out (for PNG/SVG) and writes. Needs a QGuiApplication for PNG/SVG.
    static Result<void> write(const std::string &path, GraphFormat format, const ProvenanceGraph &graph,
                              LayoutEngine engine = LayoutEngine::Auto,
                              const std::vector<Annotation> &annotations = {});

    static Result<void> writeDot(const std::string &path, const ProvenanceGraph &graph,
                                 const std::vector<Annotation> &annotations = {});
    // cancelled (optional) is looked at before the file replaces path: once set, path is
    // left as it was (another thread may set it while the image is drawn and encoded).
    static Result<void> writePng(const std::string &path, const ProvenanceGraph &graph,
                                 const GraphLayoutResult &layout, qreal scale = 1.0,
                                 const std::vector<Annotation> &annotations = {},
                                 const std::atomic<bool> *cancelled = nullptr);
    static Result<void> writeSvg(const std::string &path, const ProvenanceGraph &graph,
                                 const GraphLayoutResult &layout,
                                 const std::vector<Annotation> &annotations = {});
};

} // namespace provscope
