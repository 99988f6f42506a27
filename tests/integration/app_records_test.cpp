// The application layer for records, exams, examiners, proposals, seminars
// and reminders (aggregates/app/records.hpp), end to end on the real
// embedded log: the flows of DOMAIN.md through the app functions.

#include "account/account.hpp"
#include "app/records.hpp"
#include "chamber/chamber.hpp"
#include "company/company.hpp"
#include "contract/contract.hpp"
#include "portal/infra/embedded_log.hpp"
#include "reminder/reminder.hpp"
#include "test_support.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>

using namespace portal;
using namespace portal::domain;

namespace {

using std::chrono::days;
using std::chrono::sys_days;

#define ASSERT_OK(expr)                                                                            \
    do {                                                                                           \
        auto&& ok_ = (expr);                                                                       \
        ASSERT_TRUE(ok_.has_value())                                                               \
          << #expr << ": " << ok_.error().code << " " << ok_.error().message;                      \
    } while (false)

date
day(const char* text)
{
    return *parse_date(text);
}

/// 10:00 UTC on `text`.
timestamp
at(const char* text)
{
    return timestamp{ sys_days{ day(text) } } + std::chrono::hours(10);
}

timestamp
at(date d)
{
    return timestamp{ sys_days{ d } } + std::chrono::hours(10);
}

report::record_period
week(int year, unsigned w)
{
    report::record_period p;
    p.kind = schema::PeriodKind::WEEK;
    p.week = iso_week{ year, w };
    return p;
}

std::vector<report::entry>
entries(const std::string& text, std::uint32_t minutes = 8 * 60)
{
    report::entry e;
    e.kind = schema::EntryKind::COMPANY;
    e.text = text;
    e.minutes = minutes;
    return { e };
}

/// Today in the tests: Saturday of ISO week 48 of 2026. The contract starts
/// on Monday of week 45, so weeks 45, 46 and 47 are past periods.
constexpr const char* k_today = "2026-11-28";
constexpr const char* k_occupation = "Kaufmann/-frau für Büromanagement";

struct AppRecordsTest : ::testing::Test
{
    portal::testing::temp_dir dir;
    std::unique_ptr<events::event_log> log =
      *infra::open_embedded_log({ .dir = dir.path(), .sync = false });
    app::services services{ *log, [](std::string_view email) {
                               return "acc-" + normalize_email(email);
                           } };

    std::string trainee_email = "azubi@example.de";
    std::string trainer_email = "ausbilder@firma.de";
    std::string supervisor_email = "leitung@firma.de";
    std::string trainee_id = services.account_id_of(trainee_email);
    std::string trainer_id = services.account_id_of(trainer_email);
    std::string supervisor_id = services.account_id_of(supervisor_email);
    std::string contract_id = "k1";
    int next_command = 0;

    command_meta as(std::string account_id, role r, timestamp now = at(k_today))
    {
        return command_meta{ {}, principal{ std::move(account_id), r, {} }, now };
    }
    command_meta staff(timestamp now = at(k_today)) { return as("staff-1", role::staff, now); }
    command_meta trainee(timestamp now = at(k_today)) { return as(trainee_id, role::trainee, now); }
    command_meta trainer(timestamp now = at(k_today)) { return as(trainer_id, role::trainer, now); }
    command_meta supervisor() { return as(supervisor_id, role::supervisor); }
    command_meta company()
    {
        return command_meta{ {}, principal{ "acc-firma", role::company, "c1" }, at(k_today) };
    }

    /// Runs a command on an aggregate directly, with a fixed context.
    template<class State, class Command, class Ctx>
    result<outcome> given(const target& t, const Command& c, Ctx ctx)
    {
        return execute<State>(
          *log,
          t,
          c,
          [&](const State&, fact_reader&) -> result<Ctx> { return ctx; },
          ctx_meta(ctx));
    }

    template<class Ctx>
    command_meta ctx_meta(const Ctx& ctx)
    {
        return command_meta{ {}, ctx.actor, ctx.now };
    }

    template<class Ctx>
    Ctx context_of(const command_meta& meta)
    {
        Ctx ctx;
        ctx.actor = meta.actor;
        ctx.now = meta.now;
        return ctx;
    }

    result<outcome> create_account(const std::string& email, account::account_role r)
    {
        auto id = services.account_id_of(email);
        account::create c;
        c.account_id = id;
        c.email = email;
        c.name = "Person " + email;
        c.role = std::move(r);
        auto meta = staff();
        if (c.role.kind == role::supervisor) {
            meta = as("system", role::system);
            c.pin_hash = "pin-hash";
        } else {
            c.invitation_token_hash = "token-" + email;
            c.invitation_expires_at = meta.now + days{ 7 };
        }
        return given<account::state>(target{ account::stream_id(id), account::partition_key(id) },
                                     c,
                                     context_of<account::context>(meta));
    }

