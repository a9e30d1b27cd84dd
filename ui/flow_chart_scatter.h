#pragma once
// Bytes vs packets: one point per flow (the biggest ones when there are many) on
// log-log axes, one colour per protocol. A click on a point asks for that flow.
#include "flow_chart_view.h"
#include "flow_statistics.h"

#include <vector>

class QScatterSeries;

namespace provscope {

class FlowScatterChart : public FlowChartView {
    Q_OBJECT
public:
    explicit FlowScatterChart(const QString &title, QWidget *parent = nullptr);

    // flows: to describe a clicked point (addresses, ports); totalFlows: how many the
    // points were chosen from (the title says when some are left out).
    void setPoints(const std::vector<FlowPoint> &points, const std::vector<Flow> &flows);
    const std::vector<QScatterSeries *> &series() const { return m_series; }
    // The selection of the point of `series` nearest to `value` (data coordinates).
    FlowSelection selectionNear(QScatterSeries *series, const QPointF &value) const;

private:
    const FlowPoint *nearest(QScatterSeries *series, const QPointF &value) const;

    std::vector<FlowPoint> m_points;
    std::vector<QScatterSeries *> m_series;
    std::vector<std::vector<size_t>> m_members; // per series: indexes into m_points
    std::vector<Flow> m_flowInfo;               // by key order, for labels
    QString m_baseTitle;
};

} // namespace provscope
