#include "pcap_import_command.h"

#include "custody_log.h"
#include "event_json.h"
#include "flow_store_import.h"
#include "flow_store_temp_file.h"
#include "packet_decoder.h"
#include "record_author.h"
#include "session_connection.h"
#include "session_reader.h"
#include "session_writer.h"

#include <QCryptographicHash>
#include <QFile>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <filesystem>
#include <optional>
#include <unistd.h>

namespace provscope {
namespace {

std::string linkTypeName(int linkType)
{
    switch (linkType) {
    case 0: return "NULL";
    case 1: return "EN10MB";
    case 101: return "RAW";
    case 108: return "LOOP";
    case 113: return "LINUX_SLL";
    case 228: return "IPV4";
    case 229: return "IPV6";
    case 276: return "LINUX_SLL2";
    }
    return std::to_string(linkType);
}

std::string absolutePath(const std::string &path)
{
    std::error_code ec;
    const auto absolute = std::filesystem::absolute(path, ec);
    return ec ? path : absolute.lexically_normal().string();
}

// The capture configuration of an imported session: where its packets came from.
std::string importConfigJson(const std::string &capturePath, const CaptureFileSummary &file)
{
    std::string json = "{\"imported_from\":" + jsonString(absolutePath(capturePath)) +
                       ",\"format\":" + jsonString(file.format) + ",\"link_type\":" + std::to_string(file.linkType) +
                       ",\"link_type_name\":" + jsonString(linkTypeName(file.linkType)) +
                       ",\"frames\":" + std::to_string(file.frames) +
                       ",\"complete\":" + (file.complete ? "true" : "false");
    if (!file.complete)
        json += ",\"stopped\":" + jsonString(file.stoppedReason);
    return json + "}";
}

void fail(PcapImportError *error, bool badInput, const std::string &message)
{
    if (error) {
        error->badInput = badInput;
        error->message = message;
    }
}

// "interrupted by SIGTERM" when a signal came (ImportSignalGuard), else "".
std::string interruption()
{
    const int signal = ImportSignalGuard::caught();
    if (!signal)
        return {};
    return std::string("interrupted by ") + (signal == SIGINT ? "SIGINT" : signal == SIGTERM ? "SIGTERM" : "a signal");
}

// What names a capture in the custody log: "NAME (FORMAT, SIZE bytes, SHA-256 HEX, ",
// so that importing the same file twice is noticed.
Result<std::string> captureIdentity(const std::string &path, const std::string &format)
{
    QFile file(QString::fromStdString(path));
    if (!file.open(QIODevice::ReadOnly))
        return makeError("cannot read " + path + ": " + file.errorString().toStdString());
    QCryptographicHash hash(QCryptographicHash::Sha256);
    if (!hash.addData(&file))
        return makeError("cannot read " + path + ": " + file.errorString().toStdString());
    const size_t slash = path.rfind('/');
    const std::string name = slash == std::string::npos ? path : path.substr(slash + 1);
    return name + " (" + format + ", " + std::to_string(file.size()) + " bytes, SHA-256 " +
           hash.result().toHex().toStdString() + ", ";
}

// The custody entry of an earlier import of the same capture (same name, size and
// SHA-256), if any.
Result<std::optional<CustodyEntry>> earlierImport(const std::string &sessionPath, const std::string &identity)
{
    auto db = openSessionReadOnly(sessionPath, false);
    if (!db)
        return makeError(db.error());
    auto entries = readCustodyLog(**db);
    if (!entries)
        return makeError(sessionPath + ": " + entries.error());
    for (const CustodyEntry &entry : *entries)
        if (entry.action == "import" && entry.note.find("/" + identity) != std::string::npos)
            return std::optional<CustodyEntry>(entry);
    return std::optional<CustodyEntry>();
}

int usageError(const std::string &message)
{
    std::fprintf(stderr, "provscope-cli: import: %s\n(see provscope-cli --help)\n", message.c_str());
    return 2;
}

} // namespace

Result<std::string> sniffCaptureFormat(const std::string &path)
{
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return makeError("cannot open " + path + ": " + std::strerror(errno));
    unsigned char magic[4] = {};
    const ssize_t n = ::read(fd, magic, sizeof magic);
    ::close(fd);
    if (n < 0)
        return makeError("cannot read " + path + ": " + std::strerror(errno));
    const uint32_t be = n == 4 ? (uint32_t(magic[0]) << 24 | uint32_t(magic[1]) << 16 | uint32_t(magic[2]) << 8 | magic[3])
                               : 0;
    // pcap: microsecond and nanosecond magics in either byte order; pcapng: its section header block.
    if (be == 0xa1b2c3d4 || be == 0xd4c3b2a1 || be == 0xa1b23c4d || be == 0x4d3cb2a1)
        return std::string("pcap");
    if (be == 0x0a0d0d0a)
        return std::string("pcapng");
    return makeError(path + " is not a pcap or pcapng capture file" +
                     (n < 4 ? std::string(" (it has fewer than 4 bytes)") : std::string(" (unknown magic number)")));
}

Result<PcapImportResult> importCaptureToNewSession(const std::string &capturePath, const std::string &sessionPath,
                                                   PcapImportError *error)
{
    auto format = sniffCaptureFormat(capturePath);
    if (!format) {
        fail(error, true, format.error());
        return makeError(format.error());
    }
    SessionMeta meta;
    meta.toolVersion = PROVSCOPE_VERSION;
    meta.bootToEpochNs = 0; // no boot to join: boot times are epoch times
    meta.captureConfig = "{\"imported_from\":" + jsonString(absolutePath(capturePath)) + "}";
    // Written under a temporary name and put in place when finished: an interrupted
    // import leaves no partial session under the user's name.
    auto temp = SessionTempFile::besideNew(sessionPath); // refuses an existing file or a symlink
    if (!temp) {
        fail(error, false, temp.error());
        return makeError(temp.error());
    }
    auto created = SessionWriter::create((*temp)->path(), meta);
    if (!created) {
        fail(error, false, created.error());
        return makeError(created.error());
    }
    std::unique_ptr<SessionWriter> writer = std::move(created.value());
    writer->setNoEventsExpected(); // a new session of flows only
    auto abandon = [&](bool badInput, const std::string &message) -> Error {
        writer.reset();
        temp->reset(); // removes the temporary
        fail(error, badInput, message);
        return makeError(message);
    };

    FlowAggregator aggregator(FlowAggregatorOptions{});
    bool sinkFailed = false;
    auto sink = [&](std::vector<Flow> &&flows, std::vector<DnsRecord> &&dnsRecords) -> Result<void> {
        if (const std::string stop = interruption(); !stop.empty()) {
            sinkFailed = true;
            return makeError(stop);
        }
        CaptureBatch batch;
        batch.flows = std::move(flows);
        batch.dnsRecords = std::move(dnsRecords);
        auto done = writer->append(batch);
        sinkFailed = sinkFailed || !done;
        return done;
    };
    auto summary = readCaptureFile(capturePath, aggregator, sink);
    if (!summary)
        return abandon(!sinkFailed, summary.error() + "; " + sessionPath + " was not created");
    const int64_t now = epochNowNs();
    const uint64_t start = uint64_t(summary->frames ? summary->firstEpochNs : now);
    const uint64_t end = uint64_t(summary->frames ? std::max(summary->lastEpochNs, summary->firstEpochNs) : now);
    Result<void> done = writer->setCaptureStart(start);
    if (done)
        done = writer->setCaptureConfig(importConfigJson(capturePath, *summary));
    if (done)
        done = writer->finish(std::max<uint64_t>(end, 1));
    if (done && !interruption().empty())
        done = makeError(interruption());
    if (done)
        done = (*temp)->place();
    if (!done)
        return abandon(false, done.error() + "; " + sessionPath + " was not created");
    PcapImportResult result;
    result.file = std::move(summary.value());
    result.stats = aggregator.stats();
    result.flows = uint64_t(writer->counts().flows);
    result.dnsRecords = uint64_t(writer->counts().dnsRecords);
    return result;
}

Result<PcapImportResult> importCaptureIntoSession(const std::string &capturePath, const std::string &sessionPath,
                                                  PcapImportError *error, bool allowDuplicate)
{
    auto format = sniffCaptureFormat(capturePath);
    if (!format) {
        fail(error, true, format.error());
        return makeError(format.error());
    }
    // The user's file itself first (a recording, a hot journal, damage, a symlink), so
    // refusals name it and cost no copy.
    struct stat st {};
    if (::lstat(sessionPath.c_str(), &st) == 0 && S_ISLNK(st.st_mode)) {
        const std::string message = sessionPath + " is a symbolic link; refusing to import through it (name the session itself)";
        fail(error, false, message);
        return makeError(message);
    }
    {
        auto reader = SessionReader::open(sessionPath);
        if (reader && (*reader)->isRecording())
            reader = makeError(sessionPath + " is being recorded (or its recording was interrupted); "
                                             "evidence can be added to a finished session only");
        if (!reader) {
            fail(error, false, reader.error());
            return makeError(reader.error());
        }
    }
    // The same capture imported twice would count every flow twice.
    auto identity = captureIdentity(capturePath, *format);
    if (!identity) {
        fail(error, true, identity.error());
        return makeError(identity.error());
    }
    if (auto earlier = earlierImport(sessionPath, *identity); !earlier || (*earlier && !allowDuplicate)) {
        const std::string message =
            !earlier ? earlier.error()
                     : sessionPath + " already holds flows of this capture (custody entry " +
                           std::to_string((**earlier).id) + " imported " + capturePath.substr(capturePath.rfind('/') + 1) +
                           " with the same size and SHA-256); importing it again would count its flows twice. "
                           "Nothing imported (--allow-duplicate imports it anyway)";
        fail(error, false, message);
        return makeError(message);
    }
    // The import works on a copy beside it, renamed over it once committed: a kill, a
    // signal or a full disk leave the original byte for byte as it was.
    auto copy = SessionTempFile::copyOf(sessionPath);
    if (!copy) {
        fail(error, false, copy.error());
        return makeError(copy.error());
    }
    auto opened = FlowStoreImport::open((*copy)->path(), sessionPath);
    if (!opened) {
        fail(error, false, opened.error());
        return makeError(opened.error());
    }
    FlowStoreImport &import = **opened;
    FlowAggregatorOptions options;
    options.bootToEpochNs = import.bootToEpochNs();
    options.firstKey = import.firstKey();
    FlowAggregator aggregator(options);
    bool sinkFailed = false;
    auto sink = [&](std::vector<Flow> &&flows, std::vector<DnsRecord> &&dnsRecords) -> Result<void> {
        if (const std::string stop = interruption(); !stop.empty()) {
            sinkFailed = true;
            return makeError(stop);
        }
        auto done = import.add(flows, dnsRecords);
        sinkFailed = sinkFailed || !done;
        return done;
    };
    auto summary = readCaptureFile(capturePath, aggregator, sink);
    if (!summary) {
        const std::string message = summary.error() + "; nothing imported, " + sessionPath + " is unchanged";
        fail(error, !sinkFailed, message);
        return makeError(message); // the copy goes with copy
    }
    const std::string absolute = absolutePath(capturePath);
    std::string note = "flows from " + absolute.substr(0, absolute.rfind('/') + 1) + *identity +
                       std::to_string(summary->frames) + " packets): " + std::to_string(import.flowsAdded()) +
                       " flows, " + std::to_string(import.dnsRecordsAdded()) + " DNS records";
    if (!summary->complete)
        note += "; incomplete: " + summary->stoppedReason;
    PcapImportResult result;
    result.flows = import.flowsAdded();
    result.dnsRecords = import.dnsRecordsAdded();
    Result<void> done = interruption().empty() ? import.commit(note) : Result<void>(makeError(interruption()));
    if (done && !interruption().empty())
        done = makeError(interruption());
    if (done)
        done = (*copy)->place();
    if (!done) {
        const std::string message = done.error() + "; nothing imported, " + sessionPath + " is unchanged";
        fail(error, false, message);
        return makeError(message);
    }
    result.flowsAttributed = import.flowsAttributed();
    result.file = std::move(summary.value());
    result.stats = aggregator.stats();
    return result;
}

int runImportCommand(const std::vector<std::string> &args)
{
    std::string capture, output, into;
    bool allowDuplicate = false;
    for (size_t i = 0; i < args.size(); ++i) {
        const std::string &arg = args[i];
        if (arg == "--allow-duplicate") {
            allowDuplicate = true;
            continue;
        }
        const bool takesValue = arg == "--pcap" || arg == "-o" || arg == "--into";
        if (takesValue && i + 1 >= args.size())
            return usageError(arg + " needs a value");
        std::string &target = arg == "--pcap" ? capture : arg == "-o" ? output : into;
        if (takesValue) {
            if (!target.empty())
                return usageError(arg + " given twice");
            target = args[++i];
            if (target.empty())
                return usageError(arg + " needs a non-empty value");
        } else if (arg.size() > 1 && arg[0] == '-') {
            return usageError("unknown option " + arg);
        } else {
            return usageError("unexpected argument " + arg);
        }
    }
    if (capture.empty())
        return usageError("missing --pcap FILE");
    if (output.empty() == into.empty())
        return usageError("give either -o NEW.provscope (a new session) or --into SESSION.provscope");
    if (allowDuplicate && into.empty())
        return usageError("--allow-duplicate goes with --into");
    PcapImportError error;
    ImportSignalGuard signalGuard; // SIGINT/SIGTERM: the temporary is removed, the user's files stay as they were
    auto result = output.empty() ? importCaptureIntoSession(capture, into, &error, allowDuplicate)
                                 : importCaptureToNewSession(capture, output, &error);
    if (!result) {
        std::fprintf(stderr, "provscope-cli: import: %s\n", result.error().c_str());
        if (const int signal = ImportSignalGuard::caught())
            return 128 + signal;
        return error.badInput ? 2 : 1;
    }
    const PcapImportResult &r = *result;
    if (!r.file.complete)
        std::fprintf(stderr, "provscope-cli: warning: %s is truncated or damaged: %s; imported what was readable\n",
                     capture.c_str(), r.file.stoppedReason.c_str());
    if (r.stats.malformedFrames)
        std::fprintf(stderr, "provscope-cli: note: %llu malformed frames skipped (%s)\n",
                     static_cast<unsigned long long>(r.stats.malformedFrames), r.stats.firstMalformed.c_str());
    if (r.file.damagedFrames)
        std::fprintf(stderr, "provscope-cli: note: %llu damaged frames skipped (%s)\n",
                     static_cast<unsigned long long>(r.file.damagedFrames), r.file.firstDamaged.c_str());
    // A file of frames we cannot read (802.11, PPP...) would otherwise import as "0 flows" silently.
    if (r.stats.frames && !linkTypeDecoded(r.file.linkType))
        std::fprintf(stderr, "provscope-cli: warning: %s: link type %s is not decoded; %llu of %llu frames were TCP/UDP\n",
                     capture.c_str(), linkTypeName(r.file.linkType).c_str(),
                     static_cast<unsigned long long>(r.stats.flowPackets), static_cast<unsigned long long>(r.stats.frames));
    else if (r.stats.frames && r.stats.otherFrames == r.stats.frames)
        std::fprintf(stderr, "provscope-cli: warning: %s: none of its %llu frames were TCP/UDP over IP (link type %s)\n",
                     capture.c_str(), static_cast<unsigned long long>(r.stats.frames), linkTypeName(r.file.linkType).c_str());
    std::string line = "imported " + capture + " (" + r.file.format + ", link type " + linkTypeName(r.file.linkType) +
                       "): " + std::to_string(r.file.frames) + " packets, " + std::to_string(r.flows) + " flows";
    if (!into.empty())
        line += " (" + std::to_string(r.flowsAttributed) + " attributed)";
    line += ", " + std::to_string(r.dnsRecords) + " DNS records -> " + (into.empty() ? output : into);
    if (!r.file.complete)
        line += " (incomplete: " + r.file.stoppedReason + ")";
    std::printf("%s\n", line.c_str());
    return std::fflush(stdout) == 0 ? 0 : 1;
}

} // namespace provscope
