#include "app/policies.hpp"

#include "app/accounts.hpp"
#include "document/document.hpp"
#include "portal/events/message.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace portal::app {

namespace {

using domain::command_meta;
using domain::principal;
using events::role;

constexpr std::string_view k_hex = "0123456789abcdef";

std::string
hex(capnp::Data::Reader bytes)
{
    std::string out;
    out.reserve(bytes.size() * 2);
    for (auto b : bytes) {
        out.push_back(k_hex[b >> 4]);
        out.push_back(k_hex[b & 0x0f]);
    }
    return out;
}

/// The id after `prefix` in a stream id (`contract-<id>`).
std::string
id_of(std::string_view stream, std::string_view prefix)
{
    return stream.substr(0, prefix.size()) == prefix ? std::string(stream.substr(prefix.size()))
                                                     : std::string{};
}

/// Follow-ups of one event, each with its own command id.
class reaction
{
  public:
    reaction(const services& s, const secret_source& secrets, std::string event_id, timestamp now)
      : s_(s)
      , secrets_(secrets)
      , event_id_(std::move(event_id))
      , now_(now)
    {
    }

    /// The meta of follow-up `step`, acting as the portal itself.
    command_meta meta(std::string_view step) const
    {
        command_meta m;
        m.command_id = fmt::format("policy:{}:{}", event_id_, step);
        m.actor = principal{ "", role::system, "" };
        m.now = now_;
        return m;
    }

    /// Counts a follow-up that appended events.
    result<void> count(const result<domain::outcome>& r)
    {
        if (!r) {
            return fail(r.error());
        }
        if (r->events > 0 && !r->duplicate) {
            ++changed_;
        }
        return {};
    }

    /// Creates an account with a derived invitation (or PIN for a
    /// supervisor), or, when the login exists, grants it the role.
    result<void> account(std::string_view step,
                         const std::string& email,
                         const std::string& name,
                         domain::account::account_role r)
    {
        auto id = s_.account_id_of(email);
        auto existing = load_account(s_, id);
        if (!existing) {
            return fail(existing.error());
        }
        if (existing->state.exists) {
            auto m = meta(fmt::format("{}-role", step));
            return count(grant_account_role(s_, m, id, { std::move(r) }));
        }
        auto m = meta(step);
        domain::account::create c;
        c.email = email;
        c.name = name;
        c.role = std::move(r);
        if (c.role.kind == role::supervisor) {
            c.pin_hash = secrets_.pin_hash(secrets_.pin(k_pin_purpose, m.command_id));
        } else {
            c.invitation_token_hash =
              secrets_.token_hash(secrets_.token(k_invitation_purpose, m.command_id));
            c.invitation_expires_at = now_ + k_invitation_validity;
        }
        return count(create_account(s_, m, c));
    }

    std::size_t changed() const { return changed_; }
    const services& svc() const { return s_; }
    const std::string& event_id() const { return event_id_; }

