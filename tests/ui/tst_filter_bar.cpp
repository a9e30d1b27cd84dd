// The display filter bar under -platform offscreen: a real session opened in the
// workstation, a filter typed and applied with Enter fills the table with the
// matching rows only (off the GUI thread), a syntax error shows its column under
// the bar and leaves the table alone, Clear brings every row back, Ctrl+L focuses.
// The history keeps the last 30 valid filters, newest first, across restarts (Up/Down,
// the drop-down); "Apply/Prepare as Filter" from a cell's context menu; Cancel of a
// running filter keeps the rows found so far.
#include "capture_controller.h"
#include "event_table_model.h"
#include "events_tab.h"
#include "filter_bar.h"
#include "main_window.h"
#include "session_reader.h"
#include "task_progress.h"
#include "workstation_fixture.h"

#include <QAbstractItemModelTester>
#include <QApplication>
#include <QCompleter>
#include <QFile>
#include <QLabel>
#include <QLineEdit>
#include <QMenu>
#include <QPushButton>
#include <QSettings>
#include <QStandardPaths>
#include <QTableView>
#include <QTemporaryDir>
#include <QTest>
#include <QTimer>
#include <QToolButton>

using namespace provscope;
using namespace provscope::test;

class TstFilterBar : public QObject {
    Q_OBJECT

private slots:
    void initTestCase();
    void enterAppliesFilter();
    void syntaxErrorShowsColumn();
    void clearRestoresEveryRow();
    void newerFilterReplacesRunningOne();
    void liveSessionFiltersNewEvents();
    void ctrlLFocusesBar();
    void completesFieldNames();
    void historyKeepsNewestFirst();
    void upDownWalksHistory();
    void historyMenuApplies();
    void contextMenuAppliesCell_data();
    void contextMenuAppliesCell();
    void contextMenuPreparesCell();
    void cancelKeepsRowsFound();
    void screenshot();

private:
    void openWindow(MainWindow &window);
    static void typeFilter(MainWindow &window, const QString &text);
    // Opens the table's context menu on a cell and triggers submenu -> entry.
    static void triggerCellMenu(MainWindow &window, int row, int column, const QString &submenu,
                                const QString &entry);

    QTemporaryDir m_dir;
    QString m_session;
};

void TstFilterBar::initTestCase()
{
    prepareFixtureSession(m_dir, &m_session);
}

void TstFilterBar::openWindow(MainWindow &window)
{
    showWithSession(window, m_session);
    QCOMPARE(window.eventTable()->model()->rowCount(), int(RowCount));
}

void TstFilterBar::typeFilter(MainWindow &window, const QString &text)
{
    QLineEdit *edit = window.filterBar()->lineEdit();
    edit->setFocus();
    edit->selectAll();
    QTest::keyClicks(edit, text);
    window.filterBar()->findChild<QCompleter *>()->popup()->hide();
    QTest::keyClick(edit, Qt::Key_Return);
}

void TstFilterBar::enterAppliesFilter()
{
    MainWindow window;
    openWindow(window);
    QAbstractItemModelTester tester(window.eventModel(), QAbstractItemModelTester::FailureReportingMode::QtTest);
    typeFilter(window, QStringLiteral("evt.type == \"openat\""));
    QAbstractItemModel *model = window.eventTable()->model();
    QTRY_COMPARE(model->rowCount(), 3);
    QTRY_VERIFY(!window.filterBar()->isRunning());
    // Rows are the three openat events, in id order.
    const int syscall = EventTableModel::Syscall;
    const int target = EventTableModel::Target;
    for (int row = 0; row < 3; ++row)
        QCOMPARE(model->index(row, syscall).data().toString(), QStringLiteral("openat"));
    QCOMPARE(model->index(0, 0).data(EventTableModel::EventIdRole).toLongLong(), qlonglong(RowOpenInput + 1));
    QCOMPARE(model->index(1, 0).data(EventTableModel::EventIdRole).toLongLong(), qlonglong(RowOpenTmp + 1));
    QCOMPARE(model->index(2, 0).data(EventTableModel::EventIdRole).toLongLong(), qlonglong(RowMissing + 1));
    QVERIFY2(model->index(2, target).data().toString().contains(QStringLiteral("missing.cfg")),
             qPrintable(model->index(2, target).data().toString()));
    QCOMPARE(model->headerData(1, Qt::Vertical).toLongLong(), qlonglong(RowOpenTmp + 1));
    QCOMPARE(window.filterBar()->statusLabel()->text(), QStringLiteral("3 of 9 events match"));
    QVERIFY(window.filterBar()->statusLabel()->isVisible());

    // Selecting a filtered row shows that event (row -> id through the id vector).
    window.eventTable()->setCurrentIndex(model->index(1, 0));
    QCOMPARE(window.eventModel()->eventAt(1)->path, std::string("/tmp/work/out.tmp"));

    // A filter matching nothing empties the table and says so.
    typeFilter(window, QStringLiteral("proc.pid == 4242"));
    QTRY_COMPARE(window.filterBar()->statusLabel()->text(), QStringLiteral("0 of 9 events match"));
    QCOMPARE(model->rowCount(), 0);
}

