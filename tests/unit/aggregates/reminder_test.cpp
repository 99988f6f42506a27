// Given/When/Then specification of the daily reminder run of a contract.

#include "decision_matchers.hpp"
#include "reminder/reminder.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

using namespace portal;
using namespace portal::domain;
using namespace portal::testing;
using namespace portal::domain::reminder;

namespace {

date
day(const char* text)
{
    return parse_date(text).value();
}

period
week(int year, unsigned w)
{
    return { schema::PeriodKind::WEEK, { year, w }, {} };
}

/// The scheduler's context: reminders on, trainee Tom, trainer Tina.
context
scheduler(const char* now = "2027-03-01")
{
    context ctx;
    ctx.actor.acting_as = role::system;
    ctx.now = at(now);
    ctx.contract_id = "k1";
    ctx.reminders_on = true;
    ctx.trainee = { "Tom@Example.de", "acc-tom" };
    ctx.trainer = { "tina@example.de", "acc-tina" };
    ctx.approval_reminder_days = 7;
    return ctx;
}

/// Runs and folds the produced events onto the state (for chains of runs).
state
run_on(state s, const char* d, const context& ctx)
{
    auto out = decide(s, run{ day(d) }, ctx);
    EXPECT_TRUE(out.has_value());
    if (out) {
        for (const auto& e : *out) {
            s = evolve(std::move(s), e.reader());
        }
    }
    return s;
}

std::vector<std::string>
names(const decision& d)
{
    std::vector<std::string> out;
    if (d) {
        for (const auto& e : *d) {
            out.push_back(events::event_name(e.reader()));
        }
    }
    return out;
}

schema::ReminderSent::Reader
payload(const decision& d, std::size_t i)
{
    auto r = d->at(i).reader().getReminder();
    return r.isSent() ? r.getSent() : r.getEscalated();
}

std::vector<std::string>
ids_of(schema::ReminderSent::Reader r)
{
    std::vector<std::string> out;
    for (auto id : r.getReportIds()) {
        out.push_back(text(id));
    }
    return out;
}

} // namespace

// --- switches and inputs ----------------------------------------------------------------

TEST(ReminderGivenNothing, WhenRemindersAreOffThenNoEvents)
{
    auto ctx = scheduler();
    ctx.reminders_on = false;
    ctx.missing_periods = { week(2027, 5) };
    EXPECT_TRUE(nothing(decide(state{}, run{ day("2027-03-01") }, ctx)));
}

TEST(ReminderGivenNothing, WhenNothingIsOutstandingThenNoEvents)
{
    EXPECT_TRUE(nothing(decide(state{}, run{ day("2027-03-01") }, scheduler())));
}

TEST(ReminderGivenNothing, WhenATraineeRunsThenNotAllowed)
{
    auto ctx = scheduler();
    ctx.actor.acting_as = role::trainee;
    EXPECT_TRUE(fails_with(decide(state{}, run{ day("2027-03-01") }, ctx),
                           "reminder.not_allowed",
                           error_class::forbidden));
}

TEST(ReminderGivenNothing, WhenStaffRunThenAllowed)
{
    auto ctx = scheduler();
    ctx.actor.acting_as = role::staff;
    ctx.missing_periods = { week(2027, 5) };
    EXPECT_TRUE(yields(decide(state{}, run{ day("2027-03-01") }, ctx), "reminder.sent"));
}

TEST(ReminderGivenNothing, WhenInputIsMalformedThenValidationErrors)
{
    auto ctx = scheduler();
    ctx.contract_id = "";
    EXPECT_TRUE(fails_with(decide(state{}, run{ day("2027-03-01") }, ctx),
                           "validation.contract_id",
                           error_class::invalid));
    auto bad_day = std::chrono::year{ 2027 } / 2 / 30;
    EXPECT_TRUE(fails_with(
      decide(state{}, run{ bad_day }, scheduler()), "validation.day", error_class::invalid));
}

// --- level 1 -------------------------------------------------------------------------------

