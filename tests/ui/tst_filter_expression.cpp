// "Apply as Filter" expressions: for every column of every event of a real session
// (the fixture plus paths with quotes, backslashes, spaces and a newline, and a
// listening socket), the expression compiles and, run by EventQuery on the session,
// matches exactly the events that show the same value; Not Selected matches the rest.
#include "event_query.h"
#include "event_table_model.h"
#include "filter_expression.h"
#include "session_fixture.h"

#include <QTemporaryDir>
#include <QTest>

#include <algorithm>
#include <set>

using namespace provscope;
using namespace provscope::test;

namespace {

std::vector<Event> sessionEvents()
{
    std::vector<Event> events = fixtureEvents();
    uint64_t ts = 10000;
    const auto add = [&](const char *syscall, int64_t ret, const char *path) {
        Event e = makeEvent(kChildPid, kChildStart, ts += 1000, syscall, ret);
        e.path = path;
        events.push_back(e);
        return &events.back();
    };
    add("openat", 5, "/tmp/we\"ird\\dir\\\"x.txt");
    add("openat", 6, "/tmp/back\\\\slash\\");
    add("unlink", 0, "/tmp/with space/and \"quotes\" and\nnewline");
    add("openat", -13, "/tmp/we\"ird\\dir\\\"x.txt"); // the first path again, EACCES
    Event *listen = add("listen", 0, "");
    listen->laddr = "0.0.0.0";
    listen->lport = 8080;
    Event *accept = add("accept4", 7, "");
    accept->laddr = "127.0.0.1";
    accept->lport = 8080;
    accept->raddr = "127.0.0.1";
    accept->rport = 40000;
    Event *kill = add("kill", 0, ""); // no target field
    kill->aux1 = 1000;
    kill->aux2 = 9;
    add("mmap", 0x7f0000001000LL, "/usr/lib/libc.so.6");
    return events;
}

// Does b show the same value as a in column (what the expression stands for)?
bool sameValue(const Event &a, const Event &b, int column)
{
    switch (column) {
    case EventTableModel::Time: return b.tsNs >= a.tsNs;
    case EventTableModel::Pid: return a.pid == b.pid;
    case EventTableModel::Ppid: return a.ppid == b.ppid;
    case EventTableModel::Process: return a.comm == b.comm;
    case EventTableModel::Syscall: return a.syscall == b.syscall;
    case EventTableModel::Ret: return a.ret == b.ret;
    case EventTableModel::Target:
        if (!a.raddr.empty())
            return a.raddr == b.raddr && a.rport == b.rport;
        if (a.hasSocket())
            return a.laddr == b.laddr && a.lport == b.lport;
        // fd.name is the path or a rename's new path
        return b.path == a.path || b.path2 == a.path;
    default: return false;
    }
}

} // namespace

class TstFilterExpression : public QObject {
    Q_OBJECT

private slots:
    void initTestCase();
    void quoting_data();
    void quoting();
    void isoTime();
    void combine_data();
    void combine();
    void cellExpressions();
    void everyCellMatchesItsRows_data();
    void everyCellMatchesItsRows();

private:
    std::vector<int64_t> run(const QString &text);

    QTemporaryDir m_dir;
    QString m_session;
    std::vector<Event> m_events;
    std::unique_ptr<EventQuery> m_query;
};

void TstFilterExpression::initTestCase()
{
    QVERIFY(m_dir.isValid());
    m_session = m_dir.filePath(QStringLiteral("cells.provscope"));
    m_events = sessionEvents();
    const QString error = writeSession(m_session, fixtureMeta(), {{fixtureProcesses(), m_events, {}}}, kBase + 100000);
    QVERIFY2(error.isEmpty(), qPrintable(error));
    for (size_t i = 0; i < m_events.size(); ++i)
        m_events[i].id = int64_t(i) + 1;
    auto query = EventQuery::open(m_session.toStdString());
    QVERIFY2(query, query ? "" : query.error().c_str());
    m_query = std::move(query.value());
}

