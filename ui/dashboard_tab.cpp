#include "dashboard_tab.h"

#include "filter_expression.h"
#include "rate_chart.h"
#include "task_progress.h"
#include "top_list_model.h"

#include <QDateTime>
#include <QDir>
#include <QFileInfo>
#include <QFrame>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QKeyEvent>
#include <QLabel>
#include <QLocale>
#include <QPainter>
#include <QPushButton>
#include <QScrollArea>
#include <QStyledItemDelegate>
#include <QTableView>
#include <QTimer>
#include <QVBoxLayout>
#include <QtConcurrent/QtConcurrentRun>

#include <cmath>
#include <thread>

namespace provscope {

struct DashboardTab::Outcome {
    bool cancelled = false;
    QString error;
    std::shared_ptr<const StatisticsAccumulator> accumulator;
    StatisticsReport report;
    quint64 generation = 0;
};

namespace {

constexpr size_t kTopN = 10;
constexpr size_t kRateBuckets = 200;
// Ranges at least this long are scanned as two halves on two connections and threads.
constexpr int64_t kSplitScanAt = 1'000'000;
constexpr int kLiveRefreshMs = 3000;

QString count(qint64 n) { return QLocale(QLocale::English).toString(n); }

QString bytesText(qint64 n)
{
    return QLocale(QLocale::English).formattedDataSize(n, 1, QLocale::DataSizeTraditionalFormat);
}

QString durationText(int64_t ns)
{
    if (ns < 1'000'000'000LL)
        return QObject::tr("%1 ms").arg(ns / 1'000'000);
    const int64_t s = ns / 1'000'000'000LL;
    if (s < 60)
        return QObject::tr("%1 s").arg(QString::number(double(ns) / 1e9, 'f', 1));
    if (s < 3600)
        return QObject::tr("%1 min %2 s").arg(s / 60).arg(s % 60);
    if (s < 86400)
        return QObject::tr("%1 h %2 min").arg(s / 3600).arg((s % 3600) / 60);
    return QObject::tr("%1 d %2 h").arg(s / 86400).arg((s % 86400) / 3600);
}

QString localTime(int64_t epochNs, const QString &format)
{
    return QDateTime::fromMSecsSinceEpoch(epochNs / 1'000'000).toString(format);
}

QString rateText(double perSecond)
{
    if (perSecond >= 100)
        return QLocale(QLocale::English).toString(qint64(std::llround(perSecond)));
    return QString::number(perSecond, 'f', perSecond >= 10 ? 1 : 2);
}

// Draws a pale bar behind the value of the list's bar column: its share of the largest.
class ShareBarDelegate : public QStyledItemDelegate {
public:
    using QStyledItemDelegate::QStyledItemDelegate;
    void paint(QPainter *painter, const QStyleOptionViewItem &option, const QModelIndex &index) const override
    {
        const QVariant share = index.data(TopListModel::ShareRole);
        if (share.isValid()) {
            QColor bar = option.palette.highlight().color();
            bar.setAlpha(45);
            const QRect r = option.rect.adjusted(2, 3, -2, -3);
            const int width = std::max(1, int(std::lround(r.width() * std::clamp(share.toDouble(), 0.0, 1.0))));
            painter->save();
            painter->setPen(Qt::NoPen);
            painter->setBrush(bar);
            painter->drawRoundedRect(QRect(r.right() - width + 1, r.top(), width, r.height()), 2, 2);
            painter->restore();
        }
        QStyledItemDelegate::paint(painter, option, index);
    }
};

} // namespace

// ---------------------------------------------------------------------------------------

DashboardTab::DashboardTab(QWidget *parent)
    : QWidget(parent)
    , m_liveTimer(new QTimer(this))
    , m_state(new QLabel(this))
    , m_title(new QLabel(this))
    , m_subtitle(new QLabel(this))
    , m_status(new QLabel(this))
    , m_refresh(new QPushButton(tr("Refresh"), this))
    , m_chart(new RateChart(this))
    , m_chartTitle(new QLabel(tr("Event rate"), this))
{
    setObjectName(QStringLiteral("dashboardTab"));
    connect(&m_watcher, &QFutureWatcher<std::shared_ptr<Outcome>>::finished, this, &DashboardTab::onFinished);
    m_liveTimer->setInterval(kLiveRefreshMs);
    connect(m_liveTimer, &QTimer::timeout, this, [this] {
        if (m_recording && isVisible() && !isBusy())
            refresh();
    });

    QFont titleFont = font();
    titleFont.setPointSizeF(titleFont.pointSizeF() * 1.35);
    titleFont.setBold(true);
    m_title->setFont(titleFont);
    m_title->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_subtitle->setTextInteractionFlags(Qt::TextSelectableByMouse);
    // A long line is cut, not widening the window (the tooltip has it all).
    m_subtitle->setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Preferred);
    m_subtitle->setMinimumWidth(100);
    QPalette dim = m_subtitle->palette();
    dim.setColor(QPalette::WindowText, palette().color(QPalette::Disabled, QPalette::WindowText));
    m_subtitle->setPalette(dim);
    m_status->setPalette(dim);
    m_state->setObjectName(QStringLiteral("dashboardState"));
    m_subtitle->setObjectName(QStringLiteral("dashboardSubtitle"));
    m_state->setAlignment(Qt::AlignCenter);
    m_state->setMinimumWidth(110);
    m_refresh->setToolTip(tr("Scan the events added since the last scan (F5)"));
    connect(m_refresh, &QPushButton::clicked, this, &DashboardTab::refresh);

