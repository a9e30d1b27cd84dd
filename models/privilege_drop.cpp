#include "privilege_drop.h"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <grp.h>
#include <pwd.h>
#include <sys/fsuid.h>
#include <sys/stat.h>
#include <unistd.h>

namespace provscope {

namespace {

std::optional<uid_t> parseUid(const char *text)
{
    if (!text || !*text)
        return std::nullopt;
    char *end = nullptr;
    errno = 0;
    const unsigned long v = std::strtoul(text, &end, 10);
    if (errno != 0 || *end != '\0' || v == 0 || v > 0x7fffffffUL)
        return std::nullopt; // uid 0 is not someone to drop to
    return uid_t(v);
}

} // namespace

std::optional<TargetUser> sudoTargetUser()
{
    const char *via = "sudo";
    auto uid = parseUid(std::getenv("SUDO_UID"));
    if (!uid) {
        uid = parseUid(std::getenv("PKEXEC_UID"));
        via = "pkexec";
    }
    if (!uid)
        return std::nullopt;
    passwd pw{};
    passwd *found = nullptr;
    char buf[16384];
    if (getpwuid_r(*uid, &pw, buf, sizeof buf, &found) != 0 || !found)
        return std::nullopt; // a uid without an account: nothing sane to become
    TargetUser user;
    user.uid = found->pw_uid;
    user.gid = found->pw_gid;
    user.name = found->pw_name;
    user.home = found->pw_dir ? found->pw_dir : "/";
    user.via = via;
    int count = 64;
    user.groups.resize(size_t(count));
    if (getgrouplist(found->pw_name, found->pw_gid, user.groups.data(), &count) < 0) {
        user.groups.resize(size_t(count));
        getgrouplist(found->pw_name, found->pw_gid, user.groups.data(), &count);
    }
    user.groups.resize(size_t(count));
    return user;
}

Result<void> dropPrivilegesTo(const TargetUser &user)
{
    if (user.uid == 0)
        return makeError("refusing to \"drop\" to root");
    if (setgroups(user.groups.size(), user.groups.data()) != 0)
        return makeError("setgroups(" + user.name + ") failed: " + std::strerror(errno));
    if (setresgid(user.gid, user.gid, user.gid) != 0)
        return makeError("setresgid(" + std::to_string(user.gid) + ") failed: " + std::strerror(errno));
    if (setresuid(user.uid, user.uid, user.uid) != 0)
        return makeError("setresuid(" + std::to_string(user.uid) + ") failed: " + std::strerror(errno));

    // Verify: every id is the user's, and root cannot be regained.
    uid_t ru, eu, su;
    gid_t rg, eg, sg;
    if (getresuid(&ru, &eu, &su) != 0 || getresgid(&rg, &eg, &sg) != 0 || ru != user.uid ||
        eu != user.uid || su != user.uid || rg != user.gid || eg != user.gid || sg != user.gid)
        return makeError("privilege drop did not take (ids still differ)");
    if (setuid(0) == 0 || seteuid(0) == 0)
        return makeError("privilege drop failed: root could be regained");

    setenv("HOME", user.home.c_str(), 1);
    setenv("USER", user.name.c_str(), 1);
    setenv("LOGNAME", user.name.c_str(), 1);
    const std::string runtimeDir = "/run/user/" + std::to_string(user.uid);
    struct stat st{};
    if (lstat(runtimeDir.c_str(), &st) == 0 && S_ISDIR(st.st_mode) && st.st_uid == user.uid)
        setenv("XDG_RUNTIME_DIR", runtimeDir.c_str(), 1);
    else
        unsetenv("XDG_RUNTIME_DIR"); // root's runtime dir would be unusable (and wrong)
    // sudo's variables would make later code think it is still privileged.
    unsetenv("SUDO_UID");
    unsetenv("SUDO_GID");
    unsetenv("SUDO_USER");
    unsetenv("SUDO_COMMAND");
    unsetenv("PKEXEC_UID");
    return {};
}

Result<void> adoptFsIdentityForThisThread(const TargetUser &user)
{
    // The group first: once fsuid is not root, fsgid can no longer be changed.
    setfsgid(user.gid);
    setfsuid(user.uid);
    // Both return the previous value; an invalid id (-1) reads what is in force.
    if (uid_t(setfsuid(uid_t(-1))) != user.uid || gid_t(setfsgid(gid_t(-1))) != user.gid)
        return makeError("could not take the file identity of user " + user.name);
    return {};
}

} // namespace provscope