    result<outcome> company_command(const auto& c, const command_meta& meta)
    {
        return given<company::state>(
          target{ company::stream_id("c1"), company::partition_key("c1") },
          c,
          context_of<company::context>(meta));
    }

    /// Registers a contract of company c1 with trainer t1.
    result<outcome> register_contract(const std::string& id,
                                      schema::RecordForm form,
                                      const std::string& start = "2026-11-02")
    {
        contract::register_contract c;
        c.company_id = "c1";
        c.trainee = { "Mia Muster", "2008-03-14", trainee_email };
        c.trainee_number = "AZ-" + id;
        c.occupation = k_occupation;
        c.start = start;
        c.end = "2029-08-31";
        c.record_form = form;
        c.trainer_ids = { "t1" };
        auto ctx = context_of<contract::context>(staff());
        ctx.company.known = true;
        ctx.company.trainer_ids = { "t1" };
        return given<contract::state>(
          target{ contract::stream_id(id), contract::partition_key("c1") }, c, ctx);
    }

    result<outcome> link_trainee(const std::string& contract, const std::string& account_id)
    {
        return given<contract::state>(
          target{ contract::stream_id(contract), contract::partition_key("c1") },
          contract::link_trainee_account{ account_id },
          context_of<contract::context>(staff()));
    }

    void SetUp() override
    {
        company::register_company reg;
        reg.company_id = "c1";
        reg.name = "Muster GmbH";
        reg.member_number = "M-1";
        reg.email = "info@firma.de";
        reg.address = { "Hauptstr. 1", "50667", "Köln" };
        ASSERT_OK(company_command(reg, staff()));
        ASSERT_OK(company_command(company::change_record_settings{ "*", true, true }, staff()));
        ASSERT_OK(company_command(company::register_trainer{ "t1", "Tim Trainer", trainer_email },
                                  staff()));
        ASSERT_OK(create_account(trainer_email, { role::trainer, "c1", "" }));
        ASSERT_OK(company_command(company::link_trainer_account{ "t1", trainer_id }, staff()));
        ASSERT_OK(register_contract(contract_id, schema::RecordForm::ELECTRONIC));
        ASSERT_OK(create_account(trainee_email, { role::trainee, "c1", contract_id }));
        ASSERT_OK(link_trainee(contract_id, trainee_id));
    }

    // --- record helpers ---------------------------------------------------------

    std::string report_id(unsigned w) { return app::report_id_for(contract_id, week(2026, w)); }

    result<outcome> draft(unsigned w, const std::string& text = "Rechnungen geprüft")
    {
        report::draft d;
        d.contract_id = contract_id;
        d.period = week(2026, w);
        d.entries = entries(text);
        return app::draft_report(services, trainee(), d);
    }

    result<outcome> submit(unsigned w, const std::string& approver)
    {
        return app::submit_report(services, trainee(), report_id(w), { approver });
    }

    report::state record(unsigned w)
    {
        auto r = app::load_report(services, report_id(w));
        EXPECT_TRUE(r.has_value());
        return r ? r->state : report::state{};
    }

    /// Drafts, submits to the trainer and approves week `w`.
    void approved_record(unsigned w)
    {
        ASSERT_OK(draft(w));
        ASSERT_OK(submit(w, trainer_email));
        ASSERT_OK(app::approve_report(services, trainer(), report_id(w), {}));
    }

    // --- exam helpers -----------------------------------------------------------

    result<outcome> schedule_final(const std::string& exam_id,
                                   const std::string& deadline = {},
                                   schema::ExamType type = schema::ExamType::FINAL)
    {
        exam::schedule c;
        c.occupation = k_occupation;
        c.type = type;
        c.date = "2027-05-10";
        c.location = "IHK Köln, Saal 3";
        c.name = "Abschlussprüfung Sommer 2027";
        c.proposal_deadline = deadline;
        return app::schedule_exam(services, staff(), exam_id, c);
    }

