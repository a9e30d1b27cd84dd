// The workstation's Flows tab under -platform offscreen, on a session written with the
// real SessionWriter (processes, socket events, flows and DNS): the table's rows and
// default order, a header click, the process/peer/domain columns as attributed by the
// store; a chart selection filters the table and the event table (which then shows
// exactly the socket events of those flows); the Events tab's time range restricts
// the flows and the charts, a time bucket sets it; a 1.2 session says it has no
// network capture.
#include "event_table_model.h"
#include "events_tab.h"
#include "filter_bar.h"
#include "flow_charts_panel.h"
#include "flow_table_model.h"
#include "flows_tab.h"
#include "main_window.h"
#include "quick_filter_bar.h"
#include "flows_tab_fixture.h"
#include "workstation_fixture.h"

#include <QDateTimeEdit>
#include <QHeaderView>
#include <QLabel>
#include <QTabWidget>
#include <QTableView>
#include <QTemporaryDir>
#include <QSignalSpy>
#include <QTest>

#include <sqlite3.h>

#include <set>

using namespace provscope;
using namespace provscope::test;


class TstFlowsTab : public QObject {
    Q_OBJECT

private slots:
    void initTestCase();
    void init();
    void cleanup();
    void tableRowsAndDefaultOrder();
    void headerClickSorts();
    void chartSelectionFiltersTableAndEvents();
    void eventsTimeRangeRestrictsFlowsAndCharts();
    void timeBucketSetsTheEventRange();
    void doubleClickShowsTheFlowsEvents();
    void sessionWithoutNetworkSaysSo();
    void liveSessionGrows();
    void tooManyFlowsForAnEventFilter();

private:
    void openFlowsTab(const QString &path);
    QTemporaryDir m_dir;
    QString m_session;
    std::unique_ptr<MainWindow> m_window;
};

void TstFlowsTab::initTestCase()
{
    QStandardPaths::setTestModeEnabled(true);
    QVERIFY(m_dir.isValid());
    m_session = m_dir.filePath(QStringLiteral("flows.provscope"));
    const QString error = writeSession(m_session, clockOnlyMeta(), {flowBatch()}, kBase + 10 * kSecond);
    QVERIFY2(error.isEmpty(), qPrintable(error));
}

void TstFlowsTab::init()
{
    m_window = std::make_unique<MainWindow>();
}

void TstFlowsTab::cleanup()
{
    m_window.reset();
}

void TstFlowsTab::openFlowsTab(const QString &path)
{
    showWithSession(*m_window, path);
    m_window->tabs()->setCurrentWidget(m_window->flowsTab());
    QTRY_VERIFY_WITH_TIMEOUT(m_window->flowsTab()->isLoaded() && !m_window->flowsTab()->isBusy(), 20000);
    // The quick filters have the session's span before a test narrows it.
    QTRY_VERIFY(m_window->eventsTab()->quickFilterBar()->valuesLoaded());
}

