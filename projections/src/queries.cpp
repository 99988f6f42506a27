// Query functions of the dashboards: they assemble views from the
// documents of the `training` and `exams` models.

#include "json_util.hpp"
#include "portal/events/contract_term.hpp"
#include "portal/projections/read_models.hpp"

#include <algorithm>
#include <map>
#include <set>

namespace portal::projections {

using namespace detail;

namespace {

/// The last part of each key under `prefix` (the id an index entry names).
result<std::vector<std::string>>
index_ids(const reader& model, const std::string& prefix)
{
    auto keys = model.keys(prefix);
    if (!keys) {
        return fail(keys.error());
    }
    std::vector<std::string> ids;
    for (const auto& k : *keys) {
        auto slash = k.rfind('/');
        ids.push_back(slash == std::string::npos ? k : k.substr(slash + 1));
    }
    return ids;
}

result<std::optional<json::object>>
load(const reader& model, const std::string& key)
{
    return model.get_json(key);
}

/// The days of a contract document: `start`, `end` and the date of its
/// end event (`ended.date`; an unreadable one counts as the earliest day,
/// as the aggregate reads it). Nullopt without a readable start and end.
std::optional<contract_term>
term_of(const json::object& c)
{
    auto start = parse_date(get_str(c, "start"));
    auto end = parse_date(get_str(c, "end"));
    if (!start || !end) {
        return std::nullopt;
    }
    contract_term term{ *start, *end, std::nullopt };
    if (const auto* ended = c.if_contains("ended"); ended != nullptr && ended->is_object()) {
        term.ended_on = parse_date(get_str(ended->as_object(), "date")).value_or(date{});
    }
    return term;
}

/// Whether the contract document runs on `today` (`contract_term::runs_on`,
/// the rule of `contract::is_active`): `today` between its start and its
/// end date or the earlier day it was ended as of. A contract whose end date
/// passed without an end event has run out as well.
bool
contract_runs(const json::object& c, date today)
{
    auto term = term_of(c);
    return term && term->runs_on(today);
}

/// The contract's status on `today`, as every view reports it: `ended`
/// once its last day (`contract_term::last_day`) lies before `today`, with
/// or without an end event; otherwise `active` (also before the start).
/// The stored `status` changes only on an end event, so it is never
/// reported as such.
std::string
status_on(const json::object& c, date today)
{
    auto term = term_of(c);
    if (!term) {
        return get_str(c, "status");
    }
    return term->has_ended(today) ? "ended" : "active";
}

bool
is_true(const json::object& o, std::string_view key)
{
    const auto* v = o.if_contains(key);
    return v != nullptr && v->is_bool() && v->as_bool();
}

/// The periods of a contract from its start up to `today` (and its end).
struct period_slot
{
    std::string key;
    json::object period;
    date last_day;
};

std::vector<period_slot>
contract_periods(const json::object& c, date today, bool describe = true)
{
    std::vector<period_slot> out;
    auto term = term_of(c);
    if (!term) {
        return out;
    }
    date last = std::min(term->last_day(), today);
    using std::chrono::days;
    using std::chrono::sys_days;
    if (get_str(c, "periodKind") == "day") {
        for (auto d = sys_days(term->start); d <= sys_days(last); d += days(1)) {
            std::chrono::weekday wd(d);
            if (wd == std::chrono::Saturday || wd == std::chrono::Sunday) {
                continue;
            }
            auto text_date = format_date(date(d));
            out.push_back({ text_date,
                            describe ? json::object{ { "kind", "day" }, { "date", text_date } }
                                     : json::object{},
                            date(d) });
        }
        return out;
    }
    auto first_week = iso_week_of(term->start);
    auto monday = monday_of(first_week);
    if (!monday) {
        return out;
    }
    for (auto m = sys_days(*monday); m <= sys_days(last); m += days(7)) {
        auto w = iso_week_of(date(m));
        out.push_back(
          { fmt::format("{:04}-W{:02}", w.year, w.week),
            describe ? json::object{ { "kind", "week" }, { "year", w.year }, { "week", w.week } }
                     : json::object{},
            date(m + days(6)) });
    }
    return out;
}

/// A record in lists: the document without entries and absences.
json::object
record_summary(json::object r)
{
    r.erase("entries");
    r.erase("absences");
    return r;
}

result<json::array>
records_of(const reader& model, const json::object& c, date today)
{
    auto contract_id = get_str(c, "contractId");
    // The index entries hold the records' summaries.
    auto summaries = model.documents(fmt::format("ix/contract-report/{}/", contract_id));
    if (!summaries) {
        return fail(summaries.error());
    }
    std::map<std::string, json::object> by_period;
    for (auto& r : *summaries) {
        auto period = get_str(r, "periodKey");
        by_period[period] = std::move(r);
    }
    json::array out;
    if (get_str(c, "recordForm") != "paper") {
        for (auto& slot : contract_periods(c, today)) {
            auto it = by_period.find(slot.key);
            if (it != by_period.end()) {
                out.push_back(std::move(it->second));
                by_period.erase(it);
                continue;
            }
            out.push_back(json::object{ { "period", std::move(slot.period) },
                                        { "periodKey", slot.key },
                                        { "contractId", contract_id },
                                        { "status", slot.last_day < today ? "missing" : "open" } });
        }
    }
    // Records outside the computed periods (e.g. after a date change).
    for (auto& [key, r] : by_period) {
        out.push_back(std::move(r));
    }
    auto period_of = [](const json::value& v) -> std::string_view {
        const auto* k = v.as_object().if_contains("periodKey");
        return k != nullptr && k->is_string() ? std::string_view(k->get_string()) : "";
    };
    std::stable_sort(out.begin(), out.end(), [&](const json::value& a, const json::value& b) {
        return period_of(a) < period_of(b);
    });
    return out;
}

/// Counts of records per status (incl. missing) of a contract.
json::object progress_of(const json::array& records);

/// `progress_of(records_of(model, c, today))` from the status index alone,
/// for views that show the counts but not the records.
result<json::object>
progress_for(const reader& model, const json::object& c, date today)
{
    std::map<std::string, std::string, std::less<>> by_period;
    auto scanned = model.scan_prefix(
      fmt::format("ix/contract-status/{}/", get_str(c, "contractId")),
      [&](std::string_view key, std::string_view status) {
          // key: ix/contract-status/<contractId>/<periodKey>/<reportId>
          auto end = key.rfind('/');
          auto begin = key.rfind('/', end - 1);
          by_period.insert_or_assign(std::string(key.substr(begin + 1, end - begin - 1)),
                                     std::string(status));
          return true;
      });
    if (!scanned) {
        return fail(scanned.error());
    }
    std::map<std::string, std::int64_t, std::less<>> counts{ { "draft", 0 },    { "submitted", 0 },
                                                             { "approved", 0 }, { "rejected", 0 },
                                                             { "missing", 0 },  { "open", 0 } };
    std::int64_t total = 0;
    if (get_str(c, "recordForm") != "paper") {
        for (const auto& slot : contract_periods(c, today, false)) {
            ++total;
            if (auto it = by_period.find(slot.key); it != by_period.end()) {
                ++counts[it->second];
                by_period.erase(it);
            } else {
                ++counts[slot.last_day < today ? "missing" : "open"];
            }
        }
    }
    for (const auto& [period, status] : by_period) {
        ++total;
        ++counts[status];
    }
    json::object o;
    for (const auto& [k, v] : counts) {
        o[k] = v;
    }
    o["total"] = total;
    return o;
}

json::object
progress_of(const json::array& records)
{
    std::map<std::string, std::int64_t> counts{ { "draft", 0 },    { "submitted", 0 },
                                                { "approved", 0 }, { "rejected", 0 },
                                                { "missing", 0 },  { "open", 0 } };
    for (const auto& r : records) {
        ++counts[get_str(r.as_object(), "status")];
    }
    json::object o;
    for (const auto& [k, v] : counts) {
        o[k] = v;
    }
    o["total"] = static_cast<std::int64_t>(records.size());
    return o;
}

json::object
contract_summary(const json::object& c, date today)
{
    const auto* trainee = c.if_contains("trainee");
    json::object summary{
        { "contractId", get_str(c, "contractId") },
        { "companyId", get_str(c, "companyId") },
        { "traineeName",
          trainee != nullptr && trainee->is_object() ? get_str(trainee->as_object(), "name") : "" },
        { "traineeNumber", get_str(c, "traineeNumber") },
        { "occupation", get_str(c, "occupation") },
        { "status", status_on(c, today) },
        { "start", get_str(c, "start") },
        { "end", get_str(c, "end") },
        { "recordForm", get_str(c, "recordForm") }
    };
    // An end recorded (possibly as of a day still to come: `status` stays
    // `active` until it has passed); the views show "ends on" and offer no
    // second end or changes, which the aggregate refuses after an end.
    if (const auto* ended = c.if_contains("ended"); ended != nullptr && ended->is_object()) {
        summary["ended"] = json::object{ { "date", get_str(ended->as_object(), "date") },
                                         { "reason", get_str(ended->as_object(), "reason") } };
    }
    // The trainee's personal data was erased (`traineeName` is empty): the
    // views show that instead of a name.
    if (is_true(c, "personalDataErased")) {
        summary["personalDataErased"] = true;
    }
    return summary;
}

result<json::array>
docs_by_index(const reader& model,
              const std::string& index_prefix,
              const std::string& doc_prefix,
              bool drop_body)
{
    auto ids = index_ids(model, index_prefix);
    if (!ids) {
        return fail(ids.error());
    }
    json::array out;
    for (const auto& id : *ids) {
        auto d = load(model, doc_prefix + id);
        if (!d) {
            return fail(d.error());
        }
        if (*d) {
            if (drop_body) {
                (*d)->erase("body");
            }
            out.push_back(std::move(**d));
        }
    }
    return out;
}

/// The account's e-mail in lower case; empty when unknown.
result<std::string>
account_email(const reader& training, std::string_view account_id)
{
    auto a = load(training, "account/" + std::string(account_id));
    if (!a) {
        return fail(a.error());
    }
    return *a ? lower(get_str(**a, "email")) : std::string{};
}

/// A company-facing exam line: name, type, status, date, occupation.
json::object
exam_line(const json::object& exam, const json::object& reg, bool show_result)
{
    std::string status = get_str(reg, "status");
    if (get_str(exam, "status") == "cancelled") {
        status = "cancelled";
    }
    json::object line{ { "examId", get_str(exam, "examId") },
                       { "registrationId", get_str(reg, "registrationId") },
                       { "contractId", get_str(reg, "contractId") },
                       { "traineeName", get_str(reg, "traineeName") },
                       { "name", get_str(exam, "name") },
                       { "type", get_str(exam, "type") },
                       { "status", status },
                       { "date", get_str(exam, "date") },
                       { "location", get_str(exam, "location") },
                       { "occupation", get_str(exam, "occupation") } };
    if (is_true(reg, "personalDataErased")) {
        line["personalDataErased"] = true;
    }
    if (show_result) {
        if (const auto* res = reg.if_contains("result"); res != nullptr && res->is_object()) {
            if (is_true(res->as_object(), "published")) {
                line["result"] = res->as_object();
            }
        }
    }
    return line;
}

/// The registrations of an exam (with their results), by registration id.
result<json::array>
registrations_of(const reader& exams, const json::object& exam)
{
    auto docs = exams.documents(fmt::format("reg/{}/", get_str(exam, "examId")));
    if (!docs) {
        return fail(docs.error());
    }
    json::array out;
    for (auto& d : *docs) {
        out.push_back(std::move(d));
    }
    return out;
}

} // namespace

result<json::object>
record(infra::kv_store& store, std::string_view report_id)
{
    reader model(store, k_training);
    auto r = load(model, "report/" + std::string(report_id));
    if (!r) {
        return fail(r.error());
    }
    if (!*r) {
        return fail(error::not_found("report.not_found", "no such training record"));
    }
    return std::move(**r);
}

result<json::object>
contract(infra::kv_store& store, std::string_view contract_id, date today)
{
    reader model(store, k_training);
    auto c = load(model, "contract/" + std::string(contract_id));
    if (!c) {
        return fail(c.error());
    }
    if (!*c || get_str(**c, "companyId").empty()) {
        return fail(error::not_found("contract.not_found", "no such contract"));
    }
    (**c)["status"] = status_on(**c, today);
    return std::move(**c);
}

result<json::array>
contract_records(infra::kv_store& store, std::string_view contract_id, date today)
{
    auto c = contract(store, contract_id, today);
    if (!c) {
        return fail(c.error());
    }
    return records_of(reader(store, k_training), *c, today);
}

result<json::object>
trainee_view(infra::kv_store& store, std::string_view account_id, date today)
{
    reader training(store, k_training);
    reader exams(store, k_exams);
    auto ids = index_ids(training, fmt::format("ix/trainee-account/{}/", account_id));
    if (!ids) {
        return fail(ids.error());
    }
    json::array contracts;
    for (const auto& contract_id : *ids) {
        auto c = load(training, "contract/" + contract_id);
        if (!c) {
            return fail(c.error());
        }
        if (!*c) {
            continue;
        }
        auto records = records_of(training, **c, today);
        if (!records) {
            return fail(records.error());
        }
        auto documents = docs_by_index(
          training, fmt::format("ix/contract-document/{}/", contract_id), "document/", true);
        if (!documents) {
            return fail(documents.error());
        }
        auto exam_ids = index_ids(exams, fmt::format("ix/contract-exam/{}/", contract_id));
        if (!exam_ids) {
            return fail(exam_ids.error());
        }
        json::array exam_lines;
        for (const auto& exam_id : *exam_ids) {
            auto x = load(exams, "exam/" + exam_id);
            if (!x) {
                return fail(x.error());
            }
            if (!*x) {
                continue;
            }
            auto regs = registrations_of(exams, **x);
            if (!regs) {
                return fail(regs.error());
            }
            for (const auto& reg : *regs) {
                if (reg.is_object() && get_str(reg.as_object(), "contractId") == contract_id) {
                    exam_lines.push_back(exam_line(**x, reg.as_object(), true));
                }
            }
        }
        auto proposals = docs_by_index(
          exams, fmt::format("ix/contract-proposal/{}/", contract_id), "proposal/", false);
        if (!proposals) {
            return fail(proposals.error());
        }
        auto summary = contract_summary(**c, today);
        summary["progress"] = progress_of(*records);
        contracts.push_back(json::object{ { "contract", std::move(summary) },
                                          { "records", std::move(*records) },
                                          { "exams", std::move(exam_lines) },
                                          { "documents", std::move(*documents) },
                                          { "proposals", std::move(*proposals) } });
    }
    return json::object{ { "accountId", account_id }, { "contracts", std::move(contracts) } };
}

result<json::object>
trainer_view(infra::kv_store& store, std::string_view account_id, date today)
{
    reader training(store, k_training);
    auto trainer_ids = index_ids(training, fmt::format("ix/account-trainer/{}/", account_id));
    if (!trainer_ids) {
        return fail(trainer_ids.error());
    }
    std::set<std::string> contract_ids;
    std::set<std::string> emails;
    if (auto email = account_email(training, account_id); !email) {
        return fail(email.error());
    } else if (!email->empty()) {
        emails.insert(*email);
    }
    for (const auto& t : *trainer_ids) {
        auto ids = index_ids(training, fmt::format("ix/trainer-contract/{}/", t));
        if (!ids) {
            return fail(ids.error());
        }
        contract_ids.insert(ids->begin(), ids->end());
    }
    json::array trainees;
    for (const auto& id : contract_ids) {
        auto c = load(training, "contract/" + id);
        if (!c) {
            return fail(c.error());
        }
        if (!*c) {
            continue;
        }
        // The trainer's address as registered by the company.
        auto company = load(training, "company/" + get_str(**c, "companyId"));
        if (!company) {
            return fail(company.error());
        }
        if (*company) {
            for (const auto& t : arr(**company, "trainers")) {
                if (t.is_object() && get_str(t.as_object(), "accountId") == account_id &&
                    !get_str(t.as_object(), "email").empty()) { // not erased
                    emails.insert(lower(get_str(t.as_object(), "email")));
                }
            }
        }
        auto progress = progress_for(training, **c, today);
        if (!progress) {
            return fail(progress.error());
        }
        auto summary = contract_summary(**c, today);
        summary["progress"] = std::move(*progress);
        trainees.push_back(std::move(summary));
    }
    json::array waiting;
    for (const auto& email : emails) {
        auto reports =
          docs_by_index(training, fmt::format("ix/waiting/{}/", email), "report/", false);
        if (!reports) {
            return fail(reports.error());
        }
        for (auto& r : *reports) {
            waiting.push_back(record_summary(std::move(r.as_object())));
        }
    }
    return json::object{ { "accountId", account_id },
                         { "trainees", std::move(trainees) },
                         { "waiting", std::move(waiting) } };
}

result<json::object>
supervisor_view(infra::kv_store& store, std::string_view account_id, date today)
{
    reader training(store, k_training);
    auto email = account_email(training, account_id);
    if (!email) {
        return fail(email.error());
    }
    json::array records;
    json::array waiting;
    std::map<std::string, json::object> trainees;
    if (!email->empty()) {
        auto sent =
          docs_by_index(training, fmt::format("ix/sent-to/{}/", *email), "report/", false);
        if (!sent) {
            return fail(sent.error());
        }
        for (auto& v : *sent) {
            auto r = record_summary(std::move(v.as_object()));
            auto contract_id = get_str(r, "contractId");
            if (!trainees.contains(contract_id)) {
                auto c = load(training, "contract/" + contract_id);
                if (!c) {
                    return fail(c.error());
                }
                if (*c) {
                    trainees.emplace(contract_id, contract_summary(**c, today));
                }
            }
            if (get_str(r, "status") == "submitted" &&
                lower(get_str(r, "approverEmail")) == *email) {
                waiting.push_back(r);
            }
            records.push_back(std::move(r));
        }
    }
    json::array trainee_list;
    for (auto& [id, t] : trainees) {
        trainee_list.push_back(std::move(t));
    }
    return json::object{ { "accountId", account_id },
                         { "trainees", std::move(trainee_list) },
                         { "records", std::move(records) },
                         { "waiting", std::move(waiting) } };
}

result<json::object>
company_view(infra::kv_store& store, std::string_view company_id, date today)
{
    reader training(store, k_training);
    reader exams(store, k_exams);
    auto company = load(training, "company/" + std::string(company_id));
    if (!company) {
        return fail(company.error());
    }
    if (!*company) {
        return fail(error::not_found("company.not_found", "no such company"));
    }
    auto& co = **company;
    auto contract_ids = index_ids(training, fmt::format("ix/company-contract/{}/", company_id));
    if (!contract_ids) {
        return fail(contract_ids.error());
    }
    json::array contracts;
    std::set<std::string> running;
    for (const auto& id : *contract_ids) {
        auto c = load(training, "contract/" + id);
        if (!c) {
            return fail(c.error());
        }
        if (!*c) {
            continue;
        }
        if (contract_runs(**c, today)) {
            running.insert(id);
        }
        auto progress = progress_for(training, **c, today);
        if (!progress) {
            return fail(progress.error());
        }
        auto summary = contract_summary(**c, today);
        summary["trainerIds"] = arr(**c, "trainerIds");
        summary["traineeAccountId"] = get_str(**c, "traineeAccountId");
        summary["progress"] = std::move(*progress);
        contracts.push_back(std::move(summary));
    }
    auto documents = docs_by_index(
      training, fmt::format("ix/company-document/{}/", company_id), "document/", true);
    if (!documents) {
        return fail(documents.error());
    }
    auto exam_ids = index_ids(exams, fmt::format("ix/company-exam/{}/", company_id));
    if (!exam_ids) {
        return fail(exam_ids.error());
    }
    json::array exam_lines;
    for (const auto& exam_id : *exam_ids) {
        auto x = load(exams, "exam/" + exam_id);
        if (!x) {
            return fail(x.error());
        }
        if (!*x) {
            continue;
        }
        auto regs = registrations_of(exams, **x);
        if (!regs) {
            return fail(regs.error());
        }
        for (const auto& reg : *regs) {
            if (!reg.is_object() || get_str(reg.as_object(), "companyId") != company_id) {
                continue;
            }
            bool show = running.contains(get_str(reg.as_object(), "contractId"));
            exam_lines.push_back(exam_line(**x, reg.as_object(), show));
        }
    }
    json::object view{ { "company", co },
                       { "contracts", std::move(contracts) },
                       { "trainers", arr(co, "trainers") },
                       { "representatives", arr(co, "representatives") },
                       { "documents", std::move(*documents) },
                       { "exams", std::move(exam_lines) },
                       { "branches", arr(co, "branches") } };
    return view;
}

result<json::object>
company_exam_results(infra::kv_store& store,
                     std::string_view company_id,
                     std::string_view exam_id,
                     date today)
{
    reader training(store, k_training);
    reader exams(store, k_exams);
    auto x = load(exams, "exam/" + std::string(exam_id));
    if (!x) {
        return fail(x.error());
    }
    if (!*x || get_str(**x, "date").empty()) {
        return fail(error::not_found("exam.not_found", "no such exam"));
    }
    json::array participants;
    auto regs = registrations_of(exams, **x);
    if (!regs) {
        return fail(regs.error());
    }
    for (const auto& reg : *regs) {
        if (!reg.is_object() || get_str(reg.as_object(), "companyId") != company_id) {
            continue;
        }
        auto c = load(training, "contract/" + get_str(reg.as_object(), "contractId"));
        if (!c) {
            return fail(c.error());
        }
        if (!*c || !contract_runs(**c, today)) {
            continue; // results are hidden once the contract ended
        }
        auto line = exam_line(**x, reg.as_object(), true);
        json::object p{ { "registrationId", line["registrationId"] },
                        { "contractId", line["contractId"] },
                        { "traineeName", line["traineeName"] },
                        { "status", line["status"] } };
        if (auto* res = line.if_contains("result")) {
            p["result"] = *res;
        }
        participants.push_back(std::move(p));
    }
    return json::object{ { "examId", exam_id },
                         { "name", get_str(**x, "name") },
                         { "date", get_str(**x, "date") },
                         { "type", get_str(**x, "type") },
                         { "occupation", get_str(**x, "occupation") },
                         { "participants", std::move(participants) } };
}

result<json::array>
exam_schedule(infra::kv_store& store,
              std::optional<std::string_view> occupation,
              std::optional<std::string_view> from,
              std::optional<std::string_view> to)
{
    reader exams(store, k_exams);
    std::string prefix = "ix/schedule/";
    if (occupation && !occupation->empty()) {
        prefix += std::string(*occupation) + "/";
    }
    auto keys = exams.keys(prefix);
    if (!keys) {
        return fail(keys.error());
    }
    json::array out;
    for (const auto& k : *keys) {
        // ix/schedule/<occupation>/<date>/<examId>
        auto id_slash = k.rfind('/');
        auto date_slash = k.rfind('/', id_slash - 1);
        auto day = k.substr(date_slash + 1, id_slash - date_slash - 1);
        if ((from && !from->empty() && day < *from) || (to && !to->empty() && day > *to)) {
            continue;
        }
        auto x = load(exams, "exam/" + k.substr(id_slash + 1));
        if (!x) {
            return fail(x.error());
        }
        if (*x &&
            (!occupation || occupation->empty() || get_str(**x, "occupation") == *occupation)) {
            auto regs = registrations_of(exams, **x);
            if (!regs) {
                return fail(regs.error());
            }
            (**x)["registrations"] = std::move(*regs);
            out.push_back(std::move(**x));
        }
    }
    return out;
}

result<std::vector<reminder_contract>>
reminder_contracts(infra::kv_store& store, date today)
{
    reader training(store, k_training);
    auto contracts = training.documents("contract/");
    if (!contracts) {
        return fail(contracts.error());
    }
    // Company id -> its documents' record settings, loaded once each.
    std::map<std::string, std::optional<json::object>, std::less<>> companies;
    std::vector<reminder_contract> out;
    for (const auto& c : *contracts) {
        auto company_id = get_str(c, "companyId");
        if (company_id.empty() || !contract_runs(c, today)) {
            continue;
        }
        auto it = companies.find(company_id);
        if (it == companies.end()) {
            auto company = load(training, "company/" + company_id);
            if (!company) {
                return fail(company.error());
            }
            it = companies.emplace(company_id, std::move(*company)).first;
        }
        if (!it->second) {
            continue;
        }
        const json::object* setting =
          find_in(*it->second, "recordSettings", "occupation", get_str(c, "occupation"));
        if (setting == nullptr) {
            setting = find_in(*it->second, "recordSettings", "occupation", "*");
        }
        if (setting == nullptr || !is_true(*setting, "reminders")) {
            continue;
        }
        out.push_back({ get_str(c, "contractId"), std::move(company_id) });
    }
    return out;
}

result<json::object>
staff_view(infra::kv_store& store, date today)
{
    reader training(store, k_training);
    auto contracts = training.documents("contract/");
    if (!contracts) {
        return fail(contracts.error());
    }
    json::array contract_list;
    for (auto& c : *contracts) {
        if (get_str(c, "companyId").empty()) {
            continue;
        }
        auto s = contract_summary(c, today);
        s["registeredAt"] = get_str(c, "registeredAt");
        contract_list.push_back(std::move(s));
    }
    auto changes = training.documents("rfc/");
    if (!changes) {
        return fail(changes.error());
    }
    json::array change_list;
    for (auto& c : *changes) {
        change_list.push_back(std::move(c));
    }
    auto pending = training.keys("ix/pending-rep/");
    if (!pending) {
        return fail(pending.error());
    }
    json::array pending_list;
    for (const auto& k : *pending) {
        // ix/pending-rep/<companyId>/<representativeId>
        auto rep_slash = k.rfind('/');
        auto company_id = k.substr(std::string_view("ix/pending-rep/").size(),
                                   rep_slash - std::string_view("ix/pending-rep/").size());
        auto company = load(training, "company/" + company_id);
        if (!company) {
            return fail(company.error());
        }
        if (!*company) {
            continue;
        }
        if (auto* r =
              find_in(**company, "representatives", "representativeId", k.substr(rep_slash + 1))) {
            auto rep = *r;
            rep["companyId"] = company_id;
            rep["companyName"] = get_str(**company, "name");
            pending_list.push_back(std::move(rep));
        }
    }
    auto schedule = exam_schedule(store, std::nullopt, std::nullopt, std::nullopt);
    if (!schedule) {
        return fail(schedule.error());
    }
    return json::object{ { "contracts", std::move(contract_list) },
                         { "recordFormChanges", std::move(change_list) },
                         { "pendingRepresentatives", std::move(pending_list) },
                         { "exams", std::move(*schedule) } };
}

result<json::object>
examiner_view(infra::kv_store& store, std::string_view account_id)
{
    reader exams(store, k_exams);
    auto examiner = load(exams, "examiner/" + std::string(account_id));
    if (!examiner) {
        return fail(examiner.error());
    }
    json::array committees;
    if (*examiner) {
        committees = arr(**examiner, "appointments");
    }
    auto exam_ids = index_ids(exams, fmt::format("ix/examiner-exam/{}/", account_id));
    if (!exam_ids) {
        return fail(exam_ids.error());
    }
    json::array exam_list;
    json::array proposals;
    for (const auto& exam_id : *exam_ids) {
        auto x = load(exams, "exam/" + exam_id);
        if (!x) {
            return fail(x.error());
        }
        if (*x) {
            exam_list.push_back(std::move(**x));
        }
        auto ps =
          docs_by_index(exams, fmt::format("ix/exam-proposal/{}/", exam_id), "proposal/", false);
        if (!ps) {
            return fail(ps.error());
        }
        for (auto& p : *ps) {
            if (get_str(p.as_object(), "status") == "submitted") {
                proposals.push_back(std::move(p));
            }
        }
    }
    auto seminars = exams.documents("seminar/");
    if (!seminars) {
        return fail(seminars.error());
    }
    json::array own;
    json::array open;
    for (auto& s : *seminars) {
        json::object* mine = nullptr;
        for (auto& r : arr(s, "registrations")) {
            if (r.is_object() && get_str(r.as_object(), "accountId") == account_id &&
                get_str(r.as_object(), "status") != "cancelled") {
                mine = &r.as_object();
            }
        }
        json::object summary{ { "seminarId", get_str(s, "seminarId") },
                              { "title", get_str(s, "title") },
                              { "date", get_str(s, "date") },
                              { "location", get_str(s, "location") } };
        if (mine != nullptr) {
            summary["registrationId"] = get_str(*mine, "registrationId");
            summary["status"] = get_str(*mine, "status");
            own.push_back(std::move(summary));
        } else {
            open.push_back(std::move(summary));
        }
    }
    return json::object{ { "accountId", account_id },       { "committees", std::move(committees) },
                         { "exams", std::move(exam_list) }, { "proposals", std::move(proposals) },
                         { "seminars", std::move(own) },    { "openSeminars", std::move(open) } };
}

std::vector<std::unique_ptr<projector>>
all_projectors()
{
    std::vector<std::unique_ptr<projector>> out;
    out.push_back(make_training_projector());
    out.push_back(make_exams_projector());
    out.push_back(make_report_audit_projector());
    out.push_back(make_account_security_projector());
    out.push_back(make_public_listing_projector());
    out.push_back(make_outbox_projector());
    out.push_back(make_sessions_projector());
    return out;
}

} // namespace portal::projections
