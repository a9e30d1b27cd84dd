// Live capture in the workstation against a fake helper speaking the real wire
// protocol: events appear in the table within a second, Stop finishes the file.
#include "capture_controller.h"
#include "event_table_model.h"
#include "fake_helper.h"
#include "main_window.h"
#include "session_fixture.h"
#include "session_reader.h"
#include "session_status_bar.h"

#include <QFileInfo>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTableView>
#include <QTemporaryDir>
#include <QTest>

#include <unistd.h>

using namespace provscope;
using namespace provscope::test;

class TstCaptureController : public QObject {
    Q_OBJECT

private slots:
    void initTestCase() { QStandardPaths::setTestModeEnabled(true); }
    void recordsLiveIntoSessionFile();
    void newSessionPathIsTimestamped();
    void slowDiskDropsAreCounted();
    void noHelperShowsExactCommand();
};

void TstCaptureController::recordsLiveIntoSessionFile()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    SessionMeta meta;
    meta.host = "fakehost";
    meta.bootToEpochNs = kBootToEpochNs;
    meta.captureStartNs = kBase;
    meta.captureConfig = "{}";
    CaptureBatch batch;
    batch.events = fixtureEvents();
    FakeHelper helper(meta, {batch});
    const int fd = helper.start();
    QVERIFY(fd >= 0);

    MainWindow window;
    window.setErrorDialogsEnabled(false);
    window.show();
    CaptureController *capture = window.captureController();
    capture->setOutputDirectory(dir.path());
    QSignalSpy created(capture, &CaptureController::sessionCreated);
    QSignalSpy finished(capture, &CaptureController::finished);
    capture->startWithFd(fd);

    QVERIFY2(created.wait(5000), qPrintable(window.lastError()));
    const QString path = created.first().first().toString();
    QCOMPARE(QFileInfo(path).absolutePath(), dir.path());
    QVERIFY(QFileInfo(path).fileName().startsWith(QStringLiteral("provscope-")));
    QCOMPARE(capture->state(), CaptureController::State::Recording);
    QVERIFY(window.windowTitle().contains(QStringLiteral("Recording")));
    // The rows show up while recording, well within a second.
    QTRY_COMPARE_WITH_TIMEOUT(window.eventTable()->model()->rowCount(), int(RowCount), 1000);
    const QAbstractItemModel *model = window.eventTable()->model();
    QCOMPARE(model->data(model->index(RowRename, 5)).toString(),
             QStringLiteral("/tmp/work/out.tmp → /tmp/work/out.txt"));
    QVERIFY(window.sessionStatusBar()->eventText().startsWith(QStringLiteral("9 events")));

    window.stopCapture();
    QVERIFY2(finished.wait(5000), qPrintable(window.lastError()));
    QVERIFY(helper.sawStop());
    QCOMPARE(capture->state(), CaptureController::State::Idle);
    // Reopened read-only; one self-contained file.
    QCOMPARE(window.sessionPath(), path);
    QCOMPARE(window.eventTable()->model()->rowCount(), int(RowCount));
    QVERIFY(!QFileInfo::exists(path + QStringLiteral("-wal")));
    QVERIFY(!QFileInfo::exists(path + QStringLiteral("-journal")));
    auto reader = SessionReader::open(path.toStdString());
    QVERIFY2(reader, reader ? "" : reader.error().c_str());
    QVERIFY(!reader.value()->isRecording());
    QCOMPARE(reader.value()->counts().events, int64_t(RowCount));
    QCOMPARE(reader.value()->meta().host, std::string("fakehost"));
}

void TstCaptureController::slowDiskDropsAreCounted()
{
    // More arrives than may wait for the disk: the excess is a user-queue loss record
    // (a gap row), and stored + lost == sent.
    QTemporaryDir dir;
    SessionMeta meta;
    meta.bootToEpochNs = kBootToEpochNs;
    meta.captureStartNs = kBase;
    meta.captureConfig = "{}";
    std::vector<CaptureBatch> batches(4);
    for (CaptureBatch &batch : batches)
        batch.events = fixtureEvents(); // 9 events each, sent back to back
    FakeHelper helper(meta, batches);
    const int fd = helper.start();
    QVERIFY(fd >= 0);

    MainWindow window;
    window.setErrorDialogsEnabled(false);
    CaptureController *capture = window.captureController();
    capture->setOutputDirectory(dir.path());
    capture->setPendingLimit(10); // one batch may wait for the next flush
    QSignalSpy created(capture, &CaptureController::sessionCreated);
    QSignalSpy finished(capture, &CaptureController::finished);
    capture->startWithFd(fd);
    QVERIFY2(created.wait(5000), qPrintable(window.lastError()));
    const QString path = created.first().first().toString();
    QTest::qWait(500);
    window.stopCapture();
    QVERIFY2(finished.wait(5000), qPrintable(window.lastError()));

    auto reader = SessionReader::open(path.toStdString());
    QVERIFY2(reader, reader ? "" : reader.error().c_str());
    const SessionCounts counts = reader.value()->counts();
    QCOMPARE(counts.events + counts.lostEvents, int64_t(4 * RowCount)); // nothing silently missing
    QVERIFY2(counts.lostEvents > 0, "the batches arrived within one flush; some must have been dropped");
    auto losses = reader.value()->losses();
    QVERIFY(losses);
    QCOMPARE(losses->size(), size_t(1));
    QCOMPARE(losses->front().source, std::string("user-queue"));
    QCOMPARE(int64_t(losses->front().count), counts.lostEvents);
    QCOMPARE(losses->front().firstTsNs, kBase); // the first event of a dropped batch
    QCOMPARE(window.eventModel()->gapRows().size(), size_t(1));
}

void TstCaptureController::newSessionPathIsTimestamped()
{
    CaptureController capture;
    capture.setOutputDirectory(QStringLiteral("/some/dir"));
    const QString path = capture.newSessionPath();
    QVERIFY2(QRegularExpression(QStringLiteral("^/some/dir/provscope-\\d{8}-\\d{6}\\.provscope$"))
                 .match(path).hasMatch(), qPrintable(path));
}

void TstCaptureController::noHelperShowsExactCommand()
{
    if (QFileInfo::exists(QString::fromLatin1(kHelperSocketPath)))
        QSKIP("a helper is serving at /run/provscope/provscope.sock: cannot test the no-helper case");
    // No display: the launcher does not try pkexec and asks the user to start the helper.
    qunsetenv("DISPLAY");
    qunsetenv("WAYLAND_DISPLAY");
    HelperLaunch launch;
    launch.mode = HelperMode::Unprivileged;
    launch.captureBinary = "/opt/provscope/bin/provscope-capture";
    MainWindow window;
    window.setErrorDialogsEnabled(false);
    window.setHelperLaunch(launch);
    QSignalSpy reported(&window, &MainWindow::errorReported);
    window.startCapture();
    QVERIFY(reported.wait(10000) || !reported.isEmpty());
    const QString expected = QStringLiteral("sudo /opt/provscope/bin/provscope-capture --serve --allow-uid %1")
                                 .arg(::getuid());
    QVERIFY2(window.lastError().contains(expected), qPrintable(window.lastError()));
    QCOMPARE(window.captureController()->state(), CaptureController::State::Idle);
}

QTEST_MAIN(TstCaptureController)
#include "tst_capture_controller.moc"