  private:
    const services& s_;
    const secret_source& secrets_;
    std::string event_id_;
    timestamp now_;
    std::size_t changed_ = 0;
};

result<void>
on_contract_registered(reaction& r, std::string_view contract_id)
{
    auto contract = load_contract(r.svc(), contract_id);
    if (!contract) {
        return fail(contract.error());
    }
    const auto& c = contract->state;
    if (!c.exists) {
        return {};
    }
    auto company = load_company(r.svc(), c.company_id);
    if (!company) {
        return fail(company.error());
    }
    const auto& co = company->state;
    if (co.exists && co.company_accounts.empty()) {
        if (auto made =
              r.account("company-account", co.email, co.name, { role::company, co.id, "" });
            !made) {
            return made;
        }
        domain::company::link_company_account link{ r.svc().account_id_of(co.email) };
        if (auto linked =
              r.count(link_company_account(r.svc(), r.meta("company-link"), co.id, link));
            !linked) {
            return linked;
        }
    }
    if (c.confirmation_document_id.empty()) {
        domain::document::confirmation_data data{
            c.trainee_name, format_date(c.birth_date), c.trainee_number,
            c.occupation,   format_date(c.start_date), format_date(c.end_date),
            co.name,        std::string(contract_id)
        };
        // The document's id is derived from the event: a repeat issues the
        // same document, which is a no-op.
        auto document_id = "conf-" + r.event_id();
        domain::document::issue doc{ schema::DocumentKind::REGISTRATION_CONFIRMATION,
                                     domain::document::registration_confirmation_title(data),
                                     c.company_id,
                                     std::string(contract_id),
                                     domain::document::render_registration_confirmation(data) };
        if (auto issued = r.count(issue_document(r.svc(), r.meta("document"), document_id, doc));
            !issued) {
            return issued;
        }
        if (auto noted = r.count(
              issue_confirmation(r.svc(), r.meta("confirmation"), contract_id, { document_id }));
            !noted) {
            return noted;
        }
    }
    return {};
}

result<void>
on_report_submitted(reaction& r,
                    std::string_view partition_key,
                    schema::ReportSubmitted::Reader submitted)
{
    if (submitted.getApproverAccountId().size() > 0) {
        return {};
    }
    auto email = domain::str(submitted.getApproverEmail());
    if (email.empty()) {
        return {}; // erased with the contract's personal data
    }
    auto company_id = id_of(partition_key, "company-");
    auto existing = load_account(r.svc(), r.svc().account_id_of(email));
    if (!existing) {
        return fail(existing.error());
    }
    if (existing->state.exists) {
        return {}; // the PIN is created once and serves every later record
    }
    // The supervisor's name is not known: the e-mail address stands in.
    return r.account("supervisor", email, email, { role::supervisor, company_id, "" });
}

result<void>
on_representative_approved(reaction& r,
                           std::string_view company_id,
                           schema::EmployeeRepresentativeApproved::Reader approved)
{
    auto company = load_company(r.svc(), company_id);
    if (!company) {
        return fail(company.error());
    }
    auto id = domain::str(approved.getRepresentativeId());
    for (const auto& rep : company->state.representatives) {
        if (rep.id == id && !rep.email.empty()) {
            return r.account("representative",
                             rep.email,
                             rep.name,
                             { role::representative, std::string(company_id), "" });
        }
    }
    return {};
}

/// A trainee's login that served only this contract goes with the contract's
/// personal data (retention ended): its name and e-mail are erased too. A
/// login with any other role (another contract, a trainer's role) stays.
result<void>
on_contract_personal_data_erased(reaction& r, std::string_view contract_id)
{
    auto contract = load_contract(r.svc(), contract_id);
    if (!contract) {
        return fail(contract.error());
    }
    const auto& account_id = contract->state.trainee_account_id;
    if (account_id.empty()) {
        return {};
    }
    auto account = load_account(r.svc(), account_id);
    if (!account) {
        return fail(account.error());
    }
    const auto& a = account->state;
    if (!a.exists || a.erased) {
        return {};
    }
    bool only_this_contract =
      std::all_of(a.roles.begin(), a.roles.end(), [&](const domain::account::account_role& role) {
          return role.kind == role::trainee && role.contract_id == contract_id;
      });
    if (!only_this_contract) {
        return {};
    }
    domain::account::erase erase{
        "Personenbezogene Daten des Ausbildungsverhältnisses gelöscht (Aufbewahrungsfrist)"
    };
    return r.count(erase_account(r.svc(), r.meta("trainee-account-erase"), account_id, erase));
}

/// An erased account takes the copies of its holder's name and e-mail
/// address that companies keep with them: each trainer and representative
/// linked to the account, in the companies its trainer and representative
/// roles name, is erased as well (`company.person_erased`).
result<void>
on_account_erased(reaction& r, std::string_view account_id)
{
    auto account = load_account(r.svc(), account_id);
    if (!account) {
        return fail(account.error());
    }
    std::vector<std::string> companies;
    for (const auto& role : account->state.roles) {
        if ((role.kind == role::trainer || role.kind == role::representative) &&
            !role.company_id.empty() &&
            std::find(companies.begin(), companies.end(), role.company_id) == companies.end()) {
            companies.push_back(role.company_id);
        }
    }
    for (const auto& company_id : companies) {
        auto company = load_company(r.svc(), company_id);
        if (!company) {
            return fail(company.error());
        }
        std::vector<domain::company::erase_person> erase;
        for (const auto& t : company->state.trainers) {
            if (t.account_id == account_id && !t.erased) {
                erase.push_back({ t.id, "", "" });
            }
        }
        for (const auto& rep : company->state.representatives) {
            if (rep.account_id == account_id && !rep.erased) {
                erase.push_back({ "", rep.id, "" });
            }
        }
        for (auto& person : erase) {
            person.reason = "Zugang gelöscht";
            auto step =
              fmt::format("person-erase:{}:{}{}",
                          company_id,
                          person.trainer_id.empty() ? "representative-" : "trainer-",
                          person.trainer_id.empty() ? person.representative_id : person.trainer_id);
            if (auto erased =
                  r.count(erase_company_person(r.svc(), r.meta(step), company_id, person));
                !erased) {
                return erased;
            }
        }
    }
    return {};
}

} // namespace

result<std::size_t>
react(const services& s,
      const secret_source& secrets,
      const events::recorded_event& event,
      timestamp now)
{
    auto env = events::envelope::decode(event.envelope_bytes);
    if (!env) {
        return fail(env.error());
    }
    auto e = env->reader();
    auto payload = e.getPayload();
    reaction r(s, secrets, hex(e.getEventId()), now);
    result<void> done;
    if (payload.isContract() && payload.getContract().isRegistered()) {
        done = on_contract_registered(r, id_of(event.stream, "contract-"));
    } else if (payload.isReport() && payload.getReport().isSubmitted()) {
        done = on_report_submitted(
          r, domain::str(e.getPartitionKey()), payload.getReport().getSubmitted());
    } else if (payload.isContract() && payload.getContract().isPersonalDataErased()) {
        done = on_contract_personal_data_erased(r, id_of(event.stream, "contract-"));
    } else if (payload.isAccount() && payload.getAccount().isErased()) {
        done = on_account_erased(r, id_of(event.stream, "account-"));
    } else if (payload.isCompany() && payload.getCompany().isEmployeeRepresentativeApproved()) {
        done = on_representative_approved(r,
                                          id_of(event.stream, "company-"),
                                          payload.getCompany().getEmployeeRepresentativeApproved());
    }
    if (!done) {
        return fail(done.error());
    }
    return r.changed();
}

} // namespace portal::app
