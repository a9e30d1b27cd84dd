// Normal activity: file I/O, loopback TCP and UDP, child processes, reading
// system files, and a loopback exchange in a private network namespace.
#include "activity_patterns.h"
#include "activity_support.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <ctime>

namespace activity {

namespace {

std::string roundName(const Context &context, const char *stem)
{
    return context.dir + "/" + stem + std::to_string(context.round);
}

void fileIo(Context &context, Report &report)
{
    const std::string draft = roundName(context, "draft-") + ".txt";
    const std::string saved = roundName(context, "saved-") + ".txt";
    std::string text;
    const size_t lines = 4 + context.rng() % 16;
    for (size_t i = 0; i < lines; ++i)
        text += "line " + std::to_string(i) + " of a document\n";
    writeFile(draft, text);
    writeFile(draft, "appended\n", true);
    (void)readFile(draft);
    rename(draft.c_str(), saved.c_str());
    (void)readFile(saved);
    unlink(saved.c_str());
    report.paths = {draft, saved};
}

// A server and a client process exchange a request and a reply.
int tcpExchange(const std::string &addr, Report &report)
{
    int port = 0;
    const int server = listenTcp(addr, 0, &port);
    if (server < 0)
        return -1;
    const int client = startChild([&] {
        const int fd = connectTcp(addr, port);
        if (fd < 0)
            return 1;
        sendAll(fd, "GET /status\n");
        shutdown(fd, SHUT_WR);
        const bool replied = !recvAll(fd).empty();
        close(fd);
        return replied ? 0 : 2;
    });
    const int conn = acceptWithin(server, 10000);
    if (conn >= 0) {
        (void)recvAll(conn);
        sendAll(conn, "200 OK\n");
        close(conn);
    }
    close(server);
    waitFor(client);
    report.pids.push_back(client);
    report.ports.push_back(port);
    return port;
}

void tcpLoopback(Context &, Report &report)
{
    if (tcpExchange("127.0.0.1", report) < 0)
        report.note = "could not listen on 127.0.0.1";
}

void udpLoopback(Context &, Report &report)
{
    int serverPort = 0, clientPort = 0;
    const int server = bindUdp("127.0.0.1", &serverPort);
    const int client = bindUdp("127.0.0.1", &clientPort);
    if (server >= 0 && client >= 0) {
        sockaddr_in to{};
        to.sin_family = AF_INET;
        to.sin_port = htons(static_cast<uint16_t>(serverPort));
        to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        for (int i = 0; i < 3; ++i)
            sendto(client, "ping", 4, 0, reinterpret_cast<sockaddr *>(&to), sizeof to);
        char buffer[16];
        for (int i = 0; i < 3; ++i)
            recv(server, buffer, sizeof buffer, MSG_DONTWAIT);
        report.ports = {serverPort, clientPort};
    } else {
        report.note = "could not bind UDP on 127.0.0.1";
    }
    if (server >= 0)
        close(server);
    if (client >= 0)
        close(client);
}

void processes(Context &context, Report &report)
{
    const std::string log = context.dir + "/processes.log";
    report.pids.push_back(runProgram({"/bin/true"}, log));
    report.pids.push_back(runProgram({"/bin/sh", "-c", "echo checking; ls -a \"$0\"", context.dir}, log));
    report.pids.push_back(runProgram({"ls", "-l", context.dir}, log));
    report.paths = {log};
}

void systemInfo(Context &context, Report &report)
{
    (void)readFile("/etc/hostname");
    (void)readFile("/etc/os-release");
    struct stat info {};
    stat("/etc", &info);
    stat(context.dir.c_str(), &info);
    const timespec pause{0, static_cast<long>(10'000'000 + context.rng() % 20'000'000)};
    nanosleep(&pause, nullptr);
    report.paths = {"/etc/hostname", "/etc/os-release"};
}

void namespaceExchange(Context &, Report &report)
{
    std::string why;
    Report inner;
    const int pid = runInPrivateNetns([&] { return tcpExchange("127.0.0.1", inner) > 0 ? 0 : 1; }, &why);
    if (pid < 0) {
        report.note = "skipped: " + why;
        return;
    }
    // The exchange ran in the namespace child; its client is a grandchild.
    report.pids.push_back(pid);
    report.note = "in a private network namespace";
}

} // namespace

const std::vector<Pattern> &normalPatterns()
{
    static const std::vector<Pattern> patterns = {
        {"normal", "file_io", "write, append, read, rename and unlink a file in the temp dir", fileIo},
        {"normal", "tcp_loopback", "a server and a client process exchange a request on 127.0.0.1", tcpLoopback},
        {"normal", "udp_loopback", "datagrams between two UDP sockets on 127.0.0.1", udpLoopback},
        {"normal", "processes", "fork/exec /bin/true, sh -c and ls", processes},
        {"normal", "system", "read /etc/hostname and /etc/os-release, stat, sleep", systemInfo},
        {"normal", "netns_loopback", "a TCP exchange inside a private network namespace (root only)",
         namespaceExchange},
    };
    return patterns;
}

} // namespace activity
