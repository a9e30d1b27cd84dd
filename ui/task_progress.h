#pragma once
// The status bar's progress indicator for long operations (filtering, sorting,
// statistics, layout, export): what is running, a progress bar (busy when the
// fraction is unknown) and a Cancel button. Several operations may overlap; the
// newest one is shown and the others come back when it ends.
// GUI thread only: a worker reports through a queued signal or
// QMetaObject::invokeMethod(progress, [=]{ progress->setProgress(token, f); }).
#include <QWidget>

#include <functional>
#include <vector>

class QLabel;
class QProgressBar;
class QPushButton;

namespace provscope {

class TaskProgress : public QWidget {
    Q_OBJECT
public:
    explicit TaskProgress(QWidget *parent = nullptr);

    // Starts showing an operation ("Filtering 10,000,000 events"). cancel is called
    // (on the GUI thread) when the user presses Cancel; the operation must then
    // stop soon and call finish(). Returns the token the other calls take.
    int begin(const QString &what, std::function<void()> cancel);
    // fraction in [0, 1]; negative: unknown (a busy bar).
    void setProgress(int token, double fraction);
    void setText(int token, const QString &what);
    // The operation ended (finished, failed or cancelled). Unknown tokens are ignored.
    void finish(int token);

    bool isBusy() const { return !m_tasks.empty(); }
    QString currentText() const;
    QPushButton *cancelButton() const { return m_cancel; }

signals:
    void busyChanged(bool busy);

private:
    struct Task {
        int token;
        QString what;
        double fraction;
        std::function<void()> cancel;
    };
    Task *find(int token);
    void showNewest();

    QLabel *m_label;
    QProgressBar *m_bar;
    QPushButton *m_cancel;
    std::vector<Task> m_tasks;
    int m_nextToken = 1;
};

} // namespace provscope