TEST(ReminderGivenNothing, WhenPeriodsAreMissingThenTheTraineeIsReminded)
{
    auto ctx = scheduler();
    ctx.missing_periods = { week(2027, 5), week(2027, 6) };
    auto d = decide(state{}, run{ day("2027-03-01") }, ctx);
    ASSERT_TRUE(yields(d, "reminder.sent"));
    auto ev = payload(d, 0);
    EXPECT_EQ(ev.getKind(), schema::ReminderKind::MISSING_RECORD);
    EXPECT_EQ(ev.getLevel(), 1);
    EXPECT_EQ(text(ev.getDay()), "2027-03-01");
    EXPECT_EQ(text(ev.getRecipientEmail()), "tom@example.de");
    EXPECT_EQ(text(ev.getRecipientAccountId()), "acc-tom");
    EXPECT_EQ(text(ev.getContractId()), "k1");
    ASSERT_EQ(ev.getPeriods().size(), 2U);
    EXPECT_EQ(ev.getPeriods()[1].getWeek().getYear(), 2027);
    EXPECT_EQ(ev.getPeriods()[1].getWeek().getWeek(), 6);
    EXPECT_EQ(ev.getReportIds().size(), 0U);
    EXPECT_EQ(ev.getCcEmails().size(), 0U);
}

TEST(ReminderGivenNothing, WhenRecordsAreUnsentThenTheTraineeIsRemindedOfThem)
{
    auto ctx = scheduler();
    ctx.unsent_records = {
        { "rep-7", week(2027, 7), std::nullopt },
        { "rep-8", { schema::PeriodKind::DAY, {}, day("2027-02-22") }, std::nullopt }
    };
    auto d = decide(state{}, run{ day("2027-03-01") }, ctx);
    ASSERT_TRUE(yields(d, "reminder.sent"));
    auto ev = payload(d, 0);
    EXPECT_EQ(ev.getKind(), schema::ReminderKind::UNSENT_RECORD);
    EXPECT_EQ(ids_of(ev), (std::vector<std::string>{ "rep-7", "rep-8" }));
    EXPECT_EQ(text(ev.getPeriods()[1].getDay()), "2027-02-22");
}

TEST(ReminderGivenNothing, WhenARecordWaitsTheConfiguredDaysThenTheApproverIsReminded)
{
    auto ctx = scheduler();
    ctx.approval_reminder_days = 5;
    ctx.waiting_records = {
        { "rep-1", week(2027, 6), day("2027-02-24"), { "Sven@Example.de", "" } }, // 5 days: due
        { "rep-2", week(2027, 7), day("2027-02-25"), { "sven@example.de", "" } }, // 4 days: not yet
    };
    auto d = decide(state{}, run{ day("2027-03-01") }, ctx);
    ASSERT_TRUE(yields(d, "reminder.sent"));
    auto ev = payload(d, 0);
    EXPECT_EQ(ev.getKind(), schema::ReminderKind::PENDING_APPROVAL);
    EXPECT_EQ(text(ev.getRecipientEmail()), "sven@example.de");
    EXPECT_EQ(ids_of(ev), std::vector<std::string>{ "rep-1" });
}

TEST(ReminderGivenNothing, WhenTwoApproversHaveWaitingRecordsThenEachIsRemindedInEmailOrder)
{
    auto ctx = scheduler();
    ctx.missing_periods = { week(2027, 5) };
    ctx.waiting_records = {
        { "rep-1", week(2027, 6), day("2027-02-01"), { "tina@example.de", "acc-tina" } },
        { "rep-2", week(2027, 7), day("2027-02-01"), { "sven@example.de", "" } },
        { "rep-3", week(2027, 8), day("2027-02-02"), { "tina@example.de", "acc-tina" } },
    };
    auto d = decide(state{}, run{ day("2027-03-01") }, ctx);
    ASSERT_TRUE(d.has_value());
    ASSERT_EQ(d->size(), 3U);
    EXPECT_EQ(payload(d, 0).getKind(), schema::ReminderKind::MISSING_RECORD);
    EXPECT_EQ(text(payload(d, 1).getRecipientEmail()), "sven@example.de");
    EXPECT_EQ(text(payload(d, 2).getRecipientEmail()), "tina@example.de");
    EXPECT_EQ(text(payload(d, 2).getRecipientAccountId()), "acc-tina");
    EXPECT_EQ(ids_of(payload(d, 2)), (std::vector<std::string>{ "rep-1", "rep-3" }));
}

