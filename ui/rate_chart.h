#pragma once
// The dashboard's event-rate chart: events per time bucket as a filled step curve
// over wall-clock time (local time, as the event table shows it). Hovering shows a
// bucket's time range and count; a click on a bucket reports it, for the dashboard
// to drill into that time range.
#include "session_statistics.h"

#include <QtCharts/QChartView>

#include <vector>

class QAreaSeries;
class QCategoryAxis;
class QGraphicsRectItem;
class QLineSeries;
class QScatterSeries;
class QValueAxis;

namespace provscope {

class RateChart : public QChartView {
    Q_OBJECT
public:
    explicit RateChart(QWidget *parent = nullptr);

    void setBuckets(const std::vector<RateBucket> &buckets);
    // Loss records: red marks on the time axis; a bucket's tooltip counts its losses.
    void setLosses(const std::vector<LossMark> &losses);
    int lossMarkCount() const;
    // Lost events whose loss record starts in [startNs, endNs).
    int64_t lostIn(int64_t startNs, int64_t endNs) const;
    const std::vector<RateBucket> &buckets() const { return m_buckets; }
    // The bucket under a point of the view; -1 when none.
    int bucketAt(const QPoint &viewPos) const;
    // The middle of a bucket's bar in view coordinates (its top half when it has events).
    QPoint bucketPosition(int bucket) const;
    // The time labels along the x axis ("09:10", "09:20", ...) and the y axis title.
    QStringList xAxisLabels() const;
    QString yAxisTitle() const;

signals:
    void bucketClicked(qint64 startNs, qint64 endNs, qint64 events);

protected:
    void mouseMoveEvent(QMouseEvent *event) override;
    void mousePressEvent(QMouseEvent *event) override;
    void mouseReleaseEvent(QMouseEvent *event) override;
    void leaveEvent(QEvent *event) override;
    void resizeEvent(QResizeEvent *event) override;

private:
    void highlight(int bucket);
    void updateAxes();

    QChart *m_chart;
    QLineSeries *m_line;
    QAreaSeries *m_area;
    QScatterSeries *m_lossMarks;
    QCategoryAxis *m_x; // labels at round local times
    QCategoryAxis *m_y; // labels at round counts, with thousands separators
    QGraphicsRectItem *m_highlight;
    std::vector<RateBucket> m_buckets;
    std::vector<LossMark> m_losses;
    int m_axisWidth = 0; // plot width the x labels were chosen for
    int m_hovered = -1;
    int m_pressed = -1;
};

} // namespace provscope
