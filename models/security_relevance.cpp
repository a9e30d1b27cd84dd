#include "security_relevance.h"

#include "path_text.h"

#include <algorithm>
#include <array>
#include <limits>

namespace provscope {

namespace {

using namespace path_text;

std::string_view baseName(std::string_view path)
{
    const auto slash = path.find_last_of('/');
    return slash == std::string_view::npos ? path : path.substr(slash + 1);
}

bool isSshKeyPath(std::string_view path, bool modified)
{
    if (startsWith(path, "/etc/ssh/ssh_host_"))
        return true;
    const auto pos = path.find("/.ssh/");
    if (pos == std::string_view::npos)
        return false;
    const std::string_view name = path.substr(pos + 6);
    if (name.empty())
        return false;
    // The client reads known_hosts and config on every connection.
    if (name == "known_hosts" || name == "known_hosts.old" || name == "config")
        return modified;
    return true;
}

bool isCredentialPath(std::string_view path)
{
    static constexpr std::array<std::string_view, 6> exact = {
        "/etc/shadow", "/etc/gshadow", "/etc/shadow-", "/etc/gshadow-", "/etc/security/opasswd",
        "/var/lib/sss/db/cache.db"};
    if (std::find(exact.begin(), exact.end(), path) != exact.end())
        return true;
    static constexpr std::array<std::string_view, 9> endings = {
        "/.aws/credentials", "/.netrc", "/.pgpass", "/.git-credentials", "/.docker/config.json",
        "/.kube/config", "/Login Data", "/logins.json", "/.gnupg/secring.gpg"};
    for (const auto ending : endings) {
        if (endsWith(path, ending))
            return true;
    }
    // Firefox keeps its key database beside logins.json; Chromium its cookies beside Login Data.
    if (contains(path, "/.mozilla/firefox/") && (endsWith(path, "/key4.db") || endsWith(path, "/key3.db")))
        return true;
    return contains(path, "/.local/share/keyrings/") || contains(path, "/.gnupg/private-keys-v1.d/")
        || contains(path, "/.password-store/");
}

bool isPersistencePath(std::string_view path)
{
    static constexpr std::array<std::string_view, 22> dirs = {
        "/etc/cron.d", "/etc/cron.hourly", "/etc/cron.daily", "/etc/cron.weekly", "/etc/cron.monthly",
        "/var/spool/cron", "/etc/systemd/system", "/etc/systemd/user", "/usr/lib/systemd/system",
        "/usr/lib/systemd/user", "/lib/systemd/system", "/lib/systemd/user", "/run/systemd/system",
        "/etc/init.d", "/etc/profile.d", "/etc/xdg/autostart", "/etc/udev/rules.d", "/etc/update-motd.d",
        "/etc/modules-load.d", "/etc/zsh", "/etc/sudoers.d", "/etc/init"};
    for (const auto dir : dirs) {
        if (under(path, dir))
            return true;
    }
    static constexpr std::array<std::string_view, 10> files = {
        "/etc/crontab", "/etc/anacrontab", "/etc/rc.local", "/etc/profile", "/etc/bash.bashrc",
        "/etc/environment", "/etc/ld.so.preload", "/etc/modules", "/etc/sudoers", "/etc/zshenv"};
    if (std::find(files.begin(), files.end(), path) != files.end())
        return true;
    // /etc/rc.d/..., /etc/rc0.d/ ... /etc/rcS.d/
    if (startsWith(path, "/etc/rc")
        && ((path.size() > 7 && path.substr(7, 3) == ".d/") || (path.size() > 8 && path.substr(8, 3) == ".d/")))
        return true;
    static constexpr std::array<std::string_view, 4> homeDirs = {
        "/.config/systemd/user/", "/.local/share/systemd/user/", "/.config/autostart/", "/.kde/Autostart/"};
    for (const auto dir : homeDirs) {
        if (contains(path, dir))
            return true;
    }
    // A key added to authorized_keys is a way back in.
    if (endsWith(path, "/.ssh/authorized_keys") || endsWith(path, "/.ssh/authorized_keys2"))
        return true;
    static constexpr std::array<std::string_view, 10> rcFiles = {
        ".bashrc", ".bash_profile", ".bash_login", ".bash_logout", ".profile",
        ".zshrc", ".zprofile", ".zshenv", ".zlogin", ".xprofile"};
    const std::string_view name = baseName(path);
    return std::find(rcFiles.begin(), rcFiles.end(), name) != rcFiles.end() && name.size() != path.size();
}

std::vector<std::string_view> pathsOf(const GraphNode &node)
{
    std::vector<std::string_view> paths;
    if (!node.path.empty())
        paths.push_back(node.path);
    for (const auto &path : node.paths) {
        if (std::find(paths.begin(), paths.end(), path) == paths.end())
            paths.push_back(path);
    }
    return paths;
}

bool isProcess(const ProvenanceGraph &graph, int node)
{
    return graph.node(node).kind == NodeKind::Process;
}

bool isSocket(const ProvenanceGraph &graph, int node)
{
    return graph.node(node).kind == NodeKind::Socket;
}

constexpr uint64_t kNever = std::numeric_limits<uint64_t>::max();

// Per process: the earliest time it took in data from a socket (Recv, Accept
// or Read from a socket node), and the earliest it did that or connected one;
// kNever when it did not. Computed once: a whole session has many edges.
struct NetworkInput {
    std::vector<uint64_t> received, receivedOrConnected;

