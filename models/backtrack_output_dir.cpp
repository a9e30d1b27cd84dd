#include "backtrack_output_dir.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace provscope {
namespace {

std::string errnoText() { return std::strerror(errno); }

} // namespace

Result<BacktrackOutputDir> BacktrackOutputDir::open(const std::string &path)
{
    if (path.empty())
        return makeError("no directory given for the BackTrack logs");
    if (::mkdir(path.c_str(), 0755) != 0 && errno != EEXIST)
        return makeError("cannot create directory " + path + ": " + errnoText());
    // O_NOFOLLOW: a symlink planted in place of the directory is refused.
    const int fd = ::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) {
        struct stat st {};
        if (errno == ELOOP || (errno == ENOTDIR && ::lstat(path.c_str(), &st) == 0 && S_ISLNK(st.st_mode)))
            return makeError(path + " is a symlink; give the real directory");
        if (errno == ENOTDIR)
            return makeError(path + " exists and is not a directory");
        return makeError("cannot open directory " + path + ": " + errnoText());
    }
    return BacktrackOutputDir(fd, path);
}

BacktrackOutputDir::BacktrackOutputDir(BacktrackOutputDir &&other) noexcept
    : m_fd(other.m_fd), m_path(std::move(other.m_path))
{
    other.m_fd = -1;
}

BacktrackOutputDir &BacktrackOutputDir::operator=(BacktrackOutputDir &&other) noexcept
{
    if (this != &other) {
        if (m_fd >= 0)
            ::close(m_fd);
        m_fd = other.m_fd;
        m_path = std::move(other.m_path);
        other.m_fd = -1;
    }
    return *this;
}

BacktrackOutputDir::~BacktrackOutputDir()
{
    if (m_fd >= 0)
        ::close(m_fd);
}

std::string BacktrackOutputDir::pathOf(const std::string &name) const
{
    return m_path + (m_path.empty() || m_path.back() == '/' ? "" : "/") + name;
}

bool BacktrackOutputDir::exists(const std::string &name) const
{
    struct stat st {};
    return ::fstatat(m_fd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0;
}

Result<int> BacktrackOutputDir::createFile(const std::string &name) const
{
    const int fd = ::openat(m_fd, name.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
    if (fd < 0) {
        if (errno == EEXIST)
            return makeError(pathOf(name) + " already exists; refusing to overwrite it");
        return makeError("cannot create " + pathOf(name) + ": " + errnoText());
    }
    return fd;
}

Result<void> BacktrackOutputDir::renameNoReplace(const std::string &from, const std::string &to) const
{
    if (::renameat2(m_fd, from.c_str(), m_fd, to.c_str(), RENAME_NOREPLACE) == 0)
        return {};
    if (errno == EINVAL || errno == ENOSYS) {
        // A file system without RENAME_NOREPLACE: link() refuses an existing name too.
        if (::linkat(m_fd, from.c_str(), m_fd, to.c_str(), 0) == 0) {
            ::unlinkat(m_fd, from.c_str(), 0);
            return {};
        }
    }
    if (errno == EEXIST)
        return makeError(pathOf(to) + " appeared while exporting; refusing to overwrite it");
    return makeError("cannot rename " + pathOf(from) + " to " + to + ": " + errnoText());
}

void BacktrackOutputDir::remove(const std::string &name) const { ::unlinkat(m_fd, name.c_str(), 0); }

Result<void> writeAllTo(int fd, const std::string &text, const std::string &what)
{
    size_t done = 0;
    while (done < text.size()) {
        const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return makeError("writing " + what + ": " + (n < 0 ? errnoText() : std::string("no progress")));
        done += size_t(n);
    }
    return {};
}

} // namespace provscope
