// The network layer end to end, as a user meets it: provscope-capture records a
// scripted loopback exchange (provscope-net-exchange: TCP, UDP both ways, a DNS answer
// from a local responder, TCP to the answered address) with libpcap on lo while tcpdump
// writes the same traffic to a file, the reference: read here with libpcap alone and
// checked against tshark's conversations. The CLI's flows must be the exchange's, packet
// for packet and byte for byte per direction, with the TCP flags, the DNS name on the
// answered connection only, the pids of both ends and times on the eBPF clock; tcpdump's
// file and the capture's --pcapng import to the same flows (attributed with --into the
// live session); a truncated copy imports what precedes the cut and says where it
// stopped; a text file is refused. Needs root (port 53, eBPF), BTF and tcpdump.
#include <QFile>
#include <QFileInfo>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QRandomGenerator>
#include <QRegularExpression>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pcap/pcap.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <map>

#include "../models/headless_cli.h"

namespace {

constexpr int kFin = 0x01, kSyn = 0x02, kRst = 0x04, kAck = 0x10;
const QString kName = QStringLiteral("files.provscope.test");

// A flow as the CLI prints it or as counted here from a pcap file. Numbers are read
// from the text: epoch ns do not fit a double.
struct FlowRow {
    QString proto, src, dst, dnsName, comm, peerComm;
    qint64 sport = 0, dport = 0, flags = 0;
    qint64 packetsOut = 0, bytesOut = 0, packetsIn = 0, bytesIn = 0, packets = 0, bytes = 0;
    qint64 payloadOut = 0, payloadIn = 0; // counted here only
    qint64 firstNs = 0, lastNs = 0, pid = 0, peerPid = 0;
    QString tuple() const { return QStringLiteral("%1 %2:%3 -> %4:%5").arg(proto, src).arg(sport).arg(dst).arg(dport); }
};

// The numbers a flow line carries and the oracle counts (payload aside).
const std::pair<const char *, qint64 FlowRow::*> kNumbers[] = {
    {"sport", &FlowRow::sport}, {"dport", &FlowRow::dport}, {"packets", &FlowRow::packets},
    {"bytes", &FlowRow::bytes}, {"packets_out", &FlowRow::packetsOut}, {"bytes_out", &FlowRow::bytesOut},
    {"packets_in", &FlowRow::packetsIn}, {"bytes_in", &FlowRow::bytesIn}, {"tcp_flags", &FlowRow::flags},
    {"first_ts_ns", &FlowRow::firstNs}, {"last_ts_ns", &FlowRow::lastNs}, {"pid", &FlowRow::pid},
    {"peer_pid", &FlowRow::peerPid}};

qint64 number(const QString &line, const QString &field)
{
    const QRegularExpressionMatch m = QRegularExpression("\"" + field + "\":(-?[0-9]+)").match(line);
    return m.hasMatch() ? m.captured(1).toLongLong() : 0;
}

QList<FlowRow> parseFlows(const QString &out)
{
    QList<FlowRow> rows;
    for (const QString &line : out.split('\n', Qt::SkipEmptyParts)) {
        const QJsonObject o = QJsonDocument::fromJson(line.toUtf8()).object();
        FlowRow r;
        for (const auto &[field, member] : kNumbers)
            r.*member = number(line, field);
        r.proto = o.value("proto").toString();
        r.src = o.value("src").toString();
        r.dst = o.value("dst").toString();
        r.dnsName = o.value("dns_name").toString();
        r.comm = o.value("comm").toString();
        r.peerComm = o.value("peer_comm").toString();
        rows << r;
    }
    return rows;
}

// The oracle: flows counted from a pcap file with libpcap alone (Ethernet, IPv4,
// TCP/UDP, as tcpdump writes lo). The first packet's sender is the initiator.
struct PcapFlows {
    QList<FlowRow> flows; // in order of first packet
    int records = 0;
    QString error;        // libpcap's complaint when reading stopped early
};

PcapFlows readPcap(const QString &path)
{
    PcapFlows result;
    char err[PCAP_ERRBUF_SIZE] = {};
    pcap_t *p = pcap_open_offline_with_tstamp_precision(QFile::encodeName(path).constData(),
                                                        PCAP_TSTAMP_PRECISION_NANO, err);
    if (!p) {
        result.error = err;
        return result;
    }
    std::map<QString, int> index; // both orientations of a 5-tuple -> flow
    pcap_pkthdr *h = nullptr;
    const u_char *d = nullptr;
    int rc = 0;
    while ((rc = pcap_next_ex(p, &h, &d)) == 1) {
        ++result.records;
        if (pcap_datalink(p) != DLT_EN10MB || h->caplen < 14 + 20 || d[12] != 0x08 || d[13] != 0x00)
            continue;
        const u_char *ip = d + 14;
        const int ihl = (ip[0] & 0x0f) * 4, proto = ip[9], total = ip[2] << 8 | ip[3];
        const u_char *l4 = ip + ihl;
        if ((proto != 6 && proto != 17) || h->caplen < uint32_t(14 + ihl + 20))
            continue;
        char a[INET_ADDRSTRLEN], b[INET_ADDRSTRLEN];
        inet_ntop(AF_INET, ip + 12, a, sizeof a);
        inet_ntop(AF_INET, ip + 16, b, sizeof b);
        const int sport = l4[0] << 8 | l4[1], dport = l4[2] << 8 | l4[3];
        const QString name = proto == 6 ? "tcp" : "udp";
        const QString forward = QStringLiteral("%1 %2:%3 %4:%5").arg(name, a).arg(sport).arg(b).arg(dport);
        const QString backward = QStringLiteral("%1 %2:%3 %4:%5").arg(name, b).arg(dport).arg(a).arg(sport);
        const qint64 ts = qint64(h->ts.tv_sec) * 1'000'000'000 + h->ts.tv_usec; // nano precision
        auto it = index.find(forward);
        bool out = true;
        if (it == index.end() && (it = index.find(backward)) != index.end())
            out = false;
        if (it == index.end()) {
            FlowRow f;
            f.proto = name;
            f.src = a;
            f.dst = b;
            f.sport = sport;
            f.dport = dport;
            f.firstNs = ts;
            result.flows << f;
            it = index.emplace(forward, int(result.flows.size()) - 1).first;
        }
        FlowRow &f = result.flows[it->second];
        const int payload = proto == 6 ? total - ihl - (l4[12] >> 4) * 4 : (l4[4] << 8 | l4[5]) - 8;
        (out ? f.packetsOut : f.packetsIn) += 1;
        (out ? f.bytesOut : f.bytesIn) += h->len;
        (out ? f.payloadOut : f.payloadIn) += payload;
        if (proto == 6)
            f.flags |= l4[13];
        f.packets = f.packetsOut + f.packetsIn;
        f.bytes = f.bytesOut + f.bytesIn;
        f.lastNs = ts;
    }
    if (rc == -1)
        result.error = pcap_geterr(p);
    pcap_close(p);
    return result;
}

// Byte offsets of a classic pcap file's records (24-byte file header, 16-byte record
// headers with the captured length at +8, in the writer's byte order).
QList<qint64> recordOffsets(const QByteArray &file)
{
    QList<qint64> offsets;
    const bool bigEndian = !file.isEmpty() && uchar(file[0]) == 0xa1; // a1b2c3d4 / a1b23c4d as written
    for (qint64 at = 24; at + 16 <= file.size();) {
        offsets << at;
        const auto *p = reinterpret_cast<const uchar *>(file.constData() + at + 8);
        const quint32 caplen = bigEndian ? quint32(p[0]) << 24 | p[1] << 16 | p[2] << 8 | p[3]
                                       : quint32(p[3]) << 24 | p[2] << 16 | p[1] << 8 | p[0];
        at += 16 + caplen;
    }
    return offsets;
}

// What differs between a flow the CLI printed and the oracle's (empty: the same).
QStringList differences(const FlowRow &got, const FlowRow &want, qint64 timeSlackNs)
{
    QStringList diffs;
    for (const auto &[field, member] : kNumbers) {
        const bool time = QByteArray(field).endsWith("_ts_ns"), process = QByteArray(field).endsWith("pid");
        if (!process && qAbs(got.*member - want.*member) > (time ? timeSlackNs : 0))
            diffs << QStringLiteral("%1 %2 (reference: %3)").arg(field).arg(got.*member).arg(want.*member);
    }
    return diffs;
}

// tshark's conversations (-z conv,tcp -z conv,udp): "A:a <-> B:b  fIn bIn bytes  fOut bOut
// bytes ..." where "->" is A to B. Keyed like FlowRow::tuple() in both orientations ->
// {frames out, bytes out, frames in, bytes in}.
std::map<QString, std::array<qint64, 4>> tsharkConversations(const QString &tshark, const QString &pcap)
{
    QProcess run;
    run.start(tshark, {"-n", "-r", pcap, "-q", "-z", "conv,tcp", "-z", "conv,udp"});
    std::map<QString, std::array<qint64, 4>> conversations;
    if (!run.waitForFinished(60000))
        return conversations;
    const QRegularExpression re(R"(^(\S+:\d+)\s+<->\s+(\S+:\d+)\s+(\d+)\s+(\d+) bytes\s+(\d+)\s+(\d+) bytes)");
    QString proto;
    for (const QString &line : QString::fromUtf8(run.readAllStandardOutput()).split('\n')) {
        if (line.startsWith("TCP Conversations") || line.startsWith("UDP Conversations"))
            proto = line.left(3).toLower();
        const QRegularExpressionMatch m = re.match(line);
        const auto n = [&](int i) { return m.captured(i).toLongLong(); };
        if (m.hasMatch()) {
            conversations[proto + " " + m.captured(1) + " -> " + m.captured(2)] = {n(5), n(6), n(3), n(4)};
            conversations[proto + " " + m.captured(2) + " -> " + m.captured(1)] = {n(3), n(4), n(5), n(6)};
        }
    }
    return conversations;
}

// The 5-tuple of a step the exchange printed, as FlowRow::tuple() writes it.
QString tupleOf(const QJsonObject &s)
{
    return QStringLiteral("%1 %2:%3 -> %4:%5").arg(s.value("proto").toString(), s.value("src").toString())
        .arg(s.value("sport").toInt()).arg(s.value("dst").toString()).arg(s.value("dport").toInt());
}

bool writeFile(const QString &path, const QByteArray &bytes)
{
    QFile file(path);
    return file.open(QIODevice::WriteOnly) && file.write(bytes) == bytes.size() && file.flush();
}

bool canBind(int type, const char *ip, int port)
{
    sockaddr_in a{AF_INET, htons(uint16_t(port)), {}, {}};
    const int s = socket(AF_INET, type, 0);
    const bool ok = s >= 0 && inet_pton(AF_INET, ip, &a.sin_addr) == 1
        && bind(s, reinterpret_cast<sockaddr *>(&a), sizeof a) == 0;
    close(s);
    return ok;
}

} // namespace