void TstFilterBar::syntaxErrorShowsColumn()
{
    MainWindow window;
    openWindow(window);
    typeFilter(window, QStringLiteral("evt.type == \"read\""));
    QAbstractItemModel *model = window.eventTable()->model();
    QTRY_COMPARE(model->rowCount(), 1);
    QTRY_VERIFY(!window.filterBar()->isRunning());

    typeFilter(window, QStringLiteral("proc.pid =="));
    const QString error = window.filterBar()->statusLabel()->text();
    QVERIFY2(error.startsWith(QStringLiteral("column 12: expected a value after")), qPrintable(error));
    QVERIFY(window.filterBar()->statusLabel()->isVisible());
    QVERIFY(window.filterBar()->lineEdit()->styleSheet().contains(QStringLiteral("background")));
    // The table keeps the previous filter's rows.
    QTest::qWait(100);
    QCOMPARE(model->rowCount(), 1);
    QCOMPARE(model->index(0, EventTableModel::Syscall).data().toString(), QStringLiteral("read"));

    // An unknown field names the column too.
    typeFilter(window, QStringLiteral("proc.nme == \"x\""));
    QVERIFY2(window.filterBar()->statusLabel()->text().startsWith(QStringLiteral("column 1: unknown field")),
             qPrintable(window.filterBar()->statusLabel()->text()));
    // Editing the text takes the red away.
    QTest::keyClick(window.filterBar()->lineEdit(), Qt::Key_Space);
    QVERIFY(window.filterBar()->lineEdit()->styleSheet().isEmpty());
}

void TstFilterBar::clearRestoresEveryRow()
{
    MainWindow window;
    openWindow(window);
    QAbstractItemModelTester tester(window.eventModel(), QAbstractItemModelTester::FailureReportingMode::QtTest);
    typeFilter(window, QStringLiteral("proc.name == \"bash\""));
    QAbstractItemModel *model = window.eventTable()->model();
    QTRY_COMPARE(model->rowCount(), 1);
    QCOMPARE(model->index(0, EventTableModel::Syscall).data().toString(), QStringLiteral("clone"));

    QTest::mouseClick(window.filterBar()->clearButton(), Qt::LeftButton);
    QCOMPARE(model->rowCount(), int(RowCount));
    QVERIFY(window.filterBar()->lineEdit()->text().isEmpty());
    QVERIFY(!window.filterBar()->statusLabel()->isVisible());
    QCOMPARE(model->index(RowMissing, EventTableModel::Syscall).data().toString(), QStringLiteral("openat"));

    // An empty filter applied with Enter is a clear as well.
    typeFilter(window, QStringLiteral("evt.res < 0"));
    QTRY_COMPARE(model->rowCount(), 1);
    window.filterBar()->lineEdit()->clear();
    QTest::keyClick(window.filterBar()->lineEdit(), Qt::Key_Return);
    QCOMPARE(model->rowCount(), int(RowCount));
}

