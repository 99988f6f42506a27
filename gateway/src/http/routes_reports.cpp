// Training records (Ausbildungsnachweise): drafting, editing (conditional
// with If-Match), submitting, approving and rejecting one record or many,
// the record read model (also as of a past time), a contract's records with
// missing periods, the records waiting for the caller's decision and a
// record's history.
//
// Content mapping: the API speaks hours (decimals allowed, e.g. 7.5), the
// aggregate stores minutes (rounded to the nearest minute). An absence
// without `hours` (or with 0) takes the whole day.

#include "app/records.hpp"
#include "http/api.hpp"
#include "http/authz.hpp"
#include "portal/events/message.hpp"
#include "portal/projections/read_models.hpp"
#include "state_json.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <map>
#include <set>
#include <utility>

namespace portal::gateway {

namespace {

using events::role;
namespace report = domain::report;

/// The most hours one entry or absence may claim in a request (the
/// aggregate applies its own, tighter rules).
constexpr double k_max_hours = 1000.0;

/// The string field `key` of `o` ("" when missing or not a string).
std::string
text_of(const boost::json::object& o, std::string_view key)
{
    const auto* v = o.if_contains(key);
    return v != nullptr && v->is_string() ? std::string(v->as_string()) : std::string{};
}

reply
report_not_found()
{
    return problem(http::status::not_found, "report.not_found", "no such training record");
}

std::uint32_t
minutes_of(double hours)
{
    return static_cast<std::uint32_t>(std::lround(hours * 60.0));
}

/// Hours of `minutes` as JSON: an integer when whole.
boost::json::value
hours_json(std::int64_t minutes)
{
    if (minutes % 60 == 0) {
        return minutes / 60;
    }
    return static_cast<double>(minutes) / 60.0;
}

/// `period`: `{kind: "week", year, week}` or `{kind: "day", date}`.
std::optional<report::record_period>
read_period(input& in)
{
    auto p = in.object("period", required);
    if (!p) {
        return std::nullopt;
    }
    auto kind = p->one_of("kind", required, { "week", "day" });
    if (!kind) {
        // Read the other fields so they are not reported as unknown too.
        (void)p->integer("year", optional, 0, 9999);
        (void)p->integer("week", optional, 0, 99);
        (void)p->day("date", optional);
        return std::nullopt;
    }
    report::record_period out;
    if (*kind == "week") {
        auto year = p->integer("year", required, 1900, 9999);
        auto week = p->integer("week", required, 1, 53);
        if (!year || !week) {
            return std::nullopt;
        }
        out.kind = schema::PeriodKind::WEEK;
        out.week = iso_week{ static_cast<int>(*year), static_cast<unsigned>(*week) };
        return out;
    }
    auto day = p->day("date", required);
    if (!day) {
        return std::nullopt;
    }
    out.kind = schema::PeriodKind::DAY;
    out.day = format_date(*day);
    return out;
}

/// The content of a record: `entries` (required) and `absences`
/// (optional, none when absent).
struct content
{
    std::vector<report::entry> entries;
    std::vector<report::absence> absences;
};

std::optional<content>
read_content(input& in)
{
    content out;
    bool ok = true;
    auto entries = in.objects("entries", required);
    if (!entries) {
        ok = false;
    } else {
        for (auto& e : *entries) {
            auto kind = e.one_of("kind", required, { "company", "instruction", "school" });
            auto text = e.long_text("text", required);
            auto hours = e.number("hours", required, 0.0, k_max_hours);
            auto day = e.day("day", optional);
            auto items = e.texts("frameworkItems", optional);
            if (!kind || !text || !hours) {
                ok = false;
                continue;
            }
            report::entry x;
            x.kind = *events::enum_value<schema::EntryKind>(*kind);
            x.text = std::move(*text);
            x.minutes = minutes_of(*hours);
            x.day = day ? format_date(*day) : std::string{};
            x.framework_items = items.value_or(std::vector<std::string>{});
            out.entries.push_back(std::move(x));
        }
    }
    auto absences = in.objects("absences", optional);
    if (absences) {
        for (auto& a : *absences) {
            auto day = a.day("date", required);
            auto kind = a.one_of("kind", required, { "vacation", "sickness", "school", "other" });
            auto hours = a.number("hours", optional, 0.0, k_max_hours);
            auto note = a.long_text("note", optional);
            if (!day || !kind) {
                ok = false;
                continue;
            }
            report::absence x;
            x.date = format_date(*day);
            x.kind = *events::enum_value<schema::AbsenceKind>(*kind);
            x.minutes = hours ? minutes_of(*hours) : 0;
            x.note = note.value_or("");
            out.absences.push_back(std::move(x));
        }
    }
    if (!ok) {
        return std::nullopt;
    }
    return out;
}

/// The record `id` when the viewer may read it (its committed state, shared
/// with the state cache, not copied: a record's texts are long); nullopt
/// when it does not exist or is not visible (answer 404).
result<std::optional<domain::shared_loaded<report::state>>>
visible_report(api& a, const viewer& v, const call& c, std::string_view id)
{
    auto current = domain::load_shared<report::state>(a.services().log, report::stream_id(id));
    if (!current) {
        return fail(current.error());
    }
    auto seen = authz::sees_record(a, v, *current->state, c.now);
    if (!seen) {
        return fail(seen.error());
    }
    if (!*seen) {
        return std::optional<domain::shared_loaded<report::state>>{};
    }
    return std::optional<domain::shared_loaded<report::state>>{ std::move(*current) };
}

/// The record document as the API shows it: the read model's with `id`,
/// and absences with `hours` too.
boost::json::object
record_json(boost::json::object doc)
{
    doc["id"] = doc["reportId"];
    if (auto* absences = doc.if_contains("absences"); absences != nullptr && absences->is_array()) {
        for (auto& a : absences->as_array()) {
            if (!a.is_object()) {
                continue;
            }
            auto& o = a.as_object();
            if (const auto* m = o.if_contains("minutes"); m != nullptr && m->is_number()) {
                o["hours"] = hours_json(m->to_number<std::int64_t>());
            }
        }
    }
    return doc;
}

// --- handlers ---------------------------------------------------------------

reply
draft(api& a, call& c)
{
    auto v = a.viewer_of(c);
    if (!v) {
        return error_response(v.error());
    }
    auto in = input::parse(c.req);
    if (!in) {
        return in.error();
    }
    auto period = read_period(*in);
    auto body = read_content(*in);
    auto year = in->integer("trainingYear", optional, 1, 99);
    if (auto bad = in->finish()) {
        return *bad;
    }
    if (!period || !body) {
        return validation_problem({ { "period", "validation.required" } });
    }
    auto meta = a.meta(c, *v, { role::trainee });
    if (!meta) {
        return error_response(meta.error());
    }
    report::draft command;
    command.contract_id = c.param("id");
    command.period = *period;
    command.training_year = static_cast<unsigned>(year.value_or(0));
    command.entries = std::move(body->entries);
    command.absences = std::move(body->absences);
    auto id = app::report_id_for(command.contract_id, command.period);
    auto done = app::draft_report(a.services(), *meta, command);
    return a.written("report.draft", done, id, http::status::created);
}

reply
get_report(api& a, call& c)
{
    auto v = a.viewer_of(c);
    if (!v) {
        return error_response(v.error());
    }
    const auto& id = c.param("id");
    auto found = visible_report(a, *v, c, id);
    if (!found) {
        return error_response(found.error());
    }
    if (!*found) {
        return report_not_found();
    }
    if (auto waited = a.await_position(c); !waited) {
        return error_response(waited.error());
    }
    if (auto as_of = c.query_param("asOf")) {
        auto t = parse_rfc3339(*as_of);
        if (!t) {
            return validation_problem({ { "asOf", "validation.time" } });
        }
        auto state = fold_stream_as_of(a.log(), report::stream_id(id), *t);
        if (!state) {
            return error_response(state.error());
        }
        return ok_json(*state);
    }
    return a.view_reply("record/" + id, [&]() -> result<cached_view> {
        auto doc = projections::record(a.store(), id);
        if (!doc) {
            return fail(std::move(doc.error()));
        }
        auto version = doc->contains("version") ? boost::json::serialize((*doc)["version"]) : "0";
        return cached_view{ boost::json::serialize(record_json(std::move(*doc))), version };
    });
}

reply
edit(api& a, call& c)
{
    auto v = a.viewer_of(c);
    if (!v) {
        return error_response(v.error());
    }
    auto expected = if_match_of(c);
    if (!expected) {
        return error_response(expected.error());
    }
    auto in = input::parse(c.req);
    if (!in) {
        return in.error();
    }
    auto body = read_content(*in);
    if (auto bad = in->finish()) {
        return *bad;
    }
    if (!body) {
        return validation_problem({ { "entries", "validation.required" } });
    }
    const auto& id = c.param("id");
    if (*expected) {
        // The version only tells the ones who may read the record.
        auto found = visible_report(a, *v, c, id);
        if (!found) {
            return error_response(found.error());
        }
        if (!*found) {
            return report_not_found();
        }
        if ((*found)->version != **expected) {
            return error_response(error{
              "report.version_mismatch",
              fmt::format(
                "the record is at version {}, not {}; reload it", (*found)->version, **expected),
              error_class::conflict });
        }
    }
    auto meta = a.meta(c, *v, { role::trainee });
    if (!meta) {
        return error_response(meta.error());
    }
    report::edit command{ std::move(body->entries), std::move(body->absences) };
    auto done = app::edit_report(a.services(), *meta, id, command);
    return a.written("report.edit", done, id);
}

reply
submit(api& a, call& c)
{
    auto v = a.viewer_of(c);
    if (!v) {
        return error_response(v.error());
    }
    auto in = input::parse(c.req);
    if (!in) {
        return in.error();
    }
    auto approver = in->email("approverEmail", required);
    if (auto bad = in->finish()) {
        return *bad;
    }
    auto meta = a.meta(c, *v, { role::trainee });
    if (!meta) {
        return error_response(meta.error());
    }
    const auto& id = c.param("id");
    auto done = app::submit_report(a.services(), *meta, id, { *approver });
    return a.written("report.submit", done, id);
}

reply
approve(api& a, call& c)
{
    auto v = a.viewer_of(c);
    if (!v) {
        return error_response(v.error());
    }
    auto in = input::parse(c.req);
    if (!in) {
        return in.error();
    }
    auto comment = in->long_text("comment", optional);
    if (auto bad = in->finish()) {
        return *bad;
    }
    auto meta = a.meta(c, *v, { role::trainer, role::supervisor });
    if (!meta) {
        return error_response(meta.error());
    }
    const auto& id = c.param("id");
    auto done = app::approve_report(a.services(), *meta, id, { comment.value_or(""), false });
    return a.written("report.approve", done, id);
}

reply
reject(api& a, call& c)
{
    auto v = a.viewer_of(c);
    if (!v) {
        return error_response(v.error());
    }
    auto in = input::parse(c.req);
    if (!in) {
        return in.error();
    }
    // Optional here: missing remarks are the aggregate's rule
    // (`report.remarks_required`).
    auto remarks = in->long_text("remarks", optional);
    if (auto bad = in->finish()) {
        return *bad;
    }
    auto meta = a.meta(c, *v, { role::trainer, role::supervisor });
    if (!meta) {
        return error_response(meta.error());
    }
    const auto& id = c.param("id");
    auto done = app::reject_report(a.services(), *meta, id, { remarks.value_or("") });
    return a.written("report.reject", done, id);
}

/// `{reportIds, comment?}` -> 200 `{items: [{id, status, version?,
/// position?, code?}], position}`: `status` is the HTTP status each record
/// would have had on its own (200, or the error's); `position` the highest
/// position written (for `Portal-Min-Position`).
reply
approve_many(api& a, call& c)
{
    auto v = a.viewer_of(c);
    if (!v) {
        return error_response(v.error());
    }
    auto in = input::parse(c.req);
    if (!in) {
        return in.error();
    }
    auto ids = in->texts("reportIds", required, 0, 300);
    auto comment = in->long_text("comment", optional);
    if (ids && ids->empty()) {
        in->reject("reportIds", "validation.empty");
    }
    if (auto bad = in->finish()) {
        return *bad;
    }
    auto meta = a.meta(c, *v, { role::trainer, role::supervisor });
    if (!meta) {
        return error_response(meta.error());
    }
    auto results = app::approve_many(a.services(), *meta, *ids, { comment.value_or(""), true });
    boost::json::array items;
    std::vector<domain::outcome> approved;
    for (const auto& r : results) {
        boost::json::object item{ { "id", r.report_id } };
        if (r.outcome) {
            a.stats().count_command("report.approve", r.outcome->duplicate ? "duplicate" : "ok");
            item["status"] = 200;
            item["version"] = r.outcome->version;
            item["position"] = a.position_token({ &*r.outcome, 1 });
            approved.push_back(*r.outcome);
        } else {
            a.stats().count_command("report.approve", r.outcome.error().code);
            item["status"] = static_cast<int>(status_of(r.outcome.error()));
            item["code"] = r.outcome.error().code;
            item["detail"] = r.outcome.error().message;
        }
        items.push_back(std::move(item));
    }
    auto last = a.position_token(approved);
    auto res = ok_json(boost::json::object{ { "items", std::move(items) }, { "position", last } });
    res.res.set("Portal-Position", last);
    return res;
}

reply
contract_reports(api& a, call& c)
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
    if (!rel->sees_records()) {
        return problem(http::status::not_found, "contract.not_found", "no such contract");
    }
    if (auto waited = a.await_position(c); !waited) {
        return error_response(waited.error());
    }
    auto today = day_of(c.now);
    // Absent and present parameters, and their bounds, stay distinct.
    auto part = [&](std::string_view name) {
        auto given = c.query_param(name);
        return given ? fmt::format("{}:{}", given->size(), *given) : std::string("-");
    };
    auto key = fmt::format(
      "contract-records/{}/{}/{}/{}", id, format_date(today), part("cursor"), part("limit"));
    return a.view_reply(key, [&]() -> result<boost::json::object> {
        auto records = projections::contract_records(a.store(), id, today);
        if (!records) {
            return fail(std::move(records.error()));
        }
        return a.page(c, std::move(*records));
    });
}

/// Records waiting for the caller's decision: as a trainer of the
/// contracts (and by the trainer's e-mail) and as an approver named by
/// e-mail (supervisor), oldest submission first.
reply
approvals(api& a, call& c)
{
    auto v = a.viewer_of(c);
    if (!v) {
        return error_response(v.error());
    }
    if (auto waited = a.await_position(c); !waited) {
        return error_response(waited.error());
    }
    auto today = day_of(c.now);
    auto as_trainer = projections::trainer_view(a.store(), v->account_id, today);
    if (!as_trainer) {
        return error_response(as_trainer.error());
    }
    auto as_supervisor = projections::supervisor_view(a.store(), v->account_id, today);
    if (!as_supervisor) {
        return error_response(as_supervisor.error());
    }
    // Who each waiting record is from: the record was sent to the caller,
    // who may see it (authz: a supervisor sees the records sent to them),
    // so the trainee's name and occupation of its contract go with it.
    std::map<std::string, std::pair<std::string, std::string>> trainee_of;
    for (auto* view : { &*as_trainer, &*as_supervisor }) {
        auto* trainees = view->if_contains("trainees");
        if (trainees == nullptr || !trainees->is_array()) {
            continue;
        }
        for (const auto& t : trainees->as_array()) {
            if (t.is_object()) {
                trainee_of.try_emplace(text_of(t.as_object(), "contractId"),
                                       text_of(t.as_object(), "traineeName"),
                                       text_of(t.as_object(), "occupation"));
            }
        }
    }
    boost::json::array items;
    std::set<std::string> seen;
    for (auto* view : { &*as_trainer, &*as_supervisor }) {
        auto* waiting = view->if_contains("waiting");
        if (waiting == nullptr || !waiting->is_array()) {
            continue;
        }
        for (auto& r : waiting->as_array()) {
            if (!r.is_object()) {
                continue;
            }
            const auto* rid = r.as_object().if_contains("reportId");
            if (rid == nullptr || !rid->is_string() ||
                !seen.insert(std::string(rid->as_string())).second) {
                continue;
            }
            auto& item = r.as_object();
            item["id"] = *rid;
            auto contract_id = text_of(item, "contractId");
            auto known = trainee_of.find(contract_id);
            if (known == trainee_of.end()) {
                auto contract = projections::contract(a.store(), contract_id, today);
                if (!contract && contract.error().code != "contract.not_found") {
                    return error_response(contract.error());
                }
                std::pair<std::string, std::string> names;
                if (contract) {
                    const auto* trainee = contract->if_contains("trainee");
                    if (trainee != nullptr && trainee->is_object()) {
                        names.first = text_of(trainee->as_object(), "name");
                    }
                    names.second = text_of(*contract, "occupation");
                }
                known = trainee_of.emplace(contract_id, std::move(names)).first;
            }
            item["traineeName"] = known->second.first;
            item["occupation"] = known->second.second;
            items.push_back(std::move(r));
        }
    }
    auto submitted_at = [](const boost::json::value& r) {
        const auto* s = r.as_object().if_contains("submittedAt");
        return s != nullptr && s->is_string() ? std::string(s->as_string()) : std::string{};
    };
    std::stable_sort(items.begin(), items.end(), [&](const auto& x, const auto& y) {
        return submitted_at(x) < submitted_at(y);
    });
    return a.page_reply(c, std::move(items));
}

/// GET /api/v1/me/trainees: the contracts the signed-in trainer is named
/// in ("Ihre Auszubildenden"), each with the trainee's name, occupation,
/// company, status, dates and record progress, in contract id order.
reply
my_trainees(api& a, call& c)
{
    auto v = a.viewer_of(c, { role::trainer });
    if (!v) {
        return error_response(v.error());
    }
    if (auto waited = a.await_position(c); !waited) {
        return error_response(waited.error());
    }
    auto view = projections::trainer_view(a.store(), v->account_id, day_of(c.now));
    if (!view) {
        return error_response(view.error());
    }
    boost::json::array items;
    if (auto* trainees = view->if_contains("trainees");
        trainees != nullptr && trainees->is_array()) {
        items = std::move(trainees->as_array());
    }
    return a.page_reply(c, std::move(items));
}

/// Every event of a record with actor and time: the contract's trainee,
/// trainers and company, auditors, chamber staff while the trainee's access
/// grant runs.
reply
history(api& a, call& c)
{
    auto v = a.viewer_of(c);
    if (!v) {
        return error_response(v.error());
    }
    const auto& id = c.param("id");
    auto current = app::load_report(a.services(), id);
    if (!current) {
        return error_response(current.error());
    }
    if (!current->state.exists) {
        return report_not_found();
    }
    auto rel = authz::relation_to_contract(a, *v, current->state.contract_id, c.now);
    if (!rel) {
        return error_response(rel.error());
    }
    if (!rel->sees_records()) {
        return report_not_found();
    }
    if (auto waited = a.await_position(c); !waited) {
        return error_response(waited.error());
    }
    auto events = projections::report_history(a.store(), id);
    if (!events) {
        return error_response(events.error());
    }
    return a.page_reply(c, std::move(*events));
}

} // namespace

void
add_report_routes(router& r)
{
    using http::verb;
    r.add(verb::post, "/api/v1/contracts/{id}/reports", access::authenticated, draft);
    r.add(verb::get, "/api/v1/contracts/{id}/reports", access::authenticated, contract_reports);
    r.add(verb::post, "/api/v1/reports/approve", access::authenticated, approve_many);
    r.add(verb::get, "/api/v1/reports/{id}", access::authenticated, get_report);
    r.add(verb::put, "/api/v1/reports/{id}", access::authenticated, edit);
    r.add(verb::post, "/api/v1/reports/{id}/submit", access::authenticated, submit);
    r.add(verb::post, "/api/v1/reports/{id}/approve", access::authenticated, approve);
    r.add(verb::post, "/api/v1/reports/{id}/reject", access::authenticated, reject);
    r.add(verb::get, "/api/v1/reports/{id}/history", access::authenticated, history);
    r.add(verb::get, "/api/v1/approvals", access::authenticated, approvals);
    r.add(verb::get, "/api/v1/me/trainees", access::authenticated, my_trainees);
}

} // namespace portal::gateway
