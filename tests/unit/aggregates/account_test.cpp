#include "account/account.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <vector>

using namespace portal;
using namespace portal::domain;
using namespace portal::domain::account;
using namespace std::chrono_literals;

namespace {

const timestamp t0 = std::chrono::sys_days{ std::chrono::year{ 2026 } / 11 / 28 };

capnp::Data::Reader
as_data(const std::string& s)
{
    return capnp::Data::Reader(reinterpret_cast<const kj::byte*>(s.data()), s.size());
}

std::string
bytes(capnp::Data::Reader d)
{
    return std::string(reinterpret_cast<const char*>(d.begin()), d.size());
}

// --- Given: events ---

event_payload
created(role r, std::string company = "c1", std::string contract = "k1")
{
    return make_event([&](schema::Event::Builder e) {
        auto b = e.initAccount().initCreated();
        b.setAccountId("a1");
        b.setEmail("anna@example.de");
        b.setName("Anna Azubi");
        auto ro = b.initRole();
        ro.setRole(to_schema(r));
        ro.setCompanyId(company);
        ro.setContractId(contract);
        b.setCreatedFor("trainee-account");
    });
}

event_payload
invited(std::string token, timestamp expires)
{
    return make_event([&](schema::Event::Builder e) {
        auto b = e.initAccount().initInvitationIssued();
        b.setTokenHash(as_data(token));
        b.setExpiresAt(to_micros(expires));
    });
}

event_payload
activated()
{
    return make_event([](schema::Event::Builder e) {
        e.initAccount().initActivated().setPasswordHash("$argon2id$pw1");
    });
}

event_payload
failed(std::uint32_t n)
{
    return make_event([&](schema::Event::Builder e) {
        auto b = e.initAccount().initLoginFailed();
        b.setConsecutiveFailures(n);
    });
}

event_payload
locked(timestamp until, std::uint32_t n)
{
    return make_event([&](schema::Event::Builder e) {
        auto b = e.initAccount().initLocked();
        b.setUntil(to_micros(until));
        b.setConsecutiveFailures(n);
    });
}

event_payload
reset_requested(std::string token, timestamp expires)
{
    return make_event([&](schema::Event::Builder e) {
        auto b = e.initAccount().initPasswordResetRequested();
        b.setTokenHash(as_data(token));
        b.setExpiresAt(to_micros(expires));
        b.setRequestedWith("email");
    });
}

event_payload
pin_issued()
{
    return make_event([](schema::Event::Builder e) {
        e.initAccount().initPinIssued().setPinHash("$argon2id$pin");
    });
}

event_payload
erased()
{
    return make_event(
      [](schema::Event::Builder e) { e.initAccount().initErased().setReason("retention ended"); });
}

context
ctx_as(role r, std::string account = "", std::string company = "", timestamp now = t0)
{
    context c;
    c.actor.acting_as = r;
    c.actor.account_id = std::move(account);
    c.actor_company_id = std::move(company);
    c.now = now;
    return c;
}

context
anonymous(timestamp now = t0)
{
    return ctx_as(role::system, "", "", now);
}

std::vector<std::string>
names(const event_list& events)
{
    std::vector<std::string> out;
    for (const auto& e : events) {
        out.push_back(events::event_name(e.reader()));
    }
    return out;
}

schema::AccountEvent::Reader
acc(const event_list& events, std::size_t i)
{
    return events.at(i).reader().getAccount();
}

create
trainee_command()
{
    create c;
    c.account_id = "a9";
    c.email = " Tom.Azubi@Example.DE ";
    c.name = "Tom Azubi";
    c.role = { role::trainee, "c1", "k1" };
    c.invitation_token_hash = "inv-hash";
    c.invitation_expires_at = t0 + 72h;
    return c;
}

/// A login whose secret matched, with the session the gateway starts (the
/// hash of a random token and an expiry 12 hours after `now`).
record_login
ok_login(login_method method, timestamp now = t0, std::string session = "sess-1")
{
    return record_login{ method, true, std::move(session), now + 12h };
}

event_payload
logged_in(std::string session, timestamp expires)
{
    return make_event([&](schema::Event::Builder e) {
        auto b = e.initAccount().initLoginSucceeded();
        b.setSessionHash(as_data(session));
        b.setExpiresAt(to_micros(expires));
    });
}

/// Folds `given`, decides, and folds the outcome too (for follow-ups).
struct given_account : ::testing::Test
{
    std::vector<event_payload> history;
    state s;

    void given(std::vector<event_payload> events)
    {
        history = std::move(events);
        s = fold(history);
    }

    void then_apply(const event_list& events)
    {
        for (const auto& e : events) {
            s = evolve(std::move(s), e.reader());
        }
    }
};

struct AccountGivenNothing : given_account
{};

struct AccountGivenInvitedTrainee : given_account
{
    void SetUp() override { given({ created(role::trainee), invited("tok-1", t0 + 72h) }); }
};

struct AccountGivenActiveTrainee : given_account
{
    void SetUp() override
    {
        given({ created(role::trainee), invited("tok-1", t0 + 72h), activated() });
    }
};

struct AccountGivenFourFailures : given_account
{
    void SetUp() override
    {
        given({ created(role::trainee),
                invited("tok-1", t0 + 72h),
                activated(),
                failed(1),
                failed(2),
                failed(3),
                failed(4) });
    }
};

struct AccountGivenLocked : given_account
{
    void SetUp() override
    {
        given({ created(role::trainee),
                invited("tok-1", t0 + 72h),
                activated(),
                failed(5),
                locked(t0 + 24h, 5) });
    }
};

struct AccountGivenResetRequested : given_account
{
    void SetUp() override
    {
        given({ created(role::trainee),
                invited("tok-1", t0 + 72h),
                activated(),
                reset_requested("reset-1", t0 + 2h) });
    }
};

struct AccountGivenSupervisorWithPin : given_account
{
    void SetUp() override { given({ created(role::supervisor, "", ""), pin_issued() }); }
};

struct AccountGivenErased : given_account
{
    void SetUp() override
    {
        given({ created(role::trainee), invited("tok-1", t0 + 72h), activated(), erased() });
    }
};

} // namespace