    // Header: state, session, span; status and Refresh on the right.
    auto *header = new QHBoxLayout;
    header->setSpacing(12);
    header->addWidget(m_state, 0, Qt::AlignVCenter);
    auto *names = new QVBoxLayout;
    names->setSpacing(1);
    names->addWidget(m_title);
    names->addWidget(m_subtitle);
    header->addLayout(names, 1);
    header->addWidget(m_status, 0, Qt::AlignVCenter);
    header->addWidget(m_refresh, 0, Qt::AlignVCenter);

    // Count tiles.
    static const char *const tileNames[TileCount] = {
        QT_TR_NOOP("Events"), QT_TR_NOOP("Processes"), QT_TR_NOOP("Files"), QT_TR_NOOP("Sockets"),
        QT_TR_NOOP("Lost events"), QT_TR_NOOP("Failed syscalls"), QT_TR_NOOP("Event rate")};
    auto *tiles = new QHBoxLayout;
    tiles->setSpacing(8);
    QFont valueFont = font();
    valueFont.setPointSizeF(valueFont.pointSizeF() * 1.55);
    valueFont.setBold(true);
    QFont captionFont = font();
    captionFont.setPointSizeF(std::max(7.0, captionFont.pointSizeF() - 0.5));
    for (int t = 0; t < TileCount; ++t) {
        auto *tile = new QFrame(this);
        tile->setObjectName(QStringLiteral("dashboardTile"));
        tile->setFrameShape(QFrame::StyledPanel);
        tile->setAutoFillBackground(true);
        QPalette p = tile->palette();
        p.setColor(QPalette::Window, palette().color(QPalette::Base));
        tile->setPalette(p);
        auto *caption = new QLabel(tr(tileNames[t]).toUpper(), tile);
        caption->setFont(captionFont);
        caption->setPalette(dim);
        m_tileValues[t] = new QLabel(QStringLiteral("–"), tile);
        m_tileValues[t]->setFont(valueFont);
        m_tileNotes[t] = new QLabel(tile);
        m_tileNotes[t]->setFont(captionFont);
        m_tileNotes[t]->setPalette(dim);
        auto *box = new QVBoxLayout(tile);
        box->setContentsMargins(10, 6, 10, 6);
        box->setSpacing(0);
        box->addWidget(caption);
        box->addWidget(m_tileValues[t]);
        box->addWidget(m_tileNotes[t]);
        tiles->addWidget(tile, 1);
    }

    // A titled panel around a widget.
    QFont panelFont = font();
    panelFont.setBold(true);
    auto panel = [&](QLabel *title, QWidget *content, QLabel *hint = nullptr) {
        auto *frame = new QFrame(this);
        frame->setFrameShape(QFrame::StyledPanel);
        title->setFont(panelFont);
        auto *box = new QVBoxLayout(frame);
        box->setContentsMargins(8, 6, 8, 8);
        box->setSpacing(4);
        auto *top = new QHBoxLayout;
        top->addWidget(title);
        top->addStretch(1);
        if (hint) {
            hint->setPalette(dim);
            hint->setFont(captionFont);
            top->addWidget(hint);
        }
        box->addLayout(top);
        box->addWidget(content, 1);
        return frame;
    };

