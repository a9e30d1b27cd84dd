#pragma once
// The details pane: every field of the selected event, its process, the process's
// ancestry (parent chain as far as the session knows it) and links to the process
// in the Process tree and to the process or file in the graph. Links and ancestors
// are rows a click follows.
#include "event.h"
#include "point_of_interest.h"

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
    // The process and its ancestors as shown, "python3 (1001)" first, up to the root.
    QStringList ancestry() const;
    // The row of a link ("Show in Process Tree", "Show in Graph", "Show File in Graph")
    // or of an ancestor ("bash (1000)"); nullptr when absent. A click on it follows it.
    QTreeWidgetItem *linkItem(const QString &label) const;

signals:
    void showProcessRequested(uint32_t pid, uint64_t startNs);
    void showGraphRequested(const provscope::PointOfInterest &poi);

private:
    enum class Link { None, ProcessInTree, ProcessInGraph, FileInGraph };
    void addField(QTreeWidgetItem *group, const QString &name, const QString &value);
    QTreeWidgetItem *addLink(QTreeWidgetItem *group, const QString &name, const QString &value, Link link,
                             uint32_t pid, uint64_t startNs, const std::string &path = {});
    void addAncestry(const Event &event, int64_t bootToEpochNs, const SessionReader &reader);
    void followLink(QTreeWidgetItem *item);

    QTreeWidgetItem *m_ancestry = nullptr;
};

} // namespace provscope
