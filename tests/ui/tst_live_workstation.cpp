// The workstation recording this machine live through a real provscope-capture helper
// (plain root, as on CI): this process's own file activity shows up in the table
// while recording, and Stop leaves one finished session file.
#include "capture_controller.h"
#include "event_table_model.h"
#include "graph_tab.h"
#include "helper_launcher.h"
#include "main_window.h"
#include "provenance_graph.h"
#include "session_reader.h"
#include "session_status_bar.h"

#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>
#include <QPointer>
#include <QProcess>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTabWidget>
#include <QTableView>
#include <QTemporaryDir>
#include <QTest>

#include <algorithm>
#include <unistd.h>

using namespace provscope;

class TstLiveWorkstation : public QObject {
    Q_OBJECT

private slots:
    void recordsActivityLive();
    void closingWhileRecordingFinishesFile();

private:
    static bool tableHasPath(const EventTableModel &model, const QString &path, int *row = nullptr);
};

bool TstLiveWorkstation::tableHasPath(const EventTableModel &model, const QString &path, int *row)
{
    const std::string wanted = path.toStdString();
    for (int r = model.rowCount() - 1; r >= 0; --r) {
        const Event *event = model.eventAt(r);
        if (event && (event->path == wanted || event->path2 == wanted)) {
            if (row)
                *row = r;
            return true;
        }
    }
    return false;
}

void TstLiveWorkstation::recordsActivityLive()
{
    if (::geteuid() != 0)
        QSKIP("LIVE CAPTURE NOT TESTED: needs root to load the eBPF programs (run ctest as root)");
    const QString binDir = qEnvironmentVariable("PROVSCOPE_BIN_DIR");
    const QString helper = binDir + QStringLiteral("/provscope-capture");
    QVERIFY2(QFileInfo(helper).isExecutable(), qPrintable(helper + QStringLiteral(" is missing: build it first")));
    QStandardPaths::setTestModeEnabled(true);

    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    HelperLaunch launch;
    launch.mode = HelperMode::PlainRoot;
    launch.captureBinary = helper.toStdString();
    launch.statusText = "Running as root";

    MainWindow window;
    window.setErrorDialogsEnabled(false);
    window.resize(1280, 800);
    window.show();
    window.setHelperLaunch(launch);
    window.captureController()->setOutputDirectory(dir.path());
    QSignalSpy created(window.captureController(), &CaptureController::sessionCreated);
    QSignalSpy finished(window.captureController(), &CaptureController::finished);
    window.startCapture();
    QVERIFY2(created.wait(30000) || !created.isEmpty(), qPrintable(window.lastError()));
    const QString path = created.first().first().toString();

    // Another process's file activity, while recording (the workstation itself is
    // excluded from the capture: it would record itself writing the session).
    const QString marker = dir.filePath(QStringLiteral("live-marker.txt"));
    const QString renamed = dir.filePath(QStringLiteral("live-marker-renamed.txt"));
    QCOMPARE(QProcess::execute(QStringLiteral("/bin/sh"),
                               {QStringLiteral("-c"), QStringLiteral("echo live > \"$1\" && mv \"$1\" \"$2\""),
                                QStringLiteral("sh"), marker, renamed}),
             0);
    QElapsedTimer sinceActivity;
    sinceActivity.start();
    const auto *model = window.eventModel();
    QTRY_VERIFY_WITH_TIMEOUT(tableHasPath(*model, renamed), 5000);
    qInfo("rename visible in the table after %lld ms; %d rows", sinceActivity.elapsed(), model->rowCount());
    QVERIFY2(window.sessionStatusBar()->privilegeText().contains(QStringLiteral("root")),
             qPrintable(window.sessionStatusBar()->privilegeText()));

    int row = -1;
    QVERIFY(tableHasPath(*model, renamed, &row));
    for (int r = 0; r < model->rowCount(); ++r)
        QVERIFY2(model->index(r, EventTableModel::Pid).data().toLongLong() != ::getpid(),
                 "the workstation recorded itself");
    window.eventTable()->setCurrentIndex(model->index(row, 0));
    QVERIFY(window.sessionStatusBar()->captureStateText().contains(QStringLiteral("Recording")));
    QTest::qWait(1500); // a rate over more than one refresh
    QVERIFY2(!window.sessionStatusBar()->rateText().startsWith(QStringLiteral("0 ")),
             qPrintable(window.sessionStatusBar()->rateText()));
    const QString shotDir = qEnvironmentVariable("PROVSCOPE_SCREENSHOT_DIR");
    if (!shotDir.isEmpty())
        QVERIFY(window.grab().save(shotDir + QStringLiteral("/provscope-live.png")));

    // The graph of this process, built from the session while it is being written.
    QSignalSpy ready(window.graphTab(), &GraphTab::graphReady);
    window.tabs()->setCurrentWidget(window.graphTab());
    QVERIFY2(ready.wait(60000) || !ready.isEmpty(), qPrintable(window.graphTab()->statusText()));
    // Files recorded live are keyed by device and inode: look the node up by its paths.
    const ProvenanceGraph &shown = *window.graphTab()->graph();
    const std::string renamedPath = renamed.toStdString();
    const bool hasRenamed = std::any_of(shown.nodes().begin(), shown.nodes().end(), [&](const GraphNode &node) {
        return node.path == renamedPath
            || std::find(node.paths.begin(), node.paths.end(), renamedPath) != node.paths.end();
    });
    QVERIFY2(hasRenamed, qPrintable(window.graphTab()->statusText()));
    if (!shotDir.isEmpty())
        QVERIFY(window.grab().save(shotDir + QStringLiteral("/provscope-live-graph.png")));

    window.stopCapture();
    QVERIFY2(finished.wait(30000) || !finished.isEmpty(), qPrintable(window.lastError()));
    QCOMPARE(window.sessionPath(), path);
    QVERIFY(!QFileInfo::exists(path + QStringLiteral("-wal")));
    auto reader = SessionReader::open(path.toStdString());
    QVERIFY2(reader, reader ? "" : reader.error().c_str());
    QVERIFY(!reader.value()->isRecording());
    QVERIFY(reader.value()->counts().events >= model->rowCount());
    QVERIFY(tableHasPath(*model, renamed));
}