// --- creation ---

TEST_F(AccountGivenNothing, WhenCompanyCreatesTraineeAccountThenCreatedAndInvited)
{
    auto r = decide(s, trainee_command(), ctx_as(role::company, "u1", "c1"));
    ASSERT_TRUE(r.has_value()) << r.error().code;
    ASSERT_EQ(names(*r),
              (std::vector<std::string>{ "account.created", "account.invitation_issued" }));
    auto c = acc(*r, 0).getCreated();
    EXPECT_EQ(str(c.getAccountId()), "a9");
    EXPECT_EQ(str(c.getEmail()), "tom.azubi@example.de");
    EXPECT_EQ(c.getRole().getRole(), schema::Role::TRAINEE);
    EXPECT_EQ(str(c.getRole().getContractId()), "k1");
    EXPECT_EQ(str(c.getCreatedFor()), "trainee-account");
    auto i = acc(*r, 1).getInvitationIssued();
    EXPECT_EQ(bytes(i.getTokenHash()), "inv-hash");
    EXPECT_EQ(i.getExpiresAt(), to_micros(t0) + 72LL * 3600 * 1'000'000);
}

TEST_F(AccountGivenNothing, WhenRepresentativeOfTheCompanyCreatesTrainerThenCreated)
{
    auto cmd = trainee_command();
    cmd.role = { role::trainer, "c1", "" };
    auto r = decide(s, cmd, ctx_as(role::representative, "u2", "c1"));
    ASSERT_TRUE(r.has_value()) << r.error().code;
    EXPECT_EQ(str(acc(*r, 0).getCreated().getCreatedFor()), "trainer-account");
}

TEST_F(AccountGivenNothing, WhenAnotherCompanyCreatesTraineeThenForbidden)
{
    auto r = decide(s, trainee_command(), ctx_as(role::company, "u1", "c2"));
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error().code, "account.forbidden");
    EXPECT_EQ(r.error().cls, error_class::forbidden);
}

TEST_F(AccountGivenNothing, WhenCompanyCreatesExaminerThenForbidden)
{
    auto cmd = trainee_command();
    cmd.role = { role::examiner, "", "" };
    auto r = decide(s, cmd, ctx_as(role::company, "u1", "c1"));
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error().code, "account.forbidden");
}

TEST_F(AccountGivenNothing, WhenStaffCreatesExaminerThenCreated)
{
    auto cmd = trainee_command();
    cmd.role = { role::examiner, "", "" };
    auto r = decide(s, cmd, ctx_as(role::staff, "st1"));
    ASSERT_TRUE(r.has_value()) << r.error().code;
    EXPECT_EQ(str(acc(*r, 0).getCreated().getCreatedFor()), "examiner");
}

TEST_F(AccountGivenNothing, WhenSystemCreatesCompanyAccountOnRegistrationThenCreated)
{
    auto cmd = trainee_command();
    cmd.role = { role::company, "c1", "" };
    auto r = decide(s, cmd, ctx_as(role::system));
    ASSERT_TRUE(r.has_value()) << r.error().code;
    EXPECT_EQ(str(acc(*r, 0).getCreated().getCreatedFor()), "company-account");
}

TEST_F(AccountGivenNothing, WhenSupervisorCreatedWithPinThenCreatedAndPinIssued)
{
    auto cmd = trainee_command();
    cmd.role = { role::supervisor, "", "" };
    cmd.invitation_token_hash.clear();
    cmd.pin_hash = "$argon2id$pin";
    auto r = decide(s, cmd, ctx_as(role::system));
    ASSERT_TRUE(r.has_value()) << r.error().code;
    ASSERT_EQ(names(*r), (std::vector<std::string>{ "account.created", "account.pin_issued" }));
    EXPECT_EQ(str(acc(*r, 1).getPinIssued().getPinHash()), "$argon2id$pin");
    EXPECT_EQ(str(acc(*r, 0).getCreated().getCreatedFor()), "supervisor-pin");
}

TEST_F(AccountGivenNothing, WhenSupervisorCreatedWithoutPinThenPinRequired)
{
    auto cmd = trainee_command();
    cmd.role = { role::supervisor, "", "" };
    auto r = decide(s, cmd, ctx_as(role::system));
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error().code, "validation.pin_hash");
    EXPECT_EQ(r.error().cls, error_class::invalid);
}

TEST_F(AccountGivenNothing, WhenStaffCreatedWithAPasswordThenActiveWithoutInvitation)
{
    auto cmd = trainee_command();
    cmd.role = { role::staff, "", "" };
    cmd.invitation_token_hash.clear();
    cmd.password_hash = "$argon2id$first";
    auto r = decide(s, cmd, ctx_as(role::staff, "operator"));
    ASSERT_TRUE(r.has_value()) << r.error().code;
    ASSERT_EQ(names(*r), (std::vector<std::string>{ "account.created", "account.activated" }));
    auto folded = s;
    for (const auto& e : *r) {
        folded = evolve(std::move(folded), e.reader());
    }
    EXPECT_TRUE(folded.has_password);
    EXPECT_EQ(folded.password_hash, "$argon2id$first");
    EXPECT_FALSE(folded.invitation.has_value());
}

TEST_F(AccountGivenNothing, WhenSupervisorCreatedWithAPasswordThenInvalid)
{
    auto cmd = trainee_command();
    cmd.role = { role::supervisor, "", "" };
    cmd.pin_hash = "$argon2id$pin";
    cmd.password_hash = "$argon2id$first";
    auto r = decide(s, cmd, ctx_as(role::system));
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error().code, "validation.password_hash");
}

