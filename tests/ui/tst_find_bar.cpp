// Find (Ctrl+F) under -platform offscreen on a real session: plain text or a filter
// expression, matching rows highlighted, Next/Previous (Enter/Shift+Enter) move the
// current row through the matches and wrap, "3 of 6 matches", the table is never
// filtered (the row count stays), a display filter limits the search to its rows,
// Escape closes.
#include "event_table_model.h"
#include "events_tab.h"
#include "filter_bar.h"
#include "find_bar.h"
#include "main_window.h"
#include "session_reader.h"
#include "task_progress.h"
#include "workstation_fixture.h"

#include <QAbstractItemModelTester>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QStandardPaths>
#include <QTabWidget>
#include <QTableView>
#include <QTemporaryDir>
#include <QTest>

using namespace provscope;
using namespace provscope::test;

class TstFindBar : public QObject {
    Q_OBJECT

private slots:
    void initTestCase();
    void searchExpression_data();
    void searchExpression();
    void nextPreviousWrapWithoutFiltering();
    void expressionSearch();
    void noMatch();
    void highlightsMatchingRows();
    void searchesWithinDisplayFilter();
    void followsSortedView();
    void escapeCloses();
    void cancelStopsSearch();
    void screenshot();

private:
    void openWindow(MainWindow &window);
    static void find(MainWindow &window, const QString &text);
    static int currentRow(MainWindow &window) { return window.eventTable()->currentIndex().row(); }

    QTemporaryDir m_dir;
    QString m_session;
};

void TstFindBar::initTestCase()
{
    prepareFixtureSession(m_dir, &m_session);
}

void TstFindBar::openWindow(MainWindow &window)
{
    showWithSession(window, m_session);
    showEventsTab(window);
    QCOMPARE(window.eventTable()->model()->rowCount(), int(RowCount));
}

void TstFindBar::find(MainWindow &window, const QString &text)
{
    window.eventsTab()->showFindBar();
    FindBar *bar = window.eventsTab()->findBar();
    QVERIFY(bar->isVisible());
    QVERIFY(bar->lineEdit()->hasFocus());
    QTest::keyClicks(bar->lineEdit(), text);
    // Searching starts after a pause in typing and ends off the GUI thread.
    QTRY_VERIFY(!bar->statusLabel()->text().startsWith(QStringLiteral("searching")));
    QTRY_VERIFY(!bar->isSearching());
}

void TstFindBar::searchExpression_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<QString>("expression");
    QTest::newRow("word") << "bash" << "proc.name contains \"bash\" or evt.type contains \"bash\" or fd.name contains \"bash\"";
    QTest::newRow("path with quote") << "/tmp/a\"b"
                                     << "proc.name contains \"/tmp/a\\\"b\" or evt.type contains \"/tmp/a\\\"b\" or "
                                        "fd.name contains \"/tmp/a\\\"b\"";
    QTest::newRow("expression") << " proc.pid == 1 " << "proc.pid == 1";
    QTest::newRow("broken expression is text") << "proc.pid ==" << "proc.name contains \"proc.pid ==\" or "
                                                                   "evt.type contains \"proc.pid ==\" or fd.name contains \"proc.pid ==\"";
    QTest::newRow("empty") << "  " << "";
}

void TstFindBar::searchExpression()
{
    QFETCH(QString, text);
    QFETCH(QString, expression);
    QCOMPARE(FindBar::searchExpression(text), expression);
}

void TstFindBar::nextPreviousWrapWithoutFiltering()
{
    MainWindow window;
    openWindow(window);
    QAbstractItemModelTester tester(window.eventModel(), QAbstractItemModelTester::FailureReportingMode::QtTest);
    FindBar *bar = window.eventsTab()->findBar();
    find(window, QStringLiteral("tmp/work"));
    // The paths under /tmp/work: six events; the table still shows all nine.
    QCOMPARE(bar->matchCount(), 6);
    QCOMPARE(window.eventTable()->model()->rowCount(), int(RowCount));
    // The first match from where the user was (nowhere: the first).
    QCOMPARE(currentRow(window), int(RowOpenInput));
    QCOMPARE(bar->statusLabel()->text(), QStringLiteral("1 of 6 matches"));
    const QList<int> order = {RowRead, RowOpenTmp, RowWrite, RowRename, RowMissing, RowOpenInput};
    for (int i = 0; i < order.size(); ++i) {
        QTest::keyClick(bar->lineEdit(), Qt::Key_Return);
        QCOMPARE(currentRow(window), order[i]);
    }
    QCOMPARE(bar->statusLabel()->text(), QStringLiteral("1 of 6 matches"));
    // Shift+Enter: back, wrapping to the last.
    QTest::keyClick(bar->lineEdit(), Qt::Key_Return, Qt::ShiftModifier);
    QCOMPARE(currentRow(window), int(RowMissing));
    QCOMPARE(bar->statusLabel()->text(), QStringLiteral("6 of 6 matches"));
    window.eventsTab()->findPrevious();
    QCOMPARE(currentRow(window), int(RowRename));
    // From a row that is no match, Next goes to the next match after it.
    window.eventTable()->selectRow(RowExec);
    QCOMPARE(bar->statusLabel()->text(), QStringLiteral("6 matches"));
    window.eventsTab()->findNext();
    QCOMPARE(currentRow(window), int(RowOpenInput));
    window.eventTable()->selectRow(RowConnect);
    window.eventsTab()->findPrevious();
    QCOMPARE(currentRow(window), int(RowRename));
    QCOMPARE(window.eventTable()->model()->rowCount(), int(RowCount));
    QVERIFY(!window.eventModel()->isFiltered());
}

