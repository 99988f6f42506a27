#include "portal/infra/partitioned_executor.hpp"

#include <stdexcept>

namespace portal::infra {

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
partitioned_executor::enqueue(std::uint32_t partition, std::function<void()> task)
{
    auto& l = *lanes_[partition];
    {
        std::lock_guard lock(l.mu);
        if (l.stopping) {
            throw std::runtime_error("partitioned_executor is stopping");
        }
        l.tasks.push_back(std::move(task));
    }
    l.cv.notify_one();
}

void
partitioned_executor::run(lane& l)
{
    for (;;) {
        std::function<void()> task;
        {
            std::unique_lock lock(l.mu);
            l.cv.wait(lock, [&] { return l.stopping || !l.tasks.empty(); });
            if (l.tasks.empty()) {
                return; // stopping and drained
            }
            task = std::move(l.tasks.front());
            l.tasks.pop_front();
        }
        task();
    }
}

} // namespace portal::infra
