// The auditor's view of a stream at a point in time (gateway/src/state_json.hpp):
// events appended through the application layer on the real embedded log,
// whose clock (the envelopes' `recordedAt`) the test sets, then folded up to
// chosen instants and rendered as JSON.

#include "app/accounts.hpp"
#include "app/records.hpp"
#include "portal/infra/embedded_log.hpp"
#include "state_json.hpp"
#include "test_support.hpp"

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <string>

using namespace portal;
using namespace portal::domain;
using namespace std::chrono_literals;
namespace json = boost::json;

namespace {

constexpr const char* k_occupation = "Kaufmann/-frau für Büromanagement";
constexpr const char* k_company_email = "info@muster.de";
constexpr const char* k_trainer_email = "anna@muster.de";
constexpr const char* k_trainee_email = "tom@example.de";
constexpr const char* k_examiner_email = "pruefer@example.de";

#define ASSERT_OK(expr)                                                                            \
    do {                                                                                           \
        auto&& ok_ = (expr);                                                                       \
        ASSERT_TRUE(ok_.has_value())                                                               \
          << #expr << ": " << ok_.error().code << " " << ok_.error().message;                      \
    } while (false)

timestamp
t(const char* rfc3339)
{
    auto parsed = parse_rfc3339(rfc3339);
    EXPECT_TRUE(parsed.has_value()) << rfc3339;
    return parsed.value_or(timestamp{});
}

/// A JSON value as text: a string's content, anything else serialized.
std::string
s(const json::value& v)
{
    return v.is_string() ? std::string(v.as_string()) : json::serialize(v);
}

struct StateJsonTest : ::testing::Test
{
    portal::testing::temp_dir dir;
    /// The log's clock: what `recordedAt` the next append gets.
    std::atomic<std::int64_t> clock_micros{ to_micros(t("2026-11-02T08:00:00Z")) };
    std::unique_ptr<events::event_log> log =
      *infra::open_embedded_log({ .dir = dir.path(), .sync = false, .clock = [this] {
                                     return from_micros(clock_micros.load());
                                 } });
    app::services svc{ *log,
                       [](std::string_view email) { return "acc-" + normalize_email(email); } };
    int commands = 0;

    std::string company_id = app::company_id_for("12345");
    std::string company_account = svc.account_id_of(k_company_email);
    std::string trainer_account = svc.account_id_of(k_trainer_email);
    std::string trainee_account = svc.account_id_of(k_trainee_email);
    std::string examiner_account = svc.account_id_of(k_examiner_email);

    /// Moves the log's clock (and the commands' `now`) to `rfc3339`.
    void at(const char* rfc3339) { clock_micros = to_micros(t(rfc3339)); }
    timestamp now() const { return from_micros(clock_micros.load()); }

    command_meta as(role r, std::string account = {}, std::string behalf = {})
    {
        return command_meta{ "cmd-" + std::to_string(++commands),
                             principal{ std::move(account), r, std::move(behalf) },
                             now() };
    }
    command_meta staff() { return as(role::staff, "acc-sachbearbeitung@ihk.de"); }
    command_meta system() { return as(role::system); }
    command_meta company() { return as(role::company, company_account); }
    command_meta trainer() { return as(role::trainer, trainer_account); }
    command_meta trainee() { return as(role::trainee, trainee_account); }
    command_meta examiner() { return as(role::examiner, examiner_account); }

    account::create invitation(std::string email,
                               std::string name,
                               account::account_role r,
                               std::string token)
    {
        account::create c;
        c.email = std::move(email);
        c.name = std::move(name);
        c.role = std::move(r);
        c.invitation_token_hash = std::move(token);
        c.invitation_expires_at = now() + 7 * 24h;
        return c;
    }

