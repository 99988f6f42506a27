// The reminder scheduler (issue #7) on the portal in-process with a moved
// test clock: the daily run after the local hour, only where the company
// switched reminders on, approvers after the configured days, escalation
// with the trainer in copy after a week, never twice on the same day (by
// hand, from a second scheduler on the same data, after a restart), a
// missed day caught up on start, and the staff route.
//
// The event log stamps events with the system clock, and the days an
// approver waits count from the submission's recording day; so "today" of
// these tests is the real UTC day and the test clock starts on it.

#include "app/accounts.hpp"
#include "app/records.hpp"
#include "common/processor.hpp"
#include "gateway_env.hpp"
#include "portal/infra/crypto.hpp"
#include "portal/projections/read_models.hpp"
#include "reminder/reminder.hpp"
#include "reminder_scheduler.hpp"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace portal::testing {
namespace {

using namespace std::chrono;
using events::role;
namespace reminder = domain::reminder;

#define PORTAL_ASSERT_OK(expr)                                                                     \
    do {                                                                                           \
        auto&& ok_ = (expr);                                                                       \
        ASSERT_TRUE(ok_.has_value())                                                               \
          << #expr << ": " << ok_.error().code << " " << ok_.error().message;                      \
    } while (false)

constexpr const char* k_occupation = "Industriemechaniker/-in";
constexpr const char* k_staff_email = "sachbearbeitung@ihk.example";
constexpr const char* k_trainer_a = "ausbilder@an.example";
constexpr const char* k_trainee_a = "azubi@an.example";
constexpr const char* k_trainer_b = "ausbilder@aus.example";
constexpr const char* k_trainee_b = "azubi@aus.example";
constexpr const char* k_contract_a = "k-an";
constexpr const char* k_contract_b = "k-aus";
constexpr const char* k_subject = "Subject: Erinnerung: Ausbildungsnachweise";
constexpr const char* k_escalation_subject = "Subject: Erneute Erinnerung: Ausbildungsnachweise";

timestamp
real_now()
{
    return time_point_cast<microseconds>(system_clock::now());
}

/// The instant of the local (Europe/Berlin) wall-clock time `h:m` on `d`.
timestamp
local_time(date d, int h, int m = 0)
{
    auto noon = timestamp(sys_days(d) + hours{ 12 });
    auto offset = gateway::berlin_local(noon) - noon;
    return timestamp(sys_days(d) + hours{ h } + minutes{ m }) - offset;
}

date
plus_days(date d, int n)
{
    return date(sys_days(d) + days{ n });
}

class RemindersTest : public ::testing::Test
{
  protected:
    /// The real UTC day (see the file comment).
    const date today = day_of(real_now());
    std::unique_ptr<gateway_env> env;
    /// Instances started by `restart` (the env's own is stopped then).
    std::unique_ptr<cli::instance> restarted;
    std::string staff_id;
    std::string report_id; ///< trainee A's record submitted to trainer A
    int sequence = 0;

    /// Instance options with the scheduler on (hour 6, 3 days for
    /// approvers) checking the clock every 10 ms.
    cli::instance_options options(bool reminders) const
    {
        cli::instance_options o;
        o.reminders = reminders;
        o.reminder.hour = 6;
        o.reminder.days_before_approver_reminder = 3;
        o.reminder.check_interval = milliseconds{ 10 };
        return o;
    }

    /// Starts the portal at 05:00 local time today, before the hour: its
    /// scheduler runs yesterday at once (there is nothing yet).
    void start(bool reminders)
    {
        env = std::make_unique<gateway_env>(local_time(today, 5), options(reminders));
        if (reminders) {
            ASSERT_TRUE(wait_until([&] { return scheduler().completed_runs() >= 1; }));
            EXPECT_EQ(scheduler().last_day(), plus_days(today, -1));
        }
    }

    cli::instance& portal() { return restarted ? *restarted : env->portal(); }
    gateway::reminder_scheduler& scheduler() { return *portal().reminders(); }
    const app::services& services() { return portal().services(); }

    const projections::runner* training_runner()
    {
        for (const auto* r : portal().api().runners()) {
            if (r->name() == projections::k_training) {
                return r;
            }
        }
        return nullptr;
    }

    /// Stops the running instance and starts another one on the same data
    /// directory and clock.
    void restart()
    {
        portal().stop();
        restarted.reset();
        auto o = options(true);
        o.data_dir = env->data_dir();
        o.sync = false;
        o.api.password_cost = infra::password_cost::minimum();
        o.server.address = "127.0.0.1";
        o.server.port = 0;
        o.server.worker_threads = 2;
        o.clock = [e = env.get()] { return e->now(); };
        auto started = cli::instance::start(o);
        ASSERT_TRUE(started.has_value()) << started.error().message;
        restarted = std::move(*started);
    }