void TstFlowsTab::tableRowsAndDefaultOrder()
{
    openFlowsTab(m_session);
    FlowsTab *tab = m_window->flowsTab();
    QCOMPARE(m_window->tabs()->tabText(m_window->tabs()->indexOf(tab)), QStringLiteral("Flows"));
    QCOMPARE(m_window->tabs()->indexOf(tab), m_window->tabs()->indexOf(m_window->eventsTab()) + 1);
    const FlowTableModel *model = tab->model();
    QCOMPARE(tab->table()->model(), model);
    // Top flows by bytes: 93,000, 25,000, 300, 240.
    QCOMPARE(keysInOrder(model), (std::vector<uint64_t>{2, 1, 3, 4}));
    QCOMPARE(tab->table()->horizontalHeader()->sortIndicatorSection(), int(FlowTableModel::Bytes));
    QCOMPARE(text(model, 0, FlowTableModel::Bytes), QLocale().toString(93000));
    QCOMPARE(text(model, 0, FlowTableModel::Domain), QStringLiteral("example.com"));
    QCOMPARE(text(model, 0, FlowTableModel::Destination), QStringLiteral("93.184.216.34"));
    // Attributed by the store from the socket events (exact 5-tuple), both ends of
    // the local connection; the mDNS flow has no socket event: unattributed.
    QCOMPARE(text(model, 0, FlowTableModel::Process), QStringLiteral("wget (2002)"));
    QCOMPARE(text(model, 1, FlowTableModel::Process), QStringLiteral("curl (2000)"));
    QCOMPARE(text(model, 1, FlowTableModel::PeerProcess), QStringLiteral("python3 (2001)"));
    QCOMPARE(text(model, 2, FlowTableModel::Process), QStringLiteral("unattributed"));
    QCOMPARE(text(model, 3, FlowTableModel::Process), QStringLiteral("wget (2002)"));
    QCOMPARE(text(model, 1, FlowTableModel::TcpFlags), QStringLiteral("SYN ACK FIN"));
    QCOMPARE(text(model, 1, FlowTableModel::Duration), QStringLiteral("1.000 s"));
    QCOMPARE(tab->flowsInRangeCount(), size_t(4)); // the charts get every flow
    QVERIFY(tab->messageText().isEmpty());
    QCOMPARE(tab->findChild<QLabel *>(QStringLiteral("flowsSummary"))->text(), QStringLiteral("4 flows"));
    // The time column follows the event table's format.
    m_window->eventsTab()->timeFormatActions().at(1)->trigger(); // seconds since the first event
    QCOMPARE(text(model, 1, FlowTableModel::FirstSeen), QStringLiteral("+1.000000 s"));
}

void TstFlowsTab::headerClickSorts()
{
    openFlowsTab(m_session);
    FlowsTab *tab = m_window->flowsTab();
    QHeaderView *header = tab->table()->horizontalHeader();
    const int x = header->sectionViewportPosition(FlowTableModel::DestinationPort) + header->sectionSize(FlowTableModel::DestinationPort) / 2;
    QTest::mouseClick(header->viewport(), Qt::LeftButton, {}, QPoint(x, header->height() / 2));
    QCOMPARE(tab->model()->sortColumn(), int(FlowTableModel::DestinationPort));
    std::vector<uint64_t> expected{4, 2, 3, 1}; // 53, 443, 5353, 8080: numbers, not text
    if (tab->model()->sortOrder() == Qt::DescendingOrder)
        std::reverse(expected.begin(), expected.end());
    QCOMPARE(keysInOrder(tab->model()), expected);
    QTest::mouseClick(header->viewport(), Qt::LeftButton, {}, QPoint(x, header->height() / 2));
    std::reverse(expected.begin(), expected.end());
    QCOMPARE(keysInOrder(tab->model()), expected);
}

