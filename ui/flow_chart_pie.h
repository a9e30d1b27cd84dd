#pragma once
// The protocol shares as two donuts side by side: by flows (left) and by bytes
// (right), one colour per protocol. A click on a slice asks for that protocol.
#include "flow_chart_view.h"
#include "flow_statistics.h"

#include <vector>

class QGraphicsSimpleTextItem;
class QPieSeries;

namespace provscope {

class FlowPieChart : public FlowChartView {
    Q_OBJECT
public:
    explicit FlowPieChart(const QString &title, QWidget *parent = nullptr);

    void setProtocols(const std::vector<FlowRank> &protocols);
    QPieSeries *flowsSeries() const { return m_flows; } // null when empty
    QPieSeries *bytesSeries() const { return m_bytes; }

private:
    void placeCaptions();

    std::vector<FlowRank> m_protocols;
    QPieSeries *m_flows = nullptr;
    QPieSeries *m_bytes = nullptr;
    QGraphicsSimpleTextItem *m_flowsCaption;
    QGraphicsSimpleTextItem *m_bytesCaption;
};

} // namespace provscope
