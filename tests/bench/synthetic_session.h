#pragma once
// The synthetic session behind provscope-bench-gensession (generate_session.cpp says what it
// writes): pools of files and remote endpoints, the processes, and the Generator that plays
// about an hour of their activity into a SessionWriter. The base activity is in
// synthetic_session.cpp, the --graph-rich additions in synthetic_session_rich.cpp.
#include "capture_batch.h"
#include "event.h"
#include "session_writer.h"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace provscope::bench {

inline constexpr uint64_t kSeed = 0x70726f7673636f70ULL; // "provscop"
inline constexpr uint64_t kCaptureStartNs = 4'000'000'000'000ULL;  // boot ns
inline constexpr uint64_t kDurationNs = 3'600'000'000'000ULL;      // one hour
// 2026-11-22T09:00:00Z minus kCaptureStartNs: the session starts at 09:00 UTC.
inline constexpr int64_t kBootToEpochNs = 1'795'338'000'000'000'000LL - int64_t(kCaptureStartNs);
inline constexpr size_t kBatch = 20'000;
inline constexpr int kFilePool = 50'000;
inline constexpr int kRemotePool = 2'000;
inline constexpr int kLossRecords = 6;
inline constexpr int kProcesses = 4'000;
// --graph-rich
inline constexpr uint64_t kRichSeed = 0x6772617068726963ULL; // "graphric"
inline constexpr uint32_t kRichPidSpan = 1'000;              // new pids wrap in [2000, 3000)
inline constexpr int kRichChains = 24;
inline constexpr double kRichPipeChance = 0.3;               // of the forks by shells and make
inline constexpr uint64_t kRichDev = (8u << 8) | 1u;         // st_dev of /dev/sda1

class SplitMix64 {
public:
    explicit SplitMix64(uint64_t seed) : m_state(seed) {}
    uint64_t next()
    {
        uint64_t z = (m_state += 0x9e3779b97f4a7c15ULL);
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
        return z ^ (z >> 31);
    }
    uint64_t below(uint64_t n) { return n ? next() % n : 0; }
    bool chance(double p) { return double(next() >> 11) * 0x1.0p-53 < p; }
    // Skewed towards small indices (a few hot files, a long tail): min of two draws, squared.
    uint64_t skewed(uint64_t n)
    {
        const double u = double(next() >> 11) * 0x1.0p-53;
        return std::min<uint64_t>(n - 1, uint64_t(u * u * u * double(n)));
    }

private:
    uint64_t m_state;
};

struct Program {
    const char *comm;
    const char *exe;
    std::vector<std::string> argv;
    bool network;  // talks to remote endpoints
    bool forks;    // starts children
};

const std::vector<Program> &programs();

struct OpenFd {
    int fd;
    int file = -1;   // index into the file pool, -1 for a socket
    int remote = -1; // index into the remote pool
    bool writing = false; // --graph-rich: opened for writing (else read only)
};

struct Proc {
    ProcessInfo info;
    int program = 0;
    uint32_t gid = 0;
    int weight = 1; // how busy it is
    std::vector<OpenFd> fds;
    // The lowest free descriptor, as the kernel hands them out.
    int lowestFreeFd() const
    {
        for (int fd = 3;; ++fd) {
            if (std::none_of(fds.begin(), fds.end(), [fd](const OpenFd &f) { return f.fd == fd; }))
                return fd;
        }
    }
    bool alive = true;
};

struct Remote {
    std::string addr;
    uint16_t port;
};

std::vector<std::string> makeFilePool(SplitMix64 &rng);

std::vector<Remote> makeRemotePool(SplitMix64 &rng);

class Generator {
public:
    Generator(SessionWriter &writer, uint64_t events, bool graphRich);

    // Writes every event; false (the error printed) when the writer fails.
    bool run();
    uint64_t endNs() const { return m_ts + 1'000'000; }
    size_t processCount() const { return m_procs.size(); }

private:
    Proc &proc(size_t i) { return m_procs[i]; }

    void startRoots();

    // A live process, the busy ones more often.
    size_t pickLive();

    Event base(const Proc &p);

    // Queues an event; a loss record due after it goes into a batch of its own, since the
    // writer places a batch's losses after the batch's events.
    void emit(Event e);

    void advance() { m_ts += 1 + m_rng.below(2 * m_stepNs); }

    // One step of the base activity: a birth, a death, or a system call of a live process.
    void step();
    void openat(Proc &p);
    void connect(Proc &p);
    void readWrite(Proc &p);
    void close(Proc &p);
    void unlinkOrRename(Proc &p);
    void forkExec();

    // --graph-rich: the identity the kernel reports for a file of the pool.
    void identify(Event &e, int file);

    // --graph-rich: the next pid, wrapping within kRichPidSpan and skipping live processes.
    uint32_t nextPid();

    // --graph-rich: one read or write run on a named object, outside the fd tables.
    void io(Proc &p, const char *syscall, const std::string &path, int fd, uint64_t count, uint64_t each,
            uint64_t ino = 0);

    // --graph-rich: a pipe between a parent and its child, either way ("cmd | ...", "$(cmd)").
    void pipeBetween(size_t parent, size_t child);

    // --graph-rich: a child of parent that executes exe (not one of the programs' images).
    size_t spawn(size_t parentIndex, int program, const std::string &exe, std::vector<std::string> argv,
                 uint64_t ino);

    // --graph-rich: the chains' opens, closes and socket calls (not in the fd tables).
    void openFile(Proc &p, const std::string &path, int fd, bool writing, uint64_t ino);
    void closeFile(Proc &p, const std::string &path, int fd, uint64_t ino);
    void socketIo(Proc &p, const char *syscall, const Remote &to, int fd, uint64_t count, uint64_t each);

    // --graph-rich: the download, execute, steal, exfiltrate, persist chain number n.
    void chain(size_t n);

    // --graph-rich: the process at index exits now.
    void exitProc(size_t index);

    // A random process exits (never the roots).
    void exitOne();

    bool flush();

    SessionWriter &m_writer;
    uint64_t m_total;
    SplitMix64 m_rng;
    std::vector<std::string> m_files;
    std::vector<Remote> m_remotes;
    std::vector<Proc> m_procs;
    std::vector<size_t> m_live;
    std::vector<uint64_t> m_lossAt;
    size_t m_lossIndex = 0;
    CaptureBatch m_batch;
    uint64_t m_written = 0;
    uint64_t m_ts = 0;
    uint64_t m_stepNs = 1;
    double m_birthRate = 0.001;
    bool m_failed = false;
    uint32_t m_nextPid = 2000;
    bool m_graphRich = false;
    SplitMix64 m_rich;             // --graph-rich's own choices: the base stream stays the same
    std::vector<uint64_t> m_chainAt;
    size_t m_chainIndex = 0;
    uint64_t m_pipes = 0;
    std::vector<uint64_t> m_ino;   // by file of the pool: its current inode
    uint64_t m_nextIno = 2'000'000;
};

} // namespace provscope::bench
