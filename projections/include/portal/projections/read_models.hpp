#pragma once

/// The read models of the portal and their queries (ARCHITECTURE.md,
/// "Projections"). Each read model is a projector (run by `runner`) that
/// writes JSON documents (camelCase fields as in docs/API.md) under its own
/// key prefix, and query functions that read them. Queries read committed
/// state only; combine them with `runner::wait_for` for read-your-writes.
///
/// Models:
/// - `training`: companies, trainers, representatives, contracts, records,
///   documents, accounts; serves the trainee, trainer, supervisor, company and
///   chamber staff views;
/// - `exams`: exam dates with registrations and results, examiners,
///   proposals, seminars; serves the exam schedule and the examiner view;
/// - `report_audit`: every event of every training record;
/// - `account_security`: logins, failures, locks, resets per account;
/// - `public_listing`: companies and their publication consent;
/// - `outbox`: one entry per mail the domain implies.
/// - `sessions`: the open sessions of every account (login sessions are
///   events, so every instance knows them).
///
/// Every query fails only with storage errors (`kv.unavailable`,
/// `projection.corrupt`) or `*.not_found` (not_found) where it says so.

#include "portal/events/time.hpp"
#include "portal/infra/kv_store.hpp"
#include "portal/projections/runner.hpp"

#include <boost/json.hpp>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace portal::projections {

/// Names of the models (also their key prefixes).
inline constexpr std::string_view k_training = "training";
inline constexpr std::string_view k_exams = "exams";
inline constexpr std::string_view k_report_audit = "report_audit";
inline constexpr std::string_view k_account_security = "account_security";
inline constexpr std::string_view k_public_listing = "public_listing";
inline constexpr std::string_view k_outbox = "outbox";
inline constexpr std::string_view k_sessions = "sessions";

/// The projector of each model.
std::unique_ptr<projector> make_training_projector();
std::unique_ptr<projector> make_exams_projector();
std::unique_ptr<projector> make_report_audit_projector();
std::unique_ptr<projector> make_account_security_projector();
std::unique_ptr<projector> make_public_listing_projector();
std::unique_ptr<projector> make_outbox_projector();

/// The projector of the sessions model: it also tells the model's readers
/// (the gateway's session cache) when sessions ended.
class sessions_projector : public projector
{
  public:
    /// The position of the last event applied that ended sessions (0 when
    /// none yet): the model shows it once its runner's position reaches
    /// it; a reader that cached a session before it checks it again.
    /// Thread-safe.
    virtual events::position last_end() const = 0;
};

/// At most this many open sessions per account: a login beyond it ends the
/// ones that expire first.
inline constexpr std::size_t k_sessions_per_account = 32;

std::unique_ptr<sessions_projector> make_sessions_projector();

/// Every projector of the portal, one per model above.
std::vector<std::unique_ptr<projector>> all_projectors();

// --- report audit trail and account security log ---

/// Every event of a training record in order: `{position, version, event,
/// actor{accountId, role, onBehalfOfCompanyId?}, recordedAt, change}`, where
/// `change` is the event's content as JSON. Empty for an unknown record.
result<boost::json::array> report_history(infra::kv_store& store, std::string_view report_id);

/// The security events of an account in order: `{position, recordedAt,
/// event, ...}` for logins (with `method`), failures (with
/// `consecutiveFailures`), locks (`lockedUntil`), unlocks (`byStaff`),
/// password reset requests and completions, password changes, activation,
/// PIN issue and conversion, ended sessions (`reason`).
result<boost::json::array> account_security_log(infra::kv_store& store,
                                                std::string_view account_id);

/// The account an invitation or password-reset token was issued to, by the
/// token's hash (BLAKE2b bytes, `infra::token_hash`); nullopt when no such
/// token was issued. Whether it is still valid is the account's decision.
result<std::optional<std::string>> account_of_token(infra::kv_store& store,
                                                    std::string_view token_hash);

// --- sessions ---

/// A session of the sessions model.
struct stored_session
{
    std::string account_id;
    std::string method; ///< "password" or "pin"
    timestamp created;  ///< `recordedAt` of its login
    timestamp expires;
};

