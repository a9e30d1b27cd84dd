// provscope-capture --jsonl DIR: BackTrack-compatible logs written live by a real
// eBPF capture of a real command. Needs root and BTF.
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QSet>
#include <QTemporaryDir>
#include <QTest>

#include <sys/stat.h>
#include <unistd.h>

namespace {

QList<QJsonObject> readLines(const QString &path)
{
    QList<QJsonObject> lines;
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return lines;
    for (const QByteArray &line : file.readAll().split('\n')) {
        if (line.isEmpty())
            continue;
        const QJsonDocument doc = QJsonDocument::fromJson(line);
        if (!doc.isObject()) {
            qWarning("not a JSON object: %s", line.constData());
            return {};
        }
        lines.append(doc.object());
    }
    return lines;
}

} // namespace

class TestJsonlCapture : public QObject {
    Q_OBJECT

private slots:
    void initTestCase();
    void execOfTheCommandIsInBothLogs_data();
    void execOfTheCommandIsInBothLogs();
    void logsBelongToTheInvokingUser();
    void existingLogsAreRefused();

private:
    QString binary(const QString &name) const { return m_binDir + "/" + name; }
    QProcess::ExitStatus capture(const QStringList &args, QByteArray &err, int &exitCode,
                                 const QProcessEnvironment &env = QProcessEnvironment::systemEnvironment());

    QString m_binDir;
    QTemporaryDir m_dir;
    QString m_true; // /bin/true as the kernel resolves it (e.g. /usr/bin/true)
};

QProcess::ExitStatus TestJsonlCapture::capture(const QStringList &args, QByteArray &err, int &exitCode,
                                               const QProcessEnvironment &env)
{
    QProcess process;
    process.setProcessEnvironment(env);
    process.start(binary("provscope-capture"), args);
    if (!process.waitForFinished(60000)) {
        process.kill();
        process.waitForFinished();
        err = "provscope-capture did not finish";
        exitCode = -1;
        return QProcess::CrashExit;
    }
    err = process.readAllStandardError();
    exitCode = process.exitCode();
    return process.exitStatus();
}

void TestJsonlCapture::initTestCase()
{
    if (geteuid() != 0)
        QSKIP("LIVE CAPTURE NOT TESTED: tst_jsonl_capture must run as root to load eBPF programs");
    if (!QFileInfo::exists("/sys/kernel/btf/vmlinux"))
        QSKIP("LIVE CAPTURE NOT TESTED: this kernel has no BTF (/sys/kernel/btf/vmlinux)");
    m_binDir = qEnvironmentVariable("PROVSCOPE_BIN_DIR", QCoreApplication::applicationDirPath());
    QVERIFY(m_dir.isValid());
    m_true = QFileInfo("/bin/true").canonicalFilePath();
    QVERIFY(!m_true.isEmpty());
}

void TestJsonlCapture::execOfTheCommandIsInBothLogs_data()
{
    QTest::addColumn<bool>("withSession");
    QTest::newRow("beside -o") << true;
    QTest::newRow("alone") << false;
}

