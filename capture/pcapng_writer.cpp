#include "pcapng_writer.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <thread>
#include <unistd.h>

namespace provscope {
namespace {

constexpr uint32_t kSectionHeaderBlock = 0x0A0D0D0A;
constexpr uint32_t kInterfaceBlock = 1;
constexpr uint32_t kEnhancedPacketBlock = 6;
constexpr uint32_t kByteOrderMagic = 0x1A2B3C4D;
constexpr uint16_t kOptEnd = 0, kOptShbUserAppl = 4, kOptIfName = 2, kOptIfTsresol = 9;
constexpr size_t kFlushBytes = 1u << 20;

uint32_t padded(uint32_t n) { return (n + 3u) & ~3u; }

// The option's bytes: code, length, value padded to 32 bits.
std::string option(uint16_t code, const void *value, uint16_t length)
{
    std::string out(4 + padded(length), '\0');
    std::memcpy(out.data(), &code, 2);
    std::memcpy(out.data() + 2, &length, 2);
    std::memcpy(out.data() + 4, value, length);
    return out;
}

std::string endOfOptions() { return std::string(4, '\0'); }

// Opens the new file on a short-lived thread that takes the owner's file-system
// identity (setfsuid is per thread): the file is theirs, and their access rights apply.
Result<int> createAs(const std::string &path, const std::optional<TargetUser> &owner)
{
    int fd = -1;
    int err = 0;
    std::string why;
    std::thread opener([&] {
        if (owner) {
            if (auto adopted = adoptFsIdentityForThisThread(*owner); !adopted) {
                why = adopted.error();
                return;
            }
        }
        fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
        err = errno;
    });
    opener.join();
    if (!why.empty())
        return makeError("--pcapng " + path + ": " + why);
    if (fd < 0) {
        struct stat st {};
        if (err == ELOOP || (err == EEXIST && ::lstat(path.c_str(), &st) == 0 && S_ISLNK(st.st_mode)))
            return makeError("--pcapng " + path + ": is a symbolic link (refused)");
        if (err == EEXIST)
            return makeError("--pcapng " + path + ": the file exists (an existing file is never overwritten)");
        return makeError("--pcapng " + path + ": " + std::strerror(err));
    }
    return fd;
}

} // namespace

Result<std::unique_ptr<PcapngWriter>> PcapngWriter::create(const std::string &path, const std::optional<TargetUser> &owner)
{
    auto fd = createAs(path, owner);
    if (!fd)
        return makeError(fd.error());
    std::unique_ptr<PcapngWriter> writer(new PcapngWriter);
    writer->m_fd = *fd;
    writer->m_path = path;
    writer->m_summary.path = path;

    const std::string app = std::string("provscope-capture ") + PROVSCOPE_VERSION;
    const std::string options = option(kOptShbUserAppl, app.data(), uint16_t(app.size())) + endOfOptions();
    const uint32_t length = uint32_t(28 + options.size());
    const uint16_t major = 1, minor = 0;
    const int64_t sectionLength = -1; // unknown: the file is written as it grows
    writer->append(&kSectionHeaderBlock, 4);
    writer->append(&length, 4);
    writer->append(&kByteOrderMagic, 4);
    writer->append(&major, 2);
    writer->append(&minor, 2);
    writer->append(&sectionLength, 8);
    writer->append(options.data(), options.size());
    writer->append(&length, 4);
    writer->flush();
    if (!writer->m_error.empty())
        return makeError(writer->m_error);
    return writer;
}

PcapngWriter::~PcapngWriter()
{
    if (m_fd >= 0)
        (void)close();
}

uint32_t PcapngWriter::addInterface(const std::string &name, int linkType, uint32_t snapLength)
{
    const uint8_t nanoseconds = 9; // if_tsresol: 10^-9 s
    const std::string options = option(kOptIfName, name.data(), uint16_t(std::min<size_t>(name.size(), 255)))
                                + option(kOptIfTsresol, &nanoseconds, 1) + endOfOptions();
    const uint32_t length = uint32_t(20 + options.size());
    const uint16_t link = uint16_t(linkType), reserved = 0;
    append(&kInterfaceBlock, 4);
    append(&length, 4);
    append(&link, 2);
    append(&reserved, 2);
    append(&snapLength, 4);
    append(options.data(), options.size());
    append(&length, 4);
    return m_interfaces++;
}

void PcapngWriter::addPacket(uint32_t interfaceId, int64_t epochNs, const uint8_t *data, uint32_t capturedLength,
                             uint32_t wireLength)
{
    if (!m_error.empty()) {
        ++m_summary.packetsNotWritten;
        return;
    }
    const uint64_t ts = uint64_t(epochNs < 0 ? 0 : epochNs);
    const uint32_t high = uint32_t(ts >> 32), low = uint32_t(ts);
    const uint32_t length = 32 + padded(capturedLength);
    append(&kEnhancedPacketBlock, 4);
    append(&length, 4);
    append(&interfaceId, 4);
    append(&high, 4);
    append(&low, 4);
    append(&capturedLength, 4);
    append(&wireLength, 4);
    append(data, capturedLength);
    m_buffer.append(padded(capturedLength) - capturedLength, '\0');
    append(&length, 4);
    ++m_summary.packets;
    if (m_buffer.size() >= kFlushBytes)
        flush();
}

void PcapngWriter::append(const void *data, size_t size)
{
    m_buffer.append(static_cast<const char *>(data), size);
}

void PcapngWriter::flush()
{
    size_t done = 0;
    while (m_error.empty() && done < m_buffer.size()) {
        const ssize_t n = ::write(m_fd, m_buffer.data() + done, m_buffer.size() - done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            m_error = "--pcapng " + m_path + ": writing failed after " + std::to_string(m_summary.bytes)
                      + " bytes: " + std::strerror(n < 0 ? errno : EIO) + " (later packets are not written)";
        else {
            done += size_t(n);
            m_summary.bytes += uint64_t(n);
        }
    }
    m_buffer.clear();
}

Result<PcapngSummary> PcapngWriter::close()
{
    if (m_fd < 0)
        return makeError("--pcapng " + m_path + ": already closed");
    flush();
    if (m_error.empty() && ::fsync(m_fd) != 0)
        m_error = "--pcapng " + m_path + ": the data did not reach the disk: " + std::strerror(errno);
    ::close(m_fd);
    m_fd = -1;
    if (!m_error.empty())
        return makeError(m_error);
    return m_summary;
}

} // namespace provscope
