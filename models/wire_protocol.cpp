#include "wire_protocol.h"

#include "wire_protocol_codec.h"

#include <cstdio>
#include <cstring>
#include <type_traits>

namespace provscope::wire {

namespace {

using namespace codec;

void writeMeta(Writer &w, const SessionMeta &m)
{
    w.str(m.formatVersion);
    w.str(m.toolVersion);
    w.str(m.host);
    w.str(m.kernel);
    w.str(m.bootId);
    w.i64(m.bootToEpochNs);
    w.u64(m.captureStartNs);
    w.u64(m.captureEndNs);
    w.str(m.captureConfig);
}

void writeStats(Writer &w, const CaptureStats &s)
{
    w.u64(s.eventsReceived);
    w.u64(s.eventsLost);
    w.u64(s.bytesReceived);
}

void writeProcess(Writer &w, const ProcessInfo &p)
{
    w.u32(p.pid);
    w.u64(p.startNs);
    w.u32(p.ppid);
    w.u64(p.parentStartNs);
    w.u32(p.uid);
    w.str(p.comm);
    w.str(p.exe);
    w.strings(p.argv);
    w.u64(p.exitTsNs);
    w.i32(p.exitCode);
    w.u32(p.mntNs);
    w.u32(p.pidNs);
    w.u32(p.nsPid);
    w.u64(p.cgroupId);
}

void writeEvent(Writer &w, const Event &e)
{
    w.i64(e.id);
    w.u64(e.tsNs);
    w.u64(e.lastTsNs);
    w.u32(e.pid);
    w.u32(e.tid);
    w.u32(e.ppid);
    w.u32(e.uid);
    w.u32(e.euid);
    w.u32(e.gid);
    w.u32(e.nsPid);
    w.u64(e.cgroupId);
    w.u64(e.procStartNs);
    w.str(e.comm);
    w.str(e.syscall);
    w.i64(e.ret);
    w.i32(e.fd);
    w.i32(e.fd2);
    w.str(e.path);
    w.str(e.path2);
    w.u8(e.pathTruncated ? 1 : 0);
    w.str(e.laddr);
    w.str(e.raddr);
    w.u16(e.lport);
    w.u16(e.rport);
    w.u32(e.flags);
    w.u32(e.mode);
    w.u64(e.aux1);
    w.u64(e.aux2);
    w.u64(e.count);
    w.u64(e.bytes);
    w.strings(e.argv);
    w.u64(e.dev);
    w.u64(e.ino);
}

void writeLoss(Writer &w, const LossRecord &l)
{
    w.u64(l.firstTsNs);
    w.u64(l.lastTsNs);
    w.i32(l.cpu);
    w.u64(l.count);
    w.str(l.source);
}

void writeBatch(Writer &w, const CaptureBatch &b)
{
    w.u32(static_cast<uint32_t>(b.processes.size()));
    for (const auto &p : b.processes)
        writeProcess(w, p);
    w.u32(static_cast<uint32_t>(b.events.size()));
    for (const auto &e : b.events)
        writeEvent(w, e);
    w.u32(static_cast<uint32_t>(b.losses.size()));
    for (const auto &l : b.losses)
        writeLoss(w, l);
    w.u32(static_cast<uint32_t>(b.flows.size()));
    for (const auto &f : b.flows)
        writeFlow(w, f);
    w.u32(static_cast<uint32_t>(b.dnsRecords.size()));
    for (const auto &r : b.dnsRecords)
        writeDns(w, r);
}

void writePayload(Writer &w, const Message &message)
{
    std::visit(
        [&w](const auto &m) {
            using T = std::decay_t<decltype(m)>;
            if constexpr (std::is_same_v<T, Hello>) {
                w.u16(m.protocolVersion);
                w.u32(m.clientUid);
                w.u32(m.clientPid);
                w.str(m.purpose);
            } else if constexpr (std::is_same_v<T, HelloAck>) {
                w.u16(m.protocolVersion);
                w.u32(m.serverPid);
                writeMeta(w, m.meta);
            } else if constexpr (std::is_same_v<T, Start>) {
                w.str(m.optionsJson);
            } else if constexpr (std::is_same_v<T, Started>) {
                writeMeta(w, m.meta);
            } else if constexpr (std::is_same_v<T, Batch>) {
                writeBatch(w, m.batch);
            } else if constexpr (std::is_same_v<T, Stats>) {
                writeStats(w, m.stats);
            } else if constexpr (std::is_same_v<T, Warning> || std::is_same_v<T, ErrorMessage>) {
                w.str(m.text);
            } else if constexpr (std::is_same_v<T, Stop>) {
                // no payload
            } else if constexpr (std::is_same_v<T, Goodbye>) {
                writeStats(w, m.stats);
                w.str(m.reason);
            }
        },
        message);
}

SessionMeta readMeta(Reader &r)
{
    SessionMeta m;
    m.formatVersion = r.str();
    m.toolVersion = r.str();
    m.host = r.str();
    m.kernel = r.str();
    m.bootId = r.str();
    m.bootToEpochNs = r.i64();
    m.captureStartNs = r.u64();
    m.captureEndNs = r.u64();
    m.captureConfig = r.str();
    return m;
}

CaptureStats readStats(Reader &r)
{
    CaptureStats s;
    s.eventsReceived = r.u64();
    s.eventsLost = r.u64();
    s.bytesReceived = r.u64();
    return s;
}

ProcessInfo readProcess(Reader &r)
{
    ProcessInfo p;
    p.pid = r.u32();
    p.startNs = r.u64();
    p.ppid = r.u32();
    p.parentStartNs = r.u64();
    p.uid = r.u32();
    p.comm = r.str();
    p.exe = r.str();
    p.argv = r.strings();
    p.exitTsNs = r.u64();
    p.exitCode = r.i32();
    p.mntNs = r.u32();
    p.pidNs = r.u32();
    p.nsPid = r.u32();
    p.cgroupId = r.u64();
    return p;
}

Event readEvent(Reader &r)
{
    Event e;
    e.id = r.i64();
    e.tsNs = r.u64();
    e.lastTsNs = r.u64();
    e.pid = r.u32();
    e.tid = r.u32();
    e.ppid = r.u32();
    e.uid = r.u32();
    e.euid = r.u32();
    e.gid = r.u32();
    e.nsPid = r.u32();
    e.cgroupId = r.u64();
    e.procStartNs = r.u64();
    e.comm = r.str();
    e.syscall = r.str();
    e.ret = r.i64();
    e.fd = r.i32();
    e.fd2 = r.i32();
    e.path = r.str();
    e.path2 = r.str();
    e.pathTruncated = r.boolean();
    e.laddr = r.str();
    e.raddr = r.str();
    e.lport = r.u16();
    e.rport = r.u16();
    e.flags = r.u32();
    e.mode = r.u32();
    e.aux1 = r.u64();
    e.aux2 = r.u64();
    e.count = r.u64();
    e.bytes = r.u64();
    e.argv = r.strings();
    e.dev = r.u64();
    e.ino = r.u64();
    return e;
}

LossRecord readLoss(Reader &r)
{
    LossRecord l;
    l.firstTsNs = r.u64();
    l.lastTsNs = r.u64();
    l.cpu = r.i32();
    l.count = r.u64();
    l.source = r.str();
    return l;
}

template <class T, class WriteFn>
size_t encodedSize(const T &item, WriteFn write)
{
    Writer w;
    write(w, item);
    return w.bytes().size();
}

// Smallest possible encodings (all strings empty), used to cap item counts.
size_t minProcessBytes() { static const size_t n = encodedSize(ProcessInfo{}, writeProcess); return n; }
size_t minEventBytes() { static const size_t n = encodedSize(Event{}, writeEvent); return n; }
size_t minLossBytes() { static const size_t n = encodedSize(LossRecord{}, writeLoss); return n; }

CaptureBatch readBatch(Reader &r)
{
    CaptureBatch b;
    uint32_t n = r.count(minProcessBytes(), "process");
    b.processes.reserve(n);
    for (uint32_t i = 0; i < n && r.ok(); ++i)
        b.processes.push_back(readProcess(r));
    n = r.count(minEventBytes(), "event");
    b.events.reserve(n);
    for (uint32_t i = 0; i < n && r.ok(); ++i)
        b.events.push_back(readEvent(r));
    n = r.count(minLossBytes(), "loss");
    b.losses.reserve(n);
    for (uint32_t i = 0; i < n && r.ok(); ++i)
        b.losses.push_back(readLoss(r));
    n = r.count(minFlowBytes(), "flow");
    b.flows.reserve(n);
    for (uint32_t i = 0; i < n && r.ok(); ++i)
        b.flows.push_back(readFlow(r));
    n = r.count(minDnsBytes(), "dns record");
    b.dnsRecords.reserve(n);
    for (uint32_t i = 0; i < n && r.ok(); ++i)
        b.dnsRecords.push_back(readDns(r));
    return b;
}

size_t stringsBytes(const std::vector<std::string> &v)
{
    size_t n = 4;
    for (const auto &s : v)
        n += 4 + s.size();
    return n;
}

size_t eventBytes(const Event &e)
{
    return minEventBytes() - 4 + e.comm.size() + e.syscall.size() + e.path.size() + e.path2.size() +
           e.laddr.size() + e.raddr.size() + stringsBytes(e.argv);
}

size_t processBytes(const ProcessInfo &p)
{
    return minProcessBytes() - 4 + p.comm.size() + p.exe.size() + stringsBytes(p.argv);
}

} // namespace

std::string messageTypeName(uint16_t type)
{
    switch (static_cast<MessageType>(type)) {
    case MessageType::Hello: return "Hello";
    case MessageType::HelloAck: return "HelloAck";
    case MessageType::Start: return "Start";
    case MessageType::Started: return "Started";
    case MessageType::Batch: return "Batch";
    case MessageType::Stats: return "Stats";
    case MessageType::Warning: return "Warning";
    case MessageType::Error: return "Error";
    case MessageType::Stop: return "Stop";
    case MessageType::Goodbye: return "Goodbye";
    }
    return "type " + std::to_string(type);
}

MessageType messageType(const Message &message)
{
    // The variant's alternatives are in MessageType order, starting at 1.
    return static_cast<MessageType>(message.index() + 1);
}

Result<std::vector<uint8_t>> encodeFrame(const Message &message)
{
    Writer w;
    for (size_t i = 0; i < kHeaderBytes; ++i)
        w.u8(0);
    writePayload(w, message);
    std::vector<uint8_t> &out = w.bytes();
    const size_t payload = out.size() - kHeaderBytes;
    const uint16_t type = static_cast<uint16_t>(messageType(message));
    if (payload > kMaxPayloadBytes)
        return makeError(messageTypeName(type) + " payload of " + std::to_string(payload) +
                         " bytes exceeds the frame cap of " + std::to_string(kMaxPayloadBytes));
    Writer header;
    header.u32(kMagic);
    header.u16(type);
    header.u16(kProtocolVersion);
    header.u32(static_cast<uint32_t>(payload));
    std::memcpy(out.data(), header.bytes().data(), kHeaderBytes);
    return std::move(out);
}

Result<FrameHeader> decodeHeader(const uint8_t *data, size_t size)
{
    Reader r(data, size, "frame header");
    FrameHeader h;
    h.magic = r.u32();
    h.type = r.u16();
    h.version = r.u16();
    h.payloadBytes = r.u32();
    if (!r.ok())
        return makeError(r.error());
    if (h.magic != kMagic) {
        char buf[16];
        std::snprintf(buf, sizeof buf, "0x%08x", h.magic);
        return makeError(std::string("bad frame magic ") + buf + " (not a provscope stream)");
    }
    if (h.type < static_cast<uint16_t>(MessageType::Hello) ||
        h.type > static_cast<uint16_t>(MessageType::Goodbye))
        return makeError("frame type " + std::to_string(h.type) + " unknown");
    if (h.version != kProtocolVersion)
        return makeError("protocol version " + std::to_string(h.version) + " of " +
                         messageTypeName(h.type) + " frame not supported (this side speaks " +
                         std::to_string(kProtocolVersion) + ")");
    if (h.payloadBytes > kMaxPayloadBytes)
        return makeError(messageTypeName(h.type) + " frame of " + std::to_string(h.payloadBytes) +
                         " bytes exceeds the cap of " + std::to_string(kMaxPayloadBytes));
    return h;
}

Result<Message> decodePayload(const FrameHeader &header, const uint8_t *data, size_t size)
{
    const std::string context = messageTypeName(header.type);
    if (size != header.payloadBytes)
        return makeError("payload of " + std::to_string(size) + " bytes, header says " +
                         std::to_string(header.payloadBytes) + " in " + context);
    Reader r(data, size, context.c_str());
    Message message;
    switch (static_cast<MessageType>(header.type)) {
    case MessageType::Hello: {
        Hello m;
        m.protocolVersion = r.u16();
        m.clientUid = r.u32();
        m.clientPid = r.u32();
        m.purpose = r.str();
        message = std::move(m);
        break;
    }
    case MessageType::HelloAck: {
        HelloAck m;
        m.protocolVersion = r.u16();
        m.serverPid = r.u32();
        m.meta = readMeta(r);
        message = std::move(m);
        break;
    }
    case MessageType::Start:
        message = Start{r.str()};
        break;
    case MessageType::Started:
        message = Started{readMeta(r)};
        break;
    case MessageType::Batch:
        message = Batch{readBatch(r)};
        break;
    case MessageType::Stats:
        message = Stats{readStats(r)};
        break;
    case MessageType::Warning:
        message = Warning{r.str()};
        break;
    case MessageType::Error:
        message = ErrorMessage{r.str()};
        break;
    case MessageType::Stop:
        message = Stop{};
        break;
    case MessageType::Goodbye: {
        Goodbye m;
        m.stats = readStats(r);
        m.reason = r.str();
        message = std::move(m);
        break;
    }
    default:
        return makeError("frame type " + std::to_string(header.type) + " unknown");
    }
    if (!r.ok())
        return makeError(r.error());
    if (r.remaining() != 0)
        return makeError(std::to_string(r.remaining()) + " trailing bytes in " + context);
    return message;
}

std::vector<CaptureBatch> splitBatch(CaptureBatch &&batch, size_t maxPayloadBytes)
{
    std::vector<CaptureBatch> parts;
    constexpr size_t kOverhead = 20; // five counts
    size_t size = kOverhead;
    parts.emplace_back();
    auto room = [&](size_t itemBytes) {
        if (size + itemBytes > maxPayloadBytes && !parts.back().empty()) {
            parts.emplace_back();
            size = kOverhead;
        }
        size += itemBytes;
    };
    for (auto &p : batch.processes) {
        room(processBytes(p));
        parts.back().processes.push_back(std::move(p));
    }
    for (auto &e : batch.events) {
        room(eventBytes(e));
        parts.back().events.push_back(std::move(e));
    }
    for (auto &l : batch.losses) {
        room(minLossBytes() + l.source.size());
        parts.back().losses.push_back(std::move(l));
    }
    for (auto &f : batch.flows) {
        room(flowBytes(f));
        parts.back().flows.push_back(std::move(f));
    }
    for (auto &d : batch.dnsRecords) {
        room(dnsBytes(d));
        parts.back().dnsRecords.push_back(std::move(d));
    }
    return parts;
}

} // namespace provscope::wire
