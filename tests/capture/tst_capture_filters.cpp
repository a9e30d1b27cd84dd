// Capture filters: the configuration file (errors name file:line) and, live as
// root, what the kernel then records: disabled syscalls (but never exec, fork,
// exit, connect, accept), path prefixes, executables by inode, cgroups, and the
// --pid process tree. Every live capture here is restricted to the test's own
// process tree, so other captures and activity on the machine do not matter.
#include "capture_config.h"
#include "capture_filters.h"
#include "kernel_capture.h"
#include "syscall_names.h"

#include <QCoreApplication>
#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QSet>
#include <QTemporaryDir>
#include <QTest>

#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <vector>

using namespace provscope;

namespace {

struct TreeCapture {
    std::vector<Event> events;
    std::vector<ProcessInfo> processes;
    std::string configJson;
    std::string error;
};

bool hasEvent(const std::vector<Event> &events, const std::string &syscall,
              const std::function<bool(const Event &)> &match = {})
{
    return std::any_of(events.begin(), events.end(),
                       [&](const Event &ev) { return ev.syscall == syscall && (!match || match(ev)); });
}

} // namespace

class TestCaptureFilters : public QObject {
    Q_OBJECT

private slots:
    void initTestCase();
    void parseErrors_data();
    void parseErrors();
    void parseValidConfig();
    void missingConfigFile();
    void unresolvableExclusions();
    void disabledSyscalls();
    void excludedPathPrefix();
    void excludedExecutableByInode();
    void excludedCgroup();
    void processTreeRestriction();
    void configStoredInSessionMeta();

private:
    bool live() const { return m_live; }
    // Starts `program args` (which waits for a line on stdin), captures its
    // process tree with the configuration, lets it run and collects everything.
    TreeCapture captureTree(const CaptureConfig &config, const QString &program, const QStringList &args,
                            const std::function<void()> &meanwhile = {});
    QString writeFile(const QString &name, const QByteArray &content);

    bool m_live = false;
    QString m_workload;
    QTemporaryDir m_dir;
    QString m_root; // canonical m_dir path
};

void TestCaptureFilters::initTestCase()
{
    QVERIFY(m_dir.isValid());
    m_root = QFileInfo(m_dir.path()).canonicalFilePath();
    const QString binDir = qEnvironmentVariable("PROVSCOPE_BIN_DIR", QCoreApplication::applicationDirPath());
    m_workload = QFileInfo(binDir + "/provscope-filter-workload").canonicalFilePath();
    m_live = geteuid() == 0 && QFileInfo::exists("/sys/kernel/btf/vmlinux");
    if (m_live)
        QVERIFY2(QFileInfo(m_workload).isExecutable(), qPrintable("workload not built in " + binDir));
}

QString TestCaptureFilters::writeFile(const QString &name, const QByteArray &content)
{
    const QString path = m_root + "/" + name;
    QDir().mkpath(QFileInfo(path).path());
    QFile file(path);
    if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate))
        return {};
    file.write(content);
    return path;
}

void TestCaptureFilters::parseErrors_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<QString>("error");
    QTest::newRow("no equals sign") << "syscalls = all\nbogus line\n" << "cfg.conf:2: expected `key = value`";
    QTest::newRow("unknown key") << "\n# comment\nexclude_comm = bash\n" << "cfg.conf:3: unknown key `exclude_comm`";
    QTest::newRow("unknown syscall") << "disable = openat nosuchcall\n" << "cfg.conf:1: unknown syscall `nosuchcall`";
    QTest::newRow("unknown enabled syscall") << "syscalls = read snapshot_fd\n" << "cfg.conf:1: unknown syscall `snapshot_fd`";
    QTest::newRow("relative prefix") << "exclude_path = proc/\n" << "cfg.conf:1: exclude_path must be an absolute";
    QTest::newRow("relative exe") << "exclude_exe = bin/true\n" << "cfg.conf:1: exclude_exe must be an absolute";
    QTest::newRow("relative cgroup") << "exclude_cgroup = system.slice\n" << "cfg.conf:1: exclude_cgroup must be";
    QTest::newRow("empty value") << "a = 1\n" << "cfg.conf:1: unknown key `a`";
    QTest::newRow("missing value") << "ring_buffer_size =\n" << "cfg.conf:1: `ring_buffer_size` needs a value";
    QTest::newRow("bad size") << "ring_buffer_size = lots\n" << "cfg.conf:1: ring_buffer_size must be";
    QTest::newRow("tiny size") << "ring_buffer_size = 100\n" << "cfg.conf:1: ring_buffer_size must be";
    QTest::newRow("too many prefixes")
        << "exclude_path = /a\nexclude_path = /b\nexclude_path = /c\nexclude_path = /d\nexclude_path = /e\n"
           "exclude_path = /f\nexclude_path = /g\nexclude_path = /h\nexclude_path = /i\n"
        << "cfg.conf:9: at most 8 exclude_path";
    QTest::newRow("prefix too long") << "exclude_path = /" + QString(200, 'x') + "\n" << "cfg.conf:1: exclude_path is longer";
}

