#include "pcap_interfaces.h"

#include <pcap/pcap.h>

#include <array>
#include <climits>
#include <cstring>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

namespace provscope {

bool isNetworkPseudoDevice(const std::string &name)
{
    if (name == "any")
        return true;
    static const std::array<const char *, 5> prefixes = {"nflog", "nfqueue", "dbus", "bluetooth", "usbmon"};
    for (const char *prefix : prefixes) {
        if (name.rfind(prefix, 0) == 0)
            return true;
    }
    return false;
}

std::string interfaceMaster(const std::string &name, const std::string &sysfsNetRoot)
{
    if (name.empty() || name.find('/') != std::string::npos || name == "." || name == "..")
        return {};
    char target[PATH_MAX] = {};
    const std::string link = sysfsNetRoot + "/" + name + "/master";
    const ssize_t n = ::readlink(link.c_str(), target, sizeof target - 1);
    if (n > 0) {
        const std::string path(target, size_t(n));
        const auto slash = path.rfind('/');
        return slash == std::string::npos ? path : path.substr(slash + 1);
    }
    if (sysfsNetRoot != kSysClassNet)
        return {};
    // A bond port without the sysfs link (old kernels): the flag says it has a master.
    const int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return {};
    ifreq request {};
    std::strncpy(request.ifr_name, name.c_str(), IFNAMSIZ - 1);
    const bool slave = ::ioctl(fd, SIOCGIFFLAGS, &request) == 0 && (request.ifr_flags & IFF_SLAVE);
    ::close(fd);
    return slave ? "a bond" : "";
}

void skipEnslavedInterfaces(std::vector<std::string> &names, std::vector<SkippedInterface> &skipped,
                            const std::string &sysfsNetRoot)
{
    std::vector<std::string> kept;
    for (std::string &name : names) {
        const std::string master = interfaceMaster(name, sysfsNetRoot);
        if (master.empty())
            kept.push_back(std::move(name));
        else
            skipped.push_back({name, "a port of " + master + ": its packets are captured there (name it with "
                                     "--interface to capture it too)"});
    }
    names = std::move(kept);
}

Result<DefaultInterfaces> defaultCaptureInterfaces(const std::string &sysfsNetRoot)
{
    char err[PCAP_ERRBUF_SIZE] = {};
    pcap_if_t *all = nullptr;
    if (pcap_findalldevs(&all, err) != 0)
        return makeError(std::string("listing the network interfaces failed: ") + err);
    DefaultInterfaces out;
    for (pcap_if_t *dev = all; dev; dev = dev->next) {
        const std::string name = dev->name ? dev->name : "";
        if (name.empty() || !(dev->flags & PCAP_IF_UP) || isNetworkPseudoDevice(name))
            continue;
        out.names.push_back(name);
    }
    pcap_freealldevs(all);
    skipEnslavedInterfaces(out.names, out.skipped, sysfsNetRoot);
    if (out.names.empty())
        return makeError("no network interface is up (see --interface, or --no-pcap to record without flows)");
    return out;
}

bool isLoopback(const std::string &name)
{
    const int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return false;
    ifreq request {};
    std::strncpy(request.ifr_name, name.c_str(), IFNAMSIZ - 1);
    const bool loopback = ::ioctl(fd, SIOCGIFFLAGS, &request) == 0 && (request.ifr_flags & IFF_LOOPBACK);
    ::close(fd);
    return loopback;
}

std::string linkTypeName(int linkType)
{
    const char *name = pcap_datalink_val_to_name(linkType);
    return name ? name : "DLT_" + std::to_string(linkType);
}

Result<OpenedInterface> openCaptureInterface(const std::string &name, const PcapOpenOptions &options)
{
    const std::string where = "--interface " + name + ": ";
    char err[PCAP_ERRBUF_SIZE] = {};
    pcap_t *handle = pcap_create(name.c_str(), err);
    if (!handle)
        return makeError(where + err);
    OpenedInterface out;
    out.name = name;
    auto fail = [&](const std::string &message) -> Result<OpenedInterface> {
        pcap_close(handle);
        return makeError(message);
    };
    pcap_set_snaplen(handle, int(options.snapLength));
    pcap_set_promisc(handle, 0); // this machine's traffic, not the segment's
    pcap_set_immediate_mode(handle, 1); // live views: no waiting for a full buffer block
    pcap_set_buffer_size(handle, options.bufferBytes);
    out.nanoTimestamps = pcap_set_tstamp_precision(handle, PCAP_TSTAMP_PRECISION_NANO) == 0;

    const int status = pcap_activate(handle);
    if (status < 0) {
        switch (status) {
        case PCAP_ERROR_NO_SUCH_DEVICE:
            return fail(where + "no such device");
        case PCAP_ERROR_IFACE_NOT_UP:
            return fail(where + "the interface is down");
        case PCAP_ERROR_PERM_DENIED:
            return fail(where + "permission denied (capturing needs root or CAP_NET_RAW)");
        default:
            return fail(where + pcap_geterr(handle));
        }
    }
    if (status == PCAP_WARNING_TSTAMP_TYPE_NOTSUP)
        out.nanoTimestamps = false;
    if (out.nanoTimestamps)
        out.nanoTimestamps = pcap_get_tstamp_precision(handle) == PCAP_TSTAMP_PRECISION_NANO;
    out.linkType = pcap_datalink(handle);

    bpf_program program {};
    if (pcap_compile(handle, &program, options.filter.c_str(), 1, PCAP_NETMASK_UNKNOWN) != 0)
        return fail(options.filterOrigin + " '" + (options.userFilter.empty() ? options.filter : options.userFilter)
                    + "': " + pcap_geterr(handle) + " (on " + name + ", link type " + linkTypeName(out.linkType) + ")");
    // Loopback: the kernel ring holds both passes of each packet (out, then in; libpcap
    // keeps one), so its drop count may count a lost packet twice: an over-count, never
    // an under-count. ("inbound"/"outbound" kernel filters on lo leave nothing here.)
    out.loopback = isLoopback(name);
    const int set = pcap_setfilter(handle, &program);
    pcap_freecode(&program);
    if (set != 0)
        return fail(where + "setting the filter failed: " + pcap_geterr(handle));
    if (pcap_setnonblock(handle, 1, err) != 0)
        return fail(where + err);
    out.selectableFd = pcap_get_selectable_fd(handle);
    if (out.selectableFd < 0)
        return fail(where + "libpcap gives no pollable descriptor for it");
    out.handle = handle;
    return out;
}

} // namespace provscope
