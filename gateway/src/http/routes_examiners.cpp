// Examiners: appointments to committees and assignments to exam dates
// (staff), the examiner's own view, project proposals (trainee submits,
// examiner decides) and examiner seminars (staff schedule and confirm,
// examiners request places).
//
// Lists the read-model queries do not offer (seminars, proposals per
// contract or per occupation) read the `exams` model's documents and
// indexes directly through `projections::reader` (keys documented in
// projections/src/exams.cpp).

#include "app/accounts.hpp"
#include "app/policies.hpp"
#include "app/records.hpp"
#include "http/api.hpp"
#include "http/authz.hpp"
#include "portal/events/message.hpp"
#include "portal/projections/read_models.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <set>

namespace portal::gateway {

namespace {

using events::role;
namespace examiner = domain::examiner;
namespace proposal = domain::proposal;
namespace seminar = domain::seminar;

/// The folded examiner stream of `account_id`. Errors: the log's.
result<domain::loaded<examiner::state>>
load_examiner(api& a, std::string_view account_id)
{
    return domain::load<examiner::state>(a.services().log, examiner::stream_id(account_id));
}

/// A write's reply with extra fields added to its `{id, version, position}`
/// body (error replies stay as they are).
reply
with_fields(reply r, const boost::json::object& extra)
{
    if (r.res.result_int() >= 300) {
        return r;
    }
    boost::system::error_code ec;
    auto body = boost::json::parse(r.res.body(), ec);
    if (ec || !body.is_object()) {
        return r;
    }
    for (const auto& [k, v] : extra) {
        body.as_object()[k] = v;
    }
    r.res.body() = boost::json::serialize(body);
    r.res.prepare_payload();
    return r;
}

reply
not_found(std::string_view code, std::string_view what)
{
    return problem(http::status::not_found, code, fmt::format("no such {}", what));
}

// --- examiners ---------------------------------------------------------------

/// POST /api/v1/examiners: appoints an existing account (`accountId`, or
/// `email` of an existing account), or creates an examiner account with an
/// invitation for `email` first. The account gets the examiner role.
reply
appoint(api& a, call& c)
{
    auto v = a.viewer_of(c, { role::staff });
    if (!v) {
        return error_response(v.error());
    }
    auto in = input::parse(c.req);
    if (!in) {
        return in.error();
    }
    auto account_id = in->text("accountId", optional, 200);
    auto email = in->email("email", optional);
    auto name = in->text("name", optional, 200);
    auto committee = in->text("committee", required, 200);
    auto occupation = in->text("occupation", required, 200);
    auto member = in->one_of("memberRole", required, { "employer", "employee", "teacher" });
    auto term_start = in->day("termStart", optional);
    auto term_end = in->day("termEnd", required);
    if (in->has("accountId") && in->has("email")) {
        in->reject("email", "validation.exclusive");
    } else if (!in->has("accountId") && !in->has("email")) {
        in->reject("accountId", "validation.required");
    }
    if (auto bad = in->finish()) {
        return *bad;
    }
    auto meta = a.meta(c, *v, { role::staff });
    if (!meta) {
        return error_response(meta.error());
    }
    std::string id = account_id ? *account_id : a.services().account_id_of(*email);
    auto account = app::load_account(a.services(), id);
    if (!account) {
        return error_response(account.error());
    }
    bool usable = account->state.exists && !account->state.erased;
    std::optional<domain::outcome> created;
    if (!usable) {
        if (account_id) {
            return not_found("account.not_found", "account");
        }
        // A new examiner account with an invitation; the invitation token is
        // derived from this command's id, so the mail renders the same one.
        auto create_meta = *meta;
        create_meta.command_id += ":account";
        domain::account::create command;
        command.email = *email;
        command.name = name.value_or(*email);
        command.role = { role::examiner, "", "" };
        command.invitation_token_hash = a.secrets().token_hash(
          a.secrets().token(app::k_invitation_purpose, create_meta.command_id));
        command.invitation_expires_at = c.now + a.options().token_ttl;
        auto done = app::create_account(a.services(), create_meta, command);
        if (!done) {
            return a.written("account.create", done, id);
        }
        created = *done;
    }
    examiner::appoint command;
    command.appointment_id = a.new_id(c);
    command.account_id = id;
    command.committee = *committee;
    command.occupation = *occupation;
    command.member_role = *events::enum_value<schema::MemberRole>(*member);
    command.term_start = format_date(term_start.value_or(day_of(c.now)));
    command.term_end = format_date(*term_end);
    auto done = app::appoint_examiner(a.services(), *meta, command);
    // The reply's position covers every command of the request (so that
    // `Portal-Min-Position` sees the account too).
    std::vector<domain::outcome> covered;
    if (created) {
        covered.push_back(*created);
    }
    if (done && !created) {
        bool has_role = std::any_of(account->state.roles.begin(),
                                    account->state.roles.end(),
                                    [](const auto& r) { return r.kind == role::examiner; });
        if (!has_role) {
            auto role_meta = *meta;
            role_meta.command_id += ":role";
            auto granted =
              app::grant_account_role(a.services(), role_meta, id, { { role::examiner, "", "" } });
            if (!granted) {
                return error_response(granted.error());
            }
            covered.push_back(*granted);
        }
    }
    return with_fields(
      a.written("examiner.appoint", done, command.appointment_id, http::status::created, covered),
      { { "accountId", id }, { "invited", created.has_value() } });
}

/// GET /api/v1/examiners (staff): every appointed examiner with name,
/// e-mail and appointments, sorted by name; `occupation` and `committee`
/// keep those with an appointment in it, `current=true` those with an
/// appointment that has not ended and whose term has not passed.
reply
list_examiners(api& a, call& c)
{
    auto v = a.viewer_of(c, { role::staff });
    if (!v) {
        return error_response(v.error());
    }
    auto occupation = c.query_param("occupation");
    auto committee = c.query_param("committee");
    auto current = c.query_param("current");
    if (current && *current != "true" && *current != "false") {
        return error_response(
          error::invalid("validation.current", "current must be true or false"));
    }
    bool only_current = current && *current == "true";
    if (auto waited = a.await_position(c); !waited) {
        return error_response(waited.error());
    }
    projections::reader exams(a.store(), projections::k_exams);
    auto docs = exams.documents("examiner/");
    if (!docs) {
        return error_response(docs.error());
    }
    auto text_of = [](const boost::json::object& o, std::string_view k) -> std::string {
        auto* f = o.if_contains(k);
        return f != nullptr && f->is_string() ? std::string(f->as_string()) : std::string{};
    };
    const auto today = format_date(day_of(c.now));
    std::vector<boost::json::object> found;
    for (auto& d : *docs) {
        auto* appointments = d.if_contains("appointments");
        if (appointments == nullptr || !appointments->is_array()) {
            continue;
        }
        bool matches = false;
        bool is_current = false;
        for (const auto& ap : appointments->as_array()) {
            if (!ap.is_object()) {
                continue;
            }
            const auto& o = ap.as_object();
            // `ended` is the last day of an ended appointment (null while it runs).
            auto ended = text_of(o, "ended");
            bool running = (ended.empty() || ended >= today) && text_of(o, "termEnd") >= today;
            is_current = is_current || running;
            if ((!occupation || text_of(o, "occupation") == *occupation) &&
                (!committee || text_of(o, "committee") == *committee) &&
                (!only_current || running)) {
                matches = true;
            }
        }
        if (!matches) {
            continue;
        }
        auto id = text_of(d, "accountId");
        auto account = domain::load_shared<domain::account::state>(a.services().log,
                                                                   domain::account::stream_id(id));
        if (!account) {
            return error_response(account.error());
        }
        const auto& st = *account->state;
        bool erased = !st.exists || st.erased;
        d["name"] = erased ? "" : st.name;
        d["email"] = erased ? "" : st.email;
        d["current"] = is_current;
        found.push_back(std::move(d));
    }
    std::stable_sort(found.begin(), found.end(), [&](const auto& x, const auto& y) {
        return std::pair(text_of(x, "name"), text_of(x, "accountId")) <
               std::pair(text_of(y, "name"), text_of(y, "accountId"));
    });
    boost::json::array items;
    for (auto& e : found) {
        items.push_back(std::move(e));
    }
    return a.page_reply(c, std::move(items));
}

/// The appointment of `s` an assignment to `exam` should use: the one given,
/// else the only one, else one for the exam's occupation whose term covers
/// the exam date, else one for the occupation (the domain then says why it
/// does not fit); empty when there is none.
std::string
appointment_for(const examiner::state& s, const domain::exam::state& exam)
{
    if (s.appointments.size() == 1) {
        return s.appointments.front().id;
    }
    const examiner::appointment* fallback = nullptr;
    for (const auto& ap : s.appointments) {
        if (ap.occupation != exam.occupation) {
            continue;
        }
        if (ap.covers(exam.day)) {
            return ap.id;
        }
        if (fallback == nullptr) {
            fallback = &ap;
        }
    }
    if (fallback != nullptr) {
        return fallback->id;
    }
    return s.appointments.empty() ? std::string{} : s.appointments.front().id;
}

/// POST /api/v1/examiners/{accountId}/assignments `{examId, appointmentId?}`.
reply
assign(api& a, call& c)
{
    auto v = a.viewer_of(c, { role::staff });
    if (!v) {
        return error_response(v.error());
    }
    auto in = input::parse(c.req);
    if (!in) {
        return in.error();
    }
    auto exam_id = in->text("examId", required, 200);
    auto appointment_id = in->text("appointmentId", optional, 200);
    if (auto bad = in->finish()) {
        return *bad;
    }
    auto meta = a.meta(c, *v, { role::staff });
    if (!meta) {
        return error_response(meta.error());
    }
    const auto& account_id = c.param("accountId");
    examiner::assign command;
    command.exam_id = *exam_id;
    if (appointment_id) {
        command.appointment_id = *appointment_id;
    } else {
        auto ex = load_examiner(a, account_id);
        if (!ex) {
            return error_response(ex.error());
        }
        auto exam = app::load_exam(a.services(), *exam_id);
        if (!exam) {
            return error_response(exam.error());
        }
        command.appointment_id = appointment_for(ex->state, exam->state);
    }
    auto done = app::assign_examiner(a.services(), *meta, account_id, command);
    return with_fields(a.written("examiner.assign", done, *exam_id, http::status::created),
                       { { "appointmentId", command.appointment_id } });
}

/// DELETE /api/v1/examiners/{accountId}/assignments/{examId}: removes the
/// exam date from every appointment it is assigned to (repeating it changes
/// nothing).
reply
unassign(api& a, call& c)
{
    auto v = a.viewer_of(c, { role::staff });
    if (!v) {
        return error_response(v.error());
    }
    auto meta = a.meta(c, *v, { role::staff });
    if (!meta) {
        return error_response(meta.error());
    }
    const auto& account_id = c.param("accountId");
    const auto& exam_id = c.param("examId");
    auto ex = load_examiner(a, account_id);
    if (!ex) {
        return error_response(ex.error());
    }
    std::vector<std::string> holders;
    for (const auto& ap : ex->state.appointments) {
        if (std::find(ap.exam_ids.begin(), ap.exam_ids.end(), exam_id) != ap.exam_ids.end()) {
            holders.push_back(ap.id);
        }
    }
    if (holders.empty()) {
        // Nothing assigned: the domain answers (no events, or no such
        // appointment when the account holds none).
        holders.push_back(ex->state.appointments.empty() ? std::string{}
                                                         : ex->state.appointments.front().id);
    }
    std::vector<domain::outcome> earlier;
    for (std::size_t i = 0; i < holders.size(); ++i) {
        auto step = *meta;
        if (i > 0) {
            step.command_id += fmt::format(":{}", i);
        }
        auto one = app::unassign_examiner(a.services(), step, account_id, { holders[i], exam_id });
        if (!one) {
            return a.written("examiner.unassign", one, exam_id);
        }
        earlier.push_back(*one);
    }
    // The last command's reply; its position covers the earlier ones too.
    result<domain::outcome> done = earlier.back();
    earlier.pop_back();
    return a.written("examiner.unassign", done, exam_id, http::status::ok, earlier);
}

/// POST /api/v1/examiners/{accountId}/end `{appointmentId?, date?}`: ends an
/// appointment (the only one when not named) on `date` (default today).
reply
end_appointment(api& a, call& c)
{
    auto v = a.viewer_of(c, { role::staff });
    if (!v) {
        return error_response(v.error());
    }
    auto in = input::parse(c.req);
    if (!in) {
        return in.error();
    }
    auto appointment_id = in->text("appointmentId", optional, 200);
    auto day = in->day("date", optional);
    if (auto bad = in->finish()) {
        return *bad;
    }
    auto meta = a.meta(c, *v, { role::staff });
    if (!meta) {
        return error_response(meta.error());
    }
    const auto& account_id = c.param("accountId");
    examiner::end_appointment command;
    command.date = format_date(day.value_or(day_of(c.now)));
    if (appointment_id) {
        command.appointment_id = *appointment_id;
    } else {
        auto ex = load_examiner(a, account_id);
        if (!ex) {
            return error_response(ex.error());
        }
        if (ex->state.appointments.size() > 1) {
            return validation_problem({ { "appointmentId", "validation.required" } });
        }
        if (ex->state.appointments.size() == 1) {
            command.appointment_id = ex->state.appointments.front().id;
        }
    }
    auto done = app::end_examiner_appointment(a.services(), *meta, account_id, command);
    return a.written("examiner.end_appointment", done, command.appointment_id);
}

/// GET /api/v1/me/examining: committees, exam dates, proposals to decide,
/// seminars.
reply
my_examining(api& a, call& c)
{
    auto v = a.viewer_of(c, { role::examiner });
    if (!v) {
        return error_response(v.error());
    }
    if (auto waited = a.await_position(c); !waited) {
        return error_response(waited.error());
    }
    auto view = projections::examiner_view(a.store(), v->account_id);
    if (!view) {
        return error_response(view.error());
    }
    return ok_json(*view);
}

// --- project proposals ----------------------------------------------------------

/// The phases of a proposal body: `[{name, hours}]` (decimal hours, e.g.
/// 7.5) or `[{name, minutes}]`.
std::vector<proposal::phase>
read_phases(input& in)
{
    std::vector<proposal::phase> out;
    auto items = in.objects("phases", required, 50);
    if (!items) {
        return out;
    }
    if (items->empty()) {
        in.reject("phases", "validation.empty");
    }
    for (auto& item : *items) {
        proposal::phase p;
        p.name = item.text("name", required, 200).value_or("");
        bool by_hours = item.has("hours");
        bool by_minutes = item.has("minutes");
        if (by_hours && by_minutes) {
            item.reject("minutes", "validation.exclusive");
        } else if (!by_hours && !by_minutes) {
            item.reject("hours", "validation.required");
        }
        if (by_hours) {
            auto hours = item.number("hours", required, 0.25, 80);
            p.minutes = static_cast<std::uint32_t>(std::lround(hours.value_or(0) * 60));
        }
        if (by_minutes) {
            auto minutes = item.integer("minutes", required, 1, 80 * 60);
            p.minutes = static_cast<std::uint32_t>(minutes.value_or(0));
        }
        out.push_back(std::move(p));
    }
    return out;
}

/// Reads `{title, phases, description, companyConsent?}` into `command`.
/// Company consent is stated with the submission; absent means given (the
/// API's documented body has no such field); `false` is refused by the
/// domain.
void
read_proposal_body(input& in, proposal::submit& command)
{
    command.title = in.text("title", required, 200).value_or("");
    command.phases = read_phases(in);
    command.description = in.long_text("description", required).value_or("");
    command.company_consent = in.boolean("companyConsent", optional).value_or(true);
}

/// POST /api/v1/proposals (the trainee).
reply
submit_proposal(api& a, call& c)
{
    auto v = a.viewer_of(c, { role::trainee });
    if (!v) {
        return error_response(v.error());
    }
    auto in = input::parse(c.req);
    if (!in) {
        return in.error();
    }
    proposal::submit command;
    command.contract_id = in->text("contractId", required, 200).value_or("");
    command.exam_id = in->text("examId", required, 200).value_or("");
    read_proposal_body(*in, command);
    if (auto bad = in->finish()) {
        return *bad;
    }
    auto meta = a.meta(c, *v, { role::trainee });
    if (!meta) {
        return error_response(meta.error());
    }
    auto id = a.new_id(c);
    auto done = app::submit_proposal(a.services(), *meta, id, command);
    return a.written("proposal.submit", done, id, http::status::created);
}

/// PUT /api/v1/proposals/{id}: resubmits after "changes required" (the
/// trainee); contract and exam stay those of the proposal.
reply
resubmit_proposal(api& a, call& c)
{
    auto v = a.viewer_of(c, { role::trainee });
    if (!v) {
        return error_response(v.error());
    }
    auto in = input::parse(c.req);
    if (!in) {
        return in.error();
    }
    proposal::submit command;
    read_proposal_body(*in, command);
    if (auto bad = in->finish()) {
        return *bad;
    }
    auto meta = a.meta(c, *v, { role::trainee });
    if (!meta) {
        return error_response(meta.error());
    }
    const auto& id = c.param("id");
    auto current = app::load_proposal(a.services(), id);
    if (!current) {
        return error_response(current.error());
    }
    if (!current->state.exists || current->state.trainee_account_id != v->account_id) {
        return not_found("proposal.not_found", "proposal");
    }
    command.contract_id = current->state.contract_id;
    command.exam_id = current->state.exam_id;
    auto done = app::submit_proposal(a.services(), *meta, id, command);
    return a.written("proposal.resubmit", done, id);
}

/// POST /api/v1/proposals/{id}/decision `{outcome, remarks?}` (an examiner
/// of the committee).
reply
decide_proposal(api& a, call& c)
{
    auto v = a.viewer_of(c, { role::examiner });
    if (!v) {
        return error_response(v.error());
    }
    auto in = input::parse(c.req);
    if (!in) {
        return in.error();
    }
    auto outcome = in->one_of(
      "outcome", required, { "approved", "approved_with_notes", "changes_required", "rejected" });
    auto remarks = in->long_text("remarks", optional);
    if (auto bad = in->finish()) {
        return *bad;
    }
    auto meta = a.meta(c, *v, { role::examiner });
    if (!meta) {
        return error_response(meta.error());
    }
    proposal::record_decision command;
    command.outcome = *outcome == "approved" ? schema::ProposalOutcome::APPROVED
                      : *outcome == "approved_with_notes"
                        ? schema::ProposalOutcome::APPROVED_WITH_NOTES
                      : *outcome == "changes_required" ? schema::ProposalOutcome::CHANGES_REQUIRED
                                                       : schema::ProposalOutcome::REJECTED;
    command.remarks = remarks.value_or("");
    const auto& id = c.param("id");
    auto done = app::decide_proposal(a.services(), *meta, id, command);
    return a.written("proposal.decide", done, id);
}

/// POST /api/v1/proposals/{id}/withdraw `{reason?}` (the trainee).
reply
withdraw_proposal(api& a, call& c)
{
    auto v = a.viewer_of(c, { role::trainee });
    if (!v) {
        return error_response(v.error());
    }
    auto in = input::parse(c.req);
    if (!in) {
        return in.error();
    }
    auto reason = in->long_text("reason", optional);
    if (auto bad = in->finish()) {
        return *bad;
    }
    auto meta = a.meta(c, *v, { role::trainee });
    if (!meta) {
        return error_response(meta.error());
    }
    const auto& id = c.param("id");
    auto done = app::withdraw_proposal(a.services(), *meta, id, { reason.value_or("") });
    return a.written("proposal.withdraw", done, id);
}

/// Whether the viewer examines `occupation` today: an appointment in force
/// for it. Errors: the log's.
result<bool>
examines(api& a, const viewer& v, std::string_view occupation, date today)
{
    if (!v.has_role(role::examiner)) {
        return false;
    }
    auto ex = load_examiner(a, v.account_id);
    if (!ex) {
        return fail(ex.error());
    }
    return examiner::member_of(ex->state, "", occupation, today);
}

/// A proposal as the API shows it, from its folded state (when the read
/// model does not have it yet).
boost::json::object
proposal_json(std::string_view id, const proposal::state& s, std::uint64_t version)
{
    boost::json::array phases;
    for (const auto& p : s.phases) {
        phases.push_back(boost::json::object{ { "name", p.name },
                                              { "minutes", p.minutes },
                                              { "hours", static_cast<double>(p.minutes) / 60.0 } });
    }
    return boost::json::object{ { "proposalId", id },
                                { "version", version },
                                { "contractId", s.contract_id },
                                { "examId", s.exam_id },
                                { "companyId", s.company_id },
                                { "traineeAccountId", s.trainee_account_id },
                                { "title", s.title },
                                { "phases", std::move(phases) },
                                { "description", s.description },
                                { "companyConsent", s.company_consent },
                                { "revision", s.revision },
                                { "status", proposal::to_string(s.status) },
                                { "remarks", s.remarks } };
}

/// GET /api/v1/proposals/{id}: the trainee of the contract, its trainer,
/// its company, and examiners of the exam's occupation.
reply
get_proposal(api& a, call& c)
{
    auto v = a.viewer_of(c);
    if (!v) {
        return error_response(v.error());
    }
    const auto& id = c.param("id");
    auto current = app::load_proposal(a.services(), id);
    if (!current) {
        return error_response(current.error());
    }
    const auto& s = current->state;
    if (!s.exists) {
        return not_found("proposal.not_found", "proposal");
    }
    auto rel = authz::relation_to_contract(a, *v, s.contract_id, c.now);
    if (!rel) {
        return error_response(rel.error());
    }
    bool visible = rel->trainee || rel->trainer || rel->company;
    if (!visible) {
        auto exam = app::load_exam(a.services(), s.exam_id);
        if (!exam) {
            return error_response(exam.error());
        }
        auto member = examines(a, *v, exam->state.occupation, day_of(c.now));
        if (!member) {
            return error_response(member.error());
        }
        visible = *member;
    }
    if (!visible) {
        return not_found("proposal.not_found", "proposal");
    }
    if (auto waited = a.await_position(c); !waited) {
        return error_response(waited.error());
    }
    projections::reader exams(a.store(), projections::k_exams);
    auto doc = exams.get_json("proposal/" + id);
    if (!doc) {
        return error_response(doc.error());
    }
    if (*doc && (**doc).contains("status")) {
        return ok_json(**doc);
    }
    return ok_json(proposal_json(id, s, current->version));
}

/// The proposals of the exam dates with `index_prefix` keys.
result<void>
append_proposals(const projections::reader& exams,
                 const std::string& index_prefix,
                 bool only_waiting,
                 std::set<std::string>& seen,
                 boost::json::array& out)
{
    auto keys = exams.keys(index_prefix);
    if (!keys) {
        return fail(keys.error());
    }
    for (const auto& k : *keys) {
        auto pid = k.substr(k.rfind('/') + 1);
        if (seen.contains(pid)) {
            continue;
        }
        auto doc = exams.get_json("proposal/" + pid);
        if (!doc) {
            return fail(doc.error());
        }
        if (!*doc) {
            continue;
        }
        auto* status = (**doc).if_contains("status");
        if (only_waiting &&
            (status == nullptr || !status->is_string() || status->as_string() != "submitted")) {
            continue;
        }
        seen.insert(pid);
        out.push_back(std::move(**doc));
    }
    return {};
}

/// GET /api/v1/me/proposals: a trainee's own proposals; an examiner's
/// proposals waiting for a decision (exam dates of the occupations of their
/// appointments in force today).
reply
my_proposals(api& a, call& c)
{
    auto v = a.viewer_of(c, { role::trainee, role::examiner });
    if (!v) {
        return error_response(v.error());
    }
    if (auto waited = a.await_position(c); !waited) {
        return error_response(waited.error());
    }
    projections::reader exams(a.store(), projections::k_exams);
    std::set<std::string> seen;
    boost::json::array items;
    for (const auto& r : v->account().roles) {
        if (r.kind != role::trainee || r.contract_id.empty()) {
            continue;
        }
        auto added = append_proposals(
          exams, fmt::format("ix/contract-proposal/{}/", r.contract_id), false, seen, items);
        if (!added) {
            return error_response(added.error());
        }
    }
    if (v->has_role(role::examiner)) {
        auto ex = load_examiner(a, v->account_id);
        if (!ex) {
            return error_response(ex.error());
        }
        auto today = day_of(c.now);
        std::set<std::string> occupations;
        for (const auto& ap : ex->state.appointments) {
            if (ap.covers(today)) {
                occupations.insert(ap.occupation);
            }
        }
        for (const auto& occupation : occupations) {
            auto keys = exams.keys(fmt::format("ix/schedule/{}/", occupation));
            if (!keys) {
                return error_response(keys.error());
            }
            for (const auto& k : *keys) {
                auto exam_id = k.substr(k.rfind('/') + 1);
                auto exam = exams.get_json("exam/" + exam_id);
                if (!exam) {
                    return error_response(exam.error());
                }
                auto* occ = *exam ? (**exam).if_contains("occupation") : nullptr;
                if (occ == nullptr || !occ->is_string() || occ->as_string() != occupation) {
                    continue; // another occupation sharing the key prefix
                }
                auto added = append_proposals(
                  exams, fmt::format("ix/exam-proposal/{}/", exam_id), true, seen, items);
                if (!added) {
                    return error_response(added.error());
                }
            }
        }
    }
    return a.page_reply(c, std::move(items));
}

// --- examiner seminars ------------------------------------------------------------

/// POST /api/v1/seminars `{title, date, location, capacity}` (staff).
reply
schedule_seminar(api& a, call& c)
{
    auto v = a.viewer_of(c, { role::staff });
    if (!v) {
        return error_response(v.error());
    }
    auto in = input::parse(c.req);
    if (!in) {
        return in.error();
    }
    auto title = in->text("title", required, 200);
    auto day = in->day("date", required);
    auto location = in->text("location", required, 200);
    auto capacity = in->integer("capacity", required, 1, 10000);
    if (auto bad = in->finish()) {
        return *bad;
    }
    auto meta = a.meta(c, *v, { role::staff });
    if (!meta) {
        return error_response(meta.error());
    }
    seminar::schedule command{
        *title, format_date(*day), *location, static_cast<unsigned>(*capacity)
    };
    auto id = a.new_id(c);
    auto done = app::schedule_seminar(a.services(), *meta, id, command);
    return a.written("seminar.schedule", done, id, http::status::created);
}

/// GET /api/v1/seminars (examiners and staff): every seminar by date with
/// the places taken; staff see all registrations, examiners their own.
reply
list_seminars(api& a, call& c)
{
    auto v = a.viewer_of(c, { role::staff, role::examiner });
    if (!v) {
        return error_response(v.error());
    }
    if (auto waited = a.await_position(c); !waited) {
        return error_response(waited.error());
    }
    projections::reader exams(a.store(), projections::k_exams);
    auto docs = exams.documents("seminar/");
    if (!docs) {
        return error_response(docs.error());
    }
    bool staff = v->has_role(role::staff);
    auto text_of = [](const boost::json::object& o, std::string_view k) -> std::string {
        auto* f = o.if_contains(k);
        return f != nullptr && f->is_string() ? std::string(f->as_string()) : std::string{};
    };
    std::vector<boost::json::object> seminars;
    for (auto& d : *docs) {
        if (!d.contains("title")) {
            continue; // not scheduled (cannot happen with a consistent log)
        }
        std::int64_t taken = 0;
        boost::json::array shown;
        if (auto* regs = d.if_contains("registrations"); regs != nullptr && regs->is_array()) {
            for (const auto& r : regs->as_array()) {
                if (!r.is_object()) {
                    continue;
                }
                const auto& reg = r.as_object();
                if (text_of(reg, "status") == "confirmed") {
                    ++taken;
                }
                if (staff || text_of(reg, "accountId") == v->account_id) {
                    shown.push_back(reg);
                }
            }
        }
        d["placesTaken"] = taken;
        d["registrations"] = std::move(shown);
        seminars.push_back(std::move(d));
    }
    std::stable_sort(seminars.begin(), seminars.end(), [&](const auto& x, const auto& y) {
        return text_of(x, "date") < text_of(y, "date");
    });
    boost::json::array items;
    for (auto& s : seminars) {
        items.push_back(std::move(s));
    }
    return a.page_reply(c, std::move(items));
}

/// POST /api/v1/seminars/{id}/registrations (an examiner requests a place).
reply
request_place(api& a, call& c)
{
    auto v = a.viewer_of(c, { role::examiner });
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
    auto meta = a.meta(c, *v, { role::examiner });
    if (!meta) {
        return error_response(meta.error());
    }
    auto registration_id = a.new_id(c);
    auto done =
      app::request_seminar_registration(a.services(), *meta, c.param("id"), { registration_id });
    return a.written("seminar.request_registration", done, registration_id, http::status::created);
}

/// POST /api/v1/seminars/{id}/registrations/{regId}/confirm (staff).
reply
confirm_place(api& a, call& c)
{
    auto v = a.viewer_of(c, { role::staff });
    if (!v) {
        return error_response(v.error());
    }
    auto meta = a.meta(c, *v, { role::staff });
    if (!meta) {
        return error_response(meta.error());
    }
    const auto& registration_id = c.param("regId");
    auto done =
      app::confirm_seminar_registration(a.services(), *meta, c.param("id"), { registration_id });
    return a.written("seminar.confirm_registration", done, registration_id);
}

/// DELETE /api/v1/seminars/{id}/registrations/{regId} `{reason?}` (the
/// registered examiner or staff).
reply
cancel_place(api& a, call& c)
{
    auto v = a.viewer_of(c, { role::examiner, role::staff });
    if (!v) {
        return error_response(v.error());
    }
    auto in = input::parse(c.req);
    if (!in) {
        return in.error();
    }
    auto reason = in->long_text("reason", optional);
    if (auto bad = in->finish()) {
        return *bad;
    }
    auto meta = a.meta(c, *v, { role::examiner, role::staff });
    if (!meta) {
        return error_response(meta.error());
    }
    const auto& registration_id = c.param("regId");
    auto done = app::cancel_seminar_registration(
      a.services(), *meta, c.param("id"), { registration_id, reason.value_or("") });
    return a.written("seminar.cancel_registration", done, registration_id);
}

} // namespace

void
add_examiner_routes(router& r)
{
    using http::verb;
    r.add(verb::post, "/api/v1/examiners", access::authenticated, appoint);
    r.add(verb::get, "/api/v1/examiners", access::authenticated, list_examiners);
    r.add(verb::post, "/api/v1/examiners/{accountId}/assignments", access::authenticated, assign);
    r.add(verb::delete_,
          "/api/v1/examiners/{accountId}/assignments/{examId}",
          access::authenticated,
          unassign);
    r.add(verb::post, "/api/v1/examiners/{accountId}/end", access::authenticated, end_appointment);
    r.add(verb::get, "/api/v1/me/examining", access::authenticated, my_examining);
    r.add(verb::post, "/api/v1/proposals", access::authenticated, submit_proposal);
    r.add(verb::get, "/api/v1/proposals/{id}", access::authenticated, get_proposal);
    r.add(verb::put, "/api/v1/proposals/{id}", access::authenticated, resubmit_proposal);
    r.add(verb::post, "/api/v1/proposals/{id}/decision", access::authenticated, decide_proposal);
    r.add(verb::post, "/api/v1/proposals/{id}/withdraw", access::authenticated, withdraw_proposal);
    r.add(verb::get, "/api/v1/me/proposals", access::authenticated, my_proposals);
    r.add(verb::post, "/api/v1/seminars", access::authenticated, schedule_seminar);
    r.add(verb::get, "/api/v1/seminars", access::authenticated, list_seminars);
    r.add(verb::post, "/api/v1/seminars/{id}/registrations", access::authenticated, request_place);
    r.add(verb::post,
          "/api/v1/seminars/{id}/registrations/{regId}/confirm",
          access::authenticated,
          confirm_place);
    r.add(verb::delete_,
          "/api/v1/seminars/{id}/registrations/{regId}",
          access::authenticated,
          cancel_place);
}

} // namespace portal::gateway
