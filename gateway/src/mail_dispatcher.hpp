#pragma once

/// Delivers the mails of the outbox read model over SMTP (when the portal
/// has an SMTP URL; otherwise `mail_writer` writes `.eml` files).
///
/// Entries are taken on in outbox (log) order; each is rendered by
/// `render_outbox_entry` (the same message a file would hold) and sent in
/// one SMTP transaction. The state of every entry lives in the read-model
/// store next to the outbox (mail_deliveries.hpp: `d/<id>`, the retry queue
/// `dq/<id>`, the checkpoint `p/smtp`), never only in memory.
///
/// Retries: a transient failure (`smtp.unavailable`: connection, timeout,
/// 4xx) puts the entry back as `pending` with an exponential back-off
/// (`first_delay * 2^(attempts-1)`, at most `max_delay`) until
/// `max_attempts`, then `failed`; a permanent refusal (`smtp.rejected`, a
/// 5xx) or an unrenderable entry is `failed` at once. After a transient
/// failure the dispatcher pauses for `first_delay` before it tries any
/// other entry (the server is probably down).
///
/// Delivery guarantee, honestly: at least once, with a deduplication key.
/// Each entry's Message-ID is derived from its outbox id, so every attempt
/// of an entry carries the same Message-ID. Before the SMTP transaction the
/// entry is marked `sending` (synced write); after the server accepted the
/// data it is marked `sent` (synced). A process killed between two entries
/// therefore never sends an entry twice: each is either `sent` or not yet
/// begun. Killed during a transaction (or between the server's final `250`
/// and the `sent` write), the entry is found `sending` on restart and is
/// sent again with the SAME Message-ID: the receiver may get it twice and
/// can drop the copy by its Message-ID. At most one entry is in `sending` at
/// any time, so a crash duplicates at most one mail. SMTP offers no way to
/// close this window (there is no transactional hand-off to the server).
///
/// Switching from mail files to SMTP: without `p/smtp`, the dispatcher
/// starts after the last entry written as a file (`p/mail`), so old mails
/// are not sent again.

#include "mail_deliveries.hpp"
#include "mail_writer.hpp"
#include "portal/events/event_log.hpp"
#include "portal/infra/kv_store.hpp"
#include "portal/infra/mail.hpp"
#include "portal/infra/smtp.hpp"

#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>

namespace portal::cli {

/// How transient failures are retried.
struct mail_retry_policy
{
    /// Attempts per entry (the first included) before it is `failed`.
    unsigned max_attempts = 8;
    /// Wait before the second attempt; doubles with every further one.
    std::chrono::milliseconds first_delay{ 2'000 };
    /// The longest wait between two attempts.
    std::chrono::milliseconds max_delay{ std::chrono::minutes{ 10 } };
};

/// What the dispatcher needs besides log, store and sender.
struct mail_dispatcher_options
{
    infra::mail_settings mail; ///< sender and public base URL
    std::string key;           ///< the data directory's key (derived secrets)
    mail_retry_policy retry;
    /// The clock of retry times and `updatedAt` (the system clock if empty).
    std::function<timestamp()> clock;
    /// Called after every attempt with `sent`, `retry` or `failed` (for the
    /// metrics); from the dispatching thread.
    std::function<void(std::string_view result)> on_result;
};

/// What one pass did.
struct dispatch_pass
{
    std::size_t sent = 0;
    std::size_t deferred = 0; ///< transient failures, to be retried
    std::size_t failed = 0;
};

/// The dispatcher. Thread: one caller of `dispatch_pending` at a time (one
/// dispatcher per data directory).
class mail_dispatcher
{
  public:
    /// A dispatcher over `log` and `store` sending with `sender`.
    static result<std::unique_ptr<mail_dispatcher>> open(events::event_log& log,
                                                         infra::kv_store& store,
                                                         std::unique_ptr<infra::mail_sender> sender,
                                                         mail_dispatcher_options options);

    /// One pass: first the queued entries that are due (retries, and an
    /// entry left `sending` by a crash: resent at once), then new outbox
    /// entries in order. Stops early after a transient failure (and does
    /// nothing until the pause after it ended) or when `keep_going` returns
    /// false (checked between entries). Errors: the store's and the log's
    /// (nothing is lost: the pass is repeated).
    result<dispatch_pass> dispatch_pending(const std::function<bool()>& keep_going = {});

    /// Replaces `options.on_result`; only before dispatching starts.
    void on_result(std::function<void(std::string_view result)> observer)
    {
        options_.on_result = std::move(observer);
    }

  private:
    enum class outcome
    {
        sent,
        deferred,
        failed,
    };

    mail_dispatcher(events::event_log& log,
                    infra::kv_store& store,
                    std::unique_ptr<infra::mail_sender> sender,
                    mail_dispatcher_options options);

    timestamp now() const;
    result<outcome> deliver(const boost::json::object& entry,
                            const boost::json::object* record,
                            bool take_on);

    events::event_log& log_;
    infra::kv_store& store_;
    std::unique_ptr<infra::mail_sender> sender_;
    mail_dispatcher_options options_;
    timestamp paused_until_{};
};

/// Runs a dispatcher on its own thread (a pass every 250 ms) until
/// destroyed; a pass in progress ends after the current mail.
class mail_delivery
{
  public:
    explicit mail_delivery(std::unique_ptr<mail_dispatcher> dispatcher);
    ~mail_delivery();

    mail_delivery(const mail_delivery&) = delete;
    mail_delivery& operator=(const mail_delivery&) = delete;

  private:
    void run();

    std::unique_ptr<mail_dispatcher> dispatcher_;
    std::mutex mu_;
    std::condition_variable cv_;
    bool stopping_ = false;
    std::thread thread_;
};

} // namespace portal::cli
