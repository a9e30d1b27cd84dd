// provscope-coverage-workload: one deterministic case per correctness scenario
// and per syscall family of issue 3, for tst_syscall_coverage.
// Usage: provscope-coverage-workload SCRATCH_DIR
// Prints one JSON object with what it did (pids, fds, paths) so the test can
// match exactly. Raw syscall() is used where libc might pick another syscall.
#include <fcntl.h>
#include <mqueue.h>
#include <pthread.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/msg.h>
#include <sys/ptrace.h>
#include <sys/sendfile.h>
#include <sys/shm.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

namespace {

std::string g_dir;
std::string g_json = "{";

[[noreturn]] void die(const char *what)
{
    std::fprintf(stderr, "provscope-coverage-workload: %s: %s\n", what, std::strerror(errno));
    std::exit(1);
}

void field(const char *key, const std::string &value)
{
    if (g_json.size() > 1)
        g_json += ',';
    g_json += '"' + std::string(key) + "\":" + value;
}
void fieldStr(const char *key, const std::string &value) { field(key, '"' + value + '"'); }
void fieldInt(const char *key, long long value) { field(key, std::to_string(value)); }

std::string at(const char *name) { return g_dir + "/" + name; }

void waitChild(pid_t pid)
{
    int status = 0;
    if (waitpid(pid, &status, 0) != pid)
        die("waitpid");
}

// pid reuse: two children get the same pid (ns_last_pid set before the second
// fork). Each opens its own marker file. Retries when another fork got the pid.
void pidReuse()
{
    const int lock = open("/proc/sys/kernel/ns_last_pid", O_RDWR | O_CLOEXEC);
    if (lock < 0)
        die("open ns_last_pid");
    for (int attempt = 0; attempt < 50; ++attempt) {
        pid_t first = fork();
        if (first < 0)
            die("fork");
        if (first == 0) {
            close(open(at("reuse_a").c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644));
            _exit(0);
        }
        waitChild(first);
        if (flock(lock, LOCK_EX) != 0)
            die("flock");
        const std::string last = std::to_string(first - 1);
        if (pwrite(lock, last.data(), last.size(), 0) != ssize_t(last.size()))
            die("write ns_last_pid");
        pid_t second = fork();
        if (second < 0)
            die("fork");
        if (second == 0) {
            close(open(at("reuse_b").c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644));
            _exit(0);
        }
        flock(lock, LOCK_UN);
        waitChild(second);
        if (second == first) {
            fieldInt("reuse_pid", first);
            fieldStr("reuse_a", at("reuse_a"));
            fieldStr("reuse_b", at("reuse_b"));
            fieldInt("reuse_attempts", attempt + 1);
            close(lock);
            return;
        }
    }
    fieldInt("reuse_pid", 0);
    close(lock);
}

void *threadBody(void *arg)
{
    auto *index = static_cast<long *>(arg);
    const std::string path = at(("thread_" + std::to_string(*index)).c_str());
    const int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0 || write(fd, "t", 1) != 1)
        die("thread write");
    close(fd);
    *index = syscall(SYS_gettid);
    return nullptr;
}

void threads()
{
    pthread_t t[3];
    long ids[3] = {0, 1, 2};
    for (int i = 0; i < 3; ++i)
        if (pthread_create(&t[i], nullptr, threadBody, &ids[i]) != 0)
            die("pthread_create");
    std::string tids = "[";
    for (int i = 0; i < 3; ++i) {
        pthread_join(t[i], nullptr);
        tids += (i ? "," : "") + std::to_string(ids[i]);
    }
    field("thread_tids", tids + "]");
    fieldStr("thread_file0", at("thread_0"));
}

void execMissing()
{
    const std::string missing = at("no-such-binary");
    pid_t pid = fork();
    if (pid == 0) {
        char *const args[] = {const_cast<char *>("no-such-binary"), nullptr};
        execv(missing.c_str(), args);
        _exit(127);
    }
    waitChild(pid);
    fieldInt("exec_missing_pid", pid);
    fieldStr("exec_missing", missing);
}

