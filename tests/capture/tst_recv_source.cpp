// A UDP server's receive calls carry the sender (live eBPF): recvfrom's src_addr and
// recvmsg's msg_name are read at sys_exit when the socket has no peer, so the event has
// the flow's full 5-tuple and the flow can be attributed to the server. A connected
// socket keeps its peer; a call without an address buffer still gives laddr/lport.
// Needs root and a BTF kernel; the capture is restricted to this test's process.
#include "kernel_capture.h"

#include <QFileInfo>
#include <QTest>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>
#include <utility>
#include <vector>

using namespace provscope;

namespace {

struct Udp {
    int fd = -1;
    uint16_t port = 0;
    bool v6 = false;
    ~Udp()
    {
        if (fd >= 0)
            ::close(fd);
    }
};

sockaddr_storage address(bool v6, uint16_t port, socklen_t &len)
{
    sockaddr_storage ss {};
    if (v6) {
        auto *a = reinterpret_cast<sockaddr_in6 *>(&ss);
        a->sin6_family = AF_INET6;
        a->sin6_addr = in6addr_loopback;
        a->sin6_port = htons(port);
        len = sizeof(*a);
    } else {
        auto *a = reinterpret_cast<sockaddr_in *>(&ss);
        a->sin_family = AF_INET;
        a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        a->sin_port = htons(port);
        len = sizeof(*a);
    }
    return ss;
}

bool open(Udp &u, bool v6)
{
    u.v6 = v6;
    u.fd = ::socket(v6 ? AF_INET6 : AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    socklen_t len = 0;
    sockaddr_storage ss = address(v6, 0, len);
    if (u.fd < 0 || ::bind(u.fd, reinterpret_cast<sockaddr *>(&ss), len) != 0
        || getsockname(u.fd, reinterpret_cast<sockaddr *>(&ss), &len) != 0)
        return false;
    u.port = ntohs(v6 ? reinterpret_cast<sockaddr_in6 *>(&ss)->sin6_port : reinterpret_cast<sockaddr_in *>(&ss)->sin_port);
    return true;
}

bool sendTo(const Udp &from, const Udp &to, const char *text)
{
    socklen_t len = 0;
    sockaddr_storage dst = address(to.v6, to.port, len);
    return ::sendto(from.fd, text, strlen(text), 0, reinterpret_cast<sockaddr *>(&dst), len) == ssize_t(strlen(text));
}

} // namespace

class TestRecvSource : public QObject {
    Q_OBJECT

private slots:
    void initTestCase();
    void recvfromCarriesTheSender();
    void recvmsgCarriesTheSender();
    void ipv6Sender();
    void withoutAddressBuffer();
    void truncatedAddressIsNotRead();

private:
    const Event *findRecv(const char *syscall, uint16_t lport, size_t bytes) const;

