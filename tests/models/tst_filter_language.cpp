// The display-filter language without a session: what parses, what fails and at which
// column, and that user text only ever becomes a bound parameter.
#include "event_query.h"

#include <QRegularExpression>
#include <QtTest>

using namespace provscope;

class TestFilterLanguage : public QObject {
    Q_OBJECT
private slots:
    void validExpressions_data();
    void validExpressions();
    void errors_data();
    void errors();
    void literalsAreBound_data();
    void literalsAreBound();
    void isoTimes_data();
    void isoTimes();
    void fieldNames();
    void planNeedsNoProcessJoin();
};

void TestFilterLanguage::validExpressions_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<int>("params");
    QTest::newRow("empty") << "" << 0;
    QTest::newRow("blank") << "   " << 0;
    QTest::newRow("pid") << "proc.pid == 42" << 1;
    QTest::newRow("single =") << "proc.pid = 42" << 1;
    QTest::newRow("name bare") << "proc.name == bash" << 1;
    QTest::newRow("contains") << "fd.name contains \"passwd\"" << 1;
    QTest::newRow("startswith") << "fd.directory startswith \"/etc\"" << 1;
    QTest::newRow("in") << "evt.type in (\"open\", openat, \"read\")" << 3;
    QTest::newRow("and or not") << "not proc.name == \"a\" and (evt.res < 0 or evt.res == \"ENOENT\")" << 3;
    QTest::newRow("symbols") << "!(proc.pid==1)&&fd.sport>=1024||fd.dport<=80" << 3;
    QTest::newRow("keywords any case") << "proc.pid == 1 AND NOT proc.ppid != 2 Or fd.dip == \"::1\"" << 3;
    QTest::newRow("time") << "evt.time >= \"2026-11-22T10:15:00Z\" and evt.time < \"2026-11-22T11:15:00.5+01:00\"" << 2;
    QTest::newRow("time epoch ns") << "evt.time > 1700000000000000000" << 1;
    QTest::newRow("errno bare") << "evt.res == EACCES" << 1;
    QTest::newRow("negative") << "evt.res == -2" << 1;
    QTest::newRow("ip bare") << "fd.sip == 10.0.0.1" << 1;
    QTest::newRow("unicode") << "proc.cmdline contains \"ünïcode\"" << 1;
    QTest::newRow("all fields") << "proc.name==a or proc.pid==1 or proc.ppid==1 or proc.exe==a or "
                                   "proc.cmdline==a or evt.type==a or evt.res==1 or evt.time==1 or "
                                   "fd.name==a or fd.directory==a or fd.sip==a or fd.sport==1 or "
                                   "fd.dip==a or fd.dport==1"
                                << 14;
}

void TestFilterLanguage::validExpressions()
{
    QFETCH(QString, text);
    QFETCH(int, params);
    auto compiled = compileFilter(text.toStdString());
    QVERIFY2(compiled.ok(), compiled.ok() ? "" : compiled.error().c_str());
    QCOMPARE(int(compiled->params.size()), params);
    QCOMPARE(compiled->matchesAll(), params == 0);
}

