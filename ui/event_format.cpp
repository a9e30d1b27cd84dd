#include "event_format.h"

#include "syscall_args.h"

#include <cstring>
#include <ctime>

namespace provscope {

namespace {

QString formatLocal(int64_t epochNs, const char *pattern)
{
    const time_t seconds = static_cast<time_t>(epochNs / 1000000000);
    const int64_t micros = (epochNs % 1000000000) / 1000;
    struct tm local {};
    localtime_r(&seconds, &local);
    char text[64];
    strftime(text, sizeof text, pattern, &local);
    return QStringLiteral("%1.%2").arg(QString::fromLatin1(text)).arg(micros, 6, 10, QLatin1Char('0'));
}

} // namespace

QString formatClockTime(int64_t epochNs)
{
    return formatLocal(epochNs, "%H:%M:%S");
}

QString formatRelativeTime(int64_t deltaNs)
{
    // Truncated toward zero like the clock time, so -250 ns reads "-0.000000 s".
    const QChar sign = deltaNs < 0 ? QLatin1Char('-') : QLatin1Char('+');
    const uint64_t magnitude = deltaNs < 0 ? uint64_t(0) - uint64_t(deltaNs) : uint64_t(deltaNs);
    return QStringLiteral("%1%2.%3 s")
        .arg(sign)
        .arg(qulonglong(magnitude / 1000000000))
        .arg(qulonglong(magnitude % 1000000000 / 1000), 6, 10, QLatin1Char('0'));
}

QString formatDateTime(int64_t epochNs)
{
    return formatLocal(epochNs, "%Y-%m-%d %H:%M:%S");
}

QString formatEndpoint(const std::string &addr, uint16_t port)
{
    const QString host = QString::fromStdString(addr);
    if (host.contains(QLatin1Char(':')))
        return QStringLiteral("[%1]:%2").arg(host).arg(port);
    return QStringLiteral("%1:%2").arg(host).arg(port);
}

QString formatTarget(const Event &event)
{
    if (event.hasSocket()) {
        const QString local = event.laddr.empty() ? QStringLiteral("?") : formatEndpoint(event.laddr, event.lport);
        if (event.raddr.empty())
            return local;
        return local + QStringLiteral(" → ") + formatEndpoint(event.raddr, event.rport);
    }
    const std::string &syscall = event.syscall;
    if (syscall == "kill" || syscall == "tkill" || syscall == "tgkill")
        return QString::fromStdString(describeArguments(event)); // "pid 123 SIGKILL"
    QString target = QString::fromStdString(event.path);
    if (syscall == "dup" || syscall == "dup2" || syscall == "dup3" || (syscall == "fcntl" && event.fd2 >= 0)) {
        // which fd now names the object: "3 → 1 /path"
        const auto fd = [](int32_t n) { return n >= 0 ? QString::number(n) : QStringLiteral("?"); };
        target.prepend(QStringLiteral("%1 → %2 ").arg(fd(event.fd), fd(event.fd2)));
    }
    if (event.pathTruncated)
        target.prepend(QStringLiteral("…"));
    if (!event.path2.empty())
        target += QStringLiteral(" → ") + QString::fromStdString(event.path2);
    return target;
}

QString errnoName(int err)
{
    if (const char *name = strerrorname_np(err))
        return QString::fromLatin1(name);
    return QStringLiteral("errno %1").arg(err);
}

QString formatResult(const Event &event)
{
    const bool returnsAddress = event.syscall == "mmap" || event.syscall == "shmat";
    if (returnsAddress && event.ret > 0)
        return QStringLiteral("0x") + QString::number(static_cast<qulonglong>(event.ret), 16);
    return formatResult(event.ret);
}

QString formatResult(int64_t ret)
{
    if (ret < 0 && ret >= -4095)
        return errnoName(static_cast<int>(-ret));
    return QString::number(ret);
}

} // namespace provscope
