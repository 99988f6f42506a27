#pragma once

/// Delivers the mails of the outbox read model over SMTP (when the portal
/// has an SMTP URL; otherwise `mail_writer` writes `.eml` files).
///
/// Entries are taken on in outbox (log) order; each is rendered by
/// `render_outbox_entry` (the same message a file would hold) and sent in
/// one SMTP transaction. The state of every entry lives in the read-model
/// store next to the outbox (mail_deliveries.hpp: `d/<id>`, the retry queue
/// `dq/<id>`, the checkpoint `p/smtp`, outcomes still to record in the log
/// `dr/<id>`), never only in memory; the outcome of every entry also goes
/// to the log (below).
///
/// Retries: a transient failure (`smtp.unavailable`: connection, timeout,
/// 4xx) puts the entry back as `pending` with an exponential back-off
/// (`first_delay * 2^(attempts-1)`, at most `max_delay`) until
/// `max_attempts`, then `failed`; a permanent refusal (`smtp.rejected`, a
/// 5xx) or an unrenderable entry is `failed` at once. After a transient
/// failure the dispatcher pauses for `first_delay` before it tries any
/// other entry (the server is probably down).
///
/// Erasures: each pass first applies the outbox's erasure notes
/// (`projections::outbox_erasures`, checkpoint `p/smtp-erased`) to the
/// entries' records and queue: the record of a removed entry forgets its
/// recipient and subject, whatever its status (a mail already sent keeps
/// its status, Message-ID and attempts); a readdressed entry's record (it
/// was for the erased login's address) forgets its recipient; a rewritten
/// one takes the subject as it is now. A queued copy (`dq/`) takes the
/// entry as it is now (a retry of a readdressed one goes to the new
/// address), or, for a removed one, loses recipient, copies, subject and
/// body until the queue withdraws it (below).
///
/// Withdrawn entries: a queued entry that the outbox model no longer holds,
/// although it has projected past the entry's position, was removed by an
/// erasure of the personal data it was for (`projections::
/// outbox_entry_withdrawn`); it is never sent: `failed` ("withdrawn: ..."),
/// its record without recipient and subject, the outcome in the log.
///
/// The queue (`dq/`) is looked at in windows of `queue_batch` entries per
/// pass. Each pass continues after the last entry the previous pass looked
/// at and wraps to the start of the queue at its end, so that entries that
/// are not due (in back-off, or waiting for the instance that owns them)
/// never hide due entries behind them: with `n` queued entries, every one
/// is looked at within ceil(n / queue_batch) passes (a pass cut short by a
/// transient failure or by `keep_going` makes the next one start at the
/// first due entry it left). The due entries of a window are sent in
/// outbox order; with more than `queue_batch` entries in the queue, a due
/// entry may therefore go out before an earlier one that lies outside the
/// current window (new entries, below, are always taken on in outbox
/// order). Where the next window starts is kept in memory only (a fairness
/// hint): after a restart the first pass starts at the beginning.
///
/// Delivery outcomes in the log: after the SMTP server accepted a mail (or
/// refused it for good) the dispatcher records the outcome as an event,
/// `mail.sent` or `mail.failed` in stream `mail-<entry key>` (aggregates/mail,
/// `app::record_mail_delivery`), with the partition key of the event that
/// caused the mail. The entry key is that event's id plus the mail's index,
/// the same on every instance (entry ids and positions are local). Before an
/// entry is sent, and for every queued entry on each pass, the dispatcher
/// looks for a recorded outcome; an entry whose outcome is in the log is
/// never sent (again): its record takes the recorded status, Message-ID and
/// attempts. The record is appended before the local `sent` is written; an
/// append that fails is kept (`dr/<id>`) and retried on every pass.
///
/// Which instance sends (Kafka mode, `options.owns`): the instance that
/// currently writes the partition of the event that caused the mail. The
/// others queue the entry without a record (`dq/<id>` alone) and wait until
/// the log brings its outcome (then their record shows it: `sent` or
/// `failed`) or until they own the partition themselves (after a failover:
/// then they send it). With the embedded log (no `owns`) this instance
/// sends every mail.
///
/// Delivery guarantee, honestly: at least once, with a deduplication key.
/// Each entry's Message-ID is derived from its entry key, so every attempt
/// of an entry, by any instance, carries the same Message-ID. Before the
/// SMTP transaction the entry is marked `sending` (synced write); after the
/// server accepted the data the outcome is appended to the log and the
/// entry is marked `sent` (synced). A process killed between two entries
/// therefore never sends an entry twice: each is either recorded or not yet
/// begun. Killed during a transaction (or between the server's final `250`
/// and the append of `mail.sent`), the entry is found `sending` on restart,
/// or unrecorded by the instance that takes the partition over, and is sent
/// again with the SAME Message-ID: the receiver may get it twice and can
/// drop the copy by its Message-ID. At most one entry per instance is in
/// `sending` at any time, so a crash duplicates at most one mail. The same
/// holds for an owner that loses its partition while it sends (a paused
/// instance, fenced meanwhile): the new owner may send that one mail again.
/// SMTP offers no way to close this window (there is no transactional
/// hand-off to the server).
///
/// Switching from mail files to SMTP: without `p/smtp`, the dispatcher
/// starts after the last entry written as a file (`p/mail`), so old mails
/// are not sent again.

