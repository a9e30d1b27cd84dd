#include "session_file_check.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

namespace provscope {
namespace {

uint32_t bigEndian(const unsigned char *p, int bytes)
{
    uint32_t value = 0;
    for (int i = 0; i < bytes; ++i)
        value = (value << 8) | p[i];
    return value;
}

} // namespace

Result<void> checkNoUnfinishedWrite(const std::string &path)
{
    // SQLite's hot journal: a writer in rollback-journal mode (an import, an annotation)
    // stopped between its first write and its commit. The main file then holds part of
    // the change; only a read-write open rolls it back, which readers (immutable) never do.
    // A journal that is empty or starts with a zero byte is not hot (SQLite's own test).
    const std::string journal = path + "-journal";
    struct stat st {};
    if (::lstat(journal.c_str(), &st) != 0)
        return {};
    const std::string unfinished = path + " has an unfinished write (" + journal + "): ";
    if (S_ISLNK(st.st_mode))
        return makeError(unfinished + "it is a symbolic link, which no provscope or SQLite writer leaves; "
                                      "look at what it points to before removing it");
    if (!S_ISREG(st.st_mode) || st.st_size == 0)
        return {};
    const int fd = ::open(journal.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    unsigned char first = 1;
    if (fd >= 0) {
        if (::read(fd, &first, 1) != 1)
            first = 1;
        ::close(fd);
    }
    if (first == 0)
        return {};
    return makeError(unfinished + "a program changing it was stopped before it finished, so the file is "
                                  "between two states. Opening it read-write rolls the change back (e.g. sqlite3 " +
                     path + " 'PRAGMA quick_check'); provscope only reads it and will not");
}

Result<SessionFileCheck> checkSessionFile(const std::string &path)
{
    struct stat st {};
    if (stat(path.c_str(), &st) != 0)
        return makeError("cannot open " + path + ": " + std::strerror(errno));
    if (S_ISDIR(st.st_mode))
        return makeError(path + " is a directory, not a provscope session");
    if (!S_ISREG(st.st_mode))
        return makeError(path + " is not a provscope session (not a regular file)");
    if (auto clean = checkNoUnfinishedWrite(path); !clean)
        return makeError(clean.error());

    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return makeError("cannot open " + path + ": " + std::strerror(errno));
    unsigned char header[100] = {};
    ssize_t got = 0;
    while (got < ssize_t(sizeof header)) {
        const ssize_t n = ::read(fd, header + got, sizeof header - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        got += n;
    }
    ::close(fd);

    static const char kMagic[16] = {'S', 'Q', 'L', 'i', 't', 'e', ' ', 'f',
                                    'o', 'r', 'm', 'a', 't', ' ', '3', '\0'};
    if (st.st_size == 0)
        return makeError(path + " is not a provscope session (empty file)");
    if (got < 16 || std::memcmp(header, kMagic, 16) != 0)
        return makeError(path + " is not a provscope session (not an SQLite database)");
    if (got < 100)
        return makeError(path + " is damaged: truncated inside the database header (" +
                         std::to_string(st.st_size) + " bytes)");

    SessionFileCheck check;
    check.fileSize = uint64_t(st.st_size);
    const uint32_t rawPageSize = bigEndian(header + 16, 2);
    check.pageSize = rawPageSize == 1 ? 65536 : rawPageSize;
    if (check.pageSize < 512 || (check.pageSize & (check.pageSize - 1)) != 0)
        return makeError(path + " is damaged: invalid page size " + std::to_string(rawPageSize));
    check.walMode = header[18] == 2 || header[19] == 2;
    // The page count is valid when the change counter matches "version-valid-for".
    if (bigEndian(header + 24, 4) == bigEndian(header + 92, 4))
        check.headerPageCount = bigEndian(header + 28, 4);
    struct stat walStat {};
    check.walFilePresent = lstat((path + "-wal").c_str(), &walStat) == 0;

    // A live WAL session may have pages only in the -wal file; otherwise the
    // main file must hold every page its header counts.
    if (!check.walFilePresent && check.headerPageCount > 0) {
        const uint64_t expected = uint64_t(check.headerPageCount) * check.pageSize;
        if (check.fileSize < expected)
            return makeError(path + " is damaged: truncated (the file has " +
                             std::to_string(check.fileSize) + " bytes, its header says " +
                             std::to_string(check.headerPageCount) + " pages of " +
                             std::to_string(check.pageSize) + " bytes = " +
                             std::to_string(expected) + ")");
    }
    if (check.fileSize % check.pageSize != 0 && !check.walFilePresent)
        return makeError(path + " is damaged: its size (" + std::to_string(check.fileSize) +
                         " bytes) is not a multiple of the page size (" +
                         std::to_string(check.pageSize) + ")");
    return check;
}

std::string sqliteFileUri(const std::string &path, const std::string &query)
{
    static const char kHex[] = "0123456789ABCDEF";
    // An absolute path gets an empty authority ("file:///..."), so "//x" stays a path.
    std::string uri = !path.empty() && path[0] == '/' ? "file://" : "file:";
    for (unsigned char c : path) {
        const bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                           (c >= '0' && c <= '9') || c == '/' || c == '-' || c == '_' ||
                           c == '.' || c == '~';
        if (plain) {
            uri += char(c);
        } else {
            uri += '%';
            uri += kHex[c >> 4];
            uri += kHex[c & 15];
        }
    }
    if (!query.empty())
        uri += "?" + query;
    return uri;
}

Result<void> createNewSessionFile(const std::string &path)
{
    struct stat st {};
    if (::lstat(path.c_str(), &st) == 0) {
        if (S_ISLNK(st.st_mode))
            return makeError(path + " is a symbolic link; refusing to write a session through it");
        return makeError(path + " already exists; refusing to overwrite it");
    }
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
    if (fd < 0) {
        if (errno == EEXIST || errno == ELOOP)
            return makeError(path + " already exists; refusing to overwrite it");
        return makeError("cannot create " + path + ": " + std::strerror(errno));
    }
    ::close(fd);
    return {};
}

int64_t walCheckpointPages(const std::string &path)
{
    const size_t slash = path.rfind('/');
    const std::string dir = slash == std::string::npos ? std::string(".") : path.substr(0, slash + 1);
    struct statvfs fs {};
    if (::statvfs(dir.c_str(), &fs) != 0)
        return 8192;
    const uint64_t freeBytes = uint64_t(fs.f_bavail) * fs.f_frsize;
    return std::clamp<int64_t>(int64_t(freeBytes / 16 / 4096), 32, 8192);
}

} // namespace provscope
