#pragma once
// The legend over the graph view's bottom-left corner: node kinds, marks and
// edge colours, drawn by GraphPainter::paintLegend (the report page's legend).
// Folded to a small "Legend" tab at first (it would cover a good part of a
// small view); a click unfolds or folds it.
#include <QWidget>

#include <memory>

namespace provscope {

class GraphPainter;
class ProvenanceGraph;

class GraphLegend : public QWidget {
    Q_OBJECT
public:
    explicit GraphLegend(QWidget *parent = nullptr);

    void setGraph(std::shared_ptr<const ProvenanceGraph> graph, std::shared_ptr<const GraphPainter> painter);
    bool isFolded() const { return m_folded; }
    void setFolded(bool folded);
    QSize sizeHint() const override;

protected:
    void paintEvent(QPaintEvent *event) override;
    void mousePressEvent(QMouseEvent *event) override;

private:
    bool m_folded = true;
};

} // namespace provscope
