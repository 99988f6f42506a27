// Given/When/Then specification of the exam aggregate (Prüfungstermin).

#include "decision_matchers.hpp"
#include "exam/exam.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

using namespace portal;
using namespace portal::domain;
using namespace portal::testing;
using namespace portal::domain::exam;

namespace {

const std::string k_occupation = "Fachinformatiker/-in";

context
as(role r, const char* day, std::string company = "")
{
    context ctx;
    ctx.actor.account_id = "acc-actor";
    ctx.actor.acting_as = r;
    ctx.actor.on_behalf_of_company_id = std::move(company);
    ctx.now = at(day);
    return ctx;
}

context
staff(const char* day = "2027-03-01")
{
    return as(role::staff, day);
}

context
company(const char* day = "2027-03-01", std::string id = "c1")
{
    auto ctx = as(role::company, day, std::move(id));
    ctx.contract = { true, true, k_occupation, "c1", "Anna Azubi", "acc-anna" };
    return ctx;
}

event_payload
scheduled(schema::ExamType type = schema::ExamType::FINAL,
          const char* day = "2027-06-15",
          const char* deadline = "")
{
    return make_event([&](schema::Event::Builder e) {
        auto ev = e.initExam().initScheduled();
        ev.setOccupation(k_occupation);
        ev.setType(type);
        ev.setDate(day);
        ev.setLocation("IHK Haus, Raum 3");
        ev.setName("Abschlussprüfung Sommer 2027");
        ev.setProposalDeadline(deadline);
    });
}

event_payload
registered(const char* id, const char* contract = "k1", const char* company_id = "c1")
{
    return make_event([&](schema::Event::Builder e) {
        auto ev = e.initExam().initRegistered();
        ev.setRegistrationId(id);
        ev.setContractId(contract);
        ev.setCompanyId(company_id);
        ev.setTraineeName("Anna Azubi");
        ev.setTraineeAccountId("acc-anna");
    });
}

event_payload
admitted(const char* id)
{
    return make_event(
      [&](schema::Event::Builder e) { e.initExam().initAdmitted().setRegistrationId(id); });
}

event_payload
refused(const char* id, const char* reason)
{
    return make_event([&](schema::Event::Builder e) {
        auto ev = e.initExam().initRefused();
        ev.setRegistrationId(id);
        ev.setReason(reason);
    });
}

event_payload
result_of(const char* id, std::vector<result_part> parts, bool final)
{
    return make_event([&](schema::Event::Builder e) {
        auto ev = e.initExam().initResultRecorded();
        ev.setRegistrationId(id);
        auto list = ev.initParts(static_cast<unsigned>(parts.size()));
        for (unsigned i = 0; i < parts.size(); ++i) {
            list[i].setName(parts[i].name);
            list[i].setPoints(static_cast<std::uint8_t>(parts[i].points));
        }
        ev.setTotalPoints(70);
        ev.setGrade(3);
        ev.setFinal(final);
    });
}

event_payload
published(std::vector<std::string> ids)
{
    return make_event([&](schema::Event::Builder e) {
        auto list = e.initExam().initResultsPublished().initRegistrationIds(
          static_cast<unsigned>(ids.size()));
        for (unsigned i = 0; i < ids.size(); ++i) {
            list.set(i, ids[i]);
        }
    });
}

event_payload
withdrawn(const char* id)
{
    return make_event([&](schema::Event::Builder e) {
        e.initExam().initRegistrationWithdrawn().setRegistrationId(id);
    });
}

event_payload
cancelled_event()
{
    return make_event(
      [&](schema::Event::Builder e) { e.initExam().initCancelled().setReason("Raum fehlt"); });
}

schedule
final_exam()
{
    return { k_occupation, schema::ExamType::FINAL,        "2027-06-15",
             " IHK Haus ", "Abschlussprüfung Sommer 2027", "2027-04-01" };
}

} // namespace

// --- scheduling ------------------------------------------------------------

TEST(ExamGivenNothing, WhenStaffScheduleThenScheduledWithAllFacts)
{
    auto d = decide(state{}, final_exam(), staff());
    ASSERT_TRUE(yields(d, "exam.scheduled"));
    auto ev = d->front().reader().getExam().getScheduled();
    EXPECT_EQ(text(ev.getOccupation()), k_occupation);
    EXPECT_EQ(ev.getType(), schema::ExamType::FINAL);
    EXPECT_EQ(text(ev.getDate()), "2027-06-15");
    EXPECT_EQ(text(ev.getLocation()), "IHK Haus");
    EXPECT_EQ(text(ev.getName()), "Abschlussprüfung Sommer 2027");
    EXPECT_EQ(text(ev.getProposalDeadline()), "2027-04-01");
}

TEST(ExamGivenNothing, WhenCompanySchedulesThenNotStaff)
{
    EXPECT_TRUE(fails_with(
      decide(state{}, final_exam(), company()), "exam.not_staff", error_class::forbidden));
}

