#include "backtrack_identity.h"

#include <QByteArray>
#include <QUuid>

#include <cstdio>

namespace provscope {
namespace {

// UUIDv5 of "provscope.backtrack" in the DNS namespace: fixed forever, since
// every UUID we write hangs off it.
const QUuid &provscopeNamespace()
{
    static const QUuid ns = QUuid::createUuidV5(QUuid(QStringLiteral("6ba7b810-9dad-11d1-80b4-00c04fd430c8")),
                                                QByteArrayLiteral("provscope.backtrack"));
    return ns;
}

// Fields joined with NUL, which cannot occur in a path or an address.
std::string uuidOf(std::initializer_list<std::string_view> fields)
{
    QByteArray name;
    for (std::string_view field : fields) {
        name.append(field.data(), qsizetype(field.size()));
        name.append('\0');
    }
    return QUuid::createUuidV5(provscopeNamespace(), name).toString(QUuid::WithoutBraces).toStdString();
}

} // namespace

std::string backtrackProcessUuid(std::string_view bootId, uint32_t pid, uint64_t startNs)
{
    const std::string pidText = std::to_string(pid);
    std::string uuid = uuidOf({"process", bootId, pidText, std::to_string(startNs)});
    char tail[16];
    std::snprintf(tail, sizeof tail, "%012u", pid); // pids are < 2^22: 12 digits always suffice
    uuid.replace(uuid.size() - 12, 12, tail);
    return uuid;
}

std::string backtrackFileUuid(std::string_view bootId, std::string_view path)
{
    return uuidOf({"file", bootId, path});
}

std::string backtrackSocketUuid(std::string_view bootId, std::string_view laddr, uint16_t lport,
                                std::string_view raddr, uint16_t rport)
{
    return uuidOf({"socket", bootId, laddr, std::to_string(lport), raddr, std::to_string(rport)});
}

} // namespace provscope