    exam::registration registration(const std::string& exam_id, const std::string& reg_id)
    {
        auto e = app::load_exam(services, exam_id);
        EXPECT_TRUE(e.has_value());
        if (e) {
            for (const auto& r : e->state.registrations) {
                if (r.id == reg_id) {
                    return r;
                }
            }
        }
        ADD_FAILURE() << "no registration " << reg_id;
        return {};
    }
};

// --- training records -----------------------------------------------------------------

TEST_F(AppRecordsTest, ReportIdIsDeterministicPerContractAndPeriod)
{
    EXPECT_EQ(app::report_id_for("k1", week(2026, 48)), "k1-2026-W48");
    EXPECT_EQ(app::report_id_for("k1", week(2027, 5)), "k1-2027-W05");
    report::record_period d;
    d.kind = schema::PeriodKind::DAY;
    d.day = " 2026-11-28 ";
    EXPECT_EQ(app::report_id_for("k1", d), "k1-2026-11-28");
}

TEST_F(AppRecordsTest, PastPeriodsAreTheWeeksOverBeforeToday)
{
    auto c = load<contract::state>(*log, contract::stream_id(contract_id));
    ASSERT_TRUE(c.has_value());
    auto weeks = app::past_periods(c->state, day(k_today));
    ASSERT_EQ(weeks.size(), 3U);
    EXPECT_EQ(weeks[0].week, (iso_week{ 2026, 45 }));
    EXPECT_EQ(weeks[2].week, (iso_week{ 2026, 47 }));
    // On Monday of week 49, week 48 is over too.
    EXPECT_EQ(app::past_periods(c->state, day("2026-11-30")).size(), 4U);
    // Before the start: none.
    EXPECT_TRUE(app::past_periods(c->state, day("2026-11-01")).empty());
    // A daily contract counts working days only: Mon 2 to Fri 6 and Mon 9.
    auto daily = c->state;
    daily.period_kind = schema::PeriodKind::DAY;
    auto ds = app::past_periods(daily, day("2026-11-10"));
    ASSERT_EQ(ds.size(), 6U);
    EXPECT_EQ(ds.front().day, "2026-11-02");
    EXPECT_EQ(ds.back().day, "2026-11-09");
}

TEST_F(AppRecordsTest, TraineeDraftsSubmitsToSupervisorWhoRejectsThenTrainerApproves)
{
    ASSERT_OK(draft(47));
    EXPECT_EQ(record(47).status, report::record_status::draft);
    EXPECT_EQ(record(47).contract_id, contract_id);

    // The supervisor has no account yet: the record names the e-mail only.
    ASSERT_OK(submit(47, "Leitung@Firma.de"));
    auto submitted = record(47);
    EXPECT_EQ(submitted.status, report::record_status::submitted);
    EXPECT_EQ(submitted.approver_email, supervisor_email);
    EXPECT_TRUE(submitted.approver_account_id.empty());

    // The supervisor gets a PIN account and decides, identified by e-mail.
    ASSERT_OK(create_account(supervisor_email, { role::supervisor, "", "" }));
    auto no_remarks = app::reject_report(services, supervisor(), report_id(47), { "  " });
    ASSERT_FALSE(no_remarks.has_value());
    EXPECT_EQ(no_remarks.error().code, "report.remarks_required");
    ASSERT_OK(app::reject_report(
      services, supervisor(), report_id(47), { "Bitte die Berufsschulthemen ergänzen." }));
    EXPECT_EQ(record(47).status, report::record_status::rejected);
    EXPECT_EQ(record(47).remarks, "Bitte die Berufsschulthemen ergänzen.");

    // The trainee edits and resubmits; now the approver's account is named.
    report::edit e;
    e.entries = entries("Rechnungen geprüft");
    report::entry school;
    school.kind = schema::EntryKind::SCHOOL;
    school.text = "Buchführung: Abschreibungen";
    school.minutes = 6 * 60;
    e.entries.push_back(school);
    ASSERT_OK(app::edit_report(services, trainee(), report_id(47), e));
    EXPECT_EQ(record(47).entries.size(), 2U);
    ASSERT_OK(submit(47, supervisor_email));
    EXPECT_EQ(record(47).approver_account_id, supervisor_id);

    // Someone else may not decide; the contract's trainer may.
    auto stranger =
      app::approve_report(services, as("acc-fremd", role::trainer), report_id(47), {});
    ASSERT_FALSE(stranger.has_value());
    EXPECT_EQ(stranger.error().code, "report.not_approver");
    ASSERT_OK(app::approve_report(services, trainer(), report_id(47), { "Gut gemacht", false }));
    EXPECT_EQ(record(47).status, report::record_status::approved);
    EXPECT_EQ(record(47).comment, "Gut gemacht");
}

TEST_F(AppRecordsTest, ApprovedRecordIsLockedAndOnlyReopenedByRejecting)
{
    approved_record(46);
    auto edit = app::edit_report(services, trainee(), report_id(46), { entries("Neu"), {} });
    ASSERT_FALSE(edit.has_value());
    EXPECT_EQ(edit.error().code, "report.already_approved");
    auto resubmit = submit(46, trainer_email);
    ASSERT_FALSE(resubmit.has_value());
    EXPECT_EQ(resubmit.error().code, "report.already_approved");

    // The trainee cannot reopen it; the trainer can.
    auto by_trainee = app::reject_report(services, trainee(), report_id(46), { "zurück" });
    ASSERT_FALSE(by_trainee.has_value());
    EXPECT_EQ(by_trainee.error().code, "report.not_approver");
    ASSERT_OK(app::reject_report(services, trainer(), report_id(46), { "Stunden prüfen" }));
    auto reopened = record(46);
    EXPECT_EQ(reopened.status, report::record_status::rejected);
    EXPECT_TRUE(reopened.reopened);
    // Reopened, the trainee may edit again.
    ASSERT_OK(app::edit_report(services, trainee(), report_id(46), { entries("Korrigiert"), {} }));
}

TEST_F(AppRecordsTest, SecondDraftForTheSamePeriodIsRefused)
{
    ASSERT_OK(draft(47));
    auto again = draft(47, "anderer Text");
    ASSERT_FALSE(again.has_value());
    EXPECT_EQ(again.error().code, "report.already_exists");
    EXPECT_EQ(record(47).entries.at(0).text, "Rechnungen geprüft");

    auto future = draft(50);
    ASSERT_FALSE(future.has_value());
    EXPECT_EQ(future.error().code, "report.period_in_future");
    auto before = draft(40);
    ASSERT_FALSE(before.has_value());
    EXPECT_EQ(before.error().code, "report.period_outside_contract");

    report::draft unknown;
    unknown.contract_id = "k-unknown";
    unknown.period = week(2026, 47);
    unknown.entries = entries("x");
    auto r = app::draft_report(services, trainee(), unknown);
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error().code, "report.contract_not_found");
}

