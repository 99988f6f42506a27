#include "portal/infra/kafka_log.hpp"

#include "kafka_client.hpp"
#include "kafka_command.hpp"
#include "kafka_log_impl.hpp"
#include "kafka_meta.hpp"
#include "portal/events/partition.hpp"
#include "portal/events/personal_data.hpp"
#include "portal/infra/personal_seal.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <random>

namespace portal::infra {

using events::append_request;
using events::append_result;
using events::position;
using events::recorded_event;
using events::stream_head;

namespace {

std::string
random_suffix()
{
    std::random_device rd;
    return fmt::format("{:08x}{:08x}", rd(), rd());
}

std::string
offset_key(std::uint32_t partition)
{
    return fmt::format("kafka.offset.{}", partition);
}

/// The next offset of the keys topic the mirror reads.
constexpr std::string_view k_keys_offset_key = "kafka.keys.offset";

// The offsets of the mirrored events, written with the events: `kafka.at.`
// + big-endian partition and offset -> big-endian position (ordered, so the
// last event at or before an offset is one SeekForPrev away), and
// `kafka.pos.` + big-endian position -> big-endian partition and offset.
constexpr std::string_view k_at_prefix = "kafka.at.";
constexpr std::string_view k_pos_prefix = "kafka.pos.";

std::string
at_prefix(std::uint32_t partition)
{
    std::string key(k_at_prefix);
    detail::put_be64(key, partition);
    return key;
}

std::string
at_key(std::uint32_t partition, std::int64_t offset)
{
    auto key = at_prefix(partition);
    detail::put_be64(key, static_cast<std::uint64_t>(offset));
    return key;
}

std::string
pos_key(std::uint64_t pos)
{
    std::string key(k_pos_prefix);
    detail::put_be64(key, pos);
    return key;
}

} // namespace

namespace detail {

kafka_event_log::kafka_event_log(kafka_log_options options, std::unique_ptr<log_store> store)
  : options_(std::move(options))
  , topic_(options_.topic_prefix + ".events")
  , store_(std::move(store))
  , keys_topic_(options_.topic_prefix + ".keys")
  , consumed_(options_.partitions)
  , pending_(options_.partitions)
  , commands_topic_(options_.topic_prefix + ".commands")
  , results_topic_(options_.topic_prefix + ".command-results")
{
    if (!options_.clock) {
        options_.clock = system_now;
    }
    next_position_ = store_->last_position().value + 1;
}

kafka_event_log::~kafka_event_log()
{
    store_->close_subscriptions();
    group_stopping_ = true;
    if (processor_thread_.joinable()) {
        processor_thread_.join();
    }
    processor_.reset(); // leaves the group: revokes (stops) every writer
    if (results_thread_.joinable()) {
        results_thread_.join();
    }
    {
        std::lock_guard lock(pending_mu_);
        for (auto& [id, waiter] : pending_requests_) {
            waiter->set_value(std::string{});
        }
        pending_requests_.clear();
    }
    std::vector<std::shared_ptr<partition_writer>> writers;
    {
        std::lock_guard lock(writers_mu_);
        writers.swap(writers_);
    }
    for (auto& w : writers) {
        if (w) {
            w->stop();
        }
    }
    writers.clear();
    processor_.reset();
    results_consumer_.reset();
    sender_.reset();
    {
        std::lock_guard lock(mirror_mu_);
        mirror_stopping_ = true;
    }
    mirror_cv_.notify_all();
    if (mirror_.joinable()) {
        mirror_.join();
    }
    keys_consumer_.reset();
    consumer_.reset();
}

result<void>
kafka_event_log::start_mirror()
{
    // Both mirror consumers (events, subject keys) are assigned, never
    // subscribed: the group id is not used for offsets.
    auto mirror_consumer = [&](std::string_view what) {
        return kafka::make_client(
          RD_KAFKA_CONSUMER,
          options_.brokers,
          { { "client.id", options_.instance },
            { "group.id",
              fmt::format(
                "{}.{}.{}.{}", options_.topic_prefix, what, options_.instance, random_suffix()) },
            { "enable.auto.commit", "false" },
            { "enable.auto.offset.store", "false" },
            { "enable.partition.eof", "true" },
            { "isolation.level", "read_committed" },
            { "auto.offset.reset", "earliest" },
            // An append waits for its events to come back through the
            // mirror: a short fetch wait bounds that latency (an idle
            // instance then asks each broker 200 times a second).
            { "fetch.wait.max.ms", "5" },
            { "socket.timeout.ms",
              std::to_string(std::max<long>(options_.timeout.count(), 10)) } });
    };
    auto consumer = mirror_consumer("mirror");
    if (!consumer) {
        return fail(std::move(consumer.error()));
    }
    consumer_ = std::move(*consumer);
    auto keys_consumer = mirror_consumer("keys-mirror");
    if (!keys_consumer) {
        return fail(std::move(keys_consumer.error()));
    }
    keys_consumer_ = std::move(*keys_consumer);
    {
        std::string value;
        auto s = store_->db().Get(
          rocksdb::ReadOptions(), store_->cf_default(), rocksdb::Slice(k_keys_offset_key), &value);
        std::int64_t offset = RD_KAFKA_OFFSET_BEGINNING;
        if (s.ok() && value.size() == 8) {
            offset = static_cast<std::int64_t>(get_be64(value));
            keys_consumed_.store(offset);
        } else if (!s.IsNotFound() && !s.ok()) {
            return fail(storage_error(s, "mirror offsets"));
        }
        kafka::partitions_ptr keys(rd_kafka_topic_partition_list_new(1));
        rd_kafka_topic_partition_list_add(keys.get(), keys_topic_.c_str(), 0)->offset = offset;
        if (auto err = rd_kafka_assign(keys_consumer_.get(), keys.get());
            err != RD_KAFKA_RESP_ERR_NO_ERROR) {
            return fail(kafka::unavailable("assigning the keys topic", err));
        }
    }
    kafka::partitions_ptr list(
      rd_kafka_topic_partition_list_new(static_cast<int>(options_.partitions)));
    for (std::uint32_t p = 0; p < options_.partitions; ++p) {
        std::string value;
        auto s =
          store_->db().Get(rocksdb::ReadOptions(), store_->cf_default(), offset_key(p), &value);
        std::int64_t offset = RD_KAFKA_OFFSET_BEGINNING;
        if (s.ok() && value.size() == 8) {
            offset = static_cast<std::int64_t>(get_be64(value));
            consumed_[p].store(offset);
        } else if (!s.IsNotFound() && !s.ok()) {
            return fail(storage_error(s, "mirror offsets"));
        }
        rd_kafka_topic_partition_list_add(list.get(), topic_.c_str(), static_cast<int>(p))->offset =
          offset;
    }
    if (auto err = rd_kafka_assign(consumer_.get(), list.get());
        err != RD_KAFKA_RESP_ERR_NO_ERROR) {
        return fail(kafka::unavailable("assigning the events topic", err));
    }
    mirror_ = std::thread([this] { mirror_loop(); });
    return {};
}

void
kafka_event_log::mirror_loop()
{
    std::vector<kafka::message_ptr> batch;
    for (;;) {
        {
            std::lock_guard lock(mirror_mu_);
            if (mirror_stopping_) {
                return;
            }
        }
        // Erased markers and keys of other partitions' subjects come
        // without waiting for an event that needs them.
        if (auto keys = drain_keys(); !keys) {
            spdlog::error(
              "kafka log {}: the mirror stopped: {}", options_.instance, keys.error().message);
            std::lock_guard lock(mirror_mu_);
            mirror_failure_ = keys.error();
            mirror_cv_.notify_all();
            return;
        }
        kafka::message_ptr first(rd_kafka_consumer_poll(consumer_.get(), 100));
        if (!first) {
            continue;
        }
        batch.push_back(std::move(first));
        while (batch.size() < k_mirror_batch) {
            kafka::message_ptr m(rd_kafka_consumer_poll(consumer_.get(), 0));
            if (!m) {
                break;
            }
            batch.push_back(std::move(m));
        }
        if (options_.before_mirror_batch) {
            options_.before_mirror_batch();
        }
        auto applied = apply(batch);
        batch.clear();
        if (!applied) {
            spdlog::error(
              "kafka log {}: the mirror stopped: {}", options_.instance, applied.error().message);
            std::lock_guard lock(mirror_mu_);
            mirror_failure_ = applied.error();
            mirror_cv_.notify_all();
            return;
        }
    }
}

result<void>
kafka_event_log::apply(const std::vector<kafka::message_ptr>& batch)
{
    rocksdb::WriteBatch wb;
    std::unordered_map<std::string, stream_head> staged;
    std::unordered_set<std::string> staged_commands;
    std::vector<std::optional<std::int64_t>> next_offsets(options_.partitions);
    std::vector<std::optional<std::int64_t>> eofs(options_.partitions);
    std::uint64_t pos = next_position_;
    batch_erases_ = false;

    for (const auto& m : batch) {
        if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
            if (m->partition >= 0 &&
                static_cast<std::uint32_t>(m->partition) < options_.partitions) {
                eofs[m->partition] = m->offset;
            }
            continue;
        }
        if (m->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
            spdlog::warn(
              "kafka log {}: consumer: {}", options_.instance, rd_kafka_message_errstr(m.get()));
            continue;
        }
        if (m->partition < 0 || static_cast<std::uint32_t>(m->partition) >= options_.partitions) {
            continue;
        }
        auto p = static_cast<std::uint32_t>(m->partition);
        auto& pending = pending_[p];
        auto record = parse_record(m.get());
        if (!record) {
            spdlog::error("kafka log {}: skipping the record at {}/{}: {}",
                          options_.instance,
                          p,
                          m->offset,
                          record.error().message);
            pending.clear();
            next_offsets[p] = m->offset + 1;
            continue;
        }
        if (record->index != pending.size() ||
            (!pending.empty() && (pending.front().stream != record->stream ||
                                  pending.front().count != record->count))) {
            spdlog::error("kafka log {}: the append at {}/{} is incomplete; skipping it",
                          options_.instance,
                          p,
                          m->offset);
            pending.clear();
            if (record->index != 0) {
                next_offsets[p] = m->offset + 1;
                continue;
            }
        }
        pending.push_back(std::move(*record));
        if (pending.size() < pending.front().count) {
            continue;
        }
        // An event sealed under a key the store does not have yet: the key
        // was committed in the same transaction, so it is in the keys
        // topic; read it before the event is published.
        std::vector<std::string> missing;
        for (const auto& r : pending) {
            for (const auto& subject : r.sealed_subjects) {
                if (store_->subject_key_of(subject).st == subject_key::state::missing) {
                    missing.push_back(subject);
                }
            }
        }
        if (!missing.empty()) {
            auto have_all = [&] {
                return std::all_of(missing.begin(), missing.end(), [&](const std::string& s) {
                    return store_->subject_key_of(s).st != subject_key::state::missing;
                });
            };
            auto caught_up = catch_up_keys(have_all);
            if (!caught_up) {
                return caught_up;
            }
            for (const auto& subject : missing) {
                if (store_->subject_key_of(subject).st == subject_key::state::missing) {
                    spdlog::error("kafka log {}: the key of {} (sealed in the append at {}/{}) is "
                                  "not in {}; its personal data reads as an error",
                                  options_.instance,
                                  subject,
                                  p,
                                  pending.front().offset,
                                  keys_topic_);
                }
            }
        }
        auto applied = apply_append(pending, wb, staged, staged_commands, pos);
        if (!applied) {
            return applied;
        }
        next_offsets[p] = pending.back().offset + 1;
        pending.clear();
    }

