#include "portal/infra/partitioned_executor.hpp"

#include "portal/events/state_cache.hpp"

#include <atomic>
#include <stdexcept>
#include <string>
#include <typeindex>
#include <unordered_map>

namespace portal::infra {

/// A lane's pipeline: the durabilities its tasks deferred and the states
/// its decisions rest on until they are durable. Lane thread only, but for
/// `broken` (set by the log's writer).
class partitioned_executor::lane_pipeline final : public events::append_pipeline
{
  public:
    ~lane_pipeline() override { recover(); }

    void defer(std::shared_ptr<events::durability> d) override
    {
        ++deferred_;
        last_ = d;
        if (d->current() == events::durability::state::durable) {
            return;
        }
        if (task_.empty() || task_.back() != d) {
            task_.push_back(d);
        }
        if (outstanding_.empty() || outstanding_.back() != d) {
            outstanding_.push_back(std::move(d));
        }
    }

    std::uint64_t deferred_count() const noexcept override { return deferred_; }
    std::shared_ptr<events::durability> last_deferred() const override { return last_; }

    std::optional<pending_state> find_pending(std::string_view stream,
                                              std::type_index type) override
    {
        auto it = pending_.find(key(stream, type));
        if (it == pending_.end()) {
            return std::nullopt;
        }
        return it->second;
    }

    void store_pending(std::string_view stream, std::type_index type, pending_state s) override
    {
        auto k = key(stream, type);
        order_.push_back({ k, type, s.durable });
        pending_.insert_or_assign(std::move(k), std::move(s));
    }

    void recover() override
    {
        for (auto& d : outstanding_) {
            (void)d->wait(); // failures reach the tasks through their callbacks
        }
        outstanding_.clear();
        forget_done();
        pending_.clear();
        order_.clear();
        clear_broken();
    }

    void begin_task() { task_.clear(); }
    deferred_list end_task()
    {
        deferred_list out;
        out.swap(task_);
        return out;
    }

    /// Between tasks: forgets what is durable (durable states go to their
    /// cache) and heals a broken pipeline.
    void prune()
    {
        while (!outstanding_.empty() &&
               outstanding_.front()->current() != events::durability::state::pending) {
            outstanding_.pop_front();
        }
        forget_done();
        if (broken()) {
            recover();
        }
    }

  private:
    /// Forgets the pending states whose appends are done, in the order
    /// they were kept, up to the first still pending; a durable one goes
    /// to its cache.
    void forget_done()
    {
        while (!order_.empty()) {
            auto& o = order_.front();
            auto now = o.durable->current();
            if (now == events::durability::state::pending) {
                break;
            }
            auto it = pending_.find(o.key);
            if (it != pending_.end() && it->second.durable == o.durable) {
                if (now == events::durability::state::durable && it->second.cache != nullptr) {
                    auto stream = std::string_view(o.key).substr(0, o.key.find('\0'));
                    it->second.cache->store_state(
                      stream,
                      o.type,
                      { it->second.state, it->second.version, it->second.snapshot_version, 0 });
                }
                pending_.erase(it);
            }
            order_.pop_front();
        }
    }

    static std::string key(std::string_view stream, std::type_index type)
    {
        std::string k;
        const char* name = type.name();
        k.reserve(stream.size() + 1 + std::char_traits<char>::length(name));
        k.append(stream);
        k.push_back('\0');
        k.append(name);
        return k;
    }

    struct order_entry
    {
        std::string key;
        std::type_index type;
        std::shared_ptr<events::durability> durable;
    };

    std::uint64_t deferred_ = 0;
    std::shared_ptr<events::durability> last_;
    deferred_list task_;
    std::deque<std::shared_ptr<events::durability>> outstanding_;
    std::unordered_map<std::string, pending_state> pending_;
    std::deque<order_entry> order_;
};

void
partitioned_executor::begin_task(lane_pipeline& pipeline)
{
    pipeline.begin_task();
}

partitioned_executor::deferred_list
partitioned_executor::end_task(lane_pipeline& pipeline)
{
    return pipeline.end_task();
}

void
partitioned_executor::when_all_done(deferred_list list,
                                    std::function<void(const result<void>&)> done)
{
    if (list.size() == 1) {
        list.front()->when_done(std::move(done));
        return;
    }
    struct countdown
    {
        std::atomic<std::size_t> left;
        std::mutex mu;
        std::optional<error> failure;
        std::function<void(const result<void>&)> done;
    };
    auto c = std::make_shared<countdown>();
    c->left.store(list.size());
    c->done = std::move(done);
    for (auto& d : list) {
        d->when_done([c](const result<void>& r) {
            if (!r) {
                std::lock_guard lock(c->mu);
                if (!c->failure) {
                    c->failure = r.error();
                }
            }
            if (c->left.fetch_sub(1) == 1) {
                std::optional<error> failure;
                {
                    std::lock_guard lock(c->mu);
                    failure = c->failure;
                }
                if (failure) {
                    c->done(fail(std::move(*failure)));
                } else {
                    c->done({});
                }
            }
        });
    }
}

partitioned_executor::partitioned_executor(std::uint32_t partitions)
{
    if (partitions == 0) {
        throw std::invalid_argument("partitioned_executor needs at least one partition");
    }
    lanes_.reserve(partitions);
    for (std::uint32_t i = 0; i < partitions; ++i) {
        auto l = std::make_unique<lane>();
        auto* raw = l.get();
        l->thread = std::thread([raw] { run(*raw); });
        lanes_.push_back(std::move(l));
    }
}

partitioned_executor::~partitioned_executor()
{
    for (auto& l : lanes_) {
        {
            std::lock_guard lock(l->mu);
            l->stopping = true;
        }
        l->cv.notify_all();
    }
    for (auto& l : lanes_) {
        l->thread.join();
    }
}

void
partitioned_executor::enqueue(std::uint32_t partition, std::function<void(lane_pipeline&)> task)
{
    auto& l = *lanes_[partition];
    bool was_empty = false;
    {
        std::lock_guard lock(l.mu);
        if (l.stopping) {
            throw std::runtime_error("partitioned_executor is stopping");
        }
        was_empty = l.tasks.empty();
        l.tasks.push_back(std::move(task));
    }
    if (was_empty) {
        l.cv.notify_one(); // the lane waits only on an empty queue
    }
}

void
partitioned_executor::run(lane& l)
{
    lane_pipeline pipeline;
    events::append_pipeline::scope installed(pipeline);
    for (;;) {
        std::function<void(lane_pipeline&)> task;
        {
            std::unique_lock lock(l.mu);
            l.cv.wait(lock, [&] { return l.stopping || !l.tasks.empty(); });
            if (l.tasks.empty()) {
                break; // stopping and drained
            }
            task = std::move(l.tasks.front());
            l.tasks.pop_front();
        }
        task(pipeline);
        pipeline.prune();
    }
    pipeline.recover();
}

} // namespace portal::infra
