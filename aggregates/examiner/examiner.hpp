#pragma once

/// The examiner (Prüfer/-in): appointments to examining committees
/// (Prüfungsausschüsse) and assignments to exam dates. Stream
/// `examiner-<accountId>`, partition key `examiner-<accountId>`: all
/// appointments of one person live in one stream, so overlapping
/// appointments to the same committee are checked strictly.

#include "common/domain.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace portal::domain::examiner {

/// One appointment to a committee.
struct appointment
{
    std::string id;
    std::string committee;
    std::string occupation;
    schema::MemberRole member_role = schema::MemberRole::EMPLOYER;
    date term_start{};
    date term_end{};
    std::optional<date> ended_on;      ///< set when ended before the term's end
    std::vector<std::string> exam_ids; ///< exam dates assigned, in order

    /// The last day the appointment is in force.
    date last_day() const noexcept { return ended_on ? *ended_on : term_end; }

    /// True when `d` lies in the term (and not after an early end).
    bool covers(date d) const noexcept { return term_start <= d && d <= last_day(); }
};

/// The folded examiner.
struct state
{
    bool exists = false;
    std::string account_id;
    std::vector<appointment> appointments;
};

// --- commands ---------------------------------------------------------------

/// Staff appoint the account to a committee for a term of at most five
/// years (term end after term start).
struct appoint
{
    std::string appointment_id;
    std::string account_id;
    std::string committee;
    std::string occupation;
    schema::MemberRole member_role = schema::MemberRole::EMPLOYER;
    std::string term_start; ///< YYYY-MM-DD
    std::string term_end;   ///< YYYY-MM-DD
};

/// Staff assign an appointment to an exam date.
struct assign
{
    std::string appointment_id;
    std::string exam_id;
};

/// Staff remove an appointment from an exam date.
struct unassign
{
    std::string appointment_id;
    std::string exam_id;
};

/// Staff end an appointment early (or at the term's end).
struct end_appointment
{
    std::string appointment_id;
    std::string date; ///< YYYY-MM-DD, the last day in force
};

// --- context ------------------------------------------------------------------

/// The exam's facts for an assignment (from the exam stream).
struct exam_facts
{
    bool exists = false;
    std::string occupation;
    date day{};
    bool cancelled = false;
};

/// What decisions on an examiner need from outside the stream.
struct context : context_base
{
    exam_facts exam; ///< for `assign`
};

/// Appoints. Errors: `examiner.not_staff` (forbidden),
/// `validation.appointment_id|account_id|committee|occupation|term_start|term_end`,
/// `examiner.term_end_before_start`, `examiner.term_too_long`,
/// `examiner.account_mismatch` (invalid), `examiner.appointment_id_taken`,
/// `examiner.overlapping_appointment` (rejected: same committee, overlapping
/// term). The identical appointment again yields no events.
decision decide(const state& s, const appoint& c, const context& ctx);

/// Assigns to an exam date. Errors: `examiner.not_staff` (forbidden),
/// `validation.exam_id` (invalid), `examiner.appointment_not_found`,
/// `examiner.exam_not_found` (not_found), `examiner.exam_cancelled`,
/// `examiner.occupation_mismatch`, `examiner.term_not_covering` (the term,
/// or the appointment after its early end, does not cover the exam date)
/// (rejected). Assigning again yields no events.
decision decide(const state& s, const assign& c, const context& ctx);

/// Unassigns. Errors: `examiner.not_staff`, `examiner.appointment_not_found`.
/// Unassigning what is not assigned yields no events.
decision decide(const state& s, const unassign& c, const context& ctx);

/// Ends an appointment. Errors: `examiner.not_staff` (forbidden),
/// `examiner.appointment_not_found` (not_found), `validation.date`,
/// `examiner.end_before_start`, `examiner.end_after_term` (invalid),
/// `examiner.appointment_ended` (rejected: ended before on another day).
/// Ending again on the same day yields no events.
decision decide(const state& s, const end_appointment& c, const context& ctx);

// --- evolve ---------------------------------------------------------------------

/// Applies one examiner event (total over `ExaminerEvent`).
state evolve(state s, schema::ExaminerEvent::Reader event);

/// Applies an event if it is an examiner event; others leave `s` as is.
state evolve(state s, schema::Event::Reader event);

/// Folds events from the empty state.
state fold(const std::vector<event_payload>& events);

// --- queries --------------------------------------------------------------------

/// The appointment with this id; nullptr if none.
const appointment* find_appointment(const state& s, std::string_view appointment_id) noexcept;

/// True when the examiner is in force on `on` in a committee for
/// `occupation` (and named `committee`, unless `committee` is empty): the
/// fact the proposal aggregate needs as "member of the exam's committee".
bool member_of(const state& s,
               std::string_view committee,
               std::string_view occupation,
               date on) noexcept;

/// All exam ids assigned to any appointment, in order, without repeats.
std::vector<std::string> assigned_exams(const state& s);

// --- streams ---------------------------------------------------------------------

/// "examiner-<accountId>".
std::string stream_id(std::string_view account_id);

/// "examiner-<accountId>".
std::string partition_key(std::string_view account_id);

} // namespace portal::domain::examiner