class TestFlowE2e : public QObject {
    Q_OBJECT

private slots:
    void initTestCase();
    void exchangeIsInTcpdumpsFile();
    void liveFlowsAreTheExchange_data();
    void liveFlowsAreTheExchange();
    void bpfFilterKeepsOnlyTheExchange();
    void dnsRecordsAreStored();
    void importedFileGivesTheSameFlows_data();
    void importedFileGivesTheSameFlows();
    void importIntoTheLiveSessionAttributesTheFlows();
    void truncatedFileImportsWhatPrecedesTheCut();
    void textFileIsRefused();

private:
    QString binary(const QString &name) const { return m_binDir + "/" + name; }
    CliRun cli(const QStringList &args) const { return runHeadlessCli(binary("provscope-cli"), args); }
    QList<FlowRow> flowsOf(const QString &session);
    // The exchange's flow in rows (exact 5-tuple, initiator first), or null.
    const FlowRow *find(const QList<FlowRow> &rows, const QJsonObject &step, int *count = nullptr) const;
    const FlowRow &oracle(const QString &step) const;

    QString m_binDir, m_tmp, m_session, m_pcap, m_pcapng, m_filter;
    QTemporaryDir m_dir;
    std::map<QString, QJsonObject> m_steps;
    PcapFlows m_oracle;
    QList<FlowRow> m_live;
    const QStringList m_exchange{"tcp", "udp", "dns", "answered"};
};

