#include "flow_chart_view.h"

#include "flow_chart_style.h"

#include <QApplication>
#include <QGraphicsLayout>
#include <QGraphicsSimpleTextItem>
#include <QtCharts/QAbstractAxis>
#include <QtCharts/QAbstractSeries>

namespace provscope {

FlowChartView::FlowChartView(const QString &title, QWidget *parent)
    : QChartView(parent)
    , m_chart(new QChart)
    , m_note(new QGraphicsSimpleTextItem(m_chart))
{
    flowchart::styleChart(m_chart, title);
    QFont noteFont = QApplication::font();
    noteFont.setPointSizeF(noteFont.pointSizeF() + 1);
    m_note->setFont(noteFont);
    m_note->setBrush(QColor(0x6b, 0x72, 0x80)); // the dashboard's "nothing here" grey
    m_note->setZValue(20);
    m_note->hide();
    setChart(m_chart);
    // The chart fills the view: an export is the chart edge to edge, no grey frame.
    m_chart->layout()->setContentsMargins(0, 0, 0, 0);
    setBackgroundBrush(QApplication::palette().base());
    setFrameShape(QFrame::NoFrame);
    setRenderHint(QPainter::Antialiasing);
    setMinimumSize(360, 280);
    setMouseTracking(true);
    connect(m_chart, &QChart::plotAreaChanged, this, [this] { placeNote(); });
}

QString FlowChartView::title() const { return m_chart->title(); }

QString FlowChartView::emptyNote() const { return m_empty ? m_note->text() : QString(); }

void FlowChartView::clearChart()
{
    m_chart->removeAllSeries();
    for (QAbstractAxis *axis : m_chart->axes()) {
        m_chart->removeAxis(axis);
        delete axis;
    }
}

void FlowChartView::setEmpty(bool empty, const QString &note)
{
    m_empty = empty;
    m_note->setText(note.isEmpty() ? tr("No flows in this range") : note);
    m_note->setVisible(empty);
    if (empty)
        m_chart->legend()->hide();
    placeNote();
}

void FlowChartView::placeNote()
{
    const QRectF area = m_chart->rect();
    const QRectF text = m_note->boundingRect();
    m_note->setPos(area.center().x() - text.width() / 2, area.center().y() - text.height() / 2);
}

void FlowChartView::resizeEvent(QResizeEvent *event)
{
    QChartView::resizeEvent(event);
    placeNote();
}

} // namespace provscope