    /// On 2026-11-02 at 08:00: the chamber's settings, the company with its
    /// account, record settings and trainer, the contract k-1 with its
    /// confirmation d-1, the trainer's and trainee's accounts (invited,
    /// not activated).
    void SetUp() override
    {
        ASSERT_OK(app::change_chamber_settings(
          svc, staff(), chamber::change_settings{ 3u, 60u, std::nullopt, std::nullopt }));
        ASSERT_OK(app::configure_occupation(
          svc,
          staff(),
          chamber::configure_occupation{ k_occupation, chamber::period_kind::week, 36 }));
        company::register_company reg;
        reg.name = "Muster GmbH";
        reg.member_number = "12345";
        reg.email = k_company_email;
        reg.address = { "Hauptstraße 1", "80331", "München" };
        ASSERT_OK(app::register_company(svc, staff(), reg));
        ASSERT_OK(app::create_account(
          svc,
          system(),
          invitation(
            k_company_email, "Muster GmbH", { role::company, company_id, {} }, "inv-company")));
        ASSERT_OK(app::link_company_account(
          svc, system(), company_id, company::link_company_account{ company_account }));
        ASSERT_OK(app::change_record_settings(
          svc, company(), company_id, company::change_record_settings{ "*", true, true }));
        ASSERT_OK(app::register_trainer(
          svc,
          company(),
          company_id,
          company::register_trainer{ "tr-1", "Anna Ausbilder", k_trainer_email }));
        ASSERT_OK(app::create_account(
          svc,
          company(),
          invitation(
            k_trainer_email, "Anna Ausbilder", { role::trainer, company_id, {} }, "inv-anna")));
        ASSERT_OK(app::link_trainer_account(
          svc, company(), company_id, company::link_trainer_account{ "tr-1", {} }));
        contract::register_contract c;
        c.company_id = company_id;
        c.trainee = { "Tom Azubi", "2008-03-01", k_trainee_email };
        c.trainee_number = "AZ-0001";
        c.occupation = k_occupation;
        c.start = "2026-11-02";
        c.end = "2029-08-31";
        c.record_form = schema::RecordForm::ELECTRONIC;
        c.trainer_ids = { "tr-1" };
        ASSERT_OK(app::register_contract(svc, staff(), "k-1", c));
        document::issue d;
        d.kind = schema::DocumentKind::REGISTRATION_CONFIRMATION;
        d.title = "Eintragungsbestätigung";
        d.company_id = company_id;
        d.contract_id = "k-1";
        d.body = "Tom Azubi, AZ-0001";
        ASSERT_OK(app::issue_document(svc, system(), "d-1", d));
        ASSERT_OK(
          app::issue_confirmation(svc, system(), "k-1", contract::issue_confirmation{ "d-1" }));
        ASSERT_OK(app::create_account(
          svc,
          company(),
          invitation(
            k_trainee_email, "Tom Azubi", { role::trainee, company_id, "k-1" }, "inv-tom")));
        ASSERT_OK(app::link_trainee_account(
          svc, system(), "k-1", contract::link_trainee_account{ trainee_account }));
    }

    /// The folded state of `stream` as of `as_of` (every event when null);
    /// an empty object (and a failure) on an error.
    json::object state(const std::string& stream, const char* as_of = nullptr)
    {
        std::optional<timestamp> limit;
        if (as_of != nullptr) {
            limit = t(as_of);
        }
        auto r = gateway::fold_stream_as_of(*log, stream, limit);
        EXPECT_TRUE(r.has_value()) << stream << ": " << r.error().code << " " << r.error().message;
        return r ? *r : json::object{};
    }

    std::string report_id(unsigned week)
    {
        report::record_period p;
        p.kind = schema::PeriodKind::WEEK;
        p.week = iso_week{ 2026, week };
        return app::report_id_for("k-1", p);
    }

