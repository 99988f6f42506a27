// The generic command path (aggregates/common/processor.hpp) on the real
// embedded log.

#include "common/processor.hpp"
#include "counter_aggregate.hpp"
#include "forwarding_log.hpp"
#include "portal/infra/caching_log.hpp"
#include "portal/infra/embedded_log.hpp"
#include "portal/infra/kv_store.hpp"
#include "test_support.hpp"

#include <capnp/any.h>
#include <capnp/serialize.h>
#include <gtest/gtest.h>

#include <atomic>
#include <barrier>
#include <thread>

using namespace portal;
using namespace portal::domain;

namespace counter = portal::testing::counter;

namespace {

struct ProcessorTest : ::testing::Test
{
    portal::testing::temp_dir dir;
    std::unique_ptr<events::event_log> log =
      *infra::open_embedded_log({ .dir = dir.path(), .sync = false });
    target counter_target{ "counter-1", "company-1" };

    /// Sets the limit fact: stream `limit-1` holds as many events as the limit.
    void set_limit(int limit, const std::string& partition_key = "company-1")
    {
        for (int i = 0; i < limit; ++i) {
            auto e = make_event(
              [](schema::Event::Builder b) { b.initDocument().initWithdrawn().setReason("1"); });
            events::append_request r;
            r.stream = "limit-1";
            r.partition_key = partition_key;
            r.payloads.emplace_back(e.bytes());
            ASSERT_TRUE(log->append(r));
        }
    }

    result<outcome> run(int amount, const std::string& command_id = {}, int attempts = 8)
    {
        return run_on(*log, amount, command_id, attempts);
    }

    result<outcome> run_on(events::event_log& on,
                           int amount,
                           const std::string& command_id,
                           int attempts)
    {
        command_meta meta{ command_id, principal{ "account-1", role::staff, "" }, {} };
        return execute<counter::state>(
          on,
          counter_target,
          counter::add{ amount },
          [&](const counter::state&, fact_reader& facts) -> result<counter::context> {
              auto limit = facts.load<counter::state>("limit-1", "company-1");
              if (!limit) {
                  return fail(limit.error());
              }
              counter::context ctx;
              ctx.limit = limit->state.value;
              return ctx;
          },
          meta,
          attempts);
    }
};

/// Forwards to a log but answers every append with a version conflict.
class always_conflicting final : public portal::testing::forwarding_log
{
  public:
    using forwarding_log::forwarding_log;
    result<events::append_result> append(events::append_request) override
    {
        ++appends;
        return fail(error::conflict("log.wrong_expected_version", "test"));
    }

    int appends = 0;
};

TEST_F(ProcessorTest, DecidesAndAppendsWithTheFactsOfOtherStreams)
{
    set_limit(10);
    auto r = run(4, "cmd-1");
    ASSERT_TRUE(r.has_value()) << r.error().message;
    EXPECT_EQ(r->version, 1U);
    EXPECT_EQ(r->events, 1U);
    EXPECT_FALSE(r->duplicate);
    auto state = load<counter::state>(*log, "counter-1");
    EXPECT_EQ(state->state.value, 4);
    EXPECT_EQ(state->version, 1U);
}

TEST_F(ProcessorTest, ADomainErrorAppendsNothing)
{
    set_limit(3);
    auto r = run(4);
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error().code, "counter.limit");
    EXPECT_TRUE(log->read_stream("counter-1")->empty());
}

TEST_F(ProcessorTest, ACommandThatChangesNothingAppendsNothing)
{
    set_limit(3);
    auto r = run(0);
    ASSERT_TRUE(r.has_value());
    EXPECT_EQ(r->events, 0U);
    EXPECT_TRUE(log->read_stream("counter-1")->empty());
}

TEST_F(ProcessorTest, ARepeatedCommandIdAnswersTheFirstResultEvenWhenTheRuleNowRejects)
{
    set_limit(5);
    auto first = run(5, "cmd-x");
    ASSERT_TRUE(first.has_value());
    // Deciding again would exceed the limit; the retry must not.
    auto retry = run(5, "cmd-x");
    ASSERT_TRUE(retry.has_value()) << retry.error().code;
    EXPECT_TRUE(retry->duplicate);
    EXPECT_EQ(retry->position, first->position);
    EXPECT_EQ(load<counter::state>(*log, "counter-1")->state.value, 5);
}

