#include "invoking_user.h"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <grp.h>
#include <pwd.h>
#include <sys/fsuid.h>
#include <unistd.h>

namespace provscope {
namespace {

std::optional<uid_t> uidFromEnv(const char *name)
{
    const char *text = std::getenv(name);
    if (!text || !*text)
        return std::nullopt;
    char *end = nullptr;
    errno = 0;
    const unsigned long value = std::strtoul(text, &end, 10);
    if (errno || *end || value == 0 || value > 0xfffffffeUL)
        return std::nullopt;
    return uid_t(value);
}

} // namespace

std::optional<InvokingUser> findInvokingUser()
{
    if (geteuid() != 0)
        return std::nullopt;
    std::optional<uid_t> uid = uidFromEnv("SUDO_UID");
    if (!uid)
        uid = uidFromEnv("PKEXEC_UID");
    if (!uid)
        return std::nullopt;
    const passwd *pw = getpwuid(*uid);
    if (!pw)
        return std::nullopt;
    InvokingUser user;
    user.uid = pw->pw_uid;
    user.gid = pw->pw_gid;
    user.name = pw->pw_name;
    user.home = pw->pw_dir;
    int count = 64;
    user.groups.resize(count);
    if (getgrouplist(pw->pw_name, pw->pw_gid, user.groups.data(), &count) < 0) {
        user.groups.resize(count);
        getgrouplist(pw->pw_name, pw->pw_gid, user.groups.data(), &count);
    }
    user.groups.resize(count);
    return user;
}

Result<void> adoptFsIdentityForThisThread(const InvokingUser &user)
{
    // setfsgid first: once fsuid is not root we may no longer change it.
    setfsgid(user.gid);
    setfsuid(user.uid);
    // Both calls return the previous value; a second call tells what is in force.
    if (uid_t(setfsuid(uid_t(-1))) != user.uid || gid_t(setfsgid(gid_t(-1))) != user.gid)
        return makeError("could not take the file identity of user " + user.name);
    return {};
}

Result<void> dropToUser(const InvokingUser &user)
{
    if (setgroups(user.groups.size(), user.groups.data()) != 0)
        return makeError(std::string("setgroups: ") + std::strerror(errno));
    if (setgid(user.gid) != 0)
        return makeError(std::string("setgid: ") + std::strerror(errno));
    if (setuid(user.uid) != 0)
        return makeError(std::string("setuid: ") + std::strerror(errno));
    if (setuid(0) == 0)
        return makeError("privileges could be regained after dropping them");
    setenv("HOME", user.home.c_str(), 1);
    setenv("USER", user.name.c_str(), 1);
    setenv("LOGNAME", user.name.c_str(), 1);
    return {};
}

} // namespace provscope
