#pragma once

/// The Kafka event log: the log of many portal instances on one Kafka
/// cluster (ARCHITECTURE.md, "Kafka").
///
/// Topics: `<prefix>.events` holds the events, one record per event (key =
/// stream id, value = the encoded envelope, partition =
/// `events::partition_for(partition key, partitions)`, infinite retention);
/// `<prefix>.commands` and `<prefix>.command-results` are created for the
/// command processors; `<prefix>.meta` (one partition, infinite retention)
/// holds the fingerprint of the instances' shared secret key
/// (`kafka_log_options::key_fingerprint`). Missing topics are created at
/// open.
///
/// Writing: every partition has exactly one writer. This instance writes the
/// partitions it owns (`kafka_log_options::owned`) through two transactional
/// producers per partition that take turns (`transactional.id`s
/// `<prefix>.events.<p>` and `<prefix>.events.<p>.alt`); opening them fences
/// the partition's previous writer, whose later commits fail. An append is
/// checked against this instance's mirror of its partition (complete up to
/// the partition's end before the first decision) and the groups it
/// committed that the mirror does not have yet, produced with the hash
/// chain and committed in one transaction; concurrent appends of a partition
/// share a transaction (group commit). With `max_groups_in_flight` > 1 the
/// writer commits the next group while earlier ones wait for the mirror;
/// appends are answered in commit order either way.
///
/// Reading: one `read_committed` consumer mirrors every partition into a
/// local RocksDB database with the embedded log's layout, so reads,
/// subscriptions, heads and command results are served locally. An append
/// returns after its events are in the mirror (read-your-writes).
///
/// Idempotency: the first result of a command id is kept in the mirror from
/// the records (the envelope carries the command id), so it survives
/// restarts and is known to every instance. A retry must name the same
/// partition key: the writers of two partitions do not coordinate.
///
/// Positions are local to an instance: the order in which it mirrored the
/// events (the events of one append stay contiguous). Stream versions, the
/// hash chains and the envelopes are the same on every instance. Across
/// instances, the consistency token is the vector of mirrored partition
/// offsets (`partition_offsets`); the API's read-your-writes token names the
/// offsets of the events a write put there (`offset_of`, `await_offset`;
/// events/position_token.hpp). For that, the mirror records each event's
/// partition and offset beside it (keys `kafka.at.*` and `kafka.pos.*` of
/// the default column family, in the same batch as the event); a mirror
/// written before it lacks them for its older events, and the two calls
/// fall back to conservative answers there.

