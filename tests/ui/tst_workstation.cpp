// The workstation as a whole, offscreen: the shortcuts the issue promises, F5,
// and evidence handling (opening and browsing a session never writes to it).
#include "main_window.h"
#include "recent_files.h"
#include "session_fixture.h"
#include "filter_bar.h"
#include "shortcuts_dialog.h"

#include <QAction>
#include <QApplication>
#include <QCryptographicHash>
#include <QFile>
#include <QFileInfo>
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

private:
    QTemporaryDir m_dir;
    QString m_session;
};

void TstWorkstation::initTestCase()
{
    QStandardPaths::setTestModeEnabled(true);
    RecentFiles().clear();
    QVERIFY(m_dir.isValid());
    m_session = m_dir.filePath(QStringLiteral("fixture.provscope"));
    const QString error = writeFixtureSession(m_session);
    QVERIFY2(error.isEmpty(), qPrintable(error));
}

void TstWorkstation::helpListsTheShortcuts()
{
    MainWindow window;
    const QStringList shown = shortcutsShown(window);
    for (const char *expected : {"Ctrl+O=Open", "Ctrl+L=Filter Events", "Ctrl+E=Export Graph as PNG",
                                 "F5=Refresh", "F1=Keyboard Shortcuts"})
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

QTEST_MAIN(TstWorkstation)
#include "tst_workstation.moc"
