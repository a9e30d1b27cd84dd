// The workstation as a whole, offscreen: the shortcuts the issue promises, F5, the
// views drilling into the event table, and evidence handling (opening, browsing and
// annotating a session never writes to it; annotations reach it only on Save).
#include "annotation_actions.h"
#include "annotation_list_model.h"
#include "annotation_set.h"
#include "annotations_panel.h"
#include "dashboard_tab.h"
#include "event_table_model.h"
#include "events_tab.h"
#include "main_window.h"
#include "process_tree_tab.h"
#include "filter_bar.h"
#include "graph_tab.h"
#include "shortcuts_dialog.h"
#include "sqlite_database.h"

#include <sqlite3.h>
#include "workstation_fixture.h"

#include <QAction>
#include <QDockWidget>
#include <QPushButton>
#include <QSignalSpy>
#include <QTreeView>
#include <QApplication>
#include <QCryptographicHash>
#include <QFile>
#include <QFileInfo>
#include <QImage>
#include <QLineEdit>
#include <QStandardPaths>
#include <QTabWidget>
#include <QTableView>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QTest>
#include <QTimer>

using namespace provscope;
using namespace provscope::test;

namespace {
QByteArray fileDigest(const QString &path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return {};
    return QCryptographicHash::hash(file.readAll(), QCryptographicHash::Sha256).toHex();
}

QStringList shortcutsShown(MainWindow &window)
{
    // The dialog is modal: read it from a timer while it runs, then close it.
    QStringList shown;
    QTimer::singleShot(0, [&shown] {
        for (QWidget *widget : QApplication::topLevelWidgets()) {
            auto *dialog = qobject_cast<ShortcutsDialog *>(widget);
            if (!dialog)
                continue;
            for (int row = 0; row < dialog->table()->rowCount(); ++row)
                shown << dialog->table()->item(row, 1)->text() + QLatin1Char('=') + dialog->table()->item(row, 0)->text();
            dialog->reject();
        }
    });
    window.showShortcuts();
    return shown;
}
} // namespace

class TstWorkstation : public QObject {
    Q_OBJECT

private slots:
    void initTestCase();
    void helpListsTheShortcuts();
    void f5ReloadsKeepingTheFilter();
    void browsingLeavesTheFileUntouched();
    void processTreeFiltersTheTable();
    void dashboardDrillsIntoTheTable();
    void bookmarkSurvivesASavedSession();
    void unsavedAnnotationsLeaveTheFileUntouched();
    void graphExportIsWholeOrNothing();
    void unreadableAnnotationsLeaveNothingInCharge();
    void aSecondWindowCannotOverwriteSavedAnnotations();

private:
    QTemporaryDir m_dir;
    QString m_session;
};

void TstWorkstation::initTestCase()
{
    prepareFixtureSession(m_dir, &m_session);
}

void TstWorkstation::helpListsTheShortcuts()
{
    MainWindow window;
    const QStringList shown = shortcutsShown(window);
    for (const char *expected : {"Ctrl+O=Open", "Ctrl+L=Filter Events", "Ctrl+E=Export Graph",
                                 "F5=Refresh", "F1=Keyboard Shortcuts", "Ctrl+F=Find Event",
                                 "Ctrl+B=Toggle Bookmark"})
        QVERIFY2(shown.contains(QLatin1String(expected)), qPrintable(shown.join(QStringLiteral(", "))));
}

void TstWorkstation::f5ReloadsKeepingTheFilter()
{
    MainWindow window;
    window.setErrorDialogsEnabled(false);
    QVERIFY(window.openSession(m_session));
    QCOMPARE(window.eventTable()->model()->rowCount(), int(RowCount));
    window.filterBar()->lineEdit()->setText(QStringLiteral("evt.type == \"openat\""));
    window.filterBar()->apply();
    QTRY_COMPARE(window.eventTable()->model()->rowCount(), 3);

    QTest::keyClick(&window, Qt::Key_F5);
    QCOMPARE(window.sessionPath(), QFileInfo(m_session).absoluteFilePath());
    QTRY_COMPARE(window.eventTable()->model()->rowCount(), 3);
    QCOMPARE(window.filterBar()->lineEdit()->text(), QStringLiteral("evt.type == \"openat\""));
}

