#include "synthetic_session.h"

#include <algorithm>
#include <array>
#include <cstdio>

namespace provscope::bench {

const std::vector<Program> &programs()
{
    static const std::vector<Program> list = {
        {"bash", "/usr/bin/bash", {"bash"}, false, true},
        {"make", "/usr/bin/make", {"make", "-j2"}, false, true},
        {"cc1plus", "/usr/lib/gcc/x86_64-linux-gnu/12/cc1plus", {"cc1plus", "-quiet", "src/main.cpp"}, false, false},
        {"g++", "/usr/bin/g++", {"g++", "-O2", "-c", "src/main.cpp"}, false, true},
        {"ld", "/usr/bin/ld", {"ld", "-o", "build/app"}, false, false},
        {"python3", "/usr/bin/python3.11", {"python3", "tools/index.py"}, true, true},
        {"curl", "/usr/bin/curl", {"curl", "-sO", "https://example.org/x.tar.gz"}, true, false},
        {"git", "/usr/bin/git", {"git", "fetch", "origin"}, true, true},
        {"ssh", "/usr/bin/ssh", {"ssh", "build@10.0.0.7"}, true, false},
        {"tar", "/usr/bin/tar", {"tar", "xzf", "x.tar.gz"}, false, false},
        {"grep", "/usr/bin/grep", {"grep", "-r", "TODO", "."}, false, false},
        {"cat", "/usr/bin/cat", {"cat", "/etc/hosts"}, false, false},
        {"nginx", "/usr/sbin/nginx", {"nginx", "-g", "daemon off;"}, true, true},
        {"postgres", "/usr/lib/postgresql/15/bin/postgres", {"postgres", "-D", "/var/lib/postgresql/15/main"}, true, true},
        {"rsync", "/usr/bin/rsync", {"rsync", "-a", "data/", "backup/"}, true, false},
        {"x", "/tmp/.cache/x", {"./x", "--quiet"}, true, true}, // the sample under investigation
    };
    return list;
}

std::vector<std::string> makeFilePool(SplitMix64 &rng)
{
    static const std::array<const char *, 12> roots = {
        "/usr/lib/x86_64-linux-gnu", "/usr/include/c++/12", "/home/alice/project/src",
        "/home/alice/project/build", "/home/alice/.cache/pip", "/var/log",
        "/etc",                      "/tmp",               "/var/lib/postgresql/15/main/base",
        "/srv/www/static",           "/proc/self",         "/usr/share/locale/de/LC_MESSAGES"};
    static const std::array<const char *, 10> exts = {".so.6", ".h", ".cpp", ".o", ".py",
                                                      ".log", ".conf", ".tmp", "", ".html"};
    static const std::array<const char *, 16> stems = {
        "libc", "vector", "main", "index", "session", "access", "hosts", "tmp", "16384",
        "style", "status", "messages", "widget", "parser", "auth", "cache"};
    std::vector<std::string> pool;
    pool.reserve(kFilePool);
    // The hot ones first: the skewed picks land here most often.
    for (const char *hot : {"/etc/ld.so.cache", "/usr/lib/x86_64-linux-gnu/libc.so.6",
                            "/etc/passwd", "/etc/hosts", "/etc/resolv.conf", "/dev/null",
                            "/usr/lib/locale/locale-archive", "/etc/nsswitch.conf"})
        pool.emplace_back(hot);
    while (pool.size() < size_t(kFilePool)) {
        const size_t i = pool.size();
        const char *root = roots[rng.below(roots.size())];
        std::string path = root;
        if (rng.chance(0.6))
            path += "/d" + std::to_string(rng.below(400));
        path += '/';
        path += stems[rng.below(stems.size())];
        path += '_' + std::to_string(i);
        path += exts[rng.below(exts.size())];
        pool.push_back(std::move(path));
    }
    return pool;
}

std::vector<Remote> makeRemotePool(SplitMix64 &rng)
{
    static const std::array<uint16_t, 7> ports = {443, 443, 80, 53, 22, 5432, 8080};
    std::vector<Remote> pool;
    pool.reserve(kRemotePool);
    for (int i = 0; i < kRemotePool; ++i) {
        Remote r;
        if (i % 10 == 0)
            r.addr = "2001:db8::" + std::to_string(i);
        else if (i % 3 == 0)
            r.addr = "10.0." + std::to_string(rng.below(8)) + "." + std::to_string(1 + rng.below(250));
        else
            r.addr = std::to_string(93 + rng.below(100)) + "." + std::to_string(rng.below(256)) + "." +
                     std::to_string(rng.below(256)) + "." + std::to_string(1 + rng.below(254));
        r.port = ports[rng.below(ports.size())];
        pool.push_back(std::move(r));
    }
    return pool;
}

Generator::Generator(SessionWriter &writer, uint64_t events, bool graphRich)
: m_writer(writer), m_total(events), m_rng(kSeed), m_files(makeFilePool(m_rng)),
  m_remotes(makeRemotePool(m_rng)), m_graphRich(graphRich), m_rich(kRichSeed)
{
    m_stepNs = std::max<uint64_t>(1, kDurationNs / std::max<uint64_t>(1, events));
    // About kProcesses processes over the whole session, whatever its length.
    m_birthRate = std::clamp(double(kProcesses) / double(std::max<uint64_t>(1, events)), 1e-5, 0.01);
    for (int i = 0; i < kLossRecords; ++i)
        m_lossAt.push_back((events / (kLossRecords + 1)) * uint64_t(i + 1) + m_rng.below(1000));
    if (m_graphRich) {
        for (int i = 0; i < kRichChains; ++i)
            m_chainAt.push_back((events / (kRichChains + 1)) * uint64_t(i + 1));
        for (size_t i = 0; i < m_files.size(); ++i)
            m_ino.push_back(1'000'000 + i);
    }
}

bool Generator::run()
{
    m_ts = kCaptureStartNs;
    startRoots();
    while (!m_failed && m_written + m_batch.events.size() < m_total) {
        if (m_chainIndex < m_chainAt.size() && m_written + m_batch.events.size() >= m_chainAt[m_chainIndex])
            chain(m_chainIndex++);
        else
            step();
        if (m_batch.events.size() >= kBatch && !flush())
            return false;
    }
    return !m_failed && flush();
}

void Generator::startRoots()
{
    auto root = [&](uint32_t pid, uint32_t ppid, const char *comm, const char *exe,
                    std::vector<std::string> argv, uint32_t uid, int weight, int program) {
        Proc p;
        p.info.pid = pid;
        p.info.ppid = ppid;
        p.info.startNs = 1'000'000'000ULL + pid * 1000ULL;
        p.info.parentStartNs = ppid ? 1'000'000'000ULL + ppid * 1000ULL : 0;
        p.info.uid = uid;
        p.info.comm = comm;
        p.info.exe = exe;
        p.info.argv = std::move(argv);
        p.info.nsPid = pid;
        p.info.mntNs = 4026531841u;
        p.info.pidNs = 4026531836u;
        p.info.cgroupId = 1000 + pid % 7;
        p.gid = uid;
        p.weight = weight;
        p.program = program;
        m_batch.processes.push_back(p.info);
        m_procs.push_back(std::move(p));
        m_live.push_back(m_procs.size() - 1);
    };
    root(1, 0, "systemd", "/usr/lib/systemd/systemd", {"/sbin/init"}, 0, 1, 0);
    root(612, 1, "sshd", "/usr/sbin/sshd", {"sshd: /usr/sbin/sshd -D"}, 0, 1, 8);
    root(700, 1, "nginx", "/usr/sbin/nginx", {"nginx", "-g", "daemon off;"}, 33, 6, 12);
    root(731, 1, "postgres", "/usr/lib/postgresql/15/bin/postgres",
         {"postgres", "-D", "/var/lib/postgresql/15/main"}, 108, 6, 13);
    root(1204, 612, "bash", "/usr/bin/bash", {"-bash"}, 1000, 2, 0);
    root(1377, 612, "bash", "/usr/bin/bash", {"-bash"}, 1000, 2, 0);
    m_nextPid = 2000;
}

// A live process, the busy ones more often.
size_t Generator::pickLive()
{
    for (;;) {
        const size_t i = m_live[m_rng.below(m_live.size())];
        if (int(m_rng.below(8)) < proc(i).weight + 1)
            return i;
    }
}

Event Generator::base(const Proc &p)
{
    Event e;
    e.tsNs = m_ts;
    e.lastTsNs = m_ts;
    e.pid = p.info.pid;
    e.tid = (p.weight > 3 && m_rng.chance(0.3)) ? p.info.pid + 1 + uint32_t(m_rng.below(4)) : p.info.pid;
    e.ppid = p.info.ppid;
    e.uid = e.euid = p.info.uid;
    e.gid = p.gid;
    e.nsPid = p.info.nsPid;
    e.cgroupId = p.info.cgroupId;
    e.procStartNs = p.info.startNs;
    e.comm = p.info.comm;
    return e;
}

// Queues an event; a loss record due after it goes into a batch of its own, since the
// writer places a batch's losses after the batch's events.
void Generator::emit(Event e)
{
    m_batch.events.push_back(std::move(e));
    if (m_lossIndex < m_lossAt.size() && m_written + m_batch.events.size() >= m_lossAt[m_lossIndex]) {
        if (!flush()) {
            m_failed = true;
            return;
        }
        LossRecord loss;
        loss.firstTsNs = m_ts;
        loss.lastTsNs = m_ts + 2'000'000 + m_rng.below(50'000'000);
        loss.cpu = int32_t(m_rng.below(2));
        loss.count = 100 + m_rng.below(5000);
        loss.source = m_lossIndex % 2 ? "user-queue" : "kernel-ringbuf";
        m_batch.losses.push_back(loss);
        m_ts = loss.lastTsNs;
        ++m_lossIndex;
        if (!flush())
            m_failed = true;
    }
}

void Generator::step()
{
    advance();
    // Keep a few hundred processes alive: more births when few, more deaths when many.
    const double births = m_birthRate * (m_live.size() < 40 ? 4 : (m_live.size() > 300 ? 0.25 : 1));
    const double deaths = m_birthRate * (m_live.size() > 300 ? 4 : 0.9);
    if (m_rng.chance(births) && m_procs.size() < 200'000) {
        forkExec();
        return;
    }
    if (m_live.size() > 8 && m_rng.chance(deaths)) {
        exitOne();
        return;
    }
    const size_t pi = pickLive();
    Proc &p = proc(pi);
    const Program &prog = programs()[size_t(p.program)];
    const uint64_t r = m_rng.below(100);
    if (p.fds.empty() || r < 18) {
        if (prog.network && m_rng.chance(0.35))
            connect(p);
        else if (m_rng.chance(0.04))
            unlinkOrRename(p);
        else
            openat(p);
    } else if (r < 80) {
        readWrite(p);
    } else {
        close(p);
    }
}

void Generator::openat(Proc &p)
{
    Event e = base(p);
    e.syscall = "openat";
    const int file = int(m_rng.skewed(m_files.size()));
    e.path = m_files[size_t(file)];
    bool writing = e.path.rfind("/tmp", 0) == 0 || e.path.rfind("/var/log", 0) == 0 ||
                   e.path.find("/build/") != std::string::npos;
    if (m_graphRich && writing)
        writing = m_rich.chance(0.5); // the rest read what others wrote
    e.flags = writing ? 0x241 /*O_WRONLY|O_CREAT|O_TRUNC*/ : 0x80000 /*O_CLOEXEC*/;
    e.mode = writing ? 0644 : 0;
    if (m_rng.chance(0.07)) {
        e.ret = m_rng.chance(0.8) ? -2 /*ENOENT*/ : -13 /*EACCES*/;
    } else if (p.fds.size() >= 24) {
        e.ret = -24; // EMFILE
    } else {
        e.fd = p.lowestFreeFd();
        e.ret = e.fd;
        identify(e, file);
        p.fds.push_back({e.fd, file, -1, writing});
    }
    emit(std::move(e));
}

void Generator::connect(Proc &p)
{
    const int remote = int(m_rng.skewed(m_remotes.size()));
    const Remote &to = m_remotes[size_t(remote)];
    const bool v6 = to.addr.find(':') != std::string::npos;
    Event e = base(p);
    e.syscall = "connect";
    e.fd = p.lowestFreeFd();
    e.laddr = v6 ? "2001:db8::2" : "10.0.0.2";
    e.lport = uint16_t(32768 + m_rng.below(28000));
    if (m_graphRich) // the port the traffic on this fd uses (readWrite, close)
        e.lport = uint16_t(32768 + (e.fd * 131 + p.info.pid) % 28000);
    e.raddr = to.addr;
    e.rport = to.port;
    if (m_rng.chance(0.05)) {
        e.ret = m_rng.chance(0.5) ? -111 /*ECONNREFUSED*/ : -110 /*ETIMEDOUT*/;
    } else {
        if (p.fds.size() < 24)
            p.fds.push_back({e.fd, -1, remote});
    }
    emit(std::move(e));
}

void Generator::readWrite(Proc &p)
{
    const OpenFd &f = p.fds[m_rng.below(p.fds.size())];
    Event e = base(p);
    e.fd = f.fd;
    bool out = m_rng.chance(0.4);
    if (m_graphRich && f.file >= 0)
        out = f.writing;
    if (f.file >= 0) {
        e.syscall = out ? "write" : "read";
        e.path = m_files[size_t(f.file)];
        identify(e, f.file);
    } else {
        const Remote &to = m_remotes[size_t(f.remote)];
        e.syscall = out ? "sendto" : "recvfrom";
        e.laddr = to.addr.find(':') != std::string::npos ? "2001:db8::2" : "10.0.0.2";
        e.lport = uint16_t(32768 + (f.fd * 131 + p.info.pid) % 28000);
        e.raddr = to.addr;
        e.rport = to.port;
    }
    // Coalesced runs: most are single calls, some are long streams.
    e.count = m_rng.chance(0.7) ? 1 : 2 + m_rng.skewed(500);
    const uint64_t each = 1 + m_rng.below(out ? 4096 : 65536);
    if (m_rng.chance(0.02)) {
        e.ret = f.file >= 0 ? -5 /*EIO*/ : -104 /*ECONNRESET*/;
        e.count = 1;
    } else {
        e.bytes = each * e.count;
        e.ret = int64_t(each);
    }
    e.lastTsNs = e.tsNs + (e.count - 1) * (200 + m_rng.below(3000));
    m_ts = e.lastTsNs;
    emit(std::move(e));
}

void Generator::close(Proc &p)
{
    const size_t at = m_rng.below(p.fds.size());
    const OpenFd f = p.fds[at];
    p.fds.erase(p.fds.begin() + long(at));
    Event e = base(p);
    e.syscall = "close";
    e.fd = f.fd;
    if (f.file >= 0) {
        e.path = m_files[size_t(f.file)];
        identify(e, f.file);
    } else {
        const Remote &to = m_remotes[size_t(f.remote)];
        e.raddr = to.addr;
        e.rport = to.port;
        e.laddr = to.addr.find(':') != std::string::npos ? "2001:db8::2" : "10.0.0.2";
        e.lport = uint16_t(32768 + (f.fd * 131 + p.info.pid) % 28000);
    }
    emit(std::move(e));
}

void Generator::unlinkOrRename(Proc &p)
{
    Event e = base(p);
    const int file = int(m_rng.below(m_files.size()));
    e.path = m_files[size_t(file)];
    int target = -1;
    if (m_rng.chance(0.5)) {
        e.syscall = "unlink";
    } else {
        e.syscall = "rename";
        target = int(m_rng.below(m_files.size()));
        e.path2 = m_files[size_t(target)];
    }
    if (m_rng.chance(0.15))
        e.ret = m_rng.chance(0.5) ? -2 /*ENOENT*/ : -1 /*EPERM*/;
    if (m_graphRich && e.ret == 0 && target != file) {
        // The inode moves with a rename; the old name (or an unlinked one) is a new file next time.
        if (target >= 0)
            m_ino[size_t(target)] = m_ino[size_t(file)];
        m_ino[size_t(file)] = m_nextIno++;
    }
    emit(std::move(e));
}

void Generator::forkExec()
{
    // A parent that starts children: shells, make, servers...
    size_t parentIndex = pickLive();
    for (int tries = 0; tries < 8 && !programs()[size_t(proc(parentIndex).program)].forks; ++tries)
        parentIndex = pickLive();
    Proc child;
    {
        Proc &parent = proc(parentIndex);
        child.info = parent.info;
        child.info.pid = nextPid();
        child.info.nsPid = child.info.pid;
        child.info.ppid = parent.info.pid;
        child.info.parentStartNs = parent.info.startNs;
        child.info.startNs = m_ts;
        child.info.exitTsNs = 0;
        child.gid = parent.gid;
        child.program = parent.program;
        child.weight = 1 + int(m_rng.below(4));

        Event clone = base(parent);
        clone.syscall = "clone";
        clone.flags = 0x01200000 | 17; // CLONE_CHILD_SETTID|CLONE_CHILD_CLEARTID|SIGCHLD
        clone.ret = child.info.pid;
        m_batch.processes.push_back(child.info);
        emit(std::move(clone));
    }
    advance();
    // Most children exec something else; a few fail to (a missing binary).
    if (m_rng.chance(0.85)) {
        const int program = int(m_rng.below(programs().size()));
        const Program &prog = programs()[size_t(program)];
        Event exec = base(child);
        exec.syscall = "execve";
        exec.path = prog.exe;
        exec.argv = prog.argv;
        if (m_graphRich) {
            exec.dev = kRichDev;
            exec.ino = 500 + uint64_t(program);
        }
        if (m_rng.chance(0.03)) {
            exec.dev = exec.ino = 0;
            exec.ret = -2; // ENOENT: stays what it was
            exec.path = "/usr/local/bin/" + std::string(prog.comm);
        } else {
            child.program = program;
            child.info.comm = prog.comm;
            child.info.exe = prog.exe;
            child.info.argv = prog.argv;
            m_batch.processes.push_back(child.info);
        }
        emit(std::move(exec));
    }
    m_procs.push_back(std::move(child));
    m_live.push_back(m_procs.size() - 1);
    if (m_graphRich && programs()[size_t(proc(parentIndex).program)].forks && m_rich.chance(kRichPipeChance))
        pipeBetween(parentIndex, m_procs.size() - 1);
}

void Generator::exitOne()
{
    const size_t at = m_rng.below(m_live.size());
    const size_t index = m_live[at];
    Proc &p = proc(index);
    if (p.info.pid < 2000) // the roots stay
        return;
    p.alive = false;
    p.fds.clear();
    p.info.exitTsNs = m_ts;
    p.info.exitCode = m_rng.chance(0.9) ? 0 : 1;
    m_batch.processes.push_back(p.info);
    m_live[at] = m_live.back();
    m_live.pop_back();
}

bool Generator::flush()
{
    const size_t n = m_batch.events.size();
    if (auto done = m_writer.append(m_batch); !done) {
        std::fprintf(stderr, "provscope-bench-gensession: %s\n", done.error().c_str());
        return false;
    }
    m_written += n;
    m_batch = CaptureBatch();
    if (m_written / 1'000'000 != (m_written - n) / 1'000'000)
        std::fprintf(stderr, "  %llu events\n", static_cast<unsigned long long>(m_written));
    return true;
}

} // namespace provscope::bench
