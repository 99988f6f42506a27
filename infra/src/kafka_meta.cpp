#include "kafka_meta.hpp"

#include "kafka_client.hpp"

#include <fmt/format.h>

#include <optional>
#include <string_view>
#include <thread>

namespace portal::infra::kafka {

namespace {

using clock = std::chrono::steady_clock;

std::chrono::milliseconds
left_until(clock::time_point deadline)
{
    return std::max(std::chrono::milliseconds(1),
                    std::chrono::duration_cast<std::chrono::milliseconds>(deadline - clock::now()));
}

/// The first fingerprint in partition 0 of `topic`, nullopt when there is
/// none.
result<std::optional<std::string>>
first_fingerprint(rd_kafka_t* consumer, const std::string& topic, clock::time_point deadline)
{
    std::int64_t low = 0;
    std::int64_t high = 0;
    for (;;) {
        auto err = rd_kafka_query_watermark_offsets(
          consumer, topic.c_str(), 0, &low, &high, static_cast<int>(left_until(deadline).count()));
        if (err == RD_KAFKA_RESP_ERR_NO_ERROR) {
            break;
        }
        // A partition that just got its leader may not answer at once.
        bool transient = err == RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION ||
                         err == RD_KAFKA_RESP_ERR_LEADER_NOT_AVAILABLE ||
                         err == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART ||
                         err == RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION;
        if (!transient || clock::now() + std::chrono::milliseconds(100) >= deadline) {
            return fail(unavailable(fmt::format("the end of {}", topic), err));
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    if (high <= low) {
        return std::optional<std::string>{};
    }
    partitions_ptr list(rd_kafka_topic_partition_list_new(1));
    rd_kafka_topic_partition_list_add(list.get(), topic.c_str(), 0)->offset = low;
    if (auto err = rd_kafka_assign(consumer, list.get()); err != RD_KAFKA_RESP_ERR_NO_ERROR) {
        return fail(unavailable(fmt::format("assigning {}", topic), err));
    }
    while (clock::now() < deadline) {
        message_ptr m(rd_kafka_consumer_poll(consumer, 100));
        if (!m) {
            continue;
        }
        if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
            break;
        }
        if (m->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
            return fail(unavailable(fmt::format("reading {}", topic), m->err));
        }
        std::string_view key(static_cast<const char*>(m->key), m->key_len);
        if (key == k_key_fingerprint) {
            return std::optional<std::string>{ std::string(static_cast<const char*>(m->payload),
                                                           m->len) };
        }
        if (m->offset + 1 >= high) {
            break;
        }
    }
    if (clock::now() >= deadline) {
        return fail(error::unavailable("log.unavailable",
                                       fmt::format("Kafka: {} was not read in time", topic)));
    }
    return std::optional<std::string>{};
}

} // namespace

result<void>
check_key_fingerprint(const std::string& brokers,
                      const std::string& topic,
                      const std::string& instance,
                      const std::string& fingerprint,
                      std::chrono::milliseconds timeout)
{
    auto deadline = clock::now() + timeout;
    auto socket_timeout = std::to_string(std::max<long>(timeout.count(), 10));
    auto read = [&]() -> result<std::optional<std::string>> {
        // A fresh consumer per read: assigned, never subscribed or committed.
        auto consumer = make_client(RD_KAFKA_CONSUMER,
                                    brokers,
                                    { { "client.id", instance },
                                      { "group.id", topic + ".check" },
                                      { "enable.auto.commit", "false" },
                                      { "enable.auto.offset.store", "false" },
                                      { "enable.partition.eof", "true" },
                                      { "socket.timeout.ms", socket_timeout } });
        if (!consumer) {
            return fail(std::move(consumer.error()));
        }
        return first_fingerprint(consumer->get(), topic, deadline);
    };
    auto recorded = read();
    if (!recorded) {
        return fail(std::move(recorded.error()));
    }
    if (!*recorded) {
        auto producer = make_client(RD_KAFKA_PRODUCER,
                                    brokers,
                                    { { "client.id", instance },
                                      { "enable.idempotence", "true" },
                                      { "acks", "all" },
                                      { "socket.timeout.ms", socket_timeout } });
        if (!producer) {
            return fail(std::move(producer.error()));
        }
        std::string_view key(k_key_fingerprint);
        auto err = rd_kafka_producev(
          producer->get(),
          RD_KAFKA_V_TOPIC(topic.c_str()),
          RD_KAFKA_V_PARTITION(0),
          RD_KAFKA_V_KEY(key.data(), key.size()),
          RD_KAFKA_V_VALUE(const_cast<char*>(fingerprint.data()), fingerprint.size()),
          RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
          RD_KAFKA_V_END);
        if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
            return fail(
              unavailable(fmt::format("recording the key fingerprint in {}", topic), err));
        }
        err = rd_kafka_flush(producer->get(), static_cast<int>(left_until(deadline).count()));
        if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
            return fail(
              unavailable(fmt::format("recording the key fingerprint in {}", topic), err));
        }
        // Another instance may have recorded its fingerprint first.
        recorded = read();
        if (!recorded) {
            return fail(std::move(recorded.error()));
        }
        if (!*recorded) {
            return fail(error::unavailable(
              "log.unavailable",
              fmt::format("Kafka: the key fingerprint written to {} is not readable", topic)));
        }
    }
    if (**recorded != fingerprint) {
        return fail(error::invalid(
          "kafka.key_mismatch",
          fmt::format("this instance's secret.key differs from the one the instances on this "
                      "Kafka cluster use (recorded in {}): login ids, tokens and PINs derive from "
                      "it, so every instance needs the same key; copy secret.key from the data "
                      "directory of a running instance",
                      topic)));
    }
    return {};
}

} // namespace portal::infra::kafka
