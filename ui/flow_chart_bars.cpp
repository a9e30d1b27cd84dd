#include "flow_chart_bars.h"

#include "flow_chart_style.h"

#include <QApplication>
#include <QGraphicsSimpleTextItem>
#include <QToolTip>
#include <QtCharts/QBarCategoryAxis>
#include <QtCharts/QBarSeries>
#include <QtCharts/QBarSet>
#include <QtCharts/QHorizontalBarSeries>
#include <QtCharts/QLegend>
#include <QtCharts/QValueAxis>

#include <algorithm>
#include <cmath>

namespace provscope {

FlowBarChart::FlowBarChart(const QString &title, Qt::Orientation orientation, Values values, const QColor &color,
                           QWidget *parent)
    : FlowChartView(title, parent)
    , m_orientation(orientation)
    , m_values(values)
    , m_color(color)
{
    m_chart->legend()->hide();
    connect(m_chart, &QChart::plotAreaChanged, this, [this] { placeLabels(); });
    setBars({});
}

void FlowBarChart::resizeEvent(QResizeEvent *event)
{
    FlowChartView::resizeEvent(event);
    placeLabels();
}

void FlowBarChart::placeLabels()
{
    QAbstractSeries *series = m_chart->series().value(0);
    if (!series)
        return;
    for (size_t i = 0; i < m_labels.size() && i < m_bars.size(); ++i) {
        QGraphicsSimpleTextItem *label = m_labels[i];
        const int setIndex = barIndex(int(i));
        const double v = m_bars[i].value / m_divisor;
        const QRectF box = label->boundingRect();
        if (m_orientation == Qt::Horizontal) {
            const QPointF end = m_chart->mapToPosition(QPointF(v, setIndex), series);
            label->setPos(end.x() + 4, end.y() - box.height() / 2);
        } else {
            const QPointF end = m_chart->mapToPosition(QPointF(setIndex, v), series);
            label->setPos(end.x() - box.width() / 2, end.y() - box.height() - 1);
        }
    }
}

int FlowBarChart::barIndex(int setIndex) const
{
    const int n = int(m_bars.size());
    if (setIndex < 0 || setIndex >= n)
        return -1;
    return m_orientation == Qt::Horizontal ? n - 1 - setIndex : setIndex;
}

void FlowBarChart::setBars(std::vector<FlowBar> bars, const QString &valueTitle)
{
    clearChart();
    m_set = nullptr;
    for (QGraphicsSimpleTextItem *label : m_labels)
        delete label;
    m_labels.clear();
    m_bars = std::move(bars);
    double largest = 0;
    for (const FlowBar &b : m_bars)
        largest = std::max(largest, b.value);
    if (m_bars.empty() || largest <= 0) {
        setEmpty(true);
        return;
    }
    setEmpty(false);

    const flowchart::ByteUnit unit = m_values == Values::Bytes ? flowchart::byteUnitFor(largest) : flowchart::ByteUnit{};
    m_divisor = unit.divisor;
    QAbstractBarSeries *series = m_orientation == Qt::Horizontal ? static_cast<QAbstractBarSeries *>(new QHorizontalBarSeries)
                                                                 : static_cast<QAbstractBarSeries *>(new QBarSeries);
    m_set = new QBarSet(valueTitle);
    m_set->setColor(m_color);
    m_set->setBorderColor(m_color.darker(115));
    m_set->setLabelColor(palette().text().color());
    QStringList categories;
    const int n = int(m_bars.size());
    for (int i = 0; i < n; ++i) {
        const FlowBar &bar = m_bars[size_t(barIndex(i))];
        m_set->append(bar.value / m_divisor);
        // Axis labels are rich text: escape, and break a histogram's "10–100 ms" after its dash.
        QString label = bar.label.toHtmlEscaped();
        if (m_orientation == Qt::Vertical && label.size() > 6) {
            if (const qsizetype dash = label.indexOf(QChar(0x2013)); dash > 0)
                label.insert(dash + 1, QStringLiteral("<br>"));
            else if (const qsizetype space = label.lastIndexOf(QLatin1Char(' ')); space > 0)
                label.replace(space, 1, QStringLiteral("<br>"));
        }
        while (categories.contains(label)) // the axis needs distinct categories
            label += QChar(0x200b);
        categories << label;
    }
    series->append(m_set);
    // A few bars stay as thick as in a full chart instead of filling it.
    const double fill = m_orientation == Qt::Horizontal ? 0.7 : 0.6;
    series->setBarWidth(std::max(0.3, fill * std::min(1.0, double(n) / 7.0)));
    m_chart->addSeries(series);

    auto *categoryAxis = new QBarCategoryAxis;
    categoryAxis->append(categories);
    flowchart::styleAxis(categoryAxis);
    categoryAxis->setGridLineVisible(false);
    auto *valueAxis = new QValueAxis;
    flowchart::styleAxis(valueAxis, m_values == Values::Bytes ? unit.name : valueTitle);
    // Head room for the value labels beyond the longest bar.
    const double top = largest / m_divisor * (m_orientation == Qt::Horizontal ? 1.22 : 1.12);
    valueAxis->setRange(0, top);
    valueAxis->applyNiceNumbers();
    if (m_values == Values::Count && valueAxis->max() <= 10) {
        valueAxis->setRange(0, std::max(2.0, std::ceil(top)));
        valueAxis->setTickCount(int(valueAxis->max()) + 1);
    }
    valueAxis->setLabelFormat(m_values == Values::Count || valueAxis->max() >= 10 ? QStringLiteral("%.0f")
                                                                                  : QStringLiteral("%.1f"));
    if (m_orientation == Qt::Horizontal) {
        m_chart->addAxis(categoryAxis, Qt::AlignLeft);
        m_chart->addAxis(valueAxis, Qt::AlignBottom);
    } else {
        m_chart->addAxis(categoryAxis, Qt::AlignBottom);
        m_chart->addAxis(valueAxis, Qt::AlignLeft);
    }
    series->attachAxis(categoryAxis);
    series->attachAxis(valueAxis);

    QFont labelFont = QApplication::font();
    labelFont.setPointSizeF(std::max(8.0, labelFont.pointSizeF() - 0.5));
    for (const FlowBar &bar : m_bars) {
        auto *label = new QGraphicsSimpleTextItem(m_values == Values::Bytes ? flowchart::bytesText(bar.value)
                                                                            : flowchart::countText(uint64_t(bar.value)),
                                                  m_chart);
        label->setFont(labelFont);
        label->setBrush(palette().text());
        label->setZValue(5);
        m_labels.push_back(label);
    }
    placeLabels();

    connect(m_set, &QBarSet::clicked, this, [this](int index) {
        const int i = barIndex(index);
        if (i >= 0)
            emit selectionRequested(m_bars[size_t(i)].selection);
    });
    connect(m_set, &QBarSet::hovered, this, [this](bool over, int index) {
        const int i = barIndex(index);
        if (over && i >= 0) {
            QToolTip::showText(QCursor::pos(), m_bars[size_t(i)].toolTip + tr("\nClick to show these flows"), this);
            setCursor(Qt::PointingHandCursor);
        } else {
            QToolTip::hideText();
            unsetCursor();
        }
    });
}

QPoint FlowBarChart::barPosition(int index) const
{
    if (!m_set || index < 0 || index >= int(m_bars.size()))
        return {};
    QAbstractSeries *series = m_chart->series().value(0);
    const int setIndex = barIndex(index); // the mapping is its own inverse
    const double half = m_bars[size_t(index)].value / m_divisor / 2;
    const QPointF value = m_orientation == Qt::Horizontal ? QPointF(half, setIndex) : QPointF(setIndex, half);
    const QPointF inChart = m_chart->mapToPosition(value, series);
    return mapFromScene(m_chart->mapToScene(inChart));
}

} // namespace provscope
