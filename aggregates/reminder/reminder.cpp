#include "reminder/reminder.hpp"

#include <algorithm>
#include <map>

namespace portal::domain::reminder {

namespace {

/// One thing to remind of.
struct item
{
    std::string key; ///< period key (missing) or report id
    period p;
    std::optional<date> since;
};

/// Items of one kind for one recipient.
struct group
{
    schema::ReminderKind kind = schema::ReminderKind::MISSING_RECORD;
    person recipient;
    std::vector<item> items;
};

bool
covers(const sent_reminder& r, schema::ReminderKind kind, const item& it) noexcept
{
    return r.kind == kind && (!it.since || r.day >= *it.since) &&
           std::find(r.items.begin(), r.items.end(), it.key) != r.items.end();
}

/// The latest reminder of `level` that covers the item, if any.
const sent_reminder*
covering(const state& s, schema::ReminderKind kind, const item& it, unsigned level) noexcept
{
    const sent_reminder* found = nullptr;
    for (const auto& r : s.sent) {
        if (r.level == level && covers(r, kind, it)) {
            found = &r;
        }
    }
    return found;
}

bool
sent_today(const state& s, const group& g, unsigned level, date today) noexcept
{
    return std::any_of(s.sent.begin(), s.sent.end(), [&](const sent_reminder& r) {
        return r.kind == g.kind && r.level == level && r.day == today &&
               r.recipient_email == g.recipient.email;
    });
}

void
set_period(schema::Period::Builder out, const period& p)
{
    switch (p.kind) {
        case schema::PeriodKind::WEEK: {
            auto w = out.initWeek();
            w.setYear(static_cast<std::uint16_t>(p.week.year));
            w.setWeek(static_cast<std::uint8_t>(p.week.week));
            break;
        }
        case schema::PeriodKind::DAY:
            out.setDay(format_date(p.day));
            break;
    }
}

period
read_period(schema::Period::Reader in)
{
    period p;
    switch (in.which()) {
        case schema::Period::WEEK:
            p.kind = schema::PeriodKind::WEEK;
            p.week = { in.getWeek().getYear(), in.getWeek().getWeek() };
            break;
        case schema::Period::DAY:
            p.kind = schema::PeriodKind::DAY;
            p.day = parse_date(str(in.getDay())).value_or(date{});
            break;
    }
    return p;
}

event_payload
reminder_event(const group& g,
               const std::vector<item>& items,
               unsigned level,
               date today,
               const context& ctx)
{
    return make_event([&](schema::Event::Builder e) {
        auto outer = e.initReminder();
        auto ev = level == 1 ? outer.initSent() : outer.initEscalated();
        ev.setKind(g.kind);
        ev.setDay(format_date(today));
        ev.setRecipientEmail(g.recipient.email);
        ev.setRecipientAccountId(g.recipient.account_id);
        ev.setContractId(ctx.contract_id);
        auto n = static_cast<unsigned>(items.size());
        if (g.kind != schema::ReminderKind::MISSING_RECORD) {
            auto ids = ev.initReportIds(n);
            for (unsigned i = 0; i < n; ++i) {
                ids.set(i, items[i].key);
            }
        }
        auto periods = ev.initPeriods(n);
        for (unsigned i = 0; i < n; ++i) {
            set_period(periods[i], items[i].p);
        }
        ev.setLevel(static_cast<std::uint8_t>(level));
        bool cc = level == 2 && !ctx.trainer.email.empty() &&
                  normalize_email(ctx.trainer.email) != g.recipient.email;
        if (cc) {
            ev.initCcEmails(1).set(0, normalize_email(ctx.trainer.email));
        }
    });
}

std::vector<group>
groups_of(const context& ctx, date today)
{
    std::vector<group> out;
    if (!trim(ctx.trainee.email).empty()) {
        person trainee{ normalize_email(ctx.trainee.email), ctx.trainee.account_id };
        group missing_group{ schema::ReminderKind::MISSING_RECORD, trainee, {} };
        for (const auto& p : ctx.missing_periods) {
            missing_group.items.push_back({ period_key(p), p, std::nullopt });
        }
        out.push_back(std::move(missing_group));
        group unsent_group{ schema::ReminderKind::UNSENT_RECORD, trainee, {} };
        for (const auto& r : ctx.unsent_records) {
            unsent_group.items.push_back({ r.report_id, r.period, r.since });
        }
        out.push_back(std::move(unsent_group));
    }
    std::map<std::string, group> approvers;
    auto wait = std::chrono::days{ ctx.approval_reminder_days };
    for (const auto& r : ctx.waiting_records) {
        auto email = normalize_email(r.approver.email);
        if (email.empty() ||
            std::chrono::sys_days(today) < std::chrono::sys_days(r.submitted_on) + wait) {
            continue;
        }
        auto& g = approvers[email];
        g.kind = schema::ReminderKind::PENDING_APPROVAL;
        g.recipient.email = email;
        if (g.recipient.account_id.empty()) {
            g.recipient.account_id = r.approver.account_id;
        }
        g.items.push_back({ r.report_id, r.period, r.submitted_on });
    }
    for (auto& [email, g] : approvers) {
        out.push_back(std::move(g));
    }
    return out;
}

} // namespace

std::string
period_key(const period& p)
{
    if (p.kind == schema::PeriodKind::DAY) {
        return format_date(p.day);
    }
    auto year = std::to_string(p.week.year);
    auto week = std::to_string(p.week.week);
    return std::string(year.size() < 4 ? 4 - year.size() : 0, '0') + year + "-W" +
           (week.size() < 2 ? "0" : "") + week;
}

decision
decide(const state& s, const run& c, const context& ctx)
{
    if (ctx.actor.acting_as != role::system && ctx.actor.acting_as != role::staff) {
        return forbid("reminder.not_allowed", "only the scheduler or staff run reminders");
    }
    if (trim(ctx.contract_id).empty()) {
        return invalid("validation.contract_id", "the contract id is required");
    }
    if (!c.day.ok()) {
        return invalid("validation.day", "the day of the run is not a valid date");
    }
    if (!ctx.reminders_on) {
        return no_events();
    }
    auto today = std::chrono::sys_days(c.day);
    event_list first;
    event_list escalations;
    for (const auto& g : groups_of(ctx, c.day)) {
        std::vector<item> fresh;
        std::vector<item> due;
        for (const auto& it : g.items) {
            const auto* level1 = covering(s, g.kind, it, 1);
            if (level1 == nullptr) {
                fresh.push_back(it);
                continue;
            }
            bool old_enough =
              std::chrono::sys_days(level1->day) + std::chrono::days{ k_escalation_days } <= today;
            if (old_enough && covering(s, g.kind, it, 2) == nullptr) {
                due.push_back(it);
            }
        }
        if (!fresh.empty() && !sent_today(s, g, 1, c.day)) {
            first.push_back(reminder_event(g, fresh, 1, c.day, ctx));
        }
        if (!due.empty() && !sent_today(s, g, 2, c.day)) {
            escalations.push_back(reminder_event(g, due, 2, c.day, ctx));
        }
    }
    for (auto& e : escalations) {
        first.push_back(std::move(e));
    }
    return first;
}

state
evolve(state s, schema::ReminderEvent::Reader event)
{
    schema::ReminderSent::Reader ev;
    switch (event.which()) {
        case schema::ReminderEvent::SENT:
            ev = event.getSent();
            break;
        case schema::ReminderEvent::ESCALATED:
            ev = event.getEscalated();
            break;
    }
    sent_reminder r;
    r.kind = ev.getKind();
    r.level = ev.getLevel();
    r.day = parse_date(str(ev.getDay())).value_or(date{});
    r.recipient_email = str(ev.getRecipientEmail());
    if (r.kind == schema::ReminderKind::MISSING_RECORD) {
        for (auto p : ev.getPeriods()) {
            r.items.push_back(period_key(read_period(p)));
        }
    } else {
        for (auto id : ev.getReportIds()) {
            r.items.push_back(str(id));
        }
    }
    s.exists = true;
    s.sent.push_back(std::move(r));
    return s;
}

state
evolve(state s, schema::Event::Reader event)
{
    if (event.which() != schema::Event::REMINDER) {
        return s;
    }
    return evolve(std::move(s), event.getReminder());
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
stream_id(std::string_view contract_id)
{
    return "reminders-" + std::string(contract_id);
}

std::string
partition_key(std::string_view company_id)
{
    return "company-" + std::string(company_id);
}

} // namespace portal::domain::reminder
