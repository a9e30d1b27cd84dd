// The interactive provenance graph (GraphTab) offscreen, on sessions written with
// the real SessionWriter: tracking from a point of interest, expanding a node's
// neighbours 25 at a time, collapse, fold, hide, pin, the path between two nodes,
// search, the PNG of what is shown, and the selection shared with the event table.
#include "events_tab.h"
#include "filter_bar.h"
#include "graph_edge_item.h"
#include "graph_legend.h"
#include "graph_minimap.h"
#include "graph_node_item.h"
#include "graph_tab.h"
#include "task_progress.h"
#include "session_graph.h"
#include "workstation_fixture.h"
#include "zoomable_graphics_view.h"

#include <QElapsedTimer>
#include <QFile>
#include <QPushButton>
#include <QGraphicsScene>
#include <QImage>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLineEdit>
#include <QMenu>
#include <QSignalSpy>
#include <QTableView>
#include <QTemporaryDir>
#include <QTest>

#include <set>

using namespace provscope;
using namespace provscope::test;

namespace {

constexpr uint32_t kScannerPid = 2000;
constexpr uint64_t kScannerStart = kBase + 500;
constexpr int kScannedFiles = 60;

std::string scannedPath(int i)
{
    return "/data/f" + std::string(i < 10 ? "0" : "") + std::to_string(i);
}

// A scanner reads libc, then 60 (files) files one after another, then writes a report.
QString writeScannerSession(const QString &path, int files = kScannedFiles)
{
    ProcessInfo scanner;
    scanner.pid = kScannerPid;
    scanner.startNs = kScannerStart;
    scanner.ppid = 1;
    scanner.comm = "scanner";
    scanner.exe = "/usr/bin/scanner";
    scanner.argv = {"scanner"};
    std::vector<Event> events;
    const auto add = [&](uint64_t ts, const char *syscall, const std::string &file, int64_t bytes) {
        Event e = makeEvent(kScannerPid, kScannerStart, ts, syscall, bytes);
        e.comm = "scanner";
        e.ppid = 1;
        e.path = file;
        e.fd = 3;
        e.bytes = uint64_t(bytes);
        events.push_back(e);
    };
    add(1000, "read", "/usr/lib/x86_64-linux-gnu/libc.so.6", 832);
    for (int i = 0; i < files; ++i)
        add(10000 + uint64_t(i) * 1000, "read", scannedPath(i), 100);
    const uint64_t end = 10000 + uint64_t(files) * 1000;
    add(end + 1000, "write", "/tmp/report.txt", 4096);
    return writeSession(path, clockOnlyMeta(), {{{scanner}, events, {}}}, kBase + end + 100000);
}

GraphNodeItem *nodeItem(GraphTab &tab, int node)
{
    for (QGraphicsItem *item : tab.scene()->items()) {
        if (auto *n = dynamic_cast<GraphNodeItem *>(item); n && n->nodeIndex() == node)
            return n;
    }
    return nullptr;
}

int nodeOf(const GraphTab &tab, const std::string &key)
{
    return tab.graph() ? tab.graph()->findNode(key) : -1;
}

QPoint viewportPoint(GraphTab &tab, int node)
{
    return tab.view()->mapFromScene(tab.layoutResult().nodes.at(size_t(node)).center);
}

} // namespace

class TstGraphTab : public QObject {
    Q_OBJECT

private slots:
    void initTestCase();
    void tracksAndShowsStatus();
    void hideNoiseIsReversible();
    void doubleClickExpandsInStepsAndCollapse();
    void foldHideAndShowHidden();
    void pinKeepsPlace();
    void ctrlClickHighlightsPath();
    void searchSelectsAndCycles();
    void pngShowsWhatIsShown();
    void exportsEveryFormat();
    void newSessionDropsCache();
    void unreadableSessionFails();
    void cancelDropsTheResult();
    void largeViewDropsEdgeLabels();
    void nodeSelectsEventsAndBack();
    void filteredEventsAreReported();
    void manyEventsAreCapped();

private:
    bool build(GraphTab &tab, const QString &session, const PointOfInterest &poi);
    bool settle(GraphTab &tab);

    QTemporaryDir m_dir;
    QString m_fixture;
    QString m_scanner;
};