TEST(ReminderGivenNothing, WhenTheTraineeHasNoEmailThenOnlyApproversAreReminded)
{
    auto ctx = scheduler();
    ctx.trainee.email = "";
    ctx.missing_periods = { week(2027, 5) };
    ctx.waiting_records = {
        { "rep-1", week(2027, 6), day("2027-02-01"), { "sven@example.de", "" } }
    };
    auto d = decide(state{}, run{ day("2027-03-01") }, ctx);
    ASSERT_TRUE(yields(d, "reminder.sent"));
    EXPECT_EQ(payload(d, 0).getKind(), schema::ReminderKind::PENDING_APPROVAL);
}

// --- never twice a day, escalation after a week -------------------------------------------

class ReminderGivenMissingPeriodReminded : public ::testing::Test
{
  protected:
    ReminderGivenMissingPeriodReminded()
    {
        ctx.missing_periods = { week(2027, 5) };
        given = run_on(state{}, "2027-03-01", ctx);
    }
    context ctx = scheduler();
    state given;
};

TEST_F(ReminderGivenMissingPeriodReminded, ThenTheStateKnowsTheReminder)
{
    ASSERT_EQ(given.sent.size(), 1U);
    EXPECT_EQ(given.sent[0].items, std::vector<std::string>{ "2027-W05" });
    EXPECT_EQ(given.sent[0].level, 1U);
}

TEST_F(ReminderGivenMissingPeriodReminded, WhenRunAgainTheSameDayThenNoEvents)
{
    EXPECT_TRUE(nothing(decide(given, run{ day("2027-03-01") }, ctx)));
}

TEST_F(ReminderGivenMissingPeriodReminded, WhenANewPeriodIsMissingTheSameDayThenStillNoEvents)
{
    ctx.missing_periods.push_back(week(2027, 6));
    EXPECT_TRUE(nothing(decide(given, run{ day("2027-03-01") }, ctx)));
}

TEST_F(ReminderGivenMissingPeriodReminded, WhenStillMissingSixDaysLaterThenNoEvents)
{
    EXPECT_TRUE(nothing(decide(given, run{ day("2027-03-07") }, ctx)));
}

TEST_F(ReminderGivenMissingPeriodReminded,
       WhenStillMissingSevenDaysLaterThenEscalatedWithTrainerInCopy)
{
    auto d = decide(given, run{ day("2027-03-08") }, ctx);
    ASSERT_TRUE(yields(d, "reminder.escalated"));
    auto ev = payload(d, 0);
    EXPECT_EQ(ev.getLevel(), 2);
    EXPECT_EQ(ev.getKind(), schema::ReminderKind::MISSING_RECORD);
    EXPECT_EQ(text(ev.getRecipientEmail()), "tom@example.de");
    ASSERT_EQ(ev.getCcEmails().size(), 1U);
    EXPECT_EQ(text(ev.getCcEmails()[0]), "tina@example.de");
    ASSERT_EQ(ev.getPeriods().size(), 1U);
    EXPECT_EQ(ev.getPeriods()[0].getWeek().getWeek(), 5);
}

TEST_F(ReminderGivenMissingPeriodReminded, WhenResolvedBeforeTheWeekIsOverThenNoEscalation)
{
    ctx.missing_periods.clear();
    EXPECT_TRUE(nothing(decide(given, run{ day("2027-03-08") }, ctx)));
}

TEST_F(ReminderGivenMissingPeriodReminded,
       WhenAnotherPeriodIsMissingAWeekLaterThenNewReminderAndEscalation)
{
    ctx.missing_periods.push_back(week(2027, 9));
    auto d = decide(given, run{ day("2027-03-08") }, ctx);
    EXPECT_EQ(names(d), (std::vector<std::string>{ "reminder.sent", "reminder.escalated" }));
    EXPECT_EQ(payload(d, 0).getPeriods()[0].getWeek().getWeek(), 9);
    EXPECT_EQ(payload(d, 1).getPeriods()[0].getWeek().getWeek(), 5);
}

TEST_F(ReminderGivenMissingPeriodReminded, WhenRemindersAreSwitchedOffThenNoEscalation)
{
    ctx.reminders_on = false;
    EXPECT_TRUE(nothing(decide(given, run{ day("2027-03-08") }, ctx)));
}

TEST(ReminderGivenEscalated, WhenRunOnTheSameDayOrLaterThenNoEvents)
{
    auto ctx = scheduler();
    ctx.missing_periods = { week(2027, 5) };
    auto s = run_on(state{}, "2027-03-01", ctx);
    s = run_on(s, "2027-03-08", ctx);
    ASSERT_EQ(s.sent.size(), 2U);
    EXPECT_EQ(s.sent[1].level, 2U);
    EXPECT_TRUE(nothing(decide(s, run{ day("2027-03-08") }, ctx)));
    EXPECT_TRUE(nothing(decide(s, run{ day("2027-03-15") }, ctx)));
}

