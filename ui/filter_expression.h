#pragma once
// Display-filter text built from what the user points at: the expression for a
// table cell ("Apply as Filter" / "Prepare as Filter"), its combination with the
// filter already in the bar (Wireshark's Selected, Not Selected, ...and Selected...),
// and the quoting that lets any path round-trip through the filter language.
#include "event.h"

#include <QString>

#include <cstdint>

namespace provscope {

class FilterExpression {
public:
    // Wireshark's set of ways to use the selected value.
    enum Combine { Selected, NotSelected, AndSelected, OrSelected, AndNotSelected, OrNotSelected };

    // The condition the cell (column of EventTableModel) of event stands for:
    //   PID -> proc.pid == 412, Process -> proc.name == "bash", Syscall -> evt.type == "openat",
    //   Target -> fd.name == "/etc/passwd" or fd.dip == "10.0.0.1" and fd.dport == 443,
    //   Result -> evt.res == "ENOENT" (or a number), Time -> evt.time >= "<ISO 8601, ns, Z>".
    // Empty when the column has no field (count, bytes, a kill's target).
    static QString forCell(const Event &event, int column, int64_t bootToEpochNs);

    // current combined with selected: "(current) and (selected)", "not (selected)" ...
    // With an empty current, the "and"/"or" forms are selected (or not selected) alone.
    static QString combine(const QString &current, const QString &selected, Combine how);

    // A string literal of the language: "..." with `"` and `\` escaped.
    static QString quoted(const QString &text);
    // "2023-11-14T22:13:20.000005Z": epoch ns as ISO 8601 UTC, the fraction without
    // trailing zeros (none when whole seconds).
    static QString isoTime(int64_t epochNs);

    // The menu text of a Combine ("Selected", "…and Selected", ...).
    static QString label(Combine how);
};

} // namespace provscope
