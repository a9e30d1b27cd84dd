// Quick filters under -platform offscreen on real sessions: the syscall and process
// lists hold what the session has (read off the GUI thread); each change shows as
// the equivalent expression in the filter bar and the table shows its rows; the
// time range defaults to the session's span; Clear, a typed filter and hiding.
#include "event_table_model.h"
#include "events_tab.h"
#include "filter_bar.h"
#include "capture_controller.h"
#include "main_window.h"
#include "quick_filter_bar.h"
#include "workstation_fixture.h"

#include <QAbstractItemModelTester>
#include <QAction>
#include <QComboBox>
#include <QDateTimeEdit>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSettings>
#include <QStandardPaths>
#include <QTabWidget>
#include <QTableView>
#include <QTemporaryDir>
#include <QTest>

using namespace provscope;
using namespace provscope::test;

namespace {
constexpr int kSpreadEvents = 10; // one a second
}

class TstQuickFilters : public QObject {
    Q_OBJECT

private slots:
    void initTestCase();
    void listsTheSessionsValues();
    void eachChangeShowsInBar();
    void timeRangeDefaultsToSpan();
    void typedFilterResetsQuickFilters();
    void rowCanBeHidden();
    void liveSessionExtendsSpan();
    void screenshot();

private:
    void openWindow(MainWindow &window, const QString &path, int rows);
    static void choose(QComboBox *box, const QString &text);

    QTemporaryDir m_dir;
    QString m_session;
    QString m_spread;
};

