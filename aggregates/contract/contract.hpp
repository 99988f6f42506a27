#pragma once

/// The training contract (Ausbildungsverhältnis): registered by chamber staff,
/// changed (trainers, dates, record form), ended. Stream `contract-<id>`,
/// partition key `company-<companyId>`. Pure: see common/domain.hpp.
///
/// Error codes (class in brackets):
/// - `contract.staff_only` (forbidden): only chamber staff (or the system)
///   register and change contracts;
/// - `contract.not_found` (not_found): the contract was never registered;
/// - `contract.already_registered` (rejected): the stream already holds one;
/// - `contract.unknown_company` (rejected): the company is not known;
/// - `contract.unknown_trainer` (rejected): a trainer is not registered at
///   the company;
/// - `contract.end_not_after_start` (invalid): start is not before end;
/// - `contract.confirmation_already_issued` (rejected): another document
///   was already issued as the registration confirmation;
/// - `contract.trainee_account_already_linked` (rejected): another account
///   is already linked;
/// - `contract.ended` (rejected): the contract has ended, no more changes;
/// - `contract.already_ended` (rejected): ended twice;
/// - `contract.end_before_start` (invalid): end date before the start;
/// - `contract.still_running` (rejected): personal data is erased only once
///   the contract has ended (an end recorded as of an earlier day, or the
///   end date passed);
/// - `contract.personal_data_erased` (rejected): the trainee's personal data
///   was erased; nothing that needs the trainee can happen any more;
/// - `validation.<field>` (invalid): company_id, trainee_name, birth_date,
///   email, trainee_number, occupation, start, end, record_form, trainers,
///   document_id, account_id, end_date, end_reason, note, reason.

#include "common/domain.hpp"
#include "portal/events/contract_term.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace portal::domain::contract {

/// The trainee as registered.
struct trainee_data
{
    std::string name;
    std::string birth_date; ///< YYYY-MM-DD, in the past
    std::string email;      ///< optional
};

/// The folded state of one contract.
struct state
{
    bool exists = false;
    std::string company_id;
    std::string trainee_name;
    date birth_date{};
    std::string trainee_email;
    bool minor = false; ///< under 18 on the (current) start date
    std::string trainee_number;
    std::string occupation;
    date start_date{};
    date end_date{};
    schema::RecordForm record_form = schema::RecordForm::PAPER;
    schema::PeriodKind period_kind = schema::PeriodKind::WEEK;
    std::vector<std::string> trainer_ids;
    std::string confirmation_document_id; ///< empty until issued
    std::string trainee_account_id;       ///< empty until linked
    bool ended = false;
    date ended_on{};
    schema::EndReason end_reason = schema::EndReason::REGULAR;
    /// The trainee's personal data (name, birth date, e-mail) was erased
    /// (`contract.personal_data_erased`); those fields are empty from then on.
    bool personal_data_erased = false;
};

/// Registers a contract (chamber staff). The trainee number is generated
/// outside and arrives here.
struct register_contract
{
    std::string company_id;
    trainee_data trainee;
    std::string trainee_number;
    std::string occupation;
    std::string start; ///< YYYY-MM-DD
    std::string end;   ///< YYYY-MM-DD, after start
    schema::RecordForm record_form = schema::RecordForm::ELECTRONIC;
    std::vector<std::string> trainer_ids; ///< at least one
};

/// Records that the registration confirmation (a document) was issued.
struct issue_confirmation
{
    std::string document_id;
};

/// Links the trainee's login to the contract.
struct link_trainee_account
{
    std::string account_id;
};

/// Replaces the contract's trainers.
struct change_trainers
{
    std::vector<std::string> trainer_ids;
};

/// Changes start and end date.
struct change_dates
{
    std::string start;
    std::string end;
};

/// Changes the record form (a change reported to the chamber).
struct change_record_form
{
    schema::RecordForm form = schema::RecordForm::ELECTRONIC;
};

