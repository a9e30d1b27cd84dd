// Points of interest as typed on the command line: every accepted form parses
// to the fields the graph needs and prints back as the same text; every bad
// form fails with a message that says what was wrong and lists the forms.
#include "point_of_interest.h"

#include <QtTest>

using namespace provscope;
using Kind = PointOfInterest::Kind;

class TestPointOfInterest : public QObject {
    Q_OBJECT
private slots:
    void parsesAcceptedForms_data();
    void parsesAcceptedForms();
    void rejectsBadForms_data();
    void rejectsBadForms();
    void factoriesPrintTheirForm();
};

void TestPointOfInterest::parsesAcceptedForms_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<int>("kind");
    QTest::addColumn<qulonglong>("number"); // pid, port or event id
    QTest::addColumn<qulonglong>("startNs");
    QTest::addColumn<bool>("flag");         // hasStart or hasPort
    QTest::addColumn<QString>("text2");     // path or addr
    QTest::addColumn<QString>("printed");

    QTest::newRow("proc latest") << "proc:412" << int(Kind::Process) << 412ull << 0ull << false << "" << "proc:412";
    QTest::newRow("proc at start") << "proc:412@5000000000123" << int(Kind::Process) << 412ull << 5000000000123ull
                                   << true << "" << "proc:412@5000000000123";
    QTest::newRow("proc start 0") << "proc:7@0" << int(Kind::Process) << 7ull << 0ull << true << "" << "proc:7@0";
    QTest::newRow("file") << "file:/tmp/.x" << int(Kind::File) << 0ull << 0ull << false << "/tmp/.x" << "file:/tmp/.x";
    QTest::newRow("file with colon") << "file:/srv/a:b" << int(Kind::File) << 0ull << 0ull << false << "/srv/a:b"
                                     << "file:/srv/a:b";
    QTest::newRow("pipe") << "file:pipe:[4711]" << int(Kind::File) << 0ull << 0ull << false << "pipe:[4711]"
                          << "file:pipe:[4711]";
    QTest::newRow("ipv4 port") << "net:127.0.0.3:4444" << int(Kind::Net) << 4444ull << 0ull << true << "127.0.0.3"
                               << "net:127.0.0.3:4444";
    QTest::newRow("ipv4") << "net:10.1.2.3" << int(Kind::Net) << 0ull << 0ull << false << "10.1.2.3" << "net:10.1.2.3";
    QTest::newRow("ipv4 port 0") << "net:127.0.0.1:0" << int(Kind::Net) << 0ull << 0ull << true << "127.0.0.1"
                                 << "net:127.0.0.1:0";
    QTest::newRow("ipv4 port max") << "net:127.0.0.1:65535" << int(Kind::Net) << 65535ull << 0ull << true
                                   << "127.0.0.1" << "net:127.0.0.1:65535";
    QTest::newRow("ipv6 bracket port") << "net:[::1]:443" << int(Kind::Net) << 443ull << 0ull << true << "::1"
                                       << "net:[::1]:443";
    QTest::newRow("ipv6 bare") << "net:fe80::1" << int(Kind::Net) << 0ull << 0ull << false << "fe80::1" << "net:fe80::1";
    QTest::newRow("ipv6 bracket no port") << "net:[2001:db8::2]" << int(Kind::Net) << 0ull << 0ull << false
                                          << "2001:db8::2" << "net:2001:db8::2";
    QTest::newRow("ipv6 mapped") << "net:[::ffff:127.0.0.1]:80" << int(Kind::Net) << 80ull << 0ull << true
                                 << "::ffff:127.0.0.1" << "net:[::ffff:127.0.0.1]:80";
    QTest::newRow("event") << "event:1234567" << int(Kind::Event) << 1234567ull << 0ull << false << ""
                           << "event:1234567";
}

