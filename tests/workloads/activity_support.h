#pragma once
// Small POSIX helpers the activity patterns share: files, child processes,
// loopback sockets and a private network namespace. Errors are reported as
// -1 / false (a pattern notes them); nothing here exits the generator.
#include <functional>
#include <string>
#include <vector>

namespace activity {

bool makeDirs(const std::string &path, unsigned mode = 0700);
bool writeFile(const std::string &path, const std::string &data, bool append = false, unsigned mode = 0644);
std::string readFile(const std::string &path, size_t limit = 1 << 20);
void removeTree(const std::string &path);

// fork + execvp(argv) with stdout and stderr appended to logPath (never the
// generator's stdout, which carries the report); waits. Returns the child's
// pid, or -1 when the fork failed.
int runProgram(const std::vector<std::string> &argv, const std::string &logPath);
// fork; the child runs body and _exits with its result. Waits. Returns the
// child's pid (-1: fork failed) and its exit status through status.
int runChild(const std::function<int()> &body, int *status = nullptr);
// fork without waiting (the caller waits with waitFor).
int startChild(const std::function<int()> &body);
int waitFor(int pid); // exit status, or -1

// TCP/UDP on a numeric IPv4 address. listenTcp binds port 0 when port == 0
// and returns the bound port through boundPort.
int listenTcp(const std::string &addr, int port, int *boundPort);
int connectTcp(const std::string &addr, int port); // -1 with errno set when refused
// accept4 that gives up (-1) after timeoutMs, so a client that never came cannot hang a pattern.
int acceptWithin(int server, int timeoutMs);
int bindUdp(const std::string &addr, int *boundPort);
bool sendAll(int fd, const std::string &data);
std::string recvAll(int fd, size_t limit = 1 << 20); // until EOF

// Runs body in a child that is alone in a new network namespace with its
// loopback up. Returns the child's pid, or -1 with why set when this machine
// or user cannot make one (not root, no CONFIG_NET_NS): callers skip then.
int runInPrivateNetns(const std::function<int()> &body, std::string *why);

} // namespace activity
