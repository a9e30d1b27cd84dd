#pragma once
// Writes a file whole or not at all: through QSaveFile (a temporary file beside
// the target, renamed on commit, discarded on any failure), so a failed or
// cancelled export never leaves a partial file or touches the old one.
#include "result.h"

#include <QImage>
#include <QSaveFile>
#include <QString>

#include <atomic>
#include <string>

namespace provscope {

// write(QSaveFile &) -> Result<void> fills the file; its error is returned as is.
template <class Writer>
Result<void> saveAtomically(const std::string &path, Writer &&write)
{
    QSaveFile file(QString::fromStdString(path));
    if (!file.open(QIODevice::WriteOnly))
        return makeError("cannot write " + path + ": " + file.errorString().toStdString());
    if (Result<void> written = write(file); !written) {
        file.cancelWriting();
        return written;
    }
    if (!file.commit())
        return makeError("cannot write " + path + ": " + file.errorString().toStdString());
    return {};
}

// A rendered image as PNG; once *cancelled is set (by another thread while the
// image is encoded) path is left as it was.
inline Result<void> savePngAtomically(const std::string &path, const QImage &image,
                                      const std::atomic<bool> *cancelled = nullptr)
{
    return saveAtomically(path, [&](QSaveFile &file) -> Result<void> {
        if (!image.save(&file, "PNG"))
            return makeError("cannot write " + path + ": PNG encoding failed");
        if (cancelled && cancelled->load())
            return makeError("export of " + path + " cancelled");
        return {};
    });
}

} // namespace provscope