TEST_F(AccountGivenNothing, WhenCreatedWithExpiredInvitationThenInvalid)
{
    auto cmd = trainee_command();
    cmd.invitation_expires_at = t0;
    auto r = decide(s, cmd, ctx_as(role::company, "u1", "c1"));
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error().code, "validation.invitation");
}

TEST_F(AccountGivenNothing, WhenCreatedWithBadInputThenValidationErrors)
{
    auto ctx = ctx_as(role::staff, "st1");
    auto cmd = trainee_command();
    cmd.account_id = " ";
    EXPECT_EQ(decide(s, cmd, ctx).error().code, "validation.account_id");
    cmd = trainee_command();
    cmd.email = "no-at-sign";
    EXPECT_EQ(decide(s, cmd, ctx).error().code, "validation.email");
    cmd = trainee_command();
    cmd.name = "  ";
    EXPECT_EQ(decide(s, cmd, ctx).error().code, "validation.name");
    cmd = trainee_command();
    cmd.role.contract_id.clear();
    EXPECT_EQ(decide(s, cmd, ctx).error().code, "validation.role");
}

TEST_F(AccountGivenInvitedTrainee, WhenCreatedAgainThenAlreadyExists)
{
    auto r = decide(s, trainee_command(), ctx_as(role::staff, "st1"));
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error().code, "account.already_exists");
    EXPECT_EQ(r.error().cls, error_class::rejected);
}

// --- invitation and activation ---

TEST_F(AccountGivenInvitedTrainee, WhenActivatedWithTheTokenThenActivated)
{
    auto r = decide(s, activate{ "tok-1", "$argon2id$pw" }, anonymous(t0 + 1h));
    ASSERT_TRUE(r.has_value()) << r.error().code;
    ASSERT_EQ(names(*r), std::vector<std::string>{ "account.activated" });
    EXPECT_EQ(str(acc(*r, 0).getActivated().getPasswordHash()), "$argon2id$pw");
}

TEST_F(AccountGivenInvitedTrainee, WhenActivatedWithAnotherTokenThenInvitationInvalid)
{
    auto r = decide(s, activate{ "tok-2", "$argon2id$pw" }, anonymous());
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error().code, "account.invitation_invalid");
}

TEST_F(AccountGivenInvitedTrainee, WhenActivatedAfterExpiryThenInvitationExpired)
{
    auto r = decide(s, activate{ "tok-1", "$argon2id$pw" }, anonymous(t0 + 72h));
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error().code, "account.invitation_expired");
}

TEST_F(AccountGivenInvitedTrainee, WhenActivatedWithoutPasswordThenInvalid)
{
    auto r = decide(s, activate{ "tok-1", "" }, anonymous());
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error().code, "validation.password_hash");
}

TEST_F(AccountGivenInvitedTrainee, WhenTokenUsedTwiceThenSecondIsRejected)
{
    auto first = decide(s, activate{ "tok-1", "$argon2id$pw" }, anonymous());
    ASSERT_TRUE(first.has_value());
    then_apply(*first);
    auto again = decide(s, activate{ "tok-1", "$argon2id$pw" }, anonymous());
    ASSERT_FALSE(again.has_value());
    EXPECT_EQ(again.error().code, "account.already_activated");
}

TEST_F(AccountGivenInvitedTrainee, WhenReinvitedByTheCompanyThenOldTokenIsReplaced)
{
    auto r = decide(s, invite{ "tok-2", t0 + 48h }, ctx_as(role::company, "u1", "c1"));
    ASSERT_TRUE(r.has_value()) << r.error().code;
    EXPECT_EQ(names(*r), std::vector<std::string>{ "account.invitation_issued" });
    then_apply(*r);
    EXPECT_EQ(decide(s, activate{ "tok-1", "$pw" }, anonymous()).error().code,
              "account.invitation_invalid");
    EXPECT_TRUE(decide(s, activate{ "tok-2", "$pw" }, anonymous()).has_value());
}

TEST_F(AccountGivenInvitedTrainee, WhenReinvitedByAnotherCompanyThenForbidden)
{
    auto r = decide(s, invite{ "tok-2", t0 + 48h }, ctx_as(role::company, "u1", "c2"));
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error().code, "account.forbidden");
}

TEST_F(AccountGivenInvitedTrainee, WhenReinvitedWithPastExpiryThenInvalid)
{
    auto r = decide(s, invite{ "tok-2", t0 - 1h }, ctx_as(role::staff, "st1"));
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error().code, "validation.invitation");
}

TEST_F(AccountGivenActiveTrainee, WhenReinvitedThenAlreadyActivated)
{
    auto r = decide(s, invite{ "tok-2", t0 + 48h }, ctx_as(role::staff, "st1"));
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error().code, "account.already_activated");
}

TEST_F(AccountGivenNothing, WhenActivatedThenNotFound)
{
    auto r = decide(s, activate{ "tok-1", "$pw" }, anonymous());
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error().code, "account.not_found");
    EXPECT_EQ(r.error().cls, error_class::not_found);
}

// --- roles ---

TEST_F(AccountGivenActiveTrainee, WhenStaffGrantsExaminerThenRoleGranted)
{
    auto r = decide(s, grant_role{ { role::examiner, "", "" } }, ctx_as(role::staff, "st1"));
    ASSERT_TRUE(r.has_value()) << r.error().code;
    ASSERT_EQ(names(*r), std::vector<std::string>{ "account.role_granted" });
    EXPECT_EQ(acc(*r, 0).getRoleGranted().getRole().getRole(), schema::Role::EXAMINER);
    then_apply(*r);
    EXPECT_EQ(s.roles.size(), 2U);
}

