#include "account/account.hpp"

#include <algorithm>
#include <chrono>
#include <string>

namespace portal::domain::account {

namespace {

capnp::Data::Reader
as_data(const std::string& bytes)
{
    return capnp::Data::Reader(reinterpret_cast<const kj::byte*>(bytes.data()), bytes.size());
}

std::string
from_data(capnp::Data::Reader data)
{
    return std::string(reinterpret_cast<const char*>(data.begin()), data.size());
}

std::string
created_for(role r)
{
    switch (r) {
        case role::trainee:
            return "trainee-account";
        case role::trainer:
            return "trainer-account";
        case role::supervisor:
            return "supervisor-pin";
        case role::company:
            return "company-account";
        case role::representative:
            return "representative";
        case role::examiner:
            return "examiner";
        case role::staff:
            return "staff";
        case role::auditor:
            return "auditor";
        case role::system:
            return "system";
    }
    return "unknown";
}

void
fill_role(schema::AccountRole::Builder b, const account_role& r)
{
    b.setRole(to_schema(r.kind));
    b.setCompanyId(r.company_id);
    b.setContractId(r.contract_id);
}

account_role
read_role(schema::AccountRole::Reader r)
{
    return account_role{ from_schema(r.getRole()), str(r.getCompanyId()), str(r.getContractId()) };
}

/// The role's company and contract are present where the role needs them;
/// `system` is no role of an account.
bool
valid_role(const account_role& r) noexcept
{
    switch (r.kind) {
        case role::trainee:
            return !r.company_id.empty() && !r.contract_id.empty();
        case role::trainer:
        case role::company:
        case role::representative:
            return !r.company_id.empty();
        case role::supervisor:
        case role::examiner:
        case role::staff:
        case role::auditor:
            return true;
        case role::system:
            return false;
    }
    return false;
}

bool
has_role(const state& s, role r) noexcept
{
    return std::any_of(s.roles.begin(), s.roles.end(), [r](const auto& x) { return x.kind == r; });
}

std::string
format_until(timestamp t)
{
    return format_rfc3339(t);
}

/// Common guard: the account exists and is not erased.
std::optional<std::unexpected<error>>
require_live(const state& s)
{
    if (!s.exists) {
        return missing("account.not_found", "no such account");
    }
    if (s.erased) {
        return reject("account.erased", "the account has been erased");
    }
    return std::nullopt;
}

bool
is_self(const state& s, const context& ctx) noexcept
{
    return !ctx.actor.account_id.empty() && ctx.actor.account_id == s.id;
}

std::unexpected<error>
forbidden(std::string_view what)
{
    return forbid("account.forbidden", "the actor may not " + std::string(what));
}

} // namespace

schema::Role
to_schema(role r) noexcept
{
    return static_cast<schema::Role>(static_cast<std::uint16_t>(r));
}

role
from_schema(schema::Role r) noexcept
{
    return static_cast<role>(static_cast<std::uint8_t>(r));
}

bool
may_manage_role(const principal& actor,
                std::string_view actor_company_id,
                const account_role& r) noexcept
{
    if (actor.acting_as == role::staff) {
        return true;
    }
    bool for_company =
      (actor.acting_as == role::company || actor.acting_as == role::representative) &&
      !actor_company_id.empty() && actor_company_id == r.company_id;
    switch (r.kind) {
        case role::trainee:
        case role::trainer:
            return for_company;
        case role::representative:
            return for_company || actor.acting_as == role::system;
        case role::company:
        case role::supervisor:
            return actor.acting_as == role::system;
        case role::examiner:
        case role::staff:
        case role::auditor:
        case role::system:
            return false;
    }
    return false;
}

bool
is_locked(const state& s, timestamp now) noexcept
{
    return s.locked_until.has_value() && now < *s.locked_until;
}

decision
decide(const state& s, const create& c, const context& ctx)
{
    if (s.exists) {
        return reject("account.already_exists", "the account exists");
    }
    if (trim(c.account_id).empty()) {
        return invalid("validation.account_id", "an account id is required");
    }
    if (!valid_email(normalize_email(c.email))) {
        return invalid("validation.email", "not a valid e-mail address");
    }
    if (!valid_text(c.name, k_max_name)) {
        return invalid("validation.name", "a name of at most 200 bytes");
    }
    if (!valid_role(c.role)) {
        return invalid("validation.role", "the role lacks its company or contract");
    }
    if (!may_manage_role(ctx.actor, ctx.actor_company_id, c.role)) {
        return forbidden("create an account for this role");
    }
    bool pin = c.role.kind == role::supervisor;
    if (pin && c.pin_hash.empty()) {
        return invalid("validation.pin_hash", "a supervisor account is created with a PIN");
    }
    bool with_password = !c.password_hash.empty();
    if (pin && with_password) {
        return invalid("validation.password_hash", "a supervisor account signs in with a PIN");
    }
    if (!pin && !with_password &&
        (c.invitation_token_hash.empty() || c.invitation_expires_at <= ctx.now)) {
        return invalid("validation.invitation", "an invitation token hash with a future expiry");
    }
    event_list out;
    out.push_back(make_event([&](schema::Event::Builder e) {
        auto b = e.initAccount().initCreated();
        b.setAccountId(c.account_id);
        b.setEmail(normalize_email(c.email));
        b.setName(std::string(trim(c.name)));
        fill_role(b.initRole(), c.role);
        b.setCreatedFor(created_for(c.role.kind));
    }));
    if (pin) {
        out.push_back(make_event([&](schema::Event::Builder e) {
            e.initAccount().initPinIssued().setPinHash(c.pin_hash);
        }));
    } else if (with_password) {
        out.push_back(make_event([&](schema::Event::Builder e) {
            e.initAccount().initActivated().setPasswordHash(c.password_hash);
        }));
    } else {
        out.push_back(make_event([&](schema::Event::Builder e) {
            auto b = e.initAccount().initInvitationIssued();
            b.setTokenHash(as_data(c.invitation_token_hash));
            b.setExpiresAt(to_micros(c.invitation_expires_at));
        }));
    }
    return out;
}

decision
decide(const state& s, const invite& c, const context& ctx)
{
    if (auto e = require_live(s)) {
        return *e;
    }
    bool allowed = std::any_of(s.roles.begin(), s.roles.end(), [&](auto& r) {
        return may_manage_role(ctx.actor, ctx.actor_company_id, r);
    });
    if (!allowed) {
        return forbidden("invite this account");
    }
    if (s.has_password) {
        return reject("account.already_activated", "the account is already activated");
    }
    if (c.token_hash.empty() || c.expires_at <= ctx.now) {
        return invalid("validation.invitation", "an invitation token hash with a future expiry");
    }
    return one_event([&](schema::Event::Builder e) {
        auto b = e.initAccount().initInvitationIssued();
        b.setTokenHash(as_data(c.token_hash));
        b.setExpiresAt(to_micros(c.expires_at));
    });
}

decision
decide(const state& s, const activate& c, const context& ctx)
{
    if (auto e = require_live(s)) {
        return *e;
    }
    if (s.has_password) {
        return reject("account.already_activated", "the account is already activated");
    }
    if (!s.invitation || c.token_hash.empty() || c.token_hash != s.invitation->hash) {
        return reject("account.invitation_invalid", "the invitation link is not valid");
    }
    if (ctx.now >= s.invitation->expires_at) {
        return reject("account.invitation_expired", "the invitation link has expired");
    }
    if (c.password_hash.empty()) {
        return invalid("validation.password_hash", "a password is required");
    }
    return one_event([&](schema::Event::Builder e) {
        e.initAccount().initActivated().setPasswordHash(c.password_hash);
    });
}

decision
decide(const state& s, const grant_role& c, const context& ctx)
{
    if (auto e = require_live(s)) {
        return *e;
    }
    if (!valid_role(c.role)) {
        return invalid("validation.role", "the role lacks its company or contract");
    }
    if (!may_manage_role(ctx.actor, ctx.actor_company_id, c.role)) {
        return forbidden("grant this role");
    }
    if (std::find(s.roles.begin(), s.roles.end(), c.role) != s.roles.end()) {
        return no_events();
    }
    return one_event([&](schema::Event::Builder e) {
        fill_role(e.initAccount().initRoleGranted().initRole(), c.role);
    });
}

decision
decide(const state& s, const revoke_role& c, const context& ctx)
{
    if (auto e = require_live(s)) {
        return *e;
    }
    if (!valid_role(c.role)) {
        return invalid("validation.role", "the role lacks its company or contract");
    }
    if (!may_manage_role(ctx.actor, ctx.actor_company_id, c.role)) {
        return forbidden("revoke this role");
    }
    if (std::find(s.roles.begin(), s.roles.end(), c.role) == s.roles.end()) {
        return no_events();
    }
    return one_event([&](schema::Event::Builder e) {
        fill_role(e.initAccount().initRoleRevoked().initRole(), c.role);
    });
}

decision
decide(const state& s, const record_login& c, const context& ctx)
{
    if (auto e = require_live(s)) {
        return *e;
    }
    if (is_locked(s, ctx.now)) {
        return reject("account.locked",
                      "the login is locked until " + format_until(*s.locked_until));
    }
    if (c.method == login_method::password && !s.has_password) {
        return reject("account.not_activated", "the account has no password yet");
    }
    if (c.method == login_method::pin && !s.has_pin) {
        return reject("account.no_pin", "the account has no PIN access");
    }
    if (c.secret_matched && (c.session_hash.empty() || c.session_expires_at <= ctx.now)) {
        return invalid("validation.session", "a session hash with a future expiry");
    }
    auto method =
      c.method == login_method::pin ? schema::LoginMethod::PIN : schema::LoginMethod::PASSWORD;
    event_list out;
    bool lock_expired = s.locked_until.has_value();
    if (c.secret_matched) {
        if (lock_expired) {
            out.push_back(make_event(
              [&](schema::Event::Builder e) { e.initAccount().initUnlocked().setByStaff(false); }));
        }
        out.push_back(make_event([&](schema::Event::Builder e) {
            auto b = e.initAccount().initLoginSucceeded();
            b.setMethod(method);
            b.setSessionHash(as_data(c.session_hash));
            b.setExpiresAt(to_micros(c.session_expires_at));
        }));
        return out;
    }
    // After an expired lock the count starts again.
    std::uint32_t failures = lock_expired ? 1 : s.consecutive_failures + 1;
    out.push_back(make_event([&](schema::Event::Builder e) {
        auto b = e.initAccount().initLoginFailed();
        b.setMethod(method);
        b.setConsecutiveFailures(failures);
    }));
    auto max = std::max<std::uint32_t>(ctx.policy.max_failed_logins, 1);
    if (failures >= max) {
        auto until = ctx.now + std::chrono::minutes(ctx.policy.lock_minutes);
        out.push_back(make_event([&](schema::Event::Builder e) {
            auto b = e.initAccount().initLocked();
            b.setUntil(to_micros(until));
            b.setConsecutiveFailures(failures);
        }));
    }
    return out;
}

decision
decide(const state& s, const end_session& c, const context& ctx)
{
    if (!s.exists) {
        return missing("account.not_found", "no such account");
    }
    if (!is_self(s, ctx) && ctx.actor.acting_as != role::staff &&
        ctx.actor.acting_as != role::system) {
        return forbidden("end another account's session");
    }
    if (c.session_hash.empty()) {
        return invalid("validation.session", "a session hash is required");
    }
    if (s.erased) {
        return no_events();
    }
    return one_event([&](schema::Event::Builder e) {
        auto b = e.initAccount().initSessionEnded();
        b.setSessionHash(as_data(c.session_hash));
        b.setReason(c.reason);
    });
}

decision
decide(const state& s, const unlock&, const context& ctx)
{
    if (auto e = require_live(s)) {
        return *e;
    }
    if (ctx.actor.acting_as != role::staff) {
        return forbidden("unlock accounts (staff only)");
    }
    if (!is_locked(s, ctx.now)) {
        return no_events();
    }
    return one_event(
      [](schema::Event::Builder e) { e.initAccount().initUnlocked().setByStaff(true); });
}

decision
decide(const state& s, const request_password_reset& c, const context& ctx)
{
    if (c.requested_with != "login" && c.requested_with != "email") {
        return invalid("validation.requested_with",
                       "a reset is requested by \"login\" or \"email\"");
    }
    if (c.token_hash.empty() || c.expires_at <= ctx.now) {
        return invalid("validation.token", "a reset token hash with a future expiry");
    }
    // From here on nothing may reveal whether the account exists or matched.
    if (!s.exists || s.erased || !s.has_password) {
        return no_events();
    }
    if (normalize_email(c.identifier) != s.email) {
        return no_events();
    }
    if (has_role(s, role::trainee)) {
        auto number = trim(c.trainee_number);
        bool known = !number.empty() &&
                     std::find(ctx.trainee_numbers.begin(), ctx.trainee_numbers.end(), number) !=
                       ctx.trainee_numbers.end();
        if (!known) {
            return no_events();
        }
    }
    return one_event([&](schema::Event::Builder e) {
        auto b = e.initAccount().initPasswordResetRequested();
        b.setTokenHash(as_data(c.token_hash));
        b.setExpiresAt(to_micros(c.expires_at));
        b.setRequestedWith(c.requested_with);
    });
}

decision
decide(const state& s, const complete_password_reset& c, const context& ctx)
{
    if (auto e = require_live(s)) {
        return *e;
    }
    if (!s.reset || c.token_hash.empty() || c.token_hash != s.reset->hash) {
        return reject("account.reset_token_invalid", "the reset link is not valid");
    }
    if (ctx.now >= s.reset->expires_at) {
        return reject("account.reset_token_expired", "the reset link has expired");
    }
    if (c.password_hash.empty()) {
        return invalid("validation.password_hash", "a password is required");
    }
    return one_event([&](schema::Event::Builder e) {
        auto b = e.initAccount().initPasswordResetCompleted();
        b.setTokenHash(as_data(c.token_hash));
        b.setPasswordHash(c.password_hash);
    });
}

decision
decide(const state& s, const issue_pin& c, const context& ctx)
{
    if (auto e = require_live(s)) {
        return *e;
    }
    if (ctx.actor.acting_as != role::system && ctx.actor.acting_as != role::staff) {
        return forbidden("issue PINs");
    }
    if (c.pin_hash.empty()) {
        return invalid("validation.pin_hash", "a PIN hash is required");
    }
    if (s.has_pin || s.has_password) {
        return no_events();
    }
    return one_event(
      [&](schema::Event::Builder e) { e.initAccount().initPinIssued().setPinHash(c.pin_hash); });
}

decision
decide(const state& s, const convert_pin& c, const context& ctx)
{
    if (auto e = require_live(s)) {
        return *e;
    }
    if (!is_self(s, ctx)) {
        return forbidden("convert another account's PIN");
    }
    if (!s.has_pin) {
        return reject("account.no_pin", "the account has no PIN access");
    }
    if (c.password_hash.empty()) {
        return invalid("validation.password_hash", "a password is required");
    }
    return one_event([&](schema::Event::Builder e) {
        e.initAccount().initPinConvertedToLogin().setPasswordHash(c.password_hash);
    });
}

decision
decide(const state& s, const change_password& c, const context& ctx)
{
    if (auto e = require_live(s)) {
        return *e;
    }
    if (!is_self(s, ctx)) {
        return forbidden("change another account's password");
    }
    if (!s.has_password) {
        return reject("account.not_activated", "the account has no password yet");
    }
    if (!c.current_password_matched) {
        return reject("account.wrong_password", "the current password does not match");
    }
    if (c.password_hash.empty()) {
        return invalid("validation.password_hash", "a password is required");
    }
    if (c.kept_session_hash.empty()) {
        return invalid("validation.session", "the session that changes the password is required");
    }
    return one_event([&](schema::Event::Builder e) {
        auto b = e.initAccount().initPasswordChanged();
        b.setPasswordHash(c.password_hash);
        b.setKeptSessionHash(as_data(c.kept_session_hash));
    });
}

decision
decide(const state& s, const erase& c, const context& ctx)
{
    if (!s.exists) {
        return missing("account.not_found", "no such account");
    }
    if (ctx.actor.acting_as != role::staff && ctx.actor.acting_as != role::system) {
        return forbidden("erase accounts");
    }
    if (s.erased) {
        return no_events();
    }
    if (ctx.actor.account_id == s.id) {
        // Another staff account erases it: the chamber never erases the
        // login it works with (possibly its last one) by a slip.
        return reject("account.erase_self", "staff cannot erase their own account");
    }
    return one_event(
      [&](schema::Event::Builder e) { e.initAccount().initErased().setReason(c.reason); });
}

state
evolve(state s, schema::AccountEvent::Reader event)
{
    switch (event.which()) {
        case schema::AccountEvent::CREATED: {
            auto c = event.getCreated();
            s.exists = true;
            s.id = str(c.getAccountId());
            s.email = str(c.getEmail());
            s.name = str(c.getName());
            s.roles = { read_role(c.getRole()) };
            break;
        }
        case schema::AccountEvent::ROLE_GRANTED: {
            auto r = read_role(event.getRoleGranted().getRole());
            if (std::find(s.roles.begin(), s.roles.end(), r) == s.roles.end()) {
                s.roles.push_back(r);
            }
            break;
        }
        case schema::AccountEvent::ROLE_REVOKED: {
            auto r = read_role(event.getRoleRevoked().getRole());
            std::erase(s.roles, r);
            break;
        }
        case schema::AccountEvent::INVITATION_ISSUED: {
            auto i = event.getInvitationIssued();
            s.invitation =
              pending_token{ from_data(i.getTokenHash()), from_micros(i.getExpiresAt()) };
            break;
        }
        case schema::AccountEvent::ACTIVATED:
            s.has_password = true;
            s.password_hash = str(event.getActivated().getPasswordHash());
            s.invitation.reset();
            break;
        case schema::AccountEvent::LOGIN_SUCCEEDED:
            s.consecutive_failures = 0;
            s.locked_until.reset();
            break;
        case schema::AccountEvent::LOGIN_FAILED:
            s.consecutive_failures = event.getLoginFailed().getConsecutiveFailures();
            s.locked_until.reset();
            break;
        case schema::AccountEvent::LOCKED: {
            auto l = event.getLocked();
            s.locked_until = from_micros(l.getUntil());
            s.consecutive_failures = l.getConsecutiveFailures();
            break;
        }
        case schema::AccountEvent::UNLOCKED:
            s.locked_until.reset();
            s.consecutive_failures = 0;
            break;
        case schema::AccountEvent::PASSWORD_RESET_REQUESTED: {
            auto r = event.getPasswordResetRequested();
            s.reset = pending_token{ from_data(r.getTokenHash()), from_micros(r.getExpiresAt()) };
            break;
        }
        case schema::AccountEvent::PASSWORD_RESET_COMPLETED:
            s.reset.reset();
            s.has_password = true;
            s.password_hash = str(event.getPasswordResetCompleted().getPasswordHash());
            break;
        case schema::AccountEvent::PIN_ISSUED:
            s.has_pin = true;
            s.pin_hash = str(event.getPinIssued().getPinHash());
            break;
        case schema::AccountEvent::PIN_CONVERTED_TO_LOGIN:
            s.has_pin = false;
            s.pin_hash.clear();
            s.has_password = true;
            s.password_hash = str(event.getPinConvertedToLogin().getPasswordHash());
            s.invitation.reset();
            break;
        case schema::AccountEvent::PASSWORD_CHANGED:
            s.has_password = true;
            s.password_hash = str(event.getPasswordChanged().getPasswordHash());
            break;
        case schema::AccountEvent::SESSION_ENDED:
            // Sessions are not part of the decision state (the sessions
            // read model keeps them).
            break;
        case schema::AccountEvent::ERASED:
            s.erased = true;
            s.email.clear();
            s.name.clear();
            s.has_password = false;
            s.has_pin = false;
            s.password_hash.clear();
            s.pin_hash.clear();
            s.invitation.reset();
            s.reset.reset();
            break;
    }
    return s;
}

state
evolve(state s, schema::Event::Reader event)
{
    if (event.which() != schema::Event::ACCOUNT) {
        return s;
    }
    return evolve(std::move(s), event.getAccount());
}

state
fold(const std::vector<event_payload>& events)
{
    state s;
    for (const auto& e : events) {
        s = evolve(std::move(s), e.reader());
    }
    return s;
}

std::string
stream_id(std::string_view account_id)
{
    return "account-" + std::string(account_id);
}

std::string
partition_key(std::string_view account_id)
{
    return "account-" + std::string(account_id);
}

} // namespace portal::domain::account
