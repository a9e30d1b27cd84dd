#include "filter_expression.h"

#include "event_query.h"
#include "event_table_model.h"
#include "syscall_args.h"

#include <QCoreApplication>
#include <QDateTime>

namespace provscope {

QString FilterExpression::quoted(const QString &text)
{
    // The lexer knows exactly two escapes, \" and \\; everything else is literal.
    QString out;
    out.reserve(text.size() + 2);
    out += QLatin1Char('"');
    for (const QChar c : text) {
        if (c == QLatin1Char('"') || c == QLatin1Char('\\'))
            out += QLatin1Char('\\');
        out += c;
    }
    out += QLatin1Char('"');
    return out;
}

QString FilterExpression::isoTime(int64_t epochNs)
{
    int64_t seconds = epochNs / 1'000'000'000;
    int64_t fraction = epochNs % 1'000'000'000;
    if (fraction < 0) {
        fraction += 1'000'000'000;
        --seconds;
    }
    QString text = QDateTime::fromSecsSinceEpoch(seconds, Qt::UTC).toString(QStringLiteral("yyyy-MM-ddTHH:mm:ss"));
    if (fraction != 0) {
        QString digits = QStringLiteral("%1").arg(fraction, 9, 10, QLatin1Char('0'));
        while (digits.endsWith(QLatin1Char('0')))
            digits.chop(1);
        text += QLatin1Char('.') + digits;
    }
    return text + QLatin1Char('Z');
}

namespace {

// evt.res with an errno name when the language reads it back as the same number.
QString resultExpression(int64_t ret)
{
    if (ret < 0 && ret >= -4095) {
        const std::string name = errnoName(ret);
        if (!name.empty()) {
            const QString text = QStringLiteral("evt.res == ") + FilterExpression::quoted(QString::fromStdString(name));
            auto compiled = compileFilter(text.toStdString());
            if (compiled && compiled.value().params.size() == 1 && compiled.value().params[0].number == ret)
                return text;
        }
    }
    return QStringLiteral("evt.res == %1").arg(ret);
}

} // namespace

QString FilterExpression::forCell(const Event &event, int column, int64_t bootToEpochNs)
{
    const auto text = [](const std::string &s) { return quoted(QString::fromStdString(s)); };
    switch (column) {
    case EventTableModel::Time:
        return QStringLiteral("evt.time >= ") + quoted(isoTime(int64_t(event.tsNs) + bootToEpochNs));
    case EventTableModel::Pid:
        return QStringLiteral("proc.pid == %1").arg(event.pid);
    case EventTableModel::Ppid:
        return QStringLiteral("proc.ppid == %1").arg(event.ppid);
    case EventTableModel::Process:
        return QStringLiteral("proc.name == ") + text(event.comm);
    case EventTableModel::Syscall:
        return QStringLiteral("evt.type == ") + text(event.syscall);
    case EventTableModel::Target:
        if (event.hasSocket()) {
            // A connected socket by its remote end; a listening or unconnected one by its local end.
            if (!event.raddr.empty())
                return QStringLiteral("fd.dip == %1 and fd.dport == %2").arg(text(event.raddr), QString::number(event.rport));
            return QStringLiteral("fd.sip == %1 and fd.sport == %2").arg(text(event.laddr), QString::number(event.lport));
        }
        if (event.path.empty())
            return {};
        return QStringLiteral("fd.name == ") + text(event.path);
    case EventTableModel::Ret:
        return resultExpression(event.ret);
    default:
        return {};
    }
}

QString FilterExpression::combine(const QString &current, const QString &selected, Combine how)
{
    const QString old = current.trimmed();
    const QString negated = QStringLiteral("not (%1)").arg(selected);
    switch (how) {
    case Selected:
        return selected;
    case NotSelected:
        return negated;
    case AndSelected:
        return old.isEmpty() ? selected : QStringLiteral("(%1) and (%2)").arg(old, selected);
    case OrSelected:
        return old.isEmpty() ? selected : QStringLiteral("(%1) or (%2)").arg(old, selected);
    case AndNotSelected:
        return old.isEmpty() ? negated : QStringLiteral("(%1) and %2").arg(old, negated);
    case OrNotSelected:
        return old.isEmpty() ? negated : QStringLiteral("(%1) or %2").arg(old, negated);
    }
    return selected;
}

QString FilterExpression::label(Combine how)
{
    switch (how) {
    case Selected: return QCoreApplication::translate("FilterExpression", "Selected");
    case NotSelected: return QCoreApplication::translate("FilterExpression", "Not Selected");
    case AndSelected: return QCoreApplication::translate("FilterExpression", "…and Selected");
    case OrSelected: return QCoreApplication::translate("FilterExpression", "…or Selected");
    case AndNotSelected: return QCoreApplication::translate("FilterExpression", "…and not Selected");
    case OrNotSelected: return QCoreApplication::translate("FilterExpression", "…or not Selected");
    }
    return {};
}

} // namespace provscope
