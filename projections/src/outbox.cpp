// The `outbox` model: one entry per mail the domain implies, in log order.
// Tokens and PINs never reach the log (only their hashes), so an entry holds
// the kind, the recipient, the German subject and body without the secret,
// and the reference; delivery (a later issue) adds the link or PIN.
//
// Keys (relative to the model):
//   mail/<position>/<n>                the entries
//   l/account/<id>, l/contract/<id>, l/trainer/<trainerId>, l/report/<id>,
//   l/exam/<id>, l/reg/<examId>/<registrationId>, l/rep/<representativeId>,
//   l/proposal/<id>                    lookups
//   erased/<position>/<entry id>       an entry that the erasure at
//                                      <position> removed, rewrote or
//                                      readdressed (the value says which), for
//                                      the mail side (files, delivery
//                                      records); live only: a rebuild notes
//                                      only the entries it still has then
//
// `contract.personal_data_erased` removes the trainee's name and addresses
// of the contract from the lookups and the entries (see `erase_trainee`);
// `company.person_erased` the trainer's or representative's (`erase_person`);
// `account.erased` the account's access mails.

#include "json_util.hpp"
#include "portal/projections/read_models.hpp"

#include <algorithm>

namespace portal::projections {

using namespace detail;

namespace {

struct mail
{
    std::string kind;
    std::string recipient;
    json::array cc;
    std::string subject;
    std::string body;
    json::object reference;
};

class outbox final : public projector
{
  public:
    std::string_view name() const override { return k_outbox; }
    /// 2: proposal mails to trainers name the trainer in their reference.
    /// 3: erasures note the entries they remove or rewrite (`erased/`).
    std::uint32_t version() const override { return 3; }

    result<void> apply(const events::recorded_event& event,
                       schema::Envelope::Reader env,
                       write_batch& batch,
                       reader& model) override
    {
        std::vector<mail> mails;
        auto payload = env.getPayload();
        result<void> done;
        switch (payload.which()) {
            case schema::Event::ACCOUNT:
                done = account(event, payload.getAccount(), batch, model, mails);
                break;
            case schema::Event::COMPANY:
                done = company(event, payload.getCompany(), batch, model, mails);
                break;
            case schema::Event::CONTRACT:
                done = contract(event, payload.getContract(), batch, model);
                break;
            case schema::Event::REPORT:
                done = report(event, payload.getReport(), batch, model, mails);
                break;
            case schema::Event::EXAM:
                done = exam(event, payload.getExam(), batch, model, mails);
                break;
            case schema::Event::PROPOSAL:
                done = proposal(event, payload.getProposal(), batch, model, mails);
                break;
            case schema::Event::REMINDER:
                reminder(event, payload.getReminder(), mails);
                break;
            default:
                break;
        }
        if (!done) {
            return done;
        }
        for (std::size_t i = 0; i < mails.size(); ++i) {
            auto& m = mails[i];
            if (m.recipient.empty()) {
                continue; // nobody to write to (e.g. no e-mail on record)
            }
            auto id = fmt::format("{}/{:02}", pos_key(event.position.value), i);
            json::object entry{ { "id", id },
                                { "position", event.position.value },
                                { "kind", m.kind },
                                { "recipient", m.recipient },
                                { "cc", std::move(m.cc) },
                                { "subject", m.subject },
                                { "body", m.body },
                                { "reference", std::move(m.reference) },
                                { "createdAt", at(env.getRecordedAt()) } };
            batch.put_json("mail/" + id, std::move(entry));
        }
        return {};
    }

  private:
    static result<json::object> lookup(reader& model, const std::string& key)
    {
        auto doc = model.get_json(key);
        if (!doc) {
            return fail(doc.error());
        }
        if (*doc) {
            return std::move(**doc);
        }
        return json::object{};
    }

    /// Removes the entry `id` for the erasure at `at` (a rebuild without the
    /// erased data would not make it) and notes it for the mail side.
    static void withdraw(write_batch& batch, std::uint64_t at, const std::string& id)
    {
        batch.erase("mail/" + id);
        batch.put(fmt::format("erased/{}/{}", pos_key(at), id), k_mail_removed);
    }

