#include "annotation_set.h"

#include "annotation_command.h"
#include "annotation_store.h"
#include "provenance_graph.h"
#include "record_author.h"
#include "session_reader.h"

#include <algorithm>

namespace provscope {

AnnotationSet::AnnotationSet(QObject *parent)
    : QObject(parent)
    , m_author(QString::fromStdString(effectiveUserName()))
{
}

AnnotationSet::~AnnotationSet() = default;

Result<void> AnnotationSet::load(const QString &sessionPath)
{
    const bool wasUnsaved = hasUnsavedChanges();
    auto loaded = AnnotationStore::load(sessionPath.toStdString());
    if (!loaded) {
        // Nothing of the previous session may stay in charge (its marks on these rows,
        // a Save into its file), and rows of this one that could not be read must not be
        // replaced by a save: no session, so no edits and no save until one loads.
        clear();
        return makeError(loaded.error());
    }
    auto reader = SessionReader::open(sessionPath.toStdString());
    m_reader = reader ? std::move(reader.value()) : nullptr; // descriptions only: optional
    m_path = sessionPath;
    m_items = std::move(loaded.value());
    m_saved = m_items;
    m_descriptions.clear();
    rebuildMarks();
    emit changed();
    if (wasUnsaved)
        emit unsavedChangesChanged(false);
    return {};
}

void AnnotationSet::clear()
{
    const bool wasUnsaved = hasUnsavedChanges();
    m_path.clear();
    m_items.clear();
    m_saved.clear();
    m_reader.reset();
    m_descriptions.clear();
    rebuildMarks();
    emit changed();
    if (wasUnsaved)
        emit unsavedChangesChanged(false);
}

const Annotation *AnnotationSet::find(int64_t id) const
{
    const auto it = std::find_if(m_items.begin(), m_items.end(), [id](const Annotation &a) { return a.id == id; });
    return it == m_items.end() ? nullptr : &*it;
}

bool AnnotationSet::toggleBookmark(int64_t eventId)
{
    const std::string key = Annotation::eventTarget(eventId);
    const auto it = std::find_if(m_items.begin(), m_items.end(), [&key](const Annotation &a) {
        return a.targetKind == Annotation::Target::Event && a.kind == Annotation::Kind::Bookmark && a.target == key;
    });
    if (it != m_items.end()) {
        remove(it->id);
        return false;
    }
    return add(Annotation::Target::Event, key, Annotation::Kind::Bookmark, QString()) != 0;
}

bool AnnotationSet::isBookmarked(int64_t eventId) const
{
    return eventMark(eventId).contains(kindMark(Annotation::Kind::Bookmark));
}

int64_t AnnotationSet::add(Annotation::Target target, const std::string &key, Annotation::Kind kind,
                           const QString &text)
{
    if (m_path.isEmpty() || key.empty())
        return 0;
    const bool wasUnsaved = hasUnsavedChanges();
    Annotation a;
    // Ids above every one held or saved: a removed id is never reused before a save.
    int64_t maxId = 0;
    for (const auto *list : {&m_items, &m_saved}) {
        for (const Annotation &held : *list)
            maxId = std::max(maxId, held.id);
    }
    a.id = maxId + 1;
    a.targetKind = target;
    a.target = key;
    a.kind = kind;
    a.text = text.toStdString();
    a.createdNs = epochNowNs();
    a.author = m_author.toStdString();
    m_items.push_back(std::move(a));
    edited(wasUnsaved);
    return m_items.back().id;
}

bool AnnotationSet::setText(int64_t id, const QString &text)
{
    auto it = std::find_if(m_items.begin(), m_items.end(), [id](const Annotation &a) { return a.id == id; });
    if (it == m_items.end() || it->text == text.toStdString())
        return false;
    const bool wasUnsaved = hasUnsavedChanges();
    it->text = text.toStdString();
    edited(wasUnsaved);
    return true;
}

bool AnnotationSet::remove(int64_t id)
{
    auto it = std::find_if(m_items.begin(), m_items.end(), [id](const Annotation &a) { return a.id == id; });
    if (it == m_items.end())
        return false;
    const bool wasUnsaved = hasUnsavedChanges();
    m_items.erase(it);
    edited(wasUnsaved);
    return true;
}

Result<void> AnnotationSet::saveToSession()
{
    if (m_path.isEmpty())
        return makeError("no session is open");
    auto written = AnnotationStore::save(m_path.toStdString(), m_items, &m_saved);
    if (!written)
        return makeError(written.error());
    const bool wasUnsaved = hasUnsavedChanges();
    m_items = std::move(written.value());
    m_saved = m_items;
    // The reader opened the file immutable: it must not read the rewritten pages.
    auto reader = SessionReader::open(m_path.toStdString());
    m_reader = reader ? std::move(reader.value()) : nullptr;
    emit changed();
    if (wasUnsaved)
        emit unsavedChangesChanged(false);
    emit saved(m_path);
    return {};
}

QString AnnotationSet::kindMark(Annotation::Kind kind)
{
    switch (kind) {
    case Annotation::Kind::Bookmark: return QStringLiteral("\u2605"); // ★
    case Annotation::Kind::Tag: return QStringLiteral("\u2691");      // ⚑
    case Annotation::Kind::Comment: return QStringLiteral("\u270e");  // ✎
    }
    return {};
}

QString AnnotationSet::eventMark(int64_t eventId) const
{
    return m_eventMarks.value(eventId);
}

std::vector<Annotation> AnnotationSet::forEvent(int64_t eventId) const
{
    std::vector<Annotation> out;
    for (const Annotation &a : m_items) {
        if (a.eventId() == eventId)
            out.push_back(a);
    }
    return out;
}

std::vector<Annotation> AnnotationSet::forProcess(uint32_t pid, uint64_t startNs) const
{
    const std::string key = Annotation::processTarget(pid, startNs);
    std::vector<Annotation> out;
    for (const Annotation &a : m_items) {
        if (a.targetKind == Annotation::Target::Process && a.target == key)
            out.push_back(a);
    }
    return out;
}

std::vector<Annotation> AnnotationSet::forNode(const std::string &nodeKey) const
{
    std::vector<Annotation> out;
    for (const Annotation &a : m_items) {
        if ((a.targetKind == Annotation::Target::Node && a.target == nodeKey)
            || (a.targetKind == Annotation::Target::Process && processNodeKey(a) == nodeKey))
            out.push_back(a);
    }
    return out;
}

QString AnnotationSet::describeTarget(const Annotation &annotation) const
{
    if (const auto it = m_descriptions.constFind(annotation.id); it != m_descriptions.constEnd())
        return *it;
    const QString text = QString::fromStdString(describeAnnotationTarget(annotation, m_reader.get()));
    m_descriptions.insert(annotation.id, text);
    return text;
}

void AnnotationSet::edited(bool wasUnsaved)
{
    rebuildMarks();
    emit changed();
    if (wasUnsaved != hasUnsavedChanges())
        emit unsavedChangesChanged(hasUnsavedChanges());
}

void AnnotationSet::rebuildMarks()
{
    // Few annotations, many table paints: the marks are precomputed per event.
    m_eventMarks.clear();
    QHash<int64_t, int> kinds; // bit per kind
    for (const Annotation &a : m_items) {
        if (const auto id = a.eventId())
            kinds[*id] |= 1 << int(a.kind);
    }
    for (auto it = kinds.constBegin(); it != kinds.constEnd(); ++it) {
        QString mark;
        for (auto kind : {Annotation::Kind::Bookmark, Annotation::Kind::Tag, Annotation::Kind::Comment}) {
            if (it.value() & (1 << int(kind)))
                mark += kindMark(kind);
        }
        m_eventMarks.insert(it.key(), mark);
    }
}

} // namespace provscope
