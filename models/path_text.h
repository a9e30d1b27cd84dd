#pragma once
// Small path and text tests shared by the noise filters and the security
// relevance rules (both judge recorded paths as plain text).
#include <string_view>

namespace provscope::path_text {

inline bool startsWith(std::string_view text, std::string_view prefix)
{
    return text.substr(0, prefix.size()) == prefix;
}

inline bool endsWith(std::string_view text, std::string_view suffix)
{
    return text.size() >= suffix.size() && text.substr(text.size() - suffix.size()) == suffix;
}

inline bool contains(std::string_view text, std::string_view part)
{
    return text.find(part) != std::string_view::npos;
}

// path is dir itself or lies below it.
inline bool under(std::string_view path, std::string_view dir)
{
    return startsWith(path, dir) && (path.size() == dir.size() || path[dir.size()] == '/');
}

} // namespace provscope::path_text
