// The application layer for accounts, the chamber, companies, contracts,
// documents and access grants (aggregates/app/accounts.hpp), end to end on the
// real embedded log: the flows of DOMAIN.md for these areas.

#include "app/accounts.hpp"
#include "portal/infra/embedded_log.hpp"
#include "test_support.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <barrier>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

using namespace portal;
using namespace portal::domain;
using namespace std::chrono_literals;

namespace {

constexpr const char* k_occupation = "Fachinformatiker/-in";
constexpr const char* k_company_email = "info@muster.de";
constexpr const char* k_trainer_email = "anna@muster.de";
constexpr const char* k_trainee_email = "tom@example.de";
constexpr const char* k_trainee_number = "AZ-0001";

std::string
describe(const result<outcome>& r)
{
    if (r) {
        return "ok";
    }
    return r.error().code + ": " + r.error().message;
}

/// The error code of a result, "ok" for a success.
std::string
code_of(const result<outcome>& r)
{
    return r ? std::string("ok") : r.error().code;
}

struct AppAccountsTest : ::testing::Test
{
    portal::testing::temp_dir dir;
    std::unique_ptr<events::event_log> log =
      *infra::open_embedded_log({ .dir = dir.path(), .sync = false });
    app::services svc{ *log, [](std::string_view email) { return "acc-" + std::string(email); } };
    timestamp now = *parse_rfc3339("2026-11-28T10:00:00Z");
    int commands = 0;

    std::string company_id = app::company_id_for("12345");
    std::string company_account = "acc-" + std::string(k_company_email);
    std::string trainer_account = "acc-" + std::string(k_trainer_email);
    std::string trainee_account = "acc-" + std::string(k_trainee_email);

    command_meta as(role r, std::string account = {}, std::string behalf = {})
    {
        return command_meta{ "cmd-" + std::to_string(++commands),
                             principal{ std::move(account), r, std::move(behalf) },
                             now };
    }
    command_meta staff() { return as(role::staff, "acc-sachbearbeitung@ihk.de"); }
    command_meta system() { return as(role::system); }
    command_meta company() { return as(role::company, company_account); }
    command_meta trainee() { return as(role::trainee, trainee_account); }

    /// Expects success and returns the outcome.
    outcome must(const result<outcome>& r)
    {
        EXPECT_TRUE(r.has_value()) << describe(r);
        return r ? *r : outcome{};
    }

    /// The event names of a stream, in order.
    std::vector<std::string> names(const std::string& stream)
    {
        std::vector<std::string> out;
        auto batch = log->read_stream(stream);
        EXPECT_TRUE(batch.has_value());
        for (const auto& e : batch.value_or(std::vector<events::recorded_event>{})) {
            auto env = events::envelope::decode(e.envelope_bytes);
            EXPECT_TRUE(env.has_value());
            out.push_back(events::event_name(env->reader().getPayload()));
        }
        return out;
    }

    account::state account_state(const std::string& id)
    {
        auto a = app::load_account(svc, id);
        EXPECT_TRUE(a.has_value());
        return a ? a->state : account::state{};
    }
    company::state company_state(const std::string& id)
    {
        auto c = app::load_company(svc, id);
        EXPECT_TRUE(c.has_value());
        return c ? c->state : company::state{};
    }
    contract::state contract_state(const std::string& id)
    {
        auto c = app::load_contract(svc, id);
        EXPECT_TRUE(c.has_value());
        return c ? c->state : contract::state{};
    }

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
        c.invitation_expires_at = now + 7 * 24h;
        return c;
    }

    company::register_company muster(std::string member = "12345")
    {
        company::register_company c;
        c.name = "Muster GmbH";
        c.member_number = std::move(member);
        c.email = k_company_email;
        c.address = { "Hauptstraße 1", "80331", "München" };
        return c;
    }

    contract::register_contract tom_contract()
    {
        contract::register_contract c;
        c.company_id = company_id;
        c.trainee = { "Tom Azubi", "2008-03-01", k_trainee_email };
        c.trainee_number = k_trainee_number;
        c.occupation = k_occupation;
        c.start = "2026-08-01";
        c.end = "2029-07-31";
        c.record_form = schema::RecordForm::ELECTRONIC;
        c.trainer_ids = { "tr-1" };
        return c;
    }

    /// Chamber (3 failures lock for 60 minutes; the occupation keeps daily
    /// records), the company with its account and trainer, the contract k-1
    /// with its confirmation.
    void given_company_and_contract()
    {
        must(app::change_chamber_settings(
          svc, staff(), chamber::change_settings{ 3u, 60u, std::nullopt, std::nullopt }));
        must(app::configure_occupation(
          svc,
          staff(),
          chamber::configure_occupation{ k_occupation, chamber::period_kind::day, 36 }));
        must(app::register_company(svc, staff(), muster()));
        must(app::create_account(
          svc,
          system(),
          invitation(
            k_company_email, "Muster GmbH", { role::company, company_id, {} }, "inv-company")));
        must(app::link_company_account(
          svc, system(), company_id, company::link_company_account{ company_account }));
        must(app::register_trainer(
          svc,
          company(),
          company_id,
          company::register_trainer{ "tr-1", "Anna Ausbilder", k_trainer_email }));
        must(app::register_contract(svc, staff(), "k-1", tom_contract()));
        document::issue d;
        d.kind = schema::DocumentKind::REGISTRATION_CONFIRMATION;
        d.title = "Eintragungsbestätigung";
        d.company_id = company_id;
        d.contract_id = "k-1";
        d.body = "Tom Azubi, AZ-0001";
        must(app::issue_document(svc, system(), "d-1", d));
        must(app::issue_confirmation(svc, system(), "k-1", contract::issue_confirmation{ "d-1" }));
    }