void TstLiveWorkstation::closingWhileRecordingFinishesFile()
{
    if (::geteuid() != 0)
        QSKIP("LIVE CAPTURE NOT TESTED: needs root to load the eBPF programs (run ctest as root)");
    const QString helper = qEnvironmentVariable("PROVSCOPE_BIN_DIR") + QStringLiteral("/provscope-capture");
    QVERIFY2(QFileInfo(helper).isExecutable(), qPrintable(helper + QStringLiteral(" is missing: build it first")));
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    HelperLaunch launch;
    launch.mode = HelperMode::PlainRoot;
    launch.captureBinary = helper.toStdString();

    auto *window = new MainWindow;
    window->setAttribute(Qt::WA_DeleteOnClose);
    window->setErrorDialogsEnabled(false);
    window->setHelperLaunch(launch);
    window->show();
    window->captureController()->setOutputDirectory(dir.path());
    QSignalSpy created(window->captureController(), &CaptureController::sessionCreated);
    window->startCapture();
    QVERIFY2(created.wait(30000) || !created.isEmpty(), qPrintable(window->lastError()));
    const QString path = created.first().first().toString();
    QCOMPARE(QProcess::execute(QStringLiteral("/bin/true"), {}), 0); // something to record
    QTest::qWait(300);

    // Closing waits for the helper's Goodbye, then the window goes.
    QPointer<MainWindow> alive(window);
    window->close();
    QVERIFY(alive); // still there: stopping
    QTRY_VERIFY_WITH_TIMEOUT(!alive, 15000);
    QVERIFY(!QFileInfo::exists(path + QStringLiteral("-wal")));
    auto reader = SessionReader::open(path.toStdString());
    QVERIFY2(reader, reader ? "" : reader.error().c_str());
    QVERIFY(!reader.value()->isRecording());
    QVERIFY(reader.value()->counts().events > 0);
}

QTEST_MAIN(TstLiveWorkstation)
#include "tst_live_workstation.moc"
