#pragma once

/// The daily reminder run of one contract, as a pure decision: who is
/// reminded of what today, given the contract's outstanding records and the
/// reminders already sent (folded from this stream). Stream
/// `reminders-<contractId>`, partition key `company-<companyId>`.
///
/// Rules:
/// - nothing when reminders are off for the company and occupation;
/// - level 1 (`reminder.sent`): the trainee about past periods without a
///   record (`missingRecord`) and about records still draft or rejected
///   (`unsentRecord`); each approver about records waiting for their decision
///   at least `approval_reminder_days` days (`pendingApproval`);
/// - level 2 (`reminder.escalated`): an item whose level-1 reminder is at
///   least 7 days old and still unresolved; the trainer is in copy (unless
///   the trainer is the recipient);
/// - each item gets at most one level-1 and one level-2 reminder; an item
///   that came back after it was resolved (a record resubmitted or rejected
///   again after the reminder: `since` later than the reminder) counts as new;
/// - never the same reminder twice on the same day: per recipient, kind and
///   level at most one event a day, so a second run on the same day yields
///   no events.

#include "common/domain.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace portal::domain::reminder {

/// Days after a level-1 reminder that an unresolved item is escalated.
inline constexpr int k_escalation_days = 7;

/// A record period: an ISO week or a day.
struct period
{
    schema::PeriodKind kind = schema::PeriodKind::WEEK;
    iso_week week{};
    date day{};
};

/// "2027-W05" for a week, "2027-02-01" for a day.
std::string period_key(const period& p);

/// One reminder already sent (one event of the stream).
struct sent_reminder
{
    schema::ReminderKind kind = schema::ReminderKind::MISSING_RECORD;
    unsigned level = 1;
    date day{};
    std::string recipient_email;
    /// What it was about: period keys for missing records, report ids else.
    std::vector<std::string> items;
};

/// The folded reminder stream of a contract.
struct state
{
    bool exists = false;
    std::vector<sent_reminder> sent;
};

// --- command --------------------------------------------------------------------

/// The daily run for one contract (by the scheduler, or staff by hand).
struct run
{
    date day{}; ///< the day of the run
};

// --- context ----------------------------------------------------------------------

/// A person to remind.
struct person
{
    std::string email;      ///< empty: cannot be reminded
    std::string account_id; ///< may be empty
};

/// A past period's record that is still a draft or was rejected.
struct unsent_record
{
    std::string report_id;
    reminder::period period;
    std::optional<date> since; ///< when it became draft/rejected, if known
};

/// A submitted record waiting for its approver.
struct waiting_record
{
    std::string report_id;
    reminder::period period;
    date submitted_on{};
    person approver;
};

/// The facts of the run (from the company, contract and report streams).
struct context : context_base
{
    std::string contract_id;
    bool reminders_on = false; ///< company setting for the contract's occupation
    person trainee;
    person trainer;                              ///< in copy on escalations
    std::vector<period> missing_periods;         ///< past periods without a record
    std::vector<unsent_record> unsent_records;   ///< past periods, draft or rejected
    std::vector<waiting_record> waiting_records; ///< submitted, not decided
    unsigned approval_reminder_days = 7;         ///< configured days before reminding
};

/// The run. Errors: `reminder.not_allowed` (forbidden: neither the system
/// nor staff), `validation.contract_id`, `validation.day` (invalid). Returns
/// level-1 events first, then escalations, trainee before approvers,
/// approvers by e-mail.
decision decide(const state& s, const run& c, const context& ctx);

// --- evolve -------------------------------------------------------------------------

/// Applies one reminder event (total over `ReminderEvent`).
state evolve(state s, schema::ReminderEvent::Reader event);

/// Applies an event if it is a reminder event; others leave `s` as is.
state evolve(state s, schema::Event::Reader event);

/// Folds events from the empty state.
state fold(const std::vector<event_payload>& events);

// --- streams --------------------------------------------------------------------------

/// "reminders-<contractId>".
std::string stream_id(std::string_view contract_id);

/// "company-<companyId>": the contract's root.
std::string partition_key(std::string_view company_id);

} // namespace portal::domain::reminder