void TstFlowsTab::chartSelectionFiltersTableAndEvents()
{
    openFlowsTab(m_session);
    FlowsTab *tab = m_window->flowsTab();
    // A click on the "tcp" slice: the table shows the two TCP flows ...
    emit tab->charts()->selectionRequested(selection(FlowSelection::Kind::Protocol, "tcp", "protocol tcp"));
    QTRY_COMPARE(tab->model()->rowCount(), 2);
    QCOMPARE(keysInOrder(tab->model()), (std::vector<uint64_t>{2, 1}));
    QCOMPARE(tab->breadcrumbText(), QStringLiteral("Showing flows with protocol tcp"));
    QVERIFY(tab->findChild<QLabel *>(QStringLiteral("flowsBreadcrumb"))->isVisible());
    QCOMPARE(m_window->tabs()->currentWidget(), tab); // the tab stays in front
    // ... and the event table exactly their socket events, from both ends.
    QTRY_VERIFY(!m_window->filterBar()->appliedFilter().isEmpty());
    QTRY_VERIFY_WITH_TIMEOUT(!m_window->filterBar()->isRunning(), 20000);
    QVERIFY(m_window->filterBar()->appliedFilter().contains(QStringLiteral("\"93.184.216.34\"")));
    QCOMPARE(shownEvents(*m_window),
             (std::multiset<QString>{"connect 2000", "write 2000", "accept4 2001", "read 2001", "connect 2002"}));

    // Domain: the breadcrumb reads as the brief's example; the DNS query is not in it.
    emit tab->charts()->selectionRequested(selection(FlowSelection::Kind::Domain, "example.com", "domain example.com"));
    QTRY_COMPARE(tab->model()->rowCount(), 1);
    QCOMPARE(tab->breadcrumbText(), QStringLiteral("Showing flows to domain example.com"));
    QTRY_VERIFY_WITH_TIMEOUT(!m_window->filterBar()->isRunning()
                                 && !m_window->filterBar()->appliedFilter().contains(QStringLiteral("8080")), 20000);
    QCOMPARE(shownEvents(*m_window), (std::multiset<QString>{"connect 2002"}));

    // One flow (the table's "Only This Flow"): the DNS query, seen from wget's socket.
    FlowSelection one;
    one.kind = FlowSelection::Kind::Flow;
    one.number = 4;
    one.label = "UDP 10.0.0.2:43000 → 10.0.0.1:53";
    tab->applySelection(one);
    QCOMPARE(keysInOrder(tab->model()), (std::vector<uint64_t>{4}));
    QCOMPARE(tab->breadcrumbText(), QStringLiteral("Showing the flow UDP 10.0.0.2:43000 → 10.0.0.1:53"));
    QTRY_VERIFY_WITH_TIMEOUT(!m_window->filterBar()->isRunning()
                                 && m_window->filterBar()->appliedFilter().contains(QStringLiteral("43000")), 20000);
    QCOMPARE(shownEvents(*m_window), (std::multiset<QString>{"sendto 2002"}));

    // Clear (the breadcrumb's link): every flow again.
    emit tab->findChild<QLabel *>(QStringLiteral("flowsBreadcrumb"))->linkActivated(QStringLiteral("clear"));
    QCOMPARE(tab->model()->rowCount(), 4);
    QVERIFY(tab->breadcrumbText().isEmpty());
}

void TstFlowsTab::eventsTimeRangeRestrictsFlowsAndCharts()
{
    openFlowsTab(m_session);
    FlowsTab *tab = m_window->flowsTab();
    QuickFilterBar *quick = m_window->eventsTab()->quickFilterBar();
    // The user narrows the Events tab's From/To to seconds 4 and 5 (to the end of 5).
    quick->fromEdit()->setDateTime(QDateTime::fromMSecsSinceEpoch(epochOf(4 * kSecond) / 1000000));
    quick->toEdit()->setDateTime(QDateTime::fromMSecsSinceEpoch(epochOf(5 * kSecond) / 1000000));
    // Flows active in [4 s, 6 s): the DNS query and the example.com connection.
    QTRY_COMPARE(tab->model()->rowCount(), 2);
    QCOMPARE(keysInOrder(tab->model()), (std::vector<uint64_t>{2, 4}));
    QCOMPARE(tab->flowsInRangeCount(), size_t(2)); // what the charts show
    QVERIFY(tab->findChild<QLabel *>(QStringLiteral("flowsSummary"))->text().startsWith(QStringLiteral("2 of 4 flows")));
    // A chart selection inside the range keeps the range for the events too.
    emit tab->charts()->selectionRequested(selection(FlowSelection::Kind::Protocol, "udp", "protocol udp"));
    QTRY_COMPARE(tab->model()->rowCount(), 1);
    QTRY_VERIFY_WITH_TIMEOUT(m_window->filterBar()->appliedFilter().contains(QStringLiteral("fd.dport == 53"))
                                 && !m_window->filterBar()->isRunning(), 20000);
    QVERIFY(m_window->filterBar()->appliedFilter().contains(QStringLiteral("evt.time >=")));
    QVERIFY(quick->hasTimeRange()); // the quick filter still shows the range
    QCOMPARE(shownEvents(*m_window), (std::multiset<QString>{"sendto 2002"}));
    QCOMPARE(tab->flowsInRangeCount(), size_t(2));

    // A range without flows (second 3) says so.
    quick->setTimeRange(epochOf(3 * kSecond), epochOf(4 * kSecond));
    QTRY_COMPARE(tab->flowsInRangeCount(), size_t(0));
    QCOMPARE(tab->model()->rowCount(), 0);
    QCOMPARE(tab->messageText(), QStringLiteral("No flows in this range."));
    QVERIFY(tab->findChild<QLabel *>(QStringLiteral("flowsMessage"))->isVisible());
    // "All times" in the tab's summary: the whole session again, in both tabs.
    QLabel *summary = tab->findChild<QLabel *>(QStringLiteral("flowsSummary"));
    QVERIFY(summary->text().contains(QStringLiteral("href=\"range\"")));
    emit summary->linkActivated(QStringLiteral("range"));
    QTRY_COMPARE(tab->flowsInRangeCount(), size_t(4));
    QVERIFY(!quick->hasTimeRange());
    QVERIFY(!summary->text().contains(QStringLiteral("href")));
    // The quick filters' Clear does the same.
    quick->setTimeRange(epochOf(3 * kSecond), epochOf(4 * kSecond));
    QTRY_COMPARE(tab->flowsInRangeCount(), size_t(0));
    quick->clearFilters();
    QTRY_COMPARE(tab->flowsInRangeCount(), size_t(4));
}

