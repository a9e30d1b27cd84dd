#include "backtrack_log_writer.h"

#include "backtrack_identity.h"
#include "backtrack_syscall_map.h"
#include "event_json.h"

#include <initializer_list>

namespace provscope {
namespace {

constexpr int kAtFdCwd = -100;

// A JSON object built field by field: {"Key":value,...}.
class JsonObject {
public:
    void raw(std::string_view key, const std::string &json)
    {
        m_text += m_text.empty() ? '{' : ',';
        m_text += '"';
        m_text += key;
        m_text += "\":";
        m_text += json;
    }
    void text(std::string_view key, std::string_view value) { raw(key, jsonString(value)); }
    void number(std::string_view key, int64_t value) { raw(key, std::to_string(value)); }
    void unsignedNumber(std::string_view key, uint64_t value) { raw(key, std::to_string(value)); }
    std::string done() { return m_text.empty() ? "{}" : m_text + '}'; }

private:
    std::string m_text;
};

bool isOneOf(std::string_view name, std::initializer_list<std::string_view> names)
{
    for (std::string_view n : names) {
        if (n == name)
            return true;
    }
    return false;
}

// "1.2.3.4:80" or "[::1]:80".
std::string endpoint(const std::string &addr, uint16_t port)
{
    const bool v6 = addr.find(':') != std::string::npos;
    return (v6 ? "[" + addr + "]" : addr) + ":" + std::to_string(port);
}

// BackTrack's argument names: Pathname, DirFD, Flags, Mode as documented; the
// others in the same style. Each key always has the same JSON type.
std::string argumentsOf(const Event &e)
{
    JsonObject args;
    const std::string_view name = e.syscall;
    if (isOneOf(name, {"execve", "execveat"})) {
        args.text("Pathname", e.path);
    } else if (isOneOf(name, {"open", "openat", "openat2"})) {
        // The path is resolved to an absolute one in the kernel, so relative to
        // AT_FDCWD it names the same file.
        args.number("DirFD", kAtFdCwd);
        args.text("Pathname", e.path);
        args.text("Flags", backtrackOpenFlags(e.flags));
        args.unsignedNumber("Mode", e.mode);
    } else if (isOneOf(name, {"rename", "renameat", "renameat2", "link", "linkat", "symlink", "symlinkat"})) {
        args.text("OldPathname", e.path);
        args.text("NewPathname", e.path2);
        if (name == "renameat2")
            args.text("Flags", backtrackRenameFlags(e.flags));
    } else {
        if (e.fd >= 0)
            args.number("FD", e.fd);
        if (e.fd2 >= 0)
            args.number("FD2", e.fd2);
        if (!e.path.empty())
            args.text("Pathname", e.path);
        if (!e.path2.empty())
            args.text("NewPathname", e.path2);
        if (isOneOf(name, {"creat", "chmod", "fchmod", "fchmodat", "mkdir", "mkdirat", "mknod", "mknodat"}))
            args.unsignedNumber("Mode", e.mode);
        if (e.hasSocket()) {
            args.text("LocalAddress", e.laddr);
            args.number("LocalPort", e.lport);
            args.text("RemoteAddress", e.raddr);
            args.number("RemotePort", e.rport);
        }
    }
    if (e.pathTruncated)
        args.raw("PathTruncated", "true");
    if (e.count > 1) { // a coalesced run of syscalls: one line, how many and how much
        args.unsignedNumber("Count", e.count);
        args.unsignedNumber("Bytes", e.bytes);
    }
    return args.done();
}

struct EventNames {
    std::string raw;
    std::string edge;
    int number = -1;
    BacktrackFlow flow = BacktrackFlow::None;
};

EventNames namesOf(std::string_view syscall)
{
    if (const BacktrackSyscall *entry = findBacktrackSyscall(syscall))
        return {std::string(entry->rawEvent), std::string(entry->edgeEvent), entry->number, entry->flow};
    const std::string upper = backtrackUpperName(syscall);
    return {upper, upper, -1, BacktrackFlow::None};
}

} // namespace

BacktrackLogWriter::BacktrackLogWriter(std::string bootId, int64_t bootToEpochNs)
    : m_bootId(std::move(bootId)), m_bootToEpochNs(bootToEpochNs)
{
}

int64_t BacktrackLogWriter::timestampUs(uint64_t bootNs, int64_t bootToEpochNs)
{
    return (int64_t(bootNs) + bootToEpochNs) / 1000;
}

std::string BacktrackLogWriter::rawLine(const Event &e, int64_t bootToEpochNs)
{
    const EventNames names = namesOf(e.syscall);
    JsonObject line;
    line.number("Timestamp", timestampUs(e.tsNs, bootToEpochNs));
    line.text("EventName", names.raw);
    line.text("SyscallID", std::to_string(names.number));
    line.text("ProcessName", e.comm);
    line.unsignedNumber("ProcessID", e.pid);
    line.unsignedNumber("ThreadID", e.tid);
    line.text("ProcessType", e.tid != 0 && e.tid != e.pid ? "thread" : "process");
    line.number("ReturnValue", e.ret);
    line.raw("Arguments", argumentsOf(e));
    return line.done();
}

std::string BacktrackLogWriter::nameOf(const ProcessKey &key) const
{
    if (auto it = m_processNames.find(key); it != m_processNames.end())
        return it->second;
    if (auto it = m_knownNames.find(key); it != m_knownNames.end())
        return it->second;
    return {};
}

void BacktrackLogWriter::addProcess(const ProcessInfo &info)
{
    const ProcessKey child{info.pid, info.startNs};
    if (!info.comm.empty() && !m_knownNames.count(child))
        m_knownNames[child] = info.comm;
    if (info.parentStartNs == 0 || !m_forked.insert(child).second)
        return;
    const ProcessKey parent{info.ppid, info.parentStartNs};
    m_pendingForks.emplace(info.startNs, PendingFork{parent, child, info.comm});
}

void BacktrackLogWriter::writeForksUpTo(uint64_t tsNs, std::string &tracker)
{
    while (!m_pendingForks.empty() && m_pendingForks.begin()->first <= tsNs) {
        const PendingFork fork = m_pendingForks.begin()->second;
        m_pendingForks.erase(m_pendingForks.begin());
        // The child carries its parent's name (as of the fork) until it execs.
        std::string name = nameOf(fork.parent);
        if (name.empty())
            name = fork.childName;
        const Node parent = processNode(fork.parent, name, tracker);
        const Node child = processNode(fork.child, name, tracker);
        // Which call made it (fork, vfork, clone, clone3) is not in the process
        // record; all of them go through the kernel's clone path.
        writeEdge(fork.child.second, parent, child, "CLONE", 56, tracker);
    }
}

void BacktrackLogWriter::flush(std::string &tracker) { writeForksUpTo(UINT64_MAX, tracker); }

BacktrackLogWriter::Node BacktrackLogWriter::processNode(const ProcessKey &key, const std::string &name,
                                                         std::string &tracker)
{
    Node node{backtrackProcessUuid(m_bootId, key.first, key.second), name};
    auto [it, added] = m_processNames.try_emplace(key, name);
    // Written once, and again (same UUID) when exec gives the process a new name.
    if (added || it->second != name) {
        it->second = name;
        JsonObject line;
        line.text("LogType", "node");
        line.text("UUID", node.uuid);
        line.text("NodeName", name);
        line.text("NodeType", "process");
        line.unsignedNumber("ProcessID", key.first);
        line.unsignedNumber("ThreadID", key.first);
        tracker += line.done();
        tracker += '\n';
    }
    return node;
}

BacktrackLogWriter::Node BacktrackLogWriter::objectNode(const Event &e, bool usePath2, std::string &tracker)
{
    Node node;
    std::string_view type;
    if (!usePath2 && e.hasSocket()) {
        node.uuid = backtrackSocketUuid(m_bootId, e.laddr, e.lport, e.raddr, e.rport);
        node.name = endpoint(e.laddr, e.lport) + "->" + endpoint(e.raddr, e.rport);
        type = "socket";
    } else {
        node.name = usePath2 ? e.path2 : e.path;
        if (node.name.empty())
            return {};
        node.uuid = backtrackFileUuid(m_bootId, node.name);
        type = node.name.rfind("pipe:[", 0) == 0 ? "pipe" : node.name.rfind("socket:[", 0) == 0 ? "socket" : "file";
    }
    if (m_objectNodes.insert(node.uuid).second) {
        JsonObject line;
        line.text("LogType", "node");
        line.text("UUID", node.uuid);
        line.text("NodeName", node.name);
        line.text("NodeType", type);
        line.number("ProcessID", 0); // not a process
        line.number("ThreadID", 0);
        tracker += line.done();
        tracker += '\n';
    }
    return node;
}

void BacktrackLogWriter::writeEdge(uint64_t tsNs, const Node &from, const Node &to, std::string_view eventName,
                                   int syscallId, std::string &tracker) const
{
    JsonObject line;
    line.text("LogType", "edge");
    line.number("Timestamp", timestampUs(tsNs, m_bootToEpochNs));
    line.text("FromUUID", from.uuid);
    line.text("ToUUID", to.uuid);
    line.text("EventName", eventName);
    line.number("SyscallID", syscallId);
    line.text("FromName", from.name);
    tracker += line.done();
    tracker += '\n';
}

void BacktrackLogWriter::addEvent(const Event &e, std::string &raw, std::string &tracker)
{
    writeForksUpTo(e.tsNs, tracker);
    raw += rawLine(e, m_bootToEpochNs);
    raw += '\n';

    const EventNames names = namesOf(e.syscall);
    if (names.flow == BacktrackFlow::None || e.ret < 0)
        return; // nothing flowed (or the call failed)
    const ProcessKey key{e.pid, e.procStartNs};
    // A thread may name itself (prctl): only an exec renames the process node.
    const bool exec = e.syscall == "execve" || e.syscall == "execveat";
    std::string name = e.comm;
    if (auto written = m_processNames.find(key); !exec && written != m_processNames.end())
        name = written->second;
    if (name.empty())
        name = nameOf(key);

    if (names.flow == BacktrackFlow::PathToPath2) {
        if (e.path.empty() || e.path2.empty())
            return;
        const Node from = objectNode(e, false, tracker);
        const Node to = objectNode(e, true, tracker);
        writeEdge(e.tsNs, from, to, names.edge, names.number, tracker);
        return;
    }
    const Node object = objectNode(e, false, tracker);
    if (object.uuid.empty())
        return; // nothing named (an anonymous mapping, an unresolved fd)
    const Node process = processNode(key, name, tracker);
    bool toProcess = names.flow == BacktrackFlow::ObjectToProcess;
    if (names.flow == BacktrackFlow::OpenByMode)
        toProcess = (e.flags & 3u) != 1u; // O_WRONLY: the process only puts data in
    if (toProcess)
        writeEdge(e.tsNs, object, process, names.edge, names.number, tracker);
    else
        writeEdge(e.tsNs, process, object, names.edge, names.number, tracker);
}

} // namespace provscope
