#pragma once

/// The SMTP delivery state of outbox entries in the read-model store, as
/// the mail dispatcher (mail_dispatcher.hpp) keeps it and chamber staff read
/// it (`GET /api/v1/mail/deliveries`). Header-only so that the HTTP layer
/// can read it without linking the dispatcher.
///
/// Keys:
///   d/<entry id>   one record per entry the dispatcher took on (JSON: id,
///                  kind, recipient, subject, messageId, status, attempts,
///                  lastError, nextAttemptAt, updatedAt)
///   dq/<entry id>  the outbox entry (JSON) while its record is `pending` or
///                  `sending`, or while it waits for the instance that owns
///                  it (Kafka mode; no `d/` record then): the retry queue
///   dr/<entry id>  an outcome sent or failed here whose `mail.sent` /
///                  `mail.failed` event is not in the log yet (JSON)
///   p/smtp         the id of the last outbox entry taken on
///   p/smtp-erased  the last erasure note of the outbox applied to these

#include "portal/infra/kv_store.hpp"

#include <boost/json.hpp>

#include <array>
#include <string>
#include <string_view>
#include <utility>

namespace portal::cli {

inline constexpr std::string_view k_delivery_prefix = "d/";
inline constexpr std::string_view k_delivery_queue_prefix = "dq/";
inline constexpr std::string_view k_delivery_unrecorded_prefix = "dr/";
inline constexpr std::string_view k_smtp_checkpoint = "p/smtp";
inline constexpr std::string_view k_smtp_erasure_checkpoint = "p/smtp-erased";

/// The states of a delivery: `pending` (waiting for a retry), `sending`
/// (persisted right before the SMTP transaction), `sent`, `failed` (refused
/// by the server, or out of attempts).
inline constexpr std::array<std::string_view, 4> k_delivery_statuses{ "pending",
                                                                      "sending",
                                                                      "sent",
                                                                      "failed" };

/// True when `status` is one of `k_delivery_statuses`.
inline bool
valid_delivery_status(std::string_view status) noexcept
{
    for (auto s : k_delivery_statuses) {
        if (s == status) {
            return true;
        }
    }
    return false;
}

/// A page of delivery records.
struct delivery_page
{
    boost::json::array items; ///< records in outbox order
    std::string next;         ///< the entry id to continue after; empty at the end
};

/// Delivery records after entry id `after` (empty: from the start) with
/// `status` (empty: any), at most `limit`, in outbox order. Errors: the
/// store's.
inline result<delivery_page>
delivery_records(infra::kv_store& store,
                 std::string_view status,
                 std::string_view after,
                 std::size_t limit)
{
    std::string prefix(k_delivery_prefix);
    auto from = after.empty() ? prefix : prefix + std::string(after) + '\0';
    delivery_page page;
    std::string last;
    bool more = false;
    auto scanned = store.scan(
      from, infra::prefix_end(prefix), [&](std::string_view key, std::string_view value) {
          if (page.items.size() >= limit) {
              more = true;
              return false;
          }
          boost::system::error_code ec;
          auto v = boost::json::parse(value, ec);
          if (ec || !v.is_object()) {
              return true;
          }
          last = std::string(key.substr(prefix.size()));
          const auto* s = v.as_object().if_contains("status");
          if (!status.empty() && (s == nullptr || !s->is_string() || s->as_string() != status)) {
              return true;
          }
          page.items.push_back(std::move(v));
          return true;
      });
    if (!scanned) {
        return fail(scanned.error());
    }
    if (more) {
        page.next = last;
    }
    return page;
}

} // namespace portal::cli
