// The Flows tab while the workstation records this machine through a real
// provscope-capture helper (plain root, libpcap on lo): provscope-net-exchange's
// connection to the address its DNS query was answered with shows up in the table
// while recording (the tab reads the growing session again on its own), labelled with
// the domain and attributed to both processes; after Stop the finished file shows it
// too, and a double-click on it shows exactly the socket events of that connection
// (the same event ids as provscope-cli's events picked by the 5-tuple).
#include "capture_controller.h"
#include "event_table_model.h"
#include "events_tab.h"
#include "filter_bar.h"
#include "flow_table_model.h"
#include "flows_tab.h"
#include "helper_launcher.h"
#include "main_window.h"

#include <QElapsedTimer>
#include <QFileInfo>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTabWidget>
#include <QTableView>
#include <QTemporaryDir>
#include <QTest>

#include <set>

#include <unistd.h>

using namespace provscope;

namespace {
// The row of the flow src:sport -> dst:dport, -1 when not shown.
int rowOf(const FlowTableModel &model, const QJsonObject &step)
{
    for (int row = 0; row < model.rowCount(); ++row) {
        const Flow &flow = model.flowAt(row);
        if (QString::fromStdString(flow.src) == step.value(QStringLiteral("src")).toString()
            && flow.sport == step.value(QStringLiteral("sport")).toInt()
            && QString::fromStdString(flow.dst) == step.value(QStringLiteral("dst")).toString()
            && flow.dport == step.value(QStringLiteral("dport")).toInt())
            return row;
    }
    return -1;
}

// Runs provscope-net-exchange; its "answered" step (the TCP connection to the address
// the DNS query was answered with) into *answered. Empty *answered: failed.
void runExchange(const QString &exchange, QJsonObject *answered)
{
    QProcess run;
    run.start(exchange, {QStringLiteral("--pause"), QStringLiteral("50")});
    QVERIFY(run.waitForFinished(30000));
    const QByteArray output = run.readAllStandardOutput();
    QVERIFY2(run.exitCode() == 0, output.constData());
    for (const QByteArray &line : output.split('\n')) {
        const QJsonObject step = QJsonDocument::fromJson(line).object();
        if (step.value(QStringLiteral("step")).toString() == QStringLiteral("answered"))
            *answered = step;
    }
    QVERIFY2(!answered->isEmpty(), output.constData());
}

// The flow's row reads as the exchange says: domain, both processes, TCP with FIN.
void checkFlow(const FlowTableModel &model, const QJsonObject &answered)
{
    const int row = rowOf(model, answered);
    QVERIFY(row >= 0);
    const auto text = [&](int column) { return model.data(model.index(row, column)).toString(); };
    QCOMPARE(text(FlowTableModel::Domain), QStringLiteral("files.provscope.test"));
    QCOMPARE(text(FlowTableModel::Process),
             QStringLiteral("provscope-net-e (%1)").arg(answered.value(QStringLiteral("pid")).toInt()));
    QCOMPARE(text(FlowTableModel::PeerProcess),
             QStringLiteral("provscope-net-e (%1)").arg(answered.value(QStringLiteral("peer_pid")).toInt()));
    QCOMPARE(text(FlowTableModel::Protocol), QStringLiteral("TCP"));
    QVERIFY(text(FlowTableModel::TcpFlags).contains(QStringLiteral("FIN")));
}

// The ids of the flow's socket events as provscope-cli prints them (every event of the
// session as JSON, picked here, not by the display filter under test): the 5-tuple
// either way round (an IPv4 peer may read ::ffff:a.b.c.d), within [first - 1 s,
// last + 1 s] of the flow (epoch ns), as attribution counts them.
std::set<int64_t> socketEventIds(const QString &session, const Flow &flow, int64_t bootToEpochNs)
{
    std::set<int64_t> ids;
    QProcess cli;
    cli.start(qEnvironmentVariable("PROVSCOPE_BIN_DIR") + QStringLiteral("/provscope-cli"),
              {QStringLiteral("events"), session});
    if (!cli.waitForFinished(60000) || cli.exitCode() != 0)
        return {-1};
    const auto plain = [](QString address) {
        return address.startsWith(QStringLiteral("::ffff:")) ? address.mid(7) : address;
    };
    const QString src = QString::fromStdString(flow.src), dst = QString::fromStdString(flow.dst);
    const int64_t from = flow.firstNs + bootToEpochNs - 1'000'000'000, to = flow.lastNs + bootToEpochNs + 1'000'000'000;
    for (const QByteArray &line : cli.readAllStandardOutput().split('\n')) {
        const QJsonObject e = QJsonDocument::fromJson(line).object();
        if (e.isEmpty() || !e.contains(QStringLiteral("laddr")) || !e.contains(QStringLiteral("raddr")))
            continue;
        const QString laddr = plain(e.value(QStringLiteral("laddr")).toString());
        const QString raddr = plain(e.value(QStringLiteral("raddr")).toString());
        const int lport = e.value(QStringLiteral("lport")).toInt(), rport = e.value(QStringLiteral("rport")).toInt();
        const bool initiator = laddr == src && lport == flow.sport && raddr == dst && rport == flow.dport;
        const bool responder = laddr == dst && lport == flow.dport && raddr == src && rport == flow.sport;
        const int64_t ts = e.value(QStringLiteral("ts_ns")).toVariant().toLongLong();
        if ((initiator || responder) && ts >= from && ts <= to)
            ids.insert(e.value(QStringLiteral("id")).toVariant().toLongLong());
    }
    return ids;
}

// A double-click on the flow: the Events tab with exactly its socket events, both ends.
void checkDoubleClick(MainWindow &window, const QString &session, const QJsonObject &answered)
{
    FlowsTab *tab = window.flowsTab();
    window.tabs()->setCurrentWidget(tab);
    QTableView *table = tab->table();
    const int flowRow = rowOf(*tab->model(), answered);
    const Flow flow = tab->model()->flowAt(flowRow);
    const QModelIndex index = tab->model()->index(flowRow, FlowTableModel::Source);
    table->scrollTo(index);
    const QRect visible = table->visualRect(index);
    QTest::mouseClick(table->viewport(), Qt::LeftButton, {}, visible.center());
    QTest::mouseDClick(table->viewport(), Qt::LeftButton, {}, visible.center());
    QTRY_COMPARE(window.tabs()->currentWidget(), static_cast<QWidget *>(window.eventsTab()));
    QTRY_VERIFY_WITH_TIMEOUT(!window.filterBar()->appliedFilter().isEmpty() && !window.filterBar()->isRunning(), 20000);
    const int pid = answered.value(QStringLiteral("pid")).toInt();
    const int peer = answered.value(QStringLiteral("peer_pid")).toInt();
    const EventTableModel *events = window.eventModel();
    QVERIFY(events->rowCount() >= 4); // connect, accept, the transfer, the closes
    bool connected = false, accepted = false;
    std::set<int64_t> shown;
    for (int row = 0; row < events->rowCount(); ++row) {
        const Event *event = events->eventAt(row);
        QVERIFY(event);
        QVERIFY2(int(event->pid) == pid || int(event->pid) == peer, event->syscall.c_str());
        shown.insert(event->id);
        connected = connected || (event->syscall == "connect" && int(event->pid) == pid);
        accepted = accepted || (event->syscall.rfind("accept", 0) == 0 && int(event->pid) == peer);
    }
    QVERIFY(connected);
    QVERIFY(accepted);
    // Exactly: the same events as the CLI's, picked by the 5-tuple.
    const std::set<int64_t> expected = socketEventIds(session, flow, tab->bootToEpochNs());
    qInfo("the flow's socket events: %zu shown, %zu by the CLI", shown.size(), expected.size());
    QVERIFY(shown == expected);
}
} // namespace

