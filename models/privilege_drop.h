#pragma once
// The person behind a privileged run (who started us through sudo or pkexec), and
// becoming them: the GUI drops to them for good before Qt starts (DESIGN.md
// "Privileges"); the helper runs the user's command as them and writes their files
// with their file-system identity.
#include "result.h"

#include <sys/types.h>

#include <optional>
#include <string>
#include <vector>

namespace provscope {

struct TargetUser {
    uid_t uid = 0;
    gid_t gid = 0;
    std::string name;
    std::string home;
    std::string via;   // "sudo" or "pkexec"
    std::vector<gid_t> groups; // supplementary groups, looked up here, not after a fork
};

// The non-root user named by SUDO_UID (or PKEXEC_UID), if any, looked up in passwd.
std::optional<TargetUser> sudoTargetUser();

// Permanently becomes the user: supplementary groups, gid, uid; then verifies root
// cannot be regained and sets HOME, USER, LOGNAME and XDG_RUNTIME_DIR=/run/user/UID
// when that directory exists. No user-database look-ups: safe in a child forked
// from a threaded process. In a process that keeps running, call it before any
// thread starts (the ids of other threads would not change).
Result<void> dropPrivilegesTo(const TargetUser &user);

// Makes the calling thread's file-system identity the user's (setfsuid/setfsgid act
// per thread): every file the thread creates is theirs and access checks are theirs.
Result<void> adoptFsIdentityForThisThread(const TargetUser &user);

} // namespace provscope
