// Given/When/Then specification of the examiner seminar.

#include "decision_matchers.hpp"
#include "seminar/seminar.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

using namespace portal;
using namespace portal::domain;
using namespace portal::testing;
using namespace portal::domain::seminar;

namespace {

context
staff(const char* day = "2027-02-01")
{
    context ctx;
    ctx.actor.account_id = "acc-staff";
    ctx.actor.acting_as = role::staff;
    ctx.now = at(day);
    return ctx;
}

context
examiner(const char* account = "acc-pia", const char* day = "2027-02-01")
{
    context ctx;
    ctx.actor.account_id = account;
    ctx.actor.acting_as = role::examiner;
    ctx.now = at(day);
    ctx.actor_is_examiner = true;
    return ctx;
}

schedule
seminar_s1()
{
    return { " Prüfen im Team ", "2027-03-10", "IHK Bildungszentrum", 2 };
}

event_payload
scheduled_event(unsigned capacity = 2)
{
    return make_event([&](schema::Event::Builder e) {
        auto ev = e.initSeminar().initScheduled();
        ev.setTitle("Prüfen im Team");
        ev.setDate("2027-03-10");
        ev.setLocation("IHK Bildungszentrum");
        ev.setCapacity(static_cast<std::uint16_t>(capacity));
    });
}

event_payload
requested(const char* id, const char* account)
{
    return make_event([&](schema::Event::Builder e) {
        auto ev = e.initSeminar().initRegistrationRequested();
        ev.setRegistrationId(id);
        ev.setAccountId(account);
    });
}

event_payload
confirmed(const char* id)
{
    return make_event([&](schema::Event::Builder e) {
        e.initSeminar().initRegistrationConfirmed().setRegistrationId(id);
    });
}

event_payload
cancelled(const char* id)
{
    return make_event([&](schema::Event::Builder e) {
        e.initSeminar().initRegistrationCancelled().setRegistrationId(id);
    });
}

} // namespace

// --- scheduling -------------------------------------------------------------------

TEST(SeminarGivenNothing, WhenStaffScheduleThenScheduled)
{
    auto d = decide(state{}, seminar_s1(), staff());
    ASSERT_TRUE(yields(d, "seminar.scheduled"));
    auto ev = d->front().reader().getSeminar().getScheduled();
    EXPECT_EQ(text(ev.getTitle()), "Prüfen im Team");
    EXPECT_EQ(text(ev.getDate()), "2027-03-10");
    EXPECT_EQ(text(ev.getLocation()), "IHK Bildungszentrum");
    EXPECT_EQ(ev.getCapacity(), 2);
}

TEST(SeminarGivenNothing, WhenAnExaminerSchedulesThenNotStaff)
{
    EXPECT_TRUE(fails_with(
      decide(state{}, seminar_s1(), examiner()), "seminar.not_staff", error_class::forbidden));
}

TEST(SeminarGivenNothing, WhenFieldsAreInvalidThenValidationErrors)
{
    auto c = seminar_s1();
    c.title = "";
    EXPECT_TRUE(fails_with(decide(state{}, c, staff()), "validation.title", error_class::invalid));
    c = seminar_s1();
    c.date = "10.03.2027";
    EXPECT_TRUE(fails_with(decide(state{}, c, staff()), "validation.date", error_class::invalid));
    c = seminar_s1();
    c.location = " ";
    EXPECT_TRUE(
      fails_with(decide(state{}, c, staff()), "validation.location", error_class::invalid));
    c = seminar_s1();
    c.capacity = 0;
    EXPECT_TRUE(
      fails_with(decide(state{}, c, staff()), "validation.capacity", error_class::invalid));
    c.capacity = 1;
    EXPECT_TRUE(yields(decide(state{}, c, staff()), "seminar.scheduled"));
}

TEST(SeminarGivenNothing, WhenTheDateHasPassedThenDateInPast)
{
    EXPECT_TRUE(fails_with(decide(state{}, seminar_s1(), staff("2027-03-11")),
                           "seminar.date_in_past",
                           error_class::rejected));
}

TEST(SeminarGivenNothing, WhenAnyOtherCommandThenNotFound)
{
    EXPECT_TRUE(fails_with(decide(state{}, request_registration{ "r1" }, examiner()),
                           "seminar.not_found",
                           error_class::not_found));
    EXPECT_TRUE(fails_with(decide(state{}, confirm_registration{ "r1" }, staff()),
                           "seminar.not_found",
                           error_class::not_found));
    EXPECT_TRUE(fails_with(decide(state{}, cancel_registration{ "r1", "" }, staff()),
                           "seminar.not_found",
                           error_class::not_found));
}

