#include "chamber/chamber.hpp"

#include <string>

namespace portal::domain::chamber {

namespace {

constexpr std::uint32_t k_max_failed_logins = 100;
constexpr std::uint32_t k_max_lock_minutes = 43200; // 30 days
constexpr std::uint8_t k_max_duration_months = 60;

schema::PeriodKind
to_schema(period_kind k) noexcept
{
    return k == period_kind::day ? schema::PeriodKind::DAY : schema::PeriodKind::WEEK;
}

period_kind
from_schema(schema::PeriodKind k) noexcept
{
    return k == schema::PeriodKind::DAY ? period_kind::day : period_kind::week;
}

std::optional<std::unexpected<error>>
require_staff(const context& ctx)
{
    if (ctx.actor.acting_as != role::staff) {
        return forbid("chamber.forbidden", "only chamber staff change the chamber's settings");
    }
    return std::nullopt;
}

} // namespace

settings
default_settings()
{
    settings s;
    s.max_failed_logins = 5;
    s.lock_minutes = 1440;
    s.grade_table = { { 92, 1 }, { 81, 2 }, { 67, 3 }, { 50, 4 }, { 30, 5 }, { 0, 6 } };
    s.period_kind = period_kind::week;
    return s;
}

std::optional<error>
validate_grade_table(const grade_table& table)
{
    for (std::size_t i = 0; i < table.size(); ++i) {
        if (table[i].min_points > 100) {
            return error::invalid("chamber.grade_table_points_out_of_range",
                                  "minimum points lie between 0 and 100");
        }
        if (i > 0 && table[i].min_points >= table[i - 1].min_points) {
            return error::invalid("chamber.grade_table_not_descending",
                                  "minimum points must strictly descend");
        }
    }
    if (table.empty() || table.back().min_points != 0) {
        return error::invalid("chamber.grade_table_not_covering_zero",
                              "the last step must start at 0 points");
    }
    bool grades_ok = table.size() == 6;
    for (std::size_t i = 0; grades_ok && i < table.size(); ++i) {
        grades_ok = table[i].grade == i + 1;
    }
    if (!grades_ok) {
        return error::invalid("chamber.grade_table_grades",
                              "the table lists the grades 1 to 6 in order");
    }
    return std::nullopt;
}

std::optional<std::uint8_t>
grade_for(unsigned points, const grade_table& table)
{
    if (points > 100) {
        return std::nullopt;
    }
    for (const auto& step : table) {
        if (points >= step.min_points) {
            return step.grade;
        }
    }
    return std::nullopt;
}

period_kind
period_kind_for(const state& s, std::string_view name)
{
    if (auto it = s.occupations.find(std::string(name)); it != s.occupations.end()) {
        return it->second.period_kind;
    }
    return s.current.period_kind;
}

decision
decide(const state& s, const change_settings& c, const context& ctx)
{
    if (auto e = require_staff(ctx)) {
        return *e;
    }
    settings next = s.current;
    if (c.max_failed_logins) {
        if (*c.max_failed_logins < 1 || *c.max_failed_logins > k_max_failed_logins) {
            return invalid("validation.max_failed_logins", "between 1 and 100 failed logins");
        }
        next.max_failed_logins = *c.max_failed_logins;
    }
    if (c.lock_minutes) {
        if (*c.lock_minutes < 1 || *c.lock_minutes > k_max_lock_minutes) {
            return invalid("validation.lock_minutes", "between 1 minute and 30 days");
        }
        next.lock_minutes = *c.lock_minutes;
    }
    if (c.grade_table) {
        if (auto e = validate_grade_table(*c.grade_table)) {
            return fail(std::move(*e));
        }
        next.grade_table = *c.grade_table;
    }
    if (c.period_kind) {
        next.period_kind = *c.period_kind;
    }
    if (next == s.current) {
        return no_events();
    }
    return one_event([&](schema::Event::Builder e) {
        auto b = e.initChamber().initSettingsChanged();
        b.setMaxFailedLogins(static_cast<std::uint8_t>(next.max_failed_logins));
        b.setLockMinutes(next.lock_minutes);
        auto table = b.initGradeTable(static_cast<unsigned>(next.grade_table.size()));
        for (unsigned i = 0; i < next.grade_table.size(); ++i) {
            table[i].setMinPoints(next.grade_table[i].min_points);
            table[i].setGrade(next.grade_table[i].grade);
        }
        b.setPeriodKind(to_schema(next.period_kind));
    });
}

decision
decide(const state& s, const configure_occupation& c, const context& ctx)
{
    if (auto e = require_staff(ctx)) {
        return *e;
    }
    auto name = std::string(trim(c.name));
    if (!valid_text(name, k_max_name)) {
        return invalid("validation.occupation", "an occupation's name");
    }
    if (c.duration_months < 1 || c.duration_months > k_max_duration_months) {
        return invalid("validation.duration_months", "a training duration of 1 to 60 months");
    }
    occupation wanted{ c.period_kind, c.duration_months };
    if (auto it = s.occupations.find(name); it != s.occupations.end() && it->second == wanted) {
        return no_events();
    }
    return one_event([&](schema::Event::Builder e) {
        auto b = e.initChamber().initOccupationConfigured();
        b.setOccupation(name);
        b.setPeriodKind(to_schema(c.period_kind));
        b.setDurationMonths(c.duration_months);
    });
}

state
evolve(state s, schema::ChamberEvent::Reader event)
{
    switch (event.which()) {
        case schema::ChamberEvent::SETTINGS_CHANGED: {
            auto r = event.getSettingsChanged();
            s.exists = true;
            s.current.max_failed_logins = r.getMaxFailedLogins();
            s.current.lock_minutes = r.getLockMinutes();
            s.current.grade_table.clear();
            for (auto step : r.getGradeTable()) {
                s.current.grade_table.push_back({ step.getMinPoints(), step.getGrade() });
            }
            s.current.period_kind = from_schema(r.getPeriodKind());
            break;
        }
        case schema::ChamberEvent::OCCUPATION_CONFIGURED: {
            auto r = event.getOccupationConfigured();
            s.exists = true;
            s.occupations[str(r.getOccupation())] =
              occupation{ from_schema(r.getPeriodKind()), r.getDurationMonths() };
            break;
        }
    }
    return s;
}

state
evolve(state s, schema::Event::Reader event)
{
    if (event.which() != schema::Event::CHAMBER) {
        return s;
    }
    return evolve(std::move(s), event.getChamber());
}

state
fold(const std::vector<event_payload>& events)
{
    state s;
    for (const auto& e : events) {
        s = evolve(std::move(s), e.reader());
    }
    return s;
}

std::string
stream_id()
{
    return "chamber";
}

std::string
partition_key()
{
    return "chamber";
}

} // namespace portal::domain::chamber
