// The partitioned single writer with pipelined lanes (issue #4) on the real
// embedded log: a lane decides its next command on the state after its
// earlier, not yet durable appends; a result is released only once its
// append is durable; a failed commit group fails every command decided on
// it, and the lane goes on from the durable state.

#include "common/processor.hpp"
#include "counter_aggregate.hpp"
#include "portal/infra/caching_log.hpp"
#include "portal/infra/embedded_log.hpp"
#include "portal/infra/partitioned_executor.hpp"
#include "test_support.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <future>
#include <mutex>

using namespace portal;
using namespace portal::domain;

namespace tally = portal::testing::counter;

namespace {

/// Holds the writer's commits while closed; fails the next one on request.
class commit_gate
{
  public:
    result<void> before_commit()
    {
        std::unique_lock lock(mu_);
        ++waiting_;
        cv_.notify_all();
        cv_.wait(lock, [&] { return open_; });
        --waiting_;
        if (fail_next_) {
            fail_next_ = false;
            return fail(error::unavailable("log.unavailable", "injected commit failure"));
        }
        return {};
    }

    void close()
    {
        std::lock_guard lock(mu_);
        open_ = false;
    }
    void open(bool fail_next = false)
    {
        {
            std::lock_guard lock(mu_);
            open_ = true;
            fail_next_ = fail_next;
        }
        cv_.notify_all();
    }
    /// Waits until the writer holds a group at the gate.
    bool wait_for_writer()
    {
        std::unique_lock lock(mu_);
        return cv_.wait_for(lock, std::chrono::seconds(30), [&] { return waiting_ > 0; });
    }

  private:
    std::mutex mu_;
    std::condition_variable cv_;
    bool open_ = true;
    bool fail_next_ = false;
    int waiting_ = 0;
};

struct PipelinedWriterTest : ::testing::Test
{
    portal::testing::temp_dir dir;
    commit_gate gate;
    std::unique_ptr<events::event_log> log =
      *infra::open_embedded_log({ .dir = dir.path(), .sync = true, .before_commit = [this] {
                                     return gate.before_commit();
                                 } });
    std::unique_ptr<infra::caching_log> cached = infra::make_caching_log(*log, 100);
    target tally_target{ "tally-1", "company-1" };

    void SetUp() override
    {
        // The limit fact: stream `limit-1` of another partition key.
        events::append_request r;
        r.stream = "limit-1";
        r.partition_key = "chamber";
        r.payloads.emplace_back(make_event([](schema::Event::Builder b) {
                                    b.initDocument().initWithdrawn().setReason("1000");
                                }).bytes());
        ASSERT_TRUE(log->append(r));
    }

    result<outcome> add(int amount, const std::string& command_id)
    {
        command_meta meta{ command_id, principal{ "account-1", role::staff, "" }, {} };
        return execute<tally::state>(
          *cached,
          tally_target,
          tally::add{ amount },
          [&](const tally::state&, fact_reader& facts) -> result<tally::context> {
              auto limit = facts.load<tally::state>("limit-1", "chamber");
              if (!limit) {
                  return fail(limit.error());
              }
              tally::context ctx;
              ctx.limit = limit->state.value;
              return ctx;
          },
          meta);
    }

    std::future<result<outcome>> submit(infra::partitioned_executor& executor,
                                        int amount,
                                        const std::string& command_id)
    {
        return executor.submit(tally_target.partition_key,
                               [this, amount, command_id] { return add(amount, command_id); });
    }

