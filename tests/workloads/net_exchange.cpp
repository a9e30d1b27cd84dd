// provscope-net-exchange [--port-base B] [--dns-server A] [--pause MS]: a scripted,
// loopback-only exchange for the network layer's end-to-end test
// (tests/capture/tst_flow_e2e.cpp) and demos. Every side is its own process, so
// initiator and responder pids differ:
//   tcp       a client connects to a server on 127.0.0.1:B, sends 3000 bytes, gets
//             5000 back, both shut down (FIN each way), no RST;
//   udp       a client on 127.0.0.1 sends 5 datagrams of 100 bytes to a server on
//             127.0.0.75:B+1, which answers each with 200 bytes;
//   dns       a client asks a responder on 127.0.0.77:53 (--dns-server A: A:53; root
//             for port 53) for the A record of files.provscope.test; the answer is a
//             CNAME to edge.provscope.test (TTL 300) and an A record 127.0.0.78 (TTL 60);
//   answered  the same client connects to the answered address, 127.0.0.78:B+2,
//             sends 200 bytes, gets 300, both shut down.
// Without --port-base the kernel chooses the server ports. Steps are --pause ms apart
// (default 20); every socket is closed (the last ACK of each TCP close received)
// before the program exits. One JSON line per step: step, proto, pid (initiator),
// peer_pid (responder), src, sport, dst, dport, payload_out, payload_in (+ DNS
// details); {"step":"failed","why":...} and exit 1 on failure, exit 3 without root.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <string>
#include <vector>

namespace {

constexpr int kTimeoutMs = 5000;
constexpr size_t kTcpOut = 3000, kTcpIn = 5000;
constexpr int kDatagrams = 5;
constexpr size_t kUdpOut = 100, kUdpIn = 200;
constexpr size_t kAnsweredOut = 200, kAnsweredIn = 300;
const char kUdpServer[] = "127.0.0.75", kAnswer[] = "127.0.0.78";
std::string g_dnsServer = "127.0.0.77"; // --dns-server: runs side by side need their own
const char kName[] = "files.provscope.test", kCname[] = "edge.provscope.test";
constexpr uint32_t kCnameTtl = 300, kAnswerTtl = 60;
constexpr uint16_t kQueryId = 0x5053;

// What a child process tells its parent through a pipe: a server its port once it
// listens, a client its source ports and what it exchanged, anyone why it failed.
struct Message {
    int port = 0, port2 = 0;
    long payloadOut = 0, payloadIn = 0;
    char answer[INET_ADDRSTRLEN] = {};
    char why[200] = {};
};

struct Failure {
    std::string why;
};

[[noreturn]] void fail(const std::string &what, bool withErrno = true)
{
    throw Failure{withErrno ? what + ": " + std::strerror(errno) : what};
}

sockaddr_in address(const char *ip, int port)
{
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(uint16_t(port));
    if (inet_pton(AF_INET, ip, &a.sin_addr) != 1)
        fail(std::string("bad address ") + ip, false);
    return a;
}

int localPort(int fd)
{
    sockaddr_in a{};
    socklen_t len = sizeof a;
    if (getsockname(fd, reinterpret_cast<sockaddr *>(&a), &len) != 0)
        fail("getsockname");
    return ntohs(a.sin_port);
}

void waitReadable(int fd, const char *what)
{
    pollfd p{fd, POLLIN, 0};
    const int n = poll(&p, 1, kTimeoutMs);
    if (n == 0)
        fail(std::string(what) + ": nothing within 5 s", false);
    if (n < 0)
        fail(what);
}

void pause(long ms)
{
    const timespec t{ms / 1000, (ms % 1000) * 1'000'000};
    nanosleep(&t, nullptr);
}

// Deterministic payload bytes (a tag letter per step, so a capture is readable).
std::vector<char> payload(size_t n, char tag)
{
    std::vector<char> bytes(n);
    for (size_t i = 0; i < n; ++i)
        bytes[i] = i % 64 == 63 ? '\n' : char(tag + i % 16);
    return bytes;
}

void writeAll(int fd, const std::vector<char> &bytes)
{
    for (size_t done = 0; done < bytes.size();) {
        const ssize_t n = write(fd, bytes.data() + done, bytes.size() - done);
        if (n <= 0)
            fail("write");
        done += size_t(n);
    }
}

void readExactly(int fd, size_t n)
{
    char buffer[4096];
    for (size_t done = 0; done < n;) {
        waitReadable(fd, "read");
        const ssize_t got = read(fd, buffer, std::min(sizeof buffer, n - done));
        if (got <= 0)
            fail(got == 0 ? "the peer closed early" : "read", got < 0);
        done += size_t(got);
    }
}

void readEof(int fd)
{
    char c;
    waitReadable(fd, "waiting for FIN");
    const ssize_t got = read(fd, &c, 1);
    if (got != 0)
        fail(got > 0 ? "more data than expected" : "read", got < 0);
}

// Once our FIN is sent: wait for its ACK (state CLOSED), so nothing is in flight.
void waitClosed(int fd)
{
    for (int i = 0; i < kTimeoutMs; ++i) {
        tcp_info info{};
        socklen_t len = sizeof info;
        if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &info, &len) != 0)
            fail("TCP_INFO");
        if (info.tcpi_state == TCP_CLOSE)
            return;
        pause(1);
    }
    fail("the last ACK never came", false);
}

