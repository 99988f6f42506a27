/// Smoke test of librdkafka (Debian 12: 2.0.2) against a real Apache Kafka
/// broker (scripts/kafka start): the admin API creates a topic, the
/// idempotent producer writes to it and a consumer reads it back; a
/// transactional producer's aborted and open transactions stay invisible to
/// a read_committed consumer, its committed one becomes visible.
///
/// The broker comes from PORTAL_KAFKA_BROKERS; without it every test fails.

#include <gtest/gtest.h>
#include <librdkafka/rdkafka.h>

#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <expected>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

namespace {

using namespace std::chrono_literals;

constexpr int k_timeout_ms = 60'000;

template<auto destroy>
struct destroyer
{
    template<typename T>
    void operator()(T* p) const
    {
        destroy(p);
    }
};
template<typename T, auto destroy>
using handle = std::unique_ptr<T, destroyer<destroy>>;

using event_ptr = handle<rd_kafka_event_t, rd_kafka_event_destroy>;
using queue_ptr = handle<rd_kafka_queue_t, rd_kafka_queue_destroy>;
using options_ptr = handle<rd_kafka_AdminOptions_t, rd_kafka_AdminOptions_destroy>;
using new_topic_ptr = handle<rd_kafka_NewTopic_t, rd_kafka_NewTopic_destroy>;
using message_ptr = handle<rd_kafka_message_t, rd_kafka_message_destroy>;
using error_ptr = handle<rd_kafka_error_t, rd_kafka_error_destroy>;
using partitions_ptr =
  handle<rd_kafka_topic_partition_list_t, rd_kafka_topic_partition_list_destroy>;
using metadata_ptr = handle<const rd_kafka_metadata_t, rd_kafka_metadata_destroy>;

/// A client; a consumer leaves its group before it is destroyed.
struct client_destroyer
{
    void operator()(rd_kafka_t* k) const
    {
        if (rd_kafka_type(k) == RD_KAFKA_CONSUMER) {
            rd_kafka_consumer_close(k);
        }
        rd_kafka_destroy(k);
    }
};
using client_ptr = std::unique_ptr<rd_kafka_t, client_destroyer>;

/// What the broker said about one produced message (delivery report).
struct delivery
{
    bool reported = false;
    rd_kafka_resp_err_t err = RD_KAFKA_RESP_ERR_NO_ERROR;
    rd_kafka_msg_status_t status = RD_KAFKA_MSG_STATUS_NOT_PERSISTED;
    std::int64_t offset = -1;
};

/// A consumed message.
struct record
{
    std::int64_t offset;
    std::string key;
    std::string value;
    std::optional<std::string> type_header;
};

void
on_delivery(rd_kafka_t*, const rd_kafka_message_t* m, void*)
{
    auto* d = static_cast<delivery*>(m->_private);
    d->reported = true;
    d->err = m->err;
    d->status = rd_kafka_message_status(m);
    d->offset = m->offset;
}

/// A client of `type` with `settings`, connected to `brokers`.
std::expected<client_ptr, std::string>
make_client(rd_kafka_type_t type,
            const std::string& brokers,
            const std::vector<std::pair<std::string, std::string>>& settings)
{
    char err[512];
    rd_kafka_conf_t* conf = rd_kafka_conf_new();
    auto set = [&](const std::string& name, const std::string& value) {
        return rd_kafka_conf_set(conf, name.c_str(), value.c_str(), err, sizeof err) ==
               RD_KAFKA_CONF_OK;
    };
    bool ok = set("bootstrap.servers", brokers);
    for (const auto& [name, value] : settings) {
        ok = ok && set(name, value);
    }
    if (!ok) {
        rd_kafka_conf_destroy(conf);
        return std::unexpected(std::string(err));
    }
    if (type == RD_KAFKA_PRODUCER) {
        rd_kafka_conf_set_dr_msg_cb(conf, on_delivery);
    }
    rd_kafka_t* k = rd_kafka_new(type, conf, err, sizeof err);
    if (k == nullptr) {
        rd_kafka_conf_destroy(conf);
        return std::unexpected(std::string(err));
    }
    if (type == RD_KAFKA_CONSUMER) {
        rd_kafka_poll_set_consumer(k);
    }
    return client_ptr(k);
}

/// Creates `topic` with one partition through the admin API.
std::expected<void, std::string>
create_topic(rd_kafka_t* k, const std::string& topic)
{
    char err[512];
    new_topic_ptr nt(rd_kafka_NewTopic_new(topic.c_str(), 1, 1, err, sizeof err));
    if (!nt) {
        return std::unexpected(std::string(err));
    }
    options_ptr options(rd_kafka_AdminOptions_new(k, RD_KAFKA_ADMIN_OP_CREATETOPICS));
    // Wait until the broker has created the topic, not only accepted it.
    if (rd_kafka_AdminOptions_set_operation_timeout(options.get(), k_timeout_ms, err, sizeof err) !=
        RD_KAFKA_RESP_ERR_NO_ERROR) {
        return std::unexpected(std::string(err));
    }
    queue_ptr queue(rd_kafka_queue_new(k));
    rd_kafka_NewTopic_t* topics[] = { nt.get() };
    rd_kafka_CreateTopics(k, topics, 1, options.get(), queue.get());
    event_ptr ev(rd_kafka_queue_poll(queue.get(), k_timeout_ms + 10'000));
    if (!ev) {
        return std::unexpected("no CreateTopics result within the deadline");
    }
    if (rd_kafka_event_error(ev.get()) != RD_KAFKA_RESP_ERR_NO_ERROR) {
        return std::unexpected(std::string(rd_kafka_event_error_string(ev.get())));
    }
    const auto* result = rd_kafka_event_CreateTopics_result(ev.get());
    if (result == nullptr) {
        return std::unexpected("unexpected event " + std::string(rd_kafka_event_name(ev.get())));
    }
    size_t n = 0;
    const rd_kafka_topic_result_t** results = rd_kafka_CreateTopics_result_topics(result, &n);
    if (n != 1 || topic != rd_kafka_topic_result_name(results[0])) {
        return std::unexpected("CreateTopics answered for " + std::to_string(n) + " topics");
    }
    if (rd_kafka_topic_result_error(results[0]) != RD_KAFKA_RESP_ERR_NO_ERROR) {
        return std::unexpected(std::string(rd_kafka_topic_result_error_string(results[0])));
    }
    return {};
}

/// The partition count and the leader of partition 0 of `topic` as the
/// broker's metadata tells them.
std::expected<std::pair<int, std::int32_t>, std::string>
describe_topic(rd_kafka_t* k, const std::string& topic)
{
    handle<rd_kafka_topic_t, rd_kafka_topic_destroy> t(
      rd_kafka_topic_new(k, topic.c_str(), nullptr));
    const rd_kafka_metadata_t* raw = nullptr;
    auto err = rd_kafka_metadata(k, 0, t.get(), &raw, k_timeout_ms);
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
        return std::unexpected(std::string(rd_kafka_err2str(err)));
    }
    metadata_ptr md(raw);
    if (md->topic_cnt != 1 || md->topics[0].err != RD_KAFKA_RESP_ERR_NO_ERROR) {
        return std::unexpected("no metadata for " + topic);
    }
    const auto& tm = md->topics[0];
    return std::pair{ tm.partition_cnt, tm.partition_cnt > 0 ? tm.partitions[0].leader : -1 };
}

/// Assigns partition 0 of `topic` to `consumer` from its first offset.
std::expected<void, std::string>
assign_from_beginning(rd_kafka_t* consumer, const std::string& topic)
{
    partitions_ptr list(rd_kafka_topic_partition_list_new(1));
    rd_kafka_topic_partition_list_add(list.get(), topic.c_str(), 0)->offset =
      RD_KAFKA_OFFSET_BEGINNING;
    auto err = rd_kafka_assign(consumer, list.get());
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
        return std::unexpected(std::string(rd_kafka_err2str(err)));
    }
    return {};
}

/// The messages `consumer` receives until it reaches the end of its
/// partition (the last stable offset for read_committed).
std::expected<std::vector<record>, std::string>
read_to_end(rd_kafka_t* consumer)
{
    std::vector<record> out;
    auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(k_timeout_ms);
    while (std::chrono::steady_clock::now() < deadline) {
        message_ptr m(rd_kafka_consumer_poll(consumer, 100));
        if (!m) {
            continue;
        }
        if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
            return out;
        }
        if (m->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
            return std::unexpected(std::string(rd_kafka_message_errstr(m.get())));
        }
        record r{ m->offset,
                  std::string(static_cast<const char*>(m->key), m->key_len),
                  std::string(static_cast<const char*>(m->payload), m->len),
                  std::nullopt };
        rd_kafka_headers_t* headers = nullptr;
        const void* value = nullptr;
        size_t size = 0;
        if (rd_kafka_message_headers(m.get(), &headers) == RD_KAFKA_RESP_ERR_NO_ERROR &&
            rd_kafka_header_get_last(headers, "type", &value, &size) ==
              RD_KAFKA_RESP_ERR_NO_ERROR) {
            r.type_header = std::string(static_cast<const char*>(value), size);
        }
        out.push_back(std::move(r));
    }
    return std::unexpected("the end of the partition was not reached within the deadline");
}

