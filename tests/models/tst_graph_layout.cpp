// Layout of hand-built provenance graphs with Graphviz (dot and sfdp):
// positions inside the bounding box, no overlapping nodes, edge splines that
// start and end at their nodes, and a rendered image that shows the graph.
#include "graph_layout.h"
#include "graph_painter.h"
#include "provenance_graph.h"

#include <QElapsedTimer>
#include <QImage>
#include <QtTest>

#include <cmath>

using namespace provscope;

Q_DECLARE_METATYPE(provscope::LayoutEngine)

namespace {

// bash forks a child that execs curl; curl connects out and writes /tmp/x; cat reads it.
ProvenanceGraph smallGraph()
{
    ProvenanceGraph g;
    const int bash = g.addProcess(100, 1000, "bash", "/usr/bin/bash");
    const int curl = g.addProcess(101, 2000, "curl", "/usr/bin/curl");
    const int curlBin = g.addFile("/usr/bin/curl");
    const int sock = g.addSocket("127.0.0.1", 40000, "127.0.0.1", 8000);
    const int tmp = g.addFile("/tmp/x");
    const int cat = g.addProcess(102, 3000, "cat", "/usr/bin/cat");
    const int pipe = g.addPipe("pipe:[4242]");
    g.addEdge(bash, curl, EdgeType::Fork, 2000, 2000, 1, 0, 1);
    g.addEdge(curlBin, curl, EdgeType::Exec, 2100, 2100, 1, 0, 2);
    g.addEdge(curl, sock, EdgeType::Connect, 2200, 2200, 1, 0, 3);
    g.addEdge(sock, curl, EdgeType::Recv, 2300, 2400, 5, 5000, 4);
    g.addEdge(curl, tmp, EdgeType::Write, 2500, 2600, 3, 3000, 5);
    g.addEdge(tmp, cat, EdgeType::Read, 3100, 3100, 1, 3000, 6);
    g.addEdge(cat, pipe, EdgeType::Write, 3200, 3200, 1, 10, 7);
    g.addEdge(bash, tmp, EdgeType::Open, 1500, 1500, 1, 0, 8);
    g.setPoi(curl);
    return g;
}

// A sprawling graph: processes each touching a few files, chained by forks.
ProvenanceGraph bigGraph(int processes)
{
    ProvenanceGraph g;
    int previous = -1;
    for (int p = 0; p < processes; ++p) {
        const int proc = g.addProcess(static_cast<uint32_t>(1000 + p), 10 + p, "worker", "/usr/bin/worker");
        if (previous >= 0)
            g.addEdge(previous, proc, EdgeType::Fork, p, p, 1, 0);
        for (int f = 0; f < 3; ++f) {
            const int file = g.addFile("/data/" + std::to_string(p) + "/" + std::to_string(f));
            g.addEdge(proc, file, f == 0 ? EdgeType::Write : EdgeType::Open, p, p, 1, 0);
        }
        previous = proc;
    }
    return g;
}

qreal distanceToRect(const QPointF &p, const QRectF &r)
{
    const qreal dx = std::max({r.left() - p.x(), 0.0, p.x() - r.right()});
    const qreal dy = std::max({r.top() - p.y(), 0.0, p.y() - r.bottom()});
    return std::hypot(dx, dy);
}

// sizes: what each node asked for (empty: the painter's measured sizes).
void checkLayout(const ProvenanceGraph &graph, const GraphLayoutResult &layout, bool checkEdges,
                 std::vector<QSizeF> sizes = {})
{
    QCOMPARE(layout.nodes.size(), graph.nodes().size());
    QCOMPARE(layout.edges.size(), graph.edges().size());
    QVERIFY(layout.boundingBox.width() > 0 && layout.boundingBox.height() > 0);
    const QRectF box = layout.boundingBox.adjusted(-1, -1, 1, 1);
    if (sizes.empty()) {
        const GraphPainter painter(graph);
        for (const GraphNode &node : graph.nodes())
            sizes.push_back(painter.nodeSize(node));
    }
    for (size_t i = 0; i < layout.nodes.size(); ++i) {
        const QRectF rect = layout.nodes[i].rect();
        QVERIFY2(box.contains(rect), qPrintable(QStringLiteral("node %1 outside the bbox").arg(i)));
        // The laid-out box is the Qt-measured one: labels fit.
        const QSizeF wanted = sizes[i];
        QVERIFY(std::abs(rect.width() - wanted.width()) < 1.0);
        QVERIFY(std::abs(rect.height() - wanted.height()) < 1.0);
    }
    for (size_t a = 0; a < layout.nodes.size(); ++a)
        for (size_t b = a + 1; b < layout.nodes.size(); ++b) {
            const QRectF overlap = layout.nodes[a].rect().intersected(layout.nodes[b].rect());
            QVERIFY2(overlap.width() < 1.0 || overlap.height() < 1.0,
                     qPrintable(QStringLiteral("nodes %1 and %2 overlap").arg(a).arg(b)));
        }
    if (!checkEdges)
        return;
    for (size_t i = 0; i < layout.edges.size(); ++i) {
        const EdgeGeometry &e = layout.edges[i];
        const GraphEdge &edge = graph.edges()[i];
        QVERIFY2(e.points.size() >= 4, qPrintable(QStringLiteral("edge %1 has %2 points").arg(i).arg(e.points.size())));
        QCOMPARE((e.points.size() - 1) % 3, size_t(0));
        const QRectF from = layout.nodes[static_cast<size_t>(edge.from)].rect();
        const QRectF to = layout.nodes[static_cast<size_t>(edge.to)].rect();
        const QPointF end = e.hasArrowHead ? e.arrowTip : e.points.back();
        QVERIFY2(distanceToRect(e.points.front(), from) < 3.0, qPrintable(QStringLiteral("edge %1 start").arg(i)));
        QVERIFY2(distanceToRect(end, to) < 3.0, qPrintable(QStringLiteral("edge %1 end").arg(i)));
        for (const QPointF &p : e.points)
            QVERIFY(box.contains(p));
        if (e.hasLabel) {
            const QRectF label(e.labelCenter - QPointF(e.labelSize.width() / 2, e.labelSize.height() / 2), e.labelSize);
            QVERIFY2(box.contains(label), qPrintable(QStringLiteral("label of edge %1 clipped").arg(i)));
        }
    }
}

int nonWhitePixels(const QImage &image)
{
    int count = 0;
    for (int y = 0; y < image.height(); ++y)
        for (int x = 0; x < image.width(); ++x)
            if ((image.pixel(x, y) & 0xffffff) != 0xffffff)
                ++count;
    return count;
}

} // namespace

