#include "portal/infra/embedded_log.hpp"

#include "log_store.hpp"
#include "portal/events/message.hpp"
#include "portal/infra/crypto.hpp"

#include <rocksdb/write_batch.h>
#include <spdlog/spdlog.h>

#include <condition_variable>
#include <deque>
#include <future>
#include <mutex>
#include <thread>
#include <unordered_map>

namespace portal::infra {

using events::append_request;
using events::append_result;
using events::event_payload;
using events::position;
using events::recorded_event;
using events::stream_head;

namespace {

using detail::log_store;

/// One append waiting for the writer.
struct pending
{
    append_request request;
    std::vector<event_payload> payloads;
    std::promise<result<append_result>> done;
};

class rocks_log final : public events::event_log
{
  public:
    rocks_log(embedded_log_options options, std::unique_ptr<log_store> store)
      : options_(std::move(options))
      , store_(std::move(store))
    {
        if (!options_.clock) {
            options_.clock = detail::system_now;
        }
        next_position_ = store_->last_position().value + 1;
        writer_ = std::thread([this] { write_loop(); });
    }

    ~rocks_log() override
    {
        store_->close_subscriptions();
        {
            std::lock_guard lock(queue_mu_);
            stopping_ = true;
        }
        queue_cv_.notify_all();
        writer_.join();
    }

    result<append_result> append(append_request request) override
    {
        auto payloads = detail::validate_append(request);
        if (!payloads) {
            return fail(std::move(payloads.error()));
        }
        auto item = std::make_unique<pending>();
        item->payloads = std::move(*payloads);
        item->request = std::move(request);
        auto future = item->done.get_future();
        {
            std::lock_guard lock(queue_mu_);
            if (stopping_) {
                return fail(error::unavailable("log.unavailable", "the log is closing"));
            }
            queue_.push_back(std::move(item));
        }
        queue_cv_.notify_one();
        return future.get();
    }

    result<std::vector<recorded_event>> read_stream(std::string_view stream,
                                                    std::uint64_t from_version,
                                                    std::size_t max) override
    {
        return store_->read_stream(stream, from_version, max);
    }

    result<std::vector<recorded_event>> read_all(position after, std::size_t max) override
    {
        return store_->read_all(after, max);
    }

    result<std::unique_ptr<events::subscription>> subscribe(position after,
                                                            events::event_handler handler) override
    {
        return store_->subscribe(after, std::move(handler));
    }

    result<stream_head> head(std::string_view stream) override { return store_->head(stream); }

    result<std::optional<append_result>> find_command(std::string_view command_id) override
    {
        return store_->find_command(command_id);
    }

    position last_position() const override { return store_->last_position(); }

  private:
    /// The head of `stream` as seen by the writer: staged, cached or stored.
    result<stream_head> writer_head(const std::string& stream,
                                    const std::unordered_map<std::string, stream_head>& staged)
    {
        if (auto it = staged.find(stream); it != staged.end()) {
            return it->second;
        }
        if (auto it = heads_cache_.find(stream); it != heads_cache_.end()) {
            return it->second;
        }
        auto h = store_->head(stream);
        if (h && h->version > 0) {
            heads_cache_.emplace(stream, *h);
        }
        return h;
    }

    void write_loop()
    {
        std::vector<std::unique_ptr<pending>> group;
        for (;;) {
            {
                std::unique_lock lock(queue_mu_);
                queue_cv_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
                if (queue_.empty()) {
                    return; // stopping and drained
                }
                while (!queue_.empty() && group.size() < options_.max_group) {
                    group.push_back(std::move(queue_.front()));
                    queue_.pop_front();
                }
            }
            commit_group(group);
            group.clear();
        }
    }

