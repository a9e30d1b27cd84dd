#pragma once
// `provscope-capture --pcapng FILE`: the captured packets as a pcapng file, for
// Wireshark and tshark. One section header, one interface description per captured
// interface (link type, snap length, name, nanosecond timestamps), one enhanced packet
// block per packet. The file is created like every file the helper writes: as the
// invoking user, never over an existing file, never through a symlink. Writes are
// buffered; a write error stops the writing (reported by close()), never the capture:
// the file is cut back to its last whole block, and only the packets in it count as
// written (the rest, buffered or later, as not written).
#include "privilege_drop.h"
#include "result.h"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace provscope {

struct PcapngSummary {
    std::string path;
    uint64_t packets = 0;        // packets in the file (flushed)
    uint64_t packetsNotWritten = 0; // lost to a write error (buffered then, or later)
    uint64_t bytes = 0;          // file size
};

class PcapngWriter {
public:
    // Creates FILE (mode 0600, as owner when given) and writes the section header.
    static Result<std::unique_ptr<PcapngWriter>> create(const std::string &path, const std::optional<TargetUser> &owner);
    ~PcapngWriter();
    PcapngWriter(const PcapngWriter &) = delete;
    PcapngWriter &operator=(const PcapngWriter &) = delete;

    // Describes an interface; its id (0, 1, ...) is what addPacket takes. All
    // interfaces are added before the first packet.
    uint32_t addInterface(const std::string &name, int linkType, uint32_t snapLength);
    void addPacket(uint32_t interfaceId, int64_t epochNs, const uint8_t *data, uint32_t capturedLength,
                   uint32_t wireLength);
    // Writes the buffer out (called now and then, so the file grows during the capture).
    void flush();
    // Flushes, syncs and closes; the first write error, if any, is returned here.
    Result<PcapngSummary> close();
    // Closes and removes the file, if that path still is this file (a capture that never
    // really started must not leave one behind).
    void discard();
    uint64_t packets() const { return m_summary.packets; }
    uint64_t packetsNotWritten() const { return m_summary.packetsNotWritten; }
    bool failed() const { return !m_error.empty(); }

private:
    PcapngWriter() = default;
    void append(const void *data, size_t size);

    int m_fd = -1;
    std::string m_path;
    std::string m_buffer;
    // Where each buffered block ends, and whether it is a packet: a failed write is cut
    // back to a block boundary and only whole packet blocks count.
    std::vector<std::pair<size_t, bool>> m_blockEnds;
    std::string m_error;
    PcapngSummary m_summary;
    uint32_t m_interfaces = 0;
};

} // namespace provscope
