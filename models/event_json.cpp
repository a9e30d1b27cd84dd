#include "event_json.h"

#include "session_reader.h"
#include "syscall_args.h"

#include <QJsonDocument>

#include <algorithm>
#include <cstdio>
#include <ctime>

namespace provscope {
namespace {

// Length of the valid UTF-8 sequence at s[i], 0 when it is not one.
size_t utf8Length(std::string_view s, size_t i)
{
    const auto byte = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
    const unsigned char c = byte(i);
    size_t len = 0;
    uint32_t cp = 0;
    if (c >= 0xC2 && c <= 0xDF) {
        len = 2;
        cp = c & 0x1F;
    } else if (c >= 0xE0 && c <= 0xEF) {
        len = 3;
        cp = c & 0x0F;
    } else if (c >= 0xF0 && c <= 0xF4) {
        len = 4;
        cp = c & 0x07;
    } else {
        return 0;
    }
    if (i + len > s.size())
        return 0;
    for (size_t k = 1; k < len; ++k) {
        if ((byte(i + k) & 0xC0) != 0x80)
            return 0;
        cp = (cp << 6) | (byte(i + k) & 0x3F);
    }
    // No overlong forms, no surrogates, nothing past U+10FFFF.
    if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10FFFF)) ||
        (cp >= 0xD800 && cp <= 0xDFFF))
        return 0;
    return len;
}

void addField(std::string &out, const char *key, const std::string &jsonValue)
{
    if (out.size() > 1)
        out += ',';
    out += '"';
    out += key;
    out += "\":";
    out += jsonValue;
}

} // namespace

std::string jsonString(std::string_view text)
{
    std::string out;
    out.reserve(text.size() + 2);
    out += '"';
    for (size_t i = 0; i < text.size();) {
        const unsigned char c = static_cast<unsigned char>(text[i]);
        if (c < 0x80) {
            switch (c) {
            case '"': out += "\\\""; break;
            case '\\': out += "\\\\"; break;
            case '\n': out += "\\n"; break;
            case '\r': out += "\\r"; break;
            case '\t': out += "\\t"; break;
            case '\b': out += "\\b"; break;
            case '\f': out += "\\f"; break;
            default:
                if (c < 0x20 || c == 0x7F) {
                    char buf[8];
                    std::snprintf(buf, sizeof buf, "\\u%04x", c);
                    out += buf;
                } else {
                    out += char(c);
                }
            }
            ++i;
            continue;
        }
        const size_t len = utf8Length(text, i);
        if (len == 0) {
            out += "\\ufffd"; // a byte that is not UTF-8: visible, never invalid JSON
            ++i;
        } else {
            out.append(text.substr(i, len));
            i += len;
        }
    }
    out += '"';
    return out;
}

std::string eventJsonLine(const Event &e, int64_t bootToEpochNs)
{
    std::string out = "{";
    addField(out, "id", std::to_string(e.id));
    addField(out, "ts_ns", std::to_string(int64_t(e.tsNs) + bootToEpochNs));
    addField(out, "pid", std::to_string(e.pid));
    addField(out, "tid", std::to_string(e.tid));
    addField(out, "ppid", std::to_string(e.ppid));
    if (!e.comm.empty())
        addField(out, "comm", jsonString(e.comm));
    addField(out, "syscall", jsonString(e.syscall));
    addField(out, "ret", std::to_string(e.ret));
    if (!e.path.empty())
        addField(out, "path", jsonString(e.path));
    if (!e.path2.empty())
        addField(out, "path2", jsonString(e.path2));
    if (e.fd >= 0)
        addField(out, "fd", std::to_string(e.fd));
    const bool socket = e.hasSocket() || e.lport || e.rport;
    if (!e.laddr.empty())
        addField(out, "laddr", jsonString(e.laddr));
    if (socket && (!e.laddr.empty() || e.lport))
        addField(out, "lport", std::to_string(e.lport));
    if (!e.raddr.empty())
        addField(out, "raddr", jsonString(e.raddr));
    if (socket && (!e.raddr.empty() || e.rport))
        addField(out, "rport", std::to_string(e.rport));
    addField(out, "count", std::to_string(e.count));
    addField(out, "bytes", std::to_string(e.bytes));
    if (const std::string args = describeArguments(e); !args.empty())
        addField(out, "args", jsonString(args));
    if (const std::string err = errnoName(e.ret); !err.empty())
        addField(out, "errno", jsonString(err));
    out += '}';
    return out;
}

