// The `training` model: companies, trainers, representatives, contracts,
// records, documents and accounts, with the indexes the dashboards need.
//
// Keys (relative to the model):
//   company/<id>, contract/<id>, report/<id>, document/<id>, account/<id>
//   ix/company-contract/<companyId>/<contractId>
//   ix/trainer-contract/<trainerId>/<contractId>
//   ix/account-trainer/<accountId>/<trainerId>
//   ix/trainee-account/<accountId>/<contractId>
//   ix/contract-report/<contractId>/<periodKey>/<reportId>
//                                      the record without entries and absences
//                                      (what lists and progress need)
//   ix/contract-status/<contractId>/<periodKey>/<reportId>   the record's status
//   ix/waiting/<email>/<reportId>      records waiting for that approver
//   ix/sent-to/<email>/<reportId>      every record ever sent to that approver
//   ix/company-document/<companyId>/<documentId>
//   ix/contract-document/<contractId>/<documentId>
//   ix/pending-rep/<companyId>/<representativeId>
//   rfc/<position>                     record-form changes (chamber staff)
//
// `contract.personal_data_erased` empties the trainee's name, birth date and
// e-mail in contract/<id>, the name in its rfc/ entries, the title and body
// of its documents and the texts of its records (entries, absence notes,
// comment, remarks): what a rebuild reads once the log destroyed the
// trainee's key (events/personal_data.hpp).

#include "json_util.hpp"
#include "portal/projections/read_models.hpp"

namespace portal::projections {

using namespace detail;

namespace {

const char*
form_name(schema::RecordForm f)
{
    return events::enum_name(f).data();
}

const char*
entry_kind(schema::EntryKind k)
{
    return events::enum_name(k).data();
}

const char*
absence_kind(schema::AbsenceKind k)
{
    return events::enum_name(k).data();
}

const char*
end_reason(schema::EndReason r)
{
    return events::enum_name(r).data();
}

const char*
document_kind(schema::DocumentKind k)
{
    return events::enum_name(k).data();
}

json::array
entries_json(capnp::List<schema::Entry>::Reader entries)
{
    json::array out;
    for (auto e : entries) {
        json::array items;
        for (auto i : e.getFrameworkItems()) {
            items.push_back(text(i));
        }
        json::object o{ { "kind", entry_kind(e.getKind()) },
                        { "text", text(e.getText()) },
                        { "minutes", e.getMinutes() },
                        { "hours", hours(e.getMinutes()) },
                        { "frameworkItems", std::move(items) } };
        if (e.getDay().size() > 0) {
            o["day"] = text(e.getDay());
        }
        out.push_back(std::move(o));
    }
    return out;
}

json::array
absences_json(capnp::List<schema::Absence>::Reader absences)
{
    json::array out;
    for (auto a : absences) {
        out.push_back(json::object{ { "date", text(a.getDate()) },
                                    { "kind", absence_kind(a.getKind()) },
                                    { "minutes", a.getMinutes() },
                                    { "note", text(a.getNote()) } });
    }
    return out;
}

json::array
ids_json(capnp::List<capnp::Text>::Reader ids)
{
    json::array out;
    for (auto id : ids) {
        out.push_back(text(id));
    }
    return out;
}

/// A record without its entries and absences: what `json::object::erase`
/// of both leaves (it moves the last member into the erased one's place, so
/// the member order is that of erase, which the stored bytes keep), without
/// copying the entries first.
json::object
summary_of(const json::object& record)
{
    std::vector<const json::key_value_pair*> members;
    members.reserve(record.size());
    for (const auto& m : record) {
        members.push_back(&m);
    }
    for (std::string_view dropped : { "entries", "absences" }) {
        for (auto& m : members) {
            if (m->key() == dropped) {
                m = members.back();
                members.pop_back();
                break;
            }
        }
    }
    json::object out;
    out.reserve(members.size());
    for (const auto* m : members) {
        out.emplace(m->key(), m->value());
    }
    return out;
}

/// Loads, changes and stores documents of the model for one event.
class context
{
  public:
    context(write_batch& batch, reader& model)
      : batch_(batch)
      , model_(model)
    {
    }

    /// The document at `key`, or `fresh` when absent.
    result<json::object> load(const std::string& key, json::object fresh = {})
    {
        // Every load is put back (update, contract, report): take it.
        auto doc = model_.take_json(key);
        if (!doc) {
            return fail(doc.error());
        }
        if (*doc) {
            return std::move(**doc);
        }
        return fresh;
    }

