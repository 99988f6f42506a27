// Report audit trail, account security log and the public listing.

#include "json_util.hpp"
#include "portal/projections/read_models.hpp"

#include <algorithm>

namespace portal::projections {

using namespace detail;

namespace {

class report_audit final : public projector
{
  public:
    std::string_view name() const override { return k_report_audit; }
    // 2: the index c/<contractId>/<reportId>, for erasures.
    std::uint32_t version() const override { return 2; }

    result<void> apply(const events::recorded_event& event,
                       schema::Envelope::Reader env,
                       write_batch& batch,
                       reader& model) override
    {
        auto payload = env.getPayload();
        if (payload.isContract() &&
            payload.getContract().which() == schema::ContractEvent::PERSONAL_DATA_ERASED) {
            return erase_texts(id_of(event.stream, "contract-"), batch, model);
        }
        auto id = id_of(event.stream, "report-");
        if (id.empty()) {
            return {};
        }
        if (payload.isReport() && payload.getReport().isDrafted()) {
            auto contract_id = str(payload.getReport().getDrafted().getContractId());
            batch.put(fmt::format("c/{}/{}", contract_id, id), "");
        }
        json::object entry{
            { "position", event.position.value },      { "version", event.version },
            { "event", events::event_name(payload) },  { "actor", actor_json(env) },
            { "recordedAt", at(env.getRecordedAt()) }, { "change", change_json(payload) }
        };
        batch.put_json(fmt::format("r/{}/{}", id, pos_key(event.version)), std::move(entry));
        return {};
    }

  private:
    /// The trail of the contract's records without the texts the log sealed
    /// under the contract's trainee (events/personal_data.hpp): what a
    /// rebuild reads once the key is gone.
    static result<void> erase_texts(const std::string& contract_id,
                                    write_batch& batch,
                                    reader& model)
    {
        auto reports = model.keys(fmt::format("c/{}/", contract_id));
        if (!reports) {
            return fail(reports.error());
        }
        auto blank = [](json::object& o, std::string_view member) {
            if (auto* v = o.if_contains(member)) {
                *v = "";
            }
        };
        for (const auto& ix : *reports) {
            auto prefix = fmt::format("r/{}/", ix.substr(ix.rfind('/') + 1));
            auto keys = model.keys(prefix);
            if (!keys) {
                return fail(keys.error());
            }
            for (const auto& key : *keys) {
                auto entry = model.take_json(key);
                if (!entry) {
                    return fail(entry.error());
                }
                if (!*entry) {
                    continue;
                }
                if (auto* change = (*entry)->if_contains("change");
                    change != nullptr && change->is_object()) {
                    auto& c = change->as_object();
                    for (std::string_view list : { "entries", "absences" }) {
                        if (auto* items = c.if_contains(list);
                            items != nullptr && items->is_array()) {
                            for (auto& item : items->as_array()) {
                                if (item.is_object()) {
                                    blank(item.as_object(), list == "entries" ? "text" : "note");
                                }
                            }
                        }
                    }
                    blank(c, "comment");
                    blank(c, "remarks");
                    blank(c, "approverEmail");
                }
                batch.put_json(key, std::move(**entry));
            }
        }
        return {};
    }
};

/// The index key of a single-use token's hash: `t/<hex>`.
std::string
token_key(capnp::Data::Reader hash)
{
    static constexpr char digits[] = "0123456789abcdef";
    std::string key = "t/";
    for (auto b : hash) {
        key.push_back(digits[b >> 4]);
        key.push_back(digits[b & 0xF]);
    }
    return key;
}

class account_security final : public projector
{
  public:
    std::string_view name() const override { return k_account_security; }
    std::uint32_t version() const override { return 2; }

    result<void> apply(const events::recorded_event& event,
                       schema::Envelope::Reader env,
                       write_batch& batch,
                       reader&) override
    {
        auto payload = env.getPayload();
        if (!payload.isAccount()) {
            return {};
        }
        auto id = id_of(event.stream, "account-");
        auto a = payload.getAccount();
        json::object entry{ { "position", event.position.value },
                            { "recordedAt", at(env.getRecordedAt()) },
                            { "event", events::event_name(payload) },
                            { "actor", actor_json(env) } };
        auto method = [](schema::LoginMethod m) {
            return m == schema::LoginMethod::PIN ? "pin" : "password";
        };
        switch (a.which()) {
            case schema::AccountEvent::LOGIN_SUCCEEDED:
                entry["method"] = method(a.getLoginSucceeded().getMethod());
                break;
            case schema::AccountEvent::LOGIN_FAILED:
                entry["method"] = method(a.getLoginFailed().getMethod());
                entry["consecutiveFailures"] = a.getLoginFailed().getConsecutiveFailures();
                break;
            case schema::AccountEvent::LOCKED:
                entry["lockedUntil"] = at(a.getLocked().getUntil());
                entry["consecutiveFailures"] = a.getLocked().getConsecutiveFailures();
                break;
            case schema::AccountEvent::UNLOCKED:
                entry["byStaff"] = a.getUnlocked().getByStaff();
                break;
            case schema::AccountEvent::PASSWORD_RESET_REQUESTED: {
                auto r = a.getPasswordResetRequested();
                entry["expiresAt"] = at(r.getExpiresAt());
                entry["requestedWith"] = text(r.getRequestedWith());
                batch.put(token_key(r.getTokenHash()), id);
                break;
            }
            case schema::AccountEvent::INVITATION_ISSUED:
                entry["expiresAt"] = at(a.getInvitationIssued().getExpiresAt());
                batch.put(token_key(a.getInvitationIssued().getTokenHash()), id);
                break;
            case schema::AccountEvent::SESSION_ENDED:
                entry["reason"] = text(a.getSessionEnded().getReason());
                break;
            case schema::AccountEvent::PASSWORD_RESET_COMPLETED:
            case schema::AccountEvent::PASSWORD_CHANGED:
            case schema::AccountEvent::ACTIVATED:
            case schema::AccountEvent::PIN_ISSUED:
            case schema::AccountEvent::PIN_CONVERTED_TO_LOGIN:
                break;
            case schema::AccountEvent::CREATED:
            case schema::AccountEvent::ROLE_GRANTED:
            case schema::AccountEvent::ROLE_REVOKED:
            case schema::AccountEvent::ERASED:
                return {};
        }
        batch.put_json(fmt::format("a/{}/{}", id, pos_key(event.position.value)), std::move(entry));
        return {};
    }
};

class public_listing final : public projector
{
  public:
    std::string_view name() const override { return k_public_listing; }
    std::uint32_t version() const override { return 1; }