void TstGraphTab::initTestCase()
{
    prepareFixtureSession(m_dir, &m_fixture);
    m_scanner = m_dir.filePath(QStringLiteral("scanner.provscope"));
    const QString error = writeScannerSession(m_scanner);
    QVERIFY2(error.isEmpty(), qPrintable(error));
}

bool TstGraphTab::settle(GraphTab &tab)
{
    // Every edit lays out again in the background; the result is shown when it ends.
    QElapsedTimer timer;
    timer.start();
    while (tab.isBusy() && timer.elapsed() < 60000)
        QTest::qWait(10);
    QCoreApplication::processEvents();
    return !tab.isBusy() && tab.hasGraph();
}

bool TstGraphTab::build(GraphTab &tab, const QString &session, const PointOfInterest &poi)
{
    QSignalSpy ready(&tab, &GraphTab::graphReady);
    QSignalSpy failed(&tab, &GraphTab::graphFailed);
    tab.setSessionPath(session);
    tab.showGraph(poi);
    if (!ready.wait(60000) && ready.isEmpty()) {
        qWarning("%s", qPrintable(failed.isEmpty() ? tab.statusText() : failed.first().first().toString()));
        return false;
    }
    return settle(tab);
}

void TstGraphTab::tracksAndShowsStatus()
{
    GraphTab tab;
    tab.resize(1100, 700);
    tab.show();
    tab.setScope(TrackScope::Backward);
    tab.setDepth(1);
    QVERIFY(build(tab, m_scanner, PointOfInterest::file("/tmp/report.txt")));
    const ProvenanceGraph *graph = tab.graph();
    // One hop back from the report: the scanner that wrote it, nothing it read.
    QCOMPARE(graph->nodeCount(), 2);
    QVERIFY(nodeOf(tab, ProvenanceGraph::keyForProcess(kScannerPid, kScannerStart)) >= 0);
    QCOMPARE(QString::fromStdString(graph->node(graph->poi()).path), QStringLiteral("/tmp/report.txt"));
    QCOMPARE(tab.scene()->items().size(), qsizetype(graph->nodeCount() + graph->edgeCount()));
    const QString status = tab.statusText();
    QVERIFY2(status.contains(QStringLiteral("2 nodes, 1 edges")), qPrintable(status));
    QVERIFY2(status.contains(QStringLiteral("CPR ")), qPrintable(status));
    QVERIFY2(status.contains(QStringLiteral("limit reached")), qPrintable(status));
    // The session graph is built once and kept: a second request reuses it.
    const auto session = tab.sessionGraph();
    QVERIFY(session);
    QSignalSpy ready(&tab, &GraphTab::graphReady);
    tab.setDepth(0); // unlimited: re-tracks
    QVERIFY(ready.wait(60000));
    QCOMPARE(tab.sessionGraph().get(), session.get());
    QCOMPARE(tab.graph()->nodeCount(), 2 + kScannedFiles);
    QVERIFY(!tab.statusText().contains(QStringLiteral("limit reached")));
    // Legend and minimap are shown over the view.
    QVERIFY(tab.legend()->isVisible());
    QVERIFY(tab.minimap()->isVisible());
    QVERIFY(tab.minimap()->visibleSceneRect().intersects(tab.scene()->sceneRect()));
    // Zoomed in, a click on the minimap's far corner moves the view there.
    tab.view()->resetTransform();
    tab.view()->scale(2, 2);
    tab.view()->centerOn(tab.scene()->sceneRect().topLeft());
    const QRectF before = tab.minimap()->visibleSceneRect();
    QVERIFY(!before.contains(tab.scene()->sceneRect()));
    const QPoint corner = tab.minimap()->mapFromScene(tab.scene()->sceneRect().bottomRight()) - QPoint(3, 3);
    QTest::mouseClick(tab.minimap()->viewport(), Qt::LeftButton, {}, corner);
    const QRectF after = tab.minimap()->visibleSceneRect();
    QVERIFY2(after.center().x() > before.center().x() || after.center().y() > before.center().y(),
             qPrintable(QStringLiteral("%1,%2 -> %3,%4").arg(before.center().x()).arg(before.center().y())
                            .arg(after.center().x()).arg(after.center().y())));
    // The status tooltip says where the time went.
    QVERIFY2(tab.timingText().contains(QStringLiteral("laid out in")), qPrintable(tab.timingText()));
}