    domain::command_meta as(std::string account_id, role r)
    {
        domain::command_meta m;
        m.command_id = fmt::format("test-setup-{}", ++sequence);
        m.actor = domain::principal{ std::move(account_id), r, "" };
        m.now = env->now();
        return m;
    }
    domain::command_meta as_staff() { return as(staff_id, role::staff); }

    /// A company with trainer `trainer_email`, its record settings (reminders
    /// on or off) and a running contract since four weeks of a trainee
    /// without an account.
    void company(const std::string& member_number,
                 bool reminders,
                 const std::string& trainer_email,
                 const std::string& contract_id,
                 const std::string& trainee_email)
    {
        domain::company::register_company reg;
        reg.name = "Firma " + member_number;
        reg.member_number = member_number;
        reg.email = "info-" + member_number + "@firma.example";
        reg.address = { "Industriestraße 12", "86153", "Augsburg" };
        PORTAL_ASSERT_OK(app::register_company(services(), as_staff(), reg));
        auto company_id = app::company_id_for(member_number);
        PORTAL_ASSERT_OK(app::change_record_settings(
          services(), as_staff(), company_id, { "*", true, reminders }));
        PORTAL_ASSERT_OK(app::register_trainer(
          services(), as_staff(), company_id, { "trainer-1", "Thomas Berger", trainer_email }));
        domain::contract::register_contract c;
        c.company_id = company_id;
        c.trainee = { "Jürgen Müller", "2008-03-14", trainee_email };
        c.trainee_number = "AZ-" + contract_id;
        c.occupation = k_occupation;
        c.start = format_date(plus_days(today, -28));
        c.end = "2099-08-31";
        c.record_form = schema::RecordForm::ELECTRONIC;
        c.trainer_ids = { "trainer-1" };
        PORTAL_ASSERT_OK(app::register_contract(services(), as_staff(), contract_id, c));
    }

    /// Company A (reminders on) and company B (reminders off), each with a
    /// contract; trainee A has an account and submitted the record of two
    /// weeks ago to trainer A (today, by the log's clock).
    void world()
    {
        env->staff_token(k_staff_email);
        staff_id = services().account_id_of(k_staff_email);
        company("4711", true, k_trainer_a, k_contract_a, k_trainee_a);
        company("4712", false, k_trainer_b, k_contract_b, k_trainee_b);

        // Trainee A's account, activated and linked.
        auto company_a = app::company_id_for("4711");
        auto trainee_id = services().account_id_of(k_trainee_a);
        auto token = infra::random_token();
        domain::account::create create;
        create.email = k_trainee_a;
        create.name = "Jürgen Müller";
        create.role = { role::trainee, company_a, k_contract_a };
        create.invitation_token_hash = infra::token_hash(token);
        create.invitation_expires_at = env->now() + hours{ 1 };
        PORTAL_ASSERT_OK(app::create_account(services(), as_staff(), create));
        auto hash = infra::hash_password(gateway_env::k_password, infra::password_cost::minimum());
        ASSERT_TRUE(hash.has_value());
        PORTAL_ASSERT_OK(app::activate_account(services(),
                                               as(trainee_id, role::trainee),
                                               trainee_id,
                                               { infra::token_hash(token), *hash }));
        PORTAL_ASSERT_OK(
          app::link_trainee_account(services(), as_staff(), k_contract_a, { trainee_id }));

        domain::report::draft d;
        d.contract_id = k_contract_a;
        auto week = iso_week_of(plus_days(today, -14));
        d.period.kind = schema::PeriodKind::WEEK;
        d.period.week = week;
        domain::report::entry e;
        e.kind = schema::EntryKind::COMPANY;
        e.text = "Drehteile gefertigt";
        e.minutes = 8 * 60;
        d.entries = { e };
        PORTAL_ASSERT_OK(app::draft_report(services(), as(trainee_id, role::trainee), d));
        report_id = app::report_id_for(k_contract_a, d.period);
        PORTAL_ASSERT_OK(app::submit_report(
          services(), as(trainee_id, role::trainee), report_id, { k_trainer_a }));
    }

    /// The reminders sent for a contract so far (its reminder stream).
    std::vector<reminder::sent_reminder> sent(const std::string& contract_id)
    {
        auto s = domain::load<reminder::state>(services().log, reminder::stream_id(contract_id));
        EXPECT_TRUE(s.has_value());
        return s ? s->state.sent : std::vector<reminder::sent_reminder>{};
    }

