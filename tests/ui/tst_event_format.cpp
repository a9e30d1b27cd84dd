// How event fields read in the table: errno names, endpoints, targets.
#include "event_format.h"

#include <QTest>

using namespace provscope;

class TstEventFormat : public QObject {
    Q_OBJECT

private slots:
    void result_data();
    void result();
    void mappedAddressInHex();
    void target_data();
    void target();
    void targetOfKind_data();
    void targetOfKind();
    void relativeTime_data();
    void relativeTime();
};

void TstEventFormat::relativeTime_data()
{
    QTest::addColumn<qlonglong>("deltaNs");
    QTest::addColumn<QString>("expected");
    QTest::newRow("zero") << 0LL << QStringLiteral("+0.000000 s");
    QTest::newRow("micro") << 1000LL << QStringLiteral("+0.000001 s");
    QTest::newRow("sub-micro truncated") << 999LL << QStringLiteral("+0.000000 s");
    QTest::newRow("seconds") << 12345678901LL << QStringLiteral("+12.345678 s");
    QTest::newRow("before the reference") << -2500000000LL << QStringLiteral("-2.500000 s");
    QTest::newRow("an hour") << 3600000000000LL << QStringLiteral("+3600.000000 s");
    QTest::newRow("most negative") << qlonglong(INT64_MIN) << QStringLiteral("-9223372036.854775 s");
}

void TstEventFormat::relativeTime()
{
    QFETCH(qlonglong, deltaNs);
    QFETCH(QString, expected);
    QCOMPARE(formatRelativeTime(deltaNs), expected);
}

void TstEventFormat::result_data()
{
    QTest::addColumn<qlonglong>("ret");
    QTest::addColumn<QString>("expected");
    QTest::newRow("success") << 0LL << QStringLiteral("0");
    QTest::newRow("fd") << 7LL << QStringLiteral("7");
    QTest::newRow("bytes") << 4096LL << QStringLiteral("4096");
    QTest::newRow("ENOENT") << -2LL << QStringLiteral("ENOENT");
    QTest::newRow("EACCES") << -13LL << QStringLiteral("EACCES");
    QTest::newRow("ECONNREFUSED") << -111LL << QStringLiteral("ECONNREFUSED");
    QTest::newRow("unknown errno") << -4000LL << QStringLiteral("errno 4000");
}

void TstEventFormat::result()
{
    QFETCH(qlonglong, ret);
    QFETCH(QString, expected);
    QCOMPARE(formatResult(ret), expected);
}

void TstEventFormat::mappedAddressInHex()
{
    Event event;
    event.syscall = "mmap";
    event.ret = 0x7f12345000;
    QCOMPARE(formatResult(event), QStringLiteral("0x7f12345000"));
    event.ret = -12;
    QCOMPARE(formatResult(event), QStringLiteral("ENOMEM"));
    event.syscall = "read";
    event.ret = 4096;
    QCOMPARE(formatResult(event), QStringLiteral("4096"));
}

void TstEventFormat::target_data()
{
    QTest::addColumn<QString>("path");
    QTest::addColumn<QString>("path2");
    QTest::addColumn<QString>("laddr");
    QTest::addColumn<int>("lport");
    QTest::addColumn<QString>("raddr");
    QTest::addColumn<int>("rport");
    QTest::addColumn<QString>("expected");
    QTest::newRow("file") << "/etc/passwd" << "" << "" << 0 << "" << 0 << "/etc/passwd";
    QTest::newRow("rename") << "/a/old" << "/a/new" << "" << 0 << "" << 0 << "/a/old → /a/new";
    QTest::newRow("tcp") << "" << "" << "10.0.0.2" << 5555 << "10.0.0.9" << 443 << "10.0.0.2:5555 → 10.0.0.9:443";
    QTest::newRow("ipv6") << "" << "" << "::1" << 40000 << "::1" << 8080 << "[::1]:40000 → [::1]:8080";
    QTest::newRow("listening") << "" << "" << "0.0.0.0" << 8080 << "" << 0 << "0.0.0.0:8080";
}

void TstEventFormat::target()
{
    QFETCH(QString, path);
    QFETCH(QString, path2);
    QFETCH(QString, laddr);
    QFETCH(int, lport);
    QFETCH(QString, raddr);
    QFETCH(int, rport);
    QFETCH(QString, expected);
    Event event;
    event.path = path.toStdString();
    event.path2 = path2.toStdString();
    event.laddr = laddr.toStdString();
    event.lport = uint16_t(lport);
    event.raddr = raddr.toStdString();
    event.rport = uint16_t(rport);
    QCOMPARE(formatTarget(event), expected);
}

void TstEventFormat::targetOfKind_data()
{
    QTest::addColumn<QString>("syscall");
    QTest::addColumn<int>("fd");
    QTest::addColumn<int>("fd2");
    QTest::addColumn<qulonglong>("aux1");
    QTest::addColumn<qulonglong>("aux2");
    QTest::addColumn<QString>("path");
    QTest::addColumn<QString>("expected");
    QTest::newRow("kill") << "kill" << -1 << -1 << 9ULL << 123ULL << "" << "pid 123 SIGKILL";
    QTest::newRow("kill a process group") << "kill" << -1 << -1 << 15ULL << qulonglong(-42LL) << ""
                                          << "pid -42 SIGTERM";
    QTest::newRow("dup2 onto stdout") << "dup2" << 3 << 1 << 0ULL << 0ULL << "/tmp/out" << "3 → 1 /tmp/out";
    QTest::newRow("F_DUPFD_CLOEXEC") << "fcntl" << 3 << 41 << 1030ULL << 40ULL << "/tmp/x" << "3 → 41 /tmp/x";
    QTest::newRow("fcntl F_GETFL: just the file") << "fcntl" << 3 << -1 << 3ULL << 0ULL << "/tmp/x" << "/tmp/x";
    QTest::newRow("failed dup") << "dup" << 99 << -1 << 0ULL << 0ULL << "" << "99 → ? ";
}

void TstEventFormat::targetOfKind()
{
    QFETCH(QString, syscall);
    QFETCH(int, fd);
    QFETCH(int, fd2);
    QFETCH(qulonglong, aux1);
    QFETCH(qulonglong, aux2);
    QFETCH(QString, path);
    QFETCH(QString, expected);
    Event event;
    event.syscall = syscall.toStdString();
    event.fd = fd;
    event.fd2 = fd2;
    event.aux1 = aux1;
    event.aux2 = aux2;
    event.path = path.toStdString();
    QCOMPARE(formatTarget(event), expected);
}

QTEST_GUILESS_MAIN(TstEventFormat)
#include "tst_event_format.moc"
