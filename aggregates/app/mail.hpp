#pragma once

/// The application layer for recorded mail deliveries (see app.hpp for the
/// conventions every function here follows): the mail dispatcher records
/// the outcome of each outbox mail in the log, so that every instance of
/// the portal knows which mails are sent (Kafka mode: one instance sends
/// each mail; the others learn the outcome from the log).

#include "app/app.hpp"
#include "mail/mail.hpp"

#include <optional>
#include <string_view>

namespace portal::app {

/// Records the outcome of a mail in `mail-<entry key>` (the entry key comes
/// from the command's source event id and index) under `partition_key`,
/// the partition key of the event that caused the mail. The first outcome
/// stands: when one is recorded already (also by another instance that won
/// the race), the outcome has 0 events. Errors: the aggregate's; the log's
/// (`log.unavailable`, `log.not_owner`).
result<domain::outcome> record_mail_delivery(const services& s,
                                             const domain::command_meta& meta,
                                             std::string_view partition_key,
                                             const domain::mail::record_delivery& command);

/// The recorded outcome of the mail with `entry_key`; nullopt when none is
/// recorded (yet). Errors: the log's.
result<std::optional<domain::mail::state>> recorded_mail_delivery(const services& s,
                                                                  std::string_view entry_key);

} // namespace portal::app
