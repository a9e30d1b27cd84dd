// Graph exports as a report's reader or a script sees them: the JSON fields and
// their escaping, the DOT marks, the painted marks (security relevance, point of
// interest, groups, versions) and the legend, and files written whole or not at all.
#include "graph_export.h"
#include "graph_painter.h"
#include "tst_graph_export_sample.h"

#include <QDir>
#include <QFile>
#include <QImage>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QPainter>
#include <QTemporaryDir>
#include <QtTest>

using namespace provscope;
using provscope::test::kSampleBootToEpoch;
using provscope::test::sampleAttackGraph;

namespace {

QJsonObject parseJson(const std::string &text)
{
    QJsonParseError error;
    const QJsonDocument doc = QJsonDocument::fromJson(QByteArray::fromStdString(text), &error);
    if (error.error != QJsonParseError::NoError)
        qWarning("%s in %s", qPrintable(error.errorString()), text.c_str());
    return doc.object();
}

int countPixels(const QImage &image, const QRect &area, const std::function<bool(QColor)> &match)
{
    int n = 0;
    const QRect r = area.intersected(image.rect());
    for (int y = r.top(); y <= r.bottom(); ++y)
        for (int x = r.left(); x <= r.right(); ++x)
            n += match(QColor(image.pixel(x, y)));
    return n;
}

bool near(const QColor &a, const QColor &b, int tolerance = 40)
{
    return std::abs(a.red() - b.red()) + std::abs(a.green() - b.green()) + std::abs(a.blue() - b.blue()) <= tolerance;
}

QStringList entries(const QString &dir)
{
    return QDir(dir).entryList(QDir::Files | QDir::Hidden);
}

} // namespace

class TestGraphExport : public QObject {
    Q_OBJECT
    QTemporaryDir m_dir;

private slots:
    void jsonFields()
    {
        const ProvenanceGraph g = sampleAttackGraph();
        const QJsonObject json = parseJson(GraphExport::toJson(g));
        QCOMPARE(json.keys(), (QStringList{"edges", "nodes"}));
        const QJsonArray nodes = json["nodes"].toArray();
        QCOMPARE(nodes.size(), g.nodeCount());
        for (int i = 0; i < nodes.size(); ++i) {
            const QJsonObject node = nodes[i].toObject();
            QCOMPARE(node["id"].toInt(-1), i); // ids are indexes
            const GraphNode &n = g.node(i);
            QCOMPARE(node["kind"].toString(), QString::fromLatin1(nodeKindName(n.kind).data()));
            QCOMPARE(node["label"].toString(), QString::fromStdString(n.label));
            // Only the fields of the node's kind, never anything beyond the list.
            const QSet<QString> allowed{"id", "kind", "label", "pid", "exe", "path", "addr", "port", "dns_name"};
            for (const QString &key : node.keys())
                QVERIFY2(allowed.contains(key), qPrintable(key));
            QCOMPARE(node.contains("pid"), n.kind == NodeKind::Process);
            QCOMPARE(node.contains("path"), (n.kind == NodeKind::File || n.kind == NodeKind::Pipe) && !n.path.empty());
            QCOMPARE(node.contains("addr"), n.kind == NodeKind::Socket);
        }
        const QJsonObject curl = nodes[test::kCurl].toObject();
        QCOMPARE(curl["pid"].toInt(), 415);
        QCOMPARE(curl["exe"].toString(), QString("/usr/bin/curl"));
        const QJsonObject dropped = nodes[test::kDropped].toObject();
        QCOMPARE(dropped["path"].toString(), QString("/tmp/.x"));
        const QJsonObject server = nodes[test::kServer].toObject();
        QCOMPARE(server["addr"].toString(), QString("127.0.0.1"));
        QCOMPARE(server["port"].toInt(), 8000);
        QCOMPARE(server["dns_name"].toString(), QString("updates.example"));
        const QJsonObject exfil = nodes[test::kExfil].toObject();
        QCOMPARE(exfil["addr"].toString(), QString("127.0.0.3"));
        QCOMPARE(exfil["port"].toInt(), 4444);
        QVERIFY(!exfil.contains("dns_name")); // unknown: omitted, not ""
        QVERIFY(!nodes[test::kGroup].toObject().contains("path"));

        const QJsonArray edges = json["edges"].toArray();
        QCOMPARE(edges.size(), g.edgeCount());
        for (int i = 0; i < edges.size(); ++i) {
            const QJsonObject edge = edges[i].toObject();
            const GraphEdge &e = g.edge(i);
            QCOMPARE(edge.keys(), (QStringList{"bytes", "count", "from", "te_ns", "to", "ts_ns", "type"}));
            QCOMPARE(edge["from"].toInt(), e.from);
            QCOMPARE(edge["to"].toInt(), e.to);
            QCOMPARE(edge["type"].toString(), QString::fromLatin1(edgeTypeName(e.type).data()));
            // Epoch ns, the event table's clock.
            QCOMPARE(edge["ts_ns"].toInteger(), qint64(e.tsNs) + kSampleBootToEpoch);
            QCOMPARE(edge["te_ns"].toInteger(), qint64(e.teNs) + kSampleBootToEpoch);
            QCOMPARE(edge["count"].toInteger(), qint64(e.count));
            QCOMPARE(edge["bytes"].toInteger(), qint64(e.bytes));
        }
        // The send of 4 KB to the exfiltration address is there as a user would look for it.
        bool sawSend = false;
        for (const QJsonValue &v : edges) {
            const QJsonObject edge = v.toObject();
            sawSend |= edge["type"] == "send" && edge["to"].toInt() == test::kExfil && edge["bytes"].toInt() == 4096;
        }
        QVERIFY(sawSend);
    }

