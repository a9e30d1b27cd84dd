#include "flow_chart_pie.h"

#include "flow_chart_style.h"

#include <QApplication>
#include <QGraphicsSimpleTextItem>
#include <QToolTip>
#include <QtCharts/QLegend>
#include <QtCharts/QLegendMarker>
#include <QtCharts/QPieSeries>
#include <QtCharts/QPieSlice>

namespace provscope {
namespace {

constexpr double kLeft = 0.26, kRight = 0.74, kSize = 0.62;

} // namespace

FlowPieChart::FlowPieChart(const QString &title, QWidget *parent)
    : FlowChartView(title, parent)
    , m_flowsCaption(new QGraphicsSimpleTextItem(m_chart))
    , m_bytesCaption(new QGraphicsSimpleTextItem(m_chart))
{
    for (QGraphicsSimpleTextItem *caption : {m_flowsCaption, m_bytesCaption}) {
        QFont f = QApplication::font();
        f.setBold(true);
        caption->setFont(f);
        caption->setBrush(palette().text());
    }
    m_flowsCaption->setText(tr("by flows"));
    m_bytesCaption->setText(tr("by bytes"));
    m_chart->legend()->setAlignment(Qt::AlignBottom);
    connect(m_chart, &QChart::plotAreaChanged, this, [this] { placeCaptions(); });
    setProtocols({});
}

void FlowPieChart::setProtocols(const std::vector<FlowRank> &protocols)
{
    clearChart();
    m_flows = m_bytes = nullptr;
    m_protocols = protocols;
    uint64_t flows = 0, bytes = 0;
    for (const FlowRank &p : protocols) {
        flows += p.flows;
        bytes += p.bytes;
    }
    const bool empty = flows == 0;
    setEmpty(empty);
    m_flowsCaption->setVisible(!empty);
    m_bytesCaption->setVisible(!empty);
    if (empty)
        return;

    m_flows = new QPieSeries;
    m_bytes = new QPieSeries;
    for (QPieSeries *series : {m_flows, m_bytes}) {
        const bool byFlows = series == m_flows;
        series->setHorizontalPosition(byFlows ? kLeft : kRight);
        series->setPieSize(kSize);
        series->setHoleSize(0.38);
        const double total = double(byFlows ? flows : bytes);
        for (const FlowRank &p : protocols) {
            const double value = double(byFlows ? p.flows : p.bytes);
            const QString name = QString::fromStdString(p.key).toUpper();
            auto *slice = series->append(name, value);
            const QColor color = flowchart::protocolColor(QString::fromStdString(p.key));
            slice->setColor(color);
            slice->setProperty("protocol", QString::fromStdString(p.key));
            slice->setBorderColor(palette().base().color());
            slice->setLabelColor(Qt::white);
            const double share = total > 0 ? value / total : 0;
            slice->setLabel(QStringLiteral("%1%").arg(QString::number(share * 100, 'f', share < 0.1 ? 1 : 0)));
            slice->setLabelPosition(QPieSlice::LabelInsideHorizontal);
            slice->setLabelVisible(share >= 0.06); // smaller ones: the tooltip
            const QString tip = tr("%1: %2 flows, %3 (%4% of %5)")
                                    .arg(name, flowchart::countText(p.flows), flowchart::bytesText(double(p.bytes)))
                                    .arg(QString::number(share * 100, 'f', 1), byFlows ? tr("flows") : tr("bytes"));
            FlowSelection selection;
            selection.kind = FlowSelection::Kind::Protocol;
            selection.text = p.key;
            selection.label = "protocol " + QString::fromStdString(p.key).toUpper().toStdString();
            connect(slice, &QPieSlice::clicked, this, [this, selection] { emit selectionRequested(selection); });
            connect(slice, &QPieSlice::hovered, this, [this, slice, tip](bool over) {
                slice->setExploded(over);
                if (over) {
                    QToolTip::showText(QCursor::pos(), tip + tr("\nClick to show these flows"), this);
                    setCursor(Qt::PointingHandCursor);
                } else {
                    QToolTip::hideText();
                    unsetCursor();
                }
            });
        }
        m_chart->addSeries(series);
    }
    // One legend entry per protocol: the flows donut's (the bytes one has the same colours).
    m_chart->legend()->show();
    for (QLegendMarker *marker : m_chart->legend()->markers(m_bytes))
        marker->setVisible(false);
    // Legend labels: the protocol names (slices show percentages).
    const auto markers = m_chart->legend()->markers(m_flows);
    for (int i = 0; i < markers.size() && i < int(protocols.size()); ++i)
        markers[i]->setLabel(QString::fromStdString(protocols[size_t(i)].key).toUpper());
    placeCaptions();
}

void FlowPieChart::placeCaptions()
{
    const QRectF plot = m_chart->plotArea();
    const double radius = kSize * std::min(plot.width() / 2, plot.height()) / 2; // per half-width pie
    for (auto [caption, position] : {std::pair{m_flowsCaption, kLeft}, std::pair{m_bytesCaption, kRight}}) {
        const QRectF text = caption->boundingRect();
        const double x = plot.left() + plot.width() * position - text.width() / 2;
        const double y = plot.center().y() - std::min(radius, plot.height() / 2) - text.height() - 2;
        caption->setPos(x, std::max(plot.top() - text.height(), y));
    }
}

} // namespace provscope
