#pragma once

/// Sessions and the login rate limit of the gateway.
///
/// A session is a random token (256 bits, base64url) given to the client
/// once. Sessions are events: a login's `account.login_succeeded` carries
/// the token's BLAKE2b hash and the expiry, a logout appends
/// `account.session_ended`, and the `sessions` read model
/// (projections/read_models.hpp) of every instance projects them, so a
/// token works on every instance of one log (embedded or Kafka) and `portal
/// replay` rebuilds them. Nothing but hashes is stored: a stolen store or
/// log does not reveal tokens.
///
/// Sessions found are kept in memory (bounded), so an authenticated request
/// usually reads nothing. The instance that records a login puts its
/// session there at once (`remember`): a request right after the login
/// never misses, although the read model may not have the event yet. A
/// cached session is checked against the model again once the sessions
/// projector has applied an event that ended sessions after the entry was
/// last checked, so a logout on another instance ends it here as soon as
/// this instance has projected it.
///
/// On Kafka a token another instance just issued may not be projected here
/// yet: on a miss (when asked to wait) the store first waits, bounded, until
/// this instance has mirrored the events topic to the end the broker reports
/// and the sessions model has caught up, then looks again. Concurrent
/// misses share one such catch-up; tokens that cannot be one of ours (wrong
/// length or alphabet) never wait.
///
/// Thread safety: every member may be called from any thread.

#include "portal/events/error.hpp"
#include "portal/events/event_log.hpp"
#include "portal/events/time.hpp"
#include "portal/infra/kafka_log.hpp"
#include "portal/infra/kv_store.hpp"
#include "portal/projections/read_models.hpp"
#include "portal/projections/runner.hpp"

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
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

/// What the session store reads.
struct session_sources
{
    /// The read-model store with the `sessions` model.
    infra::kv_store* store = nullptr;
    /// The `sessions` model's runner (its committed position); null: cached
    /// sessions are checked against the store on every use.
    const projections::runner* runner = nullptr;
    /// The `sessions` projector (when sessions ended); null: as above.
    const projections::sessions_projector* projector = nullptr;
    /// The Kafka log when the instance runs on one (misses wait for the
    /// mirror); null on the embedded log.
    infra::kafka_log* kafka = nullptr;
    /// The longest wait of a miss on Kafka.
    std::chrono::milliseconds max_wait{ 2000 };
};

/// The sessions of the `sessions` read model, cached.
class session_store
{
  public:
    explicit session_store(session_sources sources);

    /// A new session token and its hash (what the login's event carries).
    struct issued
    {
        std::string token;
        std::string hash;
    };
    static issued issue();

    /// The hash of `token` (BLAKE2b bytes).
    static std::string hash_of(std::string_view token);

    /// Keeps the session of a login this instance just recorded (its
    /// `login_succeeded` at local position `at`) in memory, so that it is
    /// found before the read model has it.
    void remember(std::string_view token_hash, session s, events::position at);

    /// The session of `token` when it exists and has not expired at `now`.
    /// With `wait_on_miss`, on Kafka, a token not found waits for the
    /// mirror and the model first (see above). Errors: the store's,
    /// `projection.corrupt`, and on Kafka `log.timeout`/`log.unavailable`
    /// or `projection.timeout` when the catch-up of a miss fails.
    result<std::optional<session>> find(std::string_view token,
                                        timestamp now,
                                        bool wait_on_miss = false);

    /// Ends the session of `token` on this instance: the caller appended
    /// its `account.session_ended` at local position `ended_at` (0 when it
    /// appended nothing); waits (bounded) until the sessions model has it,
    /// then drops the memory entry, so that this instance refuses the token
    /// from the return on. Errors: `projection.timeout` or the runner's
    /// failure (the memory entry is dropped all the same).
    result<void> forget(std::string_view token, events::position ended_at);

    /// Waits (bounded) until the sessions model has the event at local
    /// position `at` (0: nothing to wait for), so that the sessions it ended
    /// are refused on this instance from the return on (cached ones are
    /// checked again). Errors: `projection.timeout` or the runner's failure.
    result<void> settle(events::position at);

  private:
    struct entry
    {
        session s;
        /// The local position of the login event (0 when read from the
        /// model): before the model reaches it, the model cannot tell.
        std::uint64_t origin = 0;
        /// The model's position when the entry was last checked.
        std::uint64_t checked = 0;
    };

    /// Looks in memory, then in the model; under `mu_`.
    result<std::optional<session>> lookup(const std::string& hash, timestamp now, bool& missing);
    /// Waits until the mirror and the model include every event committed
    /// before `arrived` (one catch-up for concurrent callers).
    result<void> catch_up(std::chrono::steady_clock::time_point arrived);
    result<void> run_catch_up(std::chrono::steady_clock::time_point deadline);
    std::uint64_t model_position() const;

    session_sources src_;
    std::mutex mu_;
    /// Token hash -> session, at most `k_cached` (cleared when full).
    std::unordered_map<std::string, entry> cached_;
    static constexpr std::size_t k_cached = 100000;

    std::mutex catch_mu_;
    std::condition_variable catch_cv_;
    bool catching_ = false;
    std::chrono::steady_clock::time_point catch_started_;
    std::uint64_t catch_done_ = 0;
    result<void> catch_result_;
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
