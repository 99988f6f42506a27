#pragma once

/// The event log port: the system of record. Adapters: the embedded RocksDB
/// log (infra/embedded_log.hpp) and the Kafka log. Both pass the contract
/// test suite in tests/support/event_log_contract.hpp.
///
/// Streams: one per aggregate instance (`report-<id>`), versions from 1.
/// Every stream has a partition key (its consistency root); an append may
/// check the versions of other streams with the same partition key in the
/// same atomic step. Positions: global, strictly increasing, starting at 1;
/// position 0 means "before the first event".

#include "portal/events/error.hpp"

#include <array>
#include <atomic>
#include <compare>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <typeindex>
#include <vector>

namespace portal::events {

/// A global position in the log; 0 is before the first event.
struct position
{
    std::uint64_t value = 0;
    friend auto operator<=>(const position&, const position&) = default;
};

/// What an append expects of its stream's current version.
class expected_version
{
  public:
    enum class kind
    {
        any,       ///< no check
        no_stream, ///< the stream must not exist yet
        exact,     ///< the stream's version must equal `version()`
    };

    /// Any version, including no stream.
    static expected_version any() noexcept { return { kind::any, 0 }; }
    /// The stream must not exist.
    static expected_version no_stream() noexcept { return { kind::no_stream, 0 }; }
    /// The stream's current version must be `v` (0 = must not exist).
    static expected_version exact(std::uint64_t v) noexcept
    {
        return v == 0 ? no_stream() : expected_version{ kind::exact, v };
    }

    kind which() const noexcept { return kind_; }
    std::uint64_t version() const noexcept { return version_; }

    /// True when a stream at `current` (0 = does not exist) satisfies it.
    bool matches(std::uint64_t current) const noexcept
    {
        switch (kind_) {
            case kind::any:
                return true;
            case kind::no_stream:
                return current == 0;
            case kind::exact:
                return current == version_;
        }
        return false;
    }

    friend bool operator==(const expected_version&, const expected_version&) = default;

  private:
    expected_version(kind k, std::uint64_t v) noexcept
      : kind_(k)
      , version_(v)
    {
    }
    kind kind_;
    std::uint64_t version_;
};

/// A version check on another stream of the same partition key.
struct stream_check
{
    std::string stream;
    expected_version expected = expected_version::any();
};

/// Roles as in the schema's `Role` enum (same numbering).
enum class role : std::uint8_t
{
    trainee = 0,
    trainer = 1,
    supervisor = 2,
    company = 3,
    representative = 4,
    examiner = 5,
    staff = 6,
    auditor = 7,
    system = 8,
};

/// Who caused the events of an append.
struct actor
{
    std::string account_id;
    events::role role = role::system;
    std::string on_behalf_of_company_id;
};

/// A 16-byte id (UUID) for correlation and causation; all zero = none.
using uuid = std::array<std::uint8_t, 16>;

/// One atomic append.
struct append_request
{
    std::string stream;
    std::string partition_key;
    expected_version expected = expected_version::any();
    /// Each an encoded `Event` (event_payload::bytes()); at least one.
    std::vector<std::string> payloads;
    /// Idempotency key; empty = none. A repeated id returns the first
    /// append's result with `duplicate` set and appends nothing.
    std::string command_id;
    /// Checks on other streams with the same partition key.
    std::vector<stream_check> checks;
    events::actor actor;
    uuid correlation_id{};
    uuid causation_id{};
};

/// What an append wrote.
struct append_result
{
    std::string stream;
    std::uint64_t first_version = 0;
    std::uint64_t last_version = 0;
    position first_position;
    position last_position;
    bool duplicate = false; ///< the command id was seen: nothing appended