    static const char *const listTitles[ListCount] = {
        QT_TR_NOOP("Top syscalls"), QT_TR_NOOP("Top processes"), QT_TR_NOOP("Top files written"),
        QT_TR_NOOP("Top remote addresses"), QT_TR_NOOP("Failed syscalls")};
    const QStringList headers[ListCount] = {
        {tr("Syscall"), tr("Events"), tr("Calls")},
        {tr("Process"), tr("PID"), tr("Events")},
        {tr("File"), tr("Written"), tr("Writes"), tr("Events")},
        {tr("Remote"), tr("Events"), tr("Connects"), tr("Sends"), tr("Bytes")},
        {tr("Syscall"), tr("Error"), tr("Events")},
    };
    static const char *const emptyTexts[ListCount] = {
        QT_TR_NOOP("No events"), QT_TR_NOOP("No events"), QT_TR_NOOP("No files written"),
        QT_TR_NOOP("No connections to remote addresses"), QT_TR_NOOP("No failed syscalls")};
    // The column whose values get the share bar (the count the list is sorted by).
    static const int barColumns[ListCount] = {1, 2, 1, 1, 2};
    QFrame *panels[ListCount] = {};
    for (int l = 0; l < ListCount; ++l) {
        m_models[l] = new TopListModel(headers[l], barColumns[l], this);
        auto *view = new QTableView(this);
        view->setObjectName(QStringLiteral("dashboardList%1").arg(l));
        view->setModel(m_models[l]);
        view->setItemDelegate(new ShareBarDelegate(view));
        view->setShowGrid(false);
        view->setAlternatingRowColors(true);
        view->setSelectionBehavior(QAbstractItemView::SelectRows);
        view->setSelectionMode(QAbstractItemView::SingleSelection);
        view->setEditTriggers(QAbstractItemView::NoEditTriggers);
        view->setWordWrap(false);
        view->setTextElideMode(l == FilesWritten ? Qt::ElideMiddle : Qt::ElideRight);
        view->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
        view->setFrameShape(QFrame::NoFrame);
        view->verticalHeader()->hide();
        view->verticalHeader()->setSectionResizeMode(QHeaderView::Fixed);
        view->verticalHeader()->setDefaultSectionSize(fontMetrics().height() + 6);
        view->horizontalHeader()->setHighlightSections(false);
        view->horizontalHeader()->setSectionResizeMode(0, QHeaderView::Stretch);
        for (int c = 1; c < headers[l].size(); ++c)
            view->horizontalHeader()->setSectionResizeMode(c, QHeaderView::ResizeToContents);
        view->setMouseTracking(true);
        view->viewport()->setCursor(Qt::PointingHandCursor);
        view->installEventFilter(this); // Enter drills down too
        connect(view, &QTableView::clicked, this, [this, l](const QModelIndex &index) {
            const QString filter = m_models[l]->filterAt(index.row());
            if (!filter.isEmpty())
                emit filterRequested(filter);
        });
        m_views[l] = view;
        m_empty[l] = new QLabel(tr(emptyTexts[l]), this);
        m_empty[l]->setAlignment(Qt::AlignCenter);
        m_empty[l]->setPalette(dim);
        auto *stack = new QWidget(this);
        auto *stackBox = new QVBoxLayout(stack);
        stackBox->setContentsMargins(0, 0, 0, 0);
        stackBox->addWidget(view, 1);
        stackBox->addWidget(m_empty[l], 1);
        m_empty[l]->hide();
        panels[l] = panel(new QLabel(tr(listTitles[l]), this), stack, new QLabel(tr("click to filter"), this));
        panels[l]->setMinimumHeight(view->verticalHeader()->defaultSectionSize() * 6 + 60);
    }
    connect(m_chart, &RateChart::bucketClicked, this, [this](qint64 startNs, qint64 endNs, qint64) {
        const auto at = [](qint64 ns) { return FilterExpression::quoted(FilterExpression::isoTime(ns)); };
        emit filterRequested(QStringLiteral("evt.time >= %1 and evt.time < %2").arg(at(startNs), at(endNs)));
    });
    QFrame *chartPanel = panel(m_chartTitle, m_chart, new QLabel(tr("click a bar to filter"), this));

