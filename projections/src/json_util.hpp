#pragma once

// Helpers of the projectors (private to projections/).

#include "portal/events/message.hpp"
#include "portal/events/time.hpp"
#include "portal/projections/event_json.hpp"
#include "portal/projections/runner.hpp"

#include <boost/json.hpp>
#include <fmt/format.h>

#include <string>
#include <string_view>

namespace portal::projections::detail {

namespace json = boost::json;

/// Cap'n Proto text as a JSON string.
inline json::string
text(capnp::Text::Reader t)
{
    return json::string(json::string_view(t.cStr(), t.size()));
}

/// Cap'n Proto text as std::string.
inline std::string
str(capnp::Text::Reader t)
{
    return std::string(t.cStr(), t.size());
}

/// The id in a stream name after `prefix` (`report-` + id); empty otherwise.
inline std::string
id_of(std::string_view stream, std::string_view prefix)
{
    if (!stream.starts_with(prefix)) {
        return {};
    }
    return std::string(stream.substr(prefix.size()));
}

/// A position as a fixed-width key part (ordered like the number).
inline std::string
pos_key(std::uint64_t position)
{
    return fmt::format("{:016x}", position);
}

/// RFC 3339 of a `recordedAt`: the text of `format_rfc3339`, written
/// without a format string for years 0..9999 (a few of these per event).
inline json::string
at(std::int64_t micros)
{
    auto t = from_micros(micros);
    auto day = std::chrono::floor<std::chrono::days>(t);
    std::chrono::year_month_day ymd{ day };
    auto year = static_cast<int>(ymd.year());
    if (year < 0 || year > 9999) {
        return json::string(format_rfc3339(t));
    }
    auto us = (t - day).count();
    auto seconds = us / 1'000'000;
    us %= 1'000'000;
    char text[32];
    auto put = [&](std::size_t at, long long v, int width) {
        for (int i = width - 1; i >= 0; --i) {
            text[at + static_cast<std::size_t>(i)] = static_cast<char>('0' + v % 10);
            v /= 10;
        }
    };
    put(0, year, 4);
    text[4] = '-';
    put(5, static_cast<unsigned>(ymd.month()), 2);
    text[7] = '-';
    put(8, static_cast<unsigned>(ymd.day()), 2);
    text[10] = 'T';
    put(11, seconds / 3600, 2);
    text[13] = ':';
    put(14, seconds / 60 % 60, 2);
    text[16] = ':';
    put(17, seconds % 60, 2);
    std::size_t size = 19;
    if (us != 0) {
        text[19] = '.';
        put(20, us, 6);
        size = 26;
    }
    text[size++] = 'Z';
    return json::string(json::string_view(text, size));
}

/// The string member `key` of `o`; empty when missing or not a string.
inline std::string
get_str(const json::object& o, std::string_view key)
{
    if (const auto* v = o.if_contains(key); v != nullptr && v->is_string()) {
        return std::string(v->as_string());
    }
    return {};
}

/// The array member `key` of `o`, created when missing.
inline json::array&
arr(json::object& o, std::string_view key)
{
    auto& v = o[key];
    if (!v.is_array()) {
        v = json::array{};
    }
    return v.as_array();
}

/// The object member `key` of `o`, created when missing.
inline json::object&
obj(json::object& o, std::string_view key)
{
    auto& v = o[key];
    if (!v.is_object()) {
        v = json::object{};
    }
    return v.as_object();
}

/// True when the array holds the string `s`.
inline bool
contains(const json::array& a, std::string_view s)
{
    for (const auto& v : a) {
        if (v.is_string() && v.as_string() == s) {
            return true;
        }
    }
    return false;
}

/// Removes every string `s` from the array.
inline void
remove_str(json::array& a, std::string_view s)
{
    for (auto it = a.begin(); it != a.end();) {
        if (it->is_string() && it->as_string() == s) {
            it = a.erase(it);
        } else {
            ++it;
        }
    }
}

/// The element of array member `list` whose `id_key` equals `id`; null when
/// absent.
inline json::object*
find_in(json::object& o, std::string_view list, std::string_view id_key, std::string_view id)
{
    auto& a = arr(o, list);
    for (auto& v : a) {
        if (v.is_object() && get_str(v.as_object(), id_key) == id) {
            return &v.as_object();
        }
    }
    return nullptr;
}

/// Minutes as hours: an integer when whole, else a fraction.
inline json::value
hours(std::uint32_t minutes)
{
    if (minutes % 60 == 0) {
        return static_cast<std::int64_t>(minutes / 60);
    }
    return static_cast<double>(minutes) / 60.0;
}

/// Lower-case ASCII (e-mail addresses as index keys).
inline std::string
lower(std::string_view s)
{
    std::string out(s);
    for (auto& c : out) {
        if (c >= 'A' && c <= 'Z') {
            c = static_cast<char>(c - 'A' + 'a');
        }
    }
    return out;
}

/// The role's name as in the API.
inline const char*
role_name(schema::Role r)
{
    return events::enum_name(r).data();
}

/// The actor of an envelope as JSON.
inline json::object
actor_json(schema::Envelope::Reader env)
{
    auto a = env.getActor();
    json::object o{ { "accountId", text(a.getAccountId()) }, { "role", role_name(a.getRole()) } };
    if (a.getOnBehalfOfCompanyId().size() > 0) {
        o["onBehalfOfCompanyId"] = text(a.getOnBehalfOfCompanyId());
    }
    return o;
}

/// "2026-W05" for a week, the date for a day.
inline std::string
period_key(schema::Period::Reader p)
{
    if (p.isWeek()) {
        return fmt::format("{:04}-W{:02}", p.getWeek().getYear(), p.getWeek().getWeek());
    }
    return str(p.getDay());
}

/// A period as in the API: `{"kind":"week","year":..,"week":..}` or
/// `{"kind":"day","date":..}`.
inline json::object
period_json(schema::Period::Reader p)
{
    if (p.isWeek()) {
        return { { "kind", "week" },
                 { "year", p.getWeek().getYear() },
                 { "week", p.getWeek().getWeek() } };
    }
    return { { "kind", "day" }, { "date", text(p.getDay()) } };
}

/// The event payload rendered as JSON, without the aggregate and event
/// wrappers (`{"report":{"submitted":{...}}}` gives `{...}`).
inline json::value
change_json(schema::Event::Reader event)
{
    // The value of parse(events::to_json(event)), without the text.
    auto v = event_json(event);
    for (int depth = 0; depth < 2; ++depth) {
        if (v.is_object() && v.as_object().size() == 1) {
            json::value inner = std::move(v.as_object().begin()->value());
            v = std::move(inner);
        }
    }
    return v;
}

/// The documents under `prefix` (keys relative to the model) whose string
/// member `member` is `value`, with their
/// keys, in key order. A scan of the whole prefix: for rare changes such as
/// an erasure, not for the path of every event.
inline result<std::vector<std::pair<std::string, json::object>>>
documents_where(const reader& model,
                std::string_view prefix,
                std::string_view member,
                std::string_view value)
{
    std::vector<std::pair<std::string, json::object>> out;
    auto scanned = model.scan_prefix(prefix, [&](std::string_view key, std::string_view text) {
        boost::system::error_code ec;
        auto v = json::parse(text, ec);
        if (!ec && v.is_object() && get_str(v.as_object(), member) == value) {
            out.emplace_back(std::string(key), std::move(v.as_object()));
        }
        return true;
    });
    if (!scanned) {
        return fail(scanned.error());
    }
    return out;
}

} // namespace portal::projections::detail
