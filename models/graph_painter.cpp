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
constexpr qreal kStack = 5.0;         // offset of each sheet behind a group node
constexpr qreal kMaxTextWidth = 420.0; // longer lines are elided in the middle (full text in the UI)
constexpr qreal kLabelPadX = 3.0;
constexpr qreal kLabelPadY = 1.0;
constexpr qreal kArrowLength = 9.0;
constexpr qreal kArrowHalfWidth = 4.0;
constexpr int kMaxImageSide = 16000; // QPainter on QImage is safe well below 32767
constexpr qreal kNotesMinWidth = 480.0;
const QString kWarning = QStringLiteral("\u26a0 ");

QString latin1(std::string_view text)
{
    return QString::fromLatin1(text.data(), static_cast<qsizetype>(text.size()));
}

// The outline of a node of this kind filling box (files: the folded corner is drawn separately).
QPainterPath nodeOutline(NodeKind kind, const QRectF &box)
{
    QPainterPath path;
    switch (kind) {
    case NodeKind::Process:
        path.addRoundedRect(box, 6, 6);
        break;
    case NodeKind::File: {
        QPolygonF shape;
        shape << box.topLeft() << QPointF(box.right() - kFold, box.top()) << QPointF(box.right(), box.top() + kFold)
              << box.bottomRight() << box.bottomLeft() << box.topLeft();
        path.addPolygon(shape);
        break;
    }
    case NodeKind::Socket:
        path.addRoundedRect(box, box.height() / 2, box.height() / 2);
        break;
    case NodeKind::Pipe:
        path.addRect(box);
        break;
    }
    return path;
}

} // namespace

GraphPainter::GraphPainter(int64_t bootToEpochNs) : m_bootToEpochNs(bootToEpochNs) {}

GraphPainter::GraphPainter(const ProvenanceGraph &graph) : m_bootToEpochNs(graph.bootToEpochNs()) {}

QFont GraphPainter::font()
{
    QFont font(QStringLiteral("DejaVu Sans"));
    // 9 pt at 96 dpi, given in pixels so every device (screen, QImage, SVG at
    // 72 dpi) draws text exactly as large as it was measured.
    font.setPixelSize(12);
    font.setStyleHint(QFont::SansSerif);
    return font;
}

