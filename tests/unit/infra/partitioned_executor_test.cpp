#include "portal/infra/partitioned_executor.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <string>

using namespace portal;
using namespace portal::infra;

TEST(PartitionFunction, IsStableFnv1a)
{
    // Known FNV-1a 64 values: the function must never change (it decides
    // Kafka partitions of existing data).
    EXPECT_EQ(events::partition_hash(""), 0xcbf29ce484222325ULL);
    EXPECT_EQ(events::partition_hash("a"), 0xaf63dc4c8601ec8cULL);
    EXPECT_EQ(events::partition_for("company-1", 1), 0U);
    EXPECT_LT(events::partition_for("company-1", 16), 16U);
}

TEST(PartitionedExecutor, TasksOfOneKeyNeverOverlapAndKeepTheirOrder)
{
    partitioned_executor executor(4);
    constexpr int k_keys = 8;
    constexpr int k_tasks = 200;
    std::vector<std::atomic<int>> running(k_keys);
    std::vector<std::vector<int>> order(k_keys);
    std::atomic<int> overlaps{ 0 };
    std::vector<std::future<int>> futures;
    for (int i = 0; i < k_tasks; ++i) {
        for (int k = 0; k < k_keys; ++k) {
            futures.push_back(executor.submit("company-" + std::to_string(k), [&, k, i] {
                if (running[k].fetch_add(1) != 0) {
                    ++overlaps;
                }
                order[k].push_back(i);
                running[k].fetch_sub(1);
                return i;
            }));
        }
    }
    for (auto& f : futures) {
        f.get();
    }
    EXPECT_EQ(overlaps.load(), 0);
    for (int k = 0; k < k_keys; ++k) {
        ASSERT_EQ(order[k].size(), static_cast<std::size_t>(k_tasks));
        for (int i = 0; i < k_tasks; ++i) {
            EXPECT_EQ(order[k][i], i);
        }
    }
}

TEST(PartitionedExecutor, ResultsAndExceptionsReachTheFuture)
{
    partitioned_executor executor(2);
    auto ok = executor.submit("a", [] { return std::string("fertig"); });
    auto bad = executor.submit("b", []() -> int { throw std::runtime_error("kaputt"); });
    EXPECT_EQ(ok.get(), "fertig");
    EXPECT_THROW(bad.get(), std::runtime_error);
}

TEST(PartitionedExecutor, DifferentPartitionsRunInParallel)
{
    partitioned_executor executor(8);
    // Find two keys on different partitions; the first task waits until the
    // second ran, which only works if they run on different threads.
    std::string a = "k0";
    std::string b;
    for (int i = 1; b.empty(); ++i) {
        auto candidate = "k" + std::to_string(i);
        if (executor.partition_of(candidate) != executor.partition_of(a)) {
            b = candidate;
        }
    }
    std::promise<void> second_ran;
    auto second_future = second_ran.get_future();
    auto first = executor.submit(a, [&] {
        return second_future.wait_for(std::chrono::seconds(20)) == std::future_status::ready;
    });
    executor.submit(b, [&] { second_ran.set_value(); }).get();
    EXPECT_TRUE(first.get());
}

TEST(PartitionedExecutor, DestructionRunsWhatWasSubmitted)
{
    std::atomic<int> done{ 0 };
    {
        partitioned_executor executor(3);
        for (int i = 0; i < 100; ++i) {
            executor.submit("k" + std::to_string(i % 7), [&] { ++done; });
        }
    }
    EXPECT_EQ(done.load(), 100);
}
