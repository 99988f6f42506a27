#pragma once

/// The account aggregate (stream `account-<id>`, partition key
/// `account-<id>`): one login of one person with one or more roles, its
/// invitation, password, PIN, failed-login lockout and password reset.
///
/// Secrets never arrive in clear: token hashes, password hashes and PIN
/// hashes are computed outside and passed in; the password check itself is
/// done outside too (a login command says whether the password matched).

#include "common/domain.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace portal::domain::account {

/// One role of an account, with the company (and, for a trainee, the
/// contract) it belongs to.
struct account_role
{
    role kind = role::trainee;
    std::string company_id;
    std::string contract_id;

    friend bool operator==(const account_role&, const account_role&) = default;
};

/// A pending single-use token (invitation or password reset).
struct pending_token
{
    std::string hash;
    timestamp expires_at;
};

/// The folded account.
struct state
{
    bool exists = false;
    std::string id;
    std::string email;
    std::string name;
    std::vector<account_role> roles;
    bool has_password = false;
    bool has_pin = false;
    /// The argon2id string of the current password (empty without one); the
    /// gateway verifies a login against it and records the outcome.
    std::string password_hash;
    /// The argon2id string of the current PIN (empty without one).
    std::string pin_hash;
    std::optional<pending_token> invitation;
    std::optional<pending_token> reset;
    std::uint32_t consecutive_failures = 0;
    std::optional<timestamp> locked_until;
    bool erased = false;
};

/// The chamber's login policy (chamber settings).
struct login_policy
{
    std::uint32_t max_failed_logins = 5;
    std::uint32_t lock_minutes = 1440;
};

/// Facts a decision may need from outside the stream.
struct context : context_base
{
    /// The company the actor acts for: the company of its own company role,
    /// or the company a representative or central office acts for. Resolved
    /// outside; empty when none.
    std::string actor_company_id;
    /// The chamber's lockout settings.
    login_policy policy;
    /// The trainee numbers of the contracts of this account (for trainees).
    std::vector<std::string> trainee_numbers;
};

/// Creates the account for a role. Every role except supervisor needs an
/// invitation (token hash + expiry); a supervisor account is created with a
/// PIN (`pin_hash`) instead.
struct create
{
    std::string account_id;
    std::string email;
    std::string name;
    account_role role;
    std::string invitation_token_hash;
    timestamp invitation_expires_at;
    std::string pin_hash;
    /// The argon2id string of a first password set by whoever creates the
    /// account (the console operator's `portal staff add`): the account is
    /// active at once, without an invitation. Not for supervisors (PIN).
    std::string password_hash;
};

/// Issues a new invitation (replaces the pending one) while not activated.
struct invite
{
    std::string token_hash;
    timestamp expires_at;
};

/// Activates the account with the invitation token and the first password.
struct activate
{
    std::string token_hash;
    std::string password_hash;
};

/// Adds a role (idempotent).
struct grant_role
{
    account_role role;
};

/// Removes a role (idempotent).
struct revoke_role
{
    account_role role;
};

/// How a login was attempted.
enum class login_method
{
    password,
    pin,
};

/// Records a login attempt; `secret_matched` is the outside check of the
/// password or PIN. A successful login starts a session: the token is
/// random and made outside (the gateway), the event carries its BLAKE2b
/// hash and its expiry, so every instance knows the session.
struct record_login
{
    login_method method = login_method::password;
    bool secret_matched = false;
    /// BLAKE2b of the session token (needed when `secret_matched`).
    std::string session_hash;
    /// When the session ends unless ended earlier (after `now`).
    timestamp session_expires_at;
};

/// Ends a session of the account (logout): `session_hash` is the hash of
/// its token. The gateway only ends sessions it found for this account; the
/// aggregate does not track sessions (the sessions read model does).
struct end_session
{
    std::string session_hash;
    std::string reason = "logout";
};

/// Lifts a lock (staff only).
struct unlock
{};

/// Requests a password reset by login or by e-mail (`requested_with` is
/// "login" or "email"). Trainees must also give a trainee number of one of
/// their contracts.
struct request_password_reset
{
    std::string identifier;
    std::string requested_with;
    std::string trainee_number;
    std::string token_hash;
    timestamp expires_at;
};

/// Completes a password reset with the token of the request.
struct complete_password_reset
{
    std::string token_hash;
    std::string password_hash;
};

/// Issues the PIN of a supervisor account (the PIN is created once).
struct issue_pin
{
    std::string pin_hash;
};

/// Turns PIN access into a full login with a password (the PIN ends).
struct convert_pin
{
    std::string password_hash;
};

/// Changes the password of the actor's own account; `current_password_matched`
/// is the outside check of the current password. Every other session of the
/// account ends; the one of `kept_session_hash` (the session that changed
/// it) stays open.
struct change_password
{
    bool current_password_matched = false;
    std::string password_hash;
    std::string kept_session_hash; ///< BLAKE2b of the session token
};

