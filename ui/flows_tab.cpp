#include "flows_tab.h"

#include "event_format.h"
#include "flow_charts_panel.h"
#include "flow_table_model.h"
#include "session_reader.h"
#include "task_progress.h"

#include <QFile>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QKeyEvent>
#include <QLabel>
#include <QLocale>
#include <QMenu>
#include <QSplitter>
#include <QStackedWidget>
#include <QTableView>
#include <QTime>
#include <QTimer>
#include <QVBoxLayout>
#include <QtConcurrent/QtConcurrent>

#include <algorithm>
#include <limits>

namespace provscope {

namespace {
constexpr int kLiveRefreshMs = 3000;
constexpr int64_t kMin = std::numeric_limits<int64_t>::min();
constexpr int64_t kMax = std::numeric_limits<int64_t>::max();

// The shared range (epoch ns, open ends INT64_MIN / INT64_MAX) in boot ns.
std::pair<int64_t, int64_t> bootRangeOf(bool hasRange, int64_t fromEpochNs, int64_t toEpochNs, int64_t bootToEpochNs)
{
    if (!hasRange)
        return {kMin, kMax};
    return {fromEpochNs == kMin ? kMin : fromEpochNs - bootToEpochNs, toEpochNs == kMax ? kMax : toEpochNs - bootToEpochNs};
}

} // namespace

struct FlowsTab::Outcome {
    quint64 generation = 0;
    std::vector<Flow> flows;
    int64_t bootToEpochNs = 0;
    int64_t firstNs = 0, lastNs = -1; // the flows' span, boot ns
    // The range's flows and statistics, computed with the read for the range it
    // started with (hasRange, from, to: the tab's, epoch ns).
    bool hasRange = false;
    int64_t rangeFromEpochNs = 0, rangeToEpochNs = 0;
    FlowRangeView view;
    QString error;
    QString olderFormat; // the format of a session from before flows were recorded
};

FlowsTab::FlowsTab(QWidget *parent)
    : QWidget(parent)
    , m_all(std::make_shared<const std::vector<Flow>>())
    , m_liveTimer(new QTimer(this))
    , m_model(new FlowTableModel(this))
{
    setObjectName(QStringLiteral("flowsTab"));
    m_pool.setMaxThreadCount(1);
    connect(&m_watcher, &QFutureWatcher<std::shared_ptr<Outcome>>::finished, this, &FlowsTab::onFinished);
    // Single shot, started when a read's result is shown: reads are spaced by the
    // interval however long one takes (a hidden tab reads again when shown).
    m_liveTimer->setSingleShot(true);
    m_liveTimer->setInterval(kLiveRefreshMs);
    connect(m_liveTimer, &QTimer::timeout, this, [this] {
        if (m_recording && isVisible() && !isBusy())
            refresh();
    });

    m_summary = new QLabel(this);
    m_summary->setObjectName(QStringLiteral("flowsSummary"));
    m_summary->setTextFormat(Qt::RichText);
    // The range is the Events tab's: "All times" asks for the whole span there too.
    connect(m_summary, &QLabel::linkActivated, this, [this] { emit timeRangeRequested(kMin, kMax); });
    m_breadcrumb = new QLabel(this);
    m_breadcrumb->setObjectName(QStringLiteral("flowsBreadcrumb"));
    m_breadcrumb->setTextFormat(Qt::RichText);
    connect(m_breadcrumb, &QLabel::linkActivated, this, [this] { clearSelection(); });
    m_message = new QLabel(this);
    m_message->setObjectName(QStringLiteral("flowsMessage"));
    m_message->setWordWrap(true);
    QFont bold = m_message->font();
    bold.setBold(true);
    m_message->setFont(bold);

    m_table = new QTableView(this);
    m_table->setObjectName(QStringLiteral("flowTable"));
    m_table->setModel(m_model);
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->setSelectionMode(QAbstractItemView::SingleSelection);
    m_table->setAlternatingRowColors(true);
    m_table->setWordWrap(false);
    m_table->setShowGrid(false);
    m_table->setSortingEnabled(true); // the model sorts in memory, synchronously
    m_table->sortByColumn(FlowTableModel::Bytes, Qt::DescendingOrder);
    m_table->setToolTip(tr("Double-click a flow to see its events in the Events tab"));
    QHeaderView *rows = m_table->verticalHeader();
    rows->setSectionResizeMode(QHeaderView::Fixed);
    rows->setDefaultSectionSize(fontMetrics().height() + 6);
    rows->hide();
    QHeaderView *columns = m_table->horizontalHeader();
    columns->setHighlightSections(false);
    columns->setDefaultAlignment(Qt::AlignLeft | Qt::AlignVCenter);
    const auto width = [this](const char *sample) { return fontMetrics().horizontalAdvance(QLatin1String(sample)) + 18; };
    const std::pair<int, const char *> widths[] = {
        {FlowTableModel::Protocol, "Proto"}, {FlowTableModel::Source, "255.255.255.255"},
        {FlowTableModel::SourcePort, "65535 "}, {FlowTableModel::Destination, "255.255.255.255"},
        {FlowTableModel::DestinationPort, "65535 "}, {FlowTableModel::Domain, "svc526.bench.example.org"},
        {FlowTableModel::Process, "provscope-activ (12345)"}, {FlowTableModel::PeerProcess, "provscope-activ (12345)"},
        {FlowTableModel::Packets, "Packets "}, {FlowTableModel::Bytes, "99,999,999"},
        {FlowTableModel::PacketsOut, "Pkts out"}, {FlowTableModel::PacketsIn, "Pkts in"},
        {FlowTableModel::BytesOut, "9,999,999"}, {FlowTableModel::BytesIn, "9,999,999"},
        {FlowTableModel::TcpFlags, "SYN ACK PSH FIN"}, {FlowTableModel::FirstSeen, "00:00:00.000000"},
        {FlowTableModel::Duration, "999.999 ms"}, {FlowTableModel::Interface, "Interface"}};
    for (const auto &[column, sample] : widths)
        m_table->setColumnWidth(column, width(sample));
    connect(m_table, &QAbstractItemView::doubleClicked, this, &FlowsTab::onRowActivated);
    m_table->installEventFilter(this); // Enter does what a double-click does
    m_table->setContextMenuPolicy(Qt::CustomContextMenu);
    connect(m_table, &QWidget::customContextMenuRequested, this, [this](const QPoint &pos) {
        const QModelIndex index = m_table->indexAt(pos);
        if (!index.isValid())
            return;
        const Flow flow = m_model->flowAt(index.row());
        QMenu menu(this);
        // The flow itself, not its row: a live refresh may reorder the rows meanwhile.
        connect(menu.addAction(tr("Show Events of This Flow")), &QAction::triggered, this,
                [this, flow] { showFlowEvents(flow); });
        connect(menu.addAction(tr("Only This Flow")), &QAction::triggered, this, [this, flow] {
            FlowSelection only;
            only.kind = FlowSelection::Kind::Flow;
            only.number = flow.key;
            only.label = tr("%1 %2 → %3")
                             .arg(QString::fromStdString(flowProtocolLabel(flow.proto)),
                                  formatEndpoint(flow.src, flow.sport), formatEndpoint(flow.dst, flow.dport))
                             .toStdString();
            applySelection(only);
        });
        menu.exec(m_table->viewport()->mapToGlobal(pos));
    });

    m_charts = new FlowChartsPanel(this);
    // Handled after the click: the panel is rebuilt by what the selection changes.
    connect(m_charts, &FlowChartsPanel::selectionRequested, this, [this](const FlowSelection &selection) {
        QMetaObject::invokeMethod(this, [this, selection] { applySelection(selection); }, Qt::QueuedConnection);
    });

    QWidget *tablePane = new QWidget(this);
    QVBoxLayout *tableLayout = new QVBoxLayout(tablePane);
    tableLayout->setContentsMargins(0, 0, 0, 0);
    tableLayout->setSpacing(2);
    QHBoxLayout *header = new QHBoxLayout;
    header->setContentsMargins(6, 4, 6, 0);
    header->addWidget(m_summary);
    header->addSpacing(12);
    header->addWidget(m_breadcrumb, 1);
    tableLayout->addLayout(header);
    m_message->setContentsMargins(6, 0, 6, 0);
    tableLayout->addWidget(m_message);
    tableLayout->addWidget(m_table, 1);

    m_splitter = new QSplitter(Qt::Vertical, this);
    m_splitter->addWidget(tablePane);
    m_splitter->addWidget(m_charts);
    m_splitter->setStretchFactor(0, 1);
    m_splitter->setStretchFactor(1, 1);
    m_splitter->setSizes({380, 420}); // about 14 rows of flows at 800 pixels
    m_splitter->setChildrenCollapsible(false);

    m_noNetwork = new QLabel(this);
    m_noNetwork->setObjectName(QStringLiteral("flowsNoNetwork"));
    m_noNetwork->setAlignment(Qt::AlignCenter);
    m_noNetwork->setWordWrap(true);
    m_pages = new QStackedWidget(this);
    m_pages->addWidget(m_splitter);
    m_pages->addWidget(m_noNetwork);

    QVBoxLayout *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_pages);
    showStatus();
}