    void store(const std::string& key, json::object&& doc)
    {
        batch_.put_json(key, json::value(std::move(doc)));
    }
    void store_text(const std::string& key, std::string_view value) { batch_.put(key, value); }
    void index(const std::string& key) { batch_.put(key, ""); }
    void unindex(const std::string& key) { batch_.erase(key); }
    const reader& model() const { return model_; }

  private:
    write_batch& batch_;
    reader& model_;
};

/// Applies `change` to the document at `key` (created from `fresh`).
template<class F>
result<void>
update(context& ctx, const std::string& key, json::object fresh, F&& change)
{
    auto doc = ctx.load(key, std::move(fresh));
    if (!doc) {
        return fail(doc.error());
    }
    change(*doc);
    ctx.store(key, std::move(*doc));
    return {};
}

class training final : public projector
{
  public:
    std::string_view name() const override { return k_training; }
    std::uint32_t version() const override { return 3; }

    result<void> apply(const events::recorded_event& event,
                       schema::Envelope::Reader env,
                       write_batch& batch,
                       reader& model) override
    {
        context ctx(batch, model);
        auto payload = env.getPayload();
        switch (payload.which()) {
            case schema::Event::ACCOUNT:
                return account(ctx, event, payload.getAccount());
            case schema::Event::COMPANY:
                return company(ctx, event, env, payload.getCompany());
            case schema::Event::CONTRACT:
                return contract(ctx, event, env, payload.getContract());
            case schema::Event::DOCUMENT:
                return document(ctx, event, env, payload.getDocument());
            case schema::Event::REPORT:
                return report(ctx, event, env, payload.getReport());
            case schema::Event::ACCESS_GRANT:
                return grant(ctx, event, payload.getAccessGrant());
            case schema::Event::EXAM:
            case schema::Event::EXAMINER:
            case schema::Event::PROPOSAL:
            case schema::Event::SEMINAR:
            case schema::Event::REMINDER:
            case schema::Event::CHAMBER:
            case schema::Event::MAIL:
                return {};
        }
        return {};
    }

  private:
    static result<void> account(context& ctx,
                                const events::recorded_event& event,
                                schema::AccountEvent::Reader e)
    {
        auto id = id_of(event.stream, "account-");
        auto key = "account/" + id;
        auto role_json = [](schema::AccountRole::Reader r) {
            return json::object{ { "role", role_name(r.getRole()) },
                                 { "companyId", text(r.getCompanyId()) },
                                 { "contractId", text(r.getContractId()) } };
        };
        auto link_trainee = [&](schema::AccountRole::Reader r) {
            if (r.getRole() == schema::Role::TRAINEE && r.getContractId().size() > 0) {
                ctx.index(fmt::format("ix/trainee-account/{}/{}", id, str(r.getContractId())));
            }
        };
        switch (e.which()) {
            case schema::AccountEvent::CREATED: {
                auto c = e.getCreated();
                link_trainee(c.getRole());
                return update(ctx, key, {}, [&](json::object& a) {
                    a["accountId"] = id;
                    a["email"] = text(c.getEmail());
                    a["name"] = text(c.getName());
                    a["createdFor"] = text(c.getCreatedFor());
                    a["status"] = "invited";
                    arr(a, "roles").push_back(role_json(c.getRole()));
                });
            }
            case schema::AccountEvent::ROLE_GRANTED:
                link_trainee(e.getRoleGranted().getRole());
                return update(ctx, key, {}, [&](json::object& a) {
                    arr(a, "roles").push_back(role_json(e.getRoleGranted().getRole()));
                });
            case schema::AccountEvent::ROLE_REVOKED:
                return update(ctx, key, {}, [&](json::object& a) {
                    auto revoked = role_json(e.getRoleRevoked().getRole());
                    auto& roles = arr(a, "roles");
                    for (auto it = roles.begin(); it != roles.end(); ++it) {
                        if (*it == revoked) {
                            roles.erase(it);
                            break;
                        }
                    }
                });
            case schema::AccountEvent::ACTIVATED:
            case schema::AccountEvent::PIN_CONVERTED_TO_LOGIN:
            case schema::AccountEvent::UNLOCKED:
                return update(ctx, key, {}, [&](json::object& a) { a["status"] = "active"; });
            case schema::AccountEvent::PIN_ISSUED:
                return update(ctx, key, {}, [&](json::object& a) { a["status"] = "pin"; });
            case schema::AccountEvent::LOCKED:
                return update(ctx, key, {}, [&](json::object& a) {
                    a["status"] = "locked";
                    a["lockedUntil"] = at(e.getLocked().getUntil());
                });
            case schema::AccountEvent::ERASED:
                return update(ctx, key, {}, [&](json::object& a) {
                    a["email"] = "";
                    a["name"] = "";
                    a["status"] = "erased";
                });
            case schema::AccountEvent::INVITATION_ISSUED:
            case schema::AccountEvent::LOGIN_SUCCEEDED:
            case schema::AccountEvent::LOGIN_FAILED:
            case schema::AccountEvent::PASSWORD_RESET_REQUESTED:
            case schema::AccountEvent::PASSWORD_RESET_COMPLETED:
            case schema::AccountEvent::PASSWORD_CHANGED:
            case schema::AccountEvent::SESSION_ENDED:
                return {};
        }
        return {};
    }

