#include "io_flusher.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <unistd.h>

namespace provscope {

IoFlusher::~IoFlusher() { detach(); }

Result<void> IoFlusher::attach(bpf_program *iter, volatile uint64_t *flushBeforeNs, uint32_t intervalMs)
{
    detach();
    if (!iter || !flushBeforeNs)
        return makeError("the I/O flush iterator is missing from the eBPF object");
    m_link = bpf_program__attach_iter(iter, nullptr);
    if (!m_link) {
        const int err = errno;
        m_link = nullptr;
        return makeError("attaching the I/O flush iterator failed: " + std::string(strerror(err)));
    }
    m_before = flushBeforeNs;
    m_intervalNs = uint64_t(intervalMs) * 1000000u;
    return {};
}

Result<void> IoFlusher::tick(uint64_t nowBootNs)
{
    if (!m_link || m_intervalNs == 0 || nowBootNs < m_lastRunNs + m_intervalNs / 2)
        return {};
    m_lastRunNs = nowBootNs;
    return run(nowBootNs > m_intervalNs ? nowBootNs - m_intervalNs : 0);
}

Result<void> IoFlusher::flushAll()
{
    if (!m_link)
        return {};
    return run(~uint64_t(0));
}

void IoFlusher::detach()
{
    if (m_link)
        bpf_link__destroy(m_link);
    m_link = nullptr;
    m_before = nullptr;
}

Result<void> IoFlusher::run(uint64_t beforeBootNs)
{
    *m_before = beforeBootNs;
    const int fd = bpf_iter_create(bpf_link__fd(m_link));
    if (fd < 0)
        return makeError("running the I/O flush iterator failed: " + std::string(strerror(errno)));
    // The program writes nothing to the seq file: reading to the end runs it
    // over every task.
    char buf[256];
    ssize_t n;
    while ((n = read(fd, buf, sizeof(buf))) > 0 || (n < 0 && errno == EINTR)) {
    }
    const int err = errno;
    close(fd);
    ++m_iterations;
    if (n < 0)
        return makeError("running the I/O flush iterator failed: " + std::string(strerror(err)));
    return {};
}

} // namespace provscope