/// Produces one message with key, value and a `type` header.
rd_kafka_resp_err_t
produce(rd_kafka_t* producer,
        const std::string& topic,
        const std::string& key,
        const std::string& value,
        delivery& report)
{
    static constexpr std::string_view type = "smoke.test";
    return rd_kafka_producev(producer,
                             RD_KAFKA_V_TOPIC(topic.c_str()),
                             RD_KAFKA_V_PARTITION(0),
                             RD_KAFKA_V_KEY(key.data(), key.size()),
                             RD_KAFKA_V_VALUE(const_cast<char*>(value.data()), value.size()),
                             RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                             RD_KAFKA_V_HEADER("type", type.data(), type.size()),
                             RD_KAFKA_V_OPAQUE(&report),
                             RD_KAFKA_V_END);
}

/// The message of a failed transactional call, or nullopt on success.
std::optional<std::string>
failed(rd_kafka_error_t* raw)
{
    error_ptr e(raw);
    if (!e) {
        return std::nullopt;
    }
    return std::string(rd_kafka_error_name(e.get())) + ": " + rd_kafka_error_string(e.get());
}

/// Each test gets the broker address, a fresh topic and an admin client.
class KafkaBroker : public ::testing::Test
{
  protected:
    void SetUp() override
    {
        const char* env = std::getenv("PORTAL_KAFKA_BROKERS");
        if (env == nullptr || *env == '\0') {
            FAIL() << "PORTAL_KAFKA_BROKERS is not set: these tests need a real Kafka broker. "
                      "Start one with `scripts/kafka start` and set "
                      "PORTAL_KAFKA_BROKERS=127.0.0.1:19092 (scripts/test does both).";
        }
        brokers_ = env;
        std::random_device rd;
        run_ = std::to_string(rd()) + std::to_string(rd());
        const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
        topic_ = std::string("portal.smoke.") + info->name() + "." + run_;

        auto admin = make_client(RD_KAFKA_PRODUCER, brokers_, {});
        ASSERT_TRUE(admin) << admin.error();
        admin_ = std::move(*admin);
        auto created = create_topic(admin_.get(), topic_);
        ASSERT_TRUE(created) << "creating " << topic_ << " at " << brokers_ << ": "
                             << created.error();
        // A new topic's metadata reaches the broker's metadata cache shortly
        // after CreateTopics returns: ask again until it is there.
        auto described = describe_topic(admin_.get(), topic_);
        auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(k_timeout_ms);
        while (!described && std::chrono::steady_clock::now() < deadline) {
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
            described = describe_topic(admin_.get(), topic_);
        }
        ASSERT_TRUE(described) << described.error();
        EXPECT_EQ(described->first, 1) << "partitions of " << topic_;
        EXPECT_GE(described->second, 0) << "partition 0 of " << topic_ << " has no leader";
    }

