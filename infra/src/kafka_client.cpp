#include "kafka_client.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <map>
#include <thread>

namespace portal::infra::kafka {

namespace {

void
log_to_spdlog(const rd_kafka_t* k, int level, const char* facility, const char* message)
{
    // syslog levels: 0-3 errors, 4 warnings, 5-6 notices and info, 7 debug.
    auto lvl =
      level <= 4 ? spdlog::level::warn : (level <= 6 ? spdlog::level::info : spdlog::level::debug);
    spdlog::log(lvl, "kafka {} {}: {}", rd_kafka_name(k), facility, message);
}

using metadata_ptr = handle<const rd_kafka_metadata_t, rd_kafka_metadata_destroy>;

/// Partition count and whether every partition has a leader, per topic.
struct topic_state
{
    int partitions = 0;
    bool led = false;
};

result<std::map<std::string, topic_state>>
describe_all(rd_kafka_t* client, std::chrono::milliseconds timeout)
{
    const rd_kafka_metadata_t* raw = nullptr;
    // All topics: asking for one topic by name could let a broker with
    // auto.create.topics.enable create it with its defaults.
    auto err = rd_kafka_metadata(client, 1, nullptr, &raw, static_cast<int>(timeout.count()));
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
        return fail(unavailable("metadata", err));
    }
    metadata_ptr md(raw);
    std::map<std::string, topic_state> out;
    for (int i = 0; i < md->topic_cnt; ++i) {
        const auto& t = md->topics[i];
        if (t.err != RD_KAFKA_RESP_ERR_NO_ERROR && t.partition_cnt == 0) {
            continue;
        }
        topic_state s;
        s.partitions = t.partition_cnt;
        s.led = true;
        for (int p = 0; p < t.partition_cnt; ++p) {
            if (t.partitions[p].leader < 0 || t.partitions[p].err != RD_KAFKA_RESP_ERR_NO_ERROR) {
                s.led = false;
            }
        }
        out.emplace(t.topic, s);
    }
    return out;
}

result<void>
create_topics(rd_kafka_t* client,
              const std::vector<const topic_spec*>& specs,
              std::chrono::milliseconds timeout)
{
    char err[512];
    std::vector<handle<rd_kafka_NewTopic_t, rd_kafka_NewTopic_destroy>> owned;
    std::vector<rd_kafka_NewTopic_t*> topics;
    for (const auto* spec : specs) {
        owned.emplace_back(rd_kafka_NewTopic_new(
          spec->name.c_str(), spec->partitions, spec->replication_factor, err, sizeof err));
        if (!owned.back()) {
            return fail(
              error::invalid("kafka.topic_config", fmt::format("topic {}: {}", spec->name, err)));
        }
        for (const auto& [name, value] : spec->config) {
            if (rd_kafka_NewTopic_set_config(owned.back().get(), name.c_str(), value.c_str()) !=
                RD_KAFKA_RESP_ERR_NO_ERROR) {
                return fail(error::invalid(
                  "kafka.topic_config",
                  fmt::format("topic {}: bad setting {}={}", spec->name, name, value)));
            }
        }
        topics.push_back(owned.back().get());
    }
    handle<rd_kafka_AdminOptions_t, rd_kafka_AdminOptions_destroy> options(
      rd_kafka_AdminOptions_new(client, RD_KAFKA_ADMIN_OP_CREATETOPICS));
    auto ms = static_cast<int>(timeout.count());
    if (rd_kafka_AdminOptions_set_operation_timeout(options.get(), ms, err, sizeof err) !=
          RD_KAFKA_RESP_ERR_NO_ERROR ||
        rd_kafka_AdminOptions_set_request_timeout(options.get(), ms, err, sizeof err) !=
          RD_KAFKA_RESP_ERR_NO_ERROR) {
        return fail(error::invalid("log.invalid_request", err));
    }
    queue_ptr queue(rd_kafka_queue_new(client));
    rd_kafka_CreateTopics(client, topics.data(), topics.size(), options.get(), queue.get());
    event_ptr ev(rd_kafka_queue_poll(queue.get(), ms + 5'000));
    if (!ev) {
        return fail(error::unavailable("log.unavailable",
                                       "Kafka did not answer the creation of the topics in time"));
    }
    if (auto e = rd_kafka_event_error(ev.get()); e != RD_KAFKA_RESP_ERR_NO_ERROR) {
        return fail(unavailable("creating the topics", e));
    }
    const auto* res = rd_kafka_event_CreateTopics_result(ev.get());
    if (res == nullptr) {
        return fail(error::unavailable("log.unavailable", "unexpected answer to CreateTopics"));
    }
    size_t n = 0;
    const auto** results = rd_kafka_CreateTopics_result_topics(res, &n);
    for (size_t i = 0; i < n; ++i) {
        auto e = rd_kafka_topic_result_error(results[i]);
        if (e == RD_KAFKA_RESP_ERR_NO_ERROR || e == RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS) {
            continue; // another instance may create it at the same time
        }
        const char* msg = rd_kafka_topic_result_error_string(results[i]);
        auto text = fmt::format("creating topic {}: {}: {}",
                                rd_kafka_topic_result_name(results[i]),
                                rd_kafka_err2name(e),
                                msg != nullptr ? msg : "");
        if (e == RD_KAFKA_RESP_ERR_INVALID_REPLICATION_FACTOR ||
            e == RD_KAFKA_RESP_ERR_INVALID_PARTITIONS || e == RD_KAFKA_RESP_ERR_INVALID_CONFIG ||
            e == RD_KAFKA_RESP_ERR_POLICY_VIOLATION || e == RD_KAFKA_RESP_ERR_TOPIC_EXCEPTION) {
            return fail(error::invalid("kafka.topic_config", text));
        }
        return fail(error::unavailable("log.unavailable", text));
    }
    return {};
}

} // namespace

void
client_destroyer::operator()(rd_kafka_t* k) const
{
    if (rd_kafka_type(k) == RD_KAFKA_CONSUMER) {
        rd_kafka_consumer_close(k);
    }
    rd_kafka_destroy(k);
}

result<client_ptr>
make_client(rd_kafka_type_t type,
            const std::string& brokers,
            const settings& extra,
            delivery_callback on_delivery,
            rebalance_callback on_rebalance,
            void* opaque)
{
    char err[512];
    rd_kafka_conf_t* conf = rd_kafka_conf_new();
    auto set = [&](const std::string& name, const std::string& value) {
        return rd_kafka_conf_set(conf, name.c_str(), value.c_str(), err, sizeof err) ==
               RD_KAFKA_CONF_OK;
    };
    bool ok = set("bootstrap.servers", brokers);
    for (const auto& [name, value] : extra) {
        ok = ok && set(name, value);
    }
    if (!ok) {
        rd_kafka_conf_destroy(conf);
        return fail(error::invalid("log.invalid_request", fmt::format("Kafka setting: {}", err)));
    }
    rd_kafka_conf_set_log_cb(conf, log_to_spdlog);
    if (on_delivery != nullptr) {
        rd_kafka_conf_set_dr_msg_cb(conf, on_delivery);
    }
    if (on_rebalance != nullptr) {
        rd_kafka_conf_set_rebalance_cb(conf, on_rebalance);
    }
    if (opaque != nullptr) {
        rd_kafka_conf_set_opaque(conf, opaque);
    }
    rd_kafka_t* k = rd_kafka_new(type, conf, err, sizeof err);
    if (k == nullptr) {
        rd_kafka_conf_destroy(conf);
        return fail(error::invalid("log.invalid_request", fmt::format("Kafka client: {}", err)));
    }
    if (type == RD_KAFKA_CONSUMER) {
        rd_kafka_poll_set_consumer(k);
    }
    return client_ptr(k);
}

void
warm_topic(rd_kafka_t* client, const std::string& topic, std::chrono::milliseconds timeout)
{
    handle<rd_kafka_topic_t, rd_kafka_topic_destroy> t(
      rd_kafka_topic_new(client, topic.c_str(), nullptr));
    if (!t) {
        spdlog::warn("kafka {}: no handle of topic {}: {}",
                     rd_kafka_name(client),
                     topic,
                     rd_kafka_err2str(rd_kafka_last_error()));
        return;
    }
    const rd_kafka_metadata_t* raw = nullptr;
    auto err = rd_kafka_metadata(client, 0, t.get(), &raw, static_cast<int>(timeout.count()));
    metadata_ptr md(raw);
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
        spdlog::warn("kafka {}: the metadata of topic {}: {}",
                     rd_kafka_name(client),
                     topic,
                     rd_kafka_err2str(err));
    }
}

result<void>
ensure_topics(rd_kafka_t* client,
              const std::vector<topic_spec>& topics,
              std::chrono::milliseconds timeout)
{
    auto deadline = std::chrono::steady_clock::now() + timeout;
    bool created = false;
    for (;;) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) {
            return fail(error::unavailable(
              "log.unavailable",
              fmt::format("the topics did not get leaders within {} ms", timeout.count())));
        }
        auto existing = describe_all(client, left);
        if (!existing) {
            return fail(std::move(existing.error()));
        }
        std::vector<const topic_spec*> missing;
        bool all_led = true;
        for (const auto& spec : topics) {
            auto it = existing->find(spec.name);
            if (it == existing->end()) {
                missing.push_back(&spec);
                continue;
            }
            if (it->second.partitions != spec.partitions) {
                return fail(error::invalid(
                  "kafka.topic_mismatch",
                  fmt::format("topic {} has {} partitions, but the portal is configured for {}: "
                              "use the topic's partition count, or another topic prefix",
                              spec.name,
                              it->second.partitions,
                              spec.partitions)));
            }
            all_led = all_led && it->second.led;
        }
        if (missing.empty() && all_led) {
            return {};
        }
        if (!missing.empty() && !created) {
            auto made = create_topics(client, missing, left);
            if (!made) {
                return fail(std::move(made.error()));
            }
            created = true;
            continue;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(50)); // metadata propagation
    }
}

error
unavailable(std::string_view what, rd_kafka_resp_err_t err)
{
    return error::unavailable(
      "log.unavailable",
      fmt::format("Kafka: {}: {} ({})", what, rd_kafka_err2str(err), rd_kafka_err2name(err)));
}

bool
is_fencing(rd_kafka_resp_err_t err)
{
    return err == RD_KAFKA_RESP_ERR__FENCED || err == RD_KAFKA_RESP_ERR_PRODUCER_FENCED ||
           err == RD_KAFKA_RESP_ERR_INVALID_PRODUCER_EPOCH;
}

} // namespace portal::infra::kafka