#include "app/app.hpp"
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
    /// Records outcomes in the log and reads those of other instances
    /// (`app::record_mail_delivery`); null: nothing is recorded or looked up
    /// (an instance alone on its log that keeps no shared state).
    const app::services* services = nullptr;
    /// Whether this instance sends the mails of the event at `position`
    /// here, whose partition key is `partition_key` (Kafka: it writes the
    /// event's partition now). Empty: it sends every mail.
    std::function<result<bool>(events::position position, std::string_view partition_key)> owns;
    /// Queued entries looked at per pass (one window of the queue), and
    /// outcomes recorded in the log per pass; 0 counts as 1.
    std::size_t queue_batch = 1000;
};

/// What one pass did.
struct dispatch_pass
{
    std::size_t sent = 0;
    std::size_t deferred = 0; ///< transient failures, to be retried
    std::size_t failed = 0;
    std::size_t recorded = 0; ///< outcomes found in the log (not sent here)
    std::size_t waiting = 0;  ///< entries of partitions another instance owns
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

    /// One pass: first the outcomes still to record in the log and the
    /// outbox's erasure notes (records and queue forget the erased data), then the
    /// queued entries that are due in the next window of the queue (retries,
    /// an entry left `sending` by a crash: resent at once unless its outcome
    /// is in the log, entries waiting for their owner; in outbox order),
    /// then new outbox entries in order. Stops early after a transient
    /// failure (and does nothing until the pause after it ended) or when `keep_going` returns false
    /// (checked between entries). Errors: the store's and the log's (nothing is lost: the pass is
    /// repeated).
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
        recorded, ///< the log has its outcome
        waiting,  ///< another instance sends it
    };

    mail_dispatcher(events::event_log& log,
                    infra::kv_store& store,
                    std::unique_ptr<infra::mail_sender> sender,
                    mail_dispatcher_options options);

    timestamp now() const;
    result<outcome> deliver(const boost::json::object& entry,
                            const boost::json::object* record,
                            bool take_on);
    /// Appends the outcomes kept in `dr/` (appends that failed before).
    result<void> record_pending();
    /// Applies the outbox's erasure notes after `p/smtp-erased` to the
    /// records and the queue (see "Erasures" above).
    result<void> forget_erased();
    /// Appends one outcome (`outcome_json`); an outcome already in the log
    /// (recorded by another instance) counts as done.
    result<void> append_outcome(const boost::json::object& outcome);

    events::event_log& log_;
    infra::kv_store& store_;
    std::unique_ptr<infra::mail_sender> sender_;
    mail_dispatcher_options options_;
    timestamp paused_until_{};
    /// The queue key (`dq/<id>`) where the next pass starts looking; empty:
    /// the start of the queue. Only a fairness hint, hence in memory: after
    /// a restart the dispatcher starts at the beginning again.
    std::string queue_cursor_;
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