    // Row 1: the chart and the remote addresses (wide rows); row 2: the other lists.
    auto *top = new QHBoxLayout;
    top->setSpacing(8);
    top->addWidget(chartPanel, 11);
    top->addWidget(panels[RemoteAddresses], 9);
    auto *bottom = new QHBoxLayout;
    bottom->setSpacing(8);
    bottom->addWidget(panels[Syscalls], 5);
    bottom->addWidget(panels[Processes], 5);
    bottom->addWidget(panels[Failures], 5);
    bottom->addWidget(panels[FilesWritten], 8);
    auto *grid = new QVBoxLayout;
    grid->setSpacing(8);
    grid->addLayout(top, 1);
    grid->addLayout(bottom, 1);

    auto *content = new QWidget(this);
    auto *box = new QVBoxLayout(content);
    box->setContentsMargins(10, 8, 10, 10);
    box->setSpacing(8);
    box->addLayout(header);
    box->addLayout(tiles);
    box->addLayout(grid, 1);
    auto *scroll = new QScrollArea(this);
    scroll->setWidget(content);
    scroll->setWidgetResizable(true);
    scroll->setFrameShape(QFrame::NoFrame);
    auto *outer = new QVBoxLayout(this);
    outer->setContentsMargins(0, 0, 0, 0);
    outer->addWidget(scroll);
    content->setMinimumHeight(620);