void TstFilterBar::newerFilterReplacesRunningOne()
{
    MainWindow window;
    openWindow(window);
    QAbstractItemModelTester tester(window.eventModel(), QAbstractItemModelTester::FailureReportingMode::QtTest);
    // Two filters back to back: only the second one's rows end up shown.
    window.filterBar()->lineEdit()->setText(QStringLiteral("evt.type == \"openat\""));
    window.filterBar()->apply();
    window.filterBar()->lineEdit()->setText(QStringLiteral("evt.type in (\"read\", \"write\")"));
    window.filterBar()->apply();
    QAbstractItemModel *model = window.eventTable()->model();
    QTRY_VERIFY(!window.filterBar()->isRunning());
    QTest::qWait(50);
    QCOMPARE(model->rowCount(), 2);
    QCOMPARE(model->index(0, EventTableModel::Syscall).data().toString(), QStringLiteral("read"));
    QCOMPARE(model->index(1, EventTableModel::Syscall).data().toString(), QStringLiteral("write"));
    QCOMPARE(window.filterBar()->statusLabel()->text(), QStringLiteral("2 of 9 events match"));
    // Reopening the same file (a finished capture) keeps the filter...
    QVERIFY(window.openSession(m_session));
    QTRY_COMPARE(window.filterBar()->statusLabel()->text(), QStringLiteral("2 of 9 events match"));
    QCOMPARE(model->rowCount(), 2);
    // ...another session drops it.
    const QString other = m_dir.filePath(QStringLiteral("other.provscope"));
    QVERIFY(QFile::copy(m_session, other));
    QVERIFY(window.openSession(other));
    QCOMPARE(model->rowCount(), int(RowCount));
    QVERIFY(window.filterBar()->lineEdit()->text().isEmpty());
    QVERIFY(!window.filterBar()->statusLabel()->isVisible());
}

void TstFilterBar::liveSessionFiltersNewEvents()
{
    // A session still being written: new events are filtered as they arrive.
    const QString path = m_dir.filePath(QStringLiteral("live.provscope"));
    auto writer = SessionWriter::create(path.toStdString(), clockOnlyMeta());
    QVERIFY2(writer, writer ? "" : writer.error().c_str());
    const auto all = fixtureEvents();
    CaptureBatch first;
    first.events = {all[RowClone], all[RowExec], all[RowOpenInput]};
    QVERIFY(writer.value()->append(first));

    {
        MainWindow window;
        window.setErrorDialogsEnabled(false);
        QVERIFY2(window.openSession(path), qPrintable(window.lastError()));
        QAbstractItemModelTester tester(window.eventModel(), QAbstractItemModelTester::FailureReportingMode::QtTest);
        QAbstractItemModel *model = window.eventTable()->model();
        QCOMPARE(model->rowCount(), 3);
        typeFilter(window, QStringLiteral("evt.type == \"openat\""));
        QTRY_COMPARE(window.filterBar()->statusLabel()->text(), QStringLiteral("1 of 3 events matches"));
        QCOMPARE(model->rowCount(), 1);

        CaptureBatch second;
        second.events.assign(all.begin() + RowRead, all.end());
        QVERIFY(writer.value()->append(second));
        emit window.captureController()->eventsAppended();
        QTRY_COMPARE(window.filterBar()->statusLabel()->text(), QStringLiteral("3 of 9 events match"));
        QCOMPARE(model->rowCount(), 3);
        QCOMPARE(model->index(2, 0).data(EventTableModel::EventIdRole).toLongLong(), qlonglong(RowMissing + 1));
        emit window.captureController()->eventsAppended(); // nothing new: nothing twice
        QTest::qWait(100);
        QCOMPARE(model->rowCount(), 3);
        // Clearing shows every event of the grown session.
        window.filterBar()->clear();
        QCOMPARE(model->rowCount(), int(RowCount));
    }
    auto finished = writer.value()->finish(kBase + 20000);
    QVERIFY2(finished, finished ? "" : finished.error().c_str());
}

void TstFilterBar::ctrlLFocusesBar()
{
    MainWindow window;
    openWindow(window);
    window.activateWindow();
    window.eventTable()->setFocus();
    QTRY_VERIFY(window.eventTable()->hasFocus());
    QTest::keyClick(&window, Qt::Key_L, Qt::ControlModifier);
    QTRY_VERIFY(window.filterBar()->lineEdit()->hasFocus());
}

void TstFilterBar::completesFieldNames()
{
    MainWindow window;
    openWindow(window);
    QLineEdit *edit = window.filterBar()->lineEdit();
    edit->setFocus();
    QTest::keyClicks(edit, QStringLiteral("evt.type == \"read\" and proc.na"));
    QCompleter *completer = window.filterBar()->findChild<QCompleter *>();
    QVERIFY(completer);
    QTRY_VERIFY(completer->popup()->isVisible());
    QCOMPARE(completer->completionPrefix(), QStringLiteral("proc.na"));
    QCOMPARE(completer->currentCompletion(), QStringLiteral("proc.name"));
    QTest::keyClick(completer->popup(), Qt::Key_Return);
    QCOMPARE(edit->text(), QStringLiteral("evt.type == \"read\" and proc.name"));
}

