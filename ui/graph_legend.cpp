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
const QString kFoldedTitle = QStringLiteral("\u25b8 Legend");
} // namespace

GraphLegend::GraphLegend(QWidget *parent)
    : QWidget(parent)
{
    setCursor(Qt::PointingHandCursor);
    setToolTip(tr("Click to unfold or fold the legend"));
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
    if (m_folded) {
        const QFontMetrics metrics(GraphPainter::font());
        return QSize(metrics.horizontalAdvance(kFoldedTitle) + 2 * kPad, metrics.height() + kPad);
    }
    const QSizeF legend = GraphPainter::legendSize();
    return QSize(int(std::ceil(legend.width())) + 2 * kPad, int(std::ceil(legend.height())) + 2 * kPad);
}

void GraphLegend::paintEvent(QPaintEvent *)
{
    QPainter painter(this);
    painter.setRenderHints(QPainter::Antialiasing | QPainter::TextAntialiasing);
    painter.setPen(QColor(170, 170, 170));
    painter.setBrush(QColor(255, 255, 255, 235));
    painter.drawRoundedRect(QRectF(rect()).adjusted(0.5, 0.5, -0.5, -0.5), 4, 4);
    if (m_folded) {
        const QFontMetrics metrics(GraphPainter::font());
        painter.setFont(GraphPainter::font());
        painter.setPen(QColor(60, 60, 60));
        painter.drawText(QPoint(kPad, kPad / 2 + metrics.ascent()), kFoldedTitle);
        return;
    }
    // The painter's legend has its own title; a click anywhere folds it.
    GraphPainter::paintLegend(painter, QRectF(QPointF(kPad, kPad), GraphPainter::legendSize()));
}

void GraphLegend::mousePressEvent(QMouseEvent *event)
{
    setFolded(!m_folded);
    event->accept();
}

} // namespace provscope