    /// Stores the entry `m` as the erasure at `at` left it and notes it for
    /// the mail side: `k_mail_rewritten` (texts) or `k_mail_readdressed`
    /// (another recipient).
    static void rewrite(write_batch& batch,
                        std::uint64_t at,
                        json::object&& m,
                        std::string_view change = k_mail_rewritten)
    {
        auto id = get_str(m, "id");
        batch.put_json("mail/" + id, std::move(m));
        batch.put(fmt::format("erased/{}/{}", pos_key(at), id), change);
    }

    /// Withdraws (above) every entry of one of `kinds` whose reference has
    /// `member` equal to `id`: the mails to a person whose data is erased.
    static result<void> withdraw_mails_to(write_batch& batch,
                                          reader& model,
                                          std::uint64_t at,
                                          std::initializer_list<std::string_view> kinds,
                                          std::string_view member,
                                          std::string_view id)
    {
        auto entries = model.documents("mail/");
        if (!entries) {
            return fail(entries.error());
        }
        for (const auto& m : *entries) {
            auto kind = get_str(m, "kind");
            const auto* ref = m.if_contains("reference");
            if (std::find(kinds.begin(), kinds.end(), kind) != kinds.end() && ref != nullptr &&
                ref->is_object() && get_str(ref->as_object(), member) == id) {
                withdraw(batch, at, get_str(m, "id"));
            }
        }
        return {};
    }

    template<class F>
    static result<void> update(write_batch& batch,
                               reader& model,
                               const std::string& key,
                               F&& change)
    {
        auto doc = model.take_json(key); // put back below
        if (!doc) {
            return fail(doc.error());
        }
        json::object d = *doc ? std::move(**doc) : json::object{};
        change(d);
        batch.put_json(key, std::move(d));
        return {};
    }

    /// The trainee's address of a contract: the linked account's, else the
    /// one in the contract.
    static result<std::string> trainee_email(reader& model, const json::object& contract)
    {
        auto account = get_str(contract, "traineeAccountId");
        if (!account.empty()) {
            auto a = lookup(model, "l/account/" + account);
            if (!a) {
                return fail(a.error());
            }
            if (auto email = get_str(*a, "email"); !email.empty()) {
                return email;
            }
        }
        return get_str(contract, "traineeEmail");
    }

    static result<void> account(const events::recorded_event& event,
                                schema::AccountEvent::Reader e,
                                write_batch& batch,
                                reader& model,
                                std::vector<mail>& mails)
    {
        auto id = id_of(event.stream, "account-");
        auto key = "l/account/" + id;
        if (e.isCreated()) {
            return update(batch, model, key, [&](json::object& a) {
                a["email"] = text(e.getCreated().getEmail());
                a["name"] = text(e.getCreated().getName());
            });
        }
        if (e.isErased()) {
            return erase_account(event.position.value, id, batch, model);
        }
        auto a = lookup(model, key);
        if (!a) {
            return fail(a.error());
        }
        auto email = get_str(*a, "email");
        auto name = get_str(*a, "name");
        json::object ref{ { "accountId", id } };
        switch (e.which()) {
            case schema::AccountEvent::INVITATION_ISSUED:
                mails.push_back(
                  { "invitation",
                    email,
                    {},
                    "Ihr Zugang zum Ausbildungsportal",
                    fmt::format("Guten Tag {},\n\nfür Sie wurde ein Zugang zum Ausbildungsportal "
                                "eingerichtet. Bitte vergeben Sie über den folgenden Link Ihr "
                                "Passwort.\n",
                                name),
                    ref });
                break;
            case schema::AccountEvent::PIN_ISSUED:
                mails.push_back(
                  { "supervisor_pin",
                    email,
                    {},
                    "Ihr Zugang zur Freigabe von Ausbildungsnachweisen",
                    fmt::format(
                      "Guten Tag {},\n\nIhnen wurde ein Ausbildungsnachweis zur Freigabe "
                      "gesendet. Mit Ihrer E-Mail-Adresse und der folgenden PIN melden Sie "
                      "sich im Ausbildungsportal an.\n",
                      name),
                    ref });
                break;
            case schema::AccountEvent::PASSWORD_RESET_REQUESTED:
                mails.push_back(
                  { "password_reset",
                    email,
                    {},
                    "Passwort zurücksetzen",
                    fmt::format(
                      "Guten Tag {},\n\nSie haben ein neues Passwort angefordert. Über den "
                      "folgenden Link vergeben Sie es; der Link gilt nur einmal und nur "
                      "für kurze Zeit.\n",
                      name),
                    ref });
                break;
            default:
                break;
        }
        return {};
    }

