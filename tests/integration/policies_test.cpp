// Process managers (aggregates/app/policies.hpp) on the real embedded log.

#include "app/accounts.hpp"
#include "app/policies.hpp"
#include "app/records.hpp"
#include "portal/infra/embedded_log.hpp"
#include "test_support.hpp"

#include <gtest/gtest.h>

using namespace portal;
using namespace portal::domain;

namespace {

struct PoliciesTest : ::testing::Test
{
    portal::testing::temp_dir dir;
    std::unique_ptr<events::event_log> log =
      *infra::open_embedded_log({ .dir = dir.path(), .sync = false });
    app::services svc{ *log, [](std::string_view email) { return "acc-" + std::string(email); } };
    app::secret_source secrets{
        [](std::string_view purpose, std::string_view id) {
            return "tok:" + std::string(purpose) + ":" + std::string(id);
        },
        [](std::string_view, std::string_view id) {
            return std::to_string(id.size() * 7919 % 1000000);
        },
        [](std::string_view token) { return "h(" + std::string(token) + ")"; },
        [](std::string_view pin) { return "argon(" + std::string(pin) + ")"; }
    };
    timestamp now = *parse_rfc3339("2026-11-28T10:00:00Z");
    int commands = 0;
    std::string company_id = app::company_id_for("4711");
    events::position reacted;

    command_meta as(role r, std::string account = {}, std::string behalf = {})
    {
        return command_meta{ "cmd-" + std::to_string(++commands),
                             principal{ std::move(account), r, std::move(behalf) },
                             now };
    }

    /// Reacts to every event after the last one reacted to; returns how
    /// many follow-ups changed something.
    std::size_t react_all()
    {
        std::size_t changed = 0;
        for (;;) {
            auto batch = log->read_all(reacted, 100);
            EXPECT_TRUE(batch.has_value());
            if (!batch || batch->empty()) {
                return changed;
            }
            for (const auto& e : *batch) {
                auto r = app::react(svc, secrets, e, now);
                EXPECT_TRUE(r.has_value()) << r.error().code << " " << r.error().message;
                changed += r ? *r : 0;
                reacted = e.position;
            }
        }
    }

    std::vector<std::string> names(std::string_view stream)
    {
        std::vector<std::string> out;
        auto stored = log->read_stream(stream);
        EXPECT_TRUE(stored.has_value());
        for (const auto& e : *stored) {
            out.push_back(events::event_name(
              events::envelope::decode(e.envelope_bytes)->reader().getPayload()));
        }
        return out;
    }

    void company_with_contract(std::string contract_id = "c-1")
    {
        add_company();
        add_contract(std::move(contract_id));
    }

    void add_company()
    {
        company::register_company rc;
        rc.name = "Muster GmbH";
        rc.member_number = "4711";
        rc.email = "info@muster.de";
        rc.address = { "Hauptstraße 1", "86150", "Augsburg" };
        ASSERT_TRUE(app::register_company(svc, as(role::staff, "acc-staff"), rc));
        ASSERT_TRUE(app::register_trainer(svc,
                                          as(role::staff, "acc-staff"),
                                          company_id,
                                          { "tr-1", "Anna Ausbilder", "anna@muster.de" }));
    }

