#pragma once
// Tells the user how to start the capture helper by hand, with the exact command
// in selectable text.
#include <QString>

class QWidget;

namespace provscope {

void showHelperCommandDialog(QWidget *parent, const QString &message, const QString &command);

} // namespace provscope