TEST_F(AccountGivenActiveTrainee, WhenHeldRoleGrantedAgainThenNoEvents)
{
    auto r =
      decide(s, grant_role{ { role::trainee, "c1", "k1" } }, ctx_as(role::company, "u1", "c1"));
    ASSERT_TRUE(r.has_value()) << r.error().code;
    EXPECT_TRUE(r->empty());
}

TEST_F(AccountGivenActiveTrainee, WhenCompanyGrantsExaminerThenForbidden)
{
    auto r = decide(s, grant_role{ { role::examiner, "", "" } }, ctx_as(role::company, "u1", "c1"));
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error().code, "account.forbidden");
}

TEST_F(AccountGivenActiveTrainee, WhenGrantedIncompleteRoleThenInvalid)
{
    auto r = decide(s, grant_role{ { role::trainer, "", "" } }, ctx_as(role::staff, "st1"));
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error().code, "validation.role");
}

TEST_F(AccountGivenActiveTrainee, WhenRoleRevokedThenRevokedAndRepeatIsNoEvents)
{
    auto ctx = ctx_as(role::company, "u1", "c1");
    auto r = decide(s, revoke_role{ { role::trainee, "c1", "k1" } }, ctx);
    ASSERT_TRUE(r.has_value()) << r.error().code;
    ASSERT_EQ(names(*r), std::vector<std::string>{ "account.role_revoked" });
    then_apply(*r);
    EXPECT_TRUE(s.roles.empty());
    auto again = decide(s, revoke_role{ { role::trainee, "c1", "k1" } }, ctx);
    ASSERT_TRUE(again.has_value());
    EXPECT_TRUE(again->empty());
}

TEST_F(AccountGivenActiveTrainee, WhenAnotherCompanyRevokesThenForbidden)
{
    auto r =
      decide(s, revoke_role{ { role::trainee, "c1", "k1" } }, ctx_as(role::company, "u1", "c2"));
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error().code, "account.forbidden");
}

TEST(AccountMayManageRole, FollowsTheRoleMatrix)
{
    principal staff{ "s", role::staff, "" };
    principal company{ "u", role::company, "" };
    principal system{ "", role::system, "" };
    principal trainee{ "t", role::trainee, "" };
    account_role trainee_c1{ role::trainee, "c1", "k1" };
    account_role supervisor{ role::supervisor, "", "" };
    account_role staff_role{ role::staff, "", "" };
    account_role rep_c1{ role::representative, "c1", "" };
    EXPECT_TRUE(may_manage_role(staff, "", staff_role));
    EXPECT_TRUE(may_manage_role(company, "c1", trainee_c1));
    EXPECT_FALSE(may_manage_role(company, "", trainee_c1));
    EXPECT_FALSE(may_manage_role(trainee, "c1", trainee_c1));
    EXPECT_FALSE(may_manage_role(system, "", trainee_c1));
    EXPECT_TRUE(may_manage_role(system, "", supervisor));
    EXPECT_FALSE(may_manage_role(company, "c1", supervisor));
    EXPECT_FALSE(may_manage_role(company, "c1", staff_role));
    EXPECT_TRUE(may_manage_role(company, "c1", rep_c1));
    EXPECT_TRUE(may_manage_role(system, "", rep_c1));
}

// --- login and lockout ---

TEST_F(AccountGivenActiveTrainee, WhenLoginSucceedsThenLoginSucceeded)
{
    auto r = decide(s, ok_login(login_method::password, t0), anonymous());
    ASSERT_TRUE(r.has_value()) << r.error().code;
    ASSERT_EQ(names(*r), std::vector<std::string>{ "account.login_succeeded" });
    EXPECT_EQ(acc(*r, 0).getLoginSucceeded().getMethod(), schema::LoginMethod::PASSWORD);
    EXPECT_EQ(bytes(acc(*r, 0).getLoginSucceeded().getSessionHash()), "sess-1");
    EXPECT_EQ(acc(*r, 0).getLoginSucceeded().getExpiresAt(), to_micros(t0 + 12h));
}

TEST_F(AccountGivenActiveTrainee, WhenLoginSucceedsWithoutSessionHashThenValidationSession)
{
    auto r = decide(s, record_login{ login_method::password, true, "", t0 + 12h }, anonymous());
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error().code, "validation.session");
    EXPECT_EQ(r.error().cls, error_class::invalid);
}

TEST_F(AccountGivenActiveTrainee, WhenLoginSucceedsWithASessionExpiringNowThenValidationSession)
{
    auto r = decide(s, record_login{ login_method::password, true, "sess-1", t0 }, anonymous());
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error().code, "validation.session");
}

TEST_F(AccountGivenActiveTrainee, WhenLoginFailsThenNoSessionIsNeeded)
{
    auto r = decide(s, record_login{ login_method::password, false, "", {} }, anonymous());
    ASSERT_TRUE(r.has_value()) << r.error().code;
    EXPECT_EQ(names(*r), std::vector<std::string>{ "account.login_failed" });
}

// --- sessions ---

struct AccountGivenLoggedInTrainee : given_account
{
    void SetUp() override
    {
        given({ created(role::trainee),
                invited("tok-1", t0 + 72h),
                activated(),
                logged_in("sess-1", t0 + 12h) });
    }
};

TEST_F(AccountGivenLoggedInTrainee, WhenTheAccountLogsOutThenSessionEnded)
{
    auto r = decide(s, end_session{ "sess-1", "logout" }, anonymous());
    ASSERT_TRUE(r.has_value()) << r.error().code;
    ASSERT_EQ(names(*r), std::vector<std::string>{ "account.session_ended" });
    EXPECT_EQ(bytes(acc(*r, 0).getSessionEnded().getSessionHash()), "sess-1");
    EXPECT_EQ(std::string(acc(*r, 0).getSessionEnded().getReason().cStr()), "logout");
    then_apply(*r);
    // Sessions are no decision state: the next login works as before.
    auto next = decide(s, ok_login(login_method::password, t0 + 1h, "sess-2"), anonymous(t0 + 1h));
    ASSERT_TRUE(next.has_value()) << next.error().code;
    EXPECT_EQ(names(*next), std::vector<std::string>{ "account.login_succeeded" });
}

