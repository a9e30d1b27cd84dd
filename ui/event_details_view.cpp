#include "event_details_view.h"

#include "event_format.h"
#include "process_tree.h"
#include "session_reader.h"
#include "syscall_args.h"

#include <QHeaderView>
#include <QTreeWidgetItemIterator>
#include <QLocale>

namespace provscope {

namespace {
QString joinArgv(const std::vector<std::string> &argv)
{
    QStringList parts;
    for (const std::string &arg : argv) {
        QString text = QString::fromStdString(arg);
        if (text.isEmpty() || text.contains(QLatin1Char(' ')) || text.contains(QLatin1Char('"')))
            text = QLatin1Char('"') + text.replace(QLatin1Char('"'), QStringLiteral("\\\"")) + QLatin1Char('"');
        parts << text;
    }
    return parts.join(QLatin1Char(' '));
}

QString octal(uint32_t value) { return QStringLiteral("0%1").arg(value, 0, 8); }

// Row data of a link or an ancestor row.
constexpr int kLinkRole = Qt::UserRole;
constexpr int kPidRole = Qt::UserRole + 1;
constexpr int kStartRole = Qt::UserRole + 2;
constexpr int kPathRole = Qt::UserRole + 3;
// Stops a walk up a damaged parent chain.
constexpr int kMaxAncestors = 64;

QString processLabel(const std::string &comm, uint32_t pid)
{
    return QStringLiteral("%1 (%2)").arg(QString::fromStdString(comm)).arg(pid);
}
QString hex(uint32_t value) { return QStringLiteral("0x%1").arg(value, 0, 16); }
} // namespace

EventDetailsView::EventDetailsView(QWidget *parent)
    : QTreeWidget(parent)
{
    setColumnCount(2);
    setHeaderLabels({tr("Field"), tr("Value")});
    setRootIsDecorated(false);
    setUniformRowHeights(true);
    setAlternatingRowColors(true);
    setSelectionMode(QAbstractItemView::ExtendedSelection);
    // Field names get a fixed column: sized to its contents, the long group titles
    // ("Ancestry ...") would push the values out of sight.
    header()->setSectionResizeMode(0, QHeaderView::Interactive);
    header()->setStretchLastSection(true);
    setColumnWidth(0, fontMetrics().horizontalAdvance(QStringLiteral("Show File in Graph")) + 2 * indentation() + 16);
    setWordWrap(false);
    connect(this, &QTreeWidget::itemClicked, this, [this](QTreeWidgetItem *item) { followLink(item); });
}

QTreeWidgetItem *EventDetailsView::addLink(QTreeWidgetItem *group, const QString &name, const QString &value,
                                           Link link, uint32_t pid, uint64_t startNs, const std::string &path)
{
    auto *item = group ? new QTreeWidgetItem(group) : new QTreeWidgetItem(this);
    item->setText(0, name);
    item->setText(1, value);
    item->setData(0, kLinkRole, int(link));
    item->setData(0, kPidRole, pid);
    item->setData(0, kStartRole, qulonglong(startNs));
    item->setData(0, kPathRole, QString::fromStdString(path));
    // Looks like a link: the palette's link colour, underlined.
    QFont font = item->font(0);
    font.setUnderline(true);
    item->setFont(0, font);
    item->setForeground(0, palette().link());
    item->setToolTip(0, link == Link::ProcessInTree ? tr("Show this process in the Process tree")
                                                    : tr("Build the provenance graph around it"));
    item->setToolTip(1, value);
    return item;
}

void EventDetailsView::followLink(QTreeWidgetItem *item)
{
    if (!item)
        return;
    const Link link = Link(item->data(0, kLinkRole).toInt());
    const uint32_t pid = item->data(0, kPidRole).toUInt();
    const uint64_t start = item->data(0, kStartRole).toULongLong();
    switch (link) {
    case Link::None:
        return;
    case Link::ProcessInTree:
        emit showProcessRequested(pid, start);
        return;
    case Link::ProcessInGraph:
        emit showGraphRequested(start ? PointOfInterest::process(pid, start) : PointOfInterest::processLatest(pid));
        return;
    case Link::FileInGraph:
        emit showGraphRequested(PointOfInterest::file(item->data(0, kPathRole).toString().toStdString()));
        return;
    }
}

void EventDetailsView::addAncestry(const Event &event, int64_t bootToEpochNs, const SessionReader &reader)
{
    // The process, then its parents as far as the session knows them: by the
    // parent's start when recorded (pid reuse), else the latest earlier instance.
    m_ancestry = new QTreeWidgetItem(this);
    m_ancestry->setText(0, tr("Ancestry (the process, then its parents)"));
    m_ancestry->setFirstColumnSpanned(true);
    QFont bold = m_ancestry->font(0);
    bold.setBold(true);
    m_ancestry->setFont(0, bold);
    uint32_t pid = event.pid;
    uint64_t start = event.procStartNs;
    uint64_t childStart = UINT64_MAX;
    for (int depth = 0; depth < kMaxAncestors; ++depth) {
        auto found = reader.process(pid, start);
        if (!found || !found.value() || found.value()->startNs > childStart) {
            if (depth > 0)
                addField(m_ancestry, tr("(pid %1)").arg(pid), tr("not recorded in this session"));
            break;
        }
        const ProcessInfo &info = *found.value();
        QStringList value;
        value << (info.exe.empty() ? tr("(image unknown)") : QString::fromStdString(info.exe));
        if (!info.argv.empty())
            value << joinArgv(info.argv);
        value << tr("started %1").arg(formatDateTime(int64_t(info.startNs) + bootToEpochNs));
        addLink(m_ancestry, processLabel(info.comm, info.pid),
                value.join(QStringLiteral("  ·  ")), Link::ProcessInTree, info.pid, info.startNs)
            ->setToolTip(1, QStringLiteral("%1\n%2").arg(QString::fromStdString(info.exe), joinArgv(info.argv)));
        if (info.ppid == 0 || (info.ppid == info.pid && info.parentStartNs == info.startNs))
            break;
        childStart = info.startNs;
        pid = info.ppid;
        start = info.parentStartNs;
    }
    expandItem(m_ancestry);
}

void EventDetailsView::addField(QTreeWidgetItem *group, const QString &name, const QString &value)
{
    auto *item = group ? new QTreeWidgetItem(group) : new QTreeWidgetItem(this);
    item->setText(0, name);
    item->setText(1, value);
    item->setToolTip(1, value);
}

void EventDetailsView::displayEvent(const Event &event, int64_t bootToEpochNs, const SessionReader *reader)
{
    clear();
    m_ancestry = nullptr;
    // Links first: where to go from this event.
    auto *links = new QTreeWidgetItem(this);
    links->setText(0, tr("Go to"));
    links->setFirstColumnSpanned(true);
    {
        QFont bold = links->font(0);
        bold.setBold(true);
        links->setFont(0, bold);
    }
    addLink(links, tr("Show in Process Tree"), processLabel(event.comm, event.pid), Link::ProcessInTree,
            event.pid, event.procStartNs);
    addLink(links, tr("Show in Graph"), tr("process %1").arg(processLabel(event.comm, event.pid)),
            Link::ProcessInGraph, event.pid, event.procStartNs);
    if (!event.path.empty())
        addLink(links, tr("Show File in Graph"), QString::fromStdString(event.path), Link::FileInGraph,
                event.pid, event.procStartNs, event.path);
    expandItem(links);
    const QLocale locale;
    const int64_t epoch = int64_t(event.tsNs) + bootToEpochNs;
    addField(nullptr, tr("Event id"), QString::number(event.id));
    addField(nullptr, tr("Time"), formatDateTime(epoch));
    addField(nullptr, tr("Epoch ns"), QString::number(epoch));
    if (event.lastTsNs > event.tsNs) {
        const int64_t last = int64_t(event.lastTsNs) + bootToEpochNs;
        addField(nullptr, tr("Last time"), formatDateTime(last));
    }
    addField(nullptr, tr("Syscall"), QString::fromStdString(event.syscall));
    addField(nullptr, tr("Result"), event.ret < 0
                 ? QStringLiteral("%1 (%2, %3)").arg(event.ret).arg(formatResult(event.ret),
                       QString::fromLocal8Bit(strerror(int(-event.ret))))
                 : QString::number(event.ret));
    addField(nullptr, tr("PID"), QString::number(event.pid));
    addField(nullptr, tr("TID"), QString::number(event.tid));
    addField(nullptr, tr("PPID"), QString::number(event.ppid));
    addField(nullptr, tr("UID"), QString::number(event.uid));
    addField(nullptr, tr("Process"), QString::fromStdString(event.comm));
    addField(nullptr, tr("Process start"), formatDateTime(int64_t(event.procStartNs) + bootToEpochNs));
    addField(nullptr, tr("Start boot ns"), QString::number(event.procStartNs));
    if (event.fd >= 0)
        addField(nullptr, tr("fd"), QString::number(event.fd));
    if (event.fd2 >= 0)
        addField(nullptr, tr("Second fd"), QString::number(event.fd2));
    if (const std::string args = describeArguments(event); !args.empty())
        addField(nullptr, tr("Arguments"), QString::fromStdString(args));
    if (!event.path.empty())
        addField(nullptr, tr("Path"), QString::fromStdString(event.path)
                     + (event.pathTruncated ? tr(" (truncated)") : QString()));
    if (!event.path2.empty())
        addField(nullptr, tr("New path"), QString::fromStdString(event.path2));
    if (!event.laddr.empty())
        addField(nullptr, tr("Local address"), formatEndpoint(event.laddr, event.lport));
    if (!event.raddr.empty())
        addField(nullptr, tr("Remote address"), formatEndpoint(event.raddr, event.rport));
    if (event.flags)
        addField(nullptr, tr("Flags"), hex(event.flags));
    if (event.mode)
        addField(nullptr, tr("Mode"), octal(event.mode));
    addField(nullptr, tr("Count"), locale.toString(qulonglong(event.count)));
    addField(nullptr, tr("Bytes"), locale.toString(qulonglong(event.bytes)));
    if (!event.argv.empty())
        addField(nullptr, tr("argv"), joinArgv(event.argv));

    if (reader) {
        auto process = reader->process(event.pid, event.procStartNs);
        if (process && process.value()) {
            const ProcessInfo &info = *process.value();
            auto *group = new QTreeWidgetItem(this);
            group->setText(0, tr("Process %1").arg(info.pid));
            group->setFirstColumnSpanned(true);
            QFont bold = group->font(0);
            bold.setBold(true);
            group->setFont(0, bold);
            addField(group, tr("Executable"), QString::fromStdString(info.exe));
            addField(group, tr("Command line"), joinArgv(info.argv));
            addField(group, tr("Parent"), QString::number(info.ppid));
            if (info.exitTsNs)
                addField(group, tr("Exited"), tr("%1, %2")
                             .arg(formatDateTime(int64_t(info.exitTsNs) + bootToEpochNs),
                                  (info.exitCode & 0x7f) ? tr("killed by %1").arg(QString::fromStdString(
                                                               ProcessTree::describeExit(info.exitCode)))
                                                         : tr("exit status %1").arg(QString::fromStdString(
                                                               ProcessTree::describeExit(info.exitCode)))));
            expandItem(group);
        }
        addAncestry(event, bootToEpochNs, *reader);
    }
}

void EventDetailsView::clearEvent()
{
    clear();
    m_ancestry = nullptr;
}

QStringList EventDetailsView::ancestry() const
{
    QStringList chain;
    if (!m_ancestry)
        return chain;
    for (int i = 0; i < m_ancestry->childCount(); ++i) {
        if (Link(m_ancestry->child(i)->data(0, kLinkRole).toInt()) == Link::ProcessInTree)
            chain << m_ancestry->child(i)->text(0);
    }
    return chain;
}

QTreeWidgetItem *EventDetailsView::linkItem(const QString &label) const
{
    QTreeWidgetItemIterator it(const_cast<EventDetailsView *>(this));
    for (; *it; ++it) {
        if (Link((*it)->data(0, kLinkRole).toInt()) != Link::None &&
            (*it)->text(0) == label)
            return *it;
    }
    return nullptr;
}

QString EventDetailsView::valueOf(const QString &field) const
{
    const auto items = findItems(field, Qt::MatchExactly | Qt::MatchRecursive, 0);
    return items.isEmpty() ? QString() : items.first()->text(1);
}

} // namespace provscope
