#include "portal/infra/caching_log.hpp"

#include "portal/infra/kv_store.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <functional>
#include <list>
#include <mutex>
#include <string>
#include <unordered_map>

namespace portal::infra {

namespace {

class lru_caching_log final : public caching_log
{
  public:
    lru_caching_log(events::event_log& inner, std::size_t capacity, snapshot_options snapshots)
      : inner_(inner)
      , snapshots_(snapshots)
    {
        capacity = std::max<std::size_t>(capacity, 1);
        // Large caches are sharded (readers of different streams do not
        // wait for each other); small ones keep one exact LRU order.
        shard_count_ = capacity >= k_shards * k_min_per_shard ? k_shards : 1;
        shard_capacity_ = (capacity + shard_count_ - 1) / shard_count_;
    }

    // --- the port: forwarded ---

    result<events::append_result> append(events::append_request request) override
    {
        return inner_.append(std::move(request));
    }
    result<std::vector<events::recorded_event>> read_stream(std::string_view stream,
                                                            std::uint64_t from_version,
                                                            std::size_t max) override
    {
        return inner_.read_stream(stream, from_version, max);
    }
    result<std::vector<events::recorded_event>> read_all(events::position after,
                                                         std::size_t max) override
    {
        return inner_.read_all(after, max);
    }
    result<std::vector<events::recorded_event>> read_all_stored(events::position after,
                                                                std::size_t max) override
    {
        return inner_.read_all_stored(after, max);
    }
    std::uint64_t erasure_epoch() const override { return inner_.erasure_epoch(); }
    result<std::unique_ptr<events::subscription>> subscribe(events::position after,
                                                            events::event_handler handler) override
    {
        return inner_.subscribe(after, std::move(handler));
    }
    result<events::stream_head> head(std::string_view stream) override
    {
        return inner_.head(stream);
    }
    result<std::optional<events::append_result>> find_command(std::string_view command_id) override
    {
        return inner_.find_command(command_id);
    }
    events::position last_position() const override { return inner_.last_position(); }
    std::optional<std::uint64_t> readable_version(std::string_view stream) override
    {
        return inner_.readable_version(stream);
    }

    // --- the cache ---

    std::optional<entry> find_state(std::string_view stream, std::type_index type) override
    {
        observe_erasures();
        const auto& k = key(stream, type);
        auto& s = shard_of(k);
        std::lock_guard lock(s.mu);
        auto it = s.index.find(k);
        if (it == s.index.end()) {
            ++s.misses;
            return std::nullopt;
        }
        ++s.hits;
        s.lru.splice(s.lru.begin(), s.lru, it->second);
        return it->second->value;
    }

    void store_state(std::string_view stream, std::type_index type, entry e) override
    {
        if (erased_since_load()) {
            return;
        }
        const auto& k = key(stream, type);
        auto& s = shard_of(k);
        std::lock_guard lock(s.mu);
        if (auto it = s.index.find(k); it != s.index.end()) {
            const auto& cur = it->second->value;
            if (cur.version < e.version ||
                (cur.version == e.version && cur.checked_at < e.checked_at)) {
                it->second->value = std::move(e);
            }
            s.lru.splice(s.lru.begin(), s.lru, it->second);
            return;
        }
        s.lru.push_front(node{ k, std::move(e) });
        s.index.emplace(k, s.lru.begin());
        while (s.lru.size() > shard_capacity_) {
            s.index.erase(s.lru.back().key);
            s.lru.pop_back();
        }
    }

    // --- the snapshots ---

    std::uint64_t snapshot_interval() const override
    {
        return snapshots_.store != nullptr ? snapshots_.interval : 0;
    }

    std::optional<snapshot> find_snapshot(std::string_view stream, std::string_view tag) override
    {
        observe_erasures();
        if (snapshots_.store == nullptr) {
            return std::nullopt;
        }
        auto value = snapshots_.store->get(snapshot_key(stream, tag));
        if (!value) {
            spdlog::warn("snapshot of {}: {}", stream, value.error().message);
            return std::nullopt;
        }
        if (!*value || (*value)->size() < 8) {
            return std::nullopt;
        }
        std::uint64_t version = 0;
        for (int i = 0; i < 8; ++i) {
            version = (version << 8) | static_cast<unsigned char>((**value)[i]);
        }
        snapshots_read_.fetch_add(1, std::memory_order_relaxed);
        return snapshot{ (*value)->substr(8), version };
    }

