// The report page as the person reading the case file sees it: a real PDF of
// one page, a PNG whose title, graph and legend are really painted, every
// section's text on the page, and the timeline in time order.
#include "graph_painter.h"
#include "graph_report.h"
#include "tst_graph_export_sample.h"

#include <QBuffer>
#include <QDir>
#include <QFile>
#include <QImage>
#include <QPainter>
#include <QRegularExpression>
#include <QSvgGenerator>
#include <QTemporaryDir>
#include <QtTest>

using namespace provscope;
using provscope::test::sampleAttackGraph;

namespace {

int nonWhite(const QImage &image, const QRect &area)
{
    int n = 0;
    const QRect r = area.intersected(image.rect());
    for (int y = r.top(); y <= r.bottom(); ++y)
        for (int x = r.left(); x <= r.right(); ++x)
            n += (image.pixel(x, y) & 0xffffff) != 0xffffff;
    return n;
}

ReportOptions sampleOptions()
{
    ReportOptions options;
    options.title = "Case 2026-117: exfiltration from lab-3";
    options.caseNotes = "Alert from the IDS at 10:15.\nHost isolated at 10:40.";
    options.summary = "bash (pid 412) downloaded from 127.0.0.1:8000 with curl, wrote /tmp/.x, executed it; "
                      "it read /home/u/.ssh/id_rsa and sent 4.0 KB to 127.0.0.3:4444";
    Annotation note;
    note.targetKind = Annotation::Target::Node;
    note.target = "file:/tmp/.x";
    note.kind = Annotation::Kind::Tag;
    note.text = "dropper";
    note.author = "alice";
    options.annotations = {note};
    return options;
}

// The page's text as drawn: paint into an SVG and collect its text nodes.
QString pageText(const GraphReport &report)
{
    QBuffer buffer;
    buffer.open(QIODevice::WriteOnly);
    QSvgGenerator svg;
    svg.setOutputDevice(&buffer);
    svg.setSize(report.pageSize().toSize());
    svg.setViewBox(QRectF(QPointF(0, 0), report.pageSize()));
    QPainter painter(&svg);
    report.paint(painter);
    painter.end();
    QString text;
    QXmlStreamReader xml(buffer.data());
    while (!xml.atEnd()) {
        xml.readNext();
        if (xml.isCharacters())
            text += xml.text().toString() + QLatin1Char('\n');
    }
    return text;
}

} // namespace

class TestGraphReport : public QObject {
    Q_OBJECT
    QTemporaryDir m_dir;

    void keepShot(const QString &file)
    {
        if (qEnvironmentVariableIsSet("PROVSCOPE_SHOT_DIR"))
            QFile::copy(file, qEnvironmentVariable("PROVSCOPE_SHOT_DIR") + "/" + QFileInfo(file).fileName());
    }

private slots:
    void timelineIsTimeOrdered()
    {
        const ProvenanceGraph g = sampleAttackGraph();
        const std::vector<TimelineRow> rows = GraphReport::timeline(g);
        QCOMPARE(int(rows.size()), g.edgeCount() - 1); // the open is context, not a flow
        for (size_t i = 1; i < rows.size(); ++i)
            QVERIFY(rows[i - 1].tsNs <= rows[i].tsNs);
        // The connect at .3 comes before the send at .4 although it was added later.
        const auto at = [&](const QString &type, const QString &to) {
            for (size_t i = 0; i < rows.size(); ++i)
                if (rows[i].type == type && rows[i].to == to)
                    return int(i);
            return -1;
        };
        QVERIFY(at("connect", "127.0.0.3:4444") >= 0);
        QVERIFY(at("connect", "127.0.0.3:4444") < at("send", "127.0.0.3:4444"));
        const TimelineRow &send = rows[size_t(at("send", "127.0.0.3:4444"))];
        QCOMPARE(send.from, QString(".x (416) v1"));
        QCOMPARE(send.amount, QString("4.0 KB"));
        QCOMPARE(rows[size_t(at("write", "/tmp/.x"))].amount, QString::fromUtf8("4.0 KB \u00d73"));
        // Epoch-based local time with the date: 1763800000 s + 1000.3 s.
        const QDateTime when = QDateTime::fromMSecsSinceEpoch(1763800000000LL + 1000300, Qt::LocalTime);
        QCOMPARE(rows[size_t(at("write", "/tmp/.x"))].time, when.toString("yyyy-MM-dd HH:mm:ss.zzz"));
    }

