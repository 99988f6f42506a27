// Companies: registration by chamber staff, the company's own data and
// dashboard, publication consent, record settings, trainers and their
// accounts, trainee accounts, documents, exam dates and results,
// representatives, and the public listing.
//
// Reads are visible to chamber staff and to whoever acts for the company
// (authz::acts_for_company: its company accounts, its central office, its
// active representatives); anyone else gets 404 `company.not_found`. Writes
// are decided by the company and account aggregates, acting in the role the
// viewer holds for the company (company, else representative, else staff)
// on behalf of the company the path names.
//
// Representative ids are `<companyId>:<uuid>`: the routes
// `/representatives/{id}` name no company, and the id carries it (company
// ids never contain `:`, the member number's bytes outside [a-z0-9._~-]
// being percent-encoded).

#include "app/accounts.hpp"
#include "app/policies.hpp"
#include "document/document.hpp"
#include "http/api.hpp"
#include "http/authz.hpp"
#include "portal/events/message.hpp"
#include "portal/projections/read_models.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace portal::gateway {

namespace {

using events::role;

reply
company_not_found()
{
    return problem(http::status::not_found, "company.not_found", "no such company");
}

bool
holds_company_role(const viewer& v, std::string_view company_id)
{
    return !company_id.empty() &&
           std::any_of(v.account().roles.begin(), v.account().roles.end(), [&](const auto& r) {
               return r.kind == role::company && r.company_id == company_id;
           });
}

/// Whether the viewer may read company `company_id`: chamber staff, or
/// whoever acts for it. Errors: the log's.
result<bool>
sees_company(api& a, const viewer& v, std::string_view company_id)
{
    if (v.has_role(role::staff)) {
        return true;
    }
    return authz::acts_for_company(a, v, company_id);
}

/// The metadata of a write for company `company_id`: acting as the company
/// when the viewer holds its company role or its central office's, else as
/// a representative, else as staff (the `Portal-Role` header wins); on
/// behalf of `company_id` unless the `Portal-Company` header names another.
result<domain::command_meta>
company_meta(api& a, const call& c, const viewer& v, std::string_view company_id)
{
    auto company = app::load_company(a.services(), company_id);
    if (!company) {
        return fail(company.error());
    }
    bool own =
      holds_company_role(v, company_id) || holds_company_role(v, company->state.central_company_id);
    auto meta = own ? a.meta(c, v, { role::company, role::representative, role::staff })
                    : a.meta(c, v, { role::representative, role::company, role::staff });
    if (!meta) {
        return meta;
    }
    if (meta->actor.on_behalf_of_company_id.empty() &&
        (meta->actor.acting_as == role::company || meta->actor.acting_as == role::representative)) {
        meta->actor.on_behalf_of_company_id = std::string(company_id);
    }
    return meta;
}

/// The metadata of a follow-up command of `meta` (its own derived id, so a
/// repeated request repeats the follow-up idempotently).
domain::command_meta
follow_up(const domain::command_meta& meta, std::string_view step)
{
    auto m = meta;
    m.command_id = fmt::format("{}:{}", meta.command_id, step);
    return m;
}

/// The metadata of a follow-up step the portal takes after the viewer's
/// command was decided (e.g. linking the account the company created): the
/// portal acts (role `system`), recorded with the viewer's account.
domain::command_meta
portal_step(const domain::command_meta& meta, const viewer& v, std::string_view step)
{
    auto m = follow_up(meta, step);
    m.actor = domain::principal{ v.account_id, role::system, "" };
    return m;
}

/// Reads the signed-in viewer and checks that it sees the company of the
/// path; the reply on failure.
std::expected<viewer, reply>
company_viewer(api& a, const call& c)
{
    auto v = a.viewer_of(c);
    if (!v) {
        return std::unexpected(reply(error_response(v.error())));
    }
    auto sees = sees_company(a, *v, c.param("id"));
    if (!sees) {
        return std::unexpected(reply(error_response(sees.error())));
    }
    if (!*sees) {
        return std::unexpected(company_not_found());
    }
    return std::move(*v);
}

/// The company view (after `Portal-Min-Position`) of the path's company,
/// for a viewer who sees it; the reply on failure.
std::expected<boost::json::object, reply>
company_view_of(api& a, const call& c)
{
    auto v = company_viewer(a, c);
    if (!v) {
        return std::unexpected(std::move(v.error()));
    }
    if (auto waited = a.await_position(c); !waited) {
        return std::unexpected(reply(error_response(waited.error())));
    }
    auto view = projections::company_view(a.store(), c.param("id"), day_of(c.now));
    if (!view) {
        return std::unexpected(reply(error_response(view.error())));
    }
    return std::move(*view);
}

/// A page of the list `field` of the company view.
reply
company_list(api& a, const call& c, std::string_view field)
{
    auto view = company_view_of(a, c);
    if (!view) {
        return std::move(view.error());
    }
    auto* items = view->if_contains(field);
    return a.page_reply(
      c, items != nullptr && items->is_array() ? items->as_array() : boost::json::array{});
}

/// Creates the account of `email` with `r` and an invitation (the token
/// derived from the command id, as the mail renders it), or grants `r` to
/// the account when the login exists already. Returns the account id.
result<std::string>
create_or_grant(api& a,
                const call& c,
                const domain::command_meta& meta,
                const std::string& email,
                const std::string& name,
                domain::account::account_role r)
{
    auto id = a.services().account_id_of(email);
    auto existing = app::load_account(a.services(), id);
    if (!existing) {
        return fail(existing.error());
    }
    if (existing->state.exists && !existing->state.erased) {
        auto granted =
          app::grant_account_role(a.services(), follow_up(meta, "role"), id, { std::move(r) });
        if (!granted) {
            return fail(granted.error());
        }
        return id;
    }
    domain::account::create command;
    command.email = email;
    command.name = name;
    command.role = std::move(r);
    command.invitation_token_hash =
      a.secrets().token_hash(a.secrets().token(app::k_invitation_purpose, meta.command_id));
    command.invitation_expires_at = c.now + a.options().token_ttl;
    auto created = app::create_account(a.services(), meta, command);
    if (!created) {
        return fail(created.error());
    }
    return id;
}

// --- registration and the company itself -------------------------------------

reply
register_company(api& a, call& c)
{
    auto v = a.viewer_of(c, { role::staff });
    if (!v) {
        return error_response(v.error());
    }
    auto in = input::parse(c.req);
    if (!in) {
        return in.error();
    }
    auto name = in->text("name", required, 200);
    auto member_number = in->text("memberNumber", required, 40);
    auto email = in->email("email", required);
    auto address = in->object("address", required);
    std::optional<std::string> street, zip, town;
    if (address) {
        street = address->text("street", required, 200);
        zip = address->text("zip", required, 10);
        town = address->text("town", required, 100);
    }
    auto central = in->text("centralCompanyId", optional, 200);
    if (auto bad = in->finish()) {
        return *bad;
    }
    auto meta = a.meta(c, *v, { role::staff });
    if (!meta) {
        return error_response(meta.error());
    }
    auto id = app::company_id_for(*member_number);
    domain::company::register_company command;
    command.company_id = id;
    command.name = *name;
    command.member_number = *member_number;
    command.email = *email;
    command.address = { *street, *zip, *town };
    command.central_company_id = central.value_or("");
    auto done = app::register_company(a.services(), *meta, command);
    if (done && central) {
        // A branch is also listed at its central office, which then acts
        // for it.
        auto attached =
          app::attach_branch(a.services(), follow_up(*meta, "attach"), *central, { id });
        if (!attached || attached->events > 0) {
            return a.written("company.register", attached, id, http::status::created);
        }
    }
    return a.written("company.register", done, id, http::status::created);
}

reply
get_company(api& a, call& c)
{
    auto view = company_view_of(a, c);
    if (!view) {
        return std::move(view.error());
    }
    auto company = app::load_company(a.services(), c.param("id"));
    if (!company) {
        return error_response(company.error());
    }
    auto* found = view->if_contains("company");
    auto body = found != nullptr && found->is_object() ? found->as_object() : boost::json::object{};
    body["version"] = company->version;
    return ok_json(body);
}

reply
company_dashboard(api& a, call& c)
{
    auto v = company_viewer(a, c);
    if (!v) {
        return std::move(v.error());
    }
    if (auto waited = a.await_position(c); !waited) {
        return error_response(waited.error());
    }
    const auto& id = c.param("id");
    auto today = day_of(c.now);
    return a.view_reply(fmt::format("company/{}/{}", id, format_date(today)),
                        [&] { return projections::company_view(a.store(), id, today); });
}

reply
set_publication(api& a, call& c)
{
    auto v = company_viewer(a, c);
    if (!v) {
        return std::move(v.error());
    }
    auto in = input::parse(c.req);
    if (!in) {
        return in.error();
    }
    auto consent = in->boolean("consent", required);
    if (auto bad = in->finish()) {
        return *bad;
    }
    const auto& id = c.param("id");
    auto meta = company_meta(a, c, *v, id);
    if (!meta) {
        return error_response(meta.error());
    }
    auto done = *consent ? app::give_publication_consent(a.services(), *meta, id)
                         : app::withdraw_publication_consent(a.services(), *meta, id);
    return a.written("company.publication", done, id);
}

reply
set_record_settings(api& a, call& c)
{
    auto v = company_viewer(a, c);
    if (!v) {
        return std::move(v.error());
    }
    auto in = input::parse(c.req);
    if (!in) {
        return in.error();
    }
    auto occupation = in->text("occupation", required, 200);
    auto electronic = in->boolean("electronic", required);
    auto reminders = in->boolean("reminders", required);
    if (auto bad = in->finish()) {
        return *bad;
    }
    const auto& id = c.param("id");
    auto meta = company_meta(a, c, *v, id);
    if (!meta) {
        return error_response(meta.error());
    }
    domain::company::change_record_settings command{ *occupation, *electronic, *reminders };
    auto done = app::change_record_settings(a.services(), *meta, id, command);
    return a.written("company.record_settings", done, id);
}

// --- trainers ----------------------------------------------------------------

reply
list_trainers(api& a, call& c)
{
    return company_list(a, c, "trainers");
}

reply
register_trainer(api& a, call& c)
{
    auto v = company_viewer(a, c);
    if (!v) {
        return std::move(v.error());
    }
    auto in = input::parse(c.req);
    if (!in) {
        return in.error();
    }
    auto name = in->text("name", required, 200);
    auto email = in->email("email", required);
    if (auto bad = in->finish()) {
        return *bad;
    }
    const auto& id = c.param("id");
    auto meta = company_meta(a, c, *v, id);
    if (!meta) {
        return error_response(meta.error());
    }
    auto trainer_id = a.new_id(c);
    domain::company::register_trainer command{ trainer_id, *name, *email };
    auto done = app::register_trainer(a.services(), *meta, id, command);
    if (done && done->duplicate) {
        // A repeated Idempotency-Key: the trainer of the first request (one
        // trainer per e-mail address and company).
        auto company = app::load_company(a.services(), id);
        if (!company) {
            return error_response(company.error());
        }
        for (const auto& t : company->state.trainers) {
            if (t.email == domain::normalize_email(*email)) {
                trainer_id = t.id;
            }
        }
    }
    return a.written("company.register_trainer", done, trainer_id, http::status::created);
}

reply
create_trainer_account(api& a, call& c)
{
    auto v = company_viewer(a, c);
    if (!v) {
        return std::move(v.error());
    }
    if (auto in = input::parse(c.req); !in) {
        return in.error();
    } else if (auto bad = in->finish()) {
        return *bad;
    }
    const auto& id = c.param("id");
    const auto& trainer_id = c.param("trainerId");
    auto company = app::load_company(a.services(), id);
    if (!company) {
        return error_response(company.error());
    }
    const auto& trainers = company->state.trainers;
    auto trainer = std::find_if(
      trainers.begin(), trainers.end(), [&](const auto& t) { return t.id == trainer_id; });
    if (trainer == trainers.end()) {
        return problem(http::status::not_found, "company.trainer_not_found", "no such trainer");
    }
    if (trainer->erased) {
        return problem(http::status::conflict,
                       "company.trainer_erased",
                       "the trainer's personal data has been erased");
    }
    auto meta = company_meta(a, c, *v, id);
    if (!meta) {
        return error_response(meta.error());
    }
    auto account =
      create_or_grant(a, c, *meta, trainer->email, trainer->name, { role::trainer, id, "" });
    if (!account) {
        a.stats().count_command("company.trainer_account", account.error().code);
        return error_response(account.error());
    }
    auto linked = app::link_trainer_account(
      a.services(), follow_up(*meta, "link"), id, { trainer_id, *account });
    return a.written("company.trainer_account", linked, *account, http::status::created);
}

// --- contracts, trainee accounts, documents, exams ---------------------------

reply
list_company_contracts(api& a, call& c)
{
    return company_list(a, c, "contracts");
}

reply
create_trainee_account(api& a, call& c)
{
    auto v = a.viewer_of(c);
    if (!v) {
        return error_response(v.error());
    }
    const auto& contract_id = c.param("id");
    auto rel = authz::relation_to_contract(a, *v, contract_id, c.now);
    if (!rel) {
        return error_response(rel.error());
    }
    if (!rel->sees_contract()) {
        return problem(http::status::not_found, "contract.not_found", "no such contract");
    }
    auto in = input::parse(c.req);
    if (!in) {
        return in.error();
    }
    auto email = in->email("email", required);
    if (auto bad = in->finish()) {
        return *bad;
    }
    auto contract = app::load_contract(a.services(), contract_id);
    if (!contract) {
        return error_response(contract.error());
    }
    const auto& k = contract->state;
    auto meta = company_meta(a, c, *v, k.company_id);
    if (!meta) {
        return error_response(meta.error());
    }
    // The link's rule first: an ended contract or one with another trainee
    // account gets no account and grants nobody the trainee role for it.
    if (auto refused =
          domain::contract::trainee_account_refusal(k, a.services().account_id_of(*email))) {
        a.stats().count_command("contract.trainee_account", refused->code);
        return error_response(*refused);
    }
    auto account = create_or_grant(
      a, c, *meta, *email, k.trainee_name, { role::trainee, k.company_id, contract_id });
    if (!account) {
        a.stats().count_command("contract.trainee_account", account.error().code);
        return error_response(account.error());
    }
    // Linking is the portal's step (contracts change by staff or system
    // only); the account's creation above was the company's decision.
    auto linked = app::link_trainee_account(
      a.services(), portal_step(*meta, *v, "link"), contract_id, { *account });
    return a.written("contract.trainee_account", linked, *account, http::status::created);
}

reply
list_company_documents(api& a, call& c)
{
    return company_list(a, c, "documents");
}

reply
get_document(api& a, call& c)
{
    auto v = a.viewer_of(c);
    if (!v) {
        return error_response(v.error());
    }
    auto not_found = [] {
        return problem(http::status::not_found, "document.not_found", "no such document");
    };
    const auto& id = c.param("id");
    auto doc =
      domain::load<domain::document::state>(a.services().log, domain::document::stream_id(id));
    if (!doc) {
        return error_response(doc.error());
    }
    const auto& d = doc->state;
    if (!d.exists) {
        return not_found();
    }
    auto visible = sees_company(a, *v, d.company_id);
    if (!visible) {
        return error_response(visible.error());
    }
    bool sees = *visible;
    if (!sees && !d.contract_id.empty()) {
        auto rel = authz::relation_to_contract(a, *v, d.contract_id, c.now);
        if (!rel) {
            return error_response(rel.error());
        }
        sees = rel->trainee || rel->company || rel->staff;
    }
    if (!sees) {
        return not_found();
    }
    boost::json::object body{ { "documentId", id },
                              { "kind", events::enum_name(d.kind) },
                              { "title", d.title },
                              { "companyId", d.company_id },
                              { "contractId", d.contract_id },
                              { "body", d.body },
                              { "status", d.withdrawn ? "withdrawn" : "issued" },
                              { "version", doc->version } };
    if (d.withdrawn) {
        body["withdrawnReason"] = d.withdrawal_reason;
    }
    return ok_json(body);
}

reply
list_company_exams(api& a, call& c)
{
    return company_list(a, c, "exams");
}

reply
company_exam_results(api& a, call& c)
{
    auto v = a.viewer_of(c);
    if (!v) {
        return error_response(v.error());
    }
    // "Ergebnisse anzeigen" is the company's view: only who acts for it.
    auto acts = authz::acts_for_company(a, *v, c.param("id"));
    if (!acts) {
        return error_response(acts.error());
    }
    if (!*acts) {
        return company_not_found();
    }
    if (auto waited = a.await_position(c); !waited) {
        return error_response(waited.error());
    }
    auto results =
      projections::company_exam_results(a.store(), c.param("id"), c.param("examId"), day_of(c.now));
    if (!results) {
        return error_response(results.error());
    }
    return ok_json(*results);
}

// --- representatives -----------------------------------------------------------

/// The company named by a representative id (`<companyId>:<uuid>`); empty
/// when the id has no company part.
std::string
company_of_representative(std::string_view representative_id)
{
    auto colon = representative_id.rfind(':');
    return colon == std::string_view::npos || colon == 0
             ? std::string{}
             : std::string(representative_id.substr(0, colon));
}

/// Reads the signed-in viewer and checks that it sees the company of the
/// path's representative (`/representatives/{id}`); the reply on failure
/// (404 `company.representative_not_found` for a company it does not see).
std::expected<viewer, reply>
representative_viewer(api& a, const call& c)
{
    auto v = a.viewer_of(c);
    if (!v) {
        return std::unexpected(reply(error_response(v.error())));
    }
    auto sees = sees_company(a, *v, company_of_representative(c.param("id")));
    if (!sees) {
        return std::unexpected(reply(error_response(sees.error())));
    }
    if (!*sees) {
        return std::unexpected(reply(problem(
          http::status::not_found, "company.representative_not_found", "no such representative")));
    }
    return std::move(*v);
}

reply
list_representatives(api& a, call& c)
{
    return company_list(a, c, "representatives");
}

reply
add_representative(api& a, call& c)
{
    auto v = company_viewer(a, c);
    if (!v) {
        return std::move(v.error());
    }
    auto in = input::parse(c.req);
    if (!in) {
        return in.error();
    }
    auto account_id = in->text("accountId", optional, 200);
    auto name = in->text("name", optional, 200);
    auto email = in->email("email", optional);
    auto employee = in->boolean("employee", optional);
    if (account_id) {
        if (email) {
            in->reject("email", "validation.exclusive");
        }
        if (employee) {
            in->reject("employee", "validation.exclusive");
        }
    } else if (!in->has("accountId")) {
        if (!employee.value_or(false)) {
            // Without an account, only an employee can be proposed.
            in->reject(employee ? "employee" : "accountId",
                       employee ? "validation.enum" : "validation.required");
        } else {
            if (!name && !in->has("name")) {
                in->reject("name", "validation.required");
            }
            if (!email && !in->has("email")) {
                in->reject("email", "validation.required");
            }
        }
    }
    if (auto bad = in->finish()) {
        return *bad;
    }
    const auto& id = c.param("id");
    auto meta = company_meta(a, c, *v, id);
    if (!meta) {
        return error_response(meta.error());
    }
    auto representative_id = fmt::format("{}:{}", id, a.new_id(c));
    // A repeated Idempotency-Key answers with the representative of the
    // first request: the one with the same account or e-mail address.
    auto first_of = [&](const result<domain::outcome>& done) -> result<std::string> {
        if (!done || !done->duplicate) {
            return representative_id;
        }
        auto company = app::load_company(a.services(), id);
        if (!company) {
            return fail(company.error());
        }
        for (const auto& r : company->state.representatives) {
            if (account_id ? r.account_id == *account_id
                           : r.email == domain::normalize_email(email.value_or(""))) {
                return r.id;
            }
        }
        return representative_id;
    };
    if (account_id) {
        auto shown = name.value_or("");
        if (shown.empty()) {
            // The representative is shown with the account's name.
            auto account = app::load_account(a.services(), *account_id);
            if (!account) {
                return error_response(account.error());
            }
            shown = account->state.name.empty() ? *account_id : account->state.name;
        }
        domain::company::appoint_representative command{ representative_id, *account_id, shown };
        auto done = app::appoint_representative(a.services(), *meta, id, command);
        auto first = first_of(done);
        if (!first) {
            return error_response(first.error());
        }
        representative_id = *first;
        if (done) {
            // The account acts for the company in the representative role.
            auto granted = app::grant_account_role(a.services(),
                                                   portal_step(*meta, *v, "role"),
                                                   *account_id,
                                                   { { role::representative, id, "" } });
            if (!granted || granted->events > 0) {
                return a.written("company.appoint_representative",
                                 granted,
                                 representative_id,
                                 http::status::created);
            }
        }
        return a.written(
          "company.appoint_representative", done, representative_id, http::status::created);
    }
    domain::company::request_employee_representative command{ representative_id, *name, *email };
    auto done = app::request_employee_representative(a.services(), *meta, id, command);
    auto first = first_of(done);
    if (!first) {
        return error_response(first.error());
    }
    return a.written("company.request_representative", done, *first, http::status::created);
}

reply
approve_representative(api& a, call& c)
{
    auto v = a.viewer_of(c, { role::staff });
    if (!v) {
        return error_response(v.error());
    }
    const auto& representative_id = c.param("id");
    auto company_id = company_of_representative(representative_id);
    if (company_id.empty()) {
        return problem(
          http::status::not_found, "company.representative_not_found", "no such representative");
    }
    auto meta = a.meta(c, *v, { role::staff });
    if (!meta) {
        return error_response(meta.error());
    }
    // The account is the one the approval's follow-up creates (or finds)
    // for the request's e-mail.
    domain::company::approve_employee_representative command{ representative_id, "" };
    auto done = app::approve_employee_representative(a.services(), *meta, company_id, command);
    return a.written("company.approve_representative", done, representative_id);
}

/// The representative's account no longer acts for the company once `done`
/// (the revocation or erasure of `representative_id`) succeeded: its
/// representative role goes as well. The reply of the write.
reply
written_without_representative_role(api& a,
                                    const viewer& v,
                                    const domain::command_meta& meta,
                                    const domain::loaded<domain::company::state>& company,
                                    const std::string& company_id,
                                    const std::string& representative_id,
                                    std::string_view command,
                                    const result<domain::outcome>& done)
{
    const auto& reps = company.state.representatives;
    auto rep = std::find_if(
      reps.begin(), reps.end(), [&](const auto& r) { return r.id == representative_id; });
    if (done && rep != reps.end() && !rep->account_id.empty()) {
        auto revoked = app::revoke_account_role(a.services(),
                                                portal_step(meta, v, "role"),
                                                rep->account_id,
                                                { { role::representative, company_id, "" } });
        if (!revoked || revoked->events > 0) {
            return a.written(command, revoked, representative_id);
        }
    }
    return a.written(command, done, representative_id);
}

reply
revoke_representative(api& a, call& c)
{
    auto v = representative_viewer(a, c);
    if (!v) {
        return std::move(v.error());
    }
    const auto& representative_id = c.param("id");
    auto company_id = company_of_representative(representative_id);
    auto meta = company_meta(a, c, *v, company_id);
    if (!meta) {
        return error_response(meta.error());
    }
    auto company = app::load_company(a.services(), company_id);
    if (!company) {
        return error_response(company.error());
    }
    auto done = app::revoke_representative(a.services(), *meta, company_id, { representative_id });
    return written_without_representative_role(
      a, *v, *meta, *company, company_id, representative_id, "company.revoke_representative", done);
}

/// POST /api/v1/companies/{id}/trainers/{trainerId}/erase: chamber staff
/// erase a trainer's name and e-mail address (`company.person_erased`),
/// e.g. when retention ends for a trainer without a login. Again: 200
/// without events. Errors: the aggregate's (`company.forbidden` 403,
/// `company.trainer_not_found` 404, `validation.reason` 400).
reply
erase_trainer(api& a, call& c)
{
    auto v = company_viewer(a, c);
    if (!v) {
        return std::move(v.error());
    }
    auto input = erasure_input(a, c, *v);
    if (!input) {
        return std::move(input.error());
    }
    const auto& trainer_id = c.param("trainerId");
    auto done = app::erase_company_person(
      a.services(), input->first, c.param("id"), { trainer_id, "", input->second });
    return a.written("company.erase_person", done, trainer_id);
}

/// POST /api/v1/representatives/{id}/erase: chamber staff erase a
/// representative's name and e-mail address; the representative is revoked
/// with it (and their account's representative role). Errors as for
/// trainers, `company.representative_not_found`.
reply
erase_representative(api& a, call& c)
{
    auto v = representative_viewer(a, c);
    if (!v) {
        return std::move(v.error());
    }
    const auto& representative_id = c.param("id");
    auto company_id = company_of_representative(representative_id);
    auto input = erasure_input(a, c, *v);
    if (!input) {
        return std::move(input.error());
    }
    auto company = app::load_company(a.services(), company_id);
    if (!company) {
        return error_response(company.error());
    }
    auto done = app::erase_company_person(
      a.services(), input->first, company_id, { "", representative_id, input->second });
    return written_without_representative_role(
      a, *v, input->first, *company, company_id, representative_id, "company.erase_person", done);
}

// --- public listing ------------------------------------------------------------

reply
public_companies(api& a, call& c)
{
    auto occupation = c.query_param("occupation");
    auto town = c.query_param("town");
    std::vector<field_error> errors;
    if (occupation && occupation->size() > 200) {
        errors.push_back({ "occupation", "validation.too_long" });
    }
    if (town && town->size() > 200) {
        errors.push_back({ "town", "validation.too_long" });
    }
    if (!errors.empty()) {
        return validation_problem(std::move(errors));
    }
    if (auto waited = a.await_position(c); !waited) {
        return error_response(waited.error());
    }
    auto listed = projections::public_companies(a.store(), occupation, town);
    if (!listed) {
        return error_response(listed.error());
    }
    return a.page_reply(c, std::move(*listed));
}

} // namespace

