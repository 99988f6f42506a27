#pragma once

/// Process managers: follow-up commands that events imply (issue 4).
///
/// - `contract.registered` → the company's account when it has none (with
///   an invitation), and the registration confirmation document;
/// - `report.submitted` to an e-mail without an account → a supervisor
///   account with a PIN;
/// - `company.employee_representative_approved` → the employee's account
///   (with an invitation);
/// - `contract.personal_data_erased` → the erasure of the trainee's login
///   when it served this contract alone (no other role);
/// - `account.erased` → the erasure of the trainers and representatives
///   linked to the account in the companies its roles name
///   (`company.person_erased`: their name and e-mail address).
///
/// Mails (invitations, PINs, results published, ...) come from the outbox
/// read model. Each follow-up command's id is derived from the causing
/// event's id (`policy:<event id>:<step>`), so reacting to an event again,
/// after a restart or on another instance, appends nothing new; secrets
/// (invitation tokens, PINs) are derived from that command id by the
/// `secret_source`, so the mail that renders them later finds the same
/// secret without it ever being stored.

#include "app/app.hpp"
#include "portal/events/event_log.hpp"

#include <functional>
#include <string>
#include <string_view>

namespace portal::app {

/// Where process managers get secrets: derived, never random, never stored.
struct secret_source
{
    /// An invitation token for the command with id `command_id`.
    std::function<std::string(std::string_view purpose, std::string_view command_id)> token;
    /// A PIN for the command with id `command_id`.
    std::function<std::string(std::string_view purpose, std::string_view command_id)> pin;
    /// What events store of a token (BLAKE2b).
    std::function<std::string(std::string_view token)> token_hash;
    /// What events store of a PIN (argon2id string).
    std::function<std::string(std::string_view pin)> pin_hash;
};

/// Purposes of derived secrets (the same strings render the mails).
inline constexpr std::string_view k_invitation_purpose = "invitation";
inline constexpr std::string_view k_pin_purpose = "pin";
/// Password-reset tokens (the gateway derives them from the request's
/// command id; the mail renders the same token).
inline constexpr std::string_view k_reset_purpose = "reset";

/// How long an invitation sent by a process manager stays valid.
inline constexpr auto k_invitation_validity = std::chrono::days{ 14 };

/// Runs the follow-up commands of one event at time `now`. Returns how many
/// commands changed something (0 for events without follow-ups, and for
/// events whose follow-ups already happened). Errors: the application
/// layer's (a domain rejection of a follow-up is an error: the caller logs
/// it and goes on).
result<std::size_t> react(const services& s,
                          const secret_source& secrets,
                          const events::recorded_event& event,
                          timestamp now);

} // namespace portal::app
