#pragma once

/// Shared by the event log adapters (private to infra): the RocksDB layout of
/// a log (column families `events`, `streams`, `heads`, `commands`; the
/// default family holds markers), its key and value encodings, the checks of
/// an append against the committed heads, the building of hash-chained
/// envelopes, and `log_store`: the read side of a log (reads, heads, command
/// results, subscriptions) over such a database. The embedded log writes it
/// from its own group commit; the Kafka log writes it from its mirror of the
/// events topic.

#include "portal/events/event_log.hpp"
#include "portal/events/message.hpp"
#include "portal/events/time.hpp"
#include "portal/infra/personal_seal.hpp"

#include <rocksdb/db.h>
#include <rocksdb/write_batch.h>

#include <atomic>
#include <condition_variable>
#include <filesystem>
#include <functional>
#include <list>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <span>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <vector>

namespace portal::infra::detail {

void put_be64(std::string& out, std::uint64_t v);
std::uint64_t get_be64(std::string_view in);

/// Key of `events`: the big-endian position.
std::string position_key(std::uint64_t pos);
/// Key prefix of a stream's entries in `streams`: the stream and a NUL.
std::string stream_prefix(std::string_view stream);
/// Key of `streams`: stream, NUL, big-endian version.
std::string stream_key(std::string_view stream, std::uint64_t version);

std::string encode_head(const events::stream_head& head);
std::optional<events::stream_head> decode_head(std::string_view in);
/// A command's first result; decoded with `duplicate` set.
std::string encode_result(const events::append_result& r);
std::optional<events::append_result> decode_result(std::string_view in);

/// `log.unavailable` for a failed RocksDB call.
error storage_error(const rocksdb::Status& s, std::string_view what);

/// The system clock in microseconds.
timestamp system_now();

/// Validates the shape of an append (`log.invalid_request`) and decodes its
/// payloads (`codec.malformed`).
result<std::vector<events::event_payload>> validate_append(const events::append_request& request);

/// The head of a stream as a writer sees it (staged, cached or stored).
using head_lookup = std::function<result<events::stream_head>(const std::string& stream)>;

/// Checks an append against the heads a single writer sees: the stream and
/// every checked stream keep their partition key (`log.partition_mismatch`)
/// and are at the expected versions (`log.wrong_expected_version`). Returns
/// the stream's current head.
result<events::stream_head> check_append(const events::append_request& request,
                                         const head_lookup& head_of);

/// Builds the envelope of one event at `version` of the request's stream,
/// chained to `prev_hash` (empty for version 1), its personal data sealed
/// with the keys `keys` gives (none: stored as it is). Returns its encoded
/// bytes.
std::string build_envelope(const events::append_request& request,
                           const events::event_payload& payload,
                           std::uint64_t version,
                           std::string_view prev_hash,
                           timestamp now,
                           const subject_key_for* keys = nullptr);

class log_subscription;

/// Events that subscriptions share: read from RocksDB once, immutable.
using event_chunk = std::shared_ptr<const std::vector<events::recorded_event>>;

/// A subscription's next events: part of a shared chunk (kept alive by
/// `chunk`). Empty when nothing is committed after the position asked for.
struct shared_events
{
    event_chunk chunk;
    std::span<const events::recorded_event> events;
};

/// How often subscriptions read the log and how often they took a chunk
/// another subscription had read.
struct chunk_stats
{
    std::uint64_t reads = 0;  ///< chunks read from RocksDB
    std::uint64_t shared = 0; ///< reads answered from a cached chunk
};

/// The chunks of the log that subscriptions read last, shared among them:
/// subscriptions at the same position (all of them at the log's end after a
/// commit; runners rebuilding from 0 together) read RocksDB once. Committed
/// events never change, so a chunk stays valid; it may end before the log's
/// committed end (the subscriber reads again after it). A read that another
/// thread is already doing for the same position is waited for, not
/// repeated. Bounded by `k_max_chunks` and `k_max_bytes` (least recently
/// used dropped first); a chunk a subscriber still holds lives on until it
/// lets go. Thread-safe.
class chunk_cache
{
  public:
    /// Events per chunk (what a subscription reads at a time).
    static constexpr std::size_t k_chunk_events = 1024;
    static constexpr std::size_t k_max_chunks = 64;
    static constexpr std::size_t k_max_bytes = std::size_t{ 32 } << 20;

    using reader = std::function<result<std::vector<events::recorded_event>>(events::position)>;

    /// The events after `after` from a cached chunk that holds the next one,
    /// else from `read(after)` (at most `k_chunk_events`), then cached.
    result<shared_events> get(events::position after, const reader& read);
    /// Drops every cached chunk (holders keep theirs); a read in flight
    /// keeps its chunk to itself.
    void clear();
    chunk_stats stats() const;

  private:
    struct entry
    {
        events::position after; ///< the chunk holds the events after it
        events::position last;  ///< its last event's
        event_chunk chunk;      ///< null while being read
        std::size_t bytes = 0;
        std::uint64_t used = 0;
    };

    mutable std::mutex mu_;
    std::condition_variable loaded_cv_;
    std::vector<entry> entries_;
    std::size_t bytes_ = 0;
    std::uint64_t tick_ = 0;
    std::uint64_t generation_ = 0; ///< raised by `clear`
    chunk_stats stats_;
};

/// A log's RocksDB database and its read side. Writers put their batches
/// through `commit`, which publishes the new last position to readers and
/// subscriptions. Thread-safe.
class log_store
{
  public:
    /// Opens (or creates) the database in `dir` and checks (or writes) its
    /// format marker against `format`. Errors: `log.locked`,
    /// `log.newer_format`, `log.unavailable`.
    static result<std::unique_ptr<log_store>> open(const std::filesystem::path& dir,
                                                   bool sync,
                                                   int format);
    ~log_store();
    log_store(const log_store&) = delete;
    log_store& operator=(const log_store&) = delete;