    /// The company creates the trainer's and the trainee's accounts; the
    /// trainee's is linked to the contract; both activate.
    void given_people_with_accounts()
    {
        given_company_and_contract();
        must(app::create_account(
          svc,
          company(),
          invitation(
            k_trainer_email, "Anna Ausbilder", { role::trainer, company_id, {} }, "inv-anna")));
        must(app::link_trainer_account(
          svc, company(), company_id, company::link_trainer_account{ "tr-1", {} }));
        must(app::create_account(
          svc,
          company(),
          invitation(
            k_trainee_email, "Tom Azubi", { role::trainee, company_id, "k-1" }, "inv-tom")));
        must(app::link_trainee_account(
          svc, system(), "k-1", contract::link_trainee_account{ trainee_account }));
        must(app::activate_account(
          svc, as(role::system), trainer_account, account::activate{ "inv-anna", "hash-anna-1" }));
        must(app::activate_account(
          svc, as(role::system), trainee_account, account::activate{ "inv-tom", "hash-tom-1" }));
    }

    result<outcome> login(const std::string& account, bool matched)
    {
        auto meta = as(role::system);
        return app::record_login(
          svc,
          meta,
          account,
          account::record_login{
            account::login_method::password, matched, "session-hash", meta.now + 12h });
    }
};

TEST_F(AppAccountsTest, StaffRegistersCompanyAndContractThenCompanyAccountAndConfirmation)
{
    given_company_and_contract();
    ASSERT_FALSE(HasFailure());

    auto c = company_state(company_id);
    EXPECT_TRUE(c.exists);
    EXPECT_EQ(c.member_number, "12345");
    EXPECT_EQ(c.company_accounts, std::vector<std::string>{ company_account });
    ASSERT_EQ(c.trainers.size(), 1u);
    EXPECT_EQ(c.trainers[0].id, "tr-1");

    auto k = contract_state("k-1");
    EXPECT_TRUE(k.exists);
    EXPECT_EQ(k.company_id, company_id);
    EXPECT_EQ(k.trainee_number, k_trainee_number);
    EXPECT_EQ(k.period_kind, schema::PeriodKind::DAY) << "the occupation's period from the chamber";
    EXPECT_EQ(k.confirmation_document_id, "d-1");

    auto a = account_state(company_account);
    EXPECT_TRUE(a.exists);
    ASSERT_EQ(a.roles.size(), 1u);
    EXPECT_EQ(a.roles[0].kind, role::company);
    EXPECT_EQ(a.roles[0].company_id, company_id);
    ASSERT_TRUE(a.invitation.has_value());
    EXPECT_EQ(a.invitation->hash, "inv-company");

    EXPECT_EQ(names("contract-k-1"),
              (std::vector<std::string>{ "contract.registered", "contract.confirmation_issued" }));
    EXPECT_EQ(names("document-d-1"), std::vector<std::string>{ "document.issued" });
    EXPECT_EQ(names("account-" + company_account),
              (std::vector<std::string>{ "account.created", "account.invitation_issued" }));
}

TEST_F(AppAccountsTest, CompanyCreatesTrainerAndTraineeAccountsWhichActivate)
{
    given_people_with_accounts();
    ASSERT_FALSE(HasFailure());

    auto anna = account_state(trainer_account);
    EXPECT_TRUE(anna.has_password);
    EXPECT_FALSE(anna.invitation.has_value());
    auto tom = account_state(trainee_account);
    EXPECT_TRUE(tom.has_password);
    ASSERT_EQ(tom.roles.size(), 1u);
    EXPECT_EQ(tom.roles[0], (account::account_role{ role::trainee, company_id, "k-1" }));

    EXPECT_EQ(company_state(company_id).trainers[0].account_id, trainer_account);
    EXPECT_EQ(contract_state("k-1").trainee_account_id, trainee_account);
    EXPECT_EQ(names("account-" + trainee_account),
              (std::vector<std::string>{
                "account.created", "account.invitation_issued", "account.activated" }));

    // Activation is single use.
    EXPECT_EQ(code_of(app::activate_account(
                svc, system(), trainee_account, account::activate{ "inv-tom", "hash-tom-2" })),
              "account.already_activated");
}