void TestCaptureFilters::parseErrors()
{
    QFETCH(QString, text);
    QFETCH(QString, error);
    const auto parsed = parseCaptureConfig(text.toStdString(), "cfg.conf");
    QVERIFY2(!parsed.ok(), "a bad configuration was accepted");
    QVERIFY2(QString::fromStdString(parsed.error()).startsWith(error), parsed.error().c_str());
}

void TestCaptureFilters::parseValidConfig()
{
    const auto parsed = parseCaptureConfig("# provscope capture filters\n"
                                           "syscalls = execve openat read write close   # what to record\n"
                                           "disable = read, execve connect\n"
                                           "exclude_path = /proc/\n"
                                           "exclude_path = /sys/\n"
                                           "exclude_exe = /usr/bin/true\n"
                                           "exclude_cgroup = /sys/fs/cgroup/unified/x\n"
                                           "ring_buffer_size = 64K\n",
                                           "cfg.conf");
    QVERIFY2(parsed.ok(), parsed.ok() ? "" : parsed.error().c_str());
    const CaptureConfig &config = parsed.value();
    auto disabled = [&](const char *name) {
        const uint32_t kind = syscallKind(name);
        return std::find(config.disabledKinds.begin(), config.disabledKinds.end(), kind) != config.disabledKinds.end();
    };
    QVERIFY(disabled("read"));      // enabled, then disabled
    QVERIFY(disabled("unlink"));    // not listed in `syscalls`
    QVERIFY(disabled("mmap"));
    QVERIFY(!disabled("openat"));
    QVERIFY(!disabled("write"));
    for (const char *never : {"execve", "execveat", "clone", "clone3", "fork", "vfork", "exit", "connect", "accept",
                              "accept4"})
        QVERIFY2(!disabled(never), never);
    QCOMPARE(config.excludePaths, (std::vector<std::string>{"/proc/", "/sys/"}));
    QCOMPARE(config.excludeExes, std::vector<std::string>{"/usr/bin/true"});
    QCOMPARE(config.excludeCgroups, std::vector<std::string>{"/sys/fs/cgroup/unified/x"});
    QCOMPARE(config.ringBufferBytes.value_or(0), 65536u);
    // naming never-filtered calls in `disable` is said, not silently ignored
    bool said = false;
    for (const std::string &note : config.notes)
        said = said || (note.find("connect, execve stay recorded") != std::string::npos);
    QVERIFY2(said, config.notes.empty() ? "no notes" : config.notes.front().c_str());

    const auto all = parseCaptureConfig("syscalls = all\n", "cfg.conf");
    QVERIFY(all.ok());
    QVERIFY(all->disabledKinds.empty());
    QVERIFY(!all->filtersAnything());
}

