// Given/When/Then specification of the contract (Ausbildungsverhältnis).

#include "common/snapshot.hpp"
#include "contract/contract.hpp"

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>
#include <vector>

using namespace portal;
using namespace portal::domain;
using namespace std::chrono;
namespace c = portal::domain::contract;

namespace {

timestamp
at(std::string_view text)
{
    return *parse_rfc3339(text);
}

date
on(std::string_view text)
{
    return *parse_date(text);
}

c::context
staff_context()
{
    c::context ctx;
    ctx.actor = principal{ "staff-1", role::staff, "" };
    ctx.now = at("2026-11-28T12:00:00Z");
    ctx.company.known = true;
    ctx.company.trainer_ids = { "t1", "t2", "t3" };
    return ctx;
}

c::context
company_context()
{
    auto ctx = staff_context();
    ctx.actor = principal{ "company-account-1", role::company, "co1" };
    return ctx;
}

c::register_contract
valid_registration()
{
    c::register_contract r;
    r.company_id = "co1";
    r.trainee = { "Mia Muster", "2009-03-15", "Mia.Muster@Example.de" };
    r.trainee_number = "AZ-4711";
    r.occupation = "Kaufmann/-frau für Büromanagement";
    r.start = "2026-08-01";
    r.end = "2029-07-31";
    r.record_form = schema::RecordForm::ELECTRONIC;
    r.trainer_ids = { "t1" };
    return r;
}

/// The single event of a decision; fails the test otherwise.
const event_payload&
single(const decision& d)
{
    if (!d.has_value()) {
        ADD_FAILURE() << "expected one event, got error " << d.error().code;
        throw std::runtime_error("no event");
    }
    if (d->size() != 1) {
        ADD_FAILURE() << "expected one event, got " << d->size();
        throw std::runtime_error("not one event");
    }
    return d->front();
}

void
expect_error(const decision& d, std::string_view code, error_class cls)
{
    ASSERT_FALSE(d.has_value()) << "expected error " << code;
    EXPECT_EQ(d.error().code, code);
    EXPECT_EQ(d.error().cls, cls);
}

void
expect_no_events(const decision& d)
{
    ASSERT_TRUE(d.has_value()) << d.error().code;
    EXPECT_TRUE(d->empty());
}

event_payload
registered_event()
{
    return make_event([](schema::Event::Builder e) {
        auto r = e.initContract().initRegistered();
        r.setCompanyId("co1");
        auto t = r.initTrainee();
        t.setName("Mia Muster");
        t.setBirthDate("2009-03-15");
        t.setEmail("mia.muster@example.de");
        t.setMinor(true);
        r.setTraineeNumber("AZ-4711");
        r.setOccupation("Kaufmann/-frau für Büromanagement");
        r.setStart("2026-08-01");
        r.setEnd("2029-07-31");
        r.setRecordForm(schema::RecordForm::ELECTRONIC);
        r.setPeriodKind(schema::PeriodKind::WEEK);
        auto ids = r.initTrainerIds(2);
        ids.set(0, "t1");
        ids.set(1, "t2");
    });
}

event_payload
confirmation_event(std::string id)
{
    return make_event([&](schema::Event::Builder e) {
        e.initContract().initConfirmationIssued().setDocumentId(id);
    });
}

event_payload
account_linked_event(std::string id)
{
    return make_event([&](schema::Event::Builder e) {
        e.initContract().initTraineeAccountLinked().setAccountId(id);
    });
}

event_payload
ended_event(std::string on)
{
    return make_event([&](schema::Event::Builder e) {
        auto x = e.initContract().initEnded();
        x.setDate(on);
        x.setReason(schema::EndReason::TERMINATED);
        x.setNote("Kündigung in der Probezeit");
    });
}

class ContractGivenNothing : public ::testing::Test
{
  protected:
    c::state given;
    c::context ctx = staff_context();
};

class ContractGivenRegistered : public ::testing::Test
{
  protected:
    c::state given = c::fold({ registered_event() });
    c::context ctx = staff_context();
};

class ContractGivenConfirmedAndLinked : public ::testing::Test
{
  protected:
    c::state given =
      c::fold({ registered_event(), confirmation_event("doc-1"), account_linked_event("acc-9") });
    c::context ctx = staff_context();
};

class ContractGivenEnded : public ::testing::Test
{
  protected:
    c::state given = c::fold({ registered_event(), ended_event("2027-01-31") });
    c::context ctx = staff_context();
};

event_payload
erased_event()
{
    return make_event([](schema::Event::Builder e) {
        e.initContract().initPersonalDataErased().setReason("Aufbewahrungsfrist abgelaufen");
    });
}

/// The registration as a fold reads it once the subject's key is gone: the
/// trainee's name, birth date and e-mail empty (crypto-shredding).
event_payload
shredded_registered_event()
{
    return make_event([](schema::Event::Builder e) {
        e.setContract(registered_event().reader().getContract());
        auto t = e.getContract().getRegistered().getTrainee();
        t.setName("");
        t.setBirthDate("");
        t.setEmail("");
    });
}

/// Ended early (31 January 2027), linked to an account, confirmed; the
/// personal data erased after the end.
class ContractGivenPersonalDataErased : public ::testing::Test
{
  protected:
    c::state given = c::fold({ registered_event(),
                               confirmation_event("doc-1"),
                               account_linked_event("acc-9"),
                               ended_event("2027-01-31"),
                               erased_event() });
    c::context ctx = [] {
        auto x = staff_context();
        x.now = at("2037-02-01T09:00:00Z");
        return x;
    }();
};

/// Never ended by a command; its end date (31 July 2029) passed, then the
/// personal data was erased.
class ContractGivenErasedAfterItsEndDate : public ::testing::Test
{
  protected:
    c::state given = c::fold({ registered_event(), erased_event() });
    c::context ctx = [] {
        auto x = staff_context();
        x.now = at("2039-08-01T09:00:00Z");
        return x;
    }();
};

} // namespace

