#include "graph_painter.h"

#include <QDateTime>
#include <QFontMetricsF>
#include <QObject>
#include <QPainter>
#include <QPainterPath>
#include <QPolygonF>

#include <algorithm>
#include <cmath>

namespace provscope {

namespace {

constexpr qreal kPadX = 8.0;
constexpr qreal kPadY = 5.0;
constexpr qreal kLineGap = 1.0;
constexpr qreal kFold = 8.0;          // folded corner of file nodes
constexpr qreal kMaxTextWidth = 420.0; // longer lines are elided in the middle (full text in the UI)
constexpr qreal kLabelPadX = 3.0;
constexpr qreal kLabelPadY = 1.0;
constexpr qreal kArrowLength = 9.0;
constexpr qreal kArrowHalfWidth = 4.0;
constexpr int kMaxImageSide = 16000; // QPainter on QImage is safe well below 32767
constexpr qreal kMarkRadius = 8.0;   // the numbered note mark on an annotated node
constexpr qreal kNotesGap = 18.0;    // between the graph and the notes block
constexpr qreal kNotesMinWidth = 480.0;
constexpr qreal kNoteIndent = 24.0;
const QColor kMarkFill(0xf5, 0xb7, 0x00);
const QColor kMarkBorder(0x8a, 0x62, 0x00);

QFont boldFont()
{
    QFont font = GraphPainter::font();
    font.setBold(true);
    return font;
}

QColor edgeColor(EdgeType type)
{
    switch (type) {
    case EdgeType::Read:
    case EdgeType::Recv:
    case EdgeType::Accept: return QColor(0x2f, 0x6d, 0xb5);
    case EdgeType::Write:
    case EdgeType::Send:
    case EdgeType::Connect: return QColor(0xc0, 0x39, 0x2b);
    case EdgeType::Exec:
    case EdgeType::Version: return QColor(0x7d, 0x3c, 0x98);
    case EdgeType::Fork: return QColor(0x33, 0x33, 0x33);
    case EdgeType::Rename: return QColor(0x9a, 0x6a, 0x1c);
    case EdgeType::Open:
    case EdgeType::Unlink: return QColor(0x88, 0x88, 0x88);
    }
    return Qt::black;
}

} // namespace

GraphPainter::GraphPainter(int64_t bootToEpochNs) : m_bootToEpochNs(bootToEpochNs) {}

GraphPainter::GraphPainter(const ProvenanceGraph &graph) : m_bootToEpochNs(graph.bootToEpochNs()) {}

void GraphPainter::setAnnotations(const ProvenanceGraph &graph, const std::vector<Annotation> &annotations)
{
    m_noteNumber.clear();
    m_notes.clear();
    // Node key -> its notes: node annotations by key, process annotations on the
    // process's node, and event annotations on the node of the process whose edge
    // stands for the event (a bookmarked read shows at the reading process).
    std::unordered_map<std::string, QStringList> byKey;
    std::unordered_map<int64_t, std::vector<const Annotation *>> byEvent;
    for (const Annotation &a : annotations) {
        if (a.targetKind == Annotation::Target::Node)
            byKey[a.target] << noteText(a, QString());
        else if (a.targetKind == Annotation::Target::Process)
            byKey[processNodeKey(a)] << noteText(a, QString());
        else if (const auto id = a.eventId())
            byEvent[*id].push_back(&a);
    }
    if (!byEvent.empty()) {
        for (const GraphEdge &edge : graph.edges()) {
            for (const int64_t id : edge.eventIds) {
                const auto it = byEvent.find(id);
                if (it == byEvent.end())
                    continue;
                const bool fromProcess = graph.node(edge.from).kind == NodeKind::Process;
                const GraphNode &node = graph.node(fromProcess || graph.node(edge.to).kind != NodeKind::Process
                                                       ? edge.from
                                                       : edge.to);
                const QString event = QObject::tr("event %1 (%2)").arg(id).arg(edgeLabel(edge));
                for (const Annotation *a : it->second)
                    byKey[node.key] << noteText(*a, event);
            }
        }
    }
    if (byKey.empty())
        return;
    for (const GraphNode &node : graph.nodes()) { // numbered in node order: stable for a graph
        const auto it = byKey.find(node.key);
        if (it == byKey.end())
            continue;
        NodeNotes notes;
        notes.title = QString::fromStdString(node.label);
        if (!node.detail.empty())
            notes.title += QStringLiteral(" \u2014 ") + QString::fromStdString(node.detail);
        notes.notes = it->second;
        m_notes.push_back(std::move(notes));
        m_noteNumber[node.key] = int(m_notes.size());
    }
}

QString GraphPainter::noteText(const Annotation &a, const QString &event)
{
    // "tag: dropper (alice, 2026-11-22 10:15)", "bookmark on event 4 (read 10:15:00.000) (alice, ...)".
    QString line = QString::fromLatin1(annotationKindName(a.kind).data(), qsizetype(annotationKindName(a.kind).size()));
    if (!event.isEmpty())
        line += QObject::tr(" on ") + event;
    if (!a.text.empty())
        line += QStringLiteral(": ") + QString::fromStdString(a.text);
    QString by = QString::fromStdString(a.author);
    if (a.createdNs > 0) {
        const QString when = QDateTime::fromMSecsSinceEpoch(a.createdNs / 1000000, Qt::LocalTime)
                                 .toString(QStringLiteral("yyyy-MM-dd HH:mm"));
        by = by.isEmpty() ? when : by + QStringLiteral(", ") + when;
    }
    if (!by.isEmpty())
        line += QStringLiteral(" (") + by + QLatin1Char(')');
    return line;
}

int GraphPainter::noteNumber(const GraphNode &node) const
{
    const auto it = m_noteNumber.find(node.key);
    return it == m_noteNumber.end() ? 0 : it->second;
}

QStringList GraphPainter::nodeNotes(const GraphNode &node) const
{
    const int number = noteNumber(node);
    return number > 0 ? m_notes[size_t(number - 1)].notes : QStringList();
}

QStringList GraphPainter::notesLines() const
{
    QStringList lines;
    if (m_notes.empty())
        return lines;
    lines << QObject::tr("Notes");
    for (size_t i = 0; i < m_notes.size(); ++i) {
        lines << QStringLiteral("[%1] %2").arg(i + 1).arg(m_notes[i].title);
        for (const QString &note : m_notes[i].notes)
            lines << QStringLiteral("    ") + note;
    }
    return lines;
}

QFont GraphPainter::font()
{
    QFont font(QStringLiteral("DejaVu Sans"));
    // 9 pt at 96 dpi, given in pixels so every device (screen, QImage, SVG at
    // 72 dpi) draws text exactly as large as it was measured.
    font.setPixelSize(12);
    font.setStyleHint(QFont::SansSerif);
    return font;
}

QColor GraphPainter::fillColor(NodeKind kind)
{
    switch (kind) {
    case NodeKind::Process: return QColor(0xdb, 0xe8, 0xfb);
    case NodeKind::File: return QColor(0xf7, 0xef, 0xd9);
    case NodeKind::Socket: return QColor(0xdc, 0xf2, 0xdc);
    case NodeKind::Pipe: return QColor(0xe8, 0xe8, 0xe8);
    }
    return Qt::white;
}

QColor GraphPainter::borderColor(NodeKind kind)
{
    switch (kind) {
    case NodeKind::Process: return QColor(0x3a, 0x6e, 0xa5);
    case NodeKind::File: return QColor(0xa0, 0x88, 0x50);
    case NodeKind::Socket: return QColor(0x3d, 0x8b, 0x3d);
    case NodeKind::Pipe: return QColor(0x80, 0x80, 0x80);
    }
    return Qt::black;
}

QStringList GraphPainter::nodeLines(const GraphNode &node) const
{
    const QFontMetricsF bold(boldFont());
    const QFontMetricsF plain(font());
    QStringList lines;
    lines << bold.elidedText(QString::fromStdString(node.label), Qt::ElideMiddle, kMaxTextWidth);
    if (!node.detail.empty())
        lines << plain.elidedText(QString::fromStdString(node.detail), Qt::ElideMiddle, kMaxTextWidth);
    return lines;
}

QSizeF GraphPainter::nodeSize(const GraphNode &node) const
{
    const QFontMetricsF bold(boldFont());
    const QFontMetricsF plain(font());
    const QStringList lines = nodeLines(node);
    qreal width = 0;
    qreal height = 0;
    for (int i = 0; i < lines.size(); ++i) {
        const QFontMetricsF &metrics = i == 0 ? bold : plain;
        width = std::max(width, metrics.horizontalAdvance(lines[i]));
        height += metrics.height() + (i > 0 ? kLineGap : 0);
    }
    width += 2 * kPadX;
    height += 2 * kPadY;
    if (node.kind == NodeKind::File)
        width += kFold / 2; // keep text clear of the folded corner
    if (node.kind == NodeKind::Socket)
        width += height / 2; // rounded ends
    return QSizeF(std::ceil(std::max(width, 40.0)), std::ceil(height));
}

QString GraphPainter::formatTime(uint64_t bootNs) const
{
    const int64_t epochNs = static_cast<int64_t>(bootNs) + m_bootToEpochNs;
    return QDateTime::fromMSecsSinceEpoch(epochNs / 1000000, Qt::LocalTime).toString(QStringLiteral("HH:mm:ss.zzz"));
}

QString GraphPainter::edgeLabel(const GraphEdge &edge) const
{
    QString text = QString::fromLatin1(edgeTypeName(edge.type).data(),
                                       static_cast<qsizetype>(edgeTypeName(edge.type).size()));
    text += QLatin1Char(' ') + formatTime(edge.tsNs);
    if (edge.count > 1)
        text += QStringLiteral(" \u00d7%1").arg(edge.count);
    return text;
}

QSizeF GraphPainter::edgeLabelSize(const GraphEdge &edge) const
{
    // Opens and unlinks are context, not flows: unlabelled (the UI shows the
    // text as a tooltip) so they do not crowd the ranks with label boxes.
    if (!isFlowEdge(edge.type))
        return QSizeF();
    const QFontMetricsF metrics(font());
    return QSizeF(std::ceil(metrics.horizontalAdvance(edgeLabel(edge)) + 2 * kLabelPadX),
                  std::ceil(metrics.height() + 2 * kLabelPadY));
}

void GraphPainter::paintNode(QPainter &painter, const GraphNode &node, const QRectF &rect, bool selected) const
{
    painter.save();
    QPen pen(borderColor(node.kind), node.isPoi ? 2.5 : 1.2);
    if (node.isPoi)
        pen.setColor(QColor(0xc0, 0x39, 0x2b));
    if (selected) {
        pen.setColor(QColor(0xff, 0x8c, 0x00));
        pen.setWidthF(3.0);
    }
    pen.setJoinStyle(Qt::RoundJoin);
    painter.setPen(pen);
    painter.setBrush(fillColor(node.kind));
    // Inset by half the pen so the outline stays inside the laid-out box.
    const QRectF box = rect.adjusted(pen.widthF() / 2, pen.widthF() / 2, -pen.widthF() / 2, -pen.widthF() / 2);
    switch (node.kind) {
    case NodeKind::Process:
        painter.drawRoundedRect(box, 6, 6);
        break;
    case NodeKind::File: {
        QPolygonF shape;
        shape << box.topLeft() << QPointF(box.right() - kFold, box.top()) << QPointF(box.right(), box.top() + kFold)
              << box.bottomRight() << box.bottomLeft();
        painter.drawPolygon(shape);
        painter.drawPolyline(QPolygonF() << QPointF(box.right() - kFold, box.top())
                                         << QPointF(box.right() - kFold, box.top() + kFold)
                                         << QPointF(box.right(), box.top() + kFold));
        break;
    }
    case NodeKind::Socket:
        painter.drawRoundedRect(box, box.height() / 2, box.height() / 2);
        break;
    case NodeKind::Pipe: {
        QPen dashed = pen;
        dashed.setStyle(Qt::DashLine);
        painter.setPen(dashed);
        painter.drawRect(box);
        break;
    }
    }

    const QStringList lines = nodeLines(node);
    const QFontMetricsF bold(boldFont());
    const QFontMetricsF plain(font());
    qreal textHeight = 0;
    for (int i = 0; i < lines.size(); ++i)
        textHeight += (i == 0 ? bold : plain).height() + (i > 0 ? kLineGap : 0);
    qreal y = rect.center().y() - textHeight / 2;
    painter.setPen(QColor(0x1a, 0x1a, 0x1a));
    for (int i = 0; i < lines.size(); ++i) {
        const QFontMetricsF &metrics = i == 0 ? bold : plain;
        painter.setFont(i == 0 ? boldFont() : font());
        if (i > 0)
            painter.setPen(QColor(0x4a, 0x4a, 0x4a));
        const qreal width = metrics.horizontalAdvance(lines[i]);
        const qreal shift = node.kind == NodeKind::File ? -kFold / 4 : 0; // away from the fold
        painter.drawText(QPointF(rect.center().x() - width / 2 + shift, y + metrics.ascent()), lines[i]);
        y += metrics.height() + kLineGap;
    }
    if (const int number = noteNumber(node); number > 0)
        paintNoteMark(painter, rect, number);
    painter.restore();
}

void GraphPainter::paintNoteMark(QPainter &painter, const QRectF &rect, int number) const
{
    // On the top-right corner, outside the text: the number of the node's notes.
    painter.save();
    const QPointF center(rect.right() - kMarkRadius / 2, rect.top() + kMarkRadius / 4);
    painter.setPen(QPen(kMarkBorder, 1.2));
    painter.setBrush(kMarkFill);
    painter.drawEllipse(center, kMarkRadius, kMarkRadius);
    QFont small = boldFont();
    small.setPixelSize(number < 10 ? 11 : 9);
    painter.setFont(small);
    painter.setPen(Qt::black);
    painter.drawText(QRectF(center.x() - kMarkRadius, center.y() - kMarkRadius, 2 * kMarkRadius, 2 * kMarkRadius),
                     Qt::AlignCenter, QString::number(number));
    painter.restore();
}

void GraphPainter::paintEdge(QPainter &painter, const GraphEdge &edge, const EdgeGeometry &geometry,
                             bool selected) const
{
    if (geometry.points.size() < 2)
        return;
    painter.save();
    const QColor color = selected ? QColor(0xff, 0x8c, 0x00) : edgeColor(edge.type);
    QPen pen(color, selected ? 2.5 : (edge.count > 1 ? 1.6 : 1.1));
    if (!isFlowEdge(edge.type))
        pen.setStyle(Qt::DashLine);
    painter.setPen(pen);
    painter.setBrush(Qt::NoBrush);

    QPainterPath path(geometry.points.front());
    size_t i = 1;
    for (; i + 2 < geometry.points.size(); i += 3)
        path.cubicTo(geometry.points[i], geometry.points[i + 1], geometry.points[i + 2]);
    for (; i < geometry.points.size(); ++i) // leftovers (not a multiple of 3): straight
        path.lineTo(geometry.points[i]);
    painter.drawPath(path);

    // Arrow head: from the spline's end to Graphviz's arrow tip, or along the
    // last segment when Graphviz gave none.
    QPointF base = geometry.points.back();
    QPointF tip = geometry.arrowTip;
    if (!geometry.hasArrowHead) {
        const QPointF before = geometry.points[geometry.points.size() - 2];
        const QPointF dir = base - before;
        const qreal len = std::hypot(dir.x(), dir.y());
        tip = base;
        base = len > 0 ? tip - dir / len * kArrowLength : tip;
    } else {
        painter.drawLine(base, tip - (tip - base) * 0.5); // close the gap under the head
    }
    const QPointF dir = tip - base;
    const qreal len = std::hypot(dir.x(), dir.y());
    if (len > 0) {
        const QPointF unit = dir / len;
        const QPointF normal(-unit.y(), unit.x());
        const QPointF back = tip - unit * kArrowLength;
        QPolygonF head;
        head << tip << back + normal * kArrowHalfWidth << back - normal * kArrowHalfWidth;
        QPen solid(color, 1.0);
        painter.setPen(solid);
        painter.setBrush(color);
        painter.drawPolygon(head);
    }

    if (geometry.hasLabel) {
        const QRectF box(geometry.labelCenter.x() - geometry.labelSize.width() / 2,
                         geometry.labelCenter.y() - geometry.labelSize.height() / 2,
                         geometry.labelSize.width(), geometry.labelSize.height());
        painter.setPen(Qt::NoPen);
        painter.setBrush(QColor(255, 255, 255, 215));
        painter.drawRect(box);
        painter.setPen(color.darker(130));
        painter.setFont(font());
        const QFontMetricsF metrics(font());
        painter.drawText(QPointF(box.left() + kLabelPadX, box.top() + kLabelPadY + metrics.ascent()), edgeLabel(edge));
    }
    painter.restore();
}

void GraphPainter::paintGraph(QPainter &painter, const ProvenanceGraph &graph, const GraphLayoutResult &layout) const
{
    const size_t edges = std::min(graph.edges().size(), layout.edges.size());
    for (size_t i = 0; i < edges; ++i)
        paintEdge(painter, graph.edges()[i], layout.edges[i]);
    const size_t nodes = std::min(graph.nodes().size(), layout.nodes.size());
    for (size_t i = 0; i < nodes; ++i)
        paintNode(painter, graph.nodes()[i], layout.nodes[i].rect());
}

Result<GraphLayoutResult> GraphPainter::layout(const ProvenanceGraph &graph, LayoutEngine engine) const
{
    std::vector<QSizeF> nodeSizes;
    nodeSizes.reserve(graph.nodes().size());
    for (const GraphNode &node : graph.nodes())
        nodeSizes.push_back(nodeSize(node));
    std::vector<QSizeF> labelSizes;
    labelSizes.reserve(graph.edges().size());
    for (const GraphEdge &edge : graph.edges())
        labelSizes.push_back(edgeLabelSize(edge));
    return GraphLayout::compute(graph, nodeSizes, labelSizes, engine);
}

QSizeF GraphPainter::pageSize(const GraphLayoutResult &layout)
{
    return QSizeF(layout.boundingBox.width() + 2 * kMargin, layout.boundingBox.height() + 2 * kMargin);
}

QSizeF GraphPainter::reportSize(const GraphLayoutResult &layout) const
{
    const QSizeF page = pageSize(layout);
    if (m_notes.empty())
        return page;
    const qreal width = std::max(page.width(), kNotesMinWidth + 2 * kMargin);
    return QSizeF(width, page.height() + kNotesGap + notesHeight(width - 2 * kMargin) + kMargin / 2);
}

qreal GraphPainter::notesHeight(qreal width) const
{
    const QFontMetricsF bold(boldFont());
    const QFontMetricsF plain(font());
    qreal height = bold.height() + 6; // "Notes"
    for (const NodeNotes &node : m_notes) {
        height += bold.boundingRect(QRectF(0, 0, width - kNoteIndent, 1e6), Qt::TextWordWrap, node.title).height() + 2;
        for (const QString &note : node.notes)
            height += plain.boundingRect(QRectF(0, 0, width - 2 * kNoteIndent, 1e6), Qt::TextWordWrap, note).height()
                + 2;
        height += 4;
    }
    return std::ceil(height);
}

void GraphPainter::paintNotes(QPainter &painter, const QRectF &area) const
{
    painter.save();
    const QFontMetricsF bold(boldFont());
    const QFontMetricsF plain(font());
    painter.setPen(QPen(QColor(0xbb, 0xbb, 0xbb), 1.0));
    painter.drawLine(QPointF(area.left(), area.top() - kNotesGap / 2), QPointF(area.right(), area.top() - kNotesGap / 2));
    qreal y = area.top();
    painter.setPen(QColor(0x1a, 0x1a, 0x1a));
    painter.setFont(boldFont());
    painter.drawText(QPointF(area.left(), y + bold.ascent()), QObject::tr("Notes"));
    y += bold.height() + 6;
    for (size_t i = 0; i < m_notes.size(); ++i) {
        const NodeNotes &node = m_notes[i];
        paintNoteMark(painter, QRectF(area.left() - kMarkRadius / 2, y + bold.height() / 2 - kMarkRadius / 4,
                                      kMarkRadius, kMarkRadius), int(i + 1));
        painter.setFont(boldFont());
        painter.setPen(QColor(0x1a, 0x1a, 0x1a));
        const QRectF title(area.left() + kNoteIndent, y, area.width() - kNoteIndent, 1e6);
        const QRectF titleBox = bold.boundingRect(title, Qt::TextWordWrap, node.title);
        painter.drawText(title, Qt::TextWordWrap, node.title);
        y += titleBox.height() + 2;
        painter.setFont(font());
        painter.setPen(QColor(0x33, 0x33, 0x33));
        for (const QString &note : node.notes) {
            const QRectF box(area.left() + 2 * kNoteIndent, y, area.width() - 2 * kNoteIndent, 1e6);
            const QRectF used = plain.boundingRect(box, Qt::TextWordWrap, note);
            painter.drawText(box, Qt::TextWordWrap, note);
            y += used.height() + 2;
        }
        y += 4;
    }
    painter.restore();
}

void GraphPainter::paintReport(QPainter &painter, const ProvenanceGraph &graph, const GraphLayoutResult &layout) const
{
    painter.save();
    painter.translate(kMargin - layout.boundingBox.left(), kMargin - layout.boundingBox.top());
    paintGraph(painter, graph, layout);
    painter.restore();
    if (m_notes.empty())
        return;
    const QSizeF page = reportSize(layout);
    const qreal top = pageSize(layout).height() + kNotesGap - kMargin / 2;
    paintNotes(painter, QRectF(kMargin, top, page.width() - 2 * kMargin, page.height() - top));
}

QImage GraphPainter::renderImage(const ProvenanceGraph &graph, const GraphLayoutResult &layout, qreal scale) const
{
    const QSizeF page = reportSize(layout);
    // Huge graphs: shrink rather than fail.
    scale = std::min({scale, kMaxImageSide / page.width(), kMaxImageSide / page.height()});
    QImage image(static_cast<int>(std::ceil(page.width() * scale)), static_cast<int>(std::ceil(page.height() * scale)),
                 QImage::Format_ARGB32_Premultiplied);
    if (image.isNull())
        return image;
    image.fill(Qt::white);
    QPainter painter(&image);
    painter.setRenderHints(QPainter::Antialiasing | QPainter::TextAntialiasing | QPainter::SmoothPixmapTransform);
    painter.scale(scale, scale);
    paintReport(painter, graph, layout);
    painter.end();
    return image;
}

} // namespace provscope
