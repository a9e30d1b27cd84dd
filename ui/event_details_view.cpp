#include "event_details_view.h"

#include "event_format.h"
#include "session_reader.h"
#include "syscall_args.h"

#include <QHeaderView>
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
    header()->setSectionResizeMode(0, QHeaderView::ResizeToContents);
    header()->setStretchLastSection(true);
    setWordWrap(false);
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
                addField(group, tr("Exited"), QStringLiteral("%1, code %2")
                             .arg(formatDateTime(int64_t(info.exitTsNs) + bootToEpochNs))
                             .arg(info.exitCode));
            setRootIsDecorated(false);
            expandItem(group);
        }
    }
}

void EventDetailsView::clearEvent()
{
    clear();
}

QString EventDetailsView::valueOf(const QString &field) const
{
    const auto items = findItems(field, Qt::MatchExactly | Qt::MatchRecursive, 0);
    return items.isEmpty() ? QString() : items.first()->text(1);
}

} // namespace provscope