TEST(ExamGivenNothing, WhenFieldsAreMissingThenValidationErrors)
{
    auto c = final_exam();
    c.occupation = " ";
    EXPECT_TRUE(
      fails_with(decide(state{}, c, staff()), "validation.occupation", error_class::invalid));
    c = final_exam();
    c.date = "2027-02-30";
    EXPECT_TRUE(fails_with(decide(state{}, c, staff()), "validation.date", error_class::invalid));
    c = final_exam();
    c.location = "";
    EXPECT_TRUE(
      fails_with(decide(state{}, c, staff()), "validation.location", error_class::invalid));
    c = final_exam();
    c.name = "";
    EXPECT_TRUE(fails_with(decide(state{}, c, staff()), "validation.name", error_class::invalid));
    c = final_exam();
    c.proposal_deadline = "1. April";
    EXPECT_TRUE(fails_with(
      decide(state{}, c, staff()), "validation.proposal_deadline", error_class::invalid));
}

TEST(ExamGivenNothing, WhenDeadlineIsNotBeforeTheDateThenRejected)
{
    auto c = final_exam();
    c.proposal_deadline = "2027-06-15";
    EXPECT_TRUE(fails_with(
      decide(state{}, c, staff()), "exam.deadline_not_before_date", error_class::invalid));
}

TEST(ExamGivenNothing, WhenWithoutDeadlineThenDeadlineEmpty)
{
    auto c = final_exam();
    c.proposal_deadline = "";
    auto d = decide(state{}, c, staff());
    ASSERT_TRUE(yields(d, "exam.scheduled"));
    EXPECT_EQ(text(d->front().reader().getExam().getScheduled().getProposalDeadline()), "");
}

TEST(ExamGivenNothing, WhenDateInThePastThenRejected)
{
    EXPECT_TRUE(fails_with(decide(state{}, final_exam(), staff("2027-06-16")),
                           "exam.date_in_past",
                           error_class::rejected));
}

TEST(ExamGivenNothing, WhenAnyOtherCommandThenNotFound)
{
    auto ctx = company();
    EXPECT_TRUE(fails_with(decide(state{}, register_contract{ "r1", "k1" }, ctx),
                           "exam.not_found",
                           error_class::not_found));
    EXPECT_TRUE(fails_with(
      decide(state{}, admit{ "r1" }, staff()), "exam.not_found", error_class::not_found));
    EXPECT_TRUE(fails_with(
      decide(state{}, refuse{ "r1", "x" }, staff()), "exam.not_found", error_class::not_found));
    EXPECT_TRUE(fails_with(decide(state{}, record_result{ "r1", { { "A", 50 } }, false }, staff()),
                           "exam.not_found",
                           error_class::not_found));
    EXPECT_TRUE(fails_with(
      decide(state{}, publish_results{}, staff()), "exam.not_found", error_class::not_found));
    EXPECT_TRUE(fails_with(decide(state{}, withdraw_registration{ "r1", "" }, staff()),
                           "exam.not_found",
                           error_class::not_found));
    EXPECT_TRUE(fails_with(
      decide(state{}, cancel{ "x" }, staff()), "exam.not_found", error_class::not_found));
}

class ExamGivenScheduled : public ::testing::Test
{
  protected:
    state given = fold({ scheduled(schema::ExamType::FINAL, "2027-06-15", "2027-04-01") });
};

TEST_F(ExamGivenScheduled, WhenScheduledAgainIdenticallyThenNoEvents)
{
    auto c = final_exam();
    c.location = "IHK Haus, Raum 3";
    EXPECT_TRUE(nothing(decide(given, c, staff())));
}

TEST_F(ExamGivenScheduled, WhenScheduledWithOtherDataThenAlreadyScheduled)
{
    auto c = final_exam();
    c.date = "2027-06-16";
    EXPECT_TRUE(
      fails_with(decide(given, c, staff()), "exam.already_scheduled", error_class::rejected));
}

TEST_F(ExamGivenScheduled, ThenStateHoldsTheFacts)
{
    EXPECT_TRUE(given.exists);
    EXPECT_EQ(given.day, parse_date("2027-06-15"));
    EXPECT_EQ(given.proposal_deadline, parse_date("2027-04-01"));
    EXPECT_TRUE(is_final_type(given.type));
    EXPECT_FALSE(is_final_type(schema::ExamType::INTERMEDIATE));
    EXPECT_TRUE(is_final_type(schema::ExamType::FINAL_PART1));
    EXPECT_TRUE(is_final_type(schema::ExamType::FINAL_PART2));
}

// --- registration ------------------------------------------------------------