    result<outcome> draft(unsigned week)
    {
        report::draft d;
        d.contract_id = "k-1";
        d.period.kind = schema::PeriodKind::WEEK;
        d.period.week = iso_week{ 2026, week };
        report::entry e;
        e.kind = schema::EntryKind::COMPANY;
        e.text = "Rechnungen geprüft";
        e.minutes = 8 * 60;
        d.entries = { e };
        return app::draft_report(svc, trainee(), d);
    }
};

TEST_F(StateJsonTest, ReportIsSubmittedBeforeItsApprovalAndApprovedAfter)
{
    at("2026-11-23T10:00:00Z");
    ASSERT_OK(draft(47));
    at("2026-11-23T12:00:00Z");
    ASSERT_OK(app::submit_report(svc, trainee(), report_id(47), { k_trainer_email }));
    at("2026-11-24T09:00:00Z");
    ASSERT_OK(app::approve_report(svc, trainer(), report_id(47), { "Gut gemacht", false }));

    auto stream = report::stream_id(report_id(47));
    auto before = state(stream, "2026-11-23T18:00:00Z");
    EXPECT_EQ(s(before.at("aggregate")), "report");
    EXPECT_EQ(s(before.at("id")), "k-1-2026-W47");
    EXPECT_EQ(s(before.at("stream")), stream);
    EXPECT_EQ(s(before.at("status")), "submitted");
    EXPECT_EQ(before.at("version").to_number<int>(), 2);
    EXPECT_EQ(s(before.at("asOf")), "2026-11-23T18:00:00Z");
    EXPECT_EQ(s(before.at("lastRecordedAt")), "2026-11-23T12:00:00Z");
    EXPECT_EQ(s(before.at("approverEmail")), k_trainer_email);
    EXPECT_EQ(s(before.at("approverAccountId")), trainer_account);
    EXPECT_EQ(s(before.at("comment")), "");
    EXPECT_EQ(s(before.at("contractId")), "k-1");
    EXPECT_EQ(s(before.at("companyId")), company_id);
    EXPECT_EQ(s(before.at("period")), R"({"kind":"week","year":2026,"week":47})");
    EXPECT_EQ(s(before.at("firstDay")), "2026-11-16");
    EXPECT_EQ(s(before.at("lastDay")), "2026-11-22");
    EXPECT_EQ(before.at("trainingYear").to_number<int>(), 1);
    const auto& entry = before.at("entries").as_array().at(0).as_object();
    EXPECT_EQ(s(entry.at("kind")), "company");
    EXPECT_EQ(s(entry.at("text")), "Rechnungen geprüft");
    EXPECT_EQ(entry.at("minutes").to_number<int>(), 480);
    EXPECT_EQ(entry.at("hours").to_number<int>(), 8);

    // Exactly at the approval's time it is approved (the bound is inclusive).
    auto after = state(stream, "2026-11-24T09:00:00Z");
    EXPECT_EQ(s(after.at("status")), "approved");
    EXPECT_EQ(s(after.at("comment")), "Gut gemacht");
    EXPECT_EQ(after.at("version").to_number<int>(), 3);
    auto latest = state(stream);
    EXPECT_EQ(s(latest.at("status")), "approved");
    EXPECT_TRUE(latest.at("asOf").is_null());

    // A draft in between, and nothing before the record existed.
    EXPECT_EQ(s(state(stream, "2026-11-23T11:59:59Z").at("status")), "draft");
    auto earlier = gateway::fold_stream_as_of(*log, stream, t("2026-11-23T09:59:59Z"));
    ASSERT_FALSE(earlier.has_value());
    EXPECT_EQ(earlier.error().code, "history.not_found");
    EXPECT_EQ(earlier.error().cls, error_class::not_found);
}

TEST_F(StateJsonTest, RejectionShowsItsRemarksFromTheTimeOfTheRejection)
{
    at("2026-11-23T10:00:00Z");
    ASSERT_OK(draft(46));
    ASSERT_OK(app::submit_report(svc, trainee(), report_id(46), { k_trainer_email }));
    at("2026-11-25T15:30:00Z");
    ASSERT_OK(app::reject_report(
      svc, trainer(), report_id(46), { "Bitte die Berufsschulthemen ergänzen." }));

    auto stream = report::stream_id(report_id(46));
    auto before = state(stream, "2026-11-25T15:29:59Z");
    EXPECT_EQ(s(before.at("status")), "submitted");
    EXPECT_EQ(s(before.at("remarks")), "");
    auto after = state(stream, "2026-11-25T15:30:00Z");
    EXPECT_EQ(s(after.at("status")), "rejected");
    EXPECT_EQ(s(after.at("remarks")), "Bitte die Berufsschulthemen ergänzen.");
    EXPECT_FALSE(after.at("reopened").as_bool());
}

TEST_F(StateJsonTest, ContractIsActiveBeforeItEndedAndEndedAfter)
{
    at("2026-12-01T10:00:00Z");
    ASSERT_OK(app::end_contract(
      svc, staff(), "k-1", { "2026-11-30", schema::EndReason::TERMINATED, "Aufhebung" }));

    auto before = state("contract-k-1", "2026-11-30T23:59:59Z");
    EXPECT_EQ(s(before.at("aggregate")), "contract");
    EXPECT_EQ(s(before.at("status")), "active");
    EXPECT_FALSE(before.at("ended").as_bool());
    EXPECT_TRUE(before.at("endedOn").is_null());
    EXPECT_TRUE(before.at("endReason").is_null());
    EXPECT_EQ(s(before.at("start")), "2026-11-02");
    EXPECT_EQ(s(before.at("end")), "2029-08-31");
    EXPECT_EQ(s(before.at("recordForm")), "electronic");
    EXPECT_EQ(s(before.at("periodKind")), "week");
    EXPECT_EQ(s(before.at("trainerIds")), R"(["tr-1"])");
    EXPECT_EQ(s(before.at("traineeNumber")), "AZ-0001");
    EXPECT_EQ(s(before.at("confirmationDocumentId")), "d-1");
    EXPECT_EQ(s(before.at("traineeAccountId")), trainee_account);
    const auto& trainee = before.at("trainee").as_object();
    EXPECT_EQ(s(trainee.at("name")), "Tom Azubi");
    EXPECT_EQ(s(trainee.at("birthDate")), "2008-03-01");
    EXPECT_FALSE(trainee.at("minor").as_bool());

    auto after = state("contract-k-1", "2026-12-01T10:00:00Z");
    EXPECT_EQ(s(after.at("status")), "ended");
    EXPECT_TRUE(after.at("ended").as_bool());
    EXPECT_EQ(s(after.at("endedOn")), "2026-11-30");
    EXPECT_EQ(s(after.at("endReason")), "terminated");
    EXPECT_EQ(after.at("version").to_number<int>(), before.at("version").to_number<int>() + 1);
    EXPECT_FALSE(after.at("personalDataErased").as_bool());

    // The trainee's personal data erased the day after: the state as of then
    // has no name, birth date or e-mail; the contract's other fields stay.
    at("2026-12-01T11:00:00Z");
    ASSERT_OK(app::erase_contract_personal_data(
      svc, staff(), "k-1", contract::erase_personal_data{ "Aufbewahrungsfrist abgelaufen" }));
    auto erased = state("contract-k-1", "2026-12-01T11:00:00Z");
    EXPECT_TRUE(erased.at("personalDataErased").as_bool());
    const auto& gone = erased.at("trainee").as_object();
    EXPECT_EQ(s(gone.at("name")), "");
    EXPECT_TRUE(gone.at("birthDate").is_null());
    EXPECT_EQ(s(gone.at("email")), "");
    EXPECT_EQ(s(erased.at("traineeNumber")), "AZ-0001");
    EXPECT_EQ(s(erased.at("endReason")), "terminated");
}

TEST_F(StateJsonTest, AccountNeverShowsPasswordTokenOrPinHashes)
{
    at("2026-11-03T09:00:00Z");
    ASSERT_OK(app::activate_account(
      svc, system(), trainer_account, account::activate{ "inv-anna", "pw-hash-anna" }));
    at("2026-11-04T09:00:00Z");
    account::request_password_reset reset;
    reset.identifier = k_trainer_email;
    reset.requested_with = "login";
    reset.token_hash = "reset-hash-anna";
    reset.expires_at = now() + 1h;
    ASSERT_OK(app::request_password_reset(svc, system(), reset));
    account::create supervisor;
    supervisor.email = "leitung@muster.de";
    supervisor.name = "Lea Leitung";
    supervisor.role = { role::supervisor, "", "" };
    supervisor.pin_hash = "pin-hash-lea";
    ASSERT_OK(app::create_account(svc, system(), supervisor));

    auto stream = account::stream_id(trainer_account);
    auto invited = state(stream, "2026-11-02T23:00:00Z");
    EXPECT_EQ(s(invited.at("aggregate")), "account");
    EXPECT_EQ(s(invited.at("id")), trainer_account);
    EXPECT_EQ(s(invited.at("email")), k_trainer_email);
    EXPECT_EQ(s(invited.at("name")), "Anna Ausbilder");
    EXPECT_EQ(s(invited.at("roles")),
              R"([{"role":"trainer","companyId":")" + company_id + R"(","contractId":""}])");
    EXPECT_FALSE(invited.at("hasPassword").as_bool());
    EXPECT_EQ(s(invited.at("invitation")), R"({"expiresAt":"2026-11-09T08:00:00Z"})");
    EXPECT_TRUE(invited.at("passwordReset").is_null());

    auto active = state(stream, "2026-11-03T12:00:00Z");
    EXPECT_TRUE(active.at("hasPassword").as_bool());
    EXPECT_TRUE(active.at("invitation").is_null());
    auto resetting = state(stream);
    EXPECT_EQ(s(resetting.at("passwordReset")), R"({"expiresAt":"2026-11-04T10:00:00Z"})");
    EXPECT_EQ(resetting.at("consecutiveFailures").to_number<int>(), 0);
    EXPECT_TRUE(resetting.at("lockedUntil").is_null());
    EXPECT_FALSE(resetting.at("erased").as_bool());

    auto lea = state(account::stream_id(svc.account_id_of("leitung@muster.de")));
    EXPECT_TRUE(lea.at("hasPin").as_bool());
    EXPECT_FALSE(lea.at("hasPassword").as_bool());

    for (const auto& rendered : { json::serialize(invited),
                                  json::serialize(active),
                                  json::serialize(resetting),
                                  json::serialize(lea) }) {
        for (const char* secret :
             { "inv-anna", "pw-hash-anna", "reset-hash-anna", "pin-hash-lea" }) {
            EXPECT_EQ(rendered.find(secret), std::string::npos) << secret << " in " << rendered;
        }
        EXPECT_EQ(rendered.find("ash\""), std::string::npos) << rendered;
    }
}

TEST_F(StateJsonTest, EveryAggregateKindRenders)
{
    at("2026-11-28T10:00:00Z");
    ASSERT_OK(app::grant_access(svc, trainee(), access_grant::grant_access{ "k-1", 30 }));
    exam::schedule e;
    e.occupation = k_occupation;
    e.type = schema::ExamType::FINAL_PART1;
    e.date = "2027-05-10";
    e.location = "IHK München, Saal 3";
    e.name = "Abschlussprüfung Teil 1 Frühjahr 2027";
    e.proposal_deadline = "2027-03-01";
    ASSERT_OK(app::schedule_exam(svc, staff(), "e1", e));
    ASSERT_OK(app::register_for_exam(svc, staff(), "e1", { "r1", "k-1" }));
    examiner::appoint a;
    a.appointment_id = "a1";
    a.account_id = examiner_account;
    a.committee = "PA Büro 1";
    a.occupation = k_occupation;
    a.member_role = schema::MemberRole::TEACHER;
    a.term_start = "2026-01-01";
    a.term_end = "2030-12-31";
    ASSERT_OK(app::appoint_examiner(svc, staff(), a));
    proposal::submit p;
    p.contract_id = "k-1";
    p.exam_id = "e1";
    p.title = "Einführung eines DMS";
    p.phases = { { "Analyse", 8 * 60 }, { "Umsetzung", 20 * 60 + 30 } };
    p.description = "Ein Dokumentenmanagementsystem für die Buchhaltung.";
    p.company_consent = true;
    ASSERT_OK(app::submit_proposal(svc, trainee(), "p1", p));
    ASSERT_OK(app::schedule_seminar(
      svc, staff(), "s1", { "Prüferschulung Recht", "2027-01-20", "IHK München", 2 }));
    ASSERT_OK(app::request_seminar_registration(svc, examiner(), "s1", { "g1" }));
    ASSERT_OK(app::run_reminders(svc, system(), "k-1", *parse_date("2026-11-28"), 7));

    auto chamber = state("chamber");
    EXPECT_EQ(s(chamber.at("aggregate")), "chamber");
    EXPECT_FALSE(chamber.contains("id"));
    EXPECT_EQ(chamber.at("settings").at("maxFailedLogins").to_number<int>(), 3);
    EXPECT_EQ(chamber.at("settings").at("lockMinutes").to_number<int>(), 60);
    EXPECT_EQ(s(chamber.at("settings").at("gradeTable").at(0)), R"({"minPoints":92,"grade":1})");
    EXPECT_EQ(s(chamber.at("occupations")),
              std::string(R"([{"name":")") + k_occupation +
                R"(","periodKind":"week","durationMonths":36}])");

    auto firm = state(company::stream_id(company_id));
    EXPECT_EQ(s(firm.at("aggregate")), "company");
    EXPECT_EQ(s(firm.at("id")), company_id);
    EXPECT_EQ(s(firm.at("memberNumber")), "12345");
    EXPECT_EQ(s(firm.at("address")),
              R"({"street":"Hauptstraße 1","zip":"80331","town":"München"})");
    EXPECT_EQ(s(firm.at("recordSettings")),
              R"([{"occupation":"*","electronic":true,"reminders":true}])");
    EXPECT_EQ(s(firm.at("trainers").at(0).at("accountId")), trainer_account);
    EXPECT_EQ(s(firm.at("companyAccounts")), R"([")" + company_account + R"("])");
    EXPECT_FALSE(firm.at("publicationConsent").as_bool());

    auto doc = state("document-d-1");
    EXPECT_EQ(s(doc.at("aggregate")), "document");
    EXPECT_EQ(s(doc.at("kind")), "registration_confirmation");
    EXPECT_EQ(s(doc.at("id")), "d-1");
    EXPECT_EQ(s(doc.at("status")), "issued");
    EXPECT_EQ(s(doc.at("title")), "Eintragungsbestätigung");
    EXPECT_EQ(s(doc.at("contractId")), "k-1");

    auto grant = state("grant-k-1");
    EXPECT_EQ(s(grant.at("aggregate")), "grant");
    EXPECT_EQ(grant.at("days").to_number<int>(), 30);
    EXPECT_EQ(s(grant.at("expiresAt")), "2026-12-28T10:00:00Z");
    EXPECT_FALSE(grant.at("revoked").as_bool());

    auto exam = state("exam-e1");
    EXPECT_EQ(s(exam.at("aggregate")), "exam");
    EXPECT_EQ(s(exam.at("type")), "final_part1");
    EXPECT_EQ(s(exam.at("date")), "2027-05-10");
    EXPECT_EQ(s(exam.at("proposalDeadline")), "2027-03-01");
    const auto& reg = exam.at("registrations").at(0).as_object();
    EXPECT_EQ(s(reg.at("id")), "r1");
    EXPECT_EQ(s(reg.at("status")), "registered");
    EXPECT_EQ(s(reg.at("result")), "none");
    EXPECT_TRUE(reg.at("grade").is_null());

    auto examiner = state(examiner::stream_id(examiner_account));
    EXPECT_EQ(s(examiner.at("aggregate")), "examiner");
    EXPECT_EQ(s(examiner.at("accountId")), examiner_account);
    const auto& appointment = examiner.at("appointments").at(0).as_object();
    EXPECT_EQ(s(appointment.at("memberRole")), "teacher");
    EXPECT_EQ(s(appointment.at("termEnd")), "2030-12-31");
    EXPECT_TRUE(appointment.at("endedOn").is_null());

    auto proposal = state("proposal-p1");
    EXPECT_EQ(s(proposal.at("aggregate")), "proposal");
    EXPECT_EQ(s(proposal.at("status")), "submitted");
    EXPECT_EQ(proposal.at("revision").to_number<int>(), 1);
    EXPECT_EQ(proposal.at("phases").at(1).at("hours").to_number<double>(), 20.5);
    EXPECT_EQ(proposal.at("totalMinutes").to_number<int>(), 8 * 60 + 20 * 60 + 30);
    EXPECT_EQ(s(proposal.at("traineeAccountId")), trainee_account);

    auto seminar = state("seminar-s1");
    EXPECT_EQ(s(seminar.at("aggregate")), "seminar");
    EXPECT_EQ(seminar.at("capacity").to_number<int>(), 2);
    EXPECT_EQ(seminar.at("confirmed").to_number<int>(), 0);
    EXPECT_EQ(s(seminar.at("registrations")),
              R"([{"id":"g1","accountId":")" + examiner_account + R"(","status":"requested"}])");

    auto reminders = state("reminders-k-1");
    EXPECT_EQ(s(reminders.at("aggregate")), "reminders");
    const auto& sent = reminders.at("sent").at(0).as_object();
    EXPECT_EQ(s(sent.at("kind")), "missing_record");
    EXPECT_EQ(sent.at("level").to_number<int>(), 1);
    EXPECT_EQ(s(sent.at("day")), "2026-11-28");
    EXPECT_EQ(s(sent.at("recipientEmail")), k_trainee_email);
    EXPECT_EQ(s(sent.at("items")), R"(["2026-W45","2026-W46","2026-W47"])");

    at("2026-11-28T11:00:00Z");
    ASSERT_OK(draft(47));
    auto record = state(report::stream_id(report_id(47)));
    EXPECT_EQ(s(record.at("status")), "draft");

    EXPECT_EQ(s(state(account::stream_id(trainee_account)).at("aggregate")), "account");
    EXPECT_EQ(s(state("contract-k-1").at("aggregate")), "contract");
}