    client_ptr consumer(const std::string& isolation)
    {
        auto c = make_client(RD_KAFKA_CONSUMER,
                             brokers_,
                             { { "group.id", "portal.smoke." + run_ },
                               { "enable.auto.commit", "false" },
                               { "enable.partition.eof", "true" },
                               { "isolation.level", isolation } });
        EXPECT_TRUE(c) << c.error();
        return c ? std::move(*c) : nullptr;
    }

    std::string brokers_;
    std::string run_;
    std::string topic_;
    client_ptr admin_;
};

TEST_F(KafkaBroker, IdempotentProducerWritesWhatAConsumerReadsBackInOrder)
{
    auto producer = make_client(
      RD_KAFKA_PRODUCER, brokers_, { { "enable.idempotence", "true" }, { "linger.ms", "5" } });
    ASSERT_TRUE(producer) << producer.error();

    constexpr int k_count = 100;
    std::vector<delivery> reports(k_count);
    for (int i = 0; i < k_count; ++i) {
        ASSERT_EQ(produce(producer->get(),
                          topic_,
                          "stream-" + std::to_string(i % 7),
                          "event " + std::to_string(i) + " of " + run_,
                          reports[i]),
                  RD_KAFKA_RESP_ERR_NO_ERROR);
    }
    ASSERT_EQ(rd_kafka_flush(producer->get(), k_timeout_ms), RD_KAFKA_RESP_ERR_NO_ERROR);
    for (int i = 0; i < k_count; ++i) {
        ASSERT_TRUE(reports[i].reported) << "message " << i;
        ASSERT_EQ(reports[i].err, RD_KAFKA_RESP_ERR_NO_ERROR)
          << "message " << i << ": " << rd_kafka_err2str(reports[i].err);
        EXPECT_EQ(reports[i].status, RD_KAFKA_MSG_STATUS_PERSISTED) << "message " << i;
        EXPECT_EQ(reports[i].offset, i) << "message " << i;
    }

    auto c = consumer("read_uncommitted");
    ASSERT_TRUE(c);
    auto assigned = assign_from_beginning(c.get(), topic_);
    ASSERT_TRUE(assigned) << assigned.error();
    auto records = read_to_end(c.get());
    ASSERT_TRUE(records) << records.error();
    ASSERT_EQ(records->size(), static_cast<size_t>(k_count));
    for (int i = 0; i < k_count; ++i) {
        const auto& r = (*records)[i];
        EXPECT_EQ(r.offset, reports[i].offset);
        EXPECT_EQ(r.key, "stream-" + std::to_string(i % 7));
        EXPECT_EQ(r.value, "event " + std::to_string(i) + " of " + run_);
        EXPECT_EQ(r.type_header, std::optional<std::string>("smoke.test"));
    }
}

