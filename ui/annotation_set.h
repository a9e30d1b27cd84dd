#pragma once
// The open session's annotations, editable in memory. The session file stays
// untouched (it is opened read-only) until the user chooses Save: edits are held
// here, hasUnsavedChanges() says so, saveToSession() writes them all in one
// transaction (AnnotationStore). The views ask it for marks (eventMark) and for
// the annotations of an event, a process or a graph node.
#include "annotation.h"
#include "result.h"

#include <QHash>
#include <QObject>
#include <QString>

#include <memory>
#include <vector>

namespace provscope {

class SessionReader;

class AnnotationSet : public QObject {
    Q_OBJECT
public:
    explicit AnnotationSet(QObject *parent = nullptr);
    ~AnnotationSet() override;

    // Reads the session's annotations (replacing any held) and opens a reader of
    // its own for descriptions. No unsaved changes afterwards. On failure the set is
    // cleared: no session, nothing to edit or save.
    Result<void> load(const QString &sessionPath);
    // No session: nothing held.
    void clear();
    QString sessionPath() const { return m_path; }

    const std::vector<Annotation> &annotations() const { return m_items; }
    int size() const { return int(m_items.size()); }
    const Annotation *find(int64_t id) const; // null when none
    bool hasUnsavedChanges() const { return m_items != m_saved; }

    // Edits, in memory. The add functions return the new annotation's id (0 when
    // no session is open or the target is empty).
    // Adds a bookmark to the event, or removes its bookmark. Returns whether it is now bookmarked.
    bool toggleBookmark(int64_t eventId);
    bool isBookmarked(int64_t eventId) const;
    int64_t add(Annotation::Target target, const std::string &key, Annotation::Kind kind, const QString &text);
    int64_t addTag(Annotation::Target target, const std::string &key, const QString &text)
    {
        return add(target, key, Annotation::Kind::Tag, text);
    }
    int64_t addComment(Annotation::Target target, const std::string &key, const QString &text)
    {
        return add(target, key, Annotation::Kind::Comment, text);
    }
    bool setText(int64_t id, const QString &text);
    bool remove(int64_t id);

    // Writes every annotation to the session (the user's explicit choice). Fails
    // for a session still being recorded, a read-only file, ... leaving the file
    // and the edits as they were. After success every reader that opened the file
    // immutable must reopen it (emits saved()).
    Result<void> saveToSession();

    // Marks for the event table: "★" bookmark, "⚑" tag, "✎" comment, in that order
    // (DejaVu Sans has all three); "" when the event has none. O(1).
    QString eventMark(int64_t eventId) const;
    static QString kindMark(Annotation::Kind kind);
    std::vector<Annotation> forEvent(int64_t eventId) const;
    std::vector<Annotation> forProcess(uint32_t pid, uint64_t startNs) const;
    // A graph node's own annotations and, for a process node, its process's.
    std::vector<Annotation> forNode(const std::string &nodeKey) const;

    // What an annotation is on, described from the session ("event 4: read /x (cat 200)").
    QString describeTarget(const Annotation &annotation) const;

    // The author recorded on new annotations (default: the effective user's name).
    void setAuthor(const QString &author) { m_author = author; }

signals:
    // Any edit, load, clear or save.
    void changed();
    void unsavedChangesChanged(bool unsaved);
    // The file was written: readers that opened it immutable must reopen it.
    void saved(const QString &sessionPath);

private:
    void edited(bool wasUnsaved);
    void rebuildMarks();

    QString m_path;
    QString m_author;
    std::vector<Annotation> m_items; // in id order
    std::vector<Annotation> m_saved; // as in the file
    QHash<int64_t, QString> m_eventMarks;
    mutable QHash<int64_t, QString> m_descriptions; // by id: a target never changes
    std::unique_ptr<SessionReader> m_reader;
};

} // namespace provscope
