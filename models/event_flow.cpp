#include "event_flow.h"

#include <initializer_list>

namespace provscope {

static bool in(std::string_view name, std::initializer_list<std::string_view> names)
{
    for (std::string_view n : names)
        if (n == name)
            return true;
    return false;
}

FlowRole flowRoleOf(std::string_view name, bool onSocket)
{
    if (in(name, {"read", "pread64", "readv", "preadv", "preadv2"}))
        return onSocket ? FlowRole::Recv : FlowRole::Read;
    if (in(name, {"recvfrom", "recvmsg", "recvmmsg"}))
        return FlowRole::Recv;
    if (in(name, {"write", "pwrite64", "writev", "pwritev", "pwritev2"}))
        return onSocket ? FlowRole::Send : FlowRole::Write;
    if (in(name, {"sendto", "sendmsg", "sendmmsg"}))
        return FlowRole::Send;
    if (name == "connect")
        return FlowRole::Connect;
    if (in(name, {"accept", "accept4"}))
        return FlowRole::Accept;
    if (in(name, {"execve", "execveat"}))
        return FlowRole::Exec;
    if (in(name, {"open", "openat", "openat2", "creat"}))
        return FlowRole::Open;
    if (in(name, {"unlink", "unlinkat"}))
        return FlowRole::Unlink;
    if (in(name, {"rename", "renameat", "renameat2"}))
        return FlowRole::Rename;
    if (in(name, {"sendfile", "sendfile64", "splice", "copy_file_range"}))
        return FlowRole::Copy;
    return FlowRole::None; // close, bind, listen, exit, clone (forks come from the process table)
}

bool flowSucceeded(FlowRole role, int64_t ret)
{
    constexpr int64_t kInProgress = -115; // EINPROGRESS: a non-blocking connect that goes on
    if (role == FlowRole::Connect)
        return ret >= 0 || ret == kInProgress;
    return ret >= 0;
}

EdgeType flowEdgeType(FlowRole role)
{
    switch (role) {
    case FlowRole::Read: return EdgeType::Read;
    case FlowRole::Write: return EdgeType::Write;
    case FlowRole::Recv: return EdgeType::Recv;
    case FlowRole::Send: return EdgeType::Send;
    case FlowRole::Connect: return EdgeType::Connect;
    case FlowRole::Accept: return EdgeType::Accept;
    case FlowRole::Exec: return EdgeType::Exec;
    case FlowRole::Open: return EdgeType::Open;
    case FlowRole::Unlink: return EdgeType::Unlink;
    case FlowRole::Rename: return EdgeType::Rename;
    case FlowRole::Copy: return EdgeType::Write; // and a read: see the session graph scan
    case FlowRole::None: break;
    }
    return EdgeType::Read;
}

bool flowIntoProcess(FlowRole role)
{
    return role == FlowRole::Read || role == FlowRole::Recv || role == FlowRole::Accept || role == FlowRole::Exec;
}

bool isPipePath(std::string_view path)
{
    return path.rfind("pipe:", 0) == 0 || path.rfind("socket:", 0) == 0;
}

bool isCloneSyscall(std::string_view name)
{
    return in(name, {"clone", "clone3", "fork", "vfork"});
}

} // namespace provscope