TEST_F(ProcessorTest, RacingCommandsOnOneStreamAllLandThroughRetries)
{
    set_limit(1000);
    constexpr int k_threads = 6;
    constexpr int k_each = 10;
    std::atomic<int> ok{ 0 };
    std::barrier start(k_threads);
    std::vector<std::thread> threads;
    for (int t = 0; t < k_threads; ++t) {
        threads.emplace_back([&, t] {
            start.arrive_and_wait();
            for (int i = 0; i < k_each; ++i) {
                auto r = run(1, "t" + std::to_string(t) + "-" + std::to_string(i), 1000);
                if (r) {
                    ++ok;
                }
            }
        });
    }
    for (auto& th : threads) {
        th.join();
    }
    EXPECT_EQ(ok.load(), k_threads * k_each);
    auto state = load<counter::state>(*log, "counter-1");
    EXPECT_EQ(state->state.value, k_threads * k_each);
    EXPECT_EQ(state->version, static_cast<std::uint64_t>(k_threads * k_each));
}

TEST_F(ProcessorTest, RetriesAreBoundedAndEndInAConflictError)
{
    set_limit(10);
    always_conflicting conflicting(*log);
    auto r = run_on(conflicting, 1, "cmd-c", 3);
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error().code, "command.conflict");
    EXPECT_EQ(r.error().cls, error_class::conflict);
    EXPECT_EQ(conflicting.appends, 3);
}

TEST_F(ProcessorTest, AFactOfTheSamePartitionKeyBecomesAVersionCheck)
{
    set_limit(2);
    fact_reader facts(*log, "company-1");
    auto limit = facts.load<counter::state>("limit-1", "company-1");
    ASSERT_TRUE(limit.has_value());
    ASSERT_EQ(facts.checks().size(), 1U);
    EXPECT_EQ(facts.checks()[0].stream, "limit-1");
    EXPECT_EQ(facts.checks()[0].expected, events::expected_version::exact(2));
    // A fact read from another partition key is not checked.
    fact_reader other(*log, "exam-1");
    ASSERT_TRUE(other.load<counter::state>("limit-1", "company-1"));
    EXPECT_TRUE(other.checks().empty());
    // The fact changes after it was read: an append with the stale check
    // conflicts instead of resting on the old limit.
    set_limit(1);
    auto e =
      make_event([](schema::Event::Builder b) { b.initDocument().initWithdrawn().setReason("2"); });
    auto stale = log->append(make_append(counter_target, 0, { e }, command_meta{}, facts.checks()));
    ASSERT_FALSE(stale.has_value());
    EXPECT_EQ(stale.error().cls, error_class::conflict);
}

} // namespace