TEST_F(AppAccountsTest, CompanyMayNotCreateAccountsForOtherCompaniesOrUnknownContracts)
{
    given_company_and_contract();
    ASSERT_FALSE(HasFailure());
    must(app::register_company(svc, staff(), muster("67890")));
    auto other = app::company_id_for("67890");

    auto foreign = app::create_account(
      svc, company(), invitation("eve@example.de", "Eve", { role::trainer, other, {} }, "inv-eve"));
    ASSERT_FALSE(foreign.has_value());
    EXPECT_EQ(foreign.error().code, "account.forbidden");
    EXPECT_EQ(foreign.error().cls, error_class::forbidden);

    auto unknown = app::create_account(
      svc,
      company(),
      invitation("eve@example.de", "Eve", { role::trainee, company_id, "k-404" }, "inv-eve"));
    ASSERT_FALSE(unknown.has_value());
    EXPECT_EQ(unknown.error().code, "validation.role");
    EXPECT_EQ(unknown.error().cls, error_class::invalid);

    // Acting on behalf of a company one has no relation to gives nothing.
    auto behalf = app::create_account(
      svc,
      as(role::company, company_account, other),
      invitation("eve@example.de", "Eve", { role::trainer, other, {} }, "inv-eve"));
    EXPECT_EQ(code_of(behalf), "account.forbidden");

    // The account id is the e-mail's.
    auto c = invitation("eve@example.de", "Eve", { role::trainer, company_id, {} }, "inv-eve");
    c.account_id = "acc-someone-else";
    EXPECT_EQ(code_of(app::create_account(svc, company(), c)), "validation.account_id");
    EXPECT_TRUE(names("account-acc-eve@example.de").empty());
}

TEST_F(AppAccountsTest, InvitingAgainReplacesTheLink)
{
    given_company_and_contract();
    ASSERT_FALSE(HasFailure());
    must(app::create_account(
      svc,
      company(),
      invitation(k_trainer_email, "Anna Ausbilder", { role::trainer, company_id, {} }, "inv-1")));
    must(
      app::invite_account(svc, company(), trainer_account, account::invite{ "inv-2", now + 48h }));

    EXPECT_EQ(code_of(app::activate_account(
                svc, system(), trainer_account, account::activate{ "inv-1", "hash" })),
              "account.invitation_invalid");
    must(
      app::activate_account(svc, system(), trainer_account, account::activate{ "inv-2", "hash" }));
    EXPECT_EQ(code_of(app::invite_account(
                svc, company(), trainer_account, account::invite{ "inv-3", now + 48h })),
              "account.already_activated");
}

TEST_F(AppAccountsTest, LoginLocksAfterTheChambersFailuresAndStaffUnlocks)
{
    given_people_with_accounts();
    ASSERT_FALSE(HasFailure());

    // The chamber says 3 failures lock for 60 minutes.
    must(login(trainer_account, false));
    must(login(trainer_account, false));
    EXPECT_FALSE(account_state(trainer_account).locked_until.has_value());
    auto third = must(login(trainer_account, false));
    EXPECT_EQ(third.events, 2u) << "login_failed and locked";
    auto locked = account_state(trainer_account);
    ASSERT_TRUE(locked.locked_until.has_value());
    EXPECT_EQ(*locked.locked_until, now + 60min);

    auto refused = login(trainer_account, true);
    ASSERT_FALSE(refused.has_value());
    EXPECT_EQ(refused.error().code, "account.locked");
    EXPECT_EQ(refused.error().cls, error_class::rejected);

    // Only staff unlock.
    EXPECT_EQ(code_of(app::unlock_account(svc, company(), trainer_account)), "account.forbidden");
    must(app::unlock_account(svc, staff(), trainer_account));
    EXPECT_FALSE(account_state(trainer_account).locked_until.has_value());
    must(login(trainer_account, true));

    auto tail = names("account-" + trainer_account);
    ASSERT_GE(tail.size(), 6u);
    EXPECT_EQ(std::vector<std::string>(tail.end() - 6, tail.end()),
              (std::vector<std::string>{ "account.login_failed",
                                         "account.login_failed",
                                         "account.login_failed",
                                         "account.locked",
                                         "account.unlocked",
                                         "account.login_succeeded" }));
}

TEST_F(AppAccountsTest, LoginUsesTheDefaultPolicyWithoutChamberSettings)
{
    must(app::create_account(
      svc,
      staff(),
      invitation("pruefer@example.de", "Paul Prüfer", { role::examiner, {}, {} }, "inv")));
    auto paul = std::string("acc-pruefer@example.de");
    must(app::activate_account(svc, system(), paul, account::activate{ "inv", "hash" }));
    for (int i = 0; i < 4; ++i) {
        must(login(paul, false));
    }
    EXPECT_FALSE(account_state(paul).locked_until.has_value());
    must(login(paul, false));
    auto s = account_state(paul);
    ASSERT_TRUE(s.locked_until.has_value());
    EXPECT_EQ(*s.locked_until, now + 24h);
}

