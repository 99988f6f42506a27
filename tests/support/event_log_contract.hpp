#pragma once

/// The contract of the event log port (events/event_log.hpp), as typed
/// tests that every adapter must pass. An adapter's test file provides a
/// factory type with:
///
///   std::unique_ptr<portal::events::event_log> open();  // same storage each call
///   void prepare();                                     // fresh storage, once per test
///
/// and instantiates the suite:
///
///   INSTANTIATE_TYPED_TEST_SUITE_P(Embedded, EventLogContract, my_factory);

#include "portal/events/event_log.hpp"
#include "portal/events/message.hpp"
#include "portal/infra/verify.hpp"
#include "test_support.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <barrier>
#include <map>
#include <mutex>
#include <set>
#include <thread>

namespace portal::testing {

/// An encoded event whose content identifies it: `document.withdrawn` with
/// `reason` = `tag`.
inline std::string
tagged_event(const std::string& tag)
{
    return std::string(events::event_payload::build([&](schema::Event::Builder e) {
                           e.initDocument().initWithdrawn().setReason(tag);
                       }).bytes());
}

/// The tag of an event written by `tagged_event`.
inline std::string
tag_of(const events::recorded_event& e)
{
    auto env = events::envelope::decode(e.envelope_bytes);
    if (!env) {
        return "<undecodable>";
    }
    auto reason = env->reader().getPayload().getDocument().getWithdrawn().getReason();
    return std::string(reason.cStr(), reason.size());
}

/// An append request of `n` tagged events `<prefix>-0 .. <prefix>-(n-1)`.
inline events::append_request
request(const std::string& stream,
        events::expected_version expected,
        const std::string& prefix,
        int n = 1,
        const std::string& command_id = {},
        const std::string& partition_key = "company-1")
{
    events::append_request r;
    r.stream = stream;
    r.partition_key = partition_key;
    r.expected = expected;
    r.command_id = command_id;
    for (int i = 0; i < n; ++i) {
        r.payloads.push_back(tagged_event(prefix + "-" + std::to_string(i)));
    }
    r.actor = events::actor{ "account-1", events::role::trainee, "" };
    return r;
}

template<class Factory>
class EventLogContract : public ::testing::Test
{
  protected:
    void SetUp() override
    {
        factory_.prepare();
        log_ = factory_.open();
        ASSERT_NE(log_, nullptr);
    }
    void TearDown() override { log_.reset(); }

    void reopen()
    {
        log_.reset();
        log_ = factory_.open();
        ASSERT_NE(log_, nullptr);
    }

    events::event_log& log() { return *log_; }

    std::vector<events::recorded_event> all()
    {
        std::vector<events::recorded_event> out;
        events::position after;
        for (;;) {
            auto batch = log_->read_all(after, 1000);
            EXPECT_TRUE(batch.has_value());
            if (!batch || batch->empty()) {
                return out;
            }
            after = batch->back().position;
            for (auto& e : *batch) {
                out.push_back(std::move(e));
            }
        }
    }

