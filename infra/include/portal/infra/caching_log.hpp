#pragma once

/// An event log decorator that also caches folded aggregate states
/// (`events::state_cache`), so the command path does not replay a long
/// stream from its start on every command. Bounded (least recently used
/// entries go first); thread-safe. Every port call goes to the inner log.
///
/// With a snapshot store, states are also persisted as snapshots
/// (`snap/<stream>\0<tag>` -> 8-byte big-endian version + encoded state)
/// every `snapshot_interval` events of a stream, so a restarted process or a
/// state that fell out of memory does not replay its stream from the start.

#include "portal/events/event_log.hpp"
#include "portal/events/state_cache.hpp"

#include <cstddef>
#include <memory>
#include <string_view>

namespace portal::infra {

/// Hit and miss counts of the cache.
struct state_cache_stats
{
    std::uint64_t hits = 0;
    std::uint64_t misses = 0;
    std::size_t entries = 0;
    std::uint64_t snapshots_read = 0;    ///< loads that started from a snapshot
    std::uint64_t snapshots_written = 0; ///< snapshots persisted
};

class kv_store;

/// Where and how often states are persisted.
struct snapshot_options
{
    /// The store of the snapshots (e.g. the read-model store); none = no
    /// snapshots. Must outlive the log.
    kv_store* store = nullptr;
    /// Persist after this many new events of a stream.
    std::uint64_t interval = 100;
};

/// The key prefix of the snapshots in their store.
inline constexpr std::string_view k_snapshot_prefix = "snap/";

class caching_log
  : public events::event_log
  , public events::state_cache
{
  public:
    events::state_cache* as_state_cache() noexcept final { return this; }

    virtual state_cache_stats stats() const = 0;
    /// Drops every cached state (changes no result).
    virtual void clear() = 0;
};

/// Wraps `inner` (which must outlive the result). The cache holds about
/// `capacity` streams' states, least recently used dropped first: from 4096
/// on in 16 shards by stream (each its own lock and LRU order, at most a
/// 16th of `capacity`), below that in one.
std::unique_ptr<caching_log> make_caching_log(events::event_log& inner,
                                              std::size_t capacity,
                                              snapshot_options snapshots = {});

} // namespace portal::infra
