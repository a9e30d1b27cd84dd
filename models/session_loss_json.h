#pragma once
// The loss records of a session as JSON, for `provscope-cli info`: every gap the
// investigator must know about, with its time range in epoch ns and ISO text.
#include "result.h"
#include "session_reader.h"

#include <string>
#include <vector>

namespace provscope {

// A JSON array (one object per line, indented for the info summary):
//   {"first_ns", "first_iso", "last_ns", "last_iso", "count", "source", "cpu" (null when
//    not per CPU), "before_event" (the id of the first event recorded after it)}
std::string lossRecordsJson(const std::vector<PlacedLoss> &losses, int64_t bootToEpochNs);

// The `info` summary (sessionInfoJson) with a "losses" array added as its last member.
Result<std::string> sessionInfoWithLossesJson(const SessionReader &reader);

} // namespace provscope
