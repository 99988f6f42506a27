#pragma once

/// librdkafka helpers of the Kafka log (private to infra): owning handles,
/// client creation with the portal's logging, topic creation and checks
/// through the Admin API, and the mapping of Kafka errors to the port's.

#include "portal/events/error.hpp"

#include <librdkafka/rdkafka.h>

#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace portal::infra::kafka {

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
using message_ptr = handle<rd_kafka_message_t, rd_kafka_message_destroy>;
using error_ptr = handle<rd_kafka_error_t, rd_kafka_error_destroy>;
using partitions_ptr =
  handle<rd_kafka_topic_partition_list_t, rd_kafka_topic_partition_list_destroy>;

/// Destroys a client; a consumer is closed first.
struct client_destroyer
{
    void operator()(rd_kafka_t* k) const;
};
using client_ptr = std::unique_ptr<rd_kafka_t, client_destroyer>;

using settings = std::vector<std::pair<std::string, std::string>>;

/// Called for each delivery report of a producer made with it (the
/// message's `_private` is the opaque given to produce).
using delivery_callback = void (*)(rd_kafka_t*, const rd_kafka_message_t*, void*);

/// Called on a consumer group's assignment and revocation (librdkafka's
/// rebalance callback; must call `rd_kafka_assign`).
using rebalance_callback = void (*)(rd_kafka_t*,
                                    rd_kafka_resp_err_t,
                                    rd_kafka_topic_partition_list_t*,
                                    void*);

/// A client of `type` for `brokers` with `extra` settings; librdkafka's log
/// goes to spdlog. `opaque` is passed to the callbacks. Errors:
/// `log.invalid_request` for a bad setting.
result<client_ptr> make_client(rd_kafka_type_t type,
                               const std::string& brokers,
                               const settings& extra,
                               delivery_callback on_delivery = nullptr,
                               rebalance_callback on_rebalance = nullptr,
                               void* opaque = nullptr);

/// Asks the brokers for `topic`'s metadata through `client`, so that the
/// client knows the leaders of its partitions. A producer's first message
/// to a topic otherwise waits for librdkafka's next metadata round (about a
/// second for a new transactional producer). Best effort: a failure is
/// logged, the first message then waits as without it.
void warm_topic(rd_kafka_t* client, const std::string& topic, std::chrono::milliseconds timeout);

/// A topic the portal needs.
struct topic_spec
{
    std::string name;
    int partitions = 1;
    int replication_factor = 1;
    settings config;
};

/// Creates the missing topics of `topics` and checks the partition count of
/// existing ones; returns when every topic's partitions have leaders.
/// Errors: `kafka.topic_mismatch` (invalid) for another partition count,
/// `kafka.topic_config` (invalid) when the broker refuses the topic's
/// settings, `log.unavailable` when the brokers do not answer in time.
result<void> ensure_topics(rd_kafka_t* client,
                           const std::vector<topic_spec>& topics,
                           std::chrono::milliseconds timeout);

/// `log.unavailable` with `what` and librdkafka's description of `err`.
error unavailable(std::string_view what, rd_kafka_resp_err_t err);

/// True when `err` means that another producer with the same
/// transactional.id fenced this one.
bool is_fencing(rd_kafka_resp_err_t err);

} // namespace portal::infra::kafka