void TestCaptureFilters::missingConfigFile()
{
    const auto loaded = loadCaptureConfig(m_root.toStdString() + "/no-such.conf");
    QVERIFY(!loaded.ok());
    QVERIFY2(loaded.error().find("no-such.conf") != std::string::npos, loaded.error().c_str());
    const QString path = writeFile("bad.conf", "syscalls = all\n\nfrobnicate = yes\n");
    const auto bad = loadCaptureConfig(path.toStdString());
    QVERIFY(!bad.ok());
    QVERIFY2(QString::fromStdString(bad.error()).startsWith(path + ":3: unknown key"), bad.error().c_str());
}

void TestCaptureFilters::unresolvableExclusions()
{
    CaptureConfig config;
    config.excludeExes = {m_root.toStdString() + "/no-such-binary"};
    auto resolved = resolveCaptureFilters(config);
    QVERIFY(!resolved.ok());
    QVERIFY2(resolved.error().find("no-such-binary") != std::string::npos, resolved.error().c_str());
    config = CaptureConfig();
    config.excludeCgroups = {m_root.toStdString()}; // a directory, but no cgroup
    resolved = resolveCaptureFilters(config);
    QVERIFY(!resolved.ok());
    QVERIFY2(resolved.error().find("not a cgroup v2 directory") != std::string::npos, resolved.error().c_str());
}

TreeCapture TestCaptureFilters::captureTree(const CaptureConfig &config, const QString &program,
                                            const QStringList &args, const std::function<void()> &meanwhile)
{
    TreeCapture out;
    QProcess proc;
    proc.start(program, args);
    if (!proc.waitForStarted(5000)) {
        out.error = "cannot start " + program.toStdString();
        return out;
    }
    const uint32_t pid = uint32_t(proc.processId());
    KernelCaptureOptions options;
    options.excludeTgid = uint32_t(getpid());
    options.config = config;
    options.processTree = true;
    options.treeRootPid = pid;
    auto started = KernelCapture::start(options);
    if (!started) {
        proc.kill();
        proc.waitForFinished();
        out.error = started.error();
        return out;
    }
    std::unique_ptr<KernelCapture> capture = std::move(started).value();
    out.configJson = capture->configJson();
    auto handler = [&](CaptureBatch &&batch) {
        for (Event &ev : batch.events)
            out.events.push_back(std::move(ev));
        for (ProcessInfo &p : batch.processes)
            out.processes.push_back(std::move(p));
    };
    proc.write("go\n");
    proc.closeWriteChannel();
    if (meanwhile)
        meanwhile();
    QElapsedTimer timer;
    timer.start();
    bool rootExited = false;
    while (!rootExited && timer.elapsed() < 20000) {
        if (auto polled = capture->poll(50, handler); !polled) {
            out.error = polled.error();
            break;
        }
        proc.waitForFinished(10);
        rootExited = hasEvent(out.events, "exit", [pid](const Event &ev) { return ev.pid == pid; });
    }
    if (!rootExited && out.error.empty())
        out.error = "the root process's exit was not captured: " + proc.readAllStandardError().toStdString();
    (void)capture->stop(handler);
    proc.waitForFinished(5000);
    if (out.error.empty() && (proc.exitStatus() != QProcess::NormalExit || proc.exitCode() != 0))
        out.error = "the workload failed: " + proc.readAllStandardError().toStdString();
    return out;
}

