#pragma once
// The event table: a model over a SessionReader. Row = event id - 1; rows are read
// in blocks into a bounded cache and formatted on demand, never copied wholesale.
#include "event.h"
#include "event_block_cache.h"

#include <QAbstractTableModel>

#include <memory>

namespace provscope {

class SessionReader;

class EventTableModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column { Time, Pid, Ppid, Process, Syscall, Target, Ret, Count, Bytes, ColumnCount };
    enum Role { EventIdRole = Qt::UserRole + 1 };

    explicit EventTableModel(QObject *parent = nullptr);
    ~EventTableModel() override;

    // Shows the reader's events (nullptr: empty). The model shares the reader.
    void setReader(std::shared_ptr<SessionReader> reader);
    const std::shared_ptr<SessionReader> &reader() const { return m_reader; }
    // Re-reads the counts of a live session and inserts the rows that appeared.
    // Returns the number of new rows.
    int refresh();

    // The event of a row, nullptr when out of range or unreadable.
    const Event *eventAt(int row) const;
    int64_t bootToEpochNs() const { return m_bootToEpochNs; }

    int rowCount(const QModelIndex &parent = QModelIndex()) const override;
    int columnCount(const QModelIndex &parent = QModelIndex()) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

private:
    QVariant displayText(const Event &event, int column) const;

    std::shared_ptr<SessionReader> m_reader;
    mutable EventBlockCache m_cache;
    int m_rowCount = 0;
    int64_t m_bootToEpochNs = 0;
};

} // namespace provscope