class SeminarGivenScheduled : public ::testing::Test
{
  protected:
    state given = fold({ scheduled_event() });
};

TEST_F(SeminarGivenScheduled, WhenScheduledAgainIdenticallyThenNoEvents)
{
    EXPECT_TRUE(nothing(decide(given, seminar_s1(), staff())));
}

TEST_F(SeminarGivenScheduled, WhenScheduledWithOtherDataThenAlreadyScheduled)
{
    auto c = seminar_s1();
    c.capacity = 3;
    EXPECT_TRUE(
      fails_with(decide(given, c, staff()), "seminar.already_scheduled", error_class::rejected));
}

// --- requests ------------------------------------------------------------------------

TEST_F(SeminarGivenScheduled, WhenAnExaminerRequestsThenRegistrationRequestedForTheirAccount)
{
    auto d = decide(given, request_registration{ "r1" }, examiner());
    ASSERT_TRUE(yields(d, "seminar.registration_requested"));
    auto ev = d->front().reader().getSeminar().getRegistrationRequested();
    EXPECT_EQ(text(ev.getRegistrationId()), "r1");
    EXPECT_EQ(text(ev.getAccountId()), "acc-pia");
}

TEST_F(SeminarGivenScheduled, WhenTheRegistrationIdIsEmptyThenValidationError)
{
    EXPECT_TRUE(fails_with(decide(given, request_registration{ "" }, examiner()),
                           "validation.registration_id",
                           error_class::invalid));
}

TEST_F(SeminarGivenScheduled, WhenANonExaminerRequestsThenNotExaminer)
{
    auto ctx = examiner();
    ctx.actor_is_examiner = false;
    EXPECT_TRUE(fails_with(decide(given, request_registration{ "r1" }, ctx),
                           "seminar.not_examiner",
                           error_class::forbidden));
    ctx = examiner();
    ctx.actor.acting_as = role::trainer;
    EXPECT_TRUE(fails_with(decide(given, request_registration{ "r1" }, ctx),
                           "seminar.not_examiner",
                           error_class::forbidden));
}

TEST_F(SeminarGivenScheduled, WhenRequestingOnTheDayThenRequested)
{
    EXPECT_TRUE(
      yields(decide(given, request_registration{ "r1" }, examiner("acc-pia", "2027-03-10")),
             "seminar.registration_requested"));
}

TEST_F(SeminarGivenScheduled, WhenRequestingAfterTheDayThenRegistrationClosed)
{
    EXPECT_TRUE(
      fails_with(decide(given, request_registration{ "r1" }, examiner("acc-pia", "2027-03-11")),
                 "seminar.registration_closed",
                 error_class::rejected));
}

class SeminarGivenRequested : public ::testing::Test
{
  protected:
    state given = fold({ scheduled_event(), requested("r1", "acc-pia") });
};

TEST_F(SeminarGivenRequested, WhenTheSameRequestIsRetriedThenNoEvents)
{
    EXPECT_TRUE(nothing(decide(given, request_registration{ "r1" }, examiner())));
}

TEST_F(SeminarGivenRequested, WhenTheSameAccountRequestsAgainThenAlreadyRegistered)
{
    EXPECT_TRUE(fails_with(decide(given, request_registration{ "r2" }, examiner()),
                           "seminar.already_registered",
                           error_class::rejected));
}

TEST_F(SeminarGivenRequested, WhenAnotherAccountReusesTheIdThenRegistrationIdTaken)
{
    EXPECT_TRUE(fails_with(decide(given, request_registration{ "r1" }, examiner("acc-otto")),
                           "seminar.registration_id_taken",
                           error_class::rejected));
}

// --- confirmation ------------------------------------------------------------------------

TEST_F(SeminarGivenRequested, WhenStaffConfirmThenConfirmed)
{
    auto d = decide(given, confirm_registration{ "r1" }, staff());
    ASSERT_TRUE(yields(d, "seminar.registration_confirmed"));
    EXPECT_EQ(text(d->front().reader().getSeminar().getRegistrationConfirmed().getRegistrationId()),
              "r1");
}

TEST_F(SeminarGivenRequested, WhenAnExaminerConfirmsThenNotStaff)
{
    EXPECT_TRUE(fails_with(decide(given, confirm_registration{ "r1" }, examiner()),
                           "seminar.not_staff",
                           error_class::forbidden));
}

TEST_F(SeminarGivenRequested, WhenConfirmingAnUnknownRegistrationThenNotFound)
{
    EXPECT_TRUE(fails_with(decide(given, confirm_registration{ "r9" }, staff()),
                           "seminar.registration_not_found",
                           error_class::not_found));
    EXPECT_TRUE(fails_with(decide(given, cancel_registration{ "r9", "" }, staff()),
                           "seminar.registration_not_found",
                           error_class::not_found));
}

