#include "portal/infra/caching_log.hpp"

#include "portal/infra/kv_store.hpp"

#include <spdlog/spdlog.h>

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
      , capacity_(capacity == 0 ? 1 : capacity)
      , snapshots_(snapshots)
    {
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
        std::lock_guard lock(mu_);
        auto it = index_.find(key(stream, type));
        if (it == index_.end()) {
            ++misses_;
            return std::nullopt;
        }
        ++hits_;
        lru_.splice(lru_.begin(), lru_, it->second);
        return it->second->value;
    }

    void store_state(std::string_view stream, std::type_index type, entry e) override
    {
        std::lock_guard lock(mu_);
        auto k = key(stream, type);
        if (auto it = index_.find(k); it != index_.end()) {
            const auto& cur = it->second->value;
            if (cur.version < e.version ||
                (cur.version == e.version && cur.checked_at < e.checked_at)) {
                it->second->value = std::move(e);
            }
            lru_.splice(lru_.begin(), lru_, it->second);
            return;
        }
        lru_.push_front(node{ k, std::move(e) });
        index_.emplace(std::move(k), lru_.begin());
        while (lru_.size() > capacity_) {
            index_.erase(lru_.back().key);
            lru_.pop_back();
        }
    }

    // --- the snapshots ---

    std::uint64_t snapshot_interval() const override
    {
        return snapshots_.store != nullptr ? snapshots_.interval : 0;
    }

    std::optional<snapshot> find_snapshot(std::string_view stream, std::string_view tag) override
    {
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
        std::lock_guard lock(mu_);
        ++snapshots_read_;
        return snapshot{ (*value)->substr(8), version };
    }

    void store_snapshot(std::string_view stream, std::string_view tag, snapshot s) override
    {
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
        std::lock_guard lock(mu_);
        ++snapshots_written_;
    }

    state_cache_stats stats() const override
    {
        std::lock_guard lock(mu_);
        return { hits_, misses_, lru_.size(), snapshots_read_, snapshots_written_ };
    }

    void clear() override
    {
        std::lock_guard lock(mu_);
        index_.clear();
        lru_.clear();
    }

  private:
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

    static std::string key(std::string_view stream, std::type_index type)
    {
        std::string k(stream);
        k.push_back('\0');
        k += type.name();
        return k;
    }

    events::event_log& inner_;
    std::size_t capacity_;
    snapshot_options snapshots_;
    mutable std::mutex mu_;
    std::list<node> lru_;
    std::unordered_map<std::string, std::list<node>::iterator> index_;
    std::uint64_t hits_ = 0;
    std::uint64_t misses_ = 0;
    std::uint64_t snapshots_read_ = 0;
    std::uint64_t snapshots_written_ = 0;
};

} // namespace

std::unique_ptr<caching_log>
make_caching_log(events::event_log& inner, std::size_t capacity, snapshot_options snapshots)
{
    return std::make_unique<lru_caching_log>(inner, capacity, snapshots);
}

} // namespace portal::infra