    std::vector<Event> m_events;
    Udp m_server, m_client, m_server6, m_client6, m_quiet;
};

const Event *TestRecvSource::findRecv(const char *syscall, uint16_t lport, size_t bytes) const
{
    for (const Event &ev : m_events) {
        if (ev.syscall == syscall && ev.lport == lport && ev.bytes == bytes)
            return &ev;
    }
    return nullptr;
}

void TestRecvSource::initTestCase()
{
    if (geteuid() != 0)
        QSKIP("LIVE CAPTURE NOT TESTED: tst_recv_source must run as root to load eBPF programs");
    if (!QFileInfo::exists("/sys/kernel/btf/vmlinux"))
        QSKIP("LIVE CAPTURE NOT TESTED: this kernel has no BTF (/sys/kernel/btf/vmlinux missing)");
    QVERIFY(open(m_server, false) && open(m_client, false) && open(m_server6, true) && open(m_client6, true)
            && open(m_quiet, false));

    KernelCaptureOptions options;
    options.processTree = true;
    options.treeRootPid = uint32_t(getpid());
    options.startupSnapshot = false;
    auto started = KernelCapture::start(options);
    QVERIFY2(started.ok(), started.ok() ? "" : started.error().c_str());
    std::unique_ptr<KernelCapture> capture = std::move(started).value();
    const auto handler = [this](CaptureBatch &&batch) {
        for (Event &ev : batch.events)
            m_events.push_back(std::move(ev));
    };

    char buf[64];
    // recvfrom with src_addr (7 bytes), recvmsg with msg_name (8 bytes), IPv6 (9 bytes),
    // recv without an address buffer (10 bytes): each on an unconnected server socket.
    QVERIFY(sendTo(m_client, m_server, "recvfrm"));
    sockaddr_storage from {};
    socklen_t fromLen = sizeof from;
    QCOMPARE(::recvfrom(m_server.fd, buf, sizeof buf, 0, reinterpret_cast<sockaddr *>(&from), &fromLen), ssize_t(7));

    QVERIFY(sendTo(m_client, m_server, "recvmsg!"));
    sockaddr_storage name {};
    iovec iov{buf, sizeof buf};
    msghdr msg {};
    msg.msg_name = &name;
    msg.msg_namelen = sizeof name;
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    QCOMPARE(::recvmsg(m_server.fd, &msg, 0), ssize_t(8));

    QVERIFY(sendTo(m_client6, m_server6, "recvfrom6"));
    fromLen = sizeof from;
    QCOMPARE(::recvfrom(m_server6.fd, buf, sizeof buf, 0, reinterpret_cast<sockaddr *>(&from), &fromLen), ssize_t(9));

    QVERIFY(sendTo(m_client, m_quiet, "noaddress!"));
    QCOMPARE(::recvfrom(m_quiet.fd, buf, sizeof buf, 0, nullptr, nullptr), ssize_t(10));

    // An IPv6 sender into a sockaddr_in-sized buffer (16 bytes, followed by 0xAB): the
    // kernel copies 16 bytes and returns the full length, 28. Reading 28 bytes took
    // 0xAB filler as the address's last 8 bytes (11 bytes by recvfrom, 12 by recvmsg).
    unsigned char area[64];
    std::memset(area, 0xAB, sizeof area);
    QVERIFY(sendTo(m_client6, m_server6, "truncated6!"));
    socklen_t shortLen = sizeof(sockaddr_in);
    QCOMPARE(::recvfrom(m_server6.fd, buf, sizeof buf, 0, reinterpret_cast<sockaddr *>(area), &shortLen), ssize_t(11));
    QCOMPARE(shortLen, socklen_t(sizeof(sockaddr_in6)));
    std::memset(area, 0xAB, sizeof area);
    QVERIFY(sendTo(m_client6, m_server6, "truncated6!!"));
    iovec iov2{buf, sizeof buf};
    msghdr shortMsg {};
    shortMsg.msg_name = area;
    shortMsg.msg_namelen = sizeof(sockaddr_in);
    shortMsg.msg_iov = &iov2;
    shortMsg.msg_iovlen = 1;
    QCOMPARE(::recvmsg(m_server6.fd, &shortMsg, 0), ssize_t(12));

    for (int i = 0; i < 5; ++i)
        QVERIFY(capture->poll(50, handler).ok());
    QVERIFY(capture->stop(handler).ok());
}

void TestRecvSource::recvfromCarriesTheSender()
{
    const Event *ev = findRecv("recvfrom", m_server.port, 7);
    QVERIFY2(ev, "no recvfrom of 7 bytes on the server socket");
    QCOMPARE(ev->laddr, std::string("127.0.0.1"));
    QCOMPARE(ev->raddr, std::string("127.0.0.1"));
    QCOMPARE(ev->rport, m_client.port);
}

void TestRecvSource::recvmsgCarriesTheSender()
{
    const Event *ev = findRecv("recvmsg", m_server.port, 8);
    QVERIFY2(ev, "no recvmsg of 8 bytes on the server socket");
    QCOMPARE(ev->raddr, std::string("127.0.0.1"));
    QCOMPARE(ev->rport, m_client.port);
}

void TestRecvSource::ipv6Sender()
{
    const Event *ev = findRecv("recvfrom", m_server6.port, 9);
    QVERIFY2(ev, "no IPv6 recvfrom of 9 bytes on the server socket");
    QCOMPARE(ev->laddr, std::string("::1"));
    QCOMPARE(ev->raddr, std::string("::1"));
    QCOMPARE(ev->rport, m_client6.port);
}

void TestRecvSource::withoutAddressBuffer()
{
    const Event *ev = findRecv("recvfrom", m_quiet.port, 10);
    QVERIFY2(ev, "no recvfrom of 10 bytes on the quiet socket");
    QCOMPARE(ev->laddr, std::string("127.0.0.1"));
    QCOMPARE(ev->rport, uint16_t(0)); // the caller asked for no address: none is guessed
}

void TestRecvSource::truncatedAddressIsNotRead()
{
    for (const auto &[syscall, bytes] : {std::pair<const char *, size_t>{"recvfrom", 11}, {"recvmsg", 12}}) {
        const Event *ev = findRecv(syscall, m_server6.port, bytes);
        QVERIFY2(ev, syscall);
        // Only 16 of the sender's 28 bytes reached the buffer: no address is taken from it.
        QVERIFY2(ev->raddr.find("abab") == std::string::npos, (std::string(syscall) + ": " + ev->raddr).c_str());
        QVERIFY2(ev->raddr.empty() || ev->raddr == "::" || ev->raddr == "::1", (std::string(syscall) + ": " + ev->raddr).c_str());
    }
}

QTEST_GUILESS_MAIN(TestRecvSource)
#include "tst_recv_source.moc"
