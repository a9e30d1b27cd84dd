// Display filters run against a real session written by SessionWriter: every field
// and operator selects exactly the expected events, in id order.
#include "event_query.h"
#include "session_samples.h"

#include <QRandomGenerator>
#include <QTemporaryDir>

#include <chrono>
#include <thread>

using namespace provscope;
using namespace provscope::test;

namespace {

constexpr uint64_t kSecond = 1'000'000'000ull;

// Nine events; event i happens at kBoot + i seconds, i.e. at 2023-11-14T23:36:(40+i)Z.
std::vector<CaptureBatch> filterBatches()
{
    CaptureBatch batch;
    auto process = [&](uint32_t pid, uint32_t ppid, const char *comm, const char *exe,
                       std::vector<std::string> argv) {
        ProcessInfo p;
        p.pid = pid;
        p.startNs = kBoot + pid;
        p.ppid = ppid;
        p.uid = 1000;
        p.comm = comm;
        p.exe = exe;
        p.argv = std::move(argv);
        batch.processes.push_back(p);
    };
    process(100, 1, "bash", "/usr/bin/bash", {"bash", "-c", "run it"});
    process(200, 100, "cat", "/usr/bin/cat", {"cat", "/etc/passwd"});
    process(300, 100, "curl", "/usr/bin/curl", {"curl", "https://example.org"});
    auto event = [&](uint32_t pid, const char *comm, const char *syscall, int64_t ret,
                     const char *path = "") {
        Event e = makeEvent(pid, kBoot + pid, comm, syscall, kBoot + (batch.events.size() + 1) * kSecond);
        e.ppid = pid == 100 ? 1 : 100;
        e.ret = ret;
        e.path = path;
        batch.events.push_back(e);
        return &batch.events.back();
    };
    event(100, "bash", "openat", 3, "/etc/passwd");          // 1
    event(200, "cat", "openat", -13, "/etc/shadow");         // 2 EACCES
    event(200, "cat", "read", 100, "/etc/passwd");           // 3
    event(100, "bash", "openat", -2, "/home/u/missing");     // 4 ENOENT
    event(100, "bash", "renameat2", 0, "/tmp/a.txt")->path2 = "/tmp/b \"q\".txt"; // 5
    for (const char *syscall : {"connect", "sendto"}) {      // 6, 7
        Event *e = event(300, "curl", syscall, 0);
        e->laddr = "10.0.0.5";
        e->lport = 40000;
        e->raddr = "93.184.216.34";
        e->rport = 443;
    }
    event(300, "curl", "openat", 4, "/tmp/it's");            // 8
    event(200, "cat", "close", 0);                           // 9
    return {batch};
}

// Awkward names: LIKE wildcards, quotes, backslashes, spaces, UTF-8, SQL text.
const std::vector<std::string> &oddPaths()
{
    static const std::vector<std::string> paths = {
        "/etc/passwd", "/etc/shadow", "/tmp/100%", "/tmp/100_", "/tmp/1000", "/tmp/a_b", "/tmp/axb",
        "/tmp/it's", "/tmp/say \"hi\"", "/tmp/back\\slash", "/tmp/back\\", "/home/u/ünï cödé",
        "/x' OR 1=1 --", "/var/log/%d_%s", "relative", "/", "/a/b/c/d.txt", "/tmp/", "/etc/pass"};
    return paths;
}

// A session of a few thousand random events over the odd paths and more, for the
// planner-against-reference comparison.
std::vector<CaptureBatch> randomBatches(quint32 seed)
{
    QRandomGenerator rng(seed);
    auto pick = [&](const auto &v) -> const auto & { return v[size_t(rng.bounded(int(v.size())))]; };
    CaptureBatch batch;
    std::vector<std::string> paths = oddPaths();
    for (int i = 0; i < 180; ++i)
        paths.push_back("/data/d" + std::to_string(i % 7) + "/f" + std::to_string(i) + (i % 3 ? ".log" : ""));
    const std::vector<std::string> comms = {"bash", "cat", "x' OR 1=1", "sh", "100%", "a_b", "back\\"};
    const std::vector<std::string> syscalls = {"openat", "read", "write", "close", "connect", "renameat2",
                                               "unlink", "sendto", "execve"};
    const std::vector<std::string> addrs = {"10.0.0.5", "10.0.0.50", "93.184.216.34", "::1", "2001:db8::1",
                                            "192.168.1.1"};
    for (uint32_t i = 0; i < 40; ++i) {
        ProcessInfo p;
        p.pid = 1000 + i * 7;
        p.startNs = kBoot + i;
        p.ppid = i < 3 ? 1 : 1000 + (i / 3) * 7;
        p.uid = 1000;
        p.comm = pick(comms);
        if (i % 5)
            p.exe = i % 4 ? "/usr/bin/" + p.comm : pick(paths);
        p.argv = {p.comm, i % 2 ? "-c" : "%_", pick(paths)};
        batch.processes.push_back(p);
    }
    uint64_t ts = kBoot + kSecond;
    for (int i = 0; i < 3000; ++i) {
        const ProcessInfo &p = batch.processes[size_t(rng.bounded(int(batch.processes.size())))];
        const std::string syscall = pick(syscalls);
        ts += rng.bounded(1000000);
        const std::string comm = rng.bounded(8) == 0 ? pick(comms) : p.comm;
        Event e = makeEvent(p.pid, p.startNs, comm.c_str(), syscall.c_str(), ts);
        e.ppid = rng.bounded(10) == 0 ? 4242 : p.ppid;
        static const int64_t rets[] = {0, 3, 100, -2, -13, -111};
        e.ret = rets[rng.bounded(6)];
        if (syscall == "connect" || syscall == "sendto") {
            e.laddr = pick(addrs);
            e.lport = quint16(40000 + rng.bounded(4));
            if (rng.bounded(4)) {
                e.raddr = pick(addrs);
                e.rport = quint16(rng.bounded(2) ? 443 : 80);
            }
        } else if (syscall != "close" || rng.bounded(2)) {
            e.path = pick(paths);
            if (syscall == "renameat2")
                e.path2 = pick(paths);
        }
        batch.events.push_back(e);
    }
    return {batch};
}

// A random filter expression over every field, with values drawn from what the
// session holds (so that many match) and fragments meant to trip LIKE-style or
// quoting mistakes.
class ExpressionGenerator {
public:
    explicit ExpressionGenerator(quint32 seed) : m_rng(seed) {}

