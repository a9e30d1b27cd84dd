// Benchmark (not a test) of the workstation's event table on a large session, in one process:
//   provscope-bench-table SESSION [--screenshots DIR]
// Runs the real MainWindow (1280x800, the offscreen platform unless QT_QPA_PLATFORM says
// otherwise) and measures with QElapsedTimer:
//   - open -> first painted table: MainWindow::openSession(), show(), then the event loop
//     runs until the table's viewport has handled a Paint event while the model had rows
//     (an event filter on the viewport flags the paint; the time is taken when the
//     processEvents() call that delivered it returns, i.e. after the paint finished);
//   - scroll to the middle and to the end: the vertical scroll bar is set, then the event
//     loop runs until the viewport has painted again (same detection);
//   - an indexed filter (proc.pid == N) and text filters (fd.name contains "x", proc.name,
//     evt.type, fd.dip, a negated and a combined one) through models/event_query.h:
//     compile + collect every matching id, each run twice and the second (warm) run
//     reported, beside the same filter run as its plain SQL (EventQuery's reference
//     mode: the "before"; --no-reference skips it), the planner's path, the number of
//     progress reports, and how long a cancel takes in a scan that matches nothing;
//   - peak resident memory: VmHWM of /proc/self/status, after the table work and at the end.
// Prints a human table and one JSON line (the last line of stdout).
#include "event_table_model.h"
#include "main_window.h"
#ifdef PROVSCOPE_BENCH_HAS_EVENT_QUERY
#include "event_query.h"
#endif

#include <QAbstractEventDispatcher>
#include <QApplication>
#include <QCoreApplication>
#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QPixmap>
#include <QScrollBar>
#include <QTabWidget>
#include <QTableView>
#include <QTextStream>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <functional>
#include <optional>
#include <thread>

using namespace provscope;

namespace {

// Flags every Paint event the table's viewport receives.
class PaintWatch : public QObject {
public:
    bool painted = false;
    int paints = 0;

protected:
    bool eventFilter(QObject *watched, QEvent *event) override
    {
        if (event->type() == QEvent::Paint) {
            painted = true;
            ++paints;
        }
        return QObject::eventFilter(watched, event);
    }
};

// kB of a /proc/self/status line ("VmHWM:   123456 kB"), -1 when absent.
long long statusKb(const char *key)
{
    QFile file(QStringLiteral("/proc/self/status"));
    if (!file.open(QIODevice::ReadOnly))
        return -1;
    const QByteArray prefix = QByteArray(key) + ':';
    for (const QByteArray &line : file.readAll().split('\n')) {
        if (line.startsWith(prefix))
            return line.mid(prefix.size()).trimmed().split(' ').value(0).toLongLong();
    }
    return -1;
}

// Runs the event loop until the viewport painted (and, when given, until ready() holds
// at the time of that paint). Returns the elapsed ms of timer, or -1 on timeout.
double untilPainted(PaintWatch &watch, const QElapsedTimer &timer, const std::function<bool()> &ready = {},
                    int timeoutMs = 120000)
{
    for (;;) {
        watch.painted = false;
        QCoreApplication::processEvents(QEventLoop::AllEvents, 5);
        if (watch.painted && (!ready || ready()))
            return double(timer.nsecsElapsed()) / 1e6;
        if (timer.elapsed() > timeoutMs)
            return -1;
    }
}

// CPU time of the whole process (every thread), ms: on a busy machine wall time
// also counts other programs' turns.
double processCpuMs()
{
    timespec ts{};
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return double(ts.tv_sec) * 1e3 + double(ts.tv_nsec) / 1e6;
}

QString json(double value) { return value < 0 ? QStringLiteral("null") : QString::number(value, 'f', 1); }

} // namespace

