#pragma once
// Which interfaces the live network capture listens on, and opening one of them with
// libpcap the way provscope-capture needs it: snap length, immediate mode, a kernel
// buffer, nanosecond timestamps when the interface has them, non-blocking, filtered.
#include "result.h"

#include <cstdint>
#include <string>
#include <vector>

struct pcap;

namespace provscope {

inline constexpr uint32_t kDefaultSnapLength = 600; // headers + a 512-byte classic DNS message
inline constexpr uint32_t kMinSnapLength = 64;
inline constexpr uint32_t kMaxSnapLength = 65535;
inline constexpr const char kDefaultBpfFilter[] = "tcp or udp";

inline constexpr const char kSysClassNet[] = "/sys/class/net";

// An interface the default selection left out, and why (recorded in the session's meta).
struct SkippedInterface {
    std::string name;
    std::string reason;
    bool operator==(const SkippedInterface &) const = default;
};

struct DefaultInterfaces {
    std::vector<std::string> names;
    std::vector<SkippedInterface> skipped;
};

// Every interface that is up, loopback included; not libpcap's "any" pseudo-device
// (it would see every packet twice) nor the non-network ones (nflog, nfqueue, D-Bus,
// Bluetooth, usbmon), nor a port of a bridge, bond or team (it has a master: the same
// packets are seen on the master, and would be counted twice).
Result<DefaultInterfaces> defaultCaptureInterfaces(const std::string &sysfsNetRoot = kSysClassNet);
bool isNetworkPseudoDevice(const std::string &name);

// The interface NAME is enslaved to (sysfsNetRoot/NAME/master, or IFF_SLAVE for a bond
// port when the root is the real sysfs); empty when it has none.
std::string interfaceMaster(const std::string &name, const std::string &sysfsNetRoot = kSysClassNet);
// Moves the enslaved names out of `names` into `skipped` (order kept).
void skipEnslavedInterfaces(std::vector<std::string> &names, std::vector<SkippedInterface> &skipped,
                            const std::string &sysfsNetRoot = kSysClassNet);

struct PcapOpenOptions {
    uint32_t snapLength = kDefaultSnapLength;
    int bufferBytes = 8 << 20;
    std::string filter;                     // the effective libpcap filter expression
    std::string filterOrigin = "--bpf-filter"; // how errors name it ...
    std::string userFilter;                    // ... and what the user wrote
};

struct OpenedInterface {
    std::string name;
    pcap *handle = nullptr;  // owned by the caller (pcap_close)
    int linkType = 0;
    bool nanoTimestamps = false; // else microseconds
    bool loopback = false;       // drops may be counted twice (both passes of a packet)
    int selectableFd = -1;
};

// Opens and activates NAME. Errors name what the user gave: "--interface eth9: no such
// device", "--bpf-filter 'tcp port': syntax error".
Result<OpenedInterface> openCaptureInterface(const std::string &name, const PcapOpenOptions &options);

bool isLoopback(const std::string &name);

// The linktype's short name (EN10MB, LINUX_SLL...), for the session's configuration.
std::string linkTypeName(int linkType);

} // namespace provscope