void TstFindBar::expressionSearch()
{
    MainWindow window;
    openWindow(window);
    FindBar *bar = window.eventsTab()->findBar();
    find(window, QStringLiteral("evt.res < 0 or proc.name == \"bash\""));
    QCOMPARE(bar->matchCount(), 2);
    QCOMPARE(currentRow(window), int(RowClone));
    QCOMPARE(bar->statusLabel()->text(), QStringLiteral("1 of 2 matches"));
    window.eventsTab()->findNext();
    QCOMPARE(currentRow(window), int(RowMissing));
    QCOMPARE(bar->statusLabel()->text(), QStringLiteral("2 of 2 matches"));
}

void TstFindBar::noMatch()
{
    MainWindow window;
    openWindow(window);
    window.eventTable()->selectRow(RowRead);
    FindBar *bar = window.eventsTab()->findBar();
    find(window, QStringLiteral("nothing-like-this"));
    QCOMPARE(bar->matchCount(), 0);
    QCOMPARE(bar->statusLabel()->text(), QStringLiteral("no match"));
    window.eventsTab()->findNext();
    QCOMPARE(currentRow(window), int(RowRead)); // stays
}

void TstFindBar::highlightsMatchingRows()
{
    MainWindow window;
    openWindow(window);
    FindBar *bar = window.eventsTab()->findBar();
    find(window, QStringLiteral("python3")); // proc.name: every event but the shell's clone
    QCOMPARE(bar->matchCount(), int(RowCount) - 1);
    QTableView *table = window.eventTable();
    table->clearSelection();
    table->setCurrentIndex(QModelIndex());
    QApplication::processEvents();
    const QImage image = table->viewport()->grab().toImage();
    const auto rowColor = [&](int row) {
        const QRect rect = table->visualRect(table->model()->index(row, EventTableModel::Count));
        return image.pixelColor(rect.right() - 3, rect.center().y());
    };
    QCOMPARE(rowColor(RowRead), QColor(0xff, 0xee, 0x80));
    QCOMPARE(rowColor(RowWrite), QColor(0xff, 0xee, 0x80));
    QVERIFY(rowColor(RowClone) != QColor(0xff, 0xee, 0x80));
    // Closing drops the highlight.
    bar->closeBar();
    QApplication::processEvents();
    const QImage after = table->viewport()->grab().toImage();
    const QRect rect = table->visualRect(table->model()->index(RowRead, EventTableModel::Count));
    QVERIFY(after.pixelColor(rect.right() - 3, rect.center().y()) != QColor(0xff, 0xee, 0x80));
}

void TstFindBar::searchesWithinDisplayFilter()
{
    MainWindow window;
    openWindow(window);
    window.filterBar()->applyFilter(QStringLiteral("evt.type == \"openat\""));
    QAbstractItemModel *model = window.eventTable()->model();
    QTRY_COMPARE(model->rowCount(), 3);
    QTRY_VERIFY(!window.filterBar()->isRunning());
    FindBar *bar = window.eventsTab()->findBar();
    find(window, QStringLiteral("tmp/work"));
    QCOMPARE(bar->matchCount(), 3); // the three openat rows, not the read or the write
    QCOMPARE(model->rowCount(), 3);
    QCOMPARE(currentRow(window), 0);
    window.eventsTab()->findNext();
    window.eventsTab()->findNext();
    QCOMPARE(currentRow(window), 2);
    QCOMPARE(bar->statusLabel()->text(), QStringLiteral("3 of 3 matches"));
    window.eventsTab()->findNext();
    QCOMPARE(currentRow(window), 0);
    // Another display filter: the search runs again within it.
    window.filterBar()->applyFilter(QStringLiteral("evt.type == \"read\" or evt.type == \"write\""));
    QTRY_COMPARE(model->rowCount(), 2);
    QTRY_VERIFY(!bar->isSearching() && bar->matchCount() == 2);
}

