#pragma once

/// A company with a trainer, a running contract of a trainee with an
/// electronic record, and signed-in accounts for staff, the trainer and the
/// trainee, set up through the application layer (not through the company
/// and contract routes), for the gateway tests of records and exams.
///
/// Today (the test clock) is Saturday 2026-11-28 (ISO week 48); the
/// contract starts on Monday 2026-11-02 (week 45), so weeks 45 to 48 may
/// have records and week 49 lies in the future.

#include "app/accounts.hpp"
#include "app/policies.hpp"
#include "gateway_env.hpp"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <string>

namespace portal::testing {

#define PORTAL_ASSERT_OK(expr)                                                                     \
    do {                                                                                           \
        auto&& ok_ = (expr);                                                                       \
        ASSERT_TRUE(ok_.has_value())                                                               \
          << #expr << ": " << ok_.error().code << " " << ok_.error().message;                      \
    } while (false)

class training_world
{
  public:
    static constexpr const char* k_occupation = "Industriemechaniker/-in";
    static constexpr const char* k_staff_email = "sachbearbeitung@ihk.example";
    static constexpr const char* k_company_email = "ausbildung@muster.example";
    static constexpr const char* k_trainer_email = "ausbilder@muster.example";
    static constexpr const char* k_trainee_email = "azubi@muster.example";

    gateway_env env;
    std::string staff;   ///< staff bearer token
    std::string trainer; ///< trainer bearer token
    std::string trainee; ///< trainee bearer token
    std::string staff_id;
    std::string company_id;
    std::string trainer_id;
    std::string contract_id;

    const app::services& services() { return env.portal().services(); }

    /// Metadata of a command by `account_id` acting as `r` now.
    domain::command_meta as(std::string account_id, events::role r)
    {
        domain::command_meta m;
        m.command_id = fmt::format("test-setup-{}", ++sequence_);
        m.actor = domain::principal{ std::move(account_id), r, "" };
        m.now = env.now();
        return m;
    }
    domain::command_meta as_staff() { return as(staff_id, events::role::staff); }

    /// Creates an account invited by staff (the invitation mail carries the
    /// token derived from the command id, as the gateway does); the token.
    std::string invite(const std::string& email, domain::account::account_role r)
    {
        auto meta = as_staff();
        const auto& secrets = env.portal().api().secrets();
        domain::account::create c;
        c.email = email;
        c.name = "Person " + email;
        c.role = std::move(r);
        auto token = secrets.token(app::k_invitation_purpose, meta.command_id);
        c.invitation_token_hash = secrets.token_hash(token);
        c.invitation_expires_at = meta.now + std::chrono::hours{ 72 };
        auto created = app::create_account(services(), meta, c);
        EXPECT_TRUE(created.has_value()) << email << ": " << created.error().code;
        return token;
    }

    /// An invited, activated and signed-in account; its token. Activated
    /// from the invitation mail file, or (mails delivered over SMTP, no
    /// files) with the token the invitation derived.
    std::string person(const std::string& email, domain::account::account_role r)
    {
        auto token = invite(email, std::move(r));
        if (!over_smtp_) {
            return env.activate_and_login(email);
        }
        // The account must have reached the read model first (the mail
        // file waited for that): until then the token is unknown (422).
        http_reply activated;
        wait_until([&] {
            activated = env.client().post(
              "/api/v1/accounts/activate",
              json_text({ { "token", token }, { "password", gateway_env::k_password } }));
            return activated.status != 422U;
        });
        EXPECT_EQ(activated.status, 200U) << email << ": " << activated.body;
        return env.login_token(email, gateway_env::k_password);
    }

    /// Registers a further contract of the company (trainer `trainer_id`),
    /// with a trainee account linked; returns `{contract id, trainee token}`.
    std::pair<std::string, std::string> contract(const std::string& trainee_email,
                                                 schema::RecordForm form,
                                                 const std::string& occupation = k_occupation,
                                                 const std::string& start = "2026-11-02")
    {
        std::pair<std::string, std::string> out;
        [&] {
            auto id = fmt::format("k-{}-{}", ++sequence_, env.port());
            domain::contract::register_contract c;
            c.company_id = company_id;
            c.trainee = { "Mia Muster", "2008-03-14", trainee_email };
            c.trainee_number = "AZ-" + id;
            c.occupation = occupation;
            c.start = start;
            c.end = "2029-08-31";
            c.record_form = form;
            c.trainer_ids = { trainer_id };
            PORTAL_ASSERT_OK(app::register_contract(services(), as_staff(), id, c));
            auto token = person(trainee_email, { events::role::trainee, company_id, id });
            PORTAL_ASSERT_OK(app::link_trainee_account(
              services(), as_staff(), id, { services().account_id_of(trainee_email) }));
            out = { id, token };
        }();
        return out;
    }

    /// The world on a portal started with `options` (e.g. SMTP delivery).
    explicit training_world(cli::instance_options options = {})
      : env(std::nullopt, options)
      , over_smtp_(options.smtp.has_value())
    {
        staff = env.staff_token(k_staff_email);
        staff_id = services().account_id_of(k_staff_email);
        domain::company::register_company reg;
        reg.name = "Muster Maschinenbau GmbH";
        reg.member_number = "4711";
        reg.email = k_company_email;
        reg.address = { "Industriestraße 12", "86153", "Augsburg" };
        auto registered = app::register_company(services(), as_staff(), reg);
        EXPECT_TRUE(registered.has_value()) << registered.error().code;
        company_id = app::company_id_for("4711");
        auto settings =
          app::change_record_settings(services(), as_staff(), company_id, { "*", true, true });
        EXPECT_TRUE(settings.has_value()) << settings.error().code;
        trainer_id = "trainer-1";
        auto t = app::register_trainer(
          services(), as_staff(), company_id, { trainer_id, "Thomas Berger", k_trainer_email });
        EXPECT_TRUE(t.has_value()) << t.error().code;
        trainer = person(k_trainer_email, { events::role::trainer, company_id, "" });
        auto linked =
          app::link_trainer_account(services(),
                                    as_staff(),
                                    company_id,
                                    { trainer_id, services().account_id_of(k_trainer_email) });
        EXPECT_TRUE(linked.has_value()) << linked.error().code;
        auto [id, token] = contract(k_trainee_email, schema::RecordForm::ELECTRONIC);
        contract_id = id;
        trainee = token;
    }

  private:
    bool over_smtp_ = false;
    int sequence_ = 0;
};

} // namespace portal::testing