void TestPointOfInterest::parsesAcceptedForms()
{
    QFETCH(QString, text);
    QFETCH(int, kind);
    QFETCH(qulonglong, number);
    QFETCH(qulonglong, startNs);
    QFETCH(bool, flag);
    QFETCH(QString, text2);
    QFETCH(QString, printed);

    const auto poi = PointOfInterest::parse(text.toStdString());
    QVERIFY2(poi, poi ? "" : poi.error().c_str());
    QCOMPARE(int(poi->kind), kind);
    switch (poi->kind) {
    case Kind::Process:
        QCOMPARE(qulonglong(poi->pid), number);
        QCOMPARE(qulonglong(poi->startNs), startNs);
        QCOMPARE(poi->hasStart, flag);
        break;
    case Kind::File: QCOMPARE(QString::fromStdString(poi->path), text2); break;
    case Kind::Net:
        QCOMPARE(QString::fromStdString(poi->addr), text2);
        QCOMPARE(poi->hasPort, flag);
        QCOMPARE(qulonglong(poi->port), number);
        break;
    case Kind::Event: QCOMPARE(qulonglong(poi->eventId), number); break;
    }
    QCOMPARE(QString::fromStdString(poi->toString()), printed);
    // What it prints parses back to the same point of interest.
    const auto again = PointOfInterest::parse(poi->toString());
    QVERIFY(again);
    QCOMPARE(again->toString(), poi->toString());
    QCOMPARE(again->addr, poi->addr);
    QCOMPARE(again->port, poi->port);
}

void TestPointOfInterest::rejectsBadForms_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<QString>("why"); // a part of the message

    QTest::newRow("empty") << "" << "unknown point of interest";
    QTest::newRow("unknown kind") << "host:example.org" << "unknown point of interest";
    QTest::newRow("pid zero") << "proc:0" << "PID must be a positive number";
    QTest::newRow("pid text") << "proc:bash" << "PID must be a positive number";
    QTest::newRow("start text") << "proc:5@yesterday" << "START_NS";
    QTest::newRow("relative file") << "file:tmp/x" << "must be absolute";
    QTest::newRow("empty file") << "file:" << "empty path";
    QTest::newRow("empty net") << "net:" << "empty address";
    QTest::newRow("hostname") << "net:example.org:80" << "not a numeric IPv4 address";
    QTest::newRow("bad ipv4") << "net:300.1.1.1" << "not a numeric IPv4 or IPv6 address";
    QTest::newRow("port too big") << "net:127.0.0.1:65536" << "PORT must be a number from 0 to 65535";
    QTest::newRow("port text") << "net:127.0.0.1:http" << "PORT must be a number";
    QTest::newRow("port empty") << "net:127.0.0.1:" << "PORT must be a number";
    QTest::newRow("unclosed bracket") << "net:[::1:443" << "missing ']'";
    QTest::newRow("garbage after bracket") << "net:[::1]443" << "expected ':PORT' after ']'";
    QTest::newRow("ipv4 in brackets") << "net:[127.0.0.1]:80" << "not a numeric IPv6 address";
    QTest::newRow("bad ipv6") << "net:fe80:::1::2" << "not a numeric IPv4 or IPv6 address";
    QTest::newRow("event zero") << "event:0" << "ID must be a positive event id";
    QTest::newRow("event negative") << "event:-4" << "ID must be a positive event id";
    QTest::newRow("event text") << "event:last" << "ID must be a positive event id";
}

void TestPointOfInterest::rejectsBadForms()
{
    QFETCH(QString, text);
    QFETCH(QString, why);
    const auto poi = PointOfInterest::parse(text.toStdString());
    QVERIFY(!poi);
    const QString message = QString::fromStdString(poi.error());
    QVERIFY2(message.contains(why), qPrintable(message));
    // Every message lists the forms a user can type.
    for (const char *form : {"proc:PID[@START_NS]", "file:PATH", "net:ADDR[:PORT]", "event:ID"})
        QVERIFY2(message.contains(QLatin1String(form)), qPrintable(message));
    if (!text.isEmpty())
        QVERIFY2(message.contains("'" + text + "'"), qPrintable(message));
}

void TestPointOfInterest::factoriesPrintTheirForm()
{
    QCOMPARE(PointOfInterest::net("::1", 8080).toString(), std::string("net:[::1]:8080"));
    QCOMPARE(PointOfInterest::net("127.0.0.1", std::nullopt).toString(), std::string("net:127.0.0.1"));
    QCOMPARE(PointOfInterest::event(42).toString(), std::string("event:42"));
    QCOMPARE(PointOfInterest::process(9, 77).toString(), std::string("proc:9@77"));
    QCOMPARE(PointOfInterest::processLatest(9).toString(), std::string("proc:9"));
    QCOMPARE(PointOfInterest::file("/etc/passwd").toString(), std::string("file:/etc/passwd"));
}

QTEST_GUILESS_MAIN(TestPointOfInterest)
#include "tst_point_of_interest.moc"