void TstQuickFilters::initTestCase()
{
    prepareFixtureSession(m_dir, &m_session);
    QSettings().remove(QStringLiteral("events/quickFilters"));

    // Events a second apart, for the time range.
    m_spread = m_dir.filePath(QStringLiteral("spread.provscope"));
    CaptureBatch batch;
    for (int i = 0; i < kSpreadEvents; ++i) {
        Event e = makeEvent(kChildPid, kChildStart, uint64_t(i) * 1'000'000'000ULL + 250'000'000ULL,
                            i % 2 ? "read" : "write", 1);
        e.path = "/tmp/spread";
        batch.events.push_back(e);
    }
    const QString error = writeSession(m_spread, clockOnlyMeta(), {batch}, kBase + 20'000'000'000ULL);
    QVERIFY2(error.isEmpty(), qPrintable(error));
}

void TstQuickFilters::openWindow(MainWindow &window, const QString &path, int rows)
{
    showWithSession(window, path);
    showEventsTab(window);
    QCOMPARE(window.eventTable()->model()->rowCount(), rows);
    QTRY_VERIFY(window.eventsTab()->quickFilterBar()->valuesLoaded());
}

void TstQuickFilters::choose(QComboBox *box, const QString &text)
{
    const int index = box->findText(text);
    QVERIFY2(index >= 0, qPrintable(text));
    box->setCurrentIndex(index);
    emit box->activated(index); // as a user's pick
}

void TstQuickFilters::listsTheSessionsValues()
{
    MainWindow window;
    openWindow(window, m_session, RowCount);
    QuickFilterBar *quick = window.eventsTab()->quickFilterBar();
    QStringList syscalls, processes;
    for (int i = 0; i < quick->syscallCombo()->count(); ++i)
        syscalls << quick->syscallCombo()->itemText(i);
    for (int i = 0; i < quick->processCombo()->count(); ++i)
        processes << quick->processCombo()->itemText(i);
    QCOMPARE(syscalls, QStringList({"any", "clone", "connect", "execve", "openat", "read", "rename", "write"}));
    QCOMPARE(processes, QStringList({"any", "bash", "python3"}));
    QVERIFY(quick->expression().isEmpty());
}

void TstQuickFilters::eachChangeShowsInBar()
{
    MainWindow window;
    openWindow(window, m_session, RowCount);
    QAbstractItemModelTester tester(window.eventModel(), QAbstractItemModelTester::FailureReportingMode::QtTest);
    QuickFilterBar *quick = window.eventsTab()->quickFilterBar();
    QLineEdit *bar = window.filterBar()->lineEdit();
    QAbstractItemModel *model = window.eventTable()->model();

    choose(quick->syscallCombo(), QStringLiteral("openat"));
    QCOMPARE(bar->text(), QStringLiteral("evt.type == \"openat\""));
    QTRY_COMPARE(model->rowCount(), 3);
    QTRY_VERIFY(!window.filterBar()->isRunning());

    choose(quick->processCombo(), QStringLiteral("python3"));
    QCOMPARE(bar->text(), QStringLiteral("evt.type == \"openat\" and proc.name == \"python3\""));
    QTRY_COMPARE(window.filterBar()->statusLabel()->text(), QStringLiteral("3 of 9 events match"));

    choose(quick->syscallCombo(), QStringLiteral("any"));
    quick->pidEdit()->setFocus();
    QTest::keyClicks(quick->pidEdit(), QStringLiteral("1000"));
    QTest::keyClick(quick->pidEdit(), Qt::Key_Return);
    QCOMPARE(bar->text(), QStringLiteral("proc.name == \"python3\" and proc.pid == 1000"));
    QTRY_COMPARE(window.filterBar()->statusLabel()->text(), QStringLiteral("0 of 9 events match"));
    QCOMPARE(model->rowCount(), 0);

    choose(quick->processCombo(), QStringLiteral("any"));
    quick->ppidEdit()->setFocus();
    QTest::keyClicks(quick->ppidEdit(), QStringLiteral("1"));
    QTest::keyClick(quick->ppidEdit(), Qt::Key_Return);
    QCOMPARE(bar->text(), QStringLiteral("proc.pid == 1000 and proc.ppid == 1"));
    QTRY_COMPARE(model->rowCount(), 1);
    QCOMPARE(model->index(0, EventTableModel::Syscall).data().toString(), QStringLiteral("clone"));

    QTest::mouseClick(quick->clearButton(), Qt::LeftButton);
    QVERIFY(bar->text().isEmpty());
    QVERIFY(quick->pidEdit()->text().isEmpty());
    QCOMPARE(model->rowCount(), int(RowCount));
}

void TstQuickFilters::timeRangeDefaultsToSpan()
{
    MainWindow window;
    openWindow(window, m_spread, kSpreadEvents);
    QuickFilterBar *quick = window.eventsTab()->quickFilterBar();
    const qint64 first = kBootToEpochNs / 1'000'000'000 + qint64(kBase / 1'000'000'000);
    QCOMPARE(quick->fromEdit()->dateTime().toSecsSinceEpoch(), first);
    QCOMPARE(quick->toEdit()->dateTime().toSecsSinceEpoch(), first + kSpreadEvents - 1);
    QCOMPARE(quick->fromEdit()->displayFormat(), QStringLiteral("yyyy-MM-dd HH:mm:ss"));
    QVERIFY(quick->expression().isEmpty()); // the whole span is no filter

    // From the 4th second: events 3..9. Applied after a short pause.
    quick->fromEdit()->setDateTime(QDateTime::fromSecsSinceEpoch(first + 3));
    QLineEdit *bar = window.filterBar()->lineEdit();
    QTRY_VERIFY(bar->text().startsWith(QStringLiteral("evt.time >= \"")));
    QAbstractItemModel *model = window.eventTable()->model();
    QTRY_COMPARE(model->rowCount(), 7);
    // ...through the end of the 6th second: events 3, 4, 5.
    quick->toEdit()->setDateTime(QDateTime::fromSecsSinceEpoch(first + 5));
    QTRY_VERIFY(bar->text().contains(QStringLiteral(" and evt.time < \"")));
    QTRY_COMPARE(model->rowCount(), 3);
    QTRY_VERIFY(!window.filterBar()->isRunning());
    QCOMPARE(model->index(0, 0).data(EventTableModel::EventIdRole).toLongLong(), 4);
    QCOMPARE(model->index(2, 0).data(EventTableModel::EventIdRole).toLongLong(), 6);
    // The bar's text is a filter of its own: applied by hand it gives the same rows.
    const QString text = bar->text();
    window.filterBar()->clear();
    QCOMPARE(model->rowCount(), kSpreadEvents);
    window.filterBar()->applyFilter(text);
    QTRY_COMPARE(model->rowCount(), 3);
}

