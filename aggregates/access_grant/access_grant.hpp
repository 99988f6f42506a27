#pragma once

/// The record access grant (stream `grant-<contractId>`, partition key
/// `company-<companyId>`): the trainee of a contract lets chamber staff read
/// the contract's training records for 14 to 200 days (default 90). The
/// grant can be revoked by the trainee and ends by itself at `expires_at`.

#include "common/domain.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace portal::domain::access_grant {

/// Shortest, default and longest grant in days.
inline constexpr std::uint16_t k_min_days = 14;
inline constexpr std::uint16_t k_default_days = 90;
inline constexpr std::uint16_t k_max_days = 200;

/// The folded grant; `exists` once a grant was ever given.
struct state
{
    bool exists = false;
    std::string contract_id;
    std::uint16_t days = 0;
    timestamp expires_at;
    bool revoked = false;
};

/// Facts a decision needs from the contract.
struct context : context_base
{
    /// The account of the contract's trainee; empty when the contract has
    /// no trainee account (then nobody may grant).
    std::string trainee_account_id;
};

/// Grants (or extends / replaces an active grant) for `days` days from now.
struct grant_access
{
    std::string contract_id;
    std::optional<std::uint16_t> days;
};

/// Ends the grant now.
struct revoke_access
{};

/// Emits `granted{contractId, days, expiresAt = now + days}`; a grant while
/// one is active replaces it. Errors: `access_grant.forbidden` (not the
/// contract's trainee), `validation.contract_id` (empty or another
/// contract than the stream's), `validation.days` (outside 14..200).
decision decide(const state&, const grant_access&, const context&);
/// Emits `revoked`; no events when the grant already ended (revoked or
/// expired). Errors: `access_grant.not_found` (never granted),
/// `access_grant.forbidden`.
decision decide(const state&, const revoke_access&, const context&);

/// True when staff may read the contract's records at `now`.
bool active(const state&, timestamp now) noexcept;

/// Applies one grant event (a new grant replaces an earlier or revoked one).
state evolve(state, schema::AccessGrantEvent::Reader);
/// Applies an event of any aggregate (others leave the state unchanged).
state evolve(state, schema::Event::Reader);
/// Folds events from the initial state.
state fold(const std::vector<event_payload>& events);

/// `grant-<contractId>`.
std::string stream_id(std::string_view contract_id);
/// `company-<companyId>`: the grant belongs to the contract's company root.
std::string partition_key(std::string_view company_id);

} // namespace portal::domain::access_grant
