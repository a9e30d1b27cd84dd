// The workstation under -platform offscreen: open a recorded session, see its rows,
// details, a laid-out graph and a PNG export; bad files report the store's message.
#include "event_details_view.h"
#include "event_table_model.h"
#include "graph_tab.h"
#include "main_window.h"
#include "provenance_graph.h"
#include "session_reader.h"
#include "session_status_bar.h"
#include "workstation_fixture.h"

#include <QAbstractItemModelTester>
#include <QApplication>
#include <QDateTime>
#include <QFile>
#include <QGraphicsScene>
#include <QHeaderView>
#include <QImage>
#include <QMessageBox>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTabWidget>
#include <QTableView>
#include <QTemporaryDir>
#include <QTest>
#include <QTimer>

using namespace provscope;
using namespace provscope::test;

class TstMainWindow : public QObject {
    Q_OBJECT

private slots:
    void initTestCase();
    void showsEveryRow();
    void cellText_data();
    void cellText();
    void modelPassesTester();
    void liveSessionInsertsRows();
    void lossesAreGapRows();
    void liveLossesInsertGapRows();
    void selectingRowShowsDetails();
    void graphTabLaysOutAndExportsPng();
    void graphOfFile();
    void badFileReportsStoreMessage_data();
    void badFileReportsStoreMessage();
    void errorIsShownInMessageBox();
    void screenshots();

private:
    static QString localClock(uint64_t bootNs);
    void selectRow(MainWindow &window, int row);

    QTemporaryDir m_dir;
    QString m_session;
};

QString TstMainWindow::localClock(uint64_t bootNs)
{
    const int64_t epochNs = int64_t(bootNs) + kBootToEpochNs;
    const QDateTime time = QDateTime::fromSecsSinceEpoch(epochNs / 1000000000);
    return time.toString(QStringLiteral("HH:mm:ss")) + QStringLiteral(".%1")
        .arg((epochNs % 1000000000) / 1000, 6, 10, QLatin1Char('0'));
}

void TstMainWindow::selectRow(MainWindow &window, int row)
{
    QTableView *table = window.eventTable();
    table->setCurrentIndex(table->model()->index(row, 0));
}

void TstMainWindow::initTestCase()
{
    prepareFixtureSession(m_dir, &m_session);
}

void TstMainWindow::showsEveryRow()
{
    MainWindow window;
    window.setErrorDialogsEnabled(false);
    QVERIFY2(window.openSession(m_session), qPrintable(window.lastError()));
    QCOMPARE(window.eventTable()->model()->rowCount(), int(RowCount));
    QCOMPARE(window.sessionPath(), m_session);
    QVERIFY2(window.sessionStatusBar()->eventText().startsWith(QStringLiteral("9 events")),
             qPrintable(window.sessionStatusBar()->eventText()));
    QCOMPARE(window.sessionStatusBar()->lostText(), QStringLiteral("0 lost"));
    QCOMPARE(window.sessionStatusBar()->pathText(), m_session);
    QVERIFY(window.windowTitle().contains(QStringLiteral("fixture.provscope")));
    QCOMPARE(RecentFiles().list().value(0), m_session);
    // Fixed row height: the view never has to measure millions of rows.
    QCOMPARE(window.eventTable()->verticalHeader()->sectionResizeMode(0), QHeaderView::Fixed);
}

