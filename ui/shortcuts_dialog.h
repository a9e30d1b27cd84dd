#pragma once
// Help → Keyboard Shortcuts: every window action that has a shortcut, read from the
// actions themselves so the list never goes stale.
#include <QDialog>
#include <QList>

class QAction;
class QTableWidget;

namespace provscope {

class ShortcutsDialog : public QDialog {
    Q_OBJECT
public:
    ShortcutsDialog(const QList<QAction *> &actions, QWidget *parent = nullptr);

    QTableWidget *table() const { return m_table; }

private:
    QTableWidget *m_table;
};

} // namespace provscope
