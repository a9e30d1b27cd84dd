#include "flow_store_temp_file.h"

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <random>
#include <sys/stat.h>
#include <unistd.h>

namespace provscope {
namespace {

volatile sig_atomic_t g_caught = 0;

void onSignal(int signal) { g_caught = signal; }

std::string directoryOf(const std::string &path)
{
    const size_t slash = path.rfind('/');
    if (slash == std::string::npos)
        return ".";
    return slash == 0 ? "/" : path.substr(0, slash);
}

std::string baseName(const std::string &path)
{
    const size_t slash = path.rfind('/');
    return slash == std::string::npos ? path : path.substr(slash + 1);
}

std::string temporaryName(const std::string &path, const char *what)
{
    static const char kChars[] = "abcdefghijklmnopqrstuvwxyz0123456789";
    std::random_device random;
    std::string suffix;
    for (int i = 0; i < 8; ++i)
        suffix += kChars[random() % (sizeof kChars - 1)];
    return directoryOf(path) + "/." + baseName(path) + "." + what + "-" + suffix;
}

Result<void> writableDirectory(const std::string &path)
{
    if (::access(directoryOf(path).c_str(), W_OK | X_OK) != 0)
        return makeError("the directory of " + path + " must be writable (the import writes beside it and "
                         "renames into place): " + std::strerror(errno));
    return {};
}

Result<void> syncDirectory(const std::string &path)
{
    const int fd = ::open(directoryOf(path).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return makeError("cannot open the directory of " + path + ": " + std::strerror(errno));
    const int rc = ::fsync(fd);
    const int error = errno;
    ::close(fd);
    if (rc != 0 && error != EINVAL)
        return makeError("cannot sync the directory of " + path + ": " + std::strerror(error));
    return {};
}

Result<void> syncFile(const std::string &path)
{
    const int fd = ::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return makeError("cannot open " + path + ": " + std::strerror(errno));
    const int rc = ::fsync(fd);
    const int error = errno;
    ::close(fd);
    if (rc != 0)
        return makeError("cannot sync " + path + ": " + std::strerror(error));
    return {};
}

// Every byte of in to out: copy_file_range (no user-space copy, reflinks where the
// file system has them), plain read/write where it is not supported.
Result<void> copyBytes(int in, int out, uint64_t size)
{
    uint64_t copied = 0;
    bool plain = false;
    while (copied < size && !plain) {
        const ssize_t n = ::copy_file_range(in, nullptr, out, nullptr, size - copied, 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EXDEV || errno == ENOSYS || errno == EINVAL || errno == EOPNOTSUPP) && copied == 0) {
            plain = true;
            break;
        }
        if (n < 0)
            return makeError(std::strerror(errno));
        if (n == 0)
            return makeError("the file shrank while it was copied");
        copied += uint64_t(n);
    }
    if (!plain)
        return {};
    char buffer[1 << 16];
    for (;;) {
        const ssize_t n = ::read(in, buffer, sizeof buffer);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return makeError(std::strerror(errno));
        if (n == 0)
            return {};
        for (ssize_t done = 0; done < n;) {
            const ssize_t w = ::write(out, buffer + done, size_t(n - done));
            if (w < 0 && errno == EINTR)
                continue;
            if (w < 0)
                return makeError(std::strerror(errno));
            done += w;
        }
    }
}

} // namespace

SessionTempFile::~SessionTempFile()
{
    if (!m_placed)
        remove();
}

void SessionTempFile::remove()
{
    if (m_path.empty())
        return;
    for (const char *suffix : {"", "-journal", "-wal", "-shm"})
        ::unlink((m_path + suffix).c_str());
}

Result<std::unique_ptr<SessionTempFile>> SessionTempFile::copyOf(const std::string &original)
{
    struct stat st {};
    if (::lstat(original.c_str(), &st) != 0)
        return makeError("cannot open " + original + ": " + std::strerror(errno));
    if (S_ISLNK(st.st_mode))
        return makeError(original + " is a symbolic link; refusing to import through it (name the session itself)");
    if (!S_ISREG(st.st_mode))
        return makeError(original + " is not a provscope session (not a regular file)");
    if (auto ok = writableDirectory(original); !ok)
        return makeError(ok.error());
    const int in = ::open(original.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (in < 0)
        return makeError("cannot open " + original + ": " + std::strerror(errno));
    if (::fstat(in, &st) != 0 || !S_ISREG(st.st_mode)) {
        ::close(in);
        return makeError(original + " changed while it was opened");
    }
    std::unique_ptr<SessionTempFile> temp(new SessionTempFile());
    temp->m_target = original;
    temp->m_replace = true;
    int out = -1;
    for (int attempt = 0; attempt < 16 && out < 0; ++attempt) {
        const std::string name = temporaryName(original, "import");
        out = ::open(name.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (out >= 0)
            temp->m_path = name;
        else if (errno != EEXIST)
            break;
    }
    if (out < 0) {
        const int error = errno;
        ::close(in);
        if (error == EACCES || error == EPERM || error == EROFS)
            return makeError("the directory of " + original + " must be writable (the import writes beside it and "
                             "renames into place): " + std::strerror(error));
        return makeError("cannot create a temporary copy beside " + original + ": " + std::strerror(error));
    }
    // The copy replaces the original: it must be the original's in owner and mode.
    auto fail = [&](const std::string &message) {
        ::close(in);
        ::close(out);
        temp->remove();
        temp->m_path.clear();
        return makeError(message);
    };
    if (::fchown(out, st.st_uid, st.st_gid) != 0)
        return fail("cannot give the copy of " + original + " its owner (uid " + std::to_string(st.st_uid) +
                    ", gid " + std::to_string(st.st_gid) + "): " + std::strerror(errno) + "; nothing imported");
    if (::fchmod(out, st.st_mode & 07777) != 0)
        return fail("cannot give the copy of " + original + " its mode: " + std::strerror(errno));
    if (auto copied = copyBytes(in, out, uint64_t(st.st_size)); !copied)
        return fail("cannot copy " + original + " beside it (" + temp->m_path + "): " + copied.error() +
                    "; nothing imported");
    if (::fsync(out) != 0)
        return fail("cannot write the copy of " + original + ": " + std::strerror(errno) + "; nothing imported");
    ::close(in);
    if (::close(out) != 0)
        return fail("cannot write the copy of " + original + ": " + std::strerror(errno) + "; nothing imported");
    return temp;
}

Result<std::unique_ptr<SessionTempFile>> SessionTempFile::besideNew(const std::string &target)
{
    struct stat st {};
    if (::lstat(target.c_str(), &st) == 0) {
        if (S_ISLNK(st.st_mode))
            return makeError(target + " is a symbolic link; refusing to write a session through it");
        return makeError(target + " already exists; refusing to overwrite it");
    }
    if (auto ok = writableDirectory(target); !ok)
        return makeError(ok.error());
    std::unique_ptr<SessionTempFile> temp(new SessionTempFile());
    temp->m_target = target;
    for (int attempt = 0; attempt < 16; ++attempt) {
        const std::string name = temporaryName(target, "new");
        if (::lstat(name.c_str(), &st) != 0) {
            temp->m_path = name;
            return temp;
        }
    }
    return makeError("cannot find a free temporary name beside " + target);
}

Result<void> SessionTempFile::place()
{
    if (m_placed || m_path.empty())
        return makeError("nothing to place at " + m_target);
    if (auto synced = syncFile(m_path); !synced)
        return synced;
    if (m_replace) {
        if (::rename(m_path.c_str(), m_target.c_str()) != 0)
            return makeError("cannot replace " + m_target + " by its updated copy: " + std::strerror(errno));
    } else {
        // Never replaces an existing name: a file made meanwhile is kept. link(2) where
        // the file system has no RENAME_NOREPLACE.
        int rc = ::renameat2(AT_FDCWD, m_path.c_str(), AT_FDCWD, m_target.c_str(), RENAME_NOREPLACE);
        if (rc != 0 && (errno == EINVAL || errno == ENOSYS)) {
            rc = ::link(m_path.c_str(), m_target.c_str());
            if (rc == 0)
                ::unlink(m_path.c_str());
        }
        if (rc != 0) {
            if (errno == EEXIST)
                return makeError(m_target + " appeared while the import ran; refusing to overwrite it");
            return makeError("cannot create " + m_target + ": " + std::strerror(errno));
        }
    }
    m_placed = true;
    return syncDirectory(m_target);
}

ImportSignalGuard::ImportSignalGuard()
{
    g_caught = 0;
    struct sigaction action {};
    action.sa_handler = onSignal;
    action.sa_flags = SA_RESTART; // reads and SQLite's writes go on; the import checks caught()
    sigemptyset(&action.sa_mask);
    ::sigaction(SIGINT, &action, nullptr);
    ::sigaction(SIGTERM, &action, nullptr);
}

ImportSignalGuard::~ImportSignalGuard()
{
    struct sigaction action {};
    action.sa_handler = SIG_DFL;
    sigemptyset(&action.sa_mask);
    ::sigaction(SIGINT, &action, nullptr);
    ::sigaction(SIGTERM, &action, nullptr);
}

int ImportSignalGuard::caught() { return g_caught; }

} // namespace provscope
