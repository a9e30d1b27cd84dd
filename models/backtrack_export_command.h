#pragma once
// `provscope-cli export FILE --backtrack-jsonl DIR`: args are the arguments after
// "export". Prints the two files written on stdout; errors go to stderr.
#include <string>
#include <vector>

namespace provscope {

// Exit status: 0 on success, 1 on a failure, 2 on a usage error.
int runExportCommand(const std::vector<std::string> &args);

} // namespace provscope
