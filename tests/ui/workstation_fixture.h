#pragma once
// Set-up shared by the suites that drive a whole MainWindow on the fixture session
// (session_fixture.h): settings in a test location, the window shown with a session open.
#include "events_tab.h"
#include "main_window.h"
#include "recent_files.h"
#include "session_fixture.h"

#include <QStandardPaths>
#include <QTabWidget>
#include <QTemporaryDir>
#include <QTest>

namespace provscope::test {

// For initTestCase(): QSettings (recent files) in a test location and empty, and the
// fixture session written into dir as fixture.provscope, its path in *session.
inline void prepareFixtureSession(const QTemporaryDir &dir, QString *session)
{
    QStandardPaths::setTestModeEnabled(true);
    RecentFiles().clear();
    QVERIFY(dir.isValid());
    *session = dir.filePath(QStringLiteral("fixture.provscope"));
    const QString error = writeFixtureSession(*session);
    QVERIFY2(error.isEmpty(), qPrintable(error));
}

// Shows window, without error dialogs, with the session at path open.
inline void showWithSession(MainWindow &window, const QString &path)
{
    window.setErrorDialogsEnabled(false);
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    QVERIFY2(window.openSession(path), qPrintable(window.lastError()));
}

// Puts the Events tab in front (the dashboard may be the first tab).
inline void showEventsTab(MainWindow &window)
{
    if (QTabWidget *tabs = window.findChild<QTabWidget *>()) {
        for (int i = 0; i < tabs->count(); ++i) {
            if (tabs->widget(i) == window.eventsTab() || tabs->widget(i)->isAncestorOf(window.eventsTab()))
                tabs->setCurrentIndex(i);
        }
    }
}

} // namespace provscope::test