/// Ends the contract.
struct end_contract
{
    std::string date; ///< YYYY-MM-DD, not before the start
    schema::EndReason reason = schema::EndReason::REGULAR;
    std::string note; ///< optional
};

/// Erases the trainee's personal data of the contract when its retention
/// ends (DOMAIN.md, data protection).
struct erase_personal_data
{
    std::string reason; ///< required, at most `k_max_erase_reason` code points
};

/// What the company aggregate knows, as far as contracts need it.
struct company_facts
{
    bool known = false;                   ///< the company exists
    std::vector<std::string> trainer_ids; ///< trainers registered there
};

/// Facts for contract decisions.
struct context : context_base
{
    company_facts company;
    /// The period kind configured for the contract's occupation; week
    /// when not configured.
    std::optional<schema::PeriodKind> occupation_period_kind;
};

/// `contract-<id>`.
std::string stream_id(std::string_view contract_id);

/// `company-<companyId>`: contracts live in their company's partition.
std::string partition_key(std::string_view company_id);

/// Registers: `contract.registered`. Staff only; validates every field, the
/// company and its trainers; computes the minor flag and the period kind.
decision decide(const state& s, const register_contract& c, const context& ctx);

/// `contract.confirmation_issued` once; the same document again: no events.
decision decide(const state& s, const issue_confirmation& c, const context& ctx);

/// `contract.trainee_account_linked`; the same account again: no events.
decision decide(const state& s, const link_trainee_account& c, const context& ctx);

/// Why `account_id` cannot become the contract's trainee account, whoever
/// asks: the contract does not exist (`contract.not_found`), has ended
/// (`contract.ended`), its trainee's personal data was erased
/// (`contract.personal_data_erased`) or has another account linked
/// (`contract.trainee_account_already_linked`). `decide` refuses with it;
/// the gateway asks first, so a refused link creates no account and grants
/// no trainee role for the contract.
std::optional<error> trainee_account_refusal(const state& s, std::string_view account_id);

/// `contract.trainers_changed`; the same set of trainers: no events.
decision decide(const state& s, const change_trainers& c, const context& ctx);

/// `contract.dates_changed`; the same dates: no events.
decision decide(const state& s, const change_dates& c, const context& ctx);

/// `contract.record_form_changed`; the same form: no events.
decision decide(const state& s, const change_record_form& c, const context& ctx);

/// `contract.ended`; rejected when already ended or the date is before the
/// start.
decision decide(const state& s, const end_contract& c, const context& ctx);

/// `contract.personal_data_erased`. Staff or the system only
/// (`contract.staff_only`); the contract must have ended by the command's
/// day (`term_of(s).has_ended`, else `contract.still_running`); a reason is
/// required (`validation.reason`). Already erased: no events.
decision decide(const state& s, const erase_personal_data& c, const context& ctx);

/// Applies one contract event (total over the union).
state evolve(state s, schema::ContractEvent::Reader event);

/// Applies an event when it is a contract event; otherwise unchanged.
state evolve(state s, schema::Event::Reader event);

/// Folds a list of events from the default state.
state fold(const std::vector<event_payload>& events);

/// The contract's days: start, end and the date it was ended as of (the
/// rule shared with the read models, `portal/events/contract_term.hpp`).
contract_term term_of(const state& s) noexcept;

/// True when `d` lies between the start and the effective end (the earlier
/// of the end date and the date the contract ended), both inclusive:
/// `term_of(s).runs_on(d)` for an existing contract.
bool contains(const state& s, date d) noexcept;

/// True when the contract exists and `today` lies inside it. The one rule
/// for "the contract runs": authorisation (the company sees results),
/// exam registration and the read models' `status` all follow it.
bool is_active(const state& s, date today) noexcept;

/// The trainee is under 18 on `on` (born on 29 February: 18 on 1 March).
bool is_minor(date birth, date on) noexcept;

} // namespace portal::domain::contract