    static result<void> company(context& ctx,
                                const events::recorded_event& event,
                                schema::Envelope::Reader env,
                                schema::CompanyEvent::Reader e)
    {
        auto id = id_of(event.stream, "company-");
        auto key = "company/" + id;
        json::object fresh{ { "companyId", id },
                            { "consent", false },
                            { "branches", json::array{} },
                            { "recordSettings", json::array{} },
                            { "trainers", json::array{} },
                            { "accountIds", json::array{} },
                            { "representatives", json::array{} } };
        auto address = [](schema::Address::Reader a) {
            return json::object{ { "street", text(a.getStreet()) },
                                 { "zip", text(a.getZip()) },
                                 { "town", text(a.getTown()) } };
        };
        auto rep_status = [&](std::string_view rep_id, const char* status, std::string account) {
            return update(ctx, key, fresh, [&](json::object& c) {
                if (auto* r = find_in(c, "representatives", "representativeId", rep_id)) {
                    (*r)["status"] = status;
                    if (!account.empty()) {
                        (*r)["accountId"] = account;
                    }
                }
            });
        };
        switch (e.which()) {
            case schema::CompanyEvent::REGISTERED: {
                auto r = e.getRegistered();
                return update(ctx, key, fresh, [&](json::object& c) {
                    c["name"] = text(r.getName());
                    c["memberNumber"] = text(r.getMemberNumber());
                    c["email"] = text(r.getEmail());
                    c["address"] = address(r.getAddress());
                    c["centralCompanyId"] = text(r.getCentralCompanyId());
                    c["registeredAt"] = at(env.getRecordedAt());
                });
            }
            case schema::CompanyEvent::BRANCH_ATTACHED:
                return update(ctx, key, fresh, [&](json::object& c) {
                    auto b = text(e.getBranchAttached().getBranchCompanyId());
                    if (!contains(arr(c, "branches"), b)) {
                        arr(c, "branches").push_back(b);
                    }
                });
            case schema::CompanyEvent::BRANCH_DETACHED:
                return update(ctx, key, fresh, [&](json::object& c) {
                    remove_str(arr(c, "branches"), str(e.getBranchDetached().getBranchCompanyId()));
                });
            case schema::CompanyEvent::PUBLICATION_CONSENT_GIVEN:
                return update(ctx, key, fresh, [&](json::object& c) { c["consent"] = true; });
            case schema::CompanyEvent::PUBLICATION_CONSENT_WITHDRAWN:
                return update(ctx, key, fresh, [&](json::object& c) { c["consent"] = false; });
            case schema::CompanyEvent::RECORD_SETTINGS_CHANGED: {
                auto s = e.getRecordSettingsChanged();
                return update(ctx, key, fresh, [&](json::object& c) {
                    json::object setting{ { "occupation", text(s.getOccupation()) },
                                          { "electronic", s.getElectronic() },
                                          { "reminders", s.getReminders() } };
                    if (auto* old =
                          find_in(c, "recordSettings", "occupation", str(s.getOccupation()))) {
                        *old = std::move(setting);
                    } else {
                        arr(c, "recordSettings").push_back(std::move(setting));
                    }
                });
            }
            case schema::CompanyEvent::TRAINER_REGISTERED: {
                auto t = e.getTrainerRegistered();
                return update(ctx, key, fresh, [&](json::object& c) {
                    arr(c, "trainers")
                      .push_back(json::object{ { "trainerId", text(t.getTrainerId()) },
                                               { "name", text(t.getName()) },
                                               { "email", text(t.getEmail()) },
                                               { "accountId", "" } });
                });
            }
            case schema::CompanyEvent::TRAINER_ACCOUNT_LINKED: {
                auto t = e.getTrainerAccountLinked();
                ctx.index(fmt::format(
                  "ix/account-trainer/{}/{}", str(t.getAccountId()), str(t.getTrainerId())));
                return update(ctx, key, fresh, [&](json::object& c) {
                    if (auto* tr = find_in(c, "trainers", "trainerId", str(t.getTrainerId()))) {
                        (*tr)["accountId"] = text(t.getAccountId());
                    }
                });
            }
            case schema::CompanyEvent::COMPANY_ACCOUNT_LINKED:
                return update(ctx, key, fresh, [&](json::object& c) {
                    arr(c, "accountIds")
                      .push_back(text(e.getCompanyAccountLinked().getAccountId()));
                });
            case schema::CompanyEvent::REPRESENTATIVE_APPOINTED: {
                auto r = e.getRepresentativeAppointed();
                return update(ctx, key, fresh, [&](json::object& c) {
                    arr(c, "representatives")
                      .push_back(
                        json::object{ { "representativeId", text(r.getRepresentativeId()) },
                                      { "accountId", text(r.getAccountId()) },
                                      { "name", text(r.getName()) },
                                      { "email", "" },
                                      { "employee", false },
                                      { "status", "active" } });
                });
            }
            case schema::CompanyEvent::EMPLOYEE_REPRESENTATIVE_REQUESTED: {
                auto r = e.getEmployeeRepresentativeRequested();
                ctx.index(fmt::format("ix/pending-rep/{}/{}", id, str(r.getRepresentativeId())));
                return update(ctx, key, fresh, [&](json::object& c) {
                    arr(c, "representatives")
                      .push_back(
                        json::object{ { "representativeId", text(r.getRepresentativeId()) },
                                      { "accountId", "" },
                                      { "name", text(r.getName()) },
                                      { "email", text(r.getEmail()) },
                                      { "employee", true },
                                      { "status", "pending" },
                                      { "requestedAt", at(env.getRecordedAt()) } });
                });
            }
            case schema::CompanyEvent::EMPLOYEE_REPRESENTATIVE_APPROVED: {
                auto r = e.getEmployeeRepresentativeApproved();
                ctx.unindex(fmt::format("ix/pending-rep/{}/{}", id, str(r.getRepresentativeId())));
                return rep_status(str(r.getRepresentativeId()), "active", str(r.getAccountId()));
            }
            case schema::CompanyEvent::REPRESENTATIVE_REVOKED: {
                auto rep = str(e.getRepresentativeRevoked().getRepresentativeId());
                ctx.unindex(fmt::format("ix/pending-rep/{}/{}", id, rep));
                return rep_status(rep, "revoked", {});
            }
            case schema::CompanyEvent::ADDRESS_CHANGED:
                return update(ctx, key, fresh, [&](json::object& c) {
                    c["address"] = address(e.getAddressChanged().getAddress());
                });
            case schema::CompanyEvent::PERSON_ERASED: {
                // As a rebuild reads the person's events once their key is
                // destroyed: no name, no e-mail address; a representative is
                // revoked with it.
                auto erased = e.getPersonErased();
                auto rep = str(erased.getRepresentativeId());
                if (!rep.empty()) {
                    ctx.unindex(fmt::format("ix/pending-rep/{}/{}", id, rep));
                }
                return update(ctx, key, fresh, [&](json::object& c) {
                    json::object* person = nullptr;
                    if (erased.getTrainerId().size() > 0) {
                        person = find_in(c, "trainers", "trainerId", str(erased.getTrainerId()));
                    } else if (!rep.empty()) {
                        person = find_in(c, "representatives", "representativeId", rep);
                        if (person != nullptr) {
                            (*person)["status"] = "revoked";
                        }
                    }
                    if (person != nullptr) {
                        (*person)["name"] = "";
                        (*person)["email"] = "";
                        (*person)["personalDataErased"] = true;
                    }
                });
            }
        }
        return {};
    }

