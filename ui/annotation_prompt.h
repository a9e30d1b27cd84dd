#pragma once
// Asks the user for a tag or comment text (QInputDialog). Widgets that annotate
// take the prompt as a function so tests can answer without a modal dialog.
#include "annotation.h"

#include <QString>

#include <functional>
#include <optional>

class QWidget;

namespace provscope {

// what: the target as the user knows it ("file /etc/passwd"). nullopt: cancelled.
using AnnotationTextPrompt = std::function<std::optional<QString>(
    QWidget *parent, Annotation::Kind kind, const QString &what, const QString &initial)>;

// A one-line dialog for tags, a multi-line one for comments and bookmark notes.
std::optional<QString> askAnnotationText(QWidget *parent, Annotation::Kind kind, const QString &what,
                                         const QString &initial);

} // namespace provscope
