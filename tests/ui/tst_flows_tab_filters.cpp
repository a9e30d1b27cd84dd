// The Flows tab and the Events tab's filters together (-platform offscreen, a session
// written with the real SessionWriter): the From/To span reaches flows outside the
// events' span (and a session of imported flows without events has one); Clear gives
// the event table back the filter it had before a chart selection; a range changed
// while a selection is active keeps filtering the selection's flows.
#include "events_tab.h"
#include "filter_bar.h"
#include "flow_charts_panel.h"
#include "flows_tab.h"
#include "flows_tab_fixture.h"
#include "main_window.h"
#include "quick_filter_bar.h"
#include "workstation_fixture.h"

#include <QComboBox>
#include <QDateTimeEdit>
#include <QLabel>
#include <QRegularExpression>
#include <QSignalSpy>
#include <QTabWidget>
#include <QTemporaryDir>
#include <QTest>

#include <limits>

using namespace provscope;
using namespace provscope::test;

namespace {
constexpr uint64_t kDay = 86400 * kSecond;

int64_t epochSecond(int64_t bootNs)
{
    return (bootNs + kBootToEpochNs) / 1'000'000'000;
}
} // namespace

class TstFlowsTabFilters : public QObject {
    Q_OBJECT

private slots:
    void initTestCase();
    void init();
    void cleanup();
    void spanReachesTheFlows();
    void importedFlowsWithoutEventsHaveASpan();
    void clearRestoresTheEventFilter();
    void rangeChangeKeepsTheSelectionsFilter();
    void manyFlowsOneByOneOrApproximately();

private:
    void openFlowsTab(const QString &path);
    void waitForFilter();
    QTemporaryDir m_dir;
    QString m_session;
    std::unique_ptr<MainWindow> m_window;
};

void TstFlowsTabFilters::initTestCase()
{
    QStandardPaths::setTestModeEnabled(true);
    QVERIFY(m_dir.isValid());
    m_session = m_dir.filePath(QStringLiteral("flows.provscope"));
    const QString error = writeSession(m_session, clockOnlyMeta(), {flowBatch()}, kBase + 10 * kSecond);
    QVERIFY2(error.isEmpty(), qPrintable(error));
}

void TstFlowsTabFilters::init()
{
    m_window = std::make_unique<MainWindow>();
}

void TstFlowsTabFilters::cleanup()
{
    m_window.reset();
}

void TstFlowsTabFilters::openFlowsTab(const QString &path)
{
    showWithSession(*m_window, path);
    m_window->tabs()->setCurrentWidget(m_window->flowsTab());
    QTRY_VERIFY_WITH_TIMEOUT(m_window->flowsTab()->isLoaded() && !m_window->flowsTab()->isBusy(), 20000);
    QTRY_VERIFY(m_window->eventsTab()->quickFilterBar()->valuesLoaded());
}

void TstFlowsTabFilters::waitForFilter()
{
    QTest::qWait(50);
    QTRY_VERIFY_WITH_TIMEOUT(!m_window->filterBar()->isRunning(), 20000);
}

