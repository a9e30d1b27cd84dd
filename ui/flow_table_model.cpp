#include "flow_table_model.h"

#include "event_format.h"
#include "flow_text.h"

#include <QApplication>
#include <QLocale>
#include <QPalette>

#include <arpa/inet.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <tuple>
#include <unordered_map>

namespace provscope {

namespace {

// Addresses sort as addresses (10.0.0.9 before 10.0.0.10, IPv4 before IPv6).
std::array<uint8_t, 17> addressKey(const std::string &text)
{
    std::array<uint8_t, 17> key{};
    in_addr v4;
    in6_addr v6;
    if (inet_pton(AF_INET, text.c_str(), &v4) == 1) {
        key[0] = 4;
        std::memcpy(key.data() + 1, &v4, sizeof v4);
    } else if (inet_pton(AF_INET6, text.c_str(), &v6) == 1) {
        key[0] = 6;
        std::memcpy(key.data() + 1, &v6, sizeof v6);
    } else {
        key[0] = 255; // not numeric: last
    }
    return key;
}

QString protocolText(uint8_t proto)
{
    return QString::fromStdString(flowProtocolLabel(proto));
}

// Negative: a before b. Ties are broken by the caller.
int compareFlows(const Flow &a, const Flow &b, int column)
{
    const auto cmp = [](const auto &x, const auto &y) { return x < y ? -1 : (y < x ? 1 : 0); };
    switch (column) {
    case FlowTableModel::Protocol: return cmp(a.proto, b.proto);
    case FlowTableModel::Source: return cmp(addressKey(a.src), addressKey(b.src));
    case FlowTableModel::SourcePort: return cmp(a.sport, b.sport);
    case FlowTableModel::Destination: return cmp(addressKey(a.dst), addressKey(b.dst));
    case FlowTableModel::DestinationPort: return cmp(a.dport, b.dport);
    case FlowTableModel::Domain: return cmp(a.dnsName, b.dnsName);
    case FlowTableModel::Process: return cmp(std::tie(a.comm, a.pid), std::tie(b.comm, b.pid));
    case FlowTableModel::PeerProcess: return cmp(std::tie(a.peerComm, a.peerPid), std::tie(b.peerComm, b.peerPid));
    case FlowTableModel::Packets: return cmp(a.packets(), b.packets());
    case FlowTableModel::Bytes: return cmp(a.bytes(), b.bytes());
    case FlowTableModel::PacketsOut: return cmp(a.packetsOut, b.packetsOut);
    case FlowTableModel::PacketsIn: return cmp(a.packetsIn, b.packetsIn);
    case FlowTableModel::BytesOut: return cmp(a.bytesOut, b.bytesOut);
    case FlowTableModel::BytesIn: return cmp(a.bytesIn, b.bytesIn);
    case FlowTableModel::TcpFlags: return cmp(a.tcpFlags, b.tcpFlags); // by the bits, cheaper than the text
    case FlowTableModel::FirstSeen: return cmp(a.firstNs, b.firstNs);
    case FlowTableModel::Duration: return cmp(a.lastNs - a.firstNs, b.lastNs - b.firstNs);
    case FlowTableModel::Interface: return cmp(a.interfaceName, b.interfaceName);
    default: return 0;
    }
}

bool isNumeric(int column)
{
    switch (column) {
    case FlowTableModel::SourcePort:
    case FlowTableModel::DestinationPort:
    case FlowTableModel::Packets:
    case FlowTableModel::Bytes:
    case FlowTableModel::PacketsOut:
    case FlowTableModel::PacketsIn:
    case FlowTableModel::BytesOut:
    case FlowTableModel::BytesIn:
    case FlowTableModel::Duration:
        return true;
    default:
        return false;
    }
}

} // namespace

FlowTableModel::FlowTableModel(QObject *parent)
    : QAbstractTableModel(parent)
    , m_flows(std::make_shared<const std::vector<Flow>>())
{
}

void FlowTableModel::setFlows(std::vector<Flow> flows)
{
    std::vector<uint32_t> all(flows.size());
    for (size_t i = 0; i < all.size(); ++i)
        all[i] = uint32_t(i);
    setFlows(std::make_shared<const std::vector<Flow>>(std::move(flows)), std::move(all));
}

void FlowTableModel::setFlows(std::shared_ptr<const std::vector<Flow>> flows, std::vector<uint32_t> indexes)
{
    beginResetModel();
    m_flows = flows ? std::move(flows) : std::make_shared<const std::vector<Flow>>();
    m_rows = std::move(indexes);
    // Flows over more than a day: a clock time alone does not say which day.
    int64_t first = 0, last = 0;
    for (size_t i = 0; i < m_flows->size(); ++i) {
        const Flow &flow = (*m_flows)[i];
        first = i == 0 ? flow.firstNs : std::min(first, flow.firstNs);
        last = i == 0 ? flow.lastNs : std::max(last, flow.lastNs);
    }
    m_withDate = last - first > 86'400'000'000'000LL;
    applySort();
    endResetModel();
}

std::vector<Flow> FlowTableModel::shownFlows() const
{
    std::vector<Flow> shown;
    shown.reserve(m_rows.size());
    for (uint32_t index : m_rows)
        shown.push_back((*m_flows)[index]);
    return shown;
}

int FlowTableModel::rowOfKey(uint64_t key) const
{
    for (size_t row = 0; row < m_rows.size(); ++row)
        if ((*m_flows)[m_rows[row]].key == key)
            return int(row);
    return -1;
}

void FlowTableModel::setTimeFormat(EventTableModel::TimeFormat format, int64_t bootToEpochNs, int64_t referenceBootNs)
{
    m_timeFormat = format;
    m_bootToEpochNs = bootToEpochNs;
    m_referenceBootNs = referenceBootNs;
    if (!m_rows.empty())
        emit dataChanged(index(0, FirstSeen), index(rowCount() - 1, FirstSeen), {Qt::DisplayRole});
    emit headerDataChanged(Qt::Horizontal, FirstSeen, FirstSeen);
}

int FlowTableModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_rows.size());
}

int FlowTableModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QString FlowTableModel::tcpFlagsText(uint8_t flags)
{
    return QString::fromStdString(provscope::tcpFlagsText(flags));
}

QString FlowTableModel::processText(const std::string &comm, uint32_t pid)
{
    if (pid == 0)
        return {};
    return QStringLiteral("%1 (%2)").arg(QString::fromStdString(comm.empty() ? std::string("?") : comm)).arg(pid);
}

QString FlowTableModel::durationText(int64_t ns)
{
    // Loopback exchanges last microseconds: below a second in ms, so they do not all read 0.000 s.
    const double value = double(std::max<int64_t>(ns, 0));
    if (value < 1e9)
        return QStringLiteral("%1 ms").arg(value / 1e6, 0, 'f', 3);
    return QStringLiteral("%1 s").arg(value / 1e9, 0, 'f', 3);
}

QVariant FlowTableModel::displayText(const Flow &flow, int column) const
{
    const QLocale locale;
    switch (column) {
    case Protocol: return protocolText(flow.proto);
    case Source: return QString::fromStdString(flow.src);
    case SourcePort: return QString::number(flow.sport);
    case Destination: return QString::fromStdString(flow.dst);
    case DestinationPort: return QString::number(flow.dport);
    case Domain: return QString::fromStdString(flow.dnsName);
    case Process: return flow.attributed() ? processText(flow.comm, flow.pid) : tr("unattributed");
    case PeerProcess: return processText(flow.peerComm, flow.peerPid);
    case Packets: return locale.toString(qulonglong(flow.packets()));
    case Bytes: return locale.toString(qulonglong(flow.bytes()));
    case PacketsOut: return locale.toString(qulonglong(flow.packetsOut));
    case PacketsIn: return locale.toString(qulonglong(flow.packetsIn));
    case BytesOut: return locale.toString(qulonglong(flow.bytesOut));
    case BytesIn: return locale.toString(qulonglong(flow.bytesIn));
    case TcpFlags: return flow.proto == kProtoTcp ? tcpFlagsText(flow.tcpFlags) : QString();
    case FirstSeen:
        if (m_timeFormat == EventTableModel::TimeFormat::Absolute)
            return m_withDate ? formatDateTime(flow.firstNs + m_bootToEpochNs) : formatClockTime(flow.firstNs + m_bootToEpochNs);
        return formatRelativeTime(flow.firstNs - m_referenceBootNs);
    case Duration: return durationText(flow.lastNs - flow.firstNs);
    case Interface: return QString::fromStdString(flow.interfaceName);
    default: return {};
    }
}

QVariant FlowTableModel::sortValue(const Flow &flow, int column) const
{
    switch (column) {
    case SourcePort: return int(flow.sport);
    case DestinationPort: return int(flow.dport);
    case Packets: return qulonglong(flow.packets());
    case Bytes: return qulonglong(flow.bytes());
    case PacketsOut: return qulonglong(flow.packetsOut);
    case PacketsIn: return qulonglong(flow.packetsIn);
    case BytesOut: return qulonglong(flow.bytesOut);
    case BytesIn: return qulonglong(flow.bytesIn);
    case FirstSeen: return qlonglong(flow.firstNs);
    case Duration: return qlonglong(flow.lastNs - flow.firstNs);
    default: return displayText(flow, column);
    }
}