    void jsonEscaping_data()
    {
        QTest::addColumn<QByteArray>("path");
        QTest::addColumn<QString>("expected");
        QTest::newRow("quotes and backslash") << QByteArray("/tmp/a \"b\" \\c") << QString("/tmp/a \"b\" \\c");
        QTest::newRow("newline and tab") << QByteArray("/tmp/x\ny\tz") << QString("/tmp/x\ny\tz");
        QTest::newRow("control") << QByteArray("/tmp/\x01\x1f") << QString("/tmp/\x01\x1f");
        QTest::newRow("utf-8") << QByteArray("/home/j\xc3\xbcrgen/\xe2\x82\xac") << QString::fromUtf8("/home/j\xc3\xbcrgen/\xe2\x82\xac");
        QTest::newRow("not utf-8") << QByteArray("/root/\xff\xfe") << QString::fromUtf8("/root/\xef\xbf\xbd\xef\xbf\xbd");
    }
    void jsonEscaping()
    {
        QFETCH(QByteArray, path);
        QFETCH(QString, expected);
        ProvenanceGraph g;
        g.addFile(path.toStdString());
        const std::string text = GraphExport::toJson(g);
        QJsonParseError error;
        const QJsonDocument doc = QJsonDocument::fromJson(QByteArray::fromStdString(text), &error);
        QVERIFY2(error.error == QJsonParseError::NoError, qPrintable(error.errorString() + " " + QString::fromStdString(text)));
        QCOMPARE(doc["nodes"][0]["path"].toString(), expected);
    }

    void emptyGraphIsValidJson()
    {
        const QJsonObject json = parseJson(GraphExport::toJson(ProvenanceGraph()));
        QVERIFY(json["nodes"].isArray() && json["nodes"].toArray().isEmpty());
        QVERIFY(json["edges"].isArray() && json["edges"].toArray().isEmpty());
    }

    void writeJsonReplacesWholeOrNothing()
    {
        const QString out = m_dir.filePath("graph.json");
        {
            QFile old(out);
            QVERIFY(old.open(QIODevice::WriteOnly));
            old.write(QByteArray(100000, 'x')); // longer than the new file: no tail may survive
        }
        const ProvenanceGraph g = sampleAttackGraph();
        QVERIFY(GraphExport::write(out.toStdString(), GraphFormat::Json, g).ok());
        QFile file(out);
        QVERIFY(file.open(QIODevice::ReadOnly));
        QCOMPARE(file.readAll(), QByteArray::fromStdString(GraphExport::toJson(g)));
        QCOMPARE(entries(m_dir.path()), QStringList{"graph.json"});

        // Into a missing directory: an error naming the file, nothing created.
        const QString missing = m_dir.filePath("no-such-dir/graph.json");
        Result<void> failed = GraphExport::writeJson(missing.toStdString(), g);
        QVERIFY(!failed.ok());
        QVERIFY2(QString::fromStdString(failed.error()).contains(missing), failed.error().c_str());
        QVERIFY(!QFile::exists(missing));
        QFile::remove(out);
    }