namespace {

TEST_F(ProcessorTest, CachedStatesGiveTheSameResultsAndSeeOtherWriters)
{
    set_limit(1000);
    auto cached = infra::make_caching_log(*log, 16);
    for (int i = 0; i < 20; ++i) {
        auto r = run_on(*cached, 1, "c-" + std::to_string(i), 8);
        ASSERT_TRUE(r.has_value()) << r.error().message;
    }
    auto stats = cached->stats();
    EXPECT_GT(stats.hits, 30U) << "the counter and the limit come from the cache";
    // Another writer appends behind the cache's back: the next load sees it.
    ASSERT_TRUE(run(5, "outside"));
    auto through_cache = load<counter::state>(*cached, "counter-1");
    ASSERT_TRUE(through_cache.has_value());
    EXPECT_EQ(through_cache->state.value, 25);
    EXPECT_EQ(through_cache->version, 21U);
    // Dropping the cache changes no result.
    cached->clear();
    EXPECT_EQ(cached->stats().entries, 0U);
    auto fresh = load<counter::state>(*cached, "counter-1");
    EXPECT_EQ(fresh->state.value, 25);
    EXPECT_EQ(fresh->version, 21U);
    auto direct = load<counter::state>(*log, "counter-1");
    EXPECT_EQ(direct->state.value, 25);
}

TEST_F(ProcessorTest, TheCacheIsBoundedAndKeepsTheRecentlyUsed)
{
    auto cached = infra::make_caching_log(*log, 2);
    for (auto stream : { "a-1", "b-1", "c-1" }) {
        auto e = make_event(
          [](schema::Event::Builder b) { b.initDocument().initWithdrawn().setReason("1"); });
        events::append_request r;
        r.stream = stream;
        r.partition_key = "company-1";
        r.payloads.emplace_back(e.bytes());
        ASSERT_TRUE(log->append(r));
    }
    ASSERT_TRUE(load<counter::state>(*cached, "a-1"));
    ASSERT_TRUE(load<counter::state>(*cached, "b-1"));
    ASSERT_TRUE(load<counter::state>(*cached, "a-1")); // a is now the most recent
    ASSERT_TRUE(load<counter::state>(*cached, "c-1")); // evicts b
    EXPECT_EQ(cached->stats().entries, 2U);
    auto before = cached->stats();
    ASSERT_TRUE(load<counter::state>(*cached, "a-1"));
    EXPECT_EQ(cached->stats().hits, before.hits + 1);
    ASSERT_TRUE(load<counter::state>(*cached, "b-1"));
    EXPECT_EQ(cached->stats().misses, before.misses + 1);
    // Empty streams are not cached.
    ASSERT_TRUE(load<counter::state>(*cached, "nothing-1"));
    EXPECT_EQ(cached->stats().entries, 2U);
}

TEST_F(ProcessorTest, ALargeCacheIsShardedAndStillBoundedAndKeepsTheRecentlyUsed)
{
    constexpr std::size_t capacity = 4096;
    constexpr int streams = 5000;
    auto cached = infra::make_caching_log(*log, capacity);
    auto e =
      make_event([](schema::Event::Builder b) { b.initDocument().initWithdrawn().setReason("1"); });
    for (int i = 0; i < streams; ++i) {
        events::append_request r;
        r.stream = "s-" + std::to_string(i);
        r.partition_key = "company-1";
        r.payloads.emplace_back(e.bytes());
        ASSERT_TRUE(log->append(r));
    }
    // Two threads load every stream (each twice over): a shard's lock is
    // taken by both, the results are the log's.
    auto load_all = [&](int from, int step) {
        for (int i = from; i < streams; i += step) {
            auto l = load<counter::state>(*cached, "s-" + std::to_string(i));
            ASSERT_TRUE(l.has_value());
            EXPECT_EQ(l->version, 1U);
        }
    };
    std::thread other(load_all, 0, 1);
    load_all(0, 1);
    other.join();
    auto stats = cached->stats();
    EXPECT_EQ(stats.hits + stats.misses, 2U * streams);
    EXPECT_LE(stats.entries, capacity);
    EXPECT_GT(stats.entries, capacity / 2);
    // The most recently used are kept (in every shard).
    for (int i = streams - 200; i < streams; ++i) {
        ASSERT_TRUE(load<counter::state>(*cached, "s-" + std::to_string(i)));
    }
    EXPECT_EQ(cached->stats().hits, stats.hits + 200);
    cached->clear();
    EXPECT_EQ(cached->stats().entries, 0U);
}

/// Forwards to a log and counts the events `read_stream` returns.
class counting_log final : public portal::testing::forwarding_log
{
  public:
    using forwarding_log::forwarding_log;
    std::size_t events_read = 0;
    std::size_t stream_reads = 0;
    /// Whether to pass the inner log's `readable_version` on (else: unknown).
    bool knows_versions = false;

    std::optional<std::uint64_t> readable_version(std::string_view s) override
    {
        return knows_versions ? inner_.readable_version(s) : std::nullopt;
    }

