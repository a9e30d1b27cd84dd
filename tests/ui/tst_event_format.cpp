// How event fields read in the table: errno names, endpoints, targets.
#include "event_format.h"

#include <QTest>

using namespace provscope;

class TstEventFormat : public QObject {
    Q_OBJECT

private slots:
    void result_data();
    void result();
    void target_data();
    void target();
};

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

QTEST_GUILESS_MAIN(TstEventFormat)
#include "tst_event_format.moc"
