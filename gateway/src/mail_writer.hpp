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
/// id; an existing file is left alone).

#include "portal/events/event_log.hpp"
#include "portal/infra/kv_store.hpp"
#include "portal/infra/mail.hpp"

#include <filesystem>
#include <functional>
#include <memory>
#include <string>

namespace portal::cli {

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
