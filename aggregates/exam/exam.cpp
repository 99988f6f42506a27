#include "exam/exam.hpp"

#include <algorithm>

namespace portal::domain::exam {

namespace {

bool
is_staff(const context& ctx) noexcept
{
    return ctx.actor.acting_as == role::staff;
}

/// The actor acts for `company_id` (the company account or a representative).
bool
acts_for_company(const context& ctx, std::string_view company_id) noexcept
{
    return (ctx.actor.acting_as == role::company || ctx.actor.acting_as == role::representative) &&
           !company_id.empty() && ctx.actor.on_behalf_of_company_id == company_id;
}

const registration*
find(const state& s, std::string_view registration_id) noexcept
{
    for (const auto& r : s.registrations) {
        if (r.id == registration_id) {
            return &r;
        }
    }
    return nullptr;
}

registration*
find(state& s, std::string_view registration_id) noexcept
{
    for (auto& r : s.registrations) {
        if (r.id == registration_id) {
            return &r;
        }
    }
    return nullptr;
}

std::unexpected<error>
not_found()
{
    return missing("exam.not_found", "no such exam");
}

std::unexpected<error>
not_staff()
{
    return forbid("exam.not_staff", "only chamber staff may do this");
}

std::unexpected<error>
registration_not_found()
{
    return missing("exam.registration_not_found", "no such registration for this exam");
}

std::unexpected<error>
cancelled()
{
    return reject("exam.cancelled", "the exam has been cancelled");
}

} // namespace

bool
is_final_type(schema::ExamType type) noexcept
{
    switch (type) {
        case schema::ExamType::FINAL:
        case schema::ExamType::FINAL_PART1:
        case schema::ExamType::FINAL_PART2:
            return true;
        case schema::ExamType::INTERMEDIATE:
            return false;
    }
    return false;
}

decision
decide(const state& s, const schedule& c, const context& ctx)
{
    if (!is_staff(ctx)) {
        return not_staff();
    }
    if (!valid_text(c.occupation, k_max_name)) {
        return invalid("validation.occupation", "the occupation is required");
    }
    auto day = parse_date(c.date);
    if (!day) {
        return invalid("validation.date", "the date must be YYYY-MM-DD");
    }
    if (!valid_text(c.location, k_max_name)) {
        return invalid("validation.location", "the location is required");
    }
    if (!valid_text(c.name, k_max_name)) {
        return invalid("validation.name", "the name is required");
    }
    std::optional<date> deadline;
    if (!c.proposal_deadline.empty()) {
        deadline = parse_date(c.proposal_deadline);
        if (!deadline) {
            return invalid("validation.proposal_deadline",
                           "the proposal deadline must be YYYY-MM-DD");
        }
        if (*deadline >= *day) {
            return invalid("exam.deadline_not_before_date",
                           "the proposal deadline must lie before the exam date");
        }
    }
    auto occupation = std::string(trim(c.occupation));
    auto location = std::string(trim(c.location));
    auto name = std::string(trim(c.name));
    if (s.exists) {
        bool same = s.occupation == occupation && s.type == c.type && s.day == *day &&
                    s.location == location && s.name == name && s.proposal_deadline == deadline;
        if (same) {
            return no_events();
        }
        return reject("exam.already_scheduled", "the exam is already scheduled");
    }
    if (*day < day_of(ctx.now)) {
        return reject("exam.date_in_past", "the exam date lies in the past");
    }
    return one_event([&](schema::Event::Builder e) {
        auto ev = e.initExam().initScheduled();
        ev.setOccupation(occupation);
        ev.setType(c.type);
        ev.setDate(format_date(*day));
        ev.setLocation(location);
        ev.setName(name);
        ev.setProposalDeadline(deadline ? format_date(*deadline) : std::string());
    });
}

decision
decide(const state& s, const register_contract& c, const context& ctx)
{
    if (!s.exists) {
        return not_found();
    }
    if (trim(c.registration_id).empty()) {
        return invalid("validation.registration_id", "the registration id is required");
    }
    if (trim(c.contract_id).empty()) {
        return invalid("validation.contract_id", "the contract id is required");
    }
    const auto& contract = ctx.contract;
    if (!contract.exists) {
        return missing("exam.contract_not_found", "no such contract");
    }
    if (!is_staff(ctx) && !acts_for_company(ctx, contract.company_id)) {
        return forbid("exam.not_allowed",
                      "only the contract's company or chamber staff may register it");
    }
    if (const auto* same = find(s, c.registration_id); same != nullptr) {
        if (same->contract_id == c.contract_id) {
            return no_events();
        }
        return reject("exam.registration_id_taken", "the registration id is taken");
    }
    if (s.cancelled) {
        return cancelled();
    }
    if (day_of(ctx.now) > s.day) {
        return reject("exam.registration_closed", "the exam date has passed");
    }
    if (!contract.active) {
        return reject("exam.contract_not_active", "the contract is not running");
    }
    if (contract.occupation != s.occupation) {
        return reject("exam.occupation_mismatch",
                      "the contract's occupation differs from the exam's");
    }
    if (active_registration_of_contract(s, c.contract_id) != nullptr) {
        return reject("exam.already_registered", "the contract is already registered");
    }
    return one_event([&](schema::Event::Builder e) {
        auto ev = e.initExam().initRegistered();
        ev.setRegistrationId(c.registration_id);
        ev.setContractId(c.contract_id);
        ev.setCompanyId(contract.company_id);
        ev.setTraineeName(contract.trainee_name);
        ev.setTraineeAccountId(contract.trainee_account_id);
    });
}

decision
decide(const state& s, const admit& c, const context& ctx)
{
    if (!is_staff(ctx)) {
        return not_staff();
    }
    if (!s.exists) {
        return not_found();
    }
    const auto* reg = find(s, c.registration_id);
    if (reg == nullptr) {
        return registration_not_found();
    }
    if (s.cancelled) {
        return cancelled();
    }
    switch (reg->status) {
        case registration_status::admitted:
            return no_events();
        case registration_status::withdrawn:
            return reject("exam.registration_withdrawn", "the registration was withdrawn");
        case registration_status::refused:
            return reject("exam.already_decided", "the registration was refused");
        case registration_status::registered:
            break;
    }
    if (is_final_type(s.type) && ctx.records.form == schema::RecordForm::ELECTRONIC &&
        ctx.records.past_periods_not_approved > 0) {
        return reject("exam.records_incomplete",
                      "not all past training records of the contract are approved");
    }
    return one_event([&](schema::Event::Builder e) {
        e.initExam().initAdmitted().setRegistrationId(c.registration_id);
    });
}

decision
decide(const state& s, const refuse& c, const context& ctx)
{
    if (!is_staff(ctx)) {
        return not_staff();
    }
    if (!s.exists) {
        return not_found();
    }
    const auto* reg = find(s, c.registration_id);
    if (reg == nullptr) {
        return registration_not_found();
    }
    if (!valid_text(c.reason, k_max_text)) {
        return invalid("exam.reason_required", "a refusal needs a reason");
    }
    auto reason = std::string(trim(c.reason));
    if (s.cancelled) {
        return cancelled();
    }
    switch (reg->status) {
        case registration_status::refused:
            if (reg->refusal_reason == reason) {
                return no_events();
            }
            return reject("exam.already_decided", "the registration was refused already");
        case registration_status::withdrawn:
            return reject("exam.registration_withdrawn", "the registration was withdrawn");
        case registration_status::admitted:
            return reject("exam.already_decided", "the registration was admitted");
        case registration_status::registered:
            break;
    }
    return one_event([&](schema::Event::Builder e) {
        auto ev = e.initExam().initRefused();
        ev.setRegistrationId(c.registration_id);
        ev.setReason(reason);
    });
}

decision
decide(const state& s, const record_result& c, const context& ctx)
{
    if (!is_staff(ctx)) {
        return not_staff();
    }
    if (!s.exists) {
        return not_found();
    }
    const auto* reg = find(s, c.registration_id);
    if (reg == nullptr) {
        return registration_not_found();
    }
    if (c.parts.empty()) {
        return invalid("exam.parts_required", "a result needs at least one part");
    }
    std::vector<result_part> parts;
    std::vector<unsigned> points;
    for (const auto& part : c.parts) {
        if (!valid_text(part.name, k_max_name)) {
            return invalid("exam.part_name_required", "every part needs a name");
        }
        auto name = std::string(trim(part.name));
        bool duplicate = std::any_of(
          parts.begin(), parts.end(), [&](const result_part& p) { return p.name == name; });
        if (duplicate) {
            return invalid("exam.duplicate_part", "a part is named twice: " + name);
        }
        if (part.points > 100) {
            return invalid("exam.points_out_of_range", "points must lie between 0 and 100");
        }
        parts.push_back({ name, part.points });
        points.push_back(part.points);
    }
    if (s.cancelled) {
        return cancelled();
    }
    if (day_of(ctx.now) < s.day) {
        return reject("exam.not_yet_held", "the exam has not been held yet");
    }
    if (reg->status != registration_status::admitted) {
        return reject("exam.not_admitted", "only admitted registrations get results");
    }
    if (reg->result == result_status::final && !c.final) {
        return reject("exam.result_already_final",
                      "a final result cannot be replaced by a preliminary one");
    }
    auto total = rounded_mean(points);
    auto grade = grade_for(total, ctx.grade_table);
    if (!grade) {
        return reject("exam.grade_table_invalid", "the chamber's grade table is not usable");
    }
    auto status = c.final ? result_status::final : result_status::preliminary;
    if (reg->result == status && reg->parts == parts) {
        return no_events();
    }
    return one_event([&](schema::Event::Builder e) {
        auto ev = e.initExam().initResultRecorded();
        ev.setRegistrationId(c.registration_id);
        auto list = ev.initParts(static_cast<unsigned>(parts.size()));
        for (unsigned i = 0; i < parts.size(); ++i) {
            list[i].setName(parts[i].name);
            list[i].setPoints(static_cast<std::uint8_t>(parts[i].points));
        }
        ev.setTotalPoints(static_cast<std::uint8_t>(total));
        ev.setGrade(static_cast<std::uint8_t>(*grade));
        ev.setFinal(c.final);
    });
}

decision
decide(const state& s, const publish_results&, const context& ctx)
{
    if (!is_staff(ctx)) {
        return not_staff();
    }
    if (!s.exists) {
        return not_found();
    }
    std::vector<std::string> ids;
    for (const auto& r : s.registrations) {
        if (r.result != result_status::none && !r.published) {
            ids.push_back(r.id);
        }
    }
    if (ids.empty()) {
        return no_events();
    }
    return one_event([&](schema::Event::Builder e) {
        auto list = e.initExam().initResultsPublished().initRegistrationIds(
          static_cast<unsigned>(ids.size()));
        for (unsigned i = 0; i < ids.size(); ++i) {
            list.set(i, ids[i]);
        }
    });
}

decision
decide(const state& s, const withdraw_registration& c, const context& ctx)
{
    if (!s.exists) {
        return not_found();
    }
    const auto* reg = find(s, c.registration_id);
    if (reg == nullptr) {
        return registration_not_found();
    }
    if (!is_staff(ctx) && !acts_for_company(ctx, reg->company_id)) {
        return forbid("exam.not_allowed",
                      "only the contract's company or chamber staff may withdraw it");
    }
    if (reg->status == registration_status::withdrawn) {
        return no_events();
    }
    if (s.cancelled) {
        return cancelled();
    }
    if (reg->result != result_status::none) {
        return reject("exam.result_recorded", "the registration already has a result");
    }
    return one_event([&](schema::Event::Builder e) {
        auto ev = e.initExam().initRegistrationWithdrawn();
        ev.setRegistrationId(c.registration_id);
        ev.setReason(std::string(trim(c.reason)));
    });
}

decision
decide(const state& s, const cancel& c, const context& ctx)
{
    if (!is_staff(ctx)) {
        return not_staff();
    }
    if (!s.exists) {
        return not_found();
    }
    if (s.cancelled) {
        return no_events();
    }
    if (!valid_text(c.reason, k_max_text)) {
        return invalid("exam.reason_required", "a cancellation needs a reason");
    }
    bool has_results =
      std::any_of(s.registrations.begin(), s.registrations.end(), [](const registration& r) {
          return r.result != result_status::none;
      });
    if (has_results) {
        return reject("exam.result_recorded", "results are recorded for this exam");
    }
    return one_event([&](schema::Event::Builder e) {
        e.initExam().initCancelled().setReason(std::string(trim(c.reason)));
    });
}

state
evolve(state s, schema::ExamEvent::Reader event)
{
    switch (event.which()) {
        case schema::ExamEvent::SCHEDULED: {
            auto ev = event.getScheduled();
            s.exists = true;
            s.occupation = str(ev.getOccupation());
            s.type = ev.getType();
            s.day = parse_date(str(ev.getDate())).value_or(date{});
            s.location = str(ev.getLocation());
            s.name = str(ev.getName());
            s.proposal_deadline = parse_date(str(ev.getProposalDeadline()));
            break;
        }
        case schema::ExamEvent::REGISTERED: {
            auto ev = event.getRegistered();
            registration r;
            r.id = str(ev.getRegistrationId());
            r.contract_id = str(ev.getContractId());
            r.company_id = str(ev.getCompanyId());
            r.trainee_name = str(ev.getTraineeName());
            r.trainee_account_id = str(ev.getTraineeAccountId());
            s.registrations.push_back(std::move(r));
            break;
        }
        case schema::ExamEvent::ADMITTED:
            if (auto* r = find(s, str(event.getAdmitted().getRegistrationId()))) {
                r->status = registration_status::admitted;
            }
            break;
        case schema::ExamEvent::REFUSED: {
            auto ev = event.getRefused();
            if (auto* r = find(s, str(ev.getRegistrationId()))) {
                r->status = registration_status::refused;
                r->refusal_reason = str(ev.getReason());
            }
            break;
        }
        case schema::ExamEvent::RESULT_RECORDED: {
            auto ev = event.getResultRecorded();
            if (auto* r = find(s, str(ev.getRegistrationId()))) {
                r->parts.clear();
                for (auto part : ev.getParts()) {
                    r->parts.push_back({ str(part.getName()), part.getPoints() });
                }
                r->total_points = ev.getTotalPoints();
                r->grade = ev.getGrade();
                r->result = ev.getFinal() ? result_status::final : result_status::preliminary;
                r->published = false;
            }
            break;
        }
        case schema::ExamEvent::RESULTS_PUBLISHED:
            for (auto id : event.getResultsPublished().getRegistrationIds()) {
                if (auto* r = find(s, str(id))) {
                    r->published = true;
                }
            }
            break;
        case schema::ExamEvent::REGISTRATION_WITHDRAWN:
            if (auto* r = find(s, str(event.getRegistrationWithdrawn().getRegistrationId()))) {
                r->status = registration_status::withdrawn;
            }
            break;
        case schema::ExamEvent::CANCELLED:
            s.cancelled = true;
            s.cancel_reason = str(event.getCancelled().getReason());
            break;
    }
    return s;
}

state
evolve(state s, schema::Event::Reader event)
{
    if (event.which() != schema::Event::EXAM) {
        return s;
    }
    return evolve(std::move(s), event.getExam());
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

std::optional<registration_view>
registration_status_of(const state& s, std::string_view registration_id)
{
    const auto* r = find(s, registration_id);
    if (r == nullptr) {
        return std::nullopt;
    }
    return registration_view{ r->status, r->result, r->published };
}

const registration*
active_registration_of_contract(const state& s, std::string_view contract_id)
{
    for (const auto& r : s.registrations) {
        if (r.contract_id == contract_id && r.status != registration_status::withdrawn) {
            return &r;
        }
    }
    return nullptr;
}

std::string_view
to_string(registration_status s) noexcept
{
    switch (s) {
        case registration_status::registered:
            return "registered";
        case registration_status::admitted:
            return "admitted";
        case registration_status::refused:
            return "refused";
        case registration_status::withdrawn:
            return "withdrawn";
    }
    return "registered";
}

std::string_view
to_string(result_status s) noexcept
{
    switch (s) {
        case result_status::none:
            return "none";
        case result_status::preliminary:
            return "preliminary";
        case result_status::final:
            return "final";
    }
    return "none";
}

std::string
stream_id(std::string_view exam_id)
{
    return "exam-" + std::string(exam_id);
}

std::string
partition_key(std::string_view exam_id)
{
    return "exam-" + std::string(exam_id);
}

} // namespace portal::domain::exam
