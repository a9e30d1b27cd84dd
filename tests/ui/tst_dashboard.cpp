// The Dashboard tab offscreen on real sessions written with SessionWriter: the values
// a user reads, drill-down expressions that select exactly the events counted, the
// rate chart's click, a live session refreshed incrementally, the recording states.
#include "dashboard_tab.h"
#include "event_query.h"
#include "filter_expression.h"
#include "rate_chart.h"
#include "task_progress.h"
#include "top_list_model.h"
#include "../models/statistics_session.h"

#include <QAbstractItemModelTester>
#include <QHeaderView>
#include <QLabel>
#include <QSignalSpy>
#include <QTableView>
#include <QTemporaryDir>
#include <QtTest>

using namespace provscope;
namespace st = provscope::test::stats;

class TestDashboard : public QObject {
    Q_OBJECT
private slots:
    void initTestCase();
    void showsCountsAndState();
    void topLists();
    void clickingATopSyscallFilters();
    void everyItemSelectsWhatItCounts();
    void pathsAreQuoted();
    void rateChartClickFiltersItsBucket();
    void liveSessionRefreshes();
    void interruptedSession();
    void progressAndCancel();
    void noSession();
    void screenshot();

private:
    bool load(DashboardTab &tab, const QString &path, bool recording = false);
    int64_t matching(const QString &path, const QString &expression);
    QString clickRow(DashboardTab &tab, DashboardTab::List list, int row);

    QTemporaryDir m_dir;
    QString m_path;
};

void TestDashboard::initTestCase()
{
    QVERIFY(m_dir.isValid());
    m_path = m_dir.filePath("case.provscope");
    const QString error = st::writeSession(m_path);
    QVERIFY2(error.isEmpty(), qPrintable(error));
}

bool TestDashboard::load(DashboardTab &tab, const QString &path, bool recording)
{
    QSignalSpy updated(&tab, &DashboardTab::statisticsUpdated);
    tab.setSession(path, recording);
    return updated.wait(20000) && !tab.isBusy();
}

int64_t TestDashboard::matching(const QString &path, const QString &expression)
{
    FilterError error;
    auto compiled = compileFilter(expression.toStdString(), &error);
    if (!compiled) {
        qWarning("%s: %s", qPrintable(expression), error.text().c_str());
        return -1;
    }
    auto query = EventQuery::open(path.toStdString());
    if (!query)
        return -2;
    int64_t n = 0;
    auto done = query.value()->matchingIds(*compiled, [&](const std::vector<int64_t> &chunk) {
        n += int64_t(chunk.size());
        return true;
    });
    return done ? n : -3;
}

QString TestDashboard::clickRow(DashboardTab &tab, DashboardTab::List list, int row)
{
    QSignalSpy requested(&tab, &DashboardTab::filterRequested);
    QTableView *view = tab.listView(list);
    const QRect rect = view->visualRect(view->model()->index(row, 0));
    if (!rect.isValid())
        return QStringLiteral("<row %1 not visible>").arg(row);
    QTest::mouseClick(view->viewport(), Qt::LeftButton, {}, rect.center());
    return requested.size() == 1 ? requested.at(0).at(0).toString() : QStringLiteral("<no signal>");
}