/// The open session of a token by the token's hash (BLAKE2b bytes,
/// `infra::token_hash`): started by `account.login_succeeded`, and not
/// ended by `account.session_ended`, the account's erasure or a completed
/// password reset, nor pushed out by newer sessions of the account
/// (`k_sessions_per_account`). Whether it has expired is the caller's
/// check (`expires`). Errors: storage errors, `projection.corrupt`.
result<std::optional<stored_session>> session_of(infra::kv_store& store,
                                                 std::string_view token_hash);

// --- public listing ---

/// Consenting companies `{companyId, name, address{street, zip, town},
/// occupations[]}`, ordered by name; filtered by occupation and town
/// (case-insensitive town) when given.
result<boost::json::array> public_companies(infra::kv_store& store,
                                            std::optional<std::string_view> occupation,
                                            std::optional<std::string_view> town);

// --- outbox ---

/// Mail entries after entry id `after` (empty: from the start), at most
/// `limit`, in log order: `{id, position, kind, recipient, cc[], subject,
/// body, reference{...}, createdAt}`. Kinds: `invitation`, `supervisor_pin`,
/// `record_submitted`, `record_approved`, `record_rejected`,
/// `password_reset`, `representative_approved`, `results_published`,
/// `proposal_status_changed`, `reminder`. Tokens and PINs are not in the
/// log; delivery adds them.
result<boost::json::array> outbox_entries(infra::kv_store& store,
                                          std::string_view after,
                                          std::size_t limit);

/// True when the outbox entry `id` (of log position `position`) was
/// withdrawn: the outbox model has projected past its position and does not
/// hold it (an erasure of the recipient's or the trainee's personal data
/// removed it, or a rebuild without the erased data never made it). False
/// while the model has not reached the position (e.g. during a rebuild).
result<bool> outbox_entry_withdrawn(infra::kv_store& store,
                                    std::string_view id,
                                    std::uint64_t position);

/// The outbox entry `id`, or nothing when the model does not hold it.
/// Errors: the store's, `projection.corrupt` (unavailable).
result<std::optional<boost::json::object>> outbox_entry(infra::kv_store& store,
                                                        std::string_view id);

/// What an erasure did to an outbox entry (`outbox_erasure::change`).
inline constexpr std::string_view k_mail_removed = "removed"; ///< a mail to the erased person
/// The trainee's name and texts taken out; same recipient.
inline constexpr std::string_view k_mail_rewritten = "rewritten";
/// Another recipient: the erased login's address gave way to the
/// contract's (a mail made for the login's address went there).
inline constexpr std::string_view k_mail_readdressed = "readdressed";

/// An outbox entry that an erasure removed, rewrote or readdressed: what
/// the mail side must forget too (the entry's `.eml` file, its delivery
/// record). `key` orders the notes (the erasure's position, then the entry)
/// and is what to continue after. A later erasure may have changed the
/// entry again: `outbox_entry` tells whether it is gone by now.
struct outbox_erasure
{
    std::string key;      ///< `<erasure position>/<entry id>`
    std::string entry_id; ///< the entry
    std::string change;   ///< `k_mail_removed`, `k_mail_rewritten`, `k_mail_readdressed`
};

/// The erasures' notes after `after` (a `key`; empty: from the start), at
/// most `limit`, in the order of the erasures. Live only: a rebuild from
/// position 0 notes only what it still finds at each erasure, so a reader
/// keeps its own checkpoint and treats every note as idempotent.
/// Errors: the store's.
result<std::vector<outbox_erasure>> outbox_erasures(infra::kv_store& store,
                                                    std::string_view after,
                                                    std::size_t limit);

// --- training records ---

/// The records of a contract per period, from the contract's start up to
/// `today` (and at most its end): `{period, periodKey, status, reportId?,
/// ...}` where status is `draft`, `submitted`, `approved`, `rejected`, or,
/// without a record, `missing` (a past period) or `open` (the current one).
/// Paper contracts list only existing records. Day periods count Monday to
/// Friday. Errors: `contract.not_found`.
result<boost::json::array> contract_records(infra::kv_store& store,
                                            std::string_view contract_id,
                                            date today);

