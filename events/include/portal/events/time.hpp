#pragma once

/// Time values of the domain: instants in microseconds (UTC) and calendar
/// dates. Pure functions only; the clock lives in infra.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace portal {

/// An instant, microseconds since the epoch, UTC (the envelope's unit).
using timestamp = std::chrono::sys_time<std::chrono::microseconds>;

/// A calendar day.
using date = std::chrono::year_month_day;

/// Microseconds since the epoch of `t`.
inline std::int64_t
to_micros(timestamp t) noexcept
{
    return t.time_since_epoch().count();
}

/// The instant `micros` microseconds after the epoch.
inline timestamp
from_micros(std::int64_t micros) noexcept
{
    return timestamp{ std::chrono::microseconds{ micros } };
}

/// Parses `YYYY-MM-DD`; nullopt unless it is a valid calendar date.
std::optional<date> parse_date(std::string_view text) noexcept;

/// Formats as `YYYY-MM-DD`.
std::string format_date(date d);

/// The day of `t` in UTC.
date day_of(timestamp t) noexcept;

/// Parses RFC 3339 (`2026-11-28T14:30:00Z`, optional fraction and offset).
std::optional<timestamp> parse_rfc3339(std::string_view text) noexcept;

/// Formats as RFC 3339 UTC with microseconds only when non-zero.
std::string format_rfc3339(timestamp t);

/// An ISO 8601 week: the week-numbering year and the week 1..53.
struct iso_week
{
    int year = 0;
    unsigned week = 0;
    friend auto operator<=>(const iso_week&, const iso_week&) = default;
};

/// The ISO week that contains `d`.
iso_week iso_week_of(date d) noexcept;

/// Number of ISO weeks (52 or 53) of the week-numbering year `year`.
unsigned iso_weeks_in_year(int year) noexcept;

/// The Monday of ISO week `w`; nullopt when the week does not exist.
std::optional<date> monday_of(iso_week w) noexcept;

} // namespace portal
