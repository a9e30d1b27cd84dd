// parseDnsResponse: question and A/AAAA/CNAME answers, compression, loops, messages cut short.
#include "dns_message.h"
#include "flow.h"
#include "packet_builders.h"

#include <QElapsedTimer>
#include <QTest>

using namespace provscope;
using namespace test;

namespace {
Result<DnsMessage> parse(const Bytes &b, size_t length = size_t(-1))
{
    const size_t n = std::min(length, b.size());
    std::unique_ptr<uint8_t[]> copy(new uint8_t[n ? n : 1]); // exact size: an over-read is a real bug
    std::copy(b.begin(), b.begin() + long(n), copy.get());
    return parseDnsResponse(copy.get(), n);
}

// www.Example.COM. -> CNAME edge.cdn.net -> A 93.184.216.34, AAAA 2606:2800::1
Bytes cnameChainResponse()
{
    // Question name at 12; "edge.cdn.net" is written in full in the first answer's rdata
    // (at 12 + 17 + 4 + 12 = 45) and pointed to by the next two answers.
    const uint16_t targetOffset = 12 + uint16_t(dnsName("www.Example.COM").size()) + 4 + 12;
    return dnsResponse("www.Example.COM", kDnsTypeA,
                       {{dnsPointer(12), kDnsTypeCname, 300, dnsName("edge.CDN.net")},
                        {dnsPointer(targetOffset), kDnsTypeA, 60, address("93.184.216.34")},
                        {dnsPointer(targetOffset), kDnsTypeAaaa, 61, address("2606:2800::1")}});
}
} // namespace

class TestDnsMessage : public QObject {
    Q_OBJECT

private slots:
    void answersWithCompression();
    void lowerCaseNoTrailingDot();
    void otherTypesAndClassesSkipped();
    void queryIsNotAResponse();
    void shortHeader();
    void compressionLoop();
    void forwardPointer();
    void cutShortKeepsWhatFits();
    void queryNameWithoutQuestion();
    void ownerOffTheQuestionsChain();
    void longChainsAreLinear();
    void mutatedMessagesAreSafe();
};

void TestDnsMessage::answersWithCompression()
{
    Result<DnsMessage> m = parse(cnameChainResponse());
    QVERIFY2(m, m ? "" : m.error().c_str());
    QCOMPARE(m->id, uint16_t(0x4242));
    QCOMPARE(m->questionName, std::string("www.example.com"));
    QCOMPARE(m->questionType, kDnsTypeA);
    QCOMPARE(m->answers.size(), size_t(3));
    QCOMPARE(m->answers[0].name, std::string("www.example.com"));
    QCOMPARE(m->answers[0].type, kDnsTypeCname);
    QCOMPARE(m->answers[0].value, std::string("edge.cdn.net"));
    QCOMPARE(m->answers[0].ttl, 300u);
    QCOMPARE(m->answers[1].name, std::string("edge.cdn.net"));
    QCOMPARE(m->answers[1].value, std::string("93.184.216.34"));
    QCOMPARE(m->answers[1].ttl, 60u);
    QCOMPARE(m->answers[2].type, kDnsTypeAaaa);
    QCOMPARE(m->answers[2].value, std::string("2606:2800::1"));
    QVERIFY(!m->cutShort);
    QCOMPARE(m->queryNameFor("edge.cdn.net"), std::string("www.example.com"));
}

void TestDnsMessage::lowerCaseNoTrailingDot()
{
    Bytes name = dnsName("MiXeD.Case.ORG");
    Result<DnsMessage> m = parse(dnsResponse("MiXeD.Case.ORG.", kDnsTypeA, {{name, kDnsTypeA, 5, address("10.0.0.1")}}));
    QVERIFY(m);
    QCOMPARE(m->questionName, std::string("mixed.case.org"));
    QCOMPARE(m->answers.at(0).name, std::string("mixed.case.org"));
    // A dot inside a label is escaped, not confused with a separator.
    Bytes odd{3, 'a', '.', 'b', 3, 'c', 'o', 'm', 0};
    m = parse(dnsResponse("", 0, {{odd, kDnsTypeA, 5, address("10.0.0.2")}}));
    QVERIFY(m);
    QCOMPARE(m->answers.at(0).name, std::string("a\\046b.com"));
}