void
add_company_routes(router& r)
{
    using http::verb;
    const auto auth = access::authenticated;
    r.add(verb::post, "/api/v1/companies", auth, register_company);
    r.add(verb::get, "/api/v1/companies/{id}", auth, get_company);
    r.add(verb::get, "/api/v1/companies/{id}/dashboard", auth, company_dashboard);
    r.add(verb::put, "/api/v1/companies/{id}/publication", auth, set_publication);
    r.add(verb::put, "/api/v1/companies/{id}/record-settings", auth, set_record_settings);
    r.add(verb::get, "/api/v1/companies/{id}/trainers", auth, list_trainers);
    r.add(verb::post, "/api/v1/companies/{id}/trainers", auth, register_trainer);
    r.add(verb::post,
          "/api/v1/companies/{id}/trainers/{trainerId}/account",
          auth,
          create_trainer_account);
    r.add(verb::post, "/api/v1/companies/{id}/trainers/{trainerId}/erase", auth, erase_trainer);
    r.add(verb::get, "/api/v1/companies/{id}/contracts", auth, list_company_contracts);
    r.add(verb::post, "/api/v1/contracts/{id}/trainee-account", auth, create_trainee_account);
    r.add(verb::get, "/api/v1/companies/{id}/documents", auth, list_company_documents);
    r.add(verb::get, "/api/v1/documents/{id}", auth, get_document);
    r.add(verb::get, "/api/v1/companies/{id}/exams", auth, list_company_exams);
    r.add(verb::get, "/api/v1/companies/{id}/exams/{examId}/results", auth, company_exam_results);
    r.add(verb::get, "/api/v1/companies/{id}/representatives", auth, list_representatives);
    r.add(verb::post, "/api/v1/companies/{id}/representatives", auth, add_representative);
    r.add(verb::post, "/api/v1/representatives/{id}/approve", auth, approve_representative);
    r.add(verb::delete_, "/api/v1/representatives/{id}", auth, revoke_representative);
    r.add(verb::post, "/api/v1/representatives/{id}/erase", auth, erase_representative);
    r.add(verb::get, "/api/v1/public/companies", access::open, public_companies);
}

} // namespace portal::gateway