    std::string expression(int depth = 0)
    {
        const int r = int(m_rng.bounded(10));
        if (depth < 3 && r < 2)
            return "(" + expression(depth + 1) + (r ? " or " : " and ") + expression(depth + 1) + ")";
        if (depth < 3 && r == 2)
            return "not " + expression(depth + 1);
        if (depth < 3 && r == 3)
            return expression(depth + 1) + " and " + expression(depth + 1);
        return comparison();
    }

private:
    template <typename T> const T &pick(const std::vector<T> &v) { return v[size_t(m_rng.bounded(int(v.size())))]; }

    static std::string quoted(const std::string &text)
    {
        std::string out = "\"";
        for (char c : text) {
            if (c == '"' || c == '\\')
                out += '\\';
            out += c;
        }
        return out + "\"";
    }

    std::string textValue(const std::vector<std::string> &pool)
    {
        static const std::vector<std::string> fragments = {"%", "_", "\\", "'", "\"", "x", "/tmp", "/", "",
                                                           "ü", ".log", "1", "10.0", ":", "->", "a"};
        if (m_rng.bounded(3) == 0 && !m_wholeValues)
            return quoted(pick(fragments));
        const std::string &whole = pick(pool);
        if (m_rng.bounded(3) == 0 && !whole.empty() && !m_wholeValues) {
            const int from = int(m_rng.bounded(int(whole.size())));
            return quoted(whole.substr(size_t(from), size_t(m_rng.bounded(4) + 1)));
        }
        return quoted(whole);
    }

