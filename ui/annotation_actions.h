#pragma once
// The annotate actions for the current event of the Events tab (menus, the table's
// context menu, shortcuts): Toggle Bookmark (Ctrl+B), Tag Event…, Comment on
// Event…, Tag Process…, Comment on Process…, and Save Annotations to the session
// (Ctrl+Shift+S). Enabled only when there is something to apply them to.
#include "annotation_prompt.h"

#include <QObject>

#include <cstdint>

class QAction;
class QWidget;

namespace provscope {

class AnnotationSet;
struct Event;

class AnnotationActions : public QObject {
    Q_OBJECT
public:
    // parent: the dialogs' parent and the widget the shortcuts live on.
    AnnotationActions(AnnotationSet *set, QWidget *parent);

    QAction *toggleBookmark() const { return m_bookmark; }
    QAction *tagEvent() const { return m_tagEvent; }
    QAction *commentEvent() const { return m_commentEvent; }
    QAction *tagProcess() const { return m_tagProcess; }
    QAction *commentProcess() const { return m_commentProcess; }
    QAction *save() const { return m_save; }
    // The five event/process actions, in menu order.
    QList<QAction *> eventActions() const;

    // Tests answer here instead of a modal dialog.
    void setTextPrompt(AnnotationTextPrompt prompt) { m_prompt = std::move(prompt); }

public slots:
    // What the event actions apply to (EventsTab::currentEventChanged; null: none).
    void setCurrentEvent(const provscope::Event *event);

signals:
    void saveFailed(const QString &message);

private:
    void annotate(bool process, int kind);
    void updateState();

    AnnotationSet *m_set;
    QWidget *m_parent;
    int64_t m_eventId = 0;
    uint32_t m_pid = 0;
    uint64_t m_procStartNs = 0;
    QString m_eventText;   // "event 12 (openat)" for the dialogs
    QString m_processText; // "python3 (1001)"
    QAction *m_bookmark;
    QAction *m_tagEvent;
    QAction *m_commentEvent;
    QAction *m_tagProcess;
    QAction *m_commentProcess;
    QAction *m_save;
    AnnotationTextPrompt m_prompt = askAnnotationText;
};

} // namespace provscope