class TstFlowsLive : public QObject {
    Q_OBJECT

private slots:
    void recordedFlowsShowLive();
    void headlessRecordingShowsFlows();
};

void TstFlowsLive::recordedFlowsShowLive()
{
    if (::geteuid() != 0)
        QSKIP("LIVE CAPTURE NOT TESTED: needs root to load the eBPF programs and capture on lo (run ctest as root)");
    const QString binDir = qEnvironmentVariable("PROVSCOPE_BIN_DIR");
    const QString helper = binDir + QStringLiteral("/provscope-capture");
    const QString exchange = binDir + QStringLiteral("/provscope-net-exchange");
    QVERIFY2(QFileInfo(helper).isExecutable(), qPrintable(helper + QStringLiteral(" is missing: build it first")));
    QVERIFY2(QFileInfo(exchange).isExecutable(), qPrintable(exchange + QStringLiteral(" is missing: build it first")));
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
    const QString session = window.captureController()->sessionPath();
    FlowsTab *tab = window.flowsTab();
    window.tabs()->setCurrentWidget(tab);
    QTest::qWait(1000); // libpcap is listening before the exchange starts

    QJsonObject answered;
    runExchange(exchange, &answered);
    if (QTest::currentTestFailed())
        return;

    // While recording: no refresh() from here, the tab follows the session itself.
    QElapsedTimer shown;
    shown.start();
    const bool seen = QTest::qWaitFor([&] { return rowOf(*tab->model(), answered) >= 0; }, 30000);
    qInfo("Flows tab while recording: %zu flows; %s", tab->allFlows().size(), qPrintable(tab->messageText()));
    QVERIFY2(seen, "the exchange's flow is not in the Flows tab");
    qInfo("the flow is in the Flows tab %lld ms after the exchange ended", shown.elapsed());
    QTRY_VERIFY_WITH_TIMEOUT(!tab->model()->flowAt(rowOf(*tab->model(), answered)).comm.empty()
                                 && tab->model()->flowAt(rowOf(*tab->model(), answered)).peerPid != 0,
                             30000);
    checkFlow(*tab->model(), answered);
    if (QTest::currentTestFailed())
        return;

    window.stopCapture();
    QVERIFY2(finished.wait(30000) || !finished.isEmpty(), qPrintable(window.lastError()));
    QTRY_VERIFY_WITH_TIMEOUT(tab->isLoaded() && !tab->isBusy() && rowOf(*tab->model(), answered) >= 0, 20000);
    checkFlow(*tab->model(), answered);
    if (QTest::currentTestFailed())
        return;
    checkDoubleClick(window, session, answered);
}

