#pragma once
// The frame of one Flows-tab chart: a QChartView with the shared style, a clear
// "no flows in this range" note instead of an empty plot, and the signal a click on
// a bar, slice or point raises.
#include "flow_selection.h"

#include <QtCharts/QChartView>

class QGraphicsSimpleTextItem;

namespace provscope {

class FlowChartView : public QChartView {
    Q_OBJECT
public:
    explicit FlowChartView(const QString &title, QWidget *parent = nullptr);

    QString title() const;
    // Empty: series and axes go, the note shows (its text: why nothing is drawn).
    bool isEmpty() const { return m_empty; }
    QString emptyNote() const;

signals:
    void selectionRequested(const provscope::FlowSelection &selection);

protected:
    // Drops every series and axis, for a chart that rebuilds them on new data.
    void clearChart();
    void setEmpty(bool empty, const QString &note = {});
    void resizeEvent(QResizeEvent *event) override;

    QChart *m_chart;

private:
    void placeNote();

    QGraphicsSimpleTextItem *m_note;
    bool m_empty = false;
};

} // namespace provscope
