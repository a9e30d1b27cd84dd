// The Flows tab's charts offscreen over ~200 realistic flows: every chart renders and
// exports a PNG that shows something, clicks on a slice, a bar, a bucket, a point and
// a heatmap cell ask for the right flows, and an empty range says so.
// PROVSCOPE_FLOW_CHARTS_DIR=dir also writes every chart and the whole panel there.
#include "filter_parser.h"
#include "filter_sql.h"
#include "flow_chart_bars.h"
#include "flow_chart_pie.h"
#include "flow_chart_scatter.h"
#include "flow_chart_traffic.h"
#include "flow_charts_panel.h"
#include "flow_heatmap.h"
#include "flow_statistics.h"
#include "session_reader.h"
#include "session_writer.h"

#include <QApplication>
#include <QElapsedTimer>
#include <QFileDialog>
#include <QLineEdit>
#include <QMenu>
#include <QScrollArea>
#include <QToolTip>
#include <QTemporaryDir>
#include <QtCharts/QBarSet>
#include <QtCharts/QCategoryAxis>
#include <QtCharts/QPieSeries>
#include <QtCharts/QPieSlice>
#include <QtCharts/QScatterSeries>
#include <QtTest>

#include <random>
#include <set>

using namespace provscope;

namespace {

constexpr int64_t kS = 1'000'000'000LL;
// Session boot at 2026-11-23 08:00 UTC (a Monday); flows over the next hour.
const int64_t kBootToEpoch = int64_t(1'795'420'800LL) * kS;

// A workstation's hour: web browsing, DNS, ssh, NTP, mDNS and an IPv6 peer.
std::vector<Flow> realisticFlows()
{
    std::mt19937 rng(42);
    const struct Server {
        const char *addr;
        uint16_t port;
        uint8_t proto;
        const char *name;
        double weight;
    } servers[] = {
        {"93.184.216.34", 443, kProtoTcp, "example.com", 8},
        {"140.82.121.4", 443, kProtoTcp, "github.com", 6},
        {"151.101.1.69", 443, kProtoTcp, "stackoverflow.com", 4},
        {"2a00:1450:4007:80c::200e", 443, kProtoTcp, "www.google.com", 4},
        {"10.0.0.1", 53, kProtoUdp, "", 10},
        {"192.168.1.20", 22, kProtoTcp, "", 1},
        {"162.159.200.123", 123, kProtoUdp, "time.cloudflare.com", 2},
        {"224.0.0.251", 5353, kProtoUdp, "", 2},
        {"104.16.132.229", 80, kProtoTcp, "deb.debian.org", 2},
        {"35.186.224.25", 443, kProtoTcp, "api.spotify.com", 3},
        {"52.84.150.11", 8080, kProtoTcp, "cdn.internal.example.org", 1},
    };
    std::vector<double> weights;
    for (const Server &s : servers)
        weights.push_back(s.weight);
    std::discrete_distribution<int> pick(weights.begin(), weights.end());
    const char *clients[] = {"10.0.0.23", "10.0.0.23", "10.0.0.23", "10.0.0.42", "10.0.0.57"};
    std::vector<Flow> flows;
    for (uint64_t key = 1; key <= 200; ++key) {
        const Server &s = servers[pick(rng)];
        Flow f;
        f.key = key;
        f.proto = s.proto;
        const bool v6 = std::string(s.addr).find(':') != std::string::npos;
        f.src = v6 ? "2a01:e0a:1f3:8d40:5c2e:7aff:fe11:9b2c" : clients[rng() % 5];
        f.sport = uint16_t(32768 + rng() % 28000);
        f.dst = s.addr;
        f.dport = s.port;
        f.dnsName = s.name;
        f.firstNs = int64_t(rng() % 3500) * kS + int64_t(rng() % 1000) * 1'000'000;
        const bool small = s.port == 53 || s.port == 123 || s.port == 5353;
        const double scale = small ? 1 : std::exp(std::uniform_real_distribution<double>(2, 12)(rng));
        f.packetsOut = small ? 1 : 3 + uint64_t(scale / 900);
        f.packetsIn = small ? (s.port == 5353 ? 0 : 1) : 2 + uint64_t(scale / 700);
        f.bytesOut = f.packetsOut * (small ? 74 : 90 + rng() % 400);
        f.bytesIn = f.packetsIn * (small ? 120 : 600 + rng() % 900);
        const int64_t duration = small ? int64_t(rng() % 40) * 1'000'000
                                       : int64_t(std::exp(std::uniform_real_distribution<double>(0, 6.5)(rng)) * 1e8);
        f.lastNs = f.firstNs + duration;
        if (f.proto == kProtoTcp) {
            f.tcpFlags = kTcpSyn | kTcpAck | kTcpPsh;
            f.tcpFlags |= (key % 7 == 0) ? kTcpRst : kTcpFin;
        }
        f.ended = true;
        flows.push_back(f);
    }
    return flows;
}

// Distinct colours in an image: a blank or single-colour render has very few.
int colourVariety(const QImage &image)
{
    std::set<QRgb> colours;
    for (int y = 0; y < image.height(); y += 2)
        for (int x = 0; x < image.width(); x += 2)
            colours.insert(image.pixel(x, y));
    return int(colours.size());
}

int matching(const std::vector<Flow> &flows, const FlowSelection &s)
{
    int n = 0;
    for (const Flow &f : flows)
        n += s.matches(f, kBootToEpoch) ? 1 : 0;
    return n;
}

} // namespace

class TestFlowCharts : public QObject {
    Q_OBJECT
    std::vector<Flow> m_flows = realisticFlows();
    FlowChartsPanel *m_panel = nullptr;
    std::vector<FlowSelection> m_picked;
    QString m_shots;