void TestDashboard::showsCountsAndState()
{
    DashboardTab tab;
    std::vector<std::unique_ptr<QAbstractItemModelTester>> testers;
    for (int l = 0; l < DashboardTab::ListCount; ++l)
        testers.push_back(std::make_unique<QAbstractItemModelTester>(
            tab.listModel(DashboardTab::List(l)), QAbstractItemModelTester::FailureReportingMode::QtTest));
    tab.resize(1280, 800);
    tab.show();
    QCOMPARE(tab.tileValue(DashboardTab::EventsTile), QStringLiteral("–"));
    QVERIFY(load(tab, m_path));
    QCOMPARE(tab.stateText(), QStringLiteral("Finished"));
    QCOMPARE(tab.tileValue(DashboardTab::EventsTile), QStringLiteral("109"));
    QCOMPARE(tab.tileValue(DashboardTab::ProcessesTile), QStringLiteral("4"));
    QCOMPARE(tab.tileValue(DashboardTab::LostTile), QStringLiteral("17"));
    QCOMPARE(tab.rateChart()->lossMarkCount(), 1); // the loss record, marked on the time line
    QCOMPARE(tab.tileValue(DashboardTab::FailedTile), QStringLiteral("7"));
    QVERIFY(tab.tileValue(DashboardTab::RateTile).endsWith(QStringLiteral("/s")));
    const QString header = tab.findChild<QLabel *>(QStringLiteral("dashboardState"))->text();
    QCOMPARE(header, QStringLiteral("Finished"));
    // The session line: where, which host, when, and the evidence digest stored at the end.
    const QString subtitle = tab.findChild<QLabel *>(QStringLiteral("dashboardSubtitle"))->text();
    QVERIFY2(subtitle.contains(QStringLiteral("host lab-host")), qPrintable(subtitle));
    QVERIFY2(subtitle.contains(QStringLiteral("(9.0 s)")), qPrintable(subtitle));
    QVERIFY2(subtitle.contains(QStringLiteral("SHA-256 ")), qPrintable(subtitle));
    // The chart spans the session with time labels and says what a bar counts.
    QVERIFY(!tab.rateChart()->buckets().empty());
    QVERIFY(tab.rateChart()->yAxisTitle().startsWith(QStringLiteral("events per ")));
    // A 9 s session: labels on round seconds of local time.
    const QStringList labels = tab.rateChart()->xAxisLabels();
    QVERIFY2(labels.size() >= 3, qPrintable(labels.join(' ')));
    for (const QString &label : labels)
        QVERIFY2(QTime::fromString(label, QStringLiteral("HH:mm:ss")).isValid(), qPrintable(label));
}

void TestDashboard::topLists()
{
    DashboardTab tab;
    tab.resize(1280, 800);
    tab.show();
    QVERIFY(load(tab, m_path));
    auto text = [&](DashboardTab::List l, int row, int column) {
        return tab.listModel(l)->index(row, column).data().toString();
    };
    QCOMPARE(tab.listModel(DashboardTab::Syscalls)->rowCount(), 9);
    QCOMPARE(text(DashboardTab::Syscalls, 0, 0), QStringLiteral("write"));
    QCOMPARE(text(DashboardTab::Syscalls, 0, 1), QStringLiteral("63"));
    QCOMPARE(text(DashboardTab::Syscalls, 0, 2), QStringLiteral("67"));
    QCOMPARE(text(DashboardTab::Processes, 0, 0), QStringLiteral("python3"));
    QCOMPARE(text(DashboardTab::Processes, 0, 1), QStringLiteral("300"));
    QCOMPARE(text(DashboardTab::Processes, 0, 2), QStringLiteral("49"));
    QCOMPARE(text(DashboardTab::FilesWritten, 0, 0), QStringLiteral("/var/log/app.log"));
    QCOMPARE(text(DashboardTab::FilesWritten, 0, 1), QStringLiteral("9.8 kB")); // 10,000 bytes
    QCOMPARE(text(DashboardTab::RemoteAddresses, 0, 0), QStringLiteral("10.0.0.1:443"));
    QCOMPARE(text(DashboardTab::RemoteAddresses, 0, 1), QStringLiteral("12"));
    QCOMPARE(text(DashboardTab::RemoteAddresses, 0, 2), QStringLiteral("2"));
    QCOMPARE(text(DashboardTab::Failures, 0, 0), QStringLiteral("openat"));
    QCOMPARE(text(DashboardTab::Failures, 0, 1), QStringLiteral("ENOENT"));
    QCOMPARE(text(DashboardTab::Failures, 0, 2), QStringLiteral("5"));
    // The largest count gets a full share bar, the others a proportional one.
    QCOMPARE(tab.listModel(DashboardTab::Syscalls)->index(0, 1).data(TopListModel::ShareRole).toDouble(), 1.0);
    QCOMPARE(tab.listModel(DashboardTab::Syscalls)->index(1, 1).data(TopListModel::ShareRole).toDouble(), 21.0 / 63.0);
    // Every list is on screen with rows a user can read.
    for (int l = 0; l < DashboardTab::ListCount; ++l) {
        QTableView *view = tab.listView(DashboardTab::List(l));
        QVERIFY(view->isVisible());
        QVERIFY2(view->visualRect(view->model()->index(0, 0)).height() >= view->fontMetrics().height(),
                 qPrintable(QString::number(l)));
        QVERIFY(view->viewport()->height() >= 3 * view->verticalHeader()->defaultSectionSize());
    }
}

