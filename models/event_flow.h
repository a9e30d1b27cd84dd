#pragma once
// Which syscalls carry information and in which direction (DESIGN.md:
// provenance), shared by the session graph and the graph builder so both
// draw the same edges: read/recv/accept/exec flow object -> process,
// write/send/connect/open/unlink process -> object, rename old -> new.
// Open and unlink are not flows but are kept as edges (shown dashed).
#include "provenance_graph.h"

#include <cstdint>
#include <string_view>

namespace provscope {

// Copy: sendfile, splice, copy_file_range move data from str[0]'s object
// through the process into str[1]'s (or the socket): two edges, a read and a write.
enum class FlowRole : uint8_t { None, Read, Write, Recv, Send, Connect, Accept, Exec, Open, Unlink, Rename, Copy };

// onSocket: the event's object is a socket with an address (read on a socket is recv).
FlowRole flowRoleOf(std::string_view syscall, bool onSocket);
// A failed call moves nothing; a non-blocking connect in progress (EINPROGRESS) does.
bool flowSucceeded(FlowRole role, int64_t ret);
EdgeType flowEdgeType(FlowRole role);
// true: object -> process (read, recv, accept, exec); false: process -> object.
bool flowIntoProcess(FlowRole role);
// Pipes and Unix sockets ("pipe:[ino]", "socket:[ino]") are IPC channels, not files.
bool isPipePath(std::string_view path);
// clone, clone3, fork, vfork: the fork edge itself comes from the process table.
bool isCloneSyscall(std::string_view syscall);

} // namespace provscope
