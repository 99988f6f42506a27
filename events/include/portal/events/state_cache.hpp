#pragma once

/// A cache of folded aggregate states, keyed by stream. An event log that
/// also implements this interface (see infra/caching_log.hpp) makes
/// `domain::load` start from the cached state and read only the events
/// after its version. The cache only accelerates: the log stays the truth,
/// every load still reads the stream's newer events, and clearing the cache
/// changes no result.

#include <cstdint>
#include <memory>
#include <optional>
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
    };

    virtual ~state_cache() = default;

    /// The cached state of `stream` of type `type`, if any. Thread-safe.
    virtual std::optional<entry> find_state(std::string_view stream, std::type_index type) = 0;

    /// Keeps `e` for `stream` unless a newer version is cached. Thread-safe.
    virtual void store_state(std::string_view stream, std::type_index type, entry e) = 0;
};

} // namespace portal::events
