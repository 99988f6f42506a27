#pragma once

/// Memoised read-model queries. A view (e.g. a company dashboard) is a pure
/// function of the read models, its key (ids, today's date) and nothing
/// else; the read models change only when a projection runner commits. So a
/// view's serialised body is reused while no runner moved since it was
/// computed: `stamp` is the sum of the runners' committed positions, read
/// before computing (positions only grow, so any commit changes the sum; a
/// commit during the computation makes the stored stamp old, never wrong).
/// Authorisation is not cached: handlers check the viewer first, for every
/// request.
///
/// Bounded (cleared when full); thread-safe.

#include "portal/events/error.hpp"

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

namespace portal::gateway {

/// A serialised view and its entity tag (empty: none).
struct cached_view
{
    std::string body;
    std::string etag;
};

class view_cache
{
  public:
    explicit view_cache(std::size_t capacity = 4096)
      : capacity_(capacity == 0 ? 1 : capacity)
    {
    }

    /// The view stored for `key` at `stamp`, else `compute()`'s (stored
    /// for `stamp` when it succeeds).
    result<std::shared_ptr<const cached_view>> get(
      const std::string& key,
      std::uint64_t stamp,
      const std::function<result<cached_view>()>& compute);

    /// Hits and misses so far.
    std::uint64_t hits() const;
    std::uint64_t misses() const;

  private:
    struct entry
    {
        std::uint64_t stamp = 0;
        std::shared_ptr<const cached_view> view;
    };
    std::size_t capacity_;
    mutable std::mutex mu_;
    std::unordered_map<std::string, entry> entries_;
    std::uint64_t hits_ = 0;
    std::uint64_t misses_ = 0;
};

} // namespace portal::gateway