std::string isoTimeUtc(int64_t epochNs)
{
    int64_t seconds = epochNs / 1000000000;
    int64_t nanos = epochNs % 1000000000;
    if (nanos < 0) {
        nanos += 1000000000;
        --seconds;
    }
    const time_t t = time_t(seconds);
    struct tm tm {};
    gmtime_r(&t, &tm);
    char buf[64];
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%09lldZ", tm.tm_year + 1900,
                  tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                  static_cast<long long>(nanos));
    return buf;
}

Result<std::string> sessionInfoJson(const SessionReader &reader)
{
    const SessionMeta &meta = reader.meta();
    const SessionCounts counts = reader.counts();
    // Time range of what was recorded: first and last event when there are any,
    // else the capture window.
    uint64_t firstNs = meta.captureStartNs;
    uint64_t lastNs = meta.captureEndNs;
    if (counts.events > 0) {
        auto first = reader.event(1);
        auto last = reader.event(counts.events);
        if (!first)
            return makeError(first.error());
        if (!last)
            return makeError(last.error());
        firstNs = first->tsNs;
        lastNs = std::max(last->lastTsNs, last->tsNs);
    }
    auto epoch = [&](uint64_t bootNs) { return int64_t(bootNs) + meta.bootToEpochNs; };
    // The stored configuration is embedded when it is a JSON object, else quoted.
    const QJsonDocument configDoc =
        QJsonDocument::fromJson(QByteArray::fromStdString(meta.captureConfig));
    const std::string config = configDoc.isObject()
        ? configDoc.toJson(QJsonDocument::Compact).toStdString()
        : jsonString(meta.captureConfig);

    std::string out = "{\n";
    out += "  \"path\": " + jsonString(reader.path()) + ",\n";
    out += "  \"format_version\": " + jsonString(meta.formatVersion) + ",\n";
    out += "  \"tool_version\": " + jsonString(meta.toolVersion) + ",\n";
    out += "  \"host\": " + jsonString(meta.host) + ",\n";
    out += "  \"kernel\": " + jsonString(meta.kernel) + ",\n";
    out += "  \"boot_id\": " + jsonString(meta.bootId) + ",\n";
    out += std::string("  \"recording\": ") + (reader.isRecording() ? "true" : "false") + ",\n";
    // Not recording and no end: the recorder was interrupted (crash, power loss).
    out += std::string("  \"finished\": ") + (meta.captureEndNs ? "true" : "false") + ",\n";
    out += "  \"counts\": {\"events\": " + std::to_string(counts.events) +
           ", \"processes\": " + std::to_string(counts.processes) +
           ", \"files\": " + std::to_string(counts.files) +
           ", \"sockets\": " + std::to_string(counts.sockets) +
           ", \"lost_events\": " + std::to_string(counts.lostEvents) + "},\n";
    out += "  \"time_range\": {";
    if (firstNs) {
        out += "\"first_ns\": " + std::to_string(epoch(firstNs)) +
               ", \"first_iso\": " + jsonString(isoTimeUtc(epoch(firstNs)));
        if (lastNs)
            out += ", ";
    }
    if (lastNs)
        out += "\"last_ns\": " + std::to_string(epoch(lastNs)) +
               ", \"last_iso\": " + jsonString(isoTimeUtc(epoch(lastNs)));
    out += "},\n";
    out += "  \"capture\": {\"start_ns\": " + std::to_string(epoch(meta.captureStartNs));
    if (meta.captureEndNs)
        out += ", \"end_ns\": " + std::to_string(epoch(meta.captureEndNs));
    out += "},\n";
    out += "  \"capture_config\": " + config + "\n}\n";
    return out;
}

} // namespace provscope