TEST_F(ExamGivenScheduled, WhenCompanyRegistersItsRunningContractThenRegistered)
{
    auto d = decide(given, register_contract{ "r1", "k1" }, company());
    ASSERT_TRUE(yields(d, "exam.registered"));
    auto ev = d->front().reader().getExam().getRegistered();
    EXPECT_EQ(text(ev.getRegistrationId()), "r1");
    EXPECT_EQ(text(ev.getContractId()), "k1");
    EXPECT_EQ(text(ev.getCompanyId()), "c1");
    EXPECT_EQ(text(ev.getTraineeName()), "Anna Azubi");
    EXPECT_EQ(text(ev.getTraineeAccountId()), "acc-anna");
}

TEST_F(ExamGivenScheduled, WhenRepresentativeOfTheCompanyRegistersThenRegistered)
{
    auto ctx = company();
    ctx.actor.acting_as = role::representative;
    EXPECT_TRUE(yields(decide(given, register_contract{ "r1", "k1" }, ctx), "exam.registered"));
}

TEST_F(ExamGivenScheduled, WhenStaffRegistersThenRegistered)
{
    auto ctx = staff();
    ctx.contract = company().contract;
    EXPECT_TRUE(yields(decide(given, register_contract{ "r1", "k1" }, ctx), "exam.registered"));
}

TEST_F(ExamGivenScheduled, WhenAnotherCompanyRegistersThenNotAllowed)
{
    auto ctx = company("2027-03-01", "c2");
    EXPECT_TRUE(fails_with(decide(given, register_contract{ "r1", "k1" }, ctx),
                           "exam.not_allowed",
                           error_class::forbidden));
}

TEST_F(ExamGivenScheduled, WhenTraineeRegistersThenNotAllowed)
{
    auto ctx = company();
    ctx.actor.acting_as = role::trainee;
    EXPECT_TRUE(fails_with(decide(given, register_contract{ "r1", "k1" }, ctx),
                           "exam.not_allowed",
                           error_class::forbidden));
}

TEST_F(ExamGivenScheduled, WhenIdsAreMissingThenValidationErrors)
{
    EXPECT_TRUE(fails_with(decide(given, register_contract{ "", "k1" }, company()),
                           "validation.registration_id",
                           error_class::invalid));
    EXPECT_TRUE(fails_with(decide(given, register_contract{ "r1", " " }, company()),
                           "validation.contract_id",
                           error_class::invalid));
}

TEST_F(ExamGivenScheduled, WhenContractUnknownThenContractNotFound)
{
    auto ctx = company();
    ctx.contract.exists = false;
    EXPECT_TRUE(fails_with(decide(given, register_contract{ "r1", "k1" }, ctx),
                           "exam.contract_not_found",
                           error_class::not_found));
}

TEST_F(ExamGivenScheduled, WhenContractHasEndedThenContractNotActive)
{
    auto ctx = company();
    ctx.contract.active = false;
    EXPECT_TRUE(fails_with(decide(given, register_contract{ "r1", "k1" }, ctx),
                           "exam.contract_not_active",
                           error_class::rejected));
}

TEST_F(ExamGivenScheduled, WhenContractOccupationDiffersThenOccupationMismatch)
{
    auto ctx = company();
    ctx.contract.occupation = "Kaufmann/-frau für Büromanagement";
    EXPECT_TRUE(fails_with(decide(given, register_contract{ "r1", "k1" }, ctx),
                           "exam.occupation_mismatch",
                           error_class::rejected));
}

TEST_F(ExamGivenScheduled, WhenRegisteringOnTheExamDateThenRegistered)
{
    EXPECT_TRUE(yields(decide(given, register_contract{ "r1", "k1" }, company("2027-06-15")),
                       "exam.registered"));
}

TEST_F(ExamGivenScheduled, WhenRegisteringAfterTheExamDateThenRegistrationClosed)
{
    EXPECT_TRUE(fails_with(decide(given, register_contract{ "r1", "k1" }, company("2027-06-16")),
                           "exam.registration_closed",
                           error_class::rejected));
}

class ExamGivenRegistered : public ::testing::Test
{
  protected:
    state given = fold({ scheduled(), registered("r1") });
};

TEST_F(ExamGivenRegistered, WhenTheSameRegistrationIsRetriedThenNoEvents)
{
    EXPECT_TRUE(nothing(decide(given, register_contract{ "r1", "k1" }, company())));
}

TEST_F(ExamGivenRegistered, WhenTheContractIsRegisteredAgainThenAlreadyRegistered)
{
    EXPECT_TRUE(fails_with(decide(given, register_contract{ "r2", "k1" }, company()),
                           "exam.already_registered",
                           error_class::rejected));
}

TEST_F(ExamGivenRegistered, WhenTheRegistrationIdIsReusedForAnotherContractThenTaken)
{
    EXPECT_TRUE(fails_with(decide(given, register_contract{ "r1", "k2" }, company()),
                           "exam.registration_id_taken",
                           error_class::rejected));
}