// ---- child processes -------------------------------------------------------

void send(int fd, const Message &m)
{
    if (write(fd, &m, sizeof m) != ssize_t(sizeof m))
        fail("report");
}

struct Child {
    pid_t pid = 0;
    int fd = -1; // its messages
};

// Runs body in a child process; its Failure becomes a message with why, exit 1.
template <typename Body>
Child spawn(Body body)
{
    int p[2];
    if (pipe(p) != 0)
        fail("pipe");
    std::fflush(stdout);
    const pid_t pid = fork();
    if (pid < 0)
        fail("fork");
    if (pid == 0) {
        close(p[0]);
        int status = 0;
        try {
            body(p[1]);
        } catch (const Failure &f) {
            Message m;
            std::snprintf(m.why, sizeof m.why, "pid %d: %s", getpid(), f.why.c_str());
            (void)!write(p[1], &m, sizeof m);
            status = 1;
        }
        _exit(status);
    }
    close(p[1]);
    return {pid, p[0]};
}

Message receive(const Child &child, const char *what)
{
    Message m;
    waitReadable(child.fd, what);
    const ssize_t n = read(child.fd, &m, sizeof m);
    if (n != ssize_t(sizeof m))
        fail(std::string(what) + ": the process ended without a word", false);
    if (m.why[0])
        throw Failure{m.why};
    return m;
}