TEST_F(AppRecordsTest, DraftIsRefusedWithoutTheCompanysElectronicRecordSetting)
{
    ASSERT_OK(company_command(company::change_record_settings{ "*", false, false }, staff()));
    auto r = draft(47);
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error().code, "report.electronic_records_disabled");
    // Switched on for the contract's occupation only: allowed.
    ASSERT_OK(
      company_command(company::change_record_settings{ k_occupation, true, false }, staff()));
    ASSERT_OK(draft(47));
}

TEST_F(AppRecordsTest, OnlyTheContractsTraineeDrafts)
{
    report::draft d;
    d.contract_id = contract_id;
    d.period = week(2026, 47);
    d.entries = entries("x");
    auto r = app::draft_report(services, trainer(), d);
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error().code, "report.not_trainee");
}

TEST_F(AppRecordsTest, SubmittingToOneselfIsRefused)
{
    ASSERT_OK(draft(47));
    auto r = submit(47, trainee_email);
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error().code, "report.self_approval");
}

TEST_F(AppRecordsTest, BulkApprovalDecidesEachRecordOnItsOwn)
{
    ASSERT_OK(draft(45));
    ASSERT_OK(submit(45, trainer_email));
    ASSERT_OK(draft(46));
    ASSERT_OK(submit(46, trainer_email));
    ASSERT_OK(draft(47)); // not submitted

    auto meta = trainer();
    meta.command_id = "bulk-1";
    std::vector<std::string> ids{ report_id(45), report_id(47), report_id(46), "k1-2026-W01" };
    auto results = app::approve_many(services, meta, ids, { "ok", false });
    ASSERT_EQ(results.size(), 4U);
    EXPECT_EQ(results[0].report_id, report_id(45));
    ASSERT_TRUE(results[0].outcome.has_value());
    ASSERT_FALSE(results[1].outcome.has_value());
    EXPECT_EQ(results[1].outcome.error().code, "report.not_submitted");
    ASSERT_TRUE(results[2].outcome.has_value());
    ASSERT_FALSE(results[3].outcome.has_value());
    EXPECT_EQ(results[3].outcome.error().code, "report.not_found");

    EXPECT_EQ(record(45).status, report::record_status::approved);
    EXPECT_EQ(record(46).status, report::record_status::approved);
    EXPECT_EQ(record(47).status, report::record_status::draft);

    // The bulk flag is recorded on the event.
    auto events = log->read_stream(report::stream_id(report_id(45)));
    ASSERT_TRUE(events.has_value());
    auto last = events::envelope::decode(events->back().envelope_bytes);
    ASSERT_TRUE(last.has_value());
    EXPECT_TRUE(last->reader().getPayload().getReport().getApproved().getBulk());

    // Repeating the bulk command answers the first results per record.
    auto again = app::approve_many(services, meta, ids, { "ok", false });
    ASSERT_TRUE(again[0].outcome.has_value());
    EXPECT_TRUE(again[0].outcome->duplicate);
    EXPECT_EQ(again[0].outcome->position, results[0].outcome->position);
}

TEST_F(AppRecordsTest, RepeatedCommandIdAppendsOnce)
{
    ASSERT_OK(draft(47));
    auto meta = trainee();
    meta.command_id = "cmd-submit-47";
    auto first = app::submit_report(services, meta, report_id(47), { trainer_email });
    ASSERT_OK(first);
    EXPECT_FALSE(first->duplicate);
    EXPECT_EQ(first->events, 1U);
    // Even to another approver: the id answers the first result.
    auto retry = app::submit_report(services, meta, report_id(47), { supervisor_email });
    ASSERT_OK(retry);
    EXPECT_TRUE(retry->duplicate);
    EXPECT_EQ(retry->version, first->version);
    EXPECT_EQ(record(47).approver_email, trainer_email);
    EXPECT_EQ(log->read_stream(report::stream_id(report_id(47)))->size(), 2U);

    // The draft command too.
    report::draft d;
    d.contract_id = contract_id;
    d.period = week(2026, 46);
    d.entries = entries("x");
    auto dm = trainee();
    dm.command_id = "cmd-draft-46";
    ASSERT_OK(app::draft_report(services, dm, d));
    auto d2 = app::draft_report(services, dm, d);
    ASSERT_OK(d2);
    EXPECT_TRUE(d2->duplicate);
}

