#include "zoomable_graphics_view.h"

#include <QWheelEvent>
#include <QtMath>

namespace provscope {

namespace {
constexpr qreal kStep = 1.25;
constexpr qreal kMinZoom = 0.02;
constexpr qreal kMaxZoom = 20.0;
} // namespace

ZoomableGraphicsView::ZoomableGraphicsView(QWidget *parent)
    : QGraphicsView(parent)
{
    setDragMode(QGraphicsView::ScrollHandDrag);
    setRenderHints(QPainter::Antialiasing | QPainter::TextAntialiasing | QPainter::SmoothPixmapTransform);
    setTransformationAnchor(QGraphicsView::AnchorUnderMouse);
    setResizeAnchor(QGraphicsView::AnchorViewCenter);
    setViewportUpdateMode(QGraphicsView::SmartViewportUpdate);
    setBackgroundBrush(Qt::white);
}

void ZoomableGraphicsView::zoomIn() { scaleBy(kStep); }
void ZoomableGraphicsView::zoomOut() { scaleBy(1.0 / kStep); }

void ZoomableGraphicsView::resetZoom()
{
    resetTransform();
}

void ZoomableGraphicsView::zoomToFit()
{
    if (!scene() || scene()->itemsBoundingRect().isEmpty())
        return;
    resetTransform();
    const QRectF bounds = scene()->itemsBoundingRect().adjusted(-20, -20, 20, 20);
    fitInView(bounds, Qt::KeepAspectRatio);
    // Never blow a tiny graph up beyond 1:1: text would look odd.
    if (zoomFactor() > 1.0)
        resetTransform();
    centerOn(bounds.center());
}

void ZoomableGraphicsView::wheelEvent(QWheelEvent *event)
{
    const int delta = event->angleDelta().y();
    if (delta == 0) {
        QGraphicsView::wheelEvent(event);
        return;
    }
    scaleBy(qPow(kStep, delta / 120.0));
    event->accept();
}

void ZoomableGraphicsView::scaleBy(qreal factor)
{
    const qreal target = zoomFactor() * factor;
    if (target < kMinZoom || target > kMaxZoom)
        return;
    scale(factor, factor);
}

} // namespace provscope
