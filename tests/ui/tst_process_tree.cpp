// The Process tree tab on a session with fork, exec and pid reuse: what the rows
// show, search, selecting a process, the filters it hands to the Events tab (run
// there: process tree -> table), Show in Graph; and the details pane's ancestry
// and links.
#include "../models/process_tree_sample.h"
#include "event_details_view.h"
#include "event_table_model.h"
#include "events_tab.h"
#include "filter_bar.h"
#include "process_tree.h"
#include "process_tree_model.h"
#include "process_tree_tab.h"
#include "session_reader.h"
#include "task_progress.h"

#include <QAbstractItemModelTester>
#include <QLabel>
#include <QLineEdit>
#include <QMenu>
#include <QTimer>
#include <QPushButton>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTreeView>
#include <QtTest>

#include <set>

using namespace provscope;
using namespace provscope::test::tree;

class TstProcessTreeTab : public QObject {
    Q_OBJECT
private slots:
    void initTestCase();
    void modelIsConsistent();
    void rowsShowProcesses();
    void searchSelectsAndExpands();
    void selectProcessBeforeAndAfterLoading();
    void filterButtonsEmitExpressions();
    void processTreeFiltersTheTable_data();
    void processTreeFiltersTheTable();
    void showInGraph();
    void contextMenu();
    void progressAndCancel();
    void detailsShowAncestry();
    void detailsLinks();
    void screenshots();

private:
    void loadTab(ProcessTreeTab &tab);
    QModelIndex rowOf(ProcessTreeTab &tab, uint32_t pid, uint64_t start, int column = 0);
    Event eventOf(uint32_t pid, uint64_t start, const char *syscall);

    QTemporaryDir m_dir;
    QString m_path;
};

void TstProcessTreeTab::initTestCase()
{
    QVERIFY(m_dir.isValid());
    m_path = m_dir.filePath(QStringLiteral("tree.provscope"));
    const QString error = writeTreeSession(m_path);
    QVERIFY2(error.isEmpty(), qPrintable(error));
}

void TstProcessTreeTab::loadTab(ProcessTreeTab &tab)
{
    QSignalSpy ready(&tab, &ProcessTreeTab::treeReady);
    tab.setSession(m_path);
    QVERIFY(tab.isLoading());
    QVERIFY(ready.wait(10000));
    QVERIFY(tab.tree());
}

QModelIndex TstProcessTreeTab::rowOf(ProcessTreeTab &tab, uint32_t pid, uint64_t start, int column)
{
    return tab.model()->indexOfNode(tab.tree()->find(pid, start), column);
}

Event TstProcessTreeTab::eventOf(uint32_t pid, uint64_t start, const char *syscall)
{
    for (const Event &e : treeEvents()) {
        if (e.pid == pid && e.procStartNs == start && e.syscall == syscall) {
            auto reader = SessionReader::open(m_path.toStdString());
            EventFilter filter;
            filter.pid = pid;
            filter.procStartNs = start;
            filter.syscall = syscall;
            Event stored;
            (void)reader.value()->forEachEvent(filter, [&](const Event &got) {
                stored = got;
                return false;
            });
            return stored;
        }
    }
    return {};
}

void TstProcessTreeTab::modelIsConsistent()
{
    ProcessTreeModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    auto tree = ProcessTree::build(m_path.toStdString());
    QVERIFY(tree.ok());
    model.setTree(std::make_shared<const ProcessTree>(std::move(tree.value())));
    QCOMPARE(model.rowCount(), 2);
    // Walk everything (the tester checks each index it sees).
    int badParents = 0;
    std::function<int(const QModelIndex &)> count = [&](const QModelIndex &parent) {
        int n = 0;
        for (int r = 0; r < model.rowCount(parent); ++r) {
            const QModelIndex child = model.index(r, 0, parent);
            if (model.parent(child) != parent)
                ++badParents;
            for (int c = 0; c < model.columnCount(); ++c)
                (void)model.data(model.index(r, c, parent));
            n += 1 + count(child);
        }
        return n;
    };
    QCOMPARE(count({}), 8);
    QCOMPARE(badParents, 0);
    model.setTree(nullptr);
    QCOMPARE(model.rowCount(), 0);
}