void TstGraphTab::hideNoiseIsReversible()
{
    GraphTab tab;
    tab.resize(1100, 700);
    tab.setScope(TrackScope::Backward);
    QVERIFY(tab.hideNoise());
    QVERIFY(build(tab, m_scanner, PointOfInterest::file("/tmp/report.txt")));
    const std::string libc = ProvenanceGraph::keyForFile("/usr/lib/x86_64-linux-gnu/libc.so.6");
    QCOMPARE(nodeOf(tab, libc), -1);
    QVERIFY2(tab.statusText().contains(QStringLiteral("system files")), qPrintable(tab.statusText()));
    const int quiet = tab.graph()->nodeCount();
    tab.setHideNoise(false);
    QVERIFY(settle(tab));
    QVERIFY(nodeOf(tab, libc) >= 0);
    QCOMPARE(tab.graph()->nodeCount(), quiet + 1);
    tab.setHideNoise(true);
    QVERIFY(settle(tab));
    QCOMPARE(nodeOf(tab, libc), -1);
    QCOMPARE(tab.graph()->nodeCount(), quiet);
}

void TstGraphTab::doubleClickExpandsInStepsAndCollapse()
{
    GraphTab tab;
    tab.resize(1100, 700);
    tab.show();
    QVERIFY(QTest::qWaitForWindowExposed(&tab));
    tab.setScope(TrackScope::Backward);
    tab.setDepth(1);
    QVERIFY(build(tab, m_scanner, PointOfInterest::file("/tmp/report.txt")));
    const std::string scannerKey = ProvenanceGraph::keyForProcess(kScannerPid, kScannerStart);
    int scanner = nodeOf(tab, scannerKey);
    QVERIFY(scanner >= 0);
    // Hidden noise (libc) is not offered: 60 files.
    QCOMPARE(tab.remainingNeighbours(scanner), kScannedFiles);

    // A double-click on the node adds the first 25, in the order they were read.
    QSignalSpy ready(&tab, &GraphTab::graphReady);
    QTest::mouseDClick(tab.view()->viewport(), Qt::LeftButton, {}, viewportPoint(tab, scanner));
    QVERIFY(ready.wait(60000));
    QVERIFY(settle(tab));
    QCOMPARE(tab.graph()->nodeCount(), 2 + GraphTab::kExpandStep);
    QVERIFY(nodeOf(tab, ProvenanceGraph::keyForFile(scannedPath(0))) >= 0);
    QVERIFY(nodeOf(tab, ProvenanceGraph::keyForFile(scannedPath(24))) >= 0);
    QCOMPARE(nodeOf(tab, ProvenanceGraph::keyForFile(scannedPath(25))), -1);
    QCOMPARE(tab.scene()->items().size(), qsizetype(tab.graph()->nodeCount() + tab.graph()->edgeCount()));
    QVERIFY2(tab.statusText().contains(QStringLiteral("35 more")), qPrintable(tab.statusText()));
    // The view is centred on the node that was expanded.
    const QPointF centre = tab.layoutResult().nodes.at(size_t(nodeOf(tab, scannerKey))).center;
    QVERIFY(tab.view()->mapToScene(tab.view()->viewport()->rect()).boundingRect().contains(centre));

    // "Show more" from the context menu adds the next 25.
    scanner = nodeOf(tab, scannerKey);
    std::unique_ptr<QMenu> menu(tab.createContextMenu(scanner, &tab));
    QAction *more = nullptr;
    for (QAction *action : menu->actions()) {
        if (action->text().startsWith(QStringLiteral("Show 25 More")))
            more = action;
    }
    QVERIFY2(more && more->isEnabled(), "no Show More entry");
    QVERIFY(more->text().contains(QStringLiteral("35 left")));
    more->trigger();
    QVERIFY(settle(tab));
    QCOMPARE(tab.graph()->nodeCount(), 2 + 2 * GraphTab::kExpandStep);
    // A second double-click adds the last 10; then there is nothing left.
    scanner = nodeOf(tab, scannerKey);
    QVERIFY(tab.expandNode(scanner));
    QVERIFY(settle(tab));
    QCOMPARE(tab.graph()->nodeCount(), 2 + kScannedFiles);
    scanner = nodeOf(tab, scannerKey);
    QCOMPARE(tab.remainingNeighbours(scanner), 0);
    QVERIFY(!tab.expandNode(scanner));

    // Collapse removes everything the expansion added.
    QVERIFY(tab.collapseNode(scanner));
    QVERIFY(settle(tab));
    QCOMPARE(tab.graph()->nodeCount(), 2);
    QCOMPARE(nodeOf(tab, ProvenanceGraph::keyForFile(scannedPath(0))), -1);
    QVERIFY(tab.viewSpec().expansions.empty());
}

