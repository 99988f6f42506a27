#pragma once

/// Delivery of composed mails over SMTP (libcurl): `smtp://` with optional
/// STARTTLS, or `smtps://` (TLS from the first byte), optional
/// authentication, connect and transfer timeouts.
///
/// One `send` is one SMTP transaction: MAIL FROM the sender, RCPT TO every
/// `to` and `cc` address (all of them must be accepted), DATA the message as
/// `compose` renders it. Errors are classified for the caller's retry
/// decision: `smtp.unavailable` (unavailable: connection, TLS, timeout,
/// authentication, a 4xx reply; retry later) and `smtp.rejected` (rejected:
/// a 5xx reply to the sender, a recipient or the data; do not retry).

#include "portal/events/error.hpp"
#include "portal/infra/mail.hpp"

#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace portal::infra {

/// Where and how to connect.
struct smtp_options
{
    /// `smtp://host[:port]` (default port 25) or `smtps://host[:port]`
    /// (default 465). A path names the EHLO domain (`smtp://host/portal.de`).
    std::string url;
    /// Require STARTTLS on an `smtp://` URL (libcurl's CURLUSESSL_ALL): the
    /// transaction fails when the server does not offer it.
    bool starttls = false;
    /// Credentials for SMTP AUTH; no authentication when `user` is empty.
    std::string user;
    std::string password;
    /// A CA bundle to verify the server's certificate with (the system's
    /// when empty). Certificates are always verified.
    std::string ca_file;
    /// Longest wait for the connection (TCP and TLS handshake).
    std::chrono::milliseconds connect_timeout{ 10'000 };
    /// Longest duration of the whole transaction.
    std::chrono::milliseconds timeout{ 60'000 };
};

/// Sends mails. Implementations are thread-safe: `send` may be called from
/// several threads at once (each call uses its own connection).
class mail_sender
{
  public:
    virtual ~mail_sender() = default;

    /// Validates, composes and sends `m` to its `to` and `cc` addresses,
    /// with `m.from` as the envelope sender.
    /// Errors: those of `validate` (invalid), `smtp.unavailable`
    /// (unavailable), `smtp.rejected` (rejected). Messages never contain the
    /// password.
    virtual result<void> send(const mail_message& m) = 0;

    /// Sends the composed message `data` (CRLF line ends) from `sender` to
    /// `recipients` (bare addresses). Errors: `smtp.unavailable`,
    /// `smtp.rejected`, `smtp.no_recipient` (invalid).
    virtual result<void> send_raw(std::string_view sender,
                                  const std::vector<std::string>& recipients,
                                  std::string_view data) = 0;
};

/// An SMTP sender. Errors: `smtp.bad_url` (invalid) when the URL is not
/// `smtp://` or `smtps://` with a host; `smtp.unavailable` when libcurl
/// cannot be initialised.
result<std::unique_ptr<mail_sender>> open_smtp_sender(smtp_options options);

} // namespace portal::infra
