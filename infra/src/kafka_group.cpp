// The Kafka log's ownership by a consumer group and its command path between
// instances (kafka_command.hpp): the processors' group on `<prefix>.commands`
// decides which instance writes which partition; appends to partitions owned
// elsewhere travel as commands and wait for their results.

#include "kafka_client.hpp"
#include "kafka_command.hpp"
#include "kafka_log_impl.hpp"
#include "portal/events/partition.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <random>

namespace portal::infra::detail {

using events::append_request;
using events::append_result;

namespace {

std::string
random_id()
{
    thread_local std::mt19937_64 rng{ std::random_device{}() };
    return fmt::format("{:016x}{:016x}", rng(), rng());
}

std::string
header(const rd_kafka_message_t* m, const char* name)
{
    rd_kafka_headers_t* headers = nullptr;
    if (rd_kafka_message_headers(m, &headers) != RD_KAFKA_RESP_ERR_NO_ERROR) {
        return {};
    }
    const void* value = nullptr;
    size_t size = 0;
    if (rd_kafka_header_get_last(headers, name, &value, &size) != RD_KAFKA_RESP_ERR_NO_ERROR ||
        value == nullptr) {
        return {};
    }
    return std::string(static_cast<const char*>(value), size);
}

void
free_metadata(rd_kafka_consumer_group_metadata_t* m)
{
    rd_kafka_consumer_group_metadata_destroy(m);
}

} // namespace

result<void>
kafka_event_log::start_group()
{
    {
        std::lock_guard lock(writers_mu_);
        writers_.resize(options_.partitions);
    }
    auto socket_timeout = std::to_string(std::max<long>(options_.timeout.count(), 10));
    auto sender =
      kafka::make_client(RD_KAFKA_PRODUCER,
                         options_.brokers,
                         { { "client.id", options_.instance },
                           { "enable.idempotence", "true" },
                           { "linger.ms", "1" },
                           { "message.timeout.ms", std::to_string(options_.timeout.count()) },
                           { "socket.timeout.ms", socket_timeout } });
    if (!sender) {
        return fail(std::move(sender.error()));
    }
    sender_ = std::move(*sender);

    // The results meant for this instance arrive on one partition; read it
    // from its current end (earlier results were for earlier senders).
    auto results = kafka::make_client(
      RD_KAFKA_CONSUMER,
      options_.brokers,
      { { "client.id", options_.instance },
        { "group.id",
          fmt::format("{}.results.{}.{}", options_.topic_prefix, options_.instance, random_id()) },
        { "enable.auto.commit", "false" },
        { "enable.auto.offset.store", "false" },
        { "fetch.wait.max.ms", "5" },
        { "socket.timeout.ms", socket_timeout } });
    if (!results) {
        return fail(std::move(results.error()));
    }
    results_consumer_ = std::move(*results);
    auto mine =
      static_cast<std::int32_t>(events::partition_for(options_.instance, options_.partitions));
    auto high = high_watermark(results_topic_, static_cast<std::uint32_t>(mine));
    if (!high) {
        return fail(std::move(high.error()));
    }
    kafka::partitions_ptr list(rd_kafka_topic_partition_list_new(1));
    rd_kafka_topic_partition_list_add(list.get(), results_topic_.c_str(), mine)->offset = *high;
    if (auto err = rd_kafka_assign(results_consumer_.get(), list.get());
        err != RD_KAFKA_RESP_ERR_NO_ERROR) {
        return fail(kafka::unavailable("assigning the command results topic", err));
    }
    results_thread_ = std::thread([this] { results_loop(); });

    auto group =
      options_.group_id.empty() ? options_.topic_prefix + ".processors" : options_.group_id;
    auto processor = kafka::make_client(
      RD_KAFKA_CONSUMER,
      options_.brokers,
      { { "client.id", options_.instance },
        { "group.id", group },
        // Eager assignment: a rebalance revokes everything, then assigns;
        // a partition is never written by two members of one generation.
        { "partition.assignment.strategy", "roundrobin" },
        { "session.timeout.ms", std::to_string(options_.session_timeout.count()) },
        { "heartbeat.interval.ms",
          std::to_string(std::max<long>(options_.session_timeout.count() / 5, 100)) },
        { "enable.auto.commit", "false" },
        { "enable.auto.offset.store", "false" },
        { "isolation.level", "read_committed" },
        { "auto.offset.reset", "earliest" },
        { "fetch.wait.max.ms", "5" },
        { "socket.timeout.ms", socket_timeout } },
      nullptr,
      &kafka_event_log::on_rebalance,
      this);
    if (!processor) {
        return fail(std::move(processor.error()));
    }
    processor_ = std::move(*processor);
    kafka::partitions_ptr topics(rd_kafka_topic_partition_list_new(1));
    rd_kafka_topic_partition_list_add(topics.get(), commands_topic_.c_str(), RD_KAFKA_PARTITION_UA);
    if (auto err = rd_kafka_subscribe(processor_.get(), topics.get());
        err != RD_KAFKA_RESP_ERR_NO_ERROR) {
        return fail(kafka::unavailable("joining the command processors' group", err));
    }
    processor_thread_ = std::thread([this] { processor_loop(); });
    return {};
}

void
kafka_event_log::on_rebalance(rd_kafka_t* rk,
                              rd_kafka_resp_err_t err,
                              rd_kafka_topic_partition_list_t* partitions,
                              void* opaque)
{
    auto* self = static_cast<kafka_event_log*>(opaque);
    if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
        self->assigned(partitions);
        rd_kafka_assign(rk, partitions);
        return;
    }
    self->revoked(partitions);
    rd_kafka_assign(rk, nullptr);
}