void TstGraphTab::foldHideAndShowHidden()
{
    GraphTab tab;
    tab.resize(1100, 700);
    tab.setScope(TrackScope::Backward);
    QVERIFY(build(tab, m_scanner, PointOfInterest::file("/tmp/report.txt")));
    const int all = tab.graph()->nodeCount();
    QCOMPARE(all, 2 + kScannedFiles);
    int scanner = nodeOf(tab, ProvenanceGraph::keyForProcess(kScannerPid, kScannerStart));
    // The 60 files hang only on the scanner: folding hides them, unfolding brings them back.
    QVERIFY(tab.foldLeaves(scanner));
    QVERIFY(settle(tab));
    QCOMPARE(tab.graph()->nodeCount(), 2);
    QVERIFY2(tab.statusText().contains(QStringLiteral("60 folded")), qPrintable(tab.statusText()));
    scanner = nodeOf(tab, ProvenanceGraph::keyForProcess(kScannerPid, kScannerStart));
    QVERIFY(tab.unfoldLeaves(scanner));
    QVERIFY(settle(tab));
    QCOMPARE(tab.graph()->nodeCount(), all);

    // Hide two files; Show Hidden (2) brings them back. The point of interest cannot be hidden.
    const std::string f3 = ProvenanceGraph::keyForFile(scannedPath(3));
    tab.hideNode(nodeOf(tab, f3));
    QVERIFY(settle(tab));
    tab.hideNode(nodeOf(tab, ProvenanceGraph::keyForFile(scannedPath(4))));
    QVERIFY(settle(tab));
    QCOMPARE(tab.graph()->nodeCount(), all - 2);
    QCOMPARE(nodeOf(tab, f3), -1);
    QCOMPARE(tab.hiddenCount(), 2);
    tab.hideNode(tab.graph()->poi());
    QVERIFY(settle(tab));
    QCOMPARE(tab.hiddenCount(), 2);
    std::unique_ptr<QMenu> background(tab.createContextMenu(-1, &tab));
    QAction *show = background->actions().value(0);
    QVERIFY(show);
    QCOMPARE(show->text(), QStringLiteral("Show Hidden (2)"));
    show->trigger();
    QVERIFY(settle(tab));
    QCOMPARE(tab.graph()->nodeCount(), all);
    QCOMPARE(tab.hiddenCount(), 0);
}

void TstGraphTab::pinKeepsPlace()
{
    GraphTab tab;
    tab.resize(1100, 700);
    tab.setScope(TrackScope::Backward);
    tab.setDepth(1);
    QVERIFY(build(tab, m_scanner, PointOfInterest::file("/tmp/report.txt")));
    const std::string scannerKey = ProvenanceGraph::keyForProcess(kScannerPid, kScannerStart);
    int scanner = nodeOf(tab, scannerKey);
    const QPointF before = tab.layoutResult().nodes.at(size_t(scanner)).center;
    tab.setPinned(scanner, true);
    QVERIFY(tab.isPinned(scanner));
    QVERIFY(nodeItem(tab, scanner)->isPinned());
    QVERIFY(tab.expandNode(scanner));
    QVERIFY(settle(tab));
    scanner = nodeOf(tab, scannerKey);
    // 25 more nodes laid out around it, and the scanner stays where it was.
    QCOMPARE(tab.graph()->nodeCount(), 2 + GraphTab::kExpandStep);
    QCOMPARE(tab.layoutResult().nodes.at(size_t(scanner)).center, before);
    QCOMPARE(nodeItem(tab, scanner)->pos(), before);
    QVERIFY(tab.isPinned(scanner));
}

