#pragma once
// Dropping the GUI process from root to the user who ran sudo/pkexec (DESIGN.md
// "Privileges"). (capture/invoking_user.h is the helper's own, separate variant.)
#include "result.h"

#include <sys/types.h>

#include <optional>
#include <string>

namespace provscope {

struct TargetUser {
    uid_t uid = 0;
    gid_t gid = 0;
    std::string name;
    std::string home;
    std::string via;   // "sudo" or "pkexec"
};

// The non-root user named by SUDO_UID (or PKEXEC_UID), if any, looked up in passwd.
std::optional<TargetUser> sudoTargetUser();

// Permanently becomes the user: supplementary groups (initgroups), gid, uid; then
// verifies root cannot be regained and sets HOME, USER, LOGNAME and
// XDG_RUNTIME_DIR=/run/user/UID when that directory exists. Call before any thread starts.
Result<void> dropPrivilegesTo(const TargetUser &user);

} // namespace provscope