    static std::size_t count(const std::vector<reminder::sent_reminder>& all,
                             schema::ReminderKind kind,
                             unsigned level,
                             const std::string& to)
    {
        return static_cast<std::size_t>(std::count_if(all.begin(), all.end(), [&](const auto& r) {
            return r.kind == kind && r.level == level && r.recipient_email == to;
        }));
    }

    /// The mail files to `to` whose subject line is `subject`.
    std::vector<std::string> mails(const std::string& to, const std::string& subject)
    {
        std::vector<std::string> out;
        for (auto& m : env->mails_to(to)) {
            if (m.find(subject + "\r\n") != std::string::npos) {
                out.push_back(std::move(m));
            }
        }
        return out;
    }

    /// Waits for the `n`-th mail to `to` with `subject`; "" on timeout.
    std::string wait_for_mail(const std::string& to, const std::string& subject, std::size_t n = 1)
    {
        std::string found;
        wait_until(
          [&] {
              auto all = mails(to, subject);
              if (all.size() >= n) {
                  found = all[n - 1];
                  return true;
              }
              return false;
          },
          seconds{ 20 });
        return found;
    }

    /// Moves the clock to `t` and waits until the scheduler has completed
    /// `runs` days.
    void move_and_wait(timestamp t, std::size_t runs)
    {
        env->set_now(t);
        ASSERT_TRUE(wait_until([&] { return scheduler().completed_runs() >= runs; }, seconds{ 20 }))
          << "the scheduler did not run after the clock moved";
    }
};

TEST_F(RemindersTest, TraineeIsRemindedAfterTheHourOnceADayAndEscalatedAfterAWeek)
{
    start(true);
    world();

    // Still before the hour: the scheduler looks at the clock, runs nothing.
    env->set_now(local_time(today, 5, 59));
    auto checked = scheduler().checks();
    ASSERT_TRUE(wait_until([&] { return scheduler().checks() >= checked + 3; }));
    EXPECT_EQ(scheduler().completed_runs(), 1U);
    EXPECT_TRUE(sent(k_contract_a).empty());

    // Past the hour: today's run.
    move_and_wait(local_time(today, 6, 0), 2);
    EXPECT_EQ(scheduler().last_day(), today);
    auto first = sent(k_contract_a);
    ASSERT_EQ(count(first, schema::ReminderKind::MISSING_RECORD, 1, k_trainee_a), 1U);
    const auto& missing = *std::find_if(first.begin(), first.end(), [](const auto& r) {
        return r.kind == schema::ReminderKind::MISSING_RECORD;
    });
    EXPECT_EQ(missing.day, today);
    auto first_week = iso_week_of(plus_days(today, -28));
    auto first_key = fmt::format("{}-W{:02}", first_week.year, first_week.week);
    EXPECT_NE(std::find(missing.items.begin(), missing.items.end(), first_key),
              missing.items.end());
    // The submitted record waits for less than 3 days: no approver reminder.
    EXPECT_EQ(count(first, schema::ReminderKind::PENDING_APPROVAL, 1, k_trainer_a), 0U);
    // Company B switched reminders off.
    EXPECT_TRUE(sent(k_contract_b).empty());

    auto mail = wait_for_mail(k_trainee_a, k_subject);
    ASSERT_FALSE(mail.empty()) << "no reminder mail to the trainee";
    EXPECT_NE(mail.find("fehlen Ausbildungsnachweise:"), std::string::npos) << mail;
    EXPECT_NE(mail.find(first_key), std::string::npos) << mail;
    EXPECT_TRUE(mails(k_trainee_b, k_subject).empty());

    // The same day again: by hand, and from a second scheduler on the same
    // data (another instance): nothing new.
    auto again = scheduler().run_now(today);
    PORTAL_ASSERT_OK(again);
    EXPECT_EQ(again->contracts, 1U); // company B's contract is not run
    EXPECT_EQ(again->events, 0U);
    gateway::reminder_scheduler other(
      services(), portal().store(), training_runner(), options(true).reminder, [e = env.get()] {
          return e->now();
      });
    other.start();
    ASSERT_TRUE(wait_until([&] { return other.completed_runs() >= 1; }));
    EXPECT_EQ(other.last_day(), today);
    EXPECT_EQ(sent(k_contract_a).size(), first.size());

    // A week later both schedulers run: one escalation, the trainer in copy.
    env->set_now(local_time(plus_days(today, 7), 6, 30));
    ASSERT_TRUE(
      wait_until([&] { return scheduler().completed_runs() >= 3 && other.completed_runs() >= 2; }));
    auto later = sent(k_contract_a);
    EXPECT_EQ(count(later, schema::ReminderKind::MISSING_RECORD, 2, k_trainee_a), 1U);
    EXPECT_EQ(count(later, schema::ReminderKind::PENDING_APPROVAL, 1, k_trainer_a), 1U);
    for (const auto& r : later) {
        auto same = std::count_if(later.begin(), later.end(), [&](const auto& x) {
            return x.kind == r.kind && x.level == r.level && x.day == r.day &&
                   x.recipient_email == r.recipient_email;
        });
        EXPECT_EQ(same, 1) << "a reminder was sent twice on " << format_date(r.day);
    }
    auto escalation = wait_for_mail(k_trainee_a, k_escalation_subject);
    ASSERT_FALSE(escalation.empty()) << "no escalation mail";
    EXPECT_NE(escalation.find("\nCc: "), std::string::npos) << escalation;
    EXPECT_NE(escalation.find(k_trainer_a), std::string::npos) << escalation;
    EXPECT_TRUE(sent(k_contract_b).empty());
}

TEST_F(RemindersTest, ApproverIsRemindedAfterTheConfiguredDays)
{
    start(true);
    world();
    move_and_wait(local_time(plus_days(today, 1), 6), 2);
    EXPECT_EQ(count(sent(k_contract_a), schema::ReminderKind::PENDING_APPROVAL, 1, k_trainer_a),
              0U);

    move_and_wait(local_time(plus_days(today, 4), 6), 3);
    auto all = sent(k_contract_a);
    ASSERT_EQ(count(all, schema::ReminderKind::PENDING_APPROVAL, 1, k_trainer_a), 1U);
    for (const auto& r : all) {
        if (r.kind == schema::ReminderKind::PENDING_APPROVAL) {
            EXPECT_EQ(r.items, std::vector<std::string>{ report_id });
        }
    }
    auto mail = wait_for_mail(k_trainer_a, k_subject);
    ASSERT_FALSE(mail.empty()) << "no reminder mail to the approver";
    EXPECT_NE(mail.find("warten auf Ihre Freigabe"), std::string::npos) << mail;
    EXPECT_NE(mail.find(k_trainer_a), std::string::npos);
    EXPECT_TRUE(mails(k_trainer_b, k_subject).empty());
}

TEST_F(RemindersTest, ConcurrentRunsOfTheSameDayAppendEachReminderOnce)
{
    start(false);
    world();
    std::vector<std::unique_ptr<gateway::reminder_scheduler>> instances;
    for (int i = 0; i < 4; ++i) {
        instances.push_back(
          std::make_unique<gateway::reminder_scheduler>(services(),
                                                        portal().store(),
                                                        training_runner(),
                                                        options(false).reminder,
                                                        [e = env.get()] { return e->now(); }));
    }
    auto day = plus_days(today, 4);
    std::vector<result<gateway::reminder_counts>> results(instances.size(),
                                                          gateway::reminder_counts{});
    std::vector<std::thread> threads;
    for (std::size_t i = 0; i < instances.size(); ++i) {
        threads.emplace_back([&, i] { results[i] = instances[i]->run_now(day); });
    }
    for (auto& t : threads) {
        t.join();
    }
    std::size_t events = 0;
    for (const auto& r : results) {
        PORTAL_ASSERT_OK(r);
        EXPECT_EQ(r->failed, 0U);
        events += r->events;
    }
    auto all = sent(k_contract_a);
    EXPECT_EQ(events, all.size());
    EXPECT_EQ(count(all, schema::ReminderKind::MISSING_RECORD, 1, k_trainee_a), 1U);
    EXPECT_EQ(count(all, schema::ReminderKind::PENDING_APPROVAL, 1, k_trainer_a), 1U);
    EXPECT_EQ(all.size(), 2U);
}

TEST_F(RemindersTest, RestartOnTheSameDaySendsNothingNewAndCatchesUpAMissedDay)
{
    start(true);
    world();
    move_and_wait(local_time(today, 6, 5), 2);
    auto before = sent(k_contract_a);
    ASSERT_FALSE(before.empty());
    ASSERT_FALSE(wait_for_mail(k_trainee_a, k_subject).empty());

    // A restart the same day runs today again at start: a no-op.
    restart();
    ASSERT_TRUE(wait_until([&] { return scheduler().completed_runs() >= 1; }));
    EXPECT_EQ(scheduler().last_day(), today);
    EXPECT_EQ(sent(k_contract_a).size(), before.size());

    // Down over a week: the start catches up the day it missed.
    portal().stop();
    env->set_now(local_time(plus_days(today, 7), 9));
    restart();
    ASSERT_TRUE(wait_until([&] { return scheduler().completed_runs() >= 1; }));
    EXPECT_EQ(scheduler().last_day(), plus_days(today, 7));
    auto after = sent(k_contract_a);
    EXPECT_EQ(count(after, schema::ReminderKind::MISSING_RECORD, 2, k_trainee_a), 1U);
    ASSERT_FALSE(wait_for_mail(k_trainee_a, k_escalation_subject).empty());
}

TEST_F(RemindersTest, StaffRunRemindersByHand)
{
    start(false);
    world();
    EXPECT_EQ(portal().reminders(), nullptr);
    auto& client = env->client();
    auto staff = env->login_token(k_staff_email, gateway_env::k_password);
    auto body = json_text({ { "date", format_date(today) } });

    auto r = client.post("/api/v1/reminders/run", body, staff);
    ASSERT_EQ(r.status, 200) << r.body;
    auto counts = r.json().as_object();
    EXPECT_EQ(counts.at("date").as_string(), format_date(today));
    EXPECT_EQ(counts.at("contracts").as_int64(), 1);
    EXPECT_EQ(counts.at("reminded").as_int64(), 1);
    EXPECT_GE(counts.at("events").as_int64(), 1);
    EXPECT_EQ(counts.at("failed").as_int64(), 0);
    EXPECT_EQ(count(sent(k_contract_a), schema::ReminderKind::MISSING_RECORD, 1, k_trainee_a), 1U);
    EXPECT_FALSE(wait_for_mail(k_trainee_a, k_subject).empty());

    // Again, without a date (today, local time): nothing new.
    auto again = client.post("/api/v1/reminders/run", "", staff);
    ASSERT_EQ(again.status, 200) << again.body;
    EXPECT_EQ(again.json().at("date").as_string(), format_date(today));
    EXPECT_EQ(again.json().at("events").as_int64(), 0);

    auto trainee = env->login_token(k_trainee_a, gateway_env::k_password);
    auto denied = client.post("/api/v1/reminders/run", body, trainee);
    EXPECT_EQ(denied.status, 403) << denied.body;
    EXPECT_EQ(denied.code(), "auth.role");
    EXPECT_EQ(client.post("/api/v1/reminders/run", body).status, 401);
    auto bad = client.post("/api/v1/reminders/run", json_text({ { "date", "2026-02-30" } }), staff);
    EXPECT_EQ(bad.status, 400) << bad.body;
}

TEST(ReminderClockTest, BerlinLocalTimeFollowsTheEuSummerTimeRule)
{
    auto at = [](int y, unsigned mo, unsigned d, int h, int mi = 0) {
        return timestamp(sys_days(year{ y } / mo / d) + hours{ h } + minutes{ mi });
    };
    auto offset = [](timestamp t) {
        return duration_cast<hours>(gateway::berlin_local(t) - t).count();
    };
    EXPECT_EQ(offset(at(2026, 1, 15, 12)), 1);
    EXPECT_EQ(offset(at(2026, 7, 1, 12)), 2);
    // 2026: summer time from Sunday, 29 March, to Sunday, 25 October, 01:00 UTC.
    EXPECT_EQ(offset(at(2026, 3, 29, 0, 59)), 1);
    EXPECT_EQ(offset(at(2026, 3, 29, 1)), 2);
    EXPECT_EQ(offset(at(2026, 10, 25, 0, 59)), 2);
    EXPECT_EQ(offset(at(2026, 10, 25, 1)), 1);

    auto due = [](timestamp t) { return format_date(gateway::reminder_due_day(t, 6)); };
    EXPECT_EQ(due(at(2026, 11, 28, 4, 59)), "2026-11-27");
    EXPECT_EQ(due(at(2026, 11, 28, 5)), "2026-11-28");
    EXPECT_EQ(due(at(2026, 7, 1, 3, 59)), "2026-06-30");
    EXPECT_EQ(due(at(2026, 7, 1, 4)), "2026-07-01");
    // Late in the evening UTC is already the next local day.
    EXPECT_EQ(format_date(gateway::reminder_due_day(at(2026, 11, 28, 23, 30), 0)), "2026-11-29");
    EXPECT_EQ(due(at(2026, 11, 28, 23, 30)), "2026-11-28");
}

} // namespace
} // namespace portal::testing