void TstGraphTab::ctrlClickHighlightsPath()
{
    GraphTab tab;
    tab.resize(1100, 700);
    tab.show();
    QVERIFY(QTest::qWaitForWindowExposed(&tab));
    tab.setScope(TrackScope::Both);
    QVERIFY(build(tab, m_fixture, PointOfInterest::process(kChildPid, kChildStart)));
    const int bash = nodeOf(tab, ProvenanceGraph::keyForProcess(kShellPid, kShellStart));
    const int out = nodeOf(tab, ProvenanceGraph::keyForFile("/tmp/work/out.tmp"));
    // The child before its exec (a copy of bash) and after it (python3): two versions.
    const int forked = nodeOf(tab, ProvenanceGraph::keyForProcess(kChildPid, kChildStart));
    const int python = nodeOf(tab, ProvenanceGraph::keyForProcessVersion(kChildPid, kChildStart, 1));
    QVERIFY(bash >= 0 && out >= 0 && forked >= 0 && python >= 0);
    tab.view()->zoomToFit();
    QTest::mouseClick(tab.view()->viewport(), Qt::LeftButton, {}, viewportPoint(tab, bash));
    QCOMPARE(tab.selectedNodes(), std::vector<int>{bash});
    QTest::mouseClick(tab.view()->viewport(), Qt::LeftButton, Qt::ControlModifier, viewportPoint(tab, out));
    QCOMPARE(tab.selectedNodes().size(), size_t(2));
    // bash forked the child, which became python3 and wrote out.tmp: three edges, with the flow.
    QCOMPARE(tab.pathNodes(), (std::vector<int>{bash, forked, python, out}));
    QCOMPARE(tab.pathEdges().size(), size_t(3));
    QVERIFY2(tab.statusText().contains(QStringLiteral("path of 3 edges")), qPrintable(tab.statusText()));
    QVERIFY(nodeItem(tab, python)->isHighlighted());
    // Everything off the path is dimmed.
    const int input = nodeOf(tab, ProvenanceGraph::keyForFile("/tmp/work/input.txt"));
    QVERIFY(input >= 0);
    QCOMPARE(nodeItem(tab, input)->opacity(), 0.25);
    QCOMPARE(nodeItem(tab, python)->opacity(), 1.0);
    // A plain click ends the highlight.
    QTest::mouseClick(tab.view()->viewport(), Qt::LeftButton, {}, viewportPoint(tab, input));
    QVERIFY(tab.pathNodes().empty());
    QCOMPARE(nodeItem(tab, bash)->opacity(), 1.0);
    // The tab goes with a path highlighted: its scene's last selection news reach no one.
    QTest::mouseClick(tab.view()->viewport(), Qt::LeftButton, Qt::ControlModifier, viewportPoint(tab, out));
    QCOMPARE(tab.pathNodes().size(), size_t(3));
}

void TstGraphTab::searchSelectsAndCycles()
{
    GraphTab tab;
    tab.resize(1100, 700);
    tab.show();
    tab.setScope(TrackScope::Both);
    QVERIFY(build(tab, m_fixture, PointOfInterest::process(kChildPid, kChildStart)));
    const int input = nodeOf(tab, ProvenanceGraph::keyForFile("/tmp/work/input.txt"));
    tab.searchField()->setText(QStringLiteral("INPUT"));
    QTest::keyClick(tab.searchField(), Qt::Key_Return);
    QCOMPARE(tab.selectedNodes(), std::vector<int>{input});
    QVERIFY2(tab.statusText().contains(QStringLiteral("match 1 of 1")), qPrintable(tab.statusText()));
    // By pid; "/tmp/work" matches several files and Enter cycles through them.
    QCOMPARE(tab.findNext(QStringLiteral("1001")), nodeOf(tab, ProvenanceGraph::keyForProcess(kChildPid, kChildStart)));
    std::set<int> seen;
    for (int i = 0; i < 6; ++i)
        seen.insert(tab.findNext(QStringLiteral("/tmp/work")));
    QVERIFY2(seen.size() >= 2, "Enter did not move to the next match");
    QVERIFY(!seen.count(-1));
    QCOMPARE(tab.findNext(QStringLiteral("no-such-node")), -1);
    QVERIFY(tab.statusText().contains(QStringLiteral("no node matches")));
}

