#include "flow_chart_traffic.h"

#include "flow_chart_style.h"

#include <QDateTime>
#include <QGraphicsRectItem>
#include <QMouseEvent>
#include <QToolTip>
#include <QtCharts/QAreaSeries>
#include <QtCharts/QCategoryAxis>
#include <QtCharts/QLegend>
#include <QtCharts/QLineSeries>
#include <QtCharts/QValueAxis>

#include <algorithm>

namespace provscope {
namespace {

// A bucket width as words: "30 s buckets", "1 h buckets".
QString widthText(int64_t ns)
{
    const int64_t s = ns / 1'000'000'000LL;
    if (s == 7 * 86400)
        return QObject::tr("1 week");
    if (s >= 86400 && s % 86400 == 0)
        return QObject::tr("%1 day").arg(s / 86400);
    if (s >= 3600 && s % 3600 == 0)
        return QObject::tr("%1 h").arg(s / 3600);
    if (s >= 60 && s % 60 == 0)
        return QObject::tr("%1 min").arg(s / 60);
    return QObject::tr("%1 s").arg(s);
}

QString clockText(int64_t epochNs, const QString &format)
{
    return QDateTime::fromMSecsSinceEpoch(epochNs / 1'000'000).toString(format);
}

} // namespace

FlowTrafficChart::FlowTrafficChart(const QString &title, QWidget *parent)
    : FlowChartView(title, parent)
    , m_highlight(new QGraphicsRectItem(m_chart))
{
    QColor hl = palette().highlight().color();
    hl.setAlpha(60);
    m_highlight->setBrush(hl);
    m_highlight->setPen(Qt::NoPen);
    m_highlight->setZValue(10);
    m_highlight->hide();
    m_chart->legend()->setAlignment(Qt::AlignTop);
    // Time labels follow the plot's width once the chart has laid it out.
    connect(m_chart, &QChart::plotAreaChanged, this, [this](const QRectF &plot) {
        if (std::abs(int(plot.width()) - m_labelWidth) > 40)
            QMetaObject::invokeMethod(this, [this] { updateTimeLabels(); }, Qt::QueuedConnection);
    });
    setTraffic({}, 0, false);
}

void FlowTrafficChart::setTraffic(const TrafficSeries &traffic, int64_t bootToEpochNs, bool anyFlows)
{
    clearChart();
    m_area = nullptr;
    m_x = nullptr;
    m_traffic = traffic;
    m_bootToEpochNs = bootToEpochNs;
    m_hovered = m_pressed = -1;
    m_highlight->hide();
    if (!anyFlows || traffic.buckets.empty()) {
        setEmpty(true);
        return;
    }
    setEmpty(false);

    double maxBytes = 0, maxPackets = 0;
    for (const TrafficBucket &b : traffic.buckets) {
        maxBytes = std::max(maxBytes, b.bytes);
        maxPackets = std::max(maxPackets, b.packets);
    }
    const flowchart::ByteUnit unit = flowchart::byteUnitFor(maxBytes);
    auto *upper = new QLineSeries;
    auto *packets = new QLineSeries;
    for (const TrafficBucket &b : traffic.buckets) {
        const double x0 = double((b.startNs + bootToEpochNs) / 1'000'000);
        const double x1 = double((b.endNs + bootToEpochNs) / 1'000'000);
        upper->append(x0, b.bytes / unit.divisor);
        upper->append(x1, b.bytes / unit.divisor);
        packets->append((x0 + x1) / 2, b.packets);
    }
    m_area = new QAreaSeries(upper);
    m_area->setName(tr("bytes (%1)").arg(unit.name));
    const QColor bytesColor = flowchart::paletteColor(0);
    QColor fill = bytesColor;
    fill.setAlpha(120);
    m_area->setBrush(fill);
    m_area->setPen(QPen(bytesColor, 1.2));
    packets->setName(tr("packets"));
    packets->setPen(QPen(flowchart::paletteColor(1), 1.6));
    m_chart->addSeries(m_area);
    m_chart->addSeries(packets);

    auto *x = new QCategoryAxis;
    m_x = x;
    x->setLabelsPosition(QCategoryAxis::AxisLabelsPositionOnValue);
    flowchart::styleAxis(x, tr("local time, %1 buckets").arg(widthText(traffic.bucketNs)));
    updateTimeLabels();
    auto *yBytes = new QValueAxis;
    flowchart::styleAxis(yBytes, tr("%1 per bucket").arg(unit.name));
    yBytes->setRange(0, std::max(1.0, maxBytes / unit.divisor * 1.05));
    yBytes->applyNiceNumbers();
    yBytes->setLabelFormat(yBytes->max() >= 10 ? QStringLiteral("%.0f") : QStringLiteral("%.1f"));
    auto *yPackets = new QValueAxis;
    flowchart::styleAxis(yPackets, tr("packets per bucket"));
    yPackets->setRange(0, std::max(1.0, maxPackets * 1.05));
    yPackets->applyNiceNumbers();
    yPackets->setLabelFormat(QStringLiteral("%.0f"));
    yPackets->setGridLineVisible(false);
    m_chart->addAxis(x, Qt::AlignBottom);
    m_chart->addAxis(yBytes, Qt::AlignLeft);
    m_chart->addAxis(yPackets, Qt::AlignRight);
    m_area->attachAxis(x);
    m_area->attachAxis(yBytes);
    packets->attachAxis(x);
    packets->attachAxis(yPackets);
    m_chart->legend()->show();
}

void FlowTrafficChart::updateTimeLabels()
{
    if (!m_x || m_traffic.buckets.empty())
        return;
    for (const QString &label : m_x->categoriesLabels())
        m_x->remove(label);
    const qint64 firstMs = (m_traffic.buckets.front().startNs + m_bootToEpochNs) / 1'000'000;
    const qint64 lastMs = (m_traffic.buckets.back().endNs + m_bootToEpochNs) / 1'000'000;
    const qint64 spanMs = std::max<qint64>(1, lastMs - firstMs);
    const int plotWidth = m_chart->plotArea().width() > 50 ? int(m_chart->plotArea().width()) : width() - 140;
    m_labelWidth = plotWidth;
    // Round local times, about one label per 110 pixels (as the dashboard's rate chart).
    const int labels = std::max(3, plotWidth / 110);
    static const qint64 steps[] = {1'000, 2'000, 5'000, 10'000, 15'000, 30'000, 60'000, 120'000, 300'000,
                                   600'000, 900'000, 1'800'000, 3'600'000, 7'200'000, 10'800'000,
                                   21'600'000, 43'200'000, 86'400'000, 172'800'000, 604'800'000,
                                   2'592'000'000, 7'776'000'000, 31'536'000'000};
    qint64 tick = steps[std::size(steps) - 1];
    for (qint64 candidate : steps) {
        if (spanMs / candidate <= labels) {
            tick = candidate;
            break;
        }
    }
    const bool days = spanMs > 86'400'000LL;
    // A range across years names the year ("Mar 3" of which year?).
    const bool years = QDateTime::fromMSecsSinceEpoch(firstMs).date().year()
                       != QDateTime::fromMSecsSinceEpoch(lastMs).date().year();
    const QString format = tick >= 86'400'000   ? (years ? QStringLiteral("yyyy-MM-dd") : QStringLiteral("MMM d"))
                           : days                 ? (years ? QStringLiteral("yyyy-MM-dd HH:mm") : QStringLiteral("MMM d HH:mm"))
                           : tick < 60'000        ? QStringLiteral("HH:mm:ss")
                                                  : QStringLiteral("HH:mm");
    const qint64 offsetMs = qint64(QDateTime::fromMSecsSinceEpoch(firstMs).offsetFromUtc()) * 1000;
    m_x->setStartValue(double(firstMs));
    if (tick >= 2'592'000'000) {
        // Months, quarters, years: on the calendar's first days (local midnight).
        const int months = tick >= 31'536'000'000 ? 12 : tick >= 7'776'000'000 ? 3 : 1;
        const QDate firstDay = QDateTime::fromMSecsSinceEpoch(firstMs).date();
        QDate day(firstDay.year(), months == 12 ? 1 : ((firstDay.month() - 1) / months) * months + 1, 1);
        const QString monthFormat = months == 12 ? QStringLiteral("yyyy") : QStringLiteral("MMM yyyy");
        for (; QDateTime(day, QTime(0, 0)).toMSecsSinceEpoch() <= lastMs; day = day.addMonths(months)) {
            const qint64 t = QDateTime(day, QTime(0, 0)).toMSecsSinceEpoch();
            if (t >= firstMs)
                m_x->append(QDateTime(day, QTime(0, 0)).toString(monthFormat), double(t));
        }
    } else {
        for (qint64 t = ((firstMs + offsetMs + tick - 1) / tick) * tick - offsetMs; t <= lastMs; t += tick) {
            const QString label = QDateTime::fromMSecsSinceEpoch(t).toString(format);
            if (!m_x->categoriesLabels().contains(label))
                m_x->append(label, double(t));
        }
    }
    m_x->setRange(double(firstMs), double(lastMs));
}

void FlowTrafficChart::resizeEvent(QResizeEvent *event)
{
    FlowChartView::resizeEvent(event);
    m_hovered = -1;
    highlight(-1);
    // The plot area is laid out after the resize: choose the time labels for it then.
    QMetaObject::invokeMethod(this, [this] {
        if (std::abs(int(m_chart->plotArea().width()) - m_labelWidth) > 40)
            updateTimeLabels();
    }, Qt::QueuedConnection);
}

int FlowTrafficChart::bucketAt(const QPoint &viewPos) const
{
    if (!m_area || m_traffic.buckets.empty())
        return -1;
    const QPointF inChart = m_chart->mapFromScene(mapToScene(viewPos));
    if (!m_chart->plotArea().contains(inChart))
        return -1;
    const double ms = m_chart->mapToValue(inChart, m_area).x();
    const int64_t ns = int64_t(ms * 1e6) - m_bootToEpochNs;
    const int64_t first = m_traffic.buckets.front().startNs;
    if (ns < first)
        return -1;
    const int64_t index = (ns - first) / m_traffic.bucketNs;
    return index < int64_t(m_traffic.buckets.size()) ? int(index) : -1;
}

QPoint FlowTrafficChart::bucketPosition(int bucket) const
{
    if (!m_area || bucket < 0 || size_t(bucket) >= m_traffic.buckets.size())
        return {};
    const TrafficBucket &b = m_traffic.buckets[size_t(bucket)];
    const double midMs = double((b.startNs + b.endNs) / 2 + m_bootToEpochNs) / 1e6;
    const QRectF plot = m_chart->plotArea();
    QPointF inChart = m_chart->mapToPosition(QPointF(midMs, 0), m_area);
    inChart.setY(plot.center().y());
    return mapFromScene(m_chart->mapToScene(inChart));
}

FlowSelection FlowTrafficChart::selectionOf(int bucket) const
{
    const TrafficBucket &b = m_traffic.buckets[size_t(bucket)];
    FlowSelection s;
    s.kind = FlowSelection::Kind::TimeRange;
    s.minNs = b.startNs;
    s.maxNs = b.endNs;
    const QString format = m_traffic.bucketNs >= 86400LL * 1'000'000'000LL ? QStringLiteral("yyyy-MM-dd")
                           : m_traffic.bucketNs >= 900LL * 1'000'000'000LL ? QStringLiteral("MMM d HH:mm")
                                                                           : QStringLiteral("HH:mm:ss");
    s.label = tr("time %1–%2")
                  .arg(clockText(b.startNs + m_bootToEpochNs, format), clockText(b.endNs + m_bootToEpochNs, format))
                  .toStdString();
    return s;
}

void FlowTrafficChart::highlight(int bucket)
{
    if (bucket < 0) {
        m_highlight->hide();
        return;
    }
    const TrafficBucket &b = m_traffic.buckets[size_t(bucket)];
    const QRectF plot = m_chart->plotArea();
    const QPointF left = m_chart->mapToPosition(QPointF(double((b.startNs + m_bootToEpochNs) / 1'000'000), 0), m_area);
    const QPointF right = m_chart->mapToPosition(QPointF(double((b.endNs + m_bootToEpochNs) / 1'000'000), 0), m_area);
    const double x0 = std::max(plot.left(), left.x()), x1 = std::min(plot.right(), right.x());
    m_highlight->setRect(QRectF(x0, plot.top(), std::max(1.0, x1 - x0), plot.height()));
    m_highlight->show();
}

void FlowTrafficChart::mouseMoveEvent(QMouseEvent *event)
{
    const int bucket = bucketAt(event->position().toPoint());
    if (bucket != m_hovered) {
        m_hovered = bucket;
        highlight(bucket);
        if (bucket >= 0) {
            const TrafficBucket &b = m_traffic.buckets[size_t(bucket)];
            const QString format = QStringLiteral("yyyy-MM-dd HH:mm:ss");
            QToolTip::showText(event->globalPosition().toPoint(),
                               tr("%1 – %2\n%3, %4 packets, %5 flows active\nClick to show these flows")
                                   .arg(clockText(b.startNs + m_bootToEpochNs, format),
                                        b.endNs - b.startNs >= 86400LL * 1'000'000'000LL
                                            ? clockText(b.endNs + m_bootToEpochNs, format)
                                            : clockText(b.endNs + m_bootToEpochNs, format).section(' ', 1),
                                        flowchart::bytesText(b.bytes), flowchart::countText(uint64_t(b.packets + 0.5)),
                                        flowchart::countText(b.flows)),
                               this);
            setCursor(Qt::PointingHandCursor);
        } else {
            QToolTip::hideText();
            unsetCursor();
        }
    }
    FlowChartView::mouseMoveEvent(event);
}

void FlowTrafficChart::mousePressEvent(QMouseEvent *event)
{
    m_pressed = event->button() == Qt::LeftButton ? bucketAt(event->position().toPoint()) : -1;
    FlowChartView::mousePressEvent(event);
}

void FlowTrafficChart::mouseReleaseEvent(QMouseEvent *event)
{
    const int bucket = event->button() == Qt::LeftButton ? bucketAt(event->position().toPoint()) : -1;
    if (bucket >= 0 && bucket == m_pressed)
        emit selectionRequested(selectionOf(bucket));
    m_pressed = -1;
    FlowChartView::mouseReleaseEvent(event);
}

void FlowTrafficChart::leaveEvent(QEvent *event)
{
    m_hovered = -1;
    highlight(-1);
    unsetCursor();
    FlowChartView::leaveEvent(event);
}

} // namespace provscope
