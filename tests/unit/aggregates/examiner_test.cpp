// Given/When/Then specification of the examiner aggregate (Prüfer/-in).

#include "decision_matchers.hpp"
#include "examiner/examiner.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

using namespace portal;
using namespace portal::domain;
using namespace portal::testing;
using namespace portal::domain::examiner;

namespace {

const std::string k_fi = "Fachinformatiker/-in";
const std::string k_committee = "PA Fachinformatik 1";

context
as(role r, const char* day = "2026-01-10")
{
    context ctx;
    ctx.actor.account_id = "acc-staff";
    ctx.actor.acting_as = r;
    ctx.now = at(day);
    ctx.exam = { true, k_fi, parse_date("2026-06-15").value(), false };
    return ctx;
}

context
staff()
{
    return as(role::staff);
}

appoint
appointment_a1()
{
    return { "a1",         "acc-pia",   k_committee, k_fi, schema::MemberRole::EMPLOYER,
             "2025-01-01", "2029-12-31" };
}

event_payload
appointed(const char* id = "a1",
          const char* committee = "PA Fachinformatik 1",
          const char* start = "2025-01-01",
          const char* end = "2029-12-31")
{
    return make_event([&](schema::Event::Builder e) {
        auto ev = e.initExaminer().initAppointed();
        ev.setAppointmentId(id);
        ev.setAccountId("acc-pia");
        ev.setCommittee(committee);
        ev.setOccupation(k_fi);
        ev.setMemberRole(schema::MemberRole::EMPLOYER);
        ev.setTermStart(start);
        ev.setTermEnd(end);
    });
}

event_payload
assigned_event(const char* exam, const char* id = "a1")
{
    return make_event([&](schema::Event::Builder e) {
        auto ev = e.initExaminer().initAssigned();
        ev.setAppointmentId(id);
        ev.setExamId(exam);
    });
}

event_payload
unassigned_event(const char* exam, const char* id = "a1")
{
    return make_event([&](schema::Event::Builder e) {
        auto ev = e.initExaminer().initUnassigned();
        ev.setAppointmentId(id);
        ev.setExamId(exam);
    });
}

event_payload
ended_event(const char* day, const char* id = "a1")
{
    return make_event([&](schema::Event::Builder e) {
        auto ev = e.initExaminer().initAppointmentEnded();
        ev.setAppointmentId(id);
        ev.setDate(day);
    });
}

} // namespace

// --- appointment ----------------------------------------------------------------

TEST(ExaminerGivenNothing, WhenStaffAppointThenAppointedWithAllFacts)
{
    auto c = appointment_a1();
    c.member_role = schema::MemberRole::TEACHER;
    c.committee = " " + k_committee + " ";
    auto d = decide(state{}, c, staff());
    ASSERT_TRUE(yields(d, "examiner.appointed"));
    auto ev = d->front().reader().getExaminer().getAppointed();
    EXPECT_EQ(text(ev.getAppointmentId()), "a1");
    EXPECT_EQ(text(ev.getAccountId()), "acc-pia");
    EXPECT_EQ(text(ev.getCommittee()), k_committee);
    EXPECT_EQ(text(ev.getOccupation()), k_fi);
    EXPECT_EQ(ev.getMemberRole(), schema::MemberRole::TEACHER);
    EXPECT_EQ(text(ev.getTermStart()), "2025-01-01");
    EXPECT_EQ(text(ev.getTermEnd()), "2029-12-31");
}

TEST(ExaminerGivenNothing, WhenCompanyAppointsThenNotStaff)
{
    EXPECT_TRUE(fails_with(decide(state{}, appointment_a1(), as(role::company)),
                           "examiner.not_staff",
                           error_class::forbidden));
}

TEST(ExaminerGivenNothing, WhenFieldsAreMissingThenValidationErrors)
{
    auto c = appointment_a1();
    c.appointment_id = "";
    EXPECT_TRUE(
      fails_with(decide(state{}, c, staff()), "validation.appointment_id", error_class::invalid));
    c = appointment_a1();
    c.account_id = " ";
    EXPECT_TRUE(
      fails_with(decide(state{}, c, staff()), "validation.account_id", error_class::invalid));
    c = appointment_a1();
    c.committee = "";
    EXPECT_TRUE(
      fails_with(decide(state{}, c, staff()), "validation.committee", error_class::invalid));
    c = appointment_a1();
    c.occupation = "";
    EXPECT_TRUE(
      fails_with(decide(state{}, c, staff()), "validation.occupation", error_class::invalid));
    c = appointment_a1();
    c.term_start = "2025-13-01";
    EXPECT_TRUE(
      fails_with(decide(state{}, c, staff()), "validation.term_start", error_class::invalid));
    c = appointment_a1();
    c.term_end = "";
    EXPECT_TRUE(
      fails_with(decide(state{}, c, staff()), "validation.term_end", error_class::invalid));
}