void TestFlowE2e::initTestCase()
{
    if (geteuid() != 0)
        QSKIP("LIVE CAPTURE NOT TESTED: tst_flow_e2e must run as root (eBPF, libpcap, a DNS responder on port 53)");
    if (!QFileInfo::exists("/sys/kernel/btf/vmlinux"))
        QSKIP("LIVE CAPTURE NOT TESTED: this kernel has no BTF (/sys/kernel/btf/vmlinux)");
    const QString tcpdump = QStandardPaths::findExecutable("tcpdump", {"/usr/bin", "/usr/sbin", "/bin", "/sbin"});
    if (tcpdump.isEmpty())
        QSKIP("LIVE CAPTURE NOT TESTED: tcpdump is not installed (packaging/debian-packages.txt)");
    m_binDir = qEnvironmentVariable("PROVSCOPE_BIN_DIR", QCoreApplication::applicationDirPath());
    QVERIFY(m_dir.isValid());
    // PROVSCOPE_E2E_KEEP=1 keeps the session, tcpdump's file and the workload's output.
    if (qEnvironmentVariableIntValue("PROVSCOPE_E2E_KEEP")) {
        m_dir.setAutoRemove(false);
        qInfo("kept: %s", qPrintable(m_dir.path()));
    }
    m_tmp = QFileInfo(m_dir.path()).canonicalFilePath();
    m_session = m_tmp + "/live.provscope";
    m_pcap = m_tmp + "/tcpdump.pcap";
    m_pcapng = m_tmp + "/live.pcapng";

    // Server ports below the ephemeral range, free on their addresses right now.
    int base = 0;
    for (int attempt = 0; attempt < 50 && !base; ++attempt) {
        const int b = 20000 + int(QRandomGenerator::global()->bounded(12000));
        if (canBind(SOCK_STREAM, "127.0.0.1", b) && canBind(SOCK_DGRAM, "127.0.0.75", b + 1)
            && canBind(SOCK_STREAM, "127.0.0.78", b + 2))
            base = b;
    }
    QVERIFY2(base, "no free server ports for the exchange");
    // A DNS server address of this run's own: another run beside it (another ctest)
    // must not send DNS that this run's filter takes in.
    const QString dnsServer =
        QStringLiteral("127.77.%1.%2").arg(base % 250 + 1).arg(QRandomGenerator::global()->bounded(1, 255));
    if (!canBind(SOCK_DGRAM, qPrintable(dnsServer), 53))
        QSKIP("LIVE CAPTURE NOT TESTED: port 53 is taken (a DNS server on port 53 of every address?)");
    m_filter = QStringLiteral("(host 127.0.0.1 and tcp port %1) or (host 127.0.0.75 and udp port %2)"
                              " or (host %4 and udp port 53) or (host 127.0.0.78 and tcp port %3)")
                   .arg(base).arg(base + 1).arg(base + 2).arg(dnsServer);

    QProcess dump;
    // Immediate mode: without it packets wait in libpcap's ring for a block to fill or
    // time out, and those still waiting when tcpdump is stopped are never written. Our
    // snap length (600) and a 16 MiB buffer: with -s 0 the ring holds a few frames only
    // and a busy machine overflows it.
    dump.start(tcpdump, {"-i", "lo", "--immediate-mode", "-U", "-s", "600", "-B", "16384",
                         "--time-stamp-precision=nano", "-w", m_pcap, m_filter});
    QVERIFY2(dump.waitForStarted(), "tcpdump did not start");
    QByteArray dumpErr;
    for (int i = 0; i < 100 && !dumpErr.contains("listening on"); ++i) {
        dump.waitForReadyRead(100);
        dumpErr += dump.readAllStandardError();
    }
    QVERIFY2(dumpErr.contains("listening on"), dumpErr.constData());

    QProcess capture;
    // Under sudo the capture would run the exchange (and write its files) as the invoking
    // user: the DNS responder needs root for port 53, and the files are the test's.
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    for (const char *name : {"SUDO_UID", "SUDO_GID", "SUDO_USER", "PKEXEC_UID"})
        env.remove(name);
    capture.setProcessEnvironment(env);
    capture.start(binary("provscope-capture"),
                  {"-o", m_session, "--interface", "lo", "--bpf-filter", m_filter, "--pcapng", m_pcapng, "--",
                   binary("provscope-net-exchange"), "--port-base", QString::number(base), "--dns-server", dnsServer});
    const bool finished = capture.waitForFinished(120000);
    // tcpdump writes each packet as it comes (-U): once its file stops growing for a
    // second it has them all; it says at exit whether the kernel dropped any.
    for (int still = 0; still < 5;) {
        const qint64 size = QFileInfo(m_pcap).size();
        QTest::qWait(200);
        still = size == QFileInfo(m_pcap).size() ? still + 1 : 0;
    }
    dump.terminate();
    dump.waitForFinished(10000);
    dumpErr += dump.readAllStandardError();
    const QRegularExpressionMatch dropped = QRegularExpression("(\\d+) packets? dropped by kernel").match(dumpErr);
    QVERIFY2(dropped.hasMatch() && dropped.captured(1) == "0", qPrintable("tcpdump's file is incomplete: " + dumpErr));
    QVERIFY2(finished, "provscope-capture did not stop when the exchange exited");
    const QByteArray out = capture.readAllStandardOutput(), err = capture.readAllStandardError();
    if (!m_dir.autoRemove())
        writeFile(m_tmp + "/exchange.out", out + "\n--- stderr ---\n" + err);
    for (const QByteArray &line : out.split('\n')) {
        const QJsonObject step = QJsonDocument::fromJson(line).object();
        if (step.contains("step"))
            m_steps[step.value("step").toString()] = step;
    }
    QVERIFY2(!m_steps.count("failed"), qPrintable(m_steps["failed"].value("why").toString() + "\n" + err));
    QVERIFY2(capture.exitStatus() == QProcess::NormalExit && capture.exitCode() == 0, err.constData());
    for (const QString &name : m_exchange)
        QVERIFY2(m_steps.count(name), qPrintable("the exchange printed no '" + name + "' step\n" + out + err));
    QVERIFY2(m_steps.count("done"), out.constData());

    m_oracle = readPcap(m_pcap);
    QVERIFY2(m_oracle.error.isEmpty(), qPrintable("reading tcpdump's file: " + m_oracle.error));
    m_live = flowsOf(m_session);
}

