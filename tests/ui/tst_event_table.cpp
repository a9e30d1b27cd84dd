// The event table's columns, time formats, sorting and row marks, on real session
// files (SessionWriter) in an offscreen EventsTab: the column chooser and its
// memory across sessions, absolute / relative / reference times, sorting by time,
// pid and syscall both ways (off the GUI thread, composed with a display filter),
// gap rows only in id order, marked rows, selecting an event wherever it is shown.
#include "event_format.h"
#include "event_sort.h"
#include "event_table_model.h"
#include "events_tab.h"
#include "filter_bar.h"
#include "session_fixture.h"
#include "session_reader.h"
#include "task_progress.h"

#include <QAbstractItemModelTester>
#include <QAction>
#include <QApplication>
#include <QBrush>
#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QMenu>
#include <QPushButton>
#include <QSettings>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTableView>
#include <QTemporaryDir>
#include <QTest>

using namespace provscope;
using namespace provscope::test;

namespace {

// Offsets (ns after kBase) that are not in id order, and a shell that interleaves
// with its child, so that every sort differs from the id order.
//   id: 1      2       3       4     5       6      7       8        9
//       clone  execve  openat  read  openat  write  rename  connect  openat
const int64_t kOffsets[] = {5000, 2000, 9000, 1000, 7000, 3000, 8000, 4000, 6000};
const std::vector<qlonglong> kByTime = {4, 2, 6, 8, 1, 9, 5, 7, 3};
const std::vector<qlonglong> kByPid = {1, 4, 7, 2, 3, 5, 6, 8, 9};     // 1000 before 1001, ties by id
const std::vector<qlonglong> kBySyscall = {1, 8, 2, 3, 5, 9, 4, 7, 6}; // clone connect execve openat×3 read rename write

QString writeShuffledSession(const QString &path)
{
    std::vector<Event> events = fixtureEvents();
    for (size_t i = 0; i < events.size(); ++i)
        events[i].tsNs = events[i].lastTsNs = kBase + uint64_t(kOffsets[i]);
    for (size_t row : {size_t(RowRead), size_t(RowRename)}) {
        events[row].pid = events[row].tid = kShellPid;
        events[row].procStartNs = kShellStart;
        events[row].ppid = 1;
        events[row].comm = "bash";
    }
    CaptureBatch first;
    first.processes = fixtureProcesses();
    first.events.assign(events.begin(), events.begin() + RowRead + 1);
    first.losses.push_back({kBase + 4100, kBase + 4900, 1, 1234, "kernel-ringbuf"});
    CaptureBatch second;
    second.events.assign(events.begin() + RowRead + 1, events.end());
    return writeSession(path, fixtureMeta(), {first, second}, kBase + 10000);
}

std::vector<qlonglong> shownIds(const QAbstractItemModel *model)
{
    std::vector<qlonglong> ids;
    for (int row = 0; row < model->rowCount(); ++row)
        ids.push_back(model->index(row, 0).data(EventTableModel::EventIdRole).toLongLong());
    return ids;
}

void clickHeader(QHeaderView *header, int column)
{
    const QPoint centre(header->sectionViewportPosition(column) + header->sectionSize(column) / 2,
                        header->height() / 2);
    QTest::mouseClick(header->viewport(), Qt::LeftButton, {}, centre);
}

std::vector<qlonglong> reversed(std::vector<qlonglong> ids)
{
    std::reverse(ids.begin(), ids.end());
    return ids;
}

} // namespace

class TstEventTable : public QObject {
    Q_OBJECT

private slots:
    void initTestCase();
    void init();
    void columnChooserHidesAndRemembers();
    void lastColumnStaysVisible();
    void relativeTimes();
    void timeReference();
    void sortData();
    void sort_data();
    void sort();
    void sortHasNoGapRowsAndComesBack();
    void onlyTimePidSyscallSort();
    void sortComposesWithFilter();
    void sortShowsProgressAndCancels();
    void directionChangedWhileSorting();
    void liveSessionStaysSorted();
    void marksShowAndTint();
    void selectEventIdInFilteredAndSortedView();
    void screenshot();
    void largeSessionSort();

private:
    std::shared_ptr<SessionReader> open(const QString &path);
    void openTab(EventsTab &tab, const QString &path);