    friend bool operator==(const append_result&, const append_result&) = default;
};

/// An event as stored: its position, stream, version and the encoded
/// envelope (decode with `envelope::decode`).
struct recorded_event
{
    events::position position;
    std::string stream;
    std::uint64_t version = 0;
    std::string envelope_bytes;
};

/// A stream's head: its version, partition key and the BLAKE2b-256 hash of
/// its last envelope.
struct stream_head
{
    std::uint64_t version = 0;
    std::string partition_key;
    std::string last_hash;
};

/// A running subscription; destroying it stops it.
class subscription
{
  public:
    virtual ~subscription() = default;
    /// Stops delivery and waits until the handler no longer runs. Must not
    /// be called from within the handler.
    virtual void stop() = 0;
    /// The error that ended the subscription, if any.
    virtual std::optional<error> failure() const = 0;
};

/// Called for each event in position order, on the subscription's own
/// thread. Returning an error ends the subscription with that error.
using event_handler = std::function<result<void>(const recorded_event&)>;

class state_cache;

/// The durability of appends that a log answered before they were durable
/// (see `append_pipeline`). Thread-safe.
class durability
{
  public:
    enum class state
    {
        pending,
        durable,
        failed,
    };

    virtual ~durability() = default;
    /// Where the appends are now.
    virtual state current() const noexcept = 0;
    /// Blocks until the appends are durable. Their error when they failed:
    /// `log.unavailable`, none of them is readable and the outcome is
    /// unknown: retry with the same command id.
    virtual result<void> wait() = 0;
    /// Calls `done` once, when the appends are durable or failed: at once on
    /// this thread when they already are, else on the log's writer thread
    /// (which `done` must not block).
    virtual void when_done(std::function<void(const result<void>&)> done) = 0;
};

/// Pipelined appends on one thread (a lane of the partitioned writer).
///
/// While a pipeline is installed on a thread (`scope`), a log that supports
/// it may return from `append` as soon as the append is checked and ordered
/// (versions, command id, positions: the result is final), before it is
/// durable, and hands the append's durability to `defer`. Later appends are
/// checked against it, so the thread may decide its next command on the
/// state after it. The owner of the pipeline must release nothing that
/// rests on a deferred append (an acknowledgement, an answer) before its
/// durability is done, and must answer the durability's error when it
/// failed. Logs without support ignore the pipeline and return when durable.
///
/// When a deferred append fails, the log fails every append it ordered
/// after it, marks the pipelines of the failed appends broken and refuses
/// their appends (`log.pipeline_broken`, conflict) until `recover()`: a
/// decision resting on a failed append never lands.
///
/// The pipeline also keeps the states decided on deferred appends
/// (`find_pending`), so the command path decides on its own not yet
/// durable changes; they are never shared with other threads, and go to
/// their state cache only once durable.
class append_pipeline
{
  public:
    /// A state folded through a deferred append: type-erased like
    /// `state_cache::entry`.
    struct pending_state
    {
        std::shared_ptr<const void> state;
        std::uint64_t version = 0;
        /// The version of the stream's newest persisted snapshot (0: none).
        std::uint64_t snapshot_version = 0;
        /// The durability of the append that made `version`.
        std::shared_ptr<durability> durable;
        /// Where the state goes once durable (may be null).
        state_cache* cache = nullptr;
    };

    virtual ~append_pipeline() = default;

    /// Called by a log on the pipeline's thread for each append it answered
    /// before it was durable, and by the command path for each pending
    /// state a decision rested on.
    virtual void defer(std::shared_ptr<durability> d) = 0;
    /// How many durabilities were deferred so far (tells whether an append
    /// was deferred) and the last one.
    virtual std::uint64_t deferred_count() const noexcept = 0;
    virtual std::shared_ptr<durability> last_deferred() const = 0;

    /// The pending state of `stream` of state type `type`, if any.
    /// Pipeline's thread only.
    virtual std::optional<pending_state> find_pending(std::string_view stream,
                                                      std::type_index type) = 0;
    /// Keeps `s` as the pending state of `stream` and `type`, replacing an
    /// older one. Pipeline's thread only.
    virtual void store_pending(std::string_view stream, std::type_index type, pending_state s) = 0;

    /// Waits until every deferred append is durable or failed, forgets the
    /// pending states and clears `broken()`. Pipeline's thread only.
    virtual void recover() = 0;

    /// Set (by the log, on any thread) when a deferred append failed.
    bool broken() const noexcept { return broken_.load(std::memory_order_acquire); }
    void mark_broken() noexcept { broken_.store(true, std::memory_order_release); }