void TstFindBar::followsSortedView()
{
    MainWindow window;
    openWindow(window);
    EventsTab *tab = window.eventsTab();
    tab->sortByColumn(EventTableModel::Syscall, Qt::AscendingOrder);
    QTRY_VERIFY(!tab->isSorting());
    QCOMPARE(window.eventModel()->sortColumn(), int(EventTableModel::Syscall));
    FindBar *bar = tab->findBar();
    find(window, QStringLiteral("tmp/work"));
    // By syscall: clone, connect, execve, openat x3, read, rename, write. Next walks
    // the matches in that order, not in id order, and wraps.
    const auto currentId = [&] { return tab->currentEventId(); };
    QCOMPARE(currentId(), qlonglong(RowOpenInput + 1));
    QCOMPARE(bar->statusLabel()->text(), QStringLiteral("1 of 6 matches"));
    const QList<int> order = {RowOpenTmp, RowMissing, RowRead, RowRename, RowWrite, RowOpenInput};
    for (int i = 0; i < order.size(); ++i) {
        tab->findNext();
        QCOMPARE(currentId(), qlonglong(order[i] + 1));
        QCOMPARE(bar->statusLabel()->text(), QStringLiteral("%1 of 6 matches").arg(i == 5 ? 1 : i + 2));
    }
    tab->findPrevious(); // wraps back to the last in view order
    QCOMPARE(currentId(), qlonglong(RowWrite + 1));
    QCOMPARE(bar->statusLabel()->text(), QStringLiteral("6 of 6 matches"));
    tab->findPrevious();
    QCOMPARE(currentId(), qlonglong(RowRename + 1));
    QCOMPARE(bar->statusLabel()->text(), QStringLiteral("5 of 6 matches"));
    // A click on a match row counts its place in the sorted view.
    tab->selectEventId(RowMissing + 1);
    QCOMPARE(bar->statusLabel()->text(), QStringLiteral("3 of 6 matches"));
    QCOMPARE(window.eventTable()->model()->rowCount(), int(RowCount));
}

void TstFindBar::escapeCloses()
{
    MainWindow window;
    openWindow(window);
    FindBar *bar = window.eventsTab()->findBar();
    QVERIFY(!bar->isVisible());
    find(window, QStringLiteral("openat"));
    QCOMPARE(bar->matchCount(), 3);
    QTest::keyClick(bar->lineEdit(), Qt::Key_Escape);
    QVERIFY(!bar->isVisible());
    QCOMPARE(bar->matchCount(), 0);
    // Shown again, the same text searches again.
    window.eventsTab()->showFindBar();
    QVERIFY(bar->lineEdit()->selectedText() == QStringLiteral("openat"));
    QTRY_COMPARE(bar->matchCount(), 3);
}

void TstFindBar::cancelStopsSearch()
{
    // Many matches; Cancel in the status bar before the first chunk is shown.
    const QString path = m_dir.filePath(QStringLiteral("big.provscope"));
    const QString error = writeRepeatedReadSession(path, 50000);
    QVERIFY2(error.isEmpty(), qPrintable(error));
    auto reader = SessionReader::open(path.toStdString());
    QVERIFY(reader);
    TaskProgress progress;
    EventsTab tab;
    tab.setTaskProgress(&progress);
    tab.setReader(std::shared_ptr<SessionReader>(std::move(reader.value())), path);
    tab.show();
    FindBar *bar = tab.findBar();
    tab.showFindBar();
    bar->lineEdit()->setText(QStringLiteral("input.txt"));
    tab.findNext(); // Enter while the search waits: it starts now and moves when done
    QVERIFY(bar->isSearching());
    QVERIFY(progress.isBusy());
    QCOMPARE(progress.currentText(), QStringLiteral("Finding in 50,000 events"));
    progress.cancelButton()->click();
    QVERIFY(!bar->isSearching());
    QVERIFY(!progress.isBusy());
    QTest::qWait(300); // the worker's late results are dropped
    QCOMPARE(bar->matchCount(), 0);
    QCOMPARE(bar->statusLabel()->text(), QStringLiteral("no match (cancelled)"));
    QCOMPARE(tab.table()->currentIndex().row(), -1); // no jump after a cancel
    // Enter searches again, to the end this time.
    QTest::keyClick(bar->lineEdit(), Qt::Key_Space);
    QTest::keyClick(bar->lineEdit(), Qt::Key_Backspace);
    QTRY_VERIFY(!bar->isSearching() && bar->matchCount() == 50000);
    QCOMPARE(tab.table()->currentIndex().row(), 0);
    QCOMPARE(tab.model()->rowCount(), 50000);
}

void TstFindBar::screenshot()
{
    MainWindow window;
    window.resize(1280, 800);
    openWindow(window);
    find(window, QStringLiteral("tmp/work"));
    window.eventsTab()->findNext();
    window.eventsTab()->findNext();
    QVERIFY(window.grab().save(QStringLiteral("/tmp/provscope-find.png")));
}

QTEST_MAIN(TstFindBar)
#include "tst_find_bar.moc"