    void store_snapshot(std::string_view stream, std::string_view tag, snapshot s) override
    {
        if (erased_since_load()) {
            return;
        }
        if (snapshots_.store == nullptr) {
            return;
        }
        std::string value(8, '\0');
        for (int i = 0; i < 8; ++i) {
            value[i] = static_cast<char>(s.version >> (56 - 8 * i));
        }
        value += s.bytes;
        write_batch batch;
        batch.put(snapshot_key(stream, tag), value);
        // Unsynced: a snapshot lost in a crash is only a slower load.
        if (auto written = snapshots_.store->write(batch, false); !written) {
            spdlog::warn("snapshot of {}: {}", stream, written.error().message);
            return;
        }
        snapshots_written_.fetch_add(1, std::memory_order_relaxed);
    }

    state_cache_stats stats() const override
    {
        state_cache_stats out{};
        for (std::size_t i = 0; i < shard_count_; ++i) {
            const auto& s = shards_[i];
            std::lock_guard lock(s.mu);
            out.hits += s.hits;
            out.misses += s.misses;
            out.entries += s.lru.size();
        }
        out.snapshots_read = snapshots_read_.load(std::memory_order_relaxed);
        out.snapshots_written = snapshots_written_.load(std::memory_order_relaxed);
        return out;
    }

    void clear() override
    {
        for (std::size_t i = 0; i < shard_count_; ++i) {
            auto& s = shards_[i];
            std::lock_guard lock(s.mu);
            s.index.clear();
            s.lru.clear();
        }
    }

  private:
    // --- erasures ---
    // States and snapshots hold personal data as the log gave it. When the
    // log destroys subject keys, every state and snapshot goes (erasures
    // are rare; a state is folded again from the log, whose erased fields
    // now read empty). A state loaded before an erasure and stored after it
    // is not kept: the thread remembers the epoch it last looked up under.

    static std::uint64_t& load_epoch()
    {
        thread_local std::uint64_t epoch = 0;
        return epoch;
    }

    void observe_erasures()
    {
        auto now = inner_.erasure_epoch();
        load_epoch() = now;
        if (now == seen_epoch_.load(std::memory_order_acquire)) {
            return;
        }
        std::lock_guard lock(erasure_mu_);
        if (now == seen_epoch_.load(std::memory_order_acquire)) {
            return;
        }
        clear();
        if (snapshots_.store != nullptr) {
            write_batch batch;
            batch.erase_prefix(k_snapshot_prefix);
            if (auto dropped = snapshots_.store->write(batch, true); !dropped) {
                spdlog::warn("dropping the snapshots after an erasure: {}",
                             dropped.error().message);
            }
        }
        seen_epoch_.store(now, std::memory_order_release);
    }

    bool erased_since_load() const { return inner_.erasure_epoch() != load_epoch(); }

    struct node
    {
        std::string key;
        entry value;
    };

    static std::string snapshot_key(std::string_view stream, std::string_view tag)
    {
        std::string k(k_snapshot_prefix);
        k += stream;
        k.push_back('\0');
        k += tag;
        return k;
    }

    /// The cache key of a stream's state of one type, built in a buffer of
    /// the calling thread (no allocation per lookup once it has grown).
    static const std::string& key(std::string_view stream, std::type_index type)
    {
        thread_local std::string k;
        k.assign(stream);
        k.push_back('\0');
        k += type.name();
        return k;
    }

    struct alignas(64) shard
    {
        mutable std::mutex mu;
        std::list<node> lru;
        std::unordered_map<std::string, std::list<node>::iterator> index;
        std::uint64_t hits = 0;
        std::uint64_t misses = 0;
    };

    shard& shard_of(const std::string& k)
    {
        return shard_count_ == 1 ? shards_[0] : shards_[std::hash<std::string>{}(k) % k_shards];
    }

    static constexpr std::size_t k_shards = 16;
    static constexpr std::size_t k_min_per_shard = 256;

    events::event_log& inner_;
    snapshot_options snapshots_;
    std::size_t shard_count_ = 1;
    std::size_t shard_capacity_ = 1;
    std::array<shard, k_shards> shards_;
    std::atomic<std::uint64_t> snapshots_read_{ 0 };
    std::mutex erasure_mu_;
    std::atomic<std::uint64_t> seen_epoch_{ 0 };
    std::atomic<std::uint64_t> snapshots_written_{ 0 };
};

} // namespace

std::unique_ptr<caching_log>
make_caching_log(events::event_log& inner, std::size_t capacity, snapshot_options snapshots)
{
    return std::make_unique<lru_caching_log>(inner, capacity, snapshots);
}

} // namespace portal::infra
