#pragma once

/// The application layer for training records, exams, examiners, project
/// proposals, examiner seminars and reminders (see app.hpp for the
/// conventions every function here follows).
///
/// Facts come from the committed state of other aggregates, loaded with
/// `fact_reader`; facts of the command's own partition key (a record's
/// contract and company) become version checks of the append. Every
/// function returns the aggregate's error codes unchanged; errors of its own
/// are listed on the function. Log failures come back as the log's errors
/// (`log.unavailable`, `codec.malformed`). All functions may be called from
/// any thread (the log port is thread-safe; no state is kept here).

#include "app/app.hpp"
#include "contract/contract.hpp"
#include "exam/exam.hpp"
#include "examiner/examiner.hpp"
#include "proposal/proposal.hpp"
#include "report/report.hpp"
#include "seminar/seminar.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace portal::app {

// --- training records ---------------------------------------------------------

/// The deterministic id of the record of `contract_id` for `period`:
/// `<contractId>-2026-W48` for a week, `<contractId>-2026-11-28` for a day
/// (a day that is no date keeps its trimmed text; drafting it fails with
/// `validation.period`). One record per contract and period is the stream's
/// existence.
std::string report_id_for(std::string_view contract_id,
                          const domain::report::record_period& period);

/// The periods a contract should have records for by `today`: every period
/// that overlaps the contract (up to its effective end: the earlier of the
/// end date and the day it ended) and is over before `today` (a week whose
/// Sunday, a day that lies before `today`). Daily contracts count Monday to
/// Friday only. In order; empty for a contract that does not exist.
std::vector<domain::report::record_period> past_periods(const domain::contract::state& contract,
                                                        date today);

/// The folded record `report_id` (version 0 when it does not exist).
result<domain::loaded<domain::report::state>> load_report(const services& s,
                                                          std::string_view report_id);

/// Drafts a record (the trainee) into `report-<report_id_for(contract,
/// period)>`. Facts: the contract, the company's record settings for the
/// contract's occupation, the trainee's account, the trainers' accounts.
/// Errors: `report.contract_not_found` (not_found) for an unknown contract;
/// a second draft for the same period is `report.already_exists`.
result<domain::outcome> draft_report(const services& s,
                                     const domain::command_meta& meta,
                                     const domain::report::draft& command);

/// Edits a draft or rejected record (the trainee). Errors:
/// `report.not_found` (not_found).
result<domain::outcome> edit_report(const services& s,
                                    const domain::command_meta& meta,
                                    std::string_view report_id,
                                    const domain::report::edit& command);

/// Submits to an approver by e-mail (the trainee); the approver's account is
/// named when `account_id_of(email)` has an account. Errors:
/// `report.not_found` (not_found).
result<domain::outcome> submit_report(const services& s,
                                      const domain::command_meta& meta,
                                      std::string_view report_id,
                                      const domain::report::submit& command);

/// Approves (the named approver or a trainer of the contract). Errors:
/// `report.not_found` (not_found).
result<domain::outcome> approve_report(const services& s,
                                       const domain::command_meta& meta,
                                       std::string_view report_id,
                                       const domain::report::approve& command);

/// The outcome of one record of a bulk approval.
struct bulk_approval_result
{
    std::string report_id;
    result<domain::outcome> outcome;
};

/// Approves several records, each decided and appended on its own (with
/// `bulk` set): one result per id, in order; one failure does not affect the
/// others. With a command id, item `i` runs as `<command id>:<report id>`,
/// so a repeated bulk approval is idempotent per record.
std::vector<bulk_approval_result> approve_many(const services& s,
                                               const domain::command_meta& meta,
                                               const std::vector<std::string>& report_ids,
                                               const domain::report::approve& command);

/// Rejects a submitted record or reopens an approved one (remarks required).
/// Errors: `report.not_found` (not_found).
result<domain::outcome> reject_report(const services& s,
                                      const domain::command_meta& meta,
                                      std::string_view report_id,
                                      const domain::report::reject& command);

// --- exams ---------------------------------------------------------------------

/// The folded exam `exam_id` (version 0 when it does not exist).
result<domain::loaded<domain::exam::state>> load_exam(const services& s, std::string_view exam_id);

/// Schedules an exam date (staff).
result<domain::outcome> schedule_exam(const services& s,
                                      const domain::command_meta& meta,
                                      std::string_view exam_id,
                                      const domain::exam::schedule& command);

/// Registers a contract (its company or staff). Facts: the contract (active
/// on `meta.now`, occupation, company, trainee).
result<domain::outcome> register_for_exam(const services& s,
                                          const domain::command_meta& meta,
                                          std::string_view exam_id,
                                          const domain::exam::register_contract& command);

/// Admits a registration (staff). Facts: the registered contract's record
/// form and the number of its past periods (`past_periods` up to
/// `meta.now`) whose record is missing or not approved.
result<domain::outcome> admit_to_exam(const services& s,
                                      const domain::command_meta& meta,
                                      std::string_view exam_id,
                                      const domain::exam::admit& command);

/// Refuses a registration with a reason (staff).
result<domain::outcome> refuse_admission(const services& s,
                                         const domain::command_meta& meta,
                                         std::string_view exam_id,
                                         const domain::exam::refuse& command);