TEST_F(AppAccountsTest, PasswordResetForTraineesNeedsTheirTraineeNumber)
{
    given_people_with_accounts();
    ASSERT_FALSE(HasFailure());
    auto before = names("account-" + trainee_account).size();

    account::request_password_reset wrong{
        "Tom@Example.de", "login", "AZ-9999", "reset-1", now + 1h
    };
    auto mismatch = must(app::request_password_reset(svc, as(role::system), wrong));
    EXPECT_EQ(mismatch.events, 0u);
    auto missing_number = must(app::request_password_reset(
      svc,
      as(role::system),
      account::request_password_reset{ k_trainee_email, "email", "", "reset-1", now + 1h }));
    EXPECT_EQ(missing_number.events, 0u);
    auto unknown = must(app::request_password_reset(
      svc,
      as(role::system),
      account::request_password_reset{ "nobody@example.de", "email", "", "reset-1", now + 1h }));
    EXPECT_EQ(unknown.events, 0u);
    EXPECT_EQ(names("account-" + trainee_account).size(), before);
    EXPECT_TRUE(names("account-acc-nobody@example.de").empty());

    auto right = must(app::request_password_reset(
      svc,
      as(role::system),
      account::request_password_reset{
        "Tom@Example.de", "login", k_trainee_number, "reset-2", now + 1h }));
    EXPECT_EQ(right.events, 1u);
    ASSERT_TRUE(account_state(trainee_account).reset.has_value());

    must(app::complete_password_reset(
      svc, system(), trainee_account, account::complete_password_reset{ "reset-2", "hash-tom-2" }));
    EXPECT_EQ(
      code_of(app::complete_password_reset(
        svc, system(), trainee_account, account::complete_password_reset{ "reset-2", "hash-3" })),
      "account.reset_token_invalid");

    // A trainer needs no trainee number.
    auto trainer_reset = must(app::request_password_reset(
      svc,
      as(role::system),
      account::request_password_reset{ k_trainer_email, "email", "", "reset-anna", now + 1h }));
    EXPECT_EQ(trainer_reset.events, 1u);

    EXPECT_EQ(code_of(app::request_password_reset(
                svc,
                system(),
                account::request_password_reset{ k_trainer_email, "phone", "", "t", now + 1h })),
              "validation.requested_with");
}

TEST_F(AppAccountsTest, RepresentativeIsAppointedActsForTheCompanyAndIsRevoked)
{
    given_company_and_contract();
    ASSERT_FALSE(HasFailure());
    auto adviser = std::string("acc-berater@stb.de");

    EXPECT_EQ(code_of(app::appoint_representative(
                svc,
                company(),
                company_id,
                company::appoint_representative{ "rep-1", adviser, "Steuerbüro Berater" })),
              "company.account_not_found");

    must(app::create_account(svc,
                             company(),
                             invitation("berater@stb.de",
                                        "Steuerbüro Berater",
                                        { role::representative, company_id, {} },
                                        "inv-b")));
    must(app::appoint_representative(
      svc,
      company(),
      company_id,
      company::appoint_representative{ "rep-1", adviser, "Steuerbüro Berater" }));

    auto rep = as(role::representative, adviser, company_id);
    must(app::change_record_settings(
      svc, rep, company_id, company::change_record_settings{ "*", true, true }));
    // Representatives manage trainee and trainer accounts of the company.
    must(app::create_account(
      svc,
      as(role::representative, adviser, company_id),
      invitation(
        "bernd@muster.de", "Bernd Ausbilder", { role::trainer, company_id, {} }, "inv-bernd")));

    // What they do is recorded as done by them on behalf of the company.
    auto batch = log->read_stream(company::stream_id(company_id));
    ASSERT_TRUE(batch.has_value());
    auto env = events::envelope::decode(batch->back().envelope_bytes);
    ASSERT_TRUE(env.has_value());
    auto actor = env->reader().getActor();
    EXPECT_EQ(str(actor.getAccountId()), adviser);
    EXPECT_EQ(actor.getRole(), schema::Role::REPRESENTATIVE);
    EXPECT_EQ(str(actor.getOnBehalfOfCompanyId()), company_id);

    must(app::revoke_representative(
      svc, company(), company_id, company::revoke_representative{ "rep-1" }));
    auto after =
      app::give_publication_consent(svc, as(role::representative, adviser, company_id), company_id);
    ASSERT_FALSE(after.has_value());
    EXPECT_EQ(after.error().code, "company.forbidden");
    EXPECT_EQ(
      code_of(app::create_account(
        svc,
        as(role::representative, adviser, company_id),
        invitation("carl@muster.de", "Carl", { role::trainer, company_id, {} }, "inv-carl"))),
      "account.forbidden");
}

TEST_F(AppAccountsTest, EmployeeRepresentativeNeedsTheChambersApproval)
{
    given_company_and_contract();
    ASSERT_FALSE(HasFailure());
    auto eva = std::string("acc-eva@muster.de");

    must(app::request_employee_representative(
      svc,
      company(),
      company_id,
      company::request_employee_representative{ "rep-2", "Eva Mitarbeiterin", "eva@muster.de" }));
    EXPECT_EQ(company_state(company_id).representatives.at(0).status,
              company::representative_status::pending);

    // Before the approval nobody acts as Eva for the company.
    EXPECT_EQ(code_of(app::give_publication_consent(
                svc, as(role::representative, eva, company_id), company_id)),
              "company.forbidden");
    // Only staff approve.
    EXPECT_EQ(
      code_of(app::approve_employee_representative(
        svc, company(), company_id, company::approve_employee_representative{ "rep-2", {} })),
      "company.forbidden");

    must(app::approve_employee_representative(
      svc, staff(), company_id, company::approve_employee_representative{ "rep-2", {} }));
    auto r = company_state(company_id).representatives.at(0);
    EXPECT_EQ(r.status, company::representative_status::active);
    EXPECT_EQ(r.account_id, eva) << "the account id follows from the request's e-mail";

    // The follow-up: the system creates Eva's account; she activates and acts.
    must(app::create_account(svc,
                             system(),
                             invitation("eva@muster.de",
                                        "Eva Mitarbeiterin",
                                        { role::representative, company_id, {} },
                                        "inv-eva")));
    must(app::activate_account(svc, system(), eva, account::activate{ "inv-eva", "hash-eva" }));
    must(app::give_publication_consent(svc, as(role::representative, eva, company_id), company_id));
    EXPECT_TRUE(company_state(company_id).publication_consent);

    must(app::revoke_representative(
      svc, company(), company_id, company::revoke_representative{ "rep-2" }));
    EXPECT_EQ(code_of(app::withdraw_publication_consent(
                svc, as(role::representative, eva, company_id), company_id)),
              "company.forbidden");
    EXPECT_EQ(names(company::stream_id(company_id)).back(), "company.representative_revoked");
}

