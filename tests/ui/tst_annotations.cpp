// Annotations in the workstation: the editable set (marks, unsaved state, save),
// the panel, graph node tags and their place in the exported PNG (GUI and CLI).
#include "../models/verify_ok.h"
#include "session_fixture.h"

#include "annotation_actions.h"
#include "annotation_list_model.h"
#include "annotation_set.h"
#include "annotation_store.h"
#include "annotations_panel.h"
#include "custody_log.h"
#include "evidence_digest.h"
#include "graph_command.h"
#include "graph_export.h"
#include "graph_node_item.h"
#include "graph_painter.h"
#include "graph_tab.h"
#include "session_reader.h"

#include <QAbstractItemModelTester>
#include <QApplication>
#include <QCryptographicHash>
#include <QGraphicsScene>
#include <QHeaderView>
#include <QLabel>
#include <QMenu>
#include <QPushButton>
#include <QSignalSpy>
#include <QTableView>
#include <QTemporaryDir>
#include <QtTest>

using namespace provscope;
using namespace provscope::test;

namespace {

QByteArray fileBytes(const QString &path)
{
    QFile file(path);
    return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
}

// Pixels of exactly this colour (the note mark's fill).
int countColour(const QImage &image, QRgb colour)
{
    const QImage rgb = image.convertToFormat(QImage::Format_RGB32);
    int n = 0;
    for (int y = 0; y < rgb.height(); ++y)
        for (int x = 0; x < rgb.width(); ++x)
            n += (rgb.pixel(x, y) & 0xffffff) == (colour & 0xffffff);
    return n;
}

// Non-white pixels in rows [top, bottom).
int inkedRows(const QImage &image, int top, int bottom)
{
    const QImage rgb = image.convertToFormat(QImage::Format_RGB32);
    int n = 0;
    for (int y = std::max(0, top); y < std::min(bottom, rgb.height()); ++y)
        for (int x = 0; x < rgb.width(); ++x)
            n += (rgb.pixel(x, y) & 0xffffff) != 0xffffff;
    return n;
}

const QRgb kMarkFill = qRgb(0xf5, 0xb7, 0x00);

} // namespace

class TstAnnotations : public QObject {
    Q_OBJECT

private slots:
    void initTestCase();
    void init();
    void setMarksEventsAndTracksUnsaved();
    void unsavedEditsLeaveFileIdentical();
    void bookmarkRoundTripThroughSavedSession();
    void panelListsEditsAndSaves();
    void panelShowsFailedSave();
    void eventActionsAnnotateTheCurrentEvent();
    void graphNodeTagShownAndExported();
    void cliGraphPngHasNotes();

private:
    bool buildGraph(GraphTab &tab, const PointOfInterest &poi);

    QTemporaryDir m_dir;
    QString m_session;
};

void TstAnnotations::initTestCase()
{
    QVERIFY(m_dir.isValid());
}

void TstAnnotations::init()
{
    m_session = m_dir.filePath(QStringLiteral("%1.provscope").arg(QTest::currentTestFunction()));
    QFile::remove(m_session);
    const QString error = writeFixtureSession(m_session);
    QVERIFY2(error.isEmpty(), qPrintable(error));
}

bool TstAnnotations::buildGraph(GraphTab &tab, const PointOfInterest &poi)
{
    QSignalSpy ready(&tab, &GraphTab::graphReady);
    tab.setSessionPath(m_session);
    tab.showGraph(poi);
    return ready.wait(60000) || !ready.isEmpty();
}

