#pragma once

/// The application layer for accounts, the chamber, companies, contracts,
/// documents and record access grants (see app.hpp for the conventions).
///
/// Every command function:
/// - builds its target from the aggregate's `stream_id`/`partition_key`;
/// - builds the decision's context from `meta` (actor, now) and facts read
///   through `fact_reader`: facts of the command's own partition key become
///   version checks of the append (strict), others are the writer's view of
///   the log (may lag, as ARCHITECTURE.md allows);
/// - runs `domain::execute`: idempotent by `meta.command_id` (a repeated id
///   returns the first outcome with `duplicate` set), bounded retry on a
///   version conflict (`command.conflict` when it keeps changing);
/// - returns the decision's error unchanged (stable `code`, `cls`), the
///   log's errors (`log.unavailable`, ...) or `codec.malformed`.
/// A command that changes nothing returns an outcome with `events == 0`.
///
/// Who acts for which company (the contexts' `actor_company_id` and
/// `central_office_id`) is resolved here from committed state: the
/// company roles of the actor's account; `on_behalf_of_company_id` only
/// counts when the actor may act for that company (its own, a branch of its
/// central office, or as an active representative; company::may_act).
///
/// Thread safety: every function may be called from any thread; they share
/// nothing but the log.

#include "access_grant/access_grant.hpp"
#include "account/account.hpp"
#include "app/app.hpp"
#include "chamber/chamber.hpp"
#include "common/processor.hpp"
#include "company/company.hpp"
#include "contract/contract.hpp"
#include "document/document.hpp"

#include <string>
#include <string_view>