void TstFlowsTab::timeBucketSetsTheEventRange()
{
    openFlowsTab(m_session);
    FlowsTab *tab = m_window->flowsTab();
    QuickFilterBar *quick = m_window->eventsTab()->quickFilterBar();
    // A traffic-over-time bucket [1.0 s, 1.5 s): the table shows the flow active in
    // it; the shared range becomes that second (the quick filter counts in seconds).
    FlowSelection bucket;
    bucket.kind = FlowSelection::Kind::TimeRange;
    bucket.minNs = int64_t(kBase + kSecond);
    bucket.maxNs = int64_t(kBase + kSecond + 500'000'000);
    bucket.label = "10:00:01.0 – 10:00:01.5";
    emit tab->charts()->selectionRequested(bucket);
    QTRY_VERIFY(quick->hasTimeRange());
    QCOMPARE(quick->timeRange(), std::make_pair(epochOf(kSecond), epochOf(2 * kSecond)));
    QCOMPARE(keysInOrder(tab->model()), (std::vector<uint64_t>{1}));
    QCOMPARE(tab->flowsInRangeCount(), size_t(1)); // the charts zoom into the range
    QVERIFY(tab->breadcrumbText().startsWith(QStringLiteral("Showing flows active in")));
    QTRY_VERIFY_WITH_TIMEOUT(m_window->filterBar()->appliedFilter() == quick->expression()
                                 && !m_window->filterBar()->isRunning(), 20000);
    QCOMPARE(shownEvents(*m_window),
             (std::multiset<QString>{"connect 2000", "write 2000", "accept4 2001", "read 2001"}));
}