void TestCaptureFilters::disabledSyscalls()
{
    if (!live())
        QSKIP("LIVE FILTERS NOT TESTED: needs root and a BTF kernel to load eBPF programs");
    const QString file = writeFile("data/plain.txt", "hello");
    const auto config = parseCaptureConfig("disable = openat read write close execve clone exit connect accept "
                                           "accept4 wait4\n",
                                           "cfg.conf");
    QVERIFY2(!config.ok() && config.error().find("`wait4`") != std::string::npos, "wait4 is not a kind we know");
    const auto parsed = parseCaptureConfig("disable = openat read write close execve clone exit connect accept "
                                           "accept4 exit_group\n",
                                           "cfg.conf");
    QVERIFY(parsed.ok());
    const QString script = QString("read x; %1 net open:%2; true").arg(m_workload, file);
    const TreeCapture c = captureTree(parsed.value(), "/bin/sh", {"-c", script});
    QVERIFY2(c.error.empty(), c.error.c_str());
    for (const char *gone : {"openat", "read", "write", "close", "exit_group"})
        QVERIFY2(!hasEvent(c.events, gone), gone);
    for (const char *kept : {"execve", "exit", "connect"})
        QVERIFY2(hasEvent(c.events, kept), kept);
    // sh forks its commands (dash uses vfork)
    QVERIFY2(hasEvent(c.events, "clone") || hasEvent(c.events, "vfork") || hasEvent(c.events, "fork")
                 || hasEvent(c.events, "clone3"),
             "no fork-family event");
    QVERIFY2(hasEvent(c.events, "accept") || hasEvent(c.events, "accept4"), "accept");
    QVERIFY(c.configJson.find("\"disabled_syscalls\":[") != std::string::npos);
    QVERIFY(c.configJson.find("\"openat\"") != std::string::npos); // among the disabled ...
    const auto enabledList = c.configJson.substr(0, c.configJson.find("]"));
    QVERIFY2(enabledList.find("\"openat\"") == std::string::npos, "openat listed as recorded");
    QVERIFY(enabledList.find("\"execve\"") != std::string::npos);
}

void TestCaptureFilters::excludedPathPrefix()
{
    if (!live())
        QSKIP("LIVE FILTERS NOT TESTED: needs root and a BTF kernel to load eBPF programs");
    const QString excluded = writeFile("excluded/a.txt", "a");
    const QString kept = writeFile("kept/a.txt", "a");
    const auto parsed = parseCaptureConfig(("exclude_path = " + m_root + "/excluded/\n").toStdString(), "cfg.conf");
    QVERIFY(parsed.ok());
    const TreeCapture c = captureTree(parsed.value(), m_workload,
                                      {"--wait", "open:" + excluded, "open:" + kept, "chdir:" + m_root + "/excluded",
                                       "open:missing-one", "chdir:" + m_root + "/kept", "open:missing-two"});
    QVERIFY2(c.error.empty(), c.error.c_str());
    const std::string prefix = (m_root + "/excluded/").toStdString();
    // every kind, coalesced read runs included
    for (const Event &ev : c.events)
        QVERIFY2(ev.path.rfind(prefix, 0) != 0, (ev.syscall + " of " + ev.path + " was recorded").c_str());
    QVERIFY(hasEvent(c.events, "openat", [&](const Event &ev) { return ev.path == kept.toStdString(); }));
    QVERIFY(hasEvent(c.events, "read", [&](const Event &ev) { return ev.path == kept.toStdString(); }));
    QVERIFY(hasEvent(c.events, "close", [&](const Event &ev) { return ev.path == kept.toStdString(); }));
    // a failed relative open is resolved against the cwd before the prefix test
    QVERIFY(hasEvent(c.events, "openat", [&](const Event &ev) {
        return ev.ret < 0 && ev.path == (m_root + "/kept/missing-two").toStdString();
    }));
    QVERIFY(c.configJson.find("\"exclude_path\":[\"" + prefix + "\"]") != std::string::npos);
}