TEST_F(AppAccountsTest, CompanySetsRecordSettingsAndCentralOfficeActsForItsBranch)
{
    given_company_and_contract();
    ASSERT_FALSE(HasFailure());

    must(app::change_record_settings(
      svc, company(), company_id, company::change_record_settings{ k_occupation, true, false }));
    auto same = must(app::change_record_settings(
      svc, company(), company_id, company::change_record_settings{ k_occupation, true, false }));
    EXPECT_EQ(same.events, 0u);
    EXPECT_EQ(company::record_settings_for(company_state(company_id), k_occupation),
              (company::record_settings{ true, false }));

    // A central office with a branch registered under it.
    auto central = muster("99999");
    central.name = "Muster Holding AG";
    central.email = "zentrale@muster.de";
    must(app::register_company(svc, staff(), central));
    auto central_id = app::company_id_for("99999");
    auto branch = muster("55555");
    branch.name = "Muster Filiale Nord";
    branch.email = "nord@muster.de";
    branch.central_company_id = central_id;
    must(app::register_company(svc, staff(), branch));
    auto branch_id = app::company_id_for("55555");
    auto central_account = std::string("acc-zentrale@muster.de");
    must(app::create_account(
      svc,
      system(),
      invitation(
        "zentrale@muster.de", "Muster Holding AG", { role::company, central_id, {} }, "inv-z")));

    auto for_branch = [&] { return as(role::company, central_account, branch_id); };
    must(app::change_record_settings(
      svc, for_branch(), branch_id, company::change_record_settings{ "*", true, true }));
    EXPECT_EQ(company::record_settings_for(company_state(branch_id), "Koch/Köchin"),
              (company::record_settings{ true, true }));
    // ... and manages the branch's trainer accounts.
    must(app::create_account(
      svc,
      for_branch(),
      invitation(
        "nord.ausbilder@muster.de", "Nora Nord", { role::trainer, branch_id, {} }, "inv-n")));
    // Not another company, though.
    EXPECT_EQ(
      code_of(app::change_record_settings(svc,
                                          as(role::company, central_account, company_id),
                                          company_id,
                                          company::change_record_settings{ "*", false, false })),
      "company.forbidden");

    // The aggregate detaches only branches its own stream attached
    // (registration under a central office is no `branch_attached`), so
    // staff attach it explicitly first; detached, the central office no
    // longer acts for it.
    auto attached =
      must(app::attach_branch(svc, staff(), central_id, company::attach_branch{ branch_id }));
    EXPECT_EQ(attached.events, 1u);
    auto detached =
      must(app::detach_branch(svc, staff(), central_id, company::detach_branch{ branch_id }));
    EXPECT_EQ(detached.events, 1u);
    EXPECT_EQ(
      code_of(app::change_record_settings(
        svc, for_branch(), branch_id, company::change_record_settings{ "*", false, false })),
      "company.forbidden");
    // Re-attached, it does again.
    must(app::attach_branch(svc, staff(), central_id, company::attach_branch{ branch_id }));
    must(app::change_record_settings(
      svc, for_branch(), branch_id, company::change_record_settings{ "*", false, false }));
    // A central office cannot become a branch, a branch cannot get a second office.
    EXPECT_EQ(
      code_of(app::attach_branch(svc, staff(), company_id, company::attach_branch{ central_id })),
      "company.branch_is_central_office");
    EXPECT_EQ(
      code_of(app::attach_branch(svc, staff(), company_id, company::attach_branch{ branch_id })),
      "company.branch_taken");
    // A branch is no central office for a new company; the office must exist.
    auto under_branch = muster("44444");
    under_branch.central_company_id = branch_id;
    EXPECT_EQ(code_of(app::register_company(svc, staff(), under_branch)),
              "company.central_is_branch");
    under_branch.central_company_id = app::company_id_for("00000");
    EXPECT_EQ(code_of(app::register_company(svc, staff(), under_branch)),
              "company.central_not_found");
}