// --- registration ---------------------------------------------------------------------------

TEST_F(ContractGivenNothing, WhenStaffRegistersThenRegisteredWithEveryField)
{
    auto d = c::decide(given, valid_registration(), ctx);
    const auto& e = single(d);
    EXPECT_EQ(events::event_name(e.reader()), "contract.registered");
    auto r = e.reader().getContract().getRegistered();
    EXPECT_EQ(str(r.getCompanyId()), "co1");
    EXPECT_EQ(str(r.getTrainee().getName()), "Mia Muster");
    EXPECT_EQ(str(r.getTrainee().getBirthDate()), "2009-03-15");
    EXPECT_EQ(str(r.getTrainee().getEmail()), "mia.muster@example.de");
    EXPECT_TRUE(r.getTrainee().getMinor());
    EXPECT_EQ(str(r.getTraineeNumber()), "AZ-4711");
    EXPECT_EQ(str(r.getOccupation()), "Kaufmann/-frau für Büromanagement");
    EXPECT_EQ(str(r.getStart()), "2026-08-01");
    EXPECT_EQ(str(r.getEnd()), "2029-07-31");
    EXPECT_EQ(r.getRecordForm(), schema::RecordForm::ELECTRONIC);
    EXPECT_EQ(r.getPeriodKind(), schema::PeriodKind::WEEK);
    ASSERT_EQ(r.getTrainerIds().size(), 1u);
    EXPECT_EQ(str(r.getTrainerIds()[0]), "t1");
}

TEST_F(ContractGivenNothing, WhenRegisteredThenStateHoldsTheContract)
{
    auto d = c::decide(given, valid_registration(), ctx);
    auto s = c::evolve(given, single(d).reader());
    EXPECT_TRUE(s.exists);
    EXPECT_EQ(s.company_id, "co1");
    EXPECT_EQ(s.start_date, 2026y / August / 1);
    EXPECT_EQ(s.end_date, 2029y / July / 31);
    EXPECT_EQ(s.trainer_ids, std::vector<std::string>{ "t1" });
    EXPECT_TRUE(s.minor);
    EXPECT_FALSE(s.ended);
}

TEST_F(ContractGivenNothing, WhenTraineeIsAdultOnStartThenNotMinor)
{
    auto cmd = valid_registration();
    cmd.trainee.birth_date = "2001-05-02";
    auto d = c::decide(given, cmd, ctx);
    EXPECT_FALSE(single(d).reader().getContract().getRegistered().getTrainee().getMinor());
}

TEST_F(ContractGivenNothing, WhenTraineeTurns18OnTheStartDayThenNotMinor)
{
    auto cmd = valid_registration();
    cmd.trainee.birth_date = "2008-08-01";
    auto d = c::decide(given, cmd, ctx);
    EXPECT_FALSE(single(d).reader().getContract().getRegistered().getTrainee().getMinor());
}

TEST_F(ContractGivenNothing, WhenTraineeTurns18TheDayAfterStartThenMinor)
{
    auto cmd = valid_registration();
    cmd.trainee.birth_date = "2008-08-02";
    auto d = c::decide(given, cmd, ctx);
    EXPECT_TRUE(single(d).reader().getContract().getRegistered().getTrainee().getMinor());
}

TEST(ContractMinor, WhenBornOnLeapDayThenOfAgeFromFirstOfMarch)
{
    EXPECT_TRUE(c::is_minor(on("2008-02-29"), on("2026-02-28")));
    EXPECT_FALSE(c::is_minor(on("2008-02-29"), on("2026-03-01")));
}

TEST_F(ContractGivenNothing, WhenEmailIsEmptyThenRegisteredWithoutEmail)
{
    auto cmd = valid_registration();
    cmd.trainee.email = "";
    auto d = c::decide(given, cmd, ctx);
    EXPECT_EQ(str(single(d).reader().getContract().getRegistered().getTrainee().getEmail()), "");
}

TEST_F(ContractGivenNothing, WhenOccupationIsConfiguredDailyThenPeriodKindIsDay)
{
    ctx.occupation_period_kind = schema::PeriodKind::DAY;
    auto d = c::decide(given, valid_registration(), ctx);
    EXPECT_EQ(single(d).reader().getContract().getRegistered().getPeriodKind(),
              schema::PeriodKind::DAY);
}

