#include "state_json.hpp"

#include "portal/events/message.hpp"

#include <fmt/format.h>

#include <array>
#include <cstdint>
#include <string>
#include <utility>

namespace portal::gateway {

namespace json = boost::json;

namespace {

// --- values ---------------------------------------------------------------------

json::string
text(std::string_view s)
{
    return json::string(json::string_view(s.data(), s.size()));
}

/// A date as `YYYY-MM-DD`; null when unset (not a valid date).
json::value
date_json(const date& d)
{
    if (!d.ok()) {
        return nullptr;
    }
    return text(format_date(d));
}

json::value
date_json(const std::optional<date>& d)
{
    return d ? date_json(*d) : json::value(nullptr);
}

json::value
time_json(const std::optional<timestamp>& t)
{
    return t ? json::value(text(format_rfc3339(*t))) : json::value(nullptr);
}

/// Minutes as hours: an integer when whole, else a fraction.
json::value
hours(std::uint32_t minutes)
{
    if (minutes % 60 == 0) {
        return static_cast<std::int64_t>(minutes / 60);
    }
    return static_cast<double>(minutes) / 60.0;
}

json::array
strings(const std::vector<std::string>& list)
{
    json::array out;
    out.reserve(list.size());
    for (const auto& s : list) {
        out.push_back(text(s));
    }
    return out;
}

// --- enums (switches without default: a new enumerator fails to compile) ------

const char*
name(events::role r)
{
    switch (r) {
        case events::role::trainee:
            return "trainee";
        case events::role::trainer:
            return "trainer";
        case events::role::supervisor:
            return "supervisor";
        case events::role::company:
            return "company";
        case events::role::representative:
            return "representative";
        case events::role::examiner:
            return "examiner";
        case events::role::staff:
            return "staff";
        case events::role::auditor:
            return "auditor";
        case events::role::system:
            return "system";
    }
    return "unknown";
}

const char*
name(schema::RecordForm f)
{
    return events::enum_name(f).data();
}

const char*
name(schema::PeriodKind k)
{
    return events::enum_name(k).data();
}

const char*
name(domain::chamber::period_kind k)
{
    switch (k) {
        case domain::chamber::period_kind::week:
            return "week";
        case domain::chamber::period_kind::day:
            return "day";
    }
    return "unknown";
}

const char*
name(schema::EndReason r)
{
    return events::enum_name(r).data();
}

const char*
name(schema::DocumentKind k)
{
    return events::enum_name(k).data();
}

const char*
name(schema::EntryKind k)
{
    return events::enum_name(k).data();
}

const char*
name(schema::AbsenceKind k)
{
    return events::enum_name(k).data();
}

const char*
name(schema::ExamType t)
{
    return events::enum_name(t).data();
}

const char*
name(schema::MemberRole r)
{
    return events::enum_name(r).data();
}

const char*
name(schema::ReminderKind k)
{
    return events::enum_name(k).data();
}

const char*
name(domain::company::representative_status s)
{
    switch (s) {
        case domain::company::representative_status::pending:
            return "pending";
        case domain::company::representative_status::active:
            return "active";
        case domain::company::representative_status::revoked:
            return "revoked";
    }
    return "unknown";
}

// --- folding -----------------------------------------------------------------------

/// A state folded up to a time, with what the envelope says of the last
/// folded event.
template<class State>
struct folded
{
    State state{};
    std::uint64_t version = 0;
    std::optional<timestamp> last_recorded_at;
};

template<class State>
result<folded<State>>
fold_until(events::event_log& log, std::string_view stream, std::optional<timestamp> as_of)
{
    folded<State> out;
    constexpr std::size_t k_chunk = 4096;
    std::uint64_t next = 1;
    for (;;) {
        auto batch = log.read_stream(stream, next, k_chunk);
        if (!batch) {
            return fail(std::move(batch.error()));
        }
        for (const auto& e : *batch) {
            auto env = events::envelope::decode(e.envelope_bytes);
            if (!env) {
                return fail(std::move(env.error()));
            }
            auto recorded = from_micros(env->reader().getRecordedAt());
            if (as_of && recorded > *as_of) {
                return out;
            }
            // The aggregate's own evolve, found by argument-dependent lookup.
            out.state = evolve(std::move(out.state), env->reader().getPayload());
            out.version = e.version;
            out.last_recorded_at = recorded;
            next = e.version + 1;
        }
        if (batch->size() < k_chunk) {
            return out;
        }
    }
}

template<class State>
result<json::object>
render(events::event_log& log,
       std::string_view stream,
       std::string_view kind,
       std::optional<timestamp> as_of)
{
    auto f = fold_until<State>(log, stream, as_of);
    if (!f) {
        return fail(std::move(f.error()));
    }
    if (f->version == 0) {
        return fail(
          error::not_found("history.not_found",
                           as_of ? fmt::format("stream {} has no event recorded at or before {}",
                                               stream,
                                               format_rfc3339(*as_of))
                                 : fmt::format("no stream {}", stream)));
    }
    json::object out;
    out["stream"] = text(stream);
    out["aggregate"] = text(kind);
    if (stream != kind) {
        out["id"] = text(stream.substr(kind.size() + 1));
    }
    out["version"] = f->version;
    out["asOf"] = time_json(as_of);
    out["lastRecordedAt"] = time_json(f->last_recorded_at);
    // The state's own fields; an aggregate's `id` equals the stream's.
    for (auto& [key, value] : to_json(f->state)) {
        out[key] = std::move(value);
    }
    return out;
}

constexpr std::array<std::string_view, 11> k_kinds{ "account",  "company", "contract", "document",
                                                    "report",   "grant",   "exam",     "examiner",
                                                    "proposal", "seminar", "reminders" };

} // namespace

std::optional<std::string_view>
stream_kind(std::string_view stream) noexcept
{
    if (stream == "chamber") {
        return std::string_view("chamber");
    }
    for (auto kind : k_kinds) {
        if (stream.size() > kind.size() + 1 && stream.starts_with(kind) &&
            stream[kind.size()] == '-') {
            return kind;
        }
    }
    return std::nullopt;
}

result<json::object>
fold_stream_as_of(events::event_log& log, std::string_view stream, std::optional<timestamp> as_of)
{
    auto kind = stream_kind(stream);
    if (!kind) {
        return fail(error::invalid(
          "history.unknown_stream_kind",
          fmt::format("stream {} belongs to no known aggregate (expected account-, company-, "
                      "contract-, document-, report-, grant-, exam-, examiner-, proposal-, "
                      "seminar-, reminders-<id> or chamber)",
                      stream)));
    }
    const auto k = *kind;
    return with_state_type(k, [&]<class State>() { return render<State>(log, stream, k, as_of); });
}

// --- states ---------------------------------------------------------------------------

json::object
to_json(const domain::account::state& s)
{
    json::array roles;
    for (const auto& r : s.roles) {
        roles.push_back(json::object{ { "role", name(r.kind) },
                                      { "companyId", text(r.company_id) },
                                      { "contractId", text(r.contract_id) } });
    }
    // Only whether a token is pending and until when: never its hash.
    auto pending = [](const std::optional<domain::account::pending_token>& t) -> json::value {
        if (!t) {
            return nullptr;
        }
        return json::object{ { "expiresAt", text(format_rfc3339(t->expires_at)) } };
    };
    return { { "exists", s.exists },
             { "id", text(s.id) },
             { "email", text(s.email) },
             { "name", text(s.name) },
             { "roles", std::move(roles) },
             { "hasPassword", s.has_password },
             { "hasPin", s.has_pin },
             { "invitation", pending(s.invitation) },
             { "passwordReset", pending(s.reset) },
             { "consecutiveFailures", s.consecutive_failures },
             { "lockedUntil", time_json(s.locked_until) },
             { "erased", s.erased } };
}

json::object
to_json(const domain::company::state& s)
{
    json::array settings;
    for (const auto& [occupation, rs] : s.settings) {
        settings.push_back(json::object{ { "occupation", text(occupation) },
                                         { "electronic", rs.electronic },
                                         { "reminders", rs.reminders } });
    }
    json::array trainers;
    for (const auto& t : s.trainers) {
        trainers.push_back(json::object{ { "id", text(t.id) },
                                         { "name", text(t.name) },
                                         { "email", text(t.email) },
                                         { "accountId", text(t.account_id) },
                                         { "personalDataErased", t.erased } });
    }
    json::array representatives;
    for (const auto& r : s.representatives) {
        representatives.push_back(json::object{ { "id", text(r.id) },
                                                { "name", text(r.name) },
                                                { "email", text(r.email) },
                                                { "accountId", text(r.account_id) },
                                                { "employee", r.employee },
                                                { "status", name(r.status) },
                                                { "personalDataErased", r.erased } });
    }
    return { { "exists", s.exists },
             { "id", text(s.id) },
             { "name", text(s.name) },
             { "memberNumber", text(s.member_number) },
             { "email", text(s.email) },
             { "address",
               json::object{ { "street", text(s.address.street) },
                             { "zip", text(s.address.zip) },
                             { "town", text(s.address.town) } } },
             { "centralCompanyId", text(s.central_company_id) },
             { "branches", strings(s.branches) },
             { "publicationConsent", s.publication_consent },
             { "recordSettings", std::move(settings) },
             { "trainers", std::move(trainers) },
             { "companyAccounts", strings(s.company_accounts) },
             { "representatives", std::move(representatives) } };
}

json::object
to_json(const domain::chamber::state& s)
{
    json::array grades;
    for (const auto& g : s.current.grade_table) {
        grades.push_back(json::object{ { "minPoints", g.min_points }, { "grade", g.grade } });
    }
    json::array occupations;
    for (const auto& [occupation, o] : s.occupations) {
        occupations.push_back(json::object{ { "name", text(occupation) },
                                            { "periodKind", name(o.period_kind) },
                                            { "durationMonths", o.duration_months } });
    }
    return { { "exists", s.exists },
             { "settings",
               json::object{ { "maxFailedLogins", s.current.max_failed_logins },
                             { "lockMinutes", s.current.lock_minutes },
                             { "gradeTable", std::move(grades) },
                             { "periodKind", name(s.current.period_kind) } } },
             { "occupations", std::move(occupations) } };
}

json::object
to_json(const domain::access_grant::state& s)
{
    return { { "exists", s.exists },
             { "contractId", text(s.contract_id) },
             { "days", s.days },
             { "expiresAt",
               s.exists ? json::value(text(format_rfc3339(s.expires_at))) : json::value(nullptr) },
             { "revoked", s.revoked } };
}

json::object
to_json(const domain::contract::state& s)
{
    return { { "exists", s.exists },
             { "status", s.ended ? "ended" : "active" },
             { "companyId", text(s.company_id) },
             { "trainee",
               json::object{ { "name", text(s.trainee_name) },
                             { "birthDate", date_json(s.birth_date) },
                             { "email", text(s.trainee_email) },
                             { "minor", s.minor } } },
             { "traineeNumber", text(s.trainee_number) },
             { "occupation", text(s.occupation) },
             { "start", date_json(s.start_date) },
             { "end", date_json(s.end_date) },
             { "recordForm", name(s.record_form) },
             { "periodKind", name(s.period_kind) },
             { "trainerIds", strings(s.trainer_ids) },
             { "confirmationDocumentId", text(s.confirmation_document_id) },
             { "traineeAccountId", text(s.trainee_account_id) },
             { "ended", s.ended },
             { "endedOn", s.ended ? date_json(s.ended_on) : json::value(nullptr) },
             { "endReason", s.ended ? json::value(name(s.end_reason)) : json::value(nullptr) },
             { "personalDataErased", s.personal_data_erased } };
}

json::object
to_json(const domain::document::state& s)
{
    return { { "exists", s.exists },
             { "status", s.withdrawn ? "withdrawn" : "issued" },
             { "kind", name(s.kind) },
             { "title", text(s.title) },
             { "companyId", text(s.company_id) },
             { "contractId", text(s.contract_id) },
             { "body", text(s.body) },
             { "withdrawn", s.withdrawn },
             { "withdrawalReason", text(s.withdrawal_reason) } };
}

json::object
to_json(const domain::report::state& s)
{
    json::object period;
    if (s.period.kind == schema::PeriodKind::WEEK) {
        period = { { "kind", "week" },
                   { "year", s.period.week.year },
                   { "week", s.period.week.week } };
    } else {
        period = { { "kind", "day" }, { "date", text(s.period.day) } };
    }
    json::array entries;
    for (const auto& e : s.entries) {
        entries.push_back(json::object{ { "kind", name(e.kind) },
                                        { "text", text(e.text) },
                                        { "minutes", e.minutes },
                                        { "hours", hours(e.minutes) },
                                        { "day", text(e.day) },
                                        { "frameworkItems", strings(e.framework_items) } });
    }
    json::array absences;
    for (const auto& a : s.absences) {
        absences.push_back(json::object{ { "date", text(a.date) },
                                         { "kind", name(a.kind) },
                                         { "minutes", a.minutes },
                                         { "note", text(a.note) } });
    }
    return { { "exists", s.exists },
             { "status", text(domain::report::to_string(s.status)) },
             { "contractId", text(s.contract_id) },
             { "companyId", text(s.company_id) },
             { "period", std::move(period) },
             { "firstDay", date_json(s.first_day) },
             { "lastDay", date_json(s.last_day) },
             { "trainingYear", s.training_year },
             { "entries", std::move(entries) },
             { "absences", std::move(absences) },
             { "approverEmail", text(s.approver_email) },
             { "approverAccountId", text(s.approver_account_id) },
             { "comment", text(s.comment) },
             { "remarks", text(s.remarks) },
             { "reopened", s.reopened } };
}

json::object
to_json(const domain::exam::state& s)
{
    json::array registrations;
    for (const auto& r : s.registrations) {
        json::array parts;
        for (const auto& p : r.parts) {
            parts.push_back(json::object{ { "name", text(p.name) }, { "points", p.points } });
        }
        const bool has_result = r.result != domain::exam::result_status::none;
        registrations.push_back(json::object{
          { "id", text(r.id) },
          { "contractId", text(r.contract_id) },
          { "companyId", text(r.company_id) },
          { "traineeName", text(r.trainee_name) },
          { "traineeAccountId", text(r.trainee_account_id) },
          { "status", text(domain::exam::to_string(r.status)) },
          { "refusalReason", text(r.refusal_reason) },
          { "result", text(domain::exam::to_string(r.result)) },
          { "parts", std::move(parts) },
          { "totalPoints", has_result ? json::value(r.total_points) : json::value(nullptr) },
          { "grade", has_result ? json::value(r.grade) : json::value(nullptr) },
          { "published", r.published } });
    }
    return { { "exists", s.exists },
             { "name", text(s.name) },
             { "occupation", text(s.occupation) },
             { "type", name(s.type) },
             { "date", date_json(s.day) },
             { "location", text(s.location) },
             { "proposalDeadline", date_json(s.proposal_deadline) },
             { "cancelled", s.cancelled },
             { "cancelReason", text(s.cancel_reason) },
             { "registrations", std::move(registrations) } };
}

json::object
to_json(const domain::examiner::state& s)
{
    json::array appointments;
    for (const auto& a : s.appointments) {
        appointments.push_back(json::object{ { "id", text(a.id) },
                                             { "committee", text(a.committee) },
                                             { "occupation", text(a.occupation) },
                                             { "memberRole", name(a.member_role) },
                                             { "termStart", date_json(a.term_start) },
                                             { "termEnd", date_json(a.term_end) },
                                             { "endedOn", date_json(a.ended_on) },
                                             { "examIds", strings(a.exam_ids) } });
    }
    return { { "exists", s.exists },
             { "accountId", text(s.account_id) },
             { "appointments", std::move(appointments) } };
}

json::object
to_json(const domain::proposal::state& s)
{
    json::array phases;
    std::uint32_t total = 0;
    for (const auto& p : s.phases) {
        phases.push_back(json::object{
          { "name", text(p.name) }, { "minutes", p.minutes }, { "hours", hours(p.minutes) } });
        total += p.minutes;
    }
    return { { "exists", s.exists },
             { "status", text(domain::proposal::to_string(s.status)) },
             { "contractId", text(s.contract_id) },
             { "examId", text(s.exam_id) },
             { "companyId", text(s.company_id) },
             { "traineeAccountId", text(s.trainee_account_id) },
             { "title", text(s.title) },
             { "phases", std::move(phases) },
             { "totalMinutes", total },
             { "description", text(s.description) },
             { "companyConsent", s.company_consent },
             { "revision", s.revision },
             { "remarks", text(s.remarks) },
             { "committee", text(s.committee) } };
}

json::object
to_json(const domain::seminar::state& s)
{
    json::array registrations;
    for (const auto& r : s.registrations) {
        registrations.push_back(
          json::object{ { "id", text(r.id) },
                        { "accountId", text(r.account_id) },
                        { "status", text(domain::seminar::to_string(r.status)) } });
    }
    return { { "exists", s.exists },
             { "title", text(s.title) },
             { "date", date_json(s.day) },
             { "location", text(s.location) },
             { "capacity", s.capacity },
             { "confirmed", domain::seminar::confirmed_count(s) },
             { "registrations", std::move(registrations) } };
}

json::object
to_json(const domain::reminder::state& s)
{
    json::array sent;
    for (const auto& r : s.sent) {
        sent.push_back(json::object{ { "kind", name(r.kind) },
                                     { "level", r.level },
                                     { "day", date_json(r.day) },
                                     { "recipientEmail", text(r.recipient_email) },
                                     { "items", strings(r.items) } });
    }
    return { { "exists", s.exists }, { "sent", std::move(sent) } };
}

} // namespace portal::gateway