TEST_F(AccountGivenLoggedInTrainee, WhenTheAccountItselfEndsItsSessionThenSessionEnded)
{
    auto r = decide(s, end_session{ "sess-1", "logout" }, ctx_as(role::trainee, "a1"));
    ASSERT_TRUE(r.has_value()) << r.error().code;
    EXPECT_EQ(names(*r), std::vector<std::string>{ "account.session_ended" });
}

TEST_F(AccountGivenLoggedInTrainee, WhenStaffEndsASessionThenSessionEnded)
{
    auto r = decide(s, end_session{ "sess-1", "logout" }, ctx_as(role::staff, "st1"));
    ASSERT_TRUE(r.has_value()) << r.error().code;
    EXPECT_EQ(names(*r), std::vector<std::string>{ "account.session_ended" });
}

TEST_F(AccountGivenLoggedInTrainee, WhenAnotherAccountEndsTheSessionThenForbidden)
{
    auto r = decide(s, end_session{ "sess-1", "logout" }, ctx_as(role::trainer, "other", "c1"));
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error().code, "account.forbidden");
}

TEST_F(AccountGivenLoggedInTrainee, WhenNoSessionHashIsGivenThenValidationSession)
{
    auto r = decide(s, end_session{ "", "logout" }, anonymous());
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error().code, "validation.session");
}

TEST_F(AccountGivenNothing, WhenASessionOfAnUnknownAccountEndsThenNotFound)
{
    auto r = decide(s, end_session{ "sess-1", "logout" }, anonymous());
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error().code, "account.not_found");
}

TEST_F(AccountGivenLoggedInTrainee, WhenTheAccountWasErasedThenEndingASessionYieldsNoEvents)
{
    event_list erasure;
    erasure.push_back(erased());
    then_apply(erasure);
    auto r = decide(s, end_session{ "sess-1", "logout" }, anonymous());
    ASSERT_TRUE(r.has_value()) << r.error().code;
    EXPECT_TRUE(r->empty());
}

TEST_F(AccountGivenActiveTrainee, WhenLoginFailsThenFailureCounted)
{
    auto r = decide(s, record_login{ login_method::password, false }, anonymous());
    ASSERT_TRUE(r.has_value()) << r.error().code;
    ASSERT_EQ(names(*r), std::vector<std::string>{ "account.login_failed" });
    EXPECT_EQ(acc(*r, 0).getLoginFailed().getConsecutiveFailures(), 1U);
}

TEST_F(AccountGivenFourFailures, WhenFifthLoginFailsThenLockedFor24Hours)
{
    auto r = decide(s, record_login{ login_method::password, false }, anonymous());
    ASSERT_TRUE(r.has_value()) << r.error().code;
    ASSERT_EQ(names(*r), (std::vector<std::string>{ "account.login_failed", "account.locked" }));
    auto l = acc(*r, 1).getLocked();
    EXPECT_EQ(l.getConsecutiveFailures(), 5U);
    EXPECT_EQ(l.getUntil(), to_micros(t0) + 24LL * 3600 * 1'000'000);
}

TEST_F(AccountGivenFourFailures, WhenChamberAllowsTenThenFifthFailureDoesNotLock)
{
    auto ctx = anonymous();
    ctx.policy.max_failed_logins = 10;
    auto r = decide(s, record_login{ login_method::password, false }, ctx);
    ASSERT_TRUE(r.has_value()) << r.error().code;
    EXPECT_EQ(names(*r), std::vector<std::string>{ "account.login_failed" });
}

TEST_F(AccountGivenActiveTrainee,
       WhenChamberSetsThreeAndThirtyMinutesThenThirdFailureLocksThirtyMinutes)
{
    auto ctx = anonymous();
    ctx.policy = { 3, 30 };
    for (int i = 0; i < 2; ++i) {
        auto r = decide(s, record_login{ login_method::password, false }, ctx);
        ASSERT_TRUE(r.has_value());
        ASSERT_EQ(r->size(), 1U);
        then_apply(*r);
    }
    auto r = decide(s, record_login{ login_method::password, false }, ctx);
    ASSERT_TRUE(r.has_value());
    ASSERT_EQ(r->size(), 2U);
    EXPECT_EQ(acc(*r, 1).getLocked().getUntil(), to_micros(t0) + 30LL * 60 * 1'000'000);
}

TEST_F(AccountGivenFourFailures, WhenLoginSucceedsThenCountResets)
{
    auto r = decide(s, ok_login(login_method::password, t0), anonymous());
    ASSERT_TRUE(r.has_value());
    then_apply(*r);
    EXPECT_EQ(s.consecutive_failures, 0U);
    auto next = decide(s, record_login{ login_method::password, false }, anonymous());
    ASSERT_TRUE(next.has_value());
    ASSERT_EQ(names(*next), std::vector<std::string>{ "account.login_failed" });
    EXPECT_EQ(acc(*next, 0).getLoginFailed().getConsecutiveFailures(), 1U);
}

TEST_F(AccountGivenLocked, WhenCorrectPasswordWhileLockedThenLockedWithUntil)
{
    auto r = decide(s, ok_login(login_method::password, t0 + 23h), anonymous(t0 + 23h));
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error().code, "account.locked");
    EXPECT_EQ(r.error().cls, error_class::rejected);
    EXPECT_NE(r.error().message.find("2026-11-29T00:00:00Z"), std::string::npos)
      << r.error().message;
}

TEST_F(AccountGivenLocked, WhenWrongPasswordWhileLockedThenLocked)
{
    auto r = decide(s, record_login{ login_method::password, false }, anonymous(t0 + 1h));
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error().code, "account.locked");
}