void TstAnnotations::setMarksEventsAndTracksUnsaved()
{
    AnnotationSet set;
    set.setAuthor("alice");
    QCOMPARE(set.toggleBookmark(3), false); // no session: nothing to annotate
    VERIFY_OK(set.load(m_session));
    QCOMPARE(set.size(), 0);
    QVERIFY(!set.hasUnsavedChanges());
    QSignalSpy unsaved(&set, &AnnotationSet::unsavedChangesChanged);
    QSignalSpy changed(&set, &AnnotationSet::changed);

    QVERIFY(set.toggleBookmark(3));
    QCOMPARE(set.eventMark(3), QStringLiteral("★"));
    QVERIFY(set.isBookmarked(3));
    QVERIFY(set.hasUnsavedChanges());
    QCOMPARE(unsaved.size(), 1);
    QCOMPARE(unsaved.first().first().toBool(), true);
    QVERIFY(set.addTag(Annotation::Target::Event, "3", "exfil") > 0);
    QVERIFY(set.addComment(Annotation::Target::Event, "3", "reads the input") > 0);
    QCOMPARE(set.eventMark(3), QStringLiteral("★⚑✎"));
    QCOMPARE(set.eventMark(4), QString());
    QCOMPARE(int(set.forEvent(3).size()), 3);
    QCOMPARE(set.forEvent(3).front().author, std::string("alice"));

    // A process's annotation also belongs to its graph node.
    const int64_t tag = set.addTag(Annotation::Target::Process, Annotation::processTarget(kChildPid, kChildStart),
                                   "dropper");
    set.addComment(Annotation::Target::Node, ProvenanceGraph::keyForProcess(kChildPid, kChildStart), "node note");
    QCOMPARE(int(set.forProcess(kChildPid, kChildStart).size()), 1);
    QCOMPARE(int(set.forNode(ProvenanceGraph::keyForProcess(kChildPid, kChildStart)).size()), 2);
    QCOMPARE(set.describeTarget(*set.find(tag)),
             QStringLiteral("process python3 (1001) started 2023-11-14T22:13:25.000001000Z"));
    QCOMPARE(set.describeTarget(set.forEvent(3).front()),
             QStringLiteral("event 3: openat /tmp/work/input.txt (python3 1001)"));

    QVERIFY(!set.toggleBookmark(3)); // off again
    QCOMPARE(set.eventMark(3), QStringLiteral("⚑✎"));
    QVERIFY(set.setText(tag, "dropper v2"));
    QCOMPARE(set.find(tag)->text, std::string("dropper v2"));
    QVERIFY(changed.size() >= 6);

    // Undoing every edit leaves nothing unsaved.
    for (const Annotation &a : std::vector<Annotation>(set.annotations()))
        set.remove(a.id);
    QVERIFY(!set.hasUnsavedChanges());
    QCOMPARE(unsaved.last().first().toBool(), false);
}

void TstAnnotations::unsavedEditsLeaveFileIdentical()
{
    const QByteArray before = fileBytes(m_session);
    const QStringList filesBefore = QDir(m_dir.path()).entryList(QDir::Files);
    {
        AnnotationSet set;
        VERIFY_OK(set.load(m_session));
        set.toggleBookmark(2);
        set.addComment(Annotation::Target::Node, "file:/tmp/work/input.txt", "not saved");
        QVERIFY(set.hasUnsavedChanges());
        AnnotationsPanel panel;
        panel.setAnnotationSet(&set);
        QCOMPARE(panel.model()->rowCount(), 2);
    } // closed without saving
    QCOMPARE(fileBytes(m_session), before);
    QCOMPARE(QDir(m_dir.path()).entryList(QDir::Files), filesBefore);
    auto stored = AnnotationStore::load(m_session.toStdString());
    QVERIFY(stored && stored->empty());
}

void TstAnnotations::bookmarkRoundTripThroughSavedSession()
{
    auto digest = checkEvidence(m_session.toStdString());
    VERIFY_OK(digest);
    {
        AnnotationSet set;
        VERIFY_OK(set.load(m_session));
        QSignalSpy saved(&set, &AnnotationSet::saved);
        set.toggleBookmark(RowWrite + 1);
        set.addTag(Annotation::Target::Process, Annotation::processTarget(kChildPid, kChildStart), "dropper");
        VERIFY_OK(set.saveToSession());
        QCOMPARE(saved.size(), 1);
        QCOMPARE(saved.first().first().toString(), m_session);
        QVERIFY(!set.hasUnsavedChanges());
        // Still usable after the save (its own reader was reopened).
        QVERIFY(set.describeTarget(set.annotations().front()).contains("write /tmp/work/out.tmp"));
    }
    AnnotationSet reopened;
    VERIFY_OK(reopened.load(m_session));
    QCOMPARE(reopened.size(), 2);
    QVERIFY(reopened.isBookmarked(RowWrite + 1));
    QCOMPARE(reopened.eventMark(RowWrite + 1), QStringLiteral("★"));
    QCOMPARE(reopened.forProcess(kChildPid, kChildStart).front().text, std::string("dropper"));

    auto after = checkEvidence(m_session.toStdString());
    VERIFY_OK(after);
    QCOMPARE(after->state, EvidenceCheck::State::Unchanged);
    QCOMPARE(after->current, digest->current);
}