    explicit NetworkInput(const ProvenanceGraph &graph)
        : received(static_cast<size_t>(graph.nodeCount()), kNever),
          receivedOrConnected(static_cast<size_t>(graph.nodeCount()), kNever)
    {
        for (const GraphEdge &edge : graph.edges()) {
            const bool in = edge.type == EdgeType::Recv || edge.type == EdgeType::Accept || edge.type == EdgeType::Read;
            if (in && isSocket(graph, edge.from) && isProcess(graph, edge.to)) {
                auto &first = received[static_cast<size_t>(edge.to)];
                first = std::min(first, edge.tsNs);
            }
            if ((in && isSocket(graph, edge.from) && isProcess(graph, edge.to))
                || (edge.type == EdgeType::Connect && isProcess(graph, edge.from) && isSocket(graph, edge.to))) {
                const int process = in ? edge.to : edge.from;
                auto &first = receivedOrConnected[static_cast<size_t>(process)];
                first = std::min(first, edge.tsNs);
            }
        }
    }
};

// Whether some process wrote file (or a file renamed into it) during an edge
// ending no later than beforeNs, after it had network input.
bool writtenFromNetwork(const ProvenanceGraph &graph, const NetworkInput &net, int file, uint64_t beforeNs,
                        int depth = 0)
{
    if (depth > 16)
        return false;
    for (const int index : graph.inEdges(file)) {
        const GraphEdge &edge = graph.edge(index);
        if (edge.tsNs > beforeNs)
            continue;
        if (edge.type == EdgeType::Write && isProcess(graph, edge.from)) {
            if (net.receivedOrConnected[static_cast<size_t>(edge.from)] <= edge.teNs)
                return true;
        } else if (edge.type == EdgeType::Rename && edge.from != file) {
            if (writtenFromNetwork(graph, net, edge.from, edge.teNs, depth + 1))
                return true;
        }
    }
    return false;
}

void markExecutedDownloads(ProvenanceGraph &graph, const NetworkInput &net)
{
    for (int file = 0; file < graph.nodeCount(); ++file) {
        if (graph.node(file).kind != NodeKind::File)
            continue;
        for (const int index : graph.outEdges(file)) {
            const GraphEdge exec = graph.edge(index);
            if (exec.type != EdgeType::Exec || !writtenFromNetwork(graph, net, file, exec.teNs))
                continue;
            graph.mutableNode(file).flags |= kFlagExecutedDownload;
            graph.mutableNode(exec.to).flags |= kFlagExecutedDownload;
        }
    }
    // A script run through its #! line: the exec's image is the interpreter,
    // the script is what the new image reads under the process's name.
    for (int process = 0; process < graph.nodeCount(); ++process) {
        const ScriptRead script = findScriptRead(graph, process);
        if (script.file >= 0 && writtenFromNetwork(graph, net, script.file, graph.edge(script.edge).teNs)) {
            graph.mutableNode(script.file).flags |= kFlagExecutedDownload;
            graph.mutableNode(process).flags |= kFlagExecutedDownload;
        }
    }
}

bool isModified(const ProvenanceGraph &graph, int file)
{
    for (const int index : graph.inEdges(file)) {
        const EdgeType type = graph.edge(index).type;
        if (type == EdgeType::Write || type == EdgeType::Rename || type == EdgeType::Renamed)
            return true;
    }
    return false;
}

void markFiles(ProvenanceGraph &graph)
{
    for (int index = 0; index < graph.nodeCount(); ++index) {
        const GraphNode &node = graph.node(index);
        if (node.kind != NodeKind::File || node.collapsed > 0)
            continue;
        // A second path alone proves no rename (a symlinked /etc/resolv.conf
        // is seen by two names); what is renamed into place was written first
        // (sed -i, crontab -e), and that write marks it.
        const bool modified = isModified(graph, index);
        uint32_t flags = 0;
        for (const std::string_view path : pathsOf(node)) {
            if (modified && under(path, "/etc"))
                flags |= kFlagEtcWrite;
            if (modified && isPersistencePath(path))
                flags |= kFlagPersistence;
            if (isSshKeyPath(path, modified))
                flags |= kFlagSshKey;
            if (isCredentialPath(path))
                flags |= kFlagCredential;
        }
        graph.mutableNode(index).flags |= flags;
    }
}

bool isShellNode(const GraphNode &node)
{
    return isShellName(node.comm) || (!node.exe.empty() && isShellName(node.exe));
}

// The shell versions among process and the versions it exec'd into later.
void markShellVersions(ProvenanceGraph &graph, int process, int depth = 0)
{
    if (depth > 64)
        return;
    if (isShellNode(graph.node(process)))
        graph.mutableNode(process).flags |= kFlagNetworkShell;
    for (const int index : graph.outEdges(process)) {
        const GraphEdge &edge = graph.edge(index);
        if (edge.type == EdgeType::Version && edge.to != process)
            markShellVersions(graph, edge.to, depth + 1);
    }
}

void markNetworkShells(ProvenanceGraph &graph, const NetworkInput &net)
{
    for (int process = 0; process < graph.nodeCount(); ++process) {
        const uint64_t facing = net.received[static_cast<size_t>(process)];
        if (facing == kNever)
            continue;
        for (const int index : graph.outEdges(process)) {
            const GraphEdge &edge = graph.edge(index);
            if ((edge.type == EdgeType::Fork || edge.type == EdgeType::Version) && isProcess(graph, edge.to)
                && facing <= edge.teNs)
                markShellVersions(graph, edge.to);
        }
    }
}

void markOutbound(ProvenanceGraph &graph)
{
    for (int index = 0; index < graph.nodeCount(); ++index) {
        const GraphNode &node = graph.node(index);
        if (node.kind != NodeKind::Socket || node.raddr.empty())
            continue;
        bool connected = false, sent = false, accepted = false;
        for (const int edge : graph.inEdges(index)) {
            const GraphEdge &in = graph.edge(edge);
            connected = connected || (in.type == EdgeType::Connect && isProcess(graph, in.from));
            sent = sent || (in.type == EdgeType::Send && isProcess(graph, in.from));
        }
        for (const int edge : graph.outEdges(index))
            accepted = accepted || graph.edge(edge).type == EdgeType::Accept;
        if (connected || (sent && !accepted))
            graph.mutableNode(index).flags |= kFlagOutbound;
    }
}

} // namespace

ScriptRead findScriptRead(const ProvenanceGraph &graph, int process)
{
    const GraphNode &node = graph.node(process);
    if (node.kind != NodeKind::Process || node.comm.empty())
        return {};
    int image = -1;
    for (const int index : graph.inEdges(process)) {
        if (graph.edge(index).type == EdgeType::Exec)
            image = graph.edge(index).from;
    }
    if (image < 0)
        return {};
    // The kernel names the process after the file given to execve (15 bytes).
    auto named = [&](std::string_view path) { return baseName(path).substr(0, 15) == node.comm; };
    auto namedByAny = [&](const GraphNode &file) {
        if (named(file.path))
            return true;
        return std::any_of(file.paths.begin(), file.paths.end(), [&](const std::string &p) { return named(p); });
    };
    if (namedByAny(graph.node(image)))
        return {}; // a binary, not a script
    ScriptRead found;
    for (const int index : graph.inEdges(process)) {
        const GraphEdge &edge = graph.edge(index);
        const GraphNode &file = graph.node(edge.from);
        if (edge.type == EdgeType::Read && file.kind == NodeKind::File && namedByAny(file)
            && (found.edge < 0 || edge.tsNs < graph.edge(found.edge).tsNs)) {
            found.file = edge.from;
            found.edge = index;
        }
    }
    return found;
}

bool isShellName(std::string_view commOrExe)
{
    static constexpr std::array<std::string_view, 15> shells = {
        "sh", "bash", "dash", "zsh", "ksh", "mksh", "pdksh", "csh", "tcsh", "fish", "ash", "busybox",
        "rbash", "yash", "pwsh"};
    const std::string_view name = baseName(commOrExe);
    return std::find(shells.begin(), shells.end(), name) != shells.end();
}

bool isSensitivePath(std::string_view path)
{
    static constexpr std::array<std::string_view, 4> recon = {"/etc/passwd", "/etc/group", "/etc/sudoers",
                                                              "/etc/ld.so.preload"};
    return std::find(recon.begin(), recon.end(), path) != recon.end() || isCredentialPath(path)
        || isSshKeyPath(path, true) || isPersistencePath(path);
}

void classifySecurityRelevance(ProvenanceGraph &graph)
{
    for (int index = 0; index < graph.nodeCount(); ++index)
        graph.mutableNode(index).flags = 0;
    const NetworkInput net(graph);
    markExecutedDownloads(graph, net);
    markFiles(graph);
    markNetworkShells(graph, net);
    markOutbound(graph);
}

std::vector<std::string> relevanceReasons(uint32_t flags)
{
    static const std::array<std::pair<uint32_t, const char *>, 7> names = {{
        {kFlagExecutedDownload, "executed download"},
        {kFlagEtcWrite, "write under /etc"},
        {kFlagPersistence, "persistence"},
        {kFlagSshKey, "ssh key"},
        {kFlagNetworkShell, "shell spawned by a network-facing process"},
        {kFlagOutbound, "outbound connection"},
        {kFlagCredential, "credential file"},
    }};
    std::vector<std::string> reasons;
    for (const auto &[bit, name] : names) {
        if (flags & bit)
            reasons.emplace_back(name);
    }
    return reasons;
}

} // namespace provscope
