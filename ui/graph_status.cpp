#include "graph_status.h"

#include "session_graph.h"

#include <QLocale>
#include <QObject>
#include <QStringList>

namespace provscope {

namespace {
QString number(int64_t value)
{
    return QLocale().toString(qlonglong(value));
}
} // namespace

QString describePoi(const PointOfInterest &poi)
{
    switch (poi.kind) {
    case PointOfInterest::Kind::Process:
        return QObject::tr("process %1").arg(poi.pid);
    case PointOfInterest::Kind::File:
        return QObject::tr("file %1").arg(QString::fromStdString(poi.path));
    case PointOfInterest::Kind::Net:
        return poi.hasPort ? QObject::tr("address %1:%2").arg(QString::fromStdString(poi.addr)).arg(poi.port)
                           : QObject::tr("address %1").arg(QString::fromStdString(poi.addr));
    case PointOfInterest::Kind::Event:
        return QObject::tr("event %1").arg(poi.eventId);
    }
    return {};
}

QString describeScope(TrackScope scope)
{
    switch (scope) {
    case TrackScope::Backward:
        return QObject::tr("Backward");
    case TrackScope::Forward:
        return QObject::tr("Forward");
    case TrackScope::Both:
        return QObject::tr("Both ways");
    }
    return {};
}

QString graphStatusText(const GraphStatusInput &in)
{
    if (!in.shown)
        return {};
    QStringList parts;
    parts << QObject::tr("%1 from %2: %3 nodes, %4 edges")
                 .arg(describeScope(in.scope), describePoi(in.poi), number(in.shown->nodeCount()),
                      number(in.shown->edgeCount()));
    if (in.session) {
        const SessionGraphStats &stats = in.session->stats();
        if (in.session->reduced())
            parts << QObject::tr("CPR %1x (%2 \u2192 %3 edges)")
                         .arg(QLocale().toString(stats.reductionRatio(), 'f', 1), number(int64_t(stats.rawEdges)),
                              number(int64_t(stats.edges)));
        else
            parts << QObject::tr("no reduction");
    }
    if (in.analysis && in.hideNoise) {
        QStringList hid;
        for (const NoiseFilterCount &filter : in.analysis->noise.filters) {
            if (filter.nodesHidden == 0 && filter.edgesHidden == 0)
                continue;
            QStringList what;
            if (filter.nodesHidden)
                what << QObject::tr("%1 nodes").arg(number(filter.nodesHidden));
            if (filter.edgesHidden)
                what << QObject::tr("%1 edges").arg(number(filter.edgesHidden));
            hid << QStringLiteral("%1 %2").arg(QString::fromStdString(filter.name), what.join(QLatin1Char('/')));
        }
        parts << (hid.isEmpty() ? QObject::tr("noise: nothing to hide")
                                : QObject::tr("noise hid: %1").arg(hid.join(QStringLiteral(", "))));
    } else if (in.analysis) {
        parts << QObject::tr("noise shown");
    }
    if (in.analysis && in.analysis->cut)
        parts << QObject::tr("limit reached: %1 more").arg(number(in.analysis->omittedNodes));
    if (in.spec) {
        if (!in.spec->hidden.empty())
            parts << QObject::tr("%1 hidden").arg(in.spec->hidden.size());
        if (const int folded = in.spec->foldedCount())
            parts << QObject::tr("%1 folded").arg(folded);
    }
    if (in.pinned)
        parts << QObject::tr("%1 pinned").arg(in.pinned);
    if (!in.engine.isEmpty())
        parts << in.engine;
    return parts.join(QStringLiteral(" \u00b7 "));
}

} // namespace provscope