    template <class T>
    T *chart(const QString &name)
    {
        auto *w = qobject_cast<T *>(m_panel->chartWidget(name));
        if (!w)
            qFatal("no chart %s", qPrintable(name));
        return w;
    }

private slots:
    void initTestCase()
    {
        qputenv("TZ", "Europe/Paris");
        tzset();
        m_shots = qEnvironmentVariable("PROVSCOPE_FLOW_CHARTS_DIR");
        m_panel = new FlowChartsPanel;
        m_panel->resize(1280, 900);
        connect(m_panel, &FlowChartsPanel::selectionRequested, this,
                [this](const FlowSelection &s) { m_picked.push_back(s); });
        m_panel->setFlows(m_flows, kBootToEpoch, 0, 3600 * kS);
        m_panel->show();
        QVERIFY(QTest::qWaitForWindowExposed(m_panel));
        QTest::qWait(50);
    }

    void cleanupTestCase() { delete m_panel; }
    void init() { m_picked.clear(); }

    void everyChartRendersAndExports()
    {
        const QStringList names = m_panel->chartNames();
        QCOMPARE(names.size(), 11);
        QVERIFY(names.contains("Protocols"));
        QVERIFY(names.contains("Traffic by hour of week"));
        QTemporaryDir dir;
        for (const QString &name : names) {
            QWidget *w = m_panel->chartWidget(name);
            QVERIFY2(w, qPrintable(name));
            QVERIFY2(w->width() >= 300 && w->height() >= 250, qPrintable(name));
            if (auto *view = qobject_cast<FlowChartView *>(w))
                QVERIFY2(!view->isEmpty(), qPrintable(name));
            const QString path = dir.filePath(name + ".png");
            auto written = m_panel->exportChartPng(name, path);
            QVERIFY2(written, written.error().c_str());
            QImage image(path);
            QVERIFY2(!image.isNull(), qPrintable(name));
            QCOMPARE(image.size(), w->size());
            QVERIFY2(colourVariety(image) > 30, qPrintable(name + ": " + QString::number(colourVariety(image))));
            if (!m_shots.isEmpty()) {
                QString file = name.toLower();
                file.replace(' ', '-');
                QVERIFY(m_panel->exportChartPng(name, m_shots + "/charts-" + file + ".png"));
            }
        }
        if (!m_shots.isEmpty()) {
            auto *scroll = m_panel->findChild<QScrollArea *>();
            QWidget *content = scroll->widget();
            content->grab().save(m_shots + "/charts-panel.png");
        }
    }

