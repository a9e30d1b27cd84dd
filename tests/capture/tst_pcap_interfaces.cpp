// Which interfaces the network capture takes by default, on a real bridge: a port of a
// bridge (it has a master) is left out (its packets are seen on the bridge: counted
// twice otherwise) unless named; a tun device whose link type the filter does not fit
// is skipped with a warning instead of stopping everything; both are recorded in the
// meta's "skipped_interfaces". An interface deleted during the capture leaves a
// "pcap:NAME gone" loss record. The live parts run in a child process inside network
// and mount namespaces of their own (gone with it: nothing to clean up); needs root.
#include "pcap_capture.h"
#include "session_clock.h"

#include <QDir>
#include <QFile>
#include <QTemporaryDir>
#include <QTest>

#include <sched.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

using namespace provscope;

namespace {

// Runs check() in a forked child inside fresh network + mount namespaces (sysfs remounted,
// so /sys/class/net shows the child's interfaces). Returns "" or what went wrong.
template <class F>
std::string inNetworkNamespace(F check)
{
    int pipeFds[2];
    if (::pipe(pipeFds) != 0)
        return "pipe failed";
    const pid_t pid = ::fork();
    if (pid < 0)
        return "fork failed";
    if (pid == 0) {
        ::close(pipeFds[0]);
        std::string failure;
        if (::unshare(CLONE_NEWNET | CLONE_NEWNS) != 0)
            failure = std::string("unshare: ") + std::strerror(errno);
        else if (::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0
                 || ::umount2("/sys", MNT_DETACH) != 0 || ::mount("sysfs", "/sys", "sysfs", 0, nullptr) != 0)
            failure = std::string("remounting /sys: ") + std::strerror(errno);
        else
            failure = check();
        (void)!::write(pipeFds[1], failure.data(), failure.size());
        ::_exit(failure.empty() ? 0 : 1);
    }
    ::close(pipeFds[1]);
    std::string out;
    char buf[4096];
    ssize_t n;
    while ((n = ::read(pipeFds[0], buf, sizeof buf)) > 0)
        out.append(buf, size_t(n));
    ::close(pipeFds[0]);
    int status = 0;
    ::waitpid(pid, &status, 0);
    if (out.empty() && !(WIFEXITED(status) && WEXITSTATUS(status) == 0))
        return "the child failed without saying why";
    return out;
}

bool run(const std::string &command)
{
    return std::system((command + " >/dev/null 2>&1").c_str()) == 0;
}

bool has(const std::vector<std::string> &v, const std::string &s) { return std::find(v.begin(), v.end(), s) != v.end(); }

} // namespace

class TestPcapInterfaces : public QObject {
    Q_OBJECT

private slots:
    void enslavedInterfacesFromSysfs();
    void bridgePortAndTunAreSkippedByDefault();
    void vanishedInterfaceLeavesALossRecord();
};

void TestPcapInterfaces::enslavedInterfacesFromSysfs()
{
    // A fake /sys/class/net: eth1 is a port of br0, bond0's slave eth2, eth0 alone.
    QTemporaryDir root;
    QVERIFY(root.isValid());
    for (const char *name : {"eth0", "eth1", "eth2", "br0", "bond0"})
        QVERIFY(QDir(root.path()).mkpath(name));
    QVERIFY(QFile::link("../br0", root.filePath("eth1/master")));
    QVERIFY(QFile::link("../../devices/virtual/net/bond0", root.filePath("eth2/master")));
    const std::string sysfs = root.path().toStdString();
    QCOMPARE(interfaceMaster("eth1", sysfs), std::string("br0"));
    QCOMPARE(interfaceMaster("eth2", sysfs), std::string("bond0"));
    QCOMPARE(interfaceMaster("eth0", sysfs), std::string());
    QCOMPARE(interfaceMaster("../eth1", sysfs), std::string());

    std::vector<std::string> names = {"lo", "eth0", "eth1", "br0", "eth2", "bond0"};
    std::vector<SkippedInterface> skipped;
    skipEnslavedInterfaces(names, skipped, sysfs);
    QCOMPARE(names, (std::vector<std::string>{"lo", "eth0", "br0", "bond0"}));
    QCOMPARE(skipped.size(), size_t(2));
    QCOMPARE(skipped[0].name, std::string("eth1"));
    QVERIFY2(skipped[0].reason.find("a port of br0") == 0, skipped[0].reason.c_str());
    QCOMPARE(skipped[1].name, std::string("eth2"));
}