std::vector<int64_t> TstFilterExpression::run(const QString &text)
{
    std::vector<int64_t> ids;
    auto compiled = compileFilter(text.toStdString());
    if (!compiled) {
        qWarning("%s: %s", qPrintable(text), compiled.error().c_str());
        return {-1};
    }
    auto ran = m_query->matchingIds(compiled.value(), [&](const std::vector<int64_t> &chunk) {
        ids.insert(ids.end(), chunk.begin(), chunk.end());
        return true;
    });
    if (!ran)
        return {-2};
    return ids;
}

void TstFilterExpression::quoting_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<QString>("literal");
    QTest::newRow("plain") << "/etc/passwd" << "\"/etc/passwd\"";
    QTest::newRow("quote") << "a\"b" << "\"a\\\"b\"";
    QTest::newRow("backslash") << "a\\b" << "\"a\\\\b\"";
    QTest::newRow("escaped quote in path") << "\\\"" << "\"\\\\\\\"\"";
    QTest::newRow("empty") << "" << "\"\"";
    QTest::newRow("unicode") << "/tmp/żółw" << "\"/tmp/żółw\"";
}

void TstFilterExpression::quoting()
{
    QFETCH(QString, text);
    QFETCH(QString, literal);
    QCOMPARE(FilterExpression::quoted(text), literal);
    // The language reads it back as the same text.
    auto compiled = compileFilter(("fd.name == " + literal).toStdString());
    QVERIFY(compiled);
    QCOMPARE(compiled.value().params.size(), size_t(1));
    QCOMPARE(QString::fromStdString(compiled.value().params[0].text), text);
}

void TstFilterExpression::isoTime()
{
    QCOMPARE(FilterExpression::isoTime(kBootToEpochNs), QStringLiteral("2023-11-14T22:13:20Z"));
    QCOMPARE(FilterExpression::isoTime(kBootToEpochNs + 5000), QStringLiteral("2023-11-14T22:13:20.000005Z"));
    QCOMPARE(FilterExpression::isoTime(kBootToEpochNs + 123456789), QStringLiteral("2023-11-14T22:13:20.123456789Z"));
    int64_t back = 0;
    QVERIFY(filter::parseIsoTime(FilterExpression::isoTime(kBootToEpochNs + 1).toStdString(), back));
    QCOMPARE(back, kBootToEpochNs + 1);
}

void TstFilterExpression::combine_data()
{
    QTest::addColumn<QString>("current");
    QTest::addColumn<int>("how");
    QTest::addColumn<QString>("result");
    const QString sel = QStringLiteral("proc.pid == 1");
    const QString old = QStringLiteral("evt.type == \"read\" or evt.type == \"write\"");
    QTest::newRow("selected") << old << int(FilterExpression::Selected) << sel;
    QTest::newRow("not selected") << old << int(FilterExpression::NotSelected) << "not (proc.pid == 1)";
    QTest::newRow("and") << old << int(FilterExpression::AndSelected)
                         << "(evt.type == \"read\" or evt.type == \"write\") and (proc.pid == 1)";
    QTest::newRow("or") << old << int(FilterExpression::OrSelected)
                        << "(evt.type == \"read\" or evt.type == \"write\") or (proc.pid == 1)";
    QTest::newRow("and not") << old << int(FilterExpression::AndNotSelected)
                             << "(evt.type == \"read\" or evt.type == \"write\") and not (proc.pid == 1)";
    QTest::newRow("or not") << old << int(FilterExpression::OrNotSelected)
                            << "(evt.type == \"read\" or evt.type == \"write\") or not (proc.pid == 1)";
    QTest::newRow("and, empty bar") << "  " << int(FilterExpression::AndSelected) << sel;
    QTest::newRow("or not, empty bar") << "" << int(FilterExpression::OrNotSelected) << "not (proc.pid == 1)";
}

void TstFilterExpression::combine()
{
    QFETCH(QString, current);
    QFETCH(int, how);
    QFETCH(QString, result);
    const QString text = FilterExpression::combine(current, QStringLiteral("proc.pid == 1"), FilterExpression::Combine(how));
    QCOMPARE(text, result);
    QVERIFY(compileFilter(text.toStdString()));
}

