// The chamber's settings (DOMAIN.md: the login lockout count is a chamber
// setting, the grade table is configuration, a record covers a week or a
// day as the chamber/occupation sets): chamber staff read and change them;
// auditors read them.

#include "app/accounts.hpp"
#include "chamber/chamber.hpp"
#include "http/api.hpp"
#include "http/authz.hpp"

namespace portal::gateway {

namespace {

using events::role;
namespace chamber = domain::chamber;

std::string_view
period_name(chamber::period_kind k)
{
    return k == chamber::period_kind::day ? "day" : "week";
}

chamber::period_kind
period_of(std::string_view name)
{
    return name == "day" ? chamber::period_kind::day : chamber::period_kind::week;
}

/// `{maxFailedLogins, lockMinutes, gradeTable: [{minPoints, grade}],
/// periodKind, occupations: [{name, periodKind, durationMonths}], version}`.
boost::json::object
settings_json(const chamber::state& s, std::uint64_t version)
{
    boost::json::array table;
    for (const auto& step : s.current.grade_table) {
        table.push_back(
          boost::json::object{ { "minPoints", step.min_points }, { "grade", step.grade } });
    }
    boost::json::array occupations;
    for (const auto& [name, o] : s.occupations) {
        occupations.push_back(boost::json::object{ { "name", name },
                                                   { "periodKind", period_name(o.period_kind) },
                                                   { "durationMonths", o.duration_months } });
    }
    return boost::json::object{ { "maxFailedLogins", s.current.max_failed_logins },
                                { "lockMinutes", s.current.lock_minutes },
                                { "gradeTable", std::move(table) },
                                { "periodKind", period_name(s.current.period_kind) },
                                { "occupations", std::move(occupations) },
                                { "version", version } };
}

reply
get_settings(api& a, call& c)
{
    auto v = a.viewer_of(c, { role::staff, role::auditor });
    if (!v) {
        return error_response(v.error());
    }
    auto current = domain::load_shared<chamber::state>(a.services().log, chamber::stream_id());
    if (!current) {
        return error_response(current.error());
    }
    return ok_json(settings_json(*current->state, current->version));
}

/// `{maxFailedLogins?, lockMinutes?, gradeTable?, periodKind?}`: absent
/// fields keep their value. A grade table lists `{minPoints, grade}` from
/// grade 1 down to 6 (the aggregate checks it: `chamber.grade_table_*`).
reply
change_settings(api& a, call& c)
{
    auto v = a.viewer_of(c, { role::staff });
    if (!v) {
        return error_response(v.error());
    }
    auto in = input::parse(c.req);
    if (!in) {
        return in.error();
    }
    chamber::change_settings command;
    if (auto n = in->integer("maxFailedLogins", optional, 1, 100)) {
        command.max_failed_logins = static_cast<std::uint32_t>(*n);
    }
    if (auto n = in->integer("lockMinutes", optional, 1, 43200)) {
        command.lock_minutes = static_cast<std::uint32_t>(*n);
    }
    if (auto steps = in->objects("gradeTable", optional, 6)) {
        chamber::grade_table table;
        for (auto& step : *steps) {
            auto min_points = step.integer("minPoints", required, 0, 100);
            auto grade = step.integer("grade", required, 1, 6);
            if (min_points && grade) {
                table.push_back(
                  { static_cast<std::uint8_t>(*min_points), static_cast<std::uint8_t>(*grade) });
            }
        }
        command.grade_table = std::move(table);
    }
    if (auto kind = in->one_of("periodKind", optional, { "week", "day" })) {
        command.period_kind = period_of(*kind);
    }
    if (auto bad = in->finish()) {
        return *bad;
    }
    auto meta = a.meta(c, *v, { role::staff });
    if (!meta) {
        return error_response(meta.error());
    }
    auto done = app::change_chamber_settings(a.services(), *meta, command);
    return a.written("chamber.change_settings", done, chamber::stream_id());
}

/// `{name, periodKind, durationMonths?}` (default 36 months): configures an
/// occupation, or configures it anew.
reply
configure_occupation(api& a, call& c)
{
    auto v = a.viewer_of(c, { role::staff });
    if (!v) {
        return error_response(v.error());
    }
    auto in = input::parse(c.req);
    if (!in) {
        return in.error();
    }
    auto name = in->text("name", required, 200);
    auto kind = in->one_of("periodKind", required, { "week", "day" });
    auto months = in->integer("durationMonths", optional, 1, 60);
    if (auto bad = in->finish()) {
        return *bad;
    }
    auto meta = a.meta(c, *v, { role::staff });
    if (!meta) {
        return error_response(meta.error());
    }
    chamber::configure_occupation command{ *name,
                                           period_of(*kind),
                                           static_cast<std::uint8_t>(months.value_or(36)) };
    auto done = app::configure_occupation(a.services(), *meta, command);
    return a.written("chamber.configure_occupation", done, chamber::stream_id());
}

} // namespace

void
add_chamber_routes(router& r)
{
    using http::verb;
    r.add(verb::get, "/api/v1/chamber/settings", access::authenticated, get_settings);
    r.add(verb::put, "/api/v1/chamber/settings", access::authenticated, change_settings);
    r.add(verb::post, "/api/v1/chamber/occupations", access::authenticated, configure_occupation);
}

} // namespace portal::gateway