QList<FlowRow> TestFlowE2e::flowsOf(const QString &session)
{
    const CliRun run = cli({"flows", session});
    if (run.exitCode != 0)
        qWarning("provscope-cli flows %s: exit %d: %s", qPrintable(session), run.exitCode, qPrintable(run.err));
    return run.exitCode == 0 ? parseFlows(run.out) : QList<FlowRow>();
}

const FlowRow *TestFlowE2e::find(const QList<FlowRow> &rows, const QJsonObject &step, int *count) const
{
    const QString tuple = tupleOf(step);
    const auto found = std::find_if(rows.begin(), rows.end(), [&](const FlowRow &r) { return r.tuple() == tuple; });
    if (count)
        *count = int(std::count_if(rows.begin(), rows.end(), [&](const FlowRow &r) { return r.tuple() == tuple; }));
    return found == rows.end() ? nullptr : &*found;
}

const FlowRow &TestFlowE2e::oracle(const QString &step) const
{
    static const FlowRow none;
    const FlowRow *f = find(m_oracle.flows, m_steps.at(step));
    return f ? *f : none;
}

void TestFlowE2e::exchangeIsInTcpdumpsFile()
{
    // tcpdump's file is the reference below: it must hold the exchange as scripted.
    QCOMPARE(m_oracle.flows.size(), m_exchange.size());
    for (const QString &name : m_exchange) {
        const QJsonObject step = m_steps.at(name);
        const FlowRow *f = find(m_oracle.flows, step);
        QVERIFY2(f, qPrintable("tcpdump's file has no " + name + " flow initiated by the client"));
        QCOMPARE(f->payloadOut, qint64(step.value("payload_out").toInt()));
        QCOMPARE(f->payloadIn, qint64(step.value("payload_in").toInt()));
        if (f->proto == "udp") {
            const qint64 datagrams = name == "udp" ? step.value("datagrams").toInt() : 1;
            QCOMPARE(f->packetsOut, datagrams);
            QCOMPARE(f->packetsIn, datagrams);
            // Loopback frames: Ethernet 14 + IPv4 20 + UDP 8 + payload.
            QCOMPARE(f->bytesOut, datagrams * 42 + f->payloadOut);
            QCOMPARE(f->bytesIn, datagrams * 42 + f->payloadIn);
        } else {
            QCOMPARE(f->flags & (kSyn | kFin | kAck | kRst), kSyn | kFin | kAck);
            // SYN, data, FIN each way at least; TCP headers are 20 bytes at least.
            QVERIFY(f->packetsOut >= 3 && f->packetsIn >= 3);
            QVERIFY(f->bytesOut >= f->packetsOut * 54 + f->payloadOut);
            QVERIFY(f->bytesIn >= f->packetsIn * 54 + f->payloadIn);
        }
    }
    // Frames and bytes per direction as tshark counts them, when it is installed.
    const QString tshark = QStandardPaths::findExecutable("tshark");
    if (tshark.isEmpty()) {
        qInfo("tshark is not installed: the counts are not compared with tshark's");
        return;
    }
    const auto conversations = tsharkConversations(tshark, m_pcap);
    for (const FlowRow &f : m_oracle.flows) {
        const auto it = conversations.find(f.tuple());
        QVERIFY2(it != conversations.end(), qPrintable("tshark lists no conversation " + f.tuple()));
        const std::array<qint64, 4> &c = it->second, ours{f.packetsOut, f.bytesOut, f.packetsIn, f.bytesIn};
        QVERIFY2(c == ours, qPrintable(QStringLiteral("%1: tshark %2/%3 out, %4/%5 in; here %6/%7, %8/%9")
                                           .arg(f.tuple()).arg(c[0]).arg(c[1]).arg(c[2]).arg(c[3])
                                           .arg(ours[0]).arg(ours[1]).arg(ours[2]).arg(ours[3])));
    }
}

