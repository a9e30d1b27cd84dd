// The Flows tab's table model under -platform offscreen: the columns a user reads
// (process, peer, domain, flags, times), the default order (top flows by bytes),
// numeric and address sorting, and an unattributed flow said so, greyed.
#include "flow_table_model.h"

#include <QAbstractItemModelTester>
#include <QApplication>
#include <QPalette>
#include <QSignalSpy>
#include <QTest>

using namespace provscope;

namespace {
constexpr int64_t kBoot = 1700000000000000000LL;

Flow flow(uint64_t key, const char *dst, uint16_t dport, uint64_t bytesOut, uint64_t bytesIn, int64_t firstNs)
{
    Flow f;
    f.key = key;
    f.proto = kProtoTcp;
    f.src = "10.0.0.2";
    f.sport = uint16_t(40000 + key);
    f.dst = dst;
    f.dport = dport;
    f.packetsOut = bytesOut / 100;
    f.packetsIn = bytesIn / 100;
    f.bytesOut = bytesOut;
    f.bytesIn = bytesIn;
    f.tcpFlags = kTcpSyn | kTcpAck | kTcpFin;
    f.firstNs = firstNs;
    f.lastNs = firstNs + 1'500'000'000;
    f.interfaceName = "eth0";
    return f;
}

std::vector<Flow> sample()
{
    Flow a = flow(1, "10.0.0.9", 443, 1000, 9000, 5'000'000'000);
    a.dnsName = "example.com";
    a.pid = 412;
    a.procStartNs = 7;
    a.comm = "curl";
    Flow b = flow(2, "10.0.0.10", 80, 300, 200, 6'000'000'000); // 500 bytes
    b.peerPid = 99;
    b.peerComm = "nginx";
    b.pid = 413;
    b.comm = "wget";
    Flow c = flow(3, "192.168.1.1", 53, 70, 130, 4'000'000'000); // 200 bytes, unattributed
    c.proto = kProtoUdp;
    c.tcpFlags = 0;
    c.packetsOut = c.packetsIn = 1;
    return {a, b, c};
}

QString text(const FlowTableModel &model, int row, int column)
{
    return model.data(model.index(row, column)).toString();
}
} // namespace

class TstFlowTableModel : public QObject {
    Q_OBJECT

private slots:
    void columnsReadAsAUserExpects();
    void defaultOrderIsTopFlowsByBytes();
    void sortsNumbersAndAddresses();
    void timeFollowsTheWorkstationFormat();
};

void TstFlowTableModel::columnsReadAsAUserExpects()
{
    FlowTableModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.setFlows(sample());
    QCOMPARE(model.rowCount(), 3);
    QCOMPARE(model.columnCount(), int(FlowTableModel::ColumnCount));
    const int a = model.rowOfKey(1), b = model.rowOfKey(2), c = model.rowOfKey(3);
    QCOMPARE(text(model, a, FlowTableModel::Protocol), QStringLiteral("TCP"));
    QCOMPARE(text(model, c, FlowTableModel::Protocol), QStringLiteral("UDP"));
    QCOMPARE(text(model, a, FlowTableModel::Destination), QStringLiteral("10.0.0.9"));
    QCOMPARE(text(model, a, FlowTableModel::DestinationPort), QStringLiteral("443"));
    QCOMPARE(text(model, a, FlowTableModel::Domain), QStringLiteral("example.com"));
    QCOMPARE(text(model, a, FlowTableModel::Process), QStringLiteral("curl (412)"));
    QCOMPARE(text(model, b, FlowTableModel::PeerProcess), QStringLiteral("nginx (99)"));
    QCOMPARE(text(model, a, FlowTableModel::PeerProcess), QString());
    QCOMPARE(text(model, a, FlowTableModel::Bytes), QLocale().toString(10000));
    QCOMPARE(text(model, a, FlowTableModel::BytesOut), QLocale().toString(1000));
    QCOMPARE(text(model, a, FlowTableModel::BytesIn), QLocale().toString(9000));
    QCOMPARE(text(model, a, FlowTableModel::Packets), QStringLiteral("100"));
    QCOMPARE(text(model, a, FlowTableModel::TcpFlags), QStringLiteral("SYN ACK FIN"));
    QCOMPARE(text(model, c, FlowTableModel::TcpFlags), QString()); // UDP has none
    QCOMPARE(text(model, a, FlowTableModel::Duration), QStringLiteral("1.500 s"));
    QCOMPARE(FlowTableModel::durationText(250'000), QStringLiteral("0.250 ms"));
    QCOMPARE(FlowTableModel::durationText(999'999'999), QStringLiteral("1000.000 ms"));
    QCOMPARE(text(model, a, FlowTableModel::Interface), QStringLiteral("eth0"));
    QCOMPARE(model.data(model.index(a, 0), FlowTableModel::FlowKeyRole).toULongLong(), 1ULL);
    // Unattributed: said so, greyed, never a guessed process.
    QCOMPARE(text(model, c, FlowTableModel::Process), QStringLiteral("unattributed"));
    const QColor grey = QApplication::palette().color(QPalette::Disabled, QPalette::Text);
    QCOMPARE(model.data(model.index(c, FlowTableModel::Process), Qt::ForegroundRole).value<QColor>(), grey);
    QVERIFY(!model.data(model.index(a, FlowTableModel::Process), Qt::ForegroundRole).isValid());
    QVERIFY(model.data(model.index(c, FlowTableModel::Process), Qt::ToolTipRole).toString().contains(
        QStringLiteral("never guessed")));
    // Numbers are right-aligned.
    QCOMPARE(model.data(model.index(a, FlowTableModel::Bytes), Qt::TextAlignmentRole).toInt(),
             int(Qt::AlignRight | Qt::AlignVCenter));
}

void TstFlowTableModel::defaultOrderIsTopFlowsByBytes()
{
    FlowTableModel model;
    model.setFlows(sample());
    QCOMPARE(model.sortColumn(), int(FlowTableModel::Bytes));
    QCOMPARE(model.sortOrder(), Qt::DescendingOrder);
    QCOMPARE(model.flowAt(0).key, 1ULL); // 10,000 bytes
    QCOMPARE(model.flowAt(1).key, 2ULL); // 500
    QCOMPARE(model.flowAt(2).key, 3ULL); // 200
}

void TstFlowTableModel::sortsNumbersAndAddresses()
{
    FlowTableModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    std::vector<Flow> flows = sample();
    // 1,000 and 9 bytes: as text "9" would come after "1,000".
    Flow big = flow(4, "10.0.0.1", 22, 1000, 0, 1);
    Flow tiny = flow(5, "10.0.0.1", 22, 9, 0, 2);
    flows.push_back(big);
    flows.push_back(tiny);
    model.setFlows(flows);
    // A persistent index (the view's selection) follows its flow through a sort.
    const QPersistentModelIndex selected = model.index(model.rowOfKey(5), 0);
    model.sort(FlowTableModel::Bytes, Qt::AscendingOrder);
    QCOMPARE(model.flowAt(0).key, 5ULL);
    QCOMPARE(model.flowAt(model.rowCount() - 1).key, 1ULL);
    QCOMPARE(selected.row(), 0);
    QCOMPARE(selected.data(FlowTableModel::FlowKeyRole).toULongLong(), 5ULL);
    // Ports as numbers: 22 < 53 < 80 < 443.
    model.sort(FlowTableModel::DestinationPort, Qt::AscendingOrder);
    QCOMPARE(text(model, 0, FlowTableModel::DestinationPort), QStringLiteral("22"));
    QCOMPARE(text(model, 2, FlowTableModel::DestinationPort), QStringLiteral("53"));
    QCOMPARE(text(model, 3, FlowTableModel::DestinationPort), QStringLiteral("80"));
    QCOMPARE(text(model, 4, FlowTableModel::DestinationPort), QStringLiteral("443"));
    // Addresses as addresses: 10.0.0.9 before 10.0.0.10 before 192.168.1.1.
    model.sort(FlowTableModel::Destination, Qt::AscendingOrder);
    QStringList order;
    for (int row = 0; row < model.rowCount(); ++row)
        order << text(model, row, FlowTableModel::Destination);
    QCOMPARE(order, QStringList({"10.0.0.1", "10.0.0.1", "10.0.0.9", "10.0.0.10", "192.168.1.1"}));
    // Equal values keep the flows in the order they began.
    QCOMPARE(model.flowAt(0).key, 4ULL);
    model.sort(FlowTableModel::Process, Qt::DescendingOrder);
    QCOMPARE(text(model, 0, FlowTableModel::Process), QStringLiteral("wget (413)"));
    // The view's own header click goes through sort() too.
    model.sort(FlowTableModel::Duration, Qt::DescendingOrder);
    QCOMPARE(model.data(model.index(0, FlowTableModel::Duration), FlowTableModel::SortRole).toLongLong(),
             1'500'000'000LL);
}

void TstFlowTableModel::timeFollowsTheWorkstationFormat()
{
    FlowTableModel model;
    model.setFlows(sample());
    const int a = model.rowOfKey(1);
    model.setTimeFormat(EventTableModel::TimeFormat::Absolute, kBoot, 0);
    const QString clock = text(model, a, FlowTableModel::FirstSeen);
    QCOMPARE(clock.size(), 15); // HH:MM:SS.uuuuuu, local time
    QVERIFY(clock.endsWith(QStringLiteral(".000000")));
    QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
    model.setTimeFormat(EventTableModel::TimeFormat::RelativeToStart, kBoot, 4'000'000'000);
    QCOMPARE(changed.count(), 1);
    QCOMPARE(text(model, a, FlowTableModel::FirstSeen), QStringLiteral("+1.000000 s"));
    QCOMPARE(text(model, model.rowOfKey(3), FlowTableModel::FirstSeen), QStringLiteral("+0.000000 s"));
    model.setTimeFormat(EventTableModel::TimeFormat::RelativeToReference, kBoot, 5'500'000'000);
    QCOMPARE(text(model, a, FlowTableModel::FirstSeen), QStringLiteral("-0.500000 s"));
}

QTEST_MAIN(TstFlowTableModel)
#include "tst_flow_table_model.moc"