// dup2 onto stdout, then writes to fd 1 must name the file.
void dup2Stdout()
{
    pid_t pid = fork();
    if (pid == 0) {
        const int fd = open(at("dup_out.txt").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (fd < 0 || syscall(SYS_dup2, fd, 1) != 1)
            _exit(1);
        for (int i = 0; i < 3; ++i)
            if (write(1, "line\n", 5) != 5)
                _exit(1);
        _exit(0);
    }
    waitChild(pid);
    fieldInt("dup2_pid", pid);
    fieldStr("dup2_file", at("dup_out.txt"));
}

// A pipe between two processes: the writer (child) and the reader (parent).
void pipeBetweenProcesses()
{
    int fds[2];
    if (syscall(SYS_pipe2, fds, O_CLOEXEC) != 0)
        die("pipe2");
    pid_t pid = fork();
    if (pid == 0) {
        close(fds[0]);
        if (write(fds[1], "ping", 4) != 4)
            _exit(1);
        _exit(0);
    }
    close(fds[1]);
    char buf[8];
    if (read(fds[0], buf, sizeof buf) != 4)
        die("pipe read");
    close(fds[0]);
    waitChild(pid);
    fieldInt("pipe_writer", pid);
    fieldInt("pipe_read_fd", fds[0]);
    fieldInt("pipe_write_fd", fds[1]);
}

void socketPair()
{
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0)
        die("socketpair");
    pid_t pid = fork();
    if (pid == 0) {
        close(sv[0]);
        if (write(sv[1], "pong", 4) != 4)
            _exit(1);
        _exit(0);
    }
    close(sv[1]);
    char buf[8];
    if (read(sv[0], buf, sizeof buf) != 4)
        die("socketpair read");
    close(sv[0]);
    waitChild(pid);
    fieldInt("sp_fd0", sv[0]);
    fieldInt("sp_fd1", sv[1]);
    fieldInt("sp_writer", pid);
}

// chdir, then a dirfd-relative open: the event must carry the absolute path.
void chdirAndDirfd()
{
    if (syscall(SYS_mkdir, at("sub").c_str(), 0750) != 0)
        die("mkdir");
    if (syscall(SYS_chdir, g_dir.c_str()) != 0)
        die("chdir");
    const int dirfd = open("sub", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dirfd < 0)
        die("open sub");
    const int fd = openat(dirfd, "rel.txt", O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0)
        die("openat rel");
    close(fd);
    close(dirfd);
    fieldStr("mkdir", at("sub"));
    fieldStr("dirfd_rel", at("sub/rel.txt"));
}

void renameChain()
{
    close(open("chain_a", O_WRONLY | O_CREAT | O_CLOEXEC, 0644));
    if (syscall(SYS_rename, "chain_a", "chain_b") != 0 || syscall(SYS_rename, "chain_b", "chain_c") != 0)
        die("rename");
    fieldStr("chain_a", at("chain_a"));
    fieldStr("chain_b", at("chain_b"));
    fieldStr("chain_c", at("chain_c"));
}

