#include "company/company.hpp"

#include <algorithm>
#include <string>

namespace portal::domain::company {

namespace {

std::unexpected<error>
not_found()
{
    return missing("company.not_found", "no such company");
}

std::unexpected<error>
forbidden(std::string_view what)
{
    return forbid("company.forbidden", "the actor may not " + std::string(what));
}

bool
contains(const std::vector<std::string>& list, std::string_view value)
{
    return std::find(list.begin(), list.end(), value) != list.end();
}

const trainer*
find_trainer(const state& s, std::string_view id)
{
    auto it = std::find_if(
      s.trainers.begin(), s.trainers.end(), [&](const trainer& t) { return t.id == id; });
    return it == s.trainers.end() ? nullptr : &*it;
}

const representative*
find_representative(const state& s, std::string_view id)
{
    auto it = std::find_if(s.representatives.begin(),
                           s.representatives.end(),
                           [&](const representative& r) { return r.id == id; });
    return it == s.representatives.end() ? nullptr : &*it;
}

representative*
find_representative(state& s, std::string_view id)
{
    auto it = std::find_if(s.representatives.begin(),
                           s.representatives.end(),
                           [&](const representative& r) { return r.id == id; });
    return it == s.representatives.end() ? nullptr : &*it;
}

/// Validates an address; the code names the failing part.
std::optional<std::unexpected<error>>
check_address(const address& a)
{
    if (!valid_text(a.street, k_max_name) || !valid_text(a.town, k_max_name)) {
        return invalid("validation.address", "street and town are required");
    }
    if (!valid_zip(a.zip)) {
        return invalid("validation.zip", "the zip code has five digits");
    }
    return std::nullopt;
}

address
clean(const address& a)
{
    return { std::string(trim(a.street)), std::string(trim(a.zip)), std::string(trim(a.town)) };
}

void
fill_address(schema::Address::Builder b, const address& a)
{
    b.setStreet(a.street);
    b.setZip(a.zip);
    b.setTown(a.town);
}

address
read_address(schema::Address::Reader a)
{
    return { str(a.getStreet()), str(a.getZip()), str(a.getTown()) };
}

/// The common guard of commands on an existing company that the company
/// itself (or staff) may issue.
std::optional<std::unexpected<error>>
require_actor(const state& s, const context& ctx, std::string_view what)
{
    if (!s.exists) {
        return not_found();
    }
    if (!may_act(ctx.actor, s, ctx.actor_company_id, ctx.central_office_id)) {
        return forbidden(what);
    }
    return std::nullopt;
}

std::optional<std::unexpected<error>>
require_staff(const state& s, const context& ctx, std::string_view what)
{
    if (!s.exists) {
        return not_found();
    }
    if (ctx.actor.acting_as != role::staff) {
        return forbidden(what);
    }
    return std::nullopt;
}

} // namespace

bool
valid_zip(std::string_view zip) noexcept
{
    return zip.size() == 5 &&
           std::all_of(zip.begin(), zip.end(), [](char c) { return c >= '0' && c <= '9'; });
}

bool
may_act(const principal& actor,
        const state& s,
        std::string_view actor_company_id,
        std::string_view central_office_id) noexcept
{
    if (actor.acting_as == role::staff) {
        return true;
    }
    const auto& behalf = actor.on_behalf_of_company_id;
    if (actor.acting_as == role::company) {
        bool own = (!actor.account_id.empty() && contains(s.company_accounts, actor.account_id)) ||
                   (!actor_company_id.empty() && actor_company_id == s.id);
        if ((behalf.empty() || behalf == s.id) && own) {
            return true;
        }
        return behalf == s.id && !central_office_id.empty() &&
               actor_company_id == central_office_id;
    }
    if (actor.acting_as == role::representative && behalf == s.id && !actor.account_id.empty()) {
        return std::any_of(
          s.representatives.begin(), s.representatives.end(), [&](const representative& r) {
              return r.status == representative_status::active && r.account_id == actor.account_id;
          });
    }
    return false;
}

record_settings
record_settings_for(const state& s, std::string_view occupation)
{
    if (auto it = s.settings.find(std::string(occupation)); it != s.settings.end()) {
        return it->second;
    }
    if (auto it = s.settings.find("*"); it != s.settings.end()) {
        return it->second;
    }
    return {};
}

decision
decide(const state& s, const register_company& c, const context& ctx)
{
    if (ctx.actor.acting_as != role::staff) {
        return forbidden("register companies (staff only)");
    }
    if (s.exists) {
        return reject("company.already_exists", "the company is registered");
    }
    if (trim(c.company_id).empty()) {
        return invalid("validation.company_id", "a company id is required");
    }
    if (!valid_text(c.name, k_max_name)) {
        return invalid("validation.name", "a name of at most 200 bytes");
    }
    auto member = trim(c.member_number);
    if (member.empty() || member.size() > 32) {
        return invalid("validation.member_number", "a member number of at most 32 characters");
    }
    auto email = normalize_email(c.email);
    if (!valid_email(email)) {
        return invalid("validation.email", "not a valid e-mail address");
    }
    auto a = clean(c.address);
    if (auto e = check_address(a)) {
        return *e;
    }
    if (ctx.member_number_taken) {
        return reject("company.member_number_taken", "another company holds this member number");
    }
    if (!c.central_company_id.empty()) {
        if (c.central_company_id == c.company_id) {
            return reject("company.central_is_self", "a company cannot be its own central office");
        }
        if (!ctx.other.exists) {
            return missing("company.central_not_found", "no such central office");
        }
        if (!ctx.other.central_company_id.empty()) {
            return reject("company.central_is_branch", "a branch cannot be a central office");
        }
    }
    return one_event([&](schema::Event::Builder e) {
        auto b = e.initCompany().initRegistered();
        b.setCompanyId(c.company_id);
        b.setName(std::string(trim(c.name)));
        b.setMemberNumber(std::string(member));
        b.setEmail(email);
        fill_address(b.initAddress(), a);
        b.setCentralCompanyId(c.central_company_id);
    });
}

decision
decide(const state& s, const change_address& c, const context& ctx)
{
    if (auto e = require_actor(s, ctx, "change this company's address")) {
        return *e;
    }
    auto a = clean(c.address);
    if (auto e = check_address(a)) {
        return *e;
    }
    if (a == s.address) {
        return no_events();
    }
    return one_event([&](schema::Event::Builder e) {
        fill_address(e.initCompany().initAddressChanged().initAddress(), a);
    });
}

decision
decide(const state& s, const attach_branch& c, const context& ctx)
{
    if (auto e = require_staff(s, ctx, "attach branches (staff only)")) {
        return *e;
    }
    if (c.branch_company_id.empty() || c.branch_company_id == s.id) {
        return reject("company.branch_is_self", "a company cannot be its own branch");
    }
    if (contains(s.branches, c.branch_company_id)) {
        return no_events();
    }
    if (!ctx.other.exists) {
        return missing("company.branch_not_found", "no such branch company");
    }
    if (!s.central_company_id.empty() || !ctx.central_office_id.empty()) {
        return reject("company.central_is_branch", "a branch cannot be a central office");
    }
    if (ctx.other.has_branches) {
        return reject("company.branch_is_central_office",
                      "a central office cannot become a branch");
    }
    if (!ctx.other.central_company_id.empty() && ctx.other.central_company_id != s.id) {
        return reject("company.branch_taken", "the branch belongs to another central office");
    }
    return one_event([&](schema::Event::Builder e) {
        e.initCompany().initBranchAttached().setBranchCompanyId(c.branch_company_id);
    });
}

decision
decide(const state& s, const detach_branch& c, const context& ctx)
{
    if (auto e = require_staff(s, ctx, "detach branches (staff only)")) {
        return *e;
    }
    if (!contains(s.branches, c.branch_company_id)) {
        return no_events();
    }
    return one_event([&](schema::Event::Builder e) {
        e.initCompany().initBranchDetached().setBranchCompanyId(c.branch_company_id);
    });
}

decision
decide(const state& s, const give_publication_consent&, const context& ctx)
{
    if (auto e = require_actor(s, ctx, "give this company's consent")) {
        return *e;
    }
    if (s.publication_consent) {
        return no_events();
    }
    return one_event(
      [](schema::Event::Builder e) { e.initCompany().initPublicationConsentGiven(); });
}

decision
decide(const state& s, const withdraw_publication_consent&, const context& ctx)
{
    if (auto e = require_actor(s, ctx, "withdraw this company's consent")) {
        return *e;
    }
    if (!s.publication_consent) {
        return no_events();
    }
    return one_event(
      [](schema::Event::Builder e) { e.initCompany().initPublicationConsentWithdrawn(); });
}

decision
decide(const state& s, const change_record_settings& c, const context& ctx)
{
    if (auto e = require_actor(s, ctx, "change this company's settings")) {
        return *e;
    }
    auto occupation = std::string(trim(c.occupation));
    if (!valid_text(occupation, k_max_name)) {
        return invalid("validation.occupation", "an occupation or \"*\" for all occupations");
    }
    record_settings wanted{ c.electronic, c.reminders };
    if (auto it = s.settings.find(occupation); it != s.settings.end() && it->second == wanted) {
        return no_events();
    }
    return one_event([&](schema::Event::Builder e) {
        auto b = e.initCompany().initRecordSettingsChanged();
        b.setOccupation(occupation);
        b.setElectronic(c.electronic);
        b.setReminders(c.reminders);
    });
}

decision
decide(const state& s, const register_trainer& c, const context& ctx)
{
    if (auto e = require_actor(s, ctx, "register this company's trainers")) {
        return *e;
    }
    if (trim(c.trainer_id).empty()) {
        return invalid("validation.trainer_id", "a trainer id is required");
    }
    if (!valid_text(c.name, k_max_name)) {
        return invalid("validation.name", "a name of at most 200 bytes");
    }
    auto email = normalize_email(c.email);
    if (!valid_email(email)) {
        return invalid("validation.email", "not a valid e-mail address");
    }
    auto name = std::string(trim(c.name));
    if (const auto* t = find_trainer(s, c.trainer_id)) {
        if (t->name == name && t->email == email) {
            return no_events();
        }
        return reject("company.trainer_exists", "a trainer with this id exists");
    }
    bool taken = std::any_of(
      s.trainers.begin(), s.trainers.end(), [&](const trainer& t) { return t.email == email; });
    if (taken) {
        return reject("company.trainer_email_taken", "a trainer with this e-mail address exists");
    }
    return one_event([&](schema::Event::Builder e) {
        auto b = e.initCompany().initTrainerRegistered();
        b.setTrainerId(c.trainer_id);
        b.setName(name);
        b.setEmail(email);
    });
}

decision
decide(const state& s, const link_trainer_account& c, const context& ctx)
{
    if (!s.exists) {
        return not_found();
    }
    if (ctx.actor.acting_as != role::system &&
        !may_act(ctx.actor, s, ctx.actor_company_id, ctx.central_office_id)) {
        return forbidden("link this company's trainer accounts");
    }
    if (trim(c.account_id).empty()) {
        return invalid("validation.account_id", "an account id is required");
    }
    const auto* t = find_trainer(s, c.trainer_id);
    if (t == nullptr) {
        return missing("company.trainer_not_found", "no such trainer");
    }
    if (t->account_id == c.account_id) {
        return no_events();
    }
    if (t->erased) {
        return reject("company.trainer_erased", "the trainer's personal data has been erased");
    }
    if (!t->account_id.empty()) {
        return reject("company.trainer_already_linked", "the trainer has another account");
    }
    return one_event([&](schema::Event::Builder e) {
        auto b = e.initCompany().initTrainerAccountLinked();
        b.setTrainerId(c.trainer_id);
        b.setAccountId(c.account_id);
    });
}

decision
decide(const state& s, const link_company_account& c, const context& ctx)
{
    if (!s.exists) {
        return not_found();
    }
    if (ctx.actor.acting_as != role::system && ctx.actor.acting_as != role::staff) {
        return forbidden("link company accounts");
    }
    if (trim(c.account_id).empty()) {
        return invalid("validation.account_id", "an account id is required");
    }
    if (contains(s.company_accounts, c.account_id)) {
        return no_events();
    }
    return one_event([&](schema::Event::Builder e) {
        e.initCompany().initCompanyAccountLinked().setAccountId(c.account_id);
    });
}

decision
decide(const state& s, const appoint_representative& c, const context& ctx)
{
    if (auto e = require_actor(s, ctx, "appoint representatives")) {
        return *e;
    }
    if (trim(c.representative_id).empty()) {
        return invalid("validation.representative_id", "a representative id is required");
    }
    if (trim(c.account_id).empty()) {
        return invalid("validation.account_id", "an account id is required");
    }
    if (!valid_text(c.name, k_max_name)) {
        return invalid("validation.name", "a name of at most 200 bytes");
    }
    auto name = std::string(trim(c.name));
    if (const auto* r = find_representative(s, c.representative_id)) {
        if (!r->employee && r->account_id == c.account_id && r->name == name &&
            r->status == representative_status::active) {
            return no_events();
        }
        return reject("company.representative_exists", "a representative with this id exists");
    }
    bool active = std::any_of(s.representatives.begin(), s.representatives.end(), [&](auto& r) {
        return r.status == representative_status::active && r.account_id == c.account_id;
    });
    if (active) {
        return reject("company.representative_exists",
                      "this account already represents the company");
    }
    if (!ctx.account_exists) {
        return reject("company.account_not_found", "a representative needs an existing account");
    }
    return one_event([&](schema::Event::Builder e) {
        auto b = e.initCompany().initRepresentativeAppointed();
        b.setRepresentativeId(c.representative_id);
        b.setAccountId(c.account_id);
        b.setName(name);
    });
}

decision
decide(const state& s, const request_employee_representative& c, const context& ctx)
{
    if (auto e = require_actor(s, ctx, "request representatives")) {
        return *e;
    }
    if (trim(c.representative_id).empty()) {
        return invalid("validation.representative_id", "a representative id is required");
    }
    if (!valid_text(c.name, k_max_name)) {
        return invalid("validation.name", "a name of at most 200 bytes");
    }
    auto email = normalize_email(c.email);
    if (!valid_email(email)) {
        return invalid("validation.email", "not a valid e-mail address");
    }
    auto name = std::string(trim(c.name));
    if (const auto* r = find_representative(s, c.representative_id)) {
        if (r->employee && r->name == name && r->email == email &&
            r->status == representative_status::pending) {
            return no_events();
        }
        return reject("company.representative_exists", "a representative with this id exists");
    }
    return one_event([&](schema::Event::Builder e) {
        auto b = e.initCompany().initEmployeeRepresentativeRequested();
        b.setRepresentativeId(c.representative_id);
        b.setName(name);
        b.setEmail(email);
    });
}

decision
decide(const state& s, const approve_employee_representative& c, const context& ctx)
{
    if (auto e = require_staff(s, ctx, "approve representatives")) {
        return *e;
    }
    if (trim(c.account_id).empty()) {
        return invalid("validation.account_id", "an account id is required");
    }
    const auto* r = find_representative(s, c.representative_id);
    if (r == nullptr || !r->employee) {
        return missing("company.representative_not_found", "no such employee representative");
    }
    if (r->status == representative_status::active && r->account_id == c.account_id) {
        return no_events();
    }
    if (r->status != representative_status::pending) {
        return reject("company.representative_not_pending", "the request is not pending");
    }
    return one_event([&](schema::Event::Builder e) {
        auto b = e.initCompany().initEmployeeRepresentativeApproved();
        b.setRepresentativeId(c.representative_id);
        b.setAccountId(c.account_id);
    });
}

decision
decide(const state& s, const revoke_representative& c, const context& ctx)
{
    if (auto e = require_actor(s, ctx, "revoke representatives")) {
        return *e;
    }
    const auto* r = find_representative(s, c.representative_id);
    if (r == nullptr) {
        return missing("company.representative_not_found", "no such representative");
    }
    if (r->status == representative_status::revoked) {
        return no_events();
    }
    return one_event([&](schema::Event::Builder e) {
        e.initCompany().initRepresentativeRevoked().setRepresentativeId(c.representative_id);
    });
}

decision
decide(const state& s, const erase_person& c, const context& ctx)
{
    if (!s.exists) {
        return not_found();
    }
    if (ctx.actor.acting_as != role::staff && ctx.actor.acting_as != role::system) {
        return forbidden("erase personal data");
    }
    bool of_trainer = !trim(c.trainer_id).empty();
    if (of_trainer == !trim(c.representative_id).empty()) {
        return invalid("validation.person", "name either a trainer or a representative");
    }
    if (!valid_erase_reason(c.reason)) {
        return invalid("validation.reason", "a reason of at most 500 characters is required");
    }
    bool erased = false;
    if (of_trainer) {
        const auto* t = find_trainer(s, c.trainer_id);
        if (t == nullptr) {
            return missing("company.trainer_not_found", "no such trainer");
        }
        erased = t->erased;
    } else {
        const auto* r = find_representative(s, c.representative_id);
        if (r == nullptr) {
            return missing("company.representative_not_found", "no such representative");
        }
        erased = r->erased;
    }
    if (erased) {
        return no_events();
    }
    return one_event([&](schema::Event::Builder e) {
        auto b = e.initCompany().initPersonErased();
        b.setTrainerId(c.trainer_id);
        b.setRepresentativeId(c.representative_id);
        b.setReason(std::string(trim(c.reason)));
    });
}

state
evolve(state s, schema::CompanyEvent::Reader event)
{
    switch (event.which()) {
        case schema::CompanyEvent::REGISTERED: {
            auto r = event.getRegistered();
            s.exists = true;
            s.id = str(r.getCompanyId());
            s.name = str(r.getName());
            s.member_number = str(r.getMemberNumber());
            s.email = str(r.getEmail());
            s.address = read_address(r.getAddress());
            s.central_company_id = str(r.getCentralCompanyId());
            break;
        }
        case schema::CompanyEvent::BRANCH_ATTACHED: {
            auto id = str(event.getBranchAttached().getBranchCompanyId());
            if (!contains(s.branches, id)) {
                s.branches.push_back(std::move(id));
            }
            break;
        }
        case schema::CompanyEvent::BRANCH_DETACHED:
            std::erase(s.branches, str(event.getBranchDetached().getBranchCompanyId()));
            break;
        case schema::CompanyEvent::PUBLICATION_CONSENT_GIVEN:
            s.publication_consent = true;
            break;
        case schema::CompanyEvent::PUBLICATION_CONSENT_WITHDRAWN:
            s.publication_consent = false;
            break;
        case schema::CompanyEvent::RECORD_SETTINGS_CHANGED: {
            auto r = event.getRecordSettingsChanged();
            s.settings[str(r.getOccupation())] =
              record_settings{ r.getElectronic(), r.getReminders() };
            break;
        }
        case schema::CompanyEvent::TRAINER_REGISTERED: {
            auto r = event.getTrainerRegistered();
            s.trainers.push_back(
              trainer{ str(r.getTrainerId()), str(r.getName()), str(r.getEmail()), {} });
            break;
        }
        case schema::CompanyEvent::TRAINER_ACCOUNT_LINKED: {
            auto r = event.getTrainerAccountLinked();
            auto id = str(r.getTrainerId());
            for (auto& t : s.trainers) {
                if (t.id == id) {
                    t.account_id = str(r.getAccountId());
                }
            }
            break;
        }
        case schema::CompanyEvent::COMPANY_ACCOUNT_LINKED: {
            auto id = str(event.getCompanyAccountLinked().getAccountId());
            if (!contains(s.company_accounts, id)) {
                s.company_accounts.push_back(std::move(id));
            }
            break;
        }
        case schema::CompanyEvent::REPRESENTATIVE_APPOINTED: {
            auto r = event.getRepresentativeAppointed();
            s.representatives.push_back(representative{ str(r.getRepresentativeId()),
                                                        str(r.getName()),
                                                        {},
                                                        str(r.getAccountId()),
                                                        false,
                                                        representative_status::active });
            break;
        }
        case schema::CompanyEvent::EMPLOYEE_REPRESENTATIVE_REQUESTED: {
            auto r = event.getEmployeeRepresentativeRequested();
            s.representatives.push_back(representative{ str(r.getRepresentativeId()),
                                                        str(r.getName()),
                                                        str(r.getEmail()),
                                                        {},
                                                        true,
                                                        representative_status::pending });
            break;
        }
        case schema::CompanyEvent::EMPLOYEE_REPRESENTATIVE_APPROVED: {
            auto r = event.getEmployeeRepresentativeApproved();
            if (auto* rep = find_representative(s, str(r.getRepresentativeId()))) {
                rep->account_id = str(r.getAccountId());
                rep->status = representative_status::active;
            }
            break;
        }
        case schema::CompanyEvent::REPRESENTATIVE_REVOKED: {
            auto id = str(event.getRepresentativeRevoked().getRepresentativeId());
            if (auto* rep = find_representative(s, id)) {
                rep->status = representative_status::revoked;
            }
            break;
        }
        case schema::CompanyEvent::ADDRESS_CHANGED:
            s.address = read_address(event.getAddressChanged().getAddress());
            break;
        case schema::CompanyEvent::PERSON_ERASED: {
            auto r = event.getPersonErased();
            auto trainer_id = str(r.getTrainerId());
            for (auto& t : s.trainers) {
                if (!trainer_id.empty() && t.id == trainer_id) {
                    t.name.clear();
                    t.email.clear();
                    t.erased = true;
                }
            }
            auto representative_id = str(r.getRepresentativeId());
            if (auto* rep =
                  representative_id.empty() ? nullptr : find_representative(s, representative_id)) {
                rep->name.clear();
                rep->email.clear();
                rep->status = representative_status::revoked;
                rep->erased = true;
            }
            break;
        }
    }
    return s;
}

state
evolve(state s, schema::Event::Reader event)
{
    if (event.which() != schema::Event::COMPANY) {
        return s;
    }
    return evolve(std::move(s), event.getCompany());
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

std::string
stream_id(std::string_view company_id)
{
    return "company-" + std::string(company_id);
}

std::string
partition_key(std::string_view company_id)
{
    return "company-" + std::string(company_id);
}

} // namespace portal::domain::company