void TestFlowE2e::liveFlowsAreTheExchange_data()
{
    QTest::addColumn<QString>("step");
    for (const QString &name : m_exchange)
        QTest::newRow(qPrintable(name)) << name;
}

void TestFlowE2e::liveFlowsAreTheExchange()
{
    QFETCH(QString, step);
    const QJsonObject s = m_steps.at(step);
    int count = 0;
    const FlowRow *f = find(m_live, s, &count);
    QVERIFY2(f, qPrintable(QStringLiteral("provscope-cli flows prints no %1 flow %2 (%3 flows in all)")
                               .arg(step, tupleOf(s)).arg(m_live.size())));
    QCOMPARE(count, 1);
    // Live and tcpdump saw the same packets; their timestamps come from different
    // sockets, so a millisecond apart at most.
    const QStringList diffs = differences(*f, oracle(step), 1'000'000);
    QVERIFY2(diffs.isEmpty(), qPrintable(f->tuple() + ": " + diffs.join("; ")));
    // The name that resolved to the answered address, and only there.
    QCOMPARE(f->dnsName, step == "answered" ? kName : QString());
    if (f->proto == "tcp")
        QVERIFY2(!(f->flags & kRst), qPrintable(f->tuple() + " has RST: tcp_flags " + QString::number(f->flags)));
    // Attribution: the client made it, the server (local too) answered it.
    QCOMPARE(f->pid, qint64(s.value("pid").toInt()));
    QCOMPARE(f->peerPid, qint64(s.value("peer_pid").toInt()));
    QVERIFY2(f->comm.startsWith("provscope-net"), qPrintable("comm: " + f->comm));
    QVERIFY2(f->peerComm.startsWith("provscope-net"), qPrintable("peer_comm: " + f->peerComm));
    // pcap's clock and eBPF's meet through the session's boot->epoch offset: the
    // client's first system call with this 5-tuple (connect, sendto) is near the first
    // packet (microseconds apart; 100 ms leaves room for a loaded machine's scheduling).
    const CliRun events = cli({"events", m_session, "--pid", QString::number(f->pid)});
    qint64 firstCall = 0;
    for (const QString &line : events.out.split('\n', Qt::SkipEmptyParts)) {
        if (!firstCall && line.contains(QStringLiteral("\"lport\":%1,").arg(f->sport))
            && line.contains(QStringLiteral("\"rport\":%1,").arg(f->dport)))
            firstCall = number(line, "ts_ns");
    }
    QVERIFY2(firstCall, qPrintable("no event of pid " + QString::number(f->pid) + " on " + f->tuple()));
    QVERIFY2(qAbs(firstCall - f->firstNs) < 100'000'000,
             qPrintable(QStringLiteral("first packet at %1, first system call at %2").arg(f->firstNs).arg(firstCall)));
}