// One case per new family, with values the test checks.
void families()
{
    // kill: SIGKILL to a paused child
    pid_t victim = fork();
    if (victim == 0) {
        pause();
        _exit(0);
    }
    syscall(SYS_kill, victim, SIGKILL);
    waitChild(victim);
    fieldInt("kill_pid", victim);

    // mmap of a file with PROT_EXEC; mprotect adding PROT_EXEC to it
    const int exe = open("/bin/true", O_RDONLY | O_CLOEXEC);
    void *map = mmap(nullptr, 4096, PROT_READ | PROT_EXEC, MAP_PRIVATE, exe, 0);
    if (map == MAP_FAILED)
        die("mmap");
    void *data = mmap(nullptr, 4096, PROT_READ, MAP_PRIVATE, exe, 0);
    if (data == MAP_FAILED || mprotect(data, 4096, PROT_READ | PROT_EXEC) != 0)
        die("mprotect");
    munmap(map, 4096);
    munmap(data, 4096);
    close(exe);
    char real[4096];
    if (!realpath("/bin/true", real))
        die("realpath");
    fieldStr("mmap_file", real);

    // chmod, fchmod, chown, truncate
    const std::string file = at("meta.txt");
    const int fd = open(file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0 || write(fd, "0123456789", 10) != 10)
        die("meta");
    syscall(SYS_chmod, file.c_str(), 0640);
    syscall(SYS_fchmod, fd, 0604);
    syscall(SYS_chown, file.c_str(), 1234, 5678);
    syscall(SYS_ftruncate, fd, 4);
    syscall(SYS_truncate, file.c_str(), 2);
    fieldStr("meta", file);

    // dup, fcntl F_DUPFD_CLOEXEC, dup3, close_range
    const int d1 = syscall(SYS_dup, fd);
    const int d2 = fcntl(fd, F_DUPFD_CLOEXEC, 40);
    const int d3 = syscall(SYS_dup3, fd, 50, O_CLOEXEC);
    syscall(SYS_close_range, 40, 50, 0);
    close(d1);
    fieldInt("meta_fd", fd);
    fieldInt("dup_fd", d1);
    fieldInt("fcntl_fd", d2);
    fieldInt("dup3_fd", d3);

    // copies: sendfile, copy_file_range, splice
    const int out = open(at("copy.txt").c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    off_t off = 0;
    const ssize_t sent = sendfile(out, fd, &off, 2);
    loff_t inOff = 0;
    const ssize_t copied = syscall(SYS_copy_file_range, fd, &inOff, out, nullptr, 2, 0);
    int pfd[2];
    if (pipe(pfd) != 0)
        die("pipe");
    loff_t spOff = 0;
    const ssize_t spliced = splice(fd, &spOff, pfd[1], nullptr, 2, 0);
    close(pfd[0]);
    close(pfd[1]);
    close(out);
    fieldStr("copy", at("copy.txt"));
    fieldInt("sendfile_bytes", sent);
    fieldInt("copy_bytes", copied);
    fieldInt("splice_bytes", spliced);

    // preadv / pwritev
    char buf[4];
    struct iovec iov{buf, 2};
    const ssize_t pr = preadv(fd, &iov, 1, 0);
    const ssize_t pw = pwritev(fd, &iov, 1, 0);
    fieldInt("preadv_bytes", pr);
    fieldInt("pwritev_bytes", pw);
    close(fd);

    // symlink, link, mknod, rmdir
    syscall(SYS_symlink, "../target/rel", at("link").c_str());
    syscall(SYS_link, file.c_str(), at("hard").c_str());
    syscall(SYS_mknod, at("fifo").c_str(), S_IFIFO | 0600, 0);
    syscall(SYS_mkdir, at("gone").c_str(), 0700);
    syscall(SYS_rmdir, at("gone").c_str());
    fieldStr("symlink", at("link"));
    fieldStr("hardlink", at("hard"));
    fieldStr("fifo", at("fifo"));
    fieldStr("rmdir", at("gone"));

    // memfd_create
    const int mfd = syscall(SYS_memfd_create, "provscope-memfd", MFD_CLOEXEC);
    fieldInt("memfd", mfd);
    close(mfd);

    // socket
    const int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    fieldInt("socket_fd", s);
    close(s);

    // sendmmsg / recvmmsg on a datagram socketpair: 2 messages, 3 + 5 bytes
    int dg[2];
    if (socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, dg) != 0)
        die("socketpair dgram");
    char m1[] = "abc", m2[] = "defgh";
    struct iovec v[2] = {{m1, 3}, {m2, 5}};
    struct mmsghdr msgs[2] = {};
    msgs[0].msg_hdr.msg_iov = &v[0];
    msgs[0].msg_hdr.msg_iovlen = 1;
    msgs[1].msg_hdr.msg_iov = &v[1];
    msgs[1].msg_hdr.msg_iovlen = 1;
    const int nsent = sendmmsg(dg[0], msgs, 2, 0);
    char r1[8], r2[8];
    struct iovec rv[2] = {{r1, 8}, {r2, 8}};
    struct mmsghdr rmsgs[2] = {};
    rmsgs[0].msg_hdr.msg_iov = &rv[0];
    rmsgs[0].msg_hdr.msg_iovlen = 1;
    rmsgs[1].msg_hdr.msg_iov = &rv[1];
    rmsgs[1].msg_hdr.msg_iovlen = 1;
    const int nrecv = recvmmsg(dg[1], rmsgs, 2, 0, nullptr);
    close(dg[0]);
    close(dg[1]);
    fieldInt("mmsg_sent", nsent);
    fieldInt("mmsg_recv", nrecv);

    // System V shared memory and messages, POSIX message queue
    const int shm = shmget(IPC_PRIVATE, 4096, IPC_CREAT | 0600);
    void *shmAddr = shmat(shm, nullptr, 0);
    shmdt(shmAddr);
    shmctl(shm, IPC_RMID, nullptr);
    fieldInt("shm_id", shm);
    const int mq = msgget(IPC_PRIVATE, IPC_CREAT | 0600);
    struct { long type; char text[8]; } msg = {1, "hello"};
    msgsnd(mq, &msg, 6, 0);
    const ssize_t got = msgrcv(mq, &msg, sizeof msg.text, 0, 0);
    msgctl(mq, IPC_RMID, nullptr);
    fieldInt("msg_id", mq);
    fieldInt("msgrcv_bytes", got);
    const std::string qname = "/provscope-cov-" + std::to_string(getpid());
    struct mq_attr attr{};
    attr.mq_maxmsg = 4;
    attr.mq_msgsize = 16;
    const mqd_t q = mq_open(qname.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600, &attr);
    if (q != mqd_t(-1)) {
        mq_send(q, "queued", 6, 3);
        char qbuf[16];
        mq_receive(q, qbuf, sizeof qbuf, nullptr);
        mq_close(q);
        mq_unlink(qname.c_str());
    }
    fieldStr("mqueue", "/dev/mqueue" + qname);

    // process_vm_readv of ourselves; ptrace attach/detach to a paused child
    char src[8] = "vmread", dst[8];
    struct iovec local{dst, 6}, remote{src, 6};
    const ssize_t vm = process_vm_readv(getpid(), &local, 1, &remote, 1, 0);
    fieldInt("vm_bytes", vm);
    pid_t traced = fork();
    if (traced == 0) {
        pause();
        _exit(0);
    }
    if (ptrace(PTRACE_ATTACH, traced, nullptr, nullptr) == 0) {
        waitpid(traced, nullptr, 0);
        ptrace(PTRACE_DETACH, traced, nullptr, nullptr);
    }
    kill(traced, SIGKILL);
    waitChild(traced);
    fieldInt("ptrace_pid", traced);

    // setresuid in a child (drops to nobody), then a write that shows the new uid
    pid_t setter = fork();
    if (setter == 0) {
        if (syscall(SYS_setresgid, 65534, 65534, 65534) != 0 || syscall(SYS_setresuid, 65534, 65534, 65534) != 0)
            _exit(1);
        _exit(0);
    }
    waitChild(setter);
    fieldInt("setuid_pid", setter);
}

} // namespace

int main(int argc, char **argv)
{
    if (argc != 2) {
        std::fprintf(stderr, "usage: provscope-coverage-workload SCRATCH_DIR\n");
        return 2;
    }
    char real[4096];
    if (!realpath(argv[1], real))
        die("realpath");
    g_dir = real;
    fieldInt("pid", getpid());
    pidReuse();
    threads();
    execMissing();
    dup2Stdout();
    pipeBetweenProcesses();
    socketPair();
    chdirAndDirfd();
    renameChain();
    families();
    std::printf("%s}\n", g_json.c_str());
    return 0;
}