TEST_F(ExamGivenRegistered, ThenStatusIsRegisteredWithoutResult)
{
    auto v = registration_status_of(given, "r1");
    ASSERT_TRUE(v.has_value());
    EXPECT_EQ(v->status, registration_status::registered);
    EXPECT_EQ(v->result, result_status::none);
    EXPECT_FALSE(v->published);
    EXPECT_FALSE(registration_status_of(given, "r9").has_value());
    EXPECT_EQ(to_string(v->status), "registered");
    EXPECT_EQ(to_string(v->result), "none");
}

TEST(ExamGivenRegistrationWithdrawn, WhenTheContractIsRegisteredAgainThenRegistered)
{
    auto given = fold({ scheduled(), registered("r1"), withdrawn("r1") });
    EXPECT_EQ(registration_status_of(given, "r1")->status, registration_status::withdrawn);
    EXPECT_EQ(to_string(registration_status::withdrawn), "withdrawn");
    EXPECT_TRUE(
      yields(decide(given, register_contract{ "r2", "k1" }, company()), "exam.registered"));
}

TEST(ExamGivenCancelled, WhenRegisteringThenCancelled)
{
    auto given = fold({ scheduled(), cancelled_event() });
    EXPECT_TRUE(fails_with(decide(given, register_contract{ "r1", "k1" }, company()),
                           "exam.cancelled",
                           error_class::rejected));
}

// --- admission and refusal --------------------------------------------------

TEST_F(ExamGivenRegistered, WhenStaffAdmitsWithAllRecordsApprovedThenAdmitted)
{
    auto d = decide(given, admit{ "r1" }, staff());
    ASSERT_TRUE(yields(d, "exam.admitted"));
    EXPECT_EQ(text(d->front().reader().getExam().getAdmitted().getRegistrationId()), "r1");
}

TEST_F(ExamGivenRegistered, WhenRecordsAreNotAllApprovedThenRecordsIncomplete)
{
    auto ctx = staff();
    ctx.records = { schema::RecordForm::ELECTRONIC, 2 };
    EXPECT_TRUE(fails_with(
      decide(given, admit{ "r1" }, ctx), "exam.records_incomplete", error_class::rejected));
}

TEST(ExamGivenRegisteredForStretchedFinalExam, WhenRecordsIncompleteThenRefusedForBothParts)
{
    auto ctx = staff();
    ctx.records = { schema::RecordForm::ELECTRONIC, 1 };
    for (auto type : { schema::ExamType::FINAL_PART1, schema::ExamType::FINAL_PART2 }) {
        auto given = fold({ scheduled(type), registered("r1") });
        EXPECT_TRUE(fails_with(
          decide(given, admit{ "r1" }, ctx), "exam.records_incomplete", error_class::rejected));
    }
}

TEST_F(ExamGivenRegistered, WhenRecordsAreKeptOnPaperThenAdmittedWithoutCheck)
{
    auto ctx = staff();
    ctx.records = { schema::RecordForm::PAPER, 12 };
    EXPECT_TRUE(yields(decide(given, admit{ "r1" }, ctx), "exam.admitted"));
}

TEST(ExamGivenRegisteredForIntermediateExam, WhenRecordsIncompleteThenAdmittedAnyway)
{
    auto given = fold({ scheduled(schema::ExamType::INTERMEDIATE), registered("r1") });
    auto ctx = staff();
    ctx.records = { schema::RecordForm::ELECTRONIC, 3 };
    EXPECT_TRUE(yields(decide(given, admit{ "r1" }, ctx), "exam.admitted"));
}

TEST_F(ExamGivenRegistered, WhenCompanyAdmitsThenNotStaff)
{
    EXPECT_TRUE(fails_with(
      decide(given, admit{ "r1" }, company()), "exam.not_staff", error_class::forbidden));
    EXPECT_TRUE(fails_with(
      decide(given, refuse{ "r1", "x" }, company()), "exam.not_staff", error_class::forbidden));
}

TEST_F(ExamGivenRegistered, WhenAdmittingAnUnknownRegistrationThenNotFound)
{
    EXPECT_TRUE(fails_with(decide(given, admit{ "r9" }, staff()),
                           "exam.registration_not_found",
                           error_class::not_found));
}

TEST_F(ExamGivenRegistered, WhenRefusedWithReasonThenRefused)
{
    auto d = decide(given, refuse{ "r1", " Ausbildungszeit nicht erfüllt " }, staff());
    ASSERT_TRUE(yields(d, "exam.refused"));
    EXPECT_EQ(text(d->front().reader().getExam().getRefused().getReason()),
              "Ausbildungszeit nicht erfüllt");
}

TEST_F(ExamGivenRegistered, WhenRefusedWithoutReasonThenReasonRequired)
{
    EXPECT_TRUE(fails_with(
      decide(given, refuse{ "r1", "  " }, staff()), "exam.reason_required", error_class::invalid));
}