void TstAnnotations::panelListsEditsAndSaves()
{
    AnnotationSet set;
    set.setAuthor("alice");
    VERIFY_OK(set.load(m_session));
    AnnotationsPanel panel;
    QAbstractItemModelTester tester(panel.model(), QAbstractItemModelTester::FailureReportingMode::QtTest);
    panel.setAnnotationSet(&set);
    QVERIFY(panel.statusText().startsWith("No annotations."));
    QVERIFY(!panel.saveButton()->isEnabled());

    set.toggleBookmark(RowRead + 1);
    set.addTag(Annotation::Target::Process, Annotation::processTarget(kChildPid, kChildStart), "dropper");
    set.addComment(Annotation::Target::Node, "file:/tmp/work/out.txt", "staged output\nsent later");
    QAbstractItemModel *model = panel.model();
    QCOMPARE(model->rowCount(), 3);
    QCOMPARE(model->data(model->index(0, AnnotationListModel::KindColumn)).toString(), QStringLiteral("★ bookmark"));
    QCOMPARE(model->data(model->index(0, AnnotationListModel::TargetColumn)).toString(),
             QStringLiteral("event 4: read /tmp/work/input.txt (python3 1001)"));
    QCOMPARE(model->data(model->index(1, AnnotationListModel::KindColumn)).toString(), QStringLiteral("⚑ tag"));
    QCOMPARE(model->data(model->index(1, AnnotationListModel::TextColumn)).toString(), QStringLiteral("dropper"));
    QCOMPARE(model->data(model->index(2, AnnotationListModel::TargetColumn)).toString(),
             QStringLiteral("graph node: file /tmp/work/out.txt"));
    QCOMPARE(model->data(model->index(2, AnnotationListModel::TextColumn)).toString(), QStringLiteral("staged output …"));
    QCOMPARE(model->data(model->index(2, AnnotationListModel::TextColumn), Qt::ToolTipRole).toString(),
             QStringLiteral("staged output\nsent later"));
    QCOMPARE(model->data(model->index(2, AnnotationListModel::AuthorColumn)).toString(), QStringLiteral("alice"));
    QVERIFY(panel.statusText().contains("3 annotations"));
    QVERIFY(panel.statusText().contains("unsaved changes"));
    QVERIFY(panel.saveButton()->isEnabled());

    // Edit through the prompt, remove, double-click.
    panel.setTextPrompt([](QWidget *, Annotation::Kind kind, const QString &what, const QString &initial)
                            -> std::optional<QString> {
        if (kind != Annotation::Kind::Tag || initial != "dropper" || !what.startsWith("process python3"))
            return std::nullopt;
        return QStringLiteral("dropper (stage 1)");
    });
    panel.resize(900, 260);
    panel.show();
    QVERIFY(QTest::qWaitForWindowExposed(&panel));
    panel.view()->selectRow(1);
    panel.editSelected();
    QCOMPARE(model->data(model->index(1, AnnotationListModel::TextColumn)).toString(),
             QStringLiteral("dropper (stage 1)"));
    panel.grab().save(QDir::temp().filePath("provscope-annotations-panel.png"));

    QSignalSpy activated(&panel, &AnnotationsPanel::activated);
    const QRect cell = panel.view()->visualRect(model->index(0, AnnotationListModel::TargetColumn));
    QTest::mousePress(panel.view()->viewport(), Qt::LeftButton, {}, cell.center());
    QTest::mouseDClick(panel.view()->viewport(), Qt::LeftButton, {}, cell.center());
    QCOMPARE(activated.size(), 1);
    const auto shown = activated.first().first().value<Annotation>();
    QCOMPARE(shown.targetKind, Annotation::Target::Event);
    QCOMPARE(shown.eventId().value_or(0), int64_t(RowRead + 1));

    panel.view()->selectRow(2);
    panel.removeSelected();
    QCOMPARE(model->rowCount(), 2);
    QVERIFY(panel.revertButton()->isEnabled());

    QVERIFY(panel.save());
    QVERIFY(panel.statusText().contains("saved in the session"));
    QVERIFY(!panel.saveButton()->isEnabled());
    auto stored = AnnotationStore::load(m_session.toStdString());
    VERIFY_OK(stored);
    QCOMPARE(int(stored->size()), 2);
    QCOMPARE(stored->back().text, std::string("dropper (stage 1)"));

    // Revert drops what was not saved.
    QVERIFY(!panel.revertButton()->isEnabled());
    set.addComment(Annotation::Target::Event, "1", "second thoughts");
    QCOMPARE(model->rowCount(), 3);
    QVERIFY(panel.revertButton()->isEnabled());
    QVERIFY(panel.revert());
    QCOMPARE(model->rowCount(), 2);
    QVERIFY(!set.hasUnsavedChanges());
    QVERIFY(!panel.statusText().contains("unsaved"));
}