void TestDashboard::clickingATopSyscallFilters()
{
    DashboardTab tab;
    tab.resize(1280, 800);
    tab.show();
    QVERIFY(load(tab, m_path));
    const QString expression = clickRow(tab, DashboardTab::Syscalls, 0);
    QCOMPARE(expression, QStringLiteral("evt.type == \"write\""));
    QCOMPARE(matching(m_path, expression), 63);
    QCOMPARE(clickRow(tab, DashboardTab::Failures, 0), QStringLiteral("evt.type == \"openat\" and evt.res == \"ENOENT\""));
    QCOMPARE(clickRow(tab, DashboardTab::Processes, 0), QStringLiteral("proc.pid == 300"));
    QCOMPARE(clickRow(tab, DashboardTab::RemoteAddresses, 0),
             QStringLiteral("fd.dip == \"10.0.0.1\" and fd.dport == 443"));
    QCOMPARE(clickRow(tab, DashboardTab::FilesWritten, 0), QStringLiteral("fd.name == \"/var/log/app.log\""));
    // From the keyboard: the current row, Enter.
    QTableView *syscalls = tab.listView(DashboardTab::Syscalls);
    syscalls->setCurrentIndex(syscalls->model()->index(2, 0));
    QSignalSpy requested(&tab, &DashboardTab::filterRequested);
    QTest::keyClick(syscalls, Qt::Key_Return);
    QCOMPARE(requested.size(), 1);
    QCOMPARE(requested.at(0).at(0).toString(), QStringLiteral("evt.type == \"openat\""));
}

void TestDashboard::everyItemSelectsWhatItCounts()
{
    DashboardTab tab;
    QVERIFY(load(tab, m_path));
    // The column holding the events a row stands for.
    const int eventsColumn[DashboardTab::ListCount] = {1, 2, 3, 1, 2};
    for (int l = 0; l < DashboardTab::ListCount; ++l) {
        TopListModel *model = tab.listModel(DashboardTab::List(l));
        QVERIFY(model->rowCount() > 0);
        for (int row = 0; row < model->rowCount(); ++row) {
            const QString filter = model->filterAt(row);
            const qint64 shown = model->index(row, eventsColumn[l]).data().toString().remove(',').toLongLong();
            QCOMPARE(model->index(row, 0).data(TopListModel::FilterRole).toString(), filter);
            QVERIFY2(matching(m_path, filter) == shown,
                     qPrintable(QStringLiteral("%1 shows %2, matches %3").arg(filter).arg(shown).arg(matching(m_path, filter))));
        }
    }
}

void TestDashboard::pathsAreQuoted()
{
    QCOMPARE(FilterExpression::quoted(QStringLiteral("/tmp/a \"b\" \\ c")), QStringLiteral("\"/tmp/a \\\"b\\\" \\\\ c\""));
    QCOMPARE(FilterExpression::isoTime(1'795'338'000'000'000'000LL), QStringLiteral("2026-11-22T09:00:00Z"));
    QCOMPARE(FilterExpression::isoTime(1'795'338'000'250'000'000LL), QStringLiteral("2026-11-22T09:00:00.25Z"));
    QCOMPARE(FilterExpression::isoTime(1'795'338'000'000'000'001LL), QStringLiteral("2026-11-22T09:00:00.000000001Z"));
    DashboardTab tab;
    QVERIFY(load(tab, m_path));
    TopListModel *files = tab.listModel(DashboardTab::FilesWritten);
    int found = -1;
    for (int row = 0; row < files->rowCount(); ++row) {
        if (files->index(row, 0).data().toString().contains(QLatin1Char('"')))
            found = row;
    }
    QVERIFY(found >= 0);
    QCOMPARE(files->filterAt(found), QStringLiteral("fd.name == \"/tmp/x \\\"quoted\\\" \\\\ path\""));
    QCOMPARE(matching(m_path, files->filterAt(found)), 1);
}