TEST_F(KafkaBroker, ReadCommittedConsumerSeesOnlyTheCommittedTransaction)
{
    auto producer = make_client(
      RD_KAFKA_PRODUCER,
      brokers_,
      { { "transactional.id", "portal.smoke." + run_ }, { "transaction.timeout.ms", "60000" } });
    ASSERT_TRUE(producer) << producer.error();
    auto* p = producer->get();
    ASSERT_EQ(failed(rd_kafka_init_transactions(p, k_timeout_ms)), std::nullopt);

    // An aborted transaction.
    delivery aborted;
    ASSERT_EQ(failed(rd_kafka_begin_transaction(p)), std::nullopt);
    ASSERT_EQ(produce(p, topic_, "stream-1", "aborted " + run_, aborted),
              RD_KAFKA_RESP_ERR_NO_ERROR);
    ASSERT_EQ(rd_kafka_flush(p, k_timeout_ms), RD_KAFKA_RESP_ERR_NO_ERROR);
    ASSERT_EQ(failed(rd_kafka_abort_transaction(p, k_timeout_ms)), std::nullopt);

    // An open transaction whose message is in the log but not committed.
    delivery committed;
    ASSERT_EQ(failed(rd_kafka_begin_transaction(p)), std::nullopt);
    ASSERT_EQ(produce(p, topic_, "stream-1", "committed " + run_, committed),
              RD_KAFKA_RESP_ERR_NO_ERROR);
    ASSERT_EQ(rd_kafka_flush(p, k_timeout_ms), RD_KAFKA_RESP_ERR_NO_ERROR);
    ASSERT_TRUE(committed.reported);
    ASSERT_EQ(committed.err, RD_KAFKA_RESP_ERR_NO_ERROR) << rd_kafka_err2str(committed.err);
    EXPECT_GT(committed.offset, aborted.offset);

    auto c = consumer("read_committed");
    ASSERT_TRUE(c);
    auto assigned = assign_from_beginning(c.get(), topic_);
    ASSERT_TRUE(assigned) << assigned.error();
    auto before = read_to_end(c.get());
    ASSERT_TRUE(before) << before.error();
    EXPECT_TRUE(before->empty()) << before->size() << " message(s) visible before the commit, "
                                 << "the first: " << before->front().value;

    ASSERT_EQ(failed(rd_kafka_commit_transaction(p, k_timeout_ms)), std::nullopt);
    auto after = read_to_end(c.get());
    ASSERT_TRUE(after) << after.error();
    ASSERT_EQ(after->size(), 1u);
    EXPECT_EQ(after->front().value, "committed " + run_);
    EXPECT_EQ(after->front().key, "stream-1");
    EXPECT_EQ(after->front().offset, committed.offset);
    EXPECT_EQ(after->front().type_header, std::optional<std::string>("smoke.test"));
}

} // namespace