TEST_F(AccountGivenLocked, WhenLoginSucceedsAfterTheLockExpiredThenUnlockedAndSucceeded)
{
    auto r = decide(s, ok_login(login_method::password, t0 + 24h), anonymous(t0 + 24h));
    ASSERT_TRUE(r.has_value()) << r.error().code;
    ASSERT_EQ(names(*r),
              (std::vector<std::string>{ "account.unlocked", "account.login_succeeded" }));
    EXPECT_FALSE(acc(*r, 0).getUnlocked().getByStaff());
}

TEST_F(AccountGivenLocked, WhenLoginFailsAfterTheLockExpiredThenCountStartsAgain)
{
    auto r = decide(s, record_login{ login_method::password, false }, anonymous(t0 + 25h));
    ASSERT_TRUE(r.has_value()) << r.error().code;
    ASSERT_EQ(names(*r), std::vector<std::string>{ "account.login_failed" });
    EXPECT_EQ(acc(*r, 0).getLoginFailed().getConsecutiveFailures(), 1U);
}

TEST_F(AccountGivenLocked, WhenStaffUnlocksThenUnlockedAndLoginWorks)
{
    auto r = decide(s, unlock{}, ctx_as(role::staff, "st1", "", t0 + 1h));
    ASSERT_TRUE(r.has_value()) << r.error().code;
    ASSERT_EQ(names(*r), std::vector<std::string>{ "account.unlocked" });
    EXPECT_TRUE(acc(*r, 0).getUnlocked().getByStaff());
    then_apply(*r);
    auto login = decide(s, ok_login(login_method::password, t0 + 1h), anonymous(t0 + 1h));
    ASSERT_TRUE(login.has_value());
    EXPECT_EQ(names(*login), std::vector<std::string>{ "account.login_succeeded" });
}

TEST_F(AccountGivenLocked, WhenCompanyUnlocksThenForbidden)
{
    auto r = decide(s, unlock{}, ctx_as(role::company, "u1", "c1", t0 + 1h));
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error().code, "account.forbidden");
}

TEST_F(AccountGivenActiveTrainee, WhenStaffUnlocksAnUnlockedAccountThenNoEvents)
{
    auto r = decide(s, unlock{}, ctx_as(role::staff, "st1"));
    ASSERT_TRUE(r.has_value());
    EXPECT_TRUE(r->empty());
}

TEST_F(AccountGivenInvitedTrainee, WhenPasswordLoginBeforeActivationThenNotActivated)
{
    auto r = decide(s, ok_login(login_method::password, t0), anonymous());
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error().code, "account.not_activated");
}

TEST_F(AccountGivenActiveTrainee, WhenPinLoginWithoutPinThenNoPin)
{
    auto r = decide(s, ok_login(login_method::pin, t0), anonymous());
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error().code, "account.no_pin");
}

TEST_F(AccountGivenSupervisorWithPin, WhenPinLoginSucceedsThenLoginSucceededByPin)
{
    auto r = decide(s, ok_login(login_method::pin, t0), anonymous());
    ASSERT_TRUE(r.has_value()) << r.error().code;
    EXPECT_EQ(acc(*r, 0).getLoginSucceeded().getMethod(), schema::LoginMethod::PIN);
}

// --- password reset ---

request_password_reset
reset_by_email(std::string number = "")
{
    return { "ANNA@example.de", "email", std::move(number), "reset-1", t0 + 2h };
}

TEST_F(AccountGivenActiveTrainee, WhenTraineeRequestsResetWithMatchingNumberThenRequested)
{
    auto ctx = anonymous();
    ctx.trainee_numbers = { "4711", "4712" };
    auto r = decide(s, reset_by_email("4712"), ctx);
    ASSERT_TRUE(r.has_value()) << r.error().code;
    ASSERT_EQ(names(*r), std::vector<std::string>{ "account.password_reset_requested" });
    auto b = acc(*r, 0).getPasswordResetRequested();
    EXPECT_EQ(bytes(b.getTokenHash()), "reset-1");
    EXPECT_EQ(str(b.getRequestedWith()), "email");
    EXPECT_EQ(b.getExpiresAt(), to_micros(t0 + 2h));
}

TEST_F(AccountGivenActiveTrainee, WhenTraineeGivesWrongNumberThenNoEventsAndNoError)
{
    auto ctx = anonymous();
    ctx.trainee_numbers = { "4711" };
    auto r = decide(s, reset_by_email("9999"), ctx);
    ASSERT_TRUE(r.has_value());
    EXPECT_TRUE(r->empty());
}

TEST_F(AccountGivenActiveTrainee, WhenTraineeGivesNoNumberThenNoEventsAndNoError)
{
    auto ctx = anonymous();
    ctx.trainee_numbers = { "4711" };
    auto r = decide(s, reset_by_email(""), ctx);
    ASSERT_TRUE(r.has_value());
    EXPECT_TRUE(r->empty());
}

TEST_F(AccountGivenActiveTrainee, WhenIdentifierDoesNotMatchThenNoEventsAndNoError)
{
    auto ctx = anonymous();
    ctx.trainee_numbers = { "4711" };
    auto cmd = reset_by_email("4711");
    cmd.identifier = "someone@example.de";
    auto r = decide(s, cmd, ctx);
    ASSERT_TRUE(r.has_value());
    EXPECT_TRUE(r->empty());
}

TEST_F(AccountGivenNothing, WhenResetRequestedForUnknownAccountThenNoEventsAndNoError)
{
    auto r = decide(s, reset_by_email("4711"), anonymous());
    ASSERT_TRUE(r.has_value());
    EXPECT_TRUE(r->empty());
}