    std::string comparison()
    {
        static const std::vector<std::string> pathPool = [] {
            std::vector<std::string> v = oddPaths();
            v.insert(v.end(), {"/data/d3/f10", "/data/d1", "10.0.0.5:40001->93.184.216.34:443", "10.0.0.5:40000",
                               "::1:40002->2001:db8::1:80", "/usr/bin/bash", "bash -c /etc/passwd"});
            return v;
        }();
        static const std::vector<std::string> names = {"bash", "cat", "x' OR 1=1", "sh", "100%", "a_b",
                                                       "back\\", "openat", "read", "renameat2", "close"};
        static const std::vector<std::string> addrs = {"10.0.0.5", "10.0.0.50", "93.184.216.34", "::1",
                                                       "2001:db8::1", "192.168.1.1", ""};
        static const std::vector<std::string> textOps = {"==", "!=", "<", ">=", "contains", "startswith", "in"};
        static const std::vector<std::string> numberOps = {"==", "!=", "<", "<=", ">", ">=", "in"};
        struct Field {
            const char *name;
            const std::vector<std::string> *pool; // text
            std::vector<int64_t> numbers;         // number
        };
        static const std::vector<Field> fields = {
            {"proc.name", &names, {}},      {"proc.exe", &pathPool, {}},   {"proc.cmdline", &pathPool, {}},
            {"evt.type", &names, {}},       {"fd.name", &pathPool, {}},    {"fd.directory", &pathPool, {}},
            {"fd.sip", &addrs, {}},         {"fd.dip", &addrs, {}},        {"proc.pid", nullptr, {1000, 1007, 1021, 1273, 5}},
            {"proc.ppid", nullptr, {1, 1007, 4242, 1014}}, {"fd.sport", nullptr, {40000, 40003, 0}},
            {"fd.dport", nullptr, {443, 80, 0}}, {"evt.res", nullptr, {0, 3, -2, -13, 100}},
            {"evt.time", nullptr, {}},
        };
        // Half the time a field and operator the indexes answer (fd.name, proc.pid,
        // proc.exe over events_by_file/_file2/_proc), to exercise candidate algebra.
        const bool indexed = m_rng.bounded(2) == 0;
        static const std::vector<int> indexedFields = {1, 4, 4, 5, 8, 8};
        const Field &f = indexed ? fields[size_t(pick(indexedFields))] : pick(fields);
        const std::string name = f.name;
        if (name == "evt.time") {
            const int64_t epoch = 1'700'000'000'000'000'000ll + int64_t(kBoot + kSecond) +
                                  int64_t(m_rng.bounded(3000)) * 500000;
            static const std::vector<std::string> timeOps = {"<", ">=", "==", "!="};
            return name + " " + pick(timeOps) + " " + std::to_string(epoch);
        }
        static const std::vector<std::string> indexedOps = {"==", "==", "in", "startswith"};
        const std::string op = indexed && f.pool ? pick(indexedOps) : f.pool ? pick(textOps) : pick(numberOps);
        m_wholeValues = indexed;
        auto value = [&] {
            if (f.pool)
                return textValue(*f.pool);
            if (name == "evt.res" && m_rng.bounded(3) == 0)
                return std::string(m_rng.bounded(2) ? "ENOENT" : "\"EACCES\"");
            return std::to_string(pick(f.numbers));
        };
        if (op == "in") {
            std::string list = value();
            for (int k = int(m_rng.bounded(3)); k > 0; --k)
                list += ", " + value();
            return name + " in (" + list + ")";
        }
        std::string v = value();
        if (name == "evt.res" && op != "==" && op != "!=" && (v == "ENOENT" || v[0] == '"'))
            v = "-2";
        return name + " " + op + " " + v;
    }

    QRandomGenerator m_rng;
    bool m_wholeValues = false;
};

QByteArray fileHash(const QString &path)
{
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly))
        return {};
    return QCryptographicHash::hash(f.readAll(), QCryptographicHash::Sha256);
}

} // namespace

class TestEventQuery : public QObject {
    Q_OBJECT
private slots:
    void initTestCase();
    void selects_data();
    void selects();
    void eventsInIdOrder();
    void chunksAndCancel();
    void injectionLeavesFileUnchanged();
    void pidFilterUsesIndex();
    void plannerEqualsReference_data();
    void plannerEqualsReference();
    void oddPathsAreLiteral_data();
    void oddPathsAreLiteral();
    void plansTaken();
    void progressAndPromptCancel();
    void longChainsOfAlternatives();

private:
    std::vector<int64_t> ids(const QString &text);
    static std::vector<int64_t> run(EventQuery &query, const CompiledFilter &filter, int64_t firstId = 1);
    QTemporaryDir m_dir;
    QString m_path;
    std::unique_ptr<EventQuery> m_query;
    QString m_randomPath;
    std::vector<CaptureBatch> m_random;
};

void TestEventQuery::initTestCase()
{
    QVERIFY(m_dir.isValid());
    m_path = m_dir.filePath("filter.provscope");
    auto writer = SessionWriter::create(m_path.toStdString(), sampleMeta());
    QVERIFY2(writer.ok(), writer.ok() ? "" : writer.error().c_str());
    for (CaptureBatch &batch : filterBatches())
        QVERIFY(writer.value()->append(batch).ok());
    QVERIFY(writer.value()->finish(kBoot + 100 * kSecond).ok());
    auto query = EventQuery::open(m_path.toStdString());
    QVERIFY2(query.ok(), query.ok() ? "" : query.error().c_str());
    m_query = std::move(query.value());

    m_randomPath = m_dir.filePath("random.provscope");
    auto randomWriter = SessionWriter::create(m_randomPath.toStdString(), sampleMeta());
    QVERIFY(randomWriter.ok());
    m_random = randomBatches(20261122);
    for (CaptureBatch &batch : m_random) {
        CaptureBatch copy = batch;
        QVERIFY(randomWriter.value()->append(copy).ok());
    }
    QVERIFY(randomWriter.value()->finish(kBoot + 3600 * kSecond).ok());
}

std::vector<int64_t> TestEventQuery::run(EventQuery &query, const CompiledFilter &filter, int64_t firstId)
{
    std::vector<int64_t> result;
    auto done = query.matchingIds(filter, [&](const std::vector<int64_t> &chunk) {
        result.insert(result.end(), chunk.begin(), chunk.end());
        return true;
    }, 7, firstId);
    if (!done) {
        qWarning("%s: %s", filter.text.c_str(), done.error().c_str());
        return {-2};
    }
    return result;
}

