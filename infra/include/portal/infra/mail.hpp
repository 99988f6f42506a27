#pragma once

/// Mails of the portal: composition as RFC 5322 / MIME messages, the German
/// templates of every mail the domain implies, and the `.eml` outbox that is
/// used whenever no SMTP server is configured (`<data-dir>/mail/`).
///
/// Composition is pure and deterministic (the same message gives the same
/// bytes); only `eml_outbox` does I/O. Templates take plain inputs (names,
/// periods as text, ids, tokens) and know nothing of aggregates.

#include "portal/events/error.hpp"
#include "portal/events/time.hpp"

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace portal::infra {

// --- messages ----------------------------------------------------------------

/// A mailbox: an optional display name (any UTF-8) and an ASCII address
/// (`local@domain`, no IDN or SMTPUTF8).
struct mail_address
{
    std::string name;  ///< display name; empty for none
    std::string email; ///< addr-spec, e.g. `j.koehler@example.de`
};

/// One mail, before composition. The bodies are UTF-8 with `\n` or `\r\n`
/// line ends.
struct mail_message
{
    mail_address from;
    std::vector<mail_address> to; ///< one or more
    std::vector<mail_address> cc; ///< may be empty
    std::string subject;
    std::string text_body; ///< the text/plain alternative
    std::string html_body; ///< the text/html alternative (a whole document)
    /// `id-left@id-right` without angle brackets. When empty, `compose`
    /// derives a deterministic one from the message's content and the
    /// sender's domain (and `eml_outbox::write` uses the mail id).
    std::string message_id;
    /// The `Date` header. Templates leave it unset: the caller sets it (for
    /// example to the time of the event that caused the mail).
    timestamp date{};
    /// Further headers (name, value), e.g. `Auto-Submitted`. Names are
    /// printable ASCII without `:` and must not repeat a header that
    /// `compose` writes itself (From, To, Cc, Subject, Date, Message-ID,
    /// MIME-Version, Content-*).
    std::vector<std::pair<std::string, std::string>> headers;
};

/// Checks `m` before it is sent: at least one `to`; every address a plain
/// ASCII addr-spec; no CR, LF or other control character in any header
/// value, name or address (header injection); valid extra header names
/// that do not override a composed header; a well-formed message id if
/// set; a date set (not the epoch).
///
/// Errors (all `invalid`): `mail.no_recipient`, `mail.bad_address`,
/// `mail.header_injection`, `mail.bad_header`, `mail.bad_message_id`,
/// `mail.date_missing`.
result<void> validate(const mail_message& m);

/// The message as RFC 5322 text with MIME 1.0: `multipart/alternative` with
/// text/plain then text/html, both UTF-8 and quoted-printable (lines of at
/// most 76 characters); headers with non-ASCII text as RFC 2047
/// encoded-words (`=?UTF-8?B?...?=`), folded so that no header line exceeds
/// 78 characters (except an address that alone is longer); display names
/// quoted or encoded; `Date` in RFC 5322 form (UTC, `+0000`); CRLF line
/// ends throughout; the boundary can never occur in a quoted-printable body.
///
/// Never fails: CR, LF and other control characters in header values are
/// replaced by spaces, so no header can be injected; characters not allowed
/// in an address are dropped; extra headers with bad or reserved names are
/// left out. Call `validate` first to reject such messages instead.
std::string compose(const mail_message& m);

/// RFC 5322 date-time of `t` in UTC, e.g. `Sat, 28 Nov 2026 15:10:26 +0000`.
std::string rfc5322_date(timestamp t);

/// `t` as German local time (Europe/Berlin, CET/CEST by the EU rules), e.g.
/// `28.11.2026, 16:10 Uhr`.
std::string german_date_time(timestamp t);

/// Percent-encodes `value` for a URL query or path segment (everything but
/// `A-Z a-z 0-9 - . _ ~`).
std::string url_encode(std::string_view value);

/// `value` with `& < > " '` replaced by HTML entities.
std::string html_escape(std::string_view value);

// --- templates ---------------------------------------------------------------

/// What every template needs: the sender and the public base URL of the
/// portal (e.g. `https://portal.ihk-beispiel.de`; a trailing `/` is ignored).
struct mail_settings
{
    std::string base_url;
    mail_address from;
};

/// Paths under the base URL that mails link to (the web front end's pages).
/// Token links carry the token as a `token=` query parameter.
namespace mail_paths {
inline constexpr std::string_view activate = "/activate";             ///< `?token=`
inline constexpr std::string_view password_reset = "/password-reset"; ///< `?token=`
inline constexpr std::string_view pin_login = "/pin-login";           ///< e-mail and PIN
inline constexpr std::string_view login = "/login";                   ///< e-mail and password
inline constexpr std::string_view reports = "/reports";               ///< `/reports/<id>`
inline constexpr std::string_view approvals = "/approvals";           ///< records to decide
inline constexpr std::string_view exams = "/exams";                   ///< own exams and results
inline constexpr std::string_view proposals = "/proposals";           ///< `/proposals/<id>`
} // namespace mail_paths

/// A new account: the invitation with its activation link.
struct account_invitation
{
    mail_address to;
    std::string role;         ///< e.g. "Ausbilder/-in"; may be empty
    std::string organisation; ///< e.g. the company's name; may be empty
    std::string token;        ///< the activation token (plain, not hashed)
    timestamp expires{};      ///< when the link expires
};

/// The invitation: link `<base>/activate?token=<token>` and its expiry.
mail_message account_invitation_mail(const mail_settings& s, const account_invitation& d);

/// A supervisor's first access: the PIN, sent when a record is first sent
/// to an e-mail address without an account.
struct supervisor_pin
{
    mail_address to;
    std::string trainee_name; ///< who sent the record
    std::string pin;
};

/// The PIN mail: `PIN: <pin>` on a line of its own and the link
/// `<base>/pin-login`.
mail_message supervisor_pin_mail(const mail_settings& s, const supervisor_pin& d);

/// A record sent to its approver.
struct record_submitted
{
    mail_address to; ///< the approver
    std::string trainee_name;
    std::string period; ///< e.g. "KW 48/2026"
    std::string report_id;
};

/// To the approver: trainee, period and the link `<base>/reports/<id>`.
mail_message record_submitted_mail(const mail_settings& s, const record_submitted& d);

/// A decided record (to the trainee).
struct record_decided
{
    mail_address to; ///< the trainee
    std::string approver_name;
    std::string period;
    std::string report_id;
    /// Approved: the optional comment. Rejected: the remarks ("Bemerkungen
    /// des Ausbilders").
    std::string note;
};

/// Approved: period, approver, comment if any, link to the record.
mail_message record_approved_mail(const mail_settings& s, const record_decided& d);

/// Rejected: period, approver, remarks, link to the record to revise it.
mail_message record_rejected_mail(const mail_settings& s, const record_decided& d);

/// A password reset requested.
struct password_reset
{
    mail_address to;
    std::string token;
    timestamp expires{};
};

/// The single-use link `<base>/password-reset?token=<token>` and its expiry.
mail_message password_reset_mail(const mail_settings& s, const password_reset& d);

/// A company's representative approved by the chamber.
struct representative_approved
{
    mail_address to;
    std::string company_name;
    /// The activation token of a new account; empty when the representative
    /// already has an account (then the mail links to the login).
    std::string token;
    timestamp expires{};
};

/// Access data: login (the e-mail address) and the activation link
/// `<base>/activate?token=<token>` with expiry, or the login link.
mail_message representative_approved_mail(const mail_settings& s, const representative_approved& d);

/// Exam results published (to the trainee).
struct exam_results_published
{
    mail_address to;
    std::string exam;      ///< e.g. "Abschlussprüfung Teil 1"
    std::string exam_date; ///< e.g. "12.05.2027"
    std::string occupation;
};

/// Notice with the link `<base>/exams` (the results are not in the mail).
mail_message exam_results_published_mail(const mail_settings& s, const exam_results_published& d);

/// The committee's decision on a project proposal.
enum class proposal_outcome
{
    approved,
    approved_with_notes,
    changes_required,
    rejected,
};

/// German wording of an outcome, e.g. "abgelehnt".
std::string_view to_german(proposal_outcome o) noexcept;

/// A proposal decided (to the trainer).
struct proposal_status_changed
{
    mail_address to; ///< the trainer
    std::string trainee_name;
    std::string title;
    proposal_outcome outcome = proposal_outcome::approved;
    std::string remarks; ///< may be empty
    std::string proposal_id;
};

/// Outcome, remarks and the link `<base>/proposals/<id>`.
mail_message proposal_status_changed_mail(const mail_settings& s, const proposal_status_changed& d);

/// A record waiting for the recipient's decision.
struct waiting_record
{
    std::string trainee_name;
    std::string period;
    std::string submitted_on; ///< e.g. "20.11.2026"
};

/// One reminder: to a trainee (missing and unsent periods) or to an
/// approver (records waiting); an escalation (second reminder) puts the
/// trainer in copy.
struct reminder
{
    mail_address to;
    std::vector<std::string> missing_periods; ///< past periods without a record
    std::vector<std::string> unsent_periods;  ///< drafts or rejected records
    std::vector<waiting_record> waiting;      ///< records waiting for the recipient
    bool escalation = false;                  ///< the second reminder
    /// On an escalation: the trainer, in `Cc` and named in the text.
    std::optional<mail_address> trainer;
};

/// The reminder: the lists, a link to `<base>/reports` (trainee) or
/// `<base>/approvals` (approver); an escalation says so in subject and text
/// and has the trainer in `Cc`.
mail_message reminder_mail(const mail_settings& s, const reminder& d);

// --- outbox ------------------------------------------------------------------

/// What `eml_outbox::write` did.
struct eml_written
{
    std::filesystem::path path;   ///< `<dir>/<mail id>.eml`
    bool already_written = false; ///< the file existed: left alone
};

/// Writes each mail as `<dir>/<mail id>.eml` (when no SMTP server is
/// configured). Atomic: a hidden temporary file is written, synced and
/// renamed without replacing, then the directory is synced, so a reader
/// never sees a partial file. Idempotent: a mail id that already has a file
/// is not written again. Logs one line per file. Thread-safe; several
/// writers of the same mail id leave exactly one file.
class eml_outbox
{
  public:
    /// Opens the outbox at `dir` (created when missing) and removes
    /// temporary files left by an earlier crash.
    /// Errors: `mail.outbox_unavailable` (unavailable).
    static result<eml_outbox> open(std::filesystem::path dir);

    /// Validates and composes `m` and writes it under `mail_id` (1-128 of
    /// `A-Z a-z 0-9 . _ -`, not starting with `.`). An empty message id
    /// becomes `<mail_id>@<sender's domain>`. Returns the path.
    /// Errors: `mail.bad_id` (invalid), those of `validate` (invalid),
    /// `mail.outbox_unavailable` (unavailable) on I/O failure.
    result<eml_written> write(std::string_view mail_id, const mail_message& m) const;

    /// Replaces the file of `mail_id` with `m`, atomically (a synced
    /// temporary file renamed over it, then the directory synced), when
    /// the file exists; returns whether it did. For a mail whose content
    /// changed after it was written (an erasure of personal data in it).
    /// Errors: as `write`.
    result<bool> replace(std::string_view mail_id, const mail_message& m) const;

    /// Removes the file of `mail_id` (then syncs the directory); returns
    /// whether there was one. Errors: `mail.bad_id` (invalid),
    /// `mail.outbox_unavailable` (unavailable).
    result<bool> remove(std::string_view mail_id) const;

    /// The directory.
    const std::filesystem::path& dir() const noexcept { return dir_; }

  private:
    /// The file of `mail_id` after checking the id and, unless null, the
    /// message. Errors: `mail.bad_id`, those of `validate` (invalid).
    result<std::filesystem::path> file_of(std::string_view mail_id, const mail_message* m) const;

    /// Composes `m` into a synced hidden temporary file; returns its path.
    result<std::filesystem::path> write_temp(std::string_view mail_id, const mail_message& m) const;

    explicit eml_outbox(std::filesystem::path dir)
      : dir_(std::move(dir))
    {
    }
    std::filesystem::path dir_;
};

/// True when `mail_id` is a safe outbox file name (see `eml_outbox::write`).
bool valid_mail_id(std::string_view mail_id) noexcept;

} // namespace portal::infra