class TestGraphLayout : public QObject {
    Q_OBJECT
private slots:
    void smallGraph_data()
    {
        QTest::addColumn<LayoutEngine>("engine");
        QTest::addColumn<QString>("expected");
        QTest::newRow("auto") << LayoutEngine::Auto << "dot";
        QTest::newRow("dot") << LayoutEngine::Dot << "dot";
        QTest::newRow("sfdp") << LayoutEngine::Sfdp << "sfdp";
    }
    void smallGraph()
    {
        QFETCH(LayoutEngine, engine);
        QFETCH(QString, expected);
        const ProvenanceGraph graph = ::smallGraph();
        const GraphPainter painter(graph);
        Result<GraphLayoutResult> layout = painter.layout(graph, engine);
        QVERIFY2(layout.ok(), layout.ok() ? "" : layout.error().c_str());
        QCOMPARE(QString::fromStdString(layout->engine), expected);
        checkLayout(graph, *layout, true);
        // dot places every edge label itself; labels must not sit on a node.
        if (expected == "dot") {
            for (size_t i = 0; i < layout->edges.size(); ++i) {
                const EdgeGeometry &e = layout->edges[i];
                // Flows are labelled; opens are not (they would crowd the ranks).
                QCOMPARE(e.hasLabel, isFlowEdge(graph.edges()[i].type));
                if (!e.hasLabel)
                    continue;
                const QRectF label(e.labelCenter - QPointF(e.labelSize.width() / 2, e.labelSize.height() / 2), e.labelSize);
                for (const NodeGeometry &n : layout->nodes)
                    QVERIFY(!label.intersects(n.rect().adjusted(1, 1, -1, -1)));
            }
            // Flow direction top-down: bash (parent) above curl (child) above cat.
            QVERIFY(layout->nodes[0].center.y() < layout->nodes[1].center.y());
            QVERIFY(layout->nodes[1].center.y() < layout->nodes[5].center.y());
        }
    }

    void withoutLabels()
    {
        const ProvenanceGraph graph = ::smallGraph();
        std::vector<QSizeF> sizes(graph.nodes().size(), QSizeF(80, 30));
        Result<GraphLayoutResult> layout = GraphLayout::compute(graph, sizes);
        QVERIFY(layout.ok());
        for (const EdgeGeometry &e : layout->edges)
            QVERIFY(!e.hasLabel);
        checkLayout(graph, *layout, true, sizes);
    }

    void mismatchedSizesFail()
    {
        const ProvenanceGraph graph = ::smallGraph();
        Result<GraphLayoutResult> layout = GraphLayout::compute(graph, {QSizeF(10, 10)});
        QVERIFY(!layout.ok());
        QVERIFY(QString::fromStdString(layout.error()).contains("node sizes"));
    }

