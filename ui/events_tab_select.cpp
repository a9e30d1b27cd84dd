// EventsTab::selectEvents: the event table follows a selection in the graph.
#include "events_tab.h"

#include <QHeaderView>
#include <QItemSelection>
#include <QTableView>

#include <algorithm>
#include <unordered_set>

namespace provscope {

EventsTab::EventSelection EventsTab::selectEvents(const std::vector<int64_t> &ids)
{
    std::vector<int64_t> wanted(ids);
    std::sort(wanted.begin(), wanted.end());
    wanted.erase(std::unique(wanted.begin(), wanted.end()), wanted.end());
    EventSelection result;
    result.requested = int(wanted.size());
    std::vector<int> rows;
    if (m_model->sortColumn() >= 0 && wanted.size() > 16) {
        // rowOfEvent() searches a sorted view linearly: one pass over the rows instead.
        const std::unordered_set<int64_t> set(wanted.begin(), wanted.end());
        for (int row = 0, count = m_model->rowCount(); row < count; ++row) {
            if (set.count(m_model->eventIdAt(row)))
                rows.push_back(row);
        }
    } else {
        for (int64_t id : wanted) {
            if (const int row = m_model->rowOfEvent(id); row >= 0)
                rows.push_back(row);
        }
    }
    result.hidden = result.requested - int(rows.size());
    if (rows.empty())
        return result;
    std::sort(rows.begin(), rows.end());
    if (rows.size() > size_t(kMaxSelectedEvents))
        rows.resize(size_t(kMaxSelectedEvents));
    result.selected = int(rows.size());

    const int column = m_table->currentIndex().isValid() ? m_table->currentIndex().column()
                                                          : m_table->horizontalHeader()->logicalIndexAt(0);
    const QModelIndex first = m_model->index(rows.front(), std::max(0, column));
    QItemSelection selection;
    for (size_t i = 0; i < rows.size();) {
        size_t j = i;
        while (j + 1 < rows.size() && rows[j + 1] == rows[j] + 1)
            ++j;
        selection.select(m_model->index(rows[i], 0), m_model->index(rows[j], 0));
        i = j + 1;
    }
    QItemSelectionModel *model = m_table->selectionModel();
    model->setCurrentIndex(first, QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
    model->select(selection, QItemSelectionModel::Select | QItemSelectionModel::Rows);
    m_table->scrollTo(first, QAbstractItemView::PositionAtCenter);
    return result;
}

} // namespace provscope
