#pragma once
// The look every Flows-tab chart shares: one palette, readable fonts, byte and count
// texts, and the words a selection's label uses.
#include <QColor>
#include <QString>

#include <cstdint>

class QAbstractAxis;
class QChart;

namespace provscope::flowchart {

// Distinct, colour-blind-friendly series colours (cycled).
QColor paletteColor(int index);
QColor protocolColor(const QString &protocol); // tcp blue, udp orange, others grey

// "0 B", "950 B", "12.3 kB", "4.56 MB" (decimal units, as network tools count).
QString bytesText(double bytes);
QString countText(uint64_t n); // "12,345"
// The unit an axis of byte values up to `largest` uses: divisor and name ("MB").
struct ByteUnit {
    double divisor = 1;
    QString name = QStringLiteral("B");
};
ByteUnit byteUnitFor(double largest);

// "443 (https)" for well-known ports, else "443".
QString portText(uint16_t port);
// Shortens text in its middle to maxChars ("fe80::1…:abcd"): IPv6 addresses and long
// domains keep their distinctive ends.
QString elideMiddle(const QString &text, int maxChars);

// Title font, margins, background, no animation: the shared chart frame.
void styleChart(QChart *chart, const QString &title);
void styleAxis(QAbstractAxis *axis, const QString &title = {});

} // namespace provscope::flowchart