FlowsTab::~FlowsTab()
{
    cancelAndWait();
}

void FlowsTab::setTaskProgress(TaskProgress *progress)
{
    m_progress = progress;
}

void FlowsTab::setSession(const QString &path, bool recording)
{
    const bool same = !path.isEmpty() && path == m_path;
    cancelAndWait();
    m_recording = recording;
    if (!same) {
        ++m_generation;
        m_path = path;
        m_all = std::make_shared<const std::vector<Flow>>();
        m_bootToEpochNs = 0;
        m_flowFirstNs = 0;
        m_flowLastNs = -1;
        m_loaded = false;
        m_error.clear();
        m_olderFormat.clear();
        if (m_selection) {
            m_selection.reset();
            emit selectionCleared();
        }
        m_selectionNote.clear();
        m_hasRange = false;
        recompute();
    }
    if (m_recording)
        m_liveTimer->start();
    else
        m_liveTimer->stop();
    if (!m_path.isEmpty())
        refresh();
}

void FlowsTab::refresh()
{
    if (m_path.isEmpty())
        return;
    if (isBusy()) {
        m_refreshPending = true;
        return;
    }
    start();
}

void FlowsTab::cancelAndWait()
{
    m_refreshPending = false;
    if (!m_jobRunning)
        return;
    if (m_cancel)
        m_cancel->store(true);
    m_watcher.waitForFinished();
    onFinished(); // the finished signal is queued: handle it now (dropped as cancelled)
}

