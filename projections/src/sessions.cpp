// The sessions model: the open sessions of every account, from the
// account's `login_succeeded` (with a session hash) and `session_ended`
// events, so every instance knows every session (issue #6).

#include "json_util.hpp"
#include "portal/infra/crypto.hpp"
#include "portal/projections/read_models.hpp"

#include <algorithm>
#include <atomic>
#include <charconv>
#include <utility>
#include <vector>

namespace portal::projections {

using namespace detail;

namespace {

std::string
hex_of(capnp::Data::Reader hash)
{
    return infra::to_hex(
      std::string_view(reinterpret_cast<const char*>(hash.begin()), hash.size()));
}

/// `s/<hex hash>`: the session document.
std::string
session_key(std::string_view hex)
{
    return fmt::format("s/{}", hex);
}

/// `a/<account>/`: the index of an account's sessions (value: the expiry).
std::string
account_prefix(std::string_view account_id)
{
    return fmt::format("a/{}/", account_id);
}

class sessions_model final : public sessions_projector
{
  public:
    std::string_view name() const override { return k_sessions; }
    std::uint32_t version() const override { return 3; }

    events::position last_end() const override
    {
        return events::position{ last_end_.load(std::memory_order_acquire) };
    }

    result<void> apply(const events::recorded_event& event,
                       schema::Envelope::Reader env,
                       write_batch& batch,
                       reader& model) override
    {
        auto payload = env.getPayload();
        if (!payload.isAccount()) {
            return {};
        }
        auto id = id_of(event.stream, "account-");
        auto a = payload.getAccount();
        switch (a.which()) {
            case schema::AccountEvent::LOGIN_SUCCEEDED: {
                auto login = a.getLoginSucceeded();
                if (login.getSessionHash().size() == 0) {
                    return {}; // a login recorded before sessions were events
                }
                auto hex = hex_of(login.getSessionHash());
                auto expires = login.getExpiresAt();
                auto pruned = prune(event, id, model, batch);
                if (!pruned) {
                    return pruned;
                }
                batch.put_json(
                  session_key(hex),
                  json::object{
                    { "accountId", id },
                    { "method",
                      login.getMethod() == schema::LoginMethod::PIN ? "pin" : "password" },
                    { "created", env.getRecordedAt() },
                    { "expires", expires } });
                batch.put(account_prefix(id) + hex, std::to_string(expires));
                return {};
            }
            case schema::AccountEvent::SESSION_ENDED: {
                auto hex = hex_of(a.getSessionEnded().getSessionHash());
                batch.erase(session_key(hex));
                batch.erase(account_prefix(id) + hex);
                note_end(event.position);
                return {};
            }
            case schema::AccountEvent::ERASED:
            case schema::AccountEvent::PASSWORD_RESET_COMPLETED:
                // An erased account has no sessions; a reset password (it
                // may have been known to someone else) ends every session.
                return drop_all(event, id, model, batch, {});
            case schema::AccountEvent::PASSWORD_CHANGED: {
                // A changed password ends every session but the one that
                // changed it. Changes recorded before they ended sessions
                // carry no kept session and end none.
                auto kept = a.getPasswordChanged().getKeptSessionHash();
                if (kept.size() == 0) {
                    return {};
                }
                return drop_all(event, id, model, batch, hex_of(kept));
            }
            default:
                return {};
        }
    }

  private:
    /// Notes that the event at `p` ends sessions (readers revalidate what
    /// they cached before it once the runner's position reaches it).
    void note_end(events::position p)
    {
        auto value = p.value;
        auto seen = last_end_.load(std::memory_order_relaxed);
        while (seen < value &&
               !last_end_.compare_exchange_weak(seen, value, std::memory_order_acq_rel)) {
        }
    }

    /// Ends every session of account `id` except `kept` (hex).
    result<void> drop_all(const events::recorded_event& event,
                          const std::string& id,
                          reader& model,
                          write_batch& batch,
                          std::string_view kept)
    {
        auto prefix = account_prefix(id);
        auto keys = model.keys(prefix);
        if (!keys) {
            return fail(keys.error());
        }
        bool ended = false;
        for (const auto& key : *keys) {
            auto hex = std::string_view(key).substr(prefix.size());
            if (hex == kept) {
                continue;
            }
            batch.erase(session_key(hex));
            batch.erase(key);
            ended = true;
        }
        if (ended) {
            note_end(event.position);
        }
        return {};
    }

    /// Keeps at most `k_sessions_per_account - 1` sessions of the account
    /// before a new one: the ones that expire first go (expired ones
    /// among them; the model has no clock of its own, the expiries come
    /// from the gateway's).
    result<void> prune(const events::recorded_event& event,
                       const std::string& id,
                       reader& model,
                       write_batch& batch)
    {
        auto prefix = account_prefix(id);
        std::vector<std::pair<std::int64_t, std::string>> open;
        auto scanned = model.scan_prefix(prefix, [&](std::string_view key, std::string_view value) {
            std::int64_t expires = 0;
            std::from_chars(value.data(), value.data() + value.size(), expires);
            open.emplace_back(expires, std::string(key.substr(prefix.size())));
            return true;
        });
        if (!scanned) {
            return scanned;
        }
        if (open.size() < k_sessions_per_account) {
            return {};
        }
        std::sort(open.begin(), open.end());
        auto excess = open.size() - (k_sessions_per_account - 1);
        for (std::size_t i = 0; i < excess; ++i) {
            batch.erase(session_key(open[i].second));
            batch.erase(prefix + open[i].second);
        }
        note_end(event.position);
        return {};
    }

    std::atomic<std::uint64_t> last_end_{ 0 };
};

} // namespace

std::unique_ptr<sessions_projector>
make_sessions_projector()
{
    return std::make_unique<sessions_model>();
}

result<std::optional<stored_session>>
session_of(infra::kv_store& store, std::string_view token_hash)
{
    reader model(store, k_sessions);
    auto doc = model.get_json(session_key(infra::to_hex(token_hash)));
    if (!doc) {
        return fail(doc.error());
    }
    if (!*doc) {
        return std::optional<stored_session>{};
    }
    const auto& o = **doc;
    const auto* account = o.if_contains("accountId");
    const auto* method = o.if_contains("method");
    const auto* created = o.if_contains("created");
    const auto* expires = o.if_contains("expires");
    if (account == nullptr || !account->is_string() || method == nullptr || !method->is_string() ||
        created == nullptr || !created->is_int64() || expires == nullptr || !expires->is_int64()) {
        return fail(error::unavailable("projection.corrupt", "a stored session is not readable"));
    }
    return std::optional<stored_session>{ stored_session{ std::string(account->get_string()),
                                                          std::string(method->get_string()),
                                                          from_micros(created->get_int64()),
                                                          from_micros(expires->get_int64()) } };
}

} // namespace portal::projections