    void longTimelinesKeepTheMarkedEdges()
    {
        const ProvenanceGraph g = sampleAttackGraph();
        const std::vector<TimelineRow> all = GraphReport::timeline(g);
        QCOMPARE(all.size(), size_t(12));
        // Six rows touch a marked node (download, key, outbound socket, .bashrc) or the point of interest.
        QCOMPARE(std::count_if(all.begin(), all.end(), [](const TimelineRow &r) { return r.marked; }), 6);
        const std::vector<TimelineRow> ten = GraphReport::timelineExcerpt(all, 10);
        QCOMPARE(ten.size(), size_t(10));
        // The two earliest unmarked rows (bash forks curl, curl connects) give way.
        QCOMPARE(ten.front().type, QString("recv"));
        for (size_t i = 1; i < ten.size(); ++i)
            QVERIFY(ten[i - 1].tsNs <= ten[i].tsNs);
        QCOMPARE(std::count_if(ten.begin(), ten.end(), [](const TimelineRow &r) { return r.marked; }), 6);
        const std::vector<TimelineRow> four = GraphReport::timelineExcerpt(all, 4);
        QCOMPARE(four.size(), size_t(4));
        QVERIFY(std::all_of(four.begin(), four.end(), [](const TimelineRow &r) { return r.marked; }));
        QCOMPARE(GraphReport::timelineExcerpt(all, 50).size(), all.size());
        // The page says how many it shows.
        Result<GraphLayoutResult> layout = GraphPainter(g).layout(g);
        QVERIFY(layout.ok());
        ReportOptions options;
        options.maxTimelineRows = 4;
        QVERIFY(pageText(GraphReport(g, *layout, options)).contains("4 of 12 edges"));
    }

    void everySectionIsOnThePage()
    {
        const ProvenanceGraph g = sampleAttackGraph();
        Result<GraphLayoutResult> layout = GraphPainter(g).layout(g);
        QVERIFY(layout.ok());
        const GraphReport report(g, *layout, sampleOptions());
        const QString text = pageText(report);
        for (const char *expected : {"Case 2026-117: exfiltration from lab-3", "Case notes", "Alert from the IDS at 10:15.",
                                     "Host isolated at 10:40.", "Summary", "Legend", "point of interest",
                                     "Timeline", "127.0.0.3:4444", "/home/u/.ssh/id_rsa", "Notes", "tag: dropper (alice)",
                                     "curl (415)", ".x (416) v1"})
            QVERIFY2(text.contains(QString::fromUtf8(expected)), expected);
        QVERIFY(text.contains("sent 4.0 KB to 127.0.0.3:4444"));
        // The timeline says which time zone its times are in.
        QVERIFY(text.contains(QRegularExpression("time \\(UTC[+-]\\d\\d:\\d\\d\\)")));
        // Without notes and summary those sections are left out, and the page is shorter.
        ReportOptions bare;
        const GraphReport plain(g, *layout, bare);
        const QString plainText = pageText(plain);
        QVERIFY(plainText.contains("Provenance report"));
        QVERIFY(!plainText.contains("Case notes"));
        QVERIFY(!plainText.contains("Summary"));
        QVERIFY(plain.pageSize().height() < report.pageSize().height());
    }

    void pdfIsARealPdf()
    {
        const ProvenanceGraph g = sampleAttackGraph();
        const QString out = m_dir.filePath("report.pdf");
        Result<void> written = GraphReport::write(out.toStdString(), ReportFormat::Pdf, g, sampleOptions());
        QVERIFY2(written.ok(), written.ok() ? "" : written.error().c_str());
        QFile file(out);
        QVERIFY(file.open(QIODevice::ReadOnly));
        const QByteArray pdf = file.readAll();
        QVERIFY(pdf.startsWith("%PDF-"));
        QVERIFY(pdf.trimmed().endsWith("%%EOF"));
        QVERIFY(pdf.size() > 5000);
        // One page ("/Type /Page" but not "/Pages"), of the report's size in points.
        QCOMPARE(pdf.count(QByteArray("/Type /Page\n")) + pdf.count(QByteArray("/Type /Page ")) +
                     pdf.count(QByteArray("/Type /Page/")) + pdf.count(QByteArray("/Type /Page>")),
                 1);
        Result<GraphLayoutResult> layout = GraphPainter(g).layout(g);
        QVERIFY(layout.ok());
        const QSizeF page = GraphReport(g, *layout, sampleOptions()).pageSize();
        const QRegularExpression box(QStringLiteral("/MediaBox \\[0 0 ([0-9.]+) ([0-9.]+)\\]"));
        const QRegularExpressionMatch match = box.match(QString::fromLatin1(pdf));
        QVERIFY2(match.hasMatch(), "no MediaBox");
        QVERIFY(std::abs(match.captured(1).toDouble() - page.width()) < 2);
        QVERIFY(std::abs(match.captured(2).toDouble() - page.height()) < 2);
        QCOMPARE(QDir(m_dir.path()).entryList(QDir::Files | QDir::Hidden), QStringList{"report.pdf"});
        keepShot(out);
    }

