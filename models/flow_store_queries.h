#pragma once
// The reader's side of flow_store.h: the SELECTs that read a session's flows and DNS
// records (format 1.3) row by row. SessionReader calls them on its connection; the
// caller makes sure the tables exist.
#include "flow.h"
#include "result.h"

#include <functional>
#include <string>

namespace provscope {

class SqliteDatabase;

namespace flow_queries {

// Every flow ordered by first packet (then key), comm/peerComm from the processes
// table; visit returns false to stop. Errors are prefixed with path.
Result<void> forEachFlow(SqliteDatabase &db, const std::string &path, const std::function<bool(const Flow &)> &visit);
// Every DNS answer in the order stored, one at a time.
Result<void> forEachDnsRecord(SqliteDatabase &db, const std::string &path,
                              const std::function<bool(const DnsRecord &)> &visit);

} // namespace flow_queries
} // namespace provscope