void TstQuickFilters::typedFilterResetsQuickFilters()
{
    MainWindow window;
    openWindow(window, m_session, RowCount);
    QuickFilterBar *quick = window.eventsTab()->quickFilterBar();
    choose(quick->syscallCombo(), QStringLiteral("read"));
    QTRY_COMPARE(window.eventTable()->model()->rowCount(), 1);
    // Another filter in the bar: the quick filters no longer describe it.
    window.filterBar()->applyFilter(QStringLiteral("evt.res < 0"));
    QCOMPARE(quick->syscallCombo()->currentIndex(), 0);
    QVERIFY(quick->expression().isEmpty());
    QTRY_COMPARE(window.eventTable()->model()->rowCount(), 1);
    QCOMPARE(window.eventTable()->model()->index(0, EventTableModel::Syscall).data().toString(),
             QStringLiteral("openat"));
    // The bar's Clear resets them too.
    choose(quick->syscallCombo(), QStringLiteral("write"));
    window.filterBar()->clear();
    QCOMPARE(quick->syscallCombo()->currentIndex(), 0);
}

void TstQuickFilters::rowCanBeHidden()
{
    MainWindow window;
    openWindow(window, m_session, RowCount);
    EventsTab *tab = window.eventsTab();
    QVERIFY(tab->quickFilterBar()->isVisible());
    QAction *action = tab->quickFiltersAction();
    QVERIFY(action->isCheckable() && action->isChecked());
    action->trigger();
    QVERIFY(!tab->quickFilterBar()->isVisible());
    QVERIFY(!tab->quickFiltersVisible());
    {
        EventsTab another; // remembered
        QVERIFY(!another.quickFiltersVisible());
    }
    tab->setQuickFiltersVisible(true);
    QVERIFY(tab->quickFilterBar()->isVisible());
    QVERIFY(action->isChecked());
}

void TstQuickFilters::liveSessionExtendsSpan()
{
    // A session still being written: the time range grows with it.
    const QString path = m_dir.filePath(QStringLiteral("live.provscope"));
    auto writer = SessionWriter::create(path.toStdString(), clockOnlyMeta());
    QVERIFY(writer);
    const auto at = [](int second) {
        Event e = makeEvent(kChildPid, kChildStart, uint64_t(second) * 1'000'000'000ULL, "read", 1);
        e.path = "/tmp/live";
        return e;
    };
    CaptureBatch first;
    first.events = {at(0), at(1)};
    QVERIFY(writer.value()->append(first));
    {
        MainWindow window;
        openWindow(window, path, 2);
        QuickFilterBar *quick = window.eventsTab()->quickFilterBar();
        const qint64 start = kBootToEpochNs / 1'000'000'000 + qint64(kBase / 1'000'000'000);
        QCOMPARE(quick->toEdit()->dateTime().toSecsSinceEpoch(), start + 1);
        CaptureBatch second;
        second.events = {at(2), at(3), at(4)};
        QVERIFY(writer.value()->append(second));
        emit window.captureController()->eventsAppended();
        QTRY_COMPARE(window.eventTable()->model()->rowCount(), 5);
        // To was at the end: it follows; nothing is filtered.
        QCOMPARE(quick->toEdit()->maximumDateTime().toSecsSinceEpoch(), start + 4);
        QCOMPARE(quick->toEdit()->dateTime().toSecsSinceEpoch(), start + 4);
        QVERIFY(quick->expression().isEmpty());
        // A narrowed To stays where the user put it.
        quick->toEdit()->setDateTime(QDateTime::fromSecsSinceEpoch(start + 2));
        QTRY_COMPARE(window.eventTable()->model()->rowCount(), 3);
        CaptureBatch third;
        third.events = {at(5)};
        QVERIFY(writer.value()->append(third));
        emit window.captureController()->eventsAppended();
        QTest::qWait(200);
        QCOMPARE(quick->toEdit()->maximumDateTime().toSecsSinceEpoch(), start + 5);
        QCOMPARE(quick->toEdit()->dateTime().toSecsSinceEpoch(), start + 2);
        QCOMPARE(window.eventTable()->model()->rowCount(), 3);
    }
    QVERIFY(writer.value()->finish(kBase + 10'000'000'000ULL));
}

void TstQuickFilters::screenshot()
{
    MainWindow window;
    window.resize(1280, 800);
    openWindow(window, m_session, RowCount);
    QuickFilterBar *quick = window.eventsTab()->quickFilterBar();
    choose(quick->syscallCombo(), QStringLiteral("openat"));
    choose(quick->processCombo(), QStringLiteral("python3"));
    QTRY_COMPARE(window.eventTable()->model()->rowCount(), 3);
    QTRY_VERIFY(!window.filterBar()->isRunning());
    QVERIFY(window.grab().save(QStringLiteral("/tmp/provscope-quick-filters.png")));
}

QTEST_MAIN(TstQuickFilters)
#include "tst_quick_filters.moc"
