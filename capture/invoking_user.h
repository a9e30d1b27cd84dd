#pragma once
// The person behind a privileged run: who started us through sudo or pkexec.
// Files the helper writes for them carry their identity, never root's.
#include "result.h"

#include <optional>
#include <string>
#include <sys/types.h>
#include <vector>

namespace provscope {

struct InvokingUser {
    uid_t uid = 0;
    gid_t gid = 0;
    std::string name;
    std::string home;
    std::vector<gid_t> groups; // supplementary groups, looked up before any fork
};

// From SUDO_UID/SUDO_GID or PKEXEC_UID, checked against the password database.
// Empty when we are not root or no one else invoked us (plain root).
std::optional<InvokingUser> findInvokingUser();

// Makes the calling thread's file-system identity the user's (setfsuid/setfsgid
// are per thread), so every file this thread creates is theirs and permission
// checks are theirs too. Returns an error if the switch did not take.
Result<void> adoptFsIdentityForThisThread(const InvokingUser &user);

// Drops this process to the user for good (groups, gid, uid) and sets HOME,
// USER and LOGNAME; used in a child before exec'ing the user's command. It does
// no user-database look-ups, so it is safe in a child forked from threads.
Result<void> dropToUser(const InvokingUser &user);

} // namespace provscope
