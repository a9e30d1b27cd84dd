#pragma once
// A tracked view of the attack chain, built by hand for the export and
// report tests: bash forks curl, which downloads /tmp/.x from 127.0.0.1:8000
// (updates.example); bash forks 416, which executes /tmp/.x (a new version of
// 416), reads an ssh key and three shared files (a group node), sends 4 KB to
// 127.0.0.3:4444 (the point of interest) and appends to ~/.bashrc.
#include "provenance_graph.h"

namespace provscope::test {

constexpr int64_t kSampleBootToEpoch = 1'763'800'000'000'000'000LL; // 2025-11-22
constexpr uint64_t kSec = 1'000'000'000ull;

enum SampleNode { kBash, kCurl, kServer, kDropped, kDropper, kDroppedRun, kKey, kExfil, kGroup, kBashrc };
constexpr int kSendEdge = 10;

inline ProvenanceGraph sampleAttackGraph()
{
    ProvenanceGraph g;
    g.setBootToEpochNs(kSampleBootToEpoch);
    g.addProcess(412, 100 * kSec, "bash", "/usr/bin/bash");
    g.addProcess(415, 1000 * kSec, "curl", "/usr/bin/curl");
    const int server = g.addSocket("127.0.0.1", 41000, "127.0.0.1", 8000);
    g.mutableNode(server).dnsName = "updates.example";
    const int dropped = g.addFile("/tmp/.x");
    g.mutableNode(dropped).flags = kFlagExecutedDownload;
    g.addProcess(416, 1002 * kSec, "bash", "/usr/bin/bash");
    GraphNode run;
    run.kind = NodeKind::Process;
    run.key = ProvenanceGraph::keyForProcessVersion(416, 1002 * kSec, 1);
    run.pid = 416;
    run.startNs = 1002 * kSec;
    run.comm = ".x";
    run.exe = "/tmp/.x";
    run.label = ".x (416)";
    run.detail = "/tmp/.x";
    run.version = 1;
    g.addNode(run);
    const int key = g.addFile("/home/u/.ssh/id_rsa");
    g.mutableNode(key).flags = kFlagSshKey | kFlagCredential;
    const int exfil = g.addSocket("127.0.0.1", 52000, "127.0.0.3", 4444);
    g.mutableNode(exfil).flags = kFlagOutbound;
    GraphNode group;
    group.kind = NodeKind::File;
    group.key = "group:shared-read-only:416";
    group.label = "3 shared read-only files";
    group.detail = "/etc/hosts, /etc/resolv.conf, \u2026";
    group.collapsed = 3;
    g.addNode(group);
    const int bashrc = g.addFile("/home/u/.bashrc");
    g.mutableNode(bashrc).flags = kFlagPersistence;

    auto edge = [&](int from, int to, EdgeType type, double at, uint64_t count, uint64_t bytes) {
        GraphEdge e;
        e.from = from;
        e.to = to;
        e.type = type;
        e.tsNs = uint64_t(at * double(kSec));
        e.teNs = e.tsNs + (count > 1 ? 2'000'000 : 0);
        e.count = count;
        e.bytes = bytes;
        e.eventIds = {int64_t(100 + g.edgeCount())}; // edge i stands for event 100 + i
        return g.appendEdge(e);
    };
    edge(kBash, kCurl, EdgeType::Fork, 1000, 1, 0);            // 0
    edge(kCurl, kServer, EdgeType::Connect, 1000.1, 1, 0);     // 1
    edge(kServer, kCurl, EdgeType::Recv, 1000.2, 3, 4096);     // 2
    edge(kCurl, kDropped, EdgeType::Write, 1000.3, 3, 4096);   // 3
    edge(kBash, kDropper, EdgeType::Fork, 1002, 1, 0);         // 4
    edge(kDropped, kDroppedRun, EdgeType::Exec, 1002.1, 1, 0); // 5
    edge(kDropper, kDroppedRun, EdgeType::Version, 1002.1, 1, 0); // 6
    edge(kGroup, kDroppedRun, EdgeType::Read, 1002.15, 12, 9000);  // 7
    edge(kDroppedRun, kKey, EdgeType::Open, 1002.19, 1, 0);        // 8
    edge(kKey, kDroppedRun, EdgeType::Read, 1002.2, 1, 2602);      // 9
    edge(kDroppedRun, kExfil, EdgeType::Send, 1002.4, 1, 4096);    // 10 = kSendEdge
    edge(kDroppedRun, kExfil, EdgeType::Connect, 1002.3, 1, 0);    // 11
    edge(kDroppedRun, kBashrc, EdgeType::Write, 1002.5, 1, 60);    // 12
    g.setPoi(exfil);
    return g;
}

} // namespace provscope::test