TEST_F(ContractGivenNothing, WhenSystemRegistersThenRegistered)
{
    ctx.actor = principal{ "", role::system, "" };
    EXPECT_EQ(events::event_name(single(c::decide(given, valid_registration(), ctx)).reader()),
              "contract.registered");
}

TEST_F(ContractGivenNothing, WhenCompanyRegistersThenStaffOnly)
{
    expect_error(c::decide(given, valid_registration(), company_context()),
                 "contract.staff_only",
                 error_class::forbidden);
}

TEST_F(ContractGivenNothing, WhenCompanyIdIsEmptyThenValidationCompanyId)
{
    auto cmd = valid_registration();
    cmd.company_id = " ";
    expect_error(c::decide(given, cmd, ctx), "validation.company_id", error_class::invalid);
}

TEST_F(ContractGivenNothing, WhenCompanyIsUnknownThenUnknownCompany)
{
    ctx.company.known = false;
    expect_error(c::decide(given, valid_registration(), ctx),
                 "contract.unknown_company",
                 error_class::rejected);
}

TEST_F(ContractGivenNothing, WhenTraineeNameIsEmptyThenValidationTraineeName)
{
    auto cmd = valid_registration();
    cmd.trainee.name = "  ";
    expect_error(c::decide(given, cmd, ctx), "validation.trainee_name", error_class::invalid);
}

TEST_F(ContractGivenNothing, WhenBirthDateIsNoDateThenValidationBirthDate)
{
    auto cmd = valid_registration();
    cmd.trainee.birth_date = "2009-02-30";
    expect_error(c::decide(given, cmd, ctx), "validation.birth_date", error_class::invalid);
}

TEST_F(ContractGivenNothing, WhenBirthDateIsTodayThenValidationBirthDate)
{
    auto cmd = valid_registration();
    cmd.trainee.birth_date = "2026-11-28";
    expect_error(c::decide(given, cmd, ctx), "validation.birth_date", error_class::invalid);
}

TEST_F(ContractGivenNothing, WhenBirthDateIsInTheFutureThenValidationBirthDate)
{
    auto cmd = valid_registration();
    cmd.trainee.birth_date = "2030-01-01";
    expect_error(c::decide(given, cmd, ctx), "validation.birth_date", error_class::invalid);
}

TEST_F(ContractGivenNothing, WhenEmailIsInvalidThenValidationEmail)
{
    auto cmd = valid_registration();
    cmd.trainee.email = "mia@";
    expect_error(c::decide(given, cmd, ctx), "validation.email", error_class::invalid);
}

TEST_F(ContractGivenNothing, WhenTraineeNumberIsEmptyThenValidationTraineeNumber)
{
    auto cmd = valid_registration();
    cmd.trainee_number = "";
    expect_error(c::decide(given, cmd, ctx), "validation.trainee_number", error_class::invalid);
}

TEST_F(ContractGivenNothing, WhenOccupationIsEmptyThenValidationOccupation)
{
    auto cmd = valid_registration();
    cmd.occupation = "";
    expect_error(c::decide(given, cmd, ctx), "validation.occupation", error_class::invalid);
}

TEST_F(ContractGivenNothing, WhenStartIsNoDateThenValidationStart)
{
    auto cmd = valid_registration();
    cmd.start = "01.08.2026";
    expect_error(c::decide(given, cmd, ctx), "validation.start", error_class::invalid);
}

TEST_F(ContractGivenNothing, WhenEndIsNoDateThenValidationEnd)
{
    auto cmd = valid_registration();
    cmd.end = "";
    expect_error(c::decide(given, cmd, ctx), "validation.end", error_class::invalid);
}

TEST_F(ContractGivenNothing, WhenEndEqualsStartThenEndNotAfterStart)
{
    auto cmd = valid_registration();
    cmd.end = cmd.start;
    expect_error(c::decide(given, cmd, ctx), "contract.end_not_after_start", error_class::invalid);
}

TEST_F(ContractGivenNothing, WhenEndIsBeforeStartThenEndNotAfterStart)
{
    auto cmd = valid_registration();
    cmd.end = "2026-07-31";
    expect_error(c::decide(given, cmd, ctx), "contract.end_not_after_start", error_class::invalid);
}

TEST_F(ContractGivenNothing, WhenRecordFormIsUnknownThenValidationRecordForm)
{
    auto cmd = valid_registration();
    cmd.record_form = static_cast<schema::RecordForm>(7);
    expect_error(c::decide(given, cmd, ctx), "validation.record_form", error_class::invalid);
}

TEST_F(ContractGivenNothing, WhenPaperRecordFormThenRegisteredAsPaper)
{
    auto cmd = valid_registration();
    cmd.record_form = schema::RecordForm::PAPER;
    auto d = c::decide(given, cmd, ctx);
    EXPECT_EQ(single(d).reader().getContract().getRegistered().getRecordForm(),
              schema::RecordForm::PAPER);
}

