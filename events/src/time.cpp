#include "portal/events/time.hpp"

#include <fmt/format.h>

#include <charconv>

namespace portal {

namespace {

bool
parse_uint(std::string_view text, unsigned& out) noexcept
{
    if (text.empty()) {
        return false;
    }
    for (char c : text) {
        if (c < '0' || c > '9') {
            return false;
        }
    }
    auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
    return ec == std::errc{} && ptr == text.data() + text.size();
}

} // namespace

std::optional<date>
parse_date(std::string_view text) noexcept
{
    if (text.size() != 10 || text[4] != '-' || text[7] != '-') {
        return std::nullopt;
    }
    unsigned y = 0;
    unsigned m = 0;
    unsigned d = 0;
    if (!parse_uint(text.substr(0, 4), y) || !parse_uint(text.substr(5, 2), m) ||
        !parse_uint(text.substr(8, 2), d)) {
        return std::nullopt;
    }
    date result{ std::chrono::year{ static_cast<int>(y) },
                 std::chrono::month{ m },
                 std::chrono::day{ d } };
    if (!result.ok()) {
        return std::nullopt;
    }
    return result;
}

std::string
format_date(date d)
{
    return fmt::format("{:04}-{:02}-{:02}",
                       static_cast<int>(d.year()),
                       static_cast<unsigned>(d.month()),
                       static_cast<unsigned>(d.day()));
}

date
day_of(timestamp t) noexcept
{
    return date{ std::chrono::floor<std::chrono::days>(t) };
}

std::optional<timestamp>
parse_rfc3339(std::string_view text) noexcept
{
    // YYYY-MM-DDTHH:MM:SS[.ffffff](Z|+HH:MM|-HH:MM)
    if (text.size() < 20) {
        return std::nullopt;
    }
    auto d = parse_date(text.substr(0, 10));
    if (!d || (text[10] != 'T' && text[10] != 't') || text[13] != ':' || text[16] != ':') {
        return std::nullopt;
    }
    unsigned hh = 0;
    unsigned mm = 0;
    unsigned ss = 0;
    if (!parse_uint(text.substr(11, 2), hh) || !parse_uint(text.substr(14, 2), mm) ||
        !parse_uint(text.substr(17, 2), ss) || hh > 23 || mm > 59 || ss > 60) {
        return std::nullopt;
    }
    std::size_t i = 19;
    std::int64_t micros = 0;
    if (i < text.size() && text[i] == '.') {
        ++i;
        std::size_t digits = 0;
        while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
            if (digits < 6) {
                micros = micros * 10 + (text[i] - '0');
            }
            ++digits;
            ++i;
        }
        if (digits == 0) {
            return std::nullopt;
        }
        for (std::size_t k = digits; k < 6; ++k) {
            micros *= 10;
        }
    }
    std::int64_t offset_minutes = 0;
    if (i < text.size() && (text[i] == 'Z' || text[i] == 'z')) {
        ++i;
    } else if (i + 6 == text.size() && (text[i] == '+' || text[i] == '-') && text[i + 3] == ':') {
        unsigned oh = 0;
        unsigned om = 0;
        if (!parse_uint(text.substr(i + 1, 2), oh) || !parse_uint(text.substr(i + 4, 2), om) ||
            oh > 23 || om > 59) {
            return std::nullopt;
        }
        offset_minutes = static_cast<std::int64_t>(oh * 60 + om);
        if (text[i] == '-') {
            offset_minutes = -offset_minutes;
        }
        i += 6;
    } else {
        return std::nullopt;
    }
    if (i != text.size()) {
        return std::nullopt;
    }
    auto t = std::chrono::sys_days{ *d } + std::chrono::hours{ hh } + std::chrono::minutes{ mm } +
             std::chrono::seconds{ ss } + std::chrono::microseconds{ micros } -
             std::chrono::minutes{ offset_minutes };
    return std::chrono::time_point_cast<std::chrono::microseconds>(t);
}

std::string
format_rfc3339(timestamp t)
{
    auto days = std::chrono::floor<std::chrono::days>(t);
    date d{ days };
    auto rest = t - days;
    auto h = std::chrono::duration_cast<std::chrono::hours>(rest);
    rest -= h;
    auto m = std::chrono::duration_cast<std::chrono::minutes>(rest);
    rest -= m;
    auto s = std::chrono::duration_cast<std::chrono::seconds>(rest);
    rest -= s;
    auto us = rest.count();
    if (us == 0) {
        return fmt::format(
          "{}T{:02}:{:02}:{:02}Z", format_date(d), h.count(), m.count(), s.count());
    }
    return fmt::format(
      "{}T{:02}:{:02}:{:02}.{:06}Z", format_date(d), h.count(), m.count(), s.count(), us);
}

iso_week
iso_week_of(date d) noexcept
{
    using namespace std::chrono;
    sys_days sd{ d };
    weekday wd{ sd };
    // ISO: Monday = 1 .. Sunday = 7; the week's Thursday decides the year.
    auto iso_wd = static_cast<int>(wd.iso_encoding());
    sys_days thursday = sd + days{ 4 - iso_wd };
    year_month_day thu{ thursday };
    sys_days jan1{ thu.year() / January / 1 };
    auto week = static_cast<unsigned>((thursday - jan1).count() / 7 + 1);
    return { static_cast<int>(thu.year()), week };
}

unsigned
iso_weeks_in_year(int year) noexcept
{
    using namespace std::chrono;
    // December 28th is always in the last ISO week of its year.
    return iso_week_of(std::chrono::year{ year } / December / 28).week;
}

std::optional<date>
monday_of(iso_week w) noexcept
{
    using namespace std::chrono;
    if (w.week < 1 || w.week > iso_weeks_in_year(w.year)) {
        return std::nullopt;
    }
    // January 4th is always in week 1.
    sys_days jan4{ std::chrono::year{ w.year } / January / 4 };
    auto iso_wd = static_cast<int>(weekday{ jan4 }.iso_encoding());
    sys_days monday1 = jan4 - days{ iso_wd - 1 };
    return date{ monday1 + days{ 7 * (static_cast<int>(w.week) - 1) } };
}

} // namespace portal