// File → Export Graph… offers the picture at two resolutions, SVG, DOT, JSON and
// the report page as PDF or PNG: each file holds what is shown.
void TstGraphTab::exportsEveryFormat()
{
    GraphTab tab;
    tab.resize(1100, 700);
    tab.setScope(TrackScope::Backward);
    QVERIFY(build(tab, m_scanner, PointOfInterest::file("/tmp/report.txt")));
    using Kind = GraphTab::ExportKind;
    const auto write = [&](const QString &name, Kind kind, qreal scale) {
        GraphTab::ExportRequest request;
        request.kind = kind;
        request.scale = scale;
        request.caseNotes = QStringLiteral("Case 7: found on host web-2.");
        auto job = tab.exportJob(m_dir.filePath(name), request, std::make_shared<std::atomic<bool>>(false));
        QVERIFY2(job, job ? "" : job.error().c_str());
        const Result<void> written = (*job)();
        QVERIFY2(written, written ? "" : written.error().c_str());
    };
    const auto read = [&](const QString &name) {
        QFile file(m_dir.filePath(name));
        return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
    };
    write(QStringLiteral("x1.png"), Kind::Png, 1.0);
    write(QStringLiteral("x2.png"), Kind::Png, 2.0);
    write(QStringLiteral("x.svg"), Kind::Svg, 1.0);
    write(QStringLiteral("x.dot"), Kind::Dot, 1.0);
    write(QStringLiteral("x.json"), Kind::Json, 1.0);
    write(QStringLiteral("x.pdf"), Kind::ReportPdf, 1.0);
    write(QStringLiteral("report.png"), Kind::ReportPng, 1.0);
    const QImage one(m_dir.filePath(QStringLiteral("x1.png"))), two(m_dir.filePath(QStringLiteral("x2.png")));
    QVERIFY(!one.isNull() && !two.isNull());
    QVERIFY(std::abs(two.width() - 2 * one.width()) <= 2);
    QVERIFY(read(QStringLiteral("x.svg")).contains("<svg"));
    QVERIFY(read(QStringLiteral("x.dot")).startsWith("digraph"));
    const QJsonObject json = QJsonDocument::fromJson(read(QStringLiteral("x.json"))).object();
    QCOMPARE(json.value(QStringLiteral("nodes")).toArray().size(), tab.graph()->nodeCount());
    QCOMPARE(json.value(QStringLiteral("edges")).toArray().size(), tab.graph()->edgeCount());
    QVERIFY(read(QStringLiteral("x.pdf")).startsWith("%PDF"));
    const QImage report(m_dir.filePath(QStringLiteral("report.png")));
    QVERIFY(report.height() > one.height()); // title, summary, legend and timeline around the graph
}

void TstGraphTab::pngShowsWhatIsShown()
{
    GraphTab tab;
    tab.resize(1100, 700);
    tab.setScope(TrackScope::Backward);
    tab.setDepth(1);
    QVERIFY(build(tab, m_scanner, PointOfInterest::file("/tmp/report.txt")));
    const QString before = m_dir.filePath(QStringLiteral("before.png"));
    const QString expanded = m_dir.filePath(QStringLiteral("expanded.png"));
    const QString after = m_dir.filePath(QStringLiteral("after.png"));
    QVERIFY(tab.exportPng(before));
    const std::string scannerKey = ProvenanceGraph::keyForProcess(kScannerPid, kScannerStart);
    QVERIFY(tab.expandNode(nodeOf(tab, scannerKey)));
    QVERIFY(settle(tab));
    QVERIFY(tab.exportPng(expanded));
    const QSizeF page = GraphPainter::pageSize(tab.layoutResult());
    QVERIFY(tab.collapseNode(nodeOf(tab, scannerKey)));
    QVERIFY(settle(tab));
    QVERIFY(tab.exportPng(after));

    const QImage a(before), b(expanded), c(after);
    QVERIFY(!a.isNull() && !b.isNull() && !c.isNull());
    // The expanded picture holds 27 nodes: larger than the two-node one, as laid out.
    QVERIFY2(b.width() * b.height() > 4 * a.width() * a.height(),
             qPrintable(QStringLiteral("%1x%2 vs %3x%4").arg(b.width()).arg(b.height()).arg(a.width()).arg(a.height())));
    QVERIFY(std::abs(b.width() - page.width()) <= 2 && std::abs(b.height() - page.height()) <= 2);
    // Collapsed again, the export is the first one, pixel for pixel.
    QCOMPARE(c.size(), a.size());
    QVERIFY(c.convertToFormat(QImage::Format_RGB32) == a.convertToFormat(QImage::Format_RGB32));
}

