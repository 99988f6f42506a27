#pragma once

/// The application layer: one function per command of the portal. Each
/// builds the command's target stream and the decision's context from the
/// committed state of the aggregates it needs (through `fact_reader`), then
/// runs it with `domain::execute`. Pure against the event log port: no
/// clock (time arrives in `command_meta::now`), no id generation (new ids
/// arrive as arguments), no I/O but the port.
///
/// Conventions of every function here:
///   result<domain::outcome> <verb>(const services&, const domain::command_meta&, <ids>, <command>)
/// - ids of things created (company, contract, trainer, registration, ...)
///   are passed in by the caller (UUIDv7 text from infra);
/// - the account of a login (e-mail) has a deterministic id:
///   `services::account_id_of(email)`, so one e-mail is one account, and
///   creating it twice is a conflict on `no_stream`;
/// - a training record's id is deterministic per contract and period
///   (`report_id_for`), so "one record per contract and period" is the
///   stream's `no_stream` expectation.

#include "common/processor.hpp"
#include "portal/events/event_log.hpp"

#include <functional>
#include <string>
#include <string_view>

namespace portal::app {

/// What the application layer works with.
struct services
{
    /// The event log.
    events::event_log& log;
    /// The account id of a login (normalised e-mail); deterministic and
    /// pseudonymous (a keyed hash computed in infra).
    std::function<std::string(std::string_view email)> account_id_of;
};

} // namespace portal::app
