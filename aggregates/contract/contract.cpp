#include "contract/contract.hpp"

#include <algorithm>

namespace portal::domain::contract {

namespace {

constexpr std::size_t k_max_trainee_number = 64;
constexpr std::size_t k_max_note = k_max_text;

bool
is_staff(const context& ctx) noexcept
{
    return ctx.actor.acting_as == role::staff || ctx.actor.acting_as == role::system;
}

std::unexpected<error>
staff_only()
{
    return forbid("contract.staff_only", "only chamber staff register and change contracts");
}

std::unexpected<error>
not_found()
{
    return missing("contract.not_found", "the contract does not exist");
}

std::unexpected<error>
erased()
{
    return reject("contract.personal_data_erased",
                  "the trainee's personal data of the contract was erased");
}

bool
valid_form(schema::RecordForm f) noexcept
{
    return f == schema::RecordForm::PAPER || f == schema::RecordForm::ELECTRONIC;
}

bool
valid_reason(schema::EndReason r) noexcept
{
    return r == schema::EndReason::REGULAR || r == schema::EndReason::TERMINATED ||
           r == schema::EndReason::OTHER;
}

/// The common guard of every change: staff, the contract exists, its
/// trainee's data is still there and it has not ended.
std::optional<std::unexpected<error>>
check_change(const state& s, const context& ctx)
{
    if (!is_staff(ctx)) {
        return staff_only();
    }
    if (!s.exists) {
        return not_found();
    }
    if (s.personal_data_erased) {
        return erased();
    }
    if (s.ended) {
        return reject("contract.ended", "the contract has ended");
    }
    return std::nullopt;
}

/// Validates a trainer list against the company's trainers.
std::optional<std::unexpected<error>>
check_trainers(const std::vector<std::string>& ids, const company_facts& company)
{
    if (ids.empty()) {
        return invalid("validation.trainers", "at least one trainer is required");
    }
    for (std::size_t i = 0; i < ids.size(); ++i) {
        if (trim(ids[i]).empty() || ids[i].size() > k_max_name) {
            return invalid("validation.trainers", "a trainer id is empty");
        }
        if (std::find(ids.begin(), ids.begin() + static_cast<long>(i), ids[i]) !=
            ids.begin() + static_cast<long>(i)) {
            return invalid("validation.trainers", "a trainer is named twice");
        }
        if (std::find(company.trainer_ids.begin(), company.trainer_ids.end(), ids[i]) ==
            company.trainer_ids.end()) {
            return reject("contract.unknown_trainer",
                          "trainer " + ids[i] + " is not registered at the company");
        }
    }
    return std::nullopt;
}

/// Start and end parsed and ordered.
result<std::pair<date, date>>
parse_dates(std::string_view start, std::string_view end)
{
    auto s = parse_date(trim(start));
    if (!s) {
        return invalid("validation.start", "start is not a date (YYYY-MM-DD)");
    }
    auto e = parse_date(trim(end));
    if (!e) {
        return invalid("validation.end", "end is not a date (YYYY-MM-DD)");
    }
    if (!(*s < *e)) {
        return invalid("contract.end_not_after_start", "the end must be after the start");
    }
    return std::pair{ *s, *e };
}

void
set_list(::capnp::List<::capnp::Text>::Builder list, const std::vector<std::string>& ids)
{
    for (unsigned i = 0; i < ids.size(); ++i) {
        list.set(i, ids[i]);
    }
}

std::vector<std::string>
get_list(::capnp::List<::capnp::Text>::Reader list)
{
    std::vector<std::string> out;
    out.reserve(list.size());
    for (auto t : list) {
        out.push_back(str(t));
    }
    return out;
}

date
date_or_default(::capnp::Text::Reader text)
{
    return parse_date(std::string_view(text.cStr(), text.size())).value_or(date{});
}

std::vector<std::string>
sorted(std::vector<std::string> v)
{
    std::sort(v.begin(), v.end());
    return v;
}

} // namespace

std::string
stream_id(std::string_view contract_id)
{
    return "contract-" + std::string(contract_id);
}

std::string
partition_key(std::string_view company_id)
{
    return "company-" + std::string(company_id);
}

bool
is_minor(date birth, date on) noexcept
{
    using namespace std::chrono;
    date eighteenth = (birth.year() + years{ 18 }) / birth.month() / birth.day();
    if (!eighteenth.ok()) {
        // Born on 29 February: of age from 1 March (BGB §187, §188).
        eighteenth = (birth.year() + years{ 18 }) / March / 1;
    }
    return on < eighteenth;
}

decision
decide(const state& s, const register_contract& c, const context& ctx)
{
    if (!is_staff(ctx)) {
        return staff_only();
    }
    if (s.exists) {
        return reject("contract.already_registered", "the contract is already registered");
    }
    if (trim(c.company_id).empty()) {
        return invalid("validation.company_id", "the company is required");
    }
    if (!ctx.company.known) {
        return reject("contract.unknown_company", "the company is not known");
    }
    if (!valid_text(c.trainee.name, k_max_name)) {
        return invalid("validation.trainee_name", "the trainee's name is required");
    }
    auto birth = parse_date(trim(c.trainee.birth_date));
    if (!birth) {
        return invalid("validation.birth_date", "the birth date is not a date (YYYY-MM-DD)");
    }
    if (!(*birth < day_of(ctx.now))) {
        return invalid("validation.birth_date", "the birth date must be in the past");
    }
    if (!trim(c.trainee.email).empty() && !valid_email(trim(c.trainee.email))) {
        return invalid("validation.email", "the trainee's e-mail address is not valid");
    }
    if (!valid_text(c.trainee_number, k_max_trainee_number)) {
        return invalid("validation.trainee_number", "the trainee number is required");
    }
    if (!valid_text(c.occupation, k_max_name)) {
        return invalid("validation.occupation", "the occupation is required");
    }
    auto dates = parse_dates(c.start, c.end);
    if (!dates) {
        return fail(dates.error());
    }
    if (!valid_form(c.record_form)) {
        return invalid("validation.record_form", "the record form is paper or electronic");
    }
    if (auto e = check_trainers(c.trainer_ids, ctx.company)) {
        return *e;
    }
    auto kind = ctx.occupation_period_kind.value_or(schema::PeriodKind::WEEK);
    bool minor = is_minor(*birth, dates->first);
    return one_event([&](schema::Event::Builder e) {
        auto r = e.initContract().initRegistered();
        r.setCompanyId(std::string(trim(c.company_id)));
        auto t = r.initTrainee();
        t.setName(std::string(trim(c.trainee.name)));
        t.setBirthDate(format_date(*birth));
        t.setEmail(normalize_email(c.trainee.email));
        t.setMinor(minor);
        r.setTraineeNumber(std::string(trim(c.trainee_number)));
        r.setOccupation(std::string(trim(c.occupation)));
        r.setStart(format_date(dates->first));
        r.setEnd(format_date(dates->second));
        r.setRecordForm(c.record_form);
        r.setPeriodKind(kind);
        set_list(r.initTrainerIds(static_cast<unsigned>(c.trainer_ids.size())), c.trainer_ids);
    });
}

decision
decide(const state& s, const issue_confirmation& c, const context& ctx)
{
    if (!is_staff(ctx)) {
        return staff_only();
    }
    if (!s.exists) {
        return not_found();
    }
    if (trim(c.document_id).empty()) {
        return invalid("validation.document_id", "the document id is required");
    }
    if (s.confirmation_document_id == c.document_id) {
        return no_events();
    }
    if (!s.confirmation_document_id.empty()) {
        return reject("contract.confirmation_already_issued",
                      "the registration confirmation was already issued");
    }
    if (s.personal_data_erased) {
        // The confirmation names the trainee, who is no longer on record.
        return erased();
    }
    if (s.ended) {
        return reject("contract.ended", "the contract has ended");
    }
    return one_event([&](schema::Event::Builder e) {
        e.initContract().initConfirmationIssued().setDocumentId(c.document_id);
    });
}

decision
decide(const state& s, const link_trainee_account& c, const context& ctx)
{
    if (auto e = check_change(s, ctx)) {
        return *e;
    }
    if (trim(c.account_id).empty()) {
        return invalid("validation.account_id", "the account id is required");
    }
    if (s.trainee_account_id == c.account_id) {
        return no_events();
    }
    if (auto refused = trainee_account_refusal(s, c.account_id)) {
        return std::unexpected(std::move(*refused));
    }
    return one_event([&](schema::Event::Builder e) {
        e.initContract().initTraineeAccountLinked().setAccountId(c.account_id);
    });
}

std::optional<error>
trainee_account_refusal(const state& s, std::string_view account_id)
{
    if (!s.exists) {
        return not_found().error();
    }
    if (s.personal_data_erased) {
        return erased().error();
    }
    if (s.ended) {
        return reject("contract.ended", "the contract has ended").error();
    }
    if (!s.trainee_account_id.empty() && s.trainee_account_id != account_id) {
        return reject("contract.trainee_account_already_linked",
                      "another account is already linked to the trainee")
          .error();
    }
    return std::nullopt;
}

decision
decide(const state& s, const change_trainers& c, const context& ctx)
{
    if (auto e = check_change(s, ctx)) {
        return *e;
    }
    if (auto e = check_trainers(c.trainer_ids, ctx.company)) {
        return *e;
    }
    if (sorted(c.trainer_ids) == sorted(s.trainer_ids)) {
        return no_events();
    }
    return one_event([&](schema::Event::Builder e) {
        auto t = e.initContract().initTrainersChanged();
        set_list(t.initTrainerIds(static_cast<unsigned>(c.trainer_ids.size())), c.trainer_ids);
    });
}

decision
decide(const state& s, const change_dates& c, const context& ctx)
{
    if (auto e = check_change(s, ctx)) {
        return *e;
    }
    auto dates = parse_dates(c.start, c.end);
    if (!dates) {
        return fail(dates.error());
    }
    if (dates->first == s.start_date && dates->second == s.end_date) {
        return no_events();
    }
    return one_event([&](schema::Event::Builder e) {
        auto d = e.initContract().initDatesChanged();
        d.setStart(format_date(dates->first));
        d.setEnd(format_date(dates->second));
    });
}

decision
decide(const state& s, const change_record_form& c, const context& ctx)
{
    if (auto e = check_change(s, ctx)) {
        return *e;
    }
    if (!valid_form(c.form)) {
        return invalid("validation.record_form", "the record form is paper or electronic");
    }
    if (c.form == s.record_form) {
        return no_events();
    }
    return one_event(
      [&](schema::Event::Builder e) { e.initContract().initRecordFormChanged().setForm(c.form); });
}

decision
decide(const state& s, const end_contract& c, const context& ctx)
{
    if (!is_staff(ctx)) {
        return staff_only();
    }
    if (!s.exists) {
        return not_found();
    }
    if (s.personal_data_erased) {
        return erased();
    }
    if (s.ended) {
        return reject("contract.already_ended", "the contract has already ended");
    }
    auto d = parse_date(trim(c.date));
    if (!d) {
        return invalid("validation.end_date", "the end date is not a date (YYYY-MM-DD)");
    }
    if (*d < s.start_date) {
        return invalid("contract.end_before_start", "the contract cannot end before it starts");
    }
    if (!valid_reason(c.reason)) {
        return invalid("validation.end_reason", "the reason is regular, terminated or other");
    }
    if (c.note.size() > k_max_note || (!trim(c.note).empty() && !valid_text(c.note, k_max_note))) {
        return invalid("validation.note", "the note is too long or not valid text");
    }
    return one_event([&](schema::Event::Builder e) {
        auto x = e.initContract().initEnded();
        x.setDate(format_date(*d));
        x.setReason(c.reason);
        x.setNote(std::string(trim(c.note)));
    });
}

decision
decide(const state& s, const erase_personal_data& c, const context& ctx)
{
    if (!is_staff(ctx)) {
        return staff_only();
    }
    if (!s.exists) {
        return not_found();
    }
    if (!valid_erase_reason(c.reason)) {
        return invalid("validation.reason", "a reason of at most 500 characters is required");
    }
    if (s.personal_data_erased) {
        return no_events();
    }
    if (!term_of(s).has_ended(day_of(ctx.now))) {
        return reject("contract.still_running",
                      "the trainee's personal data is erased only after the contract has ended");
    }
    return one_event([&](schema::Event::Builder e) {
        e.initContract().initPersonalDataErased().setReason(std::string(trim(c.reason)));
    });
}

state
evolve(state s, schema::ContractEvent::Reader event)
{
    switch (event.which()) {
        case schema::ContractEvent::REGISTERED: {
            auto r = event.getRegistered();
            s.exists = true;
            s.company_id = str(r.getCompanyId());
            auto t = r.getTrainee();
            s.trainee_name = str(t.getName());
            s.birth_date = date_or_default(t.getBirthDate());
            s.trainee_email = str(t.getEmail());
            s.minor = t.getMinor();
            s.trainee_number = str(r.getTraineeNumber());
            s.occupation = str(r.getOccupation());
            s.start_date = date_or_default(r.getStart());
            s.end_date = date_or_default(r.getEnd());
            s.record_form = r.getRecordForm();
            s.period_kind = r.getPeriodKind();
            s.trainer_ids = get_list(r.getTrainerIds());
            break;
        }
        case schema::ContractEvent::CONFIRMATION_ISSUED:
            s.confirmation_document_id = str(event.getConfirmationIssued().getDocumentId());
            break;
        case schema::ContractEvent::TRAINEE_ACCOUNT_LINKED:
            s.trainee_account_id = str(event.getTraineeAccountLinked().getAccountId());
            break;
        case schema::ContractEvent::TRAINERS_CHANGED:
            s.trainer_ids = get_list(event.getTrainersChanged().getTrainerIds());
            break;
        case schema::ContractEvent::DATES_CHANGED: {
            auto d = event.getDatesChanged();
            s.start_date = date_or_default(d.getStart());
            s.end_date = date_or_default(d.getEnd());
            if (!s.personal_data_erased) {
                s.minor = is_minor(s.birth_date, s.start_date);
            }
            break;
        }
        case schema::ContractEvent::RECORD_FORM_CHANGED:
            s.record_form = event.getRecordFormChanged().getForm();
            break;
        case schema::ContractEvent::ENDED: {
            auto x = event.getEnded();
            s.ended = true;
            s.ended_on = date_or_default(x.getDate());
            s.end_reason = x.getReason();
            break;
        }
        case schema::ContractEvent::PERSONAL_DATA_ERASED:
            // What a fold reads once the subject's key is gone: the fields
            // empty (crypto-shredding); ids, dates and status stay.
            s.trainee_name.clear();
            s.birth_date = date{};
            s.trainee_email.clear();
            s.personal_data_erased = true;
            break;
    }
    return s;
}

state
evolve(state s, schema::Event::Reader event)
{
    if (event.which() != schema::Event::CONTRACT) {
        return s;
    }
    return evolve(std::move(s), event.getContract());
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

contract_term
term_of(const state& s) noexcept
{
    contract_term t{ s.start_date, s.end_date, std::nullopt };
    if (s.ended) {
        t.ended_on = s.ended_on;
    }
    return t;
}

bool
contains(const state& s, date d) noexcept
{
    return s.exists && term_of(s).runs_on(d);
}

bool
is_active(const state& s, date today) noexcept
{
    return contains(s, today);
}

} // namespace portal::domain::contract