    QTemporaryDir m_dir;
    QString m_session;
    QString m_fixture;
};

void TstEventTable::initTestCase()
{
    QStandardPaths::setTestModeEnabled(true); // QSettings in a test location
    QApplication::setOrganizationName(QStringLiteral("provscope-test"));
    QApplication::setApplicationName(QStringLiteral("tst_event_table"));
    QVERIFY(m_dir.isValid());
    m_session = m_dir.filePath(QStringLiteral("shuffled.provscope"));
    QString error = writeShuffledSession(m_session);
    QVERIFY2(error.isEmpty(), qPrintable(error));
    m_fixture = m_dir.filePath(QStringLiteral("fixture.provscope"));
    error = writeFixtureSession(m_fixture);
    QVERIFY2(error.isEmpty(), qPrintable(error));
}

void TstEventTable::init()
{
    QSettings().remove(QStringLiteral("events"));
}

std::shared_ptr<SessionReader> TstEventTable::open(const QString &path)
{
    auto reader = SessionReader::open(path.toStdString());
    if (!reader)
        return nullptr;
    return std::shared_ptr<SessionReader>(std::move(reader.value()));
}

void TstEventTable::openTab(EventsTab &tab, const QString &path)
{
    tab.resize(1280, 600);
    tab.setReader(open(path), path);
    QVERIFY(tab.model()->reader());
}

void TstEventTable::columnChooserHidesAndRemembers()
{
    {
        EventsTab tab;
        openTab(tab, m_session);
        QAbstractItemModelTester tester(tab.model(), QAbstractItemModelTester::FailureReportingMode::QtTest);
        std::unique_ptr<QMenu> menu(tab.createColumnMenu(nullptr));
        const QList<QAction *> actions = menu->actions();
        QCOMPARE(actions.size(), int(EventTableModel::ColumnCount));
        QStringList titles;
        for (QAction *action : actions) {
            titles << action->text();
            QVERIFY(action->isCheckable() && action->isChecked());
        }
        QCOMPARE(titles, (QStringList{"Time", "PID", "PPID", "Process", "Syscall", "Target", "Result", "Count", "Bytes"}));
        actions[EventTableModel::Ppid]->setChecked(false); // as a click in the menu
        actions[EventTableModel::Bytes]->setChecked(false);
        QVERIFY(tab.table()->isColumnHidden(EventTableModel::Ppid));
        QVERIFY(tab.table()->isColumnHidden(EventTableModel::Bytes));
        QVERIFY(tab.isColumnVisible(EventTableModel::Pid));

        // Another session in the same tab: still hidden (also after a filter's reset).
        tab.setReader(open(m_fixture), m_fixture);
        QVERIFY(tab.table()->isColumnHidden(EventTableModel::Ppid));
        tab.filterBar()->lineEdit()->setText(QStringLiteral("proc.pid == 1001"));
        tab.filterBar()->apply();
        QTRY_VERIFY(!tab.filterBar()->isRunning());
        QVERIFY(tab.table()->isColumnHidden(EventTableModel::Ppid));
        QVERIFY(tab.table()->isColumnHidden(EventTableModel::Bytes));
    }
    // A new window (the next start of the workstation) remembers them.
    EventsTab tab;
    openTab(tab, m_session);
    QVERIFY(tab.table()->isColumnHidden(EventTableModel::Ppid));
    QVERIFY(tab.table()->isColumnHidden(EventTableModel::Bytes));
    QVERIFY(!tab.table()->isColumnHidden(EventTableModel::Time));
    std::unique_ptr<QMenu> menu(tab.createColumnMenu(nullptr));
    QVERIFY(!menu->actions()[EventTableModel::Ppid]->isChecked());
    menu->actions()[EventTableModel::Ppid]->setChecked(true);
    QVERIFY(!tab.table()->isColumnHidden(EventTableModel::Ppid));
    EventsTab again;
    openTab(again, m_session);
    QVERIFY(!again.table()->isColumnHidden(EventTableModel::Ppid));
    QVERIFY(again.table()->isColumnHidden(EventTableModel::Bytes));
}