void TstGraphTab::newSessionDropsCache()
{
    GraphTab tab;
    tab.setScope(TrackScope::Backward);
    QVERIFY(build(tab, m_scanner, PointOfInterest::file("/tmp/report.txt")));
    QVERIFY(tab.sessionGraph());
    tab.setSessionPath(m_fixture);
    QVERIFY(!tab.hasGraph());
    QVERIFY(!tab.sessionGraph());
    // A point of interest that is not in the session: a clear message, no graph.
    QSignalSpy failed(&tab, &GraphTab::graphFailed);
    tab.showGraph(PointOfInterest::file("/no/such/file"));
    QVERIFY(failed.wait(60000));
    QVERIFY(!tab.hasGraph());
    QVERIFY2(tab.statusText().startsWith(QStringLiteral("No graph for file /no/such/file")), qPrintable(tab.statusText()));
    // The session graph was still kept for the next request.
    QVERIFY(tab.sessionGraph());
}

void TstGraphTab::unreadableSessionFails()
{
    const QString bogus = m_dir.filePath(QStringLiteral("not-a-session.provscope"));
    QFile file(bogus);
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.write("this is not an SQLite file, nor a session");
    file.close();
    GraphTab tab;
    tab.setSessionPath(bogus);
    QSignalSpy failed(&tab, &GraphTab::graphFailed);
    tab.showGraph(PointOfInterest::process(kChildPid, kChildStart));
    QVERIFY(failed.wait(60000));
    QVERIFY(!tab.hasGraph());
    QVERIFY(!tab.sessionGraph());
    QVERIFY2(tab.statusText().contains(QStringLiteral("not-a-session.provscope")), qPrintable(tab.statusText()));
}

void TstGraphTab::cancelDropsTheResult()
{
    TaskProgress progress;
    GraphTab tab;
    tab.setTaskProgress(&progress);
    tab.setSessionPath(m_scanner);
    tab.showGraph(PointOfInterest::file("/tmp/report.txt"));
    QVERIFY(progress.isBusy());
    progress.cancelButton()->click();
    settle(tab);
    QVERIFY(!tab.isBusy());
    QVERIFY(!tab.hasGraph());
    QCOMPARE(tab.statusText(), QStringLiteral("Graph cancelled."));
    QVERIFY(!progress.isBusy());
    // The next request is shown as usual.
    QSignalSpy ready(&tab, &GraphTab::graphReady);
    tab.showGraph(PointOfInterest::file("/tmp/report.txt"));
    QVERIFY(ready.wait(60000));
    QVERIFY(tab.hasGraph());
    QVERIFY(!progress.isBusy());
}

void TstGraphTab::largeViewDropsEdgeLabels()
{
    // 700 edges: Graphviz would place 700 label nodes; the view is laid out without.
    const QString path = m_dir.filePath(QStringLiteral("large.provscope"));
    const QString error = writeScannerSession(path, 699);
    QVERIFY2(error.isEmpty(), qPrintable(error));
    GraphTab tab;
    tab.setScope(TrackScope::Backward);
    tab.setNodeLimit(1000);
    QVERIFY(build(tab, path, PointOfInterest::file("/tmp/report.txt")));
    QCOMPARE(tab.graph()->edgeCount(), 700);
    QVERIFY2(tab.statusText().contains(QStringLiteral("edge labels off")), qPrintable(tab.statusText()));
    for (const EdgeGeometry &edge : tab.layoutResult().edges)
        QVERIFY(!edge.hasLabel);
    // Folding the 699 leaves brings it back under the limit: labelled again.
    QVERIFY(tab.foldLeaves(nodeOf(tab, ProvenanceGraph::keyForProcess(kScannerPid, kScannerStart))));
    QVERIFY(settle(tab));
    QCOMPARE(tab.graph()->edgeCount(), 1);
    QVERIFY(tab.layoutResult().edges.at(0).hasLabel);
    QVERIFY(!tab.statusText().contains(QStringLiteral("edge labels off")));
}

