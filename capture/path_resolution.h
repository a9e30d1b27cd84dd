#pragma once
// Turning path arguments as a process passed them into absolute paths.
#include <string>
#include <string_view>

namespace provscope {

// Lexically normalises an absolute path: collapses "//", drops "." and
// resolves ".." (never above "/"). Symlinks are not followed: the kernel
// already resolved what it could, and the result must not depend on the
// machine the session is read on. A relative path comes back unchanged.
std::string normalizePath(std::string_view path);

// True when normalizePath(path) could differ from path.
bool needsNormalization(std::string_view path);

// The absolute path the process meant: `arg` when absolute, else `base`/`arg`
// (base is the kernel-resolved dirfd or cwd). With no base, `arg` unchanged.
std::string resolvePathArgument(std::string_view arg, std::string_view base);

} // namespace provscope
