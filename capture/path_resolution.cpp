#include "path_resolution.h"

#include <vector>

namespace provscope {

bool needsNormalization(std::string_view path)
{
    if (path.empty() || path.front() != '/')
        return false;
    if (path.size() > 1 && path.back() == '/')
        return true;
    return path.find("//") != std::string_view::npos || path.find("/./") != std::string_view::npos
        || path.find("/../") != std::string_view::npos || path.ends_with("/.")
        || path.ends_with("/..");
}

std::string normalizePath(std::string_view path)
{
    if (path.empty() || path.front() != '/')
        return std::string(path);
    std::vector<std::string_view> parts;
    size_t pos = 0;
    while (pos < path.size()) {
        size_t next = path.find('/', pos);
        if (next == std::string_view::npos)
            next = path.size();
        std::string_view part = path.substr(pos, next - pos);
        if (part == "..") {
            if (!parts.empty())
                parts.pop_back();
        } else if (!part.empty() && part != ".") {
            parts.push_back(part);
        }
        pos = next + 1;
    }
    if (parts.empty())
        return "/";
    std::string out;
    out.reserve(path.size());
    for (std::string_view part : parts) {
        out += '/';
        out += part;
    }
    return out;
}

std::string resolvePathArgument(std::string_view arg, std::string_view base)
{
    if (arg.empty())
        return {};
    if (arg.front() == '/')
        return needsNormalization(arg) ? normalizePath(arg) : std::string(arg);
    if (base.empty() || base.front() != '/')
        return std::string(arg);
    std::string joined(base);
    joined += '/';
    joined += arg;
    return normalizePath(joined);
}

} // namespace provscope