void TestJsonlCapture::execOfTheCommandIsInBothLogs()
{
    QFETCH(bool, withSession);
    const QString tag = withSession ? "with" : "alone";
    const QString dir = m_dir.filePath("logs-" + tag); // does not exist yet: created
    QStringList args = {"--jsonl", dir};
    if (withSession)
        args << "-o" << m_dir.filePath(tag + ".provscope");
    args << "--" << "/bin/true";
    QByteArray err;
    int exitCode = -1;
    QCOMPARE(capture(args, err, exitCode), QProcess::NormalExit);
    QVERIFY2(exitCode == 0, err.constData());
    QVERIFY2(err.contains("BackTrack logs:"), err.constData());
    QCOMPARE(QFileInfo::exists(m_dir.filePath(tag + ".provscope")), withSession);

    // Other captures and processes may run on this machine: look for our exec only.
    const QList<QJsonObject> raw = readLines(dir + "/raw_syscalls.jsonl");
    QVERIFY(!raw.isEmpty());
    int execPid = 0;
    for (const QJsonObject &line : raw) {
        QCOMPARE(line.keys().size(), 9); // every raw line has BackTrack's nine keys
        if (line["EventName"] == "EXECVE" && line["Arguments"].toObject()["Pathname"].toString() == m_true) {
            QCOMPARE(line["SyscallID"].toString(), QString("59"));
            QCOMPARE(line["ProcessName"].toString(), QString("true"));
            QCOMPARE(line["ReturnValue"].toInteger(), 0);
            QVERIFY(line["Timestamp"].toInteger() > 1600000000000000LL); // epoch microseconds
            execPid = line["ProcessID"].toInt();
        }
    }
    QVERIFY2(execPid > 0, qPrintable("no EXECVE line for " + m_true));

    const QList<QJsonObject> tracker = readLines(dir + "/tracker.jsonl");
    QMap<QString, QJsonObject> nodes;
    bool execEdge = false;
    for (const QJsonObject &line : tracker) {
        if (line["LogType"] == "node") {
            nodes[line["UUID"].toString()] = line;
            continue;
        }
        QVERIFY2(nodes.contains(line["FromUUID"].toString()) && nodes.contains(line["ToUUID"].toString()),
                 "an edge names a node not written before it");
        const QJsonObject to = nodes[line["ToUUID"].toString()];
        if (line["EventName"] == "EXECVE" && line["FromName"] == m_true && to["ProcessID"].toInt() == execPid) {
            QCOMPARE(line["SyscallID"].toInt(), 59);
            QCOMPARE(to["NodeName"].toString(), QString("true"));
            QCOMPARE(to["NodeType"].toString(), QString("process"));
            QCOMPARE(nodes[line["FromUUID"].toString()]["NodeType"].toString(), QString("file"));
            execEdge = true;
        }
    }
    QVERIFY2(execEdge, "no EXECVE edge file -> process for the command");
}

void TestJsonlCapture::logsBelongToTheInvokingUser()
{
    // As if started through sudo by user 65534: the directory and logs are theirs.
    const QString shared = m_dir.filePath("shared");
    QVERIFY(QDir().mkpath(shared));
    QVERIFY(::chmod(QFile::encodeName(m_dir.path()).constData(), 0755) == 0);
    QVERIFY(::chmod(QFile::encodeName(shared).constData(), 01777) == 0);
    const QString dir = shared + "/nobody-logs";
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert("SUDO_UID", "65534");
    env.insert("SUDO_GID", "65534");
    QByteArray err;
    int exitCode = -1;
    QCOMPARE(capture({"--jsonl", dir, "--duration", "0.3"}, err, exitCode, env), QProcess::NormalExit);
    QVERIFY2(exitCode == 0, err.constData());
    for (const QString path : {dir, dir + "/raw_syscalls.jsonl", dir + "/tracker.jsonl"}) {
        struct stat st {};
        QVERIFY2(::stat(QFile::encodeName(path).constData(), &st) == 0, qPrintable(path));
        QCOMPARE(st.st_uid, uid_t(65534));
    }
}

void TestJsonlCapture::existingLogsAreRefused()
{
    const QString dir = m_dir.filePath("existing");
    QVERIFY(QDir().mkpath(dir));
    QFile old(dir + "/tracker.jsonl");
    QVERIFY(old.open(QIODevice::WriteOnly));
    old.write("keep\n");
    old.close();
    QByteArray err;
    int exitCode = -1;
    QCOMPARE(capture({"--jsonl", dir, "--duration", "0.3"}, err, exitCode), QProcess::NormalExit);
    QCOMPARE(exitCode, 1);
    QVERIFY2(err.contains("tracker.jsonl already exists; refusing to overwrite it"), err.constData());
    QVERIFY(old.open(QIODevice::ReadOnly));
    QCOMPARE(old.readAll(), QByteArray("keep\n"));
}

QTEST_GUILESS_MAIN(TestJsonlCapture)
#include "tst_jsonl_capture.moc"