void TstFlowsTabFilters::spanReachesTheFlows()
{
    // Events over 10 s; one flow 4 s before the first event, one 400 days after.
    const QString path = m_dir.filePath(QStringLiteral("wide.provscope"));
    CaptureBatch batch = flowBatch();
    Flow early = makeFlow(10, kProtoUdp, "10.0.0.2", 5000, "10.0.0.9", 9, 100, 0, 0, 1000);
    early.firstNs = int64_t(kBase) - 4 * int64_t(kSecond);
    early.lastNs = early.firstNs + 1000;
    Flow late = makeFlow(11, kProtoTcp, "10.0.0.2", 5001, "10.0.0.9", 80, 500, 700, 400 * kDay, 400 * kDay + kSecond);
    batch.flows.push_back(early);
    batch.flows.push_back(late);
    QVERIFY(writeSession(path, clockOnlyMeta(), {batch}, kBase + 10 * kSecond).isEmpty());
    openFlowsTab(path);
    FlowsTab *tab = m_window->flowsTab();
    QuickFilterBar *quick = m_window->eventsTab()->quickFilterBar();
    QTRY_COMPARE(quick->spanSeconds(), std::make_pair(epochSecond(early.firstNs), epochSecond(late.lastNs)));
    QCOMPARE(quick->fromEdit()->dateTime().toSecsSinceEpoch(), epochSecond(early.firstNs));
    QCOMPARE(quick->toEdit()->dateTime().toSecsSinceEpoch(), epochSecond(late.lastNs));
    QVERIFY(!quick->hasTimeRange()); // widening is not narrowing
    QCOMPARE(tab->flowsInRangeCount(), size_t(6));
    // Flows over more than a day: First seen and the summary carry the date.
    QVERIFY2(QRegularExpression(QStringLiteral("^\\d{4}-\\d\\d-\\d\\d \\d\\d:"))
                 .match(text(tab->model(), 0, FlowTableModel::FirstSeen)).hasMatch(),
             qPrintable(text(tab->model(), 0, FlowTableModel::FirstSeen)));

    // A day bucket at the late flow, far outside the events: the range is that day
    // (its end is the span's), not clamped to the events' last second.
    FlowSelection bucket;
    bucket.kind = FlowSelection::Kind::TimeRange;
    bucket.minNs = late.firstNs;
    bucket.maxNs = late.firstNs + int64_t(kDay);
    bucket.label = "that day";
    emit tab->charts()->selectionRequested(bucket);
    QTRY_VERIFY(quick->hasTimeRange());
    QCOMPARE(quick->timeRange(), std::make_pair(epochOf(400 * kDay), std::numeric_limits<int64_t>::max()));
    QCOMPARE(keysInOrder(tab->model()), (std::vector<uint64_t>{11}));
    QCOMPARE(tab->flowsInRangeCount(), size_t(1));
    // And the early flow's second (the bucket's selection cleared).
    tab->clearSelection();
    quick->setTimeRange(early.firstNs + kBootToEpochNs, early.lastNs + kBootToEpochNs);
    QCOMPARE(quick->timeRange().first, std::numeric_limits<int64_t>::min()); // the span's start
    QTRY_COMPARE(tab->flowsInRangeCount(), size_t(1));
    QCOMPARE(keysInOrder(tab->model()), (std::vector<uint64_t>{10}));
}

void TstFlowsTabFilters::importedFlowsWithoutEventsHaveASpan()
{
    // pcap import into a new session: flows, no events. From/To were 1970 before.
    const QString path = m_dir.filePath(QStringLiteral("import.provscope"));
    CaptureBatch batch;
    batch.flows = flowBatch().flows;
    QVERIFY(writeSession(path, clockOnlyMeta(), {batch}, kBase + 10 * kSecond).isEmpty());
    openFlowsTab(path);
    FlowsTab *tab = m_window->flowsTab();
    QuickFilterBar *quick = m_window->eventsTab()->quickFilterBar();
    QCOMPARE(tab->model()->rowCount(), 4);
    QTRY_COMPARE(quick->fromEdit()->dateTime().toSecsSinceEpoch(), epochSecond(int64_t(kBase + kSecond)));
    QCOMPARE(quick->toEdit()->dateTime().toSecsSinceEpoch(), epochSecond(int64_t(kBase + 8 * kSecond + 500'000'000)));
    QVERIFY(!quick->hasTimeRange());
    // The range can be shared: seconds 5-6 hold the web flow only.
    quick->setTimeRange(epochOf(5 * kSecond), epochOf(7 * kSecond));
    QVERIFY(quick->hasTimeRange());
    QTRY_COMPARE(tab->flowsInRangeCount(), size_t(1));
    QCOMPARE(keysInOrder(tab->model()), (std::vector<uint64_t>{2}));
}