void TstWorkstation::browsingLeavesTheFileUntouched()
{
    const QByteArray before = fileDigest(m_session);
    QVERIFY(!before.isEmpty());
    {
        MainWindow window;
        window.setErrorDialogsEnabled(false);
        QVERIFY(window.openSession(m_session));
        window.eventTable()->selectRow(2);
        window.filterBar()->lineEdit()->setText(QStringLiteral("proc.name == \"python3\""));
        window.filterBar()->apply();
        QTRY_COMPARE(window.eventTable()->model()->rowCount(), int(RowCount) - 1);
        window.tabs()->setCurrentIndex(window.tabs()->count() - 1);
        QTest::keyClick(&window, Qt::Key_F5);
        window.close();
    }
    QCOMPARE(fileDigest(m_session), before);
    QVERIFY(!QFile::exists(m_session + QStringLiteral("-wal")));
    QVERIFY(!QFile::exists(m_session + QStringLiteral("-journal")));
}

void TstWorkstation::processTreeFiltersTheTable()
{
    MainWindow window;
    window.setErrorDialogsEnabled(false);
    window.resize(1280, 800);
    window.show();
    QVERIFY(window.openSession(m_session));
    window.tabs()->setCurrentWidget(window.processTree());
    QTRY_VERIFY(!window.processTree()->isLoading());
    QVERIFY(window.processTree()->selectProcess(kChildPid, kChildStart));
    QTest::mouseClick(window.processTree()->filterProcessButton(), Qt::LeftButton);

    // The Events tab comes up with the expression in its bar and only python3's rows.
    QCOMPARE(window.tabs()->currentWidget(), window.eventsTab());
    QVERIFY2(window.filterBar()->lineEdit()->text().contains(QStringLiteral("proc.pid == 1001")),
             qPrintable(window.filterBar()->lineEdit()->text()));
    QTRY_VERIFY(!window.filterBar()->isRunning());
    EventTableModel *model = window.eventModel();
    QCOMPARE(model->rowCount(), int(RowCount) - 1); // all but the shell's clone
    for (int row = 0; row < model->rowCount(); ++row)
        QCOMPARE(model->eventAt(row)->pid, kChildPid);

    // The subtree of the shell is every event again, still as a filter.
    window.tabs()->setCurrentWidget(window.processTree());
    QVERIFY(window.processTree()->selectProcess(kShellPid, kShellStart));
    QTest::mouseClick(window.processTree()->filterSubtreeButton(), Qt::LeftButton);
    QTRY_VERIFY(!window.filterBar()->isRunning());
    QVERIFY(!window.filterBar()->appliedFilter().isEmpty());
    QCOMPARE(model->rowCount(), int(RowCount));
}

void TstWorkstation::dashboardDrillsIntoTheTable()
{
    MainWindow window;
    window.setErrorDialogsEnabled(false);
    window.show();
    QVERIFY(window.openSessionAtOverview(m_session));
    QCOMPARE(window.tabs()->currentWidget(), window.dashboard());
    QCOMPARE(window.tabs()->indexOf(window.dashboard()), 0);
    QTRY_VERIFY(window.dashboard()->report() && !window.dashboard()->isBusy());
    emit window.dashboard()->filterRequested(QStringLiteral("evt.type == \"openat\""));
    QCOMPARE(window.tabs()->currentWidget(), window.eventsTab());
    QTRY_VERIFY(!window.filterBar()->isRunning());
    QCOMPARE(window.eventModel()->rowCount(), 3);
}

