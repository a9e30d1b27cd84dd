#include "record_author.h"

#include <ctime>
#include <pwd.h>
#include <unistd.h>

namespace provscope {

std::string effectiveUserName()
{
    const uid_t uid = ::geteuid();
    if (const passwd *pw = ::getpwuid(uid); pw && pw->pw_name && *pw->pw_name)
        return pw->pw_name;
    return std::to_string(uid);
}

int64_t epochNowNs()
{
    timespec ts {};
    ::clock_gettime(CLOCK_REALTIME, &ts);
    return int64_t(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

} // namespace provscope