void TstFlowsTabFilters::clearRestoresTheEventFilter()
{
    openFlowsTab(m_session);
    FlowsTab *tab = m_window->flowsTab();
    FilterBar *bar = m_window->filterBar();
    const QString mine = QStringLiteral("proc.name == \"wget\"");
    bar->applyFilter(mine);
    waitForFilter();
    QCOMPARE(shownEvents(*m_window).size(), size_t(4));
    tab->applySelection(selection(FlowSelection::Kind::Protocol, "tcp", "protocol tcp"));
    QTRY_VERIFY(bar->appliedFilter().contains(QStringLiteral("\"93.184.216.34\"")));
    waitForFilter();
    QCOMPARE(shownEvents(*m_window).size(), size_t(5));
    // A second selection replaces the first; Clear still gives back the user's.
    tab->applySelection(selection(FlowSelection::Kind::Domain, "example.com", "domain example.com"));
    QTRY_VERIFY(!bar->appliedFilter().contains(QStringLiteral("8080")));
    waitForFilter();
    emit tab->findChild<QLabel *>(QStringLiteral("flowsBreadcrumb"))->linkActivated(QStringLiteral("clear"));
    QTRY_COMPARE(bar->appliedFilter(), mine);
    waitForFilter();
    QCOMPARE(shownEvents(*m_window),
             (std::multiset<QString>{"openat 2002", "sendto 2002", "connect 2002", "openat 2002"}));

    // No filter before: none after.
    bar->clear();
    tab->applySelection(selection(FlowSelection::Kind::Protocol, "udp", "protocol udp"));
    QTRY_VERIFY(bar->appliedFilter().contains(QStringLiteral("43000")));
    waitForFilter();
    tab->clearSelection();
    QTRY_VERIFY(bar->appliedFilter().isEmpty());
    waitForFilter();
    QCOMPARE(shownEvents(*m_window).size(), size_t(9));

    // A filter the user typed over the selection's stays at Clear.
    tab->applySelection(selection(FlowSelection::Kind::Protocol, "udp", "protocol udp"));
    QTRY_VERIFY(bar->appliedFilter().contains(QStringLiteral("43000")));
    bar->applyFilter(QStringLiteral("proc.pid == 2000"));
    tab->clearSelection();
    QCOMPARE(bar->appliedFilter(), QStringLiteral("proc.pid == 2000"));
}