/// Erases the personal data of the account (data protection).
struct erase
{
    std::string reason;
};

/// Creates the account. Errors: `account.already_exists`,
/// `validation.account_id|email|name|role|invitation|pin_hash`,
/// `account.forbidden` (see `may_manage_role`).
decision decide(const state&, const create&, const context&);
/// Errors: `account.not_found`, `account.erased`, `account.forbidden`,
/// `account.already_activated`, `validation.invitation`.
decision decide(const state&, const invite&, const context&);
/// Errors: `account.not_found`, `account.erased`,
/// `account.already_activated`, `account.invitation_invalid` (no, another
/// or a used token), `account.invitation_expired`, `validation.password_hash`.
decision decide(const state&, const activate&, const context&);
/// Grants a role; no events when already held. Errors: `account.not_found`,
/// `account.erased`, `validation.role`, `account.forbidden`.
decision decide(const state&, const grant_role&, const context&);
/// Revokes a role; no events when not held. Errors as for granting.
decision decide(const state&, const revoke_role&, const context&);
/// Records a login: success resets the failure count (and ends an expired
/// lock: `unlocked{byStaff=false}`) and starts the session
/// (`login_succeeded` with its hash and expiry); the N-th consecutive
/// failure locks the account for the policy's minutes. Errors:
/// `account.not_found`, `account.erased`, `account.locked` (message carries
/// the lock's end), `account.not_activated` (password login without a
/// password), `account.no_pin` (PIN login without a PIN),
/// `validation.session` (a successful login without a session hash or with
/// an expiry not after `now`).
decision decide(const state&, const record_login&, const context&);
/// Ends a session: `session_ended`. No events when the account is erased
/// (the erasure ended every session). Errors: `account.not_found`,
/// `account.forbidden` (neither the account itself, staff nor the system),
/// `validation.session` (no session hash).
decision decide(const state&, const end_session&, const context&);
/// Lifts an active lock; no events when not locked. Errors:
/// `account.not_found`, `account.erased`, `account.forbidden` (not staff).
decision decide(const state&, const unlock&, const context&);
/// Issues a reset token. Returns no events (never an error that reveals
/// anything) when the account is unknown, erased, has no password, the
/// identifier does not match, or a trainee's number does not match.
/// Errors (input only): `validation.requested_with`, `validation.token`.
decision decide(const state&, const request_password_reset&, const context&);
/// Sets the new password. Errors: `account.not_found`, `account.erased`,
/// `account.reset_token_invalid` (none pending, another or a used token),
/// `account.reset_token_expired`, `validation.password_hash`.
decision decide(const state&, const complete_password_reset&, const context&);
/// Issues the PIN once; no events when a PIN or a password exists. Errors:
/// `account.not_found`, `account.erased`, `account.forbidden`,
/// `validation.pin_hash`.
decision decide(const state&, const issue_pin&, const context&);
/// Errors: `account.not_found`, `account.erased`, `account.forbidden` (not
/// the account itself), `account.no_pin`, `validation.password_hash`.
decision decide(const state&, const convert_pin&, const context&);
/// Errors: `account.not_found`, `account.erased`, `account.forbidden`,
/// `account.not_activated`, `account.wrong_password`,
/// `validation.password_hash`.
decision decide(const state&, const change_password&, const context&);
/// Erases; no events when already erased. Errors: `account.not_found`,
/// `account.forbidden` (only staff or the system), `account.erase_self`
/// (staff erasing the account they act with).
decision decide(const state&, const erase&, const context&);

/// Who may create an account for `r` or grant or revoke `r`: staff for
/// every role; the company (acting as company or as its representative,
/// `actor_company_id` == the role's company) for trainee and trainer roles
/// and representatives; the system (process managers) for company,
/// supervisor and representative accounts.
bool may_manage_role(const principal& actor,
                     std::string_view actor_company_id,
                     const account_role& r) noexcept;

/// True while a lock is in force at `now`.
bool is_locked(const state&, timestamp now) noexcept;

/// Applies one account event.
state evolve(state, schema::AccountEvent::Reader);
/// Applies an event of any aggregate (others leave the state unchanged).
state evolve(state, schema::Event::Reader);
/// Folds events from the initial state.
state fold(const std::vector<event_payload>& events);

/// `account-<id>`.
std::string stream_id(std::string_view account_id);
/// `account-<id>`: an account is its own consistency root.
std::string partition_key(std::string_view account_id);

/// The schema's role enum for `r`.
schema::Role to_schema(role r) noexcept;
/// The domain role for the schema's enum.
role from_schema(schema::Role r) noexcept;

} // namespace portal::domain::account