/// A contract the daily reminder run covers.
struct reminder_contract
{
    std::string contract_id;
    std::string company_id;
};

/// The contracts running on `today` (`start <= today <=` the end date or the
/// earlier day an end event names, as `contract::is_active`) whose company has reminders switched
/// on for the contract's occupation (its setting for the occupation, else its `*` setting), in
/// contract id order. The reminder run checks the setting again on the
/// committed company state; this only narrows the list.
result<std::vector<reminder_contract>> reminder_contracts(infra::kv_store& store, date today);

/// One record document; `report.not_found` when unknown.
result<boost::json::object> record(infra::kv_store& store, std::string_view report_id);

/// One contract document, its `status` as on `today`: `ended` once its last
/// day (the end date, or the earlier day an end event names) lies before
/// `today`, whether or not an end was recorded; else `active` (also before
/// the start). `contract.not_found` when unknown.
result<boost::json::object> contract(infra::kv_store& store,
                                     std::string_view contract_id,
                                     date today);

// --- dashboards per role ---
//
// Every contract summary below (`{contractId, ..., status, start, end, ...}`)
// carries the status as on `today`, as `contract` does. Once the trainee's
// personal data of a contract was erased (`contract.personal_data_erased`),
// its summaries, its contract document and its exam lines carry
// `personalDataErased: true` and an empty trainee name (the contract's
// trainee has no name, birth date or e-mail any more).

/// The trainee's view: `{accountId, contracts: [{contract, records,
/// exams: [{examId, name, type, date, occupation, location, status,
/// result?}], documents, proposals}]}`; results only once published.
result<boost::json::object> trainee_view(infra::kv_store& store,
                                         std::string_view account_id,
                                         date today);

/// The trainer's view: `{accountId, trainees: [{contractId, traineeName,
/// occupation, companyId, status, start, end, progress}], waiting: [records
/// submitted to the trainer]}`.
result<boost::json::object> trainer_view(infra::kv_store& store,
                                         std::string_view account_id,
                                         date today);

/// The supervisor's view (records sent to the account's e-mail): `{accountId,
/// trainees: [...], records: [...], waiting: [...]}`.
result<boost::json::object> supervisor_view(infra::kv_store& store,
                                            std::string_view account_id,
                                            date today);

/// The company's view: `{company, contracts: [{..., progress}], trainers,
/// representatives, documents, exams: [{examId, contractId, registrationId,
/// name, traineeName, type, status, date, occupation, result?}], branches}`.
/// Results appear only for contracts running on `today` (`today` within the
/// start and the end date or the earlier day an end event names, as
/// `contract::is_active`) and once published. Errors: `company.not_found`.
result<boost::json::object> company_view(infra::kv_store& store,
                                         std::string_view company_id,
                                         date today);

/// "Ergebnisse anzeigen": the company's participants of one exam date with
/// their results (contracts running on `today` only, as in `company_view`): `{examId, name, date,
/// type, occupation, participants: [{registrationId, contractId, traineeName, status, result?}]}`.
/// Errors: `exam.not_found`.
result<boost::json::object> company_exam_results(infra::kv_store& store,
                                                 std::string_view company_id,
                                                 std::string_view exam_id,
                                                 date today);

/// Chamber staff: `{contracts, recordFormChanges, pendingRepresentatives,
/// exams (with registrations and admissions)}`.
result<boost::json::object> staff_view(infra::kv_store& store, date today);

/// The examiner's view: `{accountId, committees, exams, proposals (to
/// decide), seminars (own registrations), openSeminars}`.
result<boost::json::object> examiner_view(infra::kv_store& store, std::string_view account_id);

/// Exam dates ordered by occupation and date, filtered by occupation and a
/// date range (inclusive; `YYYY-MM-DD`), each with its registrations.
result<boost::json::array> exam_schedule(infra::kv_store& store,
                                         std::optional<std::string_view> occupation,
                                         std::optional<std::string_view> from,
                                         std::optional<std::string_view> to);

} // namespace portal::projections
