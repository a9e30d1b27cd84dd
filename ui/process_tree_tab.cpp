#include "process_tree_tab.h"

#include "process_tree.h"
#include "process_tree_model.h"
#include "session_reader.h"
#include "task_progress.h"

#include <QElapsedTimer>
#include <QFile>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QLocale>
#include <QMenu>
#include <QPushButton>
#include <QTreeView>
#include <QVBoxLayout>
#include <QtConcurrent/QtConcurrentRun>

#include <deque>

namespace provscope {
namespace {

// Expanded on load: the first levels, as long as the rows stay few enough to read.
constexpr int kExpandDepth = 3;
constexpr int kExpandRows = 300;

} // namespace

ProcessTreeTab::ProcessTreeTab(QWidget *parent)
    : QWidget(parent)
    , m_model(new ProcessTreeModel(this))
{
    m_search = new QLineEdit(this);
    m_search->setPlaceholderText(tr("Find a process: name, pid, command line or image (Enter: next)"));
    m_search->setClearButtonEnabled(true);
    m_filterProcess = new QPushButton(tr("Filter Events to This Process"), this);
    m_filterSubtree = new QPushButton(tr("Filter Events to This Subtree"), this);
    m_graph = new QPushButton(tr("Show in Graph"), this);
    auto *bar = new QHBoxLayout;
    bar->addWidget(m_search, 1);
    bar->addWidget(m_filterProcess);
    bar->addWidget(m_filterSubtree);
    bar->addWidget(m_graph);

    m_view = new QTreeView(this);
    m_view->setModel(m_model);
    m_view->setUniformRowHeights(true);
    m_view->setAlternatingRowColors(true);
    m_view->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_view->setSelectionMode(QAbstractItemView::SingleSelection);
    m_view->setContextMenuPolicy(Qt::CustomContextMenu);
    m_view->setTextElideMode(Qt::ElideMiddle);
    QHeaderView *header = m_view->header();
    header->setStretchLastSection(false);
    header->resizeSection(ProcessTreeModel::ColProcess, 220);
    header->resizeSection(ProcessTreeModel::ColImage, 180);
    header->resizeSection(ProcessTreeModel::ColStart, 185);
    header->resizeSection(ProcessTreeModel::ColEnd, 215);
    header->resizeSection(ProcessTreeModel::ColExit, 75);
    header->resizeSection(ProcessTreeModel::ColEvents, 95);
    header->resizeSection(ProcessTreeModel::ColSubtreeEvents, 115);
    // The command line takes what is left; the rest keep their widths.
    header->setSectionResizeMode(ProcessTreeModel::ColCommandLine, QHeaderView::Stretch);

    m_status = new QLabel(this);
    m_status->setTextInteractionFlags(Qt::TextSelectableByMouse);

    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(4, 4, 4, 4);
    layout->addLayout(bar);
    layout->addWidget(m_view, 1);
    layout->addWidget(m_status);

    connect(m_search, &QLineEdit::returnPressed, this, &ProcessTreeTab::findNext);
    connect(m_filterProcess, &QPushButton::clicked, this, &ProcessTreeTab::filterToProcess);
    connect(m_filterSubtree, &QPushButton::clicked, this, &ProcessTreeTab::filterToSubtree);
    connect(m_graph, &QPushButton::clicked, this, &ProcessTreeTab::showInGraph);
    connect(m_view, &QTreeView::customContextMenuRequested, this, &ProcessTreeTab::showContextMenu);
    connect(m_view, &QTreeView::doubleClicked, this, &ProcessTreeTab::filterToProcess);
    connect(m_view->selectionModel(), &QItemSelectionModel::currentRowChanged, this,
            &ProcessTreeTab::updateButtons);
    connect(&m_watcher, &QFutureWatcher<Outcome>::finished, this, &ProcessTreeTab::onBuilt);
    updateButtons();
}

ProcessTreeTab::~ProcessTreeTab()
{
    cancelAndWait();
}

void ProcessTreeTab::setSession(const std::shared_ptr<SessionReader> &reader)
{
    setSession(reader ? QFile::decodeName(reader->path().c_str()) : QString());
}

void ProcessTreeTab::setSession(const QString &path)
{
    cancelAndWait();
    ++m_generation; // a result of the previous session still queued is dropped
    m_path = path;
    m_tree.reset();
    m_model->setTree(nullptr);
    m_pendingSelection = false;
    updateButtons();
    if (m_path.isEmpty()) {
        m_status->clear();
        return;
    }
    startBuild();
}

void ProcessTreeTab::refresh()
{
    if (m_path.isEmpty())
        return;
    cancelAndWait();
    // Keep the selection across the rebuild.
    const int node = currentNode();
    if (node >= 0 && !m_pendingSelection) {
        m_pendingSelection = true;
        m_pendingPid = m_tree->nodes()[size_t(node)].info.pid;
        m_pendingStart = m_tree->nodes()[size_t(node)].info.startNs;
    }
    startBuild();
}

void ProcessTreeTab::cancelAndWait()
{
    if (m_cancel)
        m_cancel->store(true);
    m_watcher.waitForFinished();
    finishProgress();
    m_loading = false;
}

void ProcessTreeTab::finishProgress()
{
    if (m_progress && m_progressToken)
        m_progress->finish(m_progressToken);
    m_progressToken = 0;
}

void ProcessTreeTab::startBuild()
{
    const int generation = ++m_generation;
    m_cancel = std::make_shared<std::atomic<bool>>(false);
    m_loading = true;
    m_status->setText(tr("Reading processes…"));
    if (m_progress) {
        const std::shared_ptr<std::atomic<bool>> cancel = m_cancel;
        m_progressToken = m_progress->begin(tr("Building the process tree"), [cancel] { cancel->store(true); });
    }
    const std::string path = QFile::encodeName(m_path).toStdString();
    const std::shared_ptr<std::atomic<bool>> cancel = m_cancel;
    m_watcher.setFuture(QtConcurrent::run(&m_pool, [this, path, cancel, generation]() -> Outcome {
        QElapsedTimer timer;
        timer.start();
        double reported = -1;
        auto built = ProcessTree::build(path, [&](double fraction) {
            if (cancel->load())
                return false;
            if (fraction - reported >= 0.02) {
                reported = fraction;
                QMetaObject::invokeMethod(this, [this, generation, fraction] {
                    if (generation == m_generation && m_progress && m_progressToken)
                        m_progress->setProgress(m_progressToken, fraction);
                }, Qt::QueuedConnection);
            }
            return true;
        });
        Outcome outcome;
        outcome.elapsedMs = timer.elapsed();
        outcome.generation = generation;
        if (built)
            outcome.tree = std::make_shared<const ProcessTree>(std::move(built.value()));
        else
            outcome.error = QString::fromStdString(built.error());
        return outcome;
    }));
}

void ProcessTreeTab::onBuilt()
{
    const Outcome outcome = m_watcher.result();
    if (outcome.generation != m_generation)
        return;
    finishProgress();
    m_loading = false;
    if (!outcome.tree) {
        m_status->setText(outcome.error == QLatin1String("cancelled")
                              ? tr("Building the process tree was cancelled (F5 builds it again).")
                              : tr("Cannot build the process tree: %1").arg(outcome.error));
        emit treeReady();
        return;
    }
    m_tree = outcome.tree;
    m_model->setTree(m_tree);
    expandToUsefulDepth();
    const QLocale locale;
    m_status->setText(tr("%1 processes (%2 without a recorded parent), %3 events · built in %4 ms")
                          .arg(locale.toString(qulonglong(m_tree->nodes().size())),
                               locale.toString(qulonglong(m_tree->roots().size())),
                               locale.toString(qlonglong(m_tree->totalEvents())))
                          .arg(outcome.elapsedMs));
    if (m_pendingSelection) {
        m_pendingSelection = false;
        selectProcess(m_pendingPid, m_pendingStart);
    }
    updateButtons();
    emit treeReady();
}

void ProcessTreeTab::expandToUsefulDepth()
{
    // Breadth first: every process of the first levels is seen before a deep branch.
    std::deque<std::pair<QModelIndex, int>> queue;
    for (int r = 0; r < m_model->rowCount(); ++r)
        queue.emplace_back(m_model->index(r, 0), 0);
    int shown = m_model->rowCount();
    while (!queue.empty() && shown < kExpandRows) {
        auto [index, depth] = queue.front();
        queue.pop_front();
        const int children = m_model->rowCount(index);
        if (children == 0 || depth >= kExpandDepth || shown + children > kExpandRows)
            continue;
        m_view->expand(index);
        shown += children;
        for (int r = 0; r < children; ++r)
            queue.emplace_back(m_model->index(r, 0, index), depth + 1);
    }
}

int ProcessTreeTab::currentNode() const
{
    return m_model->nodeOf(m_view->currentIndex());
}

void ProcessTreeTab::selectNode(int node)
{
    const QModelIndex index = m_model->indexOfNode(node);
    if (!index.isValid())
        return;
    for (QModelIndex p = index.parent(); p.isValid(); p = p.parent())
        m_view->expand(p);
    m_view->setCurrentIndex(index);
    m_view->scrollTo(index, QAbstractItemView::PositionAtCenter);
}

bool ProcessTreeTab::selectProcess(uint32_t pid, uint64_t startNs)
{
    if (m_loading || !m_tree) {
        if (m_path.isEmpty())
            return false;
        m_pendingSelection = true;
        m_pendingPid = pid;
        m_pendingStart = startNs;
        return m_loading;
    }
    const int node = m_tree->find(pid, startNs);
    if (node < 0) {
        m_status->setText(tr("Process %1 is not in this session's process tree.").arg(pid));
        return false;
    }
    selectNode(node);
    return true;
}

bool ProcessTreeTab::findNext()
{
    const QString text = m_search->text().trimmed();
    if (!m_tree || text.isEmpty())
        return false;
    bool isNumber = false;
    const uint pid = text.toUInt(&isNumber);
    auto matches = [&](const ProcessNode &node) {
        const ProcessInfo &info = node.info;
        if (isNumber && info.pid == pid)
            return true;
        if (QString::fromStdString(info.comm).contains(text, Qt::CaseInsensitive) ||
            QString::fromStdString(info.exe).contains(text, Qt::CaseInsensitive))
            return true;
        QStringList argv;
        for (const std::string &a : info.argv)
            argv << QString::fromStdString(a);
        if (argv.join(QLatin1Char(' ')).contains(text, Qt::CaseInsensitive))
            return true;
        for (const ProcessExec &exec : node.execs) {
            if (QString::fromStdString(exec.image).contains(text, Qt::CaseInsensitive))
                return true;
        }
        return false;
    };
    // Tree order (as shown), starting after the selected process, wrapping around.
    std::vector<int> order;
    for (int root : m_tree->roots()) {
        const std::vector<int> sub = m_tree->subtree(root);
        order.insert(order.end(), sub.begin(), sub.end());
    }
    const int current = currentNode();
    size_t start = 0;
    if (current >= 0) {
        for (size_t k = 0; k < order.size(); ++k) {
            if (order[k] == current)
                start = k + 1;
        }
    }
    for (size_t k = 0; k < order.size(); ++k) {
        const int node = order[(start + k) % order.size()];
        if (matches(m_tree->nodes()[size_t(node)])) {
            selectNode(node);
            m_search->setStyleSheet(QString());
            return true;
        }
    }
    m_search->setStyleSheet(QStringLiteral("QLineEdit { background: #f8d7da; }"));
    m_status->setText(tr("No process matches “%1”.").arg(text));
    return false;
}

void ProcessTreeTab::updateButtons()
{
    const int node = currentNode();
    const bool has = node >= 0 && m_tree;
    m_filterProcess->setEnabled(has);
    m_filterSubtree->setEnabled(has && !m_tree->nodes()[size_t(node)].children.empty());
    m_graph->setEnabled(has);
    if (!has) {
        m_filterProcess->setToolTip(tr("Select a process"));
        m_filterSubtree->setToolTip(tr("Select a process"));
        return;
    }
    const ProcessFilter one = m_tree->processFilter(node);
    m_filterProcess->setToolTip(QString::fromStdString(one.text) +
                                (one.note.empty() ? QString() : QLatin1Char('\n') + QString::fromStdString(one.note)));
    if (m_filterSubtree->isEnabled()) {
        const ProcessFilter sub = m_tree->subtreeFilter(node);
        QString text = QString::fromStdString(sub.text);
        if (text.size() > 300)
            text = text.left(300) + QStringLiteral("…");
        m_filterSubtree->setToolTip(text + (sub.note.empty() ? QString() : QLatin1Char('\n') + QString::fromStdString(sub.note)));
    } else {
        m_filterSubtree->setToolTip(tr("This process has no children in the session"));
    }
}

void ProcessTreeTab::filterToProcess()
{
    const int node = currentNode();
    if (node < 0)
        return;
    requestFilter(m_tree->processFilter(node));
}

void ProcessTreeTab::filterToSubtree()
{
    const int node = currentNode();
    if (node < 0)
        return;
    const ProcessFilter filter = m_tree->subtreeFilter(node);
    if (!filter.text.empty())
        requestFilter(filter);
}

void ProcessTreeTab::requestFilter(const ProcessFilter &filter)
{
    if (!filter.note.empty())
        m_status->setText(QString::fromStdString(filter.note));
    emit filterRequested(QString::fromStdString(filter.text));
}

void ProcessTreeTab::showInGraph()
{
    const int node = currentNode();
    if (node < 0)
        return;
    const ProcessInfo &info = m_tree->nodes()[size_t(node)].info;
    emit graphRequested(PointOfInterest::process(info.pid, info.startNs));
}

void ProcessTreeTab::showContextMenu(const QPoint &pos)
{
    const QModelIndex index = m_view->indexAt(pos);
    if (!index.isValid())
        return;
    m_view->setCurrentIndex(index);
    QMenu menu(this);
    menu.addAction(m_filterProcess->text(), this, &ProcessTreeTab::filterToProcess)
        ->setToolTip(m_filterProcess->toolTip());
    QAction *subtree = menu.addAction(m_filterSubtree->text(), this, &ProcessTreeTab::filterToSubtree);
    subtree->setEnabled(m_filterSubtree->isEnabled());
    menu.addAction(m_graph->text(), this, &ProcessTreeTab::showInGraph);
    menu.addSeparator();
    menu.addAction(tr("Expand Subtree"), this, [this, index] { m_view->expandRecursively(index.siblingAtColumn(0)); });
    menu.addAction(tr("Collapse Subtree"), this, [this, index] { m_view->collapse(index.siblingAtColumn(0)); });
    menu.setToolTipsVisible(true);
    menu.exec(m_view->viewport()->mapToGlobal(pos));
}

} // namespace provscope
