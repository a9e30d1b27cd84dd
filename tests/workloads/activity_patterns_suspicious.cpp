// Suspicious activity, harmless by construction: everything it writes lives
// under the generator's temp dir and its fake $HOME (never the real /etc,
// ~/.bashrc or crontab), and every connection goes to loopback or to a
// private network namespace.
#include "activity_patterns.h"
#include "activity_support.h"

#include <dirent.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <cerrno>

namespace activity {

namespace {

std::string fakeKeyPath(const Context &context)
{
    return context.home + "/.ssh/id_rsa";
}

// A private key look-alike: the shape a scanner looks for, no key material.
void ensureFakeKey(const Context &context)
{
    makeDirs(context.home + "/.ssh");
    writeFile(fakeKeyPath(context),
              "-----BEGIN OPENSSH PRIVATE KEY-----\n"
              "provscope-activity-fake-key-not-a-real-key\n"
              "-----END OPENSSH PRIVATE KEY-----\n",
              false, 0600);
}

void reconnaissance(Context &context, Report &report)
{
    (void)readFile("/etc/passwd");
    (void)readFile("/etc/group");
    utsname name {};
    uname(&name);
    // ps-like: every process's command line.
    int scanned = 0;
    if (DIR *proc = opendir("/proc")) {
        while (dirent *entry = readdir(proc)) {
            if (entry->d_name[0] < '0' || entry->d_name[0] > '9')
                continue;
            (void)readFile(std::string("/proc/") + entry->d_name + "/cmdline", 4096);
            ++scanned;
        }
        closedir(proc);
    }
    const std::string log = context.dir + "/recon.log";
    report.pids.push_back(runProgram({"id"}, log));
    report.pids.push_back(runProgram({"uname", "-a"}, log));
    report.paths = {"/etc/passwd", "/etc/group", log};
    report.note = "scanned " + std::to_string(scanned) + " command lines";
}

// Knock on ssh and a few service ports of neighbouring loopback addresses.
int knock()
{
    int refused = 0;
    const int ports[] = {22, 445, 3389, 5985};
    for (int host = 2; host <= 5; ++host) {
        const std::string addr = "127.0.0." + std::to_string(host);
        for (int port : ports) {
            const int fd = connectTcp(addr, port);
            if (fd >= 0)
                close(fd); // something listens there: touch nothing
            else if (errno == ECONNREFUSED)
                ++refused;
        }
    }
    return refused;
}

void lateralMovement(Context &, Report &report)
{
    std::string why;
    // In a namespace of our own nothing listens, so every knock is refused.
    const int pid = runInPrivateNetns([&] { return knock() == 16 ? 0 : 1; }, &why);
    if (pid >= 0) {
        report.pids.push_back(pid);
        report.note = "16 knocks in a private network namespace";
    } else {
        report.note = "on the host's loopback (" + why + "): " + std::to_string(knock()) + " of 16 refused";
    }
    report.ports = {22, 445, 3389, 5985};
}

void persistence(Context &context, Report &report)
{
    const std::string rc = context.home + "/.bashrc";
    const std::string unitDir = context.home + "/.config/systemd/user";
    const std::string unit = unitDir + "/provscope-updater.service";
    const std::string spool = context.dir + "/var/spool/cron/crontabs";
    const std::string crontab = spool + "/user";
    makeDirs(unitDir);
    makeDirs(spool);
    writeFile(rc, "(" + context.dir + "/.updater &) # added by provscope-activity\n", true);
    writeFile(unit,
              "[Unit]\nDescription=provscope-activity fake updater\n\n"
              "[Service]\nExecStart=" + context.dir + "/.updater\n\n"
              "[Install]\nWantedBy=default.target\n");
    writeFile(crontab, "*/5 * * * * " + context.dir + "/.updater\n", true);
    report.paths = {rc, unit, crontab};
}

// tar a directory, then read the archive and send it to a loopback receiver.
void exfiltration(Context &context, Report &report)
{
    const std::string loot = context.dir + "/loot";
    makeDirs(loot);
    writeFile(loot + "/notes.txt", "quarterly numbers " + std::to_string(context.rng()) + "\n");
    const std::string archive = context.dir + "/loot-" + std::to_string(context.round) + ".tar";
    report.pids.push_back(runProgram({"tar", "cf", archive, "-C", context.dir, "loot"}, context.dir + "/tar.log"));
    int port = 0;
    const int server = listenTcp("127.0.0.3", 0, &port);
    if (server < 0) {
        report.note = "could not listen on 127.0.0.3";
        return;
    }
    const std::string received = archive + ".received";
    const int receiver = startChild([&] {
        const int conn = acceptWithin(server, 10000);
        if (conn < 0)
            return 1;
        writeFile(received, recvAll(conn));
        close(conn);
        return 0;
    });
    close(server);
    const int fd = connectTcp("127.0.0.3", port);
    if (fd >= 0) {
        sendAll(fd, readFile(archive));
        close(fd);
    }
    waitFor(receiver);
    report.pids.push_back(receiver);
    report.paths = {loot + "/notes.txt", archive, received};
    report.ports = {port};
}

void credentialAccess(Context &context, Report &report)
{
    ensureFakeKey(context);
    const std::string log = context.dir + "/creds.log";
    (void)readFile(fakeKeyPath(context));
    report.pids.push_back(runProgram({"cat", fakeKeyPath(context)}, log));
    report.paths = {fakeKeyPath(context), log};
}

// A copy of our binary hides itself (rename to a dot-file) and deletes itself.
void evasion(Context &context, Report &report)
{
    const std::string copy = context.dir + "/update-helper-" + std::to_string(context.round);
    writeFile(copy, readFile(context.self, 64u << 20), false, 0600);
    chmod(copy.c_str(), 0755);
    report.pids.push_back(runProgram({copy, "--evasion-child", copy}, context.dir + "/evasion.log"));
    report.paths = {copy, hiddenPathOf(copy)};
}

} // namespace

std::string hiddenPathOf(const std::string &path)
{
    const size_t slash = path.rfind('/');
    return path.substr(0, slash + 1) + "." + path.substr(slash + 1);
}

int runEvasionChild(const std::string &self)
{
    const std::string hidden = hiddenPathOf(self);
    if (rename(self.c_str(), hidden.c_str()) != 0)
        return 1;
    chmod(hidden.c_str(), 0700);
    return unlink(hidden.c_str()) == 0 ? 0 : 2;
}

const std::vector<Pattern> &suspiciousPatterns()
{
    static const std::vector<Pattern> patterns = {
        {"suspicious", "reconnaissance", "read /etc/passwd, scan /proc/*/cmdline, uname, id", reconnaissance},
        {"suspicious", "lateral_movement", "connect to ssh and service ports of 127.0.0.2-5 (refused)",
         lateralMovement},
        {"suspicious", "persistence", "append to $HOME/.bashrc, a systemd user unit and a crontab spool (fake HOME)",
         persistence},
        {"suspicious", "exfiltration", "tar a directory and send the archive to a listener on 127.0.0.3",
         exfiltration},
        {"suspicious", "credential_access", "read $HOME/.ssh/id_rsa (a fake key in the fake HOME)", credentialAccess},
        {"suspicious", "evasion", "a copy of the binary renames itself to a dot-file, chmods and unlinks it", evasion},
    };
    return patterns;
}

} // namespace activity