std::vector<int64_t> TestEventQuery::ids(const QString &text)
{
    std::vector<int64_t> result;
    auto compiled = compileFilter(text.toStdString());
    if (!compiled) {
        qWarning("%s", compiled.error().c_str());
        return {-1};
    }
    auto done = m_query->matchingIds(*compiled, [&](const std::vector<int64_t> &chunk) {
        result.insert(result.end(), chunk.begin(), chunk.end());
        return true;
    });
    if (!done) {
        qWarning("%s", done.error().c_str());
        return {-2};
    }
    return result;
}

void TestEventQuery::selects_data()
{
    using Ids = std::vector<int64_t>;
    QTest::addColumn<QString>("text");
    QTest::addColumn<Ids>("expected");
    QTest::newRow("empty") << "" << Ids{1, 2, 3, 4, 5, 6, 7, 8, 9};
    QTest::newRow("proc.name ==") << "proc.name == \"cat\"" << Ids{2, 3, 9};
    QTest::newRow("proc.name !=") << "proc.name != cat" << Ids{1, 4, 5, 6, 7, 8};
    QTest::newRow("proc.name startswith") << "proc.name startswith \"cu\"" << Ids{6, 7, 8};
    QTest::newRow("proc.pid ==") << "proc.pid == 200" << Ids{2, 3, 9};
    QTest::newRow("proc.pid in") << "proc.pid in (100, 300)" << Ids{1, 4, 5, 6, 7, 8};
    QTest::newRow("proc.pid >") << "proc.pid > 100" << Ids{2, 3, 6, 7, 8, 9};
    QTest::newRow("proc.pid <=") << "proc.pid <= 200" << Ids{1, 2, 3, 4, 5, 9};
    QTest::newRow("proc.pid unknown") << "proc.pid == 4242" << Ids{};
    QTest::newRow("proc.ppid") << "proc.ppid == 100" << Ids{2, 3, 6, 7, 8, 9};
    QTest::newRow("proc.exe") << "proc.exe == \"/usr/bin/curl\"" << Ids{6, 7, 8};
    QTest::newRow("proc.cmdline contains") << "proc.cmdline contains \"run it\"" << Ids{1, 4, 5};
    QTest::newRow("proc.cmdline ==") << "proc.cmdline == \"cat /etc/passwd\"" << Ids{2, 3, 9};
    QTest::newRow("evt.type ==") << "evt.type == openat" << Ids{1, 2, 4, 8};
    QTest::newRow("evt.type startswith") << "evt.type startswith \"rena\"" << Ids{5};
    QTest::newRow("evt.type in") << "evt.type in (\"read\", \"close\")" << Ids{3, 9};
    QTest::newRow("evt.res ENOENT") << "evt.res == \"ENOENT\"" << Ids{4};
    QTest::newRow("evt.res EACCES bare") << "evt.res == EACCES" << Ids{2};
    QTest::newRow("evt.res != ENOENT") << "evt.res != ENOENT" << Ids{1, 2, 3, 5, 6, 7, 8, 9};
    QTest::newRow("evt.res < 0") << "evt.res < 0" << Ids{2, 4};
    QTest::newRow("evt.res number") << "evt.res == -13" << Ids{2};
    QTest::newRow("evt.res in errnos") << "evt.res in (ENOENT, \"EACCES\", 100)" << Ids{2, 3, 4};
    QTest::newRow("fd.name == path") << "fd.name == \"/etc/passwd\"" << Ids{1, 3};
    QTest::newRow("fd.name == path2") << "fd.name == \"/tmp/b \\\"q\\\".txt\"" << Ids{5};
    QTest::newRow("fd.name contains") << "fd.name contains \"passwd\"" << Ids{1, 3};
    QTest::newRow("fd.name startswith") << "fd.name startswith \"/tmp/\"" << Ids{5, 8};
    QTest::newRow("fd.name != (has a name)") << "fd.name != \"/etc/passwd\"" << Ids{2, 4, 5, 6, 7, 8};
    QTest::newRow("not fd.name ==") << "not fd.name == \"/etc/passwd\"" << Ids{2, 4, 5, 6, 7, 8, 9};
    QTest::newRow("fd.name != path2") << "fd.name != \"/tmp/a.txt\"" << Ids{1, 2, 3, 4, 6, 7, 8};
    QTest::newRow("fd.name socket") << "fd.name == \"10.0.0.5:40000->93.184.216.34:443\"" << Ids{6, 7};
    QTest::newRow("fd.name < socket") << "fd.name < \"10.0.0.5:40000->93.184.216.34:443\"" << Ids{1, 2, 3, 4, 5, 8};
    QTest::newRow("fd.name >= socket") << "fd.name >= \"10.0.0.5:40000->93.184.216.34:443\"" << Ids{6, 7};
    QTest::newRow("fd.name startswith socket") << "fd.name startswith \"10.0.0.5:4\"" << Ids{6, 7};
    QTest::newRow("fd.name contains arrow") << "fd.name contains \"0->9\"" << Ids{6, 7};
    QTest::newRow("fd.directory ==") << "fd.directory == \"/etc\"" << Ids{1, 2, 3};
    QTest::newRow("fd.directory tmp") << "fd.directory == \"/tmp\"" << Ids{5, 8};
    QTest::newRow("fd.directory contains") << "fd.directory contains \"home\"" << Ids{4};
    QTest::newRow("fd.sip") << "fd.sip == \"10.0.0.5\"" << Ids{6, 7};
    QTest::newRow("fd.sip bare") << "fd.sip == 10.0.0.5" << Ids{6, 7};
    QTest::newRow("fd.sport") << "fd.sport == 40000" << Ids{6, 7};
    QTest::newRow("fd.dip") << "fd.dip startswith \"93.\"" << Ids{6, 7};
    QTest::newRow("fd.dport") << "fd.dport == 443" << Ids{6, 7};
    QTest::newRow("fd.dport >") << "fd.dport > 1000" << Ids{};
    QTest::newRow("time >= Z") << "evt.time >= \"2023-11-14T23:36:45Z\"" << Ids{5, 6, 7, 8, 9};
    QTest::newRow("time offset") << "evt.time >= \"2023-11-15T00:36:45+01:00\"" << Ids{5, 6, 7, 8, 9};
    QTest::newRow("time negative offset") << "evt.time < \"2023-11-14T18:36:43-05:00\"" << Ids{1, 2};
    QTest::newRow("time fraction") << "evt.time > \"2023-11-14T23:36:44.5Z\"" << Ids{5, 6, 7, 8, 9};
    QTest::newRow("time ns") << "evt.time < \"2023-11-14T23:36:44.000000001Z\"" << Ids{1, 2, 3, 4};
    QTest::newRow("time ==") << "evt.time == \"2023-11-14T23:36:43Z\"" << Ids{3};
    QTest::newRow("time range") << "evt.time > \"2023-11-14T23:36:42Z\" and evt.time <= \"2023-11-14T23:36:44Z\""
                                << Ids{3, 4};
    QTest::newRow("and binds tighter than or")
        << "proc.name == bash or proc.name == cat and evt.type == read" << Ids{1, 3, 4, 5};
    QTest::newRow("parentheses") << "(proc.name == bash or proc.name == cat) and evt.type == read" << Ids{3};
    QTest::newRow("not binds tightest") << "not proc.name == bash and evt.type == openat" << Ids{2, 8};
    QTest::newRow("not of group") << "not (proc.name == bash or evt.type == openat)" << Ids{3, 6, 7, 9};
    QTest::newRow("double not") << "not not proc.pid == 300" << Ids{6, 7, 8};
    QTest::newRow("symbols") << "!(proc.pid == 100) && (fd.dport == 443 || evt.res == EACCES)" << Ids{2, 6, 7};
    QTest::newRow("injection quote") << "fd.name == \"x' OR 1=1 --\"" << Ids{};
    QTest::newRow("injection double quote") << "proc.name == \"\\\" OR 1=1 --\"" << Ids{};
    QTest::newRow("injection in contains") << "fd.name contains \"') OR 1=1 --\"" << Ids{};
    QTest::newRow("quote is literal") << "fd.name == \"/tmp/it's\"" << Ids{8};
    QTest::newRow("contains quote") << "fd.name contains \"'\"" << Ids{8};
}

