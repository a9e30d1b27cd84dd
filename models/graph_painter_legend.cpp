// GraphPainter's legend: what the shapes, marks and edge colours of a graph
// mean, drawn with the same paintNode/paintEdge as the graph itself so the
// legend can never disagree with it.
#include "graph_painter.h"

#include <QFontMetricsF>
#include <QObject>
#include <QPainter>

#include <algorithm>
#include <cmath>
#include <functional>

namespace provscope {

namespace {

constexpr qreal kPad = 8.0;        // inside the legend's frame
constexpr qreal kRow = 26.0;       // one entry
constexpr qreal kSwatch = 46.0;    // width of a node or edge sample
constexpr qreal kSwatchHeight = 18.0;
constexpr qreal kTextGap = 6.0;    // sample to text
constexpr qreal kColumnGap = 18.0;

struct Entry {
    QString text;
    std::function<void(QPainter &, const QRectF &)> sample; // draws into the swatch rect
};

struct Column {
    QString heading;
    std::vector<Entry> entries;
};

GraphNode sampleNode(NodeKind kind)
{
    GraphNode node;
    node.kind = kind;
    return node;
}

Entry nodeEntry(const QString &text, GraphNode node)
{
    return {text, [node](QPainter &painter, const QRectF &rect) {
                GraphPainter().paintNode(painter, node, rect);
            }};
}

Entry edgeEntry(const QString &text, EdgeType type)
{
    return {text, [type](QPainter &painter, const QRectF &rect) {
                GraphEdge edge;
                edge.type = type;
                EdgeGeometry geometry;
                const qreal y = rect.center().y();
                // A straight cubic: the painter adds the arrow head along its end.
                geometry.points = {QPointF(rect.left() + 2, y), QPointF(rect.left() + 14, y),
                                   QPointF(rect.right() - 14, y), QPointF(rect.right() - 2, y)};
                GraphPainter().paintEdge(painter, edge, geometry);
            }};
}

std::vector<Column> legendColumns()
{
    Column objects{QObject::tr("Objects"), {}};
    objects.entries.push_back(nodeEntry(QObject::tr("process (v1: after an exec)"), sampleNode(NodeKind::Process)));
    objects.entries.push_back(nodeEntry(QObject::tr("file"), sampleNode(NodeKind::File)));
    objects.entries.push_back(nodeEntry(QObject::tr("socket"), sampleNode(NodeKind::Socket)));
    objects.entries.push_back(nodeEntry(QObject::tr("pipe"), sampleNode(NodeKind::Pipe)));
    GraphNode group = sampleNode(NodeKind::File);
    group.collapsed = 2;
    group.label = " "; // the sample is too small for "2 files"
    objects.entries.push_back(nodeEntry(QObject::tr("group of hidden files"), group));

    Column marks{QObject::tr("Marks"), {}};
    GraphNode poi = sampleNode(NodeKind::Process);
    poi.isPoi = true;
    marks.entries.push_back(nodeEntry(QObject::tr("point of interest"), poi));
    marks.entries.push_back({QObject::tr("\u26a0 security relevant: why"), [](QPainter &painter, const QRectF &rect) {
                                 // Too small for the tag line: the red border and the sign.
                                 painter.save();
                                 painter.setPen(QPen(GraphPainter::relevanceColor(), 2.2));
                                 painter.setBrush(GraphPainter::fillColor(NodeKind::File));
                                 painter.drawRoundedRect(rect.adjusted(1.1, 1.1, -1.1, -1.1), 3, 3);
                                 painter.setFont(GraphPainter::boldFont());
                                 painter.drawText(rect, Qt::AlignCenter, QStringLiteral("\u26a0"));
                                 painter.restore();
                             }});
    marks.entries.push_back({QObject::tr("annotated (see Notes)"), [](QPainter &painter, const QRectF &rect) {
                                 painter.save();
                                 const QPointF c = rect.center();
                                 painter.setPen(QPen(QColor(0x8a, 0x62, 0x00), 1.2));
                                 painter.setBrush(QColor(0xf5, 0xb7, 0x00));
                                 painter.drawEllipse(c, 8.0, 8.0);
                                 QFont font = GraphPainter::boldFont();
                                 font.setPixelSize(11);
                                 painter.setFont(font);
                                 painter.setPen(Qt::black);
                                 painter.drawText(QRectF(c.x() - 8, c.y() - 8, 16, 16), Qt::AlignCenter, QStringLiteral("1"));
                                 painter.restore();
                             }});

    Column edges{QObject::tr("Edges (information flow)"), {}};
    edges.entries.push_back(edgeEntry(QObject::tr("read, recv, accept"), EdgeType::Read));
    edges.entries.push_back(edgeEntry(QObject::tr("write, send, connect"), EdgeType::Write));
    edges.entries.push_back(edgeEntry(QObject::tr("exec"), EdgeType::Exec));
    edges.entries.push_back(edgeEntry(QObject::tr("version (same process, new image)"), EdgeType::Version));
    edges.entries.push_back(edgeEntry(QObject::tr("fork"), EdgeType::Fork));
    edges.entries.push_back(edgeEntry(QObject::tr("rename"), EdgeType::Rename));
    edges.entries.push_back(edgeEntry(QObject::tr("open, unlink (no flow)"), EdgeType::Open));
    return {objects, marks, edges};
}

qreal columnWidth(const Column &column)
{
    const QFontMetricsF plain(GraphPainter::font());
    const QFontMetricsF bold(GraphPainter::boldFont());
    qreal width = bold.horizontalAdvance(column.heading);
    for (const Entry &entry : column.entries)
        width = std::max(width, kSwatch + kTextGap + plain.horizontalAdvance(entry.text));
    return std::ceil(width);
}

qreal headingHeight()
{
    return std::ceil(QFontMetricsF(GraphPainter::boldFont()).height() + 4);
}

} // namespace

QSizeF GraphPainter::legendSize()
{
    const std::vector<Column> columns = legendColumns();
    qreal width = 2 * kPad;
    size_t rows = 0;
    for (size_t i = 0; i < columns.size(); ++i) {
        width += columnWidth(columns[i]) + (i > 0 ? kColumnGap : 0);
        rows = std::max(rows, columns[i].entries.size());
    }
    // Title, column headings, rows.
    return QSizeF(width, 2 * kPad + 2 * headingHeight() + qreal(rows) * kRow);
}

void GraphPainter::paintLegend(QPainter &painter, const QRectF &rect)
{
    painter.save();
    painter.setRenderHint(QPainter::Antialiasing);
    painter.setPen(QPen(QColor(0xbb, 0xbb, 0xbb), 1.0));
    painter.setBrush(Qt::white);
    painter.drawRect(rect.adjusted(0.5, 0.5, -0.5, -0.5));
    const QFontMetricsF plain(font());
    const QFontMetricsF bold(boldFont());
    painter.setPen(QColor(0x1a, 0x1a, 0x1a));
    painter.setFont(boldFont());
    painter.drawText(QPointF(rect.left() + kPad, rect.top() + kPad + bold.ascent()), QObject::tr("Legend"));
    qreal x = rect.left() + kPad;
    const qreal top = rect.top() + kPad + headingHeight();
    for (const Column &column : legendColumns()) {
        painter.setFont(boldFont());
        painter.setPen(QColor(0x44, 0x44, 0x44));
        painter.drawText(QPointF(x, top + bold.ascent()), column.heading);
        qreal y = top + headingHeight();
        for (const Entry &entry : column.entries) {
            const QRectF swatch(x, y + (kRow - kSwatchHeight) / 2, kSwatch - 6, kSwatchHeight);
            entry.sample(painter, swatch);
            painter.setFont(font());
            painter.setPen(QColor(0x1a, 0x1a, 0x1a));
            painter.drawText(QPointF(x + kSwatch + kTextGap - 6, y + kRow / 2 - plain.height() / 2 + plain.ascent()),
                             entry.text);
            y += kRow;
        }
        x += columnWidth(column) + kColumnGap;
    }
    painter.restore();
}

} // namespace provscope