void TstFlowsLive::headlessRecordingShowsFlows()
{
    // The same exchange recorded by provscope-capture -o (headless), then opened: the
    // whole chain from libpcap and eBPF to the Flows tab and back to the event table.
    if (::geteuid() != 0)
        QSKIP("LIVE CAPTURE NOT TESTED: needs root to load the eBPF programs and capture on lo (run ctest as root)");
    const QString binDir = qEnvironmentVariable("PROVSCOPE_BIN_DIR");
    const QString helper = binDir + QStringLiteral("/provscope-capture");
    const QString exchange = binDir + QStringLiteral("/provscope-net-exchange");
    QVERIFY2(QFileInfo(helper).isExecutable(), qPrintable(helper + QStringLiteral(" is missing: build it first")));
    QVERIFY2(QFileInfo(exchange).isExecutable(), qPrintable(exchange + QStringLiteral(" is missing: build it first")));
    QStandardPaths::setTestModeEnabled(true);
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString path = dir.filePath(QStringLiteral("headless.provscope"));
    QProcess capture;
    capture.setProcessChannelMode(QProcess::MergedChannels);
    capture.start(helper, {QStringLiteral("-o"), path, QStringLiteral("--duration"), QStringLiteral("5"),
                           QStringLiteral("--interface"), QStringLiteral("lo")});
    QVERIFY(capture.waitForStarted());
    // Recording (eBPF attached, libpcap listening) once the file exists.
    QTRY_VERIFY_WITH_TIMEOUT(QFileInfo::exists(path) || capture.state() == QProcess::NotRunning, 20000);
    QTest::qWait(1000);
    QJsonObject answered;
    runExchange(exchange, &answered);
    QVERIFY(capture.waitForFinished(30000));
    QVERIFY2(capture.exitCode() == 0, capture.readAll().constData());
    if (QTest::currentTestFailed())
        return;

    MainWindow window;
    window.setErrorDialogsEnabled(false);
    window.resize(1280, 800);
    window.show();
    QVERIFY2(window.openSession(path), qPrintable(window.lastError()));
    FlowsTab *tab = window.flowsTab();
    window.tabs()->setCurrentWidget(tab);
    QTRY_VERIFY_WITH_TIMEOUT(tab->isLoaded() && !tab->isBusy(), 20000);
    qInfo("%zu flows in the headless recording", tab->allFlows().size());
    checkFlow(*tab->model(), answered);
    if (QTest::currentTestFailed())
        return;
    checkDoubleClick(window, path, answered);
}

QTEST_MAIN(TstFlowsLive)
#include "tst_flows_live.moc"
