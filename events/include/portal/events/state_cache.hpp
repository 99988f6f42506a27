#pragma once

/// A cache of folded aggregate states, keyed by stream. An event log that
/// also implements this interface (see infra/caching_log.hpp) makes
/// `domain::load` start from the cached state and read only the events
/// after its version. The cache only accelerates: the log stays the truth,
/// every load still reads the stream's newer events, and clearing the cache
/// changes no result.
///
/// A cache may also keep snapshots: encoded states persisted (in RocksDB)
/// every `snapshot_interval()` events of a stream, so a state that fell out
/// of memory, or a restarted process, folds only the events after the
/// snapshot. Snapshots are caches too: deleting them changes no result.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <typeindex>

namespace portal::events {

class state_cache
{
  public:
    /// A folded state (type-erased) and the stream version it includes.
    struct entry
    {
        std::shared_ptr<const void> state;
        std::uint64_t version = 0;
        /// The version of the stream's newest persisted snapshot (0: none).
        std::uint64_t snapshot_version = 0;
        /// The log's `last_position()` read before the stream was last read
        /// up to `version`: while the log is still there, nothing was
        /// appended since and the state is current without a read.
        std::uint64_t checked_at = 0;
    };

    /// An encoded state and the stream version it includes.
    struct snapshot
    {
        std::string bytes;
        std::uint64_t version = 0;
    };

    virtual ~state_cache() = default;

    /// The cached state of `stream` of type `type`, if any. Thread-safe.
    virtual std::optional<entry> find_state(std::string_view stream, std::type_index type) = 0;

    /// Keeps `e` for `stream` unless a newer version (or the same version
    /// confirmed later) is cached. Thread-safe.
    virtual void store_state(std::string_view stream, std::type_index type, entry e) = 0;

    /// Persist a snapshot once a stream has this many events more than its
    /// last snapshot; 0 = the cache keeps no snapshots.
    virtual std::uint64_t snapshot_interval() const { return 0; }

    /// The persisted snapshot of `stream` with `tag` (the state type's
    /// shape), if any. Thread-safe; a storage failure counts as none.
    virtual std::optional<snapshot> find_snapshot(std::string_view /*stream*/,
                                                  std::string_view /*tag*/)
    {
        return std::nullopt;
    }

    /// Persists `s` for `stream` with `tag` (replacing an older one).
    /// Thread-safe; best effort: a failure only costs speed.
    virtual void store_snapshot(std::string_view /*stream*/,
                                std::string_view /*tag*/,
                                snapshot /*s*/)
    {
    }
};

} // namespace portal::events