void TstFilterBar::historyKeepsNewestFirst()
{
    QSettings().remove(QStringLiteral("filter/history"));
    {
        MainWindow window;
        openWindow(window);
        typeFilter(window, QStringLiteral("evt.type == \"read\""));
        typeFilter(window, QStringLiteral("proc.pid == 1001"));
        typeFilter(window, QStringLiteral("proc.pid =="));        // invalid: not kept
        typeFilter(window, QStringLiteral("evt.res < 0"));
        typeFilter(window, QStringLiteral("  evt.type == \"read\" ")); // again: moves to the front
        QTRY_VERIFY(!window.filterBar()->isRunning());
        QCOMPARE(window.filterBar()->history(),
                 QStringList({QStringLiteral("evt.type == \"read\""), QStringLiteral("evt.res < 0"),
                              QStringLiteral("proc.pid == 1001")}));
    }
    // Another window (a restart) sees the same history; at most 30 are kept.
    MainWindow window;
    openWindow(window);
    QCOMPARE(window.filterBar()->history().size(), 3);
    for (int i = 0; i < 35; ++i)
        window.filterBar()->applyFilter(QStringLiteral("proc.pid == %1").arg(i));
    QTRY_VERIFY(!window.filterBar()->isRunning());
    const QStringList history = window.filterBar()->history();
    QCOMPARE(history.size(), FilterBar::kHistorySize);
    QCOMPARE(history.first(), QStringLiteral("proc.pid == 34"));
    QCOMPARE(history.last(), QStringLiteral("proc.pid == 5"));
}

void TstFilterBar::upDownWalksHistory()
{
    QSettings().remove(QStringLiteral("filter/history"));
    MainWindow window;
    openWindow(window);
    typeFilter(window, QStringLiteral("evt.type == \"read\""));
    typeFilter(window, QStringLiteral("evt.type == \"write\""));
    QLineEdit *edit = window.filterBar()->lineEdit();
    edit->setFocus();
    edit->clear();
    QTest::keyClicks(edit, QStringLiteral("proc.n"));
    window.filterBar()->findChild<QCompleter *>()->popup()->hide();
    QTest::keyClick(edit, Qt::Key_Up);
    QCOMPARE(edit->text(), QStringLiteral("evt.type == \"write\""));
    QTest::keyClick(edit, Qt::Key_Up);
    QCOMPARE(edit->text(), QStringLiteral("evt.type == \"read\""));
    QTest::keyClick(edit, Qt::Key_Up); // the oldest stays
    QCOMPARE(edit->text(), QStringLiteral("evt.type == \"read\""));
    QTest::keyClick(edit, Qt::Key_Down);
    QCOMPARE(edit->text(), QStringLiteral("evt.type == \"write\""));
    QTest::keyClick(edit, Qt::Key_Down); // back to what was typed
    QCOMPARE(edit->text(), QStringLiteral("proc.n"));
    // Enter on a history entry applies it.
    QTest::keyClick(edit, Qt::Key_Up);
    QTest::keyClick(edit, Qt::Key_Return);
    QTRY_COMPARE(window.eventTable()->model()->rowCount(), 1);
    QCOMPARE(window.eventTable()->model()->index(0, EventTableModel::Syscall).data().toString(),
             QStringLiteral("write"));
}

void TstFilterBar::historyMenuApplies()
{
    QSettings().remove(QStringLiteral("filter/history"));
    MainWindow window;
    openWindow(window);
    typeFilter(window, QStringLiteral("evt.type == \"openat\""));
    typeFilter(window, QStringLiteral("proc.name == \"bash\""));
    QTRY_COMPARE(window.eventTable()->model()->rowCount(), 1);
    QMenu *menu = window.filterBar()->historyButton()->menu();
    QVERIFY(menu);
    emit menu->aboutToShow();
    const QList<QAction *> actions = menu->actions();
    QVERIFY(actions.size() >= 2);
    QCOMPARE(actions.at(0)->text(), QStringLiteral("proc.name == \"bash\""));
    QCOMPARE(actions.at(1)->text(), QStringLiteral("evt.type == \"openat\""));
    actions.at(1)->trigger();
    QCOMPARE(window.filterBar()->lineEdit()->text(), QStringLiteral("evt.type == \"openat\""));
    QTRY_COMPARE(window.eventTable()->model()->rowCount(), 3);
    // Choosing it made it the newest.
    QCOMPARE(window.filterBar()->history().first(), QStringLiteral("evt.type == \"openat\""));
}

