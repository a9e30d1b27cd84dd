#pragma once
// How the workstation shows event fields: one place so table, details and tests agree.
#include "event.h"

#include <QString>

namespace provscope {

// Local wall-clock time of an epoch-ns timestamp, "HH:MM:SS.uuuuuu".
QString formatClockTime(int64_t epochNs);
// A time offset in seconds with microseconds and a sign: "+12.345678 s", "-0.000250 s".
QString formatRelativeTime(int64_t deltaNs);
// Local date and time with microseconds, "YYYY-MM-DD HH:MM:SS.uuuuuu".
QString formatDateTime(int64_t epochNs);
// The object an event touched: path, "old → new" for renames, or
// "laddr:lport → raddr:rport" for sockets; a signal's target and signal
// ("pid 123 SIGKILL"); for dup/dup2/dup3/fcntl(F_DUPFD) the fds, then the
// object ("3 → 1 /tmp/out").
QString formatTarget(const Event &event);
// Return value, or the errno name (ENOENT) for a negative one.
QString formatResult(int64_t ret);
// The same for an event: addresses (mmap, shmat) in hex.
QString formatResult(const Event &event);
// "ENOENT" for 2; "errno N" when the C library does not know it.
QString errnoName(int err);
// "addr:port", with brackets around IPv6 addresses.
QString formatEndpoint(const std::string &addr, uint16_t port);

} // namespace provscope