void TstMainWindow::cellText_data()
{
    QTest::addColumn<int>("row");
    QTest::addColumn<int>("column");
    QTest::addColumn<QString>("expected");
    QTest::newRow("time") << int(RowRead) << int(EventTableModel::Time) << localClock(kBase + 4000);
    QTest::newRow("pid") << int(RowRead) << int(EventTableModel::Pid) << QStringLiteral("1001");
    QTest::newRow("ppid") << int(RowRead) << int(EventTableModel::Ppid) << QStringLiteral("1000");
    QTest::newRow("process") << int(RowClone) << int(EventTableModel::Process) << QStringLiteral("bash");
    QTest::newRow("syscall") << int(RowExec) << int(EventTableModel::Syscall) << QStringLiteral("execve");
    QTest::newRow("exec target") << int(RowExec) << int(EventTableModel::Target) << QStringLiteral("/usr/bin/python3");
    QTest::newRow("read target") << int(RowRead) << int(EventTableModel::Target) << QStringLiteral("/tmp/work/input.txt");
    QTest::newRow("rename target") << int(RowRename) << int(EventTableModel::Target)
                                   << QStringLiteral("/tmp/work/out.tmp → /tmp/work/out.txt");
    QTest::newRow("connect target") << int(RowConnect) << int(EventTableModel::Target)
                                    << QStringLiteral("127.0.0.1:40000 → 127.0.0.1:8080");
    QTest::newRow("errno") << int(RowMissing) << int(EventTableModel::Ret) << QStringLiteral("ENOENT");
    QTest::newRow("fd result") << int(RowOpenTmp) << int(EventTableModel::Ret) << QStringLiteral("4");
    QTest::newRow("count") << int(RowWrite) << int(EventTableModel::Count) << QStringLiteral("3");
    QTest::newRow("bytes") << int(RowWrite) << int(EventTableModel::Bytes) << QStringLiteral("600");
}

void TstMainWindow::cellText()
{
    QFETCH(int, row);
    QFETCH(int, column);
    QFETCH(QString, expected);
    MainWindow window;
    window.setErrorDialogsEnabled(false);
    QVERIFY(window.openSession(m_session));
    const QAbstractItemModel *model = window.eventTable()->model();
    QCOMPARE(model->data(model->index(row, column)).toString(), expected);
}

void TstMainWindow::modelPassesTester()
{
    auto reader = SessionReader::open(m_session.toStdString());
    QVERIFY2(reader, reader ? "" : reader.error().c_str());
    EventTableModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.setReader(std::shared_ptr<SessionReader>(std::move(reader.value())));
    QCOMPARE(model.rowCount(), int(RowCount));
    for (int row = 0; row < model.rowCount(); ++row)
        QCOMPARE(model.data(model.index(row, 0), EventTableModel::EventIdRole).toLongLong(), row + 1);
    model.setReader(nullptr);
    QCOMPARE(model.rowCount(), 0);
}

void TstMainWindow::liveSessionInsertsRows()
{
    // A session still being written (WAL): the model follows it as the writer appends.
    const QString path = m_dir.filePath(QStringLiteral("live.provscope"));
    auto writer = SessionWriter::create(path.toStdString(), clockOnlyMeta());
    QVERIFY2(writer, writer ? "" : writer.error().c_str());
    CaptureBatch first;
    first.events = {fixtureEvents()[RowClone], fixtureEvents()[RowExec]};
    QVERIFY(writer.value()->append(first));

    auto reader = SessionReader::open(path.toStdString());
    QVERIFY2(reader, reader ? "" : reader.error().c_str());
    EventTableModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.setReader(std::shared_ptr<SessionReader>(std::move(reader.value())));
    QCOMPARE(model.rowCount(), 2);
    QCOMPARE(model.data(model.index(1, EventTableModel::Syscall)).toString(), QStringLiteral("execve"));

    QSignalSpy inserted(&model, &QAbstractItemModel::rowsInserted);
    CaptureBatch second;
    const auto all = fixtureEvents();
    second.events.assign(all.begin() + 2, all.end());
    QVERIFY(writer.value()->append(second));
    QCOMPARE(model.refresh(), int(RowCount) - 2);
    QCOMPARE(model.rowCount(), int(RowCount));
    QCOMPARE(inserted.count(), 1);
    QCOMPARE(inserted.first().at(1).toInt(), 2);
    QCOMPARE(inserted.first().at(2).toInt(), int(RowCount) - 1);
    QCOMPARE(model.data(model.index(RowMissing, EventTableModel::Ret)).toString(), QStringLiteral("ENOENT"));
    QCOMPARE(model.refresh(), 0); // nothing new: no signal
    QCOMPARE(inserted.count(), 1);
    // Finishing checkpoints the file: readers close first (the window does the same).
    model.setReader(nullptr);
    auto finished = writer.value()->finish(kBase + 20000);
    QVERIFY2(finished, finished ? "" : finished.error().c_str());
}