QFont GraphPainter::boldFont()
{
    QFont font = GraphPainter::font();
    font.setBold(true);
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

QColor GraphPainter::edgeColor(EdgeType type)
{
    switch (type) {
    case EdgeType::Read:
    case EdgeType::Recv:
    case EdgeType::Accept: return QColor(0x2f, 0x6d, 0xb5);
    case EdgeType::Write:
    case EdgeType::Send:
    case EdgeType::Connect: return QColor(0xc0, 0x39, 0x2b);
    case EdgeType::Exec: return QColor(0x7d, 0x3c, 0x98);
    case EdgeType::Version: return QColor(0xa5, 0x4c, 0xd6); // lighter purple, dashed
    case EdgeType::Fork: return QColor(0x33, 0x33, 0x33);
    case EdgeType::Rename:
    case EdgeType::Renamed: return QColor(0x9a, 0x6a, 0x1c);
    case EdgeType::Open:
    case EdgeType::Unlink: return QColor(0x88, 0x88, 0x88);
    }
    return Qt::black;
}

QColor GraphPainter::relevanceColor()
{
    return QColor(0xd0, 0x1f, 0x1f);
}

QColor GraphPainter::poiColor()
{
    return QColor(0x11, 0x11, 0x11);
}

QStringList GraphPainter::relevanceTags(uint32_t flags)
{
    // Short enough for a node's tag line; security_relevance.h has the long phrases.
    static const std::pair<uint32_t, const char *> kTags[] = {
        {kFlagExecutedDownload, "executed download"}, {kFlagEtcWrite, "/etc write"},
        {kFlagPersistence, "persistence"},            {kFlagSshKey, "ssh key"},
        {kFlagNetworkShell, "network shell"},         {kFlagOutbound, "outbound"},
        {kFlagCredential, "credential"},
    };
    QStringList tags;
    for (const auto &[bit, text] : kTags)
        if (flags & bit)
            tags << QObject::tr(text);
    return tags;
}

QString GraphPainter::formatBytes(uint64_t bytes)
{
    if (bytes < 1024)
        return QStringLiteral("%1 B").arg(bytes);
    static const char *const kUnits[] = {"KB", "MB", "GB", "TB"};
    double value = double(bytes) / 1024.0;
    int unit = 0;
    while (value >= 1024.0 && unit < 3) {
        value /= 1024.0;
        ++unit;
    }
    return QStringLiteral("%1 %2").arg(value, 0, 'f', value < 10 ? 1 : 0).arg(QLatin1String(kUnits[unit]));
}

QStringList GraphPainter::nodeLines(const GraphNode &node) const
{
    const QFontMetricsF bold(boldFont());
    const QFontMetricsF plain(font());
    QString label = QString::fromStdString(node.label);
    if (label.isEmpty() && node.collapsed > 0)
        label = QObject::tr("%n files", nullptr, node.collapsed);
    if (node.kind == NodeKind::Process && node.version > 0)
        label += QStringLiteral(" v%1").arg(node.version); // after its first exec: v1
    QStringList lines;
    lines << bold.elidedText(label, Qt::ElideMiddle, kMaxTextWidth);
    if (node.kind == NodeKind::Socket && !node.dnsName.empty()) // the name the address was looked up by
        lines << plain.elidedText(QString::fromStdString(node.dnsName), Qt::ElideMiddle, kMaxTextWidth);
    if (!node.detail.empty())
        lines << plain.elidedText(QString::fromStdString(node.detail), Qt::ElideMiddle, kMaxTextWidth);
    if (node.flags != 0)
        lines << bold.elidedText(kWarning + relevanceTags(node.flags).join(QStringLiteral(", ")), Qt::ElideRight,
                                 kMaxTextWidth);
    return lines;
}

QSizeF GraphPainter::nodeSize(const GraphNode &node) const
{
    const QFontMetricsF bold(boldFont());
    const QFontMetricsF plain(font());
    const QStringList lines = nodeLines(node);
    const bool tagged = node.flags != 0;
    qreal width = 0;
    qreal height = 0;
    for (int i = 0; i < lines.size(); ++i) {
        const bool isBold = i == 0 || (tagged && i == lines.size() - 1);
        const QFontMetricsF &metrics = isBold ? bold : plain;
        width = std::max(width, metrics.horizontalAdvance(lines[i]));
        height += metrics.height() + (i > 0 ? kLineGap : 0);
    }
    width += 2 * kPadX;
    height += 2 * kPadY;
    if (node.kind == NodeKind::File)
        width += kFold / 2; // keep text clear of the folded corner
    if (node.kind == NodeKind::Socket)
        width += height / 2; // rounded ends
    if (node.collapsed > 0) { // two sheets stacked behind
        width += 2 * kStack;
        height += 2 * kStack;
    }
    return QSizeF(std::ceil(std::max(width, 40.0)), std::ceil(height));
}

QString GraphPainter::formatTime(uint64_t bootNs) const
{
    const int64_t epochNs = static_cast<int64_t>(bootNs) + m_bootToEpochNs;
    return QDateTime::fromMSecsSinceEpoch(epochNs / 1000000, Qt::LocalTime).toString(QStringLiteral("HH:mm:ss.zzz"));
}

QString GraphPainter::edgeLabel(const GraphEdge &edge) const
{
    QString text = latin1(edgeTypeName(edge.type));
    text += QLatin1Char(' ') + formatTime(edge.tsNs);
    if (edge.count > 1)
        text += QStringLiteral(" \u00d7%1").arg(edge.count);
    return text;
}

QString GraphPainter::edgeCaption(const GraphEdge &edge) const
{
    QString text = edgeLabel(edge);
    if (edge.bytes > 0)
        text += QLatin1Char(' ') + formatBytes(edge.bytes);
    return text;
}

QSizeF GraphPainter::edgeLabelSize(const GraphEdge &edge) const
{
    // Opens and unlinks are context, not flows: unlabelled (the UI shows the
    // text as a tooltip) so they do not crowd the ranks with label boxes.
    if (!isFlowEdge(edge.type))
        return QSizeF();
    const QFontMetricsF metrics(font());
    return QSizeF(std::ceil(metrics.horizontalAdvance(edgeCaption(edge)) + 2 * kLabelPadX),
                  std::ceil(metrics.height() + 2 * kLabelPadY));
}

void GraphPainter::paintNode(QPainter &painter, const GraphNode &node, const QRectF &rect, bool selected) const
{
    painter.save();
    // Border: selection over point of interest over security relevance over kind.
    QPen pen(borderColor(node.kind), 1.2);
    if (node.flags != 0) {
        pen.setColor(relevanceColor());
        pen.setWidthF(2.2);
    }
    if (node.isPoi) {
        pen.setColor(poiColor());
        pen.setWidthF(3.0);
    }
    if (selected) {
        pen.setColor(QColor(0xff, 0x8c, 0x00));
        pen.setWidthF(3.0);
    }
    pen.setJoinStyle(Qt::RoundJoin);
    if (node.kind == NodeKind::Pipe)
        pen.setStyle(Qt::DashLine);
    // Inset by half the pen so the outline stays inside the laid-out box.
    QRectF box = rect.adjusted(pen.widthF() / 2, pen.widthF() / 2, -pen.widthF() / 2, -pen.widthF() / 2);
    if (node.collapsed > 0) {
        // A group: two sheets behind the front one, offset up and right.
        QPen sheet(pen.color(), 1.0);
        painter.setPen(sheet);
        painter.setBrush(fillColor(node.kind).darker(108));
        const QRectF front = box.adjusted(0, 2 * kStack, -2 * kStack, 0);
        for (int i = 2; i >= 1; --i)
            painter.drawPath(nodeOutline(node.kind, front.translated(i * kStack, -i * kStack)));
        box = front;
    }
    painter.setPen(pen);
    painter.setBrush(fillColor(node.kind));
    painter.drawPath(nodeOutline(node.kind, box));
    if (node.kind == NodeKind::File)
        painter.drawPolyline(QPolygonF() << QPointF(box.right() - kFold, box.top())
                                         << QPointF(box.right() - kFold, box.top() + kFold)
                                         << QPointF(box.right(), box.top() + kFold));

    const QStringList lines = nodeLines(node);
    const bool tagged = node.flags != 0;
    const QFontMetricsF bold(boldFont());
    const QFontMetricsF plain(font());
    auto isBold = [&](int i) { return i == 0 || (tagged && i == lines.size() - 1); };
    qreal textHeight = 0;
    for (int i = 0; i < lines.size(); ++i)
        textHeight += (isBold(i) ? bold : plain).height() + (i > 0 ? kLineGap : 0);
    qreal y = box.center().y() - textHeight / 2;
    for (int i = 0; i < lines.size(); ++i) {
        const QFontMetricsF &metrics = isBold(i) ? bold : plain;
        painter.setFont(isBold(i) ? boldFont() : font());
        if (tagged && i == lines.size() - 1)
            painter.setPen(relevanceColor());
        else
            painter.setPen(i == 0 ? QColor(0x1a, 0x1a, 0x1a) : QColor(0x4a, 0x4a, 0x4a));
        const qreal width = metrics.horizontalAdvance(lines[i]);
        const qreal shift = node.kind == NodeKind::File ? -kFold / 4 : 0; // away from the fold
        painter.drawText(QPointF(box.center().x() - width / 2 + shift, y + metrics.ascent()), lines[i]);
        y += metrics.height() + kLineGap;
    }
    if (node.isPoi)
        paintPoiBadge(painter, rect);
    if (const int number = noteNumber(node); number > 0)
        paintNoteMark(painter, rect, number);
    painter.restore();
}

void GraphPainter::paintPoiBadge(QPainter &painter, const QRectF &rect) const
{
    // "POI" on the top-left corner, straddling the border like the note mark on the right.
    painter.save();
    QFont small = boldFont();
    small.setPixelSize(10);
    const QFontMetricsF metrics(small);
    const QString text = QObject::tr("POI");
    const QRectF badge(rect.left() - 4, rect.top() - metrics.height() / 2 - 1,
                       metrics.horizontalAdvance(text) + 8, metrics.height() + 2);
    painter.setPen(Qt::NoPen);
    painter.setBrush(poiColor());
    painter.drawRoundedRect(badge, 3, 3);
    painter.setFont(small);
    painter.setPen(Qt::white);
    painter.drawText(badge, Qt::AlignCenter, text);
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
    if (edge.type == EdgeType::Version) // the same process, a new image: not a flow between two
        pen.setDashPattern({6.0, 3.0});
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
        painter.drawText(QPointF(box.left() + kLabelPadX, box.top() + kLabelPadY + metrics.ascent()), edgeCaption(edge));
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
