#include "wire_protocol_codec.h"

namespace provscope::wire::codec {

void writeFlow(Writer &w, const Flow &f)
{
    w.u64(f.key);
    w.u8(f.proto);
    w.str(f.src);
    w.u16(f.sport);
    w.str(f.dst);
    w.u16(f.dport);
    w.u64(f.packetsOut);
    w.u64(f.bytesOut);
    w.u64(f.packetsIn);
    w.u64(f.bytesIn);
    w.u8(f.tcpFlags);
    w.i64(f.firstNs);
    w.i64(f.lastNs);
    w.u8(f.ended ? 1 : 0);
    w.str(f.interfaceName);
    w.str(f.dnsName);
    w.u32(f.pid);
    w.u64(f.procStartNs);
    w.u32(f.peerPid);
    w.u64(f.peerStartNs);
    w.str(f.comm);
    w.str(f.peerComm);
}

void writeDns(Writer &w, const DnsRecord &r)
{
    w.i64(r.tsNs);
    w.str(r.name);
    w.u16(r.type);
    w.str(r.value);
    w.u32(r.ttl);
    w.str(r.queryName);
    w.str(r.server);
}

Flow readFlow(Reader &r)
{
    Flow f;
    f.key = r.u64();
    f.proto = r.u8();
    f.src = r.str();
    f.sport = r.u16();
    f.dst = r.str();
    f.dport = r.u16();
    f.packetsOut = r.u64();
    f.bytesOut = r.u64();
    f.packetsIn = r.u64();
    f.bytesIn = r.u64();
    f.tcpFlags = r.u8();
    f.firstNs = r.i64();
    f.lastNs = r.i64();
    f.ended = r.boolean();
    f.interfaceName = r.str();
    f.dnsName = r.str();
    f.pid = r.u32();
    f.procStartNs = r.u64();
    f.peerPid = r.u32();
    f.peerStartNs = r.u64();
    f.comm = r.str();
    f.peerComm = r.str();
    if (r.ok() && f.proto != kProtoTcp && f.proto != kProtoUdp)
        r.fail("flow protocol " + std::to_string(f.proto) + " is neither TCP (6) nor UDP (17)");
    return f;
}

DnsRecord readDns(Reader &r)
{
    DnsRecord d;
    d.tsNs = r.i64();
    d.name = r.str();
    d.type = r.u16();
    d.value = r.str();
    d.ttl = r.u32();
    d.queryName = r.str();
    d.server = r.str();
    return d;
}

size_t minFlowBytes()
{
    static const size_t n = [] {
        Writer w;
        writeFlow(w, Flow{});
        return w.bytes().size();
    }();
    return n;
}

size_t minDnsBytes()
{
    static const size_t n = [] {
        Writer w;
        writeDns(w, DnsRecord{});
        return w.bytes().size();
    }();
    return n;
}

size_t flowBytes(const Flow &f)
{
    return minFlowBytes() + f.src.size() + f.dst.size() + f.interfaceName.size() + f.dnsName.size() +
           f.comm.size() + f.peerComm.size();
}

size_t dnsBytes(const DnsRecord &d)
{
    return minDnsBytes() + d.name.size() + d.value.size() + d.queryName.size() + d.server.size();
}

} // namespace provscope::wire::codec
