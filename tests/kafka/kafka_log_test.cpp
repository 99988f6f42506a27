/// The Kafka event log (infra/kafka_log.hpp) against a real broker
/// (PORTAL_KAFKA_BROKERS; scripts/test starts one): the event log contract
/// suite, where each test gets a fresh topic prefix and mirror directory and
/// `open()` reopens both (a restart); and what only Kafka has: a second
/// instance mirrors the same streams and chains, a new writer fences the
/// old one, topic checks at open, a mirror rebuilt from the topic, an
/// unreachable broker, an analytics consumer (kcat) reading the topic, the
/// writer's pipeline (groups committed while earlier ones wait for a
/// held-back mirror), and personal data sealed in the events topic under
/// keys in the keys topic (erasure on every instance, failover, rebuild).

#include "event_log_contract.hpp"
#include "kafka_test_env.hpp"
#include "personal_events.hpp"
#include "portal/events/partition.hpp"
#include "portal/infra/kafka_log.hpp"
#include "portal/infra/personal_seal.hpp"
#include "portal/infra/verify.hpp"

#include <capnp/message.h>
#include <capnp/serialize.h>
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <librdkafka/rdkafka.h>

#include <array>
#include <cctype>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <future>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <thread>

using namespace portal;
using namespace portal::testing;
using events::expected_version;

namespace {

constexpr std::uint32_t k_partitions = 3;

/// Groups in flight per partition of the pipelined writer in these tests.
constexpr std::size_t k_pipeline_depth = 4;

infra::kafka_log_options
options_for(const std::string& prefix, const std::filesystem::path& dir)
{
    infra::kafka_log_options o;
    o.brokers = kafka_brokers();
    o.topic_prefix = prefix;
    o.partitions = k_partitions;
    o.instance = dir.filename().string();
    o.mirror_dir = dir;
    o.sync = false; // Kafka holds the events; the mirror is rebuilt after a crash
    return o;
}

/// Deletes the topics of `prefix` (best effort: a test's topics are unique
/// to it, a leftover only costs the broker some disk).
void
delete_topics(const std::string& prefix)
{
    char err[512];
    rd_kafka_conf_t* conf = rd_kafka_conf_new();
    if (rd_kafka_conf_set(conf, "bootstrap.servers", kafka_brokers().c_str(), err, sizeof err) !=
        RD_KAFKA_CONF_OK) {
        rd_kafka_conf_destroy(conf);
        return;
    }
    rd_kafka_t* admin = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
    if (admin == nullptr) {
        rd_kafka_conf_destroy(conf);
        return;
    }
    std::vector<rd_kafka_DeleteTopic_t*> topics;
    for (const char* suffix : { ".events", ".commands", ".command-results", ".meta" }) {
        topics.push_back(rd_kafka_DeleteTopic_new((prefix + suffix).c_str()));
    }
    rd_kafka_queue_t* queue = rd_kafka_queue_new(admin);
    rd_kafka_DeleteTopics(admin, topics.data(), topics.size(), nullptr, queue);
    if (auto* ev = rd_kafka_queue_poll(queue, 10'000)) {
        rd_kafka_event_destroy(ev);
    }
    rd_kafka_DeleteTopic_destroy_array(topics.data(), topics.size());
    rd_kafka_queue_destroy(queue);
    rd_kafka_destroy(admin);
}

/// The contract suite's factory: a fresh prefix and mirror per test.
struct kafka_factory
{
    std::unique_ptr<temp_dir> dir;
    std::string prefix;

    kafka_factory() = default;
    kafka_factory(const kafka_factory&) = delete;
    kafka_factory& operator=(const kafka_factory&) = delete;
    ~kafka_factory()
    {
        if (!prefix.empty()) {
            delete_topics(prefix);
        }
    }

    void prepare()
    {
        dir = std::make_unique<temp_dir>();
        prefix = kafka_topic_prefix();
    }

    std::unique_ptr<events::event_log> open()
    {
        auto log = infra::open_kafka_log(options_for(prefix, dir->path() / "mirror"));
        EXPECT_TRUE(log.has_value()) << log.error().code << ": " << log.error().message;
        return log ? std::move(*log) : nullptr;
    }
};

/// The same with a pipelined writer (`max_groups_in_flight` > 1).
struct kafka_pipelined_factory : kafka_factory
{
    std::unique_ptr<events::event_log> open()
    {
        auto o = options_for(prefix, dir->path() / "mirror");
        o.max_groups_in_flight = k_pipeline_depth;
        auto log = infra::open_kafka_log(std::move(o));
        EXPECT_TRUE(log.has_value()) << log.error().code << ": " << log.error().message;
        return log ? std::move(*log) : nullptr;
    }
};

} // namespace

namespace portal::testing {
INSTANTIATE_TYPED_TEST_SUITE_P(Kafka, EventLogContract, kafka_factory);
INSTANTIATE_TYPED_TEST_SUITE_P(KafkaPipelined, EventLogContract, kafka_pipelined_factory);
} // namespace portal::testing

namespace {

/// Each test: the broker, a fresh prefix, a directory for mirrors.
class KafkaLog : public ::testing::Test
{
  protected:
    void SetUp() override { prefix_ = kafka_topic_prefix(); }
    void TearDown() override { delete_topics(prefix_); }

    std::unique_ptr<infra::kafka_log> open(
      const std::string& name,
      std::optional<std::vector<std::uint32_t>> owned = std::nullopt)
    {
        auto o = options_for(prefix_, dir_.path() / name);
        o.owned = std::move(owned);
        auto log = infra::open_kafka_log(std::move(o));
        EXPECT_TRUE(log.has_value()) << log.error().code << ": " << log.error().message;
        return log ? std::move(*log) : nullptr;
    }

