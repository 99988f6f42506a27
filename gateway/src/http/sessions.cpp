#include "http/sessions.hpp"

#include "portal/infra/crypto.hpp"
#include "portal/infra/secrets.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace portal::gateway {

namespace {

/// A token this portal issues: `random_token(32)`, 43 characters of
/// URL-safe base64.
bool
plausible_token(std::string_view token) noexcept
{
    if (token.size() != 43) {
        return false;
    }
    return std::all_of(token.begin(), token.end(), [](char c) {
        return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
               c == '-' || c == '_';
    });
}

} // namespace

session_store::session_store(session_sources sources)
  : src_(sources)
{
}

session_store::issued
session_store::issue()
{
    auto token = infra::random_token();
    auto hash = infra::token_hash(token);
    return issued{ std::move(token), std::move(hash) };
}

std::string
session_store::hash_of(std::string_view token)
{
    return infra::token_hash(token);
}

std::uint64_t
session_store::model_position() const
{
    return src_.runner != nullptr ? src_.runner->position().value : 0;
}

void
session_store::remember(std::string_view token_hash, session s, events::position at)
{
    std::lock_guard lock(mu_);
    if (cached_.size() >= k_cached) {
        cached_.clear();
    }
    cached_.insert_or_assign(std::string(token_hash), entry{ std::move(s), at.value, at.value });
}

result<std::optional<session>>
session_store::lookup(const std::string& hash, timestamp now, bool& missing)
{
    using found = std::optional<session>;
    missing = false;
    // One lock over memory and model: an entry is cached with the model's
    // position read before the model itself, so an end projected after it
    // is noticed (`last_end` beyond `checked`).
    std::lock_guard lock(mu_);
    auto it = cached_.find(hash);
    if (it != cached_.end()) {
        auto& e = it->second;
        if (e.s.expires <= now) {
            cached_.erase(it);
            return found{};
        }
        bool ended_since = src_.projector == nullptr || src_.runner == nullptr ||
                           src_.projector->last_end().value > e.checked;
        if (!ended_since) {
            return found{ e.s };
        }
        auto at = model_position();
        if (src_.runner != nullptr && at < e.origin) {
            return found{ e.s }; // the model does not have the login yet
        }
        auto stored = projections::session_of(*src_.store, hash);
        if (!stored) {
            return fail(stored.error());
        }
        if (!*stored || (*stored)->account_id != e.s.account_id) {
            cached_.erase(it);
            return found{};
        }
        e.checked = at;
        return found{ e.s };
    }
    auto at = model_position();
    auto stored = projections::session_of(*src_.store, hash);
    if (!stored) {
        return fail(stored.error());
    }
    if (!*stored) {
        missing = true;
        return found{};
    }
    auto& st = **stored;
    if (st.expires <= now) {
        return found{};
    }
    session s{ std::move(st.account_id), std::move(st.method), st.created, st.expires };
    if (cached_.size() >= k_cached) {
        cached_.clear();
    }
    cached_.insert_or_assign(hash, entry{ s, 0, at });
    return found{ std::move(s) };
}

result<std::optional<session>>
session_store::find(std::string_view token, timestamp now, bool wait_on_miss)
{
    if (token.empty() || token.size() > 128) {
        return std::optional<session>{};
    }
    auto arrived = std::chrono::steady_clock::now();
    auto hash = infra::token_hash(token);
    bool missing = false;
    auto first = lookup(hash, now, missing);
    if (!first || !missing || !wait_on_miss || src_.kafka == nullptr || !plausible_token(token)) {
        return first;
    }
    // Another instance may have issued it a moment ago: wait until this one
    // has every event committed before the request came, then look again.
    auto caught = catch_up(arrived);
    if (!caught) {
        return fail(caught.error());
    }
    return lookup(hash, now, missing);
}

result<void>
session_store::catch_up(std::chrono::steady_clock::time_point arrived)
{
    auto deadline = arrived + src_.max_wait;
    std::unique_lock lock(catch_mu_);
    for (;;) {
        if (catching_) {
            // A catch-up that started after this request arrived covers it;
            // an earlier one may have asked the broker too early.
            bool covers = catch_started_ >= arrived;
            auto seen = catch_done_;
            if (!catch_cv_.wait_until(lock, deadline, [&] { return catch_done_ != seen; })) {
                return fail(
                  error::unavailable("projection.timeout",
                                     fmt::format("the sessions did not catch up within {} ms",
                                                 src_.max_wait.count())));
            }
            if (covers) {
                return catch_result_;
            }
            continue;
        }
        catching_ = true;
        catch_started_ = std::chrono::steady_clock::now();
        lock.unlock();
        auto done = run_catch_up(deadline);
        lock.lock();
        catching_ = false;
        ++catch_done_;
        catch_result_ = done;
        catch_cv_.notify_all();
        return done;
    }
}

result<void>
session_store::run_catch_up(std::chrono::steady_clock::time_point deadline)
{
    auto end = src_.kafka->await_end(deadline);
    if (!end) {
        if (end.error().code == "log.timeout") {
            return fail(error::unavailable(
              "projection.timeout",
              fmt::format("the event log's mirror did not reach the end within {} ms: {}",
                          src_.max_wait.count(),
                          end.error().message)));
        }
        return fail(end.error());
    }
    if (src_.runner == nullptr) {
        return {};
    }
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
      deadline - std::chrono::steady_clock::now());
    return src_.runner->wait_for(*end, std::max(left, std::chrono::milliseconds(1)));
}

result<void>
session_store::forget(std::string_view token, events::position ended_at)
{
    // Until the model has the end, a lookup would find the session there.
    auto waited = settle(ended_at);
    auto hash = infra::token_hash(token);
    std::lock_guard lock(mu_);
    cached_.erase(hash);
    return waited;
}

result<void>
session_store::settle(events::position at)
{
    if (src_.runner == nullptr || at.value == 0) {
        return {};
    }
    return src_.runner->wait_for(at, src_.max_wait);
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
