#include "portal/events/position_token.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>

namespace portal::events {

namespace {

error
malformed()
{
    return error::invalid("validation.position",
                          "Portal-Min-Position must be a position returned by a write (a number, "
                          "or partition:offset pairs such as 3:1042,7:18)");
}

/// An unsigned decimal of digits only (no sign, no spaces) that fits `T`.
template<typename T>
bool
parse_number(std::string_view text, T& out)
{
    if (text.empty()) {
        return false;
    }
    for (char c : text) {
        if (c < '0' || c > '9') {
            return false;
        }
    }
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
    return ec == std::errc{} && end == text.data() + text.size();
}

} // namespace

void
merge_offsets(partition_offsets& into, const partition_offsets& more)
{
    partition_offsets out;
    out.reserve(into.size() + more.size());
    auto a = into.begin();
    auto b = more.begin();
    while (a != into.end() || b != more.end()) {
        if (b == more.end() || (a != into.end() && a->partition < b->partition)) {
            out.push_back(*a++);
        } else if (a == into.end() || b->partition < a->partition) {
            out.push_back(*b++);
        } else {
            out.push_back({ a->partition, std::max(a->offset, b->offset) });
            ++a;
            ++b;
        }
    }
    into = std::move(out);
}

std::string
format_token(const partition_offsets& offsets)
{
    if (offsets.empty()) {
        return "0";
    }
    std::string out;
    for (const auto& o : offsets) {
        if (!out.empty()) {
            out += ',';
        }
        out += fmt::format("{}:{}", o.partition, o.offset);
    }
    return out;
}

result<position_token>
parse_token(std::string_view text)
{
    if (text.find(':') == std::string_view::npos) {
        std::uint64_t p = 0;
        if (!parse_number(text, p)) {
            return fail(malformed());
        }
        return position_token{ position{ p } };
    }
    partition_offsets out;
    for (;;) {
        auto comma = text.find(',');
        auto pair = text.substr(0, comma);
        auto colon = pair.find(':');
        if (colon == std::string_view::npos || out.size() == k_max_token_partitions) {
            return fail(malformed());
        }
        partition_offset o;
        if (!parse_number(pair.substr(0, colon), o.partition) ||
            !parse_number(pair.substr(colon + 1), o.offset) ||
            (!out.empty() && o.partition <= out.back().partition)) {
            return fail(malformed());
        }
        out.push_back(o);
        if (comma == std::string_view::npos) {
            break;
        }
        text.remove_prefix(comma + 1);
    }
    return position_token{ std::move(out) };
}

} // namespace portal::events