    static result<void> company(const events::recorded_event& event,
                                schema::CompanyEvent::Reader e,
                                write_batch& batch,
                                reader& model,
                                std::vector<mail>& mails)
    {
        switch (e.which()) {
            case schema::CompanyEvent::TRAINER_REGISTERED: {
                auto t = e.getTrainerRegistered();
                batch.put_json(
                  "l/trainer/" + str(t.getTrainerId()),
                  json::object{ { "email", text(t.getEmail()) }, { "name", text(t.getName()) } });
                return {};
            }
            case schema::CompanyEvent::EMPLOYEE_REPRESENTATIVE_REQUESTED: {
                auto r = e.getEmployeeRepresentativeRequested();
                batch.put_json(
                  "l/rep/" + str(r.getRepresentativeId()),
                  json::object{ { "email", text(r.getEmail()) }, { "name", text(r.getName()) } });
                return {};
            }
            case schema::CompanyEvent::EMPLOYEE_REPRESENTATIVE_APPROVED: {
                auto r = e.getEmployeeRepresentativeApproved();
                auto rep = lookup(model, "l/rep/" + str(r.getRepresentativeId()));
                if (!rep) {
                    return fail(rep.error());
                }
                mails.push_back(
                  { "representative_approved",
                    get_str(*rep, "email"),
                    {},
                    "Ihre Vertretungsberechtigung wurde bestätigt",
                    fmt::format("Guten Tag {},\n\ndie IHK hat Ihre Berechtigung bestätigt, für Ihr "
                                "Unternehmen im Ausbildungsportal zu handeln. Ihre Zugangsdaten "
                                "erhalten Sie mit dieser E-Mail.\n",
                                get_str(*rep, "name")),
                    json::object{ { "representativeId", text(r.getRepresentativeId()) },
                                  { "accountId", text(r.getAccountId()) } } });
                return {};
            }
            case schema::CompanyEvent::PERSON_ERASED:
                return erase_person(event.position.value, e.getPersonErased(), batch, model);
            default:
                return {};
        }
    }

    static result<void> contract(const events::recorded_event& event,
                                 schema::ContractEvent::Reader e,
                                 write_batch& batch,
                                 reader& model)
    {
        auto key = "l/contract/" + id_of(event.stream, "contract-");
        switch (e.which()) {
            case schema::ContractEvent::REGISTERED: {
                auto r = e.getRegistered();
                json::array trainers;
                for (auto t : r.getTrainerIds()) {
                    trainers.push_back(text(t));
                }
                return update(batch, model, key, [&](json::object& c) {
                    c["traineeName"] = text(r.getTrainee().getName());
                    c["traineeEmail"] = text(r.getTrainee().getEmail());
                    c["trainerIds"] = std::move(trainers);
                });
            }
            case schema::ContractEvent::TRAINEE_ACCOUNT_LINKED:
                return update(batch, model, key, [&](json::object& c) {
                    c["traineeAccountId"] = text(e.getTraineeAccountLinked().getAccountId());
                });
            case schema::ContractEvent::TRAINERS_CHANGED:
                return update(batch, model, key, [&](json::object& c) {
                    json::array trainers;
                    for (auto t : e.getTrainersChanged().getTrainerIds()) {
                        trainers.push_back(text(t));
                    }
                    c["trainerIds"] = std::move(trainers);
                });
            case schema::ContractEvent::PERSONAL_DATA_ERASED:
                return erase_trainee(
                  event.position.value, id_of(event.stream, "contract-"), batch, model);
            default:
                return {};
        }
    }