TEST(ExamGivenAdmitted, WhenAdmittedAgainThenNoEvents)
{
    auto given = fold({ scheduled(), registered("r1"), admitted("r1") });
    EXPECT_EQ(registration_status_of(given, "r1")->status, registration_status::admitted);
    EXPECT_TRUE(nothing(decide(given, admit{ "r1" }, staff())));
}

TEST(ExamGivenAdmitted, WhenRefusedThenAlreadyDecided)
{
    auto given = fold({ scheduled(), registered("r1"), admitted("r1") });
    EXPECT_TRUE(fails_with(
      decide(given, refuse{ "r1", "x" }, staff()), "exam.already_decided", error_class::rejected));
}

TEST(ExamGivenRefused, WhenRefusedAgainWithTheSameReasonThenNoEvents)
{
    auto given = fold({ scheduled(), registered("r1"), refused("r1", "zu spät") });
    EXPECT_EQ(registration_status_of(given, "r1")->status, registration_status::refused);
    EXPECT_TRUE(nothing(decide(given, refuse{ "r1", "zu spät" }, staff())));
    EXPECT_TRUE(fails_with(decide(given, refuse{ "r1", "anders" }, staff()),
                           "exam.already_decided",
                           error_class::rejected));
}

TEST(ExamGivenRefused, WhenAdmittedThenAlreadyDecided)
{
    auto given = fold({ scheduled(), registered("r1"), refused("r1", "zu spät") });
    EXPECT_TRUE(fails_with(
      decide(given, admit{ "r1" }, staff()), "exam.already_decided", error_class::rejected));
}

TEST(ExamGivenRegistrationWithdrawn, WhenAdmittedOrRefusedThenRegistrationWithdrawn)
{
    auto given = fold({ scheduled(), registered("r1"), withdrawn("r1") });
    EXPECT_TRUE(fails_with(
      decide(given, admit{ "r1" }, staff()), "exam.registration_withdrawn", error_class::rejected));
    EXPECT_TRUE(fails_with(decide(given, refuse{ "r1", "x" }, staff()),
                           "exam.registration_withdrawn",
                           error_class::rejected));
}

TEST(ExamGivenCancelled, WhenAdmittingOrRefusingThenCancelled)
{
    auto given = fold({ scheduled(), registered("r1"), cancelled_event() });
    EXPECT_TRUE(
      fails_with(decide(given, admit{ "r1" }, staff()), "exam.cancelled", error_class::rejected));
    EXPECT_TRUE(fails_with(
      decide(given, refuse{ "r1", "x" }, staff()), "exam.cancelled", error_class::rejected));
}

// --- results --------------------------------------------------------------------

TEST(GradeTable, DefaultTableMapsTheBoundariesOfDomainMd)
{
    const std::vector<std::pair<unsigned, unsigned>> expected = { { 100, 1 }, { 92, 1 }, { 91, 2 },
                                                                  { 81, 2 },  { 80, 3 }, { 67, 3 },
                                                                  { 66, 4 },  { 50, 4 }, { 49, 5 },
                                                                  { 30, 5 },  { 29, 6 }, { 0, 6 } };
    for (auto [points, grade] : expected) {
        EXPECT_EQ(grade_for(points, {}), grade) << points << " points";
    }
    EXPECT_FALSE(grade_for(101, {}).has_value());
}

TEST(GradeTable, InvalidTablesAreRecognised)
{
    EXPECT_TRUE(valid_grade_table(default_grade_table()));
    std::vector<grade_step> no_zero = { { 50, 1 }, { 10, 2 } };
    EXPECT_FALSE(valid_grade_table(no_zero));
    std::vector<grade_step> bad_grade = { { 50, 7 }, { 0, 6 } };
    EXPECT_FALSE(valid_grade_table(bad_grade));
    std::vector<grade_step> twice = { { 50, 1 }, { 50, 2 }, { 0, 6 } };
    EXPECT_FALSE(valid_grade_table(twice));
    std::vector<grade_step> above = { { 101, 1 }, { 0, 6 } };
    EXPECT_FALSE(valid_grade_table(above));
}

TEST(GradeTable, RoundedMeanRoundsHalfUp)
{
    EXPECT_EQ(rounded_mean(std::vector<unsigned>{ 90, 93 }), 92U);
    EXPECT_EQ(rounded_mean(std::vector<unsigned>{ 90, 92 }), 91U);
    EXPECT_EQ(rounded_mean(std::vector<unsigned>{ 50, 50, 51 }), 50U);
    EXPECT_EQ(rounded_mean(std::vector<unsigned>{}), 0U);
}

class ExamGivenAdmittedAfterTheExam : public ::testing::Test
{
  protected:
    state given = fold({ scheduled(), registered("r1"), admitted("r1"), registered("r2", "k2") });
    context ctx = staff("2027-06-20");
};

