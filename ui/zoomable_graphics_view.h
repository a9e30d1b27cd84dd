#pragma once
// A QGraphicsView that zooms (wheel, Ctrl+=/-, fit) and pans (drag).
#include <QGraphicsView>

namespace provscope {

class ZoomableGraphicsView : public QGraphicsView {
    Q_OBJECT
public:
    explicit ZoomableGraphicsView(QWidget *parent = nullptr);

    qreal zoomFactor() const { return transform().m11(); }

public slots:
    void zoomIn();
    void zoomOut();
    void zoomToFit();
    void resetZoom();

protected:
    void wheelEvent(QWheelEvent *event) override;

private:
    void scaleBy(qreal factor);
};

} // namespace provscope