    bool any_offset = false;
    for (std::uint32_t p = 0; p < options_.partitions; ++p) {
        if (next_offsets[p]) {
            std::string value;
            put_be64(value, static_cast<std::uint64_t>(*next_offsets[p]));
            wb.Put(store_->cf_default(), offset_key(p), value);
            any_offset = true;
        }
    }
    if (any_offset) {
        auto committed = store_->commit(wb, pos - 1);
        if (!committed) {
            return committed;
        }
        next_position_ = pos;
        if (batch_erases_) {
            store_->erasures_committed();
        }
    }
    {
        std::lock_guard lock(mirror_mu_);
        for (std::uint32_t p = 0; p < options_.partitions; ++p) {
            auto value = consumed_[p].load();
            if (next_offsets[p]) {
                value = std::max(value, *next_offsets[p]);
            }
            if (eofs[p] && pending_[p].empty()) {
                value = std::max(value, *eofs[p]);
            }
            consumed_[p].store(value);
        }
    }
    mirror_cv_.notify_all();
    return {};
}

result<mirrored_record>
kafka_event_log::parse_record(const rd_kafka_message_t* m)
{
    rd_kafka_headers_t* headers = nullptr;
    if (rd_kafka_message_headers(m, &headers) != RD_KAFKA_RESP_ERR_NO_ERROR) {
        return fail(error::invalid("log.corrupt", "no headers"));
    }
    auto number = [&](const char* name) -> std::optional<std::uint64_t> {
        const void* value = nullptr;
        size_t size = 0;
        if (rd_kafka_header_get_last(headers, name, &value, &size) != RD_KAFKA_RESP_ERR_NO_ERROR ||
            size == 0 || size > 20) {
            return std::nullopt;
        }
        std::uint64_t v = 0;
        for (size_t i = 0; i < size; ++i) {
            auto c = static_cast<const char*>(value)[i];
            if (c < '0' || c > '9') {
                return std::nullopt;
            }
            v = v * 10 + static_cast<std::uint64_t>(c - '0');
        }
        return v;
    };
    auto index = number(kafka_headers::append_index);
    auto count = number(kafka_headers::append_count);
    if (!index || !count || *count == 0 || *index >= *count) {
        return fail(error::invalid("log.corrupt", "no append-index/append-count headers"));
    }
    mirrored_record r;
    r.partition = static_cast<std::uint32_t>(m->partition);
    r.offset = m->offset;
    r.index = *index;
    r.count = *count;
    r.envelope.assign(static_cast<const char*>(m->payload), m->len);
    // The envelope is the record of truth; the headers only repeat it.
    auto env = events::envelope::decode_trusted(r.envelope);
    if (!env) {
        return fail(std::move(env.error()));
    }
    try {
        auto reader = env->reader();
        r.stream = reader.getStreamId();
        r.version = reader.getStreamVersion();
        r.partition_key = reader.getPartitionKey();
        r.command_id = reader.getCommandId();
        for (auto sealed : reader.getSealed()) {
            r.sealed_subjects.emplace_back(sealed.getSubject().cStr());
        }
        r.erased_subject = events::erased_subject(r.stream, reader.getPayload());
    } catch (const kj::Exception& e) {
        return fail(error::invalid("codec.malformed", e.getDescription().cStr()));
    }
    return r;
}

result<void>
kafka_event_log::apply_append(const std::vector<mirrored_record>& records,
                              rocksdb::WriteBatch& wb,
                              std::unordered_map<std::string, stream_head>& staged,
                              std::unordered_set<std::string>& staged_commands,
                              std::uint64_t& pos)
{
    const auto& first = records.front();
    stream_head head;
    if (auto it = staged.find(first.stream); it != staged.end()) {
        head = it->second;
    } else {
        auto stored = store_->head(first.stream);
        if (!stored) {
            return fail(std::move(stored.error()));
        }
        head = *stored;
    }
    for (std::size_t i = 0; i < records.size(); ++i) {
        if (records[i].stream != first.stream || records[i].version != head.version + 1 + i ||
            records[i].partition_key != first.partition_key ||
            (head.version > 0 && head.partition_key != first.partition_key)) {
            // Only two writers of one stream in different partitions (a
            // stream whose partition key changed) can get here.
            spdlog::error("kafka log {}: skipping an append to {} at offset {}: the stream is at "
                          "version {} with partition key {}",
                          options_.instance,
                          first.stream,
                          first.offset,
                          head.version,
                          head.partition_key);
            return {};
        }
    }
    append_result res;
    res.stream = first.stream;
    res.first_version = first.version;
    res.first_position = position{ pos };
    for (const auto& r : records) {
        if (r.erased_subject) {
            // With the event, whether or not the keys topic's marker came.
            wb.Put(store_->cf_keys(), *r.erased_subject, rocksdb::Slice());
            batch_erases_ = true;
        }
        wb.Put(store_->cf_events(), position_key(pos), r.envelope);
        wb.Put(store_->cf_streams(), stream_key(r.stream, r.version), position_key(pos));
        std::string offset;
        put_be64(offset, r.partition);
        put_be64(offset, static_cast<std::uint64_t>(r.offset));
        wb.Put(store_->cf_default(), pos_key(pos), offset);
        wb.Put(store_->cf_default(), at_key(r.partition, r.offset), position_key(pos));
        head.last_hash = blake2b_256(r.envelope);
        head.version = r.version;
        ++pos;
    }
    head.partition_key = first.partition_key;
    res.last_version = head.version;
    res.last_position = position{ pos - 1 };
    wb.Put(store_->cf_heads(), first.stream, encode_head(head));
    staged[first.stream] = head;
    if (!first.command_id.empty() && !staged_commands.contains(first.command_id)) {
        auto known = store_->find_command(first.command_id);
        if (!known) {
            return fail(std::move(known.error()));
        }
        if (!*known) {
            wb.Put(store_->cf_commands(), first.command_id, encode_result(res));
            staged_commands.insert(first.command_id);
        }
    }
    return {};
}

result<void>
kafka_event_log::wait_mirrored(std::uint32_t partition,
                               std::int64_t offset,
                               std::chrono::steady_clock::time_point deadline)
{
    std::unique_lock lock(mirror_mu_);
    auto done = mirror_cv_.wait_until(lock, deadline, [&] {
        return mirror_stopping_ || mirror_failure_ || consumed_[partition].load() >= offset;
    });
    if (mirror_failure_) {
        return fail(*mirror_failure_);
    }
    if (mirror_stopping_) {
        return fail(error::unavailable("log.unavailable", "the log is closing"));
    }
    if (!done) {
        return fail(error::unavailable(
          "log.unavailable",
          fmt::format("the mirror of {} partition {} did not reach offset {} in time (at {})",
                      topic_,
                      partition,
                      offset,
                      consumed_[partition].load())));
    }
    return {};
}

result<void>
kafka_event_log::wait_keys_mirrored(std::chrono::steady_clock::time_point deadline)
{
    auto end = high_watermark(keys_topic_, 0, deadline);
    if (!end) {
        return fail(std::move(end.error()));
    }
    std::unique_lock lock(mirror_mu_);
    auto done = mirror_cv_.wait_until(lock, deadline, [&] {
        return keys_consumed_.load() >= *end || mirror_failure_.has_value() || mirror_stopping_;
    });
    if (mirror_failure_) {
        return fail(*mirror_failure_);
    }
    if (!done || keys_consumed_.load() < *end) {
        return fail(
          error::unavailable("log.unavailable",
                             fmt::format("the mirror of {} did not reach offset {} in time (at {})",
                                         keys_topic_,
                                         *end,
                                         keys_consumed_.load())));
    }
    return {};
}

result<void>
kafka_event_log::drain_keys()
{
    std::vector<kafka::message_ptr> batch;
    while (batch.size() < k_mirror_batch) {
        kafka::message_ptr m(rd_kafka_consumer_poll(keys_consumer_.get(), 0));
        if (!m) {
            break;
        }
        batch.push_back(std::move(m));
    }
    return batch.empty() ? result<void>{} : apply_keys(batch);
}

result<void>
kafka_event_log::catch_up_keys(const std::function<bool()>& have_all)
{
    // The end is taken after the events that need the keys were read, so it
    // covers their keys. A read_committed consumer stops short of it while
    // a transaction is open: then it waits (as the events topic would).
    std::optional<std::int64_t> end;
    auto warn_at = std::chrono::steady_clock::now() + options_.timeout;
    while (!have_all()) {
        {
            std::lock_guard lock(mirror_mu_);
            if (mirror_stopping_) {
                return fail(error::unavailable("log.unavailable", "the log is closing"));
            }
        }
        if (std::chrono::steady_clock::now() >= warn_at) {
            spdlog::warn("kafka log {}: waiting for keys in {} (at {}, end {})",
                         options_.instance,
                         keys_topic_,
                         keys_consumed_.load(),
                         end.value_or(-1));
            warn_at = std::chrono::steady_clock::now() + options_.timeout;
        }
        if (!end) {
            auto high = high_watermark(keys_topic_, 0);
            if (!high) {
                spdlog::warn("kafka log {}: {}", options_.instance, high.error().message);
                std::this_thread::sleep_for(std::chrono::milliseconds(100));
                continue;
            }
            end = *high;
        }
        if (keys_consumed_.load() >= *end) {
            return {}; // all there is: the caller reports what is missing
        }
        kafka::message_ptr first(rd_kafka_consumer_poll(keys_consumer_.get(), 50));
        if (!first) {
            continue;
        }
        std::vector<kafka::message_ptr> batch;
        batch.push_back(std::move(first));
        if (auto applied = apply_keys(batch); !applied) {
            return applied;
        }
        if (auto more = drain_keys(); !more) {
            return more;
        }
    }
    return {};
}

result<void>
kafka_event_log::apply_keys(const std::vector<kafka::message_ptr>& batch)
{
    rocksdb::WriteBatch wb;
    std::unordered_map<std::string, subject_key::state> staged;
    std::optional<std::int64_t> next;
    std::optional<std::int64_t> eof;
    bool erases = false;
    for (const auto& m : batch) {
        if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
            eof = m->offset;
            continue;
        }
        if (m->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
            spdlog::warn("kafka log {}: keys consumer: {}",
                         options_.instance,
                         rd_kafka_message_errstr(m.get()));
            continue;
        }
        next = m->offset + 1;
        if (m->key == nullptr || m->key_len == 0) {
            continue;
        }
        std::string subject(static_cast<const char*>(m->key), m->key_len);
        auto current = subject_key::state::missing;
        if (auto it = staged.find(subject); it != staged.end()) {
            current = it->second;
        } else {
            current = store_->subject_key_of(subject).st;
        }
        if (m->len == 0) {
            // The erased marker: kept as the subject's latest value.
            if (current != subject_key::state::erased) {
                wb.Put(store_->cf_keys(), subject, rocksdb::Slice());
                staged[subject] = subject_key::state::erased;
                erases = true;
            }
        } else if (m->len == k_subject_key_bytes) {
            // A key never replaces an erasure (nor, when two writers raced
            // for a new subject, the key stored first).
            if (current == subject_key::state::missing) {
                wb.Put(store_->cf_keys(),
                       subject,
                       rocksdb::Slice(static_cast<const char*>(m->payload), m->len));
                staged[subject] = subject_key::state::present;
            }
        } else {
            spdlog::error("kafka log {}: skipping the record at {}/0 offset {}: a key of {} bytes",
                          options_.instance,
                          keys_topic_,
                          m->offset,
                          m->len);
        }
    }
    if (next) {
        std::string value;
        put_be64(value, static_cast<std::uint64_t>(*next));
        wb.Put(store_->cf_default(), rocksdb::Slice(k_keys_offset_key), value);
        rocksdb::WriteOptions wo;
        wo.sync = options_.sync;
        auto s = store_->db().Write(wo, &wb);
        if (!s.ok()) {
            return fail(storage_error(s, "mirror keys"));
        }
        if (erases) {
            store_->erasures_committed();
        }
    }
    {
        std::lock_guard lock(mirror_mu_);
        auto value = keys_consumed_.load();
        if (next) {
            value = std::max(value, *next);
        }
        if (eof) {
            value = std::max(value, *eof);
        }
        keys_consumed_.store(value);
    }
    mirror_cv_.notify_all();
    return {};
}