TEST(ExaminerGivenNothing, WhenTheTermDoesNotEndAfterItsStartThenRejected)
{
    auto c = appointment_a1();
    c.term_end = c.term_start;
    EXPECT_TRUE(fails_with(
      decide(state{}, c, staff()), "examiner.term_end_before_start", error_class::invalid));
}

TEST(ExaminerGivenNothing, WhenTheTermIsExactlyFiveYearsThenAppointed)
{
    auto c = appointment_a1();
    c.term_end = "2030-01-01";
    EXPECT_TRUE(yields(decide(state{}, c, staff()), "examiner.appointed"));
}

TEST(ExaminerGivenNothing, WhenTheTermExceedsFiveYearsThenTermTooLong)
{
    auto c = appointment_a1();
    c.term_end = "2030-01-02";
    EXPECT_TRUE(
      fails_with(decide(state{}, c, staff()), "examiner.term_too_long", error_class::invalid));
}

TEST(ExaminerGivenNothing, WhenTheTermStartsOnLeapDayThenFiveYearsEndOnTheTwentyEighth)
{
    auto c = appointment_a1();
    c.term_start = "2028-02-29";
    c.term_end = "2033-02-28";
    EXPECT_TRUE(yields(decide(state{}, c, staff()), "examiner.appointed"));
    c.term_end = "2033-03-01";
    EXPECT_TRUE(
      fails_with(decide(state{}, c, staff()), "examiner.term_too_long", error_class::invalid));
}

TEST(ExaminerGivenNothing, WhenAssigningUnassigningOrEndingThenAppointmentNotFound)
{
    EXPECT_TRUE(fails_with(decide(state{}, assign{ "a1", "e1" }, staff()),
                           "examiner.appointment_not_found",
                           error_class::not_found));
    EXPECT_TRUE(fails_with(decide(state{}, unassign{ "a1", "e1" }, staff()),
                           "examiner.appointment_not_found",
                           error_class::not_found));
    EXPECT_TRUE(fails_with(decide(state{}, end_appointment{ "a1", "2026-01-01" }, staff()),
                           "examiner.appointment_not_found",
                           error_class::not_found));
}

class ExaminerGivenAppointed : public ::testing::Test
{
  protected:
    state given = fold({ appointed() });
};

TEST_F(ExaminerGivenAppointed, WhenAppointedAgainIdenticallyThenNoEvents)
{
    EXPECT_TRUE(nothing(decide(given, appointment_a1(), staff())));
}

TEST_F(ExaminerGivenAppointed, WhenTheAppointmentIdIsReusedWithOtherDataThenTaken)
{
    auto c = appointment_a1();
    c.member_role = schema::MemberRole::EMPLOYEE;
    EXPECT_TRUE(fails_with(
      decide(given, c, staff()), "examiner.appointment_id_taken", error_class::rejected));
}

TEST_F(ExaminerGivenAppointed, WhenAppointedToTheSameCommitteeForAnOverlappingTermThenRejected)
{
    auto c = appointment_a1();
    c.appointment_id = "a2";
    c.term_start = "2029-12-31";
    c.term_end = "2031-12-31";
    EXPECT_TRUE(fails_with(
      decide(given, c, staff()), "examiner.overlapping_appointment", error_class::rejected));
}

TEST_F(ExaminerGivenAppointed, WhenAppointedToTheSameCommitteeAfterTheTermThenAppointed)
{
    auto c = appointment_a1();
    c.appointment_id = "a2";
    c.term_start = "2030-01-01";
    c.term_end = "2034-12-31";
    EXPECT_TRUE(yields(decide(given, c, staff()), "examiner.appointed"));
}

TEST_F(ExaminerGivenAppointed, WhenAppointedToAnotherCommitteeAtTheSameTimeThenAppointed)
{
    auto c = appointment_a1();
    c.appointment_id = "a2";
    c.committee = "PA Fachinformatik 2";
    EXPECT_TRUE(yields(decide(given, c, staff()), "examiner.appointed"));
}

TEST_F(ExaminerGivenAppointed, WhenAppointingAnotherAccountInThisStreamThenAccountMismatch)
{
    auto c = appointment_a1();
    c.appointment_id = "a2";
    c.account_id = "acc-other";
    EXPECT_TRUE(
      fails_with(decide(given, c, staff()), "examiner.account_mismatch", error_class::invalid));
}