    /// `account.erased`: as a rebuild reads the account without its
    /// address: its access mails (invitation, PIN, password reset) had no
    /// recipient, and a trainee's record decisions and exam results went to
    /// the contract's address instead of the login's (or to nobody, when
    /// that is erased too).
    static result<void> erase_account(std::uint64_t erased_at,
                                      const std::string& id,
                                      write_batch& batch,
                                      reader& model)
    {
        auto key = "l/account/" + id;
        auto account = lookup(model, key);
        if (!account) {
            return fail(account.error());
        }
        auto email = lower(get_str(*account, "email"));
        batch.erase(key);
        auto withdrawn = withdraw_mails_to(batch,
                                           model,
                                           erased_at,
                                           { "invitation", "supervisor_pin", "password_reset" },
                                           "accountId",
                                           id);
        if (!withdrawn || email.empty()) {
            return withdrawn;
        }
        auto mails = model.documents("mail/");
        if (!mails) {
            return fail(mails.error());
        }
        for (auto& m : *mails) {
            auto kind = get_str(m, "kind");
            const auto* ref = m.if_contains("reference");
            if ((kind != "record_approved" && kind != "record_rejected" &&
                 kind != "results_published") ||
                ref == nullptr || !ref->is_object() || lower(get_str(m, "recipient")) != email) {
                continue;
            }
            auto c = lookup(model, "l/contract/" + get_str(ref->as_object(), "contractId"));
            if (!c) {
                return fail(c.error());
            }
            // The trainee's address as a rebuild finds it: this account's
            // reads empty.
            auto recipient = get_str(*c, "traineeEmail");
            if (get_str(*c, "traineeAccountId") != id) {
                auto other = trainee_email(model, *c);
                if (!other) {
                    return fail(other.error());
                }
                recipient = *other;
            }
            if (recipient.empty()) {
                withdraw(batch, erased_at, get_str(m, "id"));
            } else if (recipient != get_str(m, "recipient")) {
                m["recipient"] = recipient;
                rewrite(batch, erased_at, std::move(m), k_mail_readdressed);
            }
        }
        return {};
    }

    /// `contract.personal_data_erased`: the outbox as a rebuild makes it once
    /// the log destroyed the trainee's key (events/personal_data.hpp), where
    /// the contract's registration, its exam registrations and reminders
    /// read without the trainee's name and addresses:
    /// - the lookups lose the trainee's name and the contract's address;
    /// - the contract's reminders had only sealed addresses: gone;
    /// - a mail to the contract's address (the trainee had no login address
    ///   of their own then) would have had no recipient: gone;
    /// - the records' approvers' addresses were sealed too: the mails that
    ///   sent them the records are gone;
    /// - every other mail of the contract keeps its recipient and loses the
    ///   trainee's name from subject and body.
    static result<void> erase_trainee(std::uint64_t erased_at,
                                      const std::string& contract_id,
                                      write_batch& batch,
                                      reader& model)
    {
        auto key = "l/contract/" + contract_id;
        auto c = lookup(model, key);
        if (!c) {
            return fail(c.error());
        }
        auto name = get_str(*c, "traineeName");
        auto contract_email = lower(get_str(*c, "traineeEmail"));
        std::string account_email;
        if (auto account = get_str(*c, "traineeAccountId"); !account.empty()) {
            auto a = lookup(model, "l/account/" + account);
            if (!a) {
                return fail(a.error());
            }
            account_email = lower(get_str(*a, "email"));
        }
        if (c->contains("traineeName")) {
            (*c)["traineeName"] = "";
            (*c)["traineeEmail"] = "";
            batch.put_json(key, std::move(*c));
        }
        auto regs = documents_where(model, "l/reg/", "contractId", contract_id);
        if (!regs) {
            return fail(regs.error());
        }
        for (auto& [reg_key, reg] : *regs) {
            reg["traineeName"] = "";
            batch.put_json(reg_key, std::move(reg));
        }
        auto mails = model.documents("mail/");
        if (!mails) {
            return fail(mails.error());
        }
        auto without_name = [&](std::string_view text) {
            std::string out(text);
            if (name.empty()) {
                return out;
            }
            for (auto at = out.find(name); at != std::string::npos; at = out.find(name, at)) {
                out.erase(at, name.size());
            }
            return out;
        };
        for (auto& m : *mails) {
            const auto* ref = m.if_contains("reference");
            if (ref == nullptr || !ref->is_object() ||
                get_str(ref->as_object(), "contractId") != contract_id) {
                continue;
            }
            auto recipient = lower(get_str(m, "recipient"));
            bool to_contract_address =
              !contract_email.empty() && recipient == contract_email && recipient != account_email;
            // A record's approver: their address was sealed with the record.
            if (get_str(m, "kind") == "reminder" || get_str(m, "kind") == "record_submitted" ||
                to_contract_address) {
                withdraw(batch, erased_at, get_str(m, "id"));
                continue;
            }
            auto subject = without_name(get_str(m, "subject"));
            auto body = without_name(without_decision_text(get_str(m, "kind"), get_str(m, "body")));
            if (subject != get_str(m, "subject") || body != get_str(m, "body")) {
                m["subject"] = subject;
                m["body"] = body;
                rewrite(batch, erased_at, std::move(m));
            }
        }
        return {};
    }