    void commit_group(std::vector<std::unique_ptr<pending>>& group)
    {
        rocksdb::WriteBatch batch;
        std::unordered_map<std::string, stream_head> staged;
        std::unordered_map<std::string, append_result> staged_commands;
        std::vector<std::optional<result<append_result>>> results(group.size());
        std::vector<bool> written(group.size(), false);
        std::uint64_t pos = next_position_;
        auto now = options_.clock();
        detail::head_lookup head_of = [&](const std::string& stream) {
            return writer_head(stream, staged);
        };

        for (std::size_t i = 0; i < group.size(); ++i) {
            auto& req = group[i]->request;
            if (!req.command_id.empty()) {
                if (auto it = staged_commands.find(req.command_id); it != staged_commands.end()) {
                    auto dup = it->second;
                    dup.duplicate = true;
                    results[i] = dup;
                    written[i] = true; // resolved by this batch's outcome
                    continue;
                }
                auto found = store_->find_command(req.command_id);
                if (!found) {
                    results[i] = fail(std::move(found.error()));
                    continue;
                }
                if (*found) {
                    results[i] = **found;
                    continue;
                }
            }
            auto head = detail::check_append(req, head_of);
            if (!head) {
                results[i] = fail(std::move(head.error()));
                continue;
            }

            stream_head next = *head;
            next.partition_key = req.partition_key;
            append_result res;
            res.stream = req.stream;
            res.first_version = head->version + 1;
            res.first_position = position{ pos };
            for (const auto& payload : group[i]->payloads) {
                auto bytes =
                  detail::build_envelope(req, payload, next.version + 1, next.last_hash, now);
                next.version += 1;
                batch.Put(store_->cf_events(), detail::position_key(pos), bytes);
                batch.Put(store_->cf_streams(),
                          detail::stream_key(req.stream, next.version),
                          detail::position_key(pos));
                next.last_hash = blake2b_256(bytes);
                ++pos;
            }
            res.last_version = next.version;
            res.last_position = position{ pos - 1 };
            batch.Put(store_->cf_heads(), req.stream, detail::encode_head(next));
            staged[req.stream] = next;
            if (!req.command_id.empty()) {
                batch.Put(store_->cf_commands(), req.command_id, detail::encode_result(res));
                staged_commands[req.command_id] = res;
            }
            results[i] = res;
            written[i] = true;
        }

        if (batch.Count() > 0) {
            auto committed = store_->commit(batch, pos - 1);
            if (!committed) {
                spdlog::error("event log: commit of {} appends failed: {}",
                              group.size(),
                              committed.error().message);
                // RocksDB applies a batch atomically or not at all, but a
                // failed sync leaves the outcome unknown to the caller: it
                // retries with the same command id. Reload what is on disk.
                for (std::size_t i = 0; i < group.size(); ++i) {
                    if (written[i]) {
                        results[i] = fail(committed.error());
                    }
                }
                heads_cache_.clear();
                store_->reload_position();
                next_position_ = store_->last_position().value + 1;
                for (std::size_t i = 0; i < group.size(); ++i) {
                    group[i]->done.set_value(std::move(*results[i]));
                }
                return;
            }
            for (auto& [stream, head] : staged) {
                heads_cache_[stream] = head;
            }
            if (heads_cache_.size() > k_max_cached_heads) {
                heads_cache_.clear();
            }
            next_position_ = pos;
        }
        for (std::size_t i = 0; i < group.size(); ++i) {
            group[i]->done.set_value(std::move(*results[i]));
        }
    }

    static constexpr std::size_t k_max_cached_heads = 1'000'000;

    embedded_log_options options_;
    std::unique_ptr<log_store> store_;

    std::mutex queue_mu_;
    std::condition_variable queue_cv_;
    std::deque<std::unique_ptr<pending>> queue_;
    bool stopping_ = false;
    std::thread writer_;

    // Owned by the writer thread.
    std::unordered_map<std::string, stream_head> heads_cache_;
    std::uint64_t next_position_ = 1;
};

} // namespace

result<std::unique_ptr<events::event_log>>
open_embedded_log(embedded_log_options options)
{
    auto store = log_store::open(options.dir, options.sync, k_embedded_log_format);
    if (!store) {
        return fail(std::move(store.error()));
    }
    if (!options.sync) {
        spdlog::warn("event log at {}: WAL sync is OFF (development mode): a "
                     "power loss can lose acknowledged appends",
                     options.dir.string());
    }
    return std::unique_ptr<events::event_log>(new rocks_log(std::move(options), std::move(*store)));
}

} // namespace portal::infra
