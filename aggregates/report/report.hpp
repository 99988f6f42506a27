#pragma once

/// The training record (Ausbildungsnachweis, "Berichtsheft") of one contract
/// and one period (an ISO week or a day). Stream `report-<id>`, partition key
/// `company-<companyId>`. Pure: see common/domain.hpp.
///
/// States: draft -> submitted -> approved; submitted -> rejected -> (edit)
/// -> submitted; approved -> rejected (reopened by the approver or a trainer).
/// The trainee never changes a submitted or an approved record.
///
/// Error codes (class in brackets):
/// - `report.not_found` (not_found): the record does not exist;
/// - `report.contract_not_found` (not_found): the contract is not known;
/// - `report.already_exists` (rejected): the stream already holds a record;
/// - `report.not_trainee` (forbidden): only the contract's trainee drafts,
///   edits and submits;
/// - `report.not_approver` (forbidden): only the named approver (by account
///   or by e-mail) or a current trainer of the contract decides;
/// - `report.electronic_records_disabled` (rejected): the company keeps no
///   electronic records for the contract's occupation;
/// - `report.paper_record_form` (rejected): the contract's record form is
///   paper;
/// - `report.contract_inactive` (rejected): the contract does not run today;
/// - `report.period_kind_mismatch` (invalid): a week for a daily contract or
///   a day for a weekly one;
/// - `report.period_outside_contract` (rejected): the period does not
///   overlap the contract (a week must share at least one day with it, a
///   day must lie inside it);
/// - `report.period_in_future` (rejected): the week's Monday (or the day) is
///   after today;
/// - `report.period_taken` (rejected): the contract has a record for the
///   period;
/// - `report.already_approved` (rejected): the trainee changes an approved
///   record;
/// - `report.not_editable` (rejected): the trainee changes a submitted one;
/// - `report.not_submitted` (rejected): a decision on a record that waits
///   for none;
/// - `report.empty` (rejected): submitting without entries and absences;
/// - `report.self_approval` (rejected): the trainee names themself;
/// - `report.remarks_required` (rejected): rejecting without remarks;
/// - `report.too_many_entries` (invalid): more than 100 entries;
/// - `report.hours_per_day` (invalid): more than 24 h on one day;
/// - `report.hours_implausible` (invalid): more than 60 h in a week;
/// - `report.duplicate_absence` (invalid): two absences on one date;
/// - `validation.<field>` (invalid): contract_id, period, training_year,
///   entry_kind, entry_text, entry_minutes, entry_day, framework_items,
///   absence_date, absence_kind, absence_minutes, absence_note,
///   approver_email, comment, remarks.

#include "common/domain.hpp"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace portal::domain::report {

/// Limits of a record's content.
inline constexpr std::size_t k_max_entries = 100;
inline constexpr std::size_t k_max_entry_chars = 2000; ///< code points
inline constexpr std::uint32_t k_minutes_per_day = 24 * 60;
inline constexpr std::uint32_t k_max_minutes_per_week = 60 * 60;
inline constexpr std::size_t k_max_framework_items = 20;
inline constexpr std::size_t k_max_framework_item = 32; ///< bytes
inline constexpr unsigned k_max_training_year = 4;

/// The period a record covers: an ISO week or one day.
struct record_period
{
    schema::PeriodKind kind = schema::PeriodKind::WEEK;
    iso_week week{}; ///< when `kind` is week
    std::string day; ///< YYYY-MM-DD when `kind` is day

    friend bool operator==(const record_period&, const record_period&) = default;
};

/// One entry: an activity, an instruction or a school topic with its time.
struct entry
{
    schema::EntryKind kind = schema::EntryKind::COMPANY;
    std::string text;                         ///< non-empty, at most 2000 characters
    std::uint32_t minutes = 0;                ///< at most 24 h
    std::string day;                          ///< optional YYYY-MM-DD inside the period
    std::vector<std::string> framework_items; ///< optional, e.g. "4.2a"

    friend bool operator==(const entry&, const entry&) = default;
};

/// One absence (vacation, sickness, school, other) on one date.
struct absence
{
    std::string date; ///< YYYY-MM-DD inside the period
    schema::AbsenceKind kind = schema::AbsenceKind::VACATION;
    std::uint32_t minutes = 0; ///< 0 = the whole day
    std::string note;          ///< optional

    friend bool operator==(const absence&, const absence&) = default;
};

/// Where a record stands.
enum class record_status
{
    draft,
    submitted,
    approved,
    rejected,
};