void TstWorkstation::bookmarkSurvivesASavedSession()
{
    const QString copy = m_dir.filePath(QStringLiteral("bookmarked.provscope"));
    QFile::remove(copy);
    QVERIFY(QFile::copy(m_session, copy));
    {
        MainWindow window;
        window.setErrorDialogsEnabled(false);
        QVERIFY(window.openSession(copy));
        window.eventTable()->selectRow(RowRead);
        window.annotationActions()->toggleBookmark()->trigger();
        QVERIFY(window.annotations()->hasUnsavedChanges());
        QVERIFY(window.windowTitle().startsWith(QStringLiteral("bookmarked.provscope*")));
        // The row shows its mark at once, and the panel lists the bookmark.
        const QModelIndex time = window.eventModel()->index(RowRead, EventTableModel::Time);
        QVERIFY2(time.data().toString().contains(QStringLiteral("★")), qPrintable(time.data().toString()));
        QCOMPARE(window.annotationsPanel()->model()->rowCount(), 1);
        // F5 reads the file again but keeps what is not saved yet.
        QTest::keyClick(&window, Qt::Key_F5);
        QVERIFY(window.annotations()->hasUnsavedChanges());
        QVERIFY(window.annotations()->isBookmarked(RowRead + 1));

        window.annotationActions()->save()->trigger();
        QTRY_VERIFY(!window.annotations()->hasUnsavedChanges());
        QVERIFY(!window.windowTitle().contains(QLatin1Char('*')));
        QCOMPARE(window.eventModel()->rowCount(), int(RowCount)); // read again, still whole
    }
    MainWindow reopened;
    reopened.setErrorDialogsEnabled(false);
    QVERIFY(reopened.openSession(copy));
    QVERIFY(reopened.annotations()->isBookmarked(RowRead + 1));
    QVERIFY(reopened.eventModel()->index(RowRead, EventTableModel::Time).data().toString().contains(QStringLiteral("★")));
    QVERIFY(!reopened.eventModel()->index(RowWrite, EventTableModel::Time).data().toString().contains(QStringLiteral("★")));
}

void TstWorkstation::unsavedAnnotationsLeaveTheFileUntouched()
{
    const QByteArray before = fileDigest(m_session);
    {
        MainWindow window;
        window.setErrorDialogsEnabled(false); // no "save?" question: the edits are dropped
        QVERIFY(window.openSession(m_session));
        window.eventTable()->selectRow(RowWrite);
        window.annotationActions()->toggleBookmark()->trigger();
        window.annotations()->addComment(Annotation::Target::Event, Annotation::eventTarget(RowWrite + 1),
                                         QStringLiteral("staged here"));
        QVERIFY(window.annotations()->hasUnsavedChanges());
        window.close();
    }
    QCOMPARE(fileDigest(m_session), before);
    MainWindow reopened;
    reopened.setErrorDialogsEnabled(false);
    QVERIFY(reopened.openSession(m_session));
    QCOMPARE(reopened.annotations()->size(), 0);
}

void TstWorkstation::graphExportIsWholeOrNothing()
{
    MainWindow window;
    window.setErrorDialogsEnabled(false);
    window.show();
    QVERIFY(window.openSession(m_session));
    window.eventTable()->selectRow(RowExec);
    QSignalSpy ready(window.graphTab(), &GraphTab::graphReady);
    window.showGraphOfSelectedProcess();
    QVERIFY(ready.wait(60000));

    // An existing file is replaced by a complete PNG, written beside it and renamed.
    const QString png = m_dir.filePath(QStringLiteral("graph.png"));
    {
        QFile old(png);
        QVERIFY(old.open(QIODevice::WriteOnly));
        old.write("an older export");
    }
    QVERIFY(window.exportGraphPng(png));
    QImage image(png);
    QVERIFY(!image.isNull());
    QVERIFY(image.width() > 100 && image.height() > 50);
    QVERIFY(!QFile::exists(png + QStringLiteral(".part")));

    // A directory that does not exist: an error naming the file, nothing left behind.
    const QString nowhere = m_dir.filePath(QStringLiteral("missing/graph.png"));
    QVERIFY(!window.exportGraphPng(nowhere));
    QVERIFY2(window.lastError().contains(QStringLiteral("graph.png")), qPrintable(window.lastError()));
    QVERIFY(!QFile::exists(nowhere));
    QVERIFY(!QFile::exists(nowhere + QStringLiteral(".part")));
}