void TstProcessTreeTab::rowsShowProcesses()
{
    ProcessTreeTab tab;
    QAbstractItemModelTester tester(tab.model(), QAbstractItemModelTester::FailureReportingMode::QtTest);
    loadTab(tab);
    ProcessTreeModel *model = tab.model();
    QCOMPARE(model->index(0, 0).data().toString(), QStringLiteral("sshd (500)"));
    QCOMPARE(model->index(1, 0).data().toString(), QStringLiteral("cron (2000)"));
    const QModelIndex bash = model->index(0, 0, model->index(0, 0));
    QCOMPARE(bash.data().toString(), QStringLiteral("bash (1000)"));
    QCOMPARE(model->index(0, 0, bash).data().toString(), QStringLiteral("make (1001)"));
    QCOMPARE(model->index(1, 0, bash).data().toString(), QStringLiteral("curl (1002)"));
    // Expanded to a useful depth on load.
    QVERIFY(tab.view()->isExpanded(bash));
    QVERIFY(tab.view()->isExpanded(model->index(0, 0, bash)));

    // cc exec'd a shell, then the compiler: both images.
    QCOMPARE(rowOf(tab, 1002, kCcStart, ProcessTreeModel::ColImage).data().toString(),
             QStringLiteral("/bin/sh → /usr/bin/cc"));
    QVERIFY(rowOf(tab, 1002, kCcStart, ProcessTreeModel::ColImage).data(Qt::ToolTipRole).toString()
                .contains(QStringLiteral("exec /bin/sh  sh -c cc -c main.c")));
    QCOMPARE(rowOf(tab, 1002, kCcStart, ProcessTreeModel::ColCommandLine).data().toString(),
             QStringLiteral("cc -c main.c"));
    // Lifetimes: ld exited 1 after 1.1 µs; curl still runs at the end of the capture.
    QCOMPARE(rowOf(tab, 1003, kLdStart, ProcessTreeModel::ColExit).data().toString(), QStringLiteral("1"));
    QVERIFY(rowOf(tab, 1003, kLdStart, ProcessTreeModel::ColEnd).data().toString().contains(QStringLiteral("(1 µs)")));
    QVERIFY(rowOf(tab, 1002, kCurlStart, ProcessTreeModel::ColEnd).data().toString()
                .startsWith(QStringLiteral("still running at end")));
    QCOMPARE(rowOf(tab, 1002, kCurlStart, ProcessTreeModel::ColExit).data().toString(), QString());
    QCOMPARE(rowOf(tab, 1004, kTeeStart, ProcessTreeModel::ColExit).data().toString(), QStringLiteral("SIGPIPE"));
    // Event counts: own and subtree.
    QCOMPARE(rowOf(tab, 1001, kMakeStart, ProcessTreeModel::ColEvents).data().toString(),
             QString::number(kMakeEvents));
    QCOMPARE(rowOf(tab, 1001, kMakeStart, ProcessTreeModel::ColSubtreeEvents).data().toString(),
             QString::number(kMakeEvents + kCcEvents + kLdEvents));
    // The reused pid and the missing parent are explained.
    QVERIFY(rowOf(tab, 1002, kCurlStart).data(Qt::ToolTipRole).toString()
                .contains(QStringLiteral("pid 1002 was used by 2 processes")));
    QVERIFY(model->index(1, 0).data(Qt::ToolTipRole).toString()
                .contains(QStringLiteral("its parent (pid 1999) is not in the session")));
    QVERIFY(tab.statusLabel()->text().startsWith(QStringLiteral("8 processes (2 without a recorded parent), 25 events")));
}

