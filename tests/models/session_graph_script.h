#pragma once
// A small session written event by event with the real SessionWriter, for the
// session graph's and the analysis's tests. Event ids are 1-based, in the
// order the events were added.
#include "session_writer.h"
#include "test_session_file.h"

#include <QTemporaryDir>
#include <QtTest>

#include <string>
#include <vector>

namespace provscope::test {

inline constexpr uint64_t kScriptBoot = 1'000'000'000ull; // boot ns of the first event

struct SessionScript {
    std::vector<ProcessInfo> processes;
    std::vector<Event> events;

    ProcessInfo &process(uint32_t pid, uint64_t startNs, uint32_t ppid, uint64_t parentStartNs, const char *comm,
                         const char *exe = "")
    {
        processes.push_back(processInfo(pid, startNs, ppid, parentStartNs, comm, exe));
        return processes.back();
    }
    // Returns the event id.
    int64_t event(uint32_t pid, uint64_t startNs, const char *syscall, uint64_t ts, std::string path = {},
                  int64_t ret = 0, uint64_t lastTs = 0)
    {
        Event e;
        e.pid = pid;
        e.tid = pid;
        e.procStartNs = startNs;
        e.comm = "p" + std::to_string(pid);
        e.syscall = syscall;
        e.tsNs = ts;
        e.lastTsNs = lastTs ? lastTs : ts;
        e.path = std::move(path);
        e.ret = ret;
        events.push_back(e);
        return static_cast<int64_t>(events.size());
    }
    Event &last() { return events.back(); }
    int64_t socketEvent(uint32_t pid, uint64_t startNs, const char *syscall, uint64_t ts, const char *laddr,
                        uint16_t lport, const char *raddr, uint16_t rport, int64_t ret = 0)
    {
        const int64_t id = event(pid, startNs, syscall, ts, {}, ret);
        Event &e = last();
        e.laddr = laddr;
        e.lport = lport;
        e.raddr = raddr;
        e.rport = rport;
        return id;
    }
    int64_t rename(uint32_t pid, uint64_t startNs, uint64_t ts, std::string from, std::string to)
    {
        const int64_t id = event(pid, startNs, "renameat2", ts, std::move(from));
        last().path2 = std::move(to);
        return id;
    }

    // Writes the session into dir; fails the test on error.
    std::string write(const QTemporaryDir &dir, const QString &name = QStringLiteral("s.provscope")) const
    {
        const QString path = dir.filePath(name);
        CaptureBatch batch;
        batch.processes = processes;
        batch.events = events;
        uint64_t end = kScriptBoot;
        for (const Event &e : events)
            end = std::max({end, e.tsNs, e.lastTsNs});
        const QString error = writeSession(path, testSessionMeta("host", "boot-1", 1'700'000'000'000'000'000ll,
                                                                 kScriptBoot),
                                           {batch}, end + 1);
        if (!error.isEmpty())
            qWarning("writing the session failed: %s", qPrintable(error));
        return path.toStdString();
    }
};

} // namespace provscope::test
