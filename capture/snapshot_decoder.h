#pragma once
// Decoding of the start-up snapshot's process records (PS_REC_TASK_SNAPSHOT,
// bpf/ps_snapshot.bpf.h). The fd records (PS_REC_FD_SNAPSHOT) have the syscall
// record layout and are decoded as syscall events named "snapshot_fd".
#include "event.h"
#include "result.h"

#include <cstddef>
#include <string>

namespace provscope {

// A process alive when the capture started. argv comes from the record (read
// from the task's memory by the iterator) or, when the kernel could not read
// it, from procRoot/PID/cmdline.
Result<ProcessInfo> decodeTaskSnapshot(const unsigned char *data, size_t size, const std::string &procRoot);

} // namespace provscope
