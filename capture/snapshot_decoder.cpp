#include "snapshot_decoder.h"

#include <linux/types.h>
#include "provscope_events.h"

#include <cstring>
#include <fstream>
#include <iterator>
#include <string_view>

namespace provscope {
namespace {

void splitNulSeparated(std::string_view text, std::vector<std::string> &out)
{
    out.clear();
    if (text.empty())
        return;
    size_t pos = 0;
    while (pos <= text.size()) {
        size_t end = text.find('\0', pos);
        if (end == std::string_view::npos)
            end = text.size();
        out.emplace_back(text.substr(pos, end - pos));
        pos = end + 1;
    }
}

} // namespace

Result<ProcessInfo> decodeTaskSnapshot(const unsigned char *data, size_t size, const std::string &procRoot)
{
    if (size < sizeof(ps_exec_record))
        return makeError("task snapshot record too short");
    ps_exec_record rec;
    std::memcpy(&rec, data, sizeof(rec));
    const size_t need = sizeof(rec) + size_t(rec.exe_len) + 1 + size_t(rec.argv_len) + 1;
    if (need > size)
        return makeError("task snapshot strings run past the record");
    const char *exe = reinterpret_cast<const char *>(data + sizeof(rec));

    ProcessInfo info;
    info.pid = rec.task.pid;
    info.startNs = rec.task.start_ns;
    info.ppid = rec.task.ppid;
    info.uid = rec.task.uid;
    info.mntNs = rec.task.mnt_ns;
    info.pidNs = rec.task.pid_ns;
    info.nsPid = rec.task.ns_pid;
    info.cgroupId = rec.task.cgroup_id;
    info.comm.assign(rec.task.comm, strnlen(rec.task.comm, sizeof(rec.task.comm)));
    info.exe.assign(exe, rec.exe_len);
    std::string_view argv(exe + rec.exe_len + 1, rec.argv_len);
    std::string cmdline;
    if (argv.empty()) {
        // the iterator could not read the task's memory (swapped out, or no
        // sleepable iterator support): /proc has the same bytes
        std::ifstream in(procRoot + "/" + std::to_string(rec.task.pid) + "/cmdline", std::ios::binary);
        cmdline.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
        if (!cmdline.empty() && cmdline.back() == '\0')
            cmdline.pop_back();
        argv = cmdline;
    }
    splitNulSeparated(argv, info.argv);
    return info;
}

} // namespace provscope