TEST_F(ContractGivenNothing, WhenNoTrainerThenValidationTrainers)
{
    auto cmd = valid_registration();
    cmd.trainer_ids.clear();
    expect_error(c::decide(given, cmd, ctx), "validation.trainers", error_class::invalid);
}

TEST_F(ContractGivenNothing, WhenTrainerNamedTwiceThenValidationTrainers)
{
    auto cmd = valid_registration();
    cmd.trainer_ids = { "t1", "t1" };
    expect_error(c::decide(given, cmd, ctx), "validation.trainers", error_class::invalid);
}

TEST_F(ContractGivenNothing, WhenTrainerIdIsEmptyThenValidationTrainers)
{
    auto cmd = valid_registration();
    cmd.trainer_ids = { "" };
    expect_error(c::decide(given, cmd, ctx), "validation.trainers", error_class::invalid);
}

TEST_F(ContractGivenNothing, WhenTrainerIsNotRegisteredAtTheCompanyThenUnknownTrainer)
{
    auto cmd = valid_registration();
    cmd.trainer_ids = { "t1", "t-other" };
    expect_error(c::decide(given, cmd, ctx), "contract.unknown_trainer", error_class::rejected);
}

TEST_F(ContractGivenNothing, WhenSeveralTrainersOfTheCompanyThenAllRegistered)
{
    auto cmd = valid_registration();
    cmd.trainer_ids = { "t2", "t3" };
    auto d = c::decide(given, cmd, ctx);
    EXPECT_EQ(single(d).reader().getContract().getRegistered().getTrainerIds().size(), 2u);
}

TEST_F(ContractGivenNothing, WhenConfirmationIssuedThenNotFound)
{
    expect_error(c::decide(given, c::issue_confirmation{ "doc-1" }, ctx),
                 "contract.not_found",
                 error_class::not_found);
}

TEST_F(ContractGivenNothing, WhenTrainersChangedThenNotFound)
{
    expect_error(c::decide(given, c::change_trainers{ { "t1" } }, ctx),
                 "contract.not_found",
                 error_class::not_found);
}

TEST_F(ContractGivenNothing, WhenEndedThenNotFound)
{
    expect_error(
      c::decide(given, c::end_contract{ "2027-01-31", schema::EndReason::REGULAR, "" }, ctx),
      "contract.not_found",
      error_class::not_found);
}

TEST_F(ContractGivenNothing, ThenItIsNeitherActiveNorContainsAnyDay)
{
    EXPECT_FALSE(c::is_active(given, on("2027-01-01")));
    EXPECT_FALSE(c::contains(given, on("2027-01-01")));
}

// --- changes ----------------------------------------------------------------------------------

TEST_F(ContractGivenRegistered, WhenRegisteredAgainThenAlreadyRegistered)
{
    expect_error(c::decide(given, valid_registration(), ctx),
                 "contract.already_registered",
                 error_class::rejected);
}

TEST_F(ContractGivenRegistered, WhenConfirmationIssuedThenConfirmationIssued)
{
    auto d = c::decide(given, c::issue_confirmation{ "doc-1" }, ctx);
    const auto& e = single(d);
    EXPECT_EQ(events::event_name(e.reader()), "contract.confirmation_issued");
    EXPECT_EQ(str(e.reader().getContract().getConfirmationIssued().getDocumentId()), "doc-1");
}

TEST_F(ContractGivenRegistered, WhenConfirmationIssuedWithoutDocumentIdThenValidationDocumentId)
{
    expect_error(c::decide(given, c::issue_confirmation{ "" }, ctx),
                 "validation.document_id",
                 error_class::invalid);
}

TEST_F(ContractGivenRegistered, WhenCompanyIssuesConfirmationThenStaffOnly)
{
    expect_error(c::decide(given, c::issue_confirmation{ "doc-1" }, company_context()),
                 "contract.staff_only",
                 error_class::forbidden);
}

TEST_F(ContractGivenConfirmedAndLinked, WhenSameConfirmationIssuedAgainThenNoEvents)
{
    expect_no_events(c::decide(given, c::issue_confirmation{ "doc-1" }, ctx));
}

TEST_F(ContractGivenConfirmedAndLinked, WhenAnotherConfirmationIssuedThenAlreadyIssued)
{
    expect_error(c::decide(given, c::issue_confirmation{ "doc-2" }, ctx),
                 "contract.confirmation_already_issued",
                 error_class::rejected);
}

TEST_F(ContractGivenRegistered, WhenTraineeAccountLinkedThenTraineeAccountLinked)
{
    auto d = c::decide(given, c::link_trainee_account{ "acc-9" }, ctx);
    const auto& e = single(d);
    EXPECT_EQ(events::event_name(e.reader()), "contract.trainee_account_linked");
    EXPECT_EQ(str(e.reader().getContract().getTraineeAccountLinked().getAccountId()), "acc-9");
    EXPECT_EQ(c::evolve(given, e.reader()).trainee_account_id, "acc-9");
}

TEST_F(ContractGivenRegistered, WhenTraineeAccountLinkedWithoutIdThenValidationAccountId)
{
    expect_error(c::decide(given, c::link_trainee_account{ " " }, ctx),
                 "validation.account_id",
                 error_class::invalid);
}

