#pragma once
// `provscope-cli graph FILE --poi proc:PID[@START_NS]|file:PATH
//   --format dot|png|svg -o OUT [--depth N] [--max-nodes N] [--engine dot|sfdp]`
// args are the arguments after "graph". Works without a display: creates an
// offscreen QGuiApplication when none exists. Errors go to stderr.
#include <string>
#include <vector>

namespace provscope {

// Exit status: 0 on success, 1 on a failure, 2 on a usage error.
int runGraphCommand(const std::vector<std::string> &args);

} // namespace provscope