void TstFlowsTab::doubleClickShowsTheFlowsEvents()
{
    openFlowsTab(m_session);
    FlowsTab *tab = m_window->flowsTab();
    QTableView *table = tab->table();
    const int row = tab->model()->rowOfKey(1);
    const QRect cell = table->visualRect(tab->model()->index(row, FlowTableModel::Destination));
    QVERIFY(cell.isValid());
    QTest::mouseClick(table->viewport(), Qt::LeftButton, {}, cell.center()); // a user presses first
    QTest::mouseDClick(table->viewport(), Qt::LeftButton, {}, cell.center());
    QTRY_COMPARE(m_window->tabs()->currentWidget(), static_cast<QWidget *>(m_window->eventsTab()));
    QTRY_VERIFY_WITH_TIMEOUT(!m_window->filterBar()->appliedFilter().isEmpty() && !m_window->filterBar()->isRunning(),
                             20000);
    QCOMPARE(shownEvents(*m_window),
             (std::multiset<QString>{"connect 2000", "write 2000", "accept4 2001", "read 2001"}));

    // Enter on a selected row does the same.
    m_window->tabs()->setCurrentWidget(tab);
    table->setFocus();
    table->selectRow(tab->model()->rowOfKey(4));
    QTest::keyClick(table, Qt::Key_Return);
    QCOMPARE(m_window->tabs()->currentWidget(), static_cast<QWidget *>(m_window->eventsTab()));
    QTRY_VERIFY_WITH_TIMEOUT(m_window->filterBar()->appliedFilter().contains(QStringLiteral("43000"))
                                 && !m_window->filterBar()->isRunning(), 20000);
    QCOMPARE(shownEvents(*m_window), (std::multiset<QString>{"sendto 2002"}));
}

void TstFlowsTab::sessionWithoutNetworkSaysSo()
{
    // A 1.2 session (no flow tables) and a new one recorded without packet capture.
    const QString older = m_dir.filePath(QStringLiteral("v12.provscope"));
    QVERIFY(writeFixtureSession(older).isEmpty());
    QVERIFY(execSql(older, "DROP TABLE flows; DROP TABLE dns; DELETE FROM meta WHERE key IN ('flow_count', 'dns_count');"
                           " UPDATE meta SET value = '1.2' WHERE key = 'format_version'; PRAGMA journal_mode = DELETE;"));
    openFlowsTab(older);
    FlowsTab *tab = m_window->flowsTab();
    QVERIFY2(tab->messageText().startsWith(QStringLiteral("This session has no network capture")),
             qPrintable(tab->messageText()));
    QVERIFY(tab->messageText().contains(QStringLiteral("1.2")));
    QLabel *page = tab->findChild<QLabel *>(QStringLiteral("flowsNoNetwork"));
    QVERIFY(page->isVisible());
    QCOMPARE(page->text(), tab->messageText());
    QVERIFY(!tab->table()->isVisible());

    const QString none = m_dir.filePath(QStringLiteral("nonet.provscope"));
    QVERIFY(writeFixtureSession(none).isEmpty());
    QVERIFY(m_window->openSession(none));
    QTRY_VERIFY_WITH_TIMEOUT(tab->isLoaded() && !tab->isBusy(), 20000);
    QVERIFY2(tab->messageText().startsWith(QStringLiteral("This session has no network capture")),
             qPrintable(tab->messageText()));
    QVERIFY(page->isVisible());
    // And back to a session with flows: the table again.
    QVERIFY(m_window->openSession(m_session));
    QTRY_VERIFY_WITH_TIMEOUT(tab->isLoaded() && tab->model()->rowCount() == 4, 20000);
    QVERIFY(tab->table()->isVisible());
    QVERIFY(!page->isVisible());
}

