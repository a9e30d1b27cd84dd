#include "task_progress.h"

#include <QHBoxLayout>
#include <QLabel>
#include <QProgressBar>
#include <QPushButton>

#include <algorithm>

namespace provscope {

TaskProgress::TaskProgress(QWidget *parent)
    : QWidget(parent)
    , m_label(new QLabel(this))
    , m_bar(new QProgressBar(this))
    , m_cancel(new QPushButton(tr("Cancel"), this))
{
    m_bar->setObjectName(QStringLiteral("taskProgressBar"));
    m_bar->setMaximumWidth(160);
    m_bar->setMaximumHeight(fontMetrics().height() + 4);
    m_bar->setTextVisible(false);
    m_cancel->setObjectName(QStringLiteral("taskCancelButton"));
    m_cancel->setToolTip(tr("Stop this operation"));
    connect(m_cancel, &QPushButton::clicked, this, [this] {
        if (m_tasks.empty())
            return;
        // The operation calls finish() when it has stopped; until then it stays listed.
        m_cancel->setEnabled(false);
        m_label->setText(tr("Cancelling %1…").arg(m_tasks.back().what));
        if (const auto cancel = m_tasks.back().cancel)
            cancel();
    });
    QHBoxLayout *layout = new QHBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_label);
    layout->addWidget(m_bar);
    layout->addWidget(m_cancel);
    hide();
}

int TaskProgress::begin(const QString &what, std::function<void()> cancel)
{
    const bool wasBusy = isBusy();
    const int token = m_nextToken++;
    m_tasks.push_back({token, what, -1.0, std::move(cancel)});
    showNewest();
    if (!wasBusy)
        emit busyChanged(true);
    return token;
}

TaskProgress::Task *TaskProgress::find(int token)
{
    const auto it = std::find_if(m_tasks.begin(), m_tasks.end(), [token](const Task &t) { return t.token == token; });
    return it == m_tasks.end() ? nullptr : &*it;
}

void TaskProgress::setProgress(int token, double fraction)
{
    if (Task *task = find(token)) {
        task->fraction = std::min(fraction, 1.0);
        if (task == &m_tasks.back())
            showNewest();
    }
}

void TaskProgress::setText(int token, const QString &what)
{
    if (Task *task = find(token)) {
        task->what = what;
        if (task == &m_tasks.back())
            showNewest();
    }
}

void TaskProgress::finish(int token)
{
    const auto it = std::find_if(m_tasks.begin(), m_tasks.end(), [token](const Task &t) { return t.token == token; });
    if (it == m_tasks.end())
        return;
    m_tasks.erase(it);
    showNewest();
    if (!isBusy())
        emit busyChanged(false);
}

QString TaskProgress::currentText() const
{
    return m_tasks.empty() ? QString() : m_label->text();
}

void TaskProgress::showNewest()
{
    if (m_tasks.empty()) {
        hide();
        return;
    }
    const Task &task = m_tasks.back();
    m_label->setText(task.what);
    m_cancel->setEnabled(bool(task.cancel));
    if (task.fraction < 0) {
        m_bar->setRange(0, 0); // busy
    } else {
        m_bar->setRange(0, 1000);
        m_bar->setValue(int(task.fraction * 1000));
    }
    show();
}

} // namespace provscope
