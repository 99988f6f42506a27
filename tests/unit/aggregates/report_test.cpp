// Given/When/Then specification of the training record (Ausbildungsnachweis).
//
// Today is Saturday 2026-11-28 (ISO week 2026-W48). The contract runs from
// 2026-08-01 to 2029-07-31, electronic records, one record per ISO week.

#include "report/report.hpp"

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>
#include <vector>

using namespace portal;
using namespace portal::domain;
using namespace std::chrono;
namespace r = portal::domain::report;

namespace {

date
on(std::string_view text)
{
    return *parse_date(text);
}

r::contract_facts
weekly_contract()
{
    r::contract_facts c;
    c.known = true;
    c.contract_id = "c1";
    c.company_id = "co1";
    c.occupation = "Kaufmann/-frau für Büromanagement";
    c.start = on("2026-08-01");
    c.end = on("2029-07-31");
    c.record_form = schema::RecordForm::ELECTRONIC;
    c.period_kind = schema::PeriodKind::WEEK;
    c.trainee_account_id = "acc-trainee";
    c.trainer_account_ids = { "acc-trainer" };
    return c;
}

r::context
context_of(std::string account, role acting_as, std::string email)
{
    r::context ctx;
    ctx.actor = principal{ std::move(account), acting_as, "" };
    ctx.actor_email = std::move(email);
    ctx.now = *parse_rfc3339("2026-11-28T12:00:00Z");
    ctx.contract = weekly_contract();
    ctx.electronic_records = true;
    return ctx;
}

r::context
trainee()
{
    return context_of("acc-trainee", role::trainee, "mia.muster@example.de");
}

r::context
trainer()
{
    return context_of("acc-trainer", role::trainer, "ausbilder@muster.de");
}

r::context
supervisor()
{
    return context_of("acc-sup", role::supervisor, "leitung@muster.de");
}

r::context
stranger()
{
    return context_of("acc-x", role::trainer, "jemand@anders.de");
}

r::entry
work(std::string text, std::uint32_t minutes, std::string day = "")
{
    return r::entry{ schema::EntryKind::COMPANY, std::move(text), minutes, std::move(day), {} };
}

r::draft
week47()
{
    r::draft d;
    d.contract_id = "c1";
    d.period = r::record_period{ schema::PeriodKind::WEEK, iso_week{ 2026, 47 }, "" };
    d.entries = {
        r::entry{
          schema::EntryKind::COMPANY, "Eingangsrechnungen geprüft", 480, "2026-11-16", { "4.2a" } },
        r::entry{ schema::EntryKind::SCHOOL, "Buchführung: Kontenrahmen", 360, "2026-11-17", {} },
        r::entry{ schema::EntryKind::INSTRUCTION, "Datenschutz-Unterweisung", 60, "", {} },
    };
    d.absences = { r::absence{ "2026-11-20", schema::AbsenceKind::SICKNESS, 0, "AU liegt vor" } };
    return d;
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

void
expect_event(const decision& d, std::string_view name)
{
    EXPECT_EQ(events::event_name(single(d).reader()), name);
}

// --- Given: events ----------------------------------------------------------------------------

event_payload
drafted_event(bool with_content = true)
{
    return make_event([&](schema::Event::Builder e) {
        auto d = e.initReport().initDrafted();
        d.setContractId("c1");
        d.setCompanyId("co1");
        auto w = d.initPeriod().initWeek();
        w.setYear(2026);
        w.setWeek(47);
        d.setTrainingYear(1);
        if (with_content) {
            auto entries = d.initEntries(1);
            entries[0].setKind(schema::EntryKind::COMPANY);
            entries[0].setText("Eingangsrechnungen geprüft");
            entries[0].setMinutes(480);
            entries[0].setDay("2026-11-16");
        }
    });
}

event_payload
submitted_event(std::string email, std::string account)
{
    return make_event([&](schema::Event::Builder e) {
        auto s = e.initReport().initSubmitted();
        s.setApproverEmail(email);
        s.setApproverAccountId(account);
    });
}

event_payload
to_supervisor()
{
    return submitted_event("leitung@muster.de", "acc-sup");
}

event_payload
approved_event()
{
    return make_event(
      [](schema::Event::Builder e) { e.initReport().initApproved().setComment("Gut"); });
}

event_payload
rejected_event(std::string remarks)
{
    return make_event(
      [&](schema::Event::Builder e) { e.initReport().initRejected().setRemarks(remarks); });
}

class ReportGivenNothing : public ::testing::Test
{
  protected:
    r::state given;
};

class ReportDailyGivenNothing : public ::testing::Test
{
  protected:
    r::state given;
    r::context ctx = [] {
        auto c = trainee();
        c.contract.period_kind = schema::PeriodKind::DAY;
        return c;
    }();
    r::draft cmd = [] {
        r::draft d;
        d.contract_id = "c1";
        d.period = r::record_period{ schema::PeriodKind::DAY, {}, "2026-11-27" };
        d.entries = { work("Ablage", 240), work("Telefondienst", 240) };
        return d;
    }();
};

class ReportGivenDraft : public ::testing::Test
{
  protected:
    r::state given = r::fold({ drafted_event() });
};

class ReportGivenEmptyDraft : public ::testing::Test
{
  protected:
    r::state given = r::fold({ drafted_event(false) });
};

class ReportGivenSubmitted : public ::testing::Test
{
  protected:
    r::state given = r::fold({ drafted_event(), to_supervisor() });
};

class ReportGivenSubmittedToApproverWithoutAccount : public ::testing::Test
{
  protected:
    r::state given = r::fold({ drafted_event(), submitted_event("leitung@muster.de", "") });
};

class ReportGivenRejected : public ::testing::Test
{
  protected:
    r::state given =
      r::fold({ drafted_event(), to_supervisor(), rejected_event("Bitte Zeiten ergänzen") });
};

class ReportGivenApproved : public ::testing::Test
{
  protected:
    r::state given = r::fold({ drafted_event(), to_supervisor(), approved_event() });
};

} // namespace

// --- drafting ---------------------------------------------------------------------------------

TEST_F(ReportGivenNothing, WhenTraineeDraftsAPastWeekThenDraftedWithPeriodYearAndContent)
{
    auto d = r::decide(given, week47(), trainee());
    const auto& e = single(d);
    EXPECT_EQ(events::event_name(e.reader()), "report.drafted");
    auto x = e.reader().getReport().getDrafted();
    EXPECT_EQ(str(x.getContractId()), "c1");
    EXPECT_EQ(str(x.getCompanyId()), "co1");
    ASSERT_EQ(x.getPeriod().which(), schema::Period::WEEK);
    EXPECT_EQ(x.getPeriod().getWeek().getYear(), 2026);
    EXPECT_EQ(x.getPeriod().getWeek().getWeek(), 47);
    EXPECT_EQ(x.getTrainingYear(), 1);
    ASSERT_EQ(x.getEntries().size(), 3u);
    EXPECT_EQ(x.getEntries()[0].getKind(), schema::EntryKind::COMPANY);
    EXPECT_EQ(str(x.getEntries()[0].getText()), "Eingangsrechnungen geprüft");
    EXPECT_EQ(x.getEntries()[0].getMinutes(), 480u);
    EXPECT_EQ(str(x.getEntries()[0].getDay()), "2026-11-16");
    ASSERT_EQ(x.getEntries()[0].getFrameworkItems().size(), 1u);
    EXPECT_EQ(str(x.getEntries()[0].getFrameworkItems()[0]), "4.2a");
    EXPECT_EQ(x.getEntries()[1].getKind(), schema::EntryKind::SCHOOL);
    ASSERT_EQ(x.getAbsences().size(), 1u);
    EXPECT_EQ(str(x.getAbsences()[0].getDate()), "2026-11-20");
    EXPECT_EQ(x.getAbsences()[0].getKind(), schema::AbsenceKind::SICKNESS);
    EXPECT_EQ(str(x.getAbsences()[0].getNote()), "AU liegt vor");
}

TEST_F(ReportGivenNothing, WhenDraftedThenStateIsADraftCoveringMondayToSunday)
{
    auto d = r::decide(given, week47(), trainee());
    auto s = r::evolve(given, single(d).reader());
    EXPECT_TRUE(s.exists);
    EXPECT_EQ(r::status(s), r::record_status::draft);
    EXPECT_EQ(s.first_day, 2026y / November / 16);
    EXPECT_EQ(s.last_day, 2026y / November / 22);
    EXPECT_EQ(s.entries.size(), 3u);
    EXPECT_FALSE(r::is_locked_for_trainee(s));
}

TEST_F(ReportGivenNothing, WhenTheCurrentWeekIsDraftedThenDrafted)
{
    auto cmd = week47();
    cmd.period.week = iso_week{ 2026, 48 };
    cmd.entries = { work("Post bearbeitet", 120, "2026-11-23") };
    cmd.absences.clear();
    expect_event(r::decide(given, cmd, trainee()), "report.drafted");
}

TEST_F(ReportGivenNothing, WhenTheWeekOfTheContractStartIsDraftedThenDrafted)
{
    auto cmd = week47();
    cmd.period.week = iso_week{ 2026, 31 }; // Monday 27 July, the contract starts on Saturday
    cmd.entries = { work("Einführungstag", 240, "2026-08-01") };
    cmd.absences.clear();
    expect_event(r::decide(given, cmd, trainee()), "report.drafted");
}

TEST_F(ReportGivenNothing, WhenTheTextHasSurroundingSpacesThenItIsTrimmed)
{
    auto cmd = week47();
    cmd.entries = { work("  Ablage  ", 60, " 2026-11-16 ") };
    auto d = r::decide(given, cmd, trainee());
    auto x = single(d).reader().getReport().getDrafted().getEntries()[0];
    EXPECT_EQ(str(x.getText()), "Ablage");
    EXPECT_EQ(str(x.getDay()), "2026-11-16");
}

TEST_F(ReportGivenNothing, WhenTheContractStartedLastYearThenSecondTrainingYear)
{
    auto ctx = trainee();
    ctx.contract.start = on("2025-08-01");
    auto d = r::decide(given, week47(), ctx);
    EXPECT_EQ(single(d).reader().getReport().getDrafted().getTrainingYear(), 2);
}

TEST_F(ReportGivenNothing, WhenTheTrainingYearIsGivenThenItIsKept)
{
    auto cmd = week47();
    cmd.training_year = 2;
    auto d = r::decide(given, cmd, trainee());
    EXPECT_EQ(single(d).reader().getReport().getDrafted().getTrainingYear(), 2);
}

TEST_F(ReportGivenNothing, WhenTheTrainingYearIsFiveThenValidationTrainingYear)
{
    auto cmd = week47();
    cmd.training_year = 5;
    expect_error(
      r::decide(given, cmd, trainee()), "validation.training_year", error_class::invalid);
}

TEST(ReportTrainingYear, ThenOneMoreEveryTwelveMonthsFromTheStartAtMostFour)
{
    auto start = on("2026-08-01");
    EXPECT_EQ(r::training_year_of(start, on("2026-07-27")), 1u);
    EXPECT_EQ(r::training_year_of(start, on("2027-07-31")), 1u);
    EXPECT_EQ(r::training_year_of(start, on("2027-08-01")), 2u);
    EXPECT_EQ(r::training_year_of(start, on("2028-08-01")), 3u);
    EXPECT_EQ(r::training_year_of(start, on("2029-07-30")), 3u);
    EXPECT_EQ(r::training_year_of(start, on("2029-08-01")), 4u);
    EXPECT_EQ(r::training_year_of(start, on("2035-01-01")), 4u);
}

TEST_F(ReportGivenNothing, WhenNoContractIsNamedThenValidationContractId)
{
    auto cmd = week47();
    cmd.contract_id = "";
    expect_error(r::decide(given, cmd, trainee()), "validation.contract_id", error_class::invalid);
}

TEST_F(ReportGivenNothing, WhenTheContractIsUnknownThenContractNotFound)
{
    auto ctx = trainee();
    ctx.contract.known = false;
    expect_error(
      r::decide(given, week47(), ctx), "report.contract_not_found", error_class::not_found);
}

TEST_F(ReportGivenNothing, WhenAnotherContractIsNamedThenContractNotFound)
{
    auto cmd = week47();
    cmd.contract_id = "c2";
    expect_error(
      r::decide(given, cmd, trainee()), "report.contract_not_found", error_class::not_found);
}

TEST_F(ReportGivenNothing, WhenTheTrainerDraftsThenNotTrainee)
{
    expect_error(
      r::decide(given, week47(), trainer()), "report.not_trainee", error_class::forbidden);
}

TEST_F(ReportGivenNothing, WhenTheCompanyKeepsNoElectronicRecordsThenElectronicRecordsDisabled)
{
    auto ctx = trainee();
    ctx.electronic_records = false;
    expect_error(
      r::decide(given, week47(), ctx), "report.electronic_records_disabled", error_class::rejected);
}

TEST_F(ReportGivenNothing, WhenTheContractsRecordFormIsPaperThenPaperRecordForm)
{
    auto ctx = trainee();
    ctx.contract.record_form = schema::RecordForm::PAPER;
    expect_error(
      r::decide(given, week47(), ctx), "report.paper_record_form", error_class::rejected);
}

TEST_F(ReportGivenNothing, WhenTheContractHasEndedThenContractInactive)
{
    auto ctx = trainee();
    ctx.contract.ended = true;
    expect_error(
      r::decide(given, week47(), ctx), "report.contract_inactive", error_class::rejected);
}

TEST_F(ReportGivenNothing, WhenTheContractsEndDateHasPassedThenContractInactive)
{
    auto ctx = trainee();
    ctx.contract.start = on("2023-08-01");
    ctx.contract.end = on("2026-11-27");
    expect_error(
      r::decide(given, week47(), ctx), "report.contract_inactive", error_class::rejected);
}

TEST_F(ReportGivenNothing, WhenTheContractHasNotStartedThenContractInactive)
{
    auto ctx = trainee();
    ctx.contract.start = on("2026-12-01");
    expect_error(
      r::decide(given, week47(), ctx), "report.contract_inactive", error_class::rejected);
}

TEST_F(ReportGivenNothing, WhenADayIsDraftedForAWeeklyContractThenPeriodKindMismatch)
{
    auto cmd = week47();
    cmd.period = r::record_period{ schema::PeriodKind::DAY, {}, "2026-11-16" };
    expect_error(
      r::decide(given, cmd, trainee()), "report.period_kind_mismatch", error_class::invalid);
}

TEST_F(ReportGivenNothing, WhenTheWeekDoesNotExistThenValidationPeriod)
{
    auto cmd = week47();
    cmd.period.week = iso_week{ 2025, 53 }; // 2025 has 52 ISO weeks
    expect_error(r::decide(given, cmd, trainee()), "validation.period", error_class::invalid);
}

TEST_F(ReportGivenNothing, WhenTheWeekEndsBeforeTheContractStartsThenPeriodOutsideContract)
{
    auto cmd = week47();
    cmd.period.week = iso_week{ 2026, 30 }; // 20-26 July
    cmd.entries = { work("Vorpraktikum", 60) };
    cmd.absences.clear();
    expect_error(
      r::decide(given, cmd, trainee()), "report.period_outside_contract", error_class::rejected);
}

TEST_F(ReportGivenNothing, WhenTheWeekStartsAfterTheContractEndsThenPeriodOutsideContract)
{
    auto ctx = trainee();
    ctx.contract.start = on("2024-08-01");
    ctx.contract.end = on("2026-11-30");
    ctx.now = *parse_rfc3339("2026-11-30T08:00:00Z"); // Monday of W49, the last contract day
    auto cmd = week47();
    cmd.period.week = iso_week{ 2026, 50 };
    cmd.entries = { work("Ablage", 60) };
    cmd.absences.clear();
    expect_error(
      r::decide(given, cmd, ctx), "report.period_outside_contract", error_class::rejected);
}

TEST_F(ReportGivenNothing, WhenNextWeekIsDraftedThenPeriodInFuture)
{
    auto cmd = week47();
    cmd.period.week = iso_week{ 2026, 49 }; // Monday 30 November
    cmd.entries = { work("Ablage", 60) };
    cmd.absences.clear();
    expect_error(
      r::decide(given, cmd, trainee()), "report.period_in_future", error_class::rejected);
}

TEST_F(ReportGivenNothing, WhenTheContractHasARecordForTheWeekThenPeriodTaken)
{
    auto ctx = trainee();
    ctx.period_taken = true;
    expect_error(r::decide(given, week47(), ctx), "report.period_taken", error_class::rejected);
}

// --- content rules ----------------------------------------------------------------------------

TEST_F(ReportGivenNothing, WhenAnEntryHasAnUnknownKindThenValidationEntryKind)
{
    auto cmd = week47();
    cmd.entries[0].kind = static_cast<schema::EntryKind>(9);
    expect_error(r::decide(given, cmd, trainee()), "validation.entry_kind", error_class::invalid);
}

TEST_F(ReportGivenNothing, WhenAnEntryHasNoTextThenValidationEntryText)
{
    auto cmd = week47();
    cmd.entries[0].text = "   ";
    expect_error(r::decide(given, cmd, trainee()), "validation.entry_text", error_class::invalid);
}

TEST_F(ReportGivenNothing, WhenAnEntryHas2000CharactersThenDrafted)
{
    auto cmd = week47();
    std::string text;
    for (int i = 0; i < 2000; ++i) {
        text += "ä"; // two bytes, one character
    }
    cmd.entries[0].text = text;
    expect_event(r::decide(given, cmd, trainee()), "report.drafted");
}

TEST_F(ReportGivenNothing, WhenAnEntryHas2001CharactersThenValidationEntryText)
{
    auto cmd = week47();
    cmd.entries[0].text = std::string(2001, 'a');
    expect_error(r::decide(given, cmd, trainee()), "validation.entry_text", error_class::invalid);
}

TEST_F(ReportGivenNothing, WhenAnEntryTakesMoreThan24HoursThenValidationEntryMinutes)
{
    auto cmd = week47();
    cmd.entries[0].minutes = 24 * 60 + 1;
    expect_error(
      r::decide(given, cmd, trainee()), "validation.entry_minutes", error_class::invalid);
}

TEST_F(ReportGivenNothing, WhenAnEntryNamesADayOutsideTheWeekThenValidationEntryDay)
{
    auto cmd = week47();
    cmd.entries[0].day = "2026-11-23";
    expect_error(r::decide(given, cmd, trainee()), "validation.entry_day", error_class::invalid);
}

TEST_F(ReportGivenNothing, WhenAnEntrysDayIsNoDateThenValidationEntryDay)
{
    auto cmd = week47();
    cmd.entries[0].day = "Montag";
    expect_error(r::decide(given, cmd, trainee()), "validation.entry_day", error_class::invalid);
}

TEST_F(ReportGivenNothing, WhenAnEntryHasAnEmptyFrameworkItemThenValidationFrameworkItems)
{
    auto cmd = week47();
    cmd.entries[0].framework_items = { "4.2a", "" };
    expect_error(
      r::decide(given, cmd, trainee()), "validation.framework_items", error_class::invalid);
}

TEST_F(ReportGivenNothing, WhenAnEntryHasTooManyFrameworkItemsThenValidationFrameworkItems)
{
    auto cmd = week47();
    cmd.entries[0].framework_items = std::vector<std::string>(21, "1.1");
    expect_error(
      r::decide(given, cmd, trainee()), "validation.framework_items", error_class::invalid);
}

TEST_F(ReportGivenNothing, WhenOneDayHoldsMoreThan24HoursThenHoursPerDay)
{
    auto cmd = week47();
    cmd.entries = { work("Inventur", 800, "2026-11-18"), work("Inventur", 641, "2026-11-18") };
    expect_error(r::decide(given, cmd, trainee()), "report.hours_per_day", error_class::invalid);
}

TEST_F(ReportGivenNothing, WhenOneDayHoldsExactly24HoursThenDrafted)
{
    auto cmd = week47();
    cmd.entries = { work("Inventur", 800, "2026-11-18"), work("Inventur", 640, "2026-11-18") };
    expect_event(r::decide(given, cmd, trainee()), "report.drafted");
}

TEST_F(ReportGivenNothing, WhenAPartialAbsenceAndWorkExceed24HoursThenHoursPerDay)
{
    auto cmd = week47();
    cmd.entries = { work("Inventur", 1200, "2026-11-20") };
    cmd.absences = { r::absence{ "2026-11-20", schema::AbsenceKind::OTHER, 300, "Arzt" } };
    expect_error(r::decide(given, cmd, trainee()), "report.hours_per_day", error_class::invalid);
}

TEST_F(ReportGivenNothing, WhenTheWeekHolds60HoursThenDrafted)
{
    auto cmd = week47();
    cmd.entries = {
        work("a", 720), work("b", 720), work("c", 720), work("d", 720), work("e", 720)
    };
    expect_event(r::decide(given, cmd, trainee()), "report.drafted");
}

TEST_F(ReportGivenNothing, WhenTheWeekHoldsMoreThan60HoursThenHoursImplausible)
{
    auto cmd = week47();
    cmd.entries = {
        work("a", 720), work("b", 720), work("c", 720), work("d", 720), work("e", 721)
    };
    expect_error(
      r::decide(given, cmd, trainee()), "report.hours_implausible", error_class::invalid);
}

TEST_F(ReportGivenNothing, WhenThereAre100EntriesThenDrafted)
{
    auto cmd = week47();
    cmd.entries = std::vector<r::entry>(100, work("kurz", 1));
    expect_event(r::decide(given, cmd, trainee()), "report.drafted");
}

TEST_F(ReportGivenNothing, WhenThereAre101EntriesThenTooManyEntries)
{
    auto cmd = week47();
    cmd.entries = std::vector<r::entry>(101, work("kurz", 1));
    expect_error(r::decide(given, cmd, trainee()), "report.too_many_entries", error_class::invalid);
}

TEST_F(ReportGivenNothing, WhenAnAbsenceLiesOutsideTheWeekThenValidationAbsenceDate)
{
    auto cmd = week47();
    cmd.absences[0].date = "2026-11-23";
    expect_error(r::decide(given, cmd, trainee()), "validation.absence_date", error_class::invalid);
}

TEST_F(ReportGivenNothing, WhenAnAbsenceHasAnUnknownKindThenValidationAbsenceKind)
{
    auto cmd = week47();
    cmd.absences[0].kind = static_cast<schema::AbsenceKind>(11);
    expect_error(r::decide(given, cmd, trainee()), "validation.absence_kind", error_class::invalid);
}

TEST_F(ReportGivenNothing, WhenAnAbsenceTakesMoreThan24HoursThenValidationAbsenceMinutes)
{
    auto cmd = week47();
    cmd.absences[0].minutes = 1441;
    expect_error(
      r::decide(given, cmd, trainee()), "validation.absence_minutes", error_class::invalid);
}

TEST_F(ReportGivenNothing, WhenAnAbsenceNoteIsTooLongThenValidationAbsenceNote)
{
    auto cmd = week47();
    cmd.absences[0].note = std::string(8001, 'n');
    expect_error(r::decide(given, cmd, trainee()), "validation.absence_note", error_class::invalid);
}

TEST_F(ReportGivenNothing, WhenTwoAbsencesFallOnOneDateThenDuplicateAbsence)
{
    auto cmd = week47();
    cmd.absences.push_back(r::absence{ "2026-11-20", schema::AbsenceKind::VACATION, 0, "" });
    expect_error(
      r::decide(given, cmd, trainee()), "report.duplicate_absence", error_class::invalid);
}

TEST_F(ReportGivenNothing, WhenEachKindOfAbsenceIsRecordedOnItsOwnDayThenDrafted)
{
    auto cmd = week47();
    cmd.absences = { r::absence{ "2026-11-16", schema::AbsenceKind::VACATION, 0, "" },
                     r::absence{ "2026-11-17", schema::AbsenceKind::SICKNESS, 0, "" },
                     r::absence{ "2026-11-18", schema::AbsenceKind::SCHOOL, 0, "" },
                     r::absence{ "2026-11-19", schema::AbsenceKind::OTHER, 120, "Behörde" } };
    auto d = r::decide(given, cmd, trainee());
    EXPECT_EQ(single(d).reader().getReport().getDrafted().getAbsences().size(), 4u);
}

// --- daily records ----------------------------------------------------------------------------

TEST_F(ReportDailyGivenNothing, WhenYesterdayIsDraftedThenDraftedForTheDay)
{
    auto d = r::decide(given, cmd, ctx);
    auto x = single(d).reader().getReport().getDrafted();
    ASSERT_EQ(x.getPeriod().which(), schema::Period::DAY);
    EXPECT_EQ(str(x.getPeriod().getDay()), "2026-11-27");
    auto s = r::evolve(given, single(d).reader());
    EXPECT_EQ(s.first_day, 2026y / November / 27);
    EXPECT_EQ(s.last_day, 2026y / November / 27);
    EXPECT_EQ(s.period.kind, schema::PeriodKind::DAY);
}

TEST_F(ReportDailyGivenNothing, WhenTheEntriesOfTheDayExceed24HoursThenHoursPerDay)
{
    cmd.entries = { work("Ablage", 800), work("Telefondienst", 641) };
    expect_error(r::decide(given, cmd, ctx), "report.hours_per_day", error_class::invalid);
}

TEST_F(ReportDailyGivenNothing, WhenTomorrowIsDraftedThenPeriodInFuture)
{
    cmd.period.day = "2026-11-29";
    expect_error(r::decide(given, cmd, ctx), "report.period_in_future", error_class::rejected);
}

TEST_F(ReportDailyGivenNothing, WhenTodayIsDraftedThenDrafted)
{
    cmd.period.day = "2026-11-28";
    expect_event(r::decide(given, cmd, ctx), "report.drafted");
}

TEST_F(ReportDailyGivenNothing, WhenADayBeforeTheContractIsDraftedThenPeriodOutsideContract)
{
    cmd.period.day = "2026-07-31";
    expect_error(
      r::decide(given, cmd, ctx), "report.period_outside_contract", error_class::rejected);
}

TEST_F(ReportDailyGivenNothing, WhenTheDayIsNoDateThenValidationPeriod)
{
    cmd.period.day = "gestern";
    expect_error(r::decide(given, cmd, ctx), "validation.period", error_class::invalid);
}

TEST_F(ReportDailyGivenNothing, WhenAWeekIsDraftedThenPeriodKindMismatch)
{
    expect_error(
      r::decide(given, week47(), ctx), "report.period_kind_mismatch", error_class::invalid);
}

// --- a record that does not exist -----------------------------------------------------------

TEST_F(ReportGivenNothing, WhenEditedThenNotFound)
{
    expect_error(
      r::decide(given, r::edit{}, trainee()), "report.not_found", error_class::not_found);
}

TEST_F(ReportGivenNothing, WhenSubmittedThenNotFound)
{
    expect_error(r::decide(given, r::submit{ "leitung@muster.de" }, trainee()),
                 "report.not_found",
                 error_class::not_found);
}

TEST_F(ReportGivenNothing, WhenApprovedThenNotFound)
{
    expect_error(
      r::decide(given, r::approve{}, trainer()), "report.not_found", error_class::not_found);
}

TEST_F(ReportGivenNothing, WhenRejectedThenNotFound)
{
    expect_error(
      r::decide(given, r::reject{ "x" }, trainer()), "report.not_found", error_class::not_found);
}

// --- draft ------------------------------------------------------------------------------------

TEST_F(ReportGivenDraft, WhenDraftedAgainThenAlreadyExists)
{
    expect_error(
      r::decide(given, week47(), trainee()), "report.already_exists", error_class::rejected);
}

TEST_F(ReportGivenDraft, WhenTheTraineeEditsThenEditedWithTheNewContent)
{
    r::edit cmd{ { work("Angebote verglichen", 300, "2026-11-19") }, {} };
    auto d = r::decide(given, cmd, trainee());
    const auto& e = single(d);
    EXPECT_EQ(events::event_name(e.reader()), "report.edited");
    auto x = e.reader().getReport().getEdited();
    ASSERT_EQ(x.getEntries().size(), 1u);
    EXPECT_EQ(str(x.getEntries()[0].getText()), "Angebote verglichen");
    EXPECT_EQ(x.getAbsences().size(), 0u);
    auto s = r::evolve(given, e.reader());
    ASSERT_EQ(s.entries.size(), 1u);
    EXPECT_EQ(s.entries[0].minutes, 300u);
}

TEST_F(ReportGivenDraft, WhenTheSameContentIsEditedAgainThenNoEvents)
{
    r::edit cmd{ { work(" Eingangsrechnungen geprüft ", 480, "2026-11-16") }, {} };
    expect_no_events(r::decide(given, cmd, trainee()));
}

TEST_F(ReportGivenDraft, WhenAnEditBreaksARuleThenTheRulesError)
{
    r::edit cmd{ { work("Inventur", 60, "2026-11-30") }, {} };
    expect_error(r::decide(given, cmd, trainee()), "validation.entry_day", error_class::invalid);
}

TEST_F(ReportGivenDraft, WhenTheTrainerEditsThenNotTrainee)
{
    expect_error(
      r::decide(given, r::edit{}, trainer()), "report.not_trainee", error_class::forbidden);
}

TEST_F(ReportGivenDraft, WhenSubmittedThenSubmittedToTheNormalisedEmailWithTheApproversAccount)
{
    auto ctx = trainee();
    ctx.approver_account_id = "acc-sup";
    auto d = r::decide(given, r::submit{ " Leitung@Muster.DE " }, ctx);
    const auto& e = single(d);
    EXPECT_EQ(events::event_name(e.reader()), "report.submitted");
    auto x = e.reader().getReport().getSubmitted();
    EXPECT_EQ(str(x.getApproverEmail()), "leitung@muster.de");
    EXPECT_EQ(str(x.getApproverAccountId()), "acc-sup");
    auto s = r::evolve(given, e.reader());
    EXPECT_EQ(r::status(s), r::record_status::submitted);
    EXPECT_TRUE(r::is_locked_for_trainee(s));
}

TEST_F(ReportGivenDraft, WhenSubmittedToAnApproverWithoutAccountThenTheAccountIsEmpty)
{
    auto d = r::decide(given, r::submit{ "neu@muster.de" }, trainee());
    EXPECT_EQ(str(single(d).reader().getReport().getSubmitted().getApproverAccountId()), "");
}

TEST_F(ReportGivenDraft, WhenSubmittedToAnInvalidEmailThenValidationApproverEmail)
{
    expect_error(r::decide(given, r::submit{ "leitung" }, trainee()),
                 "validation.approver_email",
                 error_class::invalid);
}

TEST_F(ReportGivenDraft, WhenTheTraineeNamesThemselfThenSelfApproval)
{
    expect_error(r::decide(given, r::submit{ "MIA.muster@example.de" }, trainee()),
                 "report.self_approval",
                 error_class::rejected);
}

TEST_F(ReportGivenDraft, WhenTheTrainerSubmitsThenNotTrainee)
{
    expect_error(r::decide(given, r::submit{ "leitung@muster.de" }, trainer()),
                 "report.not_trainee",
                 error_class::forbidden);
}

TEST_F(ReportGivenDraft, WhenTheTrainerApprovesThenNotSubmitted)
{
    expect_error(
      r::decide(given, r::approve{}, trainer()), "report.not_submitted", error_class::rejected);
}

TEST_F(ReportGivenDraft, WhenTheTrainerRejectsThenNotSubmitted)
{
    expect_error(r::decide(given, r::reject{ "zu kurz" }, trainer()),
                 "report.not_submitted",
                 error_class::rejected);
}

TEST_F(ReportGivenDraft, ThenItIsADraftOpenToTheTrainee)
{
    EXPECT_EQ(r::status(given), r::record_status::draft);
    EXPECT_EQ(r::to_string(r::status(given)), "draft");
    EXPECT_FALSE(r::is_locked_for_trainee(given));
}

TEST_F(ReportGivenEmptyDraft, WhenSubmittedThenEmpty)
{
    expect_error(r::decide(given, r::submit{ "leitung@muster.de" }, trainee()),
                 "report.empty",
                 error_class::rejected);
}

TEST_F(ReportGivenEmptyDraft, WhenOnlyAnAbsenceIsRecordedThenItCanBeSubmitted)
{
    r::edit cmd{ {}, { r::absence{ "2026-11-16", schema::AbsenceKind::VACATION, 0, "" } } };
    auto s = r::evolve(given, single(r::decide(given, cmd, trainee())).reader());
    expect_event(r::decide(s, r::submit{ "leitung@muster.de" }, trainee()), "report.submitted");
}

// --- submitted --------------------------------------------------------------------------------

TEST_F(ReportGivenSubmitted, WhenTheTraineeEditsThenNotEditable)
{
    expect_error(r::decide(given, r::edit{ { work("noch was", 60) }, {} }, trainee()),
                 "report.not_editable",
                 error_class::rejected);
}

TEST_F(ReportGivenSubmitted, WhenSubmittedAgainToTheSameApproverThenNoEvents)
{
    expect_no_events(r::decide(given, r::submit{ "LEITUNG@muster.de" }, trainee()));
}

TEST_F(ReportGivenSubmitted, WhenSubmittedToAnotherApproverThenNotEditable)
{
    expect_error(r::decide(given, r::submit{ "ausbilder@muster.de" }, trainee()),
                 "report.not_editable",
                 error_class::rejected);
}

TEST_F(ReportGivenSubmitted, WhenTheNamedApproverApprovesThenApprovedWithComment)
{
    auto d = r::decide(given, r::approve{ " Sauber geführt " }, supervisor());
    const auto& e = single(d);
    EXPECT_EQ(events::event_name(e.reader()), "report.approved");
    auto x = e.reader().getReport().getApproved();
    EXPECT_EQ(str(x.getComment()), "Sauber geführt");
    EXPECT_FALSE(x.getBulk());
    auto s = r::evolve(given, e.reader());
    EXPECT_EQ(r::status(s), r::record_status::approved);
    EXPECT_EQ(s.comment, "Sauber geführt");
}

TEST_F(ReportGivenDraft, EveryLaterEventNamesTheRecordsContract)
{
    // The log seals a record's texts under its contract's trainee
    // (events/personal_data.hpp): each event must name the contract.
    auto edit = r::decide(given, r::edit{ { work("Neu", 60) }, {} }, trainee());
    EXPECT_EQ(str(single(edit).reader().getReport().getEdited().getContractId()), "c1");
    auto submit = r::decide(given, r::submit{ "leitung@muster.de" }, trainee());
    const auto& submitted = single(submit);
    EXPECT_EQ(str(submitted.reader().getReport().getSubmitted().getContractId()), "c1");
    auto sent = r::evolve(given, submitted.reader());
    auto approve = r::decide(sent, r::approve{ "Gut" }, supervisor());
    EXPECT_EQ(str(single(approve).reader().getReport().getApproved().getContractId()), "c1");
    auto reject = r::decide(sent, r::reject{ "Zeiten fehlen" }, supervisor());
    EXPECT_EQ(str(single(reject).reader().getReport().getRejected().getContractId()), "c1");
}

TEST_F(ReportGivenSubmitted, WhenApprovedWithoutCommentThenApproved)
{
    auto d = r::decide(given, r::approve{}, supervisor());
    EXPECT_EQ(str(single(d).reader().getReport().getApproved().getComment()), "");
}

TEST_F(ReportGivenSubmitted, WhenTheContractsTrainerApprovesThenApproved)
{
    expect_event(r::decide(given, r::approve{}, trainer()), "report.approved");
}

TEST_F(ReportGivenSubmitted, WhenAFormerTrainerApprovesThenNotApprover)
{
    auto ctx = trainer();
    ctx.contract.trainer_account_ids = { "acc-new-trainer" };
    expect_error(
      r::decide(given, r::approve{}, ctx), "report.not_approver", error_class::forbidden);
}

TEST_F(ReportGivenSubmitted, WhenSomeoneElseApprovesThenNotApprover)
{
    expect_error(
      r::decide(given, r::approve{}, stranger()), "report.not_approver", error_class::forbidden);
}

TEST_F(ReportGivenSubmitted, WhenTheTraineeApprovesThenNotApprover)
{
    expect_error(
      r::decide(given, r::approve{}, trainee()), "report.not_approver", error_class::forbidden);
}

TEST_F(ReportGivenSubmitted, WhenSomeoneElseRejectsThenNotApprover)
{
    expect_error(r::decide(given, r::reject{ "nein" }, stranger()),
                 "report.not_approver",
                 error_class::forbidden);
}

TEST_F(ReportGivenSubmitted, WhenTheCommentIsTooLongThenValidationComment)
{
    expect_error(r::decide(given, r::approve{ std::string(k_max_text + 1, 'x') }, supervisor()),
                 "validation.comment",
                 error_class::invalid);
}

TEST_F(ReportGivenSubmitted, WhenRejectedWithoutRemarksThenRemarksRequired)
{
    expect_error(r::decide(given, r::reject{ "  " }, supervisor()),
                 "report.remarks_required",
                 error_class::rejected);
}

TEST_F(ReportGivenSubmitted, WhenRejectedWithTooLongRemarksThenValidationRemarks)
{
    expect_error(r::decide(given, r::reject{ std::string(k_max_text + 1, 'x') }, supervisor()),
                 "validation.remarks",
                 error_class::invalid);
}

TEST_F(ReportGivenSubmitted, WhenRejectedWithRemarksThenRejectedNotReopened)
{
    auto d = r::decide(given, r::reject{ "Bitte Zeiten ergänzen" }, supervisor());
    const auto& e = single(d);
    EXPECT_EQ(events::event_name(e.reader()), "report.rejected");
    auto x = e.reader().getReport().getRejected();
    EXPECT_EQ(str(x.getRemarks()), "Bitte Zeiten ergänzen");
    EXPECT_FALSE(x.getReopened());
    auto s = r::evolve(given, e.reader());
    EXPECT_EQ(r::status(s), r::record_status::rejected);
    EXPECT_FALSE(r::is_locked_for_trainee(s));
}

TEST_F(ReportGivenSubmitted, ThenItIsSubmittedAndLockedForTheTrainee)
{
    EXPECT_EQ(r::to_string(r::status(given)), "submitted");
    EXPECT_TRUE(r::is_locked_for_trainee(given));
    EXPECT_EQ(given.approver_email, "leitung@muster.de");
    EXPECT_EQ(given.approver_account_id, "acc-sup");
}

TEST_F(ReportGivenSubmittedToApproverWithoutAccount, WhenTheApproversEmailActsThenApproved)
{
    auto ctx = context_of("acc-pin-7", role::supervisor, "Leitung@Muster.de");
    expect_event(r::decide(given, r::approve{}, ctx), "report.approved");
}

TEST_F(ReportGivenSubmittedToApproverWithoutAccount, WhenAnAccountWithoutEmailActsThenNotApprover)
{
    auto ctx = context_of("acc-pin-7", role::supervisor, "");
    expect_error(
      r::decide(given, r::approve{}, ctx), "report.not_approver", error_class::forbidden);
}

// --- rejected ---------------------------------------------------------------------------------

TEST_F(ReportGivenRejected, WhenTheTraineeEditsThenEdited)
{
    r::edit cmd{ { work("Eingangsrechnungen geprüft", 480, "2026-11-16"), work("Ablage", 60) },
                 {} };
    expect_event(r::decide(given, cmd, trainee()), "report.edited");
}

TEST_F(ReportGivenRejected, WhenTheTraineeSubmitsAgainThenSubmitted)
{
    auto d = r::decide(given, r::submit{ "ausbilder@muster.de" }, trainee());
    auto s = r::evolve(given, single(d).reader());
    EXPECT_EQ(r::status(s), r::record_status::submitted);
    EXPECT_EQ(s.approver_email, "ausbilder@muster.de");
}

TEST_F(ReportGivenRejected, WhenRejectedAgainWithTheSameRemarksThenNoEvents)
{
    expect_no_events(r::decide(given, r::reject{ "Bitte Zeiten ergänzen" }, supervisor()));
}

TEST_F(ReportGivenRejected, WhenRejectedAgainWithOtherRemarksThenNotSubmitted)
{
    expect_error(r::decide(given, r::reject{ "Noch etwas" }, supervisor()),
                 "report.not_submitted",
                 error_class::rejected);
}

TEST_F(ReportGivenRejected, WhenApprovedThenNotSubmitted)
{
    expect_error(
      r::decide(given, r::approve{}, supervisor()), "report.not_submitted", error_class::rejected);
}

TEST_F(ReportGivenRejected, ThenItIsRejectedAndOpenToTheTrainee)
{
    EXPECT_EQ(r::to_string(r::status(given)), "rejected");
    EXPECT_FALSE(r::is_locked_for_trainee(given));
    EXPECT_EQ(given.remarks, "Bitte Zeiten ergänzen");
}

// --- approved ---------------------------------------------------------------------------------

TEST_F(ReportGivenApproved, WhenApprovedAgainThenNoEvents)
{
    expect_no_events(r::decide(given, r::approve{ "Gut" }, supervisor()));
}

TEST_F(ReportGivenApproved, WhenSomeoneElseApprovesThenNotApprover)
{
    expect_error(
      r::decide(given, r::approve{}, stranger()), "report.not_approver", error_class::forbidden);
}

TEST_F(ReportGivenApproved, WhenTheTraineeEditsThenAlreadyApproved)
{
    expect_error(r::decide(given, r::edit{ { work("nachträglich", 60) }, {} }, trainee()),
                 "report.already_approved",
                 error_class::rejected);
}

TEST_F(ReportGivenApproved, WhenTheTraineeSubmitsThenAlreadyApproved)
{
    expect_error(r::decide(given, r::submit{ "leitung@muster.de" }, trainee()),
                 "report.already_approved",
                 error_class::rejected);
}

TEST_F(ReportGivenApproved, WhenTheTraineeRejectsThenNotApprover)
{
    expect_error(r::decide(given, r::reject{ "selbst" }, trainee()),
                 "report.not_approver",
                 error_class::forbidden);
}

TEST_F(ReportGivenApproved, WhenTheTrainerReopensItThenRejectedAndReopened)
{
    auto d = r::decide(given, r::reject{ "Berufsschule fehlt" }, trainer());
    const auto& e = single(d);
    EXPECT_EQ(events::event_name(e.reader()), "report.rejected");
    EXPECT_TRUE(e.reader().getReport().getRejected().getReopened());
    auto s = r::evolve(given, e.reader());
    EXPECT_EQ(r::status(s), r::record_status::rejected);
    EXPECT_TRUE(s.reopened);
    expect_event(r::decide(s, r::edit{ { work("Berufsschule: Buchführung", 360) }, {} }, trainee()),
                 "report.edited");
}

TEST_F(ReportGivenApproved, WhenTheApproverReopensWithoutRemarksThenRemarksRequired)
{
    expect_error(r::decide(given, r::reject{ "" }, supervisor()),
                 "report.remarks_required",
                 error_class::rejected);
}

TEST_F(ReportGivenApproved, ThenItIsApprovedAndLockedForTheTrainee)
{
    EXPECT_EQ(r::to_string(r::status(given)), "approved");
    EXPECT_TRUE(r::is_locked_for_trainee(given));
}

// --- bulk approval ----------------------------------------------------------------------------

TEST(ReportBulkApproval, WhenATrainerApprovesSeveralRecordsThenEachIsDecidedOnItsOwn)
{
    std::vector<r::bulk_item> items{
        { "r1", r::fold({ drafted_event(), to_supervisor() }), trainer() },
        { "r2", r::fold({ drafted_event() }), trainer() },
        { "r3", r::fold({ drafted_event(), to_supervisor(), approved_event() }), trainer() },
        { "r4",
          r::fold({ drafted_event(), to_supervisor() }),
          [] {
              auto ctx = trainer();
              ctx.contract.trainer_account_ids = { "acc-other" };
              return ctx;
          }() },
        { "r5", r::fold({ drafted_event(), to_supervisor() }), trainer() },
    };
    auto results = r::decide_bulk_approval(items, r::approve{ "Passt", false });
    ASSERT_EQ(results.size(), 5u);
    EXPECT_EQ(results[0].report_id, "r1");
    const auto& first = single(results[0].outcome);
    EXPECT_EQ(events::event_name(first.reader()), "report.approved");
    EXPECT_TRUE(first.reader().getReport().getApproved().getBulk());
    EXPECT_EQ(str(first.reader().getReport().getApproved().getComment()), "Passt");
    EXPECT_EQ(results[1].report_id, "r2");
    expect_error(results[1].outcome, "report.not_submitted", error_class::rejected);
    EXPECT_EQ(results[2].report_id, "r3");
    expect_no_events(results[2].outcome);
    EXPECT_EQ(results[3].report_id, "r4");
    expect_error(results[3].outcome, "report.not_approver", error_class::forbidden);
    EXPECT_EQ(results[4].report_id, "r5");
    EXPECT_TRUE(single(results[4].outcome).reader().getReport().getApproved().getBulk());
}

TEST(ReportBulkApproval, WhenThereIsNothingToApproveThenNoResults)
{
    EXPECT_TRUE(r::decide_bulk_approval({}, r::approve{}).empty());
}

// --- streams and folding ----------------------------------------------------------------------

TEST(ReportStreams, ThenStreamAndPartitionKeyAreNamedAfterRecordAndCompany)
{
    EXPECT_EQ(r::stream_id("77"), "report-77");
    EXPECT_EQ(r::partition_key("co1"), "company-co1");
}

TEST(ReportEvolve, WhenAnotherAggregatesEventThenStateUnchanged)
{
    auto other = make_event([](schema::Event::Builder e) {
        e.initContract().initTraineeAccountLinked().setAccountId("a");
    });
    EXPECT_FALSE(r::fold({ other }).exists);
}

TEST(ReportEvolve, WhenDraftedThenCompanyAndContractAreKnown)
{
    auto s = r::fold({ drafted_event() });
    EXPECT_EQ(s.company_id, "co1");
    EXPECT_EQ(s.contract_id, "c1");
    EXPECT_EQ(s.period.week, (iso_week{ 2026, 47 }));
    EXPECT_EQ(s.training_year, 1u);
}
