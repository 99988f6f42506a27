#pragma once

/// Writes the mails of the outbox read model as RFC 5322 files
/// (`<data-dir>/mail/*.eml`) while no SMTP server is configured.
///
/// Access mails (invitation, supervisor PIN, password reset) are rendered
/// with their templates and carry the secret derived from the id of the
/// command that stored its hash (`infra::derive_token` / `derive_pin`), so the
/// link or PIN in the file is the one the account accepts. Notifications use
/// the outbox entry's German text plus a link into the portal. Exactly one
/// file per outbox entry, also across restarts (the file name is the entry's
/// id; an existing file is left alone). When an erasure of personal data
/// removes or rewrites an outbox entry, its file goes or is rewritten too
/// (`forget_erased`).

#include "portal/events/event_log.hpp"
#include "portal/infra/kv_store.hpp"
#include "portal/infra/mail.hpp"

#include <boost/json.hpp>

#include <filesystem>
#include <functional>
#include <memory>
#include <string>

namespace portal::cli {

/// The key of the last outbox entry written as a file, in the read-model
/// store.
inline constexpr std::string_view k_mail_files_checkpoint = "p/mail";

/// The key of the last erasure note of the outbox
/// (`projections::outbox_erasures`) applied to the mail files.
inline constexpr std::string_view k_mail_files_erasure_checkpoint = "p/mail-erased";

/// The mail id of an outbox entry: its id with `/` as `-` (the `.eml` file
/// name).
std::string outbox_mail_id(std::string_view entry_id);

/// Where an outbox entry comes from, in terms every instance shares (its id
/// and position are local to this instance's log).
struct outbox_source
{
    events::uuid event_id{};   ///< the envelope's eventId of the causing event
    std::uint16_t index = 0;   ///< the mail's index among that event's mails
    std::string partition_key; ///< the causing event's partition key
    std::string key;           ///< `domain::mail::entry_key(event_id, index)`
    events::position position; ///< the causing event here
};

/// The source of an outbox entry (an object of `projections::outbox_entries`).
/// Errors: `mail.event_not_found` (not_found), `mail.bad_entry` (invalid),
/// the log's.
result<outbox_source> outbox_entry_source(events::event_log& log, const boost::json::object& entry);

/// Renders one outbox entry (an object of `projections::outbox_entries`)
/// into its message: access mails with their templates and the secret
/// derived with `key` from the id of the command that stored its hash,
/// notifications with the entry's text and a link under `mail.base_url`.
/// Deterministic: the same entry gives the same message, with `Date` the
/// time the event was recorded and Message-ID `<entry key>@<sender's
/// domain>` (the entry key of `outbox_entry_source`: the causing event's id
/// and the mail's index), so every delivery of an entry (file or SMTP,
/// first or repeated, by any instance of the portal) carries the same
/// Message-ID.
/// Errors: `mail.event_not_found` (not_found) when the entry's event is
/// not in `log`, `mail.bad_entry` (invalid), the log's.
result<infra::mail_message> render_outbox_entry(events::event_log& log,
                                                const boost::json::object& entry,
                                                const infra::mail_settings& mail,
                                                std::string_view key);

/// Where and how mails are written.
struct mail_writer_options
{
    std::filesystem::path dir; ///< `<data-dir>/mail`
    infra::mail_settings mail; ///< sender and public base URL
    std::string key;           ///< the data directory's key (derived secrets)
};

class mail_writer
{
  public:
    /// Opens the mail directory. Errors: the outbox's (`mail.*`).
    static result<std::unique_ptr<mail_writer>> open(events::event_log& log,
                                                     infra::kv_store& store,
                                                     mail_writer_options options);

    /// Writes every outbox entry after the last one written; returns how
    /// many files it wrote; stops early (between mails) when `keep_going`
    /// returns false. Thread: one caller at a time.
    result<std::size_t> write_pending(const std::function<bool()>& keep_going = {});

    /// Applies the outbox's erasure notes after the last one applied to the
    /// files written so far: the file of an entry that an erasure removed
    /// or readdressed (it was made for an erased address) is deleted, the
    /// file of an entry it rewrote (the trainee's name and texts taken out)
    /// is written again as the entry is now; entries
    /// without a file are left to `write_pending`. Returns how many files
    /// it deleted or rewrote; stops early like `write_pending`. Thread: the
    /// caller of `write_pending`.
    result<std::size_t> forget_erased(const std::function<bool()>& keep_going = {});

  private:
    mail_writer(events::event_log& log,
                infra::kv_store& store,
                mail_writer_options options,
                infra::eml_outbox outbox);

    events::event_log& log_;
    infra::kv_store& store_;
    mail_writer_options options_;
    infra::eml_outbox outbox_;
};

} // namespace portal::cli