    void emptyGraph()
    {
        Result<GraphLayoutResult> layout = GraphLayout::compute(ProvenanceGraph(), {});
        QVERIFY(layout.ok());
        QVERIFY(layout->nodes.empty());
    }

    void autoPicksSfdpForLargeGraphs()
    {
        const ProvenanceGraph graph = bigGraph(130); // 520 nodes > kDotNodeLimit
        QVERIFY(graph.nodeCount() > GraphLayout::kDotNodeLimit);
        QElapsedTimer timer;
        timer.start();
        Result<GraphLayoutResult> layout = GraphPainter(graph).layout(graph);
        QVERIFY2(layout.ok(), layout.ok() ? "" : layout.error().c_str());
        QCOMPARE(QString::fromStdString(layout->engine), QStringLiteral("sfdp"));
        qInfo("sfdp laid out %d nodes in %lld ms", graph.nodeCount(), static_cast<long long>(timer.elapsed()));
        checkLayout(graph, *layout, false);
    }

    void wideGraphsTurnSideways()
    {
        // Thirty processes each read a key and send to one address: one rank of
        // thirty processes, far wider than any page when drawn top-down.
        ProvenanceGraph graph;
        const int sink = graph.addSocket("127.0.0.1", 5000, "127.0.0.3", 4444);
        for (int p = 0; p < 30; ++p) {
            const int proc = graph.addProcess(uint32_t(2000 + p), 10 + p, "dl_" + std::to_string(p), "/tmp/.cache/dl");
            const int key = graph.addFile("/home/u" + std::to_string(p) + "/.ssh/id_rsa");
            graph.addEdge(key, proc, EdgeType::Read, 100 + p, 100 + p, 1, 2602);
            graph.addEdge(proc, sink, EdgeType::Send, 200 + p, 200 + p, 1, 4096);
        }
        graph.setPoi(sink);
        const GraphPainter painter(graph);
        Result<GraphLayoutResult> topDown = painter.layout(graph, LayoutEngine::Dot);
        QVERIFY(topDown.ok());
        QVERIFY(!topDown->leftToRight);
        QVERIFY(topDown->boundingBox.width() > 4 * topDown->boundingBox.height());
        Result<GraphLayoutResult> automatic = painter.layout(graph);
        QVERIFY(automatic.ok());
        QCOMPARE(QString::fromStdString(automatic->engine), QStringLiteral("dot"));
        QVERIFY(automatic->leftToRight);
        QVERIFY(automatic->boundingBox.width() < topDown->boundingBox.width() / 3);
        checkLayout(graph, *automatic, true);
        // Information still flows along the ranks: key left of its reader, reader left of the sink.
        QVERIFY(automatic->nodes[2].center.x() < automatic->nodes[1].center.x());
        QVERIFY(automatic->nodes[1].center.x() < automatic->nodes[0].center.x());
        // A small graph stays top-down.
        Result<GraphLayoutResult> small = GraphPainter(::smallGraph()).layout(::smallGraph());
        QVERIFY(small.ok() && !small->leftToRight);
    }

    void renderedImageShowsTheGraph()
    {
        const ProvenanceGraph graph = ::smallGraph();
        const GraphPainter painter(graph);
        Result<GraphLayoutResult> layout = painter.layout(graph);
        QVERIFY(layout.ok());
        const QImage image = painter.renderImage(graph, *layout, 1.0);
        QVERIFY(!image.isNull());
        QVERIFY(image.width() > 2 * GraphPainter::kMargin + 50);
        QVERIFY(image.height() > 2 * GraphPainter::kMargin + 50);
        QCOMPARE(image.pixel(2, 2) & 0xffffff, 0xffffffu); // white margin
        QVERIFY(nonWhitePixels(image) > 2000);
        // The process fill colour is drawn inside the POI (curl) node (its top-left
        // corner carries the "POI" badge, so look near the bottom-left one).
        const QPointF c = layout->nodes[1].rect().bottomLeft() + QPointF(8, -5) - layout->boundingBox.topLeft()
            + QPointF(GraphPainter::kMargin, GraphPainter::kMargin);
        QCOMPARE(QColor(image.pixel(c.toPoint())), GraphPainter::fillColor(NodeKind::Process));
        const QImage twice = painter.renderImage(graph, *layout, 2.0);
        QCOMPARE(twice.width(), qCeil((layout->boundingBox.width() + 2 * GraphPainter::kMargin) * 2));
    }
};

QTEST_MAIN(TestGraphLayout)
#include "tst_graph_layout.moc"
