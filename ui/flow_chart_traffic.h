#pragma once
// Traffic over time: bytes per bucket as a filled step curve (left axis) and packets
// as a line (right axis) over local wall-clock time. The bucket width adapts to the
// range (flow_statistics.h); a click on a bucket asks for the flows active in it.
#include "flow_chart_view.h"
#include "flow_statistics.h"

class QCategoryAxis;
class QGraphicsRectItem;
class QLineSeries;
class QAreaSeries;

namespace provscope {

class FlowTrafficChart : public FlowChartView {
    Q_OBJECT
public:
    explicit FlowTrafficChart(const QString &title, QWidget *parent = nullptr);

    void setTraffic(const TrafficSeries &traffic, int64_t bootToEpochNs, bool anyFlows);
    const TrafficSeries &traffic() const { return m_traffic; }
    int bucketAt(const QPoint &viewPos) const; // -1 when none
    QPoint bucketPosition(int bucket) const;   // the middle of a bucket, in the plot

protected:
    void mouseMoveEvent(QMouseEvent *event) override;
    void mousePressEvent(QMouseEvent *event) override;
    void mouseReleaseEvent(QMouseEvent *event) override;
    void leaveEvent(QEvent *event) override;
    void resizeEvent(QResizeEvent *event) override;

private:
    FlowSelection selectionOf(int bucket) const;
    void highlight(int bucket);
    void updateTimeLabels(); // round local times for the plot's width

    TrafficSeries m_traffic;
    int64_t m_bootToEpochNs = 0;
    QAreaSeries *m_area = nullptr;
    QCategoryAxis *m_x = nullptr;
    int m_labelWidth = 0;
    QGraphicsRectItem *m_highlight;
    int m_pressed = -1;
    int m_hovered = -1;
};

} // namespace provscope