#include "portal/events/event_log.hpp"
#include "portal/events/position_token.hpp"
#include "portal/events/time.hpp"

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace portal::infra {

/// Options of the Kafka log.
struct kafka_log_options
{
    /// Bootstrap servers, e.g. `127.0.0.1:19092`.
    std::string brokers;
    /// Topic names start with it: `<prefix>.events`, ...
    std::string topic_prefix = "portal";
    /// Partitions of the topics (created with it; existing topics must
    /// have it).
    std::uint32_t partitions = 12;
    /// Replication factor of created topics.
    int replication_factor = 1;
    /// `min.insync.replicas` of created topics.
    int min_insync_replicas = 1;
    /// This instance's name (Kafka `client.id`, log messages).
    std::string instance = "portal";
    /// The local mirror (a RocksDB database; created when missing).
    std::filesystem::path mirror_dir;
    /// Sync the mirror's WAL before acknowledging. Kafka holds the events;
    /// without sync a crash only costs re-reading them.
    bool sync = true;
    /// The partitions this instance writes; nullopt = all of them, empty =
    /// none (a reader). Opening fences their previous writers.
    std::optional<std::vector<std::uint32_t>> owned;
    /// Ownership by the command processors' consumer group instead of
    /// `owned`: the instances with this option and the same `group_id` form
    /// a consumer group on `<prefix>.commands`; the partitions assigned to
    /// an instance are the ones it writes (fenced and mirrored to their end
    /// before it decides), and it executes the commands other instances send
    /// for them. An append to a partition owned elsewhere travels through
    /// `<prefix>.commands` and waits for its result on
    /// `<prefix>.command-results` (at most `timeout`).
    bool group_ownership = false;
    /// The processors' consumer group; empty = `<prefix>.processors`.
    std::string group_id;
    /// The group's session timeout: how long a silent (crashed, paused)
    /// instance keeps its partitions before the others take them over.
    std::chrono::milliseconds session_timeout{ 10'000 };
    /// Bound of every broker operation at open and of an append (a broker
    /// that does not answer yields `log.unavailable`, never a hang).
    std::chrono::milliseconds timeout{ 30'000 };
    /// The most appends committed in one transaction.
    std::size_t max_group = 1024;
    /// The most groups of one partition committed and not yet answered:
    /// with more than 1, a partition's writer decides and commits its next
    /// group while up to this many wait until the mirror has their events
    /// (the decisions see them in the meantime), and answers them in commit
    /// order. 1 (the default): every group waits until the mirror has the
    /// last one's events. On the 2-core development machine, where CPU
    /// bounds the throughput, 2 and 4 measured no faster at 1024 clients
    /// and slower at 256 (issue #6): worth it only where the mirror wait is
    /// idle time. Bounds the appends in flight to `max_group` times this
    /// per partition.
    std::size_t max_groups_in_flight = 1;
    /// The clock for `recordedAt` and event ids; the system clock if empty.
    std::function<timestamp()> clock;
    /// A fingerprint of the secret key the instance derives login ids,
    /// tokens and PINs from (never the key): when set, the log checks it
    /// against the first one recorded in `<prefix>.meta` (recording it on a
    /// new cluster) and refuses to open with `kafka.key_mismatch` when it
    /// differs. Empty: no check.
    std::string key_fingerprint;
    /// For tests only: called on the mirror's thread before it applies
    /// each batch it read (it may block there, holding the mirror back).
    /// Empty: none.
    std::function<void()> before_mirror_batch;
};

/// The Kafka log: the event log port plus the cross-instance consistency
/// token.
class kafka_log : public events::event_log
{
  public:
    /// For each partition of the events topic (index = partition), the
    /// offset up to which this instance has mirrored it (the next offset it
    /// reads). Another instance that has mirrored at least these offsets has
    /// every event this one has. Thread-safe.
    virtual std::vector<std::int64_t> partition_offsets() const = 0;

    /// Waits until this instance has mirrored at least `offsets` (from
    /// `partition_offsets` of any instance). Errors: `log.unavailable` when
    /// `timeout` passes first. Thread-safe.
    virtual result<void> wait_for_offsets(const std::vector<std::int64_t>& offsets,
                                          std::chrono::milliseconds timeout) = 0;

    /// Waits until this instance has mirrored every partition up to the
    /// end the broker reports now (every event committed before the call)
    /// and returns the last local position then. Asks the broker for each
    /// partition's end. Errors: `log.timeout` (unavailable) when `deadline`
    /// passes first; the mirror's failure or `log.unavailable` when the
    /// broker does not answer. Thread-safe.
    virtual result<events::position> await_end(std::chrono::steady_clock::time_point deadline) = 0;

    /// The partitions this instance writes now (ascending). Thread-safe.
    virtual std::vector<std::uint32_t> owned_partitions() const = 0;

    /// The partition and offset in the events topic of the event at this
    /// instance's position `p`: what another instance waits for to have
    /// that event. nullopt for position 0, a position not mirrored yet, and
    /// an event mirrored before the mirror recorded offsets. Thread-safe.
    virtual result<std::optional<events::partition_offset>> offset_of(events::position p) = 0;

    /// Waits until this instance has mirrored the event at `at` (its
    /// partition past `at.offset`) and returns a local position whose
    /// events include it: the position of the last event of the partition
    /// at or before that offset (0 when there is none; the last position
    /// when the mirror has no offsets recorded there). Asks the broker for
    /// the partition's end only when the mirror is not there yet.
    /// Errors: `log.invalid_request` (invalid) for a partition the topic
    /// lacks or a negative offset; `log.beyond_end` (invalid) when the
    /// offset is at or beyond the partition's end (no write returned it);
    /// `log.timeout` (unavailable) when `deadline` passes first; the
    /// mirror's failure or `log.unavailable` when the broker does not
    /// answer. Thread-safe.
    virtual result<events::position> await_offset(
      events::partition_offset at,
      std::chrono::steady_clock::time_point deadline) = 0;
};

/// Opens the Kafka log: creates missing topics, opens the mirror, fences
/// and claims the owned partitions and mirrors each of them to its end.
///
/// Errors: `log.unavailable` when the brokers do not answer within the
/// timeout; `kafka.topic_mismatch` (invalid) when an existing topic has
/// another partition count; `kafka.key_mismatch` (invalid) when
/// `key_fingerprint` differs from the cluster's; `log.mirror_mismatch`
/// (invalid) when the mirror directory belongs to another topic;
/// `log.fenced` (unavailable) when another instance fenced this one while it
/// opened; `log.invalid_request` (invalid) for bad options; the mirror's
/// `log.locked`, `log.newer_format`.
///
/// Without `group_ownership`, appends to a partition this instance does not
/// own fail with `log.not_owner` (unavailable); appends of a fenced
/// partition with `log.fenced` (unavailable), and are never acknowledged.
/// With it, such appends go to the partition's owner through the commands
/// topic; when no owner answers in time they fail with `log.unavailable`
/// (the outcome is unknown: retry with the same command id).
result<std::unique_ptr<kafka_log>> open_kafka_log(kafka_log_options options);

/// The on-disk format version of the mirror.
inline constexpr int k_kafka_mirror_format = 1;

/// Record headers of the events topic (docs/analytics.md).
namespace kafka_headers {
inline constexpr const char* type = "type";                   ///< `report.submitted`
inline constexpr const char* stream = "stream";               ///< stream id
inline constexpr const char* version = "version";             ///< stream version, decimal
inline constexpr const char* partition_key = "partition-key"; ///< consistency root
inline constexpr const char* command_id = "command-id";       ///< idempotency key, may be empty
inline constexpr const char* append_index = "append-index";   ///< 0-based index in its append
inline constexpr const char* append_count = "append-count";   ///< events of its append
inline constexpr const char* content_type = "content-type";   ///< of the value
} // namespace kafka_headers

} // namespace portal::infra
