#pragma once
// The SHA-256 digest of a session's evidence: what was captured (capture facts in
// meta, strings, files, sockets, processes, events, losses, file identities, flows,
// DNS records), serialized row by row in id order in a fixed, documented form (evidence_digest.cpp, README "Evidence
// handling"), so a third party can recompute it. Not covered: the digest itself, the
// custody log, annotations and any other meta key. Stored in meta as evidence_sha256
// and evidence_digest_version when recording ends (SessionWriter::finish).
// Version 2 (format 1.2) also covers file_ids when the session has that table; for a
// session without it (1.1 and older) a version-2 digest equals the version-1 one, so
// older sessions verify as before, whichever version they recorded.
// Version 3 (format 1.3) also covers the flow counts and the flows and dns tables when
// the session has them; without them a version-3 digest equals the version-2 one.
#include "custody_log.h"
#include "result.h"

#include <optional>
#include <string>
#include <vector>

namespace provscope {

class SqliteDatabase;

inline constexpr int kEvidenceDigestVersion = 3;
inline constexpr const char *kEvidenceDigestKey = "evidence_sha256";
inline constexpr const char *kEvidenceDigestVersionKey = "evidence_digest_version";

// Lower-case hex SHA-256 of the evidence seen through db (inside the caller's
// transaction, if any), digest version 1 .. kEvidenceDigestVersion. Fails on a
// session lacking a table or column of format 1.1, or an unknown version.
Result<std::string> computeEvidenceDigest(SqliteDatabase &db, int version = kEvidenceDigestVersion);

// The digest as recorded in meta; nullopt when none is (a recording, or a session
// written by an older provscope).
struct RecordedDigest {
    std::string sha256;
    int version = 0;
};
Result<std::optional<RecordedDigest>> readRecordedDigest(SqliteDatabase &db);

// provscope-cli verify: the result of recomputing a session's digest.
struct EvidenceCheck {
    enum class State { Unchanged, Changed, NoDigest };
    State state = State::NoDigest;
    std::string recorded; // meta's evidence_sha256 (empty: none)
    std::string current;  // recomputed now (empty when nothing was recorded)
    int version = 0;      // the recorded digest's version, used to recompute it (0: none)
    std::vector<CustodyEntry> custody;
};

// Opens path read-only and immutable (nothing is written beside it, the file stays
// byte-for-byte the same), checks it is a session like SessionReader::open does
// (same messages), and recomputes the digest. A session still being recorded has
// no digest yet: NoDigest.
Result<EvidenceCheck> checkEvidence(const std::string &path);

// The digest stored in a finished session file (capture prints it at the end).
Result<std::optional<RecordedDigest>> readRecordedDigest(const std::string &path);

} // namespace provscope