// --- exams ---------------------------------------------------------------------------------

TEST_F(AppRecordsTest, AdmissionIsRefusedWhileRecordsAreMissingAndGrantedOnceAllAreApproved)
{
    ASSERT_OK(schedule_final("e1"));
    ASSERT_OK(app::register_for_exam(services, company(), "e1", { "r1", contract_id }));
    auto reg = registration("e1", "r1");
    EXPECT_EQ(reg.contract_id, contract_id);
    EXPECT_EQ(reg.trainee_account_id, trainee_id);
    EXPECT_EQ(reg.company_id, "c1");

    auto missing = app::admit_to_exam(services, staff(), "e1", { "r1" });
    ASSERT_FALSE(missing.has_value());
    EXPECT_EQ(missing.error().code, "exam.records_incomplete");

    approved_record(45);
    approved_record(46);
    ASSERT_OK(draft(47));
    ASSERT_OK(submit(47, trainer_email)); // submitted, not approved
    auto one_open = app::admit_to_exam(services, staff(), "e1", { "r1" });
    ASSERT_FALSE(one_open.has_value());
    EXPECT_EQ(one_open.error().code, "exam.records_incomplete");

    ASSERT_OK(app::approve_report(services, trainer(), report_id(47), {}));
    ASSERT_OK(app::admit_to_exam(services, staff(), "e1", { "r1" }));
    EXPECT_EQ(registration("e1", "r1").status, exam::registration_status::admitted);
}

TEST_F(AppRecordsTest, IntermediateExamAdmitsWithoutRecords)
{
    ASSERT_OK(schedule_final("e2", {}, schema::ExamType::INTERMEDIATE));
    ASSERT_OK(app::register_for_exam(services, staff(), "e2", { "r1", contract_id }));
    ASSERT_OK(app::admit_to_exam(services, staff(), "e2", { "r1" }));
}

TEST_F(AppRecordsTest, PaperRecordFormIsAdmittedWithoutElectronicRecords)
{
    ASSERT_OK(register_contract("k2", schema::RecordForm::PAPER));
    ASSERT_OK(schedule_final("e1"));
    ASSERT_OK(app::register_for_exam(services, company(), "e1", { "r2", "k2" }));
    ASSERT_OK(app::admit_to_exam(services, staff(), "e1", { "r2" }));
    EXPECT_EQ(registration("e1", "r2").status, exam::registration_status::admitted);
}

TEST_F(AppRecordsTest, ACompanyRegistersOnlyItsOwnContracts)
{
    ASSERT_OK(schedule_final("e1"));
    auto other = command_meta{ {}, principal{ "acc-x", role::company, "c-other" }, at(k_today) };
    auto r = app::register_for_exam(services, other, "e1", { "r1", contract_id });
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error().code, "exam.not_allowed");
    auto unknown = app::register_for_exam(services, staff(), "e1", { "r9", "k-unknown" });
    ASSERT_FALSE(unknown.has_value());
    EXPECT_EQ(unknown.error().code, "exam.contract_not_found");
}

TEST_F(AppRecordsTest, ResultsUseTheChambersGradeTableAndArePublished)
{
    ASSERT_OK(register_contract("k2", schema::RecordForm::PAPER));
    ASSERT_OK(schedule_final("e1"));
    ASSERT_OK(app::register_for_exam(services, staff(), "e1", { "r2", "k2" }));
    ASSERT_OK(app::register_for_exam(services, staff(), "e1", { "r3", contract_id }));
    ASSERT_OK(app::admit_to_exam(services, staff(), "e1", { "r2" }));
    ASSERT_OK(app::refuse_admission(services, staff(), "e1", { "r3", "Nachweise fehlen" }));

    auto exam_day = at("2027-05-10");
    exam::record_result written{ "r2", { { "Schriftlich", 85 }, { "Mündlich", 95 } }, false };
    auto early = app::record_exam_result(services, staff(), "e1", written);
    ASSERT_FALSE(early.has_value());
    EXPECT_EQ(early.error().code, "exam.not_yet_held");

    // Default table: 90 points are a 2.
    ASSERT_OK(app::record_exam_result(services, staff(exam_day), "e1", written));
    auto reg = registration("e1", "r2");
    EXPECT_EQ(reg.total_points, 90U);
    EXPECT_EQ(reg.grade, 2U);
    EXPECT_EQ(reg.result, exam::result_status::preliminary);
    EXPECT_FALSE(reg.published);

    // The chamber's own table: 88 points and above are a 1.
    chamber::change_settings cs;
    cs.grade_table =
      chamber::grade_table{ { 88, 1 }, { 75, 2 }, { 60, 3 }, { 45, 4 }, { 25, 5 }, { 0, 6 } };
    ASSERT_OK(given<chamber::state>(target{ chamber::stream_id(), chamber::partition_key() },
                                    cs,
                                    context_of<chamber::context>(staff())));
    exam::record_result final_result = written;
    final_result.final = true;
    ASSERT_OK(app::record_exam_result(services, staff(exam_day), "e1", final_result));
    reg = registration("e1", "r2");
    EXPECT_EQ(reg.grade, 1U);
    EXPECT_EQ(reg.result, exam::result_status::final);

    auto refused =
      app::record_exam_result(services, staff(exam_day), "e1", { "r3", { { "x", 50 } }, true });
    ASSERT_FALSE(refused.has_value());
    EXPECT_EQ(refused.error().code, "exam.not_admitted");

    auto not_staff = app::publish_exam_results(services, company(), "e1");
    ASSERT_FALSE(not_staff.has_value());
    EXPECT_EQ(not_staff.error().code, "exam.not_staff");
    auto published = app::publish_exam_results(services, staff(exam_day), "e1");
    ASSERT_OK(published);
    EXPECT_EQ(published->events, 1U);
    EXPECT_TRUE(registration("e1", "r2").published);
    auto again = app::publish_exam_results(services, staff(exam_day), "e1");
    ASSERT_OK(again);
    EXPECT_EQ(again->events, 0U);
}