    void exportFailsCleanly()
    {
        QTemporaryDir dir;
        QVERIFY(!m_panel->exportChartPng("No such chart", dir.filePath("x.png")));
        auto bad = m_panel->exportChartPng("Protocols", dir.filePath("missing/dir/x.png"));
        QVERIFY(!bad);
        QVERIFY2(QString::fromStdString(bad.error()).contains("missing/dir/x.png"), bad.error().c_str());
        // An existing file is replaced whole.
        const QString path = dir.filePath("old.png");
        QFile old(path);
        QVERIFY(old.open(QIODevice::WriteOnly));
        old.write("not a png");
        old.close();
        QVERIFY(m_panel->exportChartPng("Top sources", path));
        QVERIFY(!QImage(path).isNull());
    }

    void sliceClickSelectsProtocol()
    {
        auto *pie = chart<FlowPieChart>("Protocols");
        QVERIFY(pie->flowsSeries());
        QPieSlice *udp = nullptr;
        for (QPieSlice *s : pie->flowsSeries()->slices())
            if (s->property("protocol").toString() == "udp")
                udp = s;
        QVERIFY(udp);
        emit udp->clicked();
        QCOMPARE(m_picked.size(), size_t(1));
        QCOMPARE(m_picked[0].kind, FlowSelection::Kind::Protocol);
        QCOMPARE(m_picked[0].text, std::string("udp"));
        QCOMPARE(m_picked[0].label, std::string("protocol UDP"));
        QCOMPARE(double(matching(m_flows, m_picked[0])), udp->value());
    }

    void barClickSelectsDestination()
    {
        auto *bars = chart<FlowBarChart>("Top destinations");
        QVERIFY(bars->barSet());
        const auto top = topDestinations(m_flows, 10);
        QCOMPARE(bars->bars().size(), top.size());
        // A real mouse click on the biggest bar.
        const QPoint at = bars->barPosition(0);
        QVERIFY(bars->viewport()->rect().contains(at));
        QTest::mouseClick(bars->viewport(), Qt::LeftButton, {}, at);
        QCOMPARE(m_picked.size(), size_t(1));
        QCOMPARE(m_picked[0].kind, FlowSelection::Kind::Destination);
        QCOMPARE(m_picked[0].text, top[0].key);
        QCOMPARE(m_picked[0].label, "destination " + top[0].key);
        QCOMPARE(uint64_t(matching(m_flows, m_picked[0])), top[0].flows);
        // The third bar through the bar set's signal.
        emit bars->barSet()->clicked(bars->barSet()->count() - 1 - 2);
        QCOMPARE(m_picked.back().text, top[2].key);
    }

    void hoverExplainsABar()
    {
        auto *bars = chart<FlowBarChart>("Top sources");
        emit bars->barSet()->hovered(true, bars->barSet()->count() - 1); // the biggest, on top
        const QString tip = QToolTip::text();
        QVERIFY2(tip.contains(QString::fromStdString("source " + topSources(m_flows, 1)[0].key)), qPrintable(tip));
        QVERIFY2(tip.contains("flows") && tip.contains("packets"), qPrintable(tip));
        emit bars->barSet()->hovered(false, 0);
    }

    void contextMenuExportsPng()
    {
        // Right-click -> "Export PNG…" -> file dialog -> the file, as a user does it.
        QTemporaryDir dir;
        const QString path = dir.filePath("durations.png");
        QWidget *w = m_panel->chartWidget("Flow durations");
        bool menuSeen = false, dialogSeen = false;
        QTimer driver;
        driver.setInterval(20);
        int ticks = 0;
        connect(&driver, &QTimer::timeout, this, [&] {
            if (++ticks > 250) { // 5 s: give up rather than hang (the checks below fail)
                if (QWidget *modal = QApplication::activeModalWidget())
                    modal->close();
                if (QWidget *popup = QApplication::activePopupWidget())
                    popup->close();
                return;
            }
            if (auto *menu = qobject_cast<QMenu *>(QApplication::activePopupWidget())) {
                for (QAction *a : menu->actions())
                    if (a->text().startsWith("Export PNG")) {
                        menuSeen = true;
                        menu->setActiveAction(a);
                        QTest::keyClick(menu, Qt::Key_Return);
                    }
            } else if (auto *dialog = qobject_cast<QFileDialog *>(QApplication::activeModalWidget())) {
                // Typed as a user would, a tick after it shows (it fills in its own
                // proposal asynchronously), then accepted.
                auto *name = dialog->findChild<QLineEdit *>(QStringLiteral("fileNameEdit"));
                if (dialogSeen && name) {
                    name->setText(dir.filePath("durations")); // no suffix: .png is added
                    QMetaObject::invokeMethod(dialog, "accept");
                }
                dialogSeen = true;
            }
        });
        driver.start();
        emit w->customContextMenuRequested(QPoint(40, 40));
        driver.stop();
        QVERIFY(menuSeen);
        QVERIFY(dialogSeen);
        QImage image(path);
        QVERIFY(!image.isNull());
        QCOMPARE(image.size(), w->size());
    }

