#include "http/router.hpp"

#include <algorithm>

namespace portal::gateway {

namespace {

/// The non-empty segments of `path` (views into it).
std::vector<std::string_view>
split_path(std::string_view path)
{
    std::vector<std::string_view> out;
    std::size_t i = 0;
    while (i < path.size()) {
        if (path[i] == '/') {
            ++i;
            continue;
        }
        auto next = path.find('/', i);
        if (next == std::string_view::npos) {
            next = path.size();
        }
        out.emplace_back(path.substr(i, next - i));
        i = next;
    }
    return out;
}

int
hex_value(char c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }
    return -1;
}

} // namespace

std::optional<std::string>
percent_decode(std::string_view s, bool plus_is_space)
{
    std::string out;
    out.reserve(s.size());
    for (std::size_t i = 0; i < s.size(); ++i) {
        char c = s[i];
        if (c == '%') {
            if (i + 2 >= s.size()) {
                return std::nullopt;
            }
            int hi = hex_value(s[i + 1]);
            int lo = hex_value(s[i + 2]);
            if (hi < 0 || lo < 0) {
                return std::nullopt;
            }
            out.push_back(static_cast<char>(hi * 16 + lo));
            i += 2;
        } else if (c == '+' && plus_is_space) {
            out.push_back(' ');
        } else {
            out.push_back(c);
        }
    }
    return out;
}

std::optional<std::map<std::string, std::string, std::less<>>>
parse_query(std::string_view query)
{
    std::map<std::string, std::string, std::less<>> out;
    std::size_t i = 0;
    while (i <= query.size()) {
        auto amp = query.find('&', i);
        if (amp == std::string_view::npos) {
            amp = query.size();
        }
        auto part = query.substr(i, amp - i);
        if (!part.empty()) {
            auto eq = part.find('=');
            auto name = percent_decode(part.substr(0, eq), true);
            auto value = percent_decode(
              eq == std::string_view::npos ? std::string_view{} : part.substr(eq + 1), true);
            if (!name || !value) {
                return std::nullopt;
            }
            out[*name] = *value;
        }
        i = amp + 1;
    }
    return out;
}

void
router::add(http::verb method, std::string pattern, access who, handler run)
{
    route r;
    r.method = method;
    r.name = pattern;
    for (auto s : split_path(pattern)) {
        r.segments.emplace_back(s);
    }
    r.pattern = std::move(pattern);
    r.who = who;
    r.run = std::move(run);
    routes_.push_back(std::move(r));
}

match_result
router::match(http::verb method, std::string_view path) const
{
    match_result result;
    auto segments = split_path(path);
    // A trailing or doubled slash is another path.
    bool canonical = !path.empty() && path.front() == '/' &&
                     (path.size() == 1 || path.back() != '/') &&
                     path.find("//") == std::string_view::npos;
    if (!canonical) {
        return result;
    }
    auto is_param = [](const std::string& p) {
        return p.size() > 2 && p.front() == '{' && p.back() == '}';
    };
    for (const auto& r : routes_) {
        if (r.segments.size() != segments.size()) {
            continue;
        }
        // The literal segments first (cheap, and most routes differ there);
        // parameters are decoded only for a route whose literals match.
        bool ok = true;
        for (std::size_t i = 0; i < segments.size() && ok; ++i) {
            const auto& p = r.segments[i];
            ok = is_param(p) || p == segments[i];
        }
        std::vector<std::pair<std::string, std::string>> params;
        for (std::size_t i = 0; i < segments.size() && ok; ++i) {
            const auto& p = r.segments[i];
            if (!is_param(p)) {
                continue;
            }
            auto decoded = percent_decode(segments[i], false);
            if (!decoded || decoded->empty()) {
                ok = false;
            } else {
                params.emplace_back(p.substr(1, p.size() - 2), std::move(*decoded));
            }
        }
        if (!ok) {
            continue;
        }
        if (r.method == method || (method == http::verb::head && r.method == http::verb::get)) {
            result.matched = &r;
            result.params = std::move(params);
            return result;
        }
        if (std::find(result.allowed.begin(), result.allowed.end(), r.method) ==
            result.allowed.end()) {
            result.allowed.push_back(r.method);
        }
    }
    return result;
}

} // namespace portal::gateway