    /// `company.person_erased`: as a rebuild reads the log once the person's
    /// key is destroyed, the lookup has neither name nor address, and the
    /// mails to the person (proposal news to a trainer, the approval of an
    /// employee representative) had no recipient: gone.
    static result<void> erase_person(std::uint64_t at,
                                     schema::CompanyPersonErased::Reader erased,
                                     write_batch& batch,
                                     reader& model)
    {
        std::string lookup_key;
        std::string kind;
        std::string member;
        std::string id;
        if (erased.getTrainerId().size() > 0) {
            id = str(erased.getTrainerId());
            lookup_key = "l/trainer/" + id;
            kind = "proposal_status_changed";
            member = "trainerId";
        } else {
            id = str(erased.getRepresentativeId());
            lookup_key = "l/rep/" + id;
            kind = "representative_approved";
            member = "representativeId";
        }
        auto person = lookup(model, lookup_key);
        if (!person) {
            return fail(person.error());
        }
        if (!person->empty()) {
            batch.put_json(lookup_key, json::object{ { "email", "" }, { "name", "" } });
        }
        return withdraw_mails_to(batch, model, at, { kind }, member, id);
    }

    /// A decision mail's body without the trainer's comment or remarks,
    /// which the log sealed under the contract's trainee (the text after
    /// its label, to the end of the body).
    static std::string without_decision_text(std::string_view kind, std::string body)
    {
        auto cut_after = [&](std::string_view label, std::string_view rest) {
            if (auto at = body.find(label); at != std::string::npos) {
                body.erase(at + label.size());
                body += rest;
            }
        };
        if (kind == "record_approved") {
            cut_after("wurde freigegeben.\n", "");
        } else if (kind == "record_rejected") {
            cut_after("Bemerkungen des Ausbilders: ", "\n");
        }
        return body;
    }