result<std::int64_t>
kafka_event_log::end_offset(std::uint32_t partition)
{
    return high_watermark(topic_, partition);
}

result<std::int64_t>
kafka_event_log::high_watermark(const std::string& topic,
                                std::uint32_t partition,
                                std::optional<std::chrono::steady_clock::time_point> until)
{
    auto deadline = until.value_or(std::chrono::steady_clock::now() + options_.timeout);
    for (;;) {
        std::int64_t low = 0;
        std::int64_t high = 0;
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
        auto err =
          rd_kafka_query_watermark_offsets(consumer_.get(),
                                           topic.c_str(),
                                           static_cast<std::int32_t>(partition),
                                           &low,
                                           &high,
                                           static_cast<int>(std::max<long>(left.count(), 1)));
        if (err == RD_KAFKA_RESP_ERR_NO_ERROR) {
            return high;
        }
        // A partition whose leader is still being elected (a broker that
        // just started or moved leaders) answers soon.
        bool transient = err == RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION ||
                         err == RD_KAFKA_RESP_ERR_LEADER_NOT_AVAILABLE ||
                         err == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART ||
                         err == RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION;
        if (!transient ||
            std::chrono::steady_clock::now() + std::chrono::milliseconds(100) >= deadline) {
            return fail(kafka::unavailable(fmt::format("the end of {}/{}", topic, partition), err));
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
}

result<void>
kafka_event_log::catch_up()
{
    auto deadline = std::chrono::steady_clock::now() + options_.timeout;
    for (std::uint32_t p = 0; p < options_.partitions; ++p) {
        auto end = end_offset(p);
        if (!end) {
            return fail(std::move(end.error()));
        }
        auto mirrored = wait_mirrored(p, *end, deadline);
        if (!mirrored) {
            return mirrored;
        }
    }
    return {};
}

result<void>
kafka_event_log::start_writers()
{
    std::vector<std::uint32_t> owned;
    if (options_.owned) {
        owned = *options_.owned;
    } else {
        for (std::uint32_t p = 0; p < options_.partitions; ++p) {
            owned.push_back(p);
        }
    }
    std::lock_guard lock(writers_mu_);
    writers_.resize(options_.partitions);
    for (auto p : owned) {
        if (p >= options_.partitions) {
            return fail(error::invalid(
              "log.invalid_request",
              fmt::format("owned partition {} of {} partitions", p, options_.partitions)));
        }
        if (writers_[p]) {
            continue;
        }
        auto w = std::make_shared<partition_writer>(*this, p);
        auto claimed = w->claim();
        if (!claimed) {
            return claimed;
        }
        w->start();
        writers_[p] = std::move(w);
    }
    return {};
}

result<append_result>
kafka_event_log::append(append_request request)
{
    auto payloads = validate_append(request);
    if (!payloads) {
        return fail(std::move(payloads.error()));
    }
    auto p = events::partition_for(request.partition_key, options_.partitions);
    auto writer = writer_of(p);
    if (!writer && !options_.group_ownership) {
        return fail(error::unavailable(
          "log.not_owner",
          fmt::format("instance {} does not write partition {} of {} (partition key {})",
                      options_.instance,
                      p,
                      topic_,
                      request.partition_key)));
    }
    if (writer) {
        if (!options_.group_ownership) {
            return writer->submit(std::move(request), std::move(*payloads));
        }
        auto copy = request;
        auto written = writer->submit(std::move(copy), std::move(*payloads));
        if (written ||
            (written.error().code != "log.not_owner" && written.error().code != "log.fenced")) {
            return written;
        }
        // Nothing was written: the partition moved, its new owner decides.
    }
    return send_command(std::move(request), p);
}

std::shared_ptr<partition_writer>
kafka_event_log::writer_of(std::uint32_t partition) const
{
    std::lock_guard lock(writers_mu_);
    return partition < writers_.size() ? writers_[partition] : nullptr;
}

std::vector<std::uint32_t>
kafka_event_log::owned_partitions() const
{
    std::vector<std::uint32_t> out;
    std::lock_guard lock(writers_mu_);
    for (std::uint32_t p = 0; p < writers_.size(); ++p) {
        if (writers_[p]) {
            out.push_back(p);
        }
    }
    return out;
}

std::vector<std::int64_t>
kafka_event_log::partition_offsets() const
{
    std::vector<std::int64_t> out;
    out.reserve(consumed_.size());
    for (const auto& c : consumed_) {
        out.push_back(c.load());
    }
    return out;
}

result<void>
kafka_event_log::wait_for_offsets(const std::vector<std::int64_t>& offsets,
                                  std::chrono::milliseconds timeout)
{
    if (offsets.size() > options_.partitions) {
        return fail(error::invalid(
          "log.invalid_request",
          fmt::format("{} offsets for {} partitions", offsets.size(), options_.partitions)));
    }
    auto deadline = std::chrono::steady_clock::now() + timeout;
    for (std::uint32_t p = 0; p < offsets.size(); ++p) {
        auto waited = wait_mirrored(p, offsets[p], deadline);
        if (!waited) {
            return waited;
        }
    }
    return {};
}

result<std::optional<events::partition_offset>>
kafka_event_log::offset_of(position p)
{
    using found = std::optional<events::partition_offset>;
    if (p.value == 0 || p > store_->last_position()) {
        return found{};
    }
    std::string value;
    auto s =
      store_->db().Get(rocksdb::ReadOptions(), store_->cf_default(), pos_key(p.value), &value);
    if (s.IsNotFound()) {
        return found{}; // mirrored before the mirror recorded offsets
    }
    if (!s.ok()) {
        return fail(storage_error(s, "mirror offsets"));
    }
    if (value.size() != 16) {
        return fail(
          error::invalid("log.corrupt", fmt::format("the offset of position {}", p.value)));
    }
    return found{ events::partition_offset{
      static_cast<std::uint32_t>(get_be64(value)),
      static_cast<std::int64_t>(get_be64(std::string_view(value).substr(8))) } };
}

result<position>
kafka_event_log::await_offset(events::partition_offset at,
                              std::chrono::steady_clock::time_point deadline)
{
    if (at.partition >= options_.partitions || at.offset < 0) {
        return fail(error::invalid("log.invalid_request",
                                   fmt::format("offset {} of partition {}: {} has {} partitions",
                                               at.offset,
                                               at.partition,
                                               topic_,
                                               options_.partitions)));
    }
    if (mirrored(at.partition) <= at.offset) {
        // Not here yet: a token from another instance that this mirror has
        // not reached, or one that no write returned. Only the broker can
        // tell them apart; waiting for the second would always time out.
        auto end = high_watermark(topic_, at.partition, deadline);
        if (!end) {
            return fail(std::move(end.error()));
        }
        if (at.offset >= *end) {
            return fail(error::invalid(
              "log.beyond_end",
              fmt::format(
                "offset {} lies beyond the end ({}) of {} partition {}: no write returned it",
                at.offset,
                *end,
                topic_,
                at.partition)));
        }
        auto waited = wait_mirrored(at.partition, at.offset + 1, deadline);
        if (!waited) {
            if (mirrored(at.partition) <= at.offset &&
                std::chrono::steady_clock::now() >= deadline) {
                return fail(error::unavailable("log.timeout", waited.error().message));
            }
            return fail(std::move(waited.error()));
        }
    }
    // The events of the partition are mirrored in offset order, so the last
    // one at or before the offset has the highest position among them.
    auto prefix = at_prefix(at.partition);
    std::unique_ptr<rocksdb::Iterator> it(
      store_->db().NewIterator(rocksdb::ReadOptions(), store_->cf_default()));
    it->SeekForPrev(at_key(at.partition, at.offset));
    if (it->Valid() && it->key().starts_with(prefix) && it->value().size() == 8) {
        return position{ get_be64(std::string_view(it->value().data(), it->value().size())) };
    }
    if (!it->status().ok()) {
        return fail(storage_error(it->status(), "mirror offsets"));
    }
    // No recorded offset at or before it: either the partition had no
    // event there, or its events came before the mirror recorded offsets.
    // Everything mirrored so far covers both.
    return store_->last_position();
}

result<position>
kafka_event_log::await_end(std::chrono::steady_clock::time_point deadline)
{
    for (std::uint32_t p = 0; p < options_.partitions; ++p) {
        auto end = high_watermark(topic_, p, deadline);
        if (!end) {
            return fail(std::move(end.error()));
        }
        if (mirrored(p) >= *end) {
            continue;
        }
        auto waited = wait_mirrored(p, *end, deadline);
        if (!waited) {
            if (mirrored(p) < *end && std::chrono::steady_clock::now() >= deadline) {
                return fail(error::unavailable("log.timeout", waited.error().message));
            }
            return fail(std::move(waited.error()));
        }
    }
    return store_->last_position();
}

} // namespace detail

result<std::unique_ptr<kafka_log>>
open_kafka_log(kafka_log_options options)
{
    if (options.brokers.empty() || options.topic_prefix.empty() || options.partitions == 0 ||
        options.mirror_dir.empty() || options.timeout.count() <= 0 || options.max_group == 0 ||
        options.max_groups_in_flight == 0) {
        return fail(error::invalid("log.invalid_request",
                                   "the Kafka log needs brokers, a topic prefix, partitions > 0, "
                                   "a mirror directory, a timeout, max_group > 0 and "
                                   "max_groups_in_flight > 0"));
    }
    auto admin = kafka::make_client(
      RD_KAFKA_PRODUCER,
      options.brokers,
      { { "client.id", options.instance },
        { "socket.timeout.ms", std::to_string(std::max<long>(options.timeout.count(), 10)) } });
    if (!admin) {
        return fail(std::move(admin.error()));
    }
    auto partitions = static_cast<int>(options.partitions);
    std::vector<kafka::topic_spec> topics = {
        { options.topic_prefix + ".events",
          partitions,
          options.replication_factor,
          { { "retention.ms", "-1" },
            { "retention.bytes", "-1" },
            { "min.insync.replicas", std::to_string(options.min_insync_replicas) } } },
        { options.topic_prefix + ".commands",
          partitions,
          options.replication_factor,
          { { "min.insync.replicas", std::to_string(options.min_insync_replicas) } } },
        { options.topic_prefix + ".command-results",
          partitions,
          options.replication_factor,
          { { "min.insync.replicas", std::to_string(options.min_insync_replicas) } } },
        // Subject keys (crypto-shredding): subject -> key, or an empty
        // value once erased. Compacted, so an erased subject's key record
        // goes once a later segment holds its marker: segments roll after
        // an hour and are compacted at most an hour later
        // (max.compaction.lag.ms), whatever the dirty ratio. Markers are
        // not tombstones and stay (delete.retention.ms would only matter
        // for null values).
        { options.topic_prefix + ".keys",
          1,
          options.replication_factor,
          { { "cleanup.policy", "compact" },
            { "segment.ms", "3600000" },
            { "max.compaction.lag.ms", "3600000" },
            { "min.cleanable.dirty.ratio", "0.01" },
            { "delete.retention.ms", "86400000" },
            { "min.insync.replicas", std::to_string(options.min_insync_replicas) } } },
    };
    auto meta_topic = options.topic_prefix + ".meta";
    if (!options.key_fingerprint.empty()) {
        topics.push_back(
          { meta_topic,
            1,
            options.replication_factor,
            { { "retention.ms", "-1" },
              { "retention.bytes", "-1" },
              { "min.insync.replicas", std::to_string(options.min_insync_replicas) } } });
    }
    auto unavailable_at = [&](error e) {
        if (e.code == "log.unavailable") {
            e.message = fmt::format("Kafka at {} is unavailable: {}", options.brokers, e.message);
        }
        return e;
    };
    auto ensured = kafka::ensure_topics(admin->get(), topics, options.timeout);
    if (!ensured) {
        return fail(unavailable_at(std::move(ensured.error())));
    }
    admin->reset();
    if (!options.key_fingerprint.empty()) {
        auto checked = kafka::check_key_fingerprint(
          options.brokers, meta_topic, options.instance, options.key_fingerprint, options.timeout);
        if (!checked) {
            return fail(unavailable_at(std::move(checked.error())));
        }
    }

    auto store = detail::log_store::open(options.mirror_dir, options.sync, k_kafka_mirror_format);
    if (!store) {
        return fail(std::move(store.error()));
    }
    auto& db = (*store)->db();
    auto marker = fmt::format("{}.events/{}", options.topic_prefix, options.partitions);
    std::string stored;
    auto s = db.Get(rocksdb::ReadOptions(), (*store)->cf_default(), "kafka.topic", &stored);
    if (s.IsNotFound()) {
        rocksdb::WriteOptions wo;
        wo.sync = true;
        s = db.Put(wo, (*store)->cf_default(), "kafka.topic", marker);
    } else if (s.ok() && stored != marker) {
        return fail(error::invalid("log.mirror_mismatch",
                                   fmt::format("the mirror {} belongs to {}, not to {}",
                                               options.mirror_dir.string(),
                                               stored,
                                               marker)));
    }
    if (!s.ok()) {
        return fail(detail::storage_error(s, "mirror marker"));
    }

    auto log = std::make_unique<detail::kafka_event_log>(std::move(options), std::move(*store));
    auto mirrored = log->start_mirror();
    if (!mirrored) {
        return fail(std::move(mirrored.error()));
    }
    if (log->options().group_ownership) {
        // An instance of many starts with the whole log: its reads (and
        // read models) are then complete from the start.
        auto caught_up = log->catch_up();
        if (!caught_up) {
            return fail(std::move(caught_up.error()));
        }
    }
    auto writing = log->options().group_ownership ? log->start_group() : log->start_writers();
    if (!writing) {
        return fail(std::move(writing.error()));
    }
    return std::unique_ptr<kafka_log>(std::move(log));
}

} // namespace portal::infra
