#include "annotation_prompt.h"

#include <QInputDialog>

namespace provscope {

std::optional<QString> askAnnotationText(QWidget *parent, Annotation::Kind kind, const QString &what,
                                         const QString &initial)
{
    bool ok = false;
    QString text;
    if (kind == Annotation::Kind::Tag) {
        text = QInputDialog::getText(parent, QObject::tr("Tag"), QObject::tr("Tag for %1:").arg(what),
                                     QLineEdit::Normal, initial, &ok);
        text = text.trimmed();
        if (ok && text.isEmpty())
            ok = false; // an empty tag says nothing
    } else {
        const QString title = kind == Annotation::Kind::Comment ? QObject::tr("Comment") : QObject::tr("Bookmark note");
        text = QInputDialog::getMultiLineText(parent, title, QObject::tr("%1 on %2:").arg(title, what), initial, &ok);
    }
    if (!ok)
        return std::nullopt;
    return text;
}

} // namespace provscope
