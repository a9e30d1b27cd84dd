#pragma once
// `provscope-capture --pcapng FILE`: the captured packets as a pcapng file, for
// Wireshark and tshark. One section header, one interface description per captured
// interface (link type, snap length, name, nanosecond timestamps), one enhanced packet
// block per packet. The file is created like every file the helper writes: as the
// invoking user, never over an existing file, never through a symlink. Writes are
// buffered; a write error stops the writing (counted, reported by close()), never
// the capture.
#include "privilege_drop.h"
#include "result.h"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

namespace provscope {

struct PcapngSummary {
    std::string path;
    uint64_t packets = 0;        // packets written
    uint64_t packetsNotWritten = 0; // after a write error
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
    uint64_t packets() const { return m_summary.packets; }

private:
    PcapngWriter() = default;
    void append(const void *data, size_t size);
    void pad();

    int m_fd = -1;
    std::string m_path;
    std::string m_buffer;
    std::string m_error;
    PcapngSummary m_summary;
    uint32_t m_interfaces = 0;
};

} // namespace provscope
