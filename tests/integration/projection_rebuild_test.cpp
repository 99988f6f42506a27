// A rebuild from position 0 writes unlogged (runner_options::unlogged_rebuild)
// and a live event waits for at most one batch: the runner against a real
// embedded log and key-value store, with a child process killed with SIGKILL
// (rebuild_crash_child.cpp) for crashes.

#include "../../projections/src/json_util.hpp" // private to projections: `at`
#include "portal/infra/embedded_log.hpp"
#include "portal/infra/kv_store.hpp"
#include "process.hpp"
#include "tally_projector.hpp"
#include "test_support.hpp"

#include <gtest/gtest.h>

#include <condition_variable>
#include <map>
#include <mutex>
#include <thread>

using namespace portal;
using namespace std::chrono_literals;
using portal::testing::tally_projector;

namespace {

constexpr std::uint64_t k_events = 300;

std::map<std::string, std::string>
model_of(infra::kv_store& store)
{
    std::map<std::string, std::string> out;
    auto scanned = store.scan_prefix("m/tally/", [&](std::string_view k, std::string_view v) {
        out.emplace(std::string(k), std::string(v));
        return true;
    });
    EXPECT_TRUE(scanned.has_value());
    return out;
}

/// The tally model of events 1..n, as applying each event once gives.
std::map<std::string, std::string>
expected_model(std::uint64_t n, std::uint64_t seeded)
{
    std::map<std::string, std::string> out;
    out["m/tally/count"] = std::to_string(n);
    for (std::uint64_t p = 1; p <= n; ++p) {
        out[fmt::format("m/tally/e/{:08}", p)] =
          p <= seeded ? fmt::format("marker-{}", p % 7) : "marker-live";
    }
    return out;
}

struct ProjectionRebuild : ::testing::Test
{
    portal::testing::temp_dir dir;

    void SetUp() override
    {
        auto log = infra::open_embedded_log({ .dir = dir.path() / "log", .sync = false });
        ASSERT_TRUE(log);
        for (std::uint64_t i = 1; i <= k_events; ++i) {
            ASSERT_TRUE(portal::testing::append_marker(**log, fmt::format("marker-{}", i % 7)));
        }
    }

