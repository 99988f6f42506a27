#pragma once

/// An event log decorator that also caches folded aggregate states
/// (`events::state_cache`), so the command path does not replay a long
/// stream from its start on every command. Bounded (least recently used
/// entries go first); thread-safe. Every port call goes to the inner log.

#include "portal/events/event_log.hpp"
#include "portal/events/state_cache.hpp"

#include <cstddef>
#include <memory>

namespace portal::infra {

/// Hit and miss counts of the cache.
struct state_cache_stats
{
    std::uint64_t hits = 0;
    std::uint64_t misses = 0;
    std::size_t entries = 0;
};

class caching_log
  : public events::event_log
  , public events::state_cache
{
  public:
    /// The cache holds at most `capacity` streams' states.
    virtual state_cache_stats stats() const = 0;
    /// Drops every cached state (changes no result).
    virtual void clear() = 0;
};

/// Wraps `inner` (which must outlive the result).
std::unique_ptr<caching_log> make_caching_log(events::event_log& inner, std::size_t capacity);

} // namespace portal::infra