    /// An instance in the command processors' group of this test's topics.
    std::unique_ptr<infra::kafka_log> open_group(const std::string& name)
    {
        auto o = options_for(prefix_, dir_.path() / name);
        o.group_ownership = true;
        o.session_timeout = std::chrono::milliseconds(6'000);
        auto log = infra::open_kafka_log(std::move(o));
        EXPECT_TRUE(log.has_value()) << log.error().code << ": " << log.error().message;
        return log ? std::move(*log) : nullptr;
    }

    /// Waits until `logs` own every partition between them, each at least
    /// one and none twice.
    bool wait_split(const std::vector<infra::kafka_log*>& logs)
    {
        auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
        while (std::chrono::steady_clock::now() < deadline) {
            std::vector<int> owners(k_partitions, 0);
            bool each = true;
            for (auto* log : logs) {
                auto owned = log->owned_partitions();
                each = each && !owned.empty();
                for (auto p : owned) {
                    ++owners[p];
                }
            }
            if (each && std::all_of(owners.begin(), owners.end(), [](int n) { return n == 1; })) {
                return true;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
        }
        return false;
    }

    /// Appends to streams of three partition keys, some with command ids.
    void write_some(events::event_log& log)
    {
        const std::array<std::string, 3> keys = { "company-1", "company-2", "exam-7" };
        for (int i = 0; i < 30; ++i) {
            const auto& key = keys[static_cast<std::size_t>(i) % keys.size()];
            auto stream = fmt::format("{}-stream-{}", key, i % 5);
            auto r = log.append(request(stream,
                                        expected_version::any(),
                                        fmt::format("w{}", i),
                                        1 + i % 3,
                                        i % 2 == 0 ? fmt::format("cmd-{}", i) : "",
                                        key));
            ASSERT_TRUE(r.has_value()) << r.error().message;
        }
    }

    std::vector<events::recorded_event> all(events::event_log& log)
    {
        std::vector<events::recorded_event> out;
        events::position after;
        for (;;) {
            auto batch = log.read_all(after, 1000);
            EXPECT_TRUE(batch.has_value());
            if (!batch || batch->empty()) {
                return out;
            }
            after = batch->back().position;
            out.insert(out.end(), batch->begin(), batch->end());
        }
    }

    /// Stream -> (version -> envelope bytes) of a whole log.
    std::map<std::string, std::map<std::uint64_t, std::string>> by_stream(events::event_log& log)
    {
        std::map<std::string, std::map<std::uint64_t, std::string>> out;
        for (const auto& e : all(log)) {
            out[e.stream][e.version] = e.envelope_bytes;
        }
        return out;
    }

    /// Per partition of the stream's partition key: the envelopes in the
    /// order of the log.
    std::map<std::uint32_t, std::vector<std::string>> by_partition(events::event_log& log)
    {
        std::map<std::uint32_t, std::vector<std::string>> out;
        for (const auto& e : all(log)) {
            auto env = events::envelope::decode(e.envelope_bytes);
            EXPECT_TRUE(env.has_value());
            auto key = std::string(env->reader().getPartitionKey().cStr());
            out[events::partition_for(key, k_partitions)].push_back(e.envelope_bytes);
        }
        return out;
    }

    std::string prefix_;
    temp_dir dir_;
};

TEST_F(KafkaLog, ASecondInstanceMirrorsTheSameStreamsVersionsAndChains)
{
    auto a = open("a");
    ASSERT_TRUE(a);
    write_some(*a);
    auto b = open("b", std::vector<std::uint32_t>{}); // reads, writes nothing
    ASSERT_TRUE(b);
    ASSERT_TRUE(b->wait_for_offsets(a->partition_offsets(), std::chrono::seconds(30)));

    auto streams_a = by_stream(*a);
    auto streams_b = by_stream(*b);
    EXPECT_EQ(streams_a.size(), 5U * 3U);
    EXPECT_EQ(streams_b, streams_a);
    EXPECT_EQ(b->last_position(), a->last_position());
    for (const auto& [stream, versions] : streams_a) {
        auto head_a = a->head(stream);
        auto head_b = b->head(stream);
        ASSERT_TRUE(head_a && head_b);
        EXPECT_EQ(head_b->version, versions.size()) << stream;
        EXPECT_EQ(head_b->last_hash, head_a->last_hash) << stream;
        EXPECT_EQ(head_b->partition_key, head_a->partition_key) << stream;
    }
    auto found = b->find_command("cmd-4");
    ASSERT_TRUE(found.has_value());
    ASSERT_TRUE(found->has_value());
    auto original = a->find_command("cmd-4");
    EXPECT_EQ((*found)->stream, (*original)->stream);
    EXPECT_EQ((*found)->first_version, (*original)->first_version);
    EXPECT_EQ((*found)->last_version, (*original)->last_version);

    auto report = infra::verify_chains(*b);
    ASSERT_TRUE(report.has_value());
    EXPECT_FALSE(report->first_broken.has_value()) << report->first_broken->reason;
    EXPECT_EQ(report->events, a->last_position().value);

    // A reader refuses to write; the owner's later appends reach it live.
    auto refused = b->append(request("company-1-stream-0", expected_version::any(), "x"));
    ASSERT_FALSE(refused.has_value());
    EXPECT_EQ(refused.error().code, "log.not_owner");
    auto later = a->append(request("company-1-stream-0", expected_version::any(), "late", 2));
    ASSERT_TRUE(later.has_value()) << later.error().message;
    ASSERT_TRUE(b->wait_for_offsets(a->partition_offsets(), std::chrono::seconds(30)));
    auto tail = b->read_stream("company-1-stream-0", later->first_version);
    ASSERT_TRUE(tail.has_value());
    ASSERT_EQ(tail->size(), 2U);
    EXPECT_EQ(tag_of(tail->at(0)), "late-0");
}

TEST_F(KafkaLog, ANewWriterFencesTheOldOneWhoseAppendsNeverAppear)
{
    auto a = open("a");
    ASSERT_TRUE(a);
    auto first = a->append(request("report-1", expected_version::no_stream(), "a-first"));
    ASSERT_TRUE(first.has_value()) << first.error().message;

    auto b = open("b"); // claims every partition: fences a
    ASSERT_TRUE(b);
    auto zombie = a->append(request("report-1", expected_version::exact(1), "zombie", 2, "cmd-z"));
    ASSERT_FALSE(zombie.has_value())
      << "the fenced writer appended at " << zombie->first_position.value;
    EXPECT_EQ(zombie.error().code, "log.fenced") << zombie.error().message;
    EXPECT_EQ(zombie.error().cls, error_class::unavailable);
    // Fenced for good: it does not take the partition back.
    auto again = a->append(request("report-1", expected_version::exact(1), "zombie2"));
    ASSERT_FALSE(again.has_value());
    EXPECT_EQ(again.error().code, "log.fenced");

    // The new writer continues the stream where the old one left it.
    auto next = b->append(request("report-1", expected_version::exact(1), "b-next", 1, "cmd-z"));
    ASSERT_TRUE(next.has_value()) << next.error().message;
    EXPECT_FALSE(next->duplicate);
    EXPECT_EQ(next->first_version, 2U);

    // Nobody ever sees the zombie's events: not a fresh reader, not the
    // zombie's own mirror.
    auto c = open("c", std::vector<std::uint32_t>{});
    ASSERT_TRUE(c);
    ASSERT_TRUE(c->wait_for_offsets(b->partition_offsets(), std::chrono::seconds(30)));
    ASSERT_TRUE(a->wait_for_offsets(b->partition_offsets(), std::chrono::seconds(30)));
    for (auto* log :
         { static_cast<events::event_log*>(c.get()), static_cast<events::event_log*>(a.get()) }) {
        auto events = log->read_stream("report-1");
        ASSERT_TRUE(events.has_value());
        ASSERT_EQ(events->size(), 2U);
        EXPECT_EQ(tag_of(events->at(0)), "a-first-0");
        EXPECT_EQ(tag_of(events->at(1)), "b-next-0");
        auto report = infra::verify_chains(*log);
        ASSERT_TRUE(report.has_value());
        EXPECT_FALSE(report->first_broken.has_value()) << report->first_broken->reason;
        EXPECT_EQ(report->events, 2U);
    }
}

/// An envelope as the writer of `stream` would produce it for `version`.
std::string
envelope_for(const std::string& stream, std::uint64_t version, const std::string& tag)
{
    capnp::MallocMessageBuilder builder;
    auto env = builder.initRoot<schema::Envelope>();
    std::array<capnp::byte, 16> id{};
    id[6] = 0x70;
    env.setEventId(capnp::Data::Reader(id.data(), id.size()));
    env.setStreamId(stream);
    env.setStreamVersion(version);
    env.setRecordedAt(1'700'000'000'000'000);
    env.setPartitionKey("company-1");
    env.setSchemaVersion(events::k_schema_version);
    auto payload = events::event_payload::decode(tagged_event(tag));
    EXPECT_TRUE(payload.has_value());
    env.setPayload(payload->reader());
    auto words = capnp::messageToFlatArray(builder);
    return std::string(reinterpret_cast<const char*>(words.begin()),
                       words.size() * sizeof(capnp::word));
}

/// A bare transactional producer with a transactional.id of a partition
/// of the events topic (`<topic>.<p>` + `suffix`; the writer's second
/// producer has the suffix `.alt`): an old owner of the partition that is in
/// the middle of a transaction.
class raw_owner
{
  public:
    raw_owner(const std::string& prefix, std::uint32_t partition, const std::string& suffix = "")
      : topic_(prefix + ".events")
      , partition_(partition)
    {
        char err[512];
        rd_kafka_conf_t* conf = rd_kafka_conf_new();
        auto txn_id = fmt::format("{}.{}{}", topic_, partition, suffix);
        EXPECT_EQ(
          rd_kafka_conf_set(conf, "bootstrap.servers", kafka_brokers().c_str(), err, sizeof err),
          RD_KAFKA_CONF_OK);
        EXPECT_EQ(rd_kafka_conf_set(conf, "transactional.id", txn_id.c_str(), err, sizeof err),
                  RD_KAFKA_CONF_OK);
        producer_ = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
        EXPECT_NE(producer_, nullptr) << err;
    }
    ~raw_owner() { rd_kafka_destroy(producer_); }

    /// The message of a failed transactional call, or empty.
    static std::string failed(rd_kafka_error_t* e)
    {
        if (e == nullptr) {
            return "";
        }
        std::string out = rd_kafka_error_name(e);
        out += std::string(": ") + rd_kafka_error_string(e);
        rd_kafka_error_destroy(e);
        return out;
    }

    std::string init() { return failed(rd_kafka_init_transactions(producer_, 30'000)); }
    std::string begin() { return failed(rd_kafka_begin_transaction(producer_)); }
    std::string commit() { return failed(rd_kafka_commit_transaction(producer_, 30'000)); }

    /// Produces one event record with the writer's headers and flushes it.
    rd_kafka_resp_err_t produce(const std::string& stream, const std::string& envelope)
    {
        auto err =
          rd_kafka_producev(producer_,
                            RD_KAFKA_V_TOPIC(topic_.c_str()),
                            RD_KAFKA_V_PARTITION(static_cast<std::int32_t>(partition_)),
                            RD_KAFKA_V_KEY(stream.data(), stream.size()),
                            RD_KAFKA_V_VALUE(const_cast<char*>(envelope.data()), envelope.size()),
                            RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                            RD_KAFKA_V_HEADER(infra::kafka_headers::append_index, "0", 1),
                            RD_KAFKA_V_HEADER(infra::kafka_headers::append_count, "1", 1),
                            RD_KAFKA_V_END);
        if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
            return err;
        }
        return rd_kafka_flush(producer_, 30'000);
    }

  private:
    std::string topic_;
    std::uint32_t partition_;
    rd_kafka_t* producer_ = nullptr;
};

TEST_F(KafkaLog, AnOldOwnerInTheMiddleOfATransactionIsFencedAndItsEventsNeverAppear)
{
    auto reader = open("reader", std::vector<std::uint32_t>{}); // creates the topics
    ASSERT_TRUE(reader);
    auto partition = events::partition_for("company-1", k_partitions);
    raw_owner old(prefix_, partition);
    ASSERT_EQ(old.init(), "");

    // What the old owner committed is in the log (the control)...
    ASSERT_EQ(old.begin(), "");
    ASSERT_EQ(old.produce("control-1", envelope_for("control-1", 1, "committed")),
              RD_KAFKA_RESP_ERR_NO_ERROR);
    ASSERT_EQ(old.commit(), "");
    // ...then it writes into a transaction and pauses before the commit.
    ASSERT_EQ(old.begin(), "");
    ASSERT_EQ(old.produce("zombie-1", envelope_for("zombie-1", 1, "zombie")),
              RD_KAFKA_RESP_ERR_NO_ERROR);

    // The new owner fences it, and mirrors the partition to its end (past
    // the aborted transaction) before it decides.
    auto owner = open("owner");
    ASSERT_TRUE(owner);
    auto committed = old.commit();
    EXPECT_NE(committed, "") << "the fenced owner committed";
    EXPECT_NE(committed.find("FENCED"), std::string::npos) << committed;

    ASSERT_EQ(owner->read_stream("control-1")->size(), 1U);
    EXPECT_TRUE(owner->read_stream("zombie-1")->empty());
    auto mine = owner->append(request("zombie-1", expected_version::no_stream(), "owner"));
    ASSERT_TRUE(mine.has_value()) << mine.error().message;
    EXPECT_EQ(mine->first_version, 1U);

    ASSERT_TRUE(reader->wait_for_offsets(owner->partition_offsets(), std::chrono::seconds(30)));
    auto control = reader->read_stream("control-1");
    ASSERT_EQ(control->size(), 1U);
    EXPECT_EQ(tag_of(control->at(0)), "committed");
    auto stream = reader->read_stream("zombie-1");
    ASSERT_EQ(stream->size(), 1U);
    EXPECT_EQ(tag_of(stream->at(0)), "owner-0");
}

TEST_F(KafkaLog, AnOldOwnerInTheMiddleOfATransactionOfItsSecondProducerIsFencedToo)
{
    // The writer's two producers take turns: a claim fences both ids.
    auto reader = open("reader", std::vector<std::uint32_t>{}); // creates the topics
    ASSERT_TRUE(reader);
    auto partition = events::partition_for("company-1", k_partitions);
    raw_owner old(prefix_, partition, ".alt");
    ASSERT_EQ(old.init(), "");
    ASSERT_EQ(old.begin(), "");
    ASSERT_EQ(old.produce("zombie-1", envelope_for("zombie-1", 1, "zombie")),
              RD_KAFKA_RESP_ERR_NO_ERROR);

    auto owner = open("owner");
    ASSERT_TRUE(owner);
    auto committed = old.commit();
    EXPECT_NE(committed, "") << "the fenced second producer committed";
    EXPECT_NE(committed.find("FENCED"), std::string::npos) << committed;

    // Two appends: each of the owner's producers commits one.
    auto first = owner->append(request("zombie-1", expected_version::no_stream(), "owner1"));
    ASSERT_TRUE(first.has_value()) << first.error().message;
    EXPECT_EQ(first->first_version, 1U);
    auto second = owner->append(request("zombie-1", expected_version::exact(1), "owner2"));
    ASSERT_TRUE(second.has_value()) << second.error().message;
    EXPECT_EQ(second->first_version, 2U);

    ASSERT_TRUE(reader->wait_for_offsets(owner->partition_offsets(), std::chrono::seconds(30)));
    auto stream = reader->read_stream("zombie-1");
    ASSERT_EQ(stream->size(), 2U);
    EXPECT_EQ(tag_of(stream->at(0)), "owner1-0");
    EXPECT_EQ(tag_of(stream->at(1)), "owner2-0");
}

TEST_F(KafkaLog, ATopicWithAnotherPartitionCountIsAClearErrorAtOpen)
{
    ASSERT_TRUE(open("a"));
    auto o = options_for(prefix_, dir_.path() / "other");
    o.partitions = k_partitions + 2;
    auto log = infra::open_kafka_log(o);
    ASSERT_FALSE(log.has_value());
    EXPECT_EQ(log.error().code, "kafka.topic_mismatch");
    EXPECT_EQ(log.error().cls, error_class::invalid);
    EXPECT_NE(log.error().message.find(prefix_ + ".events has 3 partitions"), std::string::npos)
      << log.error().message;
}

TEST_F(KafkaLog, AnInstanceWithAnotherSecretKeyFingerprintIsRefusedAtOpen)
{
    // The first instance on the cluster records its fingerprint.
    auto first = options_for(prefix_, dir_.path() / "first");
    first.key_fingerprint = "fingerprint-of-key-a";
    auto a = infra::open_kafka_log(first);
    ASSERT_TRUE(a.has_value()) << a.error().message;

    auto other = options_for(prefix_, dir_.path() / "other");
    other.owned = std::vector<std::uint32_t>{};
    other.key_fingerprint = "fingerprint-of-key-b";
    auto b = infra::open_kafka_log(other);
    ASSERT_FALSE(b.has_value());
    EXPECT_EQ(b.error().code, "kafka.key_mismatch");
    EXPECT_EQ(b.error().cls, error_class::invalid);
    EXPECT_NE(b.error().message.find("secret.key"), std::string::npos) << b.error().message;

    // The same key opens, also after the first instance is gone.
    a->reset();
    auto same = options_for(prefix_, dir_.path() / "same");
    same.owned = std::vector<std::uint32_t>{};
    same.key_fingerprint = "fingerprint-of-key-a";
    auto c = infra::open_kafka_log(same);
    EXPECT_TRUE(c.has_value()) << c.error().message;
}

TEST_F(KafkaLog, AMirrorDeletedAndRebuiltFromTheTopicEqualsTheOldOne)
{
    std::map<std::string, std::map<std::uint64_t, std::string>> streams;
    std::map<std::uint32_t, std::vector<std::string>> partitions;
    std::optional<events::append_result> command;
    events::position last;
    {
        auto a = open("a");
        ASSERT_TRUE(a);
        write_some(*a);
        streams = by_stream(*a);
        partitions = by_partition(*a);
        command = *a->find_command("cmd-10");
        last = a->last_position();
    }
    std::filesystem::remove_all(dir_.path() / "a");
    auto rebuilt = open("a");
    ASSERT_TRUE(rebuilt);
    // Open mirrors the owned partitions to their ends before it returns.
    EXPECT_EQ(rebuilt->last_position(), last);
    EXPECT_EQ(by_stream(*rebuilt), streams);
    // Positions are local: the order of the partitions' events may
    // interleave differently, the order within each partition may not.
    EXPECT_EQ(by_partition(*rebuilt), partitions);
    auto found = rebuilt->find_command("cmd-10");
    ASSERT_TRUE(found.has_value() && found->has_value());
    EXPECT_EQ((*found)->stream, command->stream);
    EXPECT_EQ((*found)->last_version, command->last_version);
    for (const auto& [stream, versions] : streams) {
        EXPECT_EQ(rebuilt->head(stream)->version, versions.size());
    }
    auto report = infra::verify_chains(*rebuilt);
    ASSERT_TRUE(report.has_value());
    EXPECT_FALSE(report->first_broken.has_value()) << report->first_broken->reason;
}

TEST_F(KafkaLog, AnUnreachableBrokerIsUnavailableWithinTheTimeout)
{
    auto o = options_for(prefix_, dir_.path() / "a");
    o.brokers = "127.0.0.1:1";
    o.timeout = std::chrono::seconds(3);
    auto started = std::chrono::steady_clock::now();
    auto log = infra::open_kafka_log(o);
    auto took = std::chrono::steady_clock::now() - started;
    ASSERT_FALSE(log.has_value());
    EXPECT_EQ(log.error().code, "log.unavailable");
    EXPECT_EQ(log.error().cls, error_class::unavailable);
    EXPECT_NE(log.error().message.find("127.0.0.1:1"), std::string::npos) << log.error().message;
    EXPECT_LT(took, std::chrono::seconds(20));
}

TEST_F(KafkaLog, KcatReadsTheEventsWithTheirTypeHeaders)
{
    auto a = open("a");
    ASSERT_TRUE(a);
    auto r = a->append(request("report-3", expected_version::no_stream(), "k", 2, "cmd-k"));
    ASSERT_TRUE(r.has_value()) << r.error().message;

    // kcat is an analytics consumer outside the portal; scripts/install-deps
    // installs it.
    ASSERT_EQ(std::system("command -v kcat >/dev/null 2>&1"), 0)
      << "kcat is not installed (scripts/install-deps installs it)";
    auto command = fmt::format("kcat -C -b {} -t {}.events -J -e -q -o beginning "
                               "-X isolation.level=read_committed 2>&1",
                               kafka_brokers(),
                               prefix_);
    std::string output;
    {
        std::unique_ptr<FILE, int (*)(FILE*)> pipe(::popen(command.c_str(), "r"), ::pclose);
        ASSERT_TRUE(pipe) << command;
        std::array<char, 4096> buffer{};
        while (auto n = std::fread(buffer.data(), 1, buffer.size(), pipe.get())) {
            output.append(buffer.data(), n);
        }
    }
    std::size_t lines = 0;
    for (auto c : output) {
        lines += c == '\n' ? 1 : 0;
    }
    EXPECT_EQ(lines, 2U) << output;
    EXPECT_NE(output.find(R"("key":"report-3")"), std::string::npos) << output;
    EXPECT_NE(output.find(R"("type","document.withdrawn")"), std::string::npos) << output;
    EXPECT_NE(output.find(R"("stream","report-3")"), std::string::npos) << output;
    EXPECT_NE(output.find(R"("version","2")"), std::string::npos) << output;
    EXPECT_NE(output.find(R"("command-id","cmd-k")"), std::string::npos) << output;
    auto partition = events::partition_for("company-1", k_partitions);
    EXPECT_NE(output.find(fmt::format(R"("partition":{})", partition)), std::string::npos)
      << output;
}

} // namespace

TEST_F(KafkaLog, TwoInstancesInTheProcessorsGroupSplitThePartitionsAndForwardCommandsToTheOwner)
{
    auto a = open_group("a");
    ASSERT_TRUE(a);
    auto b = open_group("b");
    ASSERT_TRUE(b);
    ASSERT_TRUE(wait_split({ a.get(), b.get() }))
      << "a owns " << a->owned_partitions().size() << ", b owns " << b->owned_partitions().size();

    // Appends through either instance, to every partition: each is written
    // by its owner, locally or as a command.
    const std::array<std::string, 6> keys = { "company-1", "company-2", "exam-7",
                                              "account-3", "company-9", "exam-2" };
    std::set<std::uint32_t> partitions;
    for (int i = 0; i < 36; ++i) {
        auto& log = i % 2 == 0 ? *a : *b;
        const auto& key = keys[static_cast<std::size_t>(i) % keys.size()];
        partitions.insert(events::partition_for(key, k_partitions));
        auto r = log.append(request(fmt::format("{}-stream-{}", key, i % 4),
                                    expected_version::any(),
                                    fmt::format("g{}", i),
                                    1 + i % 2,
                                    fmt::format("cmd-{}", i),
                                    key));
        ASSERT_TRUE(r.has_value()) << i << ": " << r.error().code << " " << r.error().message;
        EXPECT_FALSE(r->duplicate);
        // The caller reads its own write at the positions it got back.
        auto read = log.read_all(events::position{ r->first_position.value - 1 }, 1);
        ASSERT_TRUE(read.has_value());
        ASSERT_EQ(read->size(), 1U);
        EXPECT_EQ(tag_of(read->front()), fmt::format("g{}-0", i));
    }
    EXPECT_EQ(partitions.size(), k_partitions);
    ASSERT_TRUE(a->wait_for_offsets(b->partition_offsets(), std::chrono::seconds(30)));
    ASSERT_TRUE(b->wait_for_offsets(a->partition_offsets(), std::chrono::seconds(30)));
    auto streams = by_stream(*a);
    EXPECT_EQ(streams.size(), keys.size() * 2);
    EXPECT_EQ(by_stream(*b), streams);
    std::size_t events = 0;
    for (const auto& [stream, versions] : streams) {
        events += versions.size();
    }
    EXPECT_EQ(events, 36U + 18U); // nothing twice

    // A command id seen by one owner is a duplicate through the other
    // instance too.
    for (int i : { 4, 5 }) {
        auto& other = i % 2 == 0 ? *b : *a;
        const auto& key = keys[static_cast<std::size_t>(i) % keys.size()];
        auto again = other.append(request(fmt::format("{}-stream-{}", key, i % 4),
                                          expected_version::any(),
                                          "again",
                                          1,
                                          fmt::format("cmd-{}", i),
                                          key));
        ASSERT_TRUE(again.has_value()) << again.error().message;
        EXPECT_TRUE(again->duplicate);
    }

    // A stale expected version is a conflict wherever it is sent from, and
    // after it the sender's mirror has what the owner saw.
    for (auto* sender : { a.get(), b.get() }) {
        auto stream = fmt::format("{}-stream-{}", keys[0], 0);
        auto head = sender->head(stream);
        ASSERT_TRUE(head.has_value());
        auto stale = sender->append(
          request(stream, expected_version::exact(head->version - 1), "stale", 1, "", keys[0]));
        ASSERT_FALSE(stale.has_value());
        EXPECT_EQ(stale.error().code, "log.wrong_expected_version");
        EXPECT_EQ(stale.error().cls, error_class::conflict);
        // The retry reloads (as domain::execute does): the sender's mirror
        // now has the stream as its owner saw it.
        auto reloaded = sender->head(stream);
        ASSERT_TRUE(reloaded.has_value());
        EXPECT_GE(reloaded->version, head->version);
        auto fresh = sender->append(
          request(stream, expected_version::exact(reloaded->version), "fresh", 1, "", keys[0]));
        ASSERT_TRUE(fresh.has_value()) << fresh.error().message;
        EXPECT_EQ(fresh->first_version, reloaded->version + 1);
    }

    // b leaves: a takes over its partitions and writes them.
    b.reset();
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (a->owned_partitions().size() < k_partitions &&
           std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    ASSERT_EQ(a->owned_partitions().size(), k_partitions);
    for (const auto& key : keys) {
        auto r =
          a->append(request(key + "-stream-0", expected_version::any(), "after", 1, "", key));
        ASSERT_TRUE(r.has_value()) << r.error().message;
    }
    auto report = infra::verify_chains(*a);
    ASSERT_TRUE(report.has_value());
    EXPECT_FALSE(report->first_broken.has_value()) << report->first_broken->reason;
}

TEST_F(KafkaLog, AnEventsOffsetNamesItOnEveryInstanceAsTheLocalPositionThatCoversIt)
{
    // b reads (owns nothing) and is open before a writes: its mirror is
    // behind a's appends, so await_offset waits for some of them.
    auto b = open("b", std::vector<std::uint32_t>{});
    ASSERT_TRUE(b);
    auto a = open("a");
    ASSERT_TRUE(a);
    EXPECT_EQ(*a->offset_of(events::position{}), std::nullopt);
    EXPECT_EQ(*a->offset_of(events::position{ 1 }), std::nullopt); // nothing mirrored yet

    const std::array<std::string, 3> keys = { "company-1", "company-2", "exam-7" };
    std::map<std::uint32_t, std::int64_t> last_offset;
    for (int i = 0; i < 24; ++i) {
        const auto& key = keys[static_cast<std::size_t>(i) % keys.size()];
        auto stream = fmt::format("{}-stream-{}", key, i % 4);
        auto r = a->append(
          request(stream, expected_version::any(), fmt::format("o{}", i), 1 + i % 3, "", key));
        ASSERT_TRUE(r.has_value()) << r.error().message;
        auto at = a->offset_of(r->last_position);
        ASSERT_TRUE(at.has_value()) << at.error().message;
        ASSERT_TRUE(at->has_value()) << i;
        auto p = events::partition_for(key, k_partitions);
        EXPECT_EQ((*at)->partition, p);
        if (last_offset.contains(p)) {
            EXPECT_GT((*at)->offset, last_offset[p]) << i;
        }
        last_offset[p] = (*at)->offset;
        // On a itself the offset names the same position.
        auto here =
          a->await_offset(**at, std::chrono::steady_clock::now() + std::chrono::seconds(5));
        ASSERT_TRUE(here.has_value()) << here.error().message;
        EXPECT_EQ(*here, r->last_position);

        // On b: its local position of that event, the append's last.
        auto there =
          b->await_offset(**at, std::chrono::steady_clock::now() + std::chrono::seconds(10));
        ASSERT_TRUE(there.has_value()) << there.error().code << ": " << there.error().message;
        auto event = b->read_all(events::position{ there->value - 1 }, 1);
        ASSERT_TRUE(event.has_value());
        ASSERT_EQ(event->size(), 1U);
        EXPECT_EQ(event->front().stream, stream);
        EXPECT_EQ(event->front().version, r->last_version);
        EXPECT_EQ(tag_of(event->front()), fmt::format("o{}-{}", i, i % 3));
        auto back = b->offset_of(*there);
        ASSERT_TRUE(back.has_value());
        EXPECT_EQ(*back, *at);
    }

    // Offsets at or beyond a partition's end were never returned by a
    // write: refused at once, not waited for.
    for (auto [p, offset] : last_offset) {
        auto started = std::chrono::steady_clock::now();
        auto beyond = b->await_offset({ p, offset + 1000 }, started + std::chrono::seconds(5));
        ASSERT_FALSE(beyond.has_value());
        EXPECT_EQ(beyond.error().code, "log.beyond_end");
        EXPECT_EQ(beyond.error().cls, error_class::invalid);
        EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(4));
    }
    auto no_partition = b->await_offset({ k_partitions, 0 }, std::chrono::steady_clock::now());
    ASSERT_FALSE(no_partition.has_value());
    EXPECT_EQ(no_partition.error().code, "log.invalid_request");
    auto negative = b->await_offset({ 0, -1 }, std::chrono::steady_clock::now());
    ASSERT_FALSE(negative.has_value());
    EXPECT_EQ(negative.error().code, "log.invalid_request");

    // A reopened mirror keeps the offsets; a deleted one rebuilds them.
    auto position = a->last_position();
    auto at = a->offset_of(position);
    ASSERT_TRUE(at.has_value() && at->has_value());
    a.reset();
    std::filesystem::remove_all(dir_.path() / "a");
    a = open("a");
    ASSERT_TRUE(a);
    auto rebuilt =
      a->await_offset(**at, std::chrono::steady_clock::now() + std::chrono::seconds(10));
    ASSERT_TRUE(rebuilt.has_value()) << rebuilt.error().message;
    auto again = a->offset_of(*rebuilt);
    ASSERT_TRUE(again.has_value());
    EXPECT_EQ(*again, *at);
}

// The writer's pipeline: the next group is decided (on the groups committed
// but not mirrored yet) and committed while the last one waits for the
// mirror; answers stay in commit order and wait for the local mirror.

namespace {

/// Holds a log's mirror back while closed: the log's `before_mirror_batch`
/// hook waits there (at most a minute, so that a failing test ends).
class mirror_gate
{
  public:
    void close()
    {
        std::lock_guard lock(mu_);
        closed_ = true;
    }
    void open()
    {
        {
            std::lock_guard lock(mu_);
            closed_ = false;
        }
        cv_.notify_all();
    }
    std::function<void()> hook()
    {
        return [this] {
            std::unique_lock lock(mu_);
            cv_.wait_for(lock, std::chrono::minutes(1), [&] { return !closed_; });
        };
    }

  private:
    std::mutex mu_;
    std::condition_variable cv_;
    bool closed_ = false;
};

/// Opens the gate when it goes out of scope (before the log it holds back
/// and the appends waiting for it are destroyed).
struct gate_opener
{
    mirror_gate& gate;
    ~gate_opener() { gate.open(); }
};

using append_call = std::future<result<events::append_result>>;

append_call
append_async(infra::kafka_log& log, events::append_request r)
{
    return std::async(std::launch::async,
                      [&log, r = std::move(r)]() mutable { return log.append(std::move(r)); });
}

/// Polls `done` until it holds or `timeout` passes.
template<class Pred>
bool
wait_until(Pred done, std::chrono::seconds timeout = std::chrono::seconds(20))
{
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!done()) {
        if (std::chrono::steady_clock::now() >= deadline) {
            return false;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return true;
}

/// The version of `stream` in `log`'s mirror (0 on an error).
std::uint64_t
version_of(infra::kafka_log& log, const std::string& stream)
{
    auto head = log.head(stream);
    return head ? head->version : 0;
}

/// Whether `call` is still waiting for its answer.
bool
pending(append_call& call)
{
    return call.wait_for(std::chrono::milliseconds(0)) == std::future_status::timeout;
}

class KafkaLogPipeline : public KafkaLog
{
  protected:
    /// A pipelined writer of every partition.
    std::unique_ptr<infra::kafka_log> open_pipelined(const std::string& name)
    {
        auto o = options_for(prefix_, dir_.path() / name);
        o.max_groups_in_flight = k_pipeline_depth;
        auto log = infra::open_kafka_log(std::move(o));
        EXPECT_TRUE(log.has_value()) << log.error().code << ": " << log.error().message;
        return log ? std::move(*log) : nullptr;
    }

    /// A pipelined writer of every partition whose mirror `gate` holds
    /// back.
    std::unique_ptr<infra::kafka_log> open_gated(
      const std::string& name,
      mirror_gate& gate,
      std::chrono::milliseconds timeout = std::chrono::seconds(30))
    {
        auto o = options_for(prefix_, dir_.path() / name);
        o.before_mirror_batch = gate.hook();
        o.timeout = timeout;
        o.max_groups_in_flight = k_pipeline_depth;
        auto log = infra::open_kafka_log(std::move(o));
        EXPECT_TRUE(log.has_value()) << log.error().code << ": " << log.error().message;
        return log ? std::move(*log) : nullptr;
    }
};

TEST_F(KafkaLogPipeline,
       TheNextGroupCommitsWhileTheLastWaitsForTheMirrorAndBothAnswerInOrderOnceMirrored)
{
    mirror_gate gate;
    auto writer = open_gated("writer", gate);
    ASSERT_TRUE(writer);
    auto reader = open("reader", std::vector<std::uint32_t>{}); // its mirror is not held
    ASSERT_TRUE(reader);
    std::vector<append_call> calls;
    gate_opener opener{ gate };

    gate.close();
    calls.push_back(append_async(
      *writer, request("report-1", expected_version::no_stream(), "first", 2, "cmd-1")));
    ASSERT_TRUE(wait_until([&] { return version_of(*reader, "report-1") == 2; }))
      << "the first append was not committed";
    // Read-your-writes: its caller waits until the writer's mirror has it.
    EXPECT_TRUE(pending(calls[0]));

    // A group of its own (the first one is committed): decided on the
    // committed, unmirrored first append, and committed before the writer's
    // mirror has that.
    calls.push_back(
      append_async(*writer, request("report-1", expected_version::exact(2), "second", 1, "cmd-2")));
    ASSERT_TRUE(wait_until([&] { return version_of(*reader, "report-1") == 3; }))
      << "the second group was not committed while the first waited for the mirror";
    // A retry of the first command and a stale expected version, both
    // decided on the groups the mirror lacks.
    calls.push_back(
      append_async(*writer, request("report-1", expected_version::exact(2), "retry", 1, "cmd-1")));
    calls.push_back(
      append_async(*writer, request("report-1", expected_version::exact(2), "stale", 1, "cmd-3")));
    for (auto& call : calls) {
        EXPECT_TRUE(pending(call)) << "answered before the writer's mirror has the events";
    }
    EXPECT_EQ(version_of(*writer, "report-1"), 0U);

    gate.open();
    auto first = calls[0].get();
    auto second = calls[1].get();
    auto retry = calls[2].get();
    auto stale = calls[3].get();
    ASSERT_TRUE(first.has_value()) << first.error().message;
    ASSERT_TRUE(second.has_value()) << second.error().message;
    ASSERT_TRUE(retry.has_value()) << retry.error().message;
    EXPECT_FALSE(first->duplicate);
    EXPECT_EQ(first->first_version, 1U);
    EXPECT_EQ(first->last_version, 2U);
    EXPECT_FALSE(second->duplicate);
    EXPECT_EQ(second->first_version, 3U);
    EXPECT_EQ(second->last_version, 3U);
    EXPECT_LT(first->last_position, second->first_position);
    // The retry answers the first result, positions included.
    EXPECT_TRUE(retry->duplicate);
    EXPECT_EQ(retry->first_version, first->first_version);
    EXPECT_EQ(retry->last_version, first->last_version);
    EXPECT_EQ(retry->first_position, first->first_position);
    EXPECT_EQ(retry->last_position, first->last_position);
    ASSERT_FALSE(stale.has_value());
    EXPECT_EQ(stale.error().code, "log.wrong_expected_version");

    // Each caller reads its events at its positions in the writer's mirror.
    for (const auto& [r, tag] : { std::pair{ *first, std::string("first-1") },
                                  std::pair{ *second, std::string("second-0") } }) {
        auto read = writer->read_all(events::position{ r.last_position.value - 1 }, 1);
        ASSERT_TRUE(read.has_value());
        ASSERT_EQ(read->size(), 1U);
        EXPECT_EQ(tag_of(read->front()), tag);
    }
    // One chain over both groups, the same on both instances.
    ASSERT_TRUE(reader->wait_for_offsets(writer->partition_offsets(), std::chrono::seconds(30)));
    for (auto* log : { writer.get(), reader.get() }) {
        auto stream = log->read_stream("report-1");
        ASSERT_TRUE(stream.has_value());
        ASSERT_EQ(stream->size(), 3U);
        EXPECT_EQ(tag_of(stream->at(0)), "first-0");
        EXPECT_EQ(tag_of(stream->at(1)), "first-1");
        EXPECT_EQ(tag_of(stream->at(2)), "second-0");
        auto report = infra::verify_chains(*log);
        ASSERT_TRUE(report.has_value());
        EXPECT_FALSE(report->first_broken.has_value()) << report->first_broken->reason;
        EXPECT_EQ(report->events, 3U);
    }
}

TEST_F(KafkaLogPipeline, AMirrorWaitThatTimesOutFailsTheGroupsInFlightAndTheNextAppendClaimsAgain)
{
    mirror_gate gate;
    auto writer = open_gated("writer", gate, std::chrono::seconds(5));
    ASSERT_TRUE(writer);
    auto reader = open("reader", std::vector<std::uint32_t>{});
    ASSERT_TRUE(reader);
    std::vector<append_call> calls;
    gate_opener opener{ gate };

    gate.close();
    calls.push_back(
      append_async(*writer, request("report-1", expected_version::no_stream(), "a", 1, "cmd-a")));
    ASSERT_TRUE(wait_until([&] { return version_of(*reader, "report-1") == 1; }));
    calls.push_back(
      append_async(*writer, request("report-1", expected_version::exact(1), "b", 1, "cmd-b")));
    ASSERT_TRUE(wait_until([&] { return version_of(*reader, "report-1") == 2; }));

    // Both committed, neither mirrored in time: both callers get the
    // error (the outcome is theirs to find out by retrying).
    for (auto& call : calls) {
        auto r = call.get();
        ASSERT_FALSE(r.has_value()) << "answered without its events in the mirror";
        EXPECT_EQ(r.error().code, "log.unavailable") << r.error().message;
        EXPECT_EQ(r.error().cls, error_class::unavailable);
    }

    gate.open();
    // The writer claims the partition again (to its end, past both groups)
    // and decides on the mirror.
    auto c = writer->append(request("report-1", expected_version::exact(2), "c", 1, "cmd-c"));
    ASSERT_TRUE(c.has_value()) << c.error().code << ": " << c.error().message;
    EXPECT_FALSE(c->duplicate);
    EXPECT_EQ(c->first_version, 3U);
    // The retries of the failed callers answer their first results:
    // nothing twice, nothing lost.
    auto a = writer->append(request("report-1", expected_version::no_stream(), "a", 1, "cmd-a"));
    ASSERT_TRUE(a.has_value()) << a.error().message;
    EXPECT_TRUE(a->duplicate);
    EXPECT_EQ(a->first_version, 1U);
    auto b = writer->append(request("report-1", expected_version::exact(1), "b", 1, "cmd-b"));
    ASSERT_TRUE(b.has_value()) << b.error().message;
    EXPECT_TRUE(b->duplicate);
    EXPECT_EQ(b->first_version, 2U);
    EXPECT_LT(a->first_position, b->first_position);
    EXPECT_LT(b->first_position, c->first_position);

    auto stream = writer->read_stream("report-1");
    ASSERT_TRUE(stream.has_value());
    ASSERT_EQ(stream->size(), 3U);
    EXPECT_EQ(tag_of(stream->at(0)), "a-0");
    EXPECT_EQ(tag_of(stream->at(1)), "b-0");
    EXPECT_EQ(tag_of(stream->at(2)), "c-0");
    auto report = infra::verify_chains(*writer);
    ASSERT_TRUE(report.has_value());
    EXPECT_FALSE(report->first_broken.has_value()) << report->first_broken->reason;
}

TEST_F(KafkaLogPipeline, ConcurrentAppendsAndRetriesOnFewStreamsKeepVersionsChainsAndFirstResults)
{
    auto writer = open_pipelined("writer");
    ASSERT_TRUE(writer);
    // Two senders per sequence of commands send each command at about the
    // same time: the second is a duplicate in the same group, in a group
    // behind it that is not mirrored yet, or in the mirror.
    constexpr int k_sequences = 4;
    constexpr int k_commands = 25;
    const std::array<std::string, 3> streams = { "hot-0", "hot-1", "hot-2" };
    std::vector<std::vector<result<events::append_result>>> results(2 * k_sequences);
    {
        std::vector<std::jthread> senders;
        for (int t = 0; t < 2 * k_sequences; ++t) {
            senders.emplace_back([&, t] {
                auto s = t % k_sequences;
                for (int k = 0; k < k_commands; ++k) {
                    auto tag = fmt::format("s{}-{}", s, k);
                    results[static_cast<std::size_t>(t)].push_back(
                      writer->append(request(streams[static_cast<std::size_t>(k) % streams.size()],
                                             expected_version::any(),
                                             tag,
                                             1 + k % 2,
                                             "cmd-" + tag)));
                }
            });
        }
    }
    std::map<std::string, std::set<std::uint64_t>> versions;
    for (int s = 0; s < k_sequences; ++s) {
        for (int k = 0; k < k_commands; ++k) {
            const auto& one = results[static_cast<std::size_t>(s)][static_cast<std::size_t>(k)];
            const auto& two =
              results[static_cast<std::size_t>(s + k_sequences)][static_cast<std::size_t>(k)];
            ASSERT_TRUE(one.has_value()) << one.error().message;
            ASSERT_TRUE(two.has_value()) << two.error().message;
            EXPECT_NE(one->duplicate, two->duplicate) << s << "/" << k;
            EXPECT_EQ(one->stream, two->stream);
            EXPECT_EQ(one->first_version, two->first_version);
            EXPECT_EQ(one->last_version, two->last_version);
            EXPECT_EQ(one->first_position, two->first_position);
            EXPECT_EQ(one->last_position, two->last_position);
            EXPECT_EQ(one->last_version - one->first_version, static_cast<std::uint64_t>(k % 2));
            for (auto v = one->first_version; v <= one->last_version; ++v) {
                EXPECT_TRUE(versions[one->stream].insert(v).second) << one->stream << " v" << v;
            }
            // The command's events are at its positions.
            auto read = writer->read_all(events::position{ one->first_position.value - 1 }, 1);
            ASSERT_TRUE(read.has_value());
            ASSERT_EQ(read->size(), 1U);
            EXPECT_EQ(tag_of(read->front()), fmt::format("s{}-{}-0", s, k));
            EXPECT_EQ(read->front().version, one->first_version);
        }
    }
    for (const auto& stream : streams) {
        auto head = writer->head(stream);
        ASSERT_TRUE(head.has_value());
        ASSERT_EQ(versions[stream].size(), head->version) << stream;
        EXPECT_EQ(*versions[stream].rbegin(), head->version) << stream;
    }
    auto report = infra::verify_chains(*writer);
    ASSERT_TRUE(report.has_value());
    EXPECT_FALSE(report->first_broken.has_value()) << report->first_broken->reason;
}

} // namespace

// --- Personal data: sealed in the events topic, keys in the keys topic ------

namespace {

/// The e-mails of the account.created and company.trainer_registered events
/// of `stream` as `log` reads them.
std::vector<std::string>
emails_of(events::event_log& log, const std::string& stream)
{
    std::vector<std::string> out;
    auto events = log.read_stream(stream);
    EXPECT_TRUE(events.has_value()) << events.error().code << ": " << events.error().message;
    if (!events) {
        return out;
    }
    for (const auto& e : *events) {
        auto env = events::envelope::decode(e.envelope_bytes);
        EXPECT_TRUE(env.has_value());
        auto p = env->reader().getPayload();
        if (p.which() == schema::Event::ACCOUNT &&
            p.getAccount().which() == schema::AccountEvent::CREATED) {
            out.emplace_back(p.getAccount().getCreated().getEmail().cStr());
        } else if (p.which() == schema::Event::COMPANY &&
                   p.getCompany().which() == schema::CompanyEvent::TRAINER_REGISTERED) {
            out.emplace_back(p.getCompany().getTrainerRegistered().getEmail().cStr());
        }
    }
    return out;
}

/// The committed records of `topic` (key, value; value nullopt for null),
/// read raw from the broker as any consumer outside the portal would.
std::vector<std::pair<std::string, std::optional<std::string>>>
raw_records(const std::string& topic, std::uint32_t partitions)
{
    std::vector<std::pair<std::string, std::optional<std::string>>> out;
    char err[512];
    rd_kafka_conf_t* conf = rd_kafka_conf_new();
    for (auto [k, v] : std::initializer_list<std::pair<const char*, std::string>>{
           { "bootstrap.servers", kafka_brokers() },
           { "group.id", topic + ".raw-test" },
           { "enable.auto.commit", "false" },
           { "enable.partition.eof", "true" },
           { "isolation.level", "read_committed" } }) {
        EXPECT_EQ(rd_kafka_conf_set(conf, k, v.c_str(), err, sizeof err), RD_KAFKA_CONF_OK) << err;
    }
    rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof err);
    EXPECT_NE(rk, nullptr) << err;
    if (rk == nullptr) {
        return out;
    }
    rd_kafka_topic_partition_list_t* list =
      rd_kafka_topic_partition_list_new(static_cast<int>(partitions));
    for (std::uint32_t p = 0; p < partitions; ++p) {
        rd_kafka_topic_partition_list_add(list, topic.c_str(), static_cast<int>(p))->offset =
          RD_KAFKA_OFFSET_BEGINNING;
    }
    EXPECT_EQ(rd_kafka_assign(rk, list), RD_KAFKA_RESP_ERR_NO_ERROR);
    rd_kafka_topic_partition_list_destroy(list);
    std::set<std::int32_t> at_end;
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (at_end.size() < partitions && std::chrono::steady_clock::now() < deadline) {
        rd_kafka_message_t* m = rd_kafka_consumer_poll(rk, 100);
        if (m == nullptr) {
            continue;
        }
        if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
            at_end.insert(m->partition);
        } else if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
            std::string key(static_cast<const char*>(m->key), m->key_len);
            std::optional<std::string> value;
            if (m->payload != nullptr) {
                value.emplace(static_cast<const char*>(m->payload), m->len);
            }
            out.emplace_back(std::move(key), std::move(value));
        }
        rd_kafka_message_destroy(m);
    }
    EXPECT_EQ(at_end.size(), partitions) << "reading " << topic;
    rd_kafka_consumer_close(rk);
    rd_kafka_destroy(rk);
    return out;
}

bool
some_value_contains(const std::vector<std::pair<std::string, std::optional<std::string>>>& records,
                    const std::string& needle)
{
    return std::any_of(records.begin(), records.end(), [&](const auto& r) {
        return r.second && r.second->find(needle) != std::string::npos;
    });
}

void
expect_chains_intact(events::event_log& log)
{
    auto report = infra::verify_chains(log);
    ASSERT_TRUE(report.has_value()) << report.error().message;
    EXPECT_GT(report->events, 0U);
    EXPECT_FALSE(report->first_broken.has_value()) << report->first_broken->reason;
}

} // namespace

TEST_F(KafkaLog, PersonalDataIsSealedInTheTopicReadInTheClearAndErasedOnEveryInstance)
{
    auto a = open_group("a");
    auto b = open_group("b");
    ASSERT_TRUE(a && b);
    ASSERT_TRUE(wait_split({ a.get(), b.get() }));

    auto created = a->append(personal_request("account-a1", account_created("erika@example.org")));
    ASSERT_TRUE(created.has_value()) << created.error().message;
    auto events_topic = prefix_ + ".events";
    auto keys_topic = prefix_ + ".keys";
    auto raw = raw_records(events_topic, k_partitions);
    ASSERT_EQ(raw.size(), 1U);
    EXPECT_EQ(raw[0].first, "account-a1");
    EXPECT_FALSE(some_value_contains(raw, "erika@example.org"));
    auto keys = raw_records(keys_topic, 1);
    ASSERT_EQ(keys.size(), 1U);
    EXPECT_EQ(keys[0].first, "account-a1");
    ASSERT_TRUE(keys[0].second.has_value());
    EXPECT_EQ(keys[0].second->size(), infra::k_subject_key_bytes);

    ASSERT_TRUE(b->wait_for_offsets(a->partition_offsets(), std::chrono::seconds(30)));
    EXPECT_EQ(emails_of(*a, "account-a1"), std::vector<std::string>{ "erika@example.org" });
    EXPECT_EQ(emails_of(*b, "account-a1"), std::vector<std::string>{ "erika@example.org" });

    // Erased through the other instance; new data of the subject is dropped.
    auto erased = b->append(personal_request("account-a1", account_erased()));
    ASSERT_TRUE(erased.has_value()) << erased.error().message;
    auto again = b->append(personal_request("account-a1", account_created("new@example.org")));
    ASSERT_TRUE(again.has_value()) << again.error().message;
    ASSERT_TRUE(a->wait_for_offsets(b->partition_offsets(), std::chrono::seconds(30)));
    const std::vector<std::string> empty{ "", "" };
    EXPECT_EQ(emails_of(*a, "account-a1"), empty);
    EXPECT_EQ(emails_of(*b, "account-a1"), empty);
    EXPECT_FALSE(some_value_contains(raw_records(events_topic, k_partitions), "new@example.org"));
    keys = raw_records(keys_topic, 1);
    ASSERT_FALSE(keys.empty());
    EXPECT_EQ(keys.back().first, "account-a1");
    ASSERT_TRUE(keys.back().second.has_value()) << "the erased marker is not a tombstone";
    EXPECT_TRUE(keys.back().second->empty());
    expect_chains_intact(*a);
    expect_chains_intact(*b);

    // A mirror rebuilt from nothing reads the field empty too.
    auto offsets = b->partition_offsets();
    a.reset();
    auto c = open("c", std::vector<std::uint32_t>{});
    ASSERT_TRUE(c);
    ASSERT_TRUE(c->wait_for_offsets(offsets, std::chrono::seconds(30)));
    EXPECT_EQ(emails_of(*c, "account-a1"), empty);
    expect_chains_intact(*c);
}

TEST_F(KafkaLog, ATrainerOfACompanyIsASubjectOfItsOwnErasedOnEveryInstance)
{
    auto a = open_group("a");
    auto b = open_group("b");
    ASSERT_TRUE(a && b);
    ASSERT_TRUE(wait_split({ a.get(), b.get() }));
    for (const auto& [id, email] :
         { std::pair{ "t1", "berger@firma.example" }, std::pair{ "t2", "vogel@firma.example" } }) {
        auto registered = a->append(personal_request("company-c1", trainer_registered(id, email)));
        ASSERT_TRUE(registered.has_value()) << registered.error().message;
    }
    auto keys_topic = prefix_ + ".keys";
    auto keys = raw_records(keys_topic, 1);
    ASSERT_EQ(keys.size(), 2U);
    EXPECT_EQ(keys[0].first, "company-c1/trainer-t1");
    EXPECT_EQ(keys[1].first, "company-c1/trainer-t2");
    EXPECT_FALSE(some_value_contains(raw_records(prefix_ + ".events", k_partitions), "berger@"));

    // Erased through the other instance: only that trainer's fields go.
    ASSERT_TRUE(b->wait_for_offsets(a->partition_offsets(), std::chrono::seconds(30)));
    auto erased = b->append(personal_request("company-c1", trainer_erased("t1")));
    ASSERT_TRUE(erased.has_value()) << erased.error().message;
    ASSERT_TRUE(a->wait_for_offsets(b->partition_offsets(), std::chrono::seconds(30)));
    const std::vector<std::string> after{ "", "vogel@firma.example" };
    EXPECT_EQ(emails_of(*a, "company-c1"), after);
    EXPECT_EQ(emails_of(*b, "company-c1"), after);
    keys = raw_records(keys_topic, 1);
    ASSERT_FALSE(keys.empty());
    EXPECT_EQ(keys.back().first, "company-c1/trainer-t1");
    ASSERT_TRUE(keys.back().second.has_value());
    EXPECT_TRUE(keys.back().second->empty()) << "the erased marker";
    expect_chains_intact(*a);
    expect_chains_intact(*b);
}

TEST_F(KafkaLog, ANewOwnerSealsWithTheSubjectKeyOfThePreviousOneNeverASecondKey)
{
    {
        auto a = open("a");
        ASSERT_TRUE(a);
        auto first = a->append(personal_request("account-f", account_created("f1@example.org")));
        ASSERT_TRUE(first.has_value()) << first.error().message;
    }
    auto b = open("b");
    ASSERT_TRUE(b);
    auto second = b->append(personal_request("account-f", account_created("f2@example.org")));
    ASSERT_TRUE(second.has_value()) << second.error().message;
    const std::vector<std::string> both{ "f1@example.org", "f2@example.org" };
    EXPECT_EQ(emails_of(*b, "account-f"), both);
    auto keys = raw_records(prefix_ + ".keys", 1);
    ASSERT_EQ(keys.size(), 1U);
    EXPECT_EQ(keys[0].first, "account-f");
    EXPECT_FALSE(some_value_contains(raw_records(prefix_ + ".events", k_partitions), "f2@"));

    auto c = open("c", std::vector<std::uint32_t>{});
    ASSERT_TRUE(c);
    ASSERT_TRUE(c->wait_for_offsets(b->partition_offsets(), std::chrono::seconds(30)));
    EXPECT_EQ(emails_of(*c, "account-f"), both);
    expect_chains_intact(*c);
}

TEST_F(KafkaLogPipeline, AGroupDecidedBeforeTheMirrorHasTheLastGroupsNewKeySealsWithThatKey)
{
    mirror_gate gate;
    auto writer = open_gated("writer", gate);
    ASSERT_TRUE(writer);
    auto reader = open("reader", std::vector<std::uint32_t>{});
    ASSERT_TRUE(reader);
    gate_opener opener{ gate };

    gate.close();
    auto first =
      append_async(*writer, personal_request("account-p", account_created("p1@example.org")));
    ASSERT_TRUE(wait_until([&] { return version_of(*reader, "account-p") == 1; }))
      << "the first append was not committed";
    // Decided on the committed key the writer's mirror does not have yet.
    auto second =
      append_async(*writer, personal_request("account-p", account_created("p2@example.org")));
    ASSERT_TRUE(wait_until([&] { return version_of(*reader, "account-p") == 2; }))
      << "the second group was not committed while the first waited for the mirror";
    gate.open();
    ASSERT_TRUE(first.get().has_value());
    ASSERT_TRUE(second.get().has_value());

    auto keys = raw_records(prefix_ + ".keys", 1);
    EXPECT_EQ(keys.size(), 1U) << "a second key for the same subject";
    const std::vector<std::string> both{ "p1@example.org", "p2@example.org" };
    EXPECT_EQ(emails_of(*writer, "account-p"), both);
    ASSERT_TRUE(reader->wait_for_offsets(writer->partition_offsets(), std::chrono::seconds(30)));
    EXPECT_EQ(emails_of(*reader, "account-p"), both);
}