TEST_F(ExamGivenAdmittedAfterTheExam, WhenPreliminaryResultRecordedThenRoundedMeanAndDefaultGrade)
{
    auto d = decide(
      given, record_result{ "r1", { { "Schriftlich", 90 }, { " Projekt ", 93 } }, false }, ctx);
    ASSERT_TRUE(yields(d, "exam.result_recorded"));
    auto ev = d->front().reader().getExam().getResultRecorded();
    EXPECT_EQ(text(ev.getRegistrationId()), "r1");
    ASSERT_EQ(ev.getParts().size(), 2U);
    EXPECT_EQ(text(ev.getParts()[1].getName()), "Projekt");
    EXPECT_EQ(ev.getParts()[1].getPoints(), 93);
    EXPECT_EQ(ev.getTotalPoints(), 92);
    EXPECT_EQ(ev.getGrade(), 1);
    EXPECT_FALSE(ev.getFinal());
}

TEST_F(ExamGivenAdmittedAfterTheExam, WhenTheChamberHasItsOwnTableThenItsGrade)
{
    ctx.grade_table = { { 50, 1 }, { 0, 5 } };
    auto d = decide(given, record_result{ "r1", { { "Gesamt", 60 } }, true }, ctx);
    ASSERT_TRUE(yields(d, "exam.result_recorded"));
    EXPECT_EQ(d->front().reader().getExam().getResultRecorded().getGrade(), 1);
    EXPECT_TRUE(d->front().reader().getExam().getResultRecorded().getFinal());
}

TEST_F(ExamGivenAdmittedAfterTheExam, WhenTheGradeTableIsUnusableThenGradeTableInvalid)
{
    ctx.grade_table = { { 50, 1 } };
    EXPECT_TRUE(fails_with(decide(given, record_result{ "r1", { { "Gesamt", 60 } }, true }, ctx),
                           "exam.grade_table_invalid",
                           error_class::rejected));
}

TEST_F(ExamGivenAdmittedAfterTheExam, WhenPartsAreMalformedThenInvalid)
{
    EXPECT_TRUE(fails_with(decide(given, record_result{ "r1", {}, false }, ctx),
                           "exam.parts_required",
                           error_class::invalid));
    EXPECT_TRUE(fails_with(decide(given, record_result{ "r1", { { " ", 50 } }, false }, ctx),
                           "exam.part_name_required",
                           error_class::invalid));
    EXPECT_TRUE(
      fails_with(decide(given, record_result{ "r1", { { "A", 50 }, { "A ", 60 } }, false }, ctx),
                 "exam.duplicate_part",
                 error_class::invalid));
    EXPECT_TRUE(fails_with(decide(given, record_result{ "r1", { { "A", 101 } }, false }, ctx),
                           "exam.points_out_of_range",
                           error_class::invalid));
}

TEST_F(ExamGivenAdmittedAfterTheExam, WhenHundredAndZeroPointsThenAccepted)
{
    auto d = decide(given, record_result{ "r1", { { "A", 100 }, { "B", 0 } }, false }, ctx);
    ASSERT_TRUE(yields(d, "exam.result_recorded"));
    EXPECT_EQ(d->front().reader().getExam().getResultRecorded().getTotalPoints(), 50);
    EXPECT_EQ(d->front().reader().getExam().getResultRecorded().getGrade(), 4);
}

TEST_F(ExamGivenAdmittedAfterTheExam, WhenTheRegistrationIsNotAdmittedThenNotAdmitted)
{
    EXPECT_TRUE(fails_with(decide(given, record_result{ "r2", { { "A", 50 } }, false }, ctx),
                           "exam.not_admitted",
                           error_class::rejected));
    auto refused_given = fold({ scheduled(), registered("r1"), refused("r1", "x") });
    EXPECT_TRUE(
      fails_with(decide(refused_given, record_result{ "r1", { { "A", 50 } }, false }, ctx),
                 "exam.not_admitted",
                 error_class::rejected));
}

TEST_F(ExamGivenAdmittedAfterTheExam, WhenRecordedBeforeTheExamDateThenNotYetHeld)
{
    EXPECT_TRUE(
      fails_with(decide(given, record_result{ "r1", { { "A", 50 } }, false }, staff("2027-06-14")),
                 "exam.not_yet_held",
                 error_class::rejected));
}

TEST_F(ExamGivenAdmittedAfterTheExam, WhenCompanyRecordsThenNotStaff)
{
    EXPECT_TRUE(fails_with(
      decide(given, record_result{ "r1", { { "A", 50 } }, false }, company("2027-06-20")),
      "exam.not_staff",
      error_class::forbidden));
}

TEST_F(ExamGivenAdmittedAfterTheExam, WhenRecordedForAnUnknownRegistrationThenNotFound)
{
    EXPECT_TRUE(fails_with(decide(given, record_result{ "r9", { { "A", 50 } }, false }, ctx),
                           "exam.registration_not_found",
                           error_class::not_found));
}