    static result<void> contract(context& ctx,
                                 const events::recorded_event& event,
                                 schema::Envelope::Reader env,
                                 schema::ContractEvent::Reader e)
    {
        auto id = id_of(event.stream, "contract-");
        auto key = "contract/" + id;
        auto doc = ctx.load(key, json::object{ { "contractId", id } });
        if (!doc) {
            return fail(doc.error());
        }
        auto& c = *doc;
        c["version"] = event.version;
        auto set_trainers = [&](capnp::List<capnp::Text>::Reader ids) {
            for (const auto& old : arr(c, "trainerIds")) {
                if (old.is_string()) {
                    ctx.unindex(
                      fmt::format("ix/trainer-contract/{}/{}", std::string(old.as_string()), id));
                }
            }
            c["trainerIds"] = ids_json(ids);
            for (auto t : ids) {
                ctx.index(fmt::format("ix/trainer-contract/{}/{}", str(t), id));
            }
        };
        switch (e.which()) {
            case schema::ContractEvent::REGISTERED: {
                auto r = e.getRegistered();
                auto t = r.getTrainee();
                c["companyId"] = text(r.getCompanyId());
                c["trainee"] = json::object{ { "name", text(t.getName()) },
                                             { "birthDate", text(t.getBirthDate()) },
                                             { "email", text(t.getEmail()) },
                                             { "minor", t.getMinor() } };
                c["traineeNumber"] = text(r.getTraineeNumber());
                c["occupation"] = text(r.getOccupation());
                c["start"] = text(r.getStart());
                c["end"] = text(r.getEnd());
                c["recordForm"] = form_name(r.getRecordForm());
                c["periodKind"] = r.getPeriodKind() == schema::PeriodKind::DAY ? "day" : "week";
                c["status"] = "active";
                c["registeredAt"] = at(env.getRecordedAt());
                c["traineeAccountId"] = "";
                c["documentIds"] = json::array{};
                set_trainers(r.getTrainerIds());
                ctx.index(fmt::format("ix/company-contract/{}/{}", str(r.getCompanyId()), id));
                break;
            }
            case schema::ContractEvent::CONFIRMATION_ISSUED: {
                auto doc_id = text(e.getConfirmationIssued().getDocumentId());
                if (!contains(arr(c, "documentIds"), doc_id)) {
                    arr(c, "documentIds").push_back(doc_id);
                }
                break;
            }
            case schema::ContractEvent::TRAINEE_ACCOUNT_LINKED: {
                auto account = str(e.getTraineeAccountLinked().getAccountId());
                c["traineeAccountId"] = account;
                ctx.index(fmt::format("ix/trainee-account/{}/{}", account, id));
                break;
            }
            case schema::ContractEvent::TRAINERS_CHANGED:
                set_trainers(e.getTrainersChanged().getTrainerIds());
                break;
            case schema::ContractEvent::DATES_CHANGED:
                c["start"] = text(e.getDatesChanged().getStart());
                c["end"] = text(e.getDatesChanged().getEnd());
                break;
            case schema::ContractEvent::RECORD_FORM_CHANGED: {
                auto form = form_name(e.getRecordFormChanged().getForm());
                c["recordForm"] = form;
                json::object change{ { "position", event.position.value },
                                     { "contractId", id },
                                     { "companyId", get_str(c, "companyId") },
                                     { "traineeName", get_str(obj(c, "trainee"), "name") },
                                     { "traineeNumber", get_str(c, "traineeNumber") },
                                     { "form", form },
                                     { "recordedAt", at(env.getRecordedAt()) },
                                     { "actor", actor_json(env) } };
                ctx.store("rfc/" + pos_key(event.position.value), std::move(change));
                break;
            }
            case schema::ContractEvent::ENDED: {
                auto end = e.getEnded();
                c["status"] = "ended";
                c["ended"] = json::object{ { "date", text(end.getDate()) },
                                           { "reason", end_reason(end.getReason()) },
                                           { "note", text(end.getNote()) } };
                break;
            }
            case schema::ContractEvent::PERSONAL_DATA_ERASED: {
                // What a rebuild reads once the trainee's key is gone: the
                // personal fields empty, ids, dates and status kept.
                auto& t = obj(c, "trainee");
                t["name"] = "";
                t["birthDate"] = "";
                t["email"] = "";
                c["personalDataErased"] = true;
                if (auto done = erase_trainee_elsewhere(ctx, id); !done) {
                    return done;
                }
                break;
            }
        }
        ctx.store(key, std::move(c));
        return {};
    }