    void add_contract(std::string contract_id)
    {
        contract::register_contract c;
        c.company_id = company_id;
        c.trainee = { "Tom Azubi", "2006-04-01", "tom@example.de" };
        c.trainee_number = "AZ-1";
        c.occupation = "Fachinformatiker/-in";
        c.start = "2025-09-01";
        c.end = "2028-08-31";
        c.record_form = schema::RecordForm::ELECTRONIC;
        c.trainer_ids = { "tr-1" };
        ASSERT_TRUE(app::register_contract(svc, as(role::staff, "acc-staff"), contract_id, c));
    }
};

using namespace portal::domain::company;

TEST_F(PoliciesTest, ARegisteredContractGetsTheCompanyAccountAndItsConfirmation)
{
    company_with_contract();
    EXPECT_EQ(react_all(), 4U);
    auto account = app::load_account(svc, "acc-info@muster.de");
    ASSERT_TRUE(account.has_value());
    ASSERT_TRUE(account->state.exists);
    auto account_events = log->read_stream("account-acc-info@muster.de");
    ASSERT_GE(account_events->size(), 2U);
    // The invitation's hash is of the token derived from the command id.
    auto env = events::envelope::decode(account_events->at(0).envelope_bytes);
    auto command_id = str(env->reader().getCommandId());
    EXPECT_EQ(command_id.rfind("policy:", 0), 0U);
    auto invitation = events::envelope::decode(account_events->at(1).envelope_bytes);
    auto hash = invitation->reader().getPayload().getAccount().getInvitationIssued().getTokenHash();
    EXPECT_EQ(std::string(reinterpret_cast<const char*>(hash.begin()), hash.size()),
              "h(tok:invitation:" + command_id + ")");

    auto company = app::load_company(svc, company_id);
    ASSERT_EQ(company->state.company_accounts.size(), 1U);
    EXPECT_EQ(company->state.company_accounts[0], "acc-info@muster.de");
    auto contract = app::load_contract(svc, "c-1");
    ASSERT_FALSE(contract->state.confirmation_document_id.empty());
    auto document = names("document-" + contract->state.confirmation_document_id);
    ASSERT_EQ(document.size(), 1U);
    EXPECT_EQ(document[0], "document.issued");
}

TEST_F(PoliciesTest, ReactingAgainToTheSameEventsChangesNothing)
{
    company_with_contract();
    ASSERT_EQ(react_all(), 4U);
    auto before = log->last_position();
    reacted = events::position{ 0 }; // as after a lost checkpoint
    EXPECT_EQ(react_all(), 0U);
    EXPECT_EQ(log->last_position(), before);
}

TEST_F(PoliciesTest, ASecondContractOfTheCompanyCreatesNoSecondAccount)
{
    company_with_contract("c-1");
    ASSERT_EQ(react_all(), 4U);
    add_contract("c-2");
    EXPECT_EQ(react_all(), 2U); // only the confirmation of c-2
    EXPECT_EQ(app::load_company(svc, company_id)->state.company_accounts.size(), 1U);
}

TEST_F(PoliciesTest, ARecordSentToAnUnknownEmailCreatesOneSupervisorPinAccount)
{
    company_with_contract();
    ASSERT_EQ(react_all(), 4U);
    ASSERT_TRUE(app::change_record_settings(
      svc, as(role::staff, "acc-staff"), company_id, { "*", true, false }));
    account::create trainee;
    trainee.email = "tom@example.de";
    trainee.name = "Tom Azubi";
    trainee.role = { role::trainee, company_id, "c-1" };
    trainee.invitation_token_hash = "h";
    trainee.invitation_expires_at = now + std::chrono::hours{ 24 };
    ASSERT_TRUE(app::create_account(svc, as(role::staff, "acc-staff"), trainee));
    ASSERT_TRUE(app::link_trainee_account(svc, as(role::system), "c-1", { "acc-tom@example.de" }));
    auto submit_week = [&](unsigned week) {
        report::draft d;
        d.contract_id = "c-1";
        d.period.week = { 2026, week };
        d.entries.push_back({ schema::EntryKind::COMPANY, "Programmiert", 8 * 60, "", {} });
        ASSERT_TRUE(app::draft_report(svc, as(role::trainee, "acc-tom@example.de"), d));
        auto id = app::report_id_for("c-1", d.period);
        ASSERT_TRUE(app::submit_report(
          svc, as(role::trainee, "acc-tom@example.de"), id, { "meister@muster.de" }));
    };
    submit_week(40);
    EXPECT_EQ(react_all(), 1U);
    auto supervisor = app::load_account(svc, "acc-meister@muster.de");
    ASSERT_TRUE(supervisor->state.exists);
    auto created = names("account-acc-meister@muster.de");
    EXPECT_NE(std::find(created.begin(), created.end(), "account.pin_issued"), created.end());
    // The PIN is created once: a later record to the same e-mail adds none.
    submit_week(41);
    EXPECT_EQ(react_all(), 0U);
    EXPECT_EQ(names("account-acc-meister@muster.de").size(), created.size());

    // A record sent to another address, and the contract's personal data
    // erased before the policy saw the record (it lagged): the record reads
    // without the address, and reacting to it neither fails nor makes an
    // account.
    report::draft d;
    d.contract_id = "c-1";
    d.period.week = { 2026, 42 };
    d.entries.push_back({ schema::EntryKind::COMPANY, "Programmiert", 8 * 60, "", {} });
    ASSERT_TRUE(app::draft_report(svc, as(role::trainee, "acc-tom@example.de"), d));
    ASSERT_TRUE(app::submit_report(svc,
                                   as(role::trainee, "acc-tom@example.de"),
                                   app::report_id_for("c-1", d.period),
                                   { "leitung@muster.de" }));
    ASSERT_TRUE(
      app::end_contract(svc, as(role::staff, "acc-staff"), "c-1", { "2026-11-27", {}, "" }));
    ASSERT_TRUE(app::erase_contract_personal_data(
      svc, as(role::staff, "acc-staff"), "c-1", { "Aufbewahrungsfrist abgelaufen" }));
    react_all();
    EXPECT_FALSE(app::load_account(svc, "acc-leitung@muster.de")->state.exists);
}

TEST_F(PoliciesTest, AnApprovedEmployeeRepresentativeGetsAnAccount)
{
    company_with_contract();
    ASSERT_EQ(react_all(), 4U);
    ASSERT_TRUE(
      app::request_employee_representative(svc,
                                           as(role::company, "acc-info@muster.de", company_id),
                                           company_id,
                                           { "rep-1", "Rita Vertreterin", "rita@muster.de" }));
    ASSERT_TRUE(app::approve_employee_representative(
      svc, as(role::staff, "acc-staff"), company_id, { "rep-1", "" }));
    EXPECT_EQ(react_all(), 1U);
    auto rep = app::load_account(svc, "acc-rita@muster.de");
    ASSERT_TRUE(rep->state.exists);
    EXPECT_EQ(names("account-acc-rita@muster.de").at(1), "account.invitation_issued");
}

/// The trainee's login for `contract_id` (a trainee role of that contract).
void
trainee_login(PoliciesTest& t, const std::string& contract_id, const std::string& email)
{
    account::create c;
    c.email = email;
    c.name = "Tom Azubi";
    c.role = { role::trainee, t.company_id, contract_id };
    c.invitation_token_hash = "h";
    c.invitation_expires_at = t.now + std::chrono::hours(24);
    ASSERT_TRUE(app::create_account(t.svc, t.as(role::staff, "acc-staff"), c));
    ASSERT_TRUE(app::link_trainee_account(
      t.svc, t.as(role::staff, "acc-staff"), contract_id, { t.svc.account_id_of(email) }));
}

void
end_and_erase(PoliciesTest& t, const std::string& contract_id)
{
    ASSERT_TRUE(app::end_contract(
      t.svc, t.as(role::staff, "acc-staff"), contract_id, { "2026-11-27", {}, "" }));
    ASSERT_TRUE(app::erase_contract_personal_data(
      t.svc, t.as(role::staff, "acc-staff"), contract_id, { "Aufbewahrungsfrist abgelaufen" }));
}

TEST_F(PoliciesTest, ErasingAContractsPersonalDataErasesTheLoginThatServedItAlone)
{
    company_with_contract("c-1");
    trainee_login(*this, "c-1", "tom@example.de");
    react_all();
    end_and_erase(*this, "c-1");
    EXPECT_EQ(react_all(), 1U);
    auto login = app::load_account(svc, "acc-tom@example.de");
    ASSERT_TRUE(login.has_value());
    EXPECT_TRUE(login->state.erased);
    EXPECT_TRUE(login->state.email.empty());
    auto erasure = log->read_stream("account-acc-tom@example.de");
    auto env = events::envelope::decode(erasure->back().envelope_bytes);
    EXPECT_EQ(env->reader().getActor().getRole(), schema::Role::SYSTEM);
    // Again (a restart behind its checkpoint): nothing new.
    reacted = events::position{ 0 };
    EXPECT_EQ(react_all(), 0U);
}

TEST_F(PoliciesTest, ALoginWithAnotherRoleStaysWhenOneContractIsErased)
{
    company_with_contract("c-1");
    add_contract("c-2");
    trainee_login(*this, "c-1", "tom@example.de");
    ASSERT_TRUE(app::grant_account_role(svc,
                                        as(role::staff, "acc-staff"),
                                        "acc-tom@example.de",
                                        { { role::trainee, company_id, "c-2" } }));
    react_all();
    end_and_erase(*this, "c-1");
    EXPECT_EQ(react_all(), 0U);
    auto login = app::load_account(svc, "acc-tom@example.de");
    EXPECT_FALSE(login->state.erased);
    EXPECT_EQ(login->state.email, "tom@example.de");
}

TEST_F(PoliciesTest, AnErasedAccountTakesItsTrainerAndRepresentativeEntriesInTheCompany)
{
    company_with_contract();
    // Anna Ausbilder (tr-1) gets a login and also represents the company;
    // another trainer stays.
    account::create c;
    c.email = "anna@muster.de";
    c.name = "Anna Ausbilder";
    c.role = { role::trainer, company_id, "" };
    c.invitation_token_hash = "h";
    c.invitation_expires_at = now + std::chrono::hours(24);
    ASSERT_TRUE(app::create_account(svc, as(role::staff, "acc-staff"), c));
    auto anna = svc.account_id_of("anna@muster.de");
    ASSERT_TRUE(
      app::link_trainer_account(svc, as(role::staff, "acc-staff"), company_id, { "tr-1", anna }));
    ASSERT_TRUE(app::grant_account_role(
      svc, as(role::staff, "acc-staff"), anna, { { role::representative, company_id, "" } }));
    ASSERT_TRUE(app::appoint_representative(
      svc, as(role::staff, "acc-staff"), company_id, { "rep-1", anna, "Anna Ausbilder" }));
    ASSERT_TRUE(app::register_trainer(svc,
                                      as(role::staff, "acc-staff"),
                                      company_id,
                                      { "tr-2", "Bernd Berger", "bernd@muster.de" }));
    react_all();

    ASSERT_TRUE(app::erase_account(
      svc, as(role::staff, "acc-staff"), anna, { "Aufbewahrungsfrist abgelaufen" }));
    EXPECT_EQ(react_all(), 2U) << "her trainer and her representative entry";
    auto company = app::load_company(svc, company_id);
    ASSERT_TRUE(company.has_value());
    const auto& trainers = company->state.trainers;
    ASSERT_EQ(trainers.size(), 2U);
    EXPECT_TRUE(trainers[0].erased);
    EXPECT_EQ(trainers[0].name, "") << "the log reads it without the destroyed key";
    EXPECT_EQ(trainers[0].email, "");
    EXPECT_FALSE(trainers[1].erased);
    EXPECT_EQ(trainers[1].name, "Bernd Berger");
    ASSERT_EQ(company->state.representatives.size(), 1U);
    EXPECT_TRUE(company->state.representatives[0].erased);
    EXPECT_EQ(company->state.representatives[0].status, representative_status::revoked);
    // Every stored company event reads without her name or address.
    auto stored = log->read_stream("company-" + company_id);
    ASSERT_TRUE(stored.has_value());
    for (const auto& e : *stored) {
        auto name =
          events::event_name(events::envelope::decode(e.envelope_bytes)->reader().getPayload());
        EXPECT_EQ(e.envelope_bytes.find("Anna Ausbilder"), std::string::npos) << name;
        // (Account ids here are "acc-" and the address.)
        auto address = e.envelope_bytes.find("anna@muster.de");
        EXPECT_TRUE(address == std::string::npos ||
                    (address >= 4 && e.envelope_bytes.substr(address - 4, 4) == "acc-"))
          << name;
    }
    // Again (a restart behind its checkpoint): nothing new.
    reacted = events::position{ 0 };
    EXPECT_EQ(react_all(), 0U);
}

} // namespace