    static result<void> report(const events::recorded_event& event,
                               schema::ReportEvent::Reader e,
                               write_batch& batch,
                               reader& model,
                               std::vector<mail>& mails)
    {
        auto id = id_of(event.stream, "report-");
        auto key = "l/report/" + id;
        if (e.isDrafted()) {
            batch.put_json(key,
                           json::object{ { "contractId", text(e.getDrafted().getContractId()) },
                                         { "periodKey", period_key(e.getDrafted().getPeriod()) } });
            return {};
        }
        if (e.isEdited()) {
            return {};
        }
        auto r = lookup(model, key);
        if (!r) {
            return fail(r.error());
        }
        auto contract_id = get_str(*r, "contractId");
        auto period = get_str(*r, "periodKey");
        auto c = lookup(model, "l/contract/" + contract_id);
        if (!c) {
            return fail(c.error());
        }
        auto trainee = get_str(*c, "traineeName");
        json::object ref{ { "reportId", id }, { "contractId", contract_id }, { "period", period } };
        if (e.isSubmitted()) {
            mails.push_back(
              { "record_submitted",
                str(e.getSubmitted().getApproverEmail()),
                {},
                fmt::format("Ausbildungsnachweis {} von {} zur Freigabe", period, trainee),
                fmt::format("Guten Tag,\n\n{} hat Ihnen den Ausbildungsnachweis für {} zur Prüfung "
                            "und Freigabe gesendet.\n",
                            trainee,
                            period),
                ref });
            return {};
        }
        auto email = trainee_email(model, *c);
        if (!email) {
            return fail(email.error());
        }
        if (e.isApproved()) {
            mails.push_back(
              { "record_approved",
                *email,
                {},
                fmt::format("Ausbildungsnachweis {} freigegeben", period),
                fmt::format(
                  "Guten Tag {},\n\nIhr Ausbildungsnachweis für {} wurde freigegeben.\n{}",
                  trainee,
                  period,
                  e.getApproved().getComment().size() > 0
                    ? fmt::format("Kommentar: {}\n", str(e.getApproved().getComment()))
                    : std::string{}),
                ref });
        } else {
            mails.push_back(
              { "record_rejected",
                *email,
                {},
                fmt::format("Ausbildungsnachweis {} abgelehnt", period),
                fmt::format("Guten Tag {},\n\nIhr Ausbildungsnachweis für {} wurde abgelehnt.\n"
                            "Bemerkungen des Ausbilders: {}\n",
                            trainee,
                            period,
                            str(e.getRejected().getRemarks())),
                ref });
        }
        return {};
    }

    static result<void> exam(const events::recorded_event& event,
                             schema::ExamEvent::Reader e,
                             write_batch& batch,
                             reader& model,
                             std::vector<mail>& mails)
    {
        auto id = id_of(event.stream, "exam-");
        auto key = "l/exam/" + id;
        switch (e.which()) {
            case schema::ExamEvent::SCHEDULED:
                return update(batch, model, key, [&](json::object& x) {
                    x["name"] = text(e.getScheduled().getName());
                    x["date"] = text(e.getScheduled().getDate());
                });
            case schema::ExamEvent::REGISTERED: {
                auto r = e.getRegistered();
                batch.put_json(
                  fmt::format("l/reg/{}/{}", id, str(r.getRegistrationId())),
                  json::object{ { "contractId", text(r.getContractId()) },
                                { "traineeName", text(r.getTraineeName()) },
                                { "traineeAccountId", text(r.getTraineeAccountId()) } });
                return {};
            }
            case schema::ExamEvent::RESULTS_PUBLISHED: {
                auto x = lookup(model, key);
                if (!x) {
                    return fail(x.error());
                }
                for (auto reg_id : e.getResultsPublished().getRegistrationIds()) {
                    auto reg = model.get_json(fmt::format("l/reg/{}/{}", id, str(reg_id)));
                    if (!reg) {
                        return fail(reg.error());
                    }
                    if (!*reg) {
                        continue;
                    }
                    const auto& r = **reg;
                    std::string email;
                    if (auto account = get_str(r, "traineeAccountId"); !account.empty()) {
                        auto a = lookup(model, "l/account/" + account);
                        if (!a) {
                            return fail(a.error());
                        }
                        email = get_str(*a, "email");
                    }
                    if (email.empty()) {
                        auto c = lookup(model, "l/contract/" + get_str(r, "contractId"));
                        if (!c) {
                            return fail(c.error());
                        }
                        auto e2 = trainee_email(model, *c);
                        if (!e2) {
                            return fail(e2.error());
                        }
                        email = *e2;
                    }
                    mails.push_back(
                      { "results_published",
                        email,
                        {},
                        fmt::format("Ihre Prüfungsergebnisse: {}", get_str(*x, "name")),
                        fmt::format("Guten Tag {},\n\ndie Ergebnisse der Prüfung {} vom {} sind "
                                    "veröffentlicht. Sie finden sie im Ausbildungsportal.\n",
                                    get_str(r, "traineeName"),
                                    get_str(*x, "name"),
                                    get_str(*x, "date")),
                        json::object{ { "examId", id },
                                      { "registrationId", text(reg_id) },
                                      { "contractId", get_str(r, "contractId") } } });
                }
                return {};
            }
            default:
                return {};
        }
    }

