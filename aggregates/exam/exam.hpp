#pragma once

/// The exam date (Prüfungstermin): scheduling, registrations of contracts,
/// admission or refusal, results and their publication, withdrawal and
/// cancellation. Stream `exam-<id>`, partition key `exam-<id>`; the
/// registrations live in the exam's stream, so "one registration per
/// contract" is checked strictly.

#include "common/domain.hpp"
#include "exam/grade.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace portal::domain::exam {

/// Where a registration stands.
enum class registration_status
{
    registered, ///< waiting for admission
    admitted,   ///< admitted by staff; may receive results
    refused,    ///< refused by staff, with a reason
    withdrawn,  ///< withdrawn by the company or staff
};

/// Whether a registration has a result.
enum class result_status
{
    none,        ///< no result recorded
    preliminary, ///< vorläufig (e.g. written parts only)
    final,       ///< fixed by the committee
};

/// One part (area) of a result.
struct result_part
{
    std::string name;
    unsigned points = 0; ///< 0..100
    friend bool operator==(const result_part&, const result_part&) = default;
};

/// One registration of a contract for this exam.
struct registration
{
    std::string id;
    std::string contract_id;
    std::string company_id;
    std::string trainee_name;
    std::string trainee_account_id;
    registration_status status = registration_status::registered;
    std::string refusal_reason;
    result_status result = result_status::none;
    std::vector<result_part> parts;
    unsigned total_points = 0;
    unsigned grade = 0;
    bool published = false; ///< the current result has been published
};

/// The folded exam.
struct state
{
    bool exists = false;
    std::string occupation;
    schema::ExamType type = schema::ExamType::INTERMEDIATE;
    date day{};
    std::string location;
    std::string name;
    std::optional<date> proposal_deadline;
    bool cancelled = false;
    std::string cancel_reason;
    std::vector<registration> registrations;
};

/// True for the final exam and both parts of the stretched final exam.
bool is_final_type(schema::ExamType type) noexcept;

// --- commands -------------------------------------------------------------

/// Staff schedule the exam. Errors: `exam.not_staff` (forbidden),
/// `validation.occupation|date|location|name|proposal_deadline` (invalid),
/// `exam.deadline_not_before_date` (invalid), `exam.date_in_past` (rejected),
/// `exam.already_scheduled` (rejected, when scheduled with other data; the
/// identical command again yields no events).
struct schedule
{
    std::string occupation;
    schema::ExamType type = schema::ExamType::INTERMEDIATE;
    std::string date; ///< YYYY-MM-DD
    std::string location;
    std::string name;
    std::string proposal_deadline; ///< YYYY-MM-DD before `date`, or empty
};

/// Registers a contract (by its company while the contract runs, or staff).
struct register_contract
{
    std::string registration_id;
    std::string contract_id;
};

/// Staff admit a registration.
struct admit
{
    std::string registration_id;
};

/// Staff refuse a registration; a reason is required.
struct refuse
{
    std::string registration_id;
    std::string reason;
};

/// Staff record a result (points per part, preliminary or final).
struct record_result
{
    std::string registration_id;
    std::vector<result_part> parts;
    bool final = false;
};

/// Staff publish every recorded, not yet published result.
struct publish_results
{};

/// The company (for its contract) or staff withdraw a registration.
struct withdraw_registration
{
    std::string registration_id;
    std::string reason;
};

/// Staff cancel the exam; a reason is required.
struct cancel
{
    std::string reason;
};

// --- context ----------------------------------------------------------------

/// The contract's facts for a registration (from the contract stream).
struct contract_facts
{
    bool exists = false;
    bool active = false; ///< registered and not ended
    std::string occupation;
    std::string company_id;
    std::string trainee_name;
    std::string trainee_account_id; ///< empty when the trainee has no account
};

/// The training records' facts for an admission.
struct record_facts
{
    schema::RecordForm form = schema::RecordForm::ELECTRONIC;
    /// Past periods of the contract whose record is missing or not approved.
    std::uint32_t past_periods_not_approved = 0;
};

/// What decisions on an exam need from outside the stream. A company acts
/// with `actor.acting_as` company or representative and
/// `actor.on_behalf_of_company_id` set to the company it acts for.
struct context : context_base
{
    contract_facts contract;             ///< for `register_contract`
    record_facts records;                ///< for `admit`
    std::vector<grade_step> grade_table; ///< for `record_result`; empty = default
};

