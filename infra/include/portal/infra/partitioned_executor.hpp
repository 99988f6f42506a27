#pragma once

/// The partitioned single writer of the command path: one thread per
/// partition; tasks of one partition key run one after another in
/// submission order, so decisions on one consistency root never race;
/// different partitions run in parallel.
///
/// Each lane pipelines its appends (`events::append_pipeline`): on a log
/// that supports it (the embedded log), a task's append returns once it is
/// checked and ordered, and the lane runs its next task, deciding on the
/// state after it, while the append's commit group is being synced. A
/// task's result reaches its future only once every append it made or
/// rested on is durable; if one failed, the future gets that failure
/// (`log.unavailable`: retry with the same command id) instead, as does
/// every later task of the lane that rested on it.

#include "portal/events/event_log.hpp"
#include "portal/events/partition.hpp"

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string_view>
#include <thread>
#include <type_traits>
#include <vector>

namespace portal::infra {

class partitioned_executor
{
  public:
    /// Starts `partitions` (> 0) writer threads.
    explicit partitioned_executor(std::uint32_t partitions);
    /// Runs every task already submitted and waits until their appends are
    /// durable, then joins the threads.
    ~partitioned_executor();

    partitioned_executor(const partitioned_executor&) = delete;
    partitioned_executor& operator=(const partitioned_executor&) = delete;

    /// The partition of `key` (`events::partition_for`).
    std::uint32_t partition_of(std::string_view key) const noexcept
    {
        return events::partition_for(key, static_cast<std::uint32_t>(lanes_.size()));
    }

    /// Number of partitions.
    std::uint32_t partitions() const noexcept { return static_cast<std::uint32_t>(lanes_.size()); }

    /// Runs `task()` on the thread of `key`'s partition; the future holds its
    /// result (or its exception) once the appends it made are durable. When
    /// one of them failed, a `result<T>` task's future holds that error;
    /// any other task's future holds a std::runtime_error. Thread-safe.
    /// After destruction began, tasks are refused with std::runtime_error
    /// in the future.
    template<class F>
    auto submit(std::string_view key, F&& task) -> std::future<std::invoke_result_t<F&>>
    {
        using R = std::invoke_result_t<F&>;
        auto job = std::make_shared<job_state<std::decay_t<F>, R>>(std::forward<F>(task));
        auto future = job->promise.get_future();
        enqueue(partition_of(key), [job](lane_pipeline& pipeline) { run_job(pipeline, job); });
        return future;
    }

  private:
    class lane_pipeline;

    /// Durabilities a task deferred.
    using deferred_list = std::vector<std::shared_ptr<events::durability>>;

    template<class F, class R>
    struct job_state
    {
        explicit job_state(F&& f)
          : task(std::move(f))
        {
        }
        explicit job_state(const F& f)
          : task(f)
        {
        }
        F task;
        std::promise<R> promise;
    };

    template<class>
    struct is_result : std::false_type
    {
    };
    template<class T>
    struct is_result<result<T>> : std::true_type
    {
    };

    static void begin_task(lane_pipeline& pipeline);
    static deferred_list end_task(lane_pipeline& pipeline);
    /// Calls `done` once every one of `list` is done: with the first
    /// failure, else success.
    static void when_all_done(deferred_list list, std::function<void(const result<void>&)> done);

    template<class F, class R>
    static void run_job(lane_pipeline& pipeline, const std::shared_ptr<job_state<F, R>>& job)
    {
        begin_task(pipeline);
        try {
            if constexpr (std::is_void_v<R>) {
                job->task();
                auto list = end_task(pipeline);
                if (list.empty()) {
                    job->promise.set_value();
                    return;
                }
                when_all_done(std::move(list), [job](const result<void>& durable) {
                    if (durable) {
                        job->promise.set_value();
                    } else {
                        job->promise.set_exception(
                          std::make_exception_ptr(std::runtime_error(durable.error().message)));
                    }
                });
            } else {
                R value = job->task();
                auto list = end_task(pipeline);
                if (list.empty()) {
                    job->promise.set_value(std::move(value));
                    return;
                }
                auto held = std::make_shared<R>(std::move(value));
                when_all_done(std::move(list), [job, held](const result<void>& durable) {
                    if (durable) {
                        job->promise.set_value(std::move(*held));
                    } else if constexpr (is_result<R>::value) {
                        job->promise.set_value(fail(durable.error()));
                    } else {
                        job->promise.set_exception(
                          std::make_exception_ptr(std::runtime_error(durable.error().message)));
                    }
                });
            }
        } catch (...) {
            end_task(pipeline);
            job->promise.set_exception(std::current_exception());
        }
    }

    struct lane
    {
        std::mutex mu;
        std::condition_variable cv;
        std::deque<std::function<void(lane_pipeline&)>> tasks;
        bool stopping = false;
        std::thread thread;
    };

    void enqueue(std::uint32_t partition, std::function<void(lane_pipeline&)> task);
    static void run(lane& l);

    std::vector<std::unique_ptr<lane>> lanes_;
};

} // namespace portal::infra
