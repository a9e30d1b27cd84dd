#pragma once
// The directory the BackTrack logs go into, opened once and used only through
// its fd: created when absent (0755), never reached through a symlink, files
// created with O_EXCL|O_NOFOLLOW (an existing file is refused, never truncated).
// Whoever calls this is the file owner: under sudo, call it on a thread that
// took the invoking user's fs identity.
#include "result.h"

#include <string>

namespace provscope {

// BackTrack's README names no files; these are ours, documented in the README.
inline constexpr const char *kBacktrackRawLogName = "raw_syscalls.jsonl";
inline constexpr const char *kBacktrackTrackerLogName = "tracker.jsonl";

class BacktrackOutputDir {
public:
    static Result<BacktrackOutputDir> open(const std::string &path);
    BacktrackOutputDir(BacktrackOutputDir &&other) noexcept;
    BacktrackOutputDir &operator=(BacktrackOutputDir &&other) noexcept;
    ~BacktrackOutputDir();

    bool exists(const std::string &name) const;
    // A new file (0644) for writing; fails if the name exists in any form.
    Result<int> createFile(const std::string &name) const;
    // Renames within the directory, refusing to replace an existing name.
    Result<void> renameNoReplace(const std::string &from, const std::string &to) const;
    void remove(const std::string &name) const;
    const std::string &path() const { return m_path; }
    // "DIR/name" for messages.
    std::string pathOf(const std::string &name) const;

private:
    BacktrackOutputDir(int fd, std::string path) : m_fd(fd), m_path(std::move(path)) {}
    int m_fd = -1;
    std::string m_path;
};

// Writes all of text to fd (retrying short writes); the error names the file.
Result<void> writeAllTo(int fd, const std::string &text, const std::string &what);

} // namespace provscope
