#pragma once
// How the workstation gets a provscope-capture helper (DESIGN.md "Privileges").
//
// main() of provscope calls prepareHelperBeforeQt() FIRST, before QApplication:
//  - root via sudo/pkexec (SUDO_UID/PKEXEC_UID): starts the helper as root over a
//    socketpair, keeps our end, then drops to the invoking user        -> SudoStarted
//  - root with no invoking user (lab VM, CI): stays root, the helper is started over a
//    socketpair when the user presses Capture->Start                   -> PlainRoot
//  - not root: connect to a served socket, else pkexec, else tell the
//    user the exact sudo command                                       -> Unprivileged
// On Capture->Start the GUI calls acquireHelperConnection(launch) and hands the fd to
// CaptureClient::adoptFd().
#include "result.h"

#include <sys/types.h>

#include <string>

namespace provscope {

constexpr const char *kHelperSocketPath = "/run/provscope/provscope.sock";

enum class HelperMode { Unprivileged, SudoStarted, PlainRoot };

struct HelperLaunch {
    HelperMode mode = HelperMode::Unprivileged;
    int fd = -1;                 // SudoStarted: our end of the socketpair (CLOEXEC), kept for
                                 // the GUI's life; each capture gets a dup
    pid_t helperPid = -1;        // SudoStarted: the helper's pid
    std::string captureBinary;   // absolute path of provscope-capture
    std::string userName;        // who the GUI runs as
    std::string statusText;      // plain language for the status bar
    std::string error;           // non-empty: sudo start or drop failed, exit (still root!)
};

struct HelperConnection {
    int fd = -1;                 // connected stream socket; owner closes (CaptureClient::adoptFd)
    pid_t helperPid = -1;        // our child (the helper, or pkexec), -1 for a served socket
    std::string description;     // e.g. "helper started through sudo"
};

// Absolute path of provscope-capture beside the running executable (/proc/self/exe).
std::string defaultCaptureBinary();

// See above. If starting the helper or dropping privileges fails, `error` is set and
// the caller must print it and exit: the GUI must never run as root by accident.
HelperLaunch prepareHelperBeforeQt(const std::string &captureBinary);

// PlainRoot: fork+exec `captureBinary --serve --fd N` over a fresh socketpair.
Result<HelperConnection> startHelperAsRoot(const std::string &captureBinary);

// Unprivileged: connect to kHelperSocketPath if a helper serves there; else, when a
// polkit agent is likely (pkexec installed and DISPLAY or WAYLAND_DISPLAY set), run
// `pkexec captureBinary --serve --socket kHelperSocketPath --allow-uid UID` and wait up
// to timeoutMs for the socket; else an error whose text is the exact command to run.
// Blocks up to timeoutMs: call from a worker thread in the GUI.
Result<HelperConnection> connectUnprivileged(const std::string &captureBinary, int timeoutMs = 60000);

// The command a user should run by hand: "sudo /abs/provscope-capture --serve --allow-uid 1000".
std::string manualHelperCommand(const std::string &captureBinary, uid_t uid);

// One call for Capture->Start: a duplicate of the sudo-started helper's socketpair (the
// helper stays for the next capture; if it has exited, mode becomes Unprivileged and an
// error says to try again), a new helper in PlainRoot mode, or connectUnprivileged().
Result<HelperConnection> acquireHelperConnection(HelperLaunch &launch, int timeoutMs = 60000);

} // namespace provscope
