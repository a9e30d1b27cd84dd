#include "graph_minimap.h"

#include <QMouseEvent>
#include <QScrollBar>

#include <algorithm>

namespace provscope {

GraphMinimap::GraphMinimap(QGraphicsView *main)
    : QGraphicsView(main)
    , m_main(main)
{
    setInteractive(false); // no selection or tooltips from the tiny items
    setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    setVerticalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    setRenderHints(QPainter::Antialiasing);
    setFrameShape(QFrame::Box);
    setBackgroundBrush(QColor(250, 250, 250));
    setCursor(Qt::PointingHandCursor);
    setToolTip(tr("Overview: click or drag to move the view"));
    const auto follow = [this] { viewport()->update(); };
    connect(m_main->horizontalScrollBar(), &QScrollBar::valueChanged, this, follow);
    connect(m_main->verticalScrollBar(), &QScrollBar::valueChanged, this, follow);
    connect(m_main->horizontalScrollBar(), &QScrollBar::rangeChanged, this, follow);
    connect(m_main->verticalScrollBar(), &QScrollBar::rangeChanged, this, follow);
    hide();
}

void GraphMinimap::refresh()
{
    if (!scene())
        return;
    fitInView(scene()->sceneRect(), Qt::KeepAspectRatio);
    viewport()->update();
}

QSize GraphMinimap::sizeHint() const
{
    constexpr int kWidth = 240, kHeight = 160, kMin = 60;
    const QRectF rect = scene() ? scene()->sceneRect() : QRectF();
    if (rect.width() <= 0 || rect.height() <= 0)
        return {kWidth, kHeight};
    const qreal scale = std::min(kWidth / rect.width(), kHeight / rect.height());
    return {std::max(kMin, int(rect.width() * scale)) + 2 * frameWidth(),
            std::max(kMin, int(rect.height() * scale)) + 2 * frameWidth()};
}

QRectF GraphMinimap::visibleSceneRect() const
{
    return m_main->mapToScene(m_main->viewport()->rect()).boundingRect();
}

void GraphMinimap::drawForeground(QPainter *painter, const QRectF &)
{
    const QRectF shown = visibleSceneRect().intersected(scene() ? scene()->sceneRect() : QRectF());
    if (shown.isEmpty())
        return;
    painter->save();
    painter->setPen(QPen(QColor(30, 110, 220), 0)); // cosmetic: one pixel at any scale
    painter->setBrush(QColor(30, 110, 220, 40));
    painter->drawRect(shown);
    painter->restore();
}

void GraphMinimap::moveMainTo(const QPoint &pos)
{
    m_main->centerOn(mapToScene(pos));
    viewport()->update();
}

void GraphMinimap::mousePressEvent(QMouseEvent *event)
{
    moveMainTo(event->position().toPoint());
    event->accept();
}

void GraphMinimap::mouseMoveEvent(QMouseEvent *event)
{
    if (event->buttons() & Qt::LeftButton)
        moveMainTo(event->position().toPoint());
    event->accept();
}

void GraphMinimap::resizeEvent(QResizeEvent *event)
{
    QGraphicsView::resizeEvent(event);
    refresh();
}

void GraphMinimap::wheelEvent(QWheelEvent *event)
{
    event->accept(); // the overview does not zoom
}

} // namespace provscope
