#include "session_meta_factory.h"

#include "session_clock.h"

#include <sys/utsname.h>

namespace provscope {

SessionMeta makeLiveSessionMeta(const std::string &captureConfigJson, uint64_t captureStartNs)
{
    SessionMeta meta;
    meta.formatVersion = "1.0";
    meta.toolVersion = PROVSCOPE_VERSION;
    utsname names {};
    if (uname(&names) == 0) {
        meta.host = names.nodename;
        meta.kernel = std::string(names.release) + " " + names.version + " " + names.machine;
    }
    meta.bootId = currentBootId();
    meta.bootToEpochNs = bootToEpochOffsetNs();
    meta.captureStartNs = captureStartNs ? captureStartNs : bootTimeNowNs();
    meta.captureConfig = captureConfigJson;
    return meta;
}

} // namespace provscope