// --- assignment -------------------------------------------------------------------

TEST_F(ExaminerGivenAppointed, WhenAssignedToAnExamInTheTermThenAssigned)
{
    auto d = decide(given, assign{ "a1", "e1" }, staff());
    ASSERT_TRUE(yields(d, "examiner.assigned"));
    auto ev = d->front().reader().getExaminer().getAssigned();
    EXPECT_EQ(text(ev.getAppointmentId()), "a1");
    EXPECT_EQ(text(ev.getExamId()), "e1");
}

TEST_F(ExaminerGivenAppointed, WhenCompanyAssignsThenNotStaff)
{
    EXPECT_TRUE(fails_with(decide(given, assign{ "a1", "e1" }, as(role::examiner)),
                           "examiner.not_staff",
                           error_class::forbidden));
    EXPECT_TRUE(fails_with(decide(given, unassign{ "a1", "e1" }, as(role::company)),
                           "examiner.not_staff",
                           error_class::forbidden));
    EXPECT_TRUE(fails_with(decide(given, end_appointment{ "a1", "2026-01-01" }, as(role::company)),
                           "examiner.not_staff",
                           error_class::forbidden));
}

TEST_F(ExaminerGivenAppointed, WhenTheExamIdIsEmptyThenValidationError)
{
    EXPECT_TRUE(fails_with(
      decide(given, assign{ "a1", "" }, staff()), "validation.exam_id", error_class::invalid));
}

TEST_F(ExaminerGivenAppointed, WhenTheExamIsUnknownThenExamNotFound)
{
    auto ctx = staff();
    ctx.exam.exists = false;
    EXPECT_TRUE(fails_with(
      decide(given, assign{ "a1", "e1" }, ctx), "examiner.exam_not_found", error_class::not_found));
}

TEST_F(ExaminerGivenAppointed, WhenTheExamIsCancelledThenExamCancelled)
{
    auto ctx = staff();
    ctx.exam.cancelled = true;
    EXPECT_TRUE(fails_with(
      decide(given, assign{ "a1", "e1" }, ctx), "examiner.exam_cancelled", error_class::rejected));
}

TEST_F(ExaminerGivenAppointed, WhenTheExamIsForAnotherOccupationThenOccupationMismatch)
{
    auto ctx = staff();
    ctx.exam.occupation = "Mechatroniker/-in";
    EXPECT_TRUE(fails_with(decide(given, assign{ "a1", "e1" }, ctx),
                           "examiner.occupation_mismatch",
                           error_class::rejected));
}

TEST_F(ExaminerGivenAppointed, WhenTheExamLiesOutsideTheTermThenTermNotCovering)
{
    auto ctx = staff();
    ctx.exam.day = parse_date("2030-01-01").value();
    EXPECT_TRUE(fails_with(decide(given, assign{ "a1", "e1" }, ctx),
                           "examiner.term_not_covering",
                           error_class::rejected));
    ctx.exam.day = parse_date("2024-12-31").value();
    EXPECT_TRUE(fails_with(decide(given, assign{ "a1", "e1" }, ctx),
                           "examiner.term_not_covering",
                           error_class::rejected));
    ctx.exam.day = parse_date("2029-12-31").value();
    EXPECT_TRUE(yields(decide(given, assign{ "a1", "e1" }, ctx), "examiner.assigned"));
}

TEST_F(ExaminerGivenAppointed, WhenUnassigningAnExamNotAssignedThenNoEvents)
{
    EXPECT_TRUE(nothing(decide(given, unassign{ "a1", "e1" }, staff())));
}

TEST_F(ExaminerGivenAppointed, ThenMemberOfTheCommitteeDuringTheTermOnly)
{
    auto in_term = parse_date("2026-06-15").value();
    EXPECT_TRUE(member_of(given, k_committee, k_fi, in_term));
    EXPECT_TRUE(member_of(given, "", k_fi, in_term));
    EXPECT_FALSE(member_of(given, "PA Fachinformatik 2", k_fi, in_term));
    EXPECT_FALSE(member_of(given, k_committee, "Mechatroniker/-in", in_term));
    EXPECT_FALSE(member_of(given, k_committee, k_fi, parse_date("2030-01-01").value()));
}

class ExaminerGivenAssigned : public ::testing::Test
{
  protected:
    state given = fold({ appointed(), assigned_event("e1") });
};