    void portAndFlagBars()
    {
        auto *ports = chart<FlowBarChart>("Ports by flows");
        QTest::mouseClick(ports->viewport(), Qt::LeftButton, {}, ports->barPosition(0));
        QCOMPARE(m_picked.size(), size_t(1));
        QCOMPARE(m_picked[0].kind, FlowSelection::Kind::Port);
        const auto top = topPortsByFlows(m_flows, 1);
        QCOMPARE(m_picked[0].number, top[0].number);
        QCOMPARE(uint64_t(matching(m_flows, m_picked[0])), top[0].flows);

        auto *flags = chart<FlowBarChart>("TCP flags");
        QTest::mouseClick(flags->viewport(), Qt::LeftButton, {}, flags->barPosition(2)); // RST
        QCOMPARE(m_picked.size(), size_t(2));
        QCOMPARE(m_picked[1].kind, FlowSelection::Kind::TcpFlag);
        QCOMPARE(m_picked[1].number, uint64_t(kTcpRst));
        QCOMPARE(double(matching(m_flows, m_picked[1])), flags->bars()[2].value);
    }

    void bucketClickSelectsTimeRange()
    {
        auto *traffic = chart<FlowTrafficChart>("Traffic over time");
        const TrafficSeries &t = traffic->traffic();
        QCOMPARE(t.bucketNs, 30 * kS); // one hour in 30 s buckets
        int busy = -1;
        for (size_t i = 0; i < t.buckets.size() && busy < 0; ++i)
            if (t.buckets[i].flows > 0 && i > 10)
                busy = int(i);
        QVERIFY(busy >= 0);
        const QPoint at = traffic->bucketPosition(busy);
        QCOMPARE(traffic->bucketAt(at), busy);
        QTest::mouseClick(traffic->viewport(), Qt::LeftButton, {}, at);
        QCOMPARE(m_picked.size(), size_t(1));
        QCOMPARE(m_picked[0].kind, FlowSelection::Kind::TimeRange);
        QCOMPARE(m_picked[0].minNs, t.buckets[size_t(busy)].startNs);
        QCOMPARE(m_picked[0].maxNs, t.buckets[size_t(busy)].endNs);
        QCOMPARE(uint64_t(matching(m_flows, m_picked[0])), t.buckets[size_t(busy)].flows);
        QVERIFY(QString::fromStdString(m_picked[0].label).startsWith("time "));
    }

    void pointClickSelectsFlow()
    {
        auto *scatter = chart<FlowScatterChart>("Bytes vs packets");
        QVERIFY(!scatter->series().empty());
        QScatterSeries *s = scatter->series().front();
        const QPointF p = s->at(0);
        emit s->clicked(p);
        QCOMPARE(m_picked.size(), size_t(1));
        QCOMPARE(m_picked[0].kind, FlowSelection::Kind::Flow);
        QCOMPARE(matching(m_flows, m_picked[0]), 1);
        const Flow *flow = nullptr;
        for (const Flow &f : m_flows)
            if (f.key == m_picked[0].number)
                flow = &f;
        QVERIFY(flow);
        QCOMPARE(double(flow->packets()), p.x());
        QCOMPARE(double(flow->bytes()), p.y());
        QVERIFY2(m_picked[0].label.find(flow->dst) != std::string::npos, m_picked[0].label.c_str());
        // Its events: a filter the real parser and compiler take.
        const std::string filter = eventFilterForFlows({*flow});
        filter::ParseError pe;
        auto root = filter::parseFilter(filter, pe);
        QVERIFY2(root, pe.message.c_str());
        CompiledFilter compiled;
        filter::CompileError ce;
        QVERIFY2(filter::compileToSql(root.get(), compiled, ce), ce.message.c_str());
    }

