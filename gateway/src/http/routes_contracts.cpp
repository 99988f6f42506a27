// Contracts (Ausbildungsverhältnisse): registration by chamber staff, the
// contract's master data for those related to it, and its changes (trainer,
// record form, end), which the contract aggregate allows chamber staff only.

#include "access_grant/access_grant.hpp"
#include "app/accounts.hpp"
#include "http/api.hpp"
#include "http/authz.hpp"
#include "portal/projections/read_models.hpp"

#include <fmt/format.h>

#include <charconv>

namespace portal::gateway {

namespace {

using events::role;

reply
contract_not_found()
{
    return problem(http::status::not_found, "contract.not_found", "no such contract");
}

std::optional<schema::RecordForm>
record_form_of(const std::optional<std::string>& name)
{
    if (!name) {
        return std::nullopt;
    }
    return *name == "paper" ? schema::RecordForm::PAPER : schema::RecordForm::ELECTRONIC;
}

/// A trainee number (Azubinummer): the start year and ten digits from the
/// random bits of the contract's id (a UUIDv7; its last 48 bits are random).
/// Numbers are never looked up (a password reset compares a number with the
/// trainee's own contracts), so the rare equal number does no harm.
std::string
trainee_number_for(std::string_view contract_id, date start)
{
    std::uint64_t bits = 0;
    auto tail = contract_id.substr(contract_id.size() >= 12 ? contract_id.size() - 12 : 0);
    std::from_chars(tail.data(), tail.data() + tail.size(), bits, 16);
    return fmt::format("{}{:010}", static_cast<int>(start.year()), bits % 10'000'000'000ULL);
}

/// Checks that the viewer sees contract `id`; the reply on failure.
std::optional<reply>
check_visible(api& a, const call& c, const viewer& v, std::string_view id)
{
    auto rel = authz::relation_to_contract(a, v, id, c.now);
    if (!rel) {
        return error_response(rel.error());
    }
    if (!rel->sees_contract()) {
        return contract_not_found();
    }
    return std::nullopt;
}

reply
register_contract(api& a, call& c)
{
    auto v = a.viewer_of(c, { role::staff });
    if (!v) {
        return error_response(v.error());
    }
    auto in = input::parse(c.req);
    if (!in) {
        return in.error();
    }
    auto company_id = in->text("companyId", required, 200);
    auto trainee = in->object("trainee", required);
    std::optional<std::string> name, email;
    std::optional<date> birth_date;
    if (trainee) {
        name = trainee->text("name", required, 200);
        birth_date = trainee->day("birthDate", required);
        email = trainee->email("email", optional);
    }
    auto occupation = in->text("occupation", required, 200);
    auto start = in->day("start", required);
    auto end = in->day("end", required);
    auto form = in->one_of("recordForm", required, { "paper", "electronic" });
    auto trainer_ids = in->texts("trainerIds", required, 20, 200);
    if (auto bad = in->finish()) {
        return *bad;
    }
    auto meta = a.meta(c, *v, { role::staff });
    if (!meta) {
        return error_response(meta.error());
    }
    auto id = a.new_id(c);
    domain::contract::register_contract command;
    command.company_id = *company_id;
    command.trainee = { *name, format_date(*birth_date), email.value_or("") };
    command.trainee_number = trainee_number_for(id, *start);
    command.occupation = *occupation;
    command.start = format_date(*start);
    command.end = format_date(*end);
    command.record_form = *record_form_of(form);
    command.trainer_ids = *trainer_ids;
    auto done = app::register_contract(a.services(), *meta, id, command);
    if (done && done->duplicate && done->stream.starts_with("contract-")) {
        // A repeated Idempotency-Key: the contract of the first request.
        id = done->stream.substr(std::string_view("contract-").size());
    }
    auto res = a.written("contract.register", done, id, http::status::created);
    if (done) {
        // The trainee number is generated here: the caller learns it at once.
        auto body = boost::json::parse(res.res.body()).as_object();
        auto stored = app::load_contract(a.services(), id);
        body["traineeNumber"] = stored ? stored->state.trainee_number : command.trainee_number;
        res.res.body() = boost::json::serialize(body);
        res.res.prepare_payload();
    }
    return res;
}

reply
get_contract(api& a, call& c)
{
    auto v = a.viewer_of(c);
    if (!v) {
        return error_response(v.error());
    }
    const auto& id = c.param("id");
    auto rel = authz::relation_to_contract(a, *v, id, c.now);
    if (!rel) {
        return error_response(rel.error());
    }
    if (!rel->sees_contract()) {
        return contract_not_found();
    }
    if (auto waited = a.await_position(c); !waited) {
        return error_response(waited.error());
    }
    auto contract = projections::contract(a.store(), id, day_of(c.now));
    if (!contract) {
        return error_response(contract.error());
    }
    if (rel->trainee || rel->staff) {
        // The trainee's access grant for chamber staff (from the committed
        // state): whether it runs now and until when.
        auto grant = domain::load<domain::access_grant::state>(a.services().log,
                                                               domain::access_grant::stream_id(id));
        if (!grant) {
            return error_response(grant.error());
        }
        bool active = domain::access_grant::active(grant->state, c.now);
        boost::json::object access{ { "active", active } };
        access["expiresAt"] = active ? boost::json::value(format_rfc3339(grant->state.expires_at))
                                     : boost::json::value(nullptr);
        (*contract)["accessGrant"] = std::move(access);
    }
    return ok_json(*contract);
}

reply
change_trainer(api& a, call& c)
{
    auto v = a.viewer_of(c);
    if (!v) {
        return error_response(v.error());
    }
    const auto& id = c.param("id");
    if (auto hidden = check_visible(a, c, *v, id)) {
        return std::move(*hidden);
    }
    auto in = input::parse(c.req);
    if (!in) {
        return in.error();
    }
    auto trainer_id = in->text("trainerId", required, 200);
    if (auto bad = in->finish()) {
        return *bad;
    }
    auto meta = a.meta(c, *v, { role::staff });
    if (!meta) {
        return error_response(meta.error());
    }
    auto done = app::change_contract_trainers(a.services(), *meta, id, { { *trainer_id } });
    return a.written("contract.change_trainers", done, id);
}

reply
change_record_form(api& a, call& c)
{
    auto v = a.viewer_of(c);
    if (!v) {
        return error_response(v.error());
    }
    const auto& id = c.param("id");
    if (auto hidden = check_visible(a, c, *v, id)) {
        return std::move(*hidden);
    }
    auto in = input::parse(c.req);
    if (!in) {
        return in.error();
    }
    auto form = in->one_of("form", required, { "paper", "electronic" });
    if (auto bad = in->finish()) {
        return *bad;
    }
    auto meta = a.meta(c, *v, { role::staff });
    if (!meta) {
        return error_response(meta.error());
    }
    auto done = app::change_record_form(a.services(), *meta, id, { *record_form_of(form) });
    return a.written("contract.change_record_form", done, id);
}

/// `{start, end}`: chamber staff change the contract's dates (e.g. an
/// extension of the training). Errors: the aggregate's
/// (`contract.end_not_after_start`, `contract.ended`).
reply
change_dates(api& a, call& c)
{
    auto v = a.viewer_of(c);
    if (!v) {
        return error_response(v.error());
    }
    const auto& id = c.param("id");
    if (auto hidden = check_visible(a, c, *v, id)) {
        return std::move(*hidden);
    }
    auto in = input::parse(c.req);
    if (!in) {
        return in.error();
    }
    auto start = in->day("start", required);
    auto end = in->day("end", required);
    if (auto bad = in->finish()) {
        return *bad;
    }
    auto meta = a.meta(c, *v, { role::staff });
    if (!meta) {
        return error_response(meta.error());
    }
    auto done = app::change_contract_dates(
      a.services(), *meta, id, { format_date(*start), format_date(*end) });
    return a.written("contract.change_dates", done, id);
}

reply
end_contract(api& a, call& c)
{
    auto v = a.viewer_of(c);
    if (!v) {
        return error_response(v.error());
    }
    const auto& id = c.param("id");
    if (auto hidden = check_visible(a, c, *v, id)) {
        return std::move(*hidden);
    }
    auto in = input::parse(c.req);
    if (!in) {
        return in.error();
    }
    auto day = in->day("date", required);
    auto reason = in->one_of("reason", required, { "regular", "terminated", "other" });
    auto note = in->long_text("note", optional);
    if (auto bad = in->finish()) {
        return *bad;
    }
    auto meta = a.meta(c, *v, { role::staff });
    if (!meta) {
        return error_response(meta.error());
    }
    domain::contract::end_contract command;
    command.date = format_date(*day);
    command.reason = *reason == "regular"      ? schema::EndReason::REGULAR
                     : *reason == "terminated" ? schema::EndReason::TERMINATED
                                               : schema::EndReason::OTHER;
    command.note = note.value_or("");
    auto done = app::end_contract(a.services(), *meta, id, command);
    return a.written("contract.end", done, id);
}

/// `{reason}`: chamber staff erase the trainee's personal data of an ended
/// contract when its retention ends (DOMAIN.md, data protection). The log
/// destroys the trainee's key (`contract-<id>`); the read models keep the
/// contract's ids, dates and status and drop the trainee's name, birth date
/// and e-mail. Again: 200 without events. Errors: the aggregate's
/// (`contract.staff_only` 403, `contract.still_running` 422,
/// `validation.reason` 400); 404 for a contract the viewer does not see.
reply
erase_personal_data(api& a, call& c)
{
    auto v = a.viewer_of(c);
    if (!v) {
        return error_response(v.error());
    }
    const auto& id = c.param("id");
    if (auto hidden = check_visible(a, c, *v, id)) {
        return std::move(*hidden);
    }
    auto input = erasure_input(a, c, *v);
    if (!input) {
        return std::move(input.error());
    }
    auto done =
      app::erase_contract_personal_data(a.services(), input->first, id, { input->second });
    return a.written("contract.erase_personal_data", done, id);
}

} // namespace

void
add_contract_routes(router& r)
{
    using http::verb;
    const auto auth = access::authenticated;
    r.add(verb::post, "/api/v1/contracts", auth, register_contract);
    r.add(verb::get, "/api/v1/contracts/{id}", auth, get_contract);
    r.add(verb::put, "/api/v1/contracts/{id}/trainer", auth, change_trainer);
    r.add(verb::put, "/api/v1/contracts/{id}/record-form", auth, change_record_form);
    r.add(verb::put, "/api/v1/contracts/{id}/dates", auth, change_dates);
    r.add(verb::post, "/api/v1/contracts/{id}/end", auth, end_contract);
    r.add(verb::post, "/api/v1/contracts/{id}/erase", auth, erase_personal_data);
}

} // namespace portal::gateway
