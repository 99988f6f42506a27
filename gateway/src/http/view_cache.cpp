#include "http/view_cache.hpp"

namespace portal::gateway {

result<std::shared_ptr<const cached_view>>
view_cache::get(const std::string& key,
                std::uint64_t stamp,
                const std::function<result<cached_view>()>& compute)
{
    {
        std::lock_guard lock(mu_);
        if (auto it = entries_.find(key); it != entries_.end() && it->second.stamp == stamp) {
            ++hits_;
            return it->second.view;
        }
        ++misses_;
    }
    // Computed outside the lock: two requests may compute the same view;
    // both results are equal.
    auto computed = compute();
    if (!computed) {
        return fail(std::move(computed.error()));
    }
    auto shared = std::make_shared<const cached_view>(std::move(*computed));
    std::lock_guard lock(mu_);
    auto& slot = entries_[key];
    if (slot.view == nullptr || slot.stamp <= stamp) {
        slot = { stamp, shared };
    }
    if (entries_.size() > capacity_) {
        entries_.clear();
    }
    return shared;
}

std::uint64_t
view_cache::hits() const
{
    std::lock_guard lock(mu_);
    return hits_;
}

std::uint64_t
view_cache::misses() const
{
    std::lock_guard lock(mu_);
    return misses_;
}

} // namespace portal::gateway