    result<void> apply(const events::recorded_event& event,
                       schema::Envelope::Reader env,
                       write_batch& batch,
                       reader& model) override
    {
        auto payload = env.getPayload();
        std::string company_id;
        if (payload.isCompany()) {
            company_id = id_of(event.stream, "company-");
        } else if (payload.isContract() && payload.getContract().isRegistered()) {
            company_id = str(payload.getContract().getRegistered().getCompanyId());
        } else {
            return {};
        }
        auto key = "c/" + company_id;
        auto doc = model.get_json(key);
        if (!doc) {
            return fail(doc.error());
        }
        json::object c = *doc ? std::move(**doc)
                              : json::object{ { "companyId", company_id },
                                              { "name", "" },
                                              { "consent", false },
                                              { "occupations", json::array{} } };
        auto set_address = [&](schema::Address::Reader a) {
            c["address"] = json::object{ { "street", text(a.getStreet()) },
                                         { "zip", text(a.getZip()) },
                                         { "town", text(a.getTown()) } };
        };
        if (payload.isContract()) {
            auto occupation = text(payload.getContract().getRegistered().getOccupation());
            auto& occ = arr(c, "occupations");
            if (!contains(occ, occupation)) {
                occ.push_back(occupation);
            }
        } else {
            auto e = payload.getCompany();
            switch (e.which()) {
                case schema::CompanyEvent::REGISTERED:
                    c["name"] = text(e.getRegistered().getName());
                    set_address(e.getRegistered().getAddress());
                    break;
                case schema::CompanyEvent::ADDRESS_CHANGED:
                    set_address(e.getAddressChanged().getAddress());
                    break;
                case schema::CompanyEvent::PUBLICATION_CONSENT_GIVEN:
                    c["consent"] = true;
                    break;
                case schema::CompanyEvent::PUBLICATION_CONSENT_WITHDRAWN:
                    c["consent"] = false;
                    break;
                default:
                    return {};
            }
        }
        batch.put_json(key, std::move(c));
        return {};
    }
};

result<json::array>
list_documents(infra::kv_store& store, std::string_view model_name, const std::string& prefix)
{
    reader model(store, model_name);
    auto docs = model.documents(prefix);
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

std::unique_ptr<projector>
make_report_audit_projector()
{
    return std::make_unique<report_audit>();
}

std::unique_ptr<projector>
make_account_security_projector()
{
    return std::make_unique<account_security>();
}

std::unique_ptr<projector>
make_public_listing_projector()
{
    return std::make_unique<public_listing>();
}

result<json::array>
report_history(infra::kv_store& store, std::string_view report_id)
{
    return list_documents(store, k_report_audit, fmt::format("r/{}/", report_id));
}

result<json::array>
account_security_log(infra::kv_store& store, std::string_view account_id)
{
    return list_documents(store, k_account_security, fmt::format("a/{}/", account_id));
}

result<std::optional<std::string>>
account_of_token(infra::kv_store& store, std::string_view token_hash)
{
    static constexpr char digits[] = "0123456789abcdef";
    std::string key = "t/";
    for (auto c : token_hash) {
        auto b = static_cast<unsigned char>(c);
        key.push_back(digits[b >> 4]);
        key.push_back(digits[b & 0xF]);
    }
    reader model(store, k_account_security);
    return model.get(key);
}

result<json::array>
public_companies(infra::kv_store& store,
                 std::optional<std::string_view> occupation,
                 std::optional<std::string_view> town)
{
    reader model(store, k_public_listing);
    auto docs = model.documents("c/");
    if (!docs) {
        return fail(docs.error());
    }
    std::vector<json::object> listed;
    for (auto& d : *docs) {
        const auto* consent = d.if_contains("consent");
        if (consent == nullptr || !consent->is_bool() || !consent->as_bool()) {
            continue;
        }
        if (occupation && !occupation->empty() && !contains(arr(d, "occupations"), *occupation)) {
            continue;
        }
        if (town && !town->empty() && lower(get_str(obj(d, "address"), "town")) != lower(*town)) {
            continue;
        }
        d.erase("consent");
        listed.push_back(std::move(d));
    }
    std::stable_sort(
      listed.begin(), listed.end(), [](const json::object& a, const json::object& b) {
          return get_str(a, "name") < get_str(b, "name");
      });
    json::array out;
    for (auto& d : listed) {
        out.push_back(std::move(d));
    }
    return out;
}

} // namespace portal::projections