void FlowsTab::start()
{
    m_cancel = std::make_shared<std::atomic<bool>>(false);
    const auto cancel = m_cancel;
    const std::string path = QFile::encodeName(m_path).toStdString();
    const quint64 generation = m_generation;
    const bool hasRange = m_hasRange;
    const int64_t rangeFrom = m_rangeFromEpochNs, rangeTo = m_rangeToEpochNs;
    m_readClock.start();
    if (m_progress && !m_loaded)
        m_progressToken = m_progress->begin(tr("Reading flows"), [cancel] { cancel->store(true); });
    m_jobRunning = true;
    m_readCancelled = false;
    showStatus();
    m_watcher.setFuture(QtConcurrent::run(&m_pool, [path, generation, cancel, hasRange, rangeFrom, rangeTo]() {
        auto outcome = std::make_shared<Outcome>();
        outcome->generation = generation;
        outcome->hasRange = hasRange;
        outcome->rangeFromEpochNs = rangeFrom;
        outcome->rangeToEpochNs = rangeTo;
        if (cancel->load())
            return outcome;
        auto reader = SessionReader::open(path);
        if (!reader) {
            outcome->error = QString::fromStdString(reader.error());
            return outcome;
        }
        const SessionMeta &meta = reader.value()->meta();
        outcome->bootToEpochNs = meta.bootToEpochNs;
        if (!reader.value()->hasFlowTables()) {
            outcome->olderFormat = QString::fromStdString(meta.formatVersion);
            return outcome;
        }
        // One at a time, so that Cancel stops the read (a big import's flows take seconds).
        std::vector<Flow> flows;
        auto read = reader.value()->forEachFlow([&](const Flow &flow) {
            if (cancel->load())
                return false;
            flows.push_back(flow);
            return true;
        });
        if (cancel->load())
            return outcome;
        if (!read) {
            outcome->error = QString::fromStdString(read.error());
            return outcome;
        }
        for (const Flow &flow : flows) {
            outcome->firstNs = outcome->lastNs < outcome->firstNs ? flow.firstNs : std::min(outcome->firstNs, flow.firstNs);
            outcome->lastNs = std::max(outcome->lastNs, flow.lastNs);
        }
        // The range's statistics here too: for 250,000 flows they take seconds.
        const auto [from, to] = bootRangeOf(hasRange, rangeFrom, rangeTo, meta.bootToEpochNs);
        outcome->view = flowsInRange(flows, meta.bootToEpochNs, from, to);
        outcome->flows = std::move(flows);
        return outcome;
    }));
}