    /// Runs the crash child in `mode`; true when SIGKILL ended it.
    bool killed_child(const std::string& mode)
    {
        auto r = portal::testing::run_process(REBUILD_CRASH_CHILD, { dir.path().string(), mode });
        EXPECT_EQ(r.err, "");
        return r.exit_code == -1 && r.err.empty();
    }
};

TEST_F(ProjectionRebuild,
       AKillDuringTheRebuildLeavesNoCheckpointToTrustAndTheNextRunnerStartsAtZero)
{
    ASSERT_TRUE(killed_child("mid"));

    auto store = infra::open_kv_store({ .dir = dir.path() / "read" });
    ASSERT_TRUE(store);
    auto cp = projections::read_checkpoint(**store, "tally");
    ASSERT_TRUE(cp);
    // Whatever survived: nothing that claims events of the rebuild for good.
    EXPECT_TRUE(!*cp || (*cp)->rebuilding || (*cp)->position.value == 0);

    auto log = infra::open_embedded_log({ .dir = dir.path() / "log", .sync = false });
    ASSERT_TRUE(log);
    tally_projector p;
    auto r = projections::runner::start(**log, **store, p, { .max_batch_events = 16 });
    ASSERT_TRUE(r);
    ASSERT_TRUE((*r)->wait_for(events::position{ k_events }, 30s));
    EXPECT_EQ(p.applied.load(), k_events); // from position 0 again
    EXPECT_EQ(model_of(**store), expected_model(k_events, k_events));
    auto done = projections::read_checkpoint(**store, "tally");
    ASSERT_TRUE(done && *done);
    EXPECT_FALSE((*done)->rebuilding);
    EXPECT_EQ((*done)->position.value, k_events);
}

TEST_F(ProjectionRebuild, AKillAfterTheRebuildAndALiveWriteKeepsTheWholeModel)
{
    // The rebuild's batches went unlogged; the live event after it was
    // written with the WAL. Had the runner marked the rebuild complete
    // without flushing the store first, the checkpoint would survive the
    // kill and the rebuilt keys would not.
    ASSERT_TRUE(killed_child("after"));

    auto store = infra::open_kv_store({ .dir = dir.path() / "read" });
    ASSERT_TRUE(store);
    auto cp = projections::read_checkpoint(**store, "tally");
    ASSERT_TRUE(cp && *cp);
    EXPECT_FALSE((*cp)->rebuilding);
    EXPECT_EQ((*cp)->position.value, k_events + 1);
    EXPECT_EQ(model_of(**store), expected_model(k_events + 1, k_events));
}

TEST_F(ProjectionRebuild, AStoppedRebuildKeepsWhatItWroteAndTheNextRunnerGoesOnFromThere)
{
    auto log = infra::open_embedded_log({ .dir = dir.path() / "log", .sync = false });
    ASSERT_TRUE(log);
    auto store = infra::open_kv_store({ .dir = dir.path() / "read" });
    ASSERT_TRUE(store);
    std::uint64_t stopped_at = 0;
    {
        tally_projector p;
        // The runner stops before it applies event 101 (the test stops it
        // while event 100 waits here).
        std::mutex mu;
        std::condition_variable cv;
        bool at_100 = false;
        bool go_on = false;
        p.on_apply = [&](const events::recorded_event& e) {
            if (e.position.value == 100) {
                std::unique_lock lock(mu);
                at_100 = true;
                cv.notify_all();
                cv.wait(lock, [&] { return go_on; });
            }
        };
        auto r = projections::runner::start(**log, **store, p, { .max_batch_events = 16 });
        ASSERT_TRUE(r);
        {
            std::unique_lock lock(mu);
            ASSERT_TRUE(cv.wait_for(lock, 30s, [&] { return at_100; }));
        }
        // stop() waits for the subscription, which waits for `apply`: let
        // event 100 go on once the stopper runs (should the runner finish
        // the rebuild first, the checks below hold just the same).
        bool stopping = false;
        std::thread stopper([&] {
            {
                std::lock_guard lock(mu);
                stopping = true;
            }
            cv.notify_all();
            (*r)->stop();
        });
        {
            std::unique_lock lock(mu);
            cv.wait(lock, [&] { return stopping; });
            go_on = true;
        }
        cv.notify_all();
        stopper.join();
        stopped_at = (*r)->position().value;
        EXPECT_GE(stopped_at, 96u); // the batches before event 100
    }
    auto cp = projections::read_checkpoint(**store, "tally");
    ASSERT_TRUE(cp && *cp);
    EXPECT_FALSE((*cp)->rebuilding);
    EXPECT_EQ((*cp)->position.value, stopped_at);

    tally_projector again;
    auto r = projections::runner::start(**log, **store, again, { .max_batch_events = 16 });
    ASSERT_TRUE(r);
    ASSERT_TRUE((*r)->wait_for(events::position{ k_events }, 30s));
    EXPECT_EQ(again.applied.load(), k_events - stopped_at);
    EXPECT_EQ(model_of(**store), expected_model(k_events, k_events));
}

TEST_F(ProjectionRebuild, ABatchEndsAtTheLogsLastPositionOfItsFirstEvent)
{
    // While the runner applies event 301, another event is appended. The
    // runner commits 301 before it applies 302 instead of waiting to reach
    // the log's new end (which under steady appends could take a full batch).
    auto log = infra::open_embedded_log({ .dir = dir.path() / "log", .sync = false });
    ASSERT_TRUE(log);
    auto store = infra::open_kv_store({ .dir = dir.path() / "read" });
    ASSERT_TRUE(store);
    tally_projector p;
    auto r = projections::runner::start(**log, **store, p);
    ASSERT_TRUE(r);
    ASSERT_TRUE((*r)->wait_for(events::position{ k_events }, 30s));

    std::optional<std::uint64_t> committed_before_302;
    p.on_apply = [&](const events::recorded_event& e) {
        if (e.position.value == k_events + 1) {
            ASSERT_TRUE(portal::testing::append_marker(**log, "marker-live"));
        } else if (e.position.value == k_events + 2) {
            auto cp = projections::read_checkpoint(**store, "tally");
            if (cp && *cp) {
                committed_before_302 = (*cp)->position.value;
            }
        }
    };
    ASSERT_TRUE(portal::testing::append_marker(**log, "marker-live"));
    ASSERT_TRUE((*r)->wait_for(events::position{ k_events + 2 }, 30s));
    ASSERT_TRUE(committed_before_302.has_value());
    EXPECT_EQ(*committed_before_302, k_events + 1);
}

TEST(ProjectionJson, RecordedAtRendersLikeFormatRfc3339)
{
    // `at` writes the digits itself (a few times per event); the text must
    // stay that of format_rfc3339, also where that falls back.
    for (std::int64_t micros :
         { std::int64_t{ 0 },
           std::int64_t{ 1'770'000'000'000'000 },
           std::int64_t{ 1'770'000'000'123'456 },
           std::int64_t{ 1'770'000'000'000'001 },
           std::int64_t{ 951'782'400'000'000 },         // 2000-02-29
           std::int64_t{ -1 },                          // 1969-12-31T23:59:59.999999Z
           std::int64_t{ -62'167'219'200'000'000 },     // 0000-01-01
           std::int64_t{ -62'167'219'200'000'001 },     // year -1
           std::int64_t{ 253'402'300'799'999'999 },     // 9999-12-31T23:59:59.999999Z
           std::int64_t{ 253'402'300'800'000'000 } }) { // 10000-01-01
        EXPECT_EQ(std::string(portal::projections::detail::at(micros)),
                  format_rfc3339(from_micros(micros)))
          << micros;
    }
}

} // namespace