TEST_F(AppAccountsTest, MemberNumbersAreUnique)
{
    must(app::register_company(svc, staff(), muster("12345")));
    auto again = muster(" 12345 ");
    again.name = "Andere GmbH";
    auto taken = app::register_company(svc, staff(), again);
    ASSERT_FALSE(taken.has_value());
    EXPECT_EQ(taken.error().code, "company.member_number_taken");
    EXPECT_EQ(taken.error().cls, error_class::rejected);

    auto chosen = muster("24680");
    chosen.company_id = "my-own-id";
    EXPECT_EQ(code_of(app::register_company(svc, staff(), chosen)), "validation.company_id");
    EXPECT_EQ(
      code_of(app::register_company(svc, as(role::company, company_account), muster("13579"))),
      "company.forbidden");
    EXPECT_EQ(app::company_id_for(" AB/12 "), "member-ab%2F12");
    EXPECT_EQ(app::company_id_for("ab/12"), app::company_id_for("AB/12"));
    EXPECT_NE(app::company_id_for("ab%2F12"), app::company_id_for("ab/12"));
    EXPECT_EQ(names(company::stream_id(company_id)),
              std::vector<std::string>{ "company.registered" });
}

TEST_F(AppAccountsTest, ConcurrentRegistrationsOfOneMemberNumberLetExactlyOneWin)
{
    constexpr int k_threads = 4;
    std::barrier start(k_threads);
    std::vector<std::string> codes(k_threads);
    std::vector<std::thread> threads;
    for (int i = 0; i < k_threads; ++i) {
        threads.emplace_back([&, i] {
            auto c = muster("31415");
            c.name = "Firma " + std::to_string(i);
            command_meta meta{ "register-" + std::to_string(i),
                               principal{ "acc-staff@ihk.de", role::staff, {} },
                               now };
            start.arrive_and_wait();
            codes[static_cast<std::size_t>(i)] = code_of(app::register_company(svc, meta, c));
        });
    }
    for (auto& t : threads) {
        t.join();
    }
    EXPECT_EQ(std::count(codes.begin(), codes.end(), "ok"), 1);
    EXPECT_EQ(std::count(codes.begin(), codes.end(), "company.member_number_taken"), k_threads - 1);
    EXPECT_EQ(names(company::stream_id(app::company_id_for("31415"))).size(), 1u);
}

TEST_F(AppAccountsTest, ContractIsChangedAndEnded)
{
    given_people_with_accounts();
    ASSERT_FALSE(HasFailure());
    must(app::register_trainer(
      svc,
      company(),
      company_id,
      company::register_trainer{ "tr-2", "Bernd Ausbilder", "bernd@muster.de" }));

    EXPECT_EQ(code_of(app::change_contract_trainers(
                svc, staff(), "k-1", contract::change_trainers{ { "tr-404" } })),
              "contract.unknown_trainer");
    must(app::change_contract_trainers(
      svc, staff(), "k-1", contract::change_trainers{ { "tr-1", "tr-2" } }));
    must(app::change_contract_dates(
      svc, staff(), "k-1", contract::change_dates{ "2026-09-01", "2029-08-31" }));
    must(app::change_record_form(
      svc, staff(), "k-1", contract::change_record_form{ schema::RecordForm::PAPER }));
    EXPECT_EQ(
      code_of(app::change_record_form(
        svc, company(), "k-1", contract::change_record_form{ schema::RecordForm::ELECTRONIC })),
      "contract.staff_only");
    must(app::end_contract(
      svc,
      staff(),
      "k-1",
      contract::end_contract{ "2026-11-27", schema::EndReason::TERMINATED, "Kündigung" }));

    auto k = contract_state("k-1");
    EXPECT_EQ(k.trainer_ids, (std::vector<std::string>{ "tr-1", "tr-2" }));
    EXPECT_EQ(format_date(k.start_date), "2026-09-01");
    EXPECT_EQ(k.record_form, schema::RecordForm::PAPER);
    EXPECT_TRUE(k.ended);
    EXPECT_EQ(k.end_reason, schema::EndReason::TERMINATED);

    EXPECT_EQ(code_of(app::change_contract_dates(
                svc, staff(), "k-1", contract::change_dates{ "2026-09-01", "2029-09-30" })),
              "contract.ended");
    auto unknown =
      app::end_contract(svc,
                        staff(),
                        "k-404",
                        contract::end_contract{ "2026-11-27", schema::EndReason::REGULAR, "" });
    ASSERT_FALSE(unknown.has_value());
    EXPECT_EQ(unknown.error().code, "contract.not_found");
    EXPECT_EQ(unknown.error().cls, error_class::not_found);

    auto tail = names("contract-k-1");
    EXPECT_EQ(std::vector<std::string>(tail.begin() + 3, tail.end()),
              (std::vector<std::string>{ "contract.trainers_changed",
                                         "contract.dates_changed",
                                         "contract.record_form_changed",
                                         "contract.ended" }));
}

