#pragma once

/// The partitioned single writer of the command path: one thread per
/// partition; tasks of one partition key run one after another in
/// submission order, so decisions on one consistency root never race;
/// different partitions run in parallel.

#include "portal/events/partition.hpp"

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
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
    /// Runs every task already submitted, then joins the threads.
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
    /// result (or its exception). Thread-safe. After destruction began,
    /// tasks are refused with std::runtime_error in the future.
    template<class F>
    auto submit(std::string_view key, F&& task) -> std::future<std::invoke_result_t<F&>>
    {
        using R = std::invoke_result_t<F&>;
        auto packaged = std::make_shared<std::packaged_task<R()>>(std::forward<F>(task));
        auto future = packaged->get_future();
        enqueue(partition_of(key), [packaged] { (*packaged)(); });
        return future;
    }

  private:
    struct lane
    {
        std::mutex mu;
        std::condition_variable cv;
        std::deque<std::function<void()>> tasks;
        bool stopping = false;
        std::thread thread;
    };

    void enqueue(std::uint32_t partition, std::function<void()> task);
    static void run(lane& l);

    std::vector<std::unique_ptr<lane>> lanes_;
};

} // namespace portal::infra