void TstProcessTreeTab::searchSelectsAndExpands()
{
    ProcessTreeTab tab;
    loadTab(tab);
    tab.view()->collapseAll();
    // By name: tee, deep down: selected and its ancestors expanded.
    tab.searchEdit()->setText(QStringLiteral("TEE"));
    QTest::keyClick(tab.searchEdit(), Qt::Key_Return);
    QCOMPARE(tab.currentNode(), tab.tree()->find(1004, kTeeStart));
    QVERIFY(tab.view()->isExpanded(rowOf(tab, 1002, kCurlStart)));
    QVERIFY(tab.view()->isExpanded(rowOf(tab, 500, kSshdStart)));
    // By pid: both instances of 1002 in turn, then around again.
    tab.searchEdit()->setText(QStringLiteral("1002"));
    QVERIFY(tab.findNext());
    QCOMPARE(tab.currentNode(), tab.tree()->find(1002, kCcStart));
    QVERIFY(tab.findNext());
    QCOMPARE(tab.currentNode(), tab.tree()->find(1002, kCurlStart));
    QVERIFY(tab.findNext());
    QCOMPARE(tab.currentNode(), tab.tree()->find(1002, kCcStart));
    // By command line and by an earlier exec image.
    tab.searchEdit()->setText(QStringLiteral("example.org"));
    QVERIFY(tab.findNext());
    QCOMPARE(tab.currentNode(), tab.tree()->find(1002, kCurlStart));
    tab.searchEdit()->setText(QStringLiteral("/bin/sh"));
    QVERIFY(tab.findNext());
    QCOMPARE(tab.currentNode(), tab.tree()->find(1002, kCcStart));
    // No match: said so, selection kept.
    tab.searchEdit()->setText(QStringLiteral("nosuchprocess"));
    QVERIFY(!tab.findNext());
    QCOMPARE(tab.currentNode(), tab.tree()->find(1002, kCcStart));
    QVERIFY(tab.statusLabel()->text().contains(QStringLiteral("No process matches")));
}

void TstProcessTreeTab::selectProcessBeforeAndAfterLoading()
{
    ProcessTreeTab tab;
    QSignalSpy ready(&tab, &ProcessTreeTab::treeReady);
    tab.setSession(m_path);
    // Asked while loading: done when the tree is there.
    QVERIFY(tab.selectProcess(1003, kLdStart));
    QVERIFY(ready.wait(10000));
    QCOMPARE(tab.currentNode(), tab.tree()->find(1003, kLdStart));
    QVERIFY(tab.selectProcess(1002)); // the latest instance
    QCOMPARE(tab.currentNode(), tab.tree()->find(1002, kCurlStart));
    QVERIFY(!tab.selectProcess(4242));
    QCOMPARE(tab.currentNode(), tab.tree()->find(1002, kCurlStart));
    // A rebuild keeps the selection.
    tab.refresh();
    QVERIFY(ready.wait(10000));
    QCOMPARE(tab.currentNode(), tab.tree()->find(1002, kCurlStart));
    // No session: nothing to show.
    tab.setSession(QString());
    QCOMPARE(tab.model()->rowCount(), 0);
    QVERIFY(!tab.filterProcessButton()->isEnabled());
}

void TstProcessTreeTab::filterButtonsEmitExpressions()
{
    ProcessTreeTab tab;
    loadTab(tab);
    QSignalSpy filters(&tab, &ProcessTreeTab::filterRequested);
    QVERIFY(tab.selectProcess(1003, kLdStart));
    QVERIFY(tab.filterProcessButton()->isEnabled());
    QVERIFY(!tab.filterSubtreeButton()->isEnabled()); // ld has no children
    QTest::mouseClick(tab.filterProcessButton(), Qt::LeftButton);
    QCOMPARE(filters.size(), 1);
    QCOMPARE(filters.last().at(0).toString(), QStringLiteral("proc.pid == 1003"));

    // A reused pid: bounded in time, and the tooltip and status say why.
    QVERIFY(tab.selectProcess(1002, kCcStart));
    QVERIFY(tab.filterProcessButton()->toolTip().contains(QStringLiteral("used by 2 processes")));
    QTest::mouseClick(tab.filterProcessButton(), Qt::LeftButton);
    QCOMPARE(filters.last().at(0).toString(),
             QStringLiteral("proc.pid == 1002 and evt.time < \"2026-11-22T09:00:00.000007900Z\""));
    QVERIFY(tab.statusLabel()->text().contains(QStringLiteral("time bounds")));

    QVERIFY(tab.selectProcess(1000, kBashStart));
    QVERIFY(tab.filterSubtreeButton()->isEnabled());
    QTest::mouseClick(tab.filterSubtreeButton(), Qt::LeftButton);
    QCOMPARE(filters.last().at(0).toString(), QStringLiteral("(proc.pid >= 1000 and proc.pid <= 1004)"));
    // Double-click filters to the process.
    tab.resize(1000, 500);
    tab.show();
    QVERIFY(QTest::qWaitForWindowExposed(&tab));
    const QRect rect = tab.view()->visualRect(rowOf(tab, 2000, kCronStart));
    QVERIFY(rect.isValid());
    QTest::mousePress(tab.view()->viewport(), Qt::LeftButton, {}, rect.center());
    QTest::mouseRelease(tab.view()->viewport(), Qt::LeftButton, {}, rect.center());
    QTest::mouseDClick(tab.view()->viewport(), Qt::LeftButton, {}, rect.center());
    QCOMPARE(filters.last().at(0).toString(), QStringLiteral("proc.pid == 2000"));
}

