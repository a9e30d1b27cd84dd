// The display filter bar under -platform offscreen: a real session opened in the
// workstation, a filter typed and applied with Enter fills the table with the
// matching rows only (off the GUI thread), a syntax error shows its column under
// the bar and leaves the table alone, Clear brings every row back, Ctrl+L focuses.
#include "capture_controller.h"
#include "event_table_model.h"
#include "filter_bar.h"
#include "main_window.h"
#include "recent_files.h"
#include "session_fixture.h"

#include <QAbstractItemModelTester>
#include <QApplication>
#include <QCompleter>
#include <QFile>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QStandardPaths>
#include <QTableView>
#include <QTemporaryDir>
#include <QTest>

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
    void screenshot();

private:
    void openWindow(MainWindow &window);
    static void typeFilter(MainWindow &window, const QString &text);

    QTemporaryDir m_dir;
    QString m_session;
};

void TstFilterBar::initTestCase()
{
    QStandardPaths::setTestModeEnabled(true);
    RecentFiles().clear();
    QVERIFY(m_dir.isValid());
    m_session = m_dir.filePath(QStringLiteral("fixture.provscope"));
    const QString error = writeFixtureSession(m_session);
    QVERIFY2(error.isEmpty(), qPrintable(error));
}

void TstFilterBar::openWindow(MainWindow &window)
{
    window.setErrorDialogsEnabled(false);
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    QVERIFY2(window.openSession(m_session), qPrintable(window.lastError()));
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
    SessionMeta meta;
    meta.bootToEpochNs = kBootToEpochNs;
    meta.captureStartNs = kBase;
    auto writer = SessionWriter::create(path.toStdString(), meta);
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