void TestFlowE2e::bpfFilterKeepsOnlyTheExchange()
{
    // --bpf-filter was the exchange's addresses and ports: nothing else on lo may show
    // (each of the exchange's flows is there once: liveFlowsAreTheExchange).
    QStringList all;
    for (const FlowRow &r : m_live)
        all << r.tuple();
    QVERIFY2(m_live.size() == m_exchange.size(), qPrintable("flows outside --bpf-filter? " + all.join("; ")));
}

void TestFlowE2e::dnsRecordsAreStored()
{
    // The answer's records, TTLs included, as passive DNS (flows --dns): CNAME, then A.
    const CliRun run = cli({"flows", m_session, "--dns"});
    QVERIFY2(run.exitCode == 0, qPrintable(run.err));
    const QJsonObject dns = m_steps.at("dns");
    const FlowRow *answered = find(m_live, dns);
    QVERIFY2(answered, "no live DNS flow");
    QStringList got;
    for (const QString &line : run.out.split('\n', Qt::SkipEmptyParts)) {
        const QJsonObject r = QJsonDocument::fromJson(line.toUtf8()).object();
        got << QStringList{r.value("name").toString(), r.value("type").toString(), r.value("value").toString(),
                           QString::number(r.value("ttl").toInt()), r.value("query_name").toString(),
                           r.value("server").toString()}.join(' ');
        QCOMPARE(number(line, "ts_ns"), answered->lastNs); // the answer's packet
    }
    const QString server = dns.value("dst").toString(), cname = dns.value("cname").toString();
    const QStringList want{
        QStringList{kName, "CNAME", cname, QString::number(dns.value("cname_ttl").toInt()), kName, server}.join(' '),
        QStringList{cname, "A", dns.value("answer").toString(), QString::number(dns.value("ttl").toInt()), kName, server}
            .join(' ')};
    QCOMPARE(got, want);
}