void TestDnsMessage::otherTypesAndClassesSkipped()
{
    Bytes b = dnsResponse("example.org", kDnsTypeA,
                          {{dnsPointer(12), 16 /* TXT */, 5, Bytes{3, 'a', 'b', 'c'}},
                           {dnsPointer(12), kDnsTypeA, 5, Bytes{1, 2, 3}}, // A with 3 bytes: not an address
                           {dnsPointer(12), kDnsTypeA, 7, address("10.9.8.7")}});
    Result<DnsMessage> m = parse(b);
    QVERIFY(m);
    QCOMPARE(m->answers.size(), size_t(1));
    QCOMPARE(m->answers[0].value, std::string("10.9.8.7"));
    QVERIFY(!m->cutShort);
    // Class CH (3): skipped.
    const size_t classOffset = b.size() - 4 - 2 - 4 - 2; // the last answer: class, ttl, rdlength, rdata
    QCOMPARE(b[classOffset + 1], uint8_t(1));
    b[classOffset + 1] = 3;
    m = parse(b);
    QVERIFY(m);
    QCOMPARE(m->answers.size(), size_t(0));
    QVERIFY(!m->cutShort);
}

void TestDnsMessage::queryIsNotAResponse()
{
    Bytes query = dnsHeader(0x0100, 1, 0);
    append(query, dnsName("example.com"));
    append(query, Bytes{0, 1, 0, 1});
    Result<DnsMessage> m = parse(query);
    QVERIFY(!m);
    QCOMPARE(m.error(), std::string("DNS message is a query, not a response"));
}

void TestDnsMessage::shortHeader()
{
    Result<DnsMessage> m = parse(Bytes{0x42, 0x42, 0x81, 0x80, 0, 1});
    QVERIFY(!m);
    QCOMPARE(m.error(), std::string("DNS message of 6 bytes < 12-byte header"));
}

void TestDnsMessage::compressionLoop()
{
    // Question name: label "a" at 12, then a pointer back to 12: a.a.a.a... forever.
    Bytes b = dnsHeader(0x8180, 1, 0);
    append(b, Bytes{1, 'a'});
    append(b, dnsPointer(12));
    append(b, Bytes{0, 1, 0, 1});
    Result<DnsMessage> m = parse(b);
    QVERIFY(!m);
    QVERIFY2(m.error().find("loop") != std::string::npos || m.error().find("longer than 255") != std::string::npos, m.error().c_str());

    // The loop in the second answer: the first answer is still handed out.
    Bytes c = dnsResponse("ok.example", kDnsTypeA, {{dnsPointer(12), kDnsTypeA, 9, address("10.0.0.1")}});
    const uint16_t here = uint16_t(c.size());
    append(c, Bytes{1, 'x'});
    append(c, dnsPointer(here));
    append(c, Bytes{0, 1, 0, 1, 0, 0, 0, 9, 0, 4, 10, 0, 0, 2});
    c[7] = 2; // two answers
    m = parse(c);
    QVERIFY(m);
    QCOMPARE(m->answers.size(), size_t(1));
    QVERIFY(m->cutShort);
    QVERIFY2(m->cutReason.find("answer 2") == 0, m->cutReason.c_str());
}

void TestDnsMessage::forwardPointer()
{
    Bytes b = dnsHeader(0x8180, 1, 0);
    append(b, dnsPointer(40));
    append(b, Bytes(40, 0));
    Result<DnsMessage> m = parse(b);
    QVERIFY(!m);
    QCOMPARE(m.error(), std::string("DNS question: compression pointer at byte 12 points forward to 40"));
}

void TestDnsMessage::cutShortKeepsWhatFits()
{
    const Bytes full = cnameChainResponse();
    size_t previous = 0;
    const size_t questionEnd = 12 + dnsName("www.example.com").size() + 4;
    for (size_t n = 0; n <= full.size(); ++n) {
        Result<DnsMessage> m = parse(full, n);
        if (n < questionEnd) {
            QVERIFY(!m); // not even the question: nothing to say
            continue;
        }
        QVERIFY2(m, qPrintable(QString("cut at %1: %2").arg(n).arg(m ? "" : m.error().c_str())));
        QVERIFY(m->answers.size() >= previous);
        QCOMPARE(m->cutShort, n < full.size());
        previous = m->answers.size();
    }
    QCOMPARE(previous, size_t(3));
    // Cut inside the AAAA record: the CNAME and the A answers are there.
    Result<DnsMessage> m = parse(full, full.size() - 3);
    QVERIFY(m);
    QCOMPARE(m->answers.size(), size_t(2));
    QCOMPARE(m->answers[1].value, std::string("93.184.216.34"));
}