    /// The contract's trainee in the record-form changes and its documents
    /// (title and body name the trainee; `events/personal_data.hpp` seals
    /// them under the contract's subject).
    static result<void> erase_trainee_elsewhere(context& ctx, const std::string& id)
    {
        auto changes = documents_where(ctx.model(), "rfc/", "contractId", id);
        if (!changes) {
            return fail(changes.error());
        }
        for (auto& [change_key, change] : *changes) {
            change["traineeName"] = "";
            ctx.store(change_key, std::move(change));
        }
        auto docs = ctx.model().keys(fmt::format("ix/contract-document/{}/", id));
        if (!docs) {
            return fail(docs.error());
        }
        for (const auto& ix : *docs) {
            auto doc_id = ix.substr(ix.rfind('/') + 1);
            auto doc_key = "document/" + doc_id;
            auto d = ctx.load(doc_key);
            if (!d) {
                return fail(d.error());
            }
            if (d->empty()) {
                continue;
            }
            (*d)["title"] = "";
            (*d)["body"] = "";
            ctx.store(doc_key, std::move(*d));
        }
        return erase_record_texts(ctx, id);
    }

    /// The texts of the contract's records (entries, absence notes, the
    /// decisions' comment and remarks) and the approver's address (with its
    /// indexes), sealed under the contract's subject; kinds, times, dates,
    /// status and the approver's account id stay.
    static result<void> erase_record_texts(context& ctx, const std::string& contract_id)
    {
        auto prefix = fmt::format("ix/contract-report/{}/", contract_id);
        auto summaries = ctx.model().keys(prefix);
        if (!summaries) {
            return fail(summaries.error());
        }
        auto blank = [](json::object& o, std::string_view member) {
            if (auto* v = o.if_contains(member)) {
                *v = "";
            }
        };
        for (const auto& ix : *summaries) {
            auto report_key = "report/" + ix.substr(ix.rfind('/') + 1);
            auto r = ctx.load(report_key);
            if (!r) {
                return fail(r.error());
            }
            if (r->empty()) {
                continue;
            }
            for (std::string_view list : { "entries", "absences" }) {
                if (auto* items = r->if_contains(list); items != nullptr && items->is_array()) {
                    for (auto& item : items->as_array()) {
                        if (item.is_object()) {
                            blank(item.as_object(), list == "entries" ? "text" : "note");
                        }
                    }
                }
            }
            blank(*r, "comment");
            blank(*r, "remarks");
            if (auto approver = lower(get_str(*r, "approverEmail")); !approver.empty()) {
                auto report_id = get_str(*r, "reportId");
                ctx.unindex(fmt::format("ix/waiting/{}/{}", approver, report_id));
                ctx.unindex(fmt::format("ix/sent-to/{}/{}", approver, report_id));
            }
            blank(*r, "approverEmail");
            auto summary = ctx.load(ix);
            if (!summary) {
                return fail(summary.error());
            }
            blank(*summary, "comment");
            blank(*summary, "remarks");
            blank(*summary, "approverEmail");
            ctx.store(report_key, std::move(*r));
            ctx.store(ix, std::move(*summary));
        }
        return {};
    }