void TestFlowE2e::importedFileGivesTheSameFlows_data()
{
    // Each file's times are exact against itself and within a millisecond of the other's.
    QTest::addColumn<QString>("file");
    QTest::addColumn<qint64>("slackToTcpdump");
    QTest::addColumn<qint64>("slackToLive");
    QTest::newRow("tcpdump's pcap") << m_pcap << qint64(0) << qint64(1'000'000);
    QTest::newRow("the capture's --pcapng") << m_pcapng << qint64(1'000'000) << qint64(0);
}

void TestFlowE2e::importedFileGivesTheSameFlows()
{
    QFETCH(QString, file);
    QFETCH(qint64, slackToTcpdump);
    QFETCH(qint64, slackToLive);
    const QString imported = file + ".provscope";
    const CliRun run = cli({"import", "--pcap", file, "-o", imported});
    QVERIFY2(run.exitCode == 0, qPrintable(QStringLiteral("exit %1: %2").arg(run.exitCode).arg(run.err)));
    const QList<FlowRow> rows = flowsOf(imported);
    QCOMPARE(rows.size(), m_exchange.size());
    for (const QString &name : m_exchange) {
        const FlowRow *f = find(rows, m_steps.at(name)), *live = find(m_live, m_steps.at(name));
        QVERIFY2(f && live, qPrintable("the import or the live session has no " + name + " flow"));
        const QStringList diffs = differences(*f, oracle(name), slackToTcpdump) + differences(*f, *live, slackToLive);
        QVERIFY2(diffs.isEmpty(), qPrintable("imported " + f->tuple() + ": " + diffs.join("; ")));
        QCOMPARE(f->dnsName, live->dnsName);
        // A new session has no events: nobody to attribute the flows to.
        QCOMPARE(f->pid, qint64(0));
        QCOMPARE(f->peerPid, qint64(0));
    }
}