class ExamGivenFinalResult : public ::testing::Test
{
  protected:
    state given = fold({ scheduled(),
                         registered("r1"),
                         admitted("r1"),
                         result_of("r1", { { "Schriftlich", 70 }, { "Projekt", 70 } }, true) });
    context ctx = staff("2027-06-20");
};

TEST_F(ExamGivenFinalResult, WhenAPreliminaryResultIsRecordedThenResultAlreadyFinal)
{
    EXPECT_TRUE(
      fails_with(decide(given, record_result{ "r1", { { "Schriftlich", 80 } }, false }, ctx),
                 "exam.result_already_final",
                 error_class::rejected));
}

TEST_F(ExamGivenFinalResult, WhenTheIdenticalResultIsRecordedAgainThenNoEvents)
{
    EXPECT_TRUE(nothing(decide(
      given, record_result{ "r1", { { "Schriftlich", 70 }, { "Projekt", 70 } }, true }, ctx)));
}

TEST_F(ExamGivenFinalResult, WhenAFinalCorrectionIsRecordedThenRecorded)
{
    auto d =
      decide(given, record_result{ "r1", { { "Schriftlich", 70 }, { "Projekt", 72 } }, true }, ctx);
    ASSERT_TRUE(yields(d, "exam.result_recorded"));
    EXPECT_EQ(d->front().reader().getExam().getResultRecorded().getTotalPoints(), 71);
}

TEST_F(ExamGivenFinalResult, ThenStatusIsFinalAndUnpublished)
{
    auto v = registration_status_of(given, "r1");
    EXPECT_EQ(v->result, result_status::final);
    EXPECT_FALSE(v->published);
    EXPECT_EQ(to_string(v->result), "final");
    EXPECT_EQ(to_string(registration_status::admitted), "admitted");
    EXPECT_EQ(to_string(registration_status::refused), "refused");
}

TEST(ExamGivenPreliminaryResult, WhenTheFinalResultIsRecordedThenRecorded)
{
    auto given = fold(
      { scheduled(), registered("r1"), admitted("r1"), result_of("r1", { { "A", 40 } }, false) });
    EXPECT_EQ(registration_status_of(given, "r1")->result, result_status::preliminary);
    EXPECT_EQ(to_string(result_status::preliminary), "preliminary");
    auto d = decide(given, record_result{ "r1", { { "A", 40 } }, true }, staff("2027-06-20"));
    ASSERT_TRUE(yields(d, "exam.result_recorded"));
    EXPECT_TRUE(d->front().reader().getExam().getResultRecorded().getFinal());
}

// --- publication ----------------------------------------------------------------

class ExamGivenTwoResults : public ::testing::Test
{
  protected:
    state given = fold({ scheduled(),
                         registered("r1"),
                         admitted("r1"),
                         registered("r2", "k2"),
                         admitted("r2"),
                         registered("r3", "k3"),
                         admitted("r3"),
                         result_of("r1", { { "A", 70 } }, true),
                         result_of("r2", { { "A", 40 } }, false) });
};

TEST_F(ExamGivenTwoResults, WhenPublishedThenBothResultsAndNoOther)
{
    auto d = decide(given, publish_results{}, staff("2027-06-20"));
    ASSERT_TRUE(yields(d, "exam.results_published"));
    auto ids = d->front().reader().getExam().getResultsPublished().getRegistrationIds();
    ASSERT_EQ(ids.size(), 2U);
    EXPECT_EQ(text(ids[0]), "r1");
    EXPECT_EQ(text(ids[1]), "r2");
}

TEST_F(ExamGivenTwoResults, WhenCompanyPublishesThenNotStaff)
{
    EXPECT_TRUE(fails_with(
      decide(given, publish_results{}, company()), "exam.not_staff", error_class::forbidden));
}

TEST(ExamGivenPublished, WhenPublishedAgainThenNoEvents)
{
    auto given = fold({ scheduled(),
                        registered("r1"),
                        admitted("r1"),
                        result_of("r1", { { "A", 70 } }, true),
                        published({ "r1" }) });
    EXPECT_TRUE(registration_status_of(given, "r1")->published);
    EXPECT_TRUE(nothing(decide(given, publish_results{}, staff("2027-06-20"))));
}

TEST(ExamGivenPublished, WhenACorrectedResultIsRecordedThenOnlyItIsPublishedAgain)
{
    auto given = fold({ scheduled(),
                        registered("r1"),
                        admitted("r1"),
                        registered("r2", "k2"),
                        admitted("r2"),
                        result_of("r1", { { "A", 70 } }, false),
                        result_of("r2", { { "A", 70 } }, true),
                        published({ "r1", "r2" }),
                        result_of("r1", { { "A", 75 } }, true) });
    EXPECT_FALSE(registration_status_of(given, "r1")->published);
    auto d = decide(given, publish_results{}, staff("2027-06-25"));
    ASSERT_TRUE(yields(d, "exam.results_published"));
    auto ids = d->front().reader().getExam().getResultsPublished().getRegistrationIds();
    ASSERT_EQ(ids.size(), 1U);
    EXPECT_EQ(text(ids[0]), "r1");
}

