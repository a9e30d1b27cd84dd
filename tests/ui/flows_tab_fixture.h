#pragma once
// The Flows tab tests' session: processes, socket events, four flows and a DNS
// answer written with the real SessionWriter (see flowBatch()), and helpers that read
// what the tab and the event table show.
#include "event_table_model.h"
#include "flow_table_model.h"
#include "main_window.h"
#include "workstation_fixture.h"

#include <QString>

#include <sqlite3.h>

#include <algorithm>
#include <set>
#include <vector>

namespace provscope::test {

inline constexpr uint64_t kSecond = 1'000'000'000ULL;
inline constexpr uint32_t kCurl = 2000, kServer = 2001, kWget = 2002;
inline constexpr uint64_t kCurlStart = kBase - 100, kServerStart = kBase - 200, kWgetStart = kBase - 300;

inline Event netEvent(uint32_t pid, uint64_t start, const char *comm, uint64_t ts, const char *syscall, const char *laddr,
               uint16_t lport, const char *raddr, uint16_t rport)
{
    Event e;
    e.tsNs = e.lastTsNs = kBase + ts;
    e.pid = e.tid = pid;
    e.ppid = 1;
    e.procStartNs = start;
    e.uid = 1000;
    e.comm = comm;
    e.syscall = syscall;
    e.ret = 0;
    e.fd = 5;
    e.laddr = laddr;
    e.lport = lport;
    e.raddr = raddr;
    e.rport = rport;
    return e;
}

inline Flow makeFlow(uint64_t key, uint8_t proto, const char *src, uint16_t sport, const char *dst, uint16_t dport,
              uint64_t bytesOut, uint64_t bytesIn, uint64_t first, uint64_t last)
{
    Flow f;
    f.key = key;
    f.proto = proto;
    f.src = src;
    f.sport = sport;
    f.dst = dst;
    f.dport = dport;
    f.packetsOut = std::max<uint64_t>(1, bytesOut / 1000);
    f.packetsIn = std::max<uint64_t>(1, bytesIn / 1000);
    f.bytesOut = bytesOut;
    f.bytesIn = bytesIn;
    f.tcpFlags = proto == kProtoTcp ? (kTcpSyn | kTcpAck | kTcpFin) : 0;
    f.firstNs = int64_t(kBase + first);
    f.lastNs = int64_t(kBase + last);
    f.ended = true;
    f.interfaceName = "lo";
    return f;
}

// Flow keys, in the default order (bytes, descending): 2, 1, 3, 4.
// 1: curl 127.0.0.1:41000 -> python3 server 127.0.0.1:8080, seconds 1-2 (both local)
// 2: wget 10.0.0.2:42000 -> 93.184.216.34:443 (example.com), seconds 5-7
// 3: UDP 10.0.0.2:5353 -> 224.0.0.251:5353 (mDNS), second 8, no socket event: unattributed
// 4: wget's DNS query 10.0.0.2:43000 -> 10.0.0.1:53, second 4.9
inline CaptureBatch flowBatch()
{
    CaptureBatch batch;
    batch.processes = {processInfo(kCurl, kCurlStart, 1, 0, "curl", "/usr/bin/curl"),
                       processInfo(kServer, kServerStart, 1, 0, "python3", "/usr/bin/python3"),
                       processInfo(kWget, kWgetStart, 1, 0, "wget", "/usr/bin/wget")};
    Event open = netEvent(kWget, kWgetStart, "wget", 0, "openat", "", 0, "", 0);
    open.fd = 3;
    open.path = "/etc/resolv.conf";
    batch.events.push_back(open);
    batch.events.push_back(netEvent(kServer, kServerStart, "python3", 500'000'000, "listen", "127.0.0.1", 8080, "", 0));
    batch.events.push_back(netEvent(kCurl, kCurlStart, "curl", kSecond + 1000, "connect", "127.0.0.1", 41000,
                                    "127.0.0.1", 8080));
    batch.events.push_back(netEvent(kServer, kServerStart, "python3", kSecond + 2000, "accept4", "127.0.0.1", 8080,
                                    "127.0.0.1", 41000));
    batch.events.push_back(netEvent(kCurl, kCurlStart, "curl", kSecond + 100'000'000, "write", "127.0.0.1", 41000,
                                    "127.0.0.1", 8080));
    batch.events.push_back(netEvent(kServer, kServerStart, "python3", kSecond + 200'000'000, "read", "127.0.0.1",
                                    8080, "127.0.0.1", 41000));
    batch.events.push_back(netEvent(kWget, kWgetStart, "wget", 4 * kSecond + 900'000'000, "sendto", "10.0.0.2", 43000,
                                    "10.0.0.1", 53));
    batch.events.push_back(netEvent(kWget, kWgetStart, "wget", 5 * kSecond + 1000, "connect", "10.0.0.2", 42000,
                                    "93.184.216.34", 443));
    Event later = netEvent(kWget, kWgetStart, "wget", 9 * kSecond + 500'000'000, "openat", "", 0, "", 0);
    later.fd = 4;
    later.path = "/tmp/index.html";
    batch.events.push_back(later);

    Flow local = makeFlow(1, kProtoTcp, "127.0.0.1", 41000, "127.0.0.1", 8080, 5000, 20000, kSecond, 2 * kSecond);
    Flow web = makeFlow(2, kProtoTcp, "10.0.0.2", 42000, "93.184.216.34", 443, 3000, 90000, 5 * kSecond, 7 * kSecond);
    web.dnsName = "example.com";
    Flow mdns = makeFlow(3, kProtoUdp, "10.0.0.2", 5353, "224.0.0.251", 5353, 300, 0, 8 * kSecond,
                         8 * kSecond + 500'000'000);
    Flow dns = makeFlow(4, kProtoUdp, "10.0.0.2", 43000, "10.0.0.1", 53, 80, 160, 4 * kSecond + 900'000'000,
                        4 * kSecond + 950'000'000);
    batch.flows = {local, web, mdns, dns};
    DnsRecord answer;
    answer.tsNs = int64_t(kBase + 4 * kSecond + 950'000'000);
    answer.name = answer.queryName = "example.com";
    answer.type = kDnsTypeA;
    answer.value = "93.184.216.34";
    answer.ttl = 300;
    answer.server = "10.0.0.1";
    batch.dnsRecords = {answer};
    return batch;
}

inline bool execSql(const QString &path, const char *sql)
{
    sqlite3 *db = nullptr;
    const bool ok = sqlite3_open(path.toLocal8Bit().constData(), &db) == SQLITE_OK
                    && sqlite3_exec(db, sql, nullptr, nullptr, nullptr) == SQLITE_OK;
    sqlite3_close(db);
    return ok;
}

inline QString text(const FlowTableModel *model, int row, int column)
{
    return model->data(model->index(row, column)).toString();
}

inline std::vector<uint64_t> keysInOrder(const FlowTableModel *model)
{
    std::vector<uint64_t> keys;
    for (int row = 0; row < model->rowCount(); ++row)
        keys.push_back(model->flowAt(row).key);
    return keys;
}

// "syscall pid" of every row the event table shows.
inline std::multiset<QString> shownEvents(MainWindow &window)
{
    std::multiset<QString> shown;
    EventTableModel *model = window.eventModel();
    for (int row = 0; row < model->rowCount(); ++row) {
        const Event *event = model->eventAt(row);
        if (event)
            shown.insert(QStringLiteral("%1 %2").arg(QString::fromStdString(event->syscall)).arg(event->pid));
    }
    return shown;
}

inline FlowSelection selection(FlowSelection::Kind kind, const char *text, const char *label)
{
    FlowSelection s;
    s.kind = kind;
    s.text = text;
    s.label = label;
    return s;
}

inline int64_t epochOf(uint64_t offset) { return int64_t(kBase + offset) + kBootToEpochNs; }

} // namespace provscope::test
