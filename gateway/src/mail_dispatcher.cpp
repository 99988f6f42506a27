#include "mail_dispatcher.hpp"

#include "app/mail.hpp"
#include "portal/events/time.hpp"
#include "portal/projections/read_models.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <vector>

namespace portal::cli {

namespace {

namespace json = boost::json;

/// New outbox entries read at a time.
constexpr std::size_t k_outbox_batch = 100;

std::string
str(const json::object& o, std::string_view key)
{
    const auto* v = o.if_contains(key);
    return v != nullptr && v->is_string() ? std::string(v->as_string()) : std::string{};
}

std::string
record_key(std::string_view id)
{
    return std::string(k_delivery_prefix) + std::string(id);
}

std::string
queue_key(std::string_view id)
{
    return std::string(k_delivery_queue_prefix) + std::string(id);
}

std::string
unrecorded_key(std::string_view id)
{
    return std::string(k_delivery_unrecorded_prefix) + std::string(id);
}

std::uint64_t
number(const json::object& o, std::string_view key)
{
    const auto* v = o.if_contains(key);
    return v != nullptr && v->is_number() ? v->to_number<std::uint64_t>() : 0;
}

/// 32 hex digits to a UUID.
std::optional<events::uuid>
parse_uuid(std::string_view hex)
{
    events::uuid out{};
    if (hex.size() != out.size() * 2) {
        return std::nullopt;
    }
    auto digit = [](char c) -> int {
        if (c >= '0' && c <= '9') {
            return c - '0';
        }
        if (c >= 'a' && c <= 'f') {
            return c - 'a' + 10;
        }
        return -1;
    };
    for (std::size_t i = 0; i < out.size(); ++i) {
        int hi = digit(hex[2 * i]);
        int lo = digit(hex[2 * i + 1]);
        if (hi < 0 || lo < 0) {
            return std::nullopt;
        }
        out[i] = static_cast<std::uint8_t>(hi * 16 + lo);
    }
    return out;
}

/// The domain of the sender's address (the right part of Message-IDs).
std::string
mail_settings_domain(const infra::mail_settings& mail)
{
    auto at = mail.from.email.rfind('@');
    return at == std::string::npos ? std::string("portal.invalid") : mail.from.email.substr(at + 1);
}

/// An outcome to record in the log (`dr/<id>`).
json::object
outcome_json(const outbox_source& source,
             std::string_view kind,
             std::string_view message_id,
             std::uint64_t attempts,
             bool sent,
             std::string_view reason)
{
    return json::object{ { "key", source.key },
                         { "index", source.index },
                         { "partitionKey", source.partition_key },
                         { "kind", kind },
                         { "messageId", message_id },
                         { "attempts", attempts },
                         { "sent", sent },
                         { "reason", reason } };
}

std::optional<json::object>
parse_object(std::string_view text)
{
    boost::system::error_code ec;
    auto v = json::parse(text, ec);
    if (ec || !v.is_object()) {
        return std::nullopt;
    }
    return std::move(v.as_object());
}

/// One window of the queue: at most `limit` keys under `prefix`, starting
/// at `cursor` (empty: the start of the prefix) and wrapping to the start
/// when the prefix ends, but never reaching `cursor` again.
struct queue_window
{
    /// Ids (the keys without the prefix) and values, in key order.
    std::vector<std::pair<std::string, std::string>> entries;
    /// Where the next window starts: right after the last key looked at
    /// when the window was full, else empty (all of the queue was seen).
    std::string next;
};

result<queue_window>
scan_window(infra::kv_store& store,
            std::string_view prefix,
            std::string_view cursor,
            std::size_t limit)
{
    queue_window w;
    std::vector<std::pair<std::string, std::string>> tail; // [cursor, end)
    std::vector<std::pair<std::string, std::string>> head; // [start, cursor)
    std::string last;
    auto into = [&](std::vector<std::pair<std::string, std::string>>* part) {
        return [&, part](std::string_view key, std::string_view value) {
            part->emplace_back(key.substr(prefix.size()), value);
            last = key;
            return head.size() + tail.size() < limit;
        };
    };
    auto from = cursor.empty() ? std::string(prefix) : std::string(cursor);
    if (auto scanned = store.scan(from, infra::prefix_end(prefix), into(&tail)); !scanned) {
        return fail(scanned.error());
    }
    if (tail.size() < limit && !cursor.empty()) {
        if (auto scanned = store.scan(prefix, cursor, into(&head)); !scanned) {
            return fail(scanned.error());
        }
    }
    if (head.size() + tail.size() >= limit) {
        w.next = last + '\0';
    }
    w.entries = std::move(head);
    w.entries.insert(
      w.entries.end(), std::make_move_iterator(tail.begin()), std::make_move_iterator(tail.end()));
    return w;
}

} // namespace

mail_dispatcher::mail_dispatcher(events::event_log& log,
                                 infra::kv_store& store,
                                 std::unique_ptr<infra::mail_sender> sender,
                                 mail_dispatcher_options options)
  : log_(log)
  , store_(store)
  , sender_(std::move(sender))
  , options_(std::move(options))
{
}

result<std::unique_ptr<mail_dispatcher>>
mail_dispatcher::open(events::event_log& log,
                      infra::kv_store& store,
                      std::unique_ptr<infra::mail_sender> sender,
                      mail_dispatcher_options options)
{
    if (!sender) {
        return fail(error::invalid("mail.no_sender", "the mail dispatcher needs a sender"));
    }
    if (options.retry.max_attempts == 0) {
        options.retry.max_attempts = 1;
    }
    options.queue_batch = std::max<std::size_t>(options.queue_batch, 1);
    return std::unique_ptr<mail_dispatcher>(
      new mail_dispatcher(log, store, std::move(sender), std::move(options)));
}

timestamp
mail_dispatcher::now() const
{
    if (options_.clock) {
        return options_.clock();
    }
    return std::chrono::time_point_cast<std::chrono::microseconds>(
      std::chrono::system_clock::now());
}

result<void>
mail_dispatcher::append_outcome(const json::object& o)
{
    if (options_.services == nullptr) {
        return {};
    }
    auto key = str(o, "key");
    auto dash = key.find('-');
    auto event_id = parse_uuid(std::string_view(key).substr(0, dash));
    if (!event_id || dash == std::string::npos) {
        spdlog::error("mail delivery: an unreadable outcome to record ({}); dropped", key);
        return {};
    }
    domain::mail::record_delivery command;
    command.source_event_id = *event_id;
    command.index = static_cast<std::uint16_t>(number(o, "index"));
    command.kind = str(o, "kind");
    command.message_id = str(o, "messageId");
    command.attempts = static_cast<std::uint32_t>(number(o, "attempts"));
    const auto* sent = o.if_contains("sent");
    command.sent = sent != nullptr && sent->is_bool() && sent->as_bool();
    command.reason = str(o, "reason");
    domain::command_meta meta;
    meta.command_id = "mail-record-" + key;
    meta.actor = domain::principal{ "", events::role::system, "" };
    meta.now = now();
    auto done =
      app::record_mail_delivery(*options_.services, meta, str(o, "partitionKey"), command);
    if (!done) {
        if (done.error().cls == error_class::invalid ||
            done.error().cls == error_class::forbidden) {
            spdlog::error("mail delivery: the outcome of {} cannot be recorded: {} ({}); dropped",
                          key,
                          done.error().message,
                          done.error().code);
            return {};
        }
        return fail(done.error());
    }
    if (done->events == 0) {
        spdlog::info("mail delivery: the outcome of {} was recorded by another instance", key);
    }
    return {};
}

result<void>
mail_dispatcher::record_pending()
{
    if (options_.services == nullptr) {
        return {};
    }
    std::vector<std::pair<std::string, std::string>> pending; // id, outcome
    auto scanned = store_.scan_prefix(
      k_delivery_unrecorded_prefix, [&](std::string_view key, std::string_view value) {
          pending.emplace_back(key.substr(k_delivery_unrecorded_prefix.size()), value);
          return pending.size() < options_.queue_batch;
      });
    if (!scanned) {
        return fail(scanned.error());
    }
    for (const auto& [id, text] : pending) {
        if (auto o = parse_object(text)) {
            if (auto done = append_outcome(*o); !done) {
                return fail(done.error());
            }
        }
        infra::write_batch batch;
        batch.erase(unrecorded_key(id));
        if (auto written = store_.write(batch, true); !written) {
            return fail(written.error());
        }
    }
    return {};
}

result<void>
mail_dispatcher::forget_erased()
{
    auto saved = store_.get(k_smtp_erasure_checkpoint);
    if (!saved) {
        return fail(saved.error());
    }
    std::string after = saved->value_or("");
    for (;;) {
        auto notes = projections::outbox_erasures(store_, after, k_outbox_batch);
        if (!notes) {
            return fail(notes.error());
        }
        if (notes->empty()) {
            return {};
        }
        for (const auto& note : *notes) {
            const auto& id = note.entry_id;
            auto entry = projections::outbox_entry(store_, id);
            if (!entry) {
                return fail(entry.error());
            }
            infra::write_batch batch;
            auto saved_record = store_.get(record_key(id));
            if (!saved_record) {
                return fail(saved_record.error());
            }
            if (auto record = *saved_record ? parse_object(**saved_record) : std::nullopt) {
                // The recipient it went to (or was queued for), unless that
                // was the erased person's address.
                if (!*entry || note.change != projections::k_mail_rewritten) {
                    (*record)["recipient"] = "";
                }
                (*record)["subject"] = *entry ? str(**entry, "subject") : std::string{};
                batch.put(record_key(id), json::serialize(*record));
            }
            auto queued_text = store_.get(queue_key(id));
            if (!queued_text) {
                return fail(queued_text.error());
            }
            if (auto queued = *queued_text ? parse_object(**queued_text) : std::nullopt) {
                if (*entry) {
                    queued = std::move(**entry);
                } else {
                    // What the queue needs to withdraw it: id, position, kind.
                    (*queued)["recipient"] = "";
                    (*queued)["cc"] = json::array{};
                    (*queued)["subject"] = "";
                    (*queued)["body"] = "";
                }
                batch.put(queue_key(id), json::serialize(*queued));
            }
            // Synced when it forgets something; a checkpoint alone may be lost
            // (the note is then applied again, to the same result).
            bool forgets = !batch.empty();
            batch.put(k_smtp_erasure_checkpoint, note.key);
            if (auto written = store_.write(batch, forgets); !written) {
                return fail(written.error());
            }
            after = note.key;
            spdlog::info("mail delivery: {} {} by an erasure of personal data",
                         id,
                         *entry ? "rewritten" : "removed");
        }
    }
}

result<dispatch_pass>
mail_dispatcher::dispatch_pending(const std::function<bool()>& keep_going)
{
    dispatch_pass pass;
    // 0. Outcomes whose append failed before (the log was unavailable).
    if (auto recorded = record_pending(); !recorded) {
        spdlog::warn("mail delivery: outcomes not recorded in the log yet: {} ({})",
                     recorded.error().message,
                     recorded.error().code);
    }
    // 1. What erasures removed or rewrote since the last pass.
    if (auto forgotten = forget_erased(); !forgotten) {
        return fail(forgotten.error());
    }
    if (now() < paused_until_) {
        return pass;
    }
    auto count = [&pass](outcome o) {
        switch (o) {
            case outcome::sent:
                ++pass.sent;
                break;
            case outcome::deferred:
                ++pass.deferred;
                break;
            case outcome::failed:
                ++pass.failed;
                break;
            case outcome::recorded:
                ++pass.recorded;
                break;
            case outcome::waiting:
                ++pass.waiting;
                break;
        }
    };
    // 2. The queue: retries that are due, entries a crash left `sending`,
    // and entries waiting for their owner (no record of their own). One
    // window per pass, after the one of the pass before (wrapping), so that
    // entries that are not due cannot keep due ones out of every window.
    auto window = scan_window(store_, k_delivery_queue_prefix, queue_cursor_, options_.queue_batch);
    if (!window) {
        return fail(window.error());
    }
    struct due_entry
    {
        std::string id;
        json::object entry;
        std::optional<json::object> record;
    };
    std::vector<due_entry> due; // in key (outbox) order
    for (const auto& [id, text] : window->entries) {
        auto saved = store_.get(record_key(id));
        if (!saved) {
            return fail(saved.error());
        }
        auto entry = parse_object(text);
        auto record = *saved ? parse_object(**saved) : std::nullopt;
        if (!entry || (*saved && !record)) {
            spdlog::error("mail delivery: the queued entry {} is unreadable; skipped", id);
            continue;
        }
        if (!record) {
            due.push_back({ id, std::move(*entry), std::nullopt }); // waiting for its owner
            continue;
        }
        auto status = str(*record, "status");
        auto next = parse_rfc3339(str(*record, "nextAttemptAt"));
        if (status == "sending" || !next || *next <= now()) {
            due.push_back({ id, std::move(*entry), std::move(*record) });
        }
    }
    // The next pass starts after this window; a pass that stops early starts
    // the next one at the first due entry it left (an error leaves the
    // cursor: the pass is repeated).
    for (std::size_t i = 0; i < due.size(); ++i) {
        const auto& d = due[i];
        if (keep_going && !keep_going()) {
            queue_cursor_ = queue_key(d.id);
            return pass;
        }
        auto done = deliver(d.entry, d.record ? &*d.record : nullptr, false);
        if (!done) {
            return fail(done.error());
        }
        count(*done);
        if (*done == outcome::deferred) {
            queue_cursor_ = i + 1 < due.size() ? queue_key(due[i + 1].id) : window->next;
            return pass;
        }
    }
    queue_cursor_ = window->next;
    // 3. New outbox entries after the checkpoint (or, the first time, after
    // the last mail written as a file).
    auto saved = store_.get(k_smtp_checkpoint);
    if (!saved) {
        return fail(saved.error());
    }
    if (!*saved) {
        saved = store_.get(k_mail_files_checkpoint);
        if (!saved) {
            return fail(saved.error());
        }
    }
    std::string after = saved->value_or("");
    for (;;) {
        auto entries = projections::outbox_entries(store_, after, k_outbox_batch);
        if (!entries) {
            return fail(entries.error());
        }
        if (entries->empty()) {
            return pass;
        }
        for (const auto& value : *entries) {
            if (keep_going && !keep_going()) {
                return pass;
            }
            if (!value.is_object()) {
                continue;
            }
            auto done = deliver(value.as_object(), nullptr, true);
            if (!done) {
                return fail(done.error());
            }
            count(*done);
            if (*done == outcome::deferred) {
                return pass;
            }
            after = str(value.as_object(), "id");
        }
    }
}

result<mail_dispatcher::outcome>
mail_dispatcher::deliver(const json::object& entry, const json::object* record, bool take_on)
{
    auto id = str(entry, "id");
    if (id.empty()) {
        return fail(error::invalid("mail.bad_entry", "an outbox entry without id"));
    }
    auto started = now();
    std::uint64_t attempts = 1;
    std::string last_error;
    if (record != nullptr) {
        if (const auto* a = record->if_contains("attempts"); a != nullptr && a->is_number()) {
            attempts = a->to_number<std::uint64_t>() + 1;
        }
        last_error = str(*record, "lastError");
    }
    json::object state{ { "id", id },
                        { "kind", str(entry, "kind") },
                        { "recipient", str(entry, "recipient") },
                        { "subject", str(entry, "subject") },
                        { "messageId", nullptr },
                        { "status", "sending" },
                        { "attempts", attempts },
                        { "lastError",
                          last_error.empty() ? json::value(nullptr) : json::value(last_error) },
                        { "nextAttemptAt", nullptr },
                        { "updatedAt", format_rfc3339(started) } };
    // `unrecorded`: the outcome to append to the log, kept in `dr/` with the
    // local record when the append fails.
    auto finish = [&](std::string_view status,
                      std::string error_text,
                      std::optional<timestamp> next,
                      const json::object* unrecorded = nullptr) -> result<void> {
        state["status"] = status;
        if (!error_text.empty()) {
            state["lastError"] = error_text;
        }
        state["nextAttemptAt"] = next ? json::value(format_rfc3339(*next)) : json::value(nullptr);
        state["updatedAt"] = format_rfc3339(now());
        infra::write_batch batch;
        batch.put(record_key(id), json::serialize(state));
        if (status == "pending") {
            batch.put(queue_key(id), json::serialize(entry));
        } else {
            batch.erase(queue_key(id));
        }
        if (unrecorded != nullptr) {
            batch.put(unrecorded_key(id), json::serialize(*unrecorded));
        }
        if (take_on) {
            batch.put(k_smtp_checkpoint, id);
        }
        return store_.write(batch, true);
    };
    // Appends the outcome to the log, then writes the local record (with the
    // outcome kept for a later append when this one fails).
    auto conclude = [&](std::string_view status, std::string error_text, const json::object& o) {
        auto appended = append_outcome(o);
        if (!appended) {
            spdlog::warn(
              "mail delivery: the outcome of {} is not in the log yet (retried): {} ({})",
              id,
              appended.error().message,
              appended.error().code);
        }
        return finish(status, std::move(error_text), std::nullopt, appended ? nullptr : &o);
    };
    auto report = [this](std::string_view result) {
        if (options_.on_result) {
            options_.on_result(result);
        }
    };

    auto source = outbox_entry_source(log_, entry);
    if (!source && source.error().cls == error_class::unavailable) {
        return fail(source.error()); // the log: try the whole pass again later
    }
    if (source && options_.services != nullptr) {
        // The log knows the outcome (recorded here before a crash, or by
        // the instance that owns the mail): take it over, send nothing.
        auto known = app::recorded_mail_delivery(*options_.services, source->key);
        if (!known) {
            return fail(known.error());
        }
        if (*known) {
            const auto& r = **known;
            state["status"] = r.sent ? "sent" : "failed";
            state["messageId"] = r.message_id;
            state["attempts"] = std::max<std::uint64_t>(r.attempts, 1);
            if (!r.reason.empty()) {
                state["lastError"] = r.reason;
            }
            infra::write_batch batch;
            batch.put(record_key(id), json::serialize(state));
            batch.erase(queue_key(id));
            if (take_on) {
                batch.put(k_smtp_checkpoint, id);
            }
            if (auto written = store_.write(batch, true); !written) {
                return fail(written.error());
            }
            spdlog::debug("mail delivery: {} is recorded as {} in the log ({})",
                          id,
                          r.sent ? "sent" : "failed",
                          r.message_id);
            return outcome::recorded;
        }
    }
    if (source && options_.owns) {
        auto mine = options_.owns(source->position, source->partition_key);
        if (!mine) {
            return fail(mine.error());
        }
        if (!*mine) {
            // Another instance sends it: queued (without a record of our
            // own, or keeping the one of our earlier attempts) until the log
            // brings its outcome or this instance owns the partition.
            if (!take_on && (record == nullptr || (str(*record, "status") == "pending" &&
                                                   str(*record, "nextAttemptAt").empty()))) {
                return outcome::waiting; // already waiting: nothing to write
            }
            infra::write_batch batch;
            batch.put(queue_key(id), json::serialize(entry));
            if (record != nullptr) {
                auto waiting = *record;
                waiting["status"] = "pending";
                waiting["nextAttemptAt"] = nullptr;
                batch.put(record_key(id), json::serialize(waiting));
            }
            if (take_on) {
                batch.put(k_smtp_checkpoint, id);
            }
            if (auto written = store_.write(batch, true); !written) {
                return fail(written.error());
            }
            return outcome::waiting;
        }
    }
    if (!take_on) {
        // A queued entry the outbox no longer holds was withdrawn by an
        // erasure of the personal data it was for: never sent, and its
        // record forgets the recipient and subject.
        auto withdrawn = projections::outbox_entry_withdrawn(store_, id, number(entry, "position"));
        if (!withdrawn) {
            return fail(withdrawn.error());
        }
        if (*withdrawn) {
            const std::string reason = "withdrawn: the personal data it was for has been erased";
            state["recipient"] = "";
            state["subject"] = "";
            state["attempts"] = attempts - 1; // none now
            spdlog::info("mail delivery: {} withdrawn (personal data erased)", id);
            auto written = source
                             ? conclude("failed",
                                        reason,
                                        outcome_json(*source,
                                                     str(entry, "kind"),
                                                     record != nullptr ? str(*record, "messageId")
                                                                       : std::string{},
                                                     attempts - 1,
                                                     false,
                                                     reason))
                             : finish("failed", reason, std::nullopt);
            if (!written) {
                return fail(written.error());
            }
            report("failed");
            return outcome::failed;
        }
    }
    if (record != nullptr && str(*record, "status") == "sending") {
        spdlog::warn("mail delivery: {} was being sent when the portal stopped; sending it "
                     "again with the same Message-ID {} (the receiver may see it twice)",
                     id,
                     str(*record, "messageId"));
    }

    auto m = source ? render_outbox_entry(log_, entry, options_.mail, options_.key)
                    : result<infra::mail_message>(fail(source.error()));
    if (!m) {
        if (m.error().cls == error_class::unavailable) {
            return fail(m.error()); // the log: try the whole pass again later
        }
        spdlog::error(
          "mail delivery: {} cannot be rendered: {} ({})", id, m.error().message, m.error().code);
        result<void> written;
        if (source) {
            auto at = mail_settings_domain(options_.mail);
            written = conclude("failed",
                               m.error().message,
                               outcome_json(*source,
                                            str(entry, "kind"),
                                            source->key + "@" + at,
                                            attempts,
                                            false,
                                            m.error().message));
        } else {
            written = finish("failed", m.error().message, std::nullopt);
        }
        if (!written) {
            return fail(written.error());
        }
        report("failed");
        return outcome::failed;
    }
    state["messageId"] = m->message_id;

    // `sending` is on disk before the first byte goes to the server.
    {
        infra::write_batch batch;
        batch.put(record_key(id), json::serialize(state));
        batch.put(queue_key(id), json::serialize(entry));
        if (take_on) {
            batch.put(k_smtp_checkpoint, id);
        }
        if (auto written = store_.write(batch, true); !written) {
            return fail(written.error());
        }
    }
    auto sent = sender_->send(*m);
    if (sent) {
        auto written = conclude(
          "sent", {}, outcome_json(*source, str(entry, "kind"), m->message_id, attempts, true, {}));
        if (!written) {
            // Sent, but not recorded: the entry stays `sending` and is sent
            // again (same Message-ID) by a later pass, unless the log has
            // its outcome by then.
            return fail(written.error());
        }
        spdlog::info("mail delivery: {} sent to {} ({}, attempt {})",
                     id,
                     str(entry, "recipient"),
                     m->message_id,
                     attempts);
        report("sent");
        return outcome::sent;
    }
    const auto& e = sent.error();
    if (e.cls == error_class::unavailable && attempts < options_.retry.max_attempts) {
        auto delay = options_.retry.first_delay;
        for (std::uint64_t i = 1; i < attempts && delay < options_.retry.max_delay; ++i) {
            delay *= 2;
        }
        delay = std::min(delay, options_.retry.max_delay);
        auto next = now() + std::chrono::duration_cast<std::chrono::microseconds>(delay);
        if (auto written = finish("pending", e.message, next); !written) {
            return fail(written.error());
        }
        spdlog::warn("mail delivery: {} not sent (attempt {}), retrying at {}: {}",
                     id,
                     attempts,
                     format_rfc3339(next),
                     e.message);
        paused_until_ =
          now() + std::chrono::duration_cast<std::chrono::microseconds>(options_.retry.first_delay);
        report("retry");
        return outcome::deferred;
    }
    auto written = conclude(
      "failed",
      e.message,
      outcome_json(*source, str(entry, "kind"), m->message_id, attempts, false, e.message));
    if (!written) {
        return fail(written.error());
    }
    spdlog::error("mail delivery: {} to {} failed for good after {} attempt(s): {} ({})",
                  id,
                  str(entry, "recipient"),
                  attempts,
                  e.message,
                  e.code);
    report("failed");
    return outcome::failed;
}

mail_delivery::mail_delivery(std::unique_ptr<mail_dispatcher> dispatcher)
  : dispatcher_(std::move(dispatcher))
  , thread_([this] { run(); })
{
}

mail_delivery::~mail_delivery()
{
    {
        std::lock_guard lock(mu_);
        stopping_ = true;
    }
    cv_.notify_all();
    thread_.join();
}

void
mail_delivery::run()
{
    auto keep_going = [this] {
        std::lock_guard guard(mu_);
        return !stopping_;
    };
    std::unique_lock lock(mu_);
    while (!stopping_) {
        lock.unlock();
        auto pass = dispatcher_->dispatch_pending(keep_going);
        if (!pass) {
            spdlog::warn("mail delivery: {} ({})", pass.error().message, pass.error().code);
        }
        lock.lock();
        cv_.wait_for(lock, std::chrono::milliseconds(250), [&] { return stopping_; });
    }
}

} // namespace portal::cli