    void heatmapCellClickSelectsHour()
    {
        auto *heatmap = chart<FlowHeatmap>("Traffic by hour of week");
        // 08:00 UTC on a Monday is 09:00 in Paris (UTC+1 in November): Monday, hour 9.
        const HourOfWeekMatrix &m = heatmap->matrix();
        QVERIFY(m.flows[0][9] > 0);
        QCOMPARE(m.flows[0][9] + m.flows[0][10], uint64_t(m_flows.size()));
        const QRect cell = heatmap->cellRect(0, 9);
        QCOMPARE(heatmap->cellAt(cell.center()), QPoint(9, 0));
        QTest::mouseClick(heatmap, Qt::LeftButton, {}, cell.center());
        QCOMPARE(m_picked.size(), size_t(1));
        QCOMPARE(m_picked[0].kind, FlowSelection::Kind::HourOfDay);
        QCOMPARE(m_picked[0].number, uint64_t(9));
        QCOMPARE(m_picked[0].label, std::string("Monday 09:00–10:00"));
        QCOMPARE(uint64_t(matching(m_flows, m_picked[0])), m.flows[0][9]);
        // A busy cell is darker than an empty one.
        QVERIFY(heatmap->cellColor(m.bytes[0][9]).lightness() < heatmap->cellColor(0).lightness());
    }

    void threeDaysInHourBuckets()
    {
        // The same flows spread over three days: 1 h buckets, the heatmap lights many cells.
        std::vector<Flow> spread = m_flows;
        for (size_t i = 0; i < spread.size(); ++i) {
            const int64_t shift = int64_t(i % 72) * 3600 * kS - 9 * 3600 * kS;
            spread[i].firstNs += shift;
            spread[i].lastNs += shift;
        }
        FlowChartsPanel panel;
        panel.resize(1280, 900);
        panel.setFlows(spread, kBootToEpoch, -9 * 3600 * kS, 63 * 3600 * kS);
        panel.show();
        QVERIFY(QTest::qWaitForWindowExposed(&panel));
        auto *traffic = qobject_cast<FlowTrafficChart *>(panel.chartWidget("Traffic over time"));
        QCOMPARE(traffic->traffic().bucketNs, 3600 * kS);
        QCOMPARE(traffic->traffic().buckets.size(), size_t(72));
        auto *heatmap = qobject_cast<FlowHeatmap *>(panel.chartWidget("Traffic by hour of week"));
        int lit = 0;
        for (const auto &row : heatmap->matrix().flows)
            for (uint64_t v : row)
                lit += v ? 1 : 0;
        QCOMPARE(lit, 72);
        if (!m_shots.isEmpty()) {
            QVERIFY(panel.exportChartPng("Traffic over time", m_shots + "/charts-3days-traffic.png"));
            QVERIFY(panel.exportChartPng("Traffic by hour of week", m_shots + "/charts-3days-heatmap.png"));
        }
    }

