#pragma once

/// The chamber aggregate (stream `chamber`, partition key `chamber`): the
/// chamber's settings (login lockout, grade table, default record period)
/// and its configured occupations. Staff only.

#include "common/domain.hpp"

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace portal::domain::chamber {

/// One step of the grade table: from `min_points` up to the next step's
/// minimum the grade is `grade`.
struct grade_step
{
    std::uint8_t min_points = 0;
    std::uint8_t grade = 0;

    friend bool operator==(const grade_step&, const grade_step&) = default;
};

/// Steps ordered by strictly descending minimum points.
using grade_table = std::vector<grade_step>;

/// How long one training record covers.
enum class period_kind
{
    week,
    day,
};

/// The chamber's settings.
struct settings
{
    std::uint32_t max_failed_logins = 5;
    std::uint32_t lock_minutes = 1440;
    chamber::grade_table grade_table;
    chamber::period_kind period_kind = period_kind::week;

    friend bool operator==(const settings&, const settings&) = default;
};

/// An occupation's configuration.
struct occupation
{
    chamber::period_kind period_kind = period_kind::week;
    std::uint8_t duration_months = 36;

    friend bool operator==(const occupation&, const occupation&) = default;
};

/// The defaults: 5 failed logins, 1440 lock minutes, weekly records and
/// the grade table of DOMAIN.md (92-100 = 1, 81-91 = 2, 67-80 = 3,
/// 50-66 = 4, 30-49 = 5, below 30 = 6).
settings default_settings();

/// The folded chamber; `current` holds the defaults until staff change them.
struct state
{
    bool exists = false;
    settings current = default_settings();
    std::map<std::string, occupation> occupations;
};

/// Facts a decision may need from outside the stream (none beyond actor and
/// time).
struct context : context_base
{};

/// Changes settings; absent fields keep their current value.
struct change_settings
{
    std::optional<std::uint32_t> max_failed_logins;
    std::optional<std::uint32_t> lock_minutes;
    std::optional<chamber::grade_table> grade_table;
    std::optional<chamber::period_kind> period_kind;
};

/// Configures (or reconfigures) an occupation.
struct configure_occupation
{
    std::string name;
    chamber::period_kind period_kind = period_kind::week;
    std::uint8_t duration_months = 36;
};

/// Emits `settingsChanged` with the full resulting settings; no events when
/// nothing changes. Errors: `chamber.forbidden` (not staff),
/// `validation.max_failed_logins` (1..100), `validation.lock_minutes`
/// (1..43200), and the grade table's errors (see `validate_grade_table`).
decision decide(const state&, const change_settings&, const context&);
/// No events when unchanged. Errors: `chamber.forbidden`,
/// `validation.occupation`, `validation.duration_months` (1..60).
decision decide(const state&, const configure_occupation&, const context&);

/// Checks a grade table; nullopt when valid. Codes (class invalid):
/// `chamber.grade_table_points_out_of_range` (a minimum above 100),
/// `chamber.grade_table_not_descending` (minimums not strictly
/// descending), `chamber.grade_table_not_covering_zero` (empty or the last
/// minimum is not 0), `chamber.grade_table_grades` (not the grades 1..6 in
/// order, one step each).
std::optional<error> validate_grade_table(const grade_table&);

/// The grade for `points` (0..100) under a valid table; nullopt for points
/// above 100 or when no step covers them.
std::optional<std::uint8_t> grade_for(unsigned points, const grade_table&);

/// The record period of an occupation: its own configuration, else the
/// chamber's default.
period_kind period_kind_for(const state&, std::string_view occupation);

/// Applies one chamber event.
state evolve(state, schema::ChamberEvent::Reader);
/// Applies an event of any aggregate (others leave the state unchanged).
state evolve(state, schema::Event::Reader);
/// Folds events from the initial state.
state fold(const std::vector<event_payload>& events);

/// `chamber`: one stream per chamber installation.
std::string stream_id();
/// `chamber`.
std::string partition_key();

} // namespace portal::domain::chamber