    Factory factory_;
    std::unique_ptr<events::event_log> log_;
};

TYPED_TEST_SUITE_P(EventLogContract);

using events::expected_version;

TYPED_TEST_P(EventLogContract, AppendToNewStreamStartsAtVersionOne)
{
    auto r = this->log().append(request("report-1", expected_version::no_stream(), "a", 3));
    ASSERT_TRUE(r.has_value()) << r.error().message;
    EXPECT_EQ(r->first_version, 1U);
    EXPECT_EQ(r->last_version, 3U);
    EXPECT_EQ(r->last_position.value - r->first_position.value, 2U);
    EXPECT_FALSE(r->duplicate);
    auto events = this->log().read_stream("report-1");
    ASSERT_TRUE(events.has_value());
    ASSERT_EQ(events->size(), 3U);
    for (std::size_t i = 0; i < 3; ++i) {
        EXPECT_EQ((*events)[i].version, i + 1);
        EXPECT_EQ(tag_of((*events)[i]), "a-" + std::to_string(i));
    }
    EXPECT_EQ(this->log().last_position(), r->last_position);
}

TYPED_TEST_P(EventLogContract, ExpectedVersionsAreChecked)
{
    auto& log = this->log();
    ASSERT_TRUE(log.append(request("s-1", expected_version::no_stream(), "a")));
    auto again = log.append(request("s-1", expected_version::no_stream(), "b"));
    ASSERT_FALSE(again.has_value());
    EXPECT_EQ(again.error().code, "log.wrong_expected_version");
    EXPECT_EQ(again.error().cls, error_class::conflict);

    auto wrong = log.append(request("s-1", expected_version::exact(5), "c"));
    ASSERT_FALSE(wrong.has_value());
    EXPECT_EQ(wrong.error().cls, error_class::conflict);

    auto right = log.append(request("s-1", expected_version::exact(1), "d"));
    ASSERT_TRUE(right.has_value());
    EXPECT_EQ(right->first_version, 2U);

    auto any = log.append(request("s-1", expected_version::any(), "e"));
    ASSERT_TRUE(any.has_value());
    EXPECT_EQ(any->first_version, 3U);
    auto any_new = log.append(request("s-2", expected_version::any(), "f"));
    ASSERT_TRUE(any_new.has_value());
    EXPECT_EQ(any_new->first_version, 1U);

    auto missing = log.append(request("s-3", expected_version::exact(1), "g"));
    ASSERT_FALSE(missing.has_value());
    EXPECT_EQ(missing.error().cls, error_class::conflict);
    EXPECT_EQ(log.read_stream("s-1")->size(), 3U);
    EXPECT_TRUE(log.read_stream("s-3")->empty());
}

TYPED_TEST_P(EventLogContract, RacingWritersOnOneStreamExactlyOneWins)
{
    auto& log = this->log();
    constexpr int k_threads = 8;
    constexpr int k_rounds = 30;
    for (int round = 0; round < k_rounds; ++round) {
        std::atomic<int> wins{ 0 };
        std::atomic<int> conflicts{ 0 };
        std::barrier start(k_threads);
        std::vector<std::thread> threads;
        for (int t = 0; t < k_threads; ++t) {
            threads.emplace_back([&, t] {
                start.arrive_and_wait();
                auto r =
                  log.append(request("race-1",
                                     expected_version::exact(static_cast<std::uint64_t>(round)),
                                     "r" + std::to_string(round) + "t" + std::to_string(t)));
                if (r) {
                    ++wins;
                } else if (r.error().cls == error_class::conflict) {
                    ++conflicts;
                }
            });
        }
        for (auto& th : threads) {
            th.join();
        }
        ASSERT_EQ(wins.load(), 1) << "round " << round;
        ASSERT_EQ(conflicts.load(), k_threads - 1) << "round " << round;
    }
    EXPECT_EQ(log.read_stream("race-1")->size(), static_cast<std::size_t>(k_rounds));
}

TYPED_TEST_P(EventLogContract, RepeatedCommandIdReturnsTheFirstResult)
{
    auto& log = this->log();
    auto first = log.append(request("s-1", expected_version::no_stream(), "a", 2, "cmd-1"));
    ASSERT_TRUE(first.has_value());
    // A retry, even with another expectation and other events, appends
    // nothing and answers as the first time.
    auto retry = log.append(request("s-1", expected_version::no_stream(), "b", 5, "cmd-1"));
    ASSERT_TRUE(retry.has_value());
    EXPECT_TRUE(retry->duplicate);
    EXPECT_EQ(retry->stream, "s-1");
    EXPECT_EQ(retry->first_version, first->first_version);
    EXPECT_EQ(retry->last_version, first->last_version);
    EXPECT_EQ(retry->first_position, first->first_position);
    EXPECT_EQ(retry->last_position, first->last_position);
    EXPECT_EQ(log.read_stream("s-1")->size(), 2U);
    EXPECT_EQ(this->all().size(), 2U);

    auto found = log.find_command("cmd-1");
    ASSERT_TRUE(found.has_value());
    ASSERT_TRUE(found->has_value());
    EXPECT_TRUE((*found)->duplicate);
    EXPECT_EQ((*found)->last_position, first->last_position);
    auto unknown = log.find_command("cmd-unknown");
    ASSERT_TRUE(unknown.has_value());
    EXPECT_FALSE(unknown->has_value());
}

TYPED_TEST_P(EventLogContract, ConcurrentRetriesOfOneCommandAppendOnce)
{
    auto& log = this->log();
    constexpr int k_threads = 8;
    std::atomic<int> originals{ 0 };
    std::atomic<int> duplicates{ 0 };
    std::barrier start(k_threads);
    std::vector<std::thread> threads;
    for (int t = 0; t < k_threads; ++t) {
        threads.emplace_back([&] {
            start.arrive_and_wait();
            auto r = log.append(request("s-9", expected_version::any(), "x", 1, "cmd-same"));
            if (r && r->duplicate) {
                ++duplicates;
            } else if (r) {
                ++originals;
            }
        });
    }
    for (auto& th : threads) {
        th.join();
    }
    EXPECT_EQ(originals.load(), 1);
    EXPECT_EQ(duplicates.load(), k_threads - 1);
    EXPECT_EQ(log.read_stream("s-9")->size(), 1U);
}

TYPED_TEST_P(EventLogContract, GlobalOrderAndStreamVersionsAreConsistent)
{
    auto& log = this->log();
    constexpr int k_threads = 4;
    constexpr int k_appends = 100;
    std::vector<std::thread> threads;
    for (int t = 0; t < k_threads; ++t) {
        threads.emplace_back([&, t] {
            for (int i = 0; i < k_appends; ++i) {
                auto stream = "s-" + std::to_string((t * 7 + i) % 5);
                auto r = log.append(request(stream,
                                            expected_version::any(),
                                            "t" + std::to_string(t) + "-" + std::to_string(i),
                                            1 + i % 3));
                ASSERT_TRUE(r.has_value());
            }
        });
    }
    for (auto& th : threads) {
        th.join();
    }
    auto events = this->all();
    std::map<std::string, std::uint64_t> versions;
    std::uint64_t last = 0;
    for (const auto& e : events) {
        EXPECT_GT(e.position.value, last);
        last = e.position.value;
        EXPECT_EQ(e.version, ++versions[e.stream]) << e.stream;
    }
    for (const auto& [stream, version] : versions) {
        auto s = log.read_stream(stream);
        ASSERT_TRUE(s.has_value());
        ASSERT_EQ(s->size(), version);
        for (std::size_t i = 1; i < s->size(); ++i) {
            EXPECT_GT((*s)[i].position, (*s)[i - 1].position);
        }
    }
    EXPECT_EQ(log.last_position().value, last);
    // Events of one append are contiguous in the global order.
    for (std::size_t i = 0; i + 1 < events.size(); ++i) {
        auto a = tag_of(events[i]);
        auto b = tag_of(events[i + 1]);
        auto base_a = a.substr(0, a.rfind('-'));
        auto base_b = b.substr(0, b.rfind('-'));
        if (b.substr(b.rfind('-') + 1) != "0") {
            EXPECT_EQ(base_a, base_b) << "append split at " << i;
        }
    }
}

TYPED_TEST_P(EventLogContract, ChecksOnOtherStreamsOfThePartitionKey)
{
    auto& log = this->log();
    ASSERT_TRUE(log.append(request("contract-1", expected_version::no_stream(), "c")));
    auto req = request("report-1", expected_version::no_stream(), "r");
    req.checks.push_back({ "contract-1", expected_version::exact(2) });
    auto bad = log.append(req);
    ASSERT_FALSE(bad.has_value());
    EXPECT_EQ(bad.error().code, "log.wrong_expected_version");
    EXPECT_TRUE(log.read_stream("report-1")->empty());

    req.checks = { { "contract-1", expected_version::exact(1) },
                   { "marker-1", expected_version::no_stream() } };
    auto good = log.append(req);
    ASSERT_TRUE(good.has_value()) << good.error().message;
    EXPECT_EQ(log.read_stream("report-1")->size(), 1U);
}

TYPED_TEST_P(EventLogContract, ChecksAcrossPartitionKeysAreRefused)
{
    auto& log = this->log();
    ASSERT_TRUE(log.append(request("exam-1", expected_version::no_stream(), "e", 1, "", "exam-1")));
    auto req = request("report-1", expected_version::no_stream(), "r");
    req.checks.push_back({ "exam-1", expected_version::exact(1) });
    auto r = log.append(req);
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error().code, "log.partition_mismatch");
    EXPECT_EQ(r.error().cls, error_class::invalid);

