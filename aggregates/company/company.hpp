#pragma once

/// The company aggregate (stream `company-<id>`, partition key
/// `company-<id>`): a training company (Ausbildungsbetrieb) registered by the
/// chamber, its branches, publication consent, training-record settings per
/// occupation, trainers, linked accounts and representatives.

#include "common/domain.hpp"

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace portal::domain::company {

/// A postal address; the zip code has five digits.
struct address
{
    std::string street;
    std::string zip;
    std::string town;

    friend bool operator==(const address&, const address&) = default;
};

/// Whether records of an occupation are kept in the portal and whether
/// reminder e-mails are sent.
struct record_settings
{
    bool electronic = false;
    bool reminders = false;

    friend bool operator==(const record_settings&, const record_settings&) = default;
};

/// A trainer (Ausbilder/-in) registered by the company.
struct trainer
{
    std::string id;
    std::string name;
    std::string email; ///< normalized
    std::string account_id;
    bool erased = false; ///< name and e-mail erased (`company.person_erased`)
};

/// Where a representative stands.
enum class representative_status
{
    pending, ///< an employee representative waiting for the chamber
    active,
    revoked,
};

/// A person or firm entitled to act for the company.
struct representative
{
    std::string id;
    std::string name;
    std::string email;      ///< employee representatives only
    std::string account_id; ///< empty while pending
    bool employee = false;
    representative_status status = representative_status::pending;
    bool erased = false; ///< name and e-mail erased; revoked with it
};

/// The folded company.
struct state
{
    bool exists = false;
    std::string id;
    std::string name;
    std::string member_number;
    std::string email;
    company::address address;
    std::string central_company_id; ///< set at registration for a branch
    std::vector<std::string> branches;
    bool publication_consent = false;
    /// Per occupation; the key "*" applies to all occupations.
    std::map<std::string, record_settings> settings;
    std::vector<trainer> trainers;
    std::vector<std::string> company_accounts;
    std::vector<representative> representatives;
};

/// What the read side knows about another company (a branch or a central
/// office).
struct company_facts
{
    bool exists = false;
    /// The central office the company belongs to; empty when none.
    std::string central_company_id;
    /// True when the company has branches of its own.
    bool has_branches = false;
};

/// Facts a decision may need from outside the stream.
struct context : context_base
{
    /// The company the actor's account holds the company role for (resolved
    /// outside from the account's roles); empty when none.
    std::string actor_company_id;
    /// The central office this company currently belongs to (from the
    /// central office's stream); empty when none.
    std::string central_office_id;
    /// Registration: the member number is already held by another company.
    bool member_number_taken = false;
    /// Registration of a branch: the central office; attaching: the branch.
    company_facts other;
    /// Appointing a representative: the account exists.
    bool account_exists = false;
};

/// Registers the company (staff only); a branch names its central office.
struct register_company
{
    std::string company_id;
    std::string name;
    std::string member_number;
    std::string email;
    company::address address;
    std::string central_company_id;
};

/// Changes the postal address.
struct change_address
{
    company::address address;
};

/// Attaches a branch to this central office (staff only).
struct attach_branch
{
    std::string branch_company_id;
};

/// Detaches a branch from this central office (staff only).
struct detach_branch
{
    std::string branch_company_id;
};

/// Gives consent to the public listing.
struct give_publication_consent
{};

/// Withdraws consent to the public listing.
struct withdraw_publication_consent
{};

/// Sets the record settings of one occupation or of all ("*").
struct change_record_settings
{
    std::string occupation;
    bool electronic = false;
    bool reminders = false;
};

/// Registers a trainer (the id is generated outside).
struct register_trainer
{
    std::string trainer_id;
    std::string name;
    std::string email;
};

/// Links the account created for a trainer.
struct link_trainer_account
{
    std::string trainer_id;
    std::string account_id;
};

/// Links a company account (created on contract registration).
struct link_company_account
{
    std::string account_id;
};

/// Appoints a representative who already has an account.
struct appoint_representative
{
    std::string representative_id;
    std::string account_id;
    std::string name;
};

/// Asks the chamber to approve an employee (without an account) as
/// representative.
struct request_employee_representative
{
    std::string representative_id;
    std::string name;
    std::string email;
};

/// The chamber approves a pending employee representative; the account
/// created for the employee is named here (staff only).
struct approve_employee_representative
{
    std::string representative_id;
    std::string account_id;
};

/// Revokes a representative (active or pending).
struct revoke_representative
{
    std::string representative_id;
};

/// Erases the personal data (name, e-mail address) of a trainer or of a
/// representative, who is revoked with it (data protection: staff, or the
/// portal itself when the person's account is erased). Exactly one of the
/// two ids is set.
struct erase_person
{
    std::string trainer_id;
    std::string representative_id;
    std::string reason;
};

/// Errors: `company.forbidden` (not staff), `company.already_exists`,
/// `validation.company_id|name|member_number|email|address|zip`,
/// `company.member_number_taken`, `company.central_is_self`,
/// `company.central_not_found`, `company.central_is_branch`.
decision decide(const state&, const register_company&, const context&);
/// No events when unchanged. Errors: `company.not_found`,
/// `company.forbidden`, `validation.address|zip`.
decision decide(const state&, const change_address&, const context&);
/// No events when already attached. Errors: `company.not_found`,
/// `company.forbidden` (not staff), `company.branch_is_self`,
/// `company.branch_not_found`, `company.central_is_branch` (this company is
/// itself a branch), `company.branch_is_central_office` (the branch has
/// branches), `company.branch_taken` (attached to another central office).
decision decide(const state&, const attach_branch&, const context&);
/// No events when not attached. Errors: `company.not_found`,
/// `company.forbidden`.
decision decide(const state&, const detach_branch&, const context&);
/// No events when consent is already given. Errors: `company.not_found`,
/// `company.forbidden`.
decision decide(const state&, const give_publication_consent&, const context&);
/// No events when no consent is given. Errors as for giving.
decision decide(const state&, const withdraw_publication_consent&, const context&);
/// No events when unchanged. Errors: `company.not_found`,
/// `company.forbidden`, `validation.occupation`.
decision decide(const state&, const change_record_settings&, const context&);
/// No events for an identical retry. Errors: `company.not_found`,
/// `company.forbidden`, `validation.trainer_id|name|email`,
/// `company.trainer_exists` (the id with other data),
/// `company.trainer_email_taken`.
decision decide(const state&, const register_trainer&, const context&);
/// No events when already linked to that account. Errors:
/// `company.not_found`, `company.forbidden`, `validation.account_id`,
/// `company.trainer_not_found`, `company.trainer_erased`,
/// `company.trainer_already_linked`.
decision decide(const state&, const link_trainer_account&, const context&);
/// No events when already linked. Errors: `company.not_found`,
/// `company.forbidden`, `validation.account_id`.
decision decide(const state&, const link_company_account&, const context&);
/// No events for an identical retry. Errors: `company.not_found`,
/// `company.forbidden`, `validation.representative_id|account_id|name`,
/// `company.account_not_found`, `company.representative_exists`.
decision decide(const state&, const appoint_representative&, const context&);
/// No events for an identical retry. Errors: `company.not_found`,
/// `company.forbidden`, `validation.representative_id|name|email`,
/// `company.representative_exists`.
decision decide(const state&, const request_employee_representative&, const context&);
/// No events when approved with the same account. Errors:
/// `company.not_found`, `company.forbidden` (not staff),
/// `validation.account_id`, `company.representative_not_found`,
/// `company.representative_not_pending`.
decision decide(const state&, const approve_employee_representative&, const context&);
/// No events when already revoked. Errors: `company.not_found`,
/// `company.forbidden`, `company.representative_not_found`.
decision decide(const state&, const revoke_representative&, const context&);

/// No events when already erased. Errors: `company.not_found`,
/// `company.forbidden` (only staff or the system), `validation.person`
/// (not exactly one id), `validation.reason` (required, at most 500 characters),
/// `company.trainer_not_found`, `company.representative_not_found`.
decision decide(const state&, const erase_person&, const context&);

/// Who may change a company: chamber staff; the company itself (acting as
/// company with an account linked to it or holding its company role); its
/// central office (acting as company on behalf of it, the actor's company
/// being `central_office_id`); an active representative of it (acting as
/// representative on behalf of it).
bool may_act(const principal& actor,
             const state& s,
             std::string_view actor_company_id,
             std::string_view central_office_id) noexcept;

/// The effective record settings of `occupation`: its own setting, else the
/// setting for all ("*"), else both off.
record_settings record_settings_for(const state&, std::string_view occupation);

/// True when `zip` has exactly five digits.
bool valid_zip(std::string_view zip) noexcept;

/// Applies one company event.
state evolve(state, schema::CompanyEvent::Reader);
/// Applies an event of any aggregate (others leave the state unchanged).
state evolve(state, schema::Event::Reader);
/// Folds events from the initial state.
state fold(const std::vector<event_payload>& events);

/// `company-<id>`.
std::string stream_id(std::string_view company_id);
/// `company-<id>`: a company is the consistency root of its own data.
std::string partition_key(std::string_view company_id);

} // namespace portal::domain::company
