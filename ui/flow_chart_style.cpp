#include "flow_chart_style.h"

#include <QApplication>
#include <QFont>
#include <QLocale>
#include <QPalette>
#include <QtCharts/QAbstractAxis>
#include <QtCharts/QChart>
#include <QtCharts/QLegend>

#include <algorithm>
#include <cmath>
#include <map>

namespace provscope::flowchart {

QColor paletteColor(int index)
{
    // Okabe-Ito-like hues, darkened enough for white text and thin bars.
    static const QColor colors[] = {QColor(0x2f, 0x6f, 0xb3), QColor(0xd9, 0x7a, 0x1c), QColor(0x2e, 0x8b, 0x57),
                                    QColor(0x8e, 0x5e, 0xa2), QColor(0xc6, 0x3d, 0x3d), QColor(0x1f, 0x9a, 0x9a),
                                    QColor(0xb5, 0x9a, 0x1e), QColor(0x6b, 0x72, 0x80)};
    const int n = int(std::size(colors));
    return colors[((index % n) + n) % n];
}

QColor protocolColor(const QString &protocol)
{
    if (protocol == QLatin1String("tcp"))
        return paletteColor(0);
    if (protocol == QLatin1String("udp"))
        return paletteColor(1);
    return paletteColor(7);
}

QString bytesText(double bytes)
{
    const ByteUnit unit = byteUnitFor(bytes);
    if (unit.divisor == 1)
        return QStringLiteral("%1 B").arg(qint64(std::llround(bytes)));
    const double v = bytes / unit.divisor;
    return QStringLiteral("%1 %2").arg(QLocale(QLocale::English).toString(v, 'f', v < 10 ? 2 : v < 100 ? 1 : 0), unit.name);
}

QString countText(uint64_t n) { return QLocale(QLocale::English).toString(qulonglong(n)); }

ByteUnit byteUnitFor(double largest)
{
    static const char *names[] = {"B", "kB", "MB", "GB", "TB"};
    ByteUnit unit;
    for (int i = 4; i > 0; --i) {
        const double d = std::pow(1000.0, i);
        if (largest >= d) {
            unit.divisor = d;
            unit.name = QString::fromLatin1(names[i]);
            break;
        }
    }
    return unit;
}

QString portText(uint16_t port)
{
    static const std::map<uint16_t, const char *> names = {
        {20, "ftp-data"}, {21, "ftp"},     {22, "ssh"},      {23, "telnet"},  {25, "smtp"},   {53, "dns"},
        {67, "dhcp"},     {68, "dhcp"},    {80, "http"},     {110, "pop3"},   {123, "ntp"},   {137, "netbios"},
        {143, "imap"},    {161, "snmp"},   {389, "ldap"},    {443, "https"},  {445, "smb"},   {465, "smtps"},
        {514, "syslog"},  {587, "submission"}, {631, "ipp"}, {853, "dns-tls"}, {993, "imaps"}, {995, "pop3s"},
        {1194, "openvpn"}, {1883, "mqtt"}, {3306, "mysql"},  {3389, "rdp"},   {5353, "mdns"}, {5432, "postgres"},
        {6379, "redis"},  {8080, "http-alt"}, {8443, "https-alt"}};
    auto it = names.find(port);
    if (it == names.end())
        return QString::number(port);
    return QStringLiteral("%1 (%2)").arg(port).arg(QString::fromLatin1(it->second));
}

QString elideMiddle(const QString &text, int maxChars)
{
    if (text.size() <= maxChars || maxChars < 5)
        return text;
    const int head = (maxChars - 1) / 2;
    const int tail = maxChars - 1 - head;
    return text.left(head) + QChar(0x2026) + text.right(tail);
}

void styleChart(QChart *chart, const QString &title)
{
    const QPalette palette = QApplication::palette();
    chart->setAnimationOptions(QChart::NoAnimation);
    chart->setBackgroundRoundness(0);
    chart->setBackgroundBrush(palette.base());
    chart->setMargins(QMargins(6, 4, 10, 6));
    QFont titleFont = QApplication::font();
    titleFont.setBold(true);
    titleFont.setPointSizeF(titleFont.pointSizeF() + 1);
    chart->setTitleFont(titleFont);
    chart->setTitleBrush(palette.text());
    chart->setTitle(title);
    chart->legend()->setLabelColor(palette.text().color());
    chart->legend()->setFont(QApplication::font());
}

void styleAxis(QAbstractAxis *axis, const QString &title)
{
    const QPalette palette = QApplication::palette();
    QFont font = QApplication::font();
    font.setPointSizeF(std::max(8.0, font.pointSizeF() - 0.5));
    axis->setLabelsFont(font);
    axis->setLabelsBrush(palette.text());
    axis->setTitleFont(font);
    axis->setTitleBrush(palette.text());
    axis->setTitleText(title);
    axis->setTitleVisible(!title.isEmpty());
    QPen grid(palette.mid().color());
    grid.setStyle(Qt::DotLine);
    axis->setGridLinePen(grid);
    axis->setLinePen(QPen(palette.mid().color()));
}

} // namespace provscope::flowchart