    void manyFlowsChartQuickly()
    {
        // 100,000 flows (a long capture): the panel is rebuilt on every range change.
        std::vector<Flow> many;
        many.reserve(100'000);
        for (size_t i = 0; i < 100'000; ++i) {
            Flow f = m_flows[i % m_flows.size()];
            f.key = i + 1;
            f.src = "10.1." + std::to_string(i % 250) + "." + std::to_string(i % 7);
            many.push_back(std::move(f));
        }
        QElapsedTimer timer;
        timer.start();
        m_panel->setFlows(many, kBootToEpoch, 0, 3600 * kS);
        const qint64 setMs = timer.elapsed();
        timer.restart();
        QTemporaryDir dir;
        QVERIFY(m_panel->exportChartPng("Bytes vs packets", dir.filePath("x.png")));
        const qint64 paintMs = timer.elapsed();
        qInfo("setFlows(100000 flows): %lld ms; scatter of 2000 points painted in %lld ms", setMs, paintMs);
        QVERIFY2(setMs < 5000, qPrintable(QString::number(setMs)));
        m_panel->setFlows(m_flows, kBootToEpoch, 0, 3600 * kS); // back for the other tests
    }

    void recordedSessionRendersCharts()
    {
        // The flows go through a real session file (SessionWriter, SessionReader::flows)
        // and come back charted the same.
        QTemporaryDir dir;
        const std::string path = dir.filePath("flows.provscope").toStdString();
        SessionMeta meta;
        meta.toolVersion = "test";
        meta.host = "lab";
        meta.bootToEpochNs = kBootToEpoch;
        meta.captureStartNs = 1;
        {
            auto writer = SessionWriter::create(path, meta);
            QVERIFY2(writer.ok(), writer.ok() ? "" : writer.error().c_str());
            CaptureBatch batch;
            batch.flows = m_flows;
            QVERIFY(writer.value()->append(batch).ok());
            QVERIFY(writer.value()->finish(3600 * kS).ok());
        }
        auto reader = SessionReader::open(path);
        QVERIFY2(reader.ok(), reader.ok() ? "" : reader.error().c_str());
        auto flows = reader.value()->flows();
        QVERIFY2(flows.ok(), flows.ok() ? "" : flows.error().c_str());
        QCOMPARE(flows.value().size(), m_flows.size());
        FlowChartsPanel panel;
        panel.resize(1280, 900);
        panel.setFlows(flows.value(), reader.value()->meta().bootToEpochNs, 0, 3600 * kS);
        panel.show();
        QVERIFY(QTest::qWaitForWindowExposed(&panel));
        auto *destinations = qobject_cast<FlowBarChart *>(panel.chartWidget("Top destinations"));
        const auto expected = topDestinations(m_flows, 10);
        QCOMPARE(destinations->bars().size(), expected.size());
        for (size_t i = 0; i < expected.size(); ++i)
            QCOMPARE(destinations->bars()[i].selection.text, expected[i].key);
        auto *heatmap = qobject_cast<FlowHeatmap *>(panel.chartWidget("Traffic by hour of week"));
        QCOMPARE(heatmap->matrix().flows[0][9], uint64_t(m_flows.size()));
        const QString png = dir.filePath("domains.png");
        QVERIFY(panel.exportChartPng("Top domains", png));
        QVERIFY(colourVariety(QImage(png)) > 30);
    }

    void tenSecondsInSecondBuckets()
    {
        std::vector<Flow> burst(m_flows.begin(), m_flows.begin() + 40);
        for (size_t i = 0; i < burst.size(); ++i) {
            burst[i].firstNs = int64_t(i % 10) * kS + int64_t(i) * 1'000'000;
            burst[i].lastNs = burst[i].firstNs + int64_t(i % 3) * 400'000'000;
        }
        FlowChartsPanel panel;
        panel.resize(1280, 900);
        panel.setFlows(burst, kBootToEpoch, 0, 10 * kS);
        panel.show();
        QVERIFY(QTest::qWaitForWindowExposed(&panel));
        auto *traffic = qobject_cast<FlowTrafficChart *>(panel.chartWidget("Traffic over time"));
        QCOMPARE(traffic->traffic().bucketNs, kS);
        QCOMPARE(traffic->traffic().buckets.size(), size_t(10));
        QTemporaryDir dir;
        const QString png = m_shots.isEmpty() ? dir.filePath("t.png") : m_shots + "/charts-10s-traffic.png";
        QVERIFY(panel.exportChartPng("Traffic over time", png));
        // Time labels to the second, at least three, in order.
        auto *x = qobject_cast<QCategoryAxis *>(traffic->chart()->axes(Qt::Horizontal).value(0));
        QVERIFY(x);
        const QStringList labels = x->categoriesLabels();
        QVERIFY2(labels.size() >= 3, qPrintable(labels.join(' ')));
        QVERIFY2(labels.front() == "09:00:00", qPrintable(labels.join(' ')));
        for (const QString &label : labels)
            QVERIFY2(QRegularExpression("^\\d\\d:\\d\\d:\\d\\d$").match(label).hasMatch(), qPrintable(label));
    }

    void threeYearsInMonthBuckets()
    {
        // An import spanning 2023-2026: 30-day buckets (at most 120), labels with the year.
        std::vector<Flow> years(m_flows.begin(), m_flows.begin() + 40);
        const int64_t day = 86400 * kS;
        for (size_t i = 0; i < years.size(); ++i) {
            years[i].firstNs = int64_t(i) * 28 * day;
            years[i].lastNs = years[i].firstNs + kS;
        }
        FlowChartsPanel panel;
        panel.resize(1280, 900);
        panel.setFlows(years, kBootToEpoch - 1100 * day, 0, 1100 * day);
        panel.show();
        QVERIFY(QTest::qWaitForWindowExposed(&panel));
        auto *traffic = qobject_cast<FlowTrafficChart *>(panel.chartWidget("Traffic over time"));
        QCOMPARE(traffic->traffic().bucketNs, 30 * day);
        QVERIFY(traffic->traffic().buckets.size() <= 120);
        QTemporaryDir dir;
        const QString png = m_shots.isEmpty() ? dir.filePath("t.png") : m_shots + "/charts-3years-traffic.png";
        QVERIFY(panel.exportChartPng("Traffic over time", png));
        auto *x = qobject_cast<QCategoryAxis *>(traffic->chart()->axes(Qt::Horizontal).value(0));
        QVERIFY(x);
        const QStringList labels = x->categoriesLabels();
        QVERIFY2(labels.size() >= 3, qPrintable(labels.join(' ')));
        for (const QString &label : labels)
            QVERIFY2(QRegularExpression("(19|20)\\d\\d").match(label).hasMatch(), qPrintable(label));
        // A bucket's selection names its dates.
        std::vector<FlowSelection> picked;
        connect(&panel, &FlowChartsPanel::selectionRequested, this,
                [&picked](const FlowSelection &selection) { picked.push_back(selection); });
        QTest::mouseClick(traffic->viewport(), Qt::LeftButton, {}, traffic->bucketPosition(2));
        QCOMPARE(picked.size(), size_t(1));
        QVERIFY2(QRegularExpression("\\d{4}-\\d\\d-\\d\\d").match(QString::fromStdString(picked[0].label)).hasMatch(),
                 picked[0].label.c_str());
    }

    void emptyRangeSaysSo()
    {
        FlowChartsPanel empty;
        empty.resize(1000, 800);
        empty.setFlows({}, kBootToEpoch, 0, 3600 * kS);
        empty.show();
        QVERIFY(QTest::qWaitForWindowExposed(&empty));
        QTemporaryDir dir;
        for (const QString &name : empty.chartNames()) {
            QWidget *w = empty.chartWidget(name);
            if (auto *view = qobject_cast<FlowChartView *>(w)) {
                QVERIFY2(view->isEmpty(), qPrintable(name));
                QCOMPARE(view->emptyNote(), QStringLiteral("No flows in this range"));
                QVERIFY2(view->chart()->series().isEmpty(), qPrintable(name));
            } else {
                QVERIFY(qobject_cast<FlowHeatmap *>(w)->isEmpty());
            }
            // The note is drawn: not a blank image.
            const QString path = dir.filePath("e.png");
            QVERIFY(empty.exportChartPng(name, path));
            QVERIFY2(colourVariety(QImage(path)) > 3, qPrintable(name));
            if (!m_shots.isEmpty() && name == "Top sources")
                QVERIFY(empty.exportChartPng(name, m_shots + "/charts-empty-top-sources.png"));
        }
        // Then data again: the notes go.
        empty.setFlows(m_flows, kBootToEpoch, 0, 3600 * kS);
        QVERIFY(!qobject_cast<FlowChartView *>(empty.chartWidget("Top sources"))->isEmpty());
    }
};

QTEST_MAIN(TestFlowCharts)
#include "tst_flow_charts.moc"