void TstFlowsTabFilters::rangeChangeKeepsTheSelectionsFilter()
{
    openFlowsTab(m_session);
    FlowsTab *tab = m_window->flowsTab();
    FilterBar *bar = m_window->filterBar();
    QuickFilterBar *quick = m_window->eventsTab()->quickFilterBar();
    tab->applySelection(selection(FlowSelection::Kind::Protocol, "tcp", "protocol tcp"));
    QTRY_VERIFY(bar->appliedFilter().contains(QStringLiteral("8080")));
    waitForFilter();
    // Seconds 5-7: of the TCP flows only the web one; the event filter says so.
    quick->setTimeRange(epochOf(5 * kSecond), epochOf(8 * kSecond));
    QTRY_VERIFY(bar->appliedFilter().contains(QStringLiteral("\"93.184.216.34\""))
                && bar->appliedFilter().contains(QStringLiteral("evt.time"))
                && !bar->appliedFilter().contains(QStringLiteral("8080")));
    waitForFilter();
    QCOMPARE(shownEvents(*m_window), (std::multiset<QString>{"connect 2002"}));
    QCOMPARE(tab->breadcrumbText(), QStringLiteral("Showing flows with protocol tcp"));
    QCOMPARE(keysInOrder(tab->model()), (std::vector<uint64_t>{2}));
    // The user widens From to second 1 in the edit: both TCP flows' events again.
    quick->fromEdit()->setDateTime(QDateTime::fromSecsSinceEpoch(epochOf(kSecond) / 1'000'000'000));
    QTRY_VERIFY_WITH_TIMEOUT(bar->appliedFilter().contains(QStringLiteral("8080"))
                                 && bar->appliedFilter().contains(QStringLiteral("\"93.184.216.34\"")), 5000);
    waitForFilter();
    QCOMPARE(shownEvents(*m_window),
             (std::multiset<QString>{"connect 2000", "write 2000", "accept4 2001", "read 2001", "connect 2002"}));
    // Clear: the quick filters' range alone (it changed since the selection).
    tab->clearSelection();
    QTRY_COMPARE(bar->appliedFilter(), quick->expression());
    QVERIFY(bar->appliedFilter().startsWith(QStringLiteral("evt.time")));

    // A syscall quick filter replaces the selection's filter: the selection goes too
    // (no breadcrumb over events that are not its flows').
    tab->applySelection(selection(FlowSelection::Kind::Protocol, "udp", "protocol udp"));
    QTRY_VERIFY(bar->appliedFilter().contains(QStringLiteral("43000")));
    waitForFilter();
    QComboBox *syscall = quick->syscallCombo();
    const int openat = syscall->findText(QStringLiteral("openat"));
    QVERIFY(openat > 0);
    syscall->setCurrentIndex(openat);
    emit syscall->activated(openat);
    QTRY_VERIFY(!tab->selection());
    QVERIFY(tab->breadcrumbText().isEmpty());
    QCOMPARE(bar->appliedFilter(), quick->expression());
    QVERIFY(bar->appliedFilter().contains(QStringLiteral("evt.type == \"openat\"")));
}

void TstFlowsTabFilters::manyFlowsOneByOneOrApproximately()
{
    // 80 TCP flows fit the event filter one by one (exactly their sockets); 300 are
    // named by their addresses and ports, and the tab says "approximately".
    const QString path = m_dir.filePath(QStringLiteral("many.provscope"));
    CaptureBatch batch = flowBatch();
    batch.flows.clear();
    for (uint64_t i = 0; i < 300; ++i) {
        const std::string dst = "10.1.0." + std::to_string(i % 5 + 1);
        batch.flows.push_back(makeFlow(100 + i, i < 80 ? kProtoTcp : kProtoUdp, "10.0.0.2", uint16_t(20000 + i),
                                       dst.c_str(), 443, 1000 + i, 2000, kSecond + i * 1000, kSecond + i * 1000 + 500));
    }
    QVERIFY(writeSession(path, clockOnlyMeta(), {batch}, kBase + 10 * kSecond).isEmpty());
    FlowsTab tab;
    tab.setSession(path, false);
    QTRY_VERIFY_WITH_TIMEOUT(tab.isLoaded() && !tab.isBusy(), 20000);
    QSignalSpy filtered(&tab, &FlowsTab::eventFilterRequested);
    tab.applySelection(selection(FlowSelection::Kind::Protocol, "tcp", "protocol tcp"));
    QCOMPARE(filtered.count(), 1);
    const QString exact = filtered.at(0).at(0).toString();
    QVERIFY(exact.contains(QStringLiteral("fd.sport == 20079")));
    QVERIFY(!exact.contains(QStringLiteral("20080")));
    QVERIFY2(tab.messageText().isEmpty(), qPrintable(tab.messageText()));
    FlowSelection port = selection(FlowSelection::Kind::Port, "", "port 443");
    port.number = 443;
    tab.applySelection(port);
    QCOMPARE(filtered.count(), 2);
    QVERIFY(filtered.at(1).at(0).toString().startsWith(QStringLiteral("fd.sip in (")));
    QVERIFY2(tab.messageText().contains(QStringLiteral("approximately these 300 flows")), qPrintable(tab.messageText()));
}

QTEST_MAIN(TstFlowsTabFilters)
#include "tst_flows_tab_filters.moc"