void TstWorkstation::unreadableAnnotationsLeaveNothingInCharge()
{
    // Session B's annotations table holds a row this version cannot read.
    const QString first = m_dir.filePath(QStringLiteral("case-a.provscope"));
    const QString second = m_dir.filePath(QStringLiteral("case-b.provscope"));
    for (const QString &path : {first, second}) {
        QFile::remove(path);
        QVERIFY(QFile::copy(m_session, path));
        QFile::setPermissions(path, QFile::ReadOwner | QFile::WriteOwner);
    }
    {
        auto db = SqliteDatabase::open(second.toStdString(), SQLITE_OPEN_READWRITE);
        QVERIFY(db.ok());
        QVERIFY(db.value()->exec("CREATE TABLE annotations(id INTEGER PRIMARY KEY, target_kind TEXT NOT NULL, "
                                 "target TEXT NOT NULL, kind TEXT NOT NULL, text TEXT NOT NULL, "
                                 "created_ns INTEGER NOT NULL, author TEXT NOT NULL);"
                                 "INSERT INTO annotations VALUES(1, 'event', '3', 'sticker', 'x', 0, 'u');").ok());
    }
    const QByteArray secondBefore = fileDigest(second);
    const QByteArray firstBefore = fileDigest(first);

    MainWindow window;
    window.setErrorDialogsEnabled(false);
    QVERIFY(window.openSession(first));
    window.eventTable()->selectRow(RowRead);
    window.annotationActions()->toggleBookmark()->trigger();
    QVERIFY(window.annotations()->hasUnsavedChanges());

    // Opening B (discarding A's note: no dialogs here) must not keep A's set around.
    QVERIFY(window.openSession(second));
    QVERIFY2(window.lastError().contains(QStringLiteral("cannot be read")), qPrintable(window.lastError()));
    QCOMPARE(window.annotations()->size(), 0);
    QVERIFY(!window.eventModel()->index(RowRead, EventTableModel::Time).data().toString().contains(QStringLiteral("★")));
    window.eventTable()->selectRow(RowWrite);
    window.annotationActions()->toggleBookmark()->trigger();
    QCOMPARE(window.annotations()->size(), 0);
    QVERIFY(!window.annotations()->saveToSession().ok());
    QCOMPARE(fileDigest(second), secondBefore);
    QCOMPARE(fileDigest(first), firstBefore);
}

void TstWorkstation::aSecondWindowCannotOverwriteSavedAnnotations()
{
    const QString copy = m_dir.filePath(QStringLiteral("shared-case.provscope"));
    QFile::remove(copy);
    QVERIFY(QFile::copy(m_session, copy));
    QFile::setPermissions(copy, QFile::ReadOwner | QFile::WriteOwner);
    MainWindow first;
    MainWindow second;
    for (MainWindow *window : {&first, &second}) {
        window->setErrorDialogsEnabled(false);
        QVERIFY(window->openSession(copy));
    }
    first.eventTable()->selectRow(RowRead);
    first.annotationActions()->toggleBookmark()->trigger();
    second.eventTable()->selectRow(RowWrite);
    second.annotationActions()->toggleBookmark()->trigger();

    QVERIFY(first.annotations()->saveToSession().ok());
    const QByteArray afterFirst = fileDigest(copy);
    // The second window's save would replace the first one's bookmark: refused, edits kept.
    const auto refused = second.annotations()->saveToSession();
    QVERIFY(!refused.ok());
    QVERIFY2(QString::fromStdString(refused.error()).contains(QStringLiteral("changed by another window")),
             refused.error().c_str());
    QVERIFY(second.annotations()->hasUnsavedChanges());
    QVERIFY(second.annotations()->isBookmarked(RowWrite + 1));
    QCOMPARE(fileDigest(copy), afterFirst);
}

QTEST_MAIN(TstWorkstation)
#include "tst_workstation.moc"