void FlowsTab::onFinished()
{
    if (!m_jobRunning || !m_watcher.isFinished())
        return; // handled already (cancelAndWait)
    m_jobRunning = false;
    if (m_progress && m_progressToken)
        m_progress->finish(m_progressToken);
    m_progressToken = 0;
    if (m_watcher.future().resultCount() == 0)
        return;
    const std::shared_ptr<Outcome> outcome = m_watcher.result();
    if (!outcome || outcome->generation != m_generation)
        return;
    if (m_cancel && m_cancel->load()) {
        m_readCancelled = !m_loaded;
        showStatus();
        return;
    }
    m_loaded = true;
    m_error = outcome->error;
    bool computed = false;
    if (m_error.isEmpty()) {
        m_all = std::make_shared<const std::vector<Flow>>(std::move(outcome->flows));
        m_bootToEpochNs = outcome->bootToEpochNs;
        m_flowFirstNs = outcome->firstNs;
        m_flowLastNs = outcome->lastNs;
        m_olderFormat = outcome->olderFormat;
        // The worker's range is still the tab's: its statistics stand.
        computed = outcome->hasRange == m_hasRange
                   && (!m_hasRange || (outcome->rangeFromEpochNs == m_rangeFromEpochNs
                                       && outcome->rangeToEpochNs == m_rangeToEpochNs));
    }
    if (computed) {
        showRange(std::move(outcome->view));
        recompute(false);
    } else {
        recompute();
    }
    // Live reads are spaced by 3 s, or twice this read when it took longer.
    m_liveTimer->setInterval(int(std::max<qint64>(kLiveRefreshMs, 2 * m_readClock.elapsed())));
    if (m_recording)
        m_liveTimer->start();
    emit flowsLoaded();
    if (m_refreshPending) {
        m_refreshPending = false;
        start();
    }
}

bool FlowsTab::eventFilter(QObject *watched, QEvent *event)
{
    if (watched == m_table && event->type() == QEvent::KeyPress) {
        const int key = static_cast<QKeyEvent *>(event)->key();
        if (key == Qt::Key_Return || key == Qt::Key_Enter) {
            onRowActivated(m_table->currentIndex());
            return true;
        }
    }
    return QWidget::eventFilter(watched, event);
}

void FlowsTab::showEvent(QShowEvent *event)
{
    QWidget::showEvent(event);
    if (m_recording && !isBusy() && !m_path.isEmpty())
        refresh();
}

void FlowsTab::setTimeRange(int64_t fromEpochNs, int64_t toEpochNs)
{
    if (fromEpochNs == kMin && toEpochNs == kMax) {
        clearTimeRange();
        return;
    }
    if (m_hasRange && fromEpochNs == m_rangeFromEpochNs && toEpochNs == m_rangeToEpochNs)
        return;
    m_hasRange = true;
    m_rangeFromEpochNs = fromEpochNs;
    m_rangeToEpochNs = toEpochNs;
    recompute();
    // The selection's flows in the new range: the event filter follows them.
    if (m_selection && m_selection->kind != FlowSelection::Kind::TimeRange)
        requestSelectionEvents();
}

void FlowsTab::clearTimeRange()
{
    if (!m_hasRange)
        return;
    m_hasRange = false;
    recompute();
    if (m_selection && m_selection->kind != FlowSelection::Kind::TimeRange)
        requestSelectionEvents();
}

std::optional<std::pair<int64_t, int64_t>> FlowsTab::flowSpanEpochNs() const
{
    if (m_all->empty() || m_flowLastNs < m_flowFirstNs)
        return std::nullopt;
    return std::make_pair(m_flowFirstNs + m_bootToEpochNs, m_flowLastNs + m_bootToEpochNs);
}

int FlowsTab::liveRefreshIntervalMs() const
{
    return m_liveTimer->interval();
}

std::pair<int64_t, int64_t> FlowsTab::bootRange() const
{
    return bootRangeOf(m_hasRange, m_rangeFromEpochNs, m_rangeToEpochNs, m_bootToEpochNs);
}

void FlowsTab::setTimeFormat(EventTableModel::TimeFormat format, int64_t referenceBootNs)
{
    m_timeFormat = format;
    m_referenceBootNs = referenceBootNs;
    m_model->setTimeFormat(format, m_bootToEpochNs, referenceBootNs);
}

void FlowsTab::showRange(FlowRangeView view)
{
    m_inRange = std::move(view.indexes);
    m_charts->setStatistics(view.statistics, std::move(view.flows), m_bootToEpochNs, view.startNs, view.endNs);
}

