#pragma once
// Marks the nodes of a graph a malware analyst looks at first (NodeFlag bits
// in GraphNode::flags): an executed download, writes under /etc, cron and
// systemd units and other persistence, ssh keys, credential files, a shell
// spawned by a network-facing process, outbound connections. Judged from the
// nodes and the edges in the graph given (a tracked view or the whole session),
// time-respecting where order matters (a download is written after the data
// arrived and executed after it was written).
//
// Rules (a file counts by any of the paths it had):
// - executed download: a file some process wrote after that process had
//   received data from a socket (Recv, Accept or Read from a socket node) or
//   connected one (Connect), and that was executed after the write (an Exec
//   edge out of the file, also through Rename edges, or run as a #! script:
//   findScriptRead). The file and the process versions it became are marked.
// - write under /etc: a file under /etc/ written or renamed into (a Write or
//   Rename edge in; a file known by two paths is not thereby renamed).
// - persistence: cron (/etc/cron*, /etc/anacrontab, /var/spool/cron), systemd
//   units (/etc/systemd, /usr/lib/systemd, /lib/systemd, /run/systemd/system,
//   ~/.config/systemd/user), init scripts, /etc/rc.local, shell rc files
//   (~/.bashrc, ~/.profile, /etc/profile(.d), ...), autostart entries, udev
//   rules, /etc/ld.so.preload, ~/.ssh/authorized_keys — marked when written
//   or renamed into (a shell reading its ~/.bashrc is not news).
// - ssh key: ~/.ssh/* except known_hosts and config (those only when written),
//   /etc/ssh/ssh_host_* — on any access.
// - credential: /etc/shadow, /etc/gshadow (and their - backups),
//   /etc/security/opasswd, ~/.aws/credentials, ~/.netrc, ~/.pgpass,
//   ~/.git-credentials, ~/.docker/config.json, ~/.kube/config, keyrings,
//   gpg private keys, browser login data — on any access.
// - network shell: a shell (sh, bash, dash, zsh, ksh, ...) forked by, or exec'd
//   into from, a process that had accepted or received from a socket before.
// - outbound: an inet socket with a remote address that a process connected
//   (Connect edge in), or sent to without having accepted it. Loopback remotes
//   count too: a peer on 127.0.0.0/8 is still a peer (proxies, tunnels), and
//   the end-to-end test machine has no other network.
#include "provenance_graph.h"

#include <string>
#include <string_view>
#include <vector>

namespace provscope {

// Replaces every node's flags with the ones the rules above give (group nodes
// of the noise filter get none).
void classifySecurityRelevance(ProvenanceGraph &graph);

// "executed download", "write under /etc", ... one phrase per set bit, in bit order.
std::vector<std::string> relevanceReasons(uint32_t flags);

// Paths an analyst must always see by name: credential and ssh key files,
// persistence locations, /etc/passwd, /etc/group, /etc/sudoers. The noise
// filter never hides or folds them.
bool isSensitivePath(std::string_view path);

// The script a process version runs when its exec went through an
// interpreter (#!): the exec's image is the interpreter, and the kernel names
// the process (comm, 15 bytes) after the script, which it then reads. The
// earliest such read; {-1, -1} when the version exec'd a binary or read no
// file of its name.
struct ScriptRead {
    int file = -1; // the script's node
    int edge = -1; // the Read edge script -> process
};
ScriptRead findScriptRead(const ProvenanceGraph &graph, int processVersion);

// True for sh, bash, dash, zsh, ksh, mksh, csh, tcsh, fish, ash, busybox, ...
bool isShellName(std::string_view commOrExe);

} // namespace provscope