void TstEventTable::lastColumnStaysVisible()
{
    EventsTab tab;
    openTab(tab, m_session);
    for (int column = 0; column < EventTableModel::ColumnCount; ++column)
        tab.setColumnVisible(column, false);
    int visible = 0;
    for (int column = 0; column < EventTableModel::ColumnCount; ++column)
        visible += tab.isColumnVisible(column) ? 1 : 0;
    QCOMPARE(visible, 1);
    QVERIFY(tab.isColumnVisible(EventTableModel::Bytes));
    std::unique_ptr<QMenu> menu(tab.createColumnMenu(nullptr));
    QVERIFY(!menu->actions()[EventTableModel::Bytes]->isEnabled()); // cannot be unchecked
    QVERIFY(menu->actions()[EventTableModel::Time]->isEnabled());
}

void TstEventTable::relativeTimes()
{
    EventsTab tab;
    openTab(tab, m_fixture);
    EventTableModel *model = tab.model();
    QAbstractItemModelTester tester(model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QCOMPARE(model->headerData(EventTableModel::Time, Qt::Horizontal).toString(), QStringLiteral("Time"));
    QCOMPARE(model->index(RowRead, EventTableModel::Time).data().toString(),
             formatClockTime(int64_t(kBase) + 4000 + kBootToEpochNs));

    tab.setTimeFormat(EventTableModel::TimeFormat::RelativeToStart);
    QCOMPARE(model->headerData(EventTableModel::Time, Qt::Horizontal).toString(), QStringLiteral("Time (+s from start)"));
    QCOMPARE(model->index(RowClone, EventTableModel::Time).data().toString(), QStringLiteral("+0.000000 s"));
    QCOMPARE(model->index(RowRead, EventTableModel::Time).data().toString(), QStringLiteral("+0.000004 s"));
    QCOMPARE(model->index(RowMissing, EventTableModel::Time).data().toString(), QStringLiteral("+0.000009 s"));
    QVERIFY(tab.timeFormatActions()[1]->isChecked());
    QVERIFY(!tab.timeFormatActions()[0]->isChecked());

    QCOMPARE(formatRelativeTime(12345678901LL), QStringLiteral("+12.345678 s"));
    QCOMPARE(formatRelativeTime(-2500000000LL), QStringLiteral("-2.500000 s"));
    QCOMPARE(formatRelativeTime(0), QStringLiteral("+0.000000 s"));

    tab.timeFormatActions()[0]->trigger(); // View > Absolute Time of Day
    QCOMPARE(model->timeFormat(), EventTableModel::TimeFormat::Absolute);
    QCOMPARE(model->headerData(EventTableModel::Time, Qt::Horizontal).toString(), QStringLiteral("Time"));
}

void TstEventTable::timeReference()
{
    EventsTab tab;
    openTab(tab, m_fixture);
    EventTableModel *model = tab.model();
    QVERIFY(!tab.setTimeReferenceAction()->isEnabled()); // nothing selected
    QVERIFY(tab.selectEventId(RowWrite + 1));
    QVERIFY(tab.setTimeReferenceAction()->isEnabled());
    tab.setTimeReferenceAction()->trigger(); // "Set as Time Reference" on the write
    QCOMPARE(model->timeReference(), qint64(RowWrite + 1));
    QCOMPARE(model->timeFormat(), EventTableModel::TimeFormat::RelativeToReference);
    QVERIFY(tab.timeFormatActions()[2]->isChecked());
    QVERIFY(tab.setTimeReferenceAction()->isChecked());
    QCOMPARE(model->headerData(EventTableModel::Time, Qt::Horizontal).toString(), QStringLiteral("Time (+s from #6)"));
    QCOMPARE(model->index(RowWrite, EventTableModel::Time).data().toString(), QStringLiteral("*REF*"));
    QCOMPARE(model->index(RowRead, EventTableModel::Time).data().toString(), QStringLiteral("-0.000002 s"));
    QCOMPARE(model->index(RowClone, EventTableModel::Time).data().toString(), QStringLiteral("-0.000006 s"));
    QCOMPARE(model->index(RowMissing, EventTableModel::Time).data().toString(), QStringLiteral("+0.000003 s"));

    // Unchecking it on the same event clears it: offsets from the start again.
    tab.setTimeReferenceAction()->trigger();
    QCOMPARE(model->timeReference(), qint64(0));
    QCOMPARE(model->index(RowRead, EventTableModel::Time).data().toString(), QStringLiteral("+0.000004 s"));
}

void TstEventTable::sortData()
{
    // models/event_sort directly: every id, by key, ties by id.
    auto byTime = sortEventIds(m_session.toStdString(), EventSortKey::Time, 9);
    QVERIFY2(byTime, byTime ? "" : byTime.error().c_str());
    std::vector<qlonglong> ids(byTime.value().begin(), byTime.value().end());
    QCOMPARE(ids, kByTime);
    auto cancelled = sortEventIds(m_session.toStdString(), EventSortKey::Pid, 9, [](double) { return false; });
    QVERIFY(cancelled || !cancelled); // a 9-event scan may finish before the first report
    auto missing = sortEventIds(m_dir.filePath(QStringLiteral("none.provscope")).toStdString(), EventSortKey::Pid, 9);
    QVERIFY(!missing);
}

void TstEventTable::sort_data()
{
    QTest::addColumn<int>("column");
    QTest::addColumn<std::vector<qlonglong>>("ascending");
    QTest::newRow("time") << int(EventTableModel::Time) << kByTime;
    QTest::newRow("pid") << int(EventTableModel::Pid) << kByPid;
    QTest::newRow("syscall") << int(EventTableModel::Syscall) << kBySyscall;
}

void TstEventTable::sort()
{
    QFETCH(int, column);
    QFETCH(std::vector<qlonglong>, ascending);
    EventsTab tab;
    openTab(tab, m_session);
    EventTableModel *model = tab.model();
    QAbstractItemModelTester tester(model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QHeaderView *header = tab.table()->horizontalHeader();

    // A click on the header: ascending (computed off the GUI thread).
    clickHeader(header, column);
    QTRY_COMPARE(model->sortColumn(), column);
    QCOMPARE(model->sortOrder(), Qt::AscendingOrder);
    QCOMPARE(shownIds(model), ascending);
    QVERIFY(header->isSortIndicatorShown());
    QCOMPARE(header->sortIndicatorSection(), column);
    QCOMPARE(header->sortIndicatorOrder(), Qt::AscendingOrder);
    // The cells follow their events.
    const int readRow = model->rowOfEvent(RowRead + 1);
    QCOMPARE(model->index(readRow, EventTableModel::Syscall).data().toString(), QStringLiteral("read"));

    // Again: descending, at once (the same permutation read backwards).
    clickHeader(header, column);
    QCOMPARE(model->sortOrder(), Qt::DescendingOrder);
    QCOMPARE(shownIds(model), reversed(ascending));
    QCOMPARE(header->sortIndicatorOrder(), Qt::DescendingOrder);

    // A third time: back to the id order, no indicator.
    clickHeader(header, column);
    QCOMPARE(model->sortColumn(), -1);
    QVERIFY(!header->isSortIndicatorShown());

    // Straight to descending through the API.
    tab.sortByColumn(column, Qt::DescendingOrder);
    QTRY_COMPARE(model->sortColumn(), column);
    QCOMPARE(shownIds(model), reversed(ascending));
}

void TstEventTable::sortHasNoGapRowsAndComesBack()
{
    EventsTab tab;
    openTab(tab, m_session);
    EventTableModel *model = tab.model();
    QAbstractItemModelTester tester(model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QCOMPARE(model->rowCount(), int(RowCount) + 1); // a gap row after the read
    QCOMPARE(model->gapRows(), std::vector<int>{RowRead + 1});
    tab.sortByColumn(EventTableModel::Pid, Qt::AscendingOrder);
    QTRY_COMPARE(model->sortColumn(), int(EventTableModel::Pid));
    QCOMPARE(model->rowCount(), int(RowCount));
    QVERIFY(model->gapRows().empty());
    QCOMPARE(tab.table()->columnSpan(RowRead + 1, 0), 1);
    for (int row = 0; row < model->rowCount(); ++row)
        QVERIFY(!model->index(row, 0).data(EventTableModel::IsGapRole).toBool());
    tab.clearSort();
    QCOMPARE(model->rowCount(), int(RowCount) + 1);
    QCOMPARE(model->gapRows(), std::vector<int>{RowRead + 1});
    QCOMPARE(tab.table()->columnSpan(RowRead + 1, 0), int(EventTableModel::ColumnCount));
}

void TstEventTable::onlyTimePidSyscallSort()
{
    EventsTab tab;
    openTab(tab, m_session);
    EventTableModel *model = tab.model();
    QHeaderView *header = tab.table()->horizontalHeader();
    for (int column : {int(EventTableModel::Ppid), int(EventTableModel::Process), int(EventTableModel::Target),
                       int(EventTableModel::Ret), int(EventTableModel::Count), int(EventTableModel::Bytes)}) {
        clickHeader(header, column);
        QTest::qWait(20);
        QCOMPARE(model->sortColumn(), -1);
        QVERIFY(!tab.isSorting());
        QVERIFY(!header->isSortIndicatorShown());
    }
    // While sorted by pid, a click on Target leaves the pid sort and its indicator.
    tab.sortByColumn(EventTableModel::Pid, Qt::AscendingOrder);
    QTRY_COMPARE(model->sortColumn(), int(EventTableModel::Pid));
    clickHeader(header, EventTableModel::Target);
    QCOMPARE(model->sortColumn(), int(EventTableModel::Pid));
    QCOMPARE(header->sortIndicatorSection(), int(EventTableModel::Pid));
    QCOMPARE(shownIds(model), kByPid);
}

void TstEventTable::sortComposesWithFilter()
{
    EventsTab tab;
    openTab(tab, m_session);
    EventTableModel *model = tab.model();
    QAbstractItemModelTester tester(model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    // Filtered, then sorted: the filter's rows in sort order.
    tab.filterBar()->lineEdit()->setText(QStringLiteral("evt.type in (\"openat\", \"read\", \"write\")"));
    tab.filterBar()->apply();
    QTRY_VERIFY(!tab.filterBar()->isRunning());
    QCOMPARE(shownIds(model), (std::vector<qlonglong>{3, 4, 5, 6, 9}));
    tab.sortByColumn(EventTableModel::Time, Qt::AscendingOrder);
    QTRY_COMPARE(model->sortColumn(), int(EventTableModel::Time));
    QCOMPARE(shownIds(model), (std::vector<qlonglong>{4, 6, 9, 5, 3})); // ts 1000 3000 6000 7000 9000
    tab.sortByColumn(EventTableModel::Time, Qt::DescendingOrder);
    QCOMPARE(shownIds(model), (std::vector<qlonglong>{3, 5, 9, 6, 4}));

    // A new filter keeps the sort.
    tab.filterBar()->lineEdit()->setText(QStringLiteral("proc.pid == 1001"));
    tab.filterBar()->apply();
    QTRY_VERIFY(!tab.filterBar()->isRunning());
    QTRY_COMPARE(shownIds(model), (std::vector<qlonglong>{3, 5, 9, 8, 6, 2})); // ts desc of pid 1001
    QCOMPARE(model->sortColumn(), int(EventTableModel::Time));
    QCOMPARE(tab.table()->horizontalHeader()->sortIndicatorSection(), int(EventTableModel::Time));

    // Clearing the filter: every event, still sorted.
    tab.filterBar()->clear();
    QCOMPARE(shownIds(model), reversed(kByTime));
    // Clearing the sort: the filter's natural order comes back when filtered.
    tab.filterBar()->lineEdit()->setText(QStringLiteral("proc.pid == 1000"));
    tab.filterBar()->apply();
    QTRY_COMPARE(shownIds(model), (std::vector<qlonglong>{7, 1, 4}));
    tab.clearSort();
    QCOMPARE(shownIds(model), (std::vector<qlonglong>{1, 4, 7}));
}

void TstEventTable::sortShowsProgressAndCancels()
{
    EventsTab tab;
    TaskProgress progress;
    tab.setTaskProgress(&progress);
    openTab(tab, m_session);
    EventTableModel *model = tab.model();
    QSignalSpy busy(&progress, &TaskProgress::busyChanged);
    tab.sortByColumn(EventTableModel::Syscall, Qt::AscendingOrder);
    QVERIFY(progress.isBusy());
    QVERIFY2(progress.currentText().startsWith(QStringLiteral("Sorting 9 events by syscall")),
             qPrintable(progress.currentText()));
    QTRY_COMPARE(model->sortColumn(), int(EventTableModel::Syscall));
    QVERIFY(!progress.isBusy());

    // Cancel: the table keeps what it showed, the indicator too.
    tab.sortByColumn(EventTableModel::Pid, Qt::AscendingOrder);
    QVERIFY(progress.isBusy());
    progress.cancelButton()->click();
    QVERIFY(!progress.isBusy());
    QVERIFY(!tab.isSorting());
    QTest::qWait(100);
    QCOMPARE(model->sortColumn(), int(EventTableModel::Syscall));
    QCOMPARE(shownIds(model), kBySyscall);
    QCOMPARE(tab.table()->horizontalHeader()->sortIndicatorSection(), int(EventTableModel::Syscall));
}

void TstEventTable::liveSessionStaysSorted()
{
    // A session still being written, sorted and filtered: the new events take
    // their places, and the filter bar counts every match at every moment.
    const QString path = m_dir.filePath(QStringLiteral("live.provscope"));
    auto writer = SessionWriter::create(path.toStdString(), clockOnlyMeta());
    QVERIFY2(writer, writer ? "" : writer.error().c_str());
    std::vector<Event> all = fixtureEvents();
    for (size_t i = 0; i < all.size(); ++i)
        all[i].tsNs = all[i].lastTsNs = kBase + uint64_t(kOffsets[i]);
    CaptureBatch first;
    first.events.assign(all.begin(), all.begin() + 5); // ids 1-5
    QVERIFY(writer.value()->append(first));
    {
        EventsTab tab;
        openTab(tab, path);
        EventTableModel *model = tab.model();
        QAbstractItemModelTester tester(model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        tab.sortByColumn(EventTableModel::Time, Qt::DescendingOrder);
        QTRY_COMPARE(model->sortColumn(), int(EventTableModel::Time));
        QCOMPARE(shownIds(model), (std::vector<qlonglong>{3, 5, 1, 2, 4}));
        tab.filterBar()->lineEdit()->setText(QStringLiteral("evt.type == \"openat\""));
        tab.filterBar()->apply();
        QTRY_VERIFY(!tab.filterBar()->isRunning());
        QTRY_COMPARE(shownIds(model), (std::vector<qlonglong>{3, 5}));

        CaptureBatch second;
        second.events.assign(all.begin() + 5, all.end()); // ids 6-9, one openat (9)
        QVERIFY(writer.value()->append(second));
        tab.eventsAppended();
        QTRY_VERIFY(!tab.filterBar()->isRunning());
        QCOMPARE(tab.filterBar()->statusLabel()->text(), QStringLiteral("3 of 9 events match"));
        QTRY_COMPARE(model->sortedEventCount(), qint64(9));
        QTRY_COMPARE(shownIds(model), (std::vector<qlonglong>{3, 5, 9})); // ts 9000 7000 6000
        tab.filterBar()->clear();
        QCOMPARE(shownIds(model), reversed(kByTime));
    }
    auto finished = writer.value()->finish(kBase + 20000);
    QVERIFY2(finished, finished ? "" : finished.error().c_str());
}

void TstEventTable::directionChangedWhileSorting()
{
    // A second click while the sort runs: no second scan, the sort ends descending.
    EventsTab tab;
    TaskProgress progress;
    tab.setTaskProgress(&progress);
    openTab(tab, m_session);
    EventTableModel *model = tab.model();
    QSignalSpy busy(&progress, &TaskProgress::busyChanged);
    tab.sortByColumn(EventTableModel::Pid, Qt::AscendingOrder);
    QVERIFY(tab.isSorting());
    tab.sortByColumn(EventTableModel::Pid, Qt::DescendingOrder);
    QCOMPARE(tab.table()->horizontalHeader()->sortIndicatorOrder(), Qt::DescendingOrder);
    QTRY_COMPARE(model->sortColumn(), int(EventTableModel::Pid));
    QCOMPARE(model->sortOrder(), Qt::DescendingOrder);
    QCOMPARE(shownIds(model), reversed(kByPid));
    QCOMPARE(busy.count(), 2); // one task: busy, then idle
}

void TstEventTable::marksShowAndTint()
{
    EventsTab tab;
    openTab(tab, m_fixture);
    EventTableModel *model = tab.model();
    QAbstractItemModelTester tester(model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QSet<qint64> marked{RowExec + 1};
    model->setEventMarker([&marked](int64_t id) { return marked.contains(id) ? QStringLiteral("★") : QString(); });
    const QString clock = formatClockTime(int64_t(kBase) + 2000 + kBootToEpochNs);
    QCOMPARE(model->index(RowExec, EventTableModel::Time).data().toString(), QStringLiteral("★ ") + clock);
    QVERIFY(model->index(RowExec, EventTableModel::Target).data(Qt::BackgroundRole).value<QBrush>().color().isValid());
    QVERIFY(!model->index(RowRead, EventTableModel::Target).data(Qt::BackgroundRole).isValid());
    QCOMPARE(model->index(RowRead, EventTableModel::Syscall).data().toString(), QStringLiteral("read"));

    QSignalSpy changed(model, &QAbstractItemModel::dataChanged);
    marked.insert(RowRead + 1);
    model->marksChanged();
    QCOMPARE(changed.size(), 1);
    QVERIFY(model->index(RowRead, EventTableModel::Time).data().toString().startsWith(QStringLiteral("★ ")));
    // With a relative format too.
    tab.setTimeFormat(EventTableModel::TimeFormat::RelativeToStart);
    QCOMPARE(model->index(RowRead, EventTableModel::Time).data().toString(), QStringLiteral("★ +0.000004 s"));
}

void TstEventTable::selectEventIdInFilteredAndSortedView()
{
    EventsTab tab;
    openTab(tab, m_session);
    EventTableModel *model = tab.model();
    QCOMPARE(tab.currentEventId(), qint64(0));
    // Natural order: after the gap row, row = id.
    QVERIFY(tab.selectEventId(RowWrite + 1));
    QCOMPARE(tab.table()->currentIndex().row(), int(RowWrite) + 1);
    QCOMPARE(tab.currentEventId(), qint64(RowWrite + 1));
    QCOMPARE(tab.currentEvent()->syscall, std::string("write"));
    QVERIFY(!tab.selectEventId(0));
    QVERIFY(!tab.selectEventId(99));

    // Sorting keeps the selected event selected, at its new row.
    tab.sortByColumn(EventTableModel::Syscall, Qt::AscendingOrder);
    QTRY_COMPARE(model->sortColumn(), int(EventTableModel::Syscall));
    QCOMPARE(tab.currentEventId(), qint64(RowWrite + 1));
    QCOMPARE(tab.table()->currentIndex().row(), 8); // write sorts last
    QVERIFY(tab.selectEventId(8));
    QCOMPARE(tab.table()->currentIndex().row(), 1); // connect
    tab.sortByColumn(EventTableModel::Syscall, Qt::DescendingOrder);
    QCOMPARE(tab.currentEventId(), qint64(8));
    QCOMPARE(tab.table()->currentIndex().row(), 7);

    // Filtered and sorted: found where it is, refused when filtered out.
    tab.filterBar()->lineEdit()->setText(QStringLiteral("evt.type == \"openat\""));
    tab.filterBar()->apply();
    QTRY_COMPARE(model->rowCount(), 3);
    QVERIFY(tab.selectEventId(5));
    QCOMPARE(tab.table()->currentIndex().row(), 1);
    QVERIFY(!tab.selectEventId(8));
    QCOMPARE(tab.currentEventId(), qint64(5));
    tab.clearSort();
    QVERIFY(tab.selectEventId(9));
    QCOMPARE(tab.table()->currentIndex().row(), 2);
}

void TstEventTable::screenshot()
{
    EventsTab tab;
    openTab(tab, m_session);
    tab.show();
    QVERIFY(QTest::qWaitForWindowExposed(&tab));
    tab.model()->setEventMarker([](int64_t id) { return id == 6 ? QStringLiteral("★") : QString(); });
    tab.setColumnVisible(EventTableModel::Ppid, false);
    QVERIFY(tab.selectEventId(2));
    tab.setTimeReference(2);
    tab.sortByColumn(EventTableModel::Time, Qt::AscendingOrder);
    QTRY_COMPARE(tab.model()->sortColumn(), int(EventTableModel::Time));
    const QString path = QDir::temp().filePath(QStringLiteral("provscope-event-table.png"));
    QVERIFY(tab.grab().save(path));
    qInfo("screenshot: %s", qPrintable(path));
    std::unique_ptr<QMenu> columns(tab.createColumnMenu(nullptr));
    columns->adjustSize();
    const QString menuPath = QDir::temp().filePath(QStringLiteral("provscope-event-columns.png"));
    QVERIFY(columns->grab().save(menuPath));
}

// Not a test: PROVSCOPE_BENCH_SESSION=/tmp/provscope-bench-10M.provscope measures
// each sort on a large session (time to the sorted view, the GUI thread's longest
// stall while it runs, peak resident memory).
void TstEventTable::largeSessionSort()
{
    const QString path = qEnvironmentVariable("PROVSCOPE_BENCH_SESSION");
    if (path.isEmpty())
        QSKIP("set PROVSCOPE_BENCH_SESSION to a large session to measure sorting");
    QElapsedTimer opening;
    opening.start();
    EventsTab tab;
    openTab(tab, path);
    tab.show();
    QVERIFY(QTest::qWaitForWindowExposed(&tab));
    tab.table()->viewport()->repaint();
    const qint64 firstPaintMs = opening.elapsed();
    const auto peakMb = [] {
        QFile status(QStringLiteral("/proc/self/status"));
        if (!status.open(QIODevice::ReadOnly))
            return 0.0;
        for (const QByteArray &line : status.readAll().split('\n'))
            if (line.startsWith("VmHWM:"))
                return line.mid(6).trimmed().split(' ').first().toDouble() / 1024.0;
        return 0.0;
    };
    qInfo("open to first paint: %lld ms, %d rows, VmHWM %.0f MB", firstPaintMs, tab.model()->rowCount(), peakMb());
    QVERIFY(tab.selectEventId(tab.model()->eventCount() / 2));
    for (int column : {int(EventTableModel::Time), int(EventTableModel::Pid), int(EventTableModel::Syscall)}) {
        QElapsedTimer watch;
        watch.start();
        tab.sortByColumn(column, Qt::AscendingOrder);
        qint64 longestStall = 0;
        qint64 last = watch.elapsed();
        while (tab.model()->sortColumn() != column && watch.elapsed() < 60000) {
            QCoreApplication::processEvents(QEventLoop::AllEvents, 5);
            const qint64 now = watch.elapsed();
            longestStall = std::max(longestStall, now - last);
            last = now;
        }
        QCOMPARE(tab.model()->sortColumn(), column);
        const qint64 sortedMs = watch.elapsed();
        // Scroll to the middle of the sorted view and paint it.
        watch.restart();
        tab.table()->scrollTo(tab.model()->index(tab.model()->rowCount() / 2, 0), QAbstractItemView::PositionAtTop);
        tab.table()->viewport()->repaint();
        const qint64 scrollMs = watch.elapsed();
        watch.restart();
        tab.sortByColumn(column, Qt::DescendingOrder);
        tab.table()->viewport()->repaint();
        const qint64 flipMs = watch.elapsed();
        qInfo("sort by %s: %lld ms to the sorted view (longest GUI stall %lld ms), scroll to middle %lld ms, "
              "descending %lld ms, VmHWM %.0f MB; selected event kept: %s",
              qPrintable(tab.model()->headerData(column, Qt::Horizontal).toString()), sortedMs, longestStall,
              scrollMs, flipMs, peakMb(), tab.currentEventId() == tab.model()->eventCount() / 2 ? "yes" : "no");
    }
    const uint32_t pid = tab.model()->eventAt(0)->pid;
    QElapsedTimer watch;
    watch.start();
    tab.filterBar()->lineEdit()->setText(QStringLiteral("proc.pid == %1").arg(pid));
    tab.filterBar()->apply();
    QTRY_VERIFY_WITH_TIMEOUT(!tab.filterBar()->isRunning(), 60000);
    QTRY_VERIFY_WITH_TIMEOUT(tab.model()->rowCount() > 0, 2000);
    qInfo("filter proc.pid == %u in the syscall-sorted view: %d rows after %lld ms, VmHWM %.0f MB",
          pid, tab.model()->rowCount(), watch.elapsed(), peakMb());
}

QTEST_MAIN(TstEventTable)
#include "tst_event_table.moc"