TEST_F(AppRecordsTest, WithdrawnRegistrationAndCancelledExam)
{
    ASSERT_OK(schedule_final("e1"));
    ASSERT_OK(app::register_for_exam(services, company(), "e1", { "r1", contract_id }));
    ASSERT_OK(app::withdraw_exam_registration(services, company(), "e1", { "r1", "Krankheit" }));
    EXPECT_EQ(registration("e1", "r1").status, exam::registration_status::withdrawn);
    ASSERT_OK(app::cancel_exam(services, staff(), "e1", { "Raum nicht verfügbar" }));
    auto e = app::load_exam(services, "e1");
    ASSERT_TRUE(e.has_value());
    EXPECT_TRUE(e->state.cancelled);
    auto late = app::register_for_exam(services, company(), "e1", { "r2", contract_id });
    ASSERT_FALSE(late.has_value());
    EXPECT_EQ(late.error().code, "exam.cancelled");
}

// --- examiners and proposals ------------------------------------------------------------------

struct AppExaminerTest : AppRecordsTest
{
    std::string examiner_email = "pruefer@example.de";
    std::string examiner_id = services.account_id_of(examiner_email);

    command_meta examiner(const std::string& id) { return as(id, role::examiner); }

    result<outcome> appoint(const std::string& account_id,
                            const std::string& appointment_id,
                            const std::string& occupation = k_occupation,
                            const std::string& committee = "PA Büro 1")
    {
        examiner::appoint a;
        a.appointment_id = appointment_id;
        a.account_id = account_id;
        a.committee = committee;
        a.occupation = occupation;
        a.member_role = schema::MemberRole::EMPLOYER;
        a.term_start = "2026-01-01";
        a.term_end = "2030-12-31";
        return app::appoint_examiner(services, staff(), a);
    }

    proposal::submit proposal_command(const std::string& title = "Einführung eines DMS")
    {
        proposal::submit p;
        p.contract_id = contract_id;
        p.exam_id = "e1";
        p.title = title;
        p.phases = { { "Analyse", 8 * 60 }, { "Umsetzung", 20 * 60 } };
        p.description = "Ein Dokumentenmanagementsystem für die Buchhaltung.";
        p.company_consent = true;
        return p;
    }
};

TEST_F(AppExaminerTest, ExaminerIsAppointedAndAssignedToAnExamOfTheOccupation)
{
    ASSERT_OK(schedule_final("e1"));
    ASSERT_OK(appoint(examiner_id, "a1"));
    ASSERT_OK(app::assign_examiner(services, staff(), examiner_id, { "a1", "e1" }));
    auto ex = load<examiner::state>(*log, examiner::stream_id(examiner_id));
    ASSERT_TRUE(ex.has_value());
    EXPECT_EQ(examiner::assigned_exams(ex->state), std::vector<std::string>{ "e1" });

    auto unknown = app::assign_examiner(services, staff(), examiner_id, { "a1", "e-unknown" });
    ASSERT_FALSE(unknown.has_value());
    EXPECT_EQ(unknown.error().code, "examiner.exam_not_found");

    ASSERT_OK(appoint(examiner_id, "a2", "Fachinformatiker/-in", "PA IT 2"));
    auto mismatch = app::assign_examiner(services, staff(), examiner_id, { "a2", "e1" });
    ASSERT_FALSE(mismatch.has_value());
    EXPECT_EQ(mismatch.error().code, "examiner.occupation_mismatch");

    ASSERT_OK(app::unassign_examiner(services, staff(), examiner_id, { "a1", "e1" }));
    ASSERT_OK(
      app::end_examiner_appointment(services, staff(), examiner_id, { "a1", "2026-12-31" }));
    ex = load<examiner::state>(*log, examiner::stream_id(examiner_id));
    EXPECT_TRUE(examiner::assigned_exams(ex->state).empty());
    // Ended before the exam date: the appointment no longer covers it.
    auto ended = app::assign_examiner(services, staff(), examiner_id, { "a1", "e1" });
    ASSERT_FALSE(ended.has_value());
    EXPECT_EQ(ended.error().code, "examiner.term_not_covering");
}

