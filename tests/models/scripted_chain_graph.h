#pragma once
// A hand-built view graph of the scripted attack chain of issue 5 with
// unrelated noise beside it, shared by tst_noise_filter, tst_security_relevance
// and tst_chain_summary. Times in boot ns (seconds * 1e9).
//
// bash 412 forks curl 415 (download over loopback 127.0.0.1:8000 into /tmp/.x),
// chmod 416 (opens /tmp/.x), 417 that executes /tmp/.x; .x reads
// ~/.ssh/id_rsa, forks tar 418 (reads id_rsa, writes /tmp/k.tgz in a burst of
// 100 writes), reads the archive, sends it to 127.0.0.3:4444 (the point of
// interest), deletes it, appends to ~/.bashrc and deletes /tmp/.x.
// Noise: ld.so.cache and libc read by 5 processes, /proc reads, /dev/null,
// the locale archive, /etc/hostname, /etc/os-release and /etc/passwd read by 3
// processes, two bash here-document temp files, and an unrelated logger 300
// writing /var/log/app.log 101 times.
#include "provenance_graph.h"

#include <cmath>
#include <string>
#include <utility>

namespace scripted {

using namespace provscope;

inline uint64_t ms(double milliseconds) { return static_cast<uint64_t>(std::llround(milliseconds * 1e6)); }
inline uint64_t sec(double seconds) { return static_cast<uint64_t>(std::llround(seconds * 1e9)); }

inline int process(ProvenanceGraph &graph, uint32_t pid, uint64_t startNs, const std::string &comm,
                   const std::string &exe, int version)
{
    GraphNode node;
    node.kind = NodeKind::Process;
    node.key = ProvenanceGraph::keyForProcess(pid, startNs) + (version ? "/v" + std::to_string(version) : "");
    node.pid = pid;
    node.startNs = startNs;
    node.comm = comm;
    node.exe = exe;
    node.version = version;
    node.label = comm + " (" + std::to_string(pid) + ")";
    node.detail = exe;
    return graph.addNode(node);
}

inline int edge(ProvenanceGraph &graph, int from, int to, EdgeType type, uint64_t ts, uint64_t te = 0,
                uint64_t bytes = 0, uint64_t count = 1)
{
    static int64_t nextEventId = 1;
    GraphEdge e;
    e.from = from;
    e.to = to;
    e.type = type;
    e.tsNs = ts;
    e.teNs = te ? te : ts;
    e.count = count;
    e.bytes = bytes;
    e.eventIds.push_back(nextEventId++);
    return graph.appendEdge(e);
}

// Node indices of the chain graph.
enum Node {
    Bash412, Curl415v0, Curl415v1, CurlImage, DownloadSocket, DotX, Chmod416v0, Chmod416v1, ChmodImage,
    X417v0, X417v1, IdRsa, Tar418v0, Tar418v1, TarImage, Archive, ExfilSocket, Bashrc,
    LdSoCache, Libc, Proc417Status, Proc300Stat, DevNull, LocaleArchive, Hostname, OsRelease, EtcPasswd,
    HereDocA, HereDocB, Logger300, AppLog, NodeCount
};

inline ProvenanceGraph chainGraph()
{
    ProvenanceGraph g;
    g.setBootToEpochNs(1'700'000'000'000'000'000);
    process(g, 412, sec(1), "bash", "/usr/bin/bash", 0);
    process(g, 415, sec(10), "bash", "/usr/bin/bash", 0);
    process(g, 415, sec(10), "curl", "/usr/bin/curl", 1);
    g.addFile("/usr/bin/curl");
    g.addSocket("127.0.0.1", 40000, "127.0.0.1", 8000);
    g.addFile("/tmp/.x");
    process(g, 416, sec(11), "bash", "/usr/bin/bash", 0);
    process(g, 416, sec(11), "chmod", "/usr/bin/chmod", 1);
    g.addFile("/usr/bin/chmod");
    process(g, 417, sec(12), "bash", "/usr/bin/bash", 0);
    process(g, 417, sec(12), ".x", "/tmp/.x", 1);
    g.addFile("/home/u/.ssh/id_rsa");
    process(g, 418, sec(12.3), ".x", "/tmp/.x", 0);
    process(g, 418, sec(12.3), "tar", "/usr/bin/tar", 1);
    g.addFile("/usr/bin/tar");
    g.addFile("/tmp/k.tgz");
    g.addSocket("127.0.0.1", 40002, "127.0.0.3", 4444);
    g.addFile("/home/u/.bashrc");
    g.addFile("/etc/ld.so.cache");
    g.addFile("/usr/lib/x86_64-linux-gnu/libc.so.6");
    g.addFile("/proc/417/status");
    g.addFile("/proc/300/stat");
    g.addFile("/dev/null");
    g.addFile("/usr/lib/locale/locale-archive");
    g.addFile("/etc/hostname");
    g.addFile("/etc/os-release");
    g.addFile("/etc/passwd");
    g.addFile("/tmp/sh-thd.AAA");
    g.addFile("/tmp/sh-thd.BBB");
    process(g, 300, sec(0.5), "logger", "/usr/bin/logger", 0);
    g.addFile("/var/log/app.log");

    // The chain: 125 edges.
    edge(g, Bash412, Curl415v0, EdgeType::Fork, sec(10));
    edge(g, Curl415v0, Curl415v1, EdgeType::Version, sec(10.1));
    edge(g, CurlImage, Curl415v1, EdgeType::Exec, sec(10.1));
    edge(g, Curl415v1, DownloadSocket, EdgeType::Connect, sec(10.2));
    edge(g, Curl415v1, DownloadSocket, EdgeType::Send, sec(10.3), 0, 80);
    edge(g, DownloadSocket, Curl415v1, EdgeType::Recv, sec(10.4), sec(10.6), 4096, 3);
    edge(g, Curl415v1, DotX, EdgeType::Write, sec(10.45), sec(10.7), 4096, 3);
    edge(g, Bash412, Chmod416v0, EdgeType::Fork, sec(11));
    edge(g, Chmod416v0, Chmod416v1, EdgeType::Version, sec(11.1));
    edge(g, ChmodImage, Chmod416v1, EdgeType::Exec, sec(11.1));
    edge(g, Chmod416v1, DotX, EdgeType::Open, sec(11.2));
    edge(g, Bash412, X417v0, EdgeType::Fork, sec(12));
    edge(g, X417v0, X417v1, EdgeType::Version, sec(12.1));
    edge(g, DotX, X417v1, EdgeType::Exec, sec(12.1));
    edge(g, IdRsa, X417v1, EdgeType::Read, sec(12.2), 0, 2602);
    edge(g, X417v1, Tar418v0, EdgeType::Fork, sec(12.3));
    edge(g, Tar418v0, Tar418v1, EdgeType::Version, sec(12.4));
    edge(g, TarImage, Tar418v1, EdgeType::Exec, sec(12.4));
    edge(g, IdRsa, Tar418v1, EdgeType::Read, sec(12.5), 0, 2602);
    for (int i = 0; i < 100; ++i) // the burst: 41 bytes each, 1 ms apart
        edge(g, Tar418v1, Archive, EdgeType::Write, sec(12.6) + ms(i), 0, 41);
    edge(g, Archive, X417v1, EdgeType::Read, sec(13), 0, 4100);
    edge(g, X417v1, ExfilSocket, EdgeType::Connect, sec(13.1));
    edge(g, X417v1, ExfilSocket, EdgeType::Send, sec(13.2), 0, 4100);
    edge(g, X417v1, Archive, EdgeType::Unlink, sec(13.3));
    edge(g, X417v1, Bashrc, EdgeType::Write, sec(13.5), 0, 40);
    edge(g, X417v1, DotX, EdgeType::Unlink, sec(13.6));

    // Noise: 130 edges.
    const int loaders[] = {Curl415v1, Chmod416v1, X417v1, Tar418v1, Logger300};
    for (const int reader : loaders) {
        const uint64_t start = g.node(reader).startNs + ms(50);
        edge(g, LdSoCache, reader, EdgeType::Read, start, 0, 30000);
        edge(g, Libc, reader, EdgeType::Read, start + ms(1), 0, 832);
    }
    edge(g, Proc417Status, X417v1, EdgeType::Read, sec(12.12), 0, 1200);
    edge(g, Proc300Stat, Logger300, EdgeType::Read, sec(0.6), 0, 300);
    edge(g, Bash412, DevNull, EdgeType::Write, sec(2), 0, 10);
    edge(g, LocaleArchive, Bash412, EdgeType::Read, sec(1.01), 0, 4096);
    const std::pair<int, double> readers[] = {{Bash412, 5}, {Curl415v1, 10.15}, {X417v1, 12.15}};
    for (const auto &[reader, at] : readers) {
        edge(g, Hostname, reader, EdgeType::Read, sec(at), 0, 220);
        edge(g, OsRelease, reader, EdgeType::Read, sec(at + 0.01), 0, 100);
        edge(g, EtcPasswd, reader, EdgeType::Read, sec(at + 0.02), 0, 1500);
    }
    for (const auto &[file, at] : {std::pair<int, double>{HereDocA, 9}, {HereDocB, 9.5}}) {
        edge(g, Bash412, file, EdgeType::Write, sec(at), 0, 20);
        edge(g, file, Bash412, EdgeType::Read, sec(at) + ms(1), 0, 20);
        edge(g, Bash412, file, EdgeType::Unlink, sec(at) + ms(2));
    }
    for (int i = 0; i < 100; ++i) // a burst 10 ms apart, then one more 9 s later
        edge(g, Logger300, AppLog, EdgeType::Write, sec(20) + ms(10 * i), 0, 64);
    edge(g, Logger300, AppLog, EdgeType::Write, sec(30), 0, 64);

    g.setPoi(ExfilSocket);
    return g;
}

} // namespace scripted
