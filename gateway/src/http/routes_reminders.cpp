// Reminders: chamber staff run the daily reminder run by hand
// (reminder_scheduler.hpp; the scheduler runs it daily on its own).

#include "http/api.hpp"
#include "http/authz.hpp"
#include "portal/projections/read_models.hpp"
#include "reminder_scheduler.hpp"

namespace portal::gateway {

namespace {

using events::role;

/// `{date?}` -> `{date, contracts, reminded, events, failed}`: the run of
/// `date` (default: today, Europe/Berlin) for every running contract with
/// reminders switched on; a day already run appends nothing.
reply
run_reminders(api& a, call& c)
{
    auto v = a.viewer_of(c);
    if (!v) {
        return error_response(v.error());
    }
    if (auto denied = authz::require_role(*v, { role::staff }); !denied) {
        return error_response(denied.error());
    }
    auto in = input::parse(c.req);
    if (!in) {
        return in.error();
    }
    auto day = in->day("date", optional);
    if (auto bad = in->finish()) {
        return *bad;
    }
    auto meta = a.meta(c, *v, { role::staff });
    if (!meta) {
        return error_response(meta.error());
    }
    // One run appends to many streams: neither a command id (it would make
    // every contract after the first a duplicate of the first) nor an
    // expected version applies; the reminder streams make a repeat a no-op.
    meta->command_id.clear();
    meta->expected_version.reset();
    auto run_day = day ? *day : date(std::chrono::floor<std::chrono::days>(berlin_local(c.now)));
    const projections::runner* training = nullptr;
    for (const auto* r : a.runners()) {
        if (r->name() == projections::k_training) {
            training = r;
        }
    }
    auto counts = run_reminder_day(
      a.services(), a.store(), training, *meta, run_day, a.options().approver_reminder_days);
    if (!counts) {
        return error_response(counts.error());
    }
    return ok_json(boost::json::object{ { "date", format_date(run_day) },
                                        { "contracts", counts->contracts },
                                        { "reminded", counts->reminded },
                                        { "events", counts->events },
                                        { "failed", counts->failed } });
}

} // namespace

void
add_reminder_routes(router& r)
{
    r.add(http::verb::post, "/api/v1/reminders/run", access::authenticated, run_reminders);
}

} // namespace portal::gateway