void TstAnnotations::panelShowsFailedSave()
{
    // A session still being recorded: annotations stay in memory, the panel says why.
    const QString live = m_dir.filePath("live.provscope");
    QFile::remove(live);
    SessionMeta meta;
    meta.toolVersion = "test";
    meta.bootToEpochNs = kBootToEpochNs;
    auto writer = SessionWriter::create(live.toStdString(), meta);
    VERIFY_OK(writer);
    CaptureBatch batch;
    batch.events = fixtureEvents();
    QVERIFY((*writer)->append(batch));

    AnnotationSet set;
    VERIFY_OK(set.load(live));
    AnnotationsPanel panel;
    panel.setAnnotationSet(&set);
    set.toggleBookmark(1);
    QSignalSpy failed(&panel, &AnnotationsPanel::saveFailed);
    QVERIFY(!panel.save());
    QCOMPARE(failed.size(), 1);
    QVERIFY2(panel.statusText().contains("is being recorded"), qPrintable(panel.statusText()));
    QVERIFY(set.hasUnsavedChanges());
    QVERIFY(set.isBookmarked(1));
}

void TstAnnotations::eventActionsAnnotateTheCurrentEvent()
{
    AnnotationSet set;
    VERIFY_OK(set.load(m_session));
    QWidget window;
    AnnotationActions actions(&set, &window);
    actions.setTextPrompt([](QWidget *, Annotation::Kind kind, const QString &what, const QString &) {
        return std::optional<QString>(QStringLiteral("%1 on %2").arg(kind == Annotation::Kind::Tag ? "tag" : "comment", what));
    });
    QStringList names;
    for (QAction *action : actions.eventActions()) {
        names << action->text();
        QVERIFY(!action->isEnabled()); // no current event
    }
    QCOMPARE(names, QStringList({"Toggle &Bookmark", "&Tag Event…", "&Comment on Event…", "Tag &Process…",
                                 "Comment on P&rocess…"}));
    QCOMPARE(actions.toggleBookmark()->shortcut(), QKeySequence(Qt::CTRL | Qt::Key_B));
    QVERIFY(!actions.save()->isEnabled());

    auto reader = SessionReader::open(m_session.toStdString());
    VERIFY_OK(reader);
    auto event = (*reader)->event(RowRead + 1);
    VERIFY_OK(event);
    actions.setCurrentEvent(&*event);
    QVERIFY(actions.toggleBookmark()->isEnabled());
    actions.toggleBookmark()->trigger();
    QVERIFY(set.isBookmarked(RowRead + 1));
    QVERIFY(actions.toggleBookmark()->isChecked());
    actions.tagEvent()->trigger();
    actions.commentProcess()->trigger();
    QCOMPARE(set.eventMark(RowRead + 1), QStringLiteral("★⚑"));
    QCOMPARE(set.forEvent(RowRead + 1).back().text, std::string("tag on event 4 (read)"));
    QCOMPARE(set.forProcess(kChildPid, kChildStart).size(), size_t(1));
    QCOMPARE(set.forProcess(kChildPid, kChildStart).front().text, std::string("comment on python3 (1001)"));
    QVERIFY(actions.save()->isEnabled());
    actions.save()->trigger();
    QVERIFY(!set.hasUnsavedChanges());
    QVERIFY(!actions.save()->isEnabled());
    auto stored = AnnotationStore::load(m_session.toStdString());
    QVERIFY(stored && stored->size() == 3);

    actions.setCurrentEvent(nullptr);
    QVERIFY(!actions.tagEvent()->isEnabled());
}

