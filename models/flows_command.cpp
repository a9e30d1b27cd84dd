#include "flows_command.h"

#include "cli_number.h"
#include "event_json.h"
#include "flow_text.h"
#include "session_reader.h"

#include <QJsonDocument>
#include <QJsonObject>

#include <charconv>
#include <cstdio>
#include <optional>

namespace provscope {
namespace {

int usageError(const std::string &message)
{
    std::fprintf(stderr, "provscope-cli: flows: %s\n(see provscope-cli --help)\n", message.c_str());
    return 2;
}

std::string dnsTypeName(uint16_t type)
{
    switch (type) {
    case kDnsTypeA: return "A";
    case kDnsTypeAaaa: return "AAAA";
    case kDnsTypeCname: return "CNAME";
    }
    return std::to_string(type);
}

bool writeLine(std::string line)
{
    line += '\n';
    return std::fwrite(line.data(), 1, line.size(), stdout) == line.size();
}

} // namespace

std::string flowJsonLine(const Flow &f, int64_t bootToEpochNs)
{
    std::string out = "{\"proto\":" + jsonString(flowProtocolName(f.proto)) + ",\"src\":" + jsonString(f.src) +
                      ",\"sport\":" + std::to_string(f.sport) + ",\"dst\":" + jsonString(f.dst) +
                      ",\"dport\":" + std::to_string(f.dport) + ",\"packets\":" + std::to_string(f.packets()) +
                      ",\"bytes\":" + std::to_string(f.bytes()) + ",\"packets_out\":" + std::to_string(f.packetsOut) +
                      ",\"bytes_out\":" + std::to_string(f.bytesOut) + ",\"packets_in\":" + std::to_string(f.packetsIn) +
                      ",\"bytes_in\":" + std::to_string(f.bytesIn) + ",\"tcp_flags\":" + std::to_string(f.tcpFlags) +
                      ",\"first_ts_ns\":" + std::to_string(f.firstNs + bootToEpochNs) +
                      ",\"last_ts_ns\":" + std::to_string(f.lastNs + bootToEpochNs);
    if (!f.dnsName.empty())
        out += ",\"dns_name\":" + jsonString(f.dnsName);
    if (f.pid) {
        out += ",\"pid\":" + std::to_string(f.pid);
        if (!f.comm.empty())
            out += ",\"comm\":" + jsonString(f.comm);
    }
    if (f.peerPid) {
        out += ",\"peer_pid\":" + std::to_string(f.peerPid);
        if (!f.peerComm.empty())
            out += ",\"peer_comm\":" + jsonString(f.peerComm);
    }
    out += "}";
    return out;
}

std::string dnsJsonLine(const DnsRecord &r, int64_t bootToEpochNs)
{
    std::string out = "{\"ts_ns\":" + std::to_string(r.tsNs + bootToEpochNs) + ",\"name\":" + jsonString(r.name) +
                      ",\"type\":" + jsonString(dnsTypeName(r.type)) + ",\"value\":" + jsonString(r.value) +
                      ",\"ttl\":" + std::to_string(r.ttl);
    if (!r.queryName.empty())
        out += ",\"query_name\":" + jsonString(r.queryName);
    if (!r.server.empty())
        out += ",\"server\":" + jsonString(r.server);
    out += "}";
    return out;
}

std::optional<std::string> flowsNotCaptured(const SessionReader &reader)
{
    // The capture configuration's "pcap" object: {"enabled": false, "reason": "--no-pcap"}.
    const QJsonObject pcap = QJsonDocument::fromJson(QByteArray::fromStdString(reader.meta().captureConfig))
                                 .object()
                                 .value("pcap")
                                 .toObject();
    if (!pcap.contains("enabled") || pcap.value("enabled").toBool(true))
        return std::nullopt;
    const std::string reason = pcap.value("reason").toString().toStdString();
    return reason.empty() ? std::string("--no-pcap") : reason;
}

std::string addNetworkCounts(std::string info, const SessionReader &reader)
{
    const bool recorded = reader.hasFlowTables() && !flowsNotCaptured(reader);
    const SessionCounts counts = reader.counts();
    const std::string member =
        recorded ? ", \"flows\": " + std::to_string(counts.flows) + ", \"dns_records\": " + std::to_string(counts.dnsRecords)
                 : std::string(", \"flows\": null, \"dns_records\": null");
    const size_t counts_at = info.find("\"counts\": {");
    const size_t close = counts_at == std::string::npos ? std::string::npos : info.find('}', counts_at);
    if (close != std::string::npos)
        info.insert(close, member);
    return info;
}

int runFlowsCommand(const std::vector<std::string> &args)
{
    std::string path;
    std::optional<uint32_t> pid;
    std::optional<uint8_t> proto;
    int64_t limit = -1;
    bool dns = false;
    for (size_t i = 0; i < args.size(); ++i) {
        const std::string &arg = args[i];
        const bool takesValue = arg == "--pid" || arg == "--proto" || arg == "--limit";
        if (takesValue && i + 1 >= args.size())
            return usageError(arg + " needs a value");
        if (arg == "--pid") {
            uint32_t value = 0;
            if (!parseCliNumber(args[++i], value) || value == 0)
                return usageError("--pid needs a process id, not \"" + args[i] + "\"");
            pid = value;
        } else if (arg == "--proto") {
            const std::string &value = args[++i];
            if (value != "tcp" && value != "udp")
                return usageError("--proto is tcp or udp, not \"" + value + "\"");
            proto = value == "tcp" ? kProtoTcp : kProtoUdp;
        } else if (arg == "--limit") {
            if (!parseCliNumber(args[++i], limit) || limit < 0)
                return usageError("--limit needs a count >= 0, not \"" + args[i] + "\"");
        } else if (arg == "--dns") {
            dns = true;
        } else if (arg.size() > 1 && arg[0] == '-') {
            return usageError("unknown option " + arg);
        } else if (path.empty()) {
            path = arg;
        } else {
            return usageError("unexpected argument " + arg);
        }
    }
    if (path.empty())
        return usageError("missing FILE");
    if (dns && (pid || proto))
        return usageError("--pid and --proto select flows, not DNS records");
    auto reader = SessionReader::open(path);
    if (!reader) {
        std::fprintf(stderr, "provscope-cli: %s\n", reader.error().c_str());
        return 1;
    }
    const SessionReader &r = **reader;
    if (!r.hasFlowTables()) {
        std::fprintf(stderr, "provscope-cli: flows: %s (format %s) has no network tables: flows were not recorded\n",
                     path.c_str(), r.meta().formatVersion.c_str());
        return 0;
    }
    if (const auto why = flowsNotCaptured(r)) {
        std::fprintf(stderr, "provscope-cli: flows: network flows were not recorded in %s (%s)\n", path.c_str(),
                     why->c_str());
        return 0;
    }
    const int64_t offset = r.meta().bootToEpochNs;
    int64_t printed = 0;
    bool written = true;
    if (dns) {
        // Streamed like the flows: a big capture's answers are never all in memory.
        auto done = r.forEachDnsRecord([&](const DnsRecord &record) {
            if (limit >= 0 && printed >= limit)
                return false;
            written = writeLine(dnsJsonLine(record, offset));
            ++printed;
            return written;
        });
        if (!done) {
            std::fprintf(stderr, "provscope-cli: %s\n", done.error().c_str());
            return 1;
        }
    } else {
        auto done = r.forEachFlow([&](const Flow &flow) {
            if (limit >= 0 && printed >= limit)
                return false;
            if ((pid && flow.pid != *pid && flow.peerPid != *pid) || (proto && flow.proto != *proto))
                return true;
            written = writeLine(flowJsonLine(flow, offset));
            ++printed;
            return written;
        });
        if (!done) {
            std::fprintf(stderr, "provscope-cli: %s\n", done.error().c_str());
            return 1;
        }
    }
    if (!written || std::fflush(stdout) != 0 || std::ferror(stdout)) {
        std::fprintf(stderr, "provscope-cli: cannot write the flows\n");
        return 1;
    }
    return 0;
}

} // namespace provscope
