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
    writer->m_blockEnds.emplace_back(writer->m_buffer.size(), false);
    writer->flush();
    if (!writer->m_error.empty()) {
        const std::string error = writer->m_error;
        writer->discard();
        return makeError(error);
    }
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
    m_blockEnds.emplace_back(m_buffer.size(), false);
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
    m_blockEnds.emplace_back(m_buffer.size(), true);
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
    int err = 0;
    while (m_error.empty() && done < m_buffer.size()) {
        const ssize_t n = ::write(m_fd, m_buffer.data() + done, m_buffer.size() - done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            err = n < 0 ? errno : EIO;
            break;
        }
        done += size_t(n);
    }
    // Whole blocks count; a block cut by the error is cut off the file again.
    size_t whole = 0;
    for (const auto &[end, packet] : m_blockEnds) {
        if (end <= done && m_error.empty()) {
            whole = end;
            m_summary.packets += packet ? 1 : 0;
        } else {
            m_summary.packetsNotWritten += packet ? 1 : 0;
        }
    }
    if (err && m_error.empty()) {
        if (done > whole && ::ftruncate(m_fd, off_t(m_summary.bytes + whole)) != 0)
            whole = done; // could not cut: the file ends in a partial block (pcapng readers stop there)
        m_summary.bytes += whole;
        m_error = "--pcapng " + m_path + ": writing failed after " + std::to_string(m_summary.bytes)
                  + " bytes: " + std::strerror(err) + " (later packets are not written)";
    } else if (m_error.empty()) {
        m_summary.bytes += done;
    }
    m_buffer.clear();
    m_blockEnds.clear();
}

void PcapngWriter::discard()
{
    if (m_fd < 0)
        return;
    struct stat ours {}, there {};
    const bool same = ::fstat(m_fd, &ours) == 0 && ::lstat(m_path.c_str(), &there) == 0 && ours.st_dev == there.st_dev
                      && ours.st_ino == there.st_ino;
    if (same)
        ::unlink(m_path.c_str());
    ::close(m_fd);
    m_fd = -1;
    m_buffer.clear();
    m_blockEnds.clear();
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
