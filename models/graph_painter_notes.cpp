// GraphPainter's annotations: numbered marks on annotated nodes and the notes
// block under the graph in images and reports.
#include "graph_painter.h"

#include <QDateTime>
#include <QFontMetricsF>
#include <QObject>
#include <QPainter>

#include <cmath>

namespace provscope {

namespace {

constexpr qreal kMarkRadius = 8.0;   // the numbered note mark on an annotated node
constexpr qreal kNotesGap = 18.0;    // between the graph and the notes block
constexpr qreal kNoteIndent = 24.0;
const QColor kMarkFill(0xf5, 0xb7, 0x00);
const QColor kMarkBorder(0x8a, 0x62, 0x00);

} // namespace

void GraphPainter::setAnnotations(const ProvenanceGraph &graph, const std::vector<Annotation> &annotations)
{
    m_noteNumber.clear();
    m_notes.clear();
    // Node key -> its notes: node annotations by key, process annotations on the
    // process's node, and event annotations on the node of the process whose edge
    // stands for the event (a bookmarked read shows at the reading process).
    // A process instance with several versions in the graph (execs) keeps its
    // notes on one node, its earliest version shown: one mark per process.
    std::unordered_map<std::string, std::pair<int, std::string>> earliest; // instance key -> (version, node key)
    for (const GraphNode &node : graph.nodes()) {
        if (node.kind != NodeKind::Process)
            continue;
        auto [it, added] = earliest.try_emplace(ProvenanceGraph::keyForProcess(node.pid, node.startNs), node.version,
                                                node.key);
        if (!added && node.version < it->second.first)
            it->second = {node.version, node.key};
    }
    auto ownerKey = [&](const std::string &instanceKey) {
        const auto it = earliest.find(instanceKey);
        return it == earliest.end() ? instanceKey : it->second.second;
    };
    std::unordered_map<std::string, QStringList> byKey;
    std::unordered_map<int64_t, std::vector<const Annotation *>> byEvent;
    for (const Annotation &a : annotations) {
        if (a.targetKind == Annotation::Target::Node) // a process's key: its earliest version shown
            byKey[ownerKey(a.target)] << noteText(a, QString());
        else if (a.targetKind == Annotation::Target::Process)
            byKey[ownerKey(processNodeKey(a))] << noteText(a, QString());
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
                const std::string key = node.kind == NodeKind::Process
                    ? ownerKey(ProvenanceGraph::keyForProcess(node.pid, node.startNs))
                    : node.key;
                for (const Annotation *a : it->second)
                    byKey[key] << noteText(*a, event);
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


} // namespace provscope