TEST_F(AppExaminerTest, ProposalSubmittedChangedAndApprovedByTheCommittee)
{
    ASSERT_OK(schedule_final("e1", "2027-02-01"));
    ASSERT_OK(appoint(examiner_id, "a1"));
    ASSERT_OK(app::assign_examiner(services, staff(), examiner_id, { "a1", "e1" }));

    // Not yet registered for the exam.
    auto early = app::submit_proposal(services, trainee(), "p1", proposal_command());
    ASSERT_FALSE(early.has_value());
    EXPECT_EQ(early.error().code, "proposal.not_registered");

    ASSERT_OK(app::register_for_exam(services, company(), "e1", { "r1", contract_id }));
    auto by_trainer = app::submit_proposal(services, trainer(), "p1", proposal_command());
    ASSERT_FALSE(by_trainer.has_value());
    EXPECT_EQ(by_trainer.error().code, "proposal.not_trainee");
    ASSERT_OK(app::submit_proposal(services, trainee(), "p1", proposal_command()));
    auto p = app::load_proposal(services, "p1");
    ASSERT_TRUE(p.has_value());
    EXPECT_EQ(p->state.status, proposal::proposal_status::submitted);
    EXPECT_EQ(p->state.company_id, "c1");
    EXPECT_EQ(p->state.trainee_account_id, trainee_id);

    // An examiner of another occupation's committee may not decide.
    auto other_id = services.account_id_of("andere@example.de");
    ASSERT_OK(appoint(other_id, "b1", "Fachinformatiker/-in", "PA IT 2"));
    auto outsider = app::decide_proposal(
      services, examiner(other_id), "p1", { schema::ProposalOutcome::APPROVED, "" });
    ASSERT_FALSE(outsider.has_value());
    EXPECT_EQ(outsider.error().code, "proposal.not_committee_member");

    ASSERT_OK(app::decide_proposal(
      services,
      examiner(examiner_id),
      "p1",
      { schema::ProposalOutcome::CHANGES_REQUIRED, "Bitte die Zeitplanung präzisieren." }));
    p = app::load_proposal(services, "p1");
    EXPECT_EQ(p->state.status, proposal::proposal_status::changes_required);
    EXPECT_EQ(p->state.committee, "PA Büro 1");

    // Resubmitted after the deadline: allowed for a revision.
    ASSERT_OK(app::submit_proposal(
      services, trainee(at("2027-02-10")), "p1", proposal_command("Einführung eines DMS (v2)")));
    p = app::load_proposal(services, "p1");
    EXPECT_EQ(p->state.revision, 2U);
    EXPECT_EQ(p->state.status, proposal::proposal_status::submitted);

    ASSERT_OK(app::decide_proposal(
      services, examiner(examiner_id), "p1", { schema::ProposalOutcome::APPROVED, "" }));
    p = app::load_proposal(services, "p1");
    EXPECT_EQ(p->state.status, proposal::proposal_status::approved);

    auto withdraw = app::withdraw_proposal(services, trainee(), "p1", { "zu spät" });
    ASSERT_FALSE(withdraw.has_value());
    EXPECT_EQ(withdraw.error().code, "proposal.already_decided");
}

TEST_F(AppExaminerTest, ProposalAfterTheDeadlineIsRefusedAndCanBeWithdrawn)
{
    ASSERT_OK(schedule_final("e1", "2027-02-01"));
    ASSERT_OK(app::register_for_exam(services, company(), "e1", { "r1", contract_id }));
    auto late = app::submit_proposal(services, trainee(at("2027-02-02")), "p1", proposal_command());
    ASSERT_FALSE(late.has_value());
    EXPECT_EQ(late.error().code, "proposal.deadline_passed");

    ASSERT_OK(app::submit_proposal(services, trainee(), "p2", proposal_command()));
    ASSERT_OK(app::withdraw_proposal(services, trainee(), "p2", { "anderes Thema" }));
    EXPECT_EQ(app::load_proposal(services, "p2")->state.status,
              proposal::proposal_status::withdrawn);
    auto missing = app::decide_proposal(
      services, examiner(examiner_id), "p-unknown", { schema::ProposalOutcome::APPROVED, "" });
    ASSERT_FALSE(missing.has_value());
    EXPECT_EQ(missing.error().code, "proposal.not_found");
}

// --- seminars ------------------------------------------------------------------------------