void TestDashboard::rateChartClickFiltersItsBucket()
{
    DashboardTab tab;
    tab.resize(1280, 800);
    tab.show();
    QVERIFY(QTest::qWaitForWindowExposed(&tab));
    QVERIFY(load(tab, m_path));
    RateChart *chart = tab.rateChart();
    const auto &buckets = chart->buckets();
    int64_t sum = 0;
    for (const RateBucket &b : buckets)
        sum += b.events;
    QCOMPARE(sum, 109);
    // The busiest bucket, clicked where it is drawn.
    int busiest = 0;
    for (size_t i = 0; i < buckets.size(); ++i) {
        if (buckets[i].events > buckets[size_t(busiest)].events)
            busiest = int(i);
    }
    const QPoint at = chart->bucketPosition(busiest);
    QCOMPARE(chart->bucketAt(at), busiest);
    QSignalSpy requested(&tab, &DashboardTab::filterRequested);
    QTest::mouseClick(chart->viewport(), Qt::LeftButton, {}, at);
    QCOMPARE(requested.size(), 1);
    const QString expression = requested.at(0).at(0).toString();
    QVERIFY2(expression.startsWith(QStringLiteral("evt.time >= \"2026-11-22T")), qPrintable(expression));
    QVERIFY(expression.contains(QStringLiteral(" and evt.time < \"")));
    QCOMPARE(matching(m_path, expression), buckets[size_t(busiest)].events);
    // Outside the plot nothing is requested.
    QTest::mouseClick(chart->viewport(), Qt::LeftButton, {}, QPoint(2, 2));
    QCOMPARE(requested.size(), 1);
}