TEST_F(ExamGivenRegistered, WhenPublishingWithoutResultsThenNoEvents)
{
    EXPECT_TRUE(nothing(decide(given, publish_results{}, staff())));
}

// --- withdrawal and cancellation ---------------------------------------------------

TEST_F(ExamGivenRegistered, WhenTheCompanyWithdrawsThenWithdrawn)
{
    auto d = decide(given, withdraw_registration{ "r1", "Vertrag gekündigt" }, company());
    ASSERT_TRUE(yields(d, "exam.registration_withdrawn"));
    auto ev = d->front().reader().getExam().getRegistrationWithdrawn();
    EXPECT_EQ(text(ev.getRegistrationId()), "r1");
    EXPECT_EQ(text(ev.getReason()), "Vertrag gekündigt");
}

TEST_F(ExamGivenRegistered, WhenAnotherCompanyWithdrawsThenNotAllowed)
{
    EXPECT_TRUE(
      fails_with(decide(given, withdraw_registration{ "r1", "" }, company("2027-03-01", "c2")),
                 "exam.not_allowed",
                 error_class::forbidden));
}

TEST_F(ExamGivenRegistered, WhenWithdrawingAnUnknownRegistrationThenNotFound)
{
    EXPECT_TRUE(fails_with(decide(given, withdraw_registration{ "r9", "" }, staff()),
                           "exam.registration_not_found",
                           error_class::not_found));
}

TEST(ExamGivenRegistrationWithdrawn, WhenWithdrawnAgainThenNoEvents)
{
    auto given = fold({ scheduled(), registered("r1"), withdrawn("r1") });
    EXPECT_TRUE(nothing(decide(given, withdraw_registration{ "r1", "" }, staff())));
}

TEST_F(ExamGivenFinalResult, WhenWithdrawnThenResultRecorded)
{
    EXPECT_TRUE(fails_with(decide(given, withdraw_registration{ "r1", "" }, staff()),
                           "exam.result_recorded",
                           error_class::rejected));
}

TEST(ExamGivenCancelled, WhenWithdrawingThenCancelled)
{
    auto given = fold({ scheduled(), registered("r1"), cancelled_event() });
    EXPECT_TRUE(fails_with(decide(given, withdraw_registration{ "r1", "" }, staff()),
                           "exam.cancelled",
                           error_class::rejected));
}

TEST(ExamGivenCancelled, WhenRecordingAResultThenCancelled)
{
    auto given = fold({ scheduled(), registered("r1"), admitted("r1"), cancelled_event() });
    EXPECT_TRUE(
      fails_with(decide(given, record_result{ "r1", { { "A", 50 } }, true }, staff("2027-06-20")),
                 "exam.cancelled",
                 error_class::rejected));
}

TEST_F(ExamGivenRegistered, WhenStaffCancelWithReasonThenCancelled)
{
    auto d = decide(given, cancel{ "Prüfungsausschuss nicht beschlussfähig" }, staff());
    ASSERT_TRUE(yields(d, "exam.cancelled"));
    EXPECT_EQ(text(d->front().reader().getExam().getCancelled().getReason()),
              "Prüfungsausschuss nicht beschlussfähig");
}

TEST_F(ExamGivenRegistered, WhenCancelledWithoutReasonThenReasonRequired)
{
    EXPECT_TRUE(fails_with(
      decide(given, cancel{ "" }, staff()), "exam.reason_required", error_class::invalid));
}

TEST_F(ExamGivenRegistered, WhenCompanyCancelsThenNotStaff)
{
    EXPECT_TRUE(fails_with(
      decide(given, cancel{ "x" }, company()), "exam.not_staff", error_class::forbidden));
}

TEST(ExamGivenCancelled, WhenCancelledAgainThenNoEvents)
{
    auto given = fold({ scheduled(), cancelled_event() });
    EXPECT_TRUE(given.cancelled);
    EXPECT_TRUE(nothing(decide(given, cancel{ "x" }, staff())));
}

TEST_F(ExamGivenFinalResult, WhenCancelledThenResultRecorded)
{
    EXPECT_TRUE(fails_with(
      decide(given, cancel{ "x" }, staff()), "exam.result_recorded", error_class::rejected));
}

TEST(ExamStreams, StreamAndPartitionAreTheExam)
{
    EXPECT_EQ(stream_id("e1"), "exam-e1");
    EXPECT_EQ(partition_key("e1"), "exam-e1");
}

TEST(ExamEvolve, OtherAggregatesEventsLeaveTheStateUnchanged)
{
    auto other =
      make_event([](schema::Event::Builder e) { e.initSeminar().initScheduled().setTitle("x"); });
    auto s = evolve(state{}, other.reader());
    EXPECT_FALSE(s.exists);
}
