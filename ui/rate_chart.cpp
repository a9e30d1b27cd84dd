#include "rate_chart.h"

#include <QDateTime>
#include <QGraphicsRectItem>
#include <QLocale>
#include <QMouseEvent>
#include <QToolTip>
#include <QtCharts/QAreaSeries>
#include <QtCharts/QCategoryAxis>
#include <QtCharts/QLineSeries>
#include <QtCharts/QScatterSeries>

#include <algorithm>
#include <cmath>

namespace provscope {
namespace {

const QColor kRateColor(0x2f, 0x6f, 0xb3);

double toMs(int64_t epochNs) { return double(epochNs) / 1e6; }

// "20 s", "500 ms", "2 min": the width of a bucket.
QString widthText(int64_t ns)
{
    const QLocale locale(QLocale::English);
    if (ns >= 3'600'000'000'000LL && ns % 3'600'000'000'000LL == 0)
        return QObject::tr("%1 h").arg(ns / 3'600'000'000'000LL);
    if (ns >= 60'000'000'000LL && ns % 60'000'000'000LL == 0)
        return QObject::tr("%1 min").arg(ns / 60'000'000'000LL);
    if (ns >= 1'000'000'000LL)
        return QObject::tr("%1 s").arg(locale.toString(double(ns) / 1e9, 'g', 6));
    if (ns >= 1'000'000LL)
        return QObject::tr("%1 ms").arg(locale.toString(double(ns) / 1e6, 'g', 6));
    return QObject::tr("%1 µs").arg(locale.toString(double(ns) / 1e3, 'g', 6));
}

QString clockText(int64_t epochNs, bool withMs)
{
    const QDateTime t = QDateTime::fromMSecsSinceEpoch(epochNs / 1'000'000);
    return t.toString(withMs ? QStringLiteral("yyyy-MM-dd HH:mm:ss.zzz") : QStringLiteral("yyyy-MM-dd HH:mm:ss"));
}

} // namespace

RateChart::RateChart(QWidget *parent)
    : QChartView(parent)
    , m_chart(new QChart)
    , m_line(new QLineSeries)
    , m_area(new QAreaSeries(m_line))
    , m_lossMarks(new QScatterSeries)
    , m_x(new QCategoryAxis)
    , m_y(new QCategoryAxis)
{
    m_chart->legend()->hide();
    m_chart->setAnimationOptions(QChart::NoAnimation);
    m_chart->setMargins(QMargins(4, 4, 8, 4));
    m_chart->setBackgroundRoundness(0);
    m_chart->setBackgroundBrush(palette().base());
    m_chart->addSeries(m_area);
    QColor fill = kRateColor;
    fill.setAlpha(110);
    m_area->setBrush(fill);
    QPen pen(kRateColor);
    pen.setWidthF(1.2);
    m_area->setPen(pen);

    QFont axisFont = font();
    axisFont.setPointSizeF(std::max(7.0, axisFont.pointSizeF() - 1));
    m_x->setLabelsFont(axisFont);
    m_y->setLabelsFont(axisFont);
    QFont titleFont = axisFont;
    m_y->setTitleFont(titleFont);
    m_x->setLabelsPosition(QCategoryAxis::AxisLabelsPositionOnValue);
    m_y->setLabelsPosition(QCategoryAxis::AxisLabelsPositionOnValue);
    QPen grid(palette().mid().color());
    grid.setStyle(Qt::DotLine);
    m_x->setGridLinePen(grid);
    m_y->setGridLinePen(grid);
    m_chart->addAxis(m_x, Qt::AlignBottom);
    m_chart->addAxis(m_y, Qt::AlignLeft);
    m_area->attachAxis(m_x);
    m_area->attachAxis(m_y);
    m_lossMarks->setName(tr("Lost events"));
    m_lossMarks->setMarkerShape(QScatterSeries::MarkerShapeTriangle);
    m_lossMarks->setMarkerSize(9);
    m_lossMarks->setColor(QColor(0xc6, 0x28, 0x28));
    m_lossMarks->setBorderColor(QColor(0xc6, 0x28, 0x28));
    m_chart->addSeries(m_lossMarks);
    m_lossMarks->attachAxis(m_x);
    m_lossMarks->attachAxis(m_y);

    m_highlight = new QGraphicsRectItem(m_chart);
    QColor hl = palette().highlight().color();
    hl.setAlpha(60);
    m_highlight->setBrush(hl);
    m_highlight->setPen(Qt::NoPen);
    m_highlight->setZValue(10);
    m_highlight->hide();

    setChart(m_chart);
    setRenderHint(QPainter::Antialiasing);
    setMouseTracking(true);
    setMinimumHeight(160);
    setBuckets({});
}

void RateChart::setBuckets(const std::vector<RateBucket> &buckets)
{
    m_buckets = buckets;
    m_hovered = m_pressed = -1;
    m_highlight->hide();
    QList<QPointF> points;
    points.reserve(int(buckets.size()) * 2);
    for (const RateBucket &b : buckets) {
        points.append(QPointF(toMs(b.startNs), double(b.events)));
        points.append(QPointF(toMs(b.endNs), double(b.events)));
    }
    m_line->replace(points);
    m_y->setTitleText(buckets.empty() ? tr("events")
                                      : tr("events per %1").arg(widthText(buckets.front().endNs - buckets.front().startNs)));
    updateAxes();
}

void RateChart::updateAxes()
{
    m_axisWidth = int(m_chart->plotArea().width());
    for (const QString &label : m_x->categoriesLabels())
        m_x->remove(label);
    for (const QString &label : m_y->categoriesLabels())
        m_y->remove(label);

    // y: 0 to a round maximum in 4-6 steps of 1, 2 or 5 x 10^n.
    int64_t largest = 0;
    for (const RateBucket &b : m_buckets)
        largest = std::max(largest, b.events);
    int64_t step = 1;
    for (int64_t decade = 1;; decade *= 10) {
        bool found = false;
        for (int64_t m : {1, 2, 5}) {
            step = m * decade;
            if (largest <= step * 5) {
                found = true;
                break;
            }
        }
        if (found)
            break;
    }
    const int64_t top = std::max<int64_t>(step, (largest + step - 1) / step * step);
    const QLocale locale(QLocale::English);
    m_y->setStartValue(0);
    for (int64_t v = 0; v <= top; v += step)
        m_y->append(locale.toString(v), double(v));
    m_y->setRange(0, double(top) * (largest == top ? 1.04 : 1.0));

    // x: round local times, about one label per 110 pixels.
    qint64 firstMs, lastMs;
    if (m_buckets.empty()) {
        lastMs = QDateTime::currentMSecsSinceEpoch() / 60'000 * 60'000;
        firstMs = lastMs - 60'000;
    } else {
        firstMs = qint64(std::floor(toMs(m_buckets.front().startNs)));
        lastMs = qint64(std::ceil(toMs(m_buckets.back().endNs)));
    }
    const qint64 spanMs = std::max<qint64>(1, lastMs - firstMs);
    const int labels = std::max(3, (m_axisWidth > 0 ? m_axisWidth : width() - 80) / 110);
    static const qint64 steps[] = {1, 2, 5, 10, 20, 50, 100, 200, 500,
                                   1'000, 2'000, 5'000, 10'000, 15'000, 30'000,
                                   60'000, 120'000, 300'000, 600'000, 900'000, 1'800'000,
                                   3'600'000, 7'200'000, 10'800'000, 21'600'000, 43'200'000,
                                   86'400'000, 172'800'000, 604'800'000};
    qint64 tick = steps[std::size(steps) - 1];
    for (qint64 candidate : steps) {
        if (spanMs / candidate <= labels) {
            tick = candidate;
            break;
        }
    }
    QString format;
    if (spanMs > 2 * 86'400'000LL)
        format = tick >= 86'400'000 ? QStringLiteral("MMM d") : QStringLiteral("MMM d HH:mm");
    else if (tick < 1'000)
        format = QStringLiteral("HH:mm:ss.zzz");
    else if (tick < 60'000)
        format = QStringLiteral("HH:mm:ss");
    else
        format = QStringLiteral("HH:mm");
    // Ticks on round local times (a whole hour is round in the local zone too).
    const qint64 offsetMs = qint64(QDateTime::fromMSecsSinceEpoch(firstMs).offsetFromUtc()) * 1000;
    qint64 t = ((firstMs + offsetMs + tick - 1) / tick) * tick - offsetMs;
    m_x->setStartValue(double(firstMs));
    for (; t <= lastMs; t += tick) {
        const QString label = QDateTime::fromMSecsSinceEpoch(t).toString(format);
        if (!m_x->categoriesLabels().contains(label))
            m_x->append(label, double(t));
    }
    m_x->setRange(double(firstMs), double(lastMs));
}

void RateChart::setLosses(const std::vector<LossMark> &losses)
{
    m_losses = losses;
    QList<QPointF> points;
    for (const LossMark &loss : losses)
        points.append(QPointF(toMs(loss.firstNs), 0));
    m_lossMarks->replace(points);
}

int RateChart::lossMarkCount() const { return int(m_lossMarks->count()); }

int64_t RateChart::lostIn(int64_t startNs, int64_t endNs) const
{
    int64_t lost = 0;
    for (const LossMark &loss : m_losses) {
        if (loss.firstNs >= startNs && loss.firstNs < endNs)
            lost += loss.count;
    }
    return lost;
}

QStringList RateChart::xAxisLabels() const { return m_x->categoriesLabels(); }

QString RateChart::yAxisTitle() const { return m_y->titleText(); }

int RateChart::bucketAt(const QPoint &viewPos) const
{
    if (m_buckets.empty())
        return -1;
    const QPointF inChart = m_chart->mapFromScene(mapToScene(viewPos));
    if (!m_chart->plotArea().contains(inChart))
        return -1;
    const double ms = m_chart->mapToValue(inChart, m_area).x();
    const int64_t ns = int64_t(ms * 1e6);
    const int64_t first = m_buckets.front().startNs;
    const int64_t width = m_buckets.front().endNs - first;
    if (ns < first || width <= 0)
        return -1;
    const int64_t index = (ns - first) / width;
    return index < int64_t(m_buckets.size()) ? int(index) : -1;
}

QPoint RateChart::bucketPosition(int bucket) const
{
    if (bucket < 0 || size_t(bucket) >= m_buckets.size())
        return {};
    const RateBucket &b = m_buckets[size_t(bucket)];
    const double midMs = (toMs(b.startNs) + toMs(b.endNs)) / 2;
    const QPointF inChart = m_chart->mapToPosition(QPointF(midMs, double(b.events) / 2), m_area);
    return mapFromScene(m_chart->mapToScene(inChart));
}

void RateChart::highlight(int bucket)
{
    if (bucket < 0) {
        m_highlight->hide();
        return;
    }
    const RateBucket &b = m_buckets[size_t(bucket)];
    const QRectF plot = m_chart->plotArea();
    const QPointF left = m_chart->mapToPosition(QPointF(toMs(b.startNs), 0), m_area);
    const QPointF right = m_chart->mapToPosition(QPointF(toMs(b.endNs), 0), m_area);
    const double x0 = std::max(plot.left(), std::min(left.x(), right.x()));
    const double x1 = std::min(plot.right(), std::max(left.x(), right.x()));
    m_highlight->setRect(QRectF(x0, plot.top(), std::max(1.0, x1 - x0), plot.height()));
    m_highlight->show();
}

void RateChart::mouseMoveEvent(QMouseEvent *event)
{
    const int bucket = bucketAt(event->position().toPoint());
    if (bucket != m_hovered) {
        m_hovered = bucket;
        highlight(bucket);
        if (bucket >= 0) {
            const RateBucket &b = m_buckets[size_t(bucket)];
            const bool ms = b.endNs - b.startNs < 1'000'000'000LL;
            QString text = tr("%1 – %2\n%3 events")
                               .arg(clockText(b.startNs, ms), clockText(b.endNs, ms).section(' ', 1),
                                    QLocale(QLocale::English).toString(b.events));
            if (const int64_t lost = lostIn(b.startNs, b.endNs))
                text += tr("\n%1 events lost (loss records)").arg(QLocale(QLocale::English).toString(lost));
            QToolTip::showText(event->globalPosition().toPoint(), text + tr("\nClick to show them"), this);
            setCursor(Qt::PointingHandCursor);
        } else {
            QToolTip::hideText();
            unsetCursor();
        }
    }
    QChartView::mouseMoveEvent(event);
}

void RateChart::mousePressEvent(QMouseEvent *event)
{
    m_pressed = event->button() == Qt::LeftButton ? bucketAt(event->position().toPoint()) : -1;
    QChartView::mousePressEvent(event);
}

void RateChart::mouseReleaseEvent(QMouseEvent *event)
{
    const int bucket = event->button() == Qt::LeftButton ? bucketAt(event->position().toPoint()) : -1;
    if (bucket >= 0 && bucket == m_pressed) {
        const RateBucket &b = m_buckets[size_t(bucket)];
        emit bucketClicked(b.startNs, b.endNs, b.events);
    }
    m_pressed = -1;
    QChartView::mouseReleaseEvent(event);
}

void RateChart::leaveEvent(QEvent *event)
{
    m_hovered = -1;
    highlight(-1);
    unsetCursor();
    QChartView::leaveEvent(event);
}

void RateChart::resizeEvent(QResizeEvent *event)
{
    QChartView::resizeEvent(event);
    m_hovered = -1;
    highlight(-1);
    // The plot area is laid out after the resize: choose the time labels for it then.
    QMetaObject::invokeMethod(this, [this] {
        if (std::abs(int(m_chart->plotArea().width()) - m_axisWidth) > 40)
            updateAxes();
    }, Qt::QueuedConnection);
}

} // namespace provscope