int main(int argc, char **argv)
{
    if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM"))
        qputenv("QT_QPA_PLATFORM", "offscreen");
    QApplication app(argc, argv);
    // Keep the bench out of the user's recent-files list.
    QCoreApplication::setOrganizationName(QStringLiteral("provscope-bench"));
    QCoreApplication::setApplicationName(QStringLiteral("provscope-bench-table"));

    QStringList args = app.arguments().mid(1);
    QString shotDir;
    bool withReference = true;
    if (const int at = args.indexOf(QStringLiteral("--no-reference")); at >= 0) {
        withReference = false;
        args.remove(at);
    }
    if (const int at = args.indexOf(QStringLiteral("--screenshots")); at >= 0 && at + 1 < args.size()) {
        shotDir = args.at(at + 1);
        args.remove(at, 2);
    }
    if (args.size() != 1) {
        std::fprintf(stderr, "usage: provscope-bench-table SESSION [--screenshots DIR] [--no-reference]\n");
        return 2;
    }
    const QString session = args.first();
    QTextStream out(stdout);

    const long long rssBefore = statusKb("VmRSS");
    QElapsedTimer timer;
    timer.start();

    MainWindow window;
    window.setErrorDialogsEnabled(false);
    window.resize(1280, 800);
    QTableView *table = window.eventTable();
    PaintWatch watch;
    table->viewport()->installEventFilter(&watch);
    for (int i = 0; i < window.tabs()->count(); ++i) {
        if (window.tabs()->widget(i)->isAncestorOf(table))
            window.tabs()->setCurrentIndex(i);
    }
    if (!window.openSession(session)) {
        std::fprintf(stderr, "provscope-bench-table: %s\n", qPrintable(window.lastError()));
        return 1;
    }
    const double openMs = double(timer.nsecsElapsed()) / 1e6;
    window.show();
    EventTableModel *model = window.eventModel();
    const double firstPaintMs = untilPainted(watch, timer, [model] { return model->rowCount() > 0; });
    const int rows = model->rowCount();
    const int topRow = table->rowAt(0);
    if (!shotDir.isEmpty()) {
        QDir().mkpath(shotDir);
        window.grab().save(shotDir + QStringLiteral("/events_top.png"));
    }

    QScrollBar *bar = table->verticalScrollBar();
    auto scrollTo = [&](int value, int &row) {
        QElapsedTimer t;
        t.start();
        bar->setValue(value);
        const double ms = untilPainted(watch, t);
        row = table->rowAt(0);
        return ms;
    };
    int middleRow = -1, endRow = -1;
    const double middleMs = scrollTo(bar->maximum() / 2, middleRow);
    if (!shotDir.isEmpty())
        window.grab().save(shotDir + QStringLiteral("/events_middle.png"));
    // The middle row's process for the indexed filter.
    uint32_t pid = 0;
    for (int row = middleRow; row >= 0 && row < rows && !pid; ++row) {
        if (const Event *event = model->eventAt(row))
            pid = event->pid;
    }
    const double endMs = scrollTo(bar->maximum(), endRow);
    if (!shotDir.isEmpty())
        window.grab().save(shotDir + QStringLiteral("/events_end.png"));
    const long long hwmTable = statusKb("VmHWM");

    // Every other tab too (a screenshot of each view).
    if (!shotDir.isEmpty()) {
        for (int i = 0; i < window.tabs()->count(); ++i) {
            if (window.tabs()->widget(i)->isAncestorOf(table))
                continue;
            window.tabs()->setCurrentIndex(i);
            QElapsedTimer t;
            t.start();
            while (t.elapsed() < 1500)
                QCoreApplication::processEvents(QEventLoop::AllEvents, 20);
            QString name = window.tabs()->tabText(i).toLower().remove(QLatin1Char('&'));
            name.replace(QLatin1Char(' '), QLatin1Char('_'));
            window.grab().save(shotDir + QStringLiteral("/tab_") + name + QStringLiteral(".png"));
        }
    }

    // Filters through models/event_query.h: compile, then collect every matching id.
    double indexedMs = -1, textMs = -1;
    long long indexedMatches = -1, textMatches = -1;
    QString filterNote = QStringLiteral("not available yet");
    struct FilterFigure {
        std::string text;
        double ms = -1, referenceMs = -1, cpuMs = -1;
        long long matches = -1, referenceMatches = -1;
        std::string plan;
        int progressReports = 0;
    };
    std::vector<FilterFigure> figures;
    double cancelMs = -1;
#ifdef PROVSCOPE_BENCH_HAS_EVENT_QUERY
    {
        auto query = EventQuery::open(QFile::encodeName(session).toStdString());
        if (!query) {
            filterNote = QString::fromStdString(query.error());
        } else {
            int progressReports = 0;
            double lastCpuMs = -1;
            auto runOnce = [&](const std::string &text, long long &matches) -> double {
                QElapsedTimer t;
                t.start();
                const double cpuStart = processCpuMs();
                auto filter = compileFilter(text);
                if (!filter) {
                    filterNote = QString::fromStdString(filter.error());
                    return -1;
                }
                std::vector<int64_t> ids;
                progressReports = 0;
                auto done = (*query)->matchingIds(*filter, [&ids](const std::vector<int64_t> &chunk) {
                    ids.insert(ids.end(), chunk.begin(), chunk.end());
                    return true;
                }, [&](double) {
                    ++progressReports;
                    return true;
                });
                if (!done) {
                    filterNote = QString::fromStdString(done.error());
                    return -1;
                }
                matches = (long long)ids.size();
                lastCpuMs = processCpuMs() - cpuStart;
                return double(t.nsecsElapsed()) / 1e6;
            };
            // Warm: the second of two runs.
            auto runFilter = [&](const std::string &text, long long &matches) -> double {
                runOnce(text, matches);
                return runOnce(text, matches);
            };
            filterNote.clear();
            const std::vector<std::string> texts = {
                "proc.pid == " + std::to_string(pid),
                "fd.name contains \"x\"",
                "proc.name == \"bash\"",
                "evt.type == \"openat\"",
                "fd.dip == \"10.0.0.123\"",
                "not fd.name contains \"x\"",
                "fd.name contains \"x\" and evt.type == \"read\"",
                "fd.name startswith \"/usr/lib\" or proc.pid == " + std::to_string(pid),
            };
            for (const std::string &text : texts) {
                FilterFigure f;
                f.text = text;
                (*query)->setReferenceMode(false);
                f.ms = runFilter(text, f.matches);
                f.plan = (*query)->lastPlan();
                f.cpuMs = lastCpuMs;
                f.progressReports = progressReports;
                if (withReference) {
                    (*query)->setReferenceMode(true);
                    f.referenceMs = runOnce(text, f.referenceMatches);
                    (*query)->setReferenceMode(false);
                }
                figures.push_back(f);
            }
            indexedMs = figures[0].ms;
            indexedMatches = figures[0].matches;
            textMs = figures[1].ms;
            textMatches = figures[1].matches;
            // Cancel in a full scan that finds nothing: time from the request to the return.
            if (auto none = compileFilter("evt.res == 123456789 or proc.name == \"no such name\"")) {
                std::atomic<bool> cancel{false};
                std::atomic<long long> cancelAt{0};
                QElapsedTimer t;
                t.start();
                std::thread canceller([&] {
                    std::this_thread::sleep_for(std::chrono::milliseconds(150));
                    cancelAt = t.nsecsElapsed();
                    cancel = true;
                });
                (void)(*query)->matchingIds(*none, [&](const std::vector<int64_t> &) { return !cancel.load(); });
                const long long returned = t.nsecsElapsed();
                canceller.join();
                cancelMs = double(returned - cancelAt.load()) / 1e6;
            }
        }
    }
#endif
    const long long hwmEnd = statusKb("VmHWM");

    auto mb = [](long long kb) { return kb < 0 ? -1.0 : double(kb) / 1024.0; };
    out << "session            " << session << "\n"
        << "rows               " << rows << " (top row after open " << topRow << ")\n"
        << "open (reader+model)" << QString::number(openMs, 'f', 1).rightJustified(10) << " ms\n"
        << "first paint        " << QString::number(firstPaintMs, 'f', 1).rightJustified(10)
        << " ms   target < 1000 ms\n"
        << "scroll to middle   " << QString::number(middleMs, 'f', 1).rightJustified(10)
        << " ms   target < 50 ms (top row " << middleRow << ")\n"
        << "scroll to end      " << QString::number(endMs, 'f', 1).rightJustified(10)
        << " ms   target < 50 ms (top row " << endRow << ")\n";
    if (filterNote.isEmpty()) {
        out << "filter proc.pid == " << pid << QString::number(indexedMs, 'f', 1).rightJustified(10)
            << " ms   target < 500 ms (" << indexedMatches << " events)\n"
            << "filter fd.name contains \"x\"" << QString::number(textMs, 'f', 1).rightJustified(10) << " ms   ("
            << textMatches << " events)\n";
        out << "filters (warm; before = the same filter as one plain SQL statement):\n";
        for (const FilterFigure &f : figures) {
            out << "  " << QString::fromStdString(f.text).leftJustified(52) << QString::number(f.ms, 'f', 1).rightJustified(9)
                << " ms  " << QString::number(f.matches).rightJustified(9) << " ids  "
                << QString::fromStdString(f.plan).leftJustified(11) << " cpu " << QString::number(f.cpuMs, 'f', 0)
                << " ms  progress x" << f.progressReports;
            if (f.referenceMs >= 0)
                out << "   before " << QString::number(f.referenceMs, 'f', 1) << " ms"
                    << (f.referenceMatches == f.matches ? "" : "  (DIFFERENT RESULT)");
            out << "\n";
        }
        out << "cancel in a scan   " << QString::number(cancelMs, 'f', 1).rightJustified(10) << " ms   target < 100 ms\n";
    } else {
        out << "filter: " << filterNote << "\n";
    }
    out << "peak RSS (table)   " << QString::number(mb(hwmTable), 'f', 1).rightJustified(10)
        << " MB   target < 400 MB\n"
        << "peak RSS (end)     " << QString::number(mb(hwmEnd), 'f', 1).rightJustified(10) << " MB"
        << "   (RSS before the window: " << QString::number(mb(rssBefore), 'f', 1) << " MB)\n";
    out << "{\"session\":\"" << QString(session).replace(QLatin1Char('"'), QStringLiteral("\\\"")) << "\""
        << ",\"rows\":" << rows << ",\"open_ms\":" << json(openMs) << ",\"first_paint_ms\":" << json(firstPaintMs)
        << ",\"scroll_middle_ms\":" << json(middleMs) << ",\"scroll_end_ms\":" << json(endMs)
        << ",\"filter_pid\":" << pid << ",\"indexed_filter_ms\":" << json(indexedMs)
        << ",\"indexed_filter_matches\":" << indexedMatches << ",\"text_filter_ms\":" << json(textMs)
        << ",\"text_filter_matches\":" << textMatches << ",\"cancel_ms\":" << json(cancelMs) << ",\"filters\":[";
    for (size_t i = 0; i < figures.size(); ++i) {
        const FilterFigure &f = figures[i];
        out << (i ? "," : "") << "{\"filter\":\"" << QString::fromStdString(f.text).replace(QLatin1Char('"'), QStringLiteral("\\\""))
            << "\",\"ms\":" << json(f.ms) << ",\"cpu_ms\":" << json(f.cpuMs) << ",\"matches\":" << f.matches << ",\"plan\":\""
            << QString::fromStdString(f.plan) << "\",\"progress_reports\":" << f.progressReports
            << ",\"reference_ms\":" << json(f.referenceMs) << ",\"reference_matches\":" << f.referenceMatches << "}";
    }
    out << "],\"filter_available\":"
        << (filterNote.isEmpty() ? "true" : "false") << ",\"peak_rss_table_mb\":" << json(mb(hwmTable))
        << ",\"peak_rss_mb\":" << json(mb(hwmEnd)) << "}\n";
    out.flush();
    const bool ok = firstPaintMs >= 0 && middleMs >= 0 && endMs >= 0;
    return ok ? 0 : 1;
}
