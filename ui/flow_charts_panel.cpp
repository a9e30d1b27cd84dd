#include "flow_charts_panel.h"

#include "flow_chart_bars.h"
#include "flow_chart_pie.h"
#include "flow_chart_scatter.h"
#include "flow_chart_style.h"
#include "flow_chart_traffic.h"
#include "flow_heatmap.h"
#include "flow_statistics.h"
#include "save_atomically.h"

#include <QCoreApplication>
#include <QDateTime>
#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QGridLayout>
#include <QLabel>
#include <QMenu>
#include <QMessageBox>
#include <QPainter>
#include <QScrollArea>
#include <QVBoxLayout>

namespace provscope {

struct FlowChartsPanel::Impl {
    int64_t bootToEpochNs = 0;
    QString exportDir = QDir::homePath(); // the last export's folder, for the next one
    QLabel *summary = nullptr;
    FlowTrafficChart *traffic = nullptr;
    FlowPieChart *protocols = nullptr;
    FlowBarChart *tcpFlags = nullptr, *sources = nullptr, *destinations = nullptr, *portsByFlows = nullptr,
                 *portsByBytes = nullptr, *domains = nullptr, *durations = nullptr;
    FlowScatterChart *scatter = nullptr;
    FlowHeatmap *heatmap = nullptr;
    QList<QPair<QString, QWidget *>> charts; // display order
};

namespace {

constexpr size_t kTopN = 10;

std::string str(const QString &s) { return s.toStdString(); }
QString qs(const std::string &s) { return QString::fromStdString(s); }

QString rankTip(const QString &what, const FlowRank &r)
{
    return QObject::tr("%1\n%2 in %3 flows, %4 packets")
        .arg(what, flowchart::bytesText(double(r.bytes)), flowchart::countText(r.flows), flowchart::countText(r.packets));
}

// Address rankings: bars by bytes, the flow count beside the address.
std::vector<FlowBar> addressBars(const std::vector<FlowRank> &ranks, FlowSelection::Kind kind, const char *word,
                                 int elideWidth = 28)
{
    std::vector<FlowBar> bars;
    for (const FlowRank &r : ranks) {
        FlowBar b;
        b.label = QObject::tr("%1 · %2").arg(flowchart::elideMiddle(qs(r.key), elideWidth),
                                             r.flows == 1 ? QObject::tr("1 flow")
                                                          : QObject::tr("%1 flows").arg(flowchart::countText(r.flows)));
        b.value = double(r.bytes);
        b.selection.kind = kind;
        b.selection.text = r.key;
        b.selection.label = std::string(word) + " " + r.key;
        b.toolTip = rankTip(qs(b.selection.label), r);
        bars.push_back(std::move(b));
    }
    return bars;
}

std::vector<FlowBar> portBars(const std::vector<FlowRank> &ranks, bool byBytes)
{
    std::vector<FlowBar> bars;
    for (const FlowRank &r : ranks) {
        FlowBar b;
        b.label = flowchart::portText(uint16_t(r.number));
        b.value = byBytes ? double(r.bytes) : double(r.flows);
        b.selection.kind = FlowSelection::Kind::Port;
        b.selection.number = r.number;
        b.selection.label = "port " + std::to_string(r.number);
        b.toolTip = rankTip(QObject::tr("destination port %1").arg(b.label), r);
        bars.push_back(std::move(b));
    }
    return bars;
}

} // namespace

FlowChartsPanel::FlowChartsPanel(QWidget *parent)
    : QWidget(parent)
    , m_impl(new Impl)
{
    Impl &d = *m_impl;
    d.summary = new QLabel(this);
    d.summary->setObjectName(QStringLiteral("flowChartsSummary"));
    d.summary->setContentsMargins(6, 4, 6, 4);
    d.traffic = new FlowTrafficChart(tr("Traffic over time"));
    d.protocols = new FlowPieChart(tr("Protocols"));
    d.tcpFlags = new FlowBarChart(tr("TCP flags (flows with the flag)"), Qt::Vertical, FlowBarChart::Values::Count,
                                  flowchart::paletteColor(4));
    d.sources = new FlowBarChart(tr("Top sources (by bytes)"), Qt::Horizontal, FlowBarChart::Values::Bytes,
                                 flowchart::paletteColor(0));
    d.destinations = new FlowBarChart(tr("Top destinations (by bytes)"), Qt::Horizontal, FlowBarChart::Values::Bytes,
                                      flowchart::paletteColor(5));
    d.portsByFlows = new FlowBarChart(tr("Destination ports by flows"), Qt::Horizontal, FlowBarChart::Values::Count,
                                      flowchart::paletteColor(3));
    d.portsByBytes = new FlowBarChart(tr("Destination ports by bytes"), Qt::Horizontal, FlowBarChart::Values::Bytes,
                                      flowchart::paletteColor(3));
    d.domains = new FlowBarChart(tr("Top domains (by bytes)"), Qt::Horizontal, FlowBarChart::Values::Bytes,
                                 flowchart::paletteColor(2));
    d.durations = new FlowBarChart(tr("Flow durations"), Qt::Vertical, FlowBarChart::Values::Count,
                                   flowchart::paletteColor(6));
    d.scatter = new FlowScatterChart(tr("Bytes vs packets"));
    d.heatmap = new FlowHeatmap(tr("Traffic by hour of week"));
    d.charts = {{tr("Traffic over time"), d.traffic},      {tr("Protocols"), d.protocols},
                {tr("TCP flags"), d.tcpFlags},             {tr("Top sources"), d.sources},
                {tr("Top destinations"), d.destinations}, {tr("Ports by flows"), d.portsByFlows},
                {tr("Ports by bytes"), d.portsByBytes},   {tr("Top domains"), d.domains},
                {tr("Flow durations"), d.durations},      {tr("Bytes vs packets"), d.scatter},
                {tr("Traffic by hour of week"), d.heatmap}};

    auto *grid = new QWidget;
    auto *layout = new QGridLayout(grid);
    layout->setSpacing(8);
    layout->setContentsMargins(6, 6, 6, 6);
    // Time and the heatmap are wide by nature: full rows; the rest two by two.
    int row = 0, column = 0;
    for (const auto &[name, widget] : d.charts) {
        const bool wide = widget == d.traffic || widget == d.heatmap || widget == d.scatter;
        if (wide && column != 0) {
            ++row;
            column = 0;
        }
        layout->addWidget(widget, row, column, 1, wide ? 2 : 1);
        if (wide || ++column == 2) {
            ++row;
            column = 0;
        }
        widget->setMinimumHeight(widget == d.heatmap ? 300 : 320);
        widget->setObjectName(name);
        widget->setContextMenuPolicy(Qt::CustomContextMenu);
        const QString chartName = name;
        connect(widget, &QWidget::customContextMenuRequested, this, [this, chartName, widget](const QPoint &pos) {
            QMenu menu(this);
            QAction *exportPng = menu.addAction(tr("Export PNG…"));
            if (menu.exec(widget->mapToGlobal(pos)) != exportPng)
                return;
            QString base = chartName.toLower();
            base.replace(QLatin1Char(' '), QLatin1Char('-'));
            // An instance rather than getSaveFileName: a default suffix, so "traffic"
            // becomes traffic.png before the overwrite question, not after.
            QFileDialog dialog(this, tr("Export %1 as PNG").arg(chartName), m_impl->exportDir,
                               tr("PNG images (*.png)"));
            dialog.setAcceptMode(QFileDialog::AcceptSave);
            dialog.setDefaultSuffix(QStringLiteral("png"));
            dialog.selectFile(QStringLiteral("flows-%1.png").arg(base));
            if (dialog.exec() != QDialog::Accepted || dialog.selectedFiles().isEmpty())
                return;
            const QString path = dialog.selectedFiles().constFirst();
            m_impl->exportDir = QFileInfo(path).absolutePath();
            if (auto written = exportChartPng(chartName, path); !written)
                QMessageBox::warning(this, tr("Export PNG"), QString::fromStdString(written.error()));
        });
    }
    layout->setColumnStretch(0, 1);
    layout->setColumnStretch(1, 1);
    for (FlowChartView *view : grid->findChildren<FlowChartView *>())
        connect(view, &FlowChartView::selectionRequested, this, &FlowChartsPanel::selectionRequested);
    connect(d.heatmap, &FlowHeatmap::selectionRequested, this, &FlowChartsPanel::selectionRequested);

    auto *scroll = new QScrollArea;
    scroll->setWidget(grid);
    scroll->setWidgetResizable(true);
    scroll->setFrameShape(QFrame::NoFrame);
    auto *outer = new QVBoxLayout(this);
    outer->setContentsMargins(0, 0, 0, 0);
    outer->setSpacing(0);
    outer->addWidget(d.summary);
    outer->addWidget(scroll, 1);
    setFlows({}, 0, 0, 0);
}

FlowChartsPanel::~FlowChartsPanel() { delete m_impl; }

void FlowChartsPanel::setFlows(std::vector<Flow> flows, int64_t bootToEpochNs, int64_t rangeStartNs, int64_t rangeEndNs)
{
    const FlowStatistics s = computeFlowStatistics(flows, bootToEpochNs, rangeStartNs, rangeEndNs, {kTopN, 2000});
    setStatistics(s, std::move(flows), bootToEpochNs, rangeStartNs, rangeEndNs);
}

void FlowChartsPanel::setStatistics(const FlowStatistics &s, std::vector<Flow> flows, int64_t bootToEpochNs,
                                    int64_t rangeStartNs, int64_t rangeEndNs)
{
    Impl &d = *m_impl;
    d.bootToEpochNs = bootToEpochNs;
    const bool any = !flows.empty();

    if (!any) {
        d.summary->setText(tr("No flows in this range."));
    } else {
        const auto clock = [&](int64_t ns) {
            return QDateTime::fromMSecsSinceEpoch((ns + bootToEpochNs) / 1'000'000).toString(QStringLiteral("yyyy-MM-dd HH:mm:ss"));
        };
        const QString range = rangeEndNs > rangeStartNs ? tr(" from %1 to %2").arg(clock(rangeStartNs), clock(rangeEndNs))
                                                        : QString();
        d.summary->setText(tr("%1 flows, %2, %3 packets%4. Click a bar, slice, point or cell to show its flows; "
                              "right-click a chart to export it.")
                               .arg(flowchart::countText(s.flowCount), flowchart::bytesText(double(s.bytes)),
                                    flowchart::countText(s.packets), range));
    }
    d.traffic->setTraffic(s.traffic, bootToEpochNs, any);
    d.protocols->setProtocols(s.protocols);

    std::vector<FlowBar> flags;
    for (const TcpFlagCount &f : s.tcpFlags) {
        FlowBar b;
        b.label = qs(f.name);
        b.value = double(f.flows);
        b.selection.kind = FlowSelection::Kind::TcpFlag;
        b.selection.number = f.bit;
        b.selection.label = "TCP flag " + f.name;
        b.toolTip = tr("%1 TCP flows with %2 seen").arg(flowchart::countText(f.flows), b.label);
        flags.push_back(std::move(b));
    }
    d.tcpFlags->setBars(std::move(flags), tr("TCP flows"));
    d.sources->setBars(addressBars(s.sources, FlowSelection::Kind::Source, "source"));
    d.destinations->setBars(addressBars(s.destinations, FlowSelection::Kind::Destination, "destination"));
    d.portsByFlows->setBars(portBars(s.portsByFlows, false), tr("flows"));
    d.portsByBytes->setBars(portBars(s.portsByBytes, true));

    d.domains->setBars(addressBars(s.domains, FlowSelection::Kind::Domain, "domain", 30));

    std::vector<FlowBar> durations;
    for (const DurationBin &bin : s.durations) {
        FlowBar b;
        b.label = qs(bin.label);
        b.value = double(bin.flows);
        b.selection.kind = FlowSelection::Kind::Duration;
        b.selection.minNs = bin.minNs;
        b.selection.maxNs = bin.maxNs;
        b.selection.label = "duration " + bin.label;
        b.toolTip = tr("%1 flows lasting %2, %3").arg(flowchart::countText(bin.flows), b.label,
                                                      flowchart::bytesText(double(bin.bytes)));
        durations.push_back(std::move(b));
    }
    d.durations->setBars(any ? std::move(durations) : std::vector<FlowBar>{}, tr("flows"));
    d.scatter->setPoints(s.points, flows);
    d.heatmap->setMatrix(s.heatmap, any);
}

QStringList FlowChartsPanel::chartNames() const
{
    QStringList names;
    for (const auto &chart : m_impl->charts)
        names << chart.first;
    return names;
}

QWidget *FlowChartsPanel::chartWidget(const QString &name) const
{
    for (const auto &chart : m_impl->charts) {
        if (chart.first == name)
            return chart.second;
    }
    return nullptr;
}

Result<void> FlowChartsPanel::exportChartPng(const QString &name, const QString &path) const
{
    QWidget *widget = chartWidget(name);
    if (!widget)
        return makeError("no chart named \"" + str(name) + "\"");
    // A chart never shown has no layout size yet: give it the size it asks for.
    if (!widget->isVisible() && (widget->width() < widget->minimumWidth() || widget->height() < widget->minimumHeight()))
        widget->resize(widget->sizeHint().expandedTo(widget->minimumSize()));
    // A chart lays itself out, then its time labels for that width, through posted
    // events: let both happen before it is drawn.
    for (int pass = 0; pass < 2; ++pass) {
        QCoreApplication::sendPostedEvents(nullptr, QEvent::LayoutRequest);
        QCoreApplication::sendPostedEvents(widget, QEvent::MetaCall);
    }
    QImage image(widget->size(), QImage::Format_ARGB32_Premultiplied);
    image.fill(widget->palette().color(QPalette::Base));
    {
        QPainter painter(&image);
        painter.setRenderHint(QPainter::Antialiasing);
        widget->render(&painter);
    }
    return savePngAtomically(str(path), image);
}

} // namespace provscope