    void pngShowsTitleGraphAndLegend()
    {
        const ProvenanceGraph g = sampleAttackGraph();
        const QString out = m_dir.filePath("report.png");
        ReportOptions options = sampleOptions();
        Result<void> written = GraphReport::write(out.toStdString(), ReportFormat::Png, g, options);
        QVERIFY2(written.ok(), written.ok() ? "" : written.error().c_str());
        const QImage image(out);
        QVERIFY(!image.isNull());
        Result<GraphLayoutResult> layout = GraphPainter(g).layout(g);
        QVERIFY(layout.ok());
        const GraphReport report(g, *layout, options);
        QCOMPARE(image.size(), report.pageSize().toSize());
        // The title: dark bold ink in the band under the top margin (the grey
        // subtitle alone would not do), white margin above it.
        int titleInk = 0;
        for (int y = 38; y < 62; ++y)
            for (int x = 36; x < 336; ++x)
                titleInk += QColor(image.pixel(x, y)).lightness() < 60;
        QVERIFY2(titleInk > 300, qPrintable(QString::number(titleInk)));
        QCOMPARE(nonWhite(image, QRect(0, 0, image.width(), 30)), 0);
        // The legend, under the graph: its frame, the version purple and the
        // relevance red of its samples, and its text.
        const QRect legend = report.legendRect().toAlignedRect();
        QVERIFY(legend.top() > image.height() / 3 && legend.bottom() < image.height());
        QVERIFY(legend.width() > 400 && legend.height() > 100);
        int purple = 0, red = 0, ink = 0;
        for (int y = legend.top() + 2; y < legend.bottom() - 1; ++y)
            for (int x = legend.left() + 2; x < legend.right() - 1; ++x) {
                const QColor c(image.pixel(x, y));
                purple += c == GraphPainter::edgeColor(EdgeType::Version);
                red += c == GraphPainter::relevanceColor();
                ink += c.lightness() < 60;
            }
        QVERIFY2(purple > 10 && red > 10 && ink > 500, qPrintable(QString("%1 %2 %3").arg(purple).arg(red).arg(ink)));
        // Scale 2: twice the pixels, the same page.
        options.scale = 2.0;
        const QString big = m_dir.filePath("report@2x.png");
        QVERIFY(GraphReport::write(big.toStdString(), ReportFormat::Png, g, options).ok());
        const QImage twice(big);
        QVERIFY(std::abs(twice.width() - 2 * image.width()) <= 2);
        keepShot(out);
        QFile::remove(big);
    }

    void emptyGraphStillMakesAPage()
    {
        ProvenanceGraph empty;
        const QString out = m_dir.filePath("empty.pdf");
        QVERIFY(GraphReport::write(out.toStdString(), ReportFormat::Pdf, empty, ReportOptions()).ok());
        QFile file(out);
        QVERIFY(file.open(QIODevice::ReadOnly));
        QVERIFY(file.readAll().startsWith("%PDF-"));
        QFile::remove(out);
    }

    void failureLeavesNothing()
    {
        const ProvenanceGraph g = sampleAttackGraph();
        const QString out = m_dir.filePath("no-such-dir/report.pdf");
        Result<void> written = GraphReport::write(out.toStdString(), ReportFormat::Pdf, g, sampleOptions());
        QVERIFY(!written.ok());
        QVERIFY2(QString::fromStdString(written.error()).contains("cannot write"), written.error().c_str());
        QVERIFY(!QFile::exists(out));
        // A cancelled export keeps what was there.
        const QString keep = m_dir.filePath("keep.pdf");
        {
            QFile old(keep);
            QVERIFY(old.open(QIODevice::WriteOnly));
            old.write("previous report");
        }
        Result<GraphLayoutResult> layout = GraphPainter(g).layout(g);
        QVERIFY(layout.ok());
        const std::atomic<bool> cancelled{true};
        QVERIFY(!GraphReport::writePdf(keep.toStdString(), g, *layout, sampleOptions(), &cancelled).ok());
        QFile file(keep);
        QVERIFY(file.open(QIODevice::ReadOnly));
        QCOMPARE(file.readAll(), QByteArray("previous report"));
        QVERIFY(!GraphReport::parseFormat("docx").ok());
    }
};

QTEST_MAIN(TestGraphReport)
#include "tst_graph_report.moc"
