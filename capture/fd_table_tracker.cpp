#include "fd_table_tracker.h"

#include <linux/types.h>
#include "provscope_events.h"

namespace provscope {

namespace {

// x86_64/asm-generic values; the kernel side passes flags as the caller gave them.
constexpr uint32_t kOCloexec = 02000000;      // O_CLOEXEC (open, pipe2, dup3)
constexpr uint32_t kSockCloexec = 02000000;   // SOCK_CLOEXEC (socket, socketpair, accept4)
constexpr uint32_t kMfdCloexec = 1;           // MFD_CLOEXEC
constexpr uint64_t kFDupfd = 0, kFSetfd = 2, kFDupfdCloexec = 1030;
constexpr uint64_t kFdCloexec = 1;            // FD_CLOEXEC
constexpr uint32_t kCloseRangeCloexec = 1u << 2;

bool hasObject(const Event &ev)
{
    return !ev.path.empty() || ev.hasSocket();
}

// Kinds whose fd (and, for the copies, fd2) is an open fd the event names in
// path (path2): what heals the table and what an unnamed event is filled from.
bool namesFdObject(uint32_t kind)
{
    switch (kind) {
    case PS_SC_READ: case PS_SC_WRITE: case PS_SC_PREAD64: case PS_SC_PWRITE64:
    case PS_SC_READV: case PS_SC_WRITEV: case PS_SC_PREADV: case PS_SC_PWRITEV:
    case PS_SC_PREADV2: case PS_SC_PWRITEV2: case PS_SC_RECVFROM: case PS_SC_RECVMSG:
    case PS_SC_SENDTO: case PS_SC_SENDMSG: case PS_SC_SENDMMSG: case PS_SC_RECVMMSG:
    case PS_SC_LISTEN: case PS_SC_CONNECT: case PS_SC_BIND: case PS_SC_FCHDIR:
    case PS_SC_FTRUNCATE: case PS_SC_FCHMOD: case PS_SC_FCHOWN: case PS_SC_MMAP:
    case PS_SC_MQ_TIMEDSEND: case PS_SC_MQ_TIMEDRECEIVE:
    case PS_SC_SENDFILE: case PS_SC_SPLICE: case PS_SC_COPY_FILE_RANGE:
        return true;
    }
    return false;
}

bool namesFd2Object(uint32_t kind)
{
    return kind == PS_SC_SENDFILE || kind == PS_SC_SPLICE || kind == PS_SC_COPY_FILE_RANGE;
}

} // namespace

size_t FdTableTracker::fdCount(uint32_t pid, uint64_t startNs) const
{
    auto it = m_tables.find(Key{pid, startNs});
    return it == m_tables.end() ? 0 : it->second.size();
}

FdTableTracker::Table &FdTableTracker::tableOf(const Key &key)
{
    auto it = m_tables.find(key);
    if (it != m_tables.end())
        return it->second;
    // Exits can be lost (a full ring buffer): never let stale tables pile up.
    if (m_tables.size() >= kMaxProcesses)
        m_tables.erase(m_tables.begin());
    return m_tables[key];
}

FdTableTracker::Table *FdTableTracker::findTable(const Key &key)
{
    auto it = m_tables.find(key);
    return it == m_tables.end() ? nullptr : &it->second;
}

std::shared_ptr<const FdTableTracker::Object> FdTableTracker::objectOf(const Event &ev)
{
    if (!hasObject(ev))
        return nullptr;
    auto object = std::make_shared<Object>();
    object->path = ev.path;
    object->laddr = ev.laddr;
    object->raddr = ev.raddr;
    object->lport = ev.lport;
    object->rport = ev.rport;
    object->dev = ev.dev;
    object->ino = ev.ino;
    return object;
}

std::shared_ptr<const FdTableTracker::Object> FdTableTracker::object2Of(const Event &ev)
{
    if (ev.path2.empty())
        return nullptr;
    auto object = std::make_shared<Object>();
    object->path = ev.path2;
    return object;
}

void FdTableTracker::fill(Event &ev, const Object &object)
{
    ev.path = object.path;
    ev.laddr = object.laddr;
    ev.raddr = object.raddr;
    ev.lport = object.lport;
    ev.rport = object.rport;
    ev.dev = object.dev;
    ev.ino = object.ino;
}

void FdTableTracker::set(Table &table, int32_t fd, std::shared_ptr<const Object> object, bool cloexec)
{
    if (fd < 0)
        return;
    if (!object) {
        table.erase(fd); // reused for something we cannot name: forget the old object
        return;
    }
    auto it = table.find(fd);
    if (it != table.end()) {
        it->second = Entry{std::move(object), cloexec};
        return;
    }
    if (table.size() >= kMaxFdsPerProcess)
        return;
    table.emplace(fd, Entry{std::move(object), cloexec});
}

void FdTableTracker::dupInto(Table &table, const Event &ev, int32_t from, int32_t to, bool cloexec)
{
    if (from < 0 || to < 0 || from == to)
        return;
    std::shared_ptr<const Object> object = objectOf(ev); // the kernel named `from`
    if (!object) {
        auto it = table.find(from);
        if (it != table.end())
            object = it->second.object;
    }
    set(table, to, std::move(object), cloexec);
}

void FdTableTracker::closeRange(Table &table, uint64_t first, uint64_t last, uint32_t flags)
{
    for (auto it = table.begin(); it != table.end();) {
        const uint64_t fd = uint64_t(it->first);
        if (fd < first || fd > last) {
            ++it;
        } else if (flags & kCloseRangeCloexec) {
            it->second.cloexec = true;
            ++it;
        } else {
            it = table.erase(it);
        }
    }
}

void FdTableTracker::onSyscall(uint32_t kind, Event &ev)
{
    const Key key{ev.pid, ev.procStartNs};
    const bool ok = ev.ret >= 0;
    switch (kind) {
    case PS_SC_SNAPSHOT_FD:
        set(tableOf(key), ev.fd, objectOf(ev), false);
        return;
    case PS_SC_OPEN: case PS_SC_OPENAT: case PS_SC_OPENAT2: case PS_SC_CREAT:
        if (ok)
            set(tableOf(key), int32_t(ev.ret), objectOf(ev), (ev.flags & kOCloexec) != 0);
        return;
    case PS_SC_MEMFD_CREATE:
        if (ok)
            set(tableOf(key), int32_t(ev.ret), objectOf(ev), (ev.flags & kMfdCloexec) != 0);
        return;
    case PS_SC_MQ_OPEN:
        if (ok) // the kernel always opens message queues close-on-exec
            set(tableOf(key), int32_t(ev.ret), objectOf(ev), true);
        return;
    case PS_SC_SOCKET:
        if (ok)
            set(tableOf(key), int32_t(ev.ret), objectOf(ev), (ev.flags & kSockCloexec) != 0);
        return;
    case PS_SC_ACCEPT: case PS_SC_ACCEPT4:
        if (ok)
            set(tableOf(key), int32_t(ev.ret), objectOf(ev), (ev.flags & kSockCloexec) != 0);
        return;
    case PS_SC_PIPE: case PS_SC_PIPE2:
        if (ok) {
            Table &table = tableOf(key);
            const bool cloexec = kind == PS_SC_PIPE2 && (ev.flags & kOCloexec);
            auto object = objectOf(ev); // both ends are the one pipe
            set(table, ev.fd, object, cloexec);
            set(table, ev.fd2, object, cloexec);
        }
        return;
    case PS_SC_SOCKETPAIR:
        if (ok) {
            Table &table = tableOf(key);
            const bool cloexec = (ev.flags & kSockCloexec) != 0;
            set(table, ev.fd, objectOf(ev), cloexec);
            set(table, ev.fd2, object2Of(ev), cloexec);
        }
        return;
    case PS_SC_DUP:
        if (ok)
            dupInto(tableOf(key), ev, ev.fd, int32_t(ev.ret), false);
        return;
    case PS_SC_DUP2: case PS_SC_DUP3:
        if (ok)
            dupInto(tableOf(key), ev, ev.fd, ev.fd2, kind == PS_SC_DUP3 && (ev.flags & kOCloexec));
        return;
    case PS_SC_FCNTL:
        if (!ok)
            return;
        if (ev.aux1 == kFDupfd || ev.aux1 == kFDupfdCloexec) {
            dupInto(tableOf(key), ev, ev.fd, int32_t(ev.ret), ev.aux1 == kFDupfdCloexec);
        } else if (ev.aux1 == kFSetfd) {
            if (Table *table = findTable(key)) {
                auto it = table->find(ev.fd);
                if (it != table->end())
                    it->second.cloexec = (ev.aux2 & kFdCloexec) != 0;
            }
        }
        return;
    case PS_SC_CLOSE: {
        // the fd is gone whatever close returned (EINTR included); EBADF: it was not open
        Table *table = findTable(key);
        if (!table)
            return;
        auto it = table->find(ev.fd);
        if (it == table->end())
            return;
        if (!hasObject(ev))
            fill(ev, *it->second.object);
        table->erase(it);
        return;
    }
    case PS_SC_CLOSE_RANGE:
        if (ok) {
            if (Table *table = findTable(key))
                closeRange(*table, ev.aux1, ev.aux2, ev.flags);
        }
        return;
    default:
        break;
    }
    if (!namesFdObject(kind) || ev.fd < 0)
        return;
    // An fd-based event: the kernel's name heals the table, the table names
    // an event the kernel could not.
    if (hasObject(ev)) {
        Table &table = tableOf(key);
        auto it = table.find(ev.fd);
        const bool cloexec = it != table.end() && it->second.cloexec;
        if (it == table.end() || it->second.object->path != ev.path || it->second.object->raddr != ev.raddr
            || it->second.object->laddr != ev.laddr || it->second.object->rport != ev.rport
            || it->second.object->lport != ev.lport || it->second.object->ino != ev.ino
            || it->second.object->dev != ev.dev)
            set(table, ev.fd, objectOf(ev), cloexec);
    } else if (Table *table = findTable(key)) {
        auto it = table->find(ev.fd);
        if (it != table->end())
            fill(ev, *it->second.object);
    }
    if (namesFd2Object(kind) && ev.fd2 >= 0 && ev.path2.empty()) {
        if (Table *table = findTable(key)) {
            auto it = table->find(ev.fd2);
            if (it != table->end())
                ev.path2 = it->second.object->path;
        }
    }
}

void FdTableTracker::onExec(uint32_t pid, uint64_t startNs)
{
    Table *table = findTable(Key{pid, startNs});
    if (!table)
        return;
    for (auto it = table->begin(); it != table->end();) {
        if (it->second.cloexec)
            it = table->erase(it);
        else
            ++it;
    }
}

void FdTableTracker::onFork(uint32_t parentPid, uint64_t parentStartNs, uint32_t childPid, uint64_t childStartNs)
{
    const Table *parent = findTable(Key{parentPid, parentStartNs});
    if (!parent || parent->empty())
        return;
    Table copy = *parent; // objects are shared, not copied
    tableOf(Key{childPid, childStartNs}) = std::move(copy);
}

void FdTableTracker::onExit(uint32_t pid, uint64_t startNs)
{
    m_tables.erase(Key{pid, startNs});
}

} // namespace provscope