TEST_F(ContractGivenConfirmedAndLinked, WhenSameAccountLinkedAgainThenNoEvents)
{
    expect_no_events(c::decide(given, c::link_trainee_account{ "acc-9" }, ctx));
}

TEST_F(ContractGivenConfirmedAndLinked, WhenAnotherAccountLinkedThenAlreadyLinked)
{
    expect_error(c::decide(given, c::link_trainee_account{ "acc-10" }, ctx),
                 "contract.trainee_account_already_linked",
                 error_class::rejected);
}

TEST_F(ContractGivenRegistered, WhenTrainersChangedThenTrainersChanged)
{
    auto d = c::decide(given, c::change_trainers{ { "t3" } }, ctx);
    const auto& e = single(d);
    EXPECT_EQ(events::event_name(e.reader()), "contract.trainers_changed");
    auto s = c::evolve(given, e.reader());
    EXPECT_EQ(s.trainer_ids, std::vector<std::string>{ "t3" });
}

TEST_F(ContractGivenRegistered, WhenSameTrainersInAnotherOrderThenNoEvents)
{
    expect_no_events(c::decide(given, c::change_trainers{ { "t2", "t1" } }, ctx));
}

TEST_F(ContractGivenRegistered, WhenTrainersChangedToAnUnknownTrainerThenUnknownTrainer)
{
    expect_error(c::decide(given, c::change_trainers{ { "t1", "t9" } }, ctx),
                 "contract.unknown_trainer",
                 error_class::rejected);
}

TEST_F(ContractGivenRegistered, WhenTrainersChangedToNoneThenValidationTrainers)
{
    expect_error(
      c::decide(given, c::change_trainers{ {} }, ctx), "validation.trainers", error_class::invalid);
}

TEST_F(ContractGivenRegistered, WhenCompanyChangesTrainersThenStaffOnly)
{
    expect_error(c::decide(given, c::change_trainers{ { "t3" } }, company_context()),
                 "contract.staff_only",
                 error_class::forbidden);
}

TEST_F(ContractGivenRegistered, WhenDatesChangedThenDatesChanged)
{
    auto d = c::decide(given, c::change_dates{ "2026-09-01", "2029-08-31" }, ctx);
    const auto& e = single(d);
    EXPECT_EQ(events::event_name(e.reader()), "contract.dates_changed");
    auto x = e.reader().getContract().getDatesChanged();
    EXPECT_EQ(str(x.getStart()), "2026-09-01");
    EXPECT_EQ(str(x.getEnd()), "2029-08-31");
}

TEST_F(ContractGivenRegistered, WhenStartMovesPastThe18thBirthdayThenNoLongerMinor)
{
    auto d = c::decide(given, c::change_dates{ "2027-04-01", "2030-03-31" }, ctx);
    auto s = c::evolve(given, single(d).reader());
    EXPECT_EQ(s.start_date, 2027y / April / 1);
    EXPECT_FALSE(s.minor);
}

TEST_F(ContractGivenRegistered, WhenSameDatesThenNoEvents)
{
    expect_no_events(c::decide(given, c::change_dates{ "2026-08-01", "2029-07-31" }, ctx));
}

TEST_F(ContractGivenRegistered, WhenDatesChangedToEndBeforeStartThenEndNotAfterStart)
{
    expect_error(c::decide(given, c::change_dates{ "2026-08-01", "2026-07-01" }, ctx),
                 "contract.end_not_after_start",
                 error_class::invalid);
}

TEST_F(ContractGivenRegistered, WhenDatesChangedToNoDateThenValidationStart)
{
    expect_error(c::decide(given, c::change_dates{ "soon", "2029-07-31" }, ctx),
                 "validation.start",
                 error_class::invalid);
}

TEST_F(ContractGivenRegistered, WhenRecordFormChangedToPaperThenRecordFormChanged)
{
    auto d = c::decide(given, c::change_record_form{ schema::RecordForm::PAPER }, ctx);
    const auto& e = single(d);
    EXPECT_EQ(events::event_name(e.reader()), "contract.record_form_changed");
    EXPECT_EQ(e.reader().getContract().getRecordFormChanged().getForm(), schema::RecordForm::PAPER);
    EXPECT_EQ(c::evolve(given, e.reader()).record_form, schema::RecordForm::PAPER);
}

TEST_F(ContractGivenRegistered, WhenSameRecordFormThenNoEvents)
{
    expect_no_events(
      c::decide(given, c::change_record_form{ schema::RecordForm::ELECTRONIC }, ctx));
}

TEST_F(ContractGivenRegistered, WhenRecordFormChangedToUnknownThenValidationRecordForm)
{
    expect_error(c::decide(given, c::change_record_form{ static_cast<schema::RecordForm>(9) }, ctx),
                 "validation.record_form",
                 error_class::invalid);
}

