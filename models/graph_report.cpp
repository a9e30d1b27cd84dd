#include "graph_report.h"

#include "save_atomically.h"

#include <QCoreApplication>
#include <QDateTime>
#include <QFontMetricsF>
#include <QGuiApplication>
#include <QObject>
#include <QPageLayout>
#include <QPageSize>
#include <QPainter>
#include <QPdfWriter>
#include <QSaveFile>

#include <algorithm>
#include <cmath>

namespace provscope {

namespace {

constexpr qreal kMargin = 36.0;         // page margin, points
constexpr qreal kMinWidth = 760.0;      // content width of a small graph's page
constexpr qreal kMaxGraphWidth = 1800.0; // wider graphs are scaled down to this
constexpr qreal kSectionGap = 16.0;
constexpr qreal kCellPad = 4.0;
constexpr int kMaxImageSide = 16000;
constexpr qreal kMaxPdfSide = 14000.0;  // PDF viewers refuse pages over 200 in (14400 pt)

QFont sized(int pixels, bool bold)
{
    QFont font = bold ? GraphPainter::boldFont() : GraphPainter::font();
    font.setPixelSize(pixels);
    return font;
}

QFont titleFont() { return sized(22, true); }
QFont headingFont() { return sized(15, true); }
QFont subtitleFont() { return sized(11, false); }

qreal wrappedHeight(const QFont &font, const QString &text, qreal width)
{
    return QFontMetricsF(font).boundingRect(QRectF(0, 0, width, 1e7), Qt::TextWordWrap, text).height();
}

// Draws (when painter) wrapped text at top and returns its height.
qreal textBlock(QPainter *painter, const QFont &font, const QColor &color, const QString &text, qreal left,
                qreal top, qreal width)
{
    const qreal height = wrappedHeight(font, text, width);
    if (painter) {
        painter->setFont(font);
        painter->setPen(color);
        painter->drawText(QRectF(left, top, width, height + 2), Qt::TextWordWrap, text);
    }
    return height;
}

QString nodeName(const GraphNode &node)
{
    QString name = QString::fromStdString(node.label);
    if (name.isEmpty() && node.collapsed > 0)
        name = QObject::tr("%n files", nullptr, node.collapsed);
    if (node.kind == NodeKind::Process && node.version > 0)
        name += QStringLiteral(" v%1").arg(node.version);
    if (node.kind == NodeKind::File && !node.path.empty())
        name = QString::fromStdString(node.path); // the full path says more than the base name
    return name;
}

bool haveGuiApplication()
{
    return qobject_cast<QGuiApplication *>(QCoreApplication::instance()) != nullptr;
}

} // namespace

GraphReport::GraphReport(const ProvenanceGraph &graph, const GraphLayoutResult &layout, ReportOptions options)
    : m_graph(graph), m_layout(layout), m_options(std::move(options)), m_painter(graph),
      m_timeline(timeline(graph))
{
    m_timelineTotal = m_timeline.size();
    m_timeline = timelineExcerpt(std::move(m_timeline), m_options.maxTimelineRows);
    m_painter.setAnnotations(graph, m_options.annotations);
    QStringList parts;
    if (graph.poi() >= 0)
        parts << QObject::tr("point of interest: %1").arg(nodeName(graph.node(graph.poi())));
    parts << QObject::tr("%1 nodes, %2 edges").arg(graph.nodeCount()).arg(graph.edgeCount());
    if (graph.omittedNodes() > 0)
        parts << QObject::tr("%1 more nodes left out by a limit").arg(graph.omittedNodes());
    parts << QObject::tr("generated %1")
                 .arg(QDateTime::currentDateTimeUtc().toString(QStringLiteral("yyyy-MM-dd HH:mm 'UTC'")));
    m_subtitle = parts.join(QStringLiteral(" \u00b7 "));
}

std::vector<TimelineRow> GraphReport::timeline(const ProvenanceGraph &graph)
{
    std::vector<int> order;
    for (int i = 0; i < graph.edgeCount(); ++i)
        if (isFlowEdge(graph.edge(i).type))
            order.push_back(i);
    std::stable_sort(order.begin(), order.end(),
                     [&](int a, int b) { return graph.edge(a).tsNs < graph.edge(b).tsNs; });
    std::vector<TimelineRow> rows;
    rows.reserve(order.size());
    for (const int index : order) {
        const GraphEdge &edge = graph.edge(index);
        TimelineRow row;
        row.tsNs = edge.tsNs;
        row.edgeType = edge.type;
        const int64_t epochNs = static_cast<int64_t>(edge.tsNs) + graph.bootToEpochNs();
        row.time = QDateTime::fromMSecsSinceEpoch(epochNs / 1000000, Qt::LocalTime)
                       .toString(QStringLiteral("yyyy-MM-dd HH:mm:ss.zzz"));
        row.from = nodeName(graph.node(edge.from));
        row.to = nodeName(graph.node(edge.to));
        row.type = QString::fromLatin1(edgeTypeName(edge.type).data(), qsizetype(edgeTypeName(edge.type).size()));
        QStringList amount;
        if (edge.bytes > 0)
            amount << GraphPainter::formatBytes(edge.bytes);
        if (edge.count > 1)
            amount << QStringLiteral("\u00d7%1").arg(edge.count);
        row.amount = amount.join(QLatin1Char(' '));
        const GraphNode &from = graph.node(edge.from);
        const GraphNode &to = graph.node(edge.to);
        row.marked = from.isPoi || to.isPoi || from.flags != 0 || to.flags != 0;
        rows.push_back(std::move(row));
    }
    return rows;
}

std::vector<TimelineRow> GraphReport::timelineExcerpt(std::vector<TimelineRow> rows, int maxRows)
{
    const size_t max = size_t(std::max(maxRows, 0));
    if (rows.size() <= max)
        return rows;
    std::vector<bool> keep(rows.size(), false);
    size_t kept = 0;
    for (size_t i = 0; i < rows.size() && kept < max; ++i)
        if (rows[i].marked) {
            keep[i] = true;
            ++kept;
        }
    for (size_t i = rows.size(); i-- > 0 && kept < max;)
        if (!keep[i]) {
            keep[i] = true;
            ++kept;
        }
    std::vector<TimelineRow> excerpt;
    excerpt.reserve(max);
    for (size_t i = 0; i < rows.size(); ++i)
        if (keep[i])
            excerpt.push_back(std::move(rows[i]));
    return excerpt;
}

qreal GraphReport::contentWidth() const
{
    const qreal graphWidth = std::min(m_layout.boundingBox.width(), kMaxGraphWidth);
    return std::ceil(std::max({kMinWidth, graphWidth, GraphPainter::legendSize().width()}));
}

qreal GraphReport::graphScale() const
{
    const qreal width = m_layout.boundingBox.width();
    return width > contentWidth() ? contentWidth() / width : 1.0;
}

QSizeF GraphReport::pageSize() const
{
    return QSizeF(contentWidth() + 2 * kMargin, std::ceil(flow(nullptr)));
}

QRectF GraphReport::legendRect() const
{
    QRectF rect;
    flow(nullptr, &rect);
    return rect;
}

qreal GraphReport::flow(QPainter *painter, QRectF *legendRect) const
{
    const qreal width = contentWidth();
    const qreal left = kMargin;
    qreal y = kMargin;
    const QColor ink(0x1a, 0x1a, 0x1a);
    const QColor grey(0x55, 0x55, 0x55);
    auto heading = [&](const QString &text) {
        y += textBlock(painter, headingFont(), ink, text, left, y, width) + 4;
    };

    const QString title = m_options.title.empty() ? QObject::tr("Provenance report")
                                                  : QString::fromStdString(m_options.title);
    y += textBlock(painter, titleFont(), ink, title, left, y, width) + 2;
    y += textBlock(painter, subtitleFont(), grey, m_subtitle, left, y, width) + kSectionGap;

    if (!m_options.caseNotes.empty()) {
        heading(QObject::tr("Case notes"));
        y += textBlock(painter, GraphPainter::font(), ink, QString::fromStdString(m_options.caseNotes), left, y,
                       width) + kSectionGap;
    }
    if (!m_options.summary.empty()) {
        heading(QObject::tr("Summary"));
        y += textBlock(painter, GraphPainter::font(), ink, QString::fromStdString(m_options.summary), left, y,
                       width) + kSectionGap;
    }

    const qreal scale = graphScale();
    heading(scale < 0.995 ? QObject::tr("Graph (drawn at %1%; zoom in the PDF, or export SVG)")
                                .arg(int(std::floor(scale * 100)))
                          : QObject::tr("Graph"));
    const QRectF box = m_layout.boundingBox;
    const qreal graphHeight = m_graph.nodeCount() == 0 ? 30.0 : box.height() * scale + 2 * GraphPainter::kMargin;
    if (painter) {
        painter->save();
        painter->setPen(QPen(QColor(0xcc, 0xcc, 0xcc), 1.0));
        painter->setBrush(Qt::NoBrush);
        painter->drawRect(QRectF(left, y, width, graphHeight));
        if (m_graph.nodeCount() == 0) {
            painter->setPen(grey);
            painter->setFont(GraphPainter::font());
            painter->drawText(QRectF(left, y, width, graphHeight), Qt::AlignCenter, QObject::tr("(no nodes)"));
        } else {
            // Centred when narrower than the page.
            const qreal graphWidth = box.width() * scale;
            painter->translate(left + (width - graphWidth) / 2, y + GraphPainter::kMargin);
            painter->scale(scale, scale);
            painter->translate(-box.left(), -box.top());
            m_painter.paintGraph(*painter, m_graph, m_layout);
        }
        painter->restore();
    }
    y += graphHeight + kSectionGap;

    const QSizeF legend = GraphPainter::legendSize();
    if (legendRect)
        *legendRect = QRectF(QPointF(left, y), legend);
    if (painter)
        GraphPainter::paintLegend(*painter, QRectF(QPointF(left, y), legend));
    y += legend.height() + kSectionGap;

    heading(QObject::tr("Timeline"));
    y = paintTimeline(painter, y) + kSectionGap;

    if (m_painter.hasNotes()) {
        const qreal height = m_painter.notesHeight(width);
        if (painter)
            m_painter.paintNotes(*painter, QRectF(left, y + 8, width, height));
        y += 8 + height + kSectionGap;
    }
    return y + kMargin - kSectionGap;
}

qreal GraphReport::paintTimeline(QPainter *painter, qreal top) const
{
    const QFont plain = GraphPainter::font();
    const QFont bold = GraphPainter::boldFont();
    const QFontMetricsF metrics(plain);
    const qreal rowHeight = std::ceil(metrics.height() + 2 * kCellPad);
    const qreal width = contentWidth();
    if (m_timeline.empty()) {
        return top + textBlock(painter, plain, QColor(0x55, 0x55, 0x55),
                               QObject::tr("No information flowed along this graph."), kMargin, top, width);
    }
    // # | time | from | type | to | amount; from and to share what is left.
    const qreal number = std::ceil(metrics.horizontalAdvance(QStringLiteral("\u26a0 0000")) + 2 * kCellPad);
    const qreal time = std::ceil(metrics.horizontalAdvance(QStringLiteral("0000-00-00 00:00:00.000")) + 2 * kCellPad);
    const qreal type = std::ceil(metrics.horizontalAdvance(QStringLiteral("connect")) + 2 * kCellPad + 8);
    const qreal amount = std::ceil(metrics.horizontalAdvance(QStringLiteral("1023.0 MB \u00d799999")) + 2 * kCellPad);
    const qreal name = std::max(80.0, (width - number - time - type - amount) / 2);
    const qreal widths[] = {number, time, name, type, name, amount};
    // The reader may be elsewhere: say which local time (of the first row's date).
    const int offset = QDateTime::fromMSecsSinceEpoch(
                           (static_cast<int64_t>(m_timeline.front().tsNs) + m_graph.bootToEpochNs()) / 1000000,
                           Qt::LocalTime)
                           .offsetFromUtc();
    const QString zone = QStringLiteral("UTC%1%2:%3")
                             .arg(offset < 0 ? QLatin1Char('-') : QLatin1Char('+'))
                             .arg(std::abs(offset) / 3600, 2, 10, QLatin1Char('0'))
                             .arg(std::abs(offset) % 3600 / 60, 2, 10, QLatin1Char('0'));
    const QString headings[] = {QStringLiteral("#"), QObject::tr("time (%1)").arg(zone), QObject::tr("from"),
                                QObject::tr("type"), QObject::tr("to"), QObject::tr("bytes")};
    const size_t shown = m_timeline.size();
    auto row = [&](qreal y, const QString (&cells)[6], bool header, bool shade, const QColor &typeColor, bool marked) {
        if (!painter)
            return;
        if (shade)
            painter->fillRect(QRectF(kMargin, y, width, rowHeight), QColor(0xf4, 0xf4, 0xf4));
        qreal x = kMargin;
        painter->setFont(header ? bold : plain);
        for (int c = 0; c < 6; ++c) {
            QColor ink(0x1a, 0x1a, 0x1a);
            if (c == 3 && !header)
                ink = typeColor;
            else if (c == 0 && marked)
                ink = GraphPainter::relevanceColor();
            painter->setPen(ink);
            const QRectF cell(x + kCellPad, y, widths[c] - 2 * kCellPad, rowHeight);
            const Qt::Alignment align = Qt::AlignVCenter | (c == 0 || c == 5 ? Qt::AlignRight : Qt::AlignLeft);
            painter->drawText(cell, align, metrics.elidedText(cells[c], Qt::ElideMiddle, cell.width()));
            x += widths[c];
        }
    };
    qreal y = top;
    row(y, headings, true, false, QColor(), false);
    if (painter) {
        painter->setPen(QPen(QColor(0x99, 0x99, 0x99), 1.0));
        painter->drawLine(QPointF(kMargin, y + rowHeight), QPointF(kMargin + width, y + rowHeight));
    }
    y += rowHeight + 1;
    for (size_t i = 0; i < shown; ++i) {
        const TimelineRow &r = m_timeline[i];
        // \u26a0: at the point of interest or a security-relevant node.
        const QString number = r.marked ? QStringLiteral("\u26a0 %1").arg(i + 1) : QString::number(i + 1);
        const QString cells[6] = {number, r.time, r.from, r.type, r.to, r.amount};
        row(y, cells, false, i % 2 == 1, GraphPainter::edgeColor(r.edgeType).darker(120), r.marked);
        y += rowHeight;
    }
    if (shown < m_timelineTotal) {
        y += 2 + textBlock(painter, plain, QColor(0x55, 0x55, 0x55),
                           QObject::tr("%1 of %2 edges: those at the point of interest or a marked node, then the "
                                       "latest; the JSON and DOT exports have them all")
                               .arg(shown)
                               .arg(m_timelineTotal),
                           kMargin, y + 2, width);
    }
    return y;
}

void GraphReport::paint(QPainter &painter) const
{
    painter.save();
    painter.setRenderHints(QPainter::Antialiasing | QPainter::TextAntialiasing);
    flow(&painter);
    painter.restore();
}

QImage GraphReport::renderImage() const
{
    const QSizeF page = pageSize();
    const qreal scale = std::min({m_options.scale, kMaxImageSide / page.width(), kMaxImageSide / page.height()});
    QImage image(int(std::ceil(page.width() * scale)), int(std::ceil(page.height() * scale)),
                 QImage::Format_ARGB32_Premultiplied);
    if (image.isNull())
        return image;
    image.fill(Qt::white);
    QPainter painter(&image);
    painter.scale(scale, scale);
    paint(painter);
    painter.end();
    return image;
}

Result<ReportFormat> GraphReport::parseFormat(std::string_view name)
{
    if (name == "png")
        return ReportFormat::Png;
    if (name == "pdf")
        return ReportFormat::Pdf;
    return makeError("unknown report format '" + std::string(name) + "' (expected png or pdf)");
}

Result<void> GraphReport::writePng(const std::string &path, const ProvenanceGraph &graph,
                                   const GraphLayoutResult &layout, const ReportOptions &options,
                                   const std::atomic<bool> *cancelled)
{
    if (!haveGuiApplication())
        return makeError("the report needs a QGuiApplication (fonts)");
    const QImage image = GraphReport(graph, layout, options).renderImage();
    if (image.isNull())
        return makeError("cannot render the report: image too large or out of memory");
    return savePngAtomically(path, image, cancelled);
}

Result<void> GraphReport::writePdf(const std::string &path, const ProvenanceGraph &graph,
                                   const GraphLayoutResult &layout, const ReportOptions &options,
                                   const std::atomic<bool> *cancelled)
{
    if (!haveGuiApplication())
        return makeError("the report needs a QGuiApplication (fonts)");
    const GraphReport report(graph, layout, options);
    const QSizeF page = report.pageSize();
    // One page of the report's own size (vector: zoom in for detail); a page
    // longer than PDF viewers accept is drawn smaller.
    const qreal shrink = std::min({1.0, kMaxPdfSide / page.width(), kMaxPdfSide / page.height()});
    const QSizeF paper = page * shrink;
    return saveAtomically(path, [&](QSaveFile &file) -> Result<void> {
        QPdfWriter writer(&file);
        writer.setCreator(QStringLiteral("provscope"));
        writer.setTitle(options.title.empty() ? QObject::tr("Provenance report")
                                              : QString::fromStdString(options.title));
        writer.setResolution(72); // 1 device pixel = 1 point: the report's own units
        writer.setPageLayout(QPageLayout(QPageSize(paper, QPageSize::Point, QString(), QPageSize::ExactMatch),
                                         QPageLayout::Portrait, QMarginsF()));
        QPainter painter;
        if (!painter.begin(&writer))
            return makeError("cannot write " + path + ": PDF writer failed");
        painter.fillRect(QRectF(QPointF(0, 0), paper), Qt::white);
        painter.scale(shrink, shrink);
        report.paint(painter);
        if (!painter.end())
            return makeError("cannot write " + path + ": PDF writer failed");
        if (file.error() != QFileDevice::NoError)
            return makeError("cannot write " + path + ": " + file.errorString().toStdString());
        if (cancelled && cancelled->load())
            return makeError("export of " + path + " cancelled");
        return {};
    });
}

Result<void> GraphReport::write(const std::string &path, ReportFormat format, const ProvenanceGraph &graph,
                                const ReportOptions &options, LayoutEngine engine)
{
    if (!haveGuiApplication())
        return makeError("the report needs a QGuiApplication (fonts)");
    Result<GraphLayoutResult> layout = GraphPainter(graph).layout(graph, engine);
    if (!layout)
        return makeError(layout.error());
    if (format == ReportFormat::Pdf)
        return writePdf(path, graph, *layout, options);
    return writePng(path, graph, *layout, options);
}

} // namespace provscope
