#include "capture_filters.h"

#include "syscall_names.h"

#include <linux/types.h>
#include "provscope_events.h"
#include "provscope.skel.h"

#include <bpf/libbpf.h>

#include <cerrno>
#include <cstring>
#include <dirent.h>
#include <fstream>
#include <map>
#include <sstream>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>

#ifndef CGROUP2_SUPER_MAGIC
#define CGROUP2_SUPER_MAGIC 0x63677270
#endif

namespace provscope {
namespace {

std::string jsonString(const std::string &text)
{
    std::string out = "\"";
    for (unsigned char c : text) {
        switch (c) {
        case '"': out += "\\\""; break;
        case '\\': out += "\\\\"; break;
        case '\n': out += "\\n"; break;
        case '\t': out += "\\t"; break;
        default:
            if (c < 0x20) {
                char buf[8];
                std::snprintf(buf, sizeof buf, "\\u%04x", c);
                out += buf;
            } else {
                out += char(c);
            }
        }
    }
    return out + "\"";
}

// ppid of every living process, from /proc/PID/stat (the field after "(comm)").
std::map<uint32_t, std::vector<uint32_t>> childrenByParent(const std::string &procRoot)
{
    std::map<uint32_t, std::vector<uint32_t>> children;
    DIR *dir = opendir(procRoot.c_str());
    if (!dir)
        return children;
    while (dirent *entry = readdir(dir)) {
        char *end = nullptr;
        const unsigned long pid = std::strtoul(entry->d_name, &end, 10);
        if (!pid || *end)
            continue;
        std::ifstream in(procRoot + "/" + entry->d_name + "/stat");
        std::string stat;
        std::getline(in, stat);
        const auto paren = stat.rfind(')');
        if (paren == std::string::npos)
            continue;
        std::istringstream fields(stat.substr(paren + 1));
        std::string state;
        unsigned long ppid = 0;
        if (fields >> state >> ppid)
            children[uint32_t(ppid)].push_back(uint32_t(pid));
    }
    closedir(dir);
    return children;
}

} // namespace

Result<CaptureFilters> resolveCaptureFilters(const CaptureConfig &config)
{
    CaptureFilters filters;
    filters.config = config;
    const std::string from = config.sourcePath.empty() ? std::string() : " (" + config.sourcePath + ")";
    for (const std::string &path : config.excludeExes) {
        struct stat st {};
        if (stat(path.c_str(), &st) != 0)
            return makeError("exclude_exe " + path + from + ": " + std::strerror(errno));
        if (!S_ISREG(st.st_mode))
            return makeError("exclude_exe " + path + from + " is not a regular file");
        // the kernel's dev_t encoding, as in inode->i_sb->s_dev
        const uint64_t dev = (uint64_t(major(st.st_dev)) << 20) | uint64_t(minor(st.st_dev));
        filters.exes.push_back(ResolvedExe{path, dev, uint64_t(st.st_ino)});
    }
    for (const std::string &path : config.excludeCgroups) {
        struct stat st {};
        struct statfs fs {};
        if (stat(path.c_str(), &st) != 0 || statfs(path.c_str(), &fs) != 0)
            return makeError("exclude_cgroup " + path + from + ": " + std::strerror(errno));
        if (!S_ISDIR(st.st_mode) || fs.f_type != CGROUP2_SUPER_MAGIC)
            return makeError("exclude_cgroup " + path + from + " is not a cgroup v2 directory "
                             "(cgroup ids are those of the unified hierarchy)");
        filters.cgroups.push_back(ResolvedCgroup{path, uint64_t(st.st_ino)});
    }
    return filters;
}

void configureFilters(provscope_bpf *skel, const CaptureFilters &filters)
{
    auto *ro = skel->rodata;
    ro->filter_tree = filters.tree ? 1 : 0;
    ro->filter_exe = filters.exes.empty() ? 0 : 1;
    ro->filter_cgroup = filters.cgroups.empty() ? 0 : 1;
    ro->filter_syscalls = filters.config.disabledKinds.empty() ? 0 : 1;
    std::memset(const_cast<__u8 *>(ro->ps_sc_off), 0, sizeof(ro->ps_sc_off));
    for (uint32_t kind : filters.config.disabledKinds) {
        if (kind < sizeof(ro->ps_sc_off) && !syscallKindNeverFiltered(kind))
            ro->ps_sc_off[kind] = 1;
    }
    const size_t prefixes = std::min(filters.config.excludePaths.size(), size_t(kMaxExcludedPaths));
    ro->filter_prefixes = uint32_t(prefixes);
    for (size_t i = 0; i < prefixes; ++i) {
        const std::string &prefix = filters.config.excludePaths[i];
        const size_t len = std::min(prefix.size(), sizeof(ro->ps_prefix_str[i]));
        ro->ps_prefix_len[i] = uint32_t(len);
        std::memcpy(const_cast<__u8 *>(ro->ps_prefix_str[i]), prefix.data(), len);
    }
}

Result<void> populateFilterMaps(provscope_bpf *skel, const CaptureFilters &filters)
{
    const __u8 one = 1;
    for (const ResolvedExe &exe : filters.exes) {
        const __u64 key[2] = {exe.dev, exe.ino};
        if (int err = bpf_map__update_elem(skel->maps.excluded_exes, key, sizeof(key), &one, sizeof(one), BPF_ANY))
            return makeError("excluding " + exe.path + " failed: " + std::strerror(-err));
    }
    for (const ResolvedCgroup &cgroup : filters.cgroups) {
        const __u64 key = cgroup.id;
        if (int err = bpf_map__update_elem(skel->maps.excluded_cgroups, &key, sizeof(key), &one, sizeof(one), BPF_ANY))
            return makeError("excluding " + cgroup.path + " failed: " + std::strerror(-err));
    }
    return {};
}

Result<size_t> traceProcessTree(provscope_bpf *skel, uint32_t pid, const std::string &procRoot)
{
    struct stat st {};
    if (stat((procRoot + "/" + std::to_string(pid)).c_str(), &st) != 0)
        return makeError("no process with pid " + std::to_string(pid));
    const auto children = childrenByParent(procRoot);
    std::vector<uint32_t> pending{pid};
    size_t added = 0;
    while (!pending.empty()) {
        const uint32_t next = pending.back();
        pending.pop_back();
        const __u32 key = next;
        const __u64 value = 0;
        if (int err = bpf_map__update_elem(skel->maps.traced_tgids, &key, sizeof(key), &value, sizeof(value), BPF_ANY))
            return makeError("tracing process " + std::to_string(next) + " failed: " + std::strerror(-err));
        ++added;
        if (const auto it = children.find(next); it != children.end())
            pending.insert(pending.end(), it->second.begin(), it->second.end());
    }
    return added;
}

std::string captureFiltersJson(const CaptureFilters &filters)
{
    std::ostringstream out;
    out << "\"config_file\":" << jsonString(filters.config.sourcePath) << ",\"disabled_syscalls\":[";
    for (size_t i = 0; i < filters.config.disabledKinds.size(); ++i)
        out << (i ? "," : "") << jsonString(std::string(syscallName(filters.config.disabledKinds[i])));
    out << "],\"never_filtered\":[\"execve\",\"execveat\",\"clone\",\"clone3\",\"fork\",\"vfork\",\"exit\","
           "\"connect\",\"accept\",\"accept4\"],\"exclude_path\":[";
    for (size_t i = 0; i < filters.config.excludePaths.size(); ++i)
        out << (i ? "," : "") << jsonString(filters.config.excludePaths[i]);
    out << "],\"exclude_exe\":[";
    for (size_t i = 0; i < filters.exes.size(); ++i) {
        const ResolvedExe &exe = filters.exes[i];
        out << (i ? "," : "") << "{\"path\":" << jsonString(exe.path) << ",\"dev\":\"" << (exe.dev >> 20) << ':'
            << (exe.dev & 0xfffff) << "\",\"ino\":" << exe.ino << '}';
    }
    out << "],\"exclude_cgroup\":[";
    for (size_t i = 0; i < filters.cgroups.size(); ++i) {
        out << (i ? "," : "") << "{\"path\":" << jsonString(filters.cgroups[i].path)
            << ",\"id\":" << filters.cgroups[i].id << '}';
    }
    out << "],\"process_tree\":" << (filters.tree ? "true" : "false") << ",\"tree_roots\":[";
    for (size_t i = 0; i < filters.treeRoots.size(); ++i)
        out << (i ? "," : "") << filters.treeRoots[i];
    out << ']';
    return out.str();
}

} // namespace provscope
