#pragma once

/// The project proposal (Projektantrag): submitted by the trainee before the
/// exam's proposal deadline, decided by an examiner of the committee, resubmitted
/// after "changes required", withdrawn by the trainee. Stream
/// `proposal-<id>`, partition key `company-<companyId>`.
///
/// Every status change (submitted, decided, withdrawn) is to be notified to
/// the contract's trainer: that is the process manager's job, which reads
/// these events; the aggregate only records them.

#include "common/domain.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace portal::domain::proposal {

/// Where a proposal stands.
enum class proposal_status
{
    submitted,           ///< waiting for the committee
    approved,            ///< final
    approved_with_notes, ///< final
    changes_required,    ///< the trainee may resubmit
    rejected,            ///< final
    withdrawn,           ///< by the trainee
};

/// One phase of the project with its planned time.
struct phase
{
    std::string name;
    std::uint32_t minutes = 0;
    friend bool operator==(const phase&, const phase&) = default;
};

/// The longest plausible project: 80 hours.
inline constexpr std::uint32_t k_max_project_minutes = 80 * 60;

/// The folded proposal.
struct state
{
    bool exists = false;
    std::string contract_id;
    std::string exam_id;
    std::string company_id;
    std::string trainee_account_id;
    std::string title;
    std::vector<phase> phases;
    std::string description;
    bool company_consent = false;
    unsigned revision = 0;
    proposal_status status = proposal_status::submitted;
    std::string remarks;   ///< of the last decision
    std::string committee; ///< of the last decision
};

/// True for approved, approved with notes and rejected.
bool is_final(proposal_status s) noexcept;

/// Stable names: "submitted", "approved", "approved_with_notes",
/// "changes_required", "rejected", "withdrawn".
std::string_view to_string(proposal_status s) noexcept;

// --- commands -----------------------------------------------------------------

/// The trainee submits (or, after "changes required", resubmits).
struct submit
{
    std::string contract_id;
    std::string exam_id;
    std::string title;
    std::vector<phase> phases;
    std::string description;
    bool company_consent = false;
};

/// An examiner of the committee decides.
struct record_decision
{
    schema::ProposalOutcome outcome = schema::ProposalOutcome::APPROVED;
    std::string remarks; ///< notes, remarks or reasons; required unless approved
};

/// The trainee withdraws the proposal.
struct withdraw
{
    std::string reason;
};

// --- context --------------------------------------------------------------------

/// The contract's facts (from the contract stream).
struct contract_facts
{
    bool exists = false;
    std::string company_id;
    std::string trainee_account_id;
};

/// The exam's facts (from the exam stream).
struct exam_facts
{
    bool exists = false;
    std::optional<date> proposal_deadline; ///< none: the exam has no project
    bool trainee_registered = false;       ///< the contract is registered for it
};

/// The deciding examiner's facts (from the examiner stream).
struct committee_facts
{
    bool member = false;   ///< in force in the exam's committee for the occupation
    std::string committee; ///< the committee's name
};

/// What decisions on a proposal need from outside the stream.
struct context : context_base
{
    contract_facts contract;  ///< for `submit`
    exam_facts exam;          ///< for `submit`
    committee_facts examiner; ///< for `record_decision`
};

/// Submits revision 1, or resubmits (revision + 1) after "changes
/// required". The deadline (inclusive) applies to the first submission.
/// Errors: `proposal.contract_not_found`, `proposal.exam_not_found`
/// (not_found), `proposal.not_trainee` (forbidden: not the contract's
/// trainee), `validation.contract_id|exam_id|title|description|phase_name|phase_minutes`,
/// `proposal.phases_required`, `proposal.too_long` (over 80 h),
/// `proposal.mismatch` (resubmission for another contract or exam) (invalid),
/// `proposal.company_consent_required`, `proposal.already_submitted`,
/// `proposal.already_decided`, `proposal.withdrawn`, `proposal.no_project`,
/// `proposal.deadline_passed`, `proposal.not_registered` (rejected). The
/// identical submission while waiting yields no events.
decision decide(const state& s, const submit& c, const context& ctx);

/// Decides. Errors: `proposal.not_found` (not_found),
/// `proposal.not_committee_member` (forbidden), `proposal.notes_required`,
/// `proposal.remarks_required`, `proposal.reasons_required` (invalid),
/// `proposal.already_decided`, `proposal.awaiting_resubmission`,
/// `proposal.withdrawn` (rejected). The same decision again yields no events.
decision decide(const state& s, const record_decision& c, const context& ctx);

/// Withdraws. Errors: `proposal.not_found`, `proposal.not_trainee`,
/// `proposal.already_decided`. Withdrawing again yields no events.
decision decide(const state& s, const withdraw& c, const context& ctx);

// --- evolve ------------------------------------------------------------------------

/// Applies one proposal event (total over `ProposalEvent`).
state evolve(state s, schema::ProposalEvent::Reader event);

/// Applies an event if it is a proposal event; others leave `s` as is.
state evolve(state s, schema::Event::Reader event);

/// Folds events from the empty state.
state fold(const std::vector<event_payload>& events);

// --- streams -------------------------------------------------------------------------

/// "proposal-<id>".
std::string stream_id(std::string_view proposal_id);

/// "company-<companyId>": proposals belong to the company's root.
std::string partition_key(std::string_view company_id);

} // namespace portal::domain::proposal
