// PcapngWriter on a full disk: a 64 KiB tmpfs takes part of 300 packets. The file must
// end on a whole block, the writer must count exactly the packets in the file as
// written and the others as not written, and close() must report the error. Also: a
// discarded writer removes its file, but not a file put in its place. Needs root (mount).
#include "pcapng_blocks.h"
#include "pcapng_writer.h"

#include <QDir>
#include <QFile>
#include <QTemporaryDir>
#include <QTest>

#include <cerrno>
#include <cstring>
#include <sys/mount.h>
#include <unistd.h>

using namespace provscope;

class TestPcapngWriter : public QObject {
    Q_OBJECT

private slots:
    void fullDiskKeepsWholeBlocksAndCountsThem();
    void discardRemovesOnlyItsOwnFile();
};

void TestPcapngWriter::fullDiskKeepsWholeBlocksAndCountsThem()
{
    if (geteuid() != 0)
        QSKIP("FULL DISK NOT TESTED: mounting a small tmpfs needs root");
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString mountPoint = dir.filePath("small");
    QVERIFY(QDir().mkpath(mountPoint));
    QVERIFY2(::mount("tmpfs", QFile::encodeName(mountPoint).constData(), "tmpfs", MS_NOSUID | MS_NODEV, "size=64k") == 0,
             std::strerror(errno));
    struct Unmount {
        QString path;
        ~Unmount() { ::umount2(QFile::encodeName(path).constData(), MNT_DETACH); }
    } unmount{mountPoint};

    const QString path = mountPoint + "/full.pcapng";
    auto created = PcapngWriter::create(path.toStdString(), std::nullopt);
    QVERIFY2(created.ok(), created.ok() ? "" : created.error().c_str());
    std::unique_ptr<PcapngWriter> writer = std::move(created).value();
    QCOMPARE(writer->addInterface("lo", 1, 1500), uint32_t(0));
    const std::string frame(1000, 'p');
    constexpr uint64_t kPackets = 300;
    for (uint64_t i = 0; i < kPackets; ++i) {
        writer->addPacket(0, int64_t(1'700'000'000'000'000'000) + int64_t(i), reinterpret_cast<const uint8_t *>(frame.data()),
                          uint32_t(frame.size()), uint32_t(frame.size()));
        if (i == 20)
            writer->flush(); // some packets reach the file before the disk fills
    }
    QVERIFY2(!writer->failed() || writer->packets() > 0, "nothing was written before the disk filled");
    const auto closed = writer->close();
    QVERIFY2(!closed.ok(), "a full disk was not reported");
    QVERIFY2(closed.error().find("No space left on device") != std::string::npos, closed.error().c_str());
    QVERIFY(writer->failed());

    const PcapngBlocks blocks = countPcapngBlocks(path);
    QVERIFY(blocks.readable);
    qInfo("%llu packets in the file (%lld bytes), %llu counted written, %llu not written",
          (unsigned long long)blocks.packets, blocks.fileBytes, (unsigned long long)writer->packets(),
          (unsigned long long)writer->packetsNotWritten());
    QCOMPARE(blocks.wholeBytes, blocks.fileBytes); // cut back to the last whole block
    QVERIFY(blocks.packets > 20 && blocks.packets < kPackets);
    QCOMPARE(writer->packets(), blocks.packets);
    QCOMPARE(writer->packets() + writer->packetsNotWritten(), kPackets);
}

void TestPcapngWriter::discardRemovesOnlyItsOwnFile()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString path = dir.filePath("mine.pcapng");
    auto created = PcapngWriter::create(path.toStdString(), std::nullopt);
    QVERIFY(created.ok());
    created.value()->discard();
    QVERIFY2(!QFile::exists(path), "a discarded writer left its file");

    // Someone replaced the file meanwhile: theirs stays.
    auto again = PcapngWriter::create(path.toStdString(), std::nullopt);
    QVERIFY(again.ok());
    QVERIFY(QFile::remove(path));
    {
        QFile other(path);
        QVERIFY(other.open(QIODevice::WriteOnly));
        other.write("not ours");
    }
    again.value()->discard();
    QVERIFY2(QFile::exists(path), "discard removed a file it did not create");
}

QTEST_GUILESS_MAIN(TestPcapngWriter)
#include "tst_pcapng_writer.moc"
