#pragma once

/// The delivery outcome of one mail of the outbox, recorded in the log so
/// that every portal instance knows it (Kafka mode: the log is the only
/// state the instances share). Stream `mail-<entry key>`, partition key =
/// the partition key of the event that caused the mail (so the record lands
/// in the partition of the instance that owns, and sends, the mail).
///
/// The entry key names a mail independently of any instance's positions:
/// `<eventId of the causing event, 32 hex digits>-<index, two digits>`;
/// the Message-ID of the mail is derived from it, so every attempt, on any
/// instance, carries the same Message-ID.
///
/// Rules:
/// - only the system (the mail dispatcher) records deliveries
///   (`mail.not_allowed`, forbidden);
/// - the first outcome stands: once a stream has `mail.sent` or
///   `mail.failed`, recording again yields no events (a second dispatcher
///   that raced the first one loses on the append's version check and then
///   sees the outcome);
/// - `mail.sent` needs the Message-ID and at least one attempt; `mail.failed`
///   needs a reason (`validation.*`, invalid).

#include "common/domain.hpp"

#include <cstdint>
#include <string>
#include <string_view>

namespace portal::domain::mail {

/// The folded stream of one mail.
struct state
{
    bool exists = false;
    bool sent = false; ///< else failed (when `exists`)
    std::string kind;
    std::string message_id;
    std::uint32_t attempts = 0;
    std::string reason; ///< why it failed
};

// --- command --------------------------------------------------------------------

/// Records the outcome of a delivery (by the mail dispatcher).
struct record_delivery
{
    events::uuid source_event_id{}; ///< the event that caused the mail
    std::uint16_t index = 0;        ///< the mail's index among its mails
    std::string kind;               ///< outbox kind, e.g. `invitation`
    std::string message_id;         ///< the Message-ID the mail carried
    std::uint32_t attempts = 0;     ///< SMTP attempts (0 when never tried)
    bool sent = false;              ///< accepted by the server; else failed
    std::string reason;             ///< why it failed (required then)
};

/// Nothing beyond who and when.
struct context : context_base
{};

/// Records the outcome. Errors: `mail.not_allowed` (forbidden: not the
/// system), `validation.source_event_id`, `validation.message_id`,
/// `validation.attempts` (a sent mail without attempt), `validation.reason`
/// (a failure without reason) (invalid). No events when an outcome is
/// already recorded.
decision decide(const state& s, const record_delivery& c, const context& ctx);

// --- evolve -------------------------------------------------------------------------

/// Applies one mail event (total over `MailEvent`).
state evolve(state s, schema::MailEvent::Reader event);

/// Applies an event if it is a mail event; others leave `s` as is.
state evolve(state s, schema::Event::Reader event);

/// Folds events from the empty state.
state fold(const std::vector<event_payload>& events);

// --- streams --------------------------------------------------------------------------

/// `<32 lower-case hex digits of the event id>-<index, at least two digits>`.
std::string entry_key(const events::uuid& source_event_id, std::uint16_t index);

/// "mail-<entryKey>".
std::string stream_id(std::string_view entry_key);

} // namespace portal::domain::mail
