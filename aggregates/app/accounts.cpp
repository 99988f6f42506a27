#include "app/accounts.hpp"

#include <algorithm>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace portal::app {

namespace {

namespace acc = domain::account;
namespace cha = domain::chamber;
namespace com = domain::company;
namespace con = domain::contract;
namespace doc = domain::document;
namespace gra = domain::access_grant;

using domain::command_meta;
using domain::fact_reader;
using domain::outcome;
using domain::principal;
using domain::role;
using domain::target;

/// A context with the actor and the time of `meta`.
template<class Context>
Context
base_context(const command_meta& meta)
{
    Context ctx;
    ctx.actor = meta.actor;
    ctx.now = meta.now;
    return ctx;
}

bool
contains(const std::vector<std::string>& list, std::string_view value)
{
    return std::find(list.begin(), list.end(), value) != list.end();
}

// --- companies as facts ------------------------------------------------------

/// A company as another company's fact: its state plus, per branch, whether
/// the last branch event of its stream attached (true) or detached (false)
/// it. A branch registered with this company as its central office belongs
/// to it until detached.
struct company_view
{
    com::state company;
    std::map<std::string, bool> branch_events;
};

company_view
evolve(company_view v, schema::Event::Reader e)
{
    if (e.isCompany()) {
        auto c = e.getCompany();
        if (c.isBranchAttached()) {
            v.branch_events[domain::str(c.getBranchAttached().getBranchCompanyId())] = true;
        } else if (c.isBranchDetached()) {
            v.branch_events[domain::str(c.getBranchDetached().getBranchCompanyId())] = false;
        }
    }
    v.company = com::evolve(std::move(v.company), e);
    return v;
}

/// True when `branch` currently belongs to the central office `central`.
bool
belongs_to(const com::state& branch, const company_view& central)
{
    if (!central.company.exists) {
        return false;
    }
    auto it = central.branch_events.find(branch.id);
    if (it != central.branch_events.end()) {
        return it->second;
    }
    return !branch.central_company_id.empty() && branch.central_company_id == central.company.id;
}

/// The current central office of `branch` among `candidates` (the first
/// that holds it); empty when none.
result<std::string>
central_office_of(const services& svc,
                  const com::state& branch,
                  const std::vector<std::string>& candidates)
{
    if (!branch.exists) {
        return std::string{};
    }
    for (std::size_t i = 0; i < candidates.size(); ++i) {
        const auto& id = candidates[i];
        if (id.empty() || id == branch.id ||
            std::find(candidates.begin(), candidates.begin() + static_cast<long>(i), id) !=
              candidates.begin() + static_cast<long>(i)) {
            continue;
        }
        auto view = domain::load<company_view>(svc.log, com::stream_id(id));
        if (!view) {
            return fail(std::move(view.error()));
        }
        if (belongs_to(branch, view->state)) {
            return id;
        }
    }
    return std::string{};
}

/// What a company decision needs to know about another company.
result<com::company_facts>
other_company_facts(const services& svc, std::string_view company_id)
{
    com::company_facts out;
    if (company_id.empty()) {
        return out;
    }
    auto view = domain::load<company_view>(svc.log, com::stream_id(company_id));
    if (!view) {
        return fail(std::move(view.error()));
    }
    const auto& s = view->state.company;
    out.exists = s.exists;
    out.has_branches = std::any_of(view->state.branch_events.begin(),
                                   view->state.branch_events.end(),
                                   [](const auto& b) { return b.second; });
    if (!s.exists) {
        return out;
    }
    auto central = central_office_of(svc, s, { s.central_company_id });
    if (!central) {
        return fail(std::move(central.error()));
    }
    // A branch whose central office let go of it is no branch any more; one
    // that was never attached elsewhere keeps its registered central office.
    out.central_company_id = *central;
    return out;
}

// --- who acts for which company -----------------------------------------------

/// The companies the actor's account holds the company role for; empty
/// unless the actor acts as company.
result<std::vector<std::string>>
own_companies(const services& svc, const principal& actor)
{
    std::vector<std::string> out;
    if (actor.acting_as != role::company || actor.account_id.empty()) {
        return out;
    }
    auto a = domain::load<acc::state>(svc.log, acc::stream_id(actor.account_id));
    if (!a) {
        return fail(std::move(a.error()));
    }
    if (!a->state.exists || a->state.erased) {
        return out;
    }
    for (const auto& r : a->state.roles) {
        if (r.kind == role::company && !r.company_id.empty() && !contains(out, r.company_id)) {
            out.push_back(r.company_id);
        }
    }
    return out;
}

/// The actor's company as `company`'s decisions see it: `company` itself
/// when the actor holds its company role, else its central office when the
/// actor holds that one, else the only company role (empty when several).
std::string
pick_own(const std::vector<std::string>& own,
         std::string_view company_id,
         std::string_view central_office_id)
{
    if (!company_id.empty() && contains(own, company_id)) {
        return std::string(company_id);
    }
    if (!central_office_id.empty() && contains(own, central_office_id)) {
        return std::string(central_office_id);
    }
    return own.size() == 1 ? own.front() : std::string{};
}

/// The facts of `company::context` about the actor and `s`.
struct company_actor
{
    std::string actor_company_id;
    std::string central_office_id;
};

result<company_actor>
resolve_company_actor(const services& svc, const principal& actor, const com::state& s)
{
    auto own = own_companies(svc, actor);
    if (!own) {
        return fail(std::move(own.error()));
    }
    std::vector<std::string> candidates{ s.central_company_id };
    candidates.insert(candidates.end(), own->begin(), own->end());
    auto central = central_office_of(svc, s, candidates);
    if (!central) {
        return fail(std::move(central.error()));
    }
    return company_actor{ pick_own(*own, s.id, *central), *central };
}

/// The company the actor acts for in account decisions: with
/// `on_behalf_of_company_id`, that company when the actor may act for it
/// (company::may_act: its own, a branch of its central office, or as an
/// active representative); without, its only company role. Empty for
/// other roles and when nothing applies.
result<std::string>
acting_company(const services& svc, const principal& actor)
{
    if (actor.acting_as != role::company && actor.acting_as != role::representative) {
        return std::string{};
    }
    const auto& behalf = actor.on_behalf_of_company_id;
    if (behalf.empty()) {
        auto own = own_companies(svc, actor);
        if (!own) {
            return fail(std::move(own.error()));
        }
        return own->size() == 1 ? own->front() : std::string{};
    }
    auto company = domain::load<com::state>(svc.log, com::stream_id(behalf));
    if (!company) {
        return fail(std::move(company.error()));
    }
    if (!company->state.exists) {
        return std::string{};
    }
    auto who = resolve_company_actor(svc, actor, company->state);
    if (!who) {
        return fail(std::move(who.error()));
    }
    if (com::may_act(actor, company->state, who->actor_company_id, who->central_office_id)) {
        return behalf;
    }
    return std::string{};
}

// --- loading helpers ---------------------------------------------------------

template<class State>
result<domain::loaded<State>>
load_fact(fact_reader& facts, const std::string& stream, const std::string& partition_key)
{
    return facts.load<State>(stream, partition_key);
}

/// The chamber (defaults while its stream does not exist).
result<cha::state>
chamber_fact(fact_reader& facts)
{
    auto c = facts.load<cha::state>(cha::stream_id(), cha::partition_key());
    if (!c) {
        return fail(std::move(c.error()));
    }
    return std::move(c->state);
}

/// The company of an existing contract, for the contract's partition key.
result<std::string>
company_of_contract(const services& svc, std::string_view contract_id)
{
    auto c = load_contract(svc, contract_id);
    if (!c) {
        return fail(std::move(c.error()));
    }
    if (!c->state.exists) {
        return domain::missing("contract.not_found", "the contract does not exist");
    }
    return c->state.company_id;
}

// --- accounts ----------------------------------------------------------------

/// The account context with the actor's company.
result<acc::context>
account_context(const services& svc, const command_meta& meta)
{
    auto ctx = base_context<acc::context>(meta);
    auto company = acting_company(svc, meta.actor);
    if (!company) {
        return fail(std::move(company.error()));
    }
    ctx.actor_company_id = std::move(*company);
    return ctx;
}

/// A trainee role names a contract of its company. Checked only when the
/// actor may manage the role at all, so a refusal reveals nothing about
/// other companies' contracts.
std::optional<error>
check_trainee_role(fact_reader& facts, const acc::context& ctx, const acc::account_role& r)
{
    if (r.kind != role::trainee || r.company_id.empty() || r.contract_id.empty() ||
        !acc::may_manage_role(ctx.actor, ctx.actor_company_id, r)) {
        return std::nullopt;
    }
    auto c =
      load_fact<con::state>(facts, con::stream_id(r.contract_id), con::partition_key(r.company_id));
    if (!c) {
        return std::move(c.error());
    }
    if (!c->state.exists || c->state.company_id != r.company_id) {
        return error::invalid("validation.role",
                              "the trainee role names no contract of its company");
    }
    return std::nullopt;
}

template<class Command>
result<outcome>
run_account(const services& svc,
            const command_meta& meta,
            std::string_view account_id,
            const Command& c)
{
    target t{ acc::stream_id(account_id), acc::partition_key(account_id) };
    return domain::execute<acc::state>(
      svc.log,
      t,
      c,
      [&](const acc::state&, fact_reader&) { return account_context(svc, meta); },
      meta);
}

// --- companies ---------------------------------------------------------------

template<class Command, class Extra>
result<outcome>
run_company(const services& svc,
            const command_meta& meta,
            std::string_view company_id,
            const Command& c,
            Extra&& extra)
{
    target t{ com::stream_id(company_id), com::partition_key(company_id) };
    return domain::execute<com::state>(
      svc.log,
      t,
      c,
      [&](const com::state& s, fact_reader& facts) -> result<com::context> {
          auto ctx = base_context<com::context>(meta);
          auto who = resolve_company_actor(svc, meta.actor, s);
          if (!who) {
              return fail(std::move(who.error()));
          }
          ctx.actor_company_id = std::move(who->actor_company_id);
          ctx.central_office_id = std::move(who->central_office_id);
          if (auto e = extra(s, facts, ctx)) {
              return fail(std::move(*e));
          }
          return ctx;
      },
      meta);
}

template<class Command>
result<outcome>
run_company(const services& svc,
            const command_meta& meta,
            std::string_view company_id,
            const Command& c)
{
    return run_company(
      svc, meta, company_id, c, [](const com::state&, fact_reader&, com::context&) {
          return std::optional<error>{};
      });
}

// --- contracts ---------------------------------------------------------------

schema::PeriodKind
to_schema(cha::period_kind k) noexcept
{
    return k == cha::period_kind::day ? schema::PeriodKind::DAY : schema::PeriodKind::WEEK;
}

/// Runs a command on an existing contract; `with_company` loads the
/// company's trainers as a strict fact.
template<class Command>
result<outcome>
run_contract(const services& svc,
             const command_meta& meta,
             std::string_view contract_id,
             const Command& c,
             bool with_company)
{
    auto company_id = company_of_contract(svc, contract_id);
    if (!company_id) {
        return fail(std::move(company_id.error()));
    }
    target t{ con::stream_id(contract_id), con::partition_key(*company_id) };
    return domain::execute<con::state>(
      svc.log,
      t,
      c,
      [&](const con::state&, fact_reader& facts) -> result<con::context> {
          auto ctx = base_context<con::context>(meta);
          if (with_company) {
              auto company = load_fact<com::state>(
                facts, com::stream_id(*company_id), com::partition_key(*company_id));
              if (!company) {
                  return fail(std::move(company.error()));
              }
              ctx.company.known = company->state.exists;
              for (const auto& tr : company->state.trainers) {
                  ctx.company.trainer_ids.push_back(tr.id);
              }
          }
          return ctx;
      },
      meta);
}

/// Percent-encodes a byte.
void
append_encoded(std::string& out, unsigned char ch)
{
    static constexpr char k_hex[] = "0123456789ABCDEF";
    out.push_back('%');
    out.push_back(k_hex[ch >> 4]);
    out.push_back(k_hex[ch & 0x0F]);
}

} // namespace