void TstFlowsTab::liveSessionGrows()
{
    // A recording: the writer appends; the visible tab reads the flows again on its
    // own (every few seconds), a flow's later version replacing the earlier one.
    const QString path = m_dir.filePath(QStringLiteral("live.provscope"));
    auto writer = SessionWriter::create(path.toStdString(), clockOnlyMeta());
    QVERIFY2(writer, writer.ok() ? "" : writer.error().c_str());
    CaptureBatch all = flowBatch();
    CaptureBatch first = all;
    first.flows = {all.flows[0]};
    first.flows[0].bytesIn = 1000;
    first.flows[0].ended = false;
    first.dnsRecords.clear();
    CaptureBatch eventsOnly = first;
    eventsOnly.flows.clear();
    first.processes.clear();
    first.events.clear();
    QVERIFY(writer.value()->append(eventsOnly).ok());
    FlowsTab tab;
    tab.resize(1000, 700);
    tab.show();
    QVERIFY(QTest::qWaitForWindowExposed(&tab));
    tab.setSession(path, true);
    // No flow yet: a recording says so, not "no network capture".
    QTRY_VERIFY_WITH_TIMEOUT(tab.isLoaded() && !tab.isBusy(), 20000);
    QVERIFY2(tab.messageText().startsWith(QStringLiteral("No network flows recorded yet")), qPrintable(tab.messageText()));
    QVERIFY(tab.table()->isVisible());
    QVERIFY(writer.value()->append(first).ok());
    QTRY_VERIFY_WITH_TIMEOUT(tab.model()->rowCount() == 1, 10000);
    QVERIFY(tab.messageText().isEmpty());
    QCOMPARE(tab.model()->flowAt(0).bytes(), 6000ULL);

    CaptureBatch second;
    second.flows = {all.flows[0], all.flows[1], all.flows[2]}; // flow 1 again: its final version
    second.dnsRecords = all.dnsRecords;
    QVERIFY(writer.value()->append(second).ok());
    QTRY_VERIFY_WITH_TIMEOUT(tab.model()->rowCount() == 3, 10000); // no refresh() call: the live timer
    // Reads are spaced by 3 s at least (twice a slow read's time).
    QVERIFY(tab.liveRefreshIntervalMs() >= 3000);
    QCOMPARE(tab.model()->flowAt(tab.model()->rowOfKey(1)).bytes(), 25000ULL);
    QCOMPARE(keysInOrder(tab.model()), (std::vector<uint64_t>{2, 1, 3}));

    // The recording ends (the main window reopens the session as finished): the reader
    // lets go, the writer finishes.
    tab.setSession(path, false);
    tab.cancelAndWait();
    QVERIFY(writer.value()->finish(kBase + 10 * kSecond).ok());
}

void TstFlowsTab::tooManyFlowsForAnEventFilter()
{
    // 3,000 flows to as many addresses: their sockets would take a filter longer than
    // the filter bar holds; the tab says so instead of handing on a cut expression.
    const QString path = m_dir.filePath(QStringLiteral("many.provscope"));
    CaptureBatch batch = flowBatch();
    batch.flows.clear();
    for (uint64_t i = 0; i < 3000; ++i) {
        const std::string dst = "10.1." + std::to_string(i / 250) + "." + std::to_string(i % 250 + 1);
        batch.flows.push_back(makeFlow(100 + i, kProtoTcp, "10.0.0.2", uint16_t(20000 + i), dst.c_str(), 443,
                                       1000 + i, 2000, kSecond + i * 1000, kSecond + i * 1000 + 500));
    }
    batch.flows.push_back(makeFlow(5000, kProtoUdp, "10.0.0.2", 43000, "10.0.0.1", 53, 80, 160, 2 * kSecond,
                                   2 * kSecond + 10));
    QVERIFY(writeSession(path, clockOnlyMeta(), {batch}, kBase + 10 * kSecond).isEmpty());
    FlowsTab tab;
    tab.setSession(path, false);
    QTRY_VERIFY_WITH_TIMEOUT(tab.isLoaded() && !tab.isBusy(), 20000);
    QCOMPARE(tab.model()->rowCount(), 3001);
    QSignalSpy filtered(&tab, &FlowsTab::eventFilterRequested);
    tab.applySelection(selection(FlowSelection::Kind::Protocol, "tcp", "protocol tcp"));
    QCOMPARE(tab.model()->rowCount(), 3000);
    QCOMPARE(filtered.count(), 0);
    QVERIFY2(tab.messageText().contains(QStringLiteral("are not filtered in the Events tab")), qPrintable(tab.messageText()));
    // A selection of a few flows filters again, and the note goes.
    tab.applySelection(selection(FlowSelection::Kind::Protocol, "udp", "protocol udp"));
    QCOMPARE(filtered.count(), 1);
    QVERIFY(filtered.at(0).at(0).toString().contains(QStringLiteral("fd.dport == 53")));
    QVERIFY(tab.messageText().isEmpty());
}

QTEST_MAIN(TstFlowsTab)
#include "tst_flows_tab.moc"
