// Exams (Prüfungstermine): scheduling (staff), the exam schedule,
// registrations of contracts (their company or staff), admission or
// refusal, results and their publication (staff), and the trainee's own
// exams.
//
// Who sees what in `GET /api/v1/exams`: every signed-in account sees the
// dates (occupation, type, date, location, name, status, deadline);
// registrations (trainee names, admissions, results) only chamber staff and
// auditors, and examiners for the exam dates they are assigned to; the
// assigned examiners' account ids only chamber staff and auditors. A
// company sees its own participants under `/companies/{id}/exams`.

#include "app/accounts.hpp"
#include "app/records.hpp"
#include "http/api.hpp"
#include "http/authz.hpp"
#include "portal/events/message.hpp"
#include "portal/projections/read_models.hpp"

#include <fmt/format.h>

namespace portal::gateway {

namespace {

using events::role;
namespace exam = domain::exam;

/// The name of an exam date when the request gives none, e.g.
/// "Abschlussprüfung Teil 1 Mechatroniker/-in 2027-05-10".
std::string
default_name(schema::ExamType type, std::string_view occupation, date day)
{
    std::string_view kind = "Zwischenprüfung";
    switch (type) {
        case schema::ExamType::INTERMEDIATE:
            kind = "Zwischenprüfung";
            break;
        case schema::ExamType::FINAL:
            kind = "Abschlussprüfung";
            break;
        case schema::ExamType::FINAL_PART1:
            kind = "Abschlussprüfung Teil 1";
            break;
        case schema::ExamType::FINAL_PART2:
            kind = "Abschlussprüfung Teil 2";
            break;
    }
    auto name = fmt::format("{} {} {}", kind, occupation, format_date(day));
    // Keep within the aggregate's limit for names (200 code points) even
    // for a long occupation: cut at a character boundary.
    constexpr std::size_t k_max_bytes = 200;
    if (name.size() > k_max_bytes) {
        auto cut = k_max_bytes;
        while (cut > 0 && (static_cast<unsigned char>(name[cut]) & 0xC0U) == 0x80U) {
            --cut;
        }
        name.resize(cut);
    }
    return name;
}

bool
contains_text(const boost::json::value* list, std::string_view text)
{
    if (list == nullptr || !list->is_array()) {
        return false;
    }
    for (const auto& x : list->as_array()) {
        if (x.is_string() && x.as_string() == text) {
            return true;
        }
    }
    return false;
}

// --- handlers ---------------------------------------------------------------

/// `{occupation, type, date, location, name?, proposalDeadline?}` -> 201.
reply
schedule(api& a, call& c)
{
    auto v = a.viewer_of(c);
    if (!v) {
        return error_response(v.error());
    }
    auto in = input::parse(c.req);
    if (!in) {
        return in.error();
    }
    auto occupation = in->text("occupation", required, 200);
    auto type =
      in->one_of("type", required, { "intermediate", "final", "final_part1", "final_part2" });
    auto day = in->day("date", required);
    auto location = in->text("location", required, 200);
    auto name = in->text("name", optional, 200);
    auto deadline = in->day("proposalDeadline", optional);
    if (auto bad = in->finish()) {
        return *bad;
    }
    // Staff only: the aggregate refuses anybody else (`exam.not_staff`).
    auto meta = a.meta(c, *v, { role::staff });
    if (!meta) {
        return error_response(meta.error());
    }
    exam::schedule command;
    command.occupation = *occupation;
    command.type = *events::enum_value<schema::ExamType>(*type);
    command.date = format_date(*day);
    command.location = *location;
    command.name = name ? *name : default_name(command.type, command.occupation, *day);
    command.proposal_deadline = deadline ? format_date(*deadline) : std::string{};
    auto id = a.new_id(c);
    auto done = app::schedule_exam(a.services(), *meta, id, command);
    return a.written("exam.schedule", done, id, http::status::created);
}

/// `?occupation=&from=&to=` (dates inclusive) -> the exam dates (see the
/// file comment for what each viewer sees).
reply
list(api& a, call& c)
{
    auto v = a.viewer_of(c);
    if (!v) {
        return error_response(v.error());
    }
    std::vector<field_error> bad;
    auto from = c.query_param("from");
    auto to = c.query_param("to");
    if (from && !from->empty() && !parse_date(*from)) {
        bad.push_back({ "from", "validation.date" });
    }
    if (to && !to->empty() && !parse_date(*to)) {
        bad.push_back({ "to", "validation.date" });
    }
    if (!bad.empty()) {
        return validation_problem(std::move(bad));
    }
    if (auto waited = a.await_position(c); !waited) {
        return error_response(waited.error());
    }
    auto exams = projections::exam_schedule(a.store(), c.query_param("occupation"), from, to);
    if (!exams) {
        return error_response(exams.error());
    }
    bool chamber = v->has_role(role::staff) || v->has_role(role::auditor);
    bool examiner = v->has_role(role::examiner);
    for (auto& x : *exams) {
        auto& o = x.as_object();
        o["id"] = o["examId"];
        if (chamber) {
            continue;
        }
        if (!(examiner && contains_text(o.if_contains("examinerAccountIds"), v->account_id))) {
            o.erase("registrations");
        }
        o.erase("examinerAccountIds");
    }
    return a.page_reply(c, std::move(*exams));
}

/// `{contractId}` -> 201 with the new registration's id. A company (or its
/// representative) acts for the contract's company when it may; the
/// aggregate decides whether the actor may register at all.
reply
register_contract(api& a, call& c)
{
    auto v = a.viewer_of(c);
    if (!v) {
        return error_response(v.error());
    }
    auto in = input::parse(c.req);
    if (!in) {
        return in.error();
    }
    auto contract_id = in->text("contractId", required, 100);
    if (auto bad = in->finish()) {
        return *bad;
    }
    auto meta = a.meta(c, *v, { role::company, role::representative, role::staff });
    if (!meta) {
        return error_response(meta.error());
    }
    // The exam aggregate trusts `on_behalf_of_company_id`: it must be a
    // company the viewer really acts for, so the header alone proves
    // nothing. A company actor acts for the contract's company when the
    // viewer may (authz), else for none.
    if (meta->actor.acting_as == role::company || meta->actor.acting_as == role::representative) {
        auto contract = app::load_contract(a.services(), *contract_id);
        if (!contract) {
            return error_response(contract.error());
        }
        std::string behalf;
        if (contract->state.exists) {
            auto acts = authz::acts_for_company(a, *v, contract->state.company_id);
            if (!acts) {
                return error_response(acts.error());
            }
            if (*acts) {
                behalf = contract->state.company_id;
            }
        }
        meta->actor.on_behalf_of_company_id = behalf;
    }
    auto registration_id = a.new_id(c);
    auto done =
      app::register_for_exam(a.services(), *meta, c.param("id"), { registration_id, *contract_id });
    return a.written("exam.register", done, registration_id, http::status::created);
}

/// `{admitted, reason?}`: admits, or refuses with the reason (staff).
reply
admission(api& a, call& c)
{
    auto v = a.viewer_of(c);
    if (!v) {
        return error_response(v.error());
    }
    auto in = input::parse(c.req);
    if (!in) {
        return in.error();
    }
    auto admitted = in->boolean("admitted", required);
    // A missing reason for a refusal is the aggregate's rule
    // (`exam.reason_required`).
    auto reason = in->long_text("reason", optional);
    if (auto bad = in->finish()) {
        return *bad;
    }
    auto meta = a.meta(c, *v, { role::staff });
    if (!meta) {
        return error_response(meta.error());
    }
    const auto& exam_id = c.param("id");
    const auto& registration_id = c.param("regId");
    if (*admitted) {
        auto done = app::admit_to_exam(a.services(), *meta, exam_id, { registration_id });
        return a.written("exam.admit", done, registration_id);
    }
    auto done =
      app::refuse_admission(a.services(), *meta, exam_id, { registration_id, reason.value_or("") });
    return a.written("exam.refuse", done, registration_id);
}

/// `{parts: [{name, points}], final}` (staff).
reply
record_result(api& a, call& c)
{
    auto v = a.viewer_of(c);
    if (!v) {
        return error_response(v.error());
    }
    auto in = input::parse(c.req);
    if (!in) {
        return in.error();
    }
    auto parts = in->objects("parts", required, 50);
    auto final = in->boolean("final", required);
    exam::record_result command;
    if (parts) {
        for (auto& p : *parts) {
            auto name = p.text("name", required, 200);
            // 0..100 is the aggregate's rule (`exam.points_out_of_range`).
            auto points = p.integer("points", required, 0, 1000000);
            if (name && points) {
                command.parts.push_back({ *name, static_cast<unsigned>(*points) });
            }
        }
    }
    if (auto bad = in->finish()) {
        return *bad;
    }
    auto meta = a.meta(c, *v, { role::staff });
    if (!meta) {
        return error_response(meta.error());
    }
    command.registration_id = c.param("regId");
    command.final = *final;
    auto done = app::record_exam_result(a.services(), *meta, c.param("id"), command);
    return a.written("exam.record_result", done, command.registration_id);
}

/// Publishes every recorded, unpublished result of the exam (staff).
reply
publish(api& a, call& c)
{
    auto v = a.viewer_of(c);
    if (!v) {
        return error_response(v.error());
    }
    auto in = input::parse(c.req);
    if (!in) {
        return in.error();
    }
    if (auto bad = in->finish()) {
        return *bad;
    }
    auto meta = a.meta(c, *v, { role::staff });
    if (!meta) {
        return error_response(meta.error());
    }
    const auto& id = c.param("id");
    auto done = app::publish_exam_results(a.services(), *meta, id);
    return a.written("exam.publish", done, id);
}

/// The trainee's exams over all their contracts: `{examId, registrationId,
/// contractId, name, type, date, occupation, location, status, result?}`
/// (results once published).
reply
my_exams(api& a, call& c)
{
    auto v = a.viewer_of(c, { role::trainee });
    if (!v) {
        return error_response(v.error());
    }
    if (auto waited = a.await_position(c); !waited) {
        return error_response(waited.error());
    }
    auto view = projections::trainee_view(a.store(), v->account_id, day_of(c.now));
    if (!view) {
        return error_response(view.error());
    }
    boost::json::array items;
    if (auto* contracts = view->if_contains("contracts"); contracts != nullptr) {
        for (auto& entry : contracts->as_array()) {
            auto* exams = entry.as_object().if_contains("exams");
            if (exams == nullptr || !exams->is_array()) {
                continue;
            }
            for (auto& x : exams->as_array()) {
                items.push_back(std::move(x));
            }
        }
    }
    return a.page_reply(c, std::move(items));
}

} // namespace

void
add_exam_routes(router& r)
{
    using http::verb;
    r.add(verb::post, "/api/v1/exams", access::authenticated, schedule);
    r.add(verb::get, "/api/v1/exams", access::authenticated, list);
    r.add(verb::post, "/api/v1/exams/{id}/registrations", access::authenticated, register_contract);
    r.add(verb::post,
          "/api/v1/exams/{id}/registrations/{regId}/admission",
          access::authenticated,
          admission);
    r.add(verb::put,
          "/api/v1/exams/{id}/registrations/{regId}/result",
          access::authenticated,
          record_result);
    r.add(verb::post, "/api/v1/exams/{id}/publish", access::authenticated, publish);
    r.add(verb::get, "/api/v1/me/exams", access::authenticated, my_exams);
}

} // namespace portal::gateway
