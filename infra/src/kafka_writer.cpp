#include "kafka_log_impl.hpp"
#include "portal/events/personal_data.hpp"
#include "portal/infra/personal_seal.hpp"

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
    // Decisions start from the mirror again once it has the partition up to
    // its end, which covers every group this writer committed (also those
    // still waiting for their answers): the overlay is not needed. Until
    // then `state_` is not `ready` and nothing is decided.
    state_ = state::needs_claim;
    clear_overlay();
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
    // Seal with the keys already in the keys topic (those of the previous
    // owner and of the other partitions' writers), never a second one.
    // The partition's own keys are in the store already (the mirror reads
    // an event's keys before it); this wait is for other partitions'
    // subjects, and a transaction left open elsewhere may hold it back.
    if (auto keys = log_.wait_keys_mirrored(deadline); !keys) {
        spdlog::warn(
          "kafka log {}: partition {}: {}", options.instance, partition_, keys.error().message);
    }
    state_ = state::ready;
    return {};
}

void
partition_writer::start()
{
    if (log_.options().max_groups_in_flight > 1) {
        answerer_ = std::thread([this] { answer_loop(); });
    }
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
    // The groups in flight are committed: the answerer answers them (once
    // the mirror has them, or with the error of a failed wait), then ends.
    {
        std::lock_guard lock(answer_mu_);
        answer_stopping_ = true;
    }
    answer_cv_.notify_all();
    if (answerer_.joinable()) {
        answerer_.join();
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
    const auto max_in_flight = log_.options().max_groups_in_flight;
    std::vector<std::unique_ptr<write_item>> group;
    for (;;) {
        {
            std::unique_lock lock(queue_mu_);
            queue_cv_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
            if (stopping_) {
                return; // `stop` fails what is queued
            }
        }
        // The bound of the pipeline. Appends queue meanwhile and join the
        // group.
        {
            std::unique_lock lock(answer_mu_);
            answer_cv_.wait(lock, [&] { return in_flight_ < max_in_flight; });
        }
        {
            std::lock_guard lock(queue_mu_);
            if (stopping_) {
                return;
            }
            while (!queue_.empty() && group.size() < log_.options().max_group) {
                group.push_back(std::move(queue_.front()));
                queue_.pop_front();
            }
        }
        process(std::move(group));
        group.clear();
    }
}

void
partition_writer::clear_overlay()
{
    overlay_heads_.clear();
    overlay_commands_.clear();
    overlay_keys_.clear();
    overlay_groups_.clear();
}

void
partition_writer::prune_overlay()
{
    auto mirrored = mirrored_seq_.load(std::memory_order_acquire);
    while (!overlay_groups_.empty() && overlay_groups_.front().seq <= mirrored) {
        const auto& g = overlay_groups_.front();
        // A later group's entry of the same stream or command stays.
        for (const auto& stream : g.streams) {
            if (auto it = overlay_heads_.find(stream);
                it != overlay_heads_.end() && it->second.seq == g.seq) {
                overlay_heads_.erase(it);
            }
        }
        for (const auto& command : g.commands) {
            if (auto it = overlay_commands_.find(command);
                it != overlay_commands_.end() && it->second.seq == g.seq) {
                overlay_commands_.erase(it);
            }
        }
        // The mirror stored a group's keys before its events.
        for (const auto& subject : g.subjects) {
            if (auto it = overlay_keys_.find(subject);
                it != overlay_keys_.end() && it->second.seq == g.seq) {
                overlay_keys_.erase(it);
            }
        }
        overlay_groups_.pop_front();
    }
}

bool
partition_writer::take_pipeline_failure()
{
    std::unique_lock lock(answer_mu_);
    if (!pipeline_failure_) {
        return false;
    }
    // The answerer fails every group in flight without waiting.
    answer_cv_.wait(lock, [&] { return in_flight_ == 0; });
    pipeline_failure_.reset();
    return true;
}

void
partition_writer::pass_on(decided_group group)
{
    if (log_.options().max_groups_in_flight == 1) {
        // No pipeline: the deciding thread waits and answers itself, as
        // the answerer would, before it takes the next group.
        settle(group);
        return;
    }
    {
        std::lock_guard lock(answer_mu_);
        answers_.push_back(std::move(group));
        ++in_flight_;
    }
    answer_cv_.notify_all();
}

void
partition_writer::process(std::vector<std::unique_ptr<write_item>> taken)
{
    const auto& options = log_.options();
    auto& store = log_.store();
    decided_group group;
    group.deadline = std::chrono::steady_clock::now() + options.timeout;
    group.items = std::move(taken);
    const auto n = group.items.size();
    const auto& items = group.items;
    auto& results = group.results;
    results.resize(n);
    group.duplicate_of.resize(n);
    group.needs_positions.resize(n, false);
    std::optional<std::int64_t> command_offset;
    for (const auto& item : items) {
        if (item->command_offset) {
            command_offset = std::max(command_offset.value_or(0), *item->command_offset + 1);
        }
    }
    if (take_pipeline_failure()) {
        // A mirror wait failed: the outcome of what the mirror lacks is
        // unknown to the callers (they got the error and retry with their
        // command ids); a claim reads the partition to its end again.
        state_ = state::needs_claim;
    }
    prune_overlay();
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
        pass_on(std::move(group));
        return;
    }

    // Heads and commands: this group's, then the overlay's (committed
    // groups the mirror may not have yet), then the mirror's.
    std::unordered_map<std::string, stream_head> staged;
    std::unordered_map<std::string, std::size_t> staged_commands;
    std::vector<bool> written(n, false);
    std::vector<outgoing> records;
    auto now = options.clock();
    // Subject keys: this group's (staged, empty: erased), then the
    // overlay's, then the mirror's; else a new one, produced to the keys
    // topic in the group's transaction. A failed transaction forgets them.
    std::unordered_map<std::string, std::string> staged_keys;
    std::vector<key_record> key_records;
    bool keys_caught_up = false;
    subject_key_for key_for = [&](const std::string& subject) -> std::optional<std::string> {
        auto known = [](const std::string& key) {
            return key.empty() ? std::nullopt : std::optional<std::string>(key);
        };
        if (auto it = staged_keys.find(subject); it != staged_keys.end()) {
            return known(it->second);
        }
        if (auto it = overlay_keys_.find(subject); it != overlay_keys_.end()) {
            return known(it->second.key);
        }
        auto stored = store.subject_key_of(subject);
        if (stored.st == subject_key::state::missing && !keys_caught_up) {
            // Another partition's writer may have made it: read the keys
            // topic to its end once per group before making one.
            keys_caught_up = true;
            // Bounded: a transaction left open elsewhere holds the keys
            // topic's committed end back until it times out.
            auto caught_up = log_.wait_keys_mirrored(
              std::chrono::steady_clock::now() +
              std::min<std::chrono::milliseconds>(options.timeout, std::chrono::seconds(2)));
            if (!caught_up) {
                spdlog::warn("kafka log {}: partition {}: {}",
                             options.instance,
                             partition_,
                             caught_up.error().message);
            }
            stored = store.subject_key_of(subject);
        }
        if (stored.st == subject_key::state::erased) {
            return std::nullopt;
        }
        if (stored.st == subject_key::state::present) {
            return std::move(stored.key);
        }
        auto key = new_subject_key();
        staged_keys[subject] = key;
        key_records.push_back(key_record{ subject, key });
        return key;
    };
    head_lookup head_of = [&](const std::string& stream) -> result<stream_head> {
        if (auto it = staged.find(stream); it != staged.end()) {
            return it->second;
        }
        if (auto it = overlay_heads_.find(stream); it != overlay_heads_.end()) {
            return it->second.head;
        }
        return store.head(stream);
    };

    for (std::size_t i = 0; i < n; ++i) {
        const auto& req = items[i]->request;
        if (!req.command_id.empty()) {
            if (auto it = staged_commands.find(req.command_id); it != staged_commands.end()) {
                group.duplicate_of[i] = it->second;
                continue;
            }
            if (auto it = overlay_commands_.find(req.command_id); it != overlay_commands_.end()) {
                // The first result, positioned when the mirror has it (no
                // later than this group's answer).
                auto first = it->second.result;
                first.duplicate = true;
                results[i] = first;
                group.needs_positions[i] = true;
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
        auto count = items[i]->payloads.size();
        for (std::size_t k = 0; k < count; ++k) {
            const auto& payload = items[i]->payloads[k];
            if (auto erased = events::erased_subject(req.stream, payload.reader())) {
                // Destroyed in the same transaction as the event that
                // erases it: the keys topic gets the erased marker.
                staged_keys[*erased] = std::string();
                key_records.push_back(key_record{ *erased, std::string() });
            }
            auto bytes =
              build_envelope(req, payload, next.version + 1, next.last_hash, now, &key_for);
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
        auto committed = produce_and_commit(records, {}, command_offset);
        if (!committed) {
            for (std::size_t i = 0; i < n; ++i) {
                if (items[i]->command_offset && *results[i]) {
                    results[i] = fail(committed.error());
                }
            }
        }
    }
    if (!records.empty()) {
        auto last = produce_and_commit(records, key_records, command_offset);
        if (!last) {
            // Aborted (nothing of the group is in the log) or of unknown
            // outcome (`state_` is `needs_claim`, and the claim reads the
            // partition to its end): either way the overlay gets nothing of
            // it, and its appends fail.
            for (std::size_t i = 0; i < n; ++i) {
                if (written[i]) {
                    results[i] = fail(last.error());
                }
            }
        } else {
            // Committed: the next groups decide on it before the mirror has
            // it.
            group.last_offset = *last;
            group.seq = next_seq_++;
            overlay_group entry{ group.seq, {}, {}, {} };
            for (auto& [stream, head] : staged) {
                overlay_heads_[stream] = overlay_head{ head, group.seq };
                entry.streams.push_back(stream);
            }
            for (auto& [subject, key] : staged_keys) {
                overlay_keys_[subject] = overlay_key{ key, group.seq };
                entry.subjects.push_back(subject);
            }
            for (std::size_t i = 0; i < n; ++i) {
                if (!written[i]) {
                    continue;
                }
                group.needs_positions[i] = true;
                const auto& id = items[i]->request.command_id;
                if (!id.empty()) {
                    overlay_commands_[id] = overlay_command{ **results[i], group.seq };
                    entry.commands.push_back(id);
                }
            }
            overlay_groups_.push_back(std::move(entry));
        }
    }
    pass_on(std::move(group));
}

void
partition_writer::answer_loop()
{
    for (;;) {
        decided_group group;
        {
            std::unique_lock lock(answer_mu_);
            answer_cv_.wait(lock, [&] { return answer_stopping_ || !answers_.empty(); });
            if (answers_.empty()) {
                return; // stopping, and every group is answered
            }
            group = std::move(answers_.front());
            answers_.pop_front();
        }
        settle(group);
        {
            std::lock_guard lock(answer_mu_);
            --in_flight_;
        }
        answer_cv_.notify_all();
    }
}

void
partition_writer::settle(decided_group& group)
{
    std::optional<error> failure;
    {
        std::lock_guard lock(answer_mu_);
        failure = pipeline_failure_;
    }
    if (!failure && group.last_offset) {
        auto mirrored = log_.wait_mirrored(partition_, *group.last_offset + 1, group.deadline);
        if (mirrored) {
            mirrored_seq_.store(group.seq, std::memory_order_release);
        } else {
            // Committed, but without its local positions: this group's
            // callers and those of every group after it that is not
            // answered yet get the error and retry with their command ids
            // (idempotent: a retry finds its first result); the deciding
            // thread claims the partition again (`take_pipeline_failure`)
            // before its next decision.
            failure = mirrored.error();
            std::lock_guard lock(answer_mu_);
            pipeline_failure_ = failure;
        }
    }
    answer(group, failure);
}

void
partition_writer::answer(decided_group& group, const std::optional<error>& failure)
{
    auto& store = log_.store();
    auto& results = group.results;
    for (std::size_t i = 0; i < group.items.size(); ++i) {
        if (!group.needs_positions[i]) {
            continue; // refusals and duplicates in the mirror: final already
        }
        if (failure) {
            results[i] = fail(*failure);
            continue;
        }
        auto& res = **results[i];
        auto first = store.position_of(res.stream, res.first_version);
        auto final = store.position_of(res.stream, res.last_version);
        if (!first || !final || !*first || !*final) {
            results[i] = fail(
              error::unavailable("log.corrupt",
                                 fmt::format("the mirror lacks the committed events {}..{} of {}",
                                             res.first_version,
                                             res.last_version,
                                             res.stream)));
            continue;
        }
        res.first_position = **first;
        res.last_position = **final;
    }
    for (std::size_t i = 0; i < group.items.size(); ++i) {
        if (group.duplicate_of[i]) {
            auto r = *results[*group.duplicate_of[i]];
            if (r) {
                r->duplicate = true;
            }
            results[i] = std::move(r);
        }
    }
    for (std::size_t i = 0; i < group.items.size(); ++i) {
        const auto& r = *results[i];
        if (group.items[i]->command_offset && !r &&
            (r.error().code == "log.fenced" || r.error().code == "log.not_owner")) {
            continue; // not committed: the partition's next owner answers it
        }
        group.items[i]->done(std::move(*results[i]));
    }
}

result<std::int64_t>
partition_writer::produce_and_commit(const std::vector<outgoing>& records,
                                     const std::vector<key_record>& keys,
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
    std::vector<delivery> key_reports(keys.size());
    const auto& topic = log_.topic();
    auto deadline = std::chrono::steady_clock::now() + options.timeout;
    // The keys first: a reader that sees the events finds their keys
    // committed with them.
    static const char k_empty = 0;
    for (std::size_t i = 0; i < keys.size(); ++i) {
        const auto& k = keys[i];
        // An erased marker is an empty value, not a null one (a tombstone
        // would let compaction drop it, and a new key could follow).
        auto* value = k.key.empty() ? const_cast<char*>(&k_empty) : const_cast<char*>(k.key.data());
        for (;;) {
            auto err = rd_kafka_producev(p,
                                         RD_KAFKA_V_TOPIC(log_.keys_topic().c_str()),
                                         RD_KAFKA_V_PARTITION(0),
                                         RD_KAFKA_V_KEY(k.subject.data(), k.subject.size()),
                                         RD_KAFKA_V_VALUE(value, k.key.size()),
                                         RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                                         RD_KAFKA_V_OPAQUE(&key_reports[i]),
                                         RD_KAFKA_V_END);
            if (err == RD_KAFKA_RESP_ERR_NO_ERROR) {
                break;
            }
            if (err == RD_KAFKA_RESP_ERR__QUEUE_FULL &&
                std::chrono::steady_clock::now() < deadline) {
                rd_kafka_poll(p, 10);
                continue;
            }
            return fail(transaction_failed(
              rd_kafka_error_new(err, "%s", rd_kafka_err2str(err)), "produce", true));
        }
    }
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
    for (const auto* list : { &key_reports, &reports }) {
        for (const auto& d : *list) {
            if (!undelivered && (!d.reported || d.err != RD_KAFKA_RESP_ERR_NO_ERROR)) {
                undelivered = d.reported ? d.err : RD_KAFKA_RESP_ERR__TIMED_OUT;
            }
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
