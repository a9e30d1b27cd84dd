#pragma once
// A small overview of the whole graph over the view's bottom-right corner,
// with the part the view shows outlined; a click or drag there moves the view.
#include <QGraphicsView>

namespace provscope {

class GraphMinimap : public QGraphicsView {
    Q_OBJECT
public:
    // main is the view it follows; the minimap is drawn over it.
    explicit GraphMinimap(QGraphicsView *main);

    // Fits the whole scene again (after a new layout).
    void refresh();
    // The part of the scene the main view shows, in scene coordinates.
    QRectF visibleSceneRect() const;
    // At most 240 x 160, shaped like the scene (no thin strip in a large box).
    QSize sizeHint() const override;

protected:
    void drawForeground(QPainter *painter, const QRectF &rect) override;
    void mousePressEvent(QMouseEvent *event) override;
    void mouseMoveEvent(QMouseEvent *event) override;
    void resizeEvent(QResizeEvent *event) override;
    void wheelEvent(QWheelEvent *event) override;

private:
    void moveMainTo(const QPoint &pos);

    QGraphicsView *m_main;
};

} // namespace provscope