    result<std::vector<events::recorded_event>> read_stream(std::string_view s,
                                                            std::uint64_t from,
                                                            std::size_t max) override
    {
        ++stream_reads;
        auto r = inner_.read_stream(s, from, max);
        if (r) {
            events_read += r->size();
        }
        return r;
    }
};

TEST_F(ProcessorTest, ACachedStateIsCurrentWithoutAReadWhileNothingWasAppended)
{
    set_limit(3);
    counting_log counted(*log);
    auto cached = infra::make_caching_log(counted, 16);
    ASSERT_EQ(load<counter::state>(*cached, "limit-1")->state.value, 3);
    auto reads = counted.stream_reads;
    // Nothing appended since: the state comes from memory alone.
    ASSERT_EQ(load<counter::state>(*cached, "limit-1")->state.value, 3);
    EXPECT_EQ(counted.stream_reads, reads);
    // An append to another stream moves the log: the next load checks the
    // stream (one read), then is current again.
    ASSERT_TRUE(run(1, "elsewhere"));
    ASSERT_EQ(load<counter::state>(*cached, "limit-1")->state.value, 3);
    EXPECT_EQ(counted.stream_reads, reads + 1);
    ASSERT_EQ(load<counter::state>(*cached, "limit-1")->state.value, 3);
    EXPECT_EQ(counted.stream_reads, reads + 1);
    // An append to the stream behind the cache's back is seen.
    set_limit(1);
    EXPECT_EQ(load<counter::state>(*cached, "limit-1")->state.value, 4);
}

/// A snapshot store and `commands` counter commands run through a caching
/// log that snapshots every 100 events (the limit stream holds 1000).
struct SnapshottingProcessorTest : ProcessorTest
{
    std::unique_ptr<infra::kv_store> store;
    std::unique_ptr<infra::caching_log> cached;

    void run_snapshotting(int commands)
    {
        set_limit(1000);
        auto opened = infra::open_kv_store({ .dir = dir.path() / "snapshots" });
        ASSERT_TRUE(opened.has_value());
        store = std::move(*opened);
        cached = infra::make_caching_log(*log, 16, { .store = store.get(), .interval = 100 });
        for (int i = 0; i < commands; ++i) {
            ASSERT_TRUE(run_on(*cached, 1, "s-" + std::to_string(i), 8));
        }
    }
};

TEST_F(SnapshottingProcessorTest, SnapshotsSpareTheReplayAndChangeNoResult)
{
    run_snapshotting(250);
    // The counter reached 100 and 200; the limit stream was loaded with its
    // 1000 events once.
    EXPECT_EQ(cached->stats().snapshots_written, 3U);
    cached.reset();
    auto direct = load<counter::state>(*log, "counter-1");
    ASSERT_TRUE(direct.has_value());
    ASSERT_EQ(direct->state.value, 250);

    // A restarted process (an empty memory cache) starts from the snapshot
    // and reads only the 50 newer events.
    counting_log counted(*log);
    auto restarted =
      infra::make_caching_log(counted, 16, { .store = store.get(), .interval = 100 });
    auto from_snapshot = load<counter::state>(*restarted, "counter-1");
    ASSERT_TRUE(from_snapshot.has_value());
    EXPECT_EQ(from_snapshot->state.value, 250);
    EXPECT_EQ(from_snapshot->version, 250U);
    EXPECT_EQ(counted.events_read, 50U);
    EXPECT_EQ(restarted->stats().snapshots_read, 1U);

    // A damaged snapshot is ignored: the stream is folded from its start.
    infra::write_batch damage;
    damage.put(std::string(infra::k_snapshot_prefix) + "counter-1" + std::string(1, '\0') +
                 snapshot::tag<counter::state>(),
               std::string(8, '\0') + "\xff\xff");
    ASSERT_TRUE(store->write(damage));
    counted.events_read = 0;
    auto after_damage =
      infra::make_caching_log(counted, 16, { .store = store.get(), .interval = 1000 });
    auto folded = load<counter::state>(*after_damage, "counter-1");
    ASSERT_TRUE(folded.has_value());
    EXPECT_EQ(folded->state.value, 250);
    EXPECT_EQ(counted.events_read, 250U);

    // Deleting every snapshot changes no result either.
    infra::write_batch drop;
    drop.erase_prefix(infra::k_snapshot_prefix);
    ASSERT_TRUE(store->write(drop));
    auto without = infra::make_caching_log(*log, 16, { .store = store.get(), .interval = 100 });
    auto again = load<counter::state>(*without, "counter-1");
    ASSERT_TRUE(again.has_value());
    EXPECT_EQ(again->state.value, 250);
    EXPECT_EQ(without->stats().snapshots_read, 0U);
}

TEST_F(SnapshottingProcessorTest, AMissReadsNothingWhenTheLogsReadableVersionIsWhatItHas)
{
    run_snapshotting(200);
    // Loaded at version 200: a snapshot of the stream's head.
    auto written = cached->stats().snapshots_written;
    ASSERT_EQ(load<counter::state>(*cached, "counter-1")->version, 200U);
    ASSERT_EQ(cached->stats().snapshots_written, written + 1);
    cached.reset();
    counting_log counted(*log);
    counted.knows_versions = true;
    auto restarted =
      infra::make_caching_log(counted, 16, { .store = store.get(), .interval = 100 });
    // A stream that does not exist yet (what every creating command loads).
    auto none = load<counter::state>(*restarted, "counter-new");
    ASSERT_TRUE(none.has_value());
    EXPECT_EQ(none->version, 0U);
    EXPECT_EQ(none->state.value, 0);
    EXPECT_EQ(counted.stream_reads, 0U);
    // A stream whose snapshot is at its head: the snapshot alone.
    auto head = load<counter::state>(*restarted, "counter-1");
    ASSERT_TRUE(head.has_value());
    EXPECT_EQ(head->version, 200U);
    EXPECT_EQ(head->state.value, 200);
    EXPECT_EQ(restarted->stats().snapshots_read, 1U);
    EXPECT_EQ(counted.stream_reads, 0U);
    // One event later a new process reads that one event after the snapshot.
    ASSERT_TRUE(run(1, "s-200"));
    auto again = infra::make_caching_log(counted, 16, { .store = store.get(), .interval = 100 });
    auto later = load<counter::state>(*again, "counter-1");
    ASSERT_TRUE(later.has_value());
    EXPECT_EQ(later->state.value, 201);
    EXPECT_EQ(counted.stream_reads, 1U);
    EXPECT_EQ(counted.events_read, 1U);
}

} // namespace