// --- approvers ---------------------------------------------------------------------------------

TEST(ReminderGivenApproverReminded, WhenTheTrainerIsTheApproverThenEscalationHasNoCopy)
{
    auto ctx = scheduler();
    ctx.waiting_records = {
        { "rep-1", week(2027, 6), day("2027-02-10"), { "Tina@example.de", "acc-tina" } }
    };
    auto s = run_on(state{}, "2027-02-17", ctx);
    ASSERT_EQ(s.sent.size(), 1U);
    auto d = decide(s, run{ day("2027-02-24") }, ctx);
    ASSERT_TRUE(yields(d, "reminder.escalated"));
    EXPECT_EQ(payload(d, 0).getKind(), schema::ReminderKind::PENDING_APPROVAL);
    EXPECT_EQ(payload(d, 0).getCcEmails().size(), 0U);
}

TEST(ReminderGivenApproverReminded, WhenASupervisorStillWaitsAWeekLaterThenTrainerInCopy)
{
    auto ctx = scheduler();
    ctx.waiting_records = {
        { "rep-1", week(2027, 6), day("2027-02-10"), { "sven@example.de", "" } }
    };
    auto s = run_on(state{}, "2027-02-17", ctx);
    auto d = decide(s, run{ day("2027-02-24") }, ctx);
    ASSERT_TRUE(yields(d, "reminder.escalated"));
    EXPECT_EQ(text(payload(d, 0).getRecipientEmail()), "sven@example.de");
    ASSERT_EQ(payload(d, 0).getCcEmails().size(), 1U);
    EXPECT_EQ(text(payload(d, 0).getCcEmails()[0]), "tina@example.de");
}

TEST(ReminderGivenApproverReminded,
     WhenTheRecordWasResubmittedSinceThenItIsANewReminderNotAnEscalation)
{
    auto ctx = scheduler();
    ctx.waiting_records = {
        { "rep-1", week(2027, 6), day("2027-02-10"), { "sven@example.de", "" } }
    };
    auto s = run_on(state{}, "2027-02-17", ctx);
    // rejected and submitted again on 2027-02-18; waiting 7 days on 2027-02-25
    ctx.waiting_records[0].submitted_on = day("2027-02-18");
    auto d = decide(s, run{ day("2027-02-25") }, ctx);
    ASSERT_TRUE(yields(d, "reminder.sent"));
    EXPECT_EQ(payload(d, 0).getLevel(), 1);
}

TEST(ReminderGivenUnsentReminded, WhenTheRecordWasRejectedAgainSinceThenItIsANewReminder)
{
    auto ctx = scheduler();
    ctx.unsent_records = { { "rep-7", week(2027, 7), day("2027-02-20") } };
    auto s = run_on(state{}, "2027-03-01", ctx);
    auto d = decide(s, run{ day("2027-03-08") }, ctx);
    ASSERT_TRUE(yields(d, "reminder.escalated"));
    ctx.unsent_records[0].since = day("2027-03-05");
    d = decide(s, run{ day("2027-03-08") }, ctx);
    ASSERT_TRUE(yields(d, "reminder.sent"));
    EXPECT_EQ(ids_of(payload(d, 0)), std::vector<std::string>{ "rep-7" });
}

// --- streams -----------------------------------------------------------------------------------

TEST(ReminderStreams, StreamIsTheContractAndPartitionTheCompany)
{
    EXPECT_EQ(stream_id("k1"), "reminders-k1");
    EXPECT_EQ(partition_key("c1"), "company-c1");
    EXPECT_EQ(period_key(week(2027, 5)), "2027-W05");
    EXPECT_EQ(period_key({ schema::PeriodKind::DAY, {}, day("2027-02-01") }), "2027-02-01");
}

TEST(ReminderEvolve, OtherAggregatesEventsLeaveTheStateUnchanged)
{
    auto other =
      make_event([](schema::Event::Builder e) { e.initSeminar().initScheduled().setTitle("x"); });
    EXPECT_FALSE(evolve(state{}, other.reader()).exists);
}
