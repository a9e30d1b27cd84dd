#include "annotation_actions.h"

#include "annotation_set.h"
#include "event.h"

#include <QAction>
#include <QWidget>

namespace provscope {

AnnotationActions::AnnotationActions(AnnotationSet *set, QWidget *parent)
    : QObject(parent)
    , m_set(set)
    , m_parent(parent)
    , m_bookmark(new QAction(tr("Toggle &Bookmark"), this))
    , m_tagEvent(new QAction(tr("&Tag Event…"), this))
    , m_commentEvent(new QAction(tr("&Comment on Event…"), this))
    , m_tagProcess(new QAction(tr("Tag &Process…"), this))
    , m_commentProcess(new QAction(tr("Comment on P&rocess…"), this))
    , m_save(new QAction(tr("&Save Annotations to Session"), this))
{
    m_bookmark->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_B));
    m_bookmark->setCheckable(true);
    m_save->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_S));
    m_save->setToolTip(tr("Write the annotations into the session file; the evidence stays unchanged"));
    connect(m_bookmark, &QAction::triggered, this, [this] {
        if (m_eventId > 0)
            m_set->toggleBookmark(m_eventId);
        updateState();
    });
    connect(m_tagEvent, &QAction::triggered, this, [this] { annotate(false, int(Annotation::Kind::Tag)); });
    connect(m_commentEvent, &QAction::triggered, this, [this] { annotate(false, int(Annotation::Kind::Comment)); });
    connect(m_tagProcess, &QAction::triggered, this, [this] { annotate(true, int(Annotation::Kind::Tag)); });
    connect(m_commentProcess, &QAction::triggered, this, [this] { annotate(true, int(Annotation::Kind::Comment)); });
    connect(m_save, &QAction::triggered, this, [this] {
        if (auto saved = m_set->saveToSession(); !saved)
            emit saveFailed(QString::fromStdString(saved.error()));
    });
    connect(m_set, &AnnotationSet::changed, this, &AnnotationActions::updateState);
    updateState();
}

QList<QAction *> AnnotationActions::eventActions() const
{
    return {m_bookmark, m_tagEvent, m_commentEvent, m_tagProcess, m_commentProcess};
}

void AnnotationActions::setCurrentEvent(const Event *event)
{
    m_eventId = event ? event->id : 0;
    m_pid = event ? event->pid : 0;
    m_procStartNs = event ? event->procStartNs : 0;
    if (event) {
        m_eventText = tr("event %1 (%2)").arg(event->id).arg(QString::fromStdString(event->syscall));
        m_processText = QStringLiteral("%1 (%2)").arg(QString::fromStdString(event->comm)).arg(event->pid);
    }
    updateState();
}

void AnnotationActions::annotate(bool process, int kind)
{
    if (m_eventId <= 0 || m_set->sessionPath().isEmpty())
        return;
    const auto k = Annotation::Kind(kind);
    const auto text = m_prompt(m_parent, k, process ? m_processText : m_eventText, QString());
    if (!text)
        return;
    if (process)
        m_set->add(Annotation::Target::Process, Annotation::processTarget(m_pid, m_procStartNs), k, *text);
    else
        m_set->add(Annotation::Target::Event, Annotation::eventTarget(m_eventId), k, *text);
}

void AnnotationActions::updateState()
{
    const bool open = !m_set->sessionPath().isEmpty();
    const bool event = open && m_eventId > 0;
    for (QAction *action : eventActions())
        action->setEnabled(event);
    m_bookmark->setChecked(event && m_set->isBookmarked(m_eventId));
    m_save->setEnabled(open && m_set->hasUnsavedChanges());
}

} // namespace provscope