void reap(Child &child, const char *what)
{
    int status = 0;
    if (waitpid(child.pid, &status, 0) != child.pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
        fail(std::string(what) + " failed", false);
    close(child.fd);
}

// ---- TCP -------------------------------------------------------------------

// Listens on ip:port, reports the port, takes one connection: reads `in`, answers
// `out`, reads the client's FIN, sends its own and waits for the last ACK.
Child tcpServer(const char *ip, int port, size_t in, size_t out, char tag)
{
    return spawn([=](int report) {
        const int l = socket(AF_INET, SOCK_STREAM, 0);
        const int one = 1;
        setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        const sockaddr_in a = address(ip, port);
        if (l < 0 || bind(l, reinterpret_cast<const sockaddr *>(&a), sizeof a) != 0 || listen(l, 1) != 0)
            fail(std::string("listen on ") + ip);
        Message ready;
        ready.port = localPort(l);
        send(report, ready);
        waitReadable(l, "accept");
        const int c = accept(l, nullptr, nullptr);
        if (c < 0)
            fail("accept");
        close(l);
        readExactly(c, in);
        writeAll(c, payload(out, tag));
        readEof(c);
        shutdown(c, SHUT_WR);
        waitClosed(c);
        close(c);
    });
}

// Connects to ip:port, sends `out`, reads `in`, shuts down and reads the server's
// FIN (which it ACKs at once). Returns its source port.
int tcpClient(const char *ip, int port, size_t out, size_t in, char tag)
{
    const int c = socket(AF_INET, SOCK_STREAM, 0);
    const sockaddr_in a = address(ip, port);
    if (c < 0 || connect(c, reinterpret_cast<const sockaddr *>(&a), sizeof a) != 0)
        fail(std::string("connect to ") + ip + ":" + std::to_string(port));
    const int sport = localPort(c);
    writeAll(c, payload(out, tag));
    readExactly(c, in);
    shutdown(c, SHUT_WR);
    readEof(c);
    close(c);
    return sport;
}

// ---- UDP -------------------------------------------------------------------

int udpSocket(const char *ip, int port, const char *what)
{
    const int s = socket(AF_INET, SOCK_DGRAM, 0);
    const sockaddr_in a = address(ip, port);
    if (s < 0 || bind(s, reinterpret_cast<const sockaddr *>(&a), sizeof a) != 0) {
        if (errno == EACCES)
            fail(std::string(what) + ": binding " + ip + ":" + std::to_string(port)
                 + " needs root (CAP_NET_BIND_SERVICE)");
        fail(std::string(what) + ": bind " + ip + ":" + std::to_string(port));
    }
    return s;
}

Child udpServer(int port)
{
    return spawn([=](int report) {
        const int s = udpSocket(kUdpServer, port, "udp server");
        Message ready;
        ready.port = localPort(s);
        send(report, ready);
        char buffer[2048];
        for (int i = 0; i < kDatagrams; ++i) {
            sockaddr_in from{};
            socklen_t len = sizeof from;
            waitReadable(s, "udp server");
            if (recvfrom(s, buffer, sizeof buffer, 0, reinterpret_cast<sockaddr *>(&from), &len) != ssize_t(kUdpOut))
                fail("udp server: recvfrom");
            const std::vector<char> answer = payload(kUdpIn, 'u');
            if (sendto(s, answer.data(), answer.size(), 0, reinterpret_cast<sockaddr *>(&from), len) != ssize_t(kUdpIn))
                fail("udp server: sendto");
        }
        close(s);
    });
}

// ---- DNS wire messages (RFC 1035 4.1) --------------------------------------
// Query: 12-byte header (id, flags RD, one question), QNAME as labels, QTYPE A,
// QCLASS IN: 38 bytes for files.provscope.test. Answer: the header (QR AA RD,
// two answers), the question copied, then
//   CNAME: name = pointer to the question name (offset 12), TTL 300, rdata "edge" +
//          a pointer to "provscope.test" inside the question (offset 18);
//   A:     name = pointer to the CNAME's rdata (offset 50), TTL 60, 127.0.0.78.

using Bytes = std::vector<uint8_t>;

void put16(Bytes &b, unsigned v) { b.insert(b.end(), {uint8_t(v >> 8), uint8_t(v)}); }
void put32(Bytes &b, uint32_t v) { put16(b, v >> 16); put16(b, v & 0xffff); }
unsigned get16(const uint8_t *p) { return unsigned(p[0]) << 8 | p[1]; }

Bytes dnsQuery()
{
    Bytes q;
    put16(q, kQueryId);
    put16(q, 0x0100); // RD
    put16(q, 1);      // QDCOUNT
    put16(q, 0);
    put16(q, 0);
    put16(q, 0);
    std::string name = kName;
    for (size_t start = 0; start <= name.size();) {
        const size_t dot = std::min(name.find('.', start), name.size());
        q.push_back(uint8_t(dot - start));
        q.insert(q.end(), name.begin() + long(start), name.begin() + long(dot));
        start = dot + 1;
    }
    q.push_back(0);
    put16(q, 1); // QTYPE A
    put16(q, 1); // QCLASS IN
    return q;
}

Bytes dnsAnswer(const Bytes &query)
{
    const Bytes expected = dnsQuery();
    // Anything but our question (compared after the id) gets NXDOMAIN, no answer.
    const bool ours = query.size() == expected.size() && std::equal(query.begin() + 2, query.end(), expected.begin() + 2);
    Bytes a(query.begin(), query.begin() + 2);
    put16(a, ours ? 0x8580 : 0x8583); // QR AA RD RA, rcode 0 or 3
    put16(a, ours ? 1 : 0);
    put16(a, ours ? 2 : 0);
    put16(a, 0);
    put16(a, 0);
    if (!ours)
        return a;
    a.insert(a.end(), query.begin() + 12, query.end());
    put16(a, 0xc00c); // CNAME record for the question name
    put16(a, 5);
    put16(a, 1);
    put32(a, kCnameTtl);
    put16(a, 7);
    a.insert(a.end(), {4, 'e', 'd', 'g', 'e', 0xc0, 18});
    put16(a, 0xc000 | 50); // A record for the CNAME target
    put16(a, 1);
    put16(a, 1);
    put32(a, kAnswerTtl);
    put16(a, 4);
    in_addr answer{};
    inet_pton(AF_INET, kAnswer, &answer);
    const auto *bytes = reinterpret_cast<const uint8_t *>(&answer.s_addr);
    a.insert(a.end(), bytes, bytes + 4);
    return a;
}

// Offset just past the (possibly compressed) name at off, or 0 when it runs out.
size_t skipName(const Bytes &m, size_t off)
{
    while (off < m.size()) {
        if (m[off] == 0)
            return off + 1;
        if ((m[off] & 0xc0) == 0xc0)
            return off + 2 <= m.size() ? off + 2 : 0;
        off += 1 + m[off];
    }
    return 0;
}

// The A record's address in an answer to our query, or a Failure.
std::string answeredAddress(const Bytes &m, uint32_t *ttl)
{
    if (m.size() < 12 || get16(&m[0]) != kQueryId || !(m[2] & 0x80) || (m[3] & 0x0f) != 0)
        fail("dns: not a good answer to our query", false);
    size_t off = skipName(m, 12);
    if (off == 0 || off + 4 > m.size())
        fail("dns: bad question", false);
    off += 4;
    for (unsigned i = 0, n = get16(&m[6]); i < n; ++i) {
        off = skipName(m, off);
        if (off == 0 || off + 10 > m.size())
            fail("dns: answer cut short", false);
        const unsigned type = get16(&m[off]), length = get16(&m[off + 8]);
        const size_t rdata = off + 10;
        if (rdata + length > m.size())
            fail("dns: answer cut short", false);
        if (type == 1 && length == 4) {
            *ttl = uint32_t(get16(&m[off + 4])) << 16 | get16(&m[off + 6]);
            char text[INET_ADDRSTRLEN];
            inet_ntop(AF_INET, &m[rdata], text, sizeof text);
            return text;
        }
        off = rdata + length;
    }
    fail("dns: no A record in the answer", false);
}

Child dnsResponder()
{
    return spawn([=](int report) {
        const int s = udpSocket(g_dnsServer.c_str(), 53, "dns responder");
        Message ready;
        ready.port = 53;
        send(report, ready);
        Bytes query(512);
        sockaddr_in from{};
        socklen_t len = sizeof from;
        waitReadable(s, "dns responder");
        const ssize_t n = recvfrom(s, query.data(), query.size(), 0, reinterpret_cast<sockaddr *>(&from), &len);
        if (n < 12)
            fail("dns responder: recvfrom");
        query.resize(size_t(n));
        const Bytes answer = dnsAnswer(query);
        if (sendto(s, answer.data(), answer.size(), 0, reinterpret_cast<sockaddr *>(&from), len) != ssize_t(answer.size()))
            fail("dns responder: sendto");
        close(s);
    });
}

// ---- the steps, as the parent sees them ------------------------------------

struct Options {
    int portBase = 0;
    long pauseMs = 20;
};

void printStep(const char *step, const char *proto, pid_t pid, pid_t peer, const char *src, int sport,
               const char *dst, int dport, long out, long in, const std::string &extra = {})
{
    std::printf("{\"step\":\"%s\",\"proto\":\"%s\",\"pid\":%d,\"peer_pid\":%d,\"src\":\"%s\",\"sport\":%d,"
                "\"dst\":\"%s\",\"dport\":%d,\"payload_out\":%ld,\"payload_in\":%ld%s}\n",
                step, proto, int(pid), int(peer), src, sport, dst, dport, out, in, extra.c_str());
    std::fflush(stdout);
}

int port(const Options &o, int offset) { return o.portBase ? o.portBase + offset : 0; }

void tcpStep(const Options &o)
{
    Child server = tcpServer("127.0.0.1", port(o, 0), kTcpOut, kTcpIn, 'T');
    const int dport = receive(server, "tcp server").port;
    Child client = spawn([=](int report) {
        Message m;
        m.port = tcpClient("127.0.0.1", dport, kTcpOut, kTcpIn, 't');
        send(report, m);
    });
    const Message done = receive(client, "tcp client");
    reap(client, "tcp client");
    reap(server, "tcp server");
    printStep("tcp", "tcp", client.pid, server.pid, "127.0.0.1", done.port, "127.0.0.1", dport, kTcpOut, kTcpIn);
}

void udpStep(const Options &o)
{
    Child server = udpServer(port(o, 1));
    const int dport = receive(server, "udp server").port;
    Child client = spawn([=](int report) {
        const int s = udpSocket("127.0.0.1", 0, "udp client");
        const sockaddr_in to = address(kUdpServer, dport);
        char buffer[2048];
        for (int i = 0; i < kDatagrams; ++i) {
            const std::vector<char> datagram = payload(kUdpOut, 'a' + char(i));
            if (sendto(s, datagram.data(), datagram.size(), 0, reinterpret_cast<const sockaddr *>(&to), sizeof to)
                != ssize_t(kUdpOut))
                fail("udp client: sendto");
            waitReadable(s, "udp client");
            if (recvfrom(s, buffer, sizeof buffer, 0, nullptr, nullptr) != ssize_t(kUdpIn))
                fail("udp client: recvfrom");
        }
        Message m;
        m.port = localPort(s);
        close(s);
        send(report, m);
    });
    const Message done = receive(client, "udp client");
    reap(client, "udp client");
    reap(server, "udp server");
    printStep("udp", "udp", client.pid, server.pid, "127.0.0.1", done.port, kUdpServer, dport,
              long(kDatagrams * kUdpOut), long(kDatagrams * kUdpIn),
              ",\"datagrams\":" + std::to_string(kDatagrams));
}

// One client process resolves the name, then connects to the address it got.
void dnsAndAnsweredSteps(const Options &o)
{
    Child responder = dnsResponder();
    receive(responder, "dns responder");
    Child server = tcpServer(kAnswer, port(o, 2), kAnsweredOut, kAnsweredIn, 'A');
    const int dport = receive(server, "answered server").port;
    const long pauseMs = o.pauseMs;
    Child client = spawn([=](int report) {
        const int s = socket(AF_INET, SOCK_DGRAM, 0);
        const sockaddr_in to = address(g_dnsServer.c_str(), 53);
        if (s < 0 || connect(s, reinterpret_cast<const sockaddr *>(&to), sizeof to) != 0)
            fail("dns client: connect");
        Message m;
        m.port = localPort(s);
        const Bytes query = dnsQuery();
        if (::send(s, query.data(), query.size(), 0) != ssize_t(query.size()))
            fail("dns client: send");
        Bytes answer(512);
        waitReadable(s, "dns client");
        const ssize_t n = recv(s, answer.data(), answer.size(), 0);
        if (n < 0)
            fail("dns client: recv");
        answer.resize(size_t(n));
        close(s);
        uint32_t ttl = 0;
        const std::string address = answeredAddress(answer, &ttl);
        std::snprintf(m.answer, sizeof m.answer, "%s", address.c_str());
        m.payloadOut = long(query.size());
        m.payloadIn = long(answer.size());
        pause(pauseMs);
        m.port2 = tcpClient(m.answer, dport, kAnsweredOut, kAnsweredIn, 'c');
        send(report, m);
    });
    const Message done = receive(client, "dns client");
    reap(client, "dns client");
    reap(responder, "dns responder");
    reap(server, "answered server");
    const std::string dns = std::string(",\"name\":\"") + kName + "\",\"cname\":\"" + kCname
        + "\",\"cname_ttl\":" + std::to_string(kCnameTtl) + ",\"answer\":\"" + done.answer
        + "\",\"ttl\":" + std::to_string(kAnswerTtl);
    printStep("dns", "udp", client.pid, responder.pid, "127.0.0.1", done.port, g_dnsServer.c_str(), 53, done.payloadOut,
              done.payloadIn, dns);
    printStep("answered", "tcp", client.pid, server.pid, "127.0.0.1", done.port2, done.answer, dport,
              kAnsweredOut, kAnsweredIn, std::string(",\"dns_name\":\"") + kName + "\"");
}

const char kUsage[] =
    "usage: provscope-net-exchange [--port-base B] [--dns-server 127.X.Y.Z] [--pause MS]\n"
    "A scripted loopback exchange (root: a DNS responder on port 53 of 127.0.0.77 or\n"
    "--dns-server): TCP on 127.0.0.1:B, UDP to 127.0.0.75:B+1, a DNS answer for\n"
    "files.provscope.test, TCP to the answered 127.0.0.78:B+2 (default: any free ports);\n"
    "steps MS apart (20). One JSON line per step.\n";

int usage(const char *why)
{
    std::fprintf(stderr, "provscope-net-exchange: %s\n%s", why, kUsage);
    return 2;
}

} // namespace