TEST_F(StateJsonTest, UnknownStreamKindAndUnknownStreamAreErrors)
{
    auto foreign = gateway::fold_stream_as_of(*log, "invoice-1", std::nullopt);
    ASSERT_FALSE(foreign.has_value());
    EXPECT_EQ(foreign.error().code, "history.unknown_stream_kind");
    EXPECT_EQ(foreign.error().cls, error_class::invalid);
    for (const char* odd : { "report-", "chamber-1", "Report-1", "examiners-1", "" }) {
        auto r = gateway::fold_stream_as_of(*log, odd, std::nullopt);
        ASSERT_FALSE(r.has_value()) << odd;
        EXPECT_EQ(r.error().code, "history.unknown_stream_kind") << odd;
    }

    auto missing = gateway::fold_stream_as_of(*log, "report-nothing", std::nullopt);
    ASSERT_FALSE(missing.has_value());
    EXPECT_EQ(missing.error().code, "history.not_found");
    EXPECT_EQ(missing.error().cls, error_class::not_found);

    EXPECT_EQ(gateway::stream_kind("exam-e1"), "exam");
    EXPECT_EQ(gateway::stream_kind("examiner-acc-x"), "examiner");
    EXPECT_EQ(gateway::stream_kind("reminders-k-1"), "reminders");
    EXPECT_EQ(gateway::stream_kind("chamber"), "chamber");
}

} // namespace