void TstAnnotations::graphNodeTagShownAndExported()
{
    AnnotationSet set;
    set.setAuthor("alice");
    VERIFY_OK(set.load(m_session));
    GraphTab tab;
    tab.setAnnotationSet(&set);
    tab.resize(1000, 700);
    QVERIFY(buildGraph(tab, PointOfInterest::process(kChildPid, kChildStart)));
    const ProvenanceGraph *graph = tab.graph();
    QVERIFY(graph);
    const QString plain = m_dir.filePath("plain.png");
    VERIFY_OK(tab.exportPng(plain));

    const int fileNode = graph->findNode(ProvenanceGraph::keyForFile("/tmp/work/input.txt"));
    const int processNode = graph->findNode(ProvenanceGraph::keyForProcess(kChildPid, kChildStart));
    QVERIFY(fileNode >= 0 && processNode >= 0);

    // The context menu offers Tag… and Comment…; the prompt's answer becomes the tag.
    std::unique_ptr<QMenu> menu(tab.createNodeMenu(fileNode, &tab));
    QStringList actions;
    for (QAction *action : menu->actions())
        actions << action->text() + (action->isEnabled() ? "" : " (disabled)");
    QCOMPARE(actions, QStringList({"Tag…", "Comment…"}));
    tab.setTextPrompt([](QWidget *, Annotation::Kind kind, const QString &what, const QString &) -> std::optional<QString> {
        if (kind == Annotation::Kind::Tag && what.startsWith("input.txt"))
            return QStringLiteral("staged input");
        if (kind == Annotation::Kind::Comment && what.startsWith("python3 (1001)"))
            return QStringLiteral("reads the input, writes out.txt");
        return std::nullopt;
    });
    menu->actions().at(0)->trigger();
    QVERIFY(tab.annotateNode(processNode, Annotation::Kind::Comment));
    QVERIFY(!tab.annotateNode(fileNode, Annotation::Kind::Comment)); // cancelled: nothing added
    QCOMPARE(set.size(), 2);
    QCOMPARE(set.annotations()[0].targetKind, Annotation::Target::Node);
    QCOMPARE(set.annotations()[0].target, std::string("file:/tmp/work/input.txt"));
    QCOMPARE(set.annotations()[1].targetKind, Annotation::Target::Process); // a process node: the process
    QCOMPARE(set.annotations()[1].target, Annotation::processTarget(kChildPid, kChildStart));

    // Marked in the scene: numbered in node order, the notes in the tooltip.
    const GraphPainter &painter = *tab.painter();
    const int fileMark = painter.noteNumber(graph->node(fileNode));
    const int processMark = painter.noteNumber(graph->node(processNode));
    QVERIFY(fileMark > 0 && processMark > 0 && fileMark != processMark);
    for (int i = 0; i < graph->nodeCount(); ++i) {
        if (i != fileNode && i != processNode)
            QCOMPARE(painter.noteNumber(graph->node(i)), 0);
    }
    const QStringList notes = painter.notesLines();
    QCOMPARE(notes.first(), QStringLiteral("Notes"));
    QVERIFY2(notes.contains(QStringLiteral("[%1] input.txt \u2014 /tmp/work/input.txt").arg(fileMark)), qPrintable(notes.join('|')));
    QVERIFY2(notes.filter(QRegularExpression("^    tag: staged input \\(alice, \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d\\)$")).size() == 1,
             qPrintable(notes.join('|')));
    QVERIFY2(notes.filter("    comment: reads the input, writes out.txt (alice").size() == 1, qPrintable(notes.join('|')));
    GraphNodeItem *fileItem = nullptr;
    for (QGraphicsItem *item : tab.scene()->items()) {
        if (auto *node = dynamic_cast<GraphNodeItem *>(item); node && node->nodeIndex() == fileNode)
            fileItem = node;
    }
    QVERIFY(fileItem);
    QVERIFY2(fileItem->toolTip().contains("tag: staged input"), qPrintable(fileItem->toolTip()));

    // The export: the marks on the nodes and the notes block under the graph.
    const QString annotated = m_dir.filePath("annotated.png");
    VERIFY_OK(tab.exportPng(annotated));
    const QImage before(plain), after(annotated);
    QVERIFY(!before.isNull() && !after.isNull());
    QCOMPARE(countColour(before, kMarkFill), 0);
    QVERIFY2(countColour(after, kMarkFill) > 2 * 100, qPrintable(QString::number(countColour(after, kMarkFill))));
    QVERIFY2(after.height() > before.height() + 60, qPrintable(QStringLiteral("%1 vs %2").arg(after.height()).arg(before.height())));
    // Text under the graph (the notes block) where the plain export ends.
    QVERIFY(inkedRows(after, before.height(), after.height()) > 1500);

    // A bookmarked event shows at the process of the edge that stands for it.
    QVERIFY(set.toggleBookmark(RowRead + 1));
    const QStringList processNotes = tab.painter()->nodeNotes(graph->node(processNode));
    QCOMPARE(processNotes.size(), 2);
    QVERIFY2(processNotes.last().startsWith("bookmark on event 4 (read "), qPrintable(processNotes.join('|')));
    const QString withBookmark = QDir::temp().filePath("provscope-annotated-graph.png");
    VERIFY_OK(tab.exportPng(withBookmark));
    QVERIFY(QImage(withBookmark).height() > after.height()); // one more line in the notes

    // Removing the annotations removes the marks.
    for (const Annotation &a : std::vector<Annotation>(set.annotations()))
        set.remove(a.id);
    QCOMPARE(tab.painter()->noteNumber(graph->node(fileNode)), 0);
    QVERIFY(!fileItem->toolTip().contains("tag:"));
}

