#pragma once
// The details pane: every field of the selected event and its process.
#include "event.h"

#include <QTreeWidget>

namespace provscope {

class SessionReader;

class EventDetailsView : public QTreeWidget {
    Q_OBJECT
public:
    explicit EventDetailsView(QWidget *parent = nullptr);

    // Shows event; the reader (may be null) supplies the process's exe and argv.
    void displayEvent(const Event &event, int64_t bootToEpochNs, const SessionReader *reader);
    void clearEvent();
    // The value shown for a field name ("Path", "Syscall", ...), empty when absent.
    QString valueOf(const QString &field) const;

private:
    void addField(QTreeWidgetItem *group, const QString &name, const QString &value);
};

} // namespace provscope