void TstProcessTreeTab::processTreeFiltersTheTable_data()
{
    QTest::addColumn<uint>("pid");
    QTest::addColumn<qulonglong>("start");
    QTest::addColumn<bool>("subtree");
    QTest::addColumn<int>("rows");
    QTest::addRow("cc (reused pid)") << 1002u << qulonglong(kCcStart) << false << kCcEvents;
    QTest::addRow("curl (reused pid)") << 1002u << qulonglong(kCurlStart) << false << kCurlEvents;
    QTest::addRow("make subtree") << 1001u << qulonglong(kMakeStart) << true
                                  << kMakeEvents + kCcEvents + kLdEvents;
    QTest::addRow("curl subtree") << 1002u << qulonglong(kCurlStart) << true << kCurlEvents + kTeeEvents;
    QTest::addRow("sshd subtree") << 500u << qulonglong(kSshdStart) << true << kAllEvents - kCronEvents;
}

void TstProcessTreeTab::processTreeFiltersTheTable()
{
    QFETCH(uint, pid);
    QFETCH(qulonglong, start);
    QFETCH(bool, subtree);
    QFETCH(int, rows);
    // The tab's request goes to the Events tab's filter bar, as the main window wires it.
    EventsTab events;
    auto reader = SessionReader::open(m_path.toStdString());
    QVERIFY(reader.ok());
    events.setReader(std::shared_ptr<SessionReader>(std::move(reader.value())), m_path);
    ProcessTreeTab tab;
    connect(&tab, &ProcessTreeTab::filterRequested, &events, [&](const QString &expression) {
        events.filterBar()->lineEdit()->setText(expression);
        events.filterBar()->apply();
    });
    loadTab(tab);
    QVERIFY(tab.selectProcess(pid, start));
    if (subtree)
        tab.filterToSubtree();
    else
        tab.filterToProcess();
    QTRY_VERIFY(!events.filterBar()->isRunning());
    EventTableModel *model = events.model();
    QTRY_COMPARE(model->rowCount(), rows);
    // Every row belongs to the process (or the subtree), by identity, not just pid.
    std::set<std::pair<uint32_t, uint64_t>> members;
    const int node = tab.tree()->find(pid, start);
    for (int i : subtree ? tab.tree()->subtree(node) : std::vector<int>{node})
        members.insert({tab.tree()->nodes()[size_t(i)].info.pid, tab.tree()->nodes()[size_t(i)].info.startNs});
    for (int r = 0; r < model->rowCount(); ++r) {
        const Event *e = model->eventAt(r);
        QVERIFY(e);
        QVERIFY2(members.count({e->pid, e->procStartNs}), qPrintable(QString::number(e->id)));
    }
}

void TstProcessTreeTab::showInGraph()
{
    ProcessTreeTab tab;
    loadTab(tab);
    QSignalSpy graph(&tab, &ProcessTreeTab::graphRequested);
    QVERIFY(tab.selectProcess(1002, kCcStart));
    QTest::mouseClick(tab.graphButton(), Qt::LeftButton);
    QCOMPARE(graph.size(), 1);
    const auto poi = graph.last().at(0).value<PointOfInterest>();
    QCOMPARE(poi.kind, PointOfInterest::Kind::Process);
    QCOMPARE(poi.pid, 1002u);
    QCOMPARE(poi.startNs, kCcStart);
    QVERIFY(poi.hasStart);
}