    static result<void> document(context& ctx,
                                 const events::recorded_event& event,
                                 schema::Envelope::Reader env,
                                 schema::DocumentEvent::Reader e)
    {
        auto id = id_of(event.stream, "document-");
        auto key = "document/" + id;
        if (e.isIssued()) {
            auto d = e.getIssued();
            json::object doc{ { "documentId", id },
                              { "kind", document_kind(d.getKind()) },
                              { "title", text(d.getTitle()) },
                              { "companyId", text(d.getCompanyId()) },
                              { "contractId", text(d.getContractId()) },
                              { "body", text(d.getBody()) },
                              { "status", "issued" },
                              { "issuedAt", at(env.getRecordedAt()) } };
            ctx.store(key, std::move(doc));
            if (d.getCompanyId().size() > 0) {
                ctx.index(fmt::format("ix/company-document/{}/{}", str(d.getCompanyId()), id));
            }
            if (d.getContractId().size() > 0) {
                ctx.index(fmt::format("ix/contract-document/{}/{}", str(d.getContractId()), id));
            }
            return {};
        }
        return update(ctx, key, json::object{ { "documentId", id } }, [&](json::object& d) {
            d["status"] = "withdrawn";
            d["withdrawnReason"] = text(e.getWithdrawn().getReason());
        });
    }