void
kafka_event_log::assigned(rd_kafka_topic_partition_list_t* partitions)
{
    {
        std::lock_guard lock(group_mu_);
        group_metadata_.reset(rd_kafka_consumer_group_metadata(processor_.get()), free_metadata);
    }
    std::vector<std::uint32_t> claimed;
    for (int i = 0; i < partitions->cnt; ++i) {
        auto p = partitions->elems[i].partition;
        if (p < 0 || static_cast<std::uint32_t>(p) >= options_.partitions) {
            continue;
        }
        auto w = std::make_shared<partition_writer>(*this, static_cast<std::uint32_t>(p));
        // Fences the previous owner and mirrors the partition to its end. A
        // failure leaves the writer to claim again before its first group.
        if (auto c = w->claim(); !c) {
            spdlog::warn(
              "kafka log {}: claiming partition {}: {}", options_.instance, p, c.error().message);
        }
        w->start();
        std::lock_guard lock(writers_mu_);
        writers_[static_cast<std::uint32_t>(p)] = std::move(w);
        claimed.push_back(static_cast<std::uint32_t>(p));
    }
    spdlog::info("kafka log {}: writes partitions {} of {}",
                 options_.instance,
                 fmt::join(claimed, ","),
                 topic_);
}

void
kafka_event_log::revoked(rd_kafka_topic_partition_list_t* partitions)
{
    std::vector<std::shared_ptr<partition_writer>> released;
    {
        std::lock_guard lock(writers_mu_);
        for (int i = 0; i < partitions->cnt; ++i) {
            auto p = partitions->elems[i].partition;
            if (p >= 0 && static_cast<std::uint32_t>(p) < writers_.size()) {
                if (writers_[p]) {
                    released.push_back(std::move(writers_[p]));
                }
            }
        }
    }
    // Finishes the group in flight; queued local appends go to the new
    // owner, queued commands stay in the topic for it.
    for (auto& w : released) {
        w->stop(true);
    }
    {
        std::lock_guard lock(group_mu_);
        group_metadata_.reset();
    }
    if (!released.empty()) {
        spdlog::info(
          "kafka log {}: released {} partitions of {}", options_.instance, released.size(), topic_);
    }
}

std::shared_ptr<rd_kafka_consumer_group_metadata_t>
kafka_event_log::group_metadata() const
{
    std::lock_guard lock(group_mu_);
    return group_metadata_;
}

void
kafka_event_log::processor_loop()
{
    while (!group_stopping_) {
        kafka::message_ptr m(rd_kafka_consumer_poll(processor_.get(), 100));
        if (!m) {
            continue;
        }
        if (m->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
            if (m->err != RD_KAFKA_RESP_ERR__PARTITION_EOF) {
                spdlog::warn("kafka log {}: command processors: {}",
                             options_.instance,
                             rd_kafka_message_errstr(m.get()));
            }
            continue;
        }
        on_command(m.get());
    }
    // The destructor closes the consumer: leaving the group revokes (and
    // stops) every writer.
}

void
kafka_event_log::on_command(const rd_kafka_message_t* m)
{
    auto p = static_cast<std::uint32_t>(m->partition);
    auto reply_to = header(m, command_headers::reply_to);
    auto request_id = header(m, command_headers::request_id);
    auto request = decode_command(std::string_view(static_cast<const char*>(m->payload), m->len));
    auto writer = writer_of(p);
    if (!writer) {
        return; // revoked meanwhile: the next owner reads it
    }
    auto item = std::make_unique<write_item>();
    item->command_offset = m->offset;
    if (request) {
        auto payloads = validate_append(*request);
        if (payloads && events::partition_for(request->partition_key, options_.partitions) != p) {
            payloads = fail(error::invalid(
              "log.invalid_request",
              fmt::format(
                "a command for partition key {} on partition {}", request->partition_key, p)));
        }
        if (!payloads) {
            reply(reply_to, request_id, fail(payloads.error()), p);
            return; // its offset commits with the next transaction
        }
        item->request = std::move(*request);
        item->payloads = std::move(*payloads);
    } else {
        reply(reply_to, request_id, fail(request.error()), p);
        return;
    }
    item->done = [this, reply_to, request_id, p](result<append_result> r) {
        reply(reply_to, request_id, r, p);
    };
    writer->enqueue(std::move(item)); // a stopped writer: the next owner reads it
}