int main(int argc, char **argv)
{
    Options o;
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        char *end = nullptr;
        if (arg == "-h" || arg == "--help") {
            std::fputs(kUsage, stdout);
            return 0;
        } else if (arg == "--dns-server" && i + 1 < argc) {
            in_addr a{};
            g_dnsServer = argv[++i];
            if (inet_pton(AF_INET, argv[i], &a) != 1 || (ntohl(a.s_addr) >> 24) != 127)
                return usage("--dns-server takes a loopback address, 127.X.Y.Z");
        } else if ((arg == "--port-base" || arg == "--pause") && i + 1 < argc) {
            const long value = std::strtol(argv[++i], &end, 10);
            if (*end || value < 0 || (arg == "--port-base" && (value < 1024 || value > 65533)))
                return usage("--port-base takes 1024..65533, --pause milliseconds");
            if (arg == "--port-base")
                o.portBase = int(value);
            else
                o.pauseMs = value;
        } else {
            return usage(("unknown argument '" + arg + "'").c_str());
        }
    }
    std::printf("{\"step\":\"start\",\"pid\":%d}\n", int(getpid()));
    std::fflush(stdout);
    try {
        tcpStep(o);
        pause(o.pauseMs);
        udpStep(o);
        pause(o.pauseMs);
        dnsAndAnsweredSteps(o);
    } catch (const Failure &f) {
        std::string why;
        for (const char c : f.why)
            why += c == '"' || c == '\\' ? ' ' : c;
        std::printf("{\"step\":\"failed\",\"why\":\"%s\"}\n", why.c_str());
        while (wait(nullptr) > 0) {
        }
        return f.why.find("needs root") != std::string::npos ? 3 : 1;
    }
    std::printf("{\"step\":\"done\",\"pid\":%d}\n", int(getpid()));
    return 0;
}