TEST_F(AccountGivenErased, WhenResetRequestedThenNoEventsAndNoError)
{
    auto r = decide(s, reset_by_email(), anonymous());
    ASSERT_TRUE(r.has_value());
    EXPECT_TRUE(r->empty());
}

TEST_F(AccountGivenNothing, WhenTrainerRequestsResetByLoginThenNoNumberNeeded)
{
    given({ created(role::trainer, "c1", ""), invited("tok-1", t0 + 72h), activated() });
    auto cmd = reset_by_email();
    cmd.requested_with = "login";
    auto r = decide(s, cmd, anonymous());
    ASSERT_TRUE(r.has_value()) << r.error().code;
    ASSERT_EQ(r->size(), 1U);
    EXPECT_EQ(str(acc(*r, 0).getPasswordResetRequested().getRequestedWith()), "login");
}

TEST_F(AccountGivenActiveTrainee, WhenResetRequestedWithUnknownChannelThenInvalid)
{
    auto cmd = reset_by_email("4711");
    cmd.requested_with = "phone";
    auto r = decide(s, cmd, anonymous());
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error().code, "validation.requested_with");
}

TEST_F(AccountGivenActiveTrainee, WhenResetRequestedWithoutTokenThenInvalid)
{
    auto cmd = reset_by_email("4711");
    cmd.token_hash.clear();
    auto r = decide(s, cmd, anonymous());
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error().code, "validation.token");
}

TEST_F(AccountGivenResetRequested, WhenCompletedWithTheTokenThenCompleted)
{
    auto r = decide(s, complete_password_reset{ "reset-1", "$argon2id$new" }, anonymous(t0 + 1h));
    ASSERT_TRUE(r.has_value()) << r.error().code;
    ASSERT_EQ(names(*r), std::vector<std::string>{ "account.password_reset_completed" });
    auto b = acc(*r, 0).getPasswordResetCompleted();
    EXPECT_EQ(bytes(b.getTokenHash()), "reset-1");
    EXPECT_EQ(str(b.getPasswordHash()), "$argon2id$new");
}

TEST_F(AccountGivenResetRequested, WhenTokenUsedTwiceThenResetTokenInvalid)
{
    auto first = decide(s, complete_password_reset{ "reset-1", "$new" }, anonymous());
    ASSERT_TRUE(first.has_value());
    then_apply(*first);
    auto again = decide(s, complete_password_reset{ "reset-1", "$new" }, anonymous());
    ASSERT_FALSE(again.has_value());
    EXPECT_EQ(again.error().code, "account.reset_token_invalid");
}

TEST_F(AccountGivenResetRequested, WhenCompletedWithAnotherTokenThenResetTokenInvalid)
{
    auto r = decide(s, complete_password_reset{ "reset-2", "$new" }, anonymous());
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error().code, "account.reset_token_invalid");
    EXPECT_EQ(r.error().cls, error_class::rejected);
}

TEST_F(AccountGivenResetRequested, WhenCompletedAfterExpiryThenResetTokenExpired)
{
    auto r = decide(s, complete_password_reset{ "reset-1", "$new" }, anonymous(t0 + 2h));
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error().code, "account.reset_token_expired");
}

TEST_F(AccountGivenResetRequested, WhenANewRequestReplacesTheTokenThenTheOldIsInvalid)
{
    auto cmd = reset_by_email("4711");
    cmd.token_hash = "reset-2";
    auto ctx = anonymous();
    ctx.trainee_numbers = { "4711" };
    auto r = decide(s, cmd, ctx);
    ASSERT_TRUE(r.has_value());
    then_apply(*r);
    EXPECT_EQ(decide(s, complete_password_reset{ "reset-1", "$new" }, anonymous()).error().code,
              "account.reset_token_invalid");
    EXPECT_TRUE(decide(s, complete_password_reset{ "reset-2", "$new" }, anonymous()).has_value());
}

TEST_F(AccountGivenActiveTrainee, WhenCompletedWithoutARequestThenResetTokenInvalid)
{
    auto r = decide(s, complete_password_reset{ "reset-1", "$new" }, anonymous());
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error().code, "account.reset_token_invalid");
}

TEST_F(AccountGivenResetRequested, WhenCompletedWithoutPasswordThenInvalid)
{
    auto r = decide(s, complete_password_reset{ "reset-1", "" }, anonymous());
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error().code, "validation.password_hash");
}

// --- PIN ---

TEST_F(AccountGivenSupervisorWithPin, WhenPinIssuedAgainThenNoEvents)
{
    auto r = decide(s, issue_pin{ "$argon2id$pin2" }, ctx_as(role::system));
    ASSERT_TRUE(r.has_value());
    EXPECT_TRUE(r->empty());
}

TEST_F(AccountGivenNothing, WhenSupervisorWithoutPinGetsOneThenPinIssued)
{
    given({ created(role::supervisor, "", "") });
    auto r = decide(s, issue_pin{ "$argon2id$pin" }, ctx_as(role::system));
    ASSERT_TRUE(r.has_value()) << r.error().code;
    EXPECT_EQ(names(*r), std::vector<std::string>{ "account.pin_issued" });
    EXPECT_EQ(decide(s, issue_pin{ "" }, ctx_as(role::system)).error().code, "validation.pin_hash");
    EXPECT_EQ(decide(s, issue_pin{ "$p" }, ctx_as(role::trainee, "a1")).error().code,
              "account.forbidden");
}

TEST_F(AccountGivenSupervisorWithPin, WhenSupervisorConvertsPinThenFullLogin)
{
    auto r = decide(s, convert_pin{ "$argon2id$pw" }, ctx_as(role::supervisor, "a1"));
    ASSERT_TRUE(r.has_value()) << r.error().code;
    ASSERT_EQ(names(*r), std::vector<std::string>{ "account.pin_converted_to_login" });
    EXPECT_EQ(str(acc(*r, 0).getPinConvertedToLogin().getPasswordHash()), "$argon2id$pw");
    then_apply(*r);
    EXPECT_TRUE(decide(s, ok_login(login_method::password, t0), anonymous()).has_value());
    EXPECT_EQ(decide(s, ok_login(login_method::pin, t0), anonymous()).error().code,
              "account.no_pin");
}