// ---------------------------------------------------------------------------
// Reads
// ---------------------------------------------------------------------------

result<domain::loaded<acc::state>>
load_account(const services& svc, std::string_view account_id)
{
    return domain::load<acc::state>(svc.log, acc::stream_id(account_id));
}

result<domain::loaded<com::state>>
load_company(const services& svc, std::string_view company_id)
{
    return domain::load<com::state>(svc.log, com::stream_id(company_id));
}

result<domain::loaded<con::state>>
load_contract(const services& svc, std::string_view contract_id)
{
    return domain::load<con::state>(svc.log, con::stream_id(contract_id));
}

std::string
company_id_for(std::string_view member_number)
{
    std::string out = "member-";
    for (char raw : domain::trim(member_number)) {
        auto ch = static_cast<unsigned char>(raw);
        if (ch >= 'A' && ch <= 'Z') {
            ch = static_cast<unsigned char>(ch - 'A' + 'a');
        }
        bool plain = (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '.' ||
                     ch == '_' || ch == '~' || ch == '-';
        if (plain) {
            out.push_back(static_cast<char>(ch));
        } else {
            append_encoded(out, ch);
        }
    }
    return out;
}

// ---------------------------------------------------------------------------
// Accounts
// ---------------------------------------------------------------------------

result<outcome>
create_account(const services& svc, const command_meta& meta, acc::create c)
{
    auto derived = svc.account_id_of(domain::normalize_email(c.email));
    if (c.account_id.empty()) {
        c.account_id = derived;
    } else if (c.account_id != derived) {
        return domain::invalid("validation.account_id",
                               "an account's id is derived from its e-mail address");
    }
    target t{ acc::stream_id(c.account_id), acc::partition_key(c.account_id) };
    return domain::execute<acc::state>(
      svc.log,
      t,
      c,
      [&](const acc::state& s, fact_reader& facts) -> result<acc::context> {
          auto ctx = account_context(svc, meta);
          if (!ctx) {
              return ctx;
          }
          if (!s.exists) {
              if (auto e = check_trainee_role(facts, *ctx, c.role)) {
                  return fail(std::move(*e));
              }
          }
          return ctx;
      },
      meta);
}

result<outcome>
invite_account(const services& svc,
               const command_meta& meta,
               std::string_view account_id,
               const acc::invite& c)
{
    return run_account(svc, meta, account_id, c);
}

result<outcome>
activate_account(const services& svc,
                 const command_meta& meta,
                 std::string_view account_id,
                 const acc::activate& c)
{
    return run_account(svc, meta, account_id, c);
}

result<outcome>
grant_account_role(const services& svc,
                   const command_meta& meta,
                   std::string_view account_id,
                   const acc::grant_role& c)
{
    target t{ acc::stream_id(account_id), acc::partition_key(account_id) };
    return domain::execute<acc::state>(
      svc.log,
      t,
      c,
      [&](const acc::state& s, fact_reader& facts) -> result<acc::context> {
          auto ctx = account_context(svc, meta);
          if (!ctx) {
              return ctx;
          }
          if (s.exists && !s.erased) {
              if (auto e = check_trainee_role(facts, *ctx, c.role)) {
                  return fail(std::move(*e));
              }
          }
          return ctx;
      },
      meta);
}

result<outcome>
revoke_account_role(const services& svc,
                    const command_meta& meta,
                    std::string_view account_id,
                    const acc::revoke_role& c)
{
    return run_account(svc, meta, account_id, c);
}

result<outcome>
record_login(const services& svc,
             const command_meta& meta,
             std::string_view account_id,
             const acc::record_login& c)
{
    target t{ acc::stream_id(account_id), acc::partition_key(account_id) };
    return domain::execute<acc::state>(
      svc.log,
      t,
      c,
      [&](const acc::state&, fact_reader& facts) -> result<acc::context> {
          auto ctx = base_context<acc::context>(meta);
          auto chamber = chamber_fact(facts);
          if (!chamber) {
              return fail(std::move(chamber.error()));
          }
          ctx.policy =
            acc::login_policy{ chamber->current.max_failed_logins, chamber->current.lock_minutes };
          return ctx;
      },
      meta);
}

result<outcome>
end_session(const services& svc,
            const command_meta& meta,
            std::string_view account_id,
            const acc::end_session& c)
{
    return run_account(svc, meta, account_id, c);
}

result<outcome>
unlock_account(const services& svc, const command_meta& meta, std::string_view account_id)
{
    return run_account(svc, meta, account_id, acc::unlock{});
}

result<outcome>
request_password_reset(const services& svc,
                       const command_meta& meta,
                       const acc::request_password_reset& c)
{
    auto account_id = svc.account_id_of(domain::normalize_email(c.identifier));
    target t{ acc::stream_id(account_id), acc::partition_key(account_id) };
    return domain::execute<acc::state>(
      svc.log,
      t,
      c,
      [&](const acc::state& s, fact_reader&) -> result<acc::context> {
          auto ctx = base_context<acc::context>(meta);
          if (!s.exists || s.erased) {
              return ctx;
          }
          for (const auto& r : s.roles) {
              if (r.kind != role::trainee || r.contract_id.empty()) {
                  continue;
              }
              auto k = load_contract(svc, r.contract_id);
              if (!k) {
                  return fail(std::move(k.error()));
              }
              if (k->state.exists && !k->state.trainee_number.empty()) {
                  ctx.trainee_numbers.push_back(k->state.trainee_number);
              }
          }
          return ctx;
      },
      meta);
}

result<outcome>
complete_password_reset(const services& svc,
                        const command_meta& meta,
                        std::string_view account_id,
                        const acc::complete_password_reset& c)
{
    return run_account(svc, meta, account_id, c);
}

result<outcome>
issue_pin(const services& svc,
          const command_meta& meta,
          std::string_view account_id,
          const acc::issue_pin& c)
{
    return run_account(svc, meta, account_id, c);
}

result<outcome>
convert_pin(const services& svc,
            const command_meta& meta,
            std::string_view account_id,
            const acc::convert_pin& c)
{
    return run_account(svc, meta, account_id, c);
}

result<outcome>
change_password(const services& svc,
                const command_meta& meta,
                std::string_view account_id,
                const acc::change_password& c)
{
    return run_account(svc, meta, account_id, c);
}

result<outcome>
erase_account(const services& svc,
              const command_meta& meta,
              std::string_view account_id,
              const acc::erase& c)
{
    return run_account(svc, meta, account_id, c);
}

// ---------------------------------------------------------------------------
// Chamber
// ---------------------------------------------------------------------------

namespace {

template<class Command>
result<outcome>
run_chamber(const services& svc, const command_meta& meta, const Command& c)
{
    target t{ cha::stream_id(), cha::partition_key() };
    return domain::execute<cha::state>(
      svc.log,
      t,
      c,
      [&](const cha::state&, fact_reader&) -> result<cha::context> {
          return base_context<cha::context>(meta);
      },
      meta);
}

} // namespace

result<outcome>
change_chamber_settings(const services& svc,
                        const command_meta& meta,
                        const cha::change_settings& c)
{
    return run_chamber(svc, meta, c);
}

result<outcome>
configure_occupation(const services& svc,
                     const command_meta& meta,
                     const cha::configure_occupation& c)
{
    return run_chamber(svc, meta, c);
}

// ---------------------------------------------------------------------------
// Companies
// ---------------------------------------------------------------------------

result<outcome>
register_company(const services& svc, const command_meta& meta, com::register_company c)
{
    auto derived = company_id_for(c.member_number);
    if (c.company_id.empty()) {
        c.company_id = derived;
    } else if (c.company_id != derived) {
        return domain::invalid("validation.company_id",
                               "a company's id is derived from its member number");
    }
    auto out =
      run_company(svc,
                  meta,
                  c.company_id,
                  c,
                  [&](const com::state&, fact_reader&, com::context& ctx) -> std::optional<error> {
                      auto other = other_company_facts(svc, c.central_company_id);
                      if (!other) {
                          return std::move(other.error());
                      }
                      ctx.other = *other;
                      return std::nullopt;
                  });
    if (!out && out.error().code == "company.already_exists") {
        return domain::reject("company.member_number_taken",
                              "another company holds this member number");
    }
    return out;
}

result<outcome>
change_company_address(const services& svc,
                       const command_meta& meta,
                       std::string_view company_id,
                       const com::change_address& c)
{
    return run_company(svc, meta, company_id, c);
}

result<outcome>
attach_branch(const services& svc,
              const command_meta& meta,
              std::string_view company_id,
              const com::attach_branch& c)
{
    return run_company(
      svc,
      meta,
      company_id,
      c,
      [&](const com::state&, fact_reader&, com::context& ctx) -> std::optional<error> {
          auto other = other_company_facts(svc, c.branch_company_id);
          if (!other) {
              return std::move(other.error());
          }
          ctx.other = *other;
          return std::nullopt;
      });
}

result<outcome>
detach_branch(const services& svc,
              const command_meta& meta,
              std::string_view company_id,
              const com::detach_branch& c)
{
    return run_company(svc, meta, company_id, c);
}

result<outcome>
give_publication_consent(const services& svc, const command_meta& meta, std::string_view company_id)
{
    return run_company(svc, meta, company_id, com::give_publication_consent{});
}

result<outcome>
withdraw_publication_consent(const services& svc,
                             const command_meta& meta,
                             std::string_view company_id)
{
    return run_company(svc, meta, company_id, com::withdraw_publication_consent{});
}

result<outcome>
change_record_settings(const services& svc,
                       const command_meta& meta,
                       std::string_view company_id,
                       const com::change_record_settings& c)
{
    return run_company(svc, meta, company_id, c);
}

result<outcome>
register_trainer(const services& svc,
                 const command_meta& meta,
                 std::string_view company_id,
                 const com::register_trainer& c)
{
    return run_company(svc, meta, company_id, c);
}

result<outcome>
link_trainer_account(const services& svc,
                     const command_meta& meta,
                     std::string_view company_id,
                     com::link_trainer_account c)
{
    if (c.account_id.empty()) {
        // The trainer's e-mail never changes, so reading it ahead is safe.
        auto company = load_company(svc, company_id);
        if (!company) {
            return fail(std::move(company.error()));
        }
        for (const auto& tr : company->state.trainers) {
            if (tr.id == c.trainer_id) {
                c.account_id = svc.account_id_of(tr.email);
            }
        }
    }
    return run_company(svc, meta, company_id, c);
}

result<outcome>
link_company_account(const services& svc,
                     const command_meta& meta,
                     std::string_view company_id,
                     const com::link_company_account& c)
{
    return run_company(svc, meta, company_id, c);
}

result<outcome>
appoint_representative(const services& svc,
                       const command_meta& meta,
                       std::string_view company_id,
                       const com::appoint_representative& c)
{
    return run_company(
      svc,
      meta,
      company_id,
      c,
      [&](const com::state&, fact_reader&, com::context& ctx) -> std::optional<error> {
          if (c.account_id.empty()) {
              return std::nullopt;
          }
          auto a = load_account(svc, c.account_id);
          if (!a) {
              return std::move(a.error());
          }
          ctx.account_exists = a->state.exists && !a->state.erased;
          return std::nullopt;
      });
}

result<outcome>
request_employee_representative(const services& svc,
                                const command_meta& meta,
                                std::string_view company_id,
                                const com::request_employee_representative& c)
{
    return run_company(svc, meta, company_id, c);
}

result<outcome>
approve_employee_representative(const services& svc,
                                const command_meta& meta,
                                std::string_view company_id,
                                com::approve_employee_representative c)
{
    if (c.account_id.empty()) {
        // The request's e-mail never changes, so reading it ahead is safe.
        auto company = load_company(svc, company_id);
        if (!company) {
            return fail(std::move(company.error()));
        }
        for (const auto& r : company->state.representatives) {
            if (r.id == c.representative_id && r.employee && !r.email.empty()) {
                c.account_id = svc.account_id_of(r.email);
            }
        }
    }
    return run_company(svc, meta, company_id, c);
}

result<outcome>
revoke_representative(const services& svc,
                      const command_meta& meta,
                      std::string_view company_id,
                      const com::revoke_representative& c)
{
    return run_company(svc, meta, company_id, c);
}

result<outcome>
erase_company_person(const services& svc,
                     const command_meta& meta,
                     std::string_view company_id,
                     const com::erase_person& c)
{
    return run_company(svc, meta, company_id, c);
}

// ---------------------------------------------------------------------------
// Contracts
// ---------------------------------------------------------------------------

result<outcome>
register_contract(const services& svc,
                  const command_meta& meta,
                  std::string_view contract_id,
                  const con::register_contract& c)
{
    auto company_id = std::string(domain::trim(c.company_id));
    target t{ con::stream_id(contract_id), con::partition_key(company_id) };
    return domain::execute<con::state>(
      svc.log,
      t,
      c,
      [&](const con::state&, fact_reader& facts) -> result<con::context> {
          auto ctx = base_context<con::context>(meta);
          if (!company_id.empty()) {
              auto company = load_fact<com::state>(
                facts, com::stream_id(company_id), com::partition_key(company_id));
              if (!company) {
                  return fail(std::move(company.error()));
              }
              ctx.company.known = company->state.exists;
              for (const auto& tr : company->state.trainers) {
                  ctx.company.trainer_ids.push_back(tr.id);
              }
          }
          auto chamber = chamber_fact(facts);
          if (!chamber) {
              return fail(std::move(chamber.error()));
          }
          ctx.occupation_period_kind =
            to_schema(cha::period_kind_for(*chamber, domain::trim(c.occupation)));
          return ctx;
      },
      meta);
}

result<outcome>
issue_confirmation(const services& svc,
                   const command_meta& meta,
                   std::string_view contract_id,
                   const con::issue_confirmation& c)
{
    return run_contract(svc, meta, contract_id, c, false);
}

result<outcome>
link_trainee_account(const services& svc,
                     const command_meta& meta,
                     std::string_view contract_id,
                     const con::link_trainee_account& c)
{
    return run_contract(svc, meta, contract_id, c, false);
}

result<outcome>
change_contract_trainers(const services& svc,
                         const command_meta& meta,
                         std::string_view contract_id,
                         const con::change_trainers& c)
{
    return run_contract(svc, meta, contract_id, c, true);
}

result<outcome>
change_contract_dates(const services& svc,
                      const command_meta& meta,
                      std::string_view contract_id,
                      const con::change_dates& c)
{
    return run_contract(svc, meta, contract_id, c, false);
}

result<outcome>
change_record_form(const services& svc,
                   const command_meta& meta,
                   std::string_view contract_id,
                   const con::change_record_form& c)
{
    return run_contract(svc, meta, contract_id, c, false);
}

result<outcome>
end_contract(const services& svc,
             const command_meta& meta,
             std::string_view contract_id,
             const con::end_contract& c)
{
    return run_contract(svc, meta, contract_id, c, false);
}

result<outcome>
erase_contract_personal_data(const services& svc,
                             const command_meta& meta,
                             std::string_view contract_id,
                             const con::erase_personal_data& c)
{
    return run_contract(svc, meta, contract_id, c, false);
}

// ---------------------------------------------------------------------------
// Documents
// ---------------------------------------------------------------------------

result<outcome>
issue_document(const services& svc,
               const command_meta& meta,
               std::string_view document_id,
               const doc::issue& c)
{
    auto company_id = std::string(domain::trim(c.company_id));
    target t{ doc::stream_id(document_id), doc::partition_key(company_id) };
    return domain::execute<doc::state>(
      svc.log,
      t,
      c,
      [&](const doc::state&, fact_reader&) -> result<doc::context> {
          return base_context<doc::context>(meta);
      },
      meta);
}

result<outcome>
withdraw_document(const services& svc,
                  const command_meta& meta,
                  std::string_view document_id,
                  const doc::withdraw& c)
{
    auto existing = domain::load<doc::state>(svc.log, doc::stream_id(document_id));
    if (!existing) {
        return fail(std::move(existing.error()));
    }
    if (!existing->state.exists) {
        return domain::missing("document.not_found", "the document does not exist");
    }
    target t{ doc::stream_id(document_id), doc::partition_key(existing->state.company_id) };
    return domain::execute<doc::state>(
      svc.log,
      t,
      c,
      [&](const doc::state&, fact_reader&) -> result<doc::context> {
          return base_context<doc::context>(meta);
      },
      meta);
}

// ---------------------------------------------------------------------------
// Record access grants
// ---------------------------------------------------------------------------

namespace {

template<class Command>
result<outcome>
run_grant(const services& svc,
          const command_meta& meta,
          std::string_view contract_id,
          const Command& c)
{
    auto company_id = company_of_contract(svc, contract_id);
    if (!company_id) {
        return fail(std::move(company_id.error()));
    }
    target t{ gra::stream_id(contract_id), gra::partition_key(*company_id) };
    return domain::execute<gra::state>(
      svc.log,
      t,
      c,
      [&](const gra::state&, fact_reader& facts) -> result<gra::context> {
          auto ctx = base_context<gra::context>(meta);
          auto k = load_fact<con::state>(
            facts, con::stream_id(contract_id), con::partition_key(*company_id));
          if (!k) {
              return fail(std::move(k.error()));
          }
          ctx.trainee_account_id = k->state.trainee_account_id;
          return ctx;
      },
      meta);
}

} // namespace

result<outcome>
grant_access(const services& svc, const command_meta& meta, const gra::grant_access& c)
{
    return run_grant(svc, meta, c.contract_id, c);
}

result<outcome>
revoke_access(const services& svc, const command_meta& meta, std::string_view contract_id)
{
    return run_grant(svc, meta, contract_id, gra::revoke_access{});
}

} // namespace portal::app