void TestEventQuery::selects()
{
    QFETCH(QString, text);
    QFETCH(std::vector<int64_t>, expected);
    QCOMPARE(ids(text), expected);
}

void TestEventQuery::eventsInIdOrder()
{
    auto compiled = compileFilter("proc.pid == 200 or fd.dport == 443");
    QVERIFY(compiled.ok());
    std::vector<Event> events;
    auto done = m_query->forEachMatching(*compiled, 3, [&](const Event &e) {
        events.push_back(e);
        return true;
    });
    QVERIFY(done.ok());
    QCOMPARE(events.size(), size_t(3)); // the limit
    QCOMPARE(events[0].id, 2);
    QCOMPARE(events[0].path, std::string("/etc/shadow"));
    QCOMPARE(events[0].ret, -13);
    QCOMPARE(events[1].id, 3);
    QCOMPARE(events[2].id, 6);
    QCOMPARE(events[2].raddr, std::string("93.184.216.34"));
    QCOMPARE(events[2].comm, std::string("curl"));
    // From an id on.
    events.clear();
    QVERIFY(m_query->forEachMatching(*compiled, -1, [&](const Event &e) {
        events.push_back(e);
        return true;
    }, 7).ok());
    QCOMPARE(events.size(), size_t(2));
    QCOMPARE(events[0].id, 7);
    QCOMPARE(events[1].id, 9);
}

