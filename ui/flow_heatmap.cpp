#include "flow_heatmap.h"

#include "flow_chart_style.h"

#include <QDateTime>
#include <QMouseEvent>
#include <QPainter>
#include <QToolTip>

#include <algorithm>
#include <cmath>

namespace provscope {
namespace {

constexpr int kLeftMargin = 44;   // weekday names
constexpr int kTopMargin = 34;    // title
constexpr int kBottomMargin = 62; // hour labels + legend
constexpr int kRightMargin = 14;
constexpr int kLegendValueWidth = 78; // the busiest hour's bytes right of the scale

const QColor kLow(0xf1, 0xf5, 0xfb);  // a cell with no traffic, still visible on white
const QColor kHigh(0x0b, 0x3c, 0x7d); // the busiest cell

QColor mix(const QColor &a, const QColor &b, double t)
{
    t = std::clamp(t, 0.0, 1.0);
    return QColor::fromRgbF(float(a.redF() + (b.redF() - a.redF()) * t), float(a.greenF() + (b.greenF() - a.greenF()) * t),
                            float(a.blueF() + (b.blueF() - a.blueF()) * t));
}

} // namespace

FlowHeatmap::FlowHeatmap(const QString &title, QWidget *parent)
    : QWidget(parent)
    , m_title(title)
{
    setMouseTracking(true);
    setAutoFillBackground(true);
    QPalette p = palette();
    p.setColor(QPalette::Window, p.color(QPalette::Base));
    setPalette(p);
    setMinimumSize(minimumSizeHint());
}

QSize FlowHeatmap::sizeHint() const { return {900, 320}; }
QSize FlowHeatmap::minimumSizeHint() const { return {kLeftMargin + kRightMargin + 24 * 16, 280}; }

QString FlowHeatmap::weekdayName(int weekday)
{
    static const char *names[] = {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"};
    return weekday >= 0 && weekday < 7 ? QString::fromLatin1(names[weekday]) : QString();
}

void FlowHeatmap::setMatrix(const HourOfWeekMatrix &matrix, bool anyFlows)
{
    m_matrix = matrix;
    m_any = anyFlows;
    m_max = 0;
    for (const auto &row : matrix.bytes)
        for (uint64_t v : row)
            m_max = std::max(m_max, v);
    m_hovered = m_pressed = {-1, -1};
    update();
}

QRect FlowHeatmap::gridRect() const
{
    const int w = std::max(24, (width() - kLeftMargin - kRightMargin) / 24 * 24);
    const int h = std::max(7, (height() - kTopMargin - kBottomMargin) / 7 * 7);
    return {kLeftMargin, kTopMargin, w, h};
}

QRect FlowHeatmap::cellRect(int weekday, int hour) const
{
    const QRect g = gridRect();
    const int cw = g.width() / 24, ch = g.height() / 7;
    return {g.left() + hour * cw, g.top() + weekday * ch, cw, ch};
}

QPoint FlowHeatmap::cellAt(const QPoint &pos) const
{
    const QRect g = gridRect();
    if (!m_any || !g.contains(pos))
        return {-1, -1};
    return {(pos.x() - g.left()) / (g.width() / 24), (pos.y() - g.top()) / (g.height() / 7)};
}

QColor FlowHeatmap::cellColor(uint64_t bytes) const
{
    if (bytes == 0 || m_max == 0)
        return kLow;
    // Square root: a few heavy hours do not wash out the ordinary ones.
    return mix(kLow.darker(108), kHigh, std::sqrt(double(bytes) / double(m_max)));
}

QString FlowHeatmap::cellText(int weekday, int hour) const
{
    static const char *days[] = {"Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"};
    return tr("%1 %2:00–%3:00").arg(QString::fromLatin1(days[weekday])).arg(hour, 2, 10, QChar('0')).arg(
        (hour + 1) % 24, 2, 10, QChar('0'));
}

void FlowHeatmap::paintEvent(QPaintEvent *)
{
    QPainter p(this);
    p.setRenderHint(QPainter::Antialiasing);
    p.fillRect(rect(), palette().base());
    QFont titleFont = font();
    titleFont.setBold(true);
    titleFont.setPointSizeF(titleFont.pointSizeF() + 1);
    p.setFont(titleFont);
    p.setPen(palette().text().color());
    p.drawText(QRect(0, 6, width(), kTopMargin - 10), Qt::AlignHCenter | Qt::AlignVCenter, m_title);
    QFont small = font();
    small.setPointSizeF(std::max(8.0, small.pointSizeF() - 0.5));
    p.setFont(small);
    if (!m_any) {
        QFont note = font();
        note.setPointSizeF(note.pointSizeF() + 1);
        p.setFont(note);
        p.setPen(palette().color(QPalette::Disabled, QPalette::Text));
        p.drawText(rect(), Qt::AlignCenter, tr("No flows in this range"));
        return;
    }
    const QRect g = gridRect();
    for (int d = 0; d < 7; ++d) {
        const QRect label(0, cellRect(d, 0).top(), kLeftMargin - 6, cellRect(d, 0).height());
        p.setPen(palette().text().color());
        p.drawText(label, Qt::AlignRight | Qt::AlignVCenter, weekdayName(d));
        for (int h = 0; h < 24; ++h) {
            const QRect cell = cellRect(d, h).adjusted(1, 1, -1, -1);
            p.fillRect(cell, cellColor(m_matrix.bytes[size_t(d)][size_t(h)]));
        }
    }
    // Hours: every other one when cells are narrow.
    const int cw = g.width() / 24;
    const int every = cw >= 26 ? 1 : cw >= 13 ? 2 : 3;
    p.setPen(palette().text().color());
    for (int h = 0; h < 24; h += every) {
        const QRect c = cellRect(6, h);
        p.drawText(QRect(c.left() - 10, g.bottom() + 3, c.width() + 20, 16), Qt::AlignHCenter | Qt::AlignTop,
                   QStringLiteral("%1").arg(h, 2, 10, QChar('0')));
    }
    if (m_hovered.x() >= 0) {
        QPen pen(palette().highlight().color(), 2);
        p.setPen(pen);
        p.setBrush(Qt::NoBrush);
        p.drawRect(cellRect(m_hovered.y(), m_hovered.x()).adjusted(1, 1, -1, -1));
    }
    // Legend: the colour scale from no traffic to the busiest hour.
    const int ly = g.bottom() + 26;
    const int lw = std::min(260, g.width() / 2);
    const QRect bar(g.left() + g.width() - lw - kLegendValueWidth, ly, lw, 12);
    for (int x = 0; x < bar.width(); ++x) {
        const double t = double(x) / std::max(1, bar.width() - 1);
        p.fillRect(QRect(bar.left() + x, bar.top(), 1, bar.height()),
                   t == 0 ? kLow : cellColor(uint64_t(t * t * double(m_max))));
    }
    p.setPen(palette().mid().color());
    p.drawRect(bar);
    p.setPen(palette().text().color());
    // The zone by name: an evidence screenshot read elsewhere must say whose hours.
    const QString zone = QDateTime::currentDateTime().timeZoneAbbreviation();
    p.drawText(QRect(bar.left() - 250, bar.top() - 3, 244, 18), Qt::AlignRight | Qt::AlignVCenter,
               tr("bytes per hour (local time, %1):  0").arg(zone));
    p.drawText(QRect(bar.right() + 6, bar.top() - 3, kLegendValueWidth, 18), Qt::AlignLeft | Qt::AlignVCenter,
               flowchart::bytesText(double(m_max)));
    p.drawText(QRect(g.left(), ly - 3, std::max(0, bar.left() - 256 - g.left()), 18), Qt::AlignLeft | Qt::AlignVCenter,
               tr("hour of day"));
}

void FlowHeatmap::mouseMoveEvent(QMouseEvent *event)
{
    const QPoint cell = cellAt(event->position().toPoint());
    if (cell != m_hovered) {
        m_hovered = cell;
        update();
        if (cell.x() >= 0) {
            const int d = cell.y(), h = cell.x();
            QToolTip::showText(event->globalPosition().toPoint(),
                               tr("%1\n%2 in %3 flows\nClick to show these flows")
                                   .arg(cellText(d, h), flowchart::bytesText(double(m_matrix.bytes[size_t(d)][size_t(h)])),
                                        flowchart::countText(m_matrix.flows[size_t(d)][size_t(h)])),
                               this);
            setCursor(Qt::PointingHandCursor);
        } else {
            QToolTip::hideText();
            unsetCursor();
        }
    }
    QWidget::mouseMoveEvent(event);
}

void FlowHeatmap::mousePressEvent(QMouseEvent *event)
{
    m_pressed = event->button() == Qt::LeftButton ? cellAt(event->position().toPoint()) : QPoint(-1, -1);
    QWidget::mousePressEvent(event);
}

void FlowHeatmap::mouseReleaseEvent(QMouseEvent *event)
{
    const QPoint cell = event->button() == Qt::LeftButton ? cellAt(event->position().toPoint()) : QPoint(-1, -1);
    if (cell.x() >= 0 && cell == m_pressed) {
        FlowSelection s;
        s.kind = FlowSelection::Kind::HourOfDay;
        s.number = uint64_t(cell.y() * 24 + cell.x());
        s.label = cellText(cell.y(), cell.x()).toStdString();
        emit selectionRequested(s);
    }
    m_pressed = {-1, -1};
    QWidget::mouseReleaseEvent(event);
}

void FlowHeatmap::leaveEvent(QEvent *event)
{
    m_hovered = {-1, -1};
    update();
    unsetCursor();
    QWidget::leaveEvent(event);
}

} // namespace provscope
