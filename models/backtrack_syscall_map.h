#pragma once
// How our syscalls appear in BackTrack's logs: the x86_64 syscall number, the
// raw-log EventName, the tracker-edge EventName, and which way information flows
// (DESIGN.md "Provenance"). BackTrack documents EXECVE (raw and edge) and
// OPEN_FILE (raw) / OPEN (edge) for openat; every other name follows the same
// style: the syscall's name in upper case.
#include <cstdint>
#include <string>
#include <string_view>

namespace provscope {

enum class BacktrackFlow {
    None,            // raw line only: no data moves between objects (close, dup, kill...)
    ObjectToProcess, // read, recv, accept, exec, mmap of a file
    ProcessToObject, // write, send, connect, bind, truncate, chmod, unlink, mkdir...
    OpenByMode,      // open family: O_WRONLY process->file, otherwise file->process
    PathToPath2,     // rename, link: old name -> new name
};

struct BacktrackSyscall {
    std::string_view name;      // ours, e.g. "openat"
    int number;                 // x86_64 syscall number; -1: not a syscall of its own
    std::string_view rawEvent;  // raw log EventName, e.g. "OPEN_FILE"
    std::string_view edgeEvent; // tracker edge EventName, e.g. "OPEN"
    BacktrackFlow flow;
};

// The entry for one of our syscall names; nullptr for a name we do not know
// (then: backtrackUpperName as both event names, SyscallID -1, no edge).
const BacktrackSyscall *findBacktrackSyscall(std::string_view name);
std::string backtrackUpperName(std::string_view name);
// All known entries (for tests and documentation).
const BacktrackSyscall *backtrackSyscallTable(size_t &count);

// open(2) flags as BackTrack writes them: names separated and followed by a
// space, the access mode first, e.g. "O_RDONLY O_CLOEXEC ". Unknown bits: "0x...".
std::string backtrackOpenFlags(uint32_t flags);
// renameat2 flags the same way, e.g. "RENAME_NOREPLACE "; "" for 0.
std::string backtrackRenameFlags(uint32_t flags);

} // namespace provscope
