#include "http/view_cache.hpp"

namespace portal::gateway {

result<std::shared_ptr<const std::string>>
view_cache::get(const std::string& key,
                std::uint64_t stamp,
                const std::function<result<std::string>()>& compute)
{
    {
        std::lock_guard lock(mu_);
        if (auto it = entries_.find(key); it != entries_.end() && it->second.stamp == stamp) {
            ++hits_;
            return it->second.body;
        }
        ++misses_;
    }
    // Computed outside the lock: two requests may compute the same view;
    // both results are equal.
    auto body = compute();
    if (!body) {
        return fail(std::move(body.error()));
    }
    auto shared = std::make_shared<const std::string>(std::move(*body));
    std::lock_guard lock(mu_);
    auto& slot = entries_[key];
    if (slot.body == nullptr || slot.stamp <= stamp) {
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