TEST_F(ExaminerGivenAssigned, WhenAssignedAgainThenNoEvents)
{
    auto ctx = staff();
    ctx.exam.exists = false; // the repeat is recognised before any exam fact is needed
    EXPECT_TRUE(nothing(decide(given, assign{ "a1", "e1" }, ctx)));
    EXPECT_EQ(assigned_exams(given), std::vector<std::string>{ "e1" });
}

TEST_F(ExaminerGivenAssigned, WhenUnassignedThenUnassigned)
{
    auto d = decide(given, unassign{ "a1", "e1" }, staff());
    ASSERT_TRUE(yields(d, "examiner.unassigned"));
    EXPECT_EQ(text(d->front().reader().getExaminer().getUnassigned().getExamId()), "e1");
}

TEST(ExaminerGivenUnassigned, ThenNoExamIsAssignedAndItCanBeAssignedAgain)
{
    auto given = fold({ appointed(), assigned_event("e1"), unassigned_event("e1") });
    EXPECT_TRUE(assigned_exams(given).empty());
    EXPECT_TRUE(yields(decide(given, assign{ "a1", "e1" }, staff()), "examiner.assigned"));
}

// --- end of an appointment ----------------------------------------------------------

TEST_F(ExaminerGivenAppointed, WhenStaffEndTheAppointmentThenEnded)
{
    auto d = decide(given, end_appointment{ "a1", "2026-06-30" }, staff());
    ASSERT_TRUE(yields(d, "examiner.appointment_ended"));
    auto ev = d->front().reader().getExaminer().getAppointmentEnded();
    EXPECT_EQ(text(ev.getAppointmentId()), "a1");
    EXPECT_EQ(text(ev.getDate()), "2026-06-30");
}

TEST_F(ExaminerGivenAppointed, WhenTheEndIsMalformedOrOutsideTheTermThenInvalid)
{
    EXPECT_TRUE(fails_with(decide(given, end_appointment{ "a1", "30.06.2026" }, staff()),
                           "validation.date",
                           error_class::invalid));
    EXPECT_TRUE(fails_with(decide(given, end_appointment{ "a1", "2024-12-31" }, staff()),
                           "examiner.end_before_start",
                           error_class::invalid));
    EXPECT_TRUE(fails_with(decide(given, end_appointment{ "a1", "2030-01-01" }, staff()),
                           "examiner.end_after_term",
                           error_class::invalid));
}

class ExaminerGivenEnded : public ::testing::Test
{
  protected:
    state given = fold({ appointed(), ended_event("2026-06-30") });
};

TEST_F(ExaminerGivenEnded, WhenEndedAgainOnTheSameDayThenNoEvents)
{
    EXPECT_TRUE(nothing(decide(given, end_appointment{ "a1", "2026-06-30" }, staff())));
}

TEST_F(ExaminerGivenEnded, WhenEndedAgainOnAnotherDayThenAppointmentEnded)
{
    EXPECT_TRUE(fails_with(decide(given, end_appointment{ "a1", "2026-07-31" }, staff()),
                           "examiner.appointment_ended",
                           error_class::rejected));
}

TEST_F(ExaminerGivenEnded, WhenAssignedToAnExamAfterTheEndThenTermNotCovering)
{
    auto ctx = staff();
    ctx.exam.day = parse_date("2026-07-10").value();
    EXPECT_TRUE(fails_with(decide(given, assign{ "a1", "e2" }, ctx),
                           "examiner.term_not_covering",
                           error_class::rejected));
    EXPECT_FALSE(member_of(given, k_committee, k_fi, parse_date("2026-07-10").value()));
}

TEST_F(ExaminerGivenEnded, WhenReappointedToTheSameCommitteeAfterTheEndThenAppointed)
{
    auto c = appointment_a1();
    c.appointment_id = "a2";
    c.term_start = "2026-07-01";
    c.term_end = "2031-06-30";
    EXPECT_TRUE(yields(decide(given, c, staff()), "examiner.appointed"));
}

TEST(ExaminerStreams, StreamAndPartitionAreTheAccount)
{
    EXPECT_EQ(stream_id("acc-1"), "examiner-acc-1");
    EXPECT_EQ(partition_key("acc-1"), "examiner-acc-1");
}

TEST(ExaminerEvolve, OtherAggregatesEventsLeaveTheStateUnchanged)
{
    auto other =
      make_event([](schema::Event::Builder e) { e.initSeminar().initScheduled().setTitle("x"); });
    EXPECT_FALSE(evolve(state{}, other.reader()).exists);
}