void TestEventQuery::chunksAndCancel()
{
    auto all = compileFilter("");
    QVERIFY(all.ok());
    std::vector<std::vector<int64_t>> chunks;
    QVERIFY(m_query->matchingIds(*all, [&](const std::vector<int64_t> &chunk) {
        if (!chunk.empty())
            chunks.push_back(chunk);
        return true;
    }, 4).ok());
    QCOMPARE(chunks.size(), size_t(3));
    QCOMPARE(chunks[0], (std::vector<int64_t>{1, 2, 3, 4}));
    QCOMPARE(chunks[2], (std::vector<int64_t>{9}));
    chunks.clear();
    QVERIFY(m_query->matchingIds(*all, [&](const std::vector<int64_t> &chunk) {
        chunks.push_back(chunk);
        return false; // cancel
    }, 4).ok());
    QCOMPARE(chunks.size(), size_t(1));
}

void TestEventQuery::injectionLeavesFileUnchanged()
{
    const QByteArray before = fileHash(m_path);
    QVERIFY(!before.isEmpty());
    for (const char *text : {"fd.name == \"x'; DROP TABLE events; --\"",
                             "proc.name == \"a\\\"); DELETE FROM events; --\"",
                             "fd.name contains \"%' OR '1'='1\""}) {
        QCOMPARE(ids(text), std::vector<int64_t>{});
    }
    QCOMPARE(ids(""), (std::vector<int64_t>{1, 2, 3, 4, 5, 6, 7, 8, 9}));
    QCOMPARE(fileHash(m_path), before);
    QVERIFY(!QFile::exists(m_path + "-journal"));
    QVERIFY(!QFile::exists(m_path + "-wal"));
}

void TestEventQuery::pidFilterUsesIndex()
{
    // proc.pid == N maps the pid to process rows first, then reads events by the
    // events_by_proc index (no scan of the events table).
    auto compiled = compileFilter("proc.pid == 200");
    QVERIFY(compiled.ok());
    sqlite3 *db = nullptr;
    QCOMPARE(sqlite3_open_v2(m_path.toUtf8().constData(), &db, SQLITE_OPEN_READONLY, nullptr), SQLITE_OK);
    const std::string sql = "EXPLAIN QUERY PLAN SELECT e.id FROM events e WHERE e.id >= 1 AND (" +
                            compiled->whereSql + ") ORDER BY e.id";
    sqlite3_stmt *st = nullptr;
    QCOMPARE(sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr), SQLITE_OK);
    QString plan;
    while (sqlite3_step(st) == SQLITE_ROW)
        plan += QString::fromUtf8(reinterpret_cast<const char *>(sqlite3_column_text(st, 3))) + "\n";
    sqlite3_finalize(st);
    sqlite3_close(db);
    QVERIFY2(plan.contains("events_by_proc"), qPrintable(plan));
}

void TestEventQuery::plannerEqualsReference_data()
{
    QTest::addColumn<int>("indexCap");
    QTest::addColumn<int>("verifyCap");
    QTest::addColumn<int>("scanRange");
    QTest::addColumn<quint32>("seed");
    QTest::addColumn<int>("threads");
    QTest::newRow("default limits") << 0 << 0 << 0 << 1u << 0;
    QTest::newRow("scan instead of verify") << 0 << 1 << 0 << 2u << 1;
    QTest::newRow("no index walks") << 1 << 0 << 0 << 3u << 1;
    QTest::newRow("small scan ranges") << 0 << 1 << 97 << 4u << 1;
    QTest::newRow("three scan threads") << 0 << 1 << 97 << 5u << 3;
    QTest::newRow("two threads, no index") << 1 << 0 << 250 << 6u << 2;
}