    void cancelledPngKeepsTheOldFile()
    {
        const QString out = m_dir.filePath("keep.png");
        {
            QFile old(out);
            QVERIFY(old.open(QIODevice::WriteOnly));
            old.write("previous export");
        }
        const ProvenanceGraph g = sampleAttackGraph();
        Result<GraphLayoutResult> layout = GraphPainter(g).layout(g);
        QVERIFY(layout.ok());
        const std::atomic<bool> cancelled{true};
        QVERIFY(!GraphExport::writePng(out.toStdString(), g, *layout, 1.0, {}, &cancelled).ok());
        QFile file(out);
        QVERIFY(file.open(QIODevice::ReadOnly));
        QCOMPARE(file.readAll(), QByteArray("previous export"));
        QCOMPARE(entries(m_dir.path()), QStringList{"keep.png"});
        QFile::remove(out);
    }

    void parseFormat()
    {
        QCOMPARE(*GraphExport::parseFormat("json"), GraphFormat::Json);
        QCOMPARE(*GraphExport::parseFormat("svg"), GraphFormat::Svg);
        QVERIFY(QString::fromStdString(GraphExport::parseFormat("pdf").error()).contains("json, dot, png or svg"));
    }

    void dotCarriesTheMarks()
    {
        const std::string dot = GraphExport::toDot(sampleAttackGraph());
        QVERIFY(dot.find("relevance=\"executed download\"") != std::string::npos);
        QVERIFY(dot.find("poi=true") != std::string::npos);
        QVERIFY(dot.find("collapsed=3") != std::string::npos);
        QVERIFY(dot.find(".x (416) v1") != std::string::npos);
        // The version edge is dashed; the send label says how much went out.
        QVERIFY(dot.find("type=\"version\", color=\"#a54cd6\"") != std::string::npos);
        const size_t version = dot.find("type=\"version\"");
        QVERIFY(dot.find("style=dashed", version) < dot.find('\n', version));
        QVERIFY(dot.find("4.0 KB") != std::string::npos);
    }

    void nodeText()
    {
        const ProvenanceGraph g = sampleAttackGraph();
        const GraphPainter painter(g);
        QCOMPARE(painter.nodeLines(g.node(test::kDropped)).last(), QString::fromUtf8("\u26a0 executed download"));
        QCOMPARE(painter.nodeLines(g.node(test::kKey)).last(), QString::fromUtf8("\u26a0 ssh key, credential"));
        QCOMPARE(painter.nodeLines(g.node(test::kDroppedRun)).first(), QString(".x (416) v1"));
        QCOMPARE(painter.nodeLines(g.node(test::kDropper)).first(), QString("bash (416)")); // version 0: no suffix
        QCOMPARE(painter.nodeLines(g.node(test::kGroup)).first(), QString("3 shared read-only files"));
        ProvenanceGraph unnamed;
        GraphNode group;
        group.key = "group:1";
        group.collapsed = 7;
        unnamed.addNode(group);
        QCOMPARE(painter.nodeLines(unnamed.node(0)).first(), QString("7 files"));
        // The tag line makes the node taller and wide enough for the tag.
        GraphNode plain = g.node(test::kDropped);
        plain.flags = 0;
        QVERIFY(painter.nodeSize(g.node(test::kDropped)).height() > painter.nodeSize(plain).height());
        const GraphEdge &send = g.edge(test::kSendEdge);
        QCOMPARE(painter.edgeCaption(send), painter.edgeLabel(send) + " 4.0 KB");
        QCOMPARE(GraphPainter::formatBytes(412), QString("412 B"));
        QCOMPARE(GraphPainter::formatBytes(1536), QString("1.5 KB"));
        QCOMPARE(GraphPainter::formatBytes(5ull << 20), QString("5.0 MB"));
    }