void TestCaptureFilters::excludedExecutableByInode()
{
    if (!live())
        QSKIP("LIVE FILTERS NOT TESTED: needs root and a BTF kernel to load eBPF programs");
    const QString bin = m_root + "/bin";
    QDir().mkpath(bin);
    const QString tool = bin + "/excluded-tool";
    QFile::remove(tool);
    QVERIFY(QFile::copy(m_workload, tool));
    QFile::setPermissions(tool, QFileDevice::ExeOwner | QFileDevice::ReadOwner | QFileDevice::WriteOwner);
    const QString a = writeFile("exe/a.txt", "a"), b = writeFile("exe/b.txt", "b"), cc = writeFile("exe/c.txt", "c");
    const auto parsed = parseCaptureConfig(("exclude_exe = " + tool + "\n").toStdString(), "cfg.conf");
    QVERIFY(parsed.ok());
    struct stat st {};
    QCOMPARE(stat(tool.toLocal8Bit().constData(), &st), 0);

    // the excluded binary; the same file renamed; a different binary under the excluded name
    const QString script = QString("read x; %1 open:%2; mv %1 %3/renamed; %3/renamed open:%4; cp %5 %1; %1 open:%6")
                               .arg(tool, a, bin, b, m_workload, cc);
    const TreeCapture c = captureTree(parsed.value(), "/bin/sh", {"-c", script});
    QVERIFY2(c.error.empty(), c.error.c_str());
    auto opened = [&](const QString &path) {
        return hasEvent(c.events, "openat", [&](const Event &ev) { return ev.path == path.toStdString(); });
    };
    QVERIFY2(!opened(a), "the excluded binary was recorded");
    QVERIFY2(!opened(b), "the renamed excluded binary was recorded");
    QVERIFY2(opened(cc), "a different binary under the excluded name was not recorded");
    // exec is never filtered: all three runs are known
    int execs = 0;
    for (const Event &ev : c.events)
        execs += ev.syscall == "execve" && (ev.path == tool.toStdString() || ev.path == (bin + "/renamed").toStdString());
    QCOMPARE(execs, 3);
    QVERIFY(c.configJson.find("\"ino\":" + std::to_string(st.st_ino)) != std::string::npos);
}

void TestCaptureFilters::excludedCgroup()
{
    if (!live())
        QSKIP("LIVE FILTERS NOT TESTED: needs root and a BTF kernel to load eBPF programs");
    QString mount;
    std::ifstream mounts("/proc/self/mounts");
    std::string dev, dir, type;
    std::string rest;
    while (mounts >> dev >> dir >> type && std::getline(mounts, rest)) {
        if (type == "cgroup2") {
            mount = QString::fromStdString(dir);
            break;
        }
    }
    if (mount.isEmpty())
        QSKIP("CGROUP EXCLUSION NOT TESTED: no cgroup2 file system is mounted on this machine");
    const QString cgroup = mount + QString("/provscope-test-%1").arg(getpid());
    if (!QDir().mkdir(cgroup))
        QSKIP(qPrintable("CGROUP EXCLUSION NOT TESTED: cannot create " + cgroup + " (cgroup2 not writable)"));
    const QString a = writeFile("cg/a.txt", "a"), b = writeFile("cg/b.txt", "b");
    const auto parsed = parseCaptureConfig(("exclude_cgroup = " + cgroup + "\n").toStdString(), "cfg.conf");
    QVERIFY(parsed.ok());
    const QString script = QString("read x; %1 open:%2; echo $$ > %3/cgroup.procs && %1 open:%4; "
                                   "echo $$ > %5/cgroup.procs")
                               .arg(m_workload, b, cgroup, a, mount);
    const TreeCapture c = captureTree(parsed.value(), "/bin/sh", {"-c", script});
    QDir().rmdir(cgroup);
    QVERIFY2(c.error.empty(), c.error.c_str());
    auto opened = [&](const QString &path) {
        return hasEvent(c.events, "openat", [&](const Event &ev) { return ev.path == path.toStdString(); });
    };
    QVERIFY2(opened(b), "the process outside the cgroup was not recorded");
    QVERIFY2(!opened(a), "the process in the excluded cgroup was recorded");
    int execs = 0;
    for (const Event &ev : c.events)
        execs += ev.syscall == "execve" && ev.path == m_workload.toStdString();
    QCOMPARE(execs, 2); // exec is never filtered
    QVERIFY(c.configJson.find("\"exclude_cgroup\":[{\"path\":\"" + cgroup.toStdString() + "\",\"id\":")
            != std::string::npos);
}

