// Annotations stored in a real session file: round trip on every target kind, the
// evidence digest untouched, failed saves leaving the file byte-identical, the CLI list.
#include "annotation_command.h"
#include "annotation_store.h"
#include "custody_log.h"
#include "evidence_digest.h"
#include "session_samples.h"
#include "verify_ok.h"

#include <QTemporaryDir>
#include <QtTest>

#include <cstdio>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

using namespace provscope;
using namespace provscope::test;

namespace {

constexpr uint64_t kChildStart = kBoot + 100; // process 200 of the sample

Annotation make(Annotation::Target target, std::string key, Annotation::Kind kind, std::string text)
{
    Annotation a;
    a.targetKind = target;
    a.target = std::move(key);
    a.kind = kind;
    a.text = std::move(text);
    a.createdNs = 1'763'788'800'000'000'000ll + int64_t(a.text.size());
    a.author = "alice";
    return a;
}

// Bookmark, tags and comments on all three target kinds; text a user might type,
// including quotes and SQL, which must be stored as text.
std::vector<Annotation> sampleAnnotations()
{
    return {
        make(Annotation::Target::Event, Annotation::eventTarget(2), Annotation::Kind::Bookmark, ""),
        make(Annotation::Target::Event, Annotation::eventTarget(4), Annotation::Kind::Tag, "exfil?"),
        make(Annotation::Target::Event, Annotation::eventTarget(4), Annotation::Kind::Comment,
             "reads /etc/shadow: \"denied\"\nsecond line"),
        make(Annotation::Target::Process, Annotation::processTarget(200, kChildStart), Annotation::Kind::Tag,
             "dropper"),
        make(Annotation::Target::Process, Annotation::processTarget(200, kChildStart), Annotation::Kind::Comment,
             "x'); DROP TABLE events; --"),
        make(Annotation::Target::Node, "file:/usr/bin/cat", Annotation::Kind::Tag, "ünïcode tag"),
        make(Annotation::Target::Node, "sock:10.0.0.1:22->10.0.0.2:5000", Annotation::Kind::Comment, "C2"),
    };
}

QByteArray fileBytes(const QString &path)
{
    QFile file(path);
    return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
}

// Runs fn with stdout redirected to a file; returns what it printed.
template <class Fn>
QByteArray captureStdout(const QString &path, Fn &&fn, int &status)
{
    std::fflush(stdout);
    const int saved = ::dup(1);
    const int fd = ::open(path.toLocal8Bit().constData(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    ::dup2(fd, 1);
    ::close(fd);
    status = fn();
    std::fflush(stdout);
    ::dup2(saved, 1);
    ::close(saved);
    return fileBytes(path);
}

} // namespace

class TestAnnotationStore : public QObject {
    Q_OBJECT

private slots:
    void init();
    void noTableMeansNone();
    void roundTrip();
    void saveReplacesAll();
    void saveKeepsEvidenceDigest();
    void readersStillOpenTheSession();
    void readerOpenedBeforeSaveStillReadsTheEvidence();
    void failedSaveLeavesFileAsItWas_data();
    void failedSaveLeavesFileAsItWas();
    void lockedSessionLeavesFileAsItWas();
    void readOnlyFileLeavesFileAsItWas_data();
    void readOnlyFileLeavesFileAsItWas();
    void recordingRefused();
    void notASession();
    void targetsParse();
    void cliLists();
    void cliJson();

private:
    QTemporaryDir m_dir;
    QString m_session;
};

void TestAnnotationStore::init()
{
    m_session = m_dir.filePath(QStringLiteral("case-%1.provscope").arg(QTest::currentTestFunction()));
    QFile::remove(m_session);
    QVERIFY(!writeSample(m_session.toStdString()).empty());
}

void TestAnnotationStore::noTableMeansNone()
{
    const QByteArray before = fileBytes(m_session);
    auto loaded = AnnotationStore::load(m_session.toStdString());
    VERIFY_OK(loaded);
    QVERIFY(loaded->empty());
    QCOMPARE(fileBytes(m_session), before); // loading never writes
    QCOMPARE(listing(m_dir.path()).filter(QStringLiteral("noTableMeansNone")).size(), 1);
}

void TestAnnotationStore::roundTrip()
{
    const std::vector<Annotation> annotations = sampleAnnotations();
    auto saved = AnnotationStore::save(m_session.toStdString(), annotations);
    VERIFY_OK(saved);
    QCOMPARE(saved->size(), annotations.size());
    for (size_t i = 0; i < saved->size(); ++i)
        QVERIFY((*saved)[i].id > 0);

    auto loaded = AnnotationStore::load(m_session.toStdString());
    VERIFY_OK(loaded);
    QCOMPARE(loaded->size(), annotations.size());
    for (size_t i = 0; i < loaded->size(); ++i) {
        const Annotation &got = (*loaded)[i];
        Annotation want = annotations[i];
        want.id = (*saved)[i].id;
        QCOMPARE(QString::fromStdString(got.target), QString::fromStdString(want.target));
        QCOMPARE(QString::fromStdString(got.text), QString::fromStdString(want.text));
        QVERIFY(got == want);
    }
    // The injection attempt is text, and the events are all there.
    auto reader = SessionReader::open(m_session.toStdString());
    VERIFY_OK(reader);
    QCOMPARE((*reader)->counts().events, int64_t(14));
    QVERIFY((*reader)->event(7));
}

void TestAnnotationStore::saveReplacesAll()
{
    auto saved = AnnotationStore::save(m_session.toStdString(), sampleAnnotations());
    VERIFY_OK(saved);
    std::vector<Annotation> edited = *saved;
    edited.erase(edited.begin()); // the bookmark removed
    edited[0].text = "exfiltration";
    Annotation added = make(Annotation::Target::Event, "5", Annotation::Kind::Bookmark, "look here");
    edited.push_back(added); // id 0: gets a new one
    auto again = AnnotationStore::save(m_session.toStdString(), edited);
    VERIFY_OK(again);
    QVERIFY(again->back().id > saved->back().id);

    auto loaded = AnnotationStore::load(m_session.toStdString());
    VERIFY_OK(loaded);
    QCOMPARE(loaded->size(), edited.size());
    QCOMPARE(loaded->front().text, std::string("exfiltration"));
    QCOMPARE(loaded->front().id, (*saved)[1].id); // ids stay
    QCOMPARE(loaded->back().target, std::string("5"));

    auto none = AnnotationStore::save(m_session.toStdString(), {});
    VERIFY_OK(none);
    loaded = AnnotationStore::load(m_session.toStdString());
    QVERIFY(loaded && loaded->empty());
}

void TestAnnotationStore::saveKeepsEvidenceDigest()
{
    auto before = checkEvidence(m_session.toStdString());
    VERIFY_OK(before);
    QCOMPARE(before->state, EvidenceCheck::State::Unchanged);
    const QByteArray bytesBefore = fileBytes(m_session);

    auto saved = AnnotationStore::save(m_session.toStdString(), sampleAnnotations());
    VERIFY_OK(saved);
    QVERIFY(fileBytes(m_session) != bytesBefore); // the annotations are in the file...

    auto after = checkEvidence(m_session.toStdString());
    VERIFY_OK(after);
    QCOMPARE(after->state, EvidenceCheck::State::Unchanged); // ...and the evidence is not changed
    QCOMPARE(after->current, before->current);
    QCOMPARE(after->recorded, before->recorded);
    QVERIFY(after->custody.empty()); // annotating is not adding evidence
}

void TestAnnotationStore::readersStillOpenTheSession()
{
    auto saved = AnnotationStore::save(m_session.toStdString(), sampleAnnotations());
    VERIFY_OK(saved);
    auto reader = SessionReader::open(m_session.toStdString()); // quick_check included (small file)
    VERIFY_OK(reader);
    QVERIFY(!(*reader)->isRecording());
    QCOMPARE((*reader)->meta().formatVersion, sessionFormatVersion());
    QCOMPARE(listing(m_dir.path()).filter(QStringLiteral("readersStill")).size(), 1); // no journal left
}

void TestAnnotationStore::readerOpenedBeforeSaveStillReadsTheEvidence()
{
    // The GUI's readers open the file immutable; a save only adds and frees pages of
    // the annotations table, so what they read of the evidence stays right.
    auto reader = SessionReader::open(m_session.toStdString());
    VERIFY_OK(reader);
    auto before = (*reader)->eventsByIdRange(1, 100);
    VERIFY_OK(before);
    std::vector<Annotation> many;
    for (int i = 0; i < 400; ++i)
        many.push_back(make(Annotation::Target::Event, std::to_string(1 + i % 14), Annotation::Kind::Comment,
                            std::string(300 + i, char('a' + i % 26))));
    VERIFY_OK(AnnotationStore::save(m_session.toStdString(), many));
    VERIFY_OK(AnnotationStore::save(m_session.toStdString(), sampleAnnotations())); // frees most of them
    auto after = (*reader)->eventsByIdRange(1, 100);
    VERIFY_OK(after);
    QCOMPARE(after->size(), before->size());
    for (size_t i = 0; i < after->size(); ++i)
        compareEvent((*after)[i], (*before)[i]);
    auto processes = (*reader)->processes();
    VERIFY_OK(processes);
    QCOMPARE(processes->size(), size_t(5)); // every process of the sample
    auto check = checkEvidence(m_session.toStdString());
    VERIFY_OK(check);
    QCOMPARE(check->state, EvidenceCheck::State::Unchanged);
}

void TestAnnotationStore::failedSaveLeavesFileAsItWas_data()
{
    QTest::addColumn<QString>("failure");
    QTest::newRow("duplicate id") << "duplicate id";     // fails after the DELETE and an INSERT
    QTest::newRow("symlink") << "symlink";               // never written through a link
}

void TestAnnotationStore::failedSaveLeavesFileAsItWas()
{
    QFETCH(QString, failure);
    auto first = AnnotationStore::save(m_session.toStdString(), sampleAnnotations());
    VERIFY_OK(first);
    const QByteArray before = fileBytes(m_session);
    const QStringList filesBefore = listing(m_dir.path());

    std::vector<Annotation> changed = *first;
    std::string path = m_session.toStdString();
    if (failure == "duplicate id") {
        changed.front().text = "changed";
        changed.back().id = changed.front().id;
    } else {
        const QString link = m_dir.filePath("link.provscope");
        QFile::remove(link);
        QVERIFY(QFile::link(m_session, link));
        path = link.toStdString();
    }
    auto saved = AnnotationStore::save(path, changed);
    QVERIFY(!saved);
    QVERIFY2(saved.error().find("cannot save the annotations to") == 0, saved.error().c_str());
    QCOMPARE(fileBytes(m_session), before);
    QStringList filesAfter = listing(m_dir.path());
    filesAfter.removeAll("link.provscope");
    QCOMPARE(filesAfter, filesBefore);
    auto loaded = AnnotationStore::load(m_session.toStdString());
    QVERIFY(loaded);
    QVERIFY(*loaded == *first);
}

void TestAnnotationStore::lockedSessionLeavesFileAsItWas()
{
    // Another connection reading inside a transaction (a non-immutable reader):
    // the save gets as far as COMMIT, cannot get the exclusive lock, and rolls back.
    const QByteArray before = fileBytes(m_session);
    sqlite3 *other = nullptr;
    QCOMPARE(sqlite3_open_v2(m_session.toLocal8Bit().constData(), &other, SQLITE_OPEN_READONLY, nullptr), SQLITE_OK);
    QCOMPARE(sqlite3_exec(other, "BEGIN; SELECT count(*) FROM meta;", nullptr, nullptr, nullptr), SQLITE_OK);
    sqlite3_stmt *st = nullptr;
    QCOMPARE(sqlite3_prepare_v2(other, "SELECT key FROM meta", -1, &st, nullptr), SQLITE_OK);
    QCOMPARE(sqlite3_step(st), SQLITE_ROW); // holds the shared lock

    auto saved = AnnotationStore::save(m_session.toStdString(), sampleAnnotations());
    sqlite3_finalize(st);
    sqlite3_exec(other, "COMMIT", nullptr, nullptr, nullptr);
    sqlite3_close(other);
    QVERIFY(!saved);
    QVERIFY2(saved.error().find("locked") != std::string::npos, saved.error().c_str());
    QCOMPARE(fileBytes(m_session), before);
    QVERIFY(!QFile::exists(m_session + "-journal"));
    auto loaded = AnnotationStore::load(m_session.toStdString());
    QVERIFY(loaded && loaded->empty());
}

void TestAnnotationStore::readOnlyFileLeavesFileAsItWas_data()
{
    QTest::addColumn<bool>("directory"); // false: the file is read-only; true: its directory
    QTest::newRow("read-only file") << false;
    QTest::newRow("read-only directory") << true;
}

void TestAnnotationStore::readOnlyFileLeavesFileAsItWas()
{
    QFETCH(bool, directory);
    // root ignores permissions: then the save runs in a child as nobody, like a user would.
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString path = dir.filePath("case.provscope");
    QVERIFY(QFile::copy(m_session, path));
    const QByteArray before = fileBytes(path);
    QVERIFY(::chmod(path.toLocal8Bit().constData(), 0444) == 0);
    QVERIFY(::chmod(dir.path().toLocal8Bit().constData(), directory ? 0555 : 0777) == 0);
    if (directory)
        QVERIFY(::chmod(path.toLocal8Bit().constData(), 0666) == 0);

    std::string error;
    if (::geteuid() == 0) {
        int pipeFds[2];
        QVERIFY(::pipe(pipeFds) == 0);
        const pid_t child = ::fork();
        if (child == 0) {
            ::close(pipeFds[0]);
            if (::setgid(65534) != 0 || ::setuid(65534) != 0)
                ::_exit(3);
            auto saved = AnnotationStore::save(path.toStdString(), sampleAnnotations());
            const std::string message = saved ? std::string() : saved.error();
            (void)!::write(pipeFds[1], message.data(), message.size());
            ::_exit(saved ? 0 : 1);
        }
        ::close(pipeFds[1]);
        char buffer[4096];
        ssize_t n = 0;
        while ((n = ::read(pipeFds[0], buffer, sizeof buffer)) > 0)
            error.append(buffer, size_t(n));
        ::close(pipeFds[0]);
        int status = 0;
        QCOMPARE(::waitpid(child, &status, 0), child);
        QVERIFY(WIFEXITED(status));
        QCOMPARE(WEXITSTATUS(status), 1);
    } else {
        auto saved = AnnotationStore::save(path.toStdString(), sampleAnnotations());
        QVERIFY(!saved);
        error = saved.error();
    }
    ::chmod(dir.path().toLocal8Bit().constData(), 0700);
    QVERIFY2(error.find("cannot save the annotations to") == 0, error.c_str());
    QVERIFY2(error.find("readonly") != std::string::npos || error.find("read-only") != std::string::npos
                 || error.find("unable to open") != std::string::npos,
             error.c_str());
    QCOMPARE(fileBytes(path), before);
    QCOMPARE(listing(dir.path()), QStringList {"case.provscope"});
}

void TestAnnotationStore::recordingRefused()
{
    const QString path = m_dir.filePath("live.provscope");
    QFile::remove(path);
    auto writer = SessionWriter::create(path.toStdString(), sampleMeta());
    VERIFY_OK(writer);
    CaptureBatch batch = sampleBatches().front();
    QVERIFY((*writer)->append(batch));
    auto loaded = AnnotationStore::load(path.toStdString());
    VERIFY_OK(loaded);
    QVERIFY(loaded->empty());
    auto saved = AnnotationStore::save(path.toStdString(), sampleAnnotations());
    QVERIFY(!saved);
    QVERIFY2(saved.error().find("is being recorded") != std::string::npos, saved.error().c_str());
}

void TestAnnotationStore::notASession()
{
    const QString path = m_dir.filePath("notes.txt");
    QFile file(path);
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.write("just some notes, long enough to look at, but no SQLite header here at all\n");
    file.close();
    const QByteArray before = fileBytes(path);
    auto loaded = AnnotationStore::load(path.toStdString());
    QVERIFY(!loaded);
    QVERIFY2(loaded.error().find("is not a provscope session") != std::string::npos, loaded.error().c_str());
    auto saved = AnnotationStore::save(path.toStdString(), sampleAnnotations());
    QVERIFY(!saved);
    QVERIFY2(saved.error().find("is not a provscope session") != std::string::npos, saved.error().c_str());
    QCOMPARE(fileBytes(path), before);
}

void TestAnnotationStore::targetsParse()
{
    Annotation process = make(Annotation::Target::Process, Annotation::processTarget(200, kChildStart),
                              Annotation::Kind::Tag, "t");
    uint32_t pid = 0;
    uint64_t start = 0;
    QVERIFY(process.processIdentity(pid, start));
    QCOMPARE(pid, 200u);
    QCOMPARE(start, kChildStart);
    QCOMPARE(processNodeKey(process), "proc:200@" + std::to_string(kChildStart));
    QVERIFY(!process.eventId());
    Annotation event = make(Annotation::Target::Event, "42", Annotation::Kind::Bookmark, "");
    QCOMPARE(event.eventId().value_or(0), int64_t(42));
    event.target = "42x";
    QVERIFY(!event.eventId());
    QCOMPARE(parseAnnotationKind("comment"), std::optional(Annotation::Kind::Comment));
    QVERIFY(!parseAnnotationKind("Comment"));
    QCOMPARE(parseAnnotationTarget("node"), std::optional(Annotation::Target::Node));

    // Where the panel's double-click goes: the graph of the process or file.
    auto poi = annotationPointOfInterest(process);
    QVERIFY(poi && poi->kind == PointOfInterest::Kind::Process && poi->pid == 200 && poi->startNs == kChildStart);
    poi = annotationPointOfInterest(make(Annotation::Target::Node, "file:/etc/passwd", Annotation::Kind::Tag, "t"));
    QVERIFY(poi && poi->kind == PointOfInterest::Kind::File && poi->path == "/etc/passwd");
    poi = annotationPointOfInterest(make(Annotation::Target::Node, "proc:7@99", Annotation::Kind::Tag, "t"));
    QVERIFY(poi && poi->pid == 7 && poi->startNs == 99);
    QVERIFY(!annotationPointOfInterest(make(Annotation::Target::Node, "sock:a:1->b:2", Annotation::Kind::Tag, "t")));
    QVERIFY(!annotationPointOfInterest(event));
}

void TestAnnotationStore::cliLists()
{
    auto saved = AnnotationStore::save(m_session.toStdString(), sampleAnnotations());
    VERIFY_OK(saved);
    int status = -1;
    const QString text = QString::fromUtf8(captureStdout(
        m_dir.filePath("out.txt"), [&] { return runAnnotationsCommand({m_session.toStdString()}); }, status));
    QCOMPARE(status, 0);
    QVERIFY2(text.startsWith("7 annotations in "), qPrintable(text));
    // What each is on, described from the session; the author and the text.
    QVERIFY2(text.contains("#1 bookmark on event 2: openat /home/user/very/deep/path (cat 200)\n"), qPrintable(text));
    QVERIFY2(text.contains("#2 tag \"exfil?\" on event 4: openat /etc/shadow (bash 100)\n"), qPrintable(text));
    QVERIFY2(text.contains("   | reads /etc/shadow: \"denied\"\n   | second line\n"), qPrintable(text));
    QVERIFY2(text.contains("#4 tag \"dropper\" on process cat (200) started 2023-11-14T23:36:40.000000100Z\n"),
             qPrintable(text));
    QVERIFY2(text.contains("   | x'); DROP TABLE events; --\n"), qPrintable(text));
    QVERIFY2(text.contains("#6 tag \"ünïcode tag\" on graph node: file /usr/bin/cat\n"), qPrintable(text));
    QVERIFY2(text.contains("   by alice at 2025-11-22T05:20:00.00000000"), qPrintable(text));

    const QString bare = m_dir.filePath("bare.provscope");
    QVERIFY(!writeSample(bare.toStdString()).empty());
    const QString none = QString::fromUtf8(captureStdout(
        m_dir.filePath("out2.txt"), [&] { return runAnnotationsCommand({bare.toStdString()}); }, status));
    QCOMPARE(status, 0);
    QCOMPARE(none, QStringLiteral("0 annotations in %1\n").arg(bare));

    QCOMPARE(runAnnotationsCommand({}), 2);
    QCOMPARE(runAnnotationsCommand({m_session.toStdString(), "--bogus"}), 2);
    QCOMPARE(runAnnotationsCommand({m_dir.filePath("missing.provscope").toStdString()}), 1);
}

void TestAnnotationStore::cliJson()
{
    auto saved = AnnotationStore::save(m_session.toStdString(), sampleAnnotations());
    VERIFY_OK(saved);
    int status = -1;
    const QByteArray out = captureStdout(
        m_dir.filePath("out.json"), [&] { return runAnnotationsCommand({m_session.toStdString(), "--json"}); },
        status);
    QCOMPARE(status, 0);
    const QList<QByteArray> lines = out.trimmed().split('\n');
    QCOMPARE(lines.size(), 7);
    QJsonParseError error;
    const QJsonObject comment = QJsonDocument::fromJson(lines[4], &error).object();
    QCOMPARE(error.error, QJsonParseError::NoError);
    QCOMPARE(comment.value("kind").toString(), QStringLiteral("comment"));
    QCOMPARE(comment.value("target_kind").toString(), QStringLiteral("process"));
    QCOMPARE(comment.value("target").toString(), QStringLiteral("200@%1").arg(kChildStart));
    QCOMPARE(comment.value("text").toString(), QStringLiteral("x'); DROP TABLE events; --"));
    QCOMPARE(comment.value("author").toString(), QStringLiteral("alice"));
    QVERIFY(comment.value("description").toString().startsWith("process cat (200) started 2023-11-14T23:36:40"));
}

QTEST_GUILESS_MAIN(TestAnnotationStore)
#include "tst_annotation_store.moc"
