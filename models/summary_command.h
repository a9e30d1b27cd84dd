#pragma once
// `provscope-cli summary FILE --poi SELECTOR [--direction backward|forward|both]
//   [--reduce cpr|none] [--hide-noise] [--depth N] [--max-nodes N] [--steps]`:
// the tracked chain in plain language (chain_summary.h) on stdout; --steps
// prints one timed step per line instead. The figures line of `graph` goes to
// stderr. args are the arguments after "summary".
#include <string>
#include <vector>

namespace provscope {

// Exit status: 0 on success, 1 on a failure, 2 on a usage error.
int runSummaryCommand(const std::vector<std::string> &args);

} // namespace provscope
