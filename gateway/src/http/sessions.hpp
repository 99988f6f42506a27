#pragma once

/// Sessions and the login rate limit of the gateway.
///
/// A session is a random token (256 bits, base64url) given to the client
/// once; the store keeps only its BLAKE2b hash (key `s/<hex hash>` in the
/// read-model store, outside every projection's prefix) with the account,
/// the login method and the expiry. A stolen store does not reveal tokens.
///
/// Sessions found are also kept in memory (bounded), so an authenticated
/// request does not read the store; this process is the only writer of
/// its store, and `remove` drops the memory entry with the stored one.
///
/// Thread safety: every member may be called from any thread.

#include "portal/events/error.hpp"
#include "portal/events/time.hpp"
#include "portal/infra/kv_store.hpp"

#include <chrono>
#include <cstddef>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace portal::gateway {

/// One signed-in session.
struct session
{
    std::string account_id;
    std::string method; ///< "password" or "pin"
    timestamp created;
    timestamp expires;
};

/// The sessions in the store.
class session_store
{
  public:
    explicit session_store(infra::kv_store& store);

    /// Starts a session and returns its token. Errors: the store's.
    result<std::string> create(std::string_view account_id,
                               std::string_view method,
                               timestamp now,
                               std::chrono::minutes ttl);

    /// The session of `token` when it exists and has not expired at `now`
    /// (an expired one is deleted). Errors: the store's.
    result<std::optional<session>> find(std::string_view token, timestamp now);

    /// Ends the session of `token` (nothing when unknown). Errors: the
    /// store's.
    result<void> remove(std::string_view token);

  private:
    infra::kv_store& store_;
    std::mutex mu_;
    /// Store key -> session, at most `k_cached` (cleared when full).
    std::unordered_map<std::string, session> cached_;
    static constexpr std::size_t k_cached = 100000;
};

/// A token bucket per key (client address): `rate` attempts per minute with
/// a burst of `rate`. Keeps at most `max_keys` buckets (the fullest are
/// dropped first when full, which only forgives).
class rate_limiter
{
  public:
    explicit rate_limiter(unsigned rate_per_minute, std::size_t max_keys = 100000);

    /// Takes one token of `key`'s bucket at `now`; false when empty.
    bool try_take(std::string_view key, timestamp now);

  private:
    struct bucket
    {
        double tokens = 0;
        timestamp updated;
    };
    double rate_;
    std::size_t max_keys_;
    std::mutex mu_;
    std::unordered_map<std::string, bucket> buckets_;
};

} // namespace portal::gateway