/// The folded state of one record.
struct state
{
    bool exists = false;
    std::string contract_id;
    std::string company_id;
    record_period period;
    date first_day{}; ///< Monday of the week, or the day
    date last_day{};  ///< Sunday of the week, or the day
    unsigned training_year = 1;
    std::vector<entry> entries;    ///< normalised (trimmed, dates formatted)
    std::vector<absence> absences; ///< normalised
    record_status status = record_status::draft;
    std::string approver_email;      ///< normalised, of the last submission
    std::string approver_account_id; ///< empty when the approver had none
    std::string comment;             ///< of the last approval
    std::string remarks;             ///< of the last rejection
    bool reopened = false;           ///< the last rejection reopened it
};

/// Creates a draft (the trainee). `training_year` 0 = computed from the
/// contract's start; otherwise it must be 1..4.
struct draft
{
    std::string contract_id;
    record_period period;
    unsigned training_year = 0;
    std::vector<entry> entries;
    std::vector<absence> absences;
};

/// Replaces the content of a draft or a rejected record (the trainee).
struct edit
{
    std::vector<entry> entries;
    std::vector<absence> absences;
};

/// Sends the record to an approver, named by e-mail (the trainee).
struct submit
{
    std::string approver_email;
};

/// Approves a submitted record; `bulk` when part of a bulk approval.
struct approve
{
    std::string comment; ///< optional
    bool bulk = false;
};

/// Rejects a submitted record, or reopens an approved one; remarks are
/// required. (Call the error helper as `domain::reject` inside this
/// namespace.)
struct reject
{
    std::string remarks;
};

/// What the contract aggregate knows, as far as records need it.
struct contract_facts
{
    bool known = false;
    std::string contract_id;
    std::string company_id;
    std::string occupation;
    date start{};
    date end{};
    bool ended = false;
    schema::RecordForm record_form = schema::RecordForm::PAPER;
    schema::PeriodKind period_kind = schema::PeriodKind::WEEK;
    std::string trainee_account_id;
    /// Account ids of the contract's current trainers (resolved through the
    /// company's trainer-account links).
    std::vector<std::string> trainer_account_ids;
};

/// Facts for record decisions.
struct context : context_base
{
    contract_facts contract;
    /// The company's setting "Elektronischer Ausbildungsnachweis" for the
    /// contract's occupation (or for all occupations).
    bool electronic_records = false;
    /// Another record of the contract exists for the requested period.
    bool period_taken = false;
    /// Submit: the account of the approver's e-mail; empty when none.
    std::string approver_account_id;
    /// The e-mail (login) of the acting account; empty when unknown.
    std::string actor_email;
};

/// `report-<id>`.
std::string stream_id(std::string_view report_id);

/// `company-<companyId>`: records live in their company's partition.
std::string partition_key(std::string_view company_id);

/// `report.drafted`: every rule of creation (settings, record form, active
/// contract, period inside the contract, not in the future, not taken,
/// trainee only, content valid).
decision decide(const state& s, const draft& c, const context& ctx);

/// `report.edited` for a draft or a rejected record; unchanged content: no
/// events.
decision decide(const state& s, const edit& c, const context& ctx);

/// `report.submitted`; a repeat naming the same approver: no events.
decision decide(const state& s, const submit& c, const context& ctx);

/// `report.approved`; already approved: no events.
decision decide(const state& s, const approve& c, const context& ctx);

/// `report.rejected` (`reopened` when it was approved); a repeat with the
/// same remarks: no events.
decision decide(const state& s, const reject& c, const context& ctx);

/// One record of a bulk approval.
struct bulk_item
{
    std::string report_id;
    state current;
    context ctx;
};

/// The outcome for one record of a bulk approval.
struct bulk_result
{
    std::string report_id;
    decision outcome;
};

/// Decides a bulk approval: every item on its own (with `bulk` set), in
/// order; one record's failure does not affect the others.
std::vector<bulk_result> decide_bulk_approval(const std::vector<bulk_item>& items,
                                              const approve& c);

/// Applies one record event (total over the union).
state evolve(state s, schema::ReportEvent::Reader event);

/// Applies an event when it is a record event; otherwise unchanged.
state evolve(state s, schema::Event::Reader event);

/// Folds a list of events from the default state.
state fold(const std::vector<event_payload>& events);

/// Where the record stands.
record_status status(const state& s) noexcept;

/// Stable name: draft, submitted, approved, rejected.
std::string_view to_string(record_status st) noexcept;

/// True while the trainee may not change the record (submitted, approved).
bool is_locked_for_trainee(const state& s) noexcept;

/// The training year (1..4) of a period starting on `first_day` of a
/// contract starting on `contract_start`: 1 in the first twelve months,
/// then one more per twelve months, at most 4.
unsigned training_year_of(date contract_start, date first_day) noexcept;

} // namespace portal::domain::report