    /// The pipeline installed on the calling thread, or null.
    static append_pipeline* current() noexcept { return current_; }

    /// Installs a pipeline on the calling thread for its lifetime.
    class scope
    {
      public:
        explicit scope(append_pipeline& p) noexcept
          : previous_(current_)
        {
            current_ = &p;
        }
        ~scope() { current_ = previous_; }
        scope(const scope&) = delete;
        scope& operator=(const scope&) = delete;

      private:
        append_pipeline* previous_;
    };

  protected:
    void clear_broken() noexcept { broken_.store(false, std::memory_order_release); }

  private:
    std::atomic<bool> broken_{ false };
    static inline thread_local append_pipeline* current_ = nullptr;
};

/// Error codes of the port:
/// - `log.wrong_expected_version` (conflict): the stream or a checked
///   stream is not at the expected version;
/// - `log.partition_mismatch` (invalid): a checked stream, or the stream
///   itself, belongs to another partition key;
/// - `log.invalid_request` (invalid): empty payloads, empty stream or key;
/// - `codec.malformed` (invalid): a payload is not an `Event`;
/// - `log.unavailable` (unavailable): storage failed; nothing was appended
///   or the outcome is unknown: retry with the same command id.
class event_log
{
  public:
    virtual ~event_log() = default;

    /// Appends atomically: all events or none. Thread-safe. Returns when the
    /// append is durable (unless the adapter runs without sync).
    virtual result<append_result> append(append_request request) = 0;

    /// Events of `stream` with version >= `from_version`, at most `max`.
    /// An unknown stream yields no events. Thread-safe.
    virtual result<std::vector<recorded_event>> read_stream(std::string_view stream,
                                                            std::uint64_t from_version = 1,
                                                            std::size_t max = SIZE_MAX) = 0;

    /// Events with position > `after`, in order, at most `max`. Thread-safe.
    /// Personal data (`portal/events/personal_data.hpp`) reads restored
    /// while its subject's key exists, empty after the subject was erased.
    virtual result<std::vector<recorded_event>> read_all(position after, std::size_t max) = 0;

    /// Like `read_all`, but the envelopes as stored, with personal data
    /// sealed: the bytes the hash chains cover. The default: `read_all`
    /// (a log that seals nothing).
    virtual result<std::vector<recorded_event>> read_all_stored(position after, std::size_t max)
    {
        return read_all(after, max);
    }

    /// Raised whenever the log destroyed subject keys (erased personal
    /// data): whoever keeps what it read (state caches, snapshots) drops it
    /// when this changes. Thread-safe.
    virtual std::uint64_t erasure_epoch() const { return 0; }

    /// Delivers every event with position > `after`: first the stored ones
    /// (catch-up), then new ones as they are appended (live), with no gap
    /// and no duplicate between the two.
    virtual result<std::unique_ptr<subscription>> subscribe(position after,
                                                            event_handler handler) = 0;

    /// The head of a stream; version 0 when it does not exist.
    virtual result<stream_head> head(std::string_view stream) = 0;

    /// The first result of the append with `command_id`, marked `duplicate`;
    /// nullopt when no append carried it. Thread-safe.
    virtual result<std::optional<append_result>> find_command(std::string_view command_id) = 0;

    /// The position of the last acknowledged event. Every event up to it is
    /// visible to the reads (it moves only after its events are readable):
    /// a cache that read a stream after seeing position `p` is current
    /// while `last_position()` still is `p`.
    virtual position last_position() const = 0;

    /// The version of `stream` that the reads see (0: no stream), when the
    /// log can tell it without reading the stream (from memory); nullopt
    /// when it cannot. An event acknowledged before the call is counted. A
    /// state cache holding that version is current without a read.
    /// Thread-safe.
    virtual std::optional<std::uint64_t> readable_version(std::string_view /*stream*/)
    {
        return std::nullopt;
    }

    /// This log as a state cache when it is one (a caching log), else null:
    /// asked on every load, cheaper than a cross-cast.
    virtual state_cache* as_state_cache() noexcept { return nullptr; }
};

} // namespace portal::events