void TstFilterExpression::cellExpressions()
{
    const Event &missing = m_events[RowMissing];
    const Event &connect = m_events[RowConnect];
    const int64_t off = kBootToEpochNs;
    QCOMPARE(FilterExpression::forCell(missing, EventTableModel::Pid, off), QStringLiteral("proc.pid == 1001"));
    QCOMPARE(FilterExpression::forCell(missing, EventTableModel::Ppid, off), QStringLiteral("proc.ppid == 1000"));
    QCOMPARE(FilterExpression::forCell(missing, EventTableModel::Process, off), QStringLiteral("proc.name == \"python3\""));
    QCOMPARE(FilterExpression::forCell(missing, EventTableModel::Syscall, off), QStringLiteral("evt.type == \"openat\""));
    QCOMPARE(FilterExpression::forCell(missing, EventTableModel::Target, off),
             QStringLiteral("fd.name == \"/tmp/work/missing.cfg\""));
    QCOMPARE(FilterExpression::forCell(missing, EventTableModel::Ret, off), QStringLiteral("evt.res == \"ENOENT\""));
    QCOMPARE(FilterExpression::forCell(missing, EventTableModel::Time, off),
             QStringLiteral("evt.time >= \"2023-11-14T22:13:25.000009Z\""));
    QCOMPARE(FilterExpression::forCell(connect, EventTableModel::Target, off),
             QStringLiteral("fd.dip == \"127.0.0.1\" and fd.dport == 8080"));
    QCOMPARE(FilterExpression::forCell(m_events[RowRead], EventTableModel::Ret, off), QStringLiteral("evt.res == 100"));
    QCOMPARE(FilterExpression::forCell(m_events[RowRead], EventTableModel::Bytes, off), QString());
    QCOMPARE(FilterExpression::forCell(m_events[RowRead], EventTableModel::Count, off), QString());
    QCOMPARE(FilterExpression::forCell(m_events[RowRead], EventTableModel::Target, off),
             QStringLiteral("fd.name == \"/tmp/work/input.txt\""));
    const Event &weird = m_events[RowCount];
    QCOMPARE(FilterExpression::forCell(weird, EventTableModel::Target, off),
             QStringLiteral("fd.name == \"/tmp/we\\\"ird\\\\dir\\\\\\\"x.txt\""));
}

void TstFilterExpression::everyCellMatchesItsRows_data()
{
    QTest::addColumn<int>("row");
    QTest::addColumn<int>("column");
    const char *names[] = {"time", "pid", "ppid", "process", "syscall", "target", "result"};
    const int columns[] = {EventTableModel::Time, EventTableModel::Pid, EventTableModel::Ppid,
                           EventTableModel::Process, EventTableModel::Syscall, EventTableModel::Target,
                           EventTableModel::Ret};
    for (int row = 0; row < int(sessionEvents().size()); ++row) {
        for (int c = 0; c < 7; ++c)
            QTest::addRow("row %d %s", row, names[c]) << row << columns[c];
    }
}

void TstFilterExpression::everyCellMatchesItsRows()
{
    QFETCH(int, row);
    QFETCH(int, column);
    const Event &selected = m_events[size_t(row)];
    const QString text = FilterExpression::forCell(selected, column, kBootToEpochNs);
    if (text.isEmpty()) {
        // Only a target without a path or a socket (clone, kill) has no field.
        QCOMPARE(column, int(EventTableModel::Target));
        QVERIFY(selected.path.empty() && !selected.hasSocket());
        return;
    }
    std::vector<int64_t> expected, rest;
    for (const Event &e : m_events)
        (sameValue(selected, e, column) ? expected : rest).push_back(e.id);
    QVERIFY(std::find(expected.begin(), expected.end(), selected.id) != expected.end());
    const std::vector<int64_t> got = run(text);
    if (got != expected)
        qWarning("%s", qPrintable(text));
    QCOMPARE(got, expected);
    const QString negated = FilterExpression::combine(QString(), text, FilterExpression::NotSelected);
    QCOMPARE(run(negated), rest);
    // Combined with another condition: the selected event's own process only.
    const QString both = FilterExpression::combine(QStringLiteral("proc.pid == %1").arg(selected.pid), text,
                                                   FilterExpression::AndSelected);
    std::vector<int64_t> both_expected;
    for (const Event &e : m_events) {
        if (e.pid == selected.pid && sameValue(selected, e, column))
            both_expected.push_back(e.id);
    }
    QCOMPARE(run(both), both_expected);
}

QTEST_GUILESS_MAIN(TstFilterExpression)
#include "tst_filter_expression.moc"