    clearViews();
    showState();
}

DashboardTab::~DashboardTab() { cancelAndWait(); }

void DashboardTab::setTaskProgress(TaskProgress *progress) { m_progress = progress; }

bool DashboardTab::isBusy() const { return m_jobRunning; }

void DashboardTab::setSession(const QString &path, bool recording)
{
    const bool same = !path.isEmpty() && path == m_path;
    cancelAndWait();
    m_recording = recording;
    if (!same) {
        ++m_generation;
        m_path = path;
        m_accumulator.reset();
        m_report.reset();
        clearViews();
        setStatus(QString());
    }
    showState();
    if (m_recording)
        m_liveTimer->start();
    else
        m_liveTimer->stop();
    if (!m_path.isEmpty())
        refresh();
}

void DashboardTab::setRecording(bool recording)
{
    if (m_path.isEmpty())
        return;
    m_recording = recording;
    if (recording)
        m_liveTimer->start();
    else
        m_liveTimer->stop();
    showState();
    refresh();
}

void DashboardTab::refresh()
{
    if (m_path.isEmpty())
        return;
    if (isBusy()) {
        m_refreshPending = true; // after the running scan, from where it ends
        return;
    }
    start();
}

void DashboardTab::cancelAndWait()
{
    m_refreshPending = false;
    if (!m_jobRunning)
        return;
    if (m_cancel)
        m_cancel->store(true);
    m_watcher.waitForFinished();
    // The finished signal is queued; handle it now (its result is dropped as cancelled).
    onFinished();
}

void DashboardTab::start()
{
    m_cancel = std::make_shared<std::atomic<bool>>(false);
    const auto cancel = m_cancel;
    const std::string path = m_path.toStdString();
    const auto base = m_accumulator;
    const quint64 generation = m_generation;
    const bool firstScan = !base;
    if (m_progress) {
        m_progressToken = m_progress->begin(firstScan ? tr("Computing statistics") : tr("Updating statistics"),
                                            [cancel] { cancel->store(true); });
    }
    setStatus(firstScan ? tr("Computing statistics…") : QString());
    m_refresh->setEnabled(false);
    m_jobRunning = true;

    // Progress from the worker, posted to this (alive: the destructor waits for the scan).
    const int token = m_progressToken;
    auto onProgress = [this, token, firstScan](double fraction) {
        QMetaObject::invokeMethod(this, [this, token, fraction, firstScan] {
            if (m_progress && token == m_progressToken && token)
                m_progress->setProgress(token, fraction);
            if (firstScan && isBusy())
                setStatus(tr("Computing statistics… %1 %").arg(int(fraction * 100)));
        }, Qt::QueuedConnection);
    };

    m_watcher.setFuture(QtConcurrent::run(&m_pool, [path, base, cancel, generation, onProgress]() {
        auto outcome = std::make_shared<Outcome>();
        outcome->generation = generation;
        auto fail = [&](const std::string &message) {
            outcome->error = QString::fromStdString(message);
            return outcome;
        };
        auto stats = SessionStatistics::open(path);
        if (!stats)
            return fail(stats.error());
        auto last = stats.value()->lastEventId();
        if (!last)
            return fail(last.error());
        // A file that shrank is not the one scanned before: start over.
        std::shared_ptr<const StatisticsAccumulator> from = base && base->lastId <= *last ? base : nullptr;
        const int64_t first = from ? from->lastId + 1 : 1;
        const int64_t end = *last;
        auto merged = std::make_shared<StatisticsAccumulator>(from ? *from : StatisticsAccumulator());

        std::atomic<int> permille[2] = {0, 0};
        int reported = -1;
        auto progressOf = [&](int part, int parts) {
            return [&, part, parts](double fraction) {
                if (cancel->load())
                    return false;
                permille[part].store(int(fraction * 1000));
                if (part == 0) { // one thread posts
                    const int total = (permille[0].load() + (parts > 1 ? permille[1].load() : 0)) / parts;
                    if (total / 10 != reported / 10) {
                        reported = total;
                        onProgress(total / 1000.0);
                    }
                }
                return true;
            };
        };
        if (end >= first) {
            StatisticsAccumulator part1, part2;
            std::string error2;
            bool done2 = true;
            int64_t mid = end;
            std::thread second;
            if (end - first + 1 >= kSplitScanAt) {
                mid = first + (end - first + 1) / 2 - 1;
                second = std::thread([&] {
                    auto other = SessionStatistics::open(path);
                    if (!other) {
                        error2 = other.error();
                        return;
                    }
                    auto done = other.value()->aggregate(part2, mid + 1, end, progressOf(1, 2));
                    if (!done)
                        error2 = done.error();
                    else
                        done2 = *done;
                });
            }
            auto done1 = stats.value()->aggregate(part1, first, mid, progressOf(0, second.joinable() ? 2 : 1));
            if (second.joinable())
                second.join();
            if (!done1)
                return fail(done1.error());
            if (!error2.empty())
                return fail(error2);
            if (!*done1 || !done2 || cancel->load()) {
                outcome->cancelled = true;
                return outcome;
            }
            if (from) {
                merged->merge(part1);
            } else {
                *merged = std::move(part1); // no copy of the largest part
            }
            merged->merge(part2);
        }
        merged->lastId = std::max(merged->lastId, end);
        auto report = stats.value()->report(*merged, kTopN, kRateBuckets);
        if (!report)
            return fail(report.error());
        outcome->report = std::move(report.value());
        outcome->accumulator = std::move(merged);
        return outcome;
    }));
}

void DashboardTab::onFinished()
{
    if (!m_jobRunning || !m_watcher.isFinished())
        return; // handled already (cancelAndWait)
    m_jobRunning = false;
    if (m_progress && m_progressToken)
        m_progress->finish(m_progressToken);
    m_progressToken = 0;
    m_refresh->setEnabled(!m_path.isEmpty());
    if (m_watcher.future().resultCount() == 0)
        return;
    const std::shared_ptr<Outcome> outcome = m_watcher.result();
    if (!outcome || outcome->generation != m_generation)
        return;
    if (outcome->cancelled) {
        setStatus(m_report ? tr("Update cancelled") : tr("Statistics cancelled: press Refresh to compute them"));
        return;
    }
    if (!outcome->error.isEmpty()) {
        setStatus(outcome->error, true);
        emit statisticsFailed(outcome->error);
        return;
    }
    m_accumulator = outcome->accumulator;
    m_report = std::make_unique<StatisticsReport>(std::move(outcome->report));
    showReport();
    setStatus(tr("Updated %1").arg(QTime::currentTime().toString(QStringLiteral("HH:mm:ss"))));
    emit statisticsUpdated();
    if (m_refreshPending) {
        m_refreshPending = false;
        start();
    }
}

bool DashboardTab::eventFilter(QObject *watched, QEvent *event)
{
    if (event->type() == QEvent::KeyPress) {
        const int key = static_cast<QKeyEvent *>(event)->key();
        for (int l = 0; l < ListCount; ++l) {
            if (watched == m_views[l] && (key == Qt::Key_Return || key == Qt::Key_Enter)) {
                const QString filter = m_models[l]->filterAt(m_views[l]->currentIndex().row());
                if (!filter.isEmpty())
                    emit filterRequested(filter);
                return true;
            }
        }
    }
    return QWidget::eventFilter(watched, event);
}

void DashboardTab::showEvent(QShowEvent *event)
{
    QWidget::showEvent(event);
    if (m_recording && !isBusy() && !m_path.isEmpty())
        refresh();
}

void DashboardTab::setStatus(const QString &text, bool error)
{
    m_status->setText(text);
    m_status->setToolTip(text);
    QPalette p = m_subtitle->palette();
    if (error)
        p.setColor(QPalette::WindowText, QColor(0xb0, 0x20, 0x20));
    m_status->setPalette(p);
    m_status->setMaximumWidth(error ? 520 : 320);
}

QString DashboardTab::stateText() const
{
    if (m_path.isEmpty())
        return tr("No session");
    if (m_recording)
        return tr("● Recording");
    if (!m_report)
        return tr("Opening…");
    return m_report->finished ? tr("Finished") : tr("Interrupted");
}

void DashboardTab::showState()
{
    const QString text = stateText();
    m_state->setText(text);
    QColor color(0x6b, 0x72, 0x80); // grey: none / opening
    QString tip;
    if (m_recording) {
        color = QColor(0xc6, 0x28, 0x28);
        tip = tr("This window is recording the session; the dashboard follows it.");
    } else if (m_report && m_report->finished) {
        color = QColor(0x2e, 0x7d, 0x32);
        tip = tr("The recording ended normally; the session is complete.");
    } else if (m_report) {
        color = QColor(0xb2, 0x6a, 0x00);
        tip = tr("No capture end is recorded: the recording was interrupted (or another "
                 "program is still writing the file).");
    }
    m_state->setToolTip(tip);
    m_state->setStyleSheet(QStringLiteral("QLabel#dashboardState { background: %1; color: white;"
                                          " border-radius: 4px; padding: 4px 10px; font-weight: bold; }")
                               .arg(color.name()));
    if (m_path.isEmpty()) {
        m_title->setText(tr("No session open"));
        m_subtitle->setText(tr("Open a session (Ctrl+O) or start a recording."));
        return;
    }
    const QFileInfo info(m_path);
    m_title->setText(info.fileName());
    QStringList parts;
    parts << QDir::toNativeSeparators(info.absolutePath());
    if (m_report) {
        if (!m_report->host.empty())
            parts << tr("host %1").arg(QString::fromStdString(m_report->host));
        if (!m_report->kernel.empty())
            parts << tr("kernel %1").arg(QString::fromStdString(m_report->kernel).section(QLatin1Char(' '), 0, 0));
        if (m_report->firstTsNs) {
            const int64_t first = m_report->firstTsNs, last = m_report->lastTsNs;
            const bool sameDay = localTime(first, QStringLiteral("yyyyMMdd")) == localTime(last, QStringLiteral("yyyyMMdd"));
            parts << tr("%1 – %2 (%3)")
                         .arg(localTime(first, QStringLiteral("yyyy-MM-dd HH:mm:ss")),
                              localTime(last, sameDay ? QStringLiteral("HH:mm:ss") : QStringLiteral("yyyy-MM-dd HH:mm:ss")),
                              durationText(last - first));
        }
    }
    QString lineTip = m_path;
    if (m_report && !m_report->evidenceDigest.empty()) {
        const QString digest = QString::fromStdString(m_report->evidenceDigest);
        parts << tr("SHA-256 %1…").arg(digest.left(12));
        lineTip += QStringLiteral("\n") + tr("Evidence digest (SHA-256), stored when the recording ended:\n%1\n"
                                         "provscope-cli verify FILE recomputes it.").arg(digest);
    } else if (m_report) {
        parts << tr("no evidence digest yet");
        lineTip += QStringLiteral("\n") + tr("A digest of the evidence is stored when the recording ends.");
    }
    m_subtitle->setText(parts.join(QStringLiteral("  ·  ")));
    m_subtitle->setToolTip(lineTip);
}

QString DashboardTab::tileValue(Tile tile) const { return m_tileValues[tile]->text(); }

void DashboardTab::clearViews()
{
    for (int t = 0; t < TileCount; ++t) {
        m_tileValues[t]->setText(QStringLiteral("–"));
        m_tileNotes[t]->setText(QStringLiteral(" "));
    }
    for (int l = 0; l < ListCount; ++l) {
        m_models[l]->clear();
        m_views[l]->show();
        m_empty[l]->hide();
    }
    m_chart->setBuckets({});
    m_chart->setLosses({});
    m_chartTitle->setText(tr("Event rate"));
}

void DashboardTab::showReport()
{
    const StatisticsReport &r = *m_report;
    showState();

    auto setTile = [this](Tile t, const QString &value, const QString &note, const QString &tip = {}) {
        m_tileValues[t]->setText(value);
        m_tileNotes[t]->setText(note.isEmpty() ? QStringLiteral(" ") : note);
        m_tileValues[t]->parentWidget()->setToolTip(tip);
    };
    const int64_t events = std::max(r.counts.events, r.scannedEvents);
    setTile(EventsTile, count(events),
            r.calls != r.scannedEvents ? tr("%1 syscalls").arg(count(r.calls)) : tr("%n syscall kind(s)", nullptr, int(r.distinctSyscalls)),
            tr("Events stored; a coalesced run of reads or writes is one event for several syscalls."));
    setTile(ProcessesTile, count(r.counts.processes), tr("process instances"));
    setTile(FilesTile, count(r.counts.files), tr("distinct paths"));
    setTile(SocketsTile, count(r.counts.sockets), tr("distinct endpoints"));
    setTile(LostTile, count(r.counts.lostEvents),
            r.counts.lostEvents ? tr("in %n loss record(s) (red marks)", nullptr, int(r.losses.size())) : tr("none lost"),
            tr("Events the kernel or the recorder could not keep (loss records)."));
    {
        QPalette p = m_tileValues[LostTile]->palette();
        p.setColor(QPalette::WindowText, r.counts.lostEvents ? QColor(0xc6, 0x28, 0x28) : palette().color(QPalette::WindowText));
        m_tileValues[LostTile]->setPalette(p);
    }
    setTile(FailedTile, count(r.failedEvents),
            r.scannedEvents ? tr("%1 % of events").arg(QString::number(100.0 * double(r.failedEvents) / double(r.scannedEvents), 'f', 1))
                            : QString());
    const int64_t span = r.lastTsNs - r.firstTsNs;
    double peak = 0;
    for (const RateBucket &b : r.rate)
        peak = std::max(peak, double(b.events) * 1e9 / double(std::max<int64_t>(1, b.endNs - b.startNs)));
    setTile(RateTile, span > 0 ? tr("%1/s").arg(rateText(double(r.scannedEvents) * 1e9 / double(span))) : QStringLiteral("–"),
            span > 0 ? tr("average · peak %1/s").arg(rateText(peak)) : QString());

    m_chart->setBuckets(r.rate);
    m_chart->setLosses(r.losses);
    m_chartTitle->setText(tr("Event rate"));

    const QString tip = tr("Click to show these events in the Events tab:\n%1");
    auto rowsFor = [&](List list) {
        std::vector<TopListModel::Row> rows;
        switch (list) {
        case Syscalls:
            for (const SyscallStat &s : r.topSyscalls) {
                const QString name = QString::fromStdString(s.name);
                TopListModel::Row row;
                row.texts = {name, count(s.tally.events), count(s.tally.calls)};
                row.values = {s.tally.events, s.tally.calls};
                row.filter = QStringLiteral("evt.type == %1").arg(FilterExpression::quoted(name));
                row.toolTip = tr("%1: %2 events, %3 syscalls, %4\n\n")
                                  .arg(name, count(s.tally.events), count(s.tally.calls), bytesText(s.tally.bytes)) +
                              tip.arg(row.filter);
                rows.push_back(std::move(row));
            }
            break;
        case Processes:
            for (const ProcessStat &p : r.topProcesses) {
                TopListModel::Row row;
                const QString name = QString::fromStdString(p.name);
                row.texts = {name.isEmpty() ? tr("(unknown)") : name, QString::number(p.pid), count(p.events)};
                row.values = {p.pid, p.events};
                row.filter = QStringLiteral("proc.pid == %1").arg(p.pid);
                QString about = tr("%1 (pid %2)").arg(name).arg(p.pid);
                if (!p.exe.empty())
                    about += QStringLiteral("\n") + QString::fromStdString(p.exe);
                if (p.instances > 1)
                    about += QStringLiteral("\n") + tr("%1 processes had this pid").arg(p.instances);
                row.toolTip = about + QStringLiteral("\n\n") + tip.arg(row.filter);
                rows.push_back(std::move(row));
            }
            break;
        case FilesWritten:
            for (const FileWriteStat &f : r.topFilesWritten) {
                TopListModel::Row row;
                const QString path = QString::fromStdString(f.path);
                row.texts = {path, bytesText(f.tally.bytesWritten), count(f.tally.writeCalls), count(f.tally.events)};
                row.values = {f.tally.bytesWritten, f.tally.writeCalls, f.tally.events};
                row.filter = QStringLiteral("fd.name == %1").arg(FilterExpression::quoted(path));
                row.toolTip = tr("%1\n%2 written in %3 syscalls (%4 events); %5 events name the file\n\n")
                                  .arg(path, bytesText(f.tally.bytesWritten), count(f.tally.writeCalls),
                                       count(f.tally.writeEvents), count(f.tally.events)) +
                              tip.arg(row.filter);
                rows.push_back(std::move(row));
            }
            break;
        case RemoteAddresses:
            for (const RemoteStat &s : r.topRemotes) {
                TopListModel::Row row;
                const QString address = QString::fromStdString(s.address);
                const bool unixSocket = s.family == 1;
                const QString label = unixSocket ? address
                                      : s.family == 10 ? QStringLiteral("[%1]:%2").arg(address).arg(s.port)
                                                       : QStringLiteral("%1:%2").arg(address).arg(s.port);
                row.texts = {label, count(s.tally.events), count(s.tally.connects), count(s.tally.sends),
                             bytesText(s.tally.bytesSent + s.tally.bytesReceived)};
                row.values = {s.tally.events, s.tally.connects, s.tally.sends, s.tally.bytesSent + s.tally.bytesReceived};
                row.filter = QStringLiteral("fd.dip == %1 and fd.dport == %2")
                                 .arg(FilterExpression::quoted(address))
                                 .arg(s.port);
                row.toolTip = tr("%1\n%2 events, %3 connects, %4 sends\nsent %5, received %6\n\n")
                                  .arg(label, count(s.tally.events), count(s.tally.connects), count(s.tally.sends),
                                       bytesText(s.tally.bytesSent), bytesText(s.tally.bytesReceived)) +
                              tip.arg(row.filter);
                rows.push_back(std::move(row));
            }
            break;
        case Failures:
            for (const FailureStat &f : r.topFailures) {
                TopListModel::Row row;
                const QString name = QString::fromStdString(f.syscall);
                const QString error = f.errnoName.empty() ? QString::number(f.result) : QString::fromStdString(f.errnoName);
                row.texts = {name, error, count(f.events)};
                row.values = {f.result, f.events};
                row.filter = QStringLiteral("evt.type == %1 and evt.res == %2")
                                 .arg(FilterExpression::quoted(name),
                                      f.errnoName.empty() ? error : FilterExpression::quoted(error));
                row.toolTip = tr("%1 failed with %2 (%3) %4 times\n\n").arg(name, error).arg(f.result).arg(count(f.events)) +
                              tip.arg(row.filter);
                rows.push_back(std::move(row));
            }
            break;
        case ListCount:
            break;
        }
        return rows;
    };
    for (int l = 0; l < ListCount; ++l) {
        m_models[l]->setRows(rowsFor(List(l)));
        const bool empty = m_models[l]->rowCount() == 0;
        m_views[l]->setVisible(!empty);
        m_empty[l]->setVisible(empty);
    }
}

} // namespace provscope