void TstProcessTreeTab::contextMenu()
{
    ProcessTreeTab tab;
    loadTab(tab);
    tab.resize(1000, 500);
    tab.show();
    QVERIFY(QTest::qWaitForWindowExposed(&tab));
    QSignalSpy filters(&tab, &ProcessTreeTab::filterRequested);
    // Right-click on make: the menu offers the three actions; choose the subtree.
    const QRect rect = tab.view()->visualRect(rowOf(tab, 1001, kMakeStart));
    QStringList offered;
    QTimer::singleShot(0, &tab, [&] {
        auto *menu = qobject_cast<QMenu *>(QApplication::activePopupWidget());
        if (!menu)
            return;
        for (QAction *action : menu->actions()) {
            if (!action->isSeparator())
                offered << action->text();
            if (action->text() == QStringLiteral("Filter Events to This Subtree"))
                action->trigger();
        }
        menu->close();
    });
    emit tab.view()->customContextMenuRequested(rect.center());
    QCOMPARE(offered, (QStringList{QStringLiteral("Filter Events to This Process"),
                                   QStringLiteral("Filter Events to This Subtree"), QStringLiteral("Show in Graph"),
                                   QStringLiteral("Expand Subtree"), QStringLiteral("Collapse Subtree")}));
    QCOMPARE(tab.currentNode(), tab.tree()->find(1001, kMakeStart)); // the clicked row
    QCOMPARE(filters.size(), 1);
    QCOMPARE(filters.last().at(0).toString(),
             QStringLiteral("proc.pid in (1001, 1003) or (proc.pid == 1002 and evt.time < \"2026-11-22T09:00:00.000007900Z\")"));
}

void TstProcessTreeTab::progressAndCancel()
{
    TaskProgress progress;
    ProcessTreeTab tab;
    tab.setTaskProgress(&progress);
    QSignalSpy ready(&tab, &ProcessTreeTab::treeReady);
    tab.setSession(m_path);
    QVERIFY(progress.isBusy());
    QVERIFY(progress.currentText().contains(QStringLiteral("process tree")));
    QVERIFY(ready.wait(10000));
    QVERIFY(!progress.isBusy());
    // Cancel from the status bar: the build stops, the tab says so.
    tab.refresh();
    QVERIFY(progress.isBusy());
    tab.cancelAndWait();
    QVERIFY(!progress.isBusy());
    QVERIFY(!tab.isLoading());
}

void TstProcessTreeTab::detailsShowAncestry()
{
    auto reader = SessionReader::open(m_path.toStdString());
    QVERIFY(reader.ok());
    EventDetailsView details;
    // tee's parent is the second 1002 (curl), not cc: pid reuse resolved by start time.
    details.displayEvent(eventOf(1004, kTeeStart, "write"), kBootToEpochNs, reader.value().get());
    QCOMPARE(details.ancestry(), (QStringList{QStringLiteral("tee (1004)"), QStringLiteral("curl (1002)"),
                                              QStringLiteral("bash (1000)"), QStringLiteral("sshd (500)")}));
    // sshd's parent (pid 1) was not recorded: said so.
    QCOMPARE(details.valueOf(QStringLiteral("(pid 1)")), QStringLiteral("not recorded in this session"));
    QVERIFY(details.linkItem(QStringLiteral("bash (1000)"))->text(1).contains(QStringLiteral("/usr/bin/bash")));
    // The old fields are still there.
    QCOMPARE(details.valueOf(QStringLiteral("Syscall")), QStringLiteral("write"));
    QCOMPARE(details.valueOf(QStringLiteral("Executable")), QStringLiteral("/usr/bin/tee"));
    QVERIFY2(details.valueOf(QStringLiteral("Exited")).endsWith(QStringLiteral(", killed by SIGPIPE")),
             qPrintable(details.valueOf(QStringLiteral("Exited"))));
    details.displayEvent(eventOf(1002, kCcStart, "openat"), kBootToEpochNs, reader.value().get());
    QCOMPARE(details.ancestry(), (QStringList{QStringLiteral("cc (1002)"), QStringLiteral("make (1001)"),
                                              QStringLiteral("bash (1000)"), QStringLiteral("sshd (500)")}));
    details.clearEvent();
    QVERIFY(details.ancestry().isEmpty());
    QVERIFY(!details.linkItem(QStringLiteral("Show in Process Tree")));
}