    void notesOfAProcessStayOnOneNode()
    {
        // 416 has two versions in the graph (bash, then .x after the exec): its
        // process note and a bookmark on the key read by .x share one mark, on
        // the earliest version.
        const ProvenanceGraph g = sampleAttackGraph();
        std::vector<Annotation> annotations(3);
        annotations[0].targetKind = Annotation::Target::Process;
        annotations[0].target = Annotation::processTarget(416, 1002 * test::kSec);
        annotations[0].kind = Annotation::Kind::Comment;
        annotations[0].text = "the dropper";
        annotations[1].targetKind = Annotation::Target::Event;
        annotations[1].target = Annotation::eventTarget(109); // edge 9: id_rsa -> .x (416) v1
        annotations[1].kind = Annotation::Kind::Bookmark;
        annotations[2].targetKind = Annotation::Target::Node;
        annotations[2].target = "file:/tmp/.x";
        annotations[2].kind = Annotation::Kind::Tag;
        annotations[2].text = "payload";
        GraphPainter painter(g);
        painter.setAnnotations(g, annotations);
        QCOMPARE(painter.noteNumber(g.node(test::kDropped)), 1);
        QCOMPARE(painter.noteNumber(g.node(test::kDropper)), 2);
        QCOMPARE(painter.noteNumber(g.node(test::kDroppedRun)), 0);
        const QStringList notes = painter.nodeNotes(g.node(test::kDropper));
        QCOMPARE(notes.size(), 2);
        QVERIFY2(notes[0].startsWith("comment: the dropper"), qPrintable(notes.join('|')));
        QVERIFY2(notes[1].startsWith("bookmark on event 109 (read "), qPrintable(notes.join('|')));
    }

    void pngShowsTheMarks()
    {
        const ProvenanceGraph g = sampleAttackGraph();
        const GraphPainter painter(g);
        Result<GraphLayoutResult> layout = painter.layout(g);
        QVERIFY(layout.ok());
        const QImage image = painter.renderImage(g, *layout, 1.0);
        const QPointF shift = QPointF(GraphPainter::kMargin, GraphPainter::kMargin) - layout->boundingBox.topLeft();
        const QColor red = GraphPainter::relevanceColor();
        auto box = [&](int node) { return layout->nodes[size_t(node)].rect().translated(shift).toAlignedRect(); };
        auto isRed = [&](QColor c) { return near(c, red); };
        // A flagged node has a red outline and red tag text; a plain one has none.
        QVERIFY(countPixels(image, box(test::kDropped), isRed) > 100);
        QVERIFY(countPixels(image, box(test::kCurl), isRed) == 0);
        // The point of interest: black border and the "POI" badge above its top-left corner.
        const QRect poi = box(test::kExfil);
        const QRect badge(poi.left() - 4, poi.top() - 8, 30, 14);
        QVERIFY(countPixels(image, badge, [](QColor c) { return c.lightness() < 40; }) > 60);
        // A group node: sheets behind the front one, up and right.
        const QRect group = box(test::kGroup);
        const QRect corner(group.right() - 8, group.top(), 8, 8);
        QVERIFY(countPixels(image, corner, [](QColor c) { return c != Qt::white; }) > 10);
        if (qEnvironmentVariableIsSet("PROVSCOPE_SHOT_DIR"))
            image.save(qEnvironmentVariable("PROVSCOPE_SHOT_DIR") + "/export-graph.png");
    }

    void legend()
    {
        const QSizeF size = GraphPainter::legendSize();
        QVERIFY(size.width() > 300 && size.width() < 1000);
        QVERIFY(size.height() > 100 && size.height() < 400);
        QImage image(size.toSize(), QImage::Format_ARGB32_Premultiplied);
        image.fill(Qt::white);
        QPainter p(&image);
        GraphPainter::paintLegend(p, QRectF(QPointF(0, 0), size));
        p.end();
        // Every kind's fill, the relevance red and the version purple are there.
        for (const QColor &colour : {GraphPainter::fillColor(NodeKind::Process), GraphPainter::fillColor(NodeKind::File),
                                     GraphPainter::fillColor(NodeKind::Socket), GraphPainter::relevanceColor(),
                                     GraphPainter::edgeColor(EdgeType::Version), GraphPainter::edgeColor(EdgeType::Read)})
            QVERIFY2(countPixels(image, image.rect(), [&](QColor c) { return near(c, colour, 12); }) > 20,
                     qPrintable(colour.name()));
        // Nothing drawn outside its size: the right and bottom edges hold only the frame.
        QVERIFY(countPixels(image, QRect(image.width() - 3, 0, 2, image.height()),
                            [](QColor c) { return c.lightness() < 120; }) == 0);
        if (qEnvironmentVariableIsSet("PROVSCOPE_SHOT_DIR"))
            image.save(qEnvironmentVariable("PROVSCOPE_SHOT_DIR") + "/legend.png");
    }
};

QTEST_MAIN(TestGraphExport)
#include "tst_graph_export.moc"
