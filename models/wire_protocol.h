#pragma once
// The capture <-> GUI wire protocol (DESIGN.md "Wire protocol", dumpcap's sync-pipe idea).
//
// A Unix stream socket carries frames: a fixed 12-byte little-endian header
//   u32 magic 'PSWP' | u16 message type | u16 protocol version | u32 payload length
// followed by the payload. Every field of a payload is encoded little-endian with
// explicit lengths (strings: u32 length + bytes; vectors: u32 count + items).
// Decoding never trusts a length: every read is bounds-checked and counts are capped,
// so garbage yields an Error with a reason, never a crash or a huge allocation.
//
// Conversation:
//   client -> Hello            server -> HelloAck (server facts, SessionMeta without config)
//   client -> Start            server -> Started (full SessionMeta: config, capture start)
//                              server -> Batch* / Stats* / Warning*   (until Stop)
//   client -> Stop             server -> Goodbye (final stats)
//   after Goodbye the client may send Start again or close the connection.
//   Either side may send Error (text) and close.
#include "capture_batch.h"
#include "event.h"
#include "result.h"

#include <cstddef>
#include <cstdint>
#include <string>
#include <variant>
#include <vector>

namespace provscope::wire {

constexpr uint32_t kMagic = 0x50575350;          // bytes "PSWP" on the wire
// 2: identity fields (euid, gid, ns pid, cgroup, namespaces), fd2 and aux1/aux2.
// 3: a file's identity (dev, ino) in events.
// 4: flows and DNS records in Batch (after the losses).
constexpr uint16_t kProtocolVersion = 4;
constexpr size_t kHeaderBytes = 12;
constexpr uint32_t kMaxPayloadBytes = 16u << 20;  // hard cap, checked before allocating

enum class MessageType : uint16_t {
    Hello = 1,
    HelloAck = 2,
    Start = 3,
    Started = 4,
    Batch = 5,
    Stats = 6,
    Warning = 7,
    Error = 8,
    Stop = 9,
    Goodbye = 10,
};

// "Hello", "Batch", ...; "type N" for values we do not know.
std::string messageTypeName(uint16_t type);

struct Hello {
    uint16_t protocolVersion = kProtocolVersion;
    uint32_t clientUid = 0;
    uint32_t clientPid = 0;         // the GUI's tgid, so the helper can exclude it if asked
    std::string purpose;            // "gui", "test", ...
};

struct HelloAck {
    uint16_t protocolVersion = kProtocolVersion;
    uint32_t serverPid = 0;
    SessionMeta meta;               // host, kernel, boot id, boot->epoch offset, tool version
};

struct Start {
    std::string optionsJson;        // reserved for capture options; "" = defaults
};

struct Started {
    SessionMeta meta;               // complete: captureConfig and captureStartNs filled in
};

struct Batch {
    CaptureBatch batch;
};

struct Stats {
    CaptureStats stats;
};

struct Warning {
    std::string text;
};

struct ErrorMessage {
    std::string text;
};

struct Stop {};

struct Goodbye {
    CaptureStats stats;             // final totals
    std::string reason;             // "stopped by client", "stopped by signal", ...
};

using Message = std::variant<Hello, HelloAck, Start, Started, Batch, Stats, Warning,
                             ErrorMessage, Stop, Goodbye>;

MessageType messageType(const Message &message);

// Header fields as read from the wire (not yet validated beyond the magic).
struct FrameHeader {
    uint32_t magic = 0;
    uint16_t type = 0;
    uint16_t version = 0;
    uint32_t payloadBytes = 0;
};

// Serialises one message as a complete frame (header + payload).
// Fails only when the payload would exceed kMaxPayloadBytes (split big batches first).
Result<std::vector<uint8_t>> encodeFrame(const Message &message);

// Reads and validates a 12-byte header: magic, known type, supported version, size cap.
Result<FrameHeader> decodeHeader(const uint8_t *data, size_t size);

// Decodes a payload whose header has been validated. Fails with a reason such as
// "string length 5000 exceeds remaining 12 bytes in Batch".
Result<Message> decodePayload(const FrameHeader &header, const uint8_t *data, size_t size);

// Splits a batch into parts whose encoded frames each stay well under the cap.
std::vector<CaptureBatch> splitBatch(CaptureBatch &&batch, size_t maxPayloadBytes = 4u << 20);

} // namespace provscope::wire