void TestFilterLanguage::errors_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<int>("column");
    QTest::addColumn<QString>("message");
    QTest::newRow("no value") << "proc.name ==" << 13 << "expected a value after `==`";
    QTest::newRow("value is keyword") << "proc.pid == and" << 13 << "expected a value after `==`";
    QTest::newRow("no operator") << "proc.name \"bash\"" << 11 << "expected an operator after `proc.name`";
    QTest::newRow("missing paren") << "(proc.pid == 1 or proc.pid == 2" << 32
                                   << "expected `)` to close the `(` at column 1";
    QTest::newRow("stray paren") << "proc.pid == 1)" << 14 << "expected `and`, `or` or the end";
    QTest::newRow("dangling and") << "proc.pid == 1 and" << 18 << "expected a field name";
    QTest::newRow("double and") << "proc.pid == 1 and and proc.pid == 2" << 19 << "expected a field name";
    QTest::newRow("empty parens") << "()" << 2 << "expected a field name";
    QTest::newRow("unterminated") << "fd.name == \"abc" << 12 << "unterminated string";
    QTest::newRow("bad escape") << "fd.name == \"a\\nb\"" << 14 << "unknown escape";
    QTest::newRow("in no paren") << "proc.pid in 1, 2" << 13 << "expected `(` after `in`";
    QTest::newRow("in trailing comma") << "proc.pid in (1, )" << 17 << "expected a value after `,`";
    QTest::newRow("in no close") << "proc.pid in (1 2)" << 16 << "expected `,` or `)`";
    QTest::newRow("single ampersand") << "proc.pid == 1 & proc.pid == 2" << 15 << "unexpected `&`";
    QTest::newRow("string as field") << "\"proc.pid\" == 1" << 1 << "expected a field name";
    QTest::newRow("unknown field") << "proc.nme == \"x\"" << 1 << "unknown field `proc.nme`; fields: proc.name, proc.pid";
    QTest::newRow("unknown field later") << "proc.pid == 1 or fd.nam contains x" << 18 << "unknown field `fd.nam`";
    QTest::newRow("type mismatch") << "proc.pid == \"abc\"" << 13 << "`proc.pid` is a number; `\"abc\"` is not a number";
    QTest::newRow("contains on number") << "fd.dport contains 80" << 10 << "`contains` needs a text field; `fd.dport` is a number";
    QTest::newRow("unknown errno") << "evt.res == \"ENOPE\"" << 12 << "an errno name such as \"ENOENT\"";
    QTest::newRow("errno ordering") << "evt.res < ENOENT" << 11 << "only be compared with ==, != or in";
    QTest::newRow("time without zone") << "evt.time > \"2026-11-22T10:15:00\"" << 12 << "ISO 8601 time with a zone";
    QTest::newRow("time garbage") << "evt.time > \"yesterday\"" << 12 << "ISO 8601";
    QTest::newRow("unicode column") << "fd.name == \"ü\" and" << 19 << "expected a field name";
}

void TestFilterLanguage::errors()
{
    QFETCH(QString, text);
    QFETCH(int, column);
    QFETCH(QString, message);
    FilterError error;
    auto compiled = compileFilter(text.toStdString(), &error);
    QVERIFY(!compiled.ok());
    QCOMPARE(error.column, column);
    QVERIFY2(QString::fromStdString(error.message).contains(message), error.message.c_str());
    QCOMPARE(compiled.error(), "column " + std::to_string(column) + ": " + error.message);
}

void TestFilterLanguage::literalsAreBound_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<QString>("literal");
    QTest::newRow("sql quote") << R"(fd.name == "x' OR 1=1 --")" << "x' OR 1=1 --";
    QTest::newRow("escaped double quote") << R"(fd.name == "x\" OR 1=1 --")" << "x\" OR 1=1 --";
    QTest::newRow("backslash") << R"(proc.cmdline contains "a\\b")" << "a\\b";
    QTest::newRow("drop table") << R"(proc.name == "a'); DROP TABLE events; --")"
                                << "a'); DROP TABLE events; --";
    QTest::newRow("bare word with quote") << "proc.name == it's" << "it's";
    QTest::newRow("startswith semicolon") << R"(fd.name startswith ";--")" << ";--";
}

void TestFilterLanguage::literalsAreBound()
{
    QFETCH(QString, text);
    QFETCH(QString, literal);
    auto compiled = compileFilter(text.toStdString());
    QVERIFY2(compiled.ok(), compiled.ok() ? "" : compiled.error().c_str());
    QCOMPARE(compiled->params.size(), size_t(1));
    QCOMPARE(QString::fromStdString(compiled->params[0].text), literal);
    // The SQL holds placeholders only: no quote of the user's ever reaches it.
    QVERIFY(!QString::fromStdString(compiled->whereSql).contains(literal));
    QVERIFY(!QString::fromStdString(compiled->whereSql).contains('"'));
    QVERIFY(QString::fromStdString(compiled->whereSql).contains("?1"));
    // Nor the planner's form: every SQL text in its tree has placeholders only.
    QVERIFY(compiled->plan);
    std::vector<const filter::PlanNode *> nodes = {compiled->plan.get()};
    int placeholders = 0;
    while (!nodes.empty()) {
        const filter::PlanNode *node = nodes.back();
        nodes.pop_back();
        const QString sql = QString::fromStdString(node->sql);
        QVERIFY2(!sql.contains(literal), qPrintable(sql));
        QVERIFY2(!sql.contains('"'), qPrintable(sql));
        placeholders += sql.contains("?1");
        for (const auto &child : {node->left, node->right}) {
            if (child)
                nodes.push_back(child.get());
        }
    }
    QVERIFY(placeholders > 0);
}