namespace {

/// A log whose stream holds one event whose `reason` text points to a
/// struct: what tampered bytes look like to a reader.
class tampered_log final : public events::event_log
{
  public:
    tampered_log()
    {
        capnp::MallocMessageBuilder builder;
        auto env = builder.initRoot<schema::Envelope>();
        env.setStreamId("counter-9");
        env.setStreamVersion(1);
        auto withdrawn = env.initPayload().initDocument().initWithdrawn();
        // The first pointer of DocumentWithdrawn is `reason` (Text): make it a struct.
        capnp::toAny(withdrawn).getPointerSection()[0].initAsAnyStruct(1, 0);
        auto words = capnp::messageToFlatArray(builder);
        bytes_ = std::string(reinterpret_cast<const char*>(words.begin()), words.size() * 8);
    }
    result<events::append_result> append(events::append_request) override
    {
        return fail(error::unavailable("test", "read only"));
    }
    result<std::vector<events::recorded_event>> read_stream(std::string_view,
                                                            std::uint64_t from,
                                                            std::size_t) override
    {
        if (from > 1) {
            return std::vector<events::recorded_event>{};
        }
        return std::vector<events::recorded_event>{
            { events::position{ 1 }, "counter-9", 1, bytes_ }
        };
    }
    result<std::vector<events::recorded_event>> read_all(events::position, std::size_t) override
    {
        return std::vector<events::recorded_event>{};
    }
    result<std::unique_ptr<events::subscription>> subscribe(events::position,
                                                            events::event_handler) override
    {
        return fail(error::unavailable("test", "no subscriptions"));
    }
    result<events::stream_head> head(std::string_view) override { return events::stream_head{}; }
    result<std::optional<events::append_result>> find_command(std::string_view) override
    {
        return std::optional<events::append_result>{};
    }
    events::position last_position() const override { return events::position{ 1 }; }

  private:
    std::string bytes_;
};

TEST(ProcessorLoad, ATamperedEventIsAnErrorNotACrash)
{
    tampered_log log;
    auto loaded = load<counter::state>(log, "counter-9");
    ASSERT_FALSE(loaded.has_value());
    EXPECT_EQ(loaded.error().code, "codec.malformed");
}

} // namespace