void FlowsTab::recompute(bool rangeChanged)
{
    // The time range (boot ns) restricts table and charts; the chart selection the table.
    const std::vector<Flow> &all = *m_all;
    if (rangeChanged) {
        const auto [from, to] = bootRange();
        showRange(flowsInRange(all, m_bootToEpochNs, from, to));
    }

    std::vector<uint32_t> shown;
    if (m_selection) {
        for (uint32_t index : m_inRange)
            if (m_selection->matches(all[index], m_bootToEpochNs))
                shown.push_back(index);
    } else {
        shown = m_inRange;
    }
    // The selected flow stays selected when the rows change (a live refresh).
    const QModelIndex current = m_table->currentIndex();
    const uint64_t currentKey = current.isValid() ? m_model->flowAt(current.row()).key : 0;
    m_model->setTimeFormat(m_timeFormat, m_bootToEpochNs, m_referenceBootNs);
    m_model->setFlows(m_all, std::move(shown));
    if (m_model->showsDates()) { // room for the date the column now shows
        const int dated = fontMetrics().horizontalAdvance(QStringLiteral("0000-00-00 00:00:00.000000")) + 18;
        if (m_table->columnWidth(FlowTableModel::FirstSeen) < dated)
            m_table->setColumnWidth(FlowTableModel::FirstSeen, dated);
    }
    if (currentKey != 0) {
        if (const int row = m_model->rowOfKey(currentKey); row >= 0)
            m_table->selectRow(row);
    }
    showStatus();
}

QString FlowsTab::messageText() const
{
    if (m_path.isEmpty() || !m_loaded)
        return {};
    if (!m_error.isEmpty())
        return tr("The flows cannot be read: %1").arg(m_error);
    if (m_all->empty() && m_recording)
        return tr("No network flows recorded yet: a flow shows when its connection ends, an open one at "
                  "its next periodic update.");
    if (m_all->empty() && !m_olderFormat.isEmpty())
        return tr("This session has no network capture: it was written in format %1, before provscope "
                  "recorded network flows.").arg(m_olderFormat);
    if (m_all->empty())
        return tr("This session has no network capture: no network flows were recorded.\n"
                  "Record with packet capture enabled, or add a pcap file with provscope-cli import.");
    if (m_inRange.empty())
        return tr("No flows in this range.");
    if (m_model->rowCount() == 0)
        return tr("No flows in this range match the selection.");
    return m_selectionNote;
}

void FlowsTab::showStatus()
{
    const QString message = messageText();
    const bool noNetwork = m_loaded && m_error.isEmpty() && m_all->empty() && !m_path.isEmpty() && !m_recording;
    m_noNetwork->setText(noNetwork ? message : QString());
    m_pages->setCurrentWidget(noNetwork ? static_cast<QWidget *>(m_noNetwork) : m_splitter);
    m_message->setText(noNetwork ? QString() : message);
    m_message->setVisible(!noNetwork && !message.isEmpty());

    QString summary;
    if (m_path.isEmpty())
        summary = tr("No session");
    else if (!m_loaded && m_readCancelled)
        summary = tr("Reading the flows was cancelled: View → Refresh (F5) reads them again");
    else if (!m_loaded)
        summary = tr("Reading flows…");
    else if (!m_all->empty()) {
        const QLocale locale;
        summary = m_model->rowCount() == int(m_all->size())
                      ? tr("%1 flows").arg(locale.toString(qulonglong(m_all->size())))
                      : tr("%1 of %2 flows").arg(locale.toString(m_model->rowCount()),
                                                  locale.toString(qulonglong(m_all->size())));
        if (m_hasRange) {
            // With the date when the flows span more than a day.
            const bool withDate = m_flowLastNs - m_flowFirstNs > 86'400'000'000'000LL;
            const auto clock = [withDate](int64_t epochNs, const QString &open) {
                return epochNs == kMin || epochNs == kMax ? open
                       : withDate                         ? formatDateTime(epochNs).left(19)
                                                          : formatClockTime(epochNs).left(8);
            };
            summary = summary.toHtmlEscaped()
                      + tr(" · time range %1 – %2 (the Events tab's From/To) — <a href=\"range\">All times</a>")
                            .arg(clock(m_rangeFromEpochNs, tr("start")),
                                 clock(m_rangeToEpochNs == kMax ? kMax : m_rangeToEpochNs - 1, tr("end")));
        }
    }
    m_summary->setText(summary);
    const QString crumb = breadcrumbText();
    m_breadcrumb->setText(crumb.isEmpty() ? QString()
                                          : crumb.toHtmlEscaped() + QStringLiteral(" — <a href=\"clear\">")
                                                + tr("Clear") + QStringLiteral("</a>"));
    m_breadcrumb->setVisible(!crumb.isEmpty());
}

} // namespace provscope
