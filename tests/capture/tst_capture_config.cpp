// The network keys of the capture configuration: exclude_flow (address AND port, never a
// bare port or a name, with the reason said), bpf_filter and interfaces, errors with FILE:LINE.
#include "capture_config.h"

#include <QTest>

using namespace provscope;

class TestCaptureConfig : public QObject {
    Q_OBJECT

private slots:
    void exclusionsParsed_data();
    void exclusionsParsed();
    void exclusionsRefused_data();
    void exclusionsRefused();
    void networkKeys();
    void badNetworkKeys();
};

void TestCaptureConfig::exclusionsParsed_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<QString>("address");
    QTest::addColumn<int>("port");
    QTest::addColumn<QString>("shown");
    QTest::newRow("ipv4") << "192.0.2.7:514" << "192.0.2.7" << 514 << "192.0.2.7:514";
    QTest::newRow("ipv6") << "[2001:DB8:0::7]:6514" << "2001:db8::7" << 6514 << "[2001:db8::7]:6514";
    QTest::newRow("loopback6") << "[::1]:53" << "::1" << 53 << "[::1]:53";
    QTest::newRow("max port") << "10.0.0.1:65535" << "10.0.0.1" << 65535 << "10.0.0.1:65535";
}

void TestCaptureConfig::exclusionsParsed()
{
    QFETCH(QString, text);
    QFETCH(QString, address);
    QFETCH(int, port);
    QFETCH(QString, shown);
    const auto parsed = parseFlowExclusion(text.toStdString());
    QVERIFY2(parsed.ok(), parsed.ok() ? "" : parsed.error().c_str());
    QCOMPARE(QString::fromStdString(parsed->address), address);
    QCOMPARE(int(parsed->port), port);
    QCOMPARE(QString::fromStdString(parsed->text()), shown);
}

void TestCaptureConfig::exclusionsRefused_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<QString>("says");
    QTest::newRow("bare port") << "514" << "expected ADDR:PORT";
    QTest::newRow("colon port") << ":514" << "a bare port is refused";
    QTest::newRow("star port") << "*:514" << "a bare port is refused";
    QTest::newRow("name") << "logs.example.com:514" << "a name is refused";
    QTest::newRow("localhost") << "localhost:514" << "a name is refused";
    QTest::newRow("ipv6 unbracketed") << "2001:db8::7:514" << "[ADDR]:PORT";
    QTest::newRow("ipv6 no port") << "[2001:db8::7]" << "[ADDR]:PORT";
    QTest::newRow("port zero") << "192.0.2.7:0" << "from 1 to 65535";
    QTest::newRow("port too big") << "192.0.2.7:65536" << "from 1 to 65535";
    QTest::newRow("port text") << "192.0.2.7:syslog" << "from 1 to 65535";
    QTest::newRow("bad address") << "192.0.2.300:514" << "not a numeric IPv4 address";
    QTest::newRow("wildcard") << "0.0.0.0:514" << "no packet's address";
    QTest::newRow("wildcard6") << "[::]:514" << "no packet's address";
}

void TestCaptureConfig::exclusionsRefused()
{
    QFETCH(QString, text);
    QFETCH(QString, says);
    const auto parsed = parseFlowExclusion(text.toStdString());
    QVERIFY(!parsed.ok());
    QVERIFY2(QString::fromStdString(parsed.error()).contains(says), parsed.error().c_str());
    if (says.contains("bare port") || says.contains("name") || says.contains("ADDR:PORT"))
        QVERIFY2(parsed.error().find("attacker") != std::string::npos, "the refusal does not say why");
}

void TestCaptureConfig::networkKeys()
{
    const auto parsed = parseCaptureConfig("# network\n"
                                           "exclude_flow = 192.0.2.7:514\n"
                                           "exclude_flow = [2001:db8::7]:6514   # the log shipper over IPv6\n"
                                           "exclude_flow = 192.0.2.7:514\n"
                                           "bpf_filter = tcp or udp or icmp\n"
                                           "interfaces = lo, eth0\n",
                                           "cfg.conf");
    QVERIFY2(parsed.ok(), parsed.ok() ? "" : parsed.error().c_str());
    QCOMPARE(parsed->excludeFlows.size(), size_t(2)); // the repeated rule once
    QCOMPARE(parsed->excludeFlows[0].text(), std::string("192.0.2.7:514"));
    QCOMPARE(parsed->excludeFlows[1].text(), std::string("[2001:db8::7]:6514"));
    QCOMPARE(parsed->excludeFlows[1].filterTerm(),
             std::string("((src host 2001:db8::7 and src port 6514) or (dst host 2001:db8::7 and dst port 6514))"));
    QCOMPARE(parsed->bpfFilter.value_or(""), std::string("tcp or udp or icmp"));
    QCOMPARE(parsed->interfaces, (std::vector<std::string>{"lo", "eth0"}));
    QVERIFY(!parsed->filtersAnything()); // no syscall filter: network keys only
}

void TestCaptureConfig::badNetworkKeys()
{
    auto parsed = parseCaptureConfig("\nexclude_flow = 514\n", "cfg.conf");
    QVERIFY(!parsed.ok());
    QVERIFY2(parsed.error().rfind("cfg.conf:2: exclude_flow `514`: expected ADDR:PORT", 0) == 0, parsed.error().c_str());
    parsed = parseCaptureConfig("exclude_flow = syslog.example:514\n", "cfg.conf");
    QVERIFY(!parsed.ok());
    QVERIFY2(parsed.error().find("cfg.conf:1: exclude_flow") == 0 && parsed.error().find("a name is refused") != std::string::npos,
             parsed.error().c_str());
    parsed = parseCaptureConfig("interfaces = lo $(reboot)\n", "cfg.conf");
    QVERIFY(!parsed.ok());
    QVERIFY2(parsed.error().find("cfg.conf:1: interfaces") == 0, parsed.error().c_str());
    parsed = parseCaptureConfig("exclude_port = 514\n", "cfg.conf");
    QVERIFY(!parsed.ok());
    QVERIFY2(parsed.error().find("exclude_flow") != std::string::npos, "the known keys do not list exclude_flow");
}

QTEST_GUILESS_MAIN(TestCaptureConfig)
#include "tst_capture_config.moc"