TEST_F(AppExaminerTest, SeminarPlacesAreLimitedByItsCapacity)
{
    auto second_id = services.account_id_of("zweite@example.de");
    ASSERT_OK(appoint(examiner_id, "a1"));
    ASSERT_OK(appoint(second_id, "b1"));
    ASSERT_OK(app::schedule_seminar(
      services, staff(), "s1", { "Prüferschulung Recht", "2027-01-20", "IHK Köln", 1 }));

    // Only examiners with an appointment in force request a place.
    auto not_examiner =
      app::request_seminar_registration(services, examiner("acc-niemand"), "s1", { "g0" });
    ASSERT_FALSE(not_examiner.has_value());
    EXPECT_EQ(not_examiner.error().code, "seminar.not_examiner");

    ASSERT_OK(app::request_seminar_registration(services, examiner(examiner_id), "s1", { "g1" }));
    ASSERT_OK(app::request_seminar_registration(services, examiner(second_id), "s1", { "g2" }));
    ASSERT_OK(app::confirm_seminar_registration(services, staff(), "s1", { "g1" }));
    auto full = app::confirm_seminar_registration(services, staff(), "s1", { "g2" });
    ASSERT_FALSE(full.has_value());
    EXPECT_EQ(full.error().code, "seminar.full");

    ASSERT_OK(app::cancel_seminar_registration(
      services, examiner(examiner_id), "s1", { "g1", "verhindert" }));
    ASSERT_OK(app::confirm_seminar_registration(services, staff(), "s1", { "g2" }));
    auto s = load<seminar::state>(*log, seminar::stream_id("s1"));
    ASSERT_TRUE(s.has_value());
    EXPECT_EQ(seminar::confirmed_count(s->state), 1U);
}

// --- reminders -------------------------------------------------------------------------------

TEST_F(AppRecordsTest, RemindersAreSentOncePerDay)
{
    ASSERT_OK(draft(46)); // unsent
    ASSERT_OK(draft(47)); // waiting for the supervisor
    ASSERT_OK(submit(47, supervisor_email));
    ASSERT_OK(draft(48)); // the running week, waiting too
    ASSERT_OK(submit(48, supervisor_email));
    // Week 45 is missing.

    // The submission day comes from the log's clock; run on a day that is
    // not before it.
    auto run_day = std::max(day(k_today),
                            day_of(std::chrono::time_point_cast<std::chrono::microseconds>(
                              std::chrono::system_clock::now())));
    auto system = as("scheduler", role::system, at(run_day));
    auto first = app::run_reminders(services, system, contract_id, run_day, 0);
    ASSERT_OK(first);
    EXPECT_GE(first->events, 3U);

    auto state = load<reminder::state>(*log, reminder::stream_id(contract_id));
    ASSERT_TRUE(state.has_value());
    auto sent = [&](schema::ReminderKind kind,
                    const std::string& to) -> const reminder::sent_reminder* {
        for (const auto& r : state->state.sent) {
            if (r.kind == kind && r.recipient_email == to) {
                return &r;
            }
        }
        return nullptr;
    };
    const auto* missing = sent(schema::ReminderKind::MISSING_RECORD, trainee_email);
    ASSERT_NE(missing, nullptr);
    EXPECT_NE(std::find(missing->items.begin(), missing->items.end(), "2026-W45"),
              missing->items.end());
    EXPECT_EQ(std::find(missing->items.begin(), missing->items.end(), "2026-W46"),
              missing->items.end());
    const auto* unsent = sent(schema::ReminderKind::UNSENT_RECORD, trainee_email);
    ASSERT_NE(unsent, nullptr);
    EXPECT_EQ(unsent->items, std::vector<std::string>{ report_id(46) });
    const auto* pending = sent(schema::ReminderKind::PENDING_APPROVAL, supervisor_email);
    ASSERT_NE(pending, nullptr);
    EXPECT_EQ(pending->items, (std::vector<std::string>{ report_id(47), report_id(48) }));

    // The same day again: nothing new.
    auto second = app::run_reminders(services, system, contract_id, run_day, 0);
    ASSERT_OK(second);
    EXPECT_EQ(second->events, 0U);
    EXPECT_EQ(load<reminder::state>(*log, reminder::stream_id(contract_id))->state.sent.size(),
              state->state.sent.size());

    // A trainee may not run reminders.
    auto by_trainee = app::run_reminders(services, trainee(), contract_id, run_day, 0);
    ASSERT_FALSE(by_trainee.has_value());
    EXPECT_EQ(by_trainee.error().code, "reminder.not_allowed");
}

TEST_F(AppRecordsTest, NoRemindersWhenTheCompanySwitchedThemOff)
{
    ASSERT_OK(company_command(company::change_record_settings{ "*", true, false }, staff()));
    auto r =
      app::run_reminders(services, as("scheduler", role::system), contract_id, day(k_today), 7);
    ASSERT_OK(r);
    EXPECT_EQ(r->events, 0U);
    auto unknown =
      app::run_reminders(services, as("scheduler", role::system), "k-unknown", day(k_today), 7);
    ASSERT_FALSE(unknown.has_value());
    EXPECT_EQ(unknown.error().code, "reminder.contract_not_found");
}

} // namespace