    rocksdb::DB& db() { return *db_; }
    rocksdb::ColumnFamilyHandle* cf_default() const { return handles_[0]; }
    rocksdb::ColumnFamilyHandle* cf_events() const { return handles_[1]; }
    rocksdb::ColumnFamilyHandle* cf_streams() const { return handles_[2]; }
    rocksdb::ColumnFamilyHandle* cf_heads() const { return handles_[3]; }
    rocksdb::ColumnFamilyHandle* cf_commands() const { return handles_[4]; }
    /// Subject keys of sealed personal data: subject -> 32-byte key, or an
    /// empty value once the subject was erased (kept, so that no new key is
    /// made for it).
    rocksdb::ColumnFamilyHandle* cf_keys() const { return handles_[5]; }

    /// The stored key of a subject. Present keys are cached in memory (a
    /// key never changes; an erasure empties the cache).
    subject_key subject_key_of(std::string_view subject);

    /// After a commit that erased subjects: readers see their personal data
    /// empty from now on. Drops the shared chunks (they hold unsealed
    /// events), raises `erasure_epoch`, and purges the destroyed keys from
    /// the files in the background (flush, then compaction of `keys`).
    void erasures_committed();
    /// How many commits erased subjects (state caches drop what they hold
    /// when it changes).
    std::uint64_t erasure_epoch() const { return erasure_epoch_.load(std::memory_order_acquire); }

    /// The last position on disk (recomputed from the `events` family).
    std::uint64_t stored_last_position();

    /// Writes `batch` (synced when the store syncs) and publishes
    /// `last_position` to readers. On failure nothing is published.
    result<void> commit(rocksdb::WriteBatch& batch, std::uint64_t last_position);

    /// Reloads the published position from disk (after a failed commit).
    void reload_position();

    result<std::vector<events::recorded_event>> read_stream(std::string_view stream,
                                                            std::uint64_t from_version,
                                                            std::size_t max);
    result<std::vector<events::recorded_event>> read_all(events::position after, std::size_t max);
    /// Like `read_all`, but the bytes as stored: personal data stays sealed
    /// (what the hash chains cover).
    result<std::vector<events::recorded_event>> read_all_stored(events::position after,
                                                                std::size_t max);
    result<std::unique_ptr<events::subscription>> subscribe(events::position after,
                                                            events::event_handler handler);
    /// For subscriptions: the events after `after` through the shared
    /// chunks; empty (and no read) when nothing is committed after it.
    result<shared_events> read_shared(events::position after);
    /// The reads of subscriptions so far.
    chunk_stats subscription_reads() const { return chunks_.stats(); }
    result<events::stream_head> head(std::string_view stream);
    result<std::optional<events::append_result>> find_command(std::string_view command_id);
    /// The position of `stream` at `version`; nullopt when not stored.
    result<std::optional<events::position>> position_of(std::string_view stream,
                                                        std::uint64_t version);
    events::position last_position() const
    {
        return events::position{ committed_.load(std::memory_order_acquire) };
    }

    /// Stops every subscription; later `subscribe` calls fail.
    void close_subscriptions();

    // For subscriptions.
    void wait_for_more(events::position after, const std::atomic<bool>& stopping);
    void wake_subscribers();
    void forget(log_subscription* sub);

  private:
    log_store(std::unique_ptr<rocksdb::DB> db,
              std::vector<rocksdb::ColumnFamilyHandle*> handles,
              bool sync);

    result<std::vector<events::recorded_event>> read_events(events::position after,
                                                            std::size_t max,
                                                            bool unseal);
    /// The envelope as readers see it (personal data unsealed).
    result<std::string> unsealed(std::string_view stored);
    void purge_loop();
    void purge_destroyed_keys();

    std::unique_ptr<rocksdb::DB> db_;
    std::vector<rocksdb::ColumnFamilyHandle*> handles_;
    rocksdb::WriteOptions write_options_;

    std::atomic<std::uint64_t> erasure_epoch_{ 0 };
    struct key_hash
    {
        using is_transparent = void;
        std::size_t operator()(std::string_view s) const noexcept
        {
            return std::hash<std::string_view>{}(s);
        }
    };
    /// Present subject keys read before; cleared when full and on every
    /// erasure (with `erasure_epoch_` raised under the same lock, so a read
    /// from before an erasure is never cached after it).
    std::shared_mutex keys_mu_;
    std::unordered_map<std::string, std::string, key_hash, std::equal_to<>> key_cache_;
    static constexpr std::size_t k_max_cached_keys = 100'000;
    std::mutex purge_mu_;
    std::condition_variable purge_cv_;
    bool purge_requested_ = false;
    bool purge_stopping_ = false;
    std::thread purge_thread_;

    std::atomic<std::uint64_t> committed_{ 0 };
    chunk_cache chunks_;
    std::mutex commit_mu_;
    std::condition_variable commit_cv_;

    std::mutex subs_mu_;
    std::list<log_subscription*> subscriptions_;
    bool closing_ = false;
};

} // namespace portal::infra::detail
