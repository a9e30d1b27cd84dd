#include "helper_command_dialog.h"

#include <QMessageBox>

namespace provscope {

void showHelperCommandDialog(QWidget *parent, const QString &message, const QString &command)
{
    QMessageBox box(QMessageBox::Information, QObject::tr("Start the capture helper"),
                    QObject::tr("provscope needs its capture helper, which runs as root. "
                                "Start it in a terminal, then choose Capture → Start again:"),
                    QMessageBox::Ok, parent);
    box.setTextFormat(Qt::RichText);
    box.setText(box.text() + QStringLiteral("<pre>%1</pre>").arg(command.toHtmlEscaped()));
    if (!message.isEmpty())
        box.setInformativeText(message.toHtmlEscaped());
    box.setTextInteractionFlags(Qt::TextSelectableByMouse | Qt::TextSelectableByKeyboard);
    box.exec();
}

} // namespace provscope