    std::uint64_t stored_version()
    {
        auto h = log->head(tally_target.stream);
        return h ? h->version : 0;
    }
};

TEST_F(PipelinedWriterTest, ALaneLandsEveryCommandInOrderWithoutConflicts)
{
    infra::partitioned_executor executor(2);
    std::vector<std::future<result<outcome>>> futures;
    for (int i = 0; i < 300; ++i) {
        futures.push_back(submit(executor, 1, "c-" + std::to_string(i)));
    }
    for (std::size_t i = 0; i < futures.size(); ++i) {
        auto r = futures[i].get();
        ASSERT_TRUE(r.has_value()) << r.error().message;
        EXPECT_EQ(r->version, i + 1);
        EXPECT_FALSE(r->duplicate);
    }
    auto state = load<tally::state>(*log, tally_target.stream);
    ASSERT_TRUE(state.has_value());
    EXPECT_EQ(state->state.value, 300);
    EXPECT_EQ(state->version, 300U);
}

TEST_F(PipelinedWriterTest, AResultIsReleasedOnlyOnceItsAppendIsDurable)
{
    infra::partitioned_executor executor(1);
    gate.close();
    auto first = submit(executor, 1, "first");
    ASSERT_TRUE(gate.wait_for_writer());
    // The lane decides the next command on the first one's state while the
    // first one's group waits at the gate.
    auto second = submit(executor, 2, "second");
    auto ran = executor.submit("company-1", [] { return 0; });
    ASSERT_EQ(ran.wait_for(std::chrono::seconds(30)), std::future_status::ready);
    EXPECT_EQ(first.wait_for(std::chrono::milliseconds(50)), std::future_status::timeout);
    EXPECT_EQ(second.wait_for(std::chrono::milliseconds(1)), std::future_status::timeout);
    EXPECT_EQ(stored_version(), 0U);
    gate.open();
    auto r1 = first.get();
    auto r2 = second.get();
    ASSERT_TRUE(r1.has_value());
    ASSERT_TRUE(r2.has_value());
    EXPECT_EQ(r1->version, 1U);
    EXPECT_EQ(r2->version, 2U);
    EXPECT_EQ(stored_version(), 2U);
}

TEST_F(PipelinedWriterTest, AFailedGroupFailsEveryCommandDecidedOnIt)
{
    infra::partitioned_executor executor(1);
    ASSERT_TRUE(submit(executor, 5, "base").get().has_value());
    gate.close();
    auto first = submit(executor, 1, "first");
    ASSERT_TRUE(gate.wait_for_writer());
    auto second = submit(executor, 2, "second");   // decided on `first`
    auto nothing = submit(executor, 0, "nothing"); // a no-op decided on both
    auto ran = executor.submit("company-1", [] { return 0; });
    ASSERT_EQ(ran.wait_for(std::chrono::seconds(30)), std::future_status::ready);
    gate.open(/*fail_next=*/true);
    for (auto* f : { &first, &second, &nothing }) {
        auto r = f->get();
        ASSERT_FALSE(r.has_value());
        EXPECT_EQ(r.error().code, "log.unavailable");
    }
    EXPECT_EQ(stored_version(), 1U);
    // The lane goes on from the durable state; a retry with the same
    // command id appends (the failed one was not stored).
    auto retry = submit(executor, 2, "second").get();
    ASSERT_TRUE(retry.has_value()) << retry.error().message;
    EXPECT_EQ(retry->version, 2U);
    EXPECT_FALSE(retry->duplicate);
    auto state = load<tally::state>(*log, tally_target.stream);
    EXPECT_EQ(state->state.value, 7);
    auto found = log->find_command("first");
    ASSERT_TRUE(found.has_value());
    EXPECT_FALSE(found->has_value());
}

TEST_F(PipelinedWriterTest, ARepeatedCommandIdInFlightAnswersTheFirstResult)
{
    infra::partitioned_executor executor(1);
    gate.close();
    auto first = submit(executor, 3, "same");
    ASSERT_TRUE(gate.wait_for_writer());
    auto again = submit(executor, 3, "same");
    auto ran = executor.submit("company-1", [] { return 0; });
    gate.open();
    auto r1 = first.get();
    auto r2 = again.get();
    ASSERT_TRUE(r1.has_value());
    ASSERT_TRUE(r2.has_value()) << r2.error().message;
    EXPECT_FALSE(r1->duplicate);
    EXPECT_TRUE(r2->duplicate);
    EXPECT_EQ(r2->version, r1->version);
    EXPECT_EQ(r2->position, r1->position);
    EXPECT_EQ(stored_version(), 1U);
    EXPECT_EQ(load<tally::state>(*log, tally_target.stream)->state.value, 3);
}

TEST_F(PipelinedWriterTest, AnotherWriterOfTheStreamMakesTheLaneRetryOnTheDurableState)
{
    infra::partitioned_executor executor(1);
    ASSERT_TRUE(submit(executor, 1, "a").get().has_value());
    // Outside the lane: another append to the stream.
    ASSERT_TRUE(add(1, "outside").has_value());
    auto r = submit(executor, 1, "b").get();
    ASSERT_TRUE(r.has_value()) << r.error().message;
    EXPECT_EQ(r->version, 3U);
    EXPECT_EQ(load<tally::state>(*log, tally_target.stream)->state.value, 3);
}

TEST_F(PipelinedWriterTest, AStreamsReadableVersionIsRaisedBeforeItsEventsAreReadable)
{
    // A state cache takes its state for current while the log's readable
    // version of the stream equals the cached one. Were the version raised
    // after the group became readable, a command outside the lanes could
    // load the cached state in between and conflict on every retry.
    ASSERT_TRUE(add(1, "a").has_value());
    EXPECT_EQ(cached->readable_version(tally_target.stream), std::optional<std::uint64_t>(1));
    infra::partitioned_executor executor(1);
    gate.close();
    auto held = submit(executor, 1, "held");
    ASSERT_TRUE(gate.wait_for_writer());
    EXPECT_EQ(stored_version(), 1U);
    EXPECT_EQ(log->readable_version(tally_target.stream), std::optional<std::uint64_t>(2));
    gate.open();
    ASSERT_TRUE(held.get().has_value());
    auto after = add(1, "after");
    ASSERT_TRUE(after.has_value()) << after.error().message;
    EXPECT_EQ(after->version, 3U);

    // A group that fails after its versions were raised costs a reread only.
    gate.close();
    auto failing = submit(executor, 1, "failing");
    ASSERT_TRUE(gate.wait_for_writer());
    EXPECT_EQ(log->readable_version(tally_target.stream), std::optional<std::uint64_t>(4));
    gate.open(/*fail_next=*/true);
    EXPECT_FALSE(failing.get().has_value());
    EXPECT_EQ(log->readable_version(tally_target.stream), std::optional<std::uint64_t>(3));
    auto next = add(1, "next");
    ASSERT_TRUE(next.has_value()) << next.error().message;
    EXPECT_EQ(next->version, 4U);
    EXPECT_EQ(load<tally::state>(*cached, tally_target.stream)->state.value, 4);
}

} // namespace