void TstAnnotations::cliGraphPngHasNotes()
{
    const QString plainPng = m_dir.filePath("cli-plain.png");
    const std::vector<std::string> base = {m_session.toStdString(), "--poi", "proc:" + std::to_string(kChildPid),
                                           "--format", "png", "-o"};
    auto run = [&](const QString &out, const char *format = "png") {
        std::vector<std::string> args = base;
        args[4] = format;
        args.push_back(out.toStdString());
        return runGraphCommand(args);
    };
    QCOMPARE(run(plainPng), 0);

    std::vector<Annotation> annotations(2);
    annotations[0].targetKind = Annotation::Target::Node;
    annotations[0].target = "file:/tmp/work/out.txt";
    annotations[0].kind = Annotation::Kind::Tag;
    annotations[0].text = "exfiltrated";
    annotations[0].author = "bob";
    annotations[1].targetKind = Annotation::Target::Process;
    annotations[1].target = Annotation::processTarget(kChildPid, kChildStart);
    annotations[1].kind = Annotation::Kind::Comment;
    annotations[1].text = "the dropper";
    annotations[1].author = "bob";
    VERIFY_OK(AnnotationStore::save(m_session.toStdString(), annotations));

    const QString notedPng = m_dir.filePath("cli-noted.png");
    QCOMPARE(run(notedPng), 0);
    const QImage plain(plainPng), noted(notedPng);
    QCOMPARE(countColour(plain, kMarkFill), 0);
    QVERIFY(countColour(noted, kMarkFill) > 200);
    QVERIFY(noted.height() > plain.height() + 60);
    QVERIFY(inkedRows(noted, plain.height(), noted.height()) > 1000);

    const QString dot = m_dir.filePath("cli.dot");
    QCOMPARE(run(dot, "dot"), 0);
    const QByteArray text = fileBytes(dot);
    QVERIFY2(text.contains("note=\"tag: exfiltrated (bob)\""), text.constData());
    QVERIFY2(text.contains("note=\"comment: the dropper (bob)\""), text.constData());
}

QTEST_MAIN(TstAnnotations)
#include "tst_annotations.moc"
