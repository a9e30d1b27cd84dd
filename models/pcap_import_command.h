#pragma once
// `provscope-cli import --pcap FILE (-o NEW.provscope | --into SESSION.provscope)`:
// flows and DNS records from a pcap/pcapng capture file.
//   -o: a new session holding only the network side (bootToEpochNs 0, so its boot
//       times are epoch times; capture start/end = first/last frame; the capture
//       configuration says where it came from). An existing file or a symlink is
//       refused; on failure no file is left behind.
//   --into: appended to a finished session (its boot->epoch offset, keys after its
//       flows, attributed against its socket events) in one transaction with a
//       custody-log entry and a new evidence digest (flow_store_import.h).
// A truncated or corrupt capture imports what was readable: a "warning:" line on
// stderr says where reading stopped, the summary says "incomplete", exit status 0.
#include "capture_file_reader.h"
#include "result.h"

#include <cstdint>
#include <string>
#include <vector>

namespace provscope {

struct PcapImportResult {
    CaptureFileSummary file;
    FlowAggregatorStats stats;
    uint64_t flows = 0;          // distinct flows stored
    uint64_t flowsAttributed = 0;
    uint64_t dnsRecords = 0;
};

// Why an import failed: the input is unusable (not a capture, unreadable: exit 2) or
// the session could not be written (exit 1).
struct PcapImportError {
    bool badInput = false;
    std::string message;
};

// "pcap" / "pcapng" from the file's first bytes; an error message (naming the file)
// when it is neither or cannot be read.
Result<std::string> sniffCaptureFormat(const std::string &path);

Result<PcapImportResult> importCaptureToNewSession(const std::string &capturePath, const std::string &sessionPath,
                                                   PcapImportError *error = nullptr);
// Refuses a capture the session's custody log shows imported before (same file name,
// size and SHA-256, recorded in the entry's note) unless allowDuplicate.
Result<PcapImportResult> importCaptureIntoSession(const std::string &capturePath, const std::string &sessionPath,
                                                  PcapImportError *error = nullptr, bool allowDuplicate = false);

// Exit status: 0 imported (also a truncated capture: with a warning), 1 the session
// could not be written, 2 usage error or input that is not a readable capture.
int runImportCommand(const std::vector<std::string> &args);

} // namespace provscope