TEST_F(ContractGivenRegistered, WhenEndedThenEndedWithDateReasonAndNote)
{
    auto d = c::decide(
      given, c::end_contract{ "2027-01-31", schema::EndReason::TERMINATED, " Probezeit " }, ctx);
    const auto& e = single(d);
    EXPECT_EQ(events::event_name(e.reader()), "contract.ended");
    auto x = e.reader().getContract().getEnded();
    EXPECT_EQ(str(x.getDate()), "2027-01-31");
    EXPECT_EQ(x.getReason(), schema::EndReason::TERMINATED);
    EXPECT_EQ(str(x.getNote()), "Probezeit");
}

TEST_F(ContractGivenRegistered, WhenEndedOnTheStartDayThenEnded)
{
    auto d = c::decide(given, c::end_contract{ "2026-08-01", schema::EndReason::OTHER, "" }, ctx);
    EXPECT_EQ(events::event_name(single(d).reader()), "contract.ended");
}

TEST_F(ContractGivenRegistered, WhenEndedBeforeTheStartThenEndBeforeStart)
{
    expect_error(
      c::decide(given, c::end_contract{ "2026-07-31", schema::EndReason::OTHER, "" }, ctx),
      "contract.end_before_start",
      error_class::invalid);
}

TEST_F(ContractGivenRegistered, WhenEndDateIsNoDateThenValidationEndDate)
{
    expect_error(c::decide(given, c::end_contract{ "", schema::EndReason::REGULAR, "" }, ctx),
                 "validation.end_date",
                 error_class::invalid);
}

TEST_F(ContractGivenRegistered, WhenEndReasonIsUnknownThenValidationEndReason)
{
    expect_error(
      c::decide(given, c::end_contract{ "2027-01-31", static_cast<schema::EndReason>(5), "" }, ctx),
      "validation.end_reason",
      error_class::invalid);
}

TEST_F(ContractGivenRegistered, WhenEndNoteIsTooLongThenValidationNote)
{
    expect_error(c::decide(given,
                           c::end_contract{ "2027-01-31",
                                            schema::EndReason::REGULAR,
                                            std::string(k_max_text + 1, 'x') },
                           ctx),
                 "validation.note",
                 error_class::invalid);
}

TEST_F(ContractGivenRegistered, WhenCompanyEndsThenStaffOnly)
{
    expect_error(c::decide(given,
                           c::end_contract{ "2027-01-31", schema::EndReason::REGULAR, "" },
                           company_context()),
                 "contract.staff_only",
                 error_class::forbidden);
}

TEST_F(ContractGivenRegistered, ThenActiveFromStartToEndInclusive)
{
    EXPECT_FALSE(c::is_active(given, on("2026-07-31")));
    EXPECT_TRUE(c::is_active(given, on("2026-08-01")));
    EXPECT_TRUE(c::is_active(given, on("2028-02-29")));
    EXPECT_TRUE(c::is_active(given, on("2029-07-31")));
    EXPECT_FALSE(c::is_active(given, on("2029-08-01")));
    EXPECT_TRUE(c::contains(given, on("2029-07-31")));
    EXPECT_FALSE(c::contains(given, on("2026-07-31")));
}

// --- after the end ----------------------------------------------------------------------------

TEST_F(ContractGivenEnded, WhenEndedAgainThenAlreadyEnded)
{
    expect_error(
      c::decide(given, c::end_contract{ "2027-01-31", schema::EndReason::TERMINATED, "" }, ctx),
      "contract.already_ended",
      error_class::rejected);
}

TEST_F(ContractGivenEnded, WhenTrainersChangedThenContractEnded)
{
    expect_error(c::decide(given, c::change_trainers{ { "t3" } }, ctx),
                 "contract.ended",
                 error_class::rejected);
}

TEST_F(ContractGivenEnded, WhenDatesChangedThenContractEnded)
{
    expect_error(c::decide(given, c::change_dates{ "2026-08-01", "2030-07-31" }, ctx),
                 "contract.ended",
                 error_class::rejected);
}

TEST_F(ContractGivenEnded, WhenRecordFormChangedThenContractEnded)
{
    expect_error(c::decide(given, c::change_record_form{ schema::RecordForm::PAPER }, ctx),
                 "contract.ended",
                 error_class::rejected);
}

TEST_F(ContractGivenEnded, WhenTraineeAccountLinkedThenContractEnded)
{
    expect_error(c::decide(given, c::link_trainee_account{ "acc-9" }, ctx),
                 "contract.ended",
                 error_class::rejected);
}

TEST_F(ContractGivenEnded, WhenConfirmationIssuedThenContractEnded)
{
    expect_error(c::decide(given, c::issue_confirmation{ "doc-1" }, ctx),
                 "contract.ended",
                 error_class::rejected);
}

TEST_F(ContractGivenEnded, ThenActiveOnlyUntilTheEndDate)
{
    EXPECT_TRUE(given.ended);
    EXPECT_EQ(given.end_reason, schema::EndReason::TERMINATED);
    EXPECT_TRUE(c::is_active(given, on("2027-01-31")));
    EXPECT_FALSE(c::is_active(given, on("2027-02-01")));
    EXPECT_FALSE(c::contains(given, on("2028-01-01")));
}

// --- erasing the trainee's personal data --------------------------------------------------------

