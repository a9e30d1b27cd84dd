#pragma once
// The per-process fd table, followed in user space from the decoded events:
// what each open fd refers to (path and file identity, pipe/socket name, addresses). It names
// the object of a close (the kernel side sends only the fd: describing it at
// sys_enter would cost every syscall of the machine) and of any fd-based event
// the kernel could not name. Processes are keyed by (pid, start_ns); threads
// share their process's table; a fork copies it, exec drops close-on-exec fds,
// exit drops the table.
#include "event.h"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>

namespace provscope {

class FdTableTracker {
public:
    // Bounds: fds remembered per process, processes remembered at all.
    static constexpr size_t kMaxFdsPerProcess = 16384;
    static constexpr size_t kMaxProcesses = 32768;

    // A decoded syscall or fd-snapshot event of kind (enum ps_syscall_kind):
    // learns from it, forgets closed fds, and fills the object of a close (or
    // of an fd-based event that has none) from the table.
    void onSyscall(uint32_t kind, Event &ev);
    // A successful exec of process (pid, startNs): its close-on-exec fds are gone.
    void onExec(uint32_t pid, uint64_t startNs);
    // A new process (not a thread): it starts with a copy of its parent's fds.
    void onFork(uint32_t parentPid, uint64_t parentStartNs, uint32_t childPid, uint64_t childStartNs);
    void onExit(uint32_t pid, uint64_t startNs);

    size_t processCount() const { return m_tables.size(); }
    size_t fdCount(uint32_t pid, uint64_t startNs) const;

private:
    struct Object {
        std::string path;
        std::string laddr, raddr;
        uint16_t lport = 0, rport = 0;
        uint64_t dev = 0, ino = 0; // a file's identity, as the event that named it had it
    };
    struct Entry {
        std::shared_ptr<const Object> object; // shared by dups and forked copies
        bool cloexec = false;
    };
    using Table = std::unordered_map<int32_t, Entry>;
    struct Key {
        uint32_t pid;
        uint64_t startNs;
        bool operator==(const Key &other) const = default;
    };
    struct KeyHash {
        size_t operator()(const Key &k) const { return std::hash<uint64_t>()(k.startNs * 31 + k.pid); }
    };

    Table &tableOf(const Key &key);
    Table *findTable(const Key &key);
    void set(Table &table, int32_t fd, std::shared_ptr<const Object> object, bool cloexec);
    void dupInto(Table &table, const Event &ev, int32_t from, int32_t to, bool cloexec);
    void closeRange(Table &table, uint64_t first, uint64_t last, uint32_t flags);
    static std::shared_ptr<const Object> objectOf(const Event &ev);
    static std::shared_ptr<const Object> object2Of(const Event &ev);
    static void fill(Event &ev, const Object &object);

    std::unordered_map<Key, Table, KeyHash> m_tables;
};

} // namespace provscope
