#include "report/report.hpp"

#include <algorithm>
#include <map>
#include <optional>

namespace portal::domain::report {

namespace {

using std::chrono::days;
using std::chrono::sys_days;

std::unexpected<error>
not_found()
{
    return missing("report.not_found", "the training record does not exist");
}

std::unexpected<error>
not_trainee()
{
    return forbid("report.not_trainee", "only the contract's trainee keeps the record");
}

/// Number of Unicode code points of valid UTF-8.
std::size_t
code_points(std::string_view text) noexcept
{
    return static_cast<std::size_t>(std::count_if(text.begin(), text.end(), [](char c) {
        return (static_cast<unsigned char>(c) & 0xc0) != 0x80;
    }));
}

bool
valid_entry_kind(schema::EntryKind k) noexcept
{
    switch (k) {
        case schema::EntryKind::COMPANY:
        case schema::EntryKind::INSTRUCTION:
        case schema::EntryKind::SCHOOL:
            return true;
    }
    return false;
}

bool
valid_absence_kind(schema::AbsenceKind k) noexcept
{
    switch (k) {
        case schema::AbsenceKind::VACATION:
        case schema::AbsenceKind::SICKNESS:
        case schema::AbsenceKind::SCHOOL:
        case schema::AbsenceKind::OTHER:
            return true;
    }
    return false;
}

bool
is_trainee(const context& ctx) noexcept
{
    return !ctx.actor.account_id.empty() && ctx.actor.account_id == ctx.contract.trainee_account_id;
}

/// The named approver (by account or by the acting account's e-mail) or a
/// current trainer of the contract.
bool
is_decider(const state& s, const context& ctx)
{
    const auto& id = ctx.actor.account_id;
    if (!id.empty()) {
        if (id == s.approver_account_id) {
            return true;
        }
        const auto& trainers = ctx.contract.trainer_account_ids;
        if (std::find(trainers.begin(), trainers.end(), id) != trainers.end()) {
            return true;
        }
    }
    return !s.approver_email.empty() && !trim(ctx.actor_email).empty() &&
           normalize_email(ctx.actor_email) == s.approver_email;
}

/// First and last day of a requested period, or an error.
result<std::pair<date, date>>
resolve_period(const record_period& p)
{
    switch (p.kind) {
        case schema::PeriodKind::WEEK: {
            auto monday = monday_of(p.week);
            if (!monday) {
                return invalid("validation.period", "the ISO week does not exist");
            }
            return std::pair{ *monday, date{ sys_days{ *monday } + days{ 6 } } };
        }
        case schema::PeriodKind::DAY: {
            auto d = parse_date(trim(p.day));
            if (!d) {
                return invalid("validation.period", "the day is not a date (YYYY-MM-DD)");
            }
            return std::pair{ *d, *d };
        }
    }
    return invalid("validation.period", "the period is a week or a day");
}

bool
inside(date d, date first, date last) noexcept
{
    return !(d < first) && !(last < d);
}

/// The content, normalised (text trimmed, dates formatted), or the first
/// rule it breaks.
result<std::pair<std::vector<entry>, std::vector<absence>>>
check_content(const std::vector<entry>& entries,
              const std::vector<absence>& absences,
              schema::PeriodKind kind,
              date first,
              date last)
{
    if (entries.size() > k_max_entries) {
        return invalid("report.too_many_entries", "a record holds at most 100 entries");
    }
    std::vector<entry> out_entries;
    out_entries.reserve(entries.size());
    std::map<date, std::uint32_t> per_day;
    std::uint32_t total = 0;
    for (const auto& e : entries) {
        if (!valid_entry_kind(e.kind)) {
            return invalid("validation.entry_kind", "an entry is company, instruction or school");
        }
        if (!valid_text(e.text, 4 * k_max_entry_chars) || code_points(e.text) > k_max_entry_chars) {
            return invalid("validation.entry_text",
                           "an entry's text is required (at most 2000 characters)");
        }
        if (e.minutes > k_minutes_per_day) {
            return invalid("validation.entry_minutes", "an entry takes at most 24 hours");
        }
        entry n;
        n.kind = e.kind;
        n.text = std::string(trim(e.text));
        n.minutes = e.minutes;
        std::optional<date> day;
        if (!trim(e.day).empty()) {
            day = parse_date(trim(e.day));
            if (!day || !inside(*day, first, last)) {
                return invalid("validation.entry_day",
                               "an entry's day is a date inside the period");
            }
            n.day = format_date(*day);
        } else if (kind == schema::PeriodKind::DAY) {
            day = first;
        }
        if (e.framework_items.size() > k_max_framework_items) {
            return invalid("validation.framework_items", "at most 20 framework items per entry");
        }
        for (const auto& item : e.framework_items) {
            if (!valid_text(item, k_max_framework_item)) {
                return invalid("validation.framework_items",
                               "a framework item is a short non-empty reference");
            }
            n.framework_items.emplace_back(trim(item));
        }
        if (day) {
            per_day[*day] += e.minutes;
        }
        total += e.minutes;
        out_entries.push_back(std::move(n));
    }
    std::vector<absence> out_absences;
    out_absences.reserve(absences.size());
    for (const auto& a : absences) {
        auto d = parse_date(trim(a.date));
        if (!d || !inside(*d, first, last)) {
            return invalid("validation.absence_date", "an absence's date lies inside the period");
        }
        if (!valid_absence_kind(a.kind)) {
            return invalid("validation.absence_kind",
                           "an absence is vacation, sickness, school or other");
        }
        if (a.minutes > k_minutes_per_day) {
            return invalid("validation.absence_minutes", "an absence takes at most 24 hours");
        }
        if (!trim(a.note).empty() && !valid_text(a.note, 4 * k_max_entry_chars)) {
            return invalid("validation.absence_note", "an absence's note is too long");
        }
        auto iso = format_date(*d);
        if (std::any_of(out_absences.begin(), out_absences.end(), [&](const absence& x) {
                return x.date == iso;
            })) {
            return invalid("report.duplicate_absence", "at most one absence per date");
        }
        per_day[*d] += a.minutes;
        out_absences.push_back(absence{ iso, a.kind, a.minutes, std::string(trim(a.note)) });
    }
    for (const auto& [day, minutes] : per_day) {
        if (minutes > k_minutes_per_day) {
            return invalid("report.hours_per_day", "more than 24 hours on " + format_date(day));
        }
    }
    if (kind == schema::PeriodKind::DAY && total > k_minutes_per_day) {
        return invalid("report.hours_per_day", "more than 24 hours on one day");
    }
    if (kind == schema::PeriodKind::WEEK && total > k_max_minutes_per_week) {
        return invalid("report.hours_implausible", "more than 60 hours in one week");
    }
    return std::pair{ std::move(out_entries), std::move(out_absences) };
}

void
write_content(::capnp::List<schema::Entry>::Builder list, const std::vector<entry>& entries)
{
    for (unsigned i = 0; i < entries.size(); ++i) {
        auto b = list[i];
        const auto& e = entries[i];
        b.setKind(e.kind);
        b.setText(e.text);
        b.setMinutes(e.minutes);
        b.setDay(e.day);
        auto items = b.initFrameworkItems(static_cast<unsigned>(e.framework_items.size()));
        for (unsigned k = 0; k < e.framework_items.size(); ++k) {
            items.set(k, e.framework_items[k]);
        }
    }
}

void
write_content(::capnp::List<schema::Absence>::Builder list, const std::vector<absence>& absences)
{
    for (unsigned i = 0; i < absences.size(); ++i) {
        auto b = list[i];
        const auto& a = absences[i];
        b.setDate(a.date);
        b.setKind(a.kind);
        b.setMinutes(a.minutes);
        b.setNote(a.note);
    }
}

std::vector<entry>
read_entries(::capnp::List<schema::Entry>::Reader list)
{
    std::vector<entry> out;
    out.reserve(list.size());
    for (auto r : list) {
        entry e;
        e.kind = r.getKind();
        e.text = str(r.getText());
        e.minutes = r.getMinutes();
        e.day = str(r.getDay());
        for (auto item : r.getFrameworkItems()) {
            e.framework_items.push_back(str(item));
        }
        out.push_back(std::move(e));
    }
    return out;
}

std::vector<absence>
read_absences(::capnp::List<schema::Absence>::Reader list)
{
    std::vector<absence> out;
    out.reserve(list.size());
    for (auto r : list) {
        out.push_back(absence{ str(r.getDate()), r.getKind(), r.getMinutes(), str(r.getNote()) });
    }
    return out;
}

/// The trainee's guard for edit and submit.
std::optional<std::unexpected<error>>
check_trainee_change(const state& s, const context& ctx)
{
    if (!s.exists) {
        return not_found();
    }
    if (!is_trainee(ctx)) {
        return not_trainee();
    }
    if (s.status == record_status::approved) {
        return domain::reject("report.already_approved",
                              "an approved record cannot be changed by the trainee");
    }
    return std::nullopt;
}

} // namespace

std::string
stream_id(std::string_view report_id)
{
    return "report-" + std::string(report_id);
}

std::string
partition_key(std::string_view company_id)
{
    return "company-" + std::string(company_id);
}

unsigned
training_year_of(date contract_start, date first_day) noexcept
{
    if (!(contract_start < first_day)) {
        return 1;
    }
    int months =
      (static_cast<int>(first_day.year()) - static_cast<int>(contract_start.year())) * 12 +
      static_cast<int>(static_cast<unsigned>(first_day.month())) -
      static_cast<int>(static_cast<unsigned>(contract_start.month()));
    if (first_day.day() < contract_start.day()) {
        --months;
    }
    auto year = static_cast<unsigned>(months / 12 + 1);
    return std::min(year, k_max_training_year);
}

decision
decide(const state& s, const draft& c, const context& ctx)
{
    if (s.exists) {
        return domain::reject("report.already_exists", "the record already exists");
    }
    if (trim(c.contract_id).empty()) {
        return invalid("validation.contract_id", "the contract is required");
    }
    if (!ctx.contract.known || ctx.contract.contract_id != trim(c.contract_id)) {
        return missing("report.contract_not_found", "the contract is not known");
    }
    if (!is_trainee(ctx)) {
        return not_trainee();
    }
    if (!ctx.electronic_records) {
        return domain::reject("report.electronic_records_disabled",
                              "the company keeps no electronic records for this occupation");
    }
    if (ctx.contract.record_form != schema::RecordForm::ELECTRONIC) {
        return domain::reject("report.paper_record_form",
                              "the contract's records are kept on paper");
    }
    auto today = day_of(ctx.now);
    if (ctx.contract.ended || today < ctx.contract.start || ctx.contract.end < today) {
        return domain::reject("report.contract_inactive", "the contract does not run today");
    }
    if (c.period.kind != ctx.contract.period_kind) {
        return invalid("report.period_kind_mismatch",
                       ctx.contract.period_kind == schema::PeriodKind::WEEK
                         ? "records of this contract cover a week"
                         : "records of this contract cover a day");
    }
    auto period = resolve_period(c.period);
    if (!period) {
        return fail(period.error());
    }
    auto [first, last] = *period;
    if (last < ctx.contract.start || ctx.contract.end < first) {
        return domain::reject("report.period_outside_contract",
                              "the period lies outside the contract");
    }
    if (today < first) {
        return domain::reject("report.period_in_future", "the period lies in the future");
    }
    if (ctx.period_taken) {
        return domain::reject("report.period_taken",
                              "the contract already has a record for this period");
    }
    if (c.training_year > k_max_training_year) {
        return invalid("validation.training_year", "the training year is 1 to 4");
    }
    unsigned year =
      c.training_year != 0 ? c.training_year : training_year_of(ctx.contract.start, first);
    auto content = check_content(c.entries, c.absences, c.period.kind, first, last);
    if (!content) {
        return fail(content.error());
    }
    return one_event([&](schema::Event::Builder e) {
        auto d = e.initReport().initDrafted();
        d.setContractId(ctx.contract.contract_id);
        d.setCompanyId(ctx.contract.company_id);
        auto p = d.initPeriod();
        if (c.period.kind == schema::PeriodKind::WEEK) {
            auto w = p.initWeek();
            w.setYear(static_cast<std::uint16_t>(c.period.week.year));
            w.setWeek(static_cast<std::uint8_t>(c.period.week.week));
        } else {
            p.setDay(format_date(first));
        }
        d.setTrainingYear(static_cast<std::uint8_t>(year));
        write_content(d.initEntries(static_cast<unsigned>(content->first.size())), content->first);
        write_content(d.initAbsences(static_cast<unsigned>(content->second.size())),
                      content->second);
    });
}

decision
decide(const state& s, const edit& c, const context& ctx)
{
    if (auto e = check_trainee_change(s, ctx)) {
        return *e;
    }
    if (s.status == record_status::submitted) {
        return domain::reject("report.not_editable",
                              "a submitted record cannot be changed; wait for the decision");
    }
    auto content = check_content(c.entries, c.absences, s.period.kind, s.first_day, s.last_day);
    if (!content) {
        return fail(content.error());
    }
    if (content->first == s.entries && content->second == s.absences) {
        return no_events();
    }
    return one_event([&](schema::Event::Builder e) {
        auto d = e.initReport().initEdited();
        d.setContractId(s.contract_id);
        write_content(d.initEntries(static_cast<unsigned>(content->first.size())), content->first);
        write_content(d.initAbsences(static_cast<unsigned>(content->second.size())),
                      content->second);
    });
}

decision
decide(const state& s, const submit& c, const context& ctx)
{
    if (auto e = check_trainee_change(s, ctx)) {
        return *e;
    }
    if (!valid_email(trim(c.approver_email))) {
        return invalid("validation.approver_email", "the approver's e-mail address is not valid");
    }
    auto email = normalize_email(c.approver_email);
    if (s.status == record_status::submitted) {
        if (email == s.approver_email) {
            return no_events();
        }
        return domain::reject("report.not_editable",
                              "the record was already sent to another approver");
    }
    if (!trim(ctx.actor_email).empty() && email == normalize_email(ctx.actor_email)) {
        return domain::reject("report.self_approval", "the trainee cannot approve own records");
    }
    if (s.entries.empty() && s.absences.empty()) {
        return domain::reject("report.empty", "a record needs an entry or an absence");
    }
    return one_event([&](schema::Event::Builder e) {
        auto d = e.initReport().initSubmitted();
        d.setApproverEmail(email);
        d.setApproverAccountId(ctx.approver_account_id);
        d.setContractId(s.contract_id);
    });
}

decision
decide(const state& s, const approve& c, const context& ctx)
{
    if (!s.exists) {
        return not_found();
    }
    if (!is_decider(s, ctx)) {
        return forbid("report.not_approver",
                      "only the named approver or the contract's trainer decides");
    }
    if (s.status == record_status::approved) {
        return no_events();
    }
    if (s.status != record_status::submitted) {
        return domain::reject("report.not_submitted", "the record waits for no decision");
    }
    if (!trim(c.comment).empty() && !valid_text(c.comment, k_max_text)) {
        return invalid("validation.comment", "the comment is too long or not valid text");
    }
    return one_event([&](schema::Event::Builder e) {
        auto d = e.initReport().initApproved();
        d.setComment(std::string(trim(c.comment)));
        d.setBulk(c.bulk);
        d.setContractId(s.contract_id);
    });
}

decision
decide(const state& s, const reject& c, const context& ctx)
{
    if (!s.exists) {
        return not_found();
    }
    if (!is_decider(s, ctx)) {
        return forbid("report.not_approver",
                      "only the named approver or the contract's trainer decides");
    }
    auto remarks = std::string(trim(c.remarks));
    if (s.status == record_status::rejected && !remarks.empty() && remarks == s.remarks) {
        return no_events();
    }
    if (s.status == record_status::draft || s.status == record_status::rejected) {
        return domain::reject("report.not_submitted", "the record waits for no decision");
    }
    if (remarks.empty()) {
        return domain::reject("report.remarks_required", "rejecting requires remarks");
    }
    if (!valid_text(c.remarks, k_max_text)) {
        return invalid("validation.remarks", "the remarks are too long or not valid text");
    }
    bool reopened = s.status == record_status::approved;
    return one_event([&](schema::Event::Builder e) {
        auto d = e.initReport().initRejected();
        d.setRemarks(remarks);
        d.setReopened(reopened);
        d.setContractId(s.contract_id);
    });
}

std::vector<bulk_result>
decide_bulk_approval(const std::vector<bulk_item>& items, const approve& c)
{
    approve one = c;
    one.bulk = true;
    std::vector<bulk_result> out;
    out.reserve(items.size());
    for (const auto& item : items) {
        out.push_back(bulk_result{ item.report_id, decide(item.current, one, item.ctx) });
    }
    return out;
}

state
evolve(state s, schema::ReportEvent::Reader event)
{
    switch (event.which()) {
        case schema::ReportEvent::DRAFTED: {
            auto d = event.getDrafted();
            s.exists = true;
            s.contract_id = str(d.getContractId());
            s.company_id = str(d.getCompanyId());
            auto p = d.getPeriod();
            switch (p.which()) {
                case schema::Period::WEEK: {
                    s.period.kind = schema::PeriodKind::WEEK;
                    s.period.week = iso_week{ p.getWeek().getYear(), p.getWeek().getWeek() };
                    s.period.day.clear();
                    auto monday = monday_of(s.period.week).value_or(date{});
                    s.first_day = monday;
                    s.last_day = date{ sys_days{ monday } + days{ 6 } };
                    break;
                }
                case schema::Period::DAY: {
                    s.period.kind = schema::PeriodKind::DAY;
                    s.period.week = {};
                    s.period.day = str(p.getDay());
                    auto day = parse_date(s.period.day).value_or(date{});
                    s.first_day = day;
                    s.last_day = day;
                    break;
                }
            }
            s.training_year = d.getTrainingYear();
            s.entries = read_entries(d.getEntries());
            s.absences = read_absences(d.getAbsences());
            s.status = record_status::draft;
            break;
        }
        case schema::ReportEvent::EDITED: {
            auto d = event.getEdited();
            s.entries = read_entries(d.getEntries());
            s.absences = read_absences(d.getAbsences());
            break;
        }
        case schema::ReportEvent::SUBMITTED: {
            auto d = event.getSubmitted();
            s.status = record_status::submitted;
            s.approver_email = str(d.getApproverEmail());
            s.approver_account_id = str(d.getApproverAccountId());
            break;
        }
        case schema::ReportEvent::APPROVED:
            s.status = record_status::approved;
            s.comment = str(event.getApproved().getComment());
            break;
        case schema::ReportEvent::REJECTED: {
            auto d = event.getRejected();
            s.status = record_status::rejected;
            s.remarks = str(d.getRemarks());
            s.reopened = d.getReopened();
            break;
        }
    }
    return s;
}

state
evolve(state s, schema::Event::Reader event)
{
    if (event.which() != schema::Event::REPORT) {
        return s;
    }
    return evolve(std::move(s), event.getReport());
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

record_status
status(const state& s) noexcept
{
    return s.status;
}

std::string_view
to_string(record_status st) noexcept
{
    switch (st) {
        case record_status::draft:
            return "draft";
        case record_status::submitted:
            return "submitted";
        case record_status::approved:
            return "approved";
        case record_status::rejected:
            return "rejected";
    }
    return "unknown";
}

bool
is_locked_for_trainee(const state& s) noexcept
{
    return s.exists &&
           (s.status == record_status::submitted || s.status == record_status::approved);
}

} // namespace portal::domain::report