TEST_F(ContractGivenNothing, WhenPersonalDataErasedThenNotFound)
{
    expect_error(c::decide(given, c::erase_personal_data{ "Frist" }, ctx),
                 "contract.not_found",
                 error_class::not_found);
}

TEST_F(ContractGivenRegistered, WhenPersonalDataErasedWhileRunningThenStillRunning)
{
    expect_error(c::decide(given, c::erase_personal_data{ "Frist" }, ctx),
                 "contract.still_running",
                 error_class::rejected);
}

TEST_F(ContractGivenRegistered, WhenPersonalDataErasedOnTheEndDateThenStillRunning)
{
    ctx.now = at("2029-07-31T23:00:00Z");
    expect_error(c::decide(given, c::erase_personal_data{ "Frist" }, ctx),
                 "contract.still_running",
                 error_class::rejected);
}

TEST_F(ContractGivenRegistered, WhenPersonalDataErasedAfterTheEndDateThenPersonalDataErased)
{
    ctx.now = at("2029-08-01T08:00:00Z");
    auto d = c::decide(given, c::erase_personal_data{ "  Aufbewahrungsfrist abgelaufen " }, ctx);
    auto ev = single(d).reader().getContract();
    ASSERT_TRUE(ev.isPersonalDataErased());
    EXPECT_EQ(str(ev.getPersonalDataErased().getReason()), "Aufbewahrungsfrist abgelaufen");
}

TEST_F(ContractGivenRegistered, WhenSystemErasesPersonalDataAfterTheEndDateThenPersonalDataErased)
{
    ctx.now = at("2029-08-01T08:00:00Z");
    ctx.actor = principal{ "", role::system, "" };
    EXPECT_TRUE(single(c::decide(given, c::erase_personal_data{ "Frist" }, ctx))
                  .reader()
                  .getContract()
                  .isPersonalDataErased());
}

TEST_F(ContractGivenRegistered, WhenCompanyErasesPersonalDataThenStaffOnly)
{
    ctx.now = at("2029-08-01T08:00:00Z");
    ctx.actor = principal{ "company-account-1", role::company, "co1" };
    expect_error(c::decide(given, c::erase_personal_data{ "Frist" }, ctx),
                 "contract.staff_only",
                 error_class::forbidden);
}

TEST_F(ContractGivenRegistered, WhenTraineeErasesPersonalDataThenStaffOnly)
{
    ctx.now = at("2029-08-01T08:00:00Z");
    ctx.actor = principal{ "acc-9", role::trainee, "co1" };
    expect_error(c::decide(given, c::erase_personal_data{ "Frist" }, ctx),
                 "contract.staff_only",
                 error_class::forbidden);
}

TEST_F(ContractGivenRegistered, WhenPersonalDataErasedWithoutReasonThenValidationReason)
{
    ctx.now = at("2029-08-01T08:00:00Z");
    expect_error(c::decide(given, c::erase_personal_data{ "   " }, ctx),
                 "validation.reason",
                 error_class::invalid);
}

TEST_F(ContractGivenRegistered, WhenErasureReasonIsTooLongThenValidationReason)
{
    ctx.now = at("2029-08-01T08:00:00Z");
    expect_error(c::decide(given, c::erase_personal_data{ std::string(501, 'x') }, ctx),
                 "validation.reason",
                 error_class::invalid);
    EXPECT_TRUE(c::decide(given, c::erase_personal_data{ std::string(500, 'x') }, ctx));
    std::string umlauts;
    for (int i = 0; i < 500; ++i) {
        umlauts += "ä";
    }
    EXPECT_TRUE(c::decide(given, c::erase_personal_data{ umlauts }, ctx)) << "code points count";
    expect_error(c::decide(given, c::erase_personal_data{ umlauts + "ö" }, ctx),
                 "validation.reason",
                 error_class::invalid);
}

TEST_F(ContractGivenEnded, WhenPersonalDataErasedOnTheDayItEndedAsOfThenStillRunning)
{
    ctx.now = at("2027-01-31T12:00:00Z");
    expect_error(c::decide(given, c::erase_personal_data{ "Frist" }, ctx),
                 "contract.still_running",
                 error_class::rejected);
}

TEST_F(ContractGivenEnded, WhenPersonalDataErasedTheDayAfterItEndedThenPersonalDataErased)
{
    ctx.now = at("2027-02-01T08:00:00Z");
    EXPECT_TRUE(single(c::decide(given, c::erase_personal_data{ "Frist" }, ctx))
                  .reader()
                  .getContract()
                  .isPersonalDataErased());
}

TEST_F(ContractGivenPersonalDataErased, ThenStateDropsTheTraineesDataAndKeepsTheRest)
{
    EXPECT_TRUE(given.personal_data_erased);
    EXPECT_EQ(given.trainee_name, "");
    EXPECT_EQ(given.birth_date, date{});
    EXPECT_EQ(given.trainee_email, "");
    EXPECT_TRUE(given.exists);
    EXPECT_EQ(given.company_id, "co1");
    EXPECT_EQ(given.trainee_number, "AZ-4711");
    EXPECT_EQ(given.start_date, on("2026-08-01"));
    EXPECT_EQ(given.end_date, on("2029-07-31"));
    EXPECT_TRUE(given.ended);
    EXPECT_EQ(given.ended_on, on("2027-01-31"));
    EXPECT_EQ(given.trainee_account_id, "acc-9");
    EXPECT_EQ(given.confirmation_document_id, "doc-1");
    EXPECT_EQ(given.trainer_ids, (std::vector<std::string>{ "t1", "t2" }));
}