void TestCaptureFilters::processTreeRestriction()
{
    if (!live())
        QSKIP("LIVE FILTERS NOT TESTED: needs root and a BTF kernel to load eBPF programs");
    const QString inside = writeFile("tree/inside.txt", "i");
    const QString outside = writeFile("tree/outside.txt", "o");
    // forks after the capture started: the child (and its exec'd grandchild) belong to the tree
    const QString script = QString("read x; %1 fork open:%2 & wait; cat %2 > /dev/null").arg(m_workload, inside);
    QProcess stranger;
    const TreeCapture c = captureTree(CaptureConfig(), "/bin/sh", {"-c", script}, [&] {
        stranger.start(m_workload, {"open:" + outside, "fork", "open:" + outside});
    });
    stranger.waitForFinished(5000);
    QVERIFY2(c.error.empty(), c.error.c_str());
    QCOMPARE(stranger.exitCode(), 0);

    // the tree, from what the capture itself reported
    QSet<uint32_t> tree;
    uint32_t root = 0;
    for (const Event &ev : c.events)
        if (ev.syscall == "exit" && ev.comm == "sh" && !root)
            root = ev.pid;
    QVERIFY(root != 0);
    tree.insert(root);
    for (int pass = 0; pass < 4; ++pass)
        for (const ProcessInfo &p : c.processes)
            if (tree.contains(p.ppid))
                tree.insert(p.pid);
    QVERIFY2(tree.size() >= 4, "expected sh, the workload, its forked child and cat");
    for (const Event &ev : c.events)
        QVERIFY2(tree.contains(ev.pid), (ev.comm + " (" + std::to_string(ev.pid) + ") " + ev.syscall).c_str());
    QVERIFY(!hasEvent(c.events, "openat", [&](const Event &ev) { return ev.path == outside.toStdString(); }));
    // the workload's child, forked after start, was traced
    int insideOpeners = 0;
    QSet<uint32_t> openers;
    for (const Event &ev : c.events)
        if (ev.syscall == "openat" && ev.path == inside.toStdString())
            openers.insert(ev.pid);
    insideOpeners = openers.size();
    QCOMPARE(insideOpeners, 2); // the forked child and cat
    QVERIFY(c.configJson.find("\"process_tree\":true,\"tree_roots\":[" + std::to_string(root) + "]")
            != std::string::npos);
}

void TestCaptureFilters::configStoredInSessionMeta()
{
    if (!live())
        QSKIP("LIVE FILTERS NOT TESTED: needs root and a BTF kernel to load eBPF programs");
    const QString binDir = qEnvironmentVariable("PROVSCOPE_BIN_DIR", QCoreApplication::applicationDirPath());
    const QString capture = binDir + "/provscope-capture";
    const QString cli = binDir + "/provscope-cli";
    if (!QFileInfo(capture).isExecutable() || !QFileInfo(cli).isExecutable())
        QSKIP("provscope-capture / provscope-cli not built beside the test");
    const QString conf = writeFile("meta.conf", "disable = mmap mprotect execve\nexclude_path = /proc/\n");
    const QString session = m_root + "/meta.provscope";
    QProcess rec;
    rec.start(capture, {"-o", session, "--config", conf, "--", "/bin/true"});
    QVERIFY(rec.waitForFinished(60000));
    const QString recErr = rec.readAllStandardError();
    QVERIFY2(rec.exitCode() == 0, qPrintable(recErr));
    QVERIFY2(recErr.contains("execve stay recorded"), qPrintable(recErr)); // the info line
    QProcess info;
    info.start(cli, {"info", session});
    QVERIFY(info.waitForFinished(30000));
    const QJsonObject obj = QJsonDocument::fromJson(info.readAllStandardOutput()).object();
    const QJsonObject config = obj.value("capture_config").toObject();
    QVERIFY2(!config.isEmpty(), "no capture_config in `provscope-cli info`");
    QCOMPARE(config.value("config_file").toString(), conf);
    const QJsonArray disabled = config.value("disabled_syscalls").toArray();
    QVERIFY(disabled.contains("mmap") && disabled.contains("mprotect") && !disabled.contains("execve"));
    QCOMPARE(config.value("exclude_path").toArray(), QJsonArray{"/proc/"});
    QCOMPARE(config.value("process_tree").toBool(), true); // command mode restricts to the command's tree
    QCOMPARE(config.value("tree_roots").toArray().size(), 1);
    QVERIFY(!config.value("syscalls").toArray().contains("mmap"));
}

QTEST_GUILESS_MAIN(TestCaptureFilters)
#include "tst_capture_filters.moc"