void TstProcessTreeTab::detailsLinks()
{
    auto reader = SessionReader::open(m_path.toStdString());
    QVERIFY(reader.ok());
    EventDetailsView details;
    details.resize(700, 600);
    details.show();
    QVERIFY(QTest::qWaitForWindowExposed(&details));
    details.displayEvent(eventOf(1004, kTeeStart, "write"), kBootToEpochNs, reader.value().get());
    QSignalSpy process(&details, &EventDetailsView::showProcessRequested);
    QSignalSpy graph(&details, &EventDetailsView::showGraphRequested);
    auto click = [&](const QString &label) {
        QTreeWidgetItem *item = details.linkItem(label);
        QVERIFY2(item, qPrintable(label));
        details.scrollToItem(item);
        QTest::mouseClick(details.viewport(), Qt::LeftButton, {}, details.visualItemRect(item).center());
    };
    click(QStringLiteral("Show in Process Tree"));
    QCOMPARE(process.size(), 1);
    QCOMPARE(process.last().at(0).toUInt(), 1004u);
    QCOMPARE(process.last().at(1).toULongLong(), kTeeStart);
    click(QStringLiteral("bash (1000)"));
    QCOMPARE(process.size(), 2);
    QCOMPARE(process.last().at(0).toUInt(), 1000u);
    QCOMPARE(process.last().at(1).toULongLong(), kBashStart);
    click(QStringLiteral("Show in Graph"));
    QCOMPARE(graph.size(), 1);
    auto poi = graph.last().at(0).value<PointOfInterest>();
    QCOMPARE(poi.kind, PointOfInterest::Kind::Process);
    QCOMPARE(poi.pid, 1004u);
    QCOMPARE(poi.startNs, kTeeStart);
    click(QStringLiteral("Show File in Graph"));
    QCOMPARE(graph.size(), 2);
    poi = graph.last().at(0).value<PointOfInterest>();
    QCOMPARE(poi.kind, PointOfInterest::Kind::File);
    QCOMPARE(poi.path, std::string("/tmp/log"));
    // A plain field is not a link.
    click(QStringLiteral("Show in Process Tree")); // still works after other clicks
    QCOMPARE(process.size(), 3);
    // An event without a file offers no file link.
    details.displayEvent(eventOf(1002, kCurlStart, "connect"), kBootToEpochNs, reader.value().get());
    QVERIFY(!details.linkItem(QStringLiteral("Show File in Graph")));
}

void TstProcessTreeTab::screenshots()
{
    const QString dir = qEnvironmentVariable("PROVSCOPE_SCREENSHOT_DIR");
    if (dir.isEmpty())
        QSKIP("set PROVSCOPE_SCREENSHOT_DIR to save screenshots");
    ProcessTreeTab tab;
    tab.resize(1280, 800);
    const QString session = qEnvironmentVariable("PROVSCOPE_SCREENSHOT_SESSION", m_path);
    QSignalSpy ready(&tab, &ProcessTreeTab::treeReady);
    tab.setSession(session);
    QVERIFY(ready.wait(60000));
    tab.show();
    QVERIFY(QTest::qWaitForWindowExposed(&tab));
    if (session == m_path)
        QVERIFY(tab.selectProcess(1002, kCcStart));
    else
        tab.view()->setCurrentIndex(tab.model()->index(0, 0));
    QVERIFY(tab.grab().save(dir + QStringLiteral("/process_tree_tab.png")));

    auto reader = SessionReader::open(m_path.toStdString());
    EventDetailsView details;
    details.resize(1280, 800);
    details.displayEvent(eventOf(1004, kTeeStart, "write"), kBootToEpochNs, reader.value().get());
    details.show();
    QVERIFY(QTest::qWaitForWindowExposed(&details));
    QVERIFY(details.grab().save(dir + QStringLiteral("/event_details.png")));
}

QTEST_MAIN(TstProcessTreeTab)
#include "tst_process_tree.moc"
