#include "startup_snapshot.h"

#include "record_decoder.h"

#include <linux/types.h>
#include "provscope_events.h"
#include "provscope.skel.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <unistd.h>
#include <unordered_map>

namespace provscope {
namespace {

// Runs one iterator program to EOF and decodes the records it wrote.
Result<uint64_t> runIterator(bpf_program *prog, const char *what, RecordDecoder &decoder, CaptureBatch &batch)
{
    bpf_link *link = bpf_program__attach_iter(prog, nullptr);
    if (!link)
        return makeError(std::string("attaching the ") + what + " snapshot iterator failed: " + std::strerror(errno));
    const int fd = bpf_iter_create(bpf_link__fd(link));
    if (fd < 0) {
        const int err = errno;
        bpf_link__destroy(link);
        return makeError(std::string("creating the ") + what + " snapshot iterator failed: " + std::strerror(err));
    }
    std::string data;
    char buf[64 * 1024];
    ssize_t n;
    while ((n = read(fd, buf, sizeof buf)) != 0) {
        if (n < 0) {
            if (errno == EINTR || errno == EAGAIN)
                continue;
            const int err = errno;
            close(fd);
            bpf_link__destroy(link);
            return makeError(std::string("reading the ") + what + " snapshot failed: " + std::strerror(err));
        }
        data.append(buf, size_t(n));
    }
    close(fd);
    bpf_link__destroy(link);

    uint64_t records = 0;
    size_t pos = 0;
    while (pos + sizeof(ps_header) <= data.size()) {
        ps_header hdr;
        std::memcpy(&hdr, data.data() + pos, sizeof(hdr));
        if (hdr.size < sizeof(ps_header) || pos + hdr.size > data.size())
            return makeError(std::string("the ") + what + " snapshot has a malformed record at byte "
                             + std::to_string(pos));
        if (decoder.decode(data.data() + pos, hdr.size, batch).ok())
            ++records;
        pos += hdr.size;
    }
    return records;
}

} // namespace

Result<SnapshotCounts> runStartupSnapshot(provscope_bpf *skel, RecordDecoder &decoder, CaptureBatch &batch)
{
    SnapshotCounts counts;
    const size_t firstProcess = batch.processes.size();
    auto tasks = runIterator(skel->progs.ps_snap_task, "process", decoder, batch);
    if (!tasks)
        return makeError(tasks.error());
    counts.processes = *tasks;

    // Parents by their identity: the iterator visits pids in order, not parents first.
    std::unordered_map<uint32_t, uint64_t> startByPid;
    for (size_t i = firstProcess; i < batch.processes.size(); ++i)
        startByPid[batch.processes[i].pid] = batch.processes[i].startNs;
    for (size_t i = firstProcess; i < batch.processes.size(); ++i) {
        ProcessInfo &info = batch.processes[i];
        if (const auto it = startByPid.find(info.ppid); it != startByPid.end())
            info.parentStartNs = it->second;
    }

    auto fds = runIterator(skel->progs.ps_snap_fd, "fd", decoder, batch);
    if (!fds)
        return makeError(fds.error());
    counts.fds = *fds;
    return counts;
}

} // namespace provscope