TEST_F(ContractGivenPersonalDataErased, ThenTheLiveStateEqualsTheFoldOfTheShreddedLog)
{
    auto rebuilt = c::fold({ shredded_registered_event(),
                             confirmation_event("doc-1"),
                             account_linked_event("acc-9"),
                             ended_event("2027-01-31"),
                             erased_event() });
    EXPECT_EQ(snapshot::encode(rebuilt), snapshot::encode(given));
}

TEST_F(ContractGivenPersonalDataErased, WhenErasedAgainThenNoEvents)
{
    expect_no_events(c::decide(given, c::erase_personal_data{ "noch einmal" }, ctx));
}

TEST_F(ContractGivenPersonalDataErased, WhenCompanyErasesAgainThenStaffOnly)
{
    ctx.actor = principal{ "company-account-1", role::company, "co1" };
    expect_error(c::decide(given, c::erase_personal_data{ "Frist" }, ctx),
                 "contract.staff_only",
                 error_class::forbidden);
}

TEST_F(ContractGivenPersonalDataErased, WhenAnotherTraineeAccountLinkedThenPersonalDataErased)
{
    expect_error(c::decide(given, c::link_trainee_account{ "acc-10" }, ctx),
                 "contract.personal_data_erased",
                 error_class::rejected);
    auto refused = c::trainee_account_refusal(given, "acc-10");
    ASSERT_TRUE(refused.has_value());
    EXPECT_EQ(refused->code, "contract.personal_data_erased");
}

TEST_F(ContractGivenPersonalDataErased, WhenAnotherConfirmationIssuedThenAlreadyIssued)
{
    expect_no_events(c::decide(given, c::issue_confirmation{ "doc-1" }, ctx));
    expect_error(c::decide(given, c::issue_confirmation{ "doc-2" }, ctx),
                 "contract.confirmation_already_issued",
                 error_class::rejected);
}

TEST_F(ContractGivenErasedAfterItsEndDate, WhenConfirmationIssuedThenPersonalDataErased)
{
    expect_error(c::decide(given, c::issue_confirmation{ "doc-1" }, ctx),
                 "contract.personal_data_erased",
                 error_class::rejected);
}

TEST_F(ContractGivenErasedAfterItsEndDate, WhenTraineeAccountLinkedThenPersonalDataErased)
{
    expect_error(c::decide(given, c::link_trainee_account{ "acc-9" }, ctx),
                 "contract.personal_data_erased",
                 error_class::rejected);
    ASSERT_TRUE(c::trainee_account_refusal(given, "acc-9").has_value());
}

TEST_F(ContractGivenErasedAfterItsEndDate, WhenDatesExtendedThenPersonalDataErased)
{
    expect_error(c::decide(given, c::change_dates{ "2026-08-01", "2040-07-31" }, ctx),
                 "contract.personal_data_erased",
                 error_class::rejected);
}

TEST_F(ContractGivenErasedAfterItsEndDate, WhenTrainersOrRecordFormChangedThenPersonalDataErased)
{
    expect_error(c::decide(given, c::change_trainers{ { "t3" } }, ctx),
                 "contract.personal_data_erased",
                 error_class::rejected);
    expect_error(c::decide(given, c::change_record_form{ schema::RecordForm::PAPER }, ctx),
                 "contract.personal_data_erased",
                 error_class::rejected);
}

TEST_F(ContractGivenErasedAfterItsEndDate, WhenEndedThenPersonalDataErased)
{
    expect_error(
      c::decide(given, c::end_contract{ "2029-07-31", schema::EndReason::REGULAR, "" }, ctx),
      "contract.personal_data_erased",
      error_class::rejected);
}

TEST_F(ContractGivenErasedAfterItsEndDate, ThenItHasEndedAndKeepsItsDates)
{
    EXPECT_TRUE(c::is_active(given, on("2029-07-31")));
    EXPECT_FALSE(c::is_active(given, on("2029-08-01")));
    EXPECT_TRUE(c::term_of(given).has_ended(on("2029-08-01")));
    EXPECT_TRUE(given.minor) << "the flag stays; only name, birth date and e-mail go";
}

// --- streams and folding ----------------------------------------------------------------------

TEST(ContractStreams, ThenStreamAndPartitionKeyAreNamedAfterContractAndCompany)
{
    EXPECT_EQ(c::stream_id("42"), "contract-42");
    EXPECT_EQ(c::partition_key("co1"), "company-co1");
}

TEST(ContractEvolve, WhenAnotherAggregatesEventThenStateUnchanged)
{
    auto other =
      make_event([](schema::Event::Builder e) { e.initDocument().initWithdrawn().setReason("x"); });
    auto s = c::fold({ other });
    EXPECT_FALSE(s.exists);
}