TEST_F(AppAccountsTest, StaffEraseTheTraineesPersonalDataOnceTheContractHasEnded)
{
    given_people_with_accounts();
    ASSERT_FALSE(HasFailure());
    auto erase = [&](const command_meta& meta, std::string_view id, std::string reason) {
        return app::erase_contract_personal_data(
          svc, meta, id, contract::erase_personal_data{ std::move(reason) });
    };
    // Running (1 August 2026 to 31 July 2029): refused, nothing appended.
    EXPECT_EQ(code_of(erase(staff(), "k-1", "Aufbewahrungsfrist abgelaufen")),
              "contract.still_running");
    must(app::end_contract(
      svc,
      staff(),
      "k-1",
      contract::end_contract{ "2026-11-27", schema::EndReason::TERMINATED, "Kündigung" }));
    EXPECT_EQ(code_of(erase(company(), "k-1", "Frist")), "contract.staff_only");
    EXPECT_EQ(code_of(erase(trainee(), "k-1", "Frist")), "contract.staff_only");
    EXPECT_EQ(code_of(erase(staff(), "k-1", "")), "validation.reason");
    EXPECT_EQ(code_of(erase(staff(), "k-404", "Frist")), "contract.not_found");

    auto done = must(erase(staff(), "k-1", "Aufbewahrungsfrist abgelaufen"));
    EXPECT_EQ(done.events, 1U);
    auto again = must(erase(staff(), "k-1", "Aufbewahrungsfrist abgelaufen"));
    EXPECT_EQ(again.events, 0U);
    EXPECT_EQ(again.version, done.version);

    auto k = contract_state("k-1");
    EXPECT_TRUE(k.personal_data_erased);
    EXPECT_EQ(k.trainee_name, "");
    EXPECT_EQ(k.trainee_email, "");
    EXPECT_EQ(k.birth_date, date{});
    EXPECT_EQ(k.trainee_number, k_trainee_number);
    EXPECT_EQ(k.trainee_account_id, trainee_account);
    EXPECT_EQ(names("contract-k-1").back(), "contract.personal_data_erased");
    // A trainee account can no longer be linked to it.
    EXPECT_EQ(code_of(app::link_trainee_account(
                svc, staff(), "k-1", contract::link_trainee_account{ "acc-neu@example.de" })),
              "contract.personal_data_erased");
}

TEST_F(AppAccountsTest, ContractNeedsAKnownCompanyAndItsTrainers)
{
    auto k = tom_contract();
    EXPECT_EQ(code_of(app::register_contract(svc, staff(), "k-9", k)), "contract.unknown_company");
    must(app::register_company(svc, staff(), muster()));
    EXPECT_EQ(code_of(app::register_contract(svc, staff(), "k-9", k)), "contract.unknown_trainer");
    EXPECT_TRUE(names("contract-k-9").empty());
    // Without chamber configuration the period is the chamber's default: a week.
    must(app::register_trainer(
      svc,
      staff(),
      company_id,
      company::register_trainer{ "tr-1", "Anna Ausbilder", k_trainer_email }));
    must(app::register_contract(svc, staff(), "k-9", k));
    EXPECT_EQ(contract_state("k-9").period_kind, schema::PeriodKind::WEEK);
}

TEST_F(AppAccountsTest, TraineeGrantsAndRevokesRecordAccess)
{
    given_people_with_accounts();
    ASSERT_FALSE(HasFailure());

    EXPECT_EQ(code_of(app::grant_access(
                svc, as(role::trainer, trainer_account), access_grant::grant_access{ "k-1", 30 })),
              "access_grant.forbidden");
    EXPECT_EQ(code_of(app::grant_access(svc, trainee(), access_grant::grant_access{ "k-1", 5 })),
              "validation.days");
    must(app::grant_access(svc, trainee(), access_grant::grant_access{ "k-1", std::nullopt }));
    auto grant = domain::load<access_grant::state>(*log, access_grant::stream_id("k-1"));
    ASSERT_TRUE(grant.has_value());
    EXPECT_TRUE(access_grant::active(grant->state, now));
    EXPECT_EQ(grant->state.expires_at, now + 90 * 24h);

    must(app::revoke_access(svc, trainee(), "k-1"));
    auto again = must(app::revoke_access(svc, trainee(), "k-1"));
    EXPECT_EQ(again.events, 0u);
    EXPECT_EQ(names("grant-k-1"),
              (std::vector<std::string>{ "access_grant.granted", "access_grant.revoked" }));
    EXPECT_EQ(code_of(app::revoke_access(svc, trainee(), "k-404")), "contract.not_found");
}

TEST_F(AppAccountsTest, DocumentsAreIssuedAndWithdrawn)
{
    given_company_and_contract();
    ASSERT_FALSE(HasFailure());
    EXPECT_EQ(code_of(app::withdraw_document(svc, staff(), "d-1", document::withdraw{ "" })),
              "document.reason_required");
    EXPECT_EQ(
      code_of(app::withdraw_document(svc, company(), "d-1", document::withdraw{ "falsch" })),
      "document.staff_only");
    must(app::withdraw_document(svc, staff(), "d-1", document::withdraw{ "falsch ausgestellt" }));
    EXPECT_EQ(names("document-d-1"),
              (std::vector<std::string>{ "document.issued", "document.withdrawn" }));
    EXPECT_EQ(code_of(app::withdraw_document(svc, staff(), "d-404", document::withdraw{ "x" })),
              "document.not_found");
}