void TstFilterBar::triggerCellMenu(MainWindow &window, int row, int column, const QString &submenu,
                                   const QString &entry)
{
    QTableView *table = window.eventTable();
    table->scrollTo(table->model()->index(row, column));
    const QRect cell = table->visualRect(table->model()->index(row, column));
    bool triggered = false;
    // The menu is modal (exec): find it once it shows and pick the entry.
    QTimer::singleShot(0, &window, [&] {
        QMenu *menu = qobject_cast<QMenu *>(QApplication::activePopupWidget());
        if (!menu)
            return;
        for (QAction *action : menu->actions()) {
            if (action->text() != submenu || !action->menu())
                continue;
            for (QAction *item : action->menu()->actions()) {
                if (item->text() == entry) {
                    item->trigger();
                    triggered = true;
                }
            }
        }
        menu->close();
    });
    emit table->customContextMenuRequested(cell.center());
    QVERIFY2(triggered, qPrintable(submenu + QStringLiteral(" > ") + entry));
}

void TstFilterBar::contextMenuAppliesCell_data()
{
    QTest::addColumn<int>("row");
    QTest::addColumn<int>("column");
    QTest::addColumn<QString>("entry");
    QTest::addColumn<QString>("before");
    QTest::addColumn<QString>("filter");
    QTest::addColumn<QList<int>>("rows"); // fixture rows shown after
    QTest::newRow("syscall") << int(RowRead) << int(EventTableModel::Syscall) << "Selected" << ""
                             << "evt.type == \"read\"" << QList<int>{RowRead};
    QTest::newRow("pid not selected") << int(RowRead) << int(EventTableModel::Pid) << "Not Selected" << ""
                                      << "not (proc.pid == 1001)" << QList<int>{RowClone};
    QTest::newRow("process and") << int(RowRead) << int(EventTableModel::Process) << "…and Selected"
                                 << "evt.type == \"openat\""
                                 << "(evt.type == \"openat\") and (proc.name == \"python3\")"
                                 << QList<int>{RowOpenInput, RowOpenTmp, RowMissing};
    QTest::newRow("target or") << int(RowConnect) << int(EventTableModel::Target) << "…or Selected"
                               << "evt.res < 0"
                               << "(evt.res < 0) or (fd.dip == \"127.0.0.1\" and fd.dport == 8080)"
                               << QList<int>{RowConnect, RowMissing};
    QTest::newRow("result and not") << int(RowMissing) << int(EventTableModel::Ret) << "…and not Selected"
                                    << "evt.type == \"openat\""
                                    << "(evt.type == \"openat\") and not (evt.res == \"ENOENT\")"
                                    << QList<int>{RowOpenInput, RowOpenTmp};
    QTest::newRow("path or not") << int(RowOpenTmp) << int(EventTableModel::Target) << "…or not Selected"
                                 << "proc.pid == 1000"
                                 << "(proc.pid == 1000) or not (fd.name == \"/tmp/work/out.tmp\")"
                                 << QList<int>{RowClone, RowExec, RowOpenInput, RowRead, RowConnect, RowMissing};
    QTest::newRow("time") << int(RowConnect) << int(EventTableModel::Time) << "Selected" << ""
                          << "evt.time >= \"2023-11-14T22:13:25.000008Z\"" << QList<int>{RowConnect, RowMissing};
}

void TstFilterBar::contextMenuAppliesCell()
{
    QFETCH(int, row);
    QFETCH(int, column);
    QFETCH(QString, entry);
    QFETCH(QString, before);
    QFETCH(QString, filter);
    QFETCH(QList<int>, rows);
    MainWindow window;
    openWindow(window);
    // What is in the bar (applied or not) is combined with the cell.
    window.filterBar()->lineEdit()->setText(before);
    triggerCellMenu(window, row, column, QStringLiteral("Apply as Filter"), entry);
    QCOMPARE(window.filterBar()->lineEdit()->text(), filter);
    QAbstractItemModel *model = window.eventTable()->model();
    QTRY_VERIFY(!window.filterBar()->isRunning());
    QTRY_COMPARE(model->rowCount(), int(rows.size()));
    for (int i = 0; i < rows.size(); ++i)
        QCOMPARE(model->index(i, 0).data(EventTableModel::EventIdRole).toLongLong(), qlonglong(rows[i] + 1));
}