TEST_F(AccountGivenSupervisorWithPin, WhenSomeoneElseConvertsThePinThenForbidden)
{
    auto r = decide(s, convert_pin{ "$pw" }, ctx_as(role::supervisor, "a2"));
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error().code, "account.forbidden");
}

TEST_F(AccountGivenSupervisorWithPin, WhenConvertedWithoutPasswordThenInvalid)
{
    auto r = decide(s, convert_pin{ "" }, ctx_as(role::supervisor, "a1"));
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error().code, "validation.password_hash");
}

TEST_F(AccountGivenActiveTrainee, WhenConvertingWithoutPinThenNoPin)
{
    auto r = decide(s, convert_pin{ "$pw" }, ctx_as(role::trainee, "a1"));
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error().code, "account.no_pin");
}

// --- password change ---

TEST_F(AccountGivenActiveTrainee, WhenOwnerChangesPasswordThenPasswordChanged)
{
    auto r =
      decide(s, change_password{ true, "$argon2id$pw2", "kept" }, ctx_as(role::trainee, "a1"));
    ASSERT_TRUE(r.has_value()) << r.error().code;
    ASSERT_EQ(names(*r), std::vector<std::string>{ "account.password_changed" });
    EXPECT_EQ(str(acc(*r, 0).getPasswordChanged().getPasswordHash()), "$argon2id$pw2");
    auto kept = acc(*r, 0).getPasswordChanged().getKeptSessionHash();
    EXPECT_EQ(std::string(reinterpret_cast<const char*>(kept.begin()), kept.size()), "kept");
}

TEST_F(AccountGivenActiveTrainee, WhenThePasswordIsChangedWithoutItsSessionThenInvalid)
{
    auto r = decide(s, change_password{ true, "$pw2", "" }, ctx_as(role::trainee, "a1"));
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error().code, "validation.session");
}

TEST_F(AccountGivenActiveTrainee, WhenCurrentPasswordWrongThenWrongPassword)
{
    auto r = decide(s, change_password{ false, "$pw2", "kept" }, ctx_as(role::trainee, "a1"));
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error().code, "account.wrong_password");
}

TEST_F(AccountGivenActiveTrainee, WhenAnotherAccountChangesPasswordThenForbidden)
{
    auto r = decide(s, change_password{ true, "$pw2", "kept" }, ctx_as(role::staff, "st1"));
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error().code, "account.forbidden");
}

TEST_F(AccountGivenActiveTrainee, WhenNewPasswordMissingThenInvalid)
{
    auto r = decide(s, change_password{ true, "", "kept" }, ctx_as(role::trainee, "a1"));
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error().code, "validation.password_hash");
}

TEST_F(AccountGivenInvitedTrainee, WhenChangingPasswordBeforeActivationThenNotActivated)
{
    auto r = decide(s, change_password{ true, "$pw2", "kept" }, ctx_as(role::trainee, "a1"));
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error().code, "account.not_activated");
}

// --- erasure ---

TEST_F(AccountGivenActiveTrainee, WhenStaffErasesThenErasedAndPersonalDataDropped)
{
    auto r = decide(s, erase{ "retention ended" }, ctx_as(role::staff, "st1"));
    ASSERT_TRUE(r.has_value()) << r.error().code;
    ASSERT_EQ(names(*r), std::vector<std::string>{ "account.erased" });
    EXPECT_EQ(str(acc(*r, 0).getErased().getReason()), "retention ended");
    then_apply(*r);
    EXPECT_TRUE(s.erased);
    EXPECT_TRUE(s.email.empty());
    EXPECT_TRUE(s.name.empty());
}

TEST_F(AccountGivenActiveTrainee, WhenTraineeErasesThenForbidden)
{
    auto r = decide(s, erase{ "x" }, ctx_as(role::trainee, "a1"));
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error().code, "account.forbidden");
}

TEST_F(AccountGivenActiveTrainee, WhenStaffEraseTheirOwnAccountThenRefused)
{
    auto r = decide(s, erase{ "x" }, ctx_as(role::staff, s.id));
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error().code, "account.erase_self");
    EXPECT_TRUE(decide(s, erase{ "x" }, ctx_as(role::system, "")).has_value());
}

TEST_F(AccountGivenErased, WhenErasedAgainThenNoEvents)
{
    auto r = decide(s, erase{ "x" }, ctx_as(role::staff, "st1"));
    ASSERT_TRUE(r.has_value());
    EXPECT_TRUE(r->empty());
}

TEST_F(AccountGivenErased, WhenLoginThenErased)
{
    auto r = decide(s, ok_login(login_method::password, t0), anonymous());
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error().code, "account.erased");
    EXPECT_EQ(
      decide(s, grant_role{ { role::examiner, "", "" } }, ctx_as(role::staff, "st1")).error().code,
      "account.erased");
}

TEST_F(AccountGivenNothing, WhenErasedThenNotFound)
{
    auto r = decide(s, erase{ "x" }, ctx_as(role::staff, "st1"));
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error().code, "account.not_found");
}

// --- streams and evolve ---

TEST(AccountStreams, AreNamedAfterTheAccount)
{
    EXPECT_EQ(stream_id("a1"), "account-a1");
    EXPECT_EQ(partition_key("a1"), "account-a1");
}

TEST(AccountEvolve, IgnoresEventsOfOtherAggregates)
{
    auto other =
      make_event([](schema::Event::Builder e) { e.initCompany().initPublicationConsentGiven(); });
    auto s = evolve(state{}, other.reader());
    EXPECT_FALSE(s.exists);
}