    static result<void> report(context& ctx,
                               const events::recorded_event& event,
                               schema::Envelope::Reader env,
                               schema::ReportEvent::Reader e)
    {
        auto id = id_of(event.stream, "report-");
        auto key = "report/" + id;
        auto doc = ctx.load(key, json::object{ { "reportId", id } });
        if (!doc) {
            return fail(doc.error());
        }
        auto& r = *doc;
        r["version"] = event.version;
        r["updatedAt"] = at(env.getRecordedAt());
        auto approver = lower(get_str(r, "approverEmail"));
        switch (e.which()) {
            case schema::ReportEvent::DRAFTED: {
                auto d = e.getDrafted();
                auto period = period_key(d.getPeriod());
                r["contractId"] = text(d.getContractId());
                r["companyId"] = text(d.getCompanyId());
                r["period"] = period_json(d.getPeriod());
                r["periodKey"] = period;
                r["trainingYear"] = d.getTrainingYear();
                r["entries"] = entries_json(d.getEntries());
                r["absences"] = absences_json(d.getAbsences());
                r["status"] = "draft";
                r["createdAt"] = at(env.getRecordedAt());
                r["traineeAccountId"] = text(env.getActor().getAccountId());
                break;
            }
            case schema::ReportEvent::EDITED:
                r["entries"] = entries_json(e.getEdited().getEntries());
                r["absences"] = absences_json(e.getEdited().getAbsences());
                break;
            case schema::ReportEvent::SUBMITTED: {
                auto s = e.getSubmitted();
                if (!approver.empty()) {
                    ctx.unindex(fmt::format("ix/waiting/{}/{}", approver, id));
                }
                approver = lower(str(s.getApproverEmail()));
                r["status"] = "submitted";
                r["approverEmail"] = text(s.getApproverEmail());
                r["approverAccountId"] = text(s.getApproverAccountId());
                r["submittedAt"] = at(env.getRecordedAt());
                if (!approver.empty()) { // empty once the contract's data is erased
                    ctx.index(fmt::format("ix/waiting/{}/{}", approver, id));
                    ctx.index(fmt::format("ix/sent-to/{}/{}", approver, id));
                }
                break;
            }
            case schema::ReportEvent::APPROVED:
                r["status"] = "approved";
                r["comment"] = text(e.getApproved().getComment());
                r["decidedAt"] = at(env.getRecordedAt());
                r["decidedBy"] = text(env.getActor().getAccountId());
                if (!approver.empty()) {
                    ctx.unindex(fmt::format("ix/waiting/{}/{}", approver, id));
                }
                break;
            case schema::ReportEvent::REJECTED:
                r["status"] = "rejected";
                r["remarks"] = text(e.getRejected().getRemarks());
                r["reopened"] = e.getRejected().getReopened();
                r["decidedAt"] = at(env.getRecordedAt());
                r["decidedBy"] = text(env.getActor().getAccountId());
                if (!approver.empty()) {
                    ctx.unindex(fmt::format("ix/waiting/{}/{}", approver, id));
                }
                break;
        }
        // The summary lists and progress read, kept with the index entry so
        // a list does not parse every record's entries.
        auto summary = summary_of(r);
        auto contract_id = get_str(r, "contractId");
        auto period = get_str(r, "periodKey");
        auto status = get_str(r, "status");
        ctx.store(key, std::move(r));
        ctx.store(fmt::format("ix/contract-report/{}/{}/{}", contract_id, period, id),
                  std::move(summary));
        ctx.store_text(fmt::format("ix/contract-status/{}/{}/{}", contract_id, period, id), status);
        return {};
    }

    static result<void> grant(context& ctx,
                              const events::recorded_event& event,
                              schema::AccessGrantEvent::Reader e)
    {
        auto contract_id = id_of(event.stream, "grant-");
        return update(ctx,
                      "contract/" + contract_id,
                      json::object{ { "contractId", contract_id } },
                      [&](json::object& c) {
                          if (e.isGranted()) {
                              c["recordAccess"] =
                                json::object{ { "days", e.getGranted().getDays() },
                                              { "expiresAt", at(e.getGranted().getExpiresAt()) } };
                          } else {
                              c["recordAccess"] = nullptr;
                          }
                      });
    }
};

} // namespace

std::unique_ptr<projector>
make_training_projector()
{
    return std::make_unique<training>();
}

} // namespace portal::projections
