#pragma once
// The Flows tab's table: one row per flow, sorted in memory (a session holds
// thousands of flows, not millions), by default the top flows by bytes. Numbers sort
// as numbers; the first-seen time follows the workstation's time format.
#include "event_table_model.h"
#include "flow.h"

#include <QAbstractTableModel>

#include <memory>
#include <vector>

namespace provscope {

class FlowTableModel : public QAbstractTableModel {
    Q_OBJECT
public:
    // What a 1280-pixel window shows first comes first; the per-direction counts last.
    enum Column { Protocol, Source, SourcePort, Destination, DestinationPort, Domain, Process, PeerProcess,
                  Packets, Bytes, FirstSeen, Duration, TcpFlags, PacketsOut, PacketsIn, BytesOut, BytesIn,
                  Interface, ColumnCount };
    enum Role {
        FlowKeyRole = Qt::UserRole + 1, // qulonglong: Flow::key
        SortRole,                       // the value the column sorts by (number or text)
    };

    explicit FlowTableModel(QObject *parent = nullptr);

    // The flows shown (a reset); the current sort applies.
    void setFlows(std::vector<Flow> flows);
    // Rows of a shared list (no copy of the flows): the flows at these indexes.
    void setFlows(std::shared_ptr<const std::vector<Flow>> flows, std::vector<uint32_t> indexes);
    const Flow &flowAt(int row) const { return (*m_flows)[m_rows[size_t(row)]]; }
    int rowOfKey(uint64_t key) const; // -1 when not shown
    // Copies of the flows shown, in row order.
    std::vector<Flow> shownFlows() const;

    // Times: epoch ns = boot ns + bootToEpochNs. Absolute shows the local clock time
    // (with the date when the flows span more than a day);
    // the relative formats count from referenceBootNs (the first event or the
    // reference event of the event table).
    void setTimeFormat(EventTableModel::TimeFormat format, int64_t bootToEpochNs, int64_t referenceBootNs);

    // The flows span more than a day: First seen shows the date too.
    bool showsDates() const { return m_withDate; }
    int sortColumn() const { return m_sortColumn; }
    Qt::SortOrder sortOrder() const { return m_sortOrder; }

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;
    void sort(int column, Qt::SortOrder order = Qt::AscendingOrder) override;

    // "SYN ACK FIN": the flags set, in handshake order; "" when none.
    static QString tcpFlagsText(uint8_t flags);
    // "curl (4123)", or "" when pid is 0.
    static QString processText(const std::string &comm, uint32_t pid);
    // "0.250 ms", "250.000 ms", "12.500 s".
    static QString durationText(int64_t ns);

private:
    QVariant displayText(const Flow &flow, int column) const;
    QVariant sortValue(const Flow &flow, int column) const;
    void applySort();

    std::shared_ptr<const std::vector<Flow>> m_flows;
    std::vector<uint32_t> m_rows; // row -> index in *m_flows, in sort order
    int m_sortColumn = Bytes;
    Qt::SortOrder m_sortOrder = Qt::DescendingOrder;
    EventTableModel::TimeFormat m_timeFormat = EventTableModel::TimeFormat::Absolute;
    int64_t m_bootToEpochNs = 0;
    int64_t m_referenceBootNs = 0;
    bool m_withDate = false; // the flows span more than a day: First seen shows the date
};

} // namespace provscope