/// Schedules the exam (see `schedule`).
decision decide(const state& s, const schedule& c, const context& ctx);

/// Registers the contract. Errors: `exam.not_found` (not_found),
/// `validation.registration_id|contract_id` (invalid),
/// `exam.contract_not_found` (not_found), `exam.not_allowed` (forbidden:
/// neither staff nor the contract's company), `exam.cancelled`,
/// `exam.registration_closed` (after the exam date),
/// `exam.contract_not_active`, `exam.occupation_mismatch`,
/// `exam.already_registered` (the contract has a registration that is not
/// withdrawn), `exam.registration_id_taken` (all rejected). The same
/// registration again yields no events.
decision decide(const state& s, const register_contract& c, const context& ctx);

/// Admits. Errors: `exam.not_found`, `exam.registration_not_found`
/// (not_found), `exam.not_staff` (forbidden), `exam.cancelled`,
/// `exam.registration_withdrawn`, `exam.already_decided` (refused before),
/// `exam.records_incomplete` (final exam, electronic records, past periods
/// not approved) (rejected). Admitting again yields no events.
decision decide(const state& s, const admit& c, const context& ctx);

/// Refuses. Errors: as `admit` (without records) plus `exam.reason_required`
/// (invalid); `exam.already_decided` when admitted before. Refusing again
/// with the same reason yields no events.
decision decide(const state& s, const refuse& c, const context& ctx);

/// Records a result: total = rounded mean of the parts, grade from the
/// context's table. Errors: `exam.not_found`, `exam.registration_not_found`
/// (not_found), `exam.not_staff` (forbidden), `exam.parts_required`,
/// `exam.part_name_required`, `exam.duplicate_part`, `exam.points_out_of_range`
/// (invalid), `exam.cancelled`, `exam.not_yet_held`, `exam.not_admitted`,
/// `exam.result_already_final` (a preliminary result may not replace a final
/// one), `exam.grade_table_invalid` (rejected). The identical result again
/// yields no events.
decision decide(const state& s, const record_result& c, const context& ctx);

/// Publishes all recorded, unpublished results in one event; nothing to
/// publish yields no events. Errors: `exam.not_found`, `exam.not_staff`.
decision decide(const state& s, const publish_results& c, const context& ctx);

/// Withdraws a registration. Errors: `exam.not_found`,
/// `exam.registration_not_found` (not_found), `exam.not_allowed` (forbidden),
/// `exam.cancelled`, `exam.result_recorded` (rejected). Again: no events.
decision decide(const state& s, const withdraw_registration& c, const context& ctx);

/// Cancels the exam. Errors: `exam.not_found`, `exam.not_staff`,
/// `exam.reason_required` (invalid), `exam.result_recorded` (rejected).
/// Cancelling again yields no events.
decision decide(const state& s, const cancel& c, const context& ctx);

// --- evolve -------------------------------------------------------------------

/// Applies one exam event (total over `ExamEvent`).
state evolve(state s, schema::ExamEvent::Reader event);

/// Applies an event if it is an exam event; other events leave `s` as is.
state evolve(state s, schema::Event::Reader event);

/// Folds events from the empty state.
state fold(const std::vector<event_payload>& events);

// --- queries ------------------------------------------------------------------

/// A registration as read models show it.
struct registration_view
{
    registration_status status = registration_status::registered;
    result_status result = result_status::none;
    bool published = false;
};

/// The status of a registration; nullopt when unknown.
std::optional<registration_view> registration_status_of(const state& s,
                                                        std::string_view registration_id);

/// The registration of a contract that is not withdrawn; nullptr if none.
const registration* active_registration_of_contract(const state& s, std::string_view contract_id);

/// Stable names: "registered", "admitted", "refused", "withdrawn".
std::string_view to_string(registration_status s) noexcept;

/// Stable names: "none", "preliminary", "final".
std::string_view to_string(result_status s) noexcept;

// --- streams -----------------------------------------------------------------

/// "exam-<id>".
std::string stream_id(std::string_view exam_id);

/// "exam-<id>": the exam is its own consistency root.
std::string partition_key(std::string_view exam_id);

} // namespace portal::domain::exam