void TestDashboard::liveSessionRefreshes()
{
    const QString path = m_dir.filePath("live.provscope");
    std::unique_ptr<SessionWriter> writer;
    QString error = st::writeSession(path, 1, false, &writer);
    QVERIFY2(error.isEmpty(), qPrintable(error));
    DashboardTab tab;
    QVERIFY(load(tab, path, true));
    QCOMPARE(tab.stateText(), QStringLiteral("● Recording"));
    QVERIFY(tab.findChild<QLabel *>(QStringLiteral("dashboardSubtitle"))->text().contains(QStringLiteral("no evidence digest")));
    QCOMPARE(tab.tileValue(DashboardTab::EventsTile), QStringLiteral("77"));
    QCOMPARE(tab.listModel(DashboardTab::RemoteAddresses)->rowCount(), 0);

    std::vector<CaptureBatch> more = st::batches();
    QVERIFY(writer->append(more[1]).ok());
    QVERIFY(writer->append(more[2]).ok());
    QSignalSpy updated(&tab, &DashboardTab::statisticsUpdated);
    tab.refresh();
    QVERIFY(updated.wait(20000));
    QCOMPARE(tab.tileValue(DashboardTab::EventsTile), QStringLiteral("109"));
    QCOMPARE(tab.report()->scannedEvents, 109);
    QCOMPARE(tab.listModel(DashboardTab::RemoteAddresses)->rowCount(), 2);
    QCOMPARE(tab.listModel(DashboardTab::Syscalls)->index(0, 1).data().toString(), QStringLiteral("63"));

    // Recording ends: the writer can finish (no reader held open), the state follows.
    QVERIFY(writer->finish(st::kBoot + 10'000 * st::kMs).ok());
    tab.setRecording(false);
    QVERIFY(updated.wait(20000));
    QCOMPARE(tab.stateText(), QStringLiteral("Finished"));
    QCOMPARE(tab.report()->scannedEvents, 109);
}

void TestDashboard::interruptedSession()
{
    const QString path = m_dir.filePath("interrupted.provscope");
    {
        std::unique_ptr<SessionWriter> writer;
        const QString error = st::writeSession(path, 2, false, &writer);
        QVERIFY2(error.isEmpty(), qPrintable(error));
    } // destroyed without finish(): no capture end, as after a crash
    DashboardTab tab;
    QVERIFY(load(tab, path, false));
    QCOMPARE(tab.stateText(), QStringLiteral("Interrupted"));
    QCOMPARE(tab.tileValue(DashboardTab::EventsTile), QStringLiteral("91"));
}

void TestDashboard::progressAndCancel()
{
    TaskProgress progress;
    DashboardTab tab;
    tab.setTaskProgress(&progress);
    QSignalSpy busy(&progress, &TaskProgress::busyChanged);
    QVERIFY(load(tab, m_path));
    QVERIFY(busy.size() >= 2);
    QCOMPARE(busy.first().at(0).toBool(), true);
    QCOMPARE(busy.last().at(0).toBool(), false);
    QVERIFY(!progress.isBusy());

    // Cancelled right away (before the file is released): nothing runs afterwards and
    // the last statistics stay; a refresh works again.
    tab.refresh();
    QVERIFY(tab.isBusy());
    tab.cancelAndWait();
    QVERIFY(!tab.isBusy());
    QVERIFY(!progress.isBusy());
    QCOMPARE(tab.tileValue(DashboardTab::EventsTile), QStringLiteral("109"));
    QSignalSpy updated(&tab, &DashboardTab::statisticsUpdated);
    tab.refresh();
    QVERIFY(updated.wait(20000));

    // A new session replaces the old one's values.
    const QString other = m_dir.filePath("small.provscope");
    QVERIFY(st::writeSession(other, 1).isEmpty());
    QVERIFY(load(tab, other));
    QCOMPARE(tab.tileValue(DashboardTab::EventsTile), QStringLiteral("77"));
}

void TestDashboard::noSession()
{
    DashboardTab tab;
    QCOMPARE(tab.stateText(), QStringLiteral("No session"));
    tab.refresh(); // nothing to do
    QVERIFY(!tab.isBusy());
    QVERIFY(load(tab, m_path));
    tab.setSession(QString(), false);
    QCOMPARE(tab.stateText(), QStringLiteral("No session"));
    QCOMPARE(tab.tileValue(DashboardTab::EventsTile), QStringLiteral("–"));
    QCOMPARE(tab.listModel(DashboardTab::Syscalls)->rowCount(), 0);

    const QString bad = m_dir.filePath("bad.provscope");
    QFile f(bad);
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write("not a session");
    f.close();
    QSignalSpy failed(&tab, &DashboardTab::statisticsFailed);
    tab.setSession(bad, false);
    QVERIFY(failed.wait(10000));
    QVERIFY(failed.at(0).at(0).toString().contains(QStringLiteral("not a provscope session")));
}

// PROVSCOPE_DASHBOARD_SHOT=out.png [PROVSCOPE_DASHBOARD_SESSION=file]: a 1280x800 picture.
void TestDashboard::screenshot()
{
    const QString out = qEnvironmentVariable("PROVSCOPE_DASHBOARD_SHOT");
    if (out.isEmpty())
        QSKIP("set PROVSCOPE_DASHBOARD_SHOT to save a screenshot");
    const QString session = qEnvironmentVariable("PROVSCOPE_DASHBOARD_SESSION", m_path);
    DashboardTab tab;
    tab.resize(1280, 800);
    tab.show();
    QVERIFY(QTest::qWaitForWindowExposed(&tab));
    QSignalSpy updated(&tab, &DashboardTab::statisticsUpdated);
    tab.setSession(session, false);
    QVERIFY(updated.wait(300000));
    QTest::qWait(100);
    QVERIFY(tab.grab().save(out));
}

QTEST_MAIN(TestDashboard)
#include "tst_dashboard.moc"
