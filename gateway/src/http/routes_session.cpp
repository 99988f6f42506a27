// Sessions and accounts: login by password or PIN, logout, the signed-in
// account, activation, password reset, password change, PIN conversion,
// unlock, staff-created accounts, record access grants.

#include "access_grant/access_grant.hpp"
#include "app/accounts.hpp"
#include "app/policies.hpp"
#include "http/api.hpp"
#include "http/authz.hpp"
#include "portal/events/message.hpp"
#include "portal/projections/read_models.hpp"

#include <fmt/format.h>

namespace portal::gateway {

namespace {

using events::role;

std::string_view
role_name(role r)
{
    return events::enum_name(static_cast<schema::Role>(r));
}

/// The account as the API shows it (no secrets).
boost::json::object
account_json(const viewer& v)
{
    boost::json::array roles;
    for (const auto& r : v.account().roles) {
        boost::json::object o{ { "role", role_name(r.kind) } };
        if (!r.company_id.empty()) {
            o["companyId"] = r.company_id;
        }
        if (!r.contract_id.empty()) {
            o["contractId"] = r.contract_id;
        }
        roles.push_back(std::move(o));
    }
    return boost::json::object{ { "id", v.account_id },
                                { "email", v.account().email },
                                { "name", v.account().name },
                                { "roles", std::move(roles) },
                                { "hasPassword", v.account().has_password },
                                { "hasPin", v.account().has_pin } };
}

/// The contexts the account may act in: each role, and for company roles
/// the branches of that company (a central office acts for them).
result<boost::json::array>
contexts_of(api& a, const viewer& v)
{
    auto company_of = [&a](const std::string& id) {
        return domain::load_shared<domain::company::state>(a.services().log,
                                                           domain::company::stream_id(id));
    };
    boost::json::array out;
    for (const auto& r : v.account().roles) {
        boost::json::object o{ { "role", role_name(r.kind) } };
        if (!r.company_id.empty()) {
            o["companyId"] = r.company_id;
            // Shared with the state cache, not copied: /me is read often.
            auto company = company_of(r.company_id);
            if (!company) {
                return fail(company.error());
            }
            o["companyName"] = company->state->name;
            if (r.kind == role::company || r.kind == role::representative) {
                for (const auto& branch : company->state->branches) {
                    auto b = company_of(branch);
                    if (!b) {
                        return fail(b.error());
                    }
                    out.push_back(boost::json::object{ { "role", role_name(r.kind) },
                                                       { "companyId", branch },
                                                       { "companyName", b->state->name },
                                                       { "via", r.company_id } });
                }
            }
        }
        if (!r.contract_id.empty()) {
            o["contractId"] = r.contract_id;
        }
        out.push_back(std::move(o));
    }
    return out;
}

/// A hash no password matches, computed once with the configured cost: an
/// unknown login takes as long as a known one.
const std::string&
dummy_hash(const api& a)
{
    static const std::string hash = [&] {
        auto h = infra::hash_password("no password is this one", a.options().password_cost);
        return h ? *h : std::string{};
    }();
    return hash;
}

std::string
session_cookie(const api& a, std::string_view token, std::chrono::seconds max_age)
{
    return fmt::format("portal_session={}; Path=/; HttpOnly; SameSite=Strict; Max-Age={}{}",
                       token,
                       max_age.count(),
                       a.options().secure_cookie ? "; Secure" : "");
}

reply
invalid_credentials()
{
    return problem(
      http::status::unauthorized, "auth.invalid_credentials", "the login or the password is wrong");
}

reply
rate_limited()
{
    auto res = problem(
      http::status::too_many_requests, "auth.rate_limited", "too many attempts; retry in a minute");
    res.set(http::field::retry_after, "60");
    return res;
}

/// Records the login attempt and answers it: a session on success, 423
/// with `lockedUntil` when locked, 401 otherwise.
reply
finish_login(api& a,
             call& c,
             const std::string& account_id,
             domain::account::login_method method,
             bool matched)
{
    auto meta = a.anonymous_meta(c, account_id);
    // The session starts with the login's event: it carries the token's
    // hash (the token itself only goes to the client).
    auto issued = session_store::issue();
    auto expires = c.now + a.options().session_ttl;
    domain::account::record_login command{ method, matched, {}, {} };
    if (matched) {
        command.session_hash = issued.hash;
        command.session_expires_at = expires;
    }
    auto recorded = app::record_login(a.services(), meta, account_id, command);
    auto locked_reply = [&](timestamp until) {
        auto res = problem(
          http::status::locked, "auth.locked", "the login is locked after too many failures");
        auto body = boost::json::parse(res.body()).as_object();
        body["lockedUntil"] = format_rfc3339(until);
        res.body() = boost::json::serialize(body);
        res.prepare_payload();
        return reply(std::move(res));
    };
    if (!recorded) {
        if (recorded.error().code == "account.locked") {
            auto account = app::load_account(a.services(), account_id);
            if (account && account->state.locked_until) {
                return locked_reply(*account->state.locked_until);
            }
            return problem(http::status::locked, "auth.locked", recorded.error().message);
        }
        if (recorded.error().cls == error_class::unavailable) {
            return error_response(recorded.error());
        }
        return invalid_credentials();
    }
    if (!matched) {
        auto account = app::load_account(a.services(), account_id);
        if (account && account->state.locked_until && *account->state.locked_until > c.now) {
            return locked_reply(*account->state.locked_until);
        }
        return invalid_credentials();
    }
    // Found at once on this instance, before its read model has the event.
    a.sessions().remember(
      issued.hash,
      session{ account_id,
               method == domain::account::login_method::pin ? "pin" : "password",
               c.now,
               expires },
      recorded->position);
    const auto& token = issued.token;
    auto account = app::load_account(a.services(), account_id);
    if (!account) {
        return error_response(account.error());
    }
    viewer v{ account_id,
              std::make_shared<const domain::account::state>(std::move(account->state)) };
    auto res = json_response(http::status::ok,
                             boost::json::object{ { "token", token },
                                                  { "expiresAt", format_rfc3339(expires) },
                                                  { "account", account_json(v) } });
    res.set(http::field::set_cookie,
            session_cookie(
              a, token, std::chrono::duration_cast<std::chrono::seconds>(a.options().session_ttl)));
    return res;
}

reply
login(api& a, call& c)
{
    auto in = input::parse(c.req);
    if (!in) {
        return in.error();
    }
    auto login_name = in->text("login", required, 254);
    auto password = in->text("password", required, 200);
    if (auto bad = in->finish()) {
        return *bad;
    }
    if (!a.auth_limiter().try_take(c.from.address, c.now)) {
        return rate_limited();
    }
    auto id = a.services().account_id_of(*login_name);
    auto account = app::load_account(a.services(), id);
    if (!account) {
        return error_response(account.error());
    }
    const auto& s = account->state;
    if (!s.exists || s.erased || s.password_hash.empty()) {
        (void)infra::verify_password(dummy_hash(a), *password);
        if (s.exists && !s.erased) {
            return finish_login(a, c, id, domain::account::login_method::password, false);
        }
        return invalid_credentials();
    }
    bool matched = infra::verify_password(s.password_hash, *password);
    return finish_login(a, c, id, domain::account::login_method::password, matched);
}

reply
pin_login(api& a, call& c)
{
    auto in = input::parse(c.req);
    if (!in) {
        return in.error();
    }
    auto email = in->text("email", required, 254);
    auto pin = in->text("pin", required, 32);
    if (auto bad = in->finish()) {
        return *bad;
    }
    if (!a.auth_limiter().try_take(c.from.address, c.now)) {
        return rate_limited();
    }
    auto id = a.services().account_id_of(*email);
    auto account = app::load_account(a.services(), id);
    if (!account) {
        return error_response(account.error());
    }
    const auto& s = account->state;
    if (!s.exists || s.erased || s.pin_hash.empty()) {
        (void)infra::verify_password(dummy_hash(a), *pin);
        return invalid_credentials();
    }
    bool matched = infra::verify_password(s.pin_hash, *pin);
    return finish_login(a, c, id, domain::account::login_method::pin, matched);
}

reply
logout(api& a, call& c)
{
    // The token of this request (bearer or cookie) ends. Its end is an
    // event: every instance's sessions model drops it.
    auto token = c.token;
    auto meta = a.anonymous_meta(c, c.auth->account_id);
    auto ended = app::end_session(
      a.services(), meta, c.auth->account_id, { session_store::hash_of(token), "logout" });
    if (!ended && ended.error().code != "account.not_found") {
        return error_response(ended.error());
    }
    // From the answer on, this instance refuses the token.
    auto forgotten =
      a.sessions().forget(token, ended && ended->events > 0 ? ended->position : events::position{});
    if (!forgotten) {
        return error_response(forgotten.error());
    }
    response res{ http::status::no_content, 11 };
    res.set(http::field::set_cookie,
            fmt::format("portal_session=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0{}",
                        a.options().secure_cookie ? "; Secure" : ""));
    res.prepare_payload();
    return res;
}

reply
me(api& a, call& c)
{
    auto v = a.viewer_of(c);
    if (!v) {
        return error_response(v.error());
    }
    auto contexts = contexts_of(a, *v);
    if (!contexts) {
        return error_response(contexts.error());
    }
    auto body = account_json(*v);
    body["contexts"] = std::move(*contexts);
    body["sessionMethod"] = c.auth->method;
    return ok_json(body);
}

/// Reads `{token, password}` and finds the account the token was issued
/// to; the reply on failure.
struct token_and_password
{
    std::string account_id;
    std::string token_hash;
    std::string password_hash;
};

std::expected<token_and_password, reply>
read_token_and_password(api& a, call& c, std::string_view invalid_code)
{
    auto in = input::parse(c.req);
    if (!in) {
        return std::unexpected(reply(in.error()));
    }
    auto token = in->text("token", required, 128);
    auto password = in->text("password", required, 200);
    if (password && password->size() < 10) {
        in->reject("password", "validation.too_short");
    }
    if (auto bad = in->finish()) {
        return std::unexpected(reply(*bad));
    }
    if (auto waited = a.await_position(c); !waited) {
        return std::unexpected(reply(error_response(waited.error())));
    }
    auto hash = infra::token_hash(*token);
    auto owner = projections::account_of_token(a.store(), hash);
    if (owner && !*owner) {
        // The mail with the link may be out before the token's read model
        // has the account (another runner): wait (bounded) until the model
        // includes everything the log holds now, then look again.
        for (const auto* r : a.runners()) {
            if (r->name() != projections::k_account_security) {
                continue;
            }
            if (auto waited = r->wait_for(a.log().last_position(), a.options().max_position_wait);
                !waited) {
                return std::unexpected(reply(error_response(waited.error())));
            }
            owner = projections::account_of_token(a.store(), hash);
        }
    }
    if (!owner) {
        return std::unexpected(reply(error_response(owner.error())));
    }
    if (!*owner) {
        return std::unexpected(reply(problem(http::status::unprocessable_entity,
                                             invalid_code,
                                             "the link is not valid (it may have been used)")));
    }
    auto password_hash = infra::hash_password(*password, a.options().password_cost);
    if (!password_hash) {
        return std::unexpected(reply(error_response(password_hash.error())));
    }
    return token_and_password{ **owner, hash, *password_hash };
}

reply
activate(api& a, call& c)
{
    auto t = read_token_and_password(a, c, "account.invitation_invalid");
    if (!t) {
        return t.error();
    }
    auto meta = a.anonymous_meta(c, t->account_id);
    auto done =
      app::activate_account(a.services(), meta, t->account_id, { t->token_hash, t->password_hash });
    return a.written("account.activate", done, t->account_id);
}

reply
reset_password(api& a, call& c)
{
    auto in = input::parse(c.req);
    if (!in) {
        return in.error();
    }
    auto login_name = in->text("login", required, 254);
    auto trainee_number = in->text("traineeNumber", optional, 40);
    if (auto bad = in->finish()) {
        return *bad;
    }
    if (!a.auth_limiter().try_take(c.from.address, c.now)) {
        return rate_limited();
    }
    auto meta = a.anonymous_meta(c, "");
    domain::account::request_password_reset command;
    command.identifier = *login_name;
    command.requested_with = "login";
    command.trainee_number = trainee_number.value_or("");
    command.token_hash =
      a.secrets().token_hash(a.secrets().token(app::k_reset_purpose, meta.command_id));
    command.expires_at = c.now + a.options().token_ttl;
    auto done = app::request_password_reset(a.services(), meta, command);
    if (!done && done.error().cls == error_class::unavailable) {
        return error_response(done.error());
    }
    a.stats().count_command("account.request_password_reset", done ? "ok" : done.error().code);
    // Always the same answer: nothing tells whether the login exists.
    return ok_json(boost::json::object{ { "status", "accepted" } }, http::status::accepted);
}

reply
confirm_reset(api& a, call& c)
{
    auto t = read_token_and_password(a, c, "account.reset_token_invalid");
    if (!t) {
        return t.error();
    }
    auto meta = a.anonymous_meta(c, t->account_id);
    auto done = app::complete_password_reset(
      a.services(), meta, t->account_id, { t->token_hash, t->password_hash });
    return a.written("account.complete_password_reset", done, t->account_id);
}

reply
change_password(api& a, call& c)
{
    auto v = a.viewer_of(c);
    if (!v) {
        return error_response(v.error());
    }
    auto in = input::parse(c.req);
    if (!in) {
        return in.error();
    }
    auto current = in->text("currentPassword", required, 200);
    auto password = in->text("password", required, 200);
    if (password && password->size() < 10) {
        in->reject("password", "validation.too_short");
    }
    if (auto bad = in->finish()) {
        return *bad;
    }
    auto meta = a.meta(c, *v, {});
    if (!meta) {
        return error_response(meta.error());
    }
    auto hash = infra::hash_password(*password, a.options().password_cost);
    if (!hash) {
        return error_response(hash.error());
    }
    bool matched = !v->account().password_hash.empty() &&
                   infra::verify_password(v->account().password_hash, *current);
    // Every other session of the account ends (an event the sessions model
    // applies); the one of this request stays open.
    auto done = app::change_password(
      a.services(), *meta, v->account_id, { matched, *hash, session_store::hash_of(c.token) });
    if (done && done->events > 0) {
        // From the answer on, this instance refuses the ended sessions.
        if (auto settled = a.sessions().settle(done->position); !settled) {
            return error_response(settled.error());
        }
    }
    return a.written("account.change_password", done, v->account_id);
}

reply
convert_pin(api& a, call& c)
{
    auto v = a.viewer_of(c);
    if (!v) {
        return error_response(v.error());
    }
    auto in = input::parse(c.req);
    if (!in) {
        return in.error();
    }
    auto password = in->text("password", required, 200);
    if (password && password->size() < 10) {
        in->reject("password", "validation.too_short");
    }
    if (auto bad = in->finish()) {
        return *bad;
    }
    auto meta = a.meta(c, *v, { role::supervisor });
    if (!meta) {
        return error_response(meta.error());
    }
    auto hash = infra::hash_password(*password, a.options().password_cost);
    if (!hash) {
        return error_response(hash.error());
    }
    auto done = app::convert_pin(a.services(), *meta, v->account_id, { *hash });
    return a.written("account.convert_pin", done, v->account_id);
}

reply
unlock(api& a, call& c)
{
    auto v = a.viewer_of(c, { role::staff });
    if (!v) {
        return error_response(v.error());
    }
    auto meta = a.meta(c, *v, { role::staff });
    if (!meta) {
        return error_response(meta.error());
    }
    auto id = c.param("id");
    auto done = app::unlock_account(a.services(), *meta, id);
    return a.written("account.unlock", done, id);
}

/// `{reason}`: chamber staff erase the account's personal data when its
/// retention ends (DOMAIN.md, data protection). The read models drop its
/// name and e-mail address, its sessions end and it can no longer sign in.
reply
erase_account(api& a, call& c)
{
    auto v = a.viewer_of(c, { role::staff });
    if (!v) {
        return error_response(v.error());
    }
    auto input = erasure_input(a, c, *v);
    if (!input) {
        return std::move(input.error());
    }
    const auto& id = c.param("id");
    auto done = app::erase_account(a.services(), input->first, id, { input->second });
    if (done && done->events > 0) {
        // From the answer on, this instance refuses the account's sessions.
        if (auto settled = a.sessions().settle(done->position); !settled) {
            return error_response(settled.error());
        }
    }
    return a.written("account.erase", done, id);
}

reply
create_account(api& a, call& c)
{
    auto v = a.viewer_of(c, { role::staff });
    if (!v) {
        return error_response(v.error());
    }
    auto in = input::parse(c.req);
    if (!in) {
        return in.error();
    }
    auto kind = in->one_of("role", required, { "staff", "auditor", "examiner" });
    auto name = in->text("name", required, 200);
    auto email = in->email("email", required);
    if (auto bad = in->finish()) {
        return *bad;
    }
    auto meta = a.meta(c, *v, { role::staff });
    if (!meta) {
        return error_response(meta.error());
    }
    domain::account::create command;
    command.email = *email;
    command.name = *name;
    command.role.kind = *kind == "staff"     ? role::staff
                        : *kind == "auditor" ? role::auditor
                                             : role::examiner;
    command.invitation_token_hash =
      a.secrets().token_hash(a.secrets().token(app::k_invitation_purpose, meta->command_id));
    command.invitation_expires_at = c.now + a.options().token_ttl;
    auto done = app::create_account(a.services(), *meta, command);
    return a.written(
      "account.create", done, a.services().account_id_of(*email), http::status::created);
}

reply
account_security(api& a, call& c)
{
    auto v = a.viewer_of(c);
    if (!v) {
        return error_response(v.error());
    }
    const auto& id = c.param("id");
    if (id != v->account_id && !v->has_role(role::staff) && !v->has_role(role::auditor)) {
        return problem(http::status::not_found, "account.not_found", "no such account");
    }
    if (auto waited = a.await_position(c); !waited) {
        return error_response(waited.error());
    }
    auto log = projections::account_security_log(a.store(), id);
    if (!log) {
        return error_response(log.error());
    }
    return a.page_reply(c, std::move(*log));
}

reply
grant_access(api& a, call& c)
{
    auto v = a.viewer_of(c);
    if (!v) {
        return error_response(v.error());
    }
    auto in = input::parse(c.req);
    if (!in) {
        return in.error();
    }
    auto days = in->integer("days", optional, 14, 200);
    if (auto bad = in->finish()) {
        return *bad;
    }
    auto meta = a.meta(c, *v, { role::trainee });
    if (!meta) {
        return error_response(meta.error());
    }
    domain::access_grant::grant_access command;
    command.contract_id = c.param("id");
    command.days = static_cast<std::uint16_t>(days.value_or(90));
    auto done = app::grant_access(a.services(), *meta, command);
    return a.written("access_grant.grant", done, c.param("id"), http::status::created);
}

reply
revoke_access(api& a, call& c)
{
    auto v = a.viewer_of(c);
    if (!v) {
        return error_response(v.error());
    }
    auto meta = a.meta(c, *v, { role::trainee });
    if (!meta) {
        return error_response(meta.error());
    }
    auto done = app::revoke_access(a.services(), *meta, c.param("id"));
    return a.written("access_grant.revoke", done, c.param("id"));
}

} // namespace

void
add_session_routes(router& r)
{
    using http::verb;
    r.add(verb::post, "/api/v1/session", access::open, login);
    r.add(verb::post, "/api/v1/session/pin", access::open, pin_login);
    r.add(verb::delete_, "/api/v1/session", access::authenticated, logout);
    r.add(verb::get, "/api/v1/me", access::authenticated, me);
    r.add(verb::put, "/api/v1/me/password", access::authenticated, change_password);
    r.add(verb::post, "/api/v1/me/pin-conversion", access::authenticated, convert_pin);
    r.add(verb::post, "/api/v1/accounts/activate", access::open, activate);
    r.add(verb::post, "/api/v1/password-reset", access::open, reset_password);
    r.add(verb::post, "/api/v1/password-reset/confirm", access::open, confirm_reset);
    r.add(verb::post, "/api/v1/accounts/{id}/unlock", access::authenticated, unlock);
    r.add(verb::post, "/api/v1/accounts/{id}/erase", access::authenticated, erase_account);
    r.add(verb::get, "/api/v1/accounts/{id}/security", access::authenticated, account_security);
    r.add(verb::post, "/api/v1/accounts", access::authenticated, create_account);
    r.add(verb::post, "/api/v1/contracts/{id}/access-grants", access::authenticated, grant_access);
    r.add(
      verb::delete_, "/api/v1/contracts/{id}/access-grants", access::authenticated, revoke_access);
}

} // namespace portal::gateway