    // A stream keeps its partition key.
    auto moved = log.append(request("exam-1", expected_version::any(), "x", 1, "", "company-1"));
    ASSERT_FALSE(moved.has_value());
    EXPECT_EQ(moved.error().code, "log.partition_mismatch");
}

TYPED_TEST_P(EventLogContract, InvalidRequestsAreRejectedAndAppendNothing)
{
    auto& log = this->log();
    auto empty = request("s-1", expected_version::any(), "a", 0);
    auto r = log.append(empty);
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error().code, "log.invalid_request");

    auto no_stream = request("", expected_version::any(), "a");
    EXPECT_FALSE(log.append(no_stream).has_value());

    auto garbage = request("s-1", expected_version::any(), "a");
    garbage.payloads.push_back("definitely not a capnp message!!");
    auto g = log.append(garbage);
    ASSERT_FALSE(g.has_value());
    EXPECT_EQ(g.error().code, "codec.malformed");
    EXPECT_EQ(log.last_position().value, 0U);
}

TYPED_TEST_P(EventLogContract, ReadsFromVersionAndPositionWithLimits)
{
    auto& log = this->log();
    ASSERT_TRUE(log.append(request("s-1", expected_version::any(), "a", 5)));
    ASSERT_TRUE(log.append(request("s-2", expected_version::any(), "b", 5)));
    auto tail = log.read_stream("s-1", 3);
    ASSERT_TRUE(tail.has_value());
    ASSERT_EQ(tail->size(), 3U);
    EXPECT_EQ(tail->front().version, 3U);
    auto two = log.read_stream("s-1", 2, 2);
    ASSERT_EQ(two->size(), 2U);
    EXPECT_EQ(two->back().version, 3U);
    EXPECT_TRUE(log.read_stream("unknown")->empty());
    // A stream whose name is a prefix of another does not see its events.
    ASSERT_TRUE(log.append(request("s-10", expected_version::any(), "c", 1)));
    EXPECT_EQ(log.read_stream("s-1")->size(), 5U);

    auto all = log.read_all(events::position{ 0 }, 100);
    ASSERT_EQ(all->size(), 11U);
    auto after = log.read_all(all->at(6).position, 3);
    ASSERT_EQ(after->size(), 3U);
    EXPECT_EQ(after->front().position, all->at(7).position);
    EXPECT_TRUE(log.read_all(all->back().position, 10)->empty());
}

