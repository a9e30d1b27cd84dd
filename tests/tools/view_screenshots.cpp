// provscope-view-screenshots SESSION DIR [FILTER]: opens SESSION in the workstation
// (offscreen unless a display is set) at 1280x800 and saves a PNG of every view into
// DIR — dashboard, events (with FILTER applied, if given), flows, process tree, graph, and
// the events again with a bookmark and a comment in the Annotations panel (kept in
// memory: the session file is not changed), and the flows again narrowed by a chart
// selection (flows-selection.png) — for the README and for reviews.
#include "annotation_actions.h"
#include "annotation_set.h"
#include "dashboard_tab.h"
#include "events_tab.h"
#include "filter_bar.h"
#include "flows_tab.h"
#include "graph_tab.h"
#include "main_window.h"
#include "process_tree_tab.h"

#include <QAction>
#include <QApplication>
#include <QDockWidget>
#include <QDir>
#include <QElapsedTimer>
#include <QTabWidget>
#include <QTableView>

#include <algorithm>
#include <cstdio>
#include <functional>

using namespace provscope;

namespace {
// Runs the event loop until done() or the timeout; false on timeout.
bool waitFor(const std::function<bool()> &done, int timeoutMs = 120000)
{
    QElapsedTimer clock;
    clock.start();
    while (!done()) {
        if (clock.elapsed() > timeoutMs)
            return false;
        QApplication::processEvents(QEventLoop::AllEvents, 50);
    }
    for (int i = 0; i < 10; ++i) // let the last paints settle
        QApplication::processEvents(QEventLoop::AllEvents, 20);
    return true;
}

bool save(MainWindow &window, const QString &dir, const char *name)
{
    const QString path = QDir(dir).filePath(QString::fromLatin1(name));
    if (!window.grab().save(path)) {
        std::fprintf(stderr, "cannot write %s\n", qPrintable(path));
        return false;
    }
    std::printf("%s\n", qPrintable(path));
    return true;
}
} // namespace

int main(int argc, char **argv)
{
    if (qEnvironmentVariableIsEmpty("DISPLAY") && qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM"))
        qputenv("QT_QPA_PLATFORM", "offscreen");
    QApplication app(argc, argv);
    QApplication::setOrganizationName(QStringLiteral("provscope-screenshots"));
    const QStringList args = QApplication::arguments();
    if (args.size() < 3) {
        std::fprintf(stderr, "usage: provscope-view-screenshots SESSION DIR [FILTER]\n");
        return 2;
    }
    MainWindow window;
    window.setErrorDialogsEnabled(false);
    window.resize(1280, 800);
    window.show();
    if (!window.openSessionAtOverview(args[1])) {
        std::fprintf(stderr, "%s\n", qPrintable(window.lastError()));
        return 1;
    }
    const QString dir = args[2];
    QDir().mkpath(dir);
    bool ok = waitFor([&] { return window.dashboard()->report() && !window.dashboard()->isBusy(); });
    ok = ok && save(window, dir, "dashboard.png");

    window.tabs()->setCurrentWidget(window.eventsTab());
    if (args.size() > 3) {
        window.filterBar()->applyFilter(args[3]);
        ok = ok && waitFor([&] { return !window.filterBar()->isRunning(); });
    }
    window.eventTable()->selectRow(std::min(5, window.eventTable()->model()->rowCount() - 1));
    ok = ok && waitFor([] { return true; }) && save(window, dir, "events.png");

    window.tabs()->setCurrentWidget(window.flowsTab());
    ok = ok && waitFor([&] { return window.flowsTab()->isLoaded() && !window.flowsTab()->isBusy(); })
         && save(window, dir, "flows.png");

    window.tabs()->setCurrentWidget(window.processTree());
    ok = ok && waitFor([&] { return !window.processTree()->isLoading(); }) && save(window, dir, "process-tree.png");

    window.tabs()->setCurrentWidget(window.graphTab());
    ok = ok && waitFor([&] { return window.graphTab()->hasGraph(); }) && save(window, dir, "graph.png");

    window.tabs()->setCurrentWidget(window.eventsTab());
    const int64_t id = window.eventsTab()->currentEventId();
    window.annotationActions()->toggleBookmark()->trigger();
    window.annotations()->addComment(Annotation::Target::Event, Annotation::eventTarget(id),
                                     QStringLiteral("first access after the download"));
    if (QDockWidget *dock = window.findChild<QDockWidget *>(QStringLiteral("annotationsDock")))
        dock->show();
    ok = ok && waitFor([] { return true; }) && save(window, dir, "annotations.png");
    window.annotations()->clear(); // nothing to save: the screenshots never write the session

    // The Flows tab narrowed by a chart click: the top flow's domain (else destination).
    if (QDockWidget *dock = window.findChild<QDockWidget *>(QStringLiteral("annotationsDock")))
        dock->hide();
    window.tabs()->setCurrentWidget(window.flowsTab());
    const std::vector<Flow> &flows = window.flowsTab()->allFlows();
    if (!flows.empty()) {
        FlowSelection pick;
        const auto named = std::find_if(flows.begin(), flows.end(), [](const Flow &f) { return !f.dnsName.empty(); });
        pick.kind = named != flows.end() ? FlowSelection::Kind::Domain : FlowSelection::Kind::Destination;
        pick.text = named != flows.end() ? named->dnsName : flows.front().dst;
        pick.label = (named != flows.end() ? "domain " : "destination ") + pick.text;
        window.flowsTab()->applySelection(pick);
        ok = ok && waitFor([&] { return !window.filterBar()->isRunning(); }) && save(window, dir, "flows-selection.png");
    }
    return ok ? 0 : 1;
}