/// Records a result (staff); the grade comes from the chamber's grade table
/// (stream `chamber`; the default table when it has none).
result<domain::outcome> record_exam_result(const services& s,
                                           const domain::command_meta& meta,
                                           std::string_view exam_id,
                                           const domain::exam::record_result& command);

/// Publishes every recorded, unpublished result (staff).
result<domain::outcome> publish_exam_results(const services& s,
                                             const domain::command_meta& meta,
                                             std::string_view exam_id);

/// Withdraws a registration (its company or staff).
result<domain::outcome> withdraw_exam_registration(
  const services& s,
  const domain::command_meta& meta,
  std::string_view exam_id,
  const domain::exam::withdraw_registration& command);

/// Cancels the exam date (staff).
result<domain::outcome> cancel_exam(const services& s,
                                    const domain::command_meta& meta,
                                    std::string_view exam_id,
                                    const domain::exam::cancel& command);

// --- examiners -----------------------------------------------------------------

/// Appoints `command.account_id` to a committee (staff); stream
/// `examiner-<accountId>`.
result<domain::outcome> appoint_examiner(const services& s,
                                         const domain::command_meta& meta,
                                         const domain::examiner::appoint& command);

/// Assigns an appointment of `account_id` to an exam date (staff). Facts:
/// the exam (occupation, date, cancelled).
result<domain::outcome> assign_examiner(const services& s,
                                        const domain::command_meta& meta,
                                        std::string_view account_id,
                                        const domain::examiner::assign& command);

/// Removes an appointment of `account_id` from an exam date (staff).
result<domain::outcome> unassign_examiner(const services& s,
                                          const domain::command_meta& meta,
                                          std::string_view account_id,
                                          const domain::examiner::unassign& command);

/// Ends an appointment of `account_id` (staff).
result<domain::outcome> end_examiner_appointment(const services& s,
                                                 const domain::command_meta& meta,
                                                 std::string_view account_id,
                                                 const domain::examiner::end_appointment& command);

// --- project proposals -----------------------------------------------------------

/// The folded proposal `proposal_id` (version 0 when it does not exist).
result<domain::loaded<domain::proposal::state>> load_proposal(const services& s,
                                                              std::string_view proposal_id);

/// Submits or resubmits a proposal (the trainee). Facts: the contract
/// (company, trainee account) and the exam (deadline; whether the contract
/// has a registration that is not withdrawn). Errors:
/// `proposal.contract_not_found` (not_found) for an unknown contract.
result<domain::outcome> submit_proposal(const services& s,
                                        const domain::command_meta& meta,
                                        std::string_view proposal_id,
                                        const domain::proposal::submit& command);

/// Decides (an examiner): the actor is a member when their examiner stream
/// holds an appointment in force on `meta.now` for the exam's occupation
/// (one assigned to the exam preferred; its committee is recorded). Errors:
/// `proposal.not_found` (not_found).
result<domain::outcome> decide_proposal(const services& s,
                                        const domain::command_meta& meta,
                                        std::string_view proposal_id,
                                        const domain::proposal::record_decision& command);

/// Withdraws (the trainee). Errors: `proposal.not_found` (not_found).
result<domain::outcome> withdraw_proposal(const services& s,
                                          const domain::command_meta& meta,
                                          std::string_view proposal_id,
                                          const domain::proposal::withdraw& command);

// --- examiner seminars -----------------------------------------------------------

/// Schedules a seminar (staff).
result<domain::outcome> schedule_seminar(const services& s,
                                         const domain::command_meta& meta,
                                         std::string_view seminar_id,
                                         const domain::seminar::schedule& command);

/// Requests a place for the acting examiner: an examiner when their
/// examiner stream holds an appointment in force on `meta.now`.
result<domain::outcome> request_seminar_registration(
  const services& s,
  const domain::command_meta& meta,
  std::string_view seminar_id,
  const domain::seminar::request_registration& command);

/// Confirms a requested place (staff).
result<domain::outcome> confirm_seminar_registration(
  const services& s,
  const domain::command_meta& meta,
  std::string_view seminar_id,
  const domain::seminar::confirm_registration& command);

/// Cancels a registration (the registered examiner or staff).
result<domain::outcome> cancel_seminar_registration(
  const services& s,
  const domain::command_meta& meta,
  std::string_view seminar_id,
  const domain::seminar::cancel_registration& command);

// --- reminders -------------------------------------------------------------------

/// The daily reminder run of one contract (the scheduler as system, or
/// staff) on `day`: the company's reminder setting for the occupation; the
/// trainee (account e-mail, else the contract's); the first trainer (in
/// copy on escalations); past periods (`past_periods(contract, day)`)
/// without a record; records of past periods still draft or rejected (since
/// their last change); submitted records of past periods and of the running
/// one with their approver and submission day (the days come from the
/// events' recording time, i.e. the log's clock). A second run on the same
/// day appends nothing. Errors: `reminder.contract_not_found` (not_found).
result<domain::outcome> run_reminders(const services& s,
                                      const domain::command_meta& meta,
                                      std::string_view contract_id,
                                      date day,
                                      unsigned days_before_approver_reminder);

} // namespace portal::app