void
kafka_event_log::reply(const std::string& reply_to,
                       const std::string& request_id,
                       const result<append_result>& outcome,
                       std::uint32_t partition)
{
    if (reply_to.empty() || request_id.empty()) {
        return;
    }
    auto value = encode_reply({ outcome, mirrored(partition) });
    auto to = static_cast<std::int32_t>(events::partition_for(reply_to, options_.partitions));
    rd_kafka_headers_t* headers = rd_kafka_headers_new(2);
    rd_kafka_header_add(headers,
                        command_headers::reply_to,
                        -1,
                        reply_to.data(),
                        static_cast<ssize_t>(reply_to.size()));
    rd_kafka_header_add(headers,
                        command_headers::request_id,
                        -1,
                        request_id.data(),
                        static_cast<ssize_t>(request_id.size()));
    auto err = rd_kafka_producev(sender_.get(),
                                 RD_KAFKA_V_TOPIC(results_topic_.c_str()),
                                 RD_KAFKA_V_PARTITION(to),
                                 RD_KAFKA_V_KEY(reply_to.data(), reply_to.size()),
                                 RD_KAFKA_V_VALUE(value.data(), value.size()),
                                 RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                                 RD_KAFKA_V_HEADERS(headers),
                                 RD_KAFKA_V_END);
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
        rd_kafka_headers_destroy(headers);
        spdlog::warn("kafka log {}: cannot answer {} of {}: {}",
                     options_.instance,
                     request_id,
                     reply_to,
                     rd_kafka_err2str(err));
    }
}

void
kafka_event_log::results_loop()
{
    while (!group_stopping_) {
        kafka::message_ptr m(rd_kafka_consumer_poll(results_consumer_.get(), 100));
        if (!m || m->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
            continue;
        }
        auto id = header(m.get(), command_headers::request_id);
        std::shared_ptr<std::promise<std::string>> waiter;
        {
            std::lock_guard lock(pending_mu_);
            auto it = pending_requests_.find(id);
            if (it == pending_requests_.end()) {
                continue; // another instance's, or given up
            }
            waiter = std::move(it->second);
            pending_requests_.erase(it);
        }
        waiter->set_value(std::string(static_cast<const char*>(m->payload), m->len));
    }
}

result<append_result>
kafka_event_log::send_command(append_request request, std::uint32_t partition)
{
    auto deadline = std::chrono::steady_clock::now() + options_.timeout;
    auto id = random_id();
    auto waiter = std::make_shared<std::promise<std::string>>();
    auto answered = waiter->get_future();
    {
        std::lock_guard lock(pending_mu_);
        if (group_stopping_) {
            return fail(error::unavailable("log.unavailable", "the log is closing"));
        }
        pending_requests_.emplace(id, waiter);
    }
    auto forget = [&] {
        std::lock_guard lock(pending_mu_);
        pending_requests_.erase(id);
    };
    auto value = encode_command(request);
    rd_kafka_headers_t* headers = rd_kafka_headers_new(2);
    rd_kafka_header_add(headers,
                        command_headers::reply_to,
                        -1,
                        options_.instance.data(),
                        static_cast<ssize_t>(options_.instance.size()));
    rd_kafka_header_add(
      headers, command_headers::request_id, -1, id.data(), static_cast<ssize_t>(id.size()));
    auto err = rd_kafka_producev(sender_.get(),
                                 RD_KAFKA_V_TOPIC(commands_topic_.c_str()),
                                 RD_KAFKA_V_PARTITION(static_cast<std::int32_t>(partition)),
                                 RD_KAFKA_V_KEY(request.stream.data(), request.stream.size()),
                                 RD_KAFKA_V_VALUE(value.data(), value.size()),
                                 RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                                 RD_KAFKA_V_HEADERS(headers),
                                 RD_KAFKA_V_END);
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
        rd_kafka_headers_destroy(headers);
        forget();
        return fail(kafka::unavailable("sending a command", err));
    }
    if (answered.wait_until(deadline) != std::future_status::ready) {
        forget();
        return fail(error::unavailable(
          "log.unavailable",
          fmt::format("no owner of {} partition {} answered within {} ms; the outcome is unknown "
                      "(retry with the same command id)",
                      topic_,
                      partition,
                      options_.timeout.count())));
    }
    auto bytes = answered.get();
    if (bytes.empty()) {
        return fail(error::unavailable("log.unavailable", "the log is closing"));
    }
    auto reply = decode_reply(bytes);
    if (!reply) {
        return fail(std::move(reply.error()));
    }
    // Read-your-writes, and a retry after a conflict decides on what the
    // owner saw.
    auto caught_up = wait_mirrored(partition, reply->mirrored, deadline);
    if (!reply->outcome) {
        return fail(std::move(reply->outcome.error()));
    }
    if (!caught_up) {
        return fail(std::move(caught_up.error()));
    }
    auto res = std::move(*reply->outcome);
    auto first = store_->position_of(res.stream, res.first_version);
    auto last = store_->position_of(res.stream, res.last_version);
    if (!first || !last || !*first || !*last) {
        return fail(error::unavailable(
          "log.corrupt",
          fmt::format("the mirror lacks the events {}..{} of {} its owner committed",
                      res.first_version,
                      res.last_version,
                      res.stream)));
    }
    res.first_position = **first;
    res.last_position = **last;
    return res;
}

} // namespace portal::infra::detail
