#include "examiner/examiner.hpp"

#include <algorithm>

namespace portal::domain::examiner {

namespace {

bool
is_staff(const context& ctx) noexcept
{
    return ctx.actor.acting_as == role::staff;
}

std::unexpected<error>
not_staff()
{
    return forbid("examiner.not_staff", "only chamber staff may do this");
}

std::unexpected<error>
appointment_not_found()
{
    return missing("examiner.appointment_not_found", "no such appointment");
}

appointment*
find_mut(state& s, std::string_view id) noexcept
{
    for (auto& a : s.appointments) {
        if (a.id == id) {
            return &a;
        }
    }
    return nullptr;
}

/// `start` plus five years; 29 February maps to 28 February.
date
five_years_after(date start) noexcept
{
    date limit = start + std::chrono::years{ 5 };
    if (!limit.ok()) {
        limit = limit.year() / limit.month() / std::chrono::last;
    }
    return limit;
}

bool
assigned(const appointment& a, std::string_view exam_id) noexcept
{
    return std::find(a.exam_ids.begin(), a.exam_ids.end(), exam_id) != a.exam_ids.end();
}

} // namespace

decision
decide(const state& s, const appoint& c, const context& ctx)
{
    if (!is_staff(ctx)) {
        return not_staff();
    }
    if (trim(c.appointment_id).empty()) {
        return invalid("validation.appointment_id", "the appointment id is required");
    }
    if (trim(c.account_id).empty()) {
        return invalid("validation.account_id", "the account id is required");
    }
    if (!valid_text(c.committee, k_max_name)) {
        return invalid("validation.committee", "the committee is required");
    }
    if (!valid_text(c.occupation, k_max_name)) {
        return invalid("validation.occupation", "the occupation is required");
    }
    auto start = parse_date(c.term_start);
    if (!start) {
        return invalid("validation.term_start", "the term start must be YYYY-MM-DD");
    }
    auto end = parse_date(c.term_end);
    if (!end) {
        return invalid("validation.term_end", "the term end must be YYYY-MM-DD");
    }
    if (*end <= *start) {
        return invalid("examiner.term_end_before_start", "the term must end after it starts");
    }
    if (*end > five_years_after(*start)) {
        return invalid("examiner.term_too_long", "a term lasts at most five years");
    }
    if (s.exists && s.account_id != c.account_id) {
        return invalid("examiner.account_mismatch", "the account is not this examiner's");
    }
    auto committee = std::string(trim(c.committee));
    auto occupation = std::string(trim(c.occupation));
    if (const auto* same = find_appointment(s, c.appointment_id); same != nullptr) {
        bool identical = same->committee == committee && same->occupation == occupation &&
                         same->member_role == c.member_role && same->term_start == *start &&
                         same->term_end == *end;
        if (identical) {
            return no_events();
        }
        return reject("examiner.appointment_id_taken", "the appointment id is taken");
    }
    for (const auto& a : s.appointments) {
        if (a.committee == committee && a.term_start <= *end && *start <= a.last_day()) {
            return reject("examiner.overlapping_appointment",
                          "already appointed to this committee for an overlapping term");
        }
    }
    return one_event([&](schema::Event::Builder e) {
        auto ev = e.initExaminer().initAppointed();
        ev.setAppointmentId(c.appointment_id);
        ev.setAccountId(c.account_id);
        ev.setCommittee(committee);
        ev.setOccupation(occupation);
        ev.setMemberRole(c.member_role);
        ev.setTermStart(format_date(*start));
        ev.setTermEnd(format_date(*end));
    });
}

decision
decide(const state& s, const assign& c, const context& ctx)
{
    if (!is_staff(ctx)) {
        return not_staff();
    }
    const auto* a = find_appointment(s, c.appointment_id);
    if (a == nullptr) {
        return appointment_not_found();
    }
    if (trim(c.exam_id).empty()) {
        return invalid("validation.exam_id", "the exam id is required");
    }
    if (assigned(*a, c.exam_id)) {
        return no_events();
    }
    if (!ctx.exam.exists) {
        return missing("examiner.exam_not_found", "no such exam");
    }
    if (ctx.exam.cancelled) {
        return reject("examiner.exam_cancelled", "the exam has been cancelled");
    }
    if (ctx.exam.occupation != a->occupation) {
        return reject("examiner.occupation_mismatch",
                      "the appointment's occupation differs from the exam's");
    }
    if (!a->covers(ctx.exam.day)) {
        return reject("examiner.term_not_covering",
                      "the appointment is not in force on the exam date");
    }
    return one_event([&](schema::Event::Builder e) {
        auto ev = e.initExaminer().initAssigned();
        ev.setAppointmentId(c.appointment_id);
        ev.setExamId(c.exam_id);
    });
}

decision
decide(const state& s, const unassign& c, const context& ctx)
{
    if (!is_staff(ctx)) {
        return not_staff();
    }
    const auto* a = find_appointment(s, c.appointment_id);
    if (a == nullptr) {
        return appointment_not_found();
    }
    if (!assigned(*a, c.exam_id)) {
        return no_events();
    }
    return one_event([&](schema::Event::Builder e) {
        auto ev = e.initExaminer().initUnassigned();
        ev.setAppointmentId(c.appointment_id);
        ev.setExamId(c.exam_id);
    });
}

decision
decide(const state& s, const end_appointment& c, const context& ctx)
{
    if (!is_staff(ctx)) {
        return not_staff();
    }
    const auto* a = find_appointment(s, c.appointment_id);
    if (a == nullptr) {
        return appointment_not_found();
    }
    auto day = parse_date(c.date);
    if (!day) {
        return invalid("validation.date", "the date must be YYYY-MM-DD");
    }
    if (a->ended_on) {
        if (*a->ended_on == *day) {
            return no_events();
        }
        return reject("examiner.appointment_ended", "the appointment has ended already");
    }
    if (*day < a->term_start) {
        return invalid("examiner.end_before_start", "the end lies before the term's start");
    }
    if (*day > a->term_end) {
        return invalid("examiner.end_after_term", "the end lies after the term's end");
    }
    return one_event([&](schema::Event::Builder e) {
        auto ev = e.initExaminer().initAppointmentEnded();
        ev.setAppointmentId(c.appointment_id);
        ev.setDate(format_date(*day));
    });
}

state
evolve(state s, schema::ExaminerEvent::Reader event)
{
    switch (event.which()) {
        case schema::ExaminerEvent::APPOINTED: {
            auto ev = event.getAppointed();
            s.exists = true;
            s.account_id = str(ev.getAccountId());
            appointment a;
            a.id = str(ev.getAppointmentId());
            a.committee = str(ev.getCommittee());
            a.occupation = str(ev.getOccupation());
            a.member_role = ev.getMemberRole();
            a.term_start = parse_date(str(ev.getTermStart())).value_or(date{});
            a.term_end = parse_date(str(ev.getTermEnd())).value_or(date{});
            s.appointments.push_back(std::move(a));
            break;
        }
        case schema::ExaminerEvent::ASSIGNED: {
            auto ev = event.getAssigned();
            if (auto* a = find_mut(s, str(ev.getAppointmentId()))) {
                auto exam_id = str(ev.getExamId());
                if (!assigned(*a, exam_id)) {
                    a->exam_ids.push_back(std::move(exam_id));
                }
            }
            break;
        }
        case schema::ExaminerEvent::UNASSIGNED: {
            auto ev = event.getUnassigned();
            if (auto* a = find_mut(s, str(ev.getAppointmentId()))) {
                std::erase(a->exam_ids, str(ev.getExamId()));
            }
            break;
        }
        case schema::ExaminerEvent::APPOINTMENT_ENDED: {
            auto ev = event.getAppointmentEnded();
            if (auto* a = find_mut(s, str(ev.getAppointmentId()))) {
                a->ended_on = parse_date(str(ev.getDate()));
            }
            break;
        }
    }
    return s;
}

state
evolve(state s, schema::Event::Reader event)
{
    if (event.which() != schema::Event::EXAMINER) {
        return s;
    }
    return evolve(std::move(s), event.getExaminer());
}

state
fold(const std::vector<event_payload>& events)
{
    state s;
    for (const auto& e : events) {
        s = evolve(std::move(s), e.reader());
    }
    return s;
}

const appointment*
find_appointment(const state& s, std::string_view appointment_id) noexcept
{
    for (const auto& a : s.appointments) {
        if (a.id == appointment_id) {
            return &a;
        }
    }
    return nullptr;
}

bool
member_of(const state& s, std::string_view committee, std::string_view occupation, date on) noexcept
{
    return std::any_of(s.appointments.begin(), s.appointments.end(), [&](const appointment& a) {
        return (committee.empty() || a.committee == committee) && a.occupation == occupation &&
               a.covers(on);
    });
}

std::vector<std::string>
assigned_exams(const state& s)
{
    std::vector<std::string> out;
    for (const auto& a : s.appointments) {
        for (const auto& id : a.exam_ids) {
            if (std::find(out.begin(), out.end(), id) == out.end()) {
                out.push_back(id);
            }
        }
    }
    return out;
}

std::string
stream_id(std::string_view account_id)
{
    return "examiner-" + std::string(account_id);
}

std::string
partition_key(std::string_view account_id)
{
    return "examiner-" + std::string(account_id);
}

} // namespace portal::domain::examiner