void TestDnsMessage::queryNameWithoutQuestion()
{
    // No question section (allowed by the format): the CNAME chain leads back to its start.
    Result<DnsMessage> m = parse(dnsResponse("", 0,
                                             {{dnsName("start.example"), kDnsTypeCname, 1, dnsName("middle.example")},
                                              {dnsName("middle.example"), kDnsTypeCname, 1, dnsName("end.example")},
                                              {dnsName("end.example"), kDnsTypeA, 1, address("10.1.2.3")}}));
    QVERIFY(m);
    QCOMPARE(m->questionName, std::string());
    QCOMPARE(m->queryNameFor("end.example"), std::string("start.example"));
    // A CNAME cycle ends too.
    m = parse(dnsResponse("", 0, {{dnsName("p.example"), kDnsTypeCname, 1, dnsName("q.example")},
                                  {dnsName("q.example"), kDnsTypeCname, 1, dnsName("p.example")}}));
    QVERIFY(m);
    const std::string start = m->queryNameFor("p.example");
    QVERIFY(start == "p.example" || start == "q.example");
}

void TestDnsMessage::ownerOffTheQuestionsChain()
{
    // A record the question did not lead to (an injected or additional-style answer) is
    // named by its own owner, never by the question.
    Result<DnsMessage> m = parse(dnsResponse("bank.example", kDnsTypeA,
                                             {{dnsPointer(12), kDnsTypeCname, 1, dnsName("edge.cdn.net")},
                                              {dnsName("edge.cdn.net"), kDnsTypeA, 1, address("10.0.0.1")},
                                              {dnsName("tracker.evil"), kDnsTypeA, 1, address("1.2.3.4")},
                                              {dnsName("a.evil"), kDnsTypeCname, 1, dnsName("b.evil")},
                                              {dnsName("b.evil"), kDnsTypeA, 1, address("5.6.7.8")}}));
    QVERIFY(m);
    QCOMPARE(m->queryNameFor("edge.cdn.net"), std::string("bank.example"));
    QCOMPARE(m->queryNameFor("tracker.evil"), std::string("tracker.evil"));
    QCOMPARE(m->queryNameFor("b.evil"), std::string("a.evil"));
    const std::vector<std::string> names = m->queryNames();
    QCOMPARE(names, (std::vector<std::string>{"bank.example", "bank.example", "tracker.evil", "a.evil", "a.evil"}));
}

void TestDnsMessage::longChainsAreLinear()
{
    // A crafted 2,000-record chain without a question (c0 -> c1 -> ... -> A): each answer
    // walks at most kMaxCnameChain steps back, so the whole message takes milliseconds
    // (a quadratic walk per answer took ~5 s at -O2).
    std::vector<DnsRr> rrs;
    const int n = 2000;
    for (int i = 0; i < n; ++i)
        rrs.push_back({dnsName("c" + std::to_string(i) + ".x"), kDnsTypeCname, 1, dnsName("c" + std::to_string(i + 1) + ".x")});
    rrs.push_back({dnsName("c" + std::to_string(n) + ".x"), kDnsTypeA, 1, address("10.9.9.9")});
    Result<DnsMessage> m = parse(dnsResponse("", 0, rrs));
    QVERIFY(m);
    QCOMPARE(m->answers.size(), size_t(n + 1));
    QElapsedTimer timer;
    timer.start();
    const std::vector<std::string> names = m->queryNames();
    QVERIFY2(timer.elapsed() < 200, std::to_string(timer.elapsed()).c_str());
    QCOMPARE(names.back(), "c" + std::to_string(n - kMaxCnameChain) + ".x"); // the chain's cap
    QCOMPARE(names[5], std::string("c0.x"));
    QCOMPARE(m->queryNameFor("c" + std::to_string(n) + ".x"), names.back());
}

void TestDnsMessage::mutatedMessagesAreSafe()
{
    // Valid responses with random bytes changed and random lengths: an answer or an error,
    // never a crash, an over-read or a name longer than 255 (with escapes: 4 x 255).
    const Bytes seed = cnameChainResponse();
    uint64_t state = 42;
    auto next = [&state] {
        state = state * 6364136223846793005ull + 1442695040888963407ull;
        return uint32_t(state >> 33);
    };
    int parsed = 0, refused = 0;
    for (int i = 0; i < 50000; ++i) {
        Bytes b = seed;
        for (uint32_t flips = 1 + next() % 4; flips > 0; --flips)
            b[next() % b.size()] = uint8_t(next() % 4 == 0 ? 0xc0 | next() % 4 : next());
        b[2] |= 0x80;
        Result<DnsMessage> m = parse(b, next() % (b.size() + 1));
        if (!m) {
            ++refused;
            continue;
        }
        ++parsed;
        QVERIFY(m->questionName.size() <= 4 * 255);
        for (const DnsAnswer &a : m->answers)
            QVERIFY(a.name.size() <= 4 * 255 && a.value.size() <= 4 * 255);
    }
    qInfo("mutated responses: %d parsed, %d refused", parsed, refused);
    QVERIFY(parsed > 0 && refused > 0);
}

QTEST_GUILESS_MAIN(TestDnsMessage)
#include "tst_dns_message.moc"