void TstGraphTab::nodeSelectsEventsAndBack()
{
    MainWindow window;
    showWithSession(window, m_fixture);
    showEventsTab(window);
    QTableView *table = window.eventTable();
    table->selectRow(RowWrite);
    GraphTab *tab = window.graphTab();
    tab->setScope(TrackScope::Both);
    QSignalSpy ready(tab, &GraphTab::graphReady);
    window.showGraphOfSelectedProcess();
    QVERIFY2(ready.wait(60000) || !ready.isEmpty(), qPrintable(tab->statusText()));
    QVERIFY(settle(*tab));

    // Selecting out.tmp in the graph selects its events (open, write, rename) in the table.
    const int out = nodeOf(*tab, ProvenanceGraph::keyForFile("/tmp/work/out.tmp"));
    QVERIFY(out >= 0);
    const std::vector<int64_t> expected = [&] {
        tab->selectNode(out);
        return tab->selectedEventIds();
    }();
    QVERIFY(std::find(expected.begin(), expected.end(), int64_t(RowWrite + 1)) != expected.end());
    QVERIFY(std::find(expected.begin(), expected.end(), int64_t(RowRead + 1)) == expected.end());
    std::vector<int64_t> selected;
    for (const QModelIndex &index : table->selectionModel()->selectedRows())
        selected.push_back(window.eventsTab()->model()->eventIdAt(index.row()));
    std::sort(selected.begin(), selected.end());
    QCOMPARE(selected, expected);
    QCOMPARE(window.eventsTab()->currentEventId(), expected.front());
    // The graph kept its selection (the table's follow-up did not move it).
    QCOMPARE(tab->selectedNodes(), std::vector<int>{out});

    // Selecting the read in the table selects the edge input.txt -> python3 in the graph.
    table->selectRow(RowRead);
    const std::vector<int> edges = tab->selectedEdges();
    QCOMPARE(edges.size(), size_t(1));
    const GraphEdge &edge = tab->graph()->edge(edges.front());
    QCOMPARE(edge.type, EdgeType::Read);
    QCOMPARE(tab->graph()->node(edge.from).path, std::string("/tmp/work/input.txt"));
    QVERIFY(std::find(edge.eventIds.begin(), edge.eventIds.end(), int64_t(RowRead + 1)) != edge.eventIds.end());
    QVERIFY(tab->selectedNodes().empty());
    // The graph was not rebuilt around another point of interest.
    QVERIFY(!tab->isBusy());
}

void TstGraphTab::filteredEventsAreReported()
{
    MainWindow window;
    showWithSession(window, m_fixture);
    showEventsTab(window);
    window.filterBar()->applyFilter(QStringLiteral("evt.type == read"));
    QTRY_VERIFY_WITH_TIMEOUT(!window.filterBar()->isRunning(), 30000);
    const EventsTab::EventSelection shown = window.eventsTab()->selectEvents({RowWrite + 1, RowRead + 1, RowRead + 1});
    QCOMPARE(shown.requested, 2);
    QCOMPARE(shown.selected, 1);
    QCOMPARE(shown.hidden, 1);
    QCOMPARE(window.eventsTab()->currentEventId(), int64_t(RowRead + 1));
}

void TstGraphTab::manyEventsAreCapped()
{
    // A node can stand for more events than a table selection should hold.
    const QString path = m_dir.filePath(QStringLiteral("reads.provscope"));
    const QString error = writeRepeatedReadSession(path, EventsTab::kMaxSelectedEvents + 1000);
    QVERIFY2(error.isEmpty(), qPrintable(error));
    MainWindow window;
    showWithSession(window, path);
    showEventsTab(window);
    std::vector<int64_t> ids;
    for (int64_t id = EventsTab::kMaxSelectedEvents + 1000; id >= 1; --id)
        ids.push_back(id);
    const EventsTab::EventSelection shown = window.eventsTab()->selectEvents(ids);
    QCOMPARE(shown.requested, EventsTab::kMaxSelectedEvents + 1000);
    QCOMPARE(shown.selected, EventsTab::kMaxSelectedEvents);
    QCOMPARE(shown.hidden, 0);
    QCOMPARE(window.eventTable()->selectionModel()->selectedRows().size(), qsizetype(EventsTab::kMaxSelectedEvents));
    QCOMPARE(window.eventsTab()->currentEventId(), int64_t(1)); // the first of them
}

QTEST_MAIN(TstGraphTab)
#include "tst_graph_tab.moc"