class SeminarGivenFull : public ::testing::Test
{
  protected:
    state given = fold({ scheduled_event(2),
                         requested("r1", "acc-a"),
                         requested("r2", "acc-b"),
                         requested("r3", "acc-c"),
                         confirmed("r1"),
                         confirmed("r2") });
};

TEST_F(SeminarGivenFull, ThenEveryPlaceIsTaken)
{
    EXPECT_EQ(confirmed_count(given), 2U);
    EXPECT_EQ(to_string(given.registrations[2].status), "requested");
    EXPECT_EQ(to_string(given.registrations[0].status), "confirmed");
}

TEST_F(SeminarGivenFull, WhenAThirdIsConfirmedThenFull)
{
    EXPECT_TRUE(fails_with(
      decide(given, confirm_registration{ "r3" }, staff()), "seminar.full", error_class::rejected));
}

TEST_F(SeminarGivenFull, WhenAConfirmedOneIsConfirmedAgainThenNoEvents)
{
    EXPECT_TRUE(nothing(decide(given, confirm_registration{ "r1" }, staff())));
}

TEST_F(SeminarGivenFull, WhenAPlaceIsCancelledThenTheThirdCanBeConfirmed)
{
    auto after = fold({ scheduled_event(2),
                        requested("r1", "acc-a"),
                        requested("r2", "acc-b"),
                        requested("r3", "acc-c"),
                        confirmed("r1"),
                        confirmed("r2"),
                        cancelled("r2") });
    EXPECT_EQ(confirmed_count(after), 1U);
    EXPECT_TRUE(yields(decide(after, confirm_registration{ "r3" }, staff()),
                       "seminar.registration_confirmed"));
}

TEST_F(SeminarGivenFull, WhenFurtherExaminersRequestThenRequestedBeyondCapacity)
{
    EXPECT_TRUE(yields(decide(given, request_registration{ "r4" }, examiner("acc-d")),
                       "seminar.registration_requested"));
}

// --- cancellation ----------------------------------------------------------------------------

TEST_F(SeminarGivenRequested, WhenTheExaminerCancelsTheirOwnThenCancelled)
{
    auto d = decide(given, cancel_registration{ "r1", " verhindert " }, examiner());
    ASSERT_TRUE(yields(d, "seminar.registration_cancelled"));
    auto ev = d->front().reader().getSeminar().getRegistrationCancelled();
    EXPECT_EQ(text(ev.getRegistrationId()), "r1");
    EXPECT_EQ(text(ev.getReason()), "verhindert");
}

TEST_F(SeminarGivenRequested, WhenStaffCancelThenCancelled)
{
    EXPECT_TRUE(yields(decide(given, cancel_registration{ "r1", "" }, staff()),
                       "seminar.registration_cancelled"));
}

TEST_F(SeminarGivenRequested, WhenAnotherExaminerCancelsThenNotAllowed)
{
    EXPECT_TRUE(fails_with(decide(given, cancel_registration{ "r1", "" }, examiner("acc-otto")),
                           "seminar.not_allowed",
                           error_class::forbidden));
}

class SeminarGivenCancelled : public ::testing::Test
{
  protected:
    state given = fold({ scheduled_event(), requested("r1", "acc-pia"), cancelled("r1") });
};

TEST_F(SeminarGivenCancelled, WhenCancelledAgainThenNoEvents)
{
    EXPECT_EQ(to_string(given.registrations[0].status), "cancelled");
    EXPECT_TRUE(nothing(decide(given, cancel_registration{ "r1", "" }, examiner())));
}

TEST_F(SeminarGivenCancelled, WhenConfirmedThenRegistrationCancelled)
{
    EXPECT_TRUE(fails_with(decide(given, confirm_registration{ "r1" }, staff()),
                           "seminar.registration_cancelled",
                           error_class::rejected));
}

TEST_F(SeminarGivenCancelled, WhenTheExaminerRequestsAgainWithANewIdThenRequested)
{
    EXPECT_TRUE(yields(decide(given, request_registration{ "r2" }, examiner()),
                       "seminar.registration_requested"));
}

TEST(SeminarStreams, StreamAndPartitionAreTheSeminar)
{
    EXPECT_EQ(stream_id("s1"), "seminar-s1");
    EXPECT_EQ(partition_key("s1"), "seminar-s1");
}

TEST(SeminarEvolve, OtherAggregatesEventsLeaveTheStateUnchanged)
{
    auto other =
      make_event([](schema::Event::Builder e) { e.initExam().initScheduled().setOccupation("x"); });
    EXPECT_FALSE(evolve(state{}, other.reader()).exists);
}
