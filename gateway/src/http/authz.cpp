#include "http/authz.hpp"

#include "access_grant/access_grant.hpp"
#include "company/company.hpp"

#include <algorithm>

namespace portal::gateway::authz {

namespace {

bool
has_company_role(const viewer& v, std::string_view company_id)
{
    return std::any_of(v.account().roles.begin(), v.account().roles.end(), [&](const auto& r) {
        return r.kind == events::role::company && r.company_id == company_id;
    });
}

} // namespace

result<void>
require_role(const viewer& v, std::initializer_list<events::role> roles)
{
    for (auto r : roles) {
        if (v.has_role(r)) {
            return {};
        }
    }
    return fail(error::forbidden("auth.role", "your account has no role that may do this"));
}

result<bool>
acts_for_company(api& a, const viewer& v, std::string_view company_id)
{
    if (company_id.empty()) {
        return false;
    }
    if (has_company_role(v, company_id)) {
        return true;
    }
    auto company = domain::load_shared<domain::company::state>(
      a.services().log, domain::company::stream_id(company_id));
    if (!company) {
        return fail(company.error());
    }
    const auto& s = *company->state;
    if (!s.exists) {
        return false;
    }
    if (std::find(s.company_accounts.begin(), s.company_accounts.end(), v.account_id) !=
        s.company_accounts.end()) {
        return true;
    }
    if (!s.central_company_id.empty() && has_company_role(v, s.central_company_id)) {
        return true;
    }
    return std::any_of(s.representatives.begin(), s.representatives.end(), [&](const auto& r) {
        return r.account_id == v.account_id &&
               r.status == domain::company::representative_status::active;
    });
}

result<contract_relation>
relation_to_contract(api& a, const viewer& v, std::string_view contract_id, timestamp now)
{
    contract_relation rel;
    auto contract = domain::load_shared<domain::contract::state>(
      a.services().log, domain::contract::stream_id(contract_id));
    if (!contract) {
        return fail(contract.error());
    }
    const auto& c = *contract->state;
    if (!c.exists) {
        return rel;
    }
    rel.running = domain::contract::is_active(c, day_of(now));
    rel.staff = v.has_role(events::role::staff);
    rel.auditor = v.has_role(events::role::auditor);
    rel.trainee =
      (!c.trainee_account_id.empty() && c.trainee_account_id == v.account_id) ||
      std::any_of(v.account().roles.begin(), v.account().roles.end(), [&](const auto& r) {
          return r.kind == events::role::trainee && r.contract_id == contract_id;
      });
    auto company = domain::load_shared<domain::company::state>(
      a.services().log, domain::company::stream_id(c.company_id));
    if (!company) {
        return fail(company.error());
    }
    for (const auto& t : company->state->trainers) {
        if (!t.account_id.empty() && t.account_id == v.account_id &&
            std::find(c.trainer_ids.begin(), c.trainer_ids.end(), t.id) != c.trainer_ids.end()) {
            rel.trainer = true;
        }
    }
    auto acts = acts_for_company(a, v, c.company_id);
    if (!acts) {
        return fail(acts.error());
    }
    rel.company = *acts;
    if (rel.staff) {
        auto grant = domain::load<domain::access_grant::state>(
          a.services().log, domain::access_grant::stream_id(contract_id));
        if (!grant) {
            return fail(grant.error());
        }
        rel.access_granted = domain::access_grant::active(grant->state, now);
    }
    return rel;
}

result<bool>
sees_record(api& a, const viewer& v, const domain::report::state& report, timestamp now)
{
    if (!report.exists) {
        return false;
    }
    if ((!report.approver_account_id.empty() && report.approver_account_id == v.account_id) ||
        (!report.approver_email.empty() && !v.account().email.empty() &&
         report.approver_email == v.account().email)) {
        return true;
    }
    auto rel = relation_to_contract(a, v, report.contract_id, now);
    if (!rel) {
        return fail(rel.error());
    }
    return rel->sees_records();
}

} // namespace portal::gateway::authz
