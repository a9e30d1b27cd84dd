#pragma once
// Traffic by hour of week: a custom-drawn 7 x 24 grid (Qt Charts 6.4 has no heatmap),
// Monday at the top, local hours left to right, each cell shaded by its bytes on a
// square-root scale with a legend; hovering names the cell, a click asks for it
// (FlowSelection::HourOfDay, weekday * 24 + hour as flow_statistics.h defines it).
#include "flow_selection.h"
#include "flow_statistics.h"

#include <QWidget>

namespace provscope {

class FlowHeatmap : public QWidget {
    Q_OBJECT
public:
    explicit FlowHeatmap(const QString &title, QWidget *parent = nullptr);

    void setMatrix(const HourOfWeekMatrix &matrix, bool anyFlows);
    const HourOfWeekMatrix &matrix() const { return m_matrix; }
    QString title() const { return m_title; }
    bool isEmpty() const { return !m_any; }
    // Cell geometry in widget coordinates; cellAt is {-1, -1} outside the grid.
    QRect cellRect(int weekday, int hour) const;
    QPoint cellAt(const QPoint &pos) const; // x: hour, y: weekday
    QColor cellColor(uint64_t bytes) const;
    static QString weekdayName(int weekday); // 0 = Monday

    QSize sizeHint() const override;
    QSize minimumSizeHint() const override;

signals:
    void selectionRequested(const provscope::FlowSelection &selection);

protected:
    void paintEvent(QPaintEvent *event) override;
    void mouseMoveEvent(QMouseEvent *event) override;
    void mousePressEvent(QMouseEvent *event) override;
    void mouseReleaseEvent(QMouseEvent *event) override;
    void leaveEvent(QEvent *event) override;

private:
    QRect gridRect() const;
    QString cellText(int weekday, int hour) const;

    QString m_title;
    HourOfWeekMatrix m_matrix;
    uint64_t m_max = 0;
    bool m_any = false;
    QPoint m_hovered{-1, -1};
    QPoint m_pressed{-1, -1};
};

} // namespace provscope