void TestFlowE2e::importIntoTheLiveSessionAttributesTheFlows()
{
    const QString joined = m_tmp + "/joined.provscope";
    QVERIFY(QFile::copy(m_session, joined));
    const CliRun run = cli({"import", "--pcap", m_pcap, "--into", joined});
    QVERIFY2(run.exitCode == 0, qPrintable(QStringLiteral("exit %1: %2").arg(run.exitCode).arg(run.err)));
    const QList<FlowRow> rows = flowsOf(joined);
    QVERIFY2(rows.size() > m_live.size(), qPrintable(QStringLiteral("%1 flows after the import, %2 before")
                                                        .arg(rows.size()).arg(m_live.size())));
    for (const QString &name : m_exchange) {
        const QJsonObject s = m_steps.at(name);
        int count = 0;
        find(rows, s, &count);
        QCOMPARE(count, 2); // the live one and the imported one
        for (const FlowRow &f : rows) {
            if (!find({f}, s))
                continue;
            QVERIFY2(f.pid == s.value("pid").toInt() && f.peerPid == s.value("peer_pid").toInt(),
                     qPrintable(QStringLiteral("%1: pid %2 peer %3, the exchange says %4 and %5")
                                    .arg(f.tuple()).arg(f.pid).arg(f.peerPid)
                                    .arg(s.value("pid").toInt()).arg(s.value("peer_pid").toInt())));
            QCOMPARE(f.dnsName, name == "answered" ? kName : QString());
        }
    }
}

void TestFlowE2e::truncatedFileImportsWhatPrecedesTheCut()
{
    // Cut in the middle of the DNS answer's record: the TCP and UDP flows and the
    // query are before the cut.
    QFile whole(m_pcap);
    const QByteArray bytes = whole.open(QIODevice::ReadOnly) ? whole.readAll() : QByteArray();
    const QList<qint64> offsets = recordOffsets(bytes);
    QCOMPARE(offsets.size(), m_oracle.records);
    const int answerRecord = int(oracle("tcp").packets + oracle("udp").packets + 1); // 0-based: after the query
    QVERIFY(answerRecord < offsets.size());
    const qint64 cutRecord = offsets[answerRecord];
    const QString cut = m_tmp + "/cut.pcap";
    QVERIFY(writeFile(cut, bytes.left(cutRecord + 16 + 20))); // the record header and part of its frame

    const PcapFlows expected = readPcap(cut);
    QCOMPARE(expected.records, answerRecord);
    QVERIFY2(!expected.error.isEmpty(), "libpcap read the cut file to its end");
    QCOMPARE(expected.flows.size(), 3);
    QCOMPARE(expected.flows.last().packetsIn, qint64(0)); // the query, no answer

    const QString imported = m_tmp + "/cut.provscope";
    const CliRun run = cli({"import", "--pcap", cut, "-o", imported});
    const QString said = run.out + run.err;
    qInfo("import of the cut file: exit %d: %s", run.exitCode, qPrintable(said.trimmed()));
    QCOMPARE(run.exitCode, 0); // what could be read was imported: a warning, not a failure
    // Where it stopped: after the last whole packet, at the cut record's offset.
    const auto mentions = [&](qint64 n) { return said.contains(QRegularExpression(QStringLiteral("\\b%1\\b").arg(n))); };
    QVERIFY2(mentions(answerRecord) && mentions(cutRecord),
             qPrintable(QStringLiteral("the import does not say it stopped after packet %1 at byte %2: %3")
                            .arg(answerRecord).arg(cutRecord).arg(said)));
    const QList<FlowRow> rows = flowsOf(imported);
    QCOMPARE(rows.size(), expected.flows.size());
    for (const FlowRow &want : expected.flows) {
        const auto it = std::find_if(rows.begin(), rows.end(), [&](const FlowRow &r) { return r.tuple() == want.tuple(); });
        QVERIFY2(it != rows.end(), qPrintable("the cut file's import misses " + want.tuple()));
        const QStringList diffs = differences(*it, want, 0);
        QVERIFY2(diffs.isEmpty(), qPrintable(want.tuple() + ": " + diffs.join("; ")));
        QVERIFY(it->dnsName.isEmpty()); // the answer was cut off
    }
}

void TestFlowE2e::textFileIsRefused()
{
    const QString text = m_tmp + "/notes.txt", session = m_tmp + "/notes.provscope";
    QVERIFY(writeFile(text, "these are notes, not packets\n"));
    const CliRun run = cli({"import", "--pcap", text, "-o", session});
    QVERIFY2(run.exitCode == 2, qPrintable(QStringLiteral("exit %1: %2").arg(run.exitCode).arg(run.out)));
    QVERIFY2(run.err.contains(text) && run.err.contains("not a pcap"), qPrintable(run.err));
    QVERIFY2(!QFileInfo::exists(session), "a refused import left a session file");
}

QTEST_GUILESS_MAIN(TestFlowE2e)
#include "tst_flow_e2e.moc"