void TestPcapInterfaces::bridgePortAndTunAreSkippedByDefault()
{
    if (geteuid() != 0)
        QSKIP("LIVE CAPTURE NOT TESTED: network namespaces and packet sockets need root");
    const std::string failure = inNetworkNamespace([]() -> std::string {
        if (!run("ip link set lo up") || !run("ip link add psbr0 type bridge") || !run("ip link add psv0 type veth peer name psv1")
            || !run("ip link set psv0 master psbr0") || !run("ip link set psbr0 up") || !run("ip link set psv0 up")
            || !run("ip link set psv1 up") || !run("ip tuntap add psTun0 mode tun") || !run("ip link set psTun0 up"))
            return "NOT TESTED: could not build the bridge, veth and tun in the namespace";
        PcapCaptureOptions options;
        options.bpfFilter = "udp and not ether broadcast"; // Ethernet only: tun (RAW) rejects it
        auto opened = PcapCapture::open(options);
        if (!opened)
            return "open: " + opened.error();
        std::unique_ptr<PcapCapture> capture = std::move(opened).value();
        const std::vector<std::string> names = capture->interfaceNames();
        std::string list;
        for (const std::string &n : names)
            list += n + " ";
        if (!has(names, "lo") || !has(names, "psbr0") || !has(names, "psv1"))
            return "a default interface is missing: " + list;
        if (has(names, "psv0"))
            return "the bridge port psv0 was captured by default (its packets are counted twice): " + list;
        if (has(names, "psTun0"))
            return "the tun device was opened with an Ethernet filter: " + list;
        const std::string json = capture->configJson();
        if (json.find("{\"name\":\"psv0\",\"reason\":\"a port of psbr0") == std::string::npos
            || json.find("{\"name\":\"psTun0\",\"reason\":\"--bpf-filter 'udp and not ether broadcast'") == std::string::npos)
            return "skipped_interfaces not in the meta: " + json;
        if (auto started = capture->start(bootToEpochOffsetNs()); !started)
            return "start: " + started.error();
        CaptureBatch batch;
        if (auto stopped = capture->stop(batch); !stopped)
            return "stop: " + stopped.error();

        // Named, the port is captured; a filter a named interface rejects is an error.
        options.interfaces = {"psv0"};
        auto named = PcapCapture::open(options);
        if (!named || named.value()->interfaceNames() != std::vector<std::string>{"psv0"})
            return "--interface psv0 was not captured: " + (named ? std::string() : named.error());
        options.interfaces = {"psTun0"};
        if (PcapCapture::open(options).ok())
            return "a named tun with an Ethernet filter was accepted";
        return {};
    });
    if (failure.rfind("NOT TESTED", 0) == 0)
        QSKIP(failure.c_str());
    QVERIFY2(failure.empty(), failure.c_str());
}

void TestPcapInterfaces::vanishedInterfaceLeavesALossRecord()
{
    if (geteuid() != 0)
        QSKIP("LIVE CAPTURE NOT TESTED: network namespaces and packet sockets need root");
    const std::string failure = inNetworkNamespace([]() -> std::string {
        if (!run("ip link set lo up") || !run("ip link add psg0 type veth peer name psg1") || !run("ip link set psg0 up")
            || !run("ip link set psg1 up"))
            return "NOT TESTED: could not build the veth pair in the namespace";
        PcapCaptureOptions options;
        options.interfaces = {"lo", "psg0"};
        auto opened = PcapCapture::open(options);
        if (!opened)
            return "open: " + opened.error();
        std::unique_ptr<PcapCapture> capture = std::move(opened).value();
        if (auto started = capture->start(bootToEpochOffsetNs()); !started)
            return "start: " + started.error();
        const uint64_t before = bootTimeNowNs();
        if (!run("ip link del psg0"))
            return "could not delete psg0";
        usleep(600'000);
        CaptureBatch batch;
        const auto stopped = capture->stop(batch);
        if (stopped || stopped.error().find("psg0") == std::string::npos)
            return "stop did not report psg0 gone: " + (stopped ? std::string("ok") : stopped.error());
        for (const LossRecord &loss : batch.losses) {
            if (loss.source == "pcap:psg0 gone") {
                if (loss.count != 0 || loss.firstTsNs < before || loss.firstTsNs > bootTimeNowNs())
                    return "the gone record has count " + std::to_string(loss.count) + " or a wrong time";
                return {};
            }
        }
        return "no \"pcap:psg0 gone\" loss record";
    });
    if (failure.rfind("NOT TESTED", 0) == 0)
        QSKIP(failure.c_str());
    QVERIFY2(failure.empty(), failure.c_str());
}

QTEST_GUILESS_MAIN(TestPcapInterfaces)
#include "tst_pcap_interfaces.moc"
