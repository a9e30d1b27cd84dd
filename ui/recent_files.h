#pragma once
// File → Open Recent: the last sessions opened, kept in QSettings.
#include <QStringList>

namespace provscope {

class RecentFiles {
public:
    static constexpr int kMaxEntries = 10;

    QStringList list() const;
    void add(const QString &path);
    void remove(const QString &path);
    void clear();
};

} // namespace provscope