TEST_F(AppAccountsTest, SupervisorPinBecomesALoginAndAccountsAreErased)
{
    account::create sup;
    sup.email = "leitung@muster.de";
    sup.name = "Lea Leitung";
    sup.role = { role::supervisor, {}, {} };
    sup.pin_hash = "pin-hash";
    must(app::create_account(svc, system(), sup));
    auto lea = std::string("acc-leitung@muster.de");
    auto again = must(app::issue_pin(svc, system(), lea, account::issue_pin{ "pin-2" }));
    EXPECT_EQ(again.events, 0u) << "the PIN is created once";
    must(app::record_login(
      svc,
      system(),
      lea,
      account::record_login{ account::login_method::pin, true, "session-hash", now + 12h }));

    EXPECT_EQ(code_of(app::convert_pin(svc, staff(), lea, account::convert_pin{ "pw" })),
              "account.forbidden");
    must(app::convert_pin(svc, as(role::supervisor, lea), lea, account::convert_pin{ "pw-1" }));
    EXPECT_EQ(
      code_of(app::change_password(svc,
                                   as(role::supervisor, lea),
                                   lea,
                                   account::change_password{ false, "pw-2", "session-hash" })),
      "account.wrong_password");
    must(app::change_password(svc,
                              as(role::supervisor, lea),
                              lea,
                              account::change_password{ true, "pw-2", "session-hash" }));
    must(login(lea, true));

    // Roles come and go; staff manage examiner roles.
    must(app::grant_account_role(
      svc, staff(), lea, account::grant_role{ { role::examiner, {}, {} } }));
    EXPECT_EQ(account_state(lea).roles.size(), 2u);
    must(app::revoke_account_role(
      svc, staff(), lea, account::revoke_role{ { role::examiner, {}, {} } }));
    EXPECT_EQ(account_state(lea).roles.size(), 1u);

    must(app::erase_account(svc, staff(), lea, account::erase{ "retention ended" }));
    EXPECT_TRUE(account_state(lea).erased);
    EXPECT_EQ(code_of(login(lea, true)), "account.erased");
}

TEST_F(AppAccountsTest, ALoginStartsASessionAndALogoutEndsIt)
{
    given_people_with_accounts();
    ASSERT_FALSE(HasFailure());

    must(login(trainer_account, true));
    auto ended = must(app::end_session(svc,
                                       as(role::trainer, trainer_account),
                                       trainer_account,
                                       account::end_session{ "session-hash", "logout" }));
    EXPECT_EQ(ended.events, 1u);
    auto events = log->read_stream(account::stream_id(trainer_account), 1, 100);
    ASSERT_TRUE(events.has_value());
    ASSERT_GE(events->size(), 2u);
    auto name_at = [&](std::size_t from_end) {
        auto env = events::envelope::decode((*events)[events->size() - from_end].envelope_bytes);
        EXPECT_TRUE(env.has_value());
        return env ? events::event_name(env->reader().getPayload()) : std::string{};
    };
    EXPECT_EQ(name_at(2), "account.login_succeeded");
    EXPECT_EQ(name_at(1), "account.session_ended");
    EXPECT_EQ(
      code_of(app::end_session(
        svc, system(), "acc-nobody@example.de", account::end_session{ "session-hash", "logout" })),
      "account.not_found");
}

TEST_F(AppAccountsTest, RepeatedCommandIdsAreAnsweredWithTheFirstResult)
{
    given_people_with_accounts();
    ASSERT_FALSE(HasFailure());

    auto meta = as(role::system);
    auto first = must(app::record_login(
      svc, meta, trainer_account, account::record_login{ account::login_method::password, false }));
    auto second = must(app::record_login(
      svc, meta, trainer_account, account::record_login{ account::login_method::password, false }));
    EXPECT_FALSE(first.duplicate);
    EXPECT_TRUE(second.duplicate);
    EXPECT_EQ(second.version, first.version);
    EXPECT_EQ(second.position, first.position);
    EXPECT_EQ(account_state(trainer_account).consecutive_failures, 1u);

    auto register_meta = staff();
    auto k = tom_contract();
    k.trainee = { "Lisa Lehrling", "2007-05-05", "lisa@example.de" };
    k.trainee_number = "AZ-0002";
    auto r1 = must(app::register_contract(svc, register_meta, "k-2", k));
    auto r2 = must(app::register_contract(svc, register_meta, "k-2", k));
    EXPECT_TRUE(r2.duplicate);
    EXPECT_EQ(r2.version, r1.version);
    EXPECT_EQ(names("contract-k-2").size(), 1u);
    // A new command id for the same registration is refused.
    EXPECT_EQ(code_of(app::register_contract(svc, staff(), "k-2", k)),
              "contract.already_registered");

    auto company_meta = staff();
    auto c1 = must(app::register_company(svc, company_meta, muster("777")));
    auto c2 = must(app::register_company(svc, company_meta, muster("777")));
    EXPECT_TRUE(c2.duplicate);
    EXPECT_EQ(c2.stream, c1.stream);
}

TEST_F(AppAccountsTest, ChamberSettingsAreStaffOnlyAndValidated)
{
    EXPECT_EQ(
      code_of(app::change_chamber_settings(
        svc, company(), chamber::change_settings{ 3u, std::nullopt, std::nullopt, std::nullopt })),
      "chamber.forbidden");
    auto bad = app::change_chamber_settings(
      svc, staff(), chamber::change_settings{ 0u, std::nullopt, std::nullopt, std::nullopt });
    ASSERT_FALSE(bad.has_value());
    EXPECT_EQ(bad.error().code, "validation.max_failed_logins");
    EXPECT_EQ(bad.error().cls, error_class::invalid);
    EXPECT_TRUE(names("chamber").empty());
}

} // namespace