QVariant FlowTableModel::data(const QModelIndex &index, int role) const
{
    if (!index.isValid() || index.row() >= rowCount() || index.column() >= ColumnCount)
        return {};
    const Flow &flow = flowAt(index.row());
    switch (role) {
    case Qt::DisplayRole:
        return displayText(flow, index.column());
    case Qt::ToolTipRole:
        if (index.column() == Process && !flow.attributed())
            return tr("No socket event of the session matches this flow's addresses and ports in its time: "
                      "the process is not known (it is never guessed).");
        if (index.column() == FirstSeen)
            return formatDateTime(flow.firstNs + m_bootToEpochNs);
        if (index.column() == Duration)
            return flow.ended ? tr("Ended (FIN/RST or inactivity)") : tr("Still open at its last update");
        if (index.column() == Source || index.column() == Destination || index.column() == Domain
            || index.column() == Process || index.column() == PeerProcess)
            return displayText(flow, index.column()); // the whole text of a cut cell
        return {};
    case Qt::ForegroundRole:
        if (index.column() == Process && !flow.attributed())
            return QApplication::palette().color(QPalette::Disabled, QPalette::Text);
        return {};
    case Qt::TextAlignmentRole:
        if (isNumeric(index.column()))
            return int(Qt::AlignRight | Qt::AlignVCenter);
        return {};
    case FlowKeyRole:
        return qulonglong(flow.key);
    case SortRole:
        return sortValue(flow, index.column());
    default:
        return {};
    }
}

QVariant FlowTableModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || section < 0 || section >= ColumnCount)
        return QAbstractTableModel::headerData(section, orientation, role);
    if (role == Qt::ToolTipRole) {
        switch (section) {
        case Source: return tr("The initiator: the address that sent the first packet (for TCP the SYN)");
        case Process: return tr("The initiator's process (name and pid)");
        case PeerProcess: return tr("The responder's process, when the other end is on this machine too");
        case Packets:
        case Bytes: return tr("Both directions; bytes are frame lengths on the wire");
        case PacketsOut:
        case BytesOut: return tr("From the source to the destination");
        case PacketsIn:
        case BytesIn: return tr("From the destination back to the source");
        case TcpFlags: return tr("Every TCP flag seen in the flow, either direction");
        case Domain: return tr("The DNS name whose answer gave the destination address");
        default: return {};
        }
    }
    if (role != Qt::DisplayRole)
        return {};
    switch (section) {
    case Protocol: return tr("Proto");
    case Source: return tr("Source");
    case SourcePort: return tr("Sport");
    case Destination: return tr("Destination");
    case DestinationPort: return tr("Dport");
    case Domain: return tr("Domain");
    case Process: return tr("Process");
    case PeerProcess: return tr("Peer process");
    case Packets: return tr("Packets");
    case Bytes: return tr("Bytes");
    case PacketsOut: return tr("Pkts out");
    case PacketsIn: return tr("Pkts in");
    case BytesOut: return tr("Bytes out");
    case BytesIn: return tr("Bytes in");
    case TcpFlags: return tr("TCP flags");
    case FirstSeen: return m_timeFormat == EventTableModel::TimeFormat::Absolute ? tr("First seen") : tr("First seen (s)");
    case Duration: return tr("Duration");
    case Interface: return tr("Interface");
    default: return {};
    }
}

void FlowTableModel::sort(int column, Qt::SortOrder order)
{
    if (column < 0 || column >= ColumnCount)
        return;
    emit layoutAboutToBeChanged({}, QAbstractItemModel::VerticalSortHint);
    const QModelIndexList before = persistentIndexList();
    std::vector<uint64_t> keys;
    keys.reserve(size_t(before.size()));
    for (const QModelIndex &index : before)
        keys.push_back(flowAt(index.row()).key);
    m_sortColumn = column;
    m_sortOrder = order;
    applySort();
    // Persistent indexes (the view's selection) follow their flows.
    std::unordered_map<uint64_t, int> rowOfKey;
    for (size_t row = 0; row < m_rows.size(); ++row)
        rowOfKey.emplace(flowAt(int(row)).key, int(row));
    QModelIndexList after;
    for (qsizetype i = 0; i < before.size(); ++i) {
        const auto found = rowOfKey.find(keys[size_t(i)]);
        after << (found == rowOfKey.end() ? QModelIndex() : index(found->second, before[i].column()));
    }
    changePersistentIndexList(before, after);
    emit layoutChanged({}, QAbstractItemModel::VerticalSortHint);
}

void FlowTableModel::applySort()
{
    const std::vector<Flow> &flows = *m_flows;
    const int column = m_sortColumn;
    const bool descending = m_sortOrder == Qt::DescendingOrder;
    // Addresses are parsed once, not at every comparison (a pcap import can bring a million flows).
    std::vector<std::array<uint8_t, 17>> addresses;
    if (column == Source || column == Destination) {
        addresses.resize(flows.size());
        for (uint32_t index : m_rows)
            addresses[index] = addressKey(column == Source ? flows[index].src : flows[index].dst);
    }
    // Equal values keep a stable order: the flow that began first comes first.
    std::stable_sort(m_rows.begin(), m_rows.end(), [&](uint32_t a, uint32_t b) {
        const int c = addresses.empty() ? compareFlows(flows[a], flows[b], column)
                                        : (addresses[a] < addresses[b] ? -1 : (addresses[b] < addresses[a] ? 1 : 0));
        if (c != 0)
            return descending ? c > 0 : c < 0;
        return std::tie(flows[a].firstNs, flows[a].key) < std::tie(flows[b].firstNs, flows[b].key);
    });
}

} // namespace provscope
