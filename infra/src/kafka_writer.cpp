#include "kafka_log_impl.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

namespace portal::infra::detail {

using events::append_request;
using events::append_result;
using events::position;
using events::stream_head;

namespace {

constexpr std::string_view k_content_type = "application/vnd.portal.envelope+capnp";

void
add_header(rd_kafka_headers_t* headers, const char* name, std::string_view value)
{
    rd_kafka_header_add(headers, name, -1, value.data(), static_cast<ssize_t>(value.size()));
}

} // namespace

partition_writer::partition_writer(kafka_event_log& log, std::uint32_t partition)
  : log_(log)
  , partition_(partition)
  , transactional_ids_{ fmt::format("{}.{}", log.topic(), partition),
                        fmt::format("{}.{}.alt", log.topic(), partition) }
{
}

void
partition_writer::on_delivery(rd_kafka_t*, const rd_kafka_message_t* m, void*)
{
    auto* d = static_cast<delivery*>(m->_private);
    if (d == nullptr) {
        return;
    }
    d->reported = true;
    d->err = m->err;
    d->offset = m->offset;
}

error
partition_writer::fenced_error() const
{
    return error::unavailable(
      "log.fenced",
      fmt::format("instance {} no longer writes {} partition {}: another writer fenced it "
                  "(transactional.ids {} and {})",
                  log_.options().instance,
                  log_.topic(),
                  partition_,
                  transactional_ids_[0],
                  transactional_ids_[1]));
}

result<void>
partition_writer::claim()
{
    const auto& options = log_.options();
    auto deadline = std::chrono::steady_clock::now() + options.timeout;
    for (auto& producer : producers_) {
        producer.reset();
    }
    current_ = nullptr;
    turn_ = 0;
    auto timeout_ms = std::to_string(options.timeout.count());
    for (std::size_t i = 0; i < producers_.size(); ++i) {
        auto producer = kafka::make_client(
          RD_KAFKA_PRODUCER,
          options.brokers,
          { { "client.id", options.instance },
            { "transactional.id", transactional_ids_[i] },
            { "transaction.timeout.ms",
              std::to_string(std::max<long>(60'000, options.timeout.count())) },
            { "message.timeout.ms", timeout_ms },
            { "socket.timeout.ms", std::to_string(std::max<long>(options.timeout.count(), 10)) },
            { "linger.ms", "1" } },
          on_delivery);
        if (!producer) {
            return fail(std::move(producer.error()));
        }
        producers_[i] = std::move(*producer);
        // Fences every earlier producer with this transactional.id and
        // aborts its open transaction. Both ids before the end of the
        // partition is read: no earlier owner commits after that.
        kafka::error_ptr e(rd_kafka_init_transactions(producers_[i].get(),
                                                      static_cast<int>(options.timeout.count())));
        if (e) {
            auto code = rd_kafka_error_code(e.get());
            if (rd_kafka_error_is_fatal(e.get()) && kafka::is_fencing(code)) {
                state_ = state::fenced;
                return fail(fenced_error());
            }
            state_ = state::needs_claim;
            return fail(error::unavailable(
              "log.unavailable",
              fmt::format("Kafka at {}: cannot claim {} partition {} (transactional.id {}): {}",
                          options.brokers,
                          log_.topic(),
                          partition_,
                          transactional_ids_[i],
                          rd_kafka_error_string(e.get()))));
        }
        // Otherwise the first transaction waits about a second for the
        // partition's leader.
        kafka::warm_topic(producers_[i].get(), log_.topic(), options.timeout);
    }
    // Decide only on a complete view of the partition.
    auto end = log_.end_offset(partition_);
    if (!end) {
        state_ = state::needs_claim;
        return fail(std::move(end.error()));
    }
    auto mirrored = log_.wait_mirrored(partition_, *end, deadline);
    if (!mirrored) {
        state_ = state::needs_claim;
        return mirrored;
    }
    state_ = state::ready;
    return {};
}

void
partition_writer::start()
{
    thread_ = std::thread([this] { loop(); });
}

void
partition_writer::stop(bool revoked)
{
    {
        std::lock_guard lock(queue_mu_);
        stopping_ = true;
        revoked_ = revoked_ || revoked;
    }
    queue_cv_.notify_all();
    if (thread_.joinable()) {
        thread_.join();
    }
    std::deque<std::unique_ptr<write_item>> left;
    {
        std::lock_guard lock(queue_mu_);
        left.swap(queue_);
    }
    for (auto& item : left) {
        if (item->command_offset) {
            continue; // the commands topic keeps it for the next owner
        }
        item->done(fail(revoked ? error::unavailable("log.not_owner",
                                                     fmt::format("{} partition {} moved to "
                                                                 "another instance",
                                                                 log_.topic(),
                                                                 partition_))
                                : error::unavailable("log.unavailable", "the log is closing")));
    }
    current_ = nullptr;
    for (auto& producer : producers_) {
        producer.reset();
    }
}

bool
partition_writer::enqueue(std::unique_ptr<write_item> item)
{
    {
        std::lock_guard lock(queue_mu_);
        if (stopping_) {
            return false;
        }
        queue_.push_back(std::move(item));
    }
    queue_cv_.notify_one();
    return true;
}

result<append_result>
partition_writer::submit(append_request request, std::vector<events::event_payload> payloads)
{
    auto item = std::make_unique<write_item>();
    item->request = std::move(request);
    item->payloads = std::move(payloads);
    auto promise = std::make_shared<std::promise<result<append_result>>>();
    auto future = promise->get_future();
    item->done = [promise](result<append_result> r) { promise->set_value(std::move(r)); };
    if (!enqueue(std::move(item))) {
        bool revoked = false;
        {
            std::lock_guard lock(queue_mu_);
            revoked = revoked_;
        }
        if (revoked) {
            return fail(error::unavailable(
              "log.not_owner",
              fmt::format("{} partition {} moved to another instance", log_.topic(), partition_)));
        }
        return fail(error::unavailable("log.unavailable", "the log is closing"));
    }
    return future.get();
}

void
partition_writer::loop()
{
    std::vector<std::unique_ptr<write_item>> group;
    for (;;) {
        {
            std::unique_lock lock(queue_mu_);
            queue_cv_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
            if (stopping_) {
                return; // `stop` fails what is queued
            }
            while (!queue_.empty() && group.size() < log_.options().max_group) {
                group.push_back(std::move(queue_.front()));
                queue_.pop_front();
            }
        }
        process(group);
        group.clear();
    }
}

void
partition_writer::process(std::vector<std::unique_ptr<write_item>>& group)
{
    const auto& options = log_.options();
    auto deadline = std::chrono::steady_clock::now() + options.timeout;
    auto& store = log_.store();
    std::vector<std::optional<result<append_result>>> results(group.size());
    std::optional<std::int64_t> command_offset;
    for (const auto& item : group) {
        if (item->command_offset) {
            command_offset = std::max(command_offset.value_or(0), *item->command_offset + 1);
        }
    }
    auto answer = [&] {
        for (std::size_t i = 0; i < group.size(); ++i) {
            const auto& r = *results[i];
            if (group[i]->command_offset && !r &&
                (r.error().code == "log.fenced" || r.error().code == "log.not_owner")) {
                continue; // not committed: the partition's next owner answers it
            }
            group[i]->done(std::move(*results[i]));
        }
    };
    if (state_ == state::needs_claim) {
        auto claimed = claim();
        if (!claimed) {
            spdlog::warn("kafka log {}: partition {}: {}",
                         options.instance,
                         partition_,
                         claimed.error().message);
        }
    }
    if (state_ != state::ready) {
        auto e =
          state_ == state::fenced
            ? fenced_error()
            : error::unavailable(
                "log.unavailable",
                fmt::format("{} partition {} is not writable now", log_.topic(), partition_));
        for (auto& r : results) {
            r = fail(e);
        }
        answer();
        return;
    }

    std::unordered_map<std::string, stream_head> staged;
    std::unordered_map<std::string, std::size_t> staged_commands;
    std::vector<std::optional<std::size_t>> duplicate_of(group.size());
    std::vector<bool> written(group.size(), false);
    std::vector<outgoing> records;
    auto now = options.clock();
    head_lookup head_of = [&](const std::string& stream) -> result<stream_head> {
        if (auto it = staged.find(stream); it != staged.end()) {
            return it->second;
        }
        return store.head(stream);
    };

    for (std::size_t i = 0; i < group.size(); ++i) {
        const auto& req = group[i]->request;
        if (!req.command_id.empty()) {
            if (auto it = staged_commands.find(req.command_id); it != staged_commands.end()) {
                duplicate_of[i] = it->second;
                continue;
            }
            auto found = store.find_command(req.command_id);
            if (!found) {
                results[i] = fail(std::move(found.error()));
                continue;
            }
            if (*found) {
                results[i] = **found;
                continue;
            }
        }
        auto head = check_append(req, head_of);
        if (!head) {
            results[i] = fail(std::move(head.error()));
            continue;
        }
        stream_head next = *head;
        next.partition_key = req.partition_key;
        append_result res;
        res.stream = req.stream;
        res.first_version = next.version + 1;
        auto count = group[i]->payloads.size();
        for (std::size_t k = 0; k < count; ++k) {
            const auto& payload = group[i]->payloads[k];
            auto bytes = build_envelope(req, payload, next.version + 1, next.last_hash, now);
            next.version += 1;
            next.last_hash = blake2b_256(bytes);
            records.push_back(outgoing{ &req,
                                        events::event_name(payload.reader()),
                                        next.version,
                                        k,
                                        count,
                                        std::move(bytes) });
        }
        res.last_version = next.version;
        staged[req.stream] = next;
        if (!req.command_id.empty()) {
            staged_commands[req.command_id] = i;
        }
        results[i] = res;
        written[i] = true;
    }

    if (records.empty() && command_offset) {
        // Only duplicates and refusals: their offsets still commit.
        auto committed = produce_and_commit(records, command_offset);
        if (!committed) {
            for (std::size_t i = 0; i < group.size(); ++i) {
                if (group[i]->command_offset && *results[i]) {
                    results[i] = fail(committed.error());
                }
            }
        }
    }
    if (!records.empty()) {
        auto last = produce_and_commit(records, command_offset);
        std::optional<error> failed;
        if (!last) {
            failed = last.error();
        } else if (auto mirrored = log_.wait_mirrored(partition_, *last + 1, deadline); !mirrored) {
            // Committed, but without its local positions: the caller
            // retries with its command id; the next group waits for the
            // mirror first.
            state_ = state::needs_claim;
            failed = mirrored.error();
        }
        for (std::size_t i = 0; i < group.size(); ++i) {
            if (!written[i]) {
                continue;
            }
            if (failed) {
                results[i] = fail(*failed);
                continue;
            }
            auto& res = **results[i];
            auto first = store.position_of(res.stream, res.first_version);
            auto final = store.position_of(res.stream, res.last_version);
            if (!first || !final || !*first || !*final) {
                results[i] = fail(error::unavailable(
                  "log.corrupt",
                  fmt::format("the mirror lacks the committed events {}..{} of {}",
                              res.first_version,
                              res.last_version,
                              res.stream)));
                continue;
            }
            res.first_position = **first;
            res.last_position = **final;
        }
    }
    for (std::size_t i = 0; i < group.size(); ++i) {
        if (duplicate_of[i]) {
            auto r = *results[*duplicate_of[i]];
            if (r) {
                r->duplicate = true;
            }
            results[i] = std::move(r);
        }
    }
    answer();
}

result<std::int64_t>
partition_writer::produce_and_commit(const std::vector<outgoing>& records,
                                     std::optional<std::int64_t> command_offset)
{
    const auto& options = log_.options();
    current_ = producers_[turn_].get();
    turn_ = (turn_ + 1) % producers_.size();
    auto* p = current_;
    auto timeout_ms = static_cast<int>(options.timeout.count());
    if (auto* e = rd_kafka_begin_transaction(p)) {
        return fail(transaction_failed(e, "begin", false));
    }
    std::vector<delivery> reports(records.size());
    const auto& topic = log_.topic();
    auto deadline = std::chrono::steady_clock::now() + options.timeout;
    for (std::size_t i = 0; i < records.size(); ++i) {
        const auto& r = records[i];
        const auto& req = *r.request;
        auto version = std::to_string(r.version);
        auto index = std::to_string(r.index);
        auto count = std::to_string(r.count);
        for (;;) {
            rd_kafka_headers_t* headers = rd_kafka_headers_new(8);
            add_header(headers, kafka_headers::type, r.event_type);
            add_header(headers, kafka_headers::stream, req.stream);
            add_header(headers, kafka_headers::version, version);
            add_header(headers, kafka_headers::partition_key, req.partition_key);
            add_header(headers, kafka_headers::command_id, req.command_id);
            add_header(headers, kafka_headers::append_index, index);
            add_header(headers, kafka_headers::append_count, count);
            add_header(headers, kafka_headers::content_type, k_content_type);
            auto err = rd_kafka_producev(
              p,
              RD_KAFKA_V_TOPIC(topic.c_str()),
              RD_KAFKA_V_PARTITION(static_cast<std::int32_t>(partition_)),
              RD_KAFKA_V_KEY(req.stream.data(), req.stream.size()),
              RD_KAFKA_V_VALUE(const_cast<char*>(r.envelope.data()), r.envelope.size()),
              RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
              RD_KAFKA_V_HEADERS(headers),
              RD_KAFKA_V_OPAQUE(&reports[i]),
              RD_KAFKA_V_END);
            if (err == RD_KAFKA_RESP_ERR_NO_ERROR) {
                break; // the message owns the headers now
            }
            rd_kafka_headers_destroy(headers);
            if (err == RD_KAFKA_RESP_ERR__QUEUE_FULL &&
                std::chrono::steady_clock::now() < deadline) {
                rd_kafka_poll(p, 10);
                continue;
            }
            return fail(transaction_failed(
              rd_kafka_error_new(err, "%s", rd_kafka_err2str(err)), "produce", true));
        }
    }
    auto flushed = rd_kafka_flush(p, timeout_ms);
    std::optional<rd_kafka_resp_err_t> undelivered;
    if (flushed != RD_KAFKA_RESP_ERR_NO_ERROR) {
        undelivered = flushed;
    }
    for (const auto& d : reports) {
        if (!undelivered && (!d.reported || d.err != RD_KAFKA_RESP_ERR_NO_ERROR)) {
            undelivered = d.reported ? d.err : RD_KAFKA_RESP_ERR__TIMED_OUT;
        }
    }
    if (undelivered) {
        return fail(transaction_failed(
          rd_kafka_error_new(*undelivered, "%s", rd_kafka_err2str(*undelivered)), "produce", true));
    }
    if (command_offset) {
        auto metadata = log_.group_metadata();
        if (!metadata) {
            return fail(transaction_failed(
              rd_kafka_error_new(RD_KAFKA_RESP_ERR__STATE, "no consumer group assignment"),
              "send_offsets",
              true));
        }
        kafka::partitions_ptr offsets(rd_kafka_topic_partition_list_new(1));
        rd_kafka_topic_partition_list_add(
          offsets.get(), log_.commands_topic().c_str(), static_cast<std::int32_t>(partition_))
          ->offset = *command_offset;
        if (auto* e =
              rd_kafka_send_offsets_to_transaction(p, offsets.get(), metadata.get(), timeout_ms)) {
            return fail(transaction_failed(e, "send_offsets", true));
        }
    }
    if (auto* e = rd_kafka_commit_transaction(p, timeout_ms)) {
        return fail(transaction_failed(e, "commit", true));
    }
    return records.empty() ? std::int64_t{ -1 } : reports.back().offset;
}

error
partition_writer::transaction_failed(rd_kafka_error_t* raw,
                                     std::string_view what,
                                     bool in_transaction)
{
    kafka::error_ptr e(raw);
    auto* p = current_;
    char fatal_reason[512] = "";
    auto fatal = rd_kafka_fatal_error(p, fatal_reason, sizeof fatal_reason);
    auto message = fmt::format("{} partition {}: {} of the transaction failed: {}",
                               log_.topic(),
                               partition_,
                               what,
                               rd_kafka_error_string(e.get()));
    if (fatal != RD_KAFKA_RESP_ERR_NO_ERROR || rd_kafka_error_is_fatal(e.get())) {
        auto code = fatal != RD_KAFKA_RESP_ERR_NO_ERROR ? fatal : rd_kafka_error_code(e.get());
        if (kafka::is_fencing(code)) {
            spdlog::warn(
              "kafka log {}: {} (fenced: {})", log_.options().instance, message, fatal_reason);
            state_ = state::fenced;
            return fenced_error();
        }
        state_ = state::needs_claim;
        return error::unavailable("log.unavailable", fmt::format("{} ({})", message, fatal_reason));
    }
    if (in_transaction) {
        // Abort: then nothing of the group is in the log, and the writer's
        // view is still complete.
        kafka::error_ptr aborted(
          rd_kafka_abort_transaction(p, static_cast<int>(log_.options().timeout.count())));
        if (aborted) {
            state_ = state::needs_claim; // the outcome is unknown until a new claim
            if (rd_kafka_error_is_fatal(aborted.get()) &&
                kafka::is_fencing(rd_kafka_error_code(aborted.get()))) {
                state_ = state::fenced;
                return fenced_error();
            }
            return error::unavailable("log.unavailable",
                                      fmt::format("{}; the abort failed too: {}",
                                                  message,
                                                  rd_kafka_error_string(aborted.get())));
        }
        return error::unavailable("log.unavailable",
                                  fmt::format("{}; aborted, nothing appended", message));
    }
    state_ = state::needs_claim;
    return error::unavailable("log.unavailable", message);
}

} // namespace portal::infra::detail
