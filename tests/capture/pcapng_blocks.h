#pragma once
// Test helper: walks a pcapng file block by block (little-endian, as PcapngWriter
// writes it) so a test can tell whole packet blocks from a file cut in the middle of one.
#include <QByteArray>
#include <QFile>
#include <QString>

#include <cstdint>
#include <cstring>

struct PcapngBlocks {
    bool readable = false;
    uint64_t packets = 0;       // enhanced packet blocks
    uint64_t blocks = 0;
    qint64 wholeBytes = 0;      // bytes in whole blocks from the start
    qint64 fileBytes = 0;
};

inline PcapngBlocks countPcapngBlocks(const QString &path)
{
    PcapngBlocks out;
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly))
        return out;
    const QByteArray data = f.readAll();
    out.readable = true;
    out.fileBytes = data.size();
    qint64 at = 0;
    while (at + 12 <= data.size()) {
        uint32_t type = 0, length = 0, trailer = 0;
        std::memcpy(&type, data.constData() + at, 4);
        std::memcpy(&length, data.constData() + at + 4, 4);
        if (length < 12 || length % 4 || at + length > data.size())
            break;
        std::memcpy(&trailer, data.constData() + at + length - 4, 4);
        if (trailer != length)
            break;
        ++out.blocks;
        out.packets += type == 6 ? 1 : 0;
        at += length;
    }
    out.wholeBytes = at;
    return out;
}