void TestFilterLanguage::planNeedsNoProcessJoin()
{
    // The planner's form of proc.name and proc.ppid reads the event row and the
    // processes table apart (e.comm, or the process's base_comm when e.comm is NULL),
    // so a scan never joins; whereSql keeps the join and says so.
    for (const char *text : {"proc.name == bash", "proc.ppid > 1", "not proc.name startswith \"ba\"",
                             "proc.name in (a, b) or proc.ppid == 7"}) {
        auto compiled = compileFilter(text);
        QVERIFY(compiled.ok());
        QVERIFY(compiled->needsProcessRow);
        QVERIFY(compiled->plan);
        std::vector<const filter::PlanNode *> nodes = {compiled->plan.get()};
        bool guard = false;
        while (!nodes.empty()) {
            const filter::PlanNode *node = nodes.back();
            nodes.pop_back();
            QVERIFY2(!QRegularExpression("\\bp\\.").match(QString::fromStdString(node->sql)).hasMatch(),
                     node->sql.c_str());
            guard = guard || node->guard;
            for (const auto &child : {node->left, node->right}) {
                if (child)
                    nodes.push_back(child.get());
            }
        }
        QVERIFY(guard); // the join's "has a process row" is kept as a membership
    }
    auto pid = compileFilter("proc.pid == 5");
    QVERIFY(pid.ok() && pid->plan && !pid->needsProcessRow);
    QCOMPARE(pid->plan->kind, filter::PlanNode::Kind::Member);
    QCOMPARE(pid->plan->column, filter::EventColumn::Proc);
    QVERIFY(!compileFilter("")->plan);
}

void TestFilterLanguage::isoTimes_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<qint64>("epochNs");
    QTest::newRow("Z") << "2023-11-14T22:13:20Z" << qint64(1'700'000'000'000'000'000);
    QTest::newRow("fraction") << "2023-11-14T22:13:20.5Z" << qint64(1'700'000'000'500'000'000);
    QTest::newRow("nanoseconds") << "2023-11-14T22:13:20.000000001Z" << qint64(1'700'000'000'000'000'001);
    QTest::newRow("offset") << "2023-11-14T23:13:20+01:00" << qint64(1'700'000'000'000'000'000);
    QTest::newRow("negative offset") << "2023-11-14T17:13:20-0500" << qint64(1'700'000'000'000'000'000);
    QTest::newRow("space") << "2023-11-14 22:13:20Z" << qint64(1'700'000'000'000'000'000);
    QTest::newRow("epoch") << "1970-01-01T00:00:00Z" << qint64(0);
    QTest::newRow("leap day") << "2024-02-29T00:00:00Z" << qint64(1'709'164'800'000'000'000);
}

void TestFilterLanguage::isoTimes()
{
    QFETCH(QString, text);
    QFETCH(qint64, epochNs);
    int64_t parsed = 0;
    QVERIFY(filter::parseIsoTime(text.toStdString(), parsed));
    QCOMPARE(qint64(parsed), epochNs);
}

void TestFilterLanguage::fieldNames()
{
    const std::vector<std::string> expected = {"proc.name", "proc.pid",  "proc.ppid",   "proc.exe",
                                               "proc.cmdline", "evt.type", "evt.res", "evt.time",
                                               "fd.name",   "fd.directory", "fd.sip", "fd.sport",
                                               "fd.dip",    "fd.dport"};
    QCOMPARE(filterFieldNames(), expected);
}

QTEST_GUILESS_MAIN(TestFilterLanguage)
#include "tst_filter_language.moc"