void TestEventQuery::plannerEqualsReference()
{
    // The planner (sets looked up first, index walks, candidates, scans comparing
    // integers) selects exactly what the filter's plain SQL selects, on many random
    // expressions over every field and operator, with and without a first id.
    QFETCH(int, indexCap);
    QFETCH(int, verifyCap);
    QFETCH(int, scanRange);
    QFETCH(quint32, seed);
    QFETCH(int, threads);
    auto planned = EventQuery::open(m_randomPath.toStdString());
    auto reference = EventQuery::open(m_randomPath.toStdString());
    QVERIFY(planned.ok() && reference.ok());
    planned.value()->setPlannerLimits(size_t(indexCap), size_t(verifyCap), scanRange);
    planned.value()->setScanThreads(threads);
    reference.value()->setReferenceMode(true);
    ExpressionGenerator generator(seed);
    QRandomGenerator rng(seed);
    std::map<std::string, int> plans;
    int nonEmpty = 0;
    const int count = 300;
    for (int i = 0; i < count; ++i) {
        const std::string text = generator.expression();
        auto compiled = compileFilter(text);
        QVERIFY2(compiled.ok(), (text + ": " + (compiled.ok() ? "" : compiled.error())).c_str());
        const int64_t firstId = rng.bounded(4) == 0 ? int64_t(rng.bounded(3000)) + 1 : 1;
        const std::vector<int64_t> expected = run(*reference.value(), *compiled, firstId);
        QCOMPARE(reference.value()->lastPlan(), std::string("reference"));
        const std::vector<int64_t> got = run(*planned.value(), *compiled, firstId);
        QVERIFY2(got == expected, (text + " from id " + std::to_string(firstId) + " (plan " +
                                   planned.value()->lastPlan() + "): " + std::to_string(got.size()) +
                                   " ids, reference " + std::to_string(expected.size()))
                                      .c_str());
        ++plans[planned.value()->lastPlan()];
        nonEmpty += !expected.empty();
        if (i % 10 == 0) {
            // Whole events (the CLI's path) too, with a limit.
            const int64_t limit = int64_t(rng.bounded(40)) - 1;
            auto events = [&](EventQuery &q) {
                std::vector<int64_t> seen;
                auto done = q.forEachMatching(*compiled, limit, [&](const Event &e) {
                    seen.push_back(e.id);
                    return true;
                }, firstId);
                return done ? seen : std::vector<int64_t>{-2};
            };
            QCOMPARE(events(*planned.value()), events(*reference.value()));
        }
    }
    QString seen;
    for (const auto &[plan, n] : plans)
        seen += QString::fromStdString(plan) + "=" + QString::number(n) + " ";
    qInfo("plans: %s; %d of %d expressions matched something", qPrintable(seen), nonEmpty, count);
    QVERIFY(nonEmpty > count / 4); // the comparison is not vacuous
    QVERIFY2(plans.size() >= 3, qPrintable(seen));
}

void TestEventQuery::oddPathsAreLiteral_data()
{
    QTest::addColumn<QString>("op");
    QTest::addColumn<QString>("value");
    for (const std::string &path : oddPaths())
        QTest::newRow(("== " + path).c_str()) << "==" << QString::fromStdString(path);
    for (const char *fragment : {"%", "_", "\\", "'", "\"", "100%", "a_b", "' OR 1=1", "\\slash", "ünï"}) {
        QTest::newRow((std::string("contains ") + fragment).c_str()) << "contains" << fragment;
        QTest::newRow((std::string("startswith /tmp/") + fragment).c_str())
            << "startswith" << QString("/tmp/") + fragment;
    }
}

void TestEventQuery::oddPathsAreLiteral()
{
    // Paths with LIKE wildcards, quotes and backslashes match only literally: the
    // expected ids are computed here from the events written.
    QFETCH(QString, op);
    QFETCH(QString, value);
    const std::string v = value.toStdString();
    auto matches = [&](const std::string &name) {
        if (name.empty())
            return false;
        if (op == "==")
            return name == v;
        if (op == "contains")
            return name.find(v) != std::string::npos;
        return name.compare(0, v.size(), v) == 0;
    };
    std::vector<int64_t> expected;
    int64_t id = 0;
    for (const CaptureBatch &batch : m_random) {
        for (const Event &e : batch.events) {
            ++id;
            std::string socket;
            if (!e.laddr.empty())
                socket = e.laddr + ":" + std::to_string(e.lport) +
                         (e.raddr.empty() ? "" : "->" + e.raddr + ":" + std::to_string(e.rport));
            if (matches(e.path) || matches(e.path2) || matches(socket))
                expected.push_back(id);
        }
    }
    std::string literal = "\"";
    for (char c : v) {
        if (c == '"' || c == '\\')
            literal += '\\';
        literal += c;
    }
    literal += '"';
    auto compiled = compileFilter("fd.name " + op.toStdString() + " " + literal);
    QVERIFY2(compiled.ok(), compiled.ok() ? "" : compiled.error().c_str());
    auto query = EventQuery::open(m_randomPath.toStdString());
    QVERIFY(query.ok());
    QCOMPARE(run(*query.value(), *compiled), expected);
    query.value()->setReferenceMode(true);
    QCOMPARE(run(*query.value(), *compiled), expected);
}

