#include "graph_legend.h"

#include "graph_painter.h"

#include <QFontMetrics>
#include <QMouseEvent>
#include <QPainter>

#include <algorithm>
#include <cmath>

namespace provscope {

namespace {
constexpr int kPad = 6;
QString title(bool folded)
{
    return folded ? QObject::tr("\u25b8 Legend") : QObject::tr("\u25be Legend");
}
} // namespace

GraphLegend::GraphLegend(QWidget *parent)
    : QWidget(parent)
{
    setCursor(Qt::PointingHandCursor);
    setToolTip(tr("Click to fold or unfold the legend"));
    hide();
}

void GraphLegend::setGraph(std::shared_ptr<const ProvenanceGraph>, std::shared_ptr<const GraphPainter>)
{
    // The legend is the same for every graph today; kept for per-graph entries.
    update();
}

void GraphLegend::setFolded(bool folded)
{
    m_folded = folded;
    const int bottom = geometry().bottom(); // it hangs from the view's bottom edge
    resize(sizeHint());
    move(x(), bottom - height() + 1);
    update();
}

QSize GraphLegend::sizeHint() const
{
    const QFontMetrics metrics(GraphPainter::font());
    const QSize head(metrics.horizontalAdvance(title(m_folded)) + 2 * kPad, metrics.height() + kPad);
    if (m_folded)
        return head;
    const QSizeF legend = GraphPainter::legendSize();
    return QSize(std::max(head.width(), int(std::ceil(legend.width())) + 2 * kPad),
                 head.height() + int(std::ceil(legend.height())) + kPad);
}

void GraphLegend::paintEvent(QPaintEvent *)
{
    QPainter painter(this);
    painter.setRenderHints(QPainter::Antialiasing | QPainter::TextAntialiasing);
    painter.setPen(QColor(170, 170, 170));
    painter.setBrush(QColor(255, 255, 255, 235));
    painter.drawRoundedRect(QRectF(rect()).adjusted(0.5, 0.5, -0.5, -0.5), 4, 4);
    const QFontMetrics metrics(GraphPainter::font());
    painter.setFont(GraphPainter::font());
    painter.setPen(QColor(60, 60, 60));
    painter.drawText(QPoint(kPad, kPad / 2 + metrics.ascent()), title(m_folded));
    if (m_folded)
        return;
    const QSizeF legend = GraphPainter::legendSize();
    GraphPainter::paintLegend(painter, QRectF(QPointF(kPad, metrics.height() + kPad), legend));
}

void GraphLegend::mousePressEvent(QMouseEvent *event)
{
    setFolded(!m_folded);
    event->accept();
}

} // namespace provscope