    static result<void> proposal(const events::recorded_event& event,
                                 schema::ProposalEvent::Reader e,
                                 write_batch& batch,
                                 reader& model,
                                 std::vector<mail>& mails)
    {
        auto id = id_of(event.stream, "proposal-");
        auto key = "l/proposal/" + id;
        std::string status;
        switch (e.which()) {
            case schema::ProposalEvent::SUBMITTED:
                batch.put_json(
                  key,
                  json::object{ { "contractId", text(e.getSubmitted().getContractId()) },
                                { "title", text(e.getSubmitted().getTitle()) } });
                status = "eingereicht";
                break;
            case schema::ProposalEvent::DECIDED:
                switch (e.getDecided().getOutcome()) {
                    case schema::ProposalOutcome::APPROVED:
                        status = "genehmigt";
                        break;
                    case schema::ProposalOutcome::APPROVED_WITH_NOTES:
                        status = "genehmigt mit Auflagen";
                        break;
                    case schema::ProposalOutcome::CHANGES_REQUIRED:
                        status = "Überarbeitung erforderlich";
                        break;
                    case schema::ProposalOutcome::REJECTED:
                        status = "abgelehnt";
                        break;
                }
                break;
            case schema::ProposalEvent::WITHDRAWN:
                status = "zurückgezogen";
                break;
        }
        json::object p;
        if (e.isSubmitted()) {
            p = json::object{ { "contractId", text(e.getSubmitted().getContractId()) },
                              { "title", text(e.getSubmitted().getTitle()) } };
        } else {
            auto found = lookup(model, key);
            if (!found) {
                return fail(found.error());
            }
            p = std::move(*found);
        }
        auto c = lookup(model, "l/contract/" + get_str(p, "contractId"));
        if (!c) {
            return fail(c.error());
        }
        for (const auto& t : arr(*c, "trainerIds")) {
            if (!t.is_string()) {
                continue;
            }
            auto trainer = lookup(model, "l/trainer/" + std::string(t.as_string()));
            if (!trainer) {
                return fail(trainer.error());
            }
            mails.push_back(
              { "proposal_status_changed",
                get_str(*trainer, "email"),
                {},
                fmt::format("Projektantrag \"{}\": {}", get_str(p, "title"), status),
                fmt::format("Guten Tag {},\n\nder Projektantrag \"{}\" von {} hat einen neuen "
                            "Status: {}.\n",
                            get_str(*trainer, "name"),
                            get_str(p, "title"),
                            get_str(*c, "traineeName"),
                            status),
                json::object{ { "proposalId", id },
                              { "contractId", get_str(p, "contractId") },
                              { "trainerId", std::string(t.as_string()) },
                              { "status", status } } });
        }
        return {};
    }

