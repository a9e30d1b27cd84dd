#include "flow_chart_scatter.h"

#include "event_format.h"
#include "flow_chart_style.h"

#include <QToolTip>
#include <QtCharts/QLegend>
#include <QtCharts/QLogValueAxis>
#include <QtCharts/QScatterSeries>

#include <algorithm>
#include <cmath>
#include <map>

namespace provscope {
namespace {

// The table's spelling ("[::1]:53" for IPv6).
std::string endpoint(const std::string &addr, uint16_t port)
{
    return formatEndpoint(addr, port).toStdString();
}

} // namespace

FlowScatterChart::FlowScatterChart(const QString &title, QWidget *parent)
    : FlowChartView(title, parent)
    , m_baseTitle(title)
{
    m_chart->legend()->setAlignment(Qt::AlignTop);
    setPoints({}, {});
}

void FlowScatterChart::setPoints(const std::vector<FlowPoint> &points, const std::vector<Flow> &flows)
{
    clearChart();
    m_series.clear();
    m_members.clear();
    m_points = points;
    m_flowInfo.clear();
    m_chart->setTitle(m_baseTitle);
    if (points.empty()) {
        setEmpty(true);
        return;
    }
    setEmpty(false);
    if (points.size() < flows.size())
        m_chart->setTitle(tr("%1 (the %2 largest of %3 flows)")
                              .arg(m_baseTitle, flowchart::countText(points.size()), flowchart::countText(flows.size())));
    // Only the shown flows are kept for their labels.
    std::vector<uint64_t> keys;
    for (const FlowPoint &p : points)
        keys.push_back(p.key);
    std::sort(keys.begin(), keys.end());
    for (const Flow &f : flows) {
        if (std::binary_search(keys.begin(), keys.end(), f.key))
            m_flowInfo.push_back(f);
    }
    std::sort(m_flowInfo.begin(), m_flowInfo.end(), [](const Flow &a, const Flow &b) { return a.key < b.key; });

    std::map<std::string, size_t> byProtocol;
    uint64_t maxPackets = 1, maxBytes = 1;
    for (size_t i = 0; i < points.size(); ++i) {
        const FlowPoint &p = points[i];
        const std::string proto = flowProtocolName(p.proto);
        auto it = byProtocol.find(proto);
        if (it == byProtocol.end()) {
            auto *s = new QScatterSeries;
            s->setName(QString::fromStdString(proto).toUpper());
            const QColor color = flowchart::protocolColor(QString::fromStdString(proto));
            QColor fill = color;
            fill.setAlpha(170);
            s->setColor(fill);
            s->setBorderColor(color.darker(130));
            s->setMarkerSize(8);
            it = byProtocol.emplace(proto, m_series.size()).first;
            m_series.push_back(s);
            m_members.emplace_back();
        }
        // Log axes cannot show 0: a flow has at least one packet and one byte.
        m_series[it->second]->append(double(std::max<uint64_t>(1, p.packets)), double(std::max<uint64_t>(1, p.bytes)));
        m_members[it->second].push_back(i);
        maxPackets = std::max(maxPackets, p.packets);
        maxBytes = std::max(maxBytes, p.bytes);
    }
    auto *x = new QLogValueAxis;
    x->setBase(10);
    x->setLabelFormat(QStringLiteral("%g"));
    flowchart::styleAxis(x, tr("packets (log)"));
    x->setRange(0.7, std::pow(10, std::ceil(std::log10(double(maxPackets) * 1.5))));
    x->setMinorTickCount(-1);
    auto *y = new QLogValueAxis;
    y->setBase(10);
    y->setLabelFormat(QStringLiteral("%.0f"));
    flowchart::styleAxis(y, tr("bytes (log)"));
    y->setRange(std::pow(10, std::floor(std::log10(40.0))), std::pow(10, std::ceil(std::log10(double(maxBytes) * 1.5))));
    m_chart->addAxis(x, Qt::AlignBottom);
    m_chart->addAxis(y, Qt::AlignLeft);
    double minBytes = double(maxBytes);
    for (const FlowPoint &p : points)
        minBytes = std::min(minBytes, double(std::max<uint64_t>(1, p.bytes)));
    y->setMin(std::pow(10, std::floor(std::log10(minBytes))));
    for (QScatterSeries *s : m_series) {
        m_chart->addSeries(s);
        s->attachAxis(x);
        s->attachAxis(y);
        connect(s, &QScatterSeries::clicked, this, [this, s](const QPointF &value) {
            const FlowSelection selection = selectionNear(s, value);
            if (selection.kind == FlowSelection::Kind::Flow)
                emit selectionRequested(selection);
        });
        connect(s, &QScatterSeries::hovered, this, [this, s](const QPointF &value, bool over) {
            const FlowPoint *p = over ? nearest(s, value) : nullptr;
            if (!p) {
                QToolTip::hideText();
                unsetCursor();
                return;
            }
            const FlowSelection sel = selectionNear(s, value);
            QToolTip::showText(QCursor::pos(),
                               tr("%1\n%2 packets, %3\nClick to show this flow")
                                   .arg(QString::fromStdString(sel.label), flowchart::countText(p->packets),
                                        flowchart::bytesText(double(p->bytes))),
                               this);
            setCursor(Qt::PointingHandCursor);
        });
    }
    m_chart->legend()->setVisible(m_series.size() > 1);
}

const FlowPoint *FlowScatterChart::nearest(QScatterSeries *series, const QPointF &value) const
{
    auto it = std::find(m_series.begin(), m_series.end(), series);
    if (it == m_series.end() || value.x() <= 0 || value.y() <= 0)
        return nullptr;
    const auto &members = m_members[size_t(it - m_series.begin())];
    const FlowPoint *best = nullptr;
    double bestDistance = 0;
    for (size_t i : members) {
        const FlowPoint &p = m_points[i];
        const double dx = std::log10(double(std::max<uint64_t>(1, p.packets))) - std::log10(value.x());
        const double dy = std::log10(double(std::max<uint64_t>(1, p.bytes))) - std::log10(value.y());
        const double d = dx * dx + dy * dy;
        if (!best || d < bestDistance) {
            best = &p;
            bestDistance = d;
        }
    }
    return best;
}

FlowSelection FlowScatterChart::selectionNear(QScatterSeries *series, const QPointF &value) const
{
    FlowSelection s;
    const FlowPoint *p = nearest(series, value);
    if (!p)
        return s;
    s.kind = FlowSelection::Kind::Flow;
    s.number = p->key;
    auto it = std::lower_bound(m_flowInfo.begin(), m_flowInfo.end(), p->key,
                               [](const Flow &f, uint64_t key) { return f.key < key; });
    if (it != m_flowInfo.end() && it->key == p->key)
        s.label = "flow " + endpoint(it->src, it->sport) + " → " + endpoint(it->dst, it->dport) + " (" +
                  flowProtocolName(it->proto) + ")";
    else
        s.label = "flow " + std::to_string(p->key);
    return s;
}

} // namespace provscope