namespace portal::app {

// ---------------------------------------------------------------------------
// Reads
// ---------------------------------------------------------------------------

/// The folded account `account_id` (version 0 and `exists == false` when
/// unknown). Errors: the log's.
result<domain::loaded<domain::account::state>> load_account(const services&,
                                                            std::string_view account_id);

/// The folded company (version 0 when unknown). Errors: the log's.
result<domain::loaded<domain::company::state>> load_company(const services&,
                                                            std::string_view company_id);

/// The folded contract (version 0 when unknown). Errors: the log's.
result<domain::loaded<domain::contract::state>> load_contract(const services&,
                                                              std::string_view contract_id);

/// The id of the company with `member_number`: `member-<n>` where `n` is the
/// trimmed, lower-cased member number with every byte outside
/// [a-z0-9._~-] percent-encoded. Deterministic and injective on trimmed,
/// case-folded member numbers, so "one member number, one company" is the
/// company stream's `no_stream` expectation (see `register_company`).
std::string company_id_for(std::string_view member_number);

// ---------------------------------------------------------------------------
// Accounts (stream `account-<id>`)
// ---------------------------------------------------------------------------

/// Creates an account for a role with its invitation (or, supervisors, a
/// PIN). The id is `account_id_of(email)`: `c.account_id` may be empty (then
/// it is derived) or must equal it (`validation.account_id`). A trainee role
/// must name a contract of the role's company (`validation.role`). Errors:
/// the aggregate's (`account.already_exists`, `account.forbidden`,
/// `validation.*`).
result<domain::outcome> create_account(const services&,
                                       const domain::command_meta&,
                                       domain::account::create c);

/// Issues a new invitation while not activated. Errors: the aggregate's.
result<domain::outcome> invite_account(const services&,
                                       const domain::command_meta&,
                                       std::string_view account_id,
                                       const domain::account::invite& c);

/// Sets the first password with the invitation token. Errors: the
/// aggregate's (`account.invitation_invalid`, `account.invitation_expired`,
/// ...).
result<domain::outcome> activate_account(const services&,
                                         const domain::command_meta&,
                                         std::string_view account_id,
                                         const domain::account::activate& c);

/// Grants a role (a trainee role must name a contract of its company,
/// `validation.role`). Errors: the aggregate's.
result<domain::outcome> grant_account_role(const services&,
                                           const domain::command_meta&,
                                           std::string_view account_id,
                                           const domain::account::grant_role& c);

/// Revokes a role. Errors: the aggregate's.
result<domain::outcome> revoke_account_role(const services&,
                                            const domain::command_meta&,
                                            std::string_view account_id,
                                            const domain::account::revoke_role& c);

/// Records a login attempt (the caller checked the secret); the lockout
/// policy (max failed logins, lock minutes) comes from the chamber's
/// settings (defaults while the chamber stream does not exist). Errors: the
/// aggregate's (`account.locked`, `account.not_activated`, ...).
result<domain::outcome> record_login(const services&,
                                     const domain::command_meta&,
                                     std::string_view account_id,
                                     const domain::account::record_login& c);

/// Ends a session of the account (logout): appends `session_ended`, which
/// every instance's sessions read model projects. Errors: the aggregate's
/// (`account.not_found`, `validation.session`, ...).
result<domain::outcome> end_session(const services&,
                                    const domain::command_meta&,
                                    std::string_view account_id,
                                    const domain::account::end_session& c);

/// Lifts a lock (staff). Errors: the aggregate's.
result<domain::outcome> unlock_account(const services&,
                                       const domain::command_meta&,
                                       std::string_view account_id);

/// Requests a password reset; the account is `account_id_of(identifier)`
/// (a login is an e-mail address, so both channels name the same account).
/// A trainee's number is checked against the trainee numbers of the
/// contracts named by the account's trainee roles. Unknown accounts and
/// mismatches yield no events and no error. Errors: `validation.requested_with`,
/// `validation.token`, the log's.
result<domain::outcome> request_password_reset(const services&,
                                               const domain::command_meta&,
                                               const domain::account::request_password_reset& c);

/// Sets the new password with the reset token. Errors: the aggregate's.
result<domain::outcome> complete_password_reset(const services&,
                                                const domain::command_meta&,
                                                std::string_view account_id,
                                                const domain::account::complete_password_reset& c);

/// Issues a supervisor's PIN (system or staff). Errors: the aggregate's.
result<domain::outcome> issue_pin(const services&,
                                  const domain::command_meta&,
                                  std::string_view account_id,
                                  const domain::account::issue_pin& c);

/// Turns PIN access into a password login (the account itself). Errors:
/// the aggregate's.
result<domain::outcome> convert_pin(const services&,
                                    const domain::command_meta&,
                                    std::string_view account_id,
                                    const domain::account::convert_pin& c);

/// Changes the actor's own password. Errors: the aggregate's.
result<domain::outcome> change_password(const services&,
                                        const domain::command_meta&,
                                        std::string_view account_id,
                                        const domain::account::change_password& c);

/// Erases the account's personal data (staff or system). Errors: the
/// aggregate's.
result<domain::outcome> erase_account(const services&,
                                      const domain::command_meta&,
                                      std::string_view account_id,
                                      const domain::account::erase& c);

// ---------------------------------------------------------------------------
// Chamber (stream `chamber`)
// ---------------------------------------------------------------------------

/// Changes the chamber's settings (staff). Errors: the aggregate's.
result<domain::outcome> change_chamber_settings(const services&,
                                                const domain::command_meta&,
                                                const domain::chamber::change_settings& c);

/// Configures an occupation (staff). Errors: the aggregate's.
result<domain::outcome> configure_occupation(const services&,
                                             const domain::command_meta&,
                                             const domain::chamber::configure_occupation& c);

// ---------------------------------------------------------------------------
// Companies (stream `company-<id>`)
// ---------------------------------------------------------------------------

/// Registers a company (staff). Member numbers are unique by construction:
/// the company's id is `company_id_for(member_number)`; `c.company_id` may
/// be empty (then it is derived) or must equal it (`validation.company_id`).
/// A second registration of the number therefore meets the existing stream
/// and fails with `company.member_number_taken` (instead of the aggregate's
/// `company.already_exists`), atomically, without any index. A branch's
/// central office is read as a fact. Errors: the aggregate's.
result<domain::outcome> register_company(const services&,
                                         const domain::command_meta&,
                                         domain::company::register_company c);

/// Changes the postal address. Errors: the aggregate's.
result<domain::outcome> change_company_address(const services&,
                                               const domain::command_meta&,
                                               std::string_view company_id,
                                               const domain::company::change_address& c);

/// Attaches a branch to the central office `company_id` (staff). Errors:
/// the aggregate's.
result<domain::outcome> attach_branch(const services&,
                                      const domain::command_meta&,
                                      std::string_view company_id,
                                      const domain::company::attach_branch& c);

/// Detaches a branch (staff). Errors: the aggregate's.
result<domain::outcome> detach_branch(const services&,
                                      const domain::command_meta&,
                                      std::string_view company_id,
                                      const domain::company::detach_branch& c);

/// Gives consent to the public listing. Errors: the aggregate's.
result<domain::outcome> give_publication_consent(const services&,
                                                 const domain::command_meta&,
                                                 std::string_view company_id);

/// Withdraws consent to the public listing. Errors: the aggregate's.
result<domain::outcome> withdraw_publication_consent(const services&,
                                                     const domain::command_meta&,
                                                     std::string_view company_id);

/// Sets the record settings of an occupation or of all ("*"). Errors: the
/// aggregate's.
result<domain::outcome> change_record_settings(const services&,
                                               const domain::command_meta&,
                                               std::string_view company_id,
                                               const domain::company::change_record_settings& c);

/// Registers a trainer (id passed in). Errors: the aggregate's.
result<domain::outcome> register_trainer(const services&,
                                         const domain::command_meta&,
                                         std::string_view company_id,
                                         const domain::company::register_trainer& c);

/// Links a trainer's account; an empty `c.account_id` means
/// `account_id_of(trainer's e-mail)`. Errors: the aggregate's
/// (`company.trainer_not_found`, ...).
result<domain::outcome> link_trainer_account(const services&,
                                             const domain::command_meta&,
                                             std::string_view company_id,
                                             domain::company::link_trainer_account c);

/// Links a company account (system or staff). Errors: the aggregate's.
result<domain::outcome> link_company_account(const services&,
                                             const domain::command_meta&,
                                             std::string_view company_id,
                                             const domain::company::link_company_account& c);

/// Appoints a representative with an existing account (fact: the account
/// exists and is not erased). Errors: the aggregate's
/// (`company.account_not_found`, ...).
result<domain::outcome> appoint_representative(const services&,
                                               const domain::command_meta&,
                                               std::string_view company_id,
                                               const domain::company::appoint_representative& c);

/// Asks the chamber to approve an employee as representative. Errors: the
/// aggregate's.
result<domain::outcome> request_employee_representative(
  const services&,
  const domain::command_meta&,
  std::string_view company_id,
  const domain::company::request_employee_representative& c);

/// Approves a pending employee representative (staff); an empty
/// `c.account_id` means `account_id_of(the request's e-mail)`, the account
/// the follow-up creates. Errors: the aggregate's.
result<domain::outcome> approve_employee_representative(
  const services&,
  const domain::command_meta&,
  std::string_view company_id,
  domain::company::approve_employee_representative c);

/// Revokes a representative. Errors: the aggregate's.
result<domain::outcome> revoke_representative(const services&,
                                              const domain::command_meta&,
                                              std::string_view company_id,
                                              const domain::company::revoke_representative& c);

/// Erases a trainer's or representative's name and e-mail address (staff or
/// system). Errors: the aggregate's.
result<domain::outcome> erase_company_person(const services&,
                                             const domain::command_meta&,
                                             std::string_view company_id,
                                             const domain::company::erase_person& c);

// ---------------------------------------------------------------------------
// Contracts (stream `contract-<id>`, partition key of the company)
// ---------------------------------------------------------------------------

/// Registers a contract (staff; trainee number passed in). Facts: the
/// company and its trainers (strict: same partition key), the occupation's
/// period kind from the chamber. Errors: the aggregate's.
result<domain::outcome> register_contract(const services&,
                                          const domain::command_meta&,
                                          std::string_view contract_id,
                                          const domain::contract::register_contract& c);

/// Records the registration confirmation document. Errors:
/// `contract.not_found`, the aggregate's.
result<domain::outcome> issue_confirmation(const services&,
                                           const domain::command_meta&,
                                           std::string_view contract_id,
                                           const domain::contract::issue_confirmation& c);

/// Links the trainee's account (staff or system). Errors:
/// `contract.not_found`, the aggregate's.
result<domain::outcome> link_trainee_account(const services&,
                                             const domain::command_meta&,
                                             std::string_view contract_id,
                                             const domain::contract::link_trainee_account& c);

/// Replaces the trainers (checked against the company's, strictly).
/// Errors: `contract.not_found`, the aggregate's.
result<domain::outcome> change_contract_trainers(const services&,
                                                 const domain::command_meta&,
                                                 std::string_view contract_id,
                                                 const domain::contract::change_trainers& c);

/// Changes start and end. Errors: `contract.not_found`, the aggregate's.
result<domain::outcome> change_contract_dates(const services&,
                                              const domain::command_meta&,
                                              std::string_view contract_id,
                                              const domain::contract::change_dates& c);

/// Changes the record form. Errors: `contract.not_found`, the aggregate's.
result<domain::outcome> change_record_form(const services&,
                                           const domain::command_meta&,
                                           std::string_view contract_id,
                                           const domain::contract::change_record_form& c);

/// Ends the contract. Errors: `contract.not_found`, the aggregate's.
result<domain::outcome> end_contract(const services&,
                                     const domain::command_meta&,
                                     std::string_view contract_id,
                                     const domain::contract::end_contract& c);

/// Erases the trainee's personal data of an ended contract (staff or
/// system; DOMAIN.md, data protection): the log destroys the subject's key
/// (`contract-<id>`), the read models drop the trainee's name, birth date and
/// e-mail. Repeated: no events. Errors: `contract.not_found`, the
/// aggregate's (`contract.staff_only`, `contract.still_running`,
/// `validation.reason`).
result<domain::outcome> erase_contract_personal_data(
  const services&,
  const domain::command_meta&,
  std::string_view contract_id,
  const domain::contract::erase_personal_data& c);

// ---------------------------------------------------------------------------
// Documents (stream `document-<id>`, partition key of the company)
// ---------------------------------------------------------------------------

/// Issues a document (staff or system). Errors: the aggregate's.
result<domain::outcome> issue_document(const services&,
                                       const domain::command_meta&,
                                       std::string_view document_id,
                                       const domain::document::issue& c);

/// Withdraws a document. Errors: `document.not_found`, the aggregate's.
result<domain::outcome> withdraw_document(const services&,
                                          const domain::command_meta&,
                                          std::string_view document_id,
                                          const domain::document::withdraw& c);

// ---------------------------------------------------------------------------
// Record access grants (stream `grant-<contractId>`, partition key of the
// contract's company)
// ---------------------------------------------------------------------------

/// The contract's trainee grants chamber staff access to the records; the
/// contract's trainee account is a strict fact. Errors:
/// `contract.not_found`, the aggregate's.
result<domain::outcome> grant_access(const services&,
                                     const domain::command_meta&,
                                     const domain::access_grant::grant_access& c);

/// The trainee ends the grant. Errors: `contract.not_found`, the
/// aggregate's.
result<domain::outcome> revoke_access(const services&,
                                      const domain::command_meta&,
                                      std::string_view contract_id);

} // namespace portal::app
