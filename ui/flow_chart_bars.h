#pragma once
// A bar chart of the Flows tab: rankings (top sources, destinations, ports, domains)
// as horizontal bars biggest first, histograms (durations, TCP flags) as vertical
// bars in their natural order. Every bar carries the selection a click on it asks for.
#include "flow_chart_view.h"

#include <vector>

class QBarSet;
class QGraphicsSimpleTextItem;

namespace provscope {

struct FlowBar {
    QString label;          // category text under or beside the bar
    double value = 0;       // in the chart's unit (bytes or a count)
    QString toolTip;
    FlowSelection selection;
};

class FlowBarChart : public FlowChartView {
    Q_OBJECT
public:
    enum class Values { Bytes, Count };
    FlowBarChart(const QString &title, Qt::Orientation orientation, Values values, const QColor &color,
                 QWidget *parent = nullptr);

    // valueTitle names a Count axis ("flows"); Bytes axes are titled with their unit.
    void setBars(std::vector<FlowBar> bars, const QString &valueTitle = {});
    const std::vector<FlowBar> &bars() const { return m_bars; }
    QBarSet *barSet() const { return m_set; } // null when empty
    // The middle of bar `index` in view coordinates (for tests and tooltips).
    QPoint barPosition(int index) const;

protected:
    void resizeEvent(QResizeEvent *event) override;

private:
    // Value texts beside (horizontal) or above (vertical) each bar: "1.2 MB", "42".
    void placeLabels();
    // Bar index in m_bars of a bar-set index (horizontal charts list them reversed).
    int barIndex(int setIndex) const;

    Qt::Orientation m_orientation;
    Values m_values;
    QColor m_color;
    std::vector<FlowBar> m_bars;
    QBarSet *m_set = nullptr;
    double m_divisor = 1;
    std::vector<QGraphicsSimpleTextItem *> m_labels;
};

} // namespace provscope