// The fixture's events with losses between them: 1,234 from the kernel ring buffer of
// CPU 1 after RowRead, 5 from the user-space queue after the last event.
static QString writeLossySession(const QString &path)
{
    const auto all = fixtureEvents();
    CaptureBatch first;
    first.events.assign(all.begin(), all.begin() + RowRead + 1);
    first.losses.push_back({kBase + 4100, kBase + 4900, 1, 1234, "kernel-ringbuf"});
    CaptureBatch second;
    second.events.assign(all.begin() + RowRead + 1, all.end());
    second.losses.push_back({kBase + 9100, kBase + 9100, -1, 5, "user-queue"});
    return writeSession(path, clockOnlyMeta(kBase - 1000), {first, second}, kBase + 10000);
}

void TstMainWindow::lossesAreGapRows()
{
    const QString path = m_dir.filePath(QStringLiteral("lossy.provscope"));
    const QString error = writeLossySession(path);
    QVERIFY2(error.isEmpty(), qPrintable(error));
    MainWindow window;
    window.setErrorDialogsEnabled(false);
    QVERIFY2(window.openSession(path), qPrintable(window.lastError()));
    QCOMPARE(window.sessionStatusBar()->lostText(), QStringLiteral("1,239 lost"));
    EventTableModel *model = window.eventModel();
    QAbstractItemModelTester tester(model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QCOMPARE(model->rowCount(), int(RowCount) + 2); // rows = events + losses
    const int gap = RowRead + 1;
    const int lastGap = int(RowCount) + 1;
    QCOMPARE(model->gapRows(), (std::vector<int>{gap, lastGap}));

    // The gap row says what was lost, where and when, across the row, in its own colour.
    const QString text = model->data(model->index(gap, 0)).toString();
    QVERIFY2(text.startsWith(QStringLiteral("⚠ 1,234 events lost (kernel ring buffer, CPU 1)")), qPrintable(text));
    QVERIFY2(text.contains(localClock(kBase + 4100)) && text.contains(localClock(kBase + 4900)), qPrintable(text));
    QVERIFY(model->data(model->index(gap, 0), EventTableModel::IsGapRole).toBool());
    QVERIFY(!model->data(model->index(gap, 0), EventTableModel::EventIdRole).isValid());
    const QColor gapColour = model->data(model->index(gap, 3), Qt::BackgroundRole).value<QBrush>().color();
    QVERIFY(gapColour.isValid());
    QVERIFY(!model->data(model->index(gap - 1, 3), Qt::BackgroundRole).isValid()); // events: plain
    QCOMPARE(window.eventTable()->columnSpan(gap, 0), int(EventTableModel::ColumnCount));
    QCOMPARE(window.eventTable()->columnSpan(gap - 1, 0), 1);
    QCOMPARE(model->data(model->index(lastGap, 0)).toString(),
             QStringLiteral("⚠ 5 events lost (user-space queue)  ·  ") + localClock(kBase + 9100));
    QCOMPARE(model->headerData(gap, Qt::Vertical).toString(), QStringLiteral("⚠"));

    // Rows around the gaps still name the right events.
    for (int row = 0; row < model->rowCount(); ++row) {
        const bool isGap = row == gap || row == lastGap;
        QCOMPARE(model->eventAt(row) == nullptr, isGap);
        QCOMPARE(model->lossAt(row) != nullptr, isGap);
        if (!isGap) {
            const qlonglong id = row < gap ? row + 1 : row;
            QCOMPARE(model->data(model->index(row, 0), EventTableModel::EventIdRole).toLongLong(), id);
            QCOMPARE(model->headerData(row, Qt::Vertical).toLongLong(), id);
        }
    }
    QCOMPARE(model->data(model->index(gap + 1, EventTableModel::Target)).toString(), QStringLiteral("/tmp/work/out.tmp"));
    QCOMPARE(model->lossAt(gap)->loss.count, uint64_t(1234));

    // Selecting a gap shows no event details; the next row shows its event.
    selectRow(window, gap);
    QCOMPARE(window.detailsView()->valueOf(QStringLiteral("Syscall")), QString());
    selectRow(window, gap + 1);
    QCOMPARE(window.detailsView()->valueOf(QStringLiteral("Syscall")), QStringLiteral("openat"));
}

void TstMainWindow::liveLossesInsertGapRows()
{
    // While recording, a loss appears as a gap row appended with the rows after it.
    const QString path = m_dir.filePath(QStringLiteral("live-lossy.provscope"));
    auto writer = SessionWriter::create(path.toStdString(), clockOnlyMeta());
    QVERIFY2(writer, writer ? "" : writer.error().c_str());
    const auto all = fixtureEvents();
    CaptureBatch first;
    first.events = {all[RowClone], all[RowExec]};
    QVERIFY(writer.value()->append(first));
    auto reader = SessionReader::open(path.toStdString());
    QVERIFY2(reader, reader ? "" : reader.error().c_str());
    EventTableModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.setReader(std::shared_ptr<SessionReader>(std::move(reader.value())));
    QCOMPARE(model.rowCount(), 2);
    QVERIFY(model.gapRows().empty());

    QSignalSpy inserted(&model, &QAbstractItemModel::rowsInserted);
    QSignalSpy reset(&model, &QAbstractItemModel::modelReset);
    CaptureBatch second;
    second.losses.push_back({kBase + 2500, kBase + 2600, 0, 7, "kernel-ringbuf"});
    QVERIFY(writer.value()->append(second));
    CaptureBatch third;
    third.events.assign(all.begin() + 2, all.end());
    QVERIFY(writer.value()->append(third));
    QCOMPARE(model.refresh(), int(RowCount) - 2 + 1);
    QCOMPARE(reset.count(), 0); // appended, not reset: the view keeps its place
    QCOMPARE(inserted.count(), 1);
    QCOMPARE(model.rowCount(), int(RowCount) + 1);
    QCOMPARE(model.gapRows(), std::vector<int>{2});
    QVERIFY(model.data(model.index(2, 0)).toString().startsWith(QStringLiteral("⚠ 7 events lost")));
    QCOMPARE(model.eventAt(3)->syscall, std::string("openat"));
    model.setReader(nullptr);
    auto finished = writer.value()->finish(kBase + 20000);
    QVERIFY2(finished, finished ? "" : finished.error().c_str());
}

void TstMainWindow::selectingRowShowsDetails()
{
    MainWindow window;
    window.setErrorDialogsEnabled(false);
    QVERIFY(window.openSession(m_session));
    selectRow(window, RowRename);
    EventDetailsView *details = window.detailsView();
    QCOMPARE(details->valueOf(QStringLiteral("Syscall")), QStringLiteral("rename"));
    QCOMPARE(details->valueOf(QStringLiteral("Path")), QStringLiteral("/tmp/work/out.tmp"));
    QCOMPARE(details->valueOf(QStringLiteral("New path")), QStringLiteral("/tmp/work/out.txt"));
    QCOMPARE(details->valueOf(QStringLiteral("PID")), QStringLiteral("1001"));
    QCOMPARE(details->valueOf(QStringLiteral("Executable")), QStringLiteral("/usr/bin/python3"));
    QCOMPARE(details->valueOf(QStringLiteral("Command line")), QStringLiteral("python3 /tmp/work/job.py --fast"));
    // The process's ancestry as far as the session knows it (bash's parent, pid 1, is
    // not recorded), and links to the tree and the graph for the process and the file.
    QCOMPARE(details->ancestry(), (QStringList{QStringLiteral("python3 (1001)"), QStringLiteral("bash (1000)")}));
    QCOMPARE(details->valueOf(QStringLiteral("(pid 1)")), QStringLiteral("not recorded in this session"));
    QVERIFY(details->linkItem(QStringLiteral("Show in Process Tree")));
    QVERIFY(details->linkItem(QStringLiteral("Show in Graph")));
    QCOMPARE(details->linkItem(QStringLiteral("Show File in Graph"))->text(1), QStringLiteral("/tmp/work/out.tmp"));

    selectRow(window, RowMissing);
    QVERIFY2(details->valueOf(QStringLiteral("Result")).contains(QStringLiteral("ENOENT")),
             qPrintable(details->valueOf(QStringLiteral("Result"))));
    QCOMPARE(details->valueOf(QStringLiteral("Path")), QStringLiteral("/tmp/work/missing.cfg"));
    QCOMPARE(details->valueOf(QStringLiteral("Arguments")), QStringLiteral("flags=O_RDONLY|O_CLOEXEC"));

    selectRow(window, RowConnect);
    QCOMPARE(details->valueOf(QStringLiteral("Remote address")), QStringLiteral("127.0.0.1:8080"));
    QCOMPARE(details->valueOf(QStringLiteral("Local address")), QStringLiteral("127.0.0.1:40000"));
    QVERIFY(!details->linkItem(QStringLiteral("Show File in Graph"))); // a socket, no file
}

void TstMainWindow::graphTabLaysOutAndExportsPng()
{
    MainWindow window;
    window.setErrorDialogsEnabled(false);
    window.show();
    QVERIFY(window.openSession(m_session));
    selectRow(window, RowWrite);
    QSignalSpy ready(window.graphTab(), &GraphTab::graphReady);
    QSignalSpy failed(window.graphTab(), &GraphTab::graphFailed);
    // Showing the tab builds the graph of the selected event's process.
    window.tabs()->setCurrentWidget(window.graphTab());
    QVERIFY2(ready.wait(60000) || !ready.isEmpty(),
             qPrintable(failed.isEmpty() ? window.graphTab()->statusText() : failed.first().first().toString()));
    const ProvenanceGraph *graph = window.graphTab()->graph();
    QVERIFY(graph);
    QVERIFY2(graph->nodeCount() >= 3, qPrintable(QString::number(graph->nodeCount())));
    QVERIFY(graph->findNode(ProvenanceGraph::keyForFile("/tmp/work/input.txt")) >= 0);
    QVERIFY(graph->findNode(ProvenanceGraph::keyForProcess(kChildPid, kChildStart)) >= 0);
    // Every node and edge is an item in the scene.
    QCOMPARE(window.graphTab()->scene()->items().size(), qsizetype(graph->nodeCount() + graph->edgeCount()));

    const QString png = m_dir.filePath(QStringLiteral("graph.png"));
    QVERIFY2(window.exportGraphPng(png), qPrintable(window.lastError()));
    QImage image(png);
    QVERIFY(!image.isNull());
    QVERIFY(image.width() > 50 && image.height() > 50);
    int inked = 0;
    const QImage rgb = image.convertToFormat(QImage::Format_RGB32);
    for (int y = 0; y < rgb.height(); ++y)
        for (int x = 0; x < rgb.width(); ++x)
            inked += rgb.pixel(x, y) != qRgb(255, 255, 255);
    QVERIFY2(inked > 500, qPrintable(QStringLiteral("%1 non-white pixels").arg(inked)));
}

void TstMainWindow::graphOfFile()
{
    MainWindow window;
    window.setErrorDialogsEnabled(false);
    QVERIFY(window.openSession(m_session));
    selectRow(window, RowRename);
    QSignalSpy ready(window.graphTab(), &GraphTab::graphReady);
    window.showGraphOfSelectedFile();
    QCOMPARE(window.tabs()->currentWidget(), window.graphTab());
    QVERIFY2(ready.wait(60000), qPrintable(window.graphTab()->statusText()));
    const ProvenanceGraph *graph = window.graphTab()->graph();
    QVERIFY(graph);
    const int poi = graph->poi();
    QVERIFY(poi >= 0);
    QCOMPARE(QString::fromStdString(graph->node(poi).path), QStringLiteral("/tmp/work/out.tmp"));
    QVERIFY(graph->findNode(ProvenanceGraph::keyForProcess(kChildPid, kChildStart)) >= 0);
}

void TstMainWindow::badFileReportsStoreMessage_data()
{
    QTest::addColumn<QByteArray>("content");
    QTest::addColumn<QString>("expected");
    QTest::newRow("random bytes") << QByteArray("\x13\x37garbage that is not SQLite at all\n", 36)
                                  << QStringLiteral("not a provscope session");
    QTest::newRow("text file") << QByteArray("hello, world\n") << QStringLiteral("not a provscope session");
}

void TstMainWindow::badFileReportsStoreMessage()
{
    QFETCH(QByteArray, content);
    QFETCH(QString, expected);
    const QString path = m_dir.filePath(QStringLiteral("bad-%1.provscope").arg(QTest::currentDataTag()).replace(' ', '-'));
    {
        QFile file(path);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write(content);
    }
    MainWindow window;
    window.setErrorDialogsEnabled(false);
    QVERIFY(window.openSession(m_session));
    QSignalSpy reported(&window, &MainWindow::errorReported);
    QVERIFY(!window.openSession(path));
    QCOMPARE(reported.count(), 1);
    QVERIFY2(window.lastError().contains(expected), qPrintable(window.lastError()));
    // The window stays usable with the session it had.
    QCOMPARE(window.sessionPath(), m_session);
    QCOMPARE(window.eventTable()->model()->rowCount(), int(RowCount));
}

void TstMainWindow::errorIsShownInMessageBox()
{
    // What a user sees: a message box carrying the store's message, window still usable.
    const QString path = m_dir.filePath(QStringLiteral("notes.txt"));
    {
        QFile file(path);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write("just some notes\n");
    }
    MainWindow window;
    window.show();
    QString shownText;
    QTimer::singleShot(200, [&shownText] {
        if (auto *box = qobject_cast<QMessageBox *>(QApplication::activeModalWidget())) {
            shownText = box->text();
            box->accept();
        }
    });
    QVERIFY(!window.openSession(path));
    QVERIFY2(shownText.contains(QStringLiteral("not a provscope session")), qPrintable(shownText));
    QVERIFY(window.openSession(m_session));
}

void TstMainWindow::screenshots()
{
    // Offscreen grabs of the window as a user sees it; saved when PROVSCOPE_SCREENSHOT_DIR is set.
    MainWindow window;
    window.setErrorDialogsEnabled(false);
    window.resize(1280, 800);
    window.show();
    QVERIFY(window.openSession(m_session));
    selectRow(window, RowExec);
    QApplication::processEvents();
    const QImage events = window.grab().toImage();
    QCOMPARE(events.size(), QSize(1280, 800) * events.devicePixelRatio());

    QSignalSpy ready(window.graphTab(), &GraphTab::graphReady);
    window.tabs()->setCurrentWidget(window.graphTab());
    QVERIFY2(ready.wait(60000), qPrintable(window.graphTab()->statusText()));
    QApplication::processEvents();
    const QImage graph = window.grab().toImage();
    QVERIFY(!graph.isNull());

    const QString dir = qEnvironmentVariable("PROVSCOPE_SCREENSHOT_DIR");
    if (!dir.isEmpty()) {
        QVERIFY(events.save(dir + QStringLiteral("/provscope-events.png")));
        QVERIFY(graph.save(dir + QStringLiteral("/provscope-graph.png")));
    }
}

QTEST_MAIN(TstMainWindow)
#include "tst_main_window.moc"
