#pragma once
// The Flows tab's charts over the flows of the selected time range: protocols, traffic
// over time, top sources and destinations, ports by flows and by bytes, durations,
// bytes vs packets, TCP flags, the hour-of-week heatmap and top domains. A click on a
// bar, slice, point or cell asks for that selection; every chart exports as PNG.
#include "flow.h"
#include "flow_selection.h"
#include "flow_statistics.h"
#include "result.h"

#include <QStringList>
#include <QWidget>

#include <vector>

namespace provscope {

class FlowChartsPanel : public QWidget {
    Q_OBJECT
public:
    explicit FlowChartsPanel(QWidget *parent = nullptr);
    ~FlowChartsPanel() override;

    // The flows to chart, already restricted to [rangeStartNs, rangeEndNs) (boot ns; the
    // traffic-over-time buckets adapt to this range); bootToEpochNs turns times into
    // wall-clock ones for the axes and the heatmap.
    void setFlows(std::vector<Flow> flows, int64_t bootToEpochNs, int64_t rangeStartNs, int64_t rangeEndNs);
    // The same with the statistics computed already (computeFlowStatistics with the
    // default options, e.g. on a worker): only the charts are built here.
    void setStatistics(const FlowStatistics &statistics, std::vector<Flow> flows, int64_t bootToEpochNs,
                       int64_t rangeStartNs, int64_t rangeEndNs);
    // "Protocols", "Traffic over time", "Top sources", ... in display order.
    QStringList chartNames() const;
    QWidget *chartWidget(const QString &name) const;
    // Renders one chart at its current size into a PNG (written atomically).
    Result<void> exportChartPng(const QString &name, const QString &path) const;

signals:
    void selectionRequested(const provscope::FlowSelection &selection);

private:
    struct Impl;
    Impl *m_impl = nullptr;
};

} // namespace provscope
