#include "session_loss_json.h"

#include "event_json.h"

namespace provscope {

std::string lossRecordsJson(const std::vector<PlacedLoss> &losses, int64_t bootToEpochNs)
{
    if (losses.empty())
        return "[]";
    auto epoch = [&](uint64_t bootNs) { return int64_t(bootNs) + bootToEpochNs; };
    std::string out = "[";
    for (size_t i = 0; i < losses.size(); ++i) {
        const LossRecord &l = losses[i].loss;
        out += i ? ",\n    " : "\n    ";
        out += "{\"first_ns\": " + std::to_string(epoch(l.firstTsNs)) +
               ", \"first_iso\": " + jsonString(isoTimeUtc(epoch(l.firstTsNs))) +
               ", \"last_ns\": " + std::to_string(epoch(l.lastTsNs)) +
               ", \"last_iso\": " + jsonString(isoTimeUtc(epoch(l.lastTsNs))) +
               ", \"count\": " + std::to_string(l.count) + ", \"source\": " + jsonString(l.source) +
               ", \"cpu\": " + (l.cpu < 0 ? std::string("null") : std::to_string(l.cpu)) +
               ", \"before_event\": " + std::to_string(losses[i].beforeEventId) + "}";
    }
    out += "\n  ]";
    return out;
}

Result<std::string> sessionInfoWithLossesJson(const SessionReader &reader)
{
    auto info = sessionInfoJson(reader);
    if (!info)
        return info;
    auto losses = reader.placedLosses();
    if (!losses)
        return makeError(losses.error());
    // The summary is one object ending in "\n}\n": add the member before its brace.
    std::string &out = info.value();
    const size_t close = out.rfind('}');
    if (close == std::string::npos || close < 1)
        return makeError("malformed info summary");
    size_t end = close;
    while (end > 0 && (out[end - 1] == '\n' || out[end - 1] == ' '))
        --end;
    out.replace(end, close - end,
                ",\n  \"losses\": " + lossRecordsJson(*losses, reader.meta().bootToEpochNs) + "\n");
    return info;
}

} // namespace provscope