    static void reminder(const events::recorded_event& event,
                         schema::ReminderEvent::Reader e,
                         std::vector<mail>& mails)
    {
        auto r = e.isSent() ? e.getSent() : e.getEscalated();
        json::array cc;
        for (auto c : r.getCcEmails()) {
            cc.push_back(text(c));
        }
        json::array reports;
        for (auto id : r.getReportIds()) {
            reports.push_back(text(id));
        }
        json::array periods;
        std::string listed;
        for (auto p : r.getPeriods()) {
            periods.push_back(json::string(period_key(p)));
            listed += "- " + period_key(p) + "\n";
        }
        std::string kind;
        std::string what;
        switch (r.getKind()) {
            case schema::ReminderKind::MISSING_RECORD:
                kind = "missing_record";
                what = "für folgende Zeiträume fehlen Ausbildungsnachweise";
                break;
            case schema::ReminderKind::UNSENT_RECORD:
                kind = "unsent_record";
                what = "folgende Ausbildungsnachweise wurden noch nicht zur Freigabe gesendet";
                break;
            case schema::ReminderKind::PENDING_APPROVAL:
                kind = "pending_approval";
                what = "folgende Ausbildungsnachweise warten auf Ihre Freigabe";
                break;
        }
        mails.push_back({ "reminder",
                          str(r.getRecipientEmail()),
                          std::move(cc),
                          r.getLevel() > 1 ? "Erneute Erinnerung: Ausbildungsnachweise"
                                           : "Erinnerung: Ausbildungsnachweise",
                          fmt::format("Guten Tag,\n\n{}:\n{}", what, listed),
                          json::object{ { "contractId", text(r.getContractId()) },
                                        { "reminderKind", kind },
                                        { "level", r.getLevel() },
                                        { "day", text(r.getDay()) },
                                        { "reportIds", std::move(reports) },
                                        { "periods", std::move(periods) },
                                        { "stream", event.stream } } });
    }
};

} // namespace

std::unique_ptr<projector>
make_outbox_projector()
{
    return std::make_unique<outbox>();
}

result<json::array>
outbox_entries(infra::kv_store& store, std::string_view after, std::size_t limit)
{
    auto prefix = model_prefix(k_outbox) + "mail/";
    // Keys are `mail/<position>/<n>`: start right after the entry `after`.
    auto from = after.empty() ? prefix : prefix + std::string(after) + '\0';
    json::array out;
    if (limit == 0) {
        return out;
    }
    auto scanned =
      store.scan(from, infra::prefix_end(prefix), [&](std::string_view, std::string_view value) {
          boost::system::error_code ec;
          auto v = json::parse(value, ec);
          if (!ec) {
              out.push_back(std::move(v));
          }
          return out.size() < limit;
      });
    if (!scanned) {
        return fail(scanned.error());
    }
    return out;
}

result<bool>
outbox_entry_withdrawn(infra::kv_store& store, std::string_view id, std::uint64_t position)
{
    auto at = read_checkpoint(store, k_outbox);
    if (!at) {
        return fail(at.error());
    }
    if (!*at || (*at)->position.value <= position) {
        return false; // not projected that far (yet)
    }
    auto entry = outbox_entry(store, id);
    if (!entry) {
        return fail(entry.error());
    }
    return !entry->has_value();
}

result<std::optional<json::object>>
outbox_entry(infra::kv_store& store, std::string_view id)
{
    auto value = store.get(model_prefix(k_outbox) + "mail/" + std::string(id));
    if (!value) {
        return fail(value.error());
    }
    if (!*value) {
        return std::nullopt;
    }
    boost::system::error_code ec;
    auto v = json::parse(**value, ec);
    if (ec || !v.is_object()) {
        return fail(error::unavailable("projection.corrupt",
                                       fmt::format("outbox entry {} is not a JSON object", id)));
    }
    return std::move(v.as_object());
}

result<std::vector<outbox_erasure>>
outbox_erasures(infra::kv_store& store, std::string_view after, std::size_t limit)
{
    auto prefix = model_prefix(k_outbox) + "erased/";
    auto from = after.empty() ? prefix : prefix + std::string(after) + '\0';
    std::vector<outbox_erasure> out;
    if (limit == 0) {
        return out;
    }
    auto scanned = store.scan(
      from, infra::prefix_end(prefix), [&](std::string_view key, std::string_view value) {
          // `erased/<position>/<entry id>`: the entry id follows the position.
          auto rest = key.substr(prefix.size());
          auto slash = rest.find('/');
          if (slash != std::string_view::npos) {
              out.push_back(
                { std::string(rest), std::string(rest.substr(slash + 1)), std::string(value) });
          }
          return out.size() < limit;
      });
    if (!scanned) {
        return fail(scanned.error());
    }
    return out;
}

} // namespace portal::projections
