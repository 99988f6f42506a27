#include "http/sessions.hpp"

#include "portal/infra/crypto.hpp"
#include "portal/infra/secrets.hpp"

#include <boost/json.hpp>

#include <algorithm>

namespace portal::gateway {

namespace {

std::string
session_key(std::string_view token)
{
    return "s/" + infra::to_hex(infra::token_hash(token));
}

} // namespace

session_store::session_store(infra::kv_store& store)
  : store_(store)
{
}

result<std::string>
session_store::create(std::string_view account_id,
                      std::string_view method,
                      timestamp now,
                      std::chrono::minutes ttl)
{
    auto token = infra::random_token();
    boost::json::object doc{ { "accountId", account_id },
                             { "method", method },
                             { "created", to_micros(now) },
                             { "expires", to_micros(now + ttl) } };
    infra::write_batch batch;
    batch.put(session_key(token), boost::json::serialize(doc));
    auto written = store_.write(batch);
    if (!written) {
        return fail(written.error());
    }
    return token;
}

result<std::optional<session>>
session_store::find(std::string_view token, timestamp now)
{
    if (token.empty() || token.size() > 128) {
        return std::optional<session>{};
    }
    auto key = session_key(token);
    // One lock over memory and store, so a `remove` between reading the
    // store and caching cannot leave an ended session in memory.
    std::lock_guard lock(mu_);
    if (auto it = cached_.find(key); it != cached_.end()) {
        if (it->second.expires > now) {
            return std::optional<session>{ it->second };
        }
        cached_.erase(it); // expired: the store entry goes below
    }
    auto value = store_.get(key);
    if (!value) {
        return fail(value.error());
    }
    if (!*value) {
        return std::optional<session>{};
    }
    boost::system::error_code ec;
    auto doc = boost::json::parse(**value, ec);
    if (ec || !doc.is_object()) {
        return fail(error::unavailable("session.corrupt", "a stored session is not readable"));
    }
    const auto& o = doc.get_object();
    const auto* account = o.if_contains("accountId");
    const auto* method = o.if_contains("method");
    const auto* created = o.if_contains("created");
    const auto* expires = o.if_contains("expires");
    if (account == nullptr || !account->is_string() || method == nullptr || !method->is_string() ||
        created == nullptr || !created->is_int64() || expires == nullptr || !expires->is_int64()) {
        return fail(error::unavailable("session.corrupt", "a stored session is not readable"));
    }
    session s{ std::string(account->get_string()),
               std::string(method->get_string()),
               from_micros(created->get_int64()),
               from_micros(expires->get_int64()) };
    if (s.expires <= now) {
        infra::write_batch batch;
        batch.erase(key);
        (void)store_.write(batch); // best effort: an expired session is refused anyway
        return std::optional<session>{};
    }
    if (cached_.size() >= k_cached) {
        cached_.clear();
    }
    cached_.insert_or_assign(std::move(key), s);
    return std::optional<session>{ std::move(s) };
}

result<void>
session_store::remove(std::string_view token)
{
    auto key = session_key(token);
    std::lock_guard lock(mu_);
    cached_.erase(key);
    infra::write_batch batch;
    batch.erase(key);
    return store_.write(batch);
}

rate_limiter::rate_limiter(unsigned rate_per_minute, std::size_t max_keys)
  : rate_(static_cast<double>(std::max(1U, rate_per_minute)))
  , max_keys_(std::max<std::size_t>(1, max_keys))
{
}

bool
rate_limiter::try_take(std::string_view key, timestamp now)
{
    std::lock_guard lock(mu_);
    auto it = buckets_.find(std::string(key));
    if (it == buckets_.end()) {
        if (buckets_.size() >= max_keys_) {
            // Forget buckets that have refilled; if none, forget any one.
            std::erase_if(buckets_, [&](const auto& kv) {
                auto minutes =
                  std::chrono::duration<double, std::ratio<60>>(now - kv.second.updated).count();
                return kv.second.tokens + minutes * rate_ >= rate_;
            });
            if (buckets_.size() >= max_keys_) {
                buckets_.erase(buckets_.begin());
            }
        }
        it = buckets_.emplace(std::string(key), bucket{ rate_, now }).first;
    }
    auto& b = it->second;
    auto minutes = std::chrono::duration<double, std::ratio<60>>(now - b.updated).count();
    if (minutes > 0) {
        b.tokens = std::min(rate_, b.tokens + minutes * rate_);
        b.updated = now;
    }
    if (b.tokens < 1.0) {
        return false;
    }
    b.tokens -= 1.0;
    return true;
}

} // namespace portal::gateway
