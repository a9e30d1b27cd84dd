#pragma once
// A whole command-line argument as a number: "12" yes, "12x", "" and "-" no.
#include <charconv>
#include <string>

namespace provscope {

template <class T>
bool parseCliNumber(const std::string &text, T &value)
{
    const char *end = text.data() + text.size();
    auto [ptr, ec] = std::from_chars(text.data(), end, value);
    return ec == std::errc() && ptr == end && !text.empty();
}

} // namespace provscope