void TestEventQuery::plansTaken()
{
    // What a user notices as speed on ten million events: a selective text filter is
    // answered from the indexes, a negated one by the complement, a combination with
    // an unindexed field by checking the few candidates.
    auto query = EventQuery::open(m_randomPath.toStdString());
    QVERIFY(query.ok());
    EventQuery &q = *query.value();
    auto reference = EventQuery::open(m_randomPath.toStdString());
    QVERIFY(reference.ok());
    reference.value()->setReferenceMode(true);
    auto planOf = [&](const char *text) {
        auto compiled = compileFilter(text);
        if (!compiled)
            return std::string("error");
        if (run(q, *compiled) != run(*reference.value(), *compiled))
            return std::string("different ids");
        return q.lastPlan();
    };
    QCOMPARE(planOf("fd.name == \"/etc/passwd\""), std::string("index"));
    QCOMPARE(planOf("fd.name contains \"passwd\" or proc.pid == 1007"), std::string("index"));
    QCOMPARE(planOf("not fd.name == \"/etc/passwd\""), std::string("index"));
    QCOMPARE(planOf("fd.name == \"/etc/passwd\" and not proc.pid == 1007"), std::string("index"));
    QCOMPARE(planOf("fd.name == \"/etc/passwd\" and evt.type == read"), std::string("verify"));
    QCOMPARE(planOf("evt.type == read"), std::string("scan"));
    QCOMPARE(planOf("fd.name == \"no such file\""), std::string("empty"));
    QCOMPARE(planOf("fd.name == \"no such file\" or evt.type == \"no such call\""), std::string("empty"));
    q.setPlannerLimits(0, 1, 0);
    QCOMPARE(planOf("fd.name == \"/etc/passwd\" and evt.type == read"), std::string("scan+index"));
}

void TestEventQuery::progressAndPromptCancel()
{
    auto query = EventQuery::open(m_randomPath.toStdString());
    QVERIFY(query.ok());
    EventQuery &q = *query.value();
    q.setPlannerLimits(0, 0, 100); // 30 ranges
    auto compiled = compileFilter("evt.type == read");
    QVERIFY(compiled.ok());
    // Progress rises to 1; the callback is throttled (a slow consumer sees few calls).
    std::vector<double> fractions;
    size_t total = 0;
    QVERIFY(q.matchingIds(*compiled, [&](const std::vector<int64_t> &chunk) {
        total += chunk.size();
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
        return true;
    }, [&](double f) {
        fractions.push_back(f);
        return true;
    }).ok());
    QVERIFY(total > 0);
    QVERIFY(!fractions.empty());
    QCOMPARE(fractions.back(), 1.0);
    QVERIFY(std::is_sorted(fractions.begin(), fractions.end()));
    QVERIFY(fractions.front() >= 0.0);
    QVERIFY2(fractions.size() < 40, qPrintable(QString::number(fractions.size())));
    // Returning false from the progress callback cancels: no 100%, fewer ids, ok.
    size_t partial = 0;
    int calls = 0;
    QVERIFY(q.matchingIds(*compiled, [&](const std::vector<int64_t> &chunk) {
        partial += chunk.size();
        // >= 120 ms of sleeps in all: the 50 ms progress throttle passes well before the end.
        std::this_thread::sleep_for(std::chrono::milliseconds(6));
        return true;
    }, [&](double) {
        ++calls;
        return false;
    }, 16).ok());
    QCOMPARE(calls, 1);
    QVERIFY2(partial < total, qPrintable(QString("%1 of %2").arg(partial).arg(total)));
}

void TestEventQuery::longChainsOfAlternatives()
{
    // 300 alternatives, as a user or a process tree's subtree filter may write them:
    // SQLite's parser takes about 100 nested parentheses, so chains must stay flat.
    QStringList results;
    QStringList mixed;
    QStringList values;
    for (int i = 0; i < 300; ++i) {
        results << QStringLiteral("evt.res == %1").arg(i - 150);
        mixed << QStringLiteral("(evt.res == %1 and not proc.pid == 0)").arg(i - 150);
        values << QString::number(i - 150);
    }
    const std::vector<int64_t> expected = ids(QStringLiteral("evt.res in (%1)").arg(values.join(QStringLiteral(", "))));
    QVERIFY(!expected.empty());
    QVERIFY(expected.front() > 0);
    QCOMPARE(ids(results.join(QStringLiteral(" or "))), expected);
    QCOMPARE(ids(mixed.join(QStringLiteral(" or "))), expected);
    auto reference = EventQuery::open(m_path.toStdString());
    QVERIFY(reference.ok());
    reference.value()->setReferenceMode(true);
    auto compiled = compileFilter(results.join(QStringLiteral(" or ")).toStdString());
    QVERIFY(compiled.ok());
    QCOMPARE(run(*reference.value(), *compiled), expected);
}

QTEST_GUILESS_MAIN(TestEventQuery)
#include "tst_event_query.moc"