TYPED_TEST_P(EventLogContract, EnvelopeCarriesMetadataAndHashChain)
{
    auto& log = this->log();
    auto req = request("report-7", expected_version::no_stream(), "a", 2, "cmd-7");
    req.actor = events::actor{ "account-9", events::role::representative, "company-3" };
    req.correlation_id[0] = 0xab;
    req.causation_id[15] = 0xcd;
    ASSERT_TRUE(log.append(req));
    auto events = log.read_stream("report-7");
    ASSERT_EQ(events->size(), 2U);
    auto first = events::envelope::decode(events->at(0).envelope_bytes);
    auto second = events::envelope::decode(events->at(1).envelope_bytes);
    ASSERT_TRUE(first && second);
    auto a = first->reader();
    EXPECT_EQ(std::string(a.getStreamId().cStr()), "report-7");
    EXPECT_EQ(a.getStreamVersion(), 1U);
    EXPECT_EQ(std::string(a.getCommandId().cStr()), "cmd-7");
    EXPECT_EQ(std::string(a.getPartitionKey().cStr()), "company-1");
    EXPECT_EQ(std::string(a.getActor().getAccountId().cStr()), "account-9");
    EXPECT_EQ(a.getActor().getRole(), schema::Role::REPRESENTATIVE);
    EXPECT_EQ(std::string(a.getActor().getOnBehalfOfCompanyId().cStr()), "company-3");
    EXPECT_EQ(a.getCorrelationId()[0], 0xab);
    EXPECT_EQ(a.getCausationId()[15], 0xcd);
    EXPECT_EQ(a.getSchemaVersion(), events::k_schema_version);
    EXPECT_GT(a.getRecordedAt(), 1'600'000'000'000'000);
    ASSERT_EQ(a.getEventId().size(), 16U);
    EXPECT_EQ(a.getEventId()[6] >> 4, 7); // UUIDv7
    EXPECT_EQ(a.getPrevHash().size(), 0U);
    EXPECT_EQ(second->reader().getPrevHash().size(), 32U);
    EXPECT_NE(std::string(a.getEventId().asChars().begin(), 16),
              std::string(second->reader().getEventId().asChars().begin(), 16));

    auto report = infra::verify_chains(log);
    ASSERT_TRUE(report.has_value());
    EXPECT_FALSE(report->first_broken.has_value()) << report->first_broken->reason;
    EXPECT_EQ(report->events, 2U);
    auto head = log.head("report-7");
    ASSERT_TRUE(head.has_value());
    EXPECT_EQ(head->version, 2U);
    EXPECT_EQ(head->partition_key, "company-1");
    EXPECT_EQ(head->last_hash.size(), 32U);
    EXPECT_EQ(log.head("nothing")->version, 0U);
}

TYPED_TEST_P(EventLogContract, SubscribeHandsOverFromCatchUpToLiveWithoutGap)
{
    auto& log = this->log();
    constexpr int k_before = 300;
    constexpr int k_threads = 4;
    constexpr int k_during = 150;
    for (int i = 0; i < k_before; ++i) {
        ASSERT_TRUE(
          log.append(request("s-" + std::to_string(i % 7), expected_version::any(), "p")));
    }
    std::mutex mu;
    std::vector<std::uint64_t> seen;
    std::vector<std::thread> writers;
    std::atomic<bool> go{ false };
    for (int t = 0; t < k_threads; ++t) {
        writers.emplace_back([&, t] {
            while (!go.load()) {
                std::this_thread::yield();
            }
            for (int i = 0; i < k_during; ++i) {
                auto r = log.append(
                  request("w-" + std::to_string(t), expected_version::any(), "w", 1 + i % 2));
                ASSERT_TRUE(r.has_value());
            }
        });
    }
    go.store(true);
    auto sub =
      log.subscribe(events::position{ 0 }, [&](const events::recorded_event& e) -> result<void> {
          std::lock_guard lock(mu);
          seen.push_back(e.position.value);
          return {};
      });
    ASSERT_TRUE(sub.has_value());
    for (auto& w : writers) {
        w.join();
    }
    auto total = log.last_position().value;
    ASSERT_TRUE(wait_until([&] {
        std::lock_guard lock(mu);
        return seen.size() >= total;
    }))
      << "received " << seen.size() << " of " << total;
    (*sub)->stop();
    std::lock_guard lock(mu);
    ASSERT_EQ(seen.size(), total);
    for (std::size_t i = 0; i < seen.size(); ++i) {
        ASSERT_EQ(seen[i], i + 1) << "gap or duplicate at " << i;
    }
}

TYPED_TEST_P(EventLogContract, SubscribeFromAPositionAndStopOnHandlerError)
{
    auto& log = this->log();
    ASSERT_TRUE(log.append(request("s-1", expected_version::any(), "a", 10)));
    std::atomic<std::uint64_t> first{ 0 };
    std::atomic<int> count{ 0 };
    auto sub =
      log.subscribe(events::position{ 6 }, [&](const events::recorded_event& e) -> result<void> {
          std::uint64_t zero = 0;
          first.compare_exchange_strong(zero, e.position.value);
          if (++count == 3) {
              return fail(error::unavailable("test.stop", "handler failed"));
          }
          return {};
      });
    ASSERT_TRUE(sub.has_value());
    ASSERT_TRUE(wait_until([&] { return (*sub)->failure().has_value(); }));
    EXPECT_EQ(first.load(), 7U);
    EXPECT_EQ(count.load(), 3);
    EXPECT_EQ((*sub)->failure()->code, "test.stop");
    (*sub)->stop();
}

TYPED_TEST_P(EventLogContract, EverythingSurvivesAReopen)
{
    auto first = this->log().append(request("s-1", expected_version::no_stream(), "a", 3, "cmd-a"));
    ASSERT_TRUE(first.has_value());
    auto before = this->all();
    auto head_before = this->log().head("s-1");
    this->reopen();
    auto after = this->all();
    ASSERT_EQ(after.size(), before.size());
    for (std::size_t i = 0; i < after.size(); ++i) {
        EXPECT_EQ(after[i].envelope_bytes, before[i].envelope_bytes);
        EXPECT_EQ(after[i].position, before[i].position);
    }
    EXPECT_EQ(this->log().last_position(), first->last_position);
    EXPECT_EQ(this->log().head("s-1")->last_hash, head_before->last_hash);
    // Versions, positions and idempotency go on where they were.
    auto retry = this->log().append(request("s-1", expected_version::no_stream(), "b", 1, "cmd-a"));
    ASSERT_TRUE(retry.has_value());
    EXPECT_TRUE(retry->duplicate);
    EXPECT_EQ(retry->last_position, first->last_position);
    auto next = this->log().append(request("s-1", expected_version::exact(3), "c", 1, "cmd-b"));
    ASSERT_TRUE(next.has_value());
    EXPECT_EQ(next->first_version, 4U);
    EXPECT_EQ(next->first_position.value, first->last_position.value + 1);
    auto report = infra::verify_chains(this->log());
    ASSERT_TRUE(report.has_value());
    EXPECT_FALSE(report->first_broken.has_value());
}

REGISTER_TYPED_TEST_SUITE_P(EventLogContract,
                            AppendToNewStreamStartsAtVersionOne,
                            ExpectedVersionsAreChecked,
                            RacingWritersOnOneStreamExactlyOneWins,
                            RepeatedCommandIdReturnsTheFirstResult,
                            ConcurrentRetriesOfOneCommandAppendOnce,
                            GlobalOrderAndStreamVersionsAreConsistent,
                            ChecksOnOtherStreamsOfThePartitionKey,
                            ChecksAcrossPartitionKeysAreRefused,
                            InvalidRequestsAreRejectedAndAppendNothing,
                            ReadsFromVersionAndPositionWithLimits,
                            EnvelopeCarriesMetadataAndHashChain,
                            SubscribeHandsOverFromCatchUpToLiveWithoutGap,
                            SubscribeFromAPositionAndStopOnHandlerError,
                            EverythingSurvivesAReopen);

} // namespace portal::testing