void TstFilterBar::contextMenuPreparesCell()
{
    MainWindow window;
    openWindow(window);
    triggerCellMenu(window, RowWrite, EventTableModel::Target, QStringLiteral("Prepare as Filter"),
                    QStringLiteral("Selected"));
    QCOMPARE(window.filterBar()->lineEdit()->text(), QStringLiteral("fd.name == \"/tmp/work/out.tmp\""));
    // Only prepared: the table still shows every event.
    QTest::qWait(50);
    QCOMPARE(window.eventTable()->model()->rowCount(), int(RowCount));
    QVERIFY(!window.filterBar()->isRunning());
    QTest::keyClick(window.filterBar()->lineEdit(), Qt::Key_Return);
    // fd.name is the path or a rename's new path: open, write and the rename.
    QTRY_COMPARE(window.eventTable()->model()->rowCount(), 3);
    // Count and Bytes have no field: the entries are there but disabled.
    bool checked = false;
    QTimer::singleShot(0, &window, [&] {
        QMenu *menu = qobject_cast<QMenu *>(QApplication::activePopupWidget());
        if (!menu)
            return;
        for (QAction *action : menu->actions()) {
            if (action->text() == QStringLiteral("Apply as Filter"))
                checked = !action->isEnabled();
        }
        menu->close();
    });
    QTableView *table = window.eventTable();
    emit table->customContextMenuRequested(table->visualRect(table->model()->index(0, EventTableModel::Bytes)).center());
    QVERIFY(checked);
}

void TstFilterBar::cancelKeepsRowsFound()
{
    // A session big enough for several chunks; Cancel as the first chunk arrives.
    const QString path = m_dir.filePath(QStringLiteral("big.provscope"));
    if (!QFile::exists(path)) {
        const QString error = writeRepeatedReadSession(path, 60000);
        QVERIFY2(error.isEmpty(), qPrintable(error));
    }
    auto reader = SessionReader::open(path.toStdString());
    QVERIFY(reader);
    TaskProgress progress;
    EventsTab tab;
    tab.filterBar()->setTaskProgress(&progress);
    tab.setReader(std::shared_ptr<SessionReader>(std::move(reader.value())), path);
    QAbstractItemModelTester tester(tab.model(), QAbstractItemModelTester::FailureReportingMode::QtTest);
    QCOMPARE(tab.model()->rowCount(), 60000);
    bool cancelled = false;
    connect(tab.model(), &QAbstractItemModel::rowsInserted, &tab, [&] {
        if (cancelled)
            return;
        QVERIFY(progress.isBusy());
        QCOMPARE(progress.currentText(), QStringLiteral("Filtering 60,000 events"));
        cancelled = true;
        progress.cancelButton()->click();
    });
    tab.filterBar()->applyFilter(QStringLiteral("proc.pid == 1001"));
    QVERIFY(tab.filterBar()->isRunning());
    QTRY_VERIFY(cancelled);
    QVERIFY(!tab.filterBar()->isRunning());
    QVERIFY(!progress.isBusy());
    const int shown = tab.model()->rowCount();
    QVERIFY2(shown > 0 && shown < 60000, qPrintable(QString::number(shown)));
    QTest::qWait(300); // late chunks of the cancelled query are not shown
    QCOMPARE(tab.model()->rowCount(), shown);
    QVERIFY2(tab.filterBar()->statusLabel()->text().startsWith(QStringLiteral("Cancelled: ")),
             qPrintable(tab.filterBar()->statusLabel()->text()));
    // New events of a live session do not make the cancelled filter look complete.
    tab.filterBar()->eventsAppended();
    QVERIFY(!tab.filterBar()->isRunning());
    QVERIFY(tab.filterBar()->statusLabel()->text().startsWith(QStringLiteral("Cancelled: ")));
    // The same filter again runs to the end.
    tab.filterBar()->apply();
    QTRY_VERIFY(!tab.filterBar()->isRunning());
    QCOMPARE(tab.model()->rowCount(), 60000);
    QCOMPARE(tab.filterBar()->statusLabel()->text(), QStringLiteral("60,000 of 60,000 events match"));
}

void TstFilterBar::screenshot()
{
    MainWindow window;
    openWindow(window);
    typeFilter(window, QStringLiteral("evt.type == \"openat\" and proc.name == \"python3\""));
    QTRY_COMPARE(window.eventTable()->model()->rowCount(), 3);
    QTRY_VERIFY(!window.filterBar()->isRunning());
    window.eventTable()->selectRow(1);
    QVERIFY(window.grab().save(QStringLiteral("/tmp/provscope-filter.png")));
    typeFilter(window, QStringLiteral("proc.name == \"python3\" and (evt.type == "));
    QVERIFY(window.grab().save(QStringLiteral("/tmp/provscope-filter-error.png")));
}

QTEST_MAIN(TstFilterBar)
#include "tst_filter_bar.moc"
