#include "portal/infra/embedded_log.hpp"

#include "portal/events/message.hpp"
#include "portal/infra/crypto.hpp"

#include <capnp/message.h>
#include <capnp/serialize.h>
#include <rocksdb/db.h>
#include <rocksdb/filter_policy.h>
#include <rocksdb/table.h>
#include <rocksdb/write_batch.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <condition_variable>
#include <deque>
#include <future>
#include <list>
#include <mutex>
#include <thread>
#include <unordered_map>

namespace portal::infra {

using events::append_request;
using events::append_result;
using events::event_payload;
using events::position;
using events::recorded_event;
using events::stream_head;

namespace {

constexpr const char* k_cf_events = "events";
constexpr const char* k_cf_streams = "streams";
constexpr const char* k_cf_heads = "heads";
constexpr const char* k_cf_commands = "commands";
constexpr const char* k_format_key = "format";

void
put_be64(std::string& out, std::uint64_t v)
{
    for (int i = 7; i >= 0; --i) {
        out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
    }
}

std::uint64_t
get_be64(std::string_view in)
{
    std::uint64_t v = 0;
    for (std::size_t i = 0; i < 8; ++i) {
        v = (v << 8) | static_cast<unsigned char>(in[i]);
    }
    return v;
}

std::string
position_key(std::uint64_t pos)
{
    std::string key;
    key.reserve(8);
    put_be64(key, pos);
    return key;
}

std::string
stream_prefix(std::string_view stream)
{
    std::string key(stream);
    key.push_back('\0');
    return key;
}

std::string
stream_key(std::string_view stream, std::uint64_t version)
{
    auto key = stream_prefix(stream);
    put_be64(key, version);
    return key;
}

std::string
encode_head(const stream_head& head)
{
    std::string out;
    put_be64(out, head.version);
    out.push_back(static_cast<char>(head.last_hash.size()));
    out += head.last_hash;
    out += head.partition_key;
    return out;
}

std::optional<stream_head>
decode_head(std::string_view in)
{
    if (in.size() < 9) {
        return std::nullopt;
    }
    stream_head head;
    head.version = get_be64(in);
    auto hash_size = static_cast<unsigned char>(in[8]);
    if (in.size() < 9u + hash_size) {
        return std::nullopt;
    }
    head.last_hash = std::string(in.substr(9, hash_size));
    head.partition_key = std::string(in.substr(9 + hash_size));
    return head;
}

std::string
encode_result(const append_result& r)
{
    std::string out;
    put_be64(out, r.first_version);
    put_be64(out, r.last_version);
    put_be64(out, r.first_position.value);
    put_be64(out, r.last_position.value);
    out += r.stream;
    return out;
}

std::optional<append_result>
decode_result(std::string_view in)
{
    if (in.size() < 32) {
        return std::nullopt;
    }
    append_result r;
    r.first_version = get_be64(in.substr(0));
    r.last_version = get_be64(in.substr(8));
    r.first_position = position{ get_be64(in.substr(16)) };
    r.last_position = position{ get_be64(in.substr(24)) };
    r.stream = std::string(in.substr(32));
    r.duplicate = true;
    return r;
}

error
storage_error(const rocksdb::Status& s, std::string_view what)
{
    return error::unavailable("log.unavailable", fmt::format("{}: {}", what, s.ToString()));
}

timestamp
system_now()
{
    return std::chrono::time_point_cast<std::chrono::microseconds>(
      std::chrono::system_clock::now());
}

/// One append waiting for the writer.
struct pending
{
    append_request request;
    std::vector<event_payload> payloads;
    std::promise<result<append_result>> done;
};

class rocks_log;

/// A subscription: a thread that reads committed events after its position
/// and waits for more.
class rocks_subscription final : public events::subscription
{
  public:
    rocks_subscription(rocks_log& log, position after, events::event_handler handler);
    ~rocks_subscription() override { stop(); }

    void start();
    void stop() override;
    std::optional<error> failure() const override
    {
        std::lock_guard lock(failure_mu_);
        return failure_;
    }

  private:
    void run();

    rocks_log& log_;
    position after_;
    events::event_handler handler_;
    std::atomic<bool> stopping_{ false };
    std::thread thread_;
    std::mutex join_mu_;
    mutable std::mutex failure_mu_;
    std::optional<error> failure_;
};

class rocks_log final : public events::event_log
{
  public:
    rocks_log(embedded_log_options options,
              std::unique_ptr<rocksdb::DB> db,
              std::vector<rocksdb::ColumnFamilyHandle*> handles)
      : options_(std::move(options))
      , db_(std::move(db))
      , handles_(std::move(handles))
    {
        if (!options_.clock) {
            options_.clock = system_now;
        }
        write_options_.sync = options_.sync;
        std::unique_ptr<rocksdb::Iterator> it(
          db_->NewIterator(rocksdb::ReadOptions(), cf_events()));
        it->SeekToLast();
        std::uint64_t last = it->Valid() ? get_be64(it->key().ToStringView()) : 0;
        next_position_ = last + 1;
        committed_.store(last);
        writer_ = std::thread([this] { write_loop(); });
    }

    ~rocks_log() override
    {
        {
            std::lock_guard lock(subs_mu_);
            closing_ = true;
        }
        std::vector<rocks_subscription*> subs;
        {
            std::lock_guard lock(subs_mu_);
            subs.assign(subscriptions_.begin(), subscriptions_.end());
        }
        for (auto* s : subs) {
            s->stop();
        }
        {
            std::lock_guard lock(queue_mu_);
            stopping_ = true;
        }
        queue_cv_.notify_all();
        writer_.join();
        for (auto* h : handles_) {
            db_->DestroyColumnFamilyHandle(h);
        }
        db_->Close();
    }

    rocksdb::ColumnFamilyHandle* cf_default() const { return handles_[0]; }
    rocksdb::ColumnFamilyHandle* cf_events() const { return handles_[1]; }
    rocksdb::ColumnFamilyHandle* cf_streams() const { return handles_[2]; }
    rocksdb::ColumnFamilyHandle* cf_heads() const { return handles_[3]; }
    rocksdb::ColumnFamilyHandle* cf_commands() const { return handles_[4]; }

    result<append_result> append(append_request request) override
    {
        if (request.stream.empty() || request.partition_key.empty() ||
            request.stream.find('\0') != std::string::npos || request.partition_key.size() > 1024 ||
            request.stream.size() > 1024) {
            return fail(
              error::invalid("log.invalid_request",
                             "stream and partition key must be non-empty, without NUL, at "
                             "most 1024 bytes"));
        }
        if (request.payloads.empty()) {
            return fail(
              error::invalid("log.invalid_request", "an append needs at least one event"));
        }
        auto item = std::make_unique<pending>();
        item->payloads.reserve(request.payloads.size());
        for (const auto& bytes : request.payloads) {
            auto payload = event_payload::decode(bytes);
            if (!payload) {
                return fail(std::move(payload.error()));
            }
            item->payloads.push_back(std::move(*payload));
        }
        item->request = std::move(request);
        auto future = item->done.get_future();
        {
            std::lock_guard lock(queue_mu_);
            if (stopping_) {
                return fail(error::unavailable("log.unavailable", "the log is closing"));
            }
            queue_.push_back(std::move(item));
        }
        queue_cv_.notify_one();
        return future.get();
    }

    result<std::vector<recorded_event>> read_stream(std::string_view stream,
                                                    std::uint64_t from_version,
                                                    std::size_t max) override
    {
        std::vector<recorded_event> out;
        auto prefix = stream_prefix(stream);
        std::vector<std::string> keys;
        std::vector<std::uint64_t> versions;
        {
            std::unique_ptr<rocksdb::Iterator> it(
              db_->NewIterator(rocksdb::ReadOptions(), cf_streams()));
            for (it->Seek(stream_key(stream, std::max<std::uint64_t>(from_version, 1)));
                 it->Valid() && keys.size() < max;
                 it->Next()) {
                auto key = it->key().ToStringView();
                if (key.size() != prefix.size() + 8 || key.substr(0, prefix.size()) != prefix) {
                    break;
                }
                versions.push_back(get_be64(key.substr(prefix.size())));
                keys.push_back(std::string(it->value().ToStringView()));
            }
            if (!it->status().ok()) {
                return fail(storage_error(it->status(), "read_stream"));
            }
        }
        if (keys.empty()) {
            return out;
        }
        std::vector<rocksdb::Slice> slices(keys.begin(), keys.end());
        std::vector<rocksdb::PinnableSlice> values(keys.size());
        std::vector<rocksdb::Status> statuses(keys.size());
        db_->MultiGet(rocksdb::ReadOptions(),
                      cf_events(),
                      slices.size(),
                      slices.data(),
                      values.data(),
                      statuses.data());
        out.reserve(keys.size());
        for (std::size_t i = 0; i < keys.size(); ++i) {
            if (!statuses[i].ok()) {
                return fail(storage_error(statuses[i], "read_stream"));
            }
            out.push_back(recorded_event{ position{ get_be64(keys[i]) },
                                          std::string(stream),
                                          versions[i],
                                          values[i].ToString() });
        }
        return out;
    }

    result<std::vector<recorded_event>> read_all(position after, std::size_t max) override
    {
        std::vector<recorded_event> out;
        auto limit = committed_.load(std::memory_order_acquire);
        std::unique_ptr<rocksdb::Iterator> it(
          db_->NewIterator(rocksdb::ReadOptions(), cf_events()));
        for (it->Seek(position_key(after.value + 1)); it->Valid() && out.size() < max; it->Next()) {
            auto pos = get_be64(it->key().ToStringView());
            if (pos > limit) {
                break;
            }
            auto head = events::peek_stream_version(it->value().ToStringView());
            if (!head) {
                return fail(error::unavailable(
                  "log.corrupt",
                  fmt::format(
                    "event at position {} does not decode: {}", pos, head.error().message)));
            }
            out.push_back(recorded_event{ position{ pos },
                                          std::move(head->stream),
                                          head->version,
                                          std::string(it->value().ToStringView()) });
        }
        if (!it->status().ok()) {
            return fail(storage_error(it->status(), "read_all"));
        }
        return out;
    }

    result<std::unique_ptr<events::subscription>> subscribe(position after,
                                                            events::event_handler handler) override
    {
        auto sub = std::make_unique<rocks_subscription>(*this, after, std::move(handler));
        {
            std::lock_guard lock(subs_mu_);
            if (closing_) {
                return fail(error::unavailable("log.unavailable", "the log is closing"));
            }
            subscriptions_.push_back(sub.get());
        }
        sub->start();
        return std::unique_ptr<events::subscription>(std::move(sub));
    }

    result<stream_head> head(std::string_view stream) override
    {
        std::string value;
        auto s = db_->Get(rocksdb::ReadOptions(), cf_heads(), rocksdb::Slice(stream), &value);
        if (s.IsNotFound()) {
            return stream_head{};
        }
        if (!s.ok()) {
            return fail(storage_error(s, "head"));
        }
        auto h = decode_head(value);
        if (!h) {
            return fail(error::unavailable("log.corrupt", "undecodable head"));
        }
        return *h;
    }

    result<std::optional<append_result>> find_command(std::string_view command_id) override
    {
        std::string value;
        auto s =
          db_->Get(rocksdb::ReadOptions(), cf_commands(), rocksdb::Slice(command_id), &value);
        if (s.IsNotFound()) {
            return std::optional<append_result>{};
        }
        if (!s.ok()) {
            return fail(storage_error(s, "find_command"));
        }
        auto r = decode_result(value);
        if (!r) {
            return fail(error::unavailable("log.corrupt", "undecodable command result"));
        }
        return std::optional<append_result>(*r);
    }

    position last_position() const override
    {
        return position{ committed_.load(std::memory_order_acquire) };
    }

    /// Blocks until `committed_ > after` or `stopping` is set or the log closes.
    void wait_for_more(position after, const std::atomic<bool>& stopping)
    {
        std::unique_lock lock(commit_mu_);
        commit_cv_.wait(lock, [&] {
            return stopping.load() || committed_.load(std::memory_order_acquire) > after.value;
        });
    }

    void wake_subscribers()
    {
        {
            std::lock_guard lock(commit_mu_);
        }
        commit_cv_.notify_all();
    }

    void forget(rocks_subscription* sub)
    {
        std::lock_guard lock(subs_mu_);
        subscriptions_.remove(sub);
    }

  private:
    /// The head of `stream` as seen by the writer: staged, cached or stored.
    result<stream_head> writer_head(const std::string& stream,
                                    const std::unordered_map<std::string, stream_head>& staged)
    {
        if (auto it = staged.find(stream); it != staged.end()) {
            return it->second;
        }
        if (auto it = heads_cache_.find(stream); it != heads_cache_.end()) {
            return it->second;
        }
        auto h = head(stream);
        if (h && h->version > 0) {
            heads_cache_.emplace(stream, *h);
        }
        return h;
    }

    void write_loop()
    {
        std::vector<std::unique_ptr<pending>> group;
        for (;;) {
            {
                std::unique_lock lock(queue_mu_);
                queue_cv_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
                if (queue_.empty()) {
                    return; // stopping and drained
                }
                while (!queue_.empty() && group.size() < options_.max_group) {
                    group.push_back(std::move(queue_.front()));
                    queue_.pop_front();
                }
            }
            commit_group(group);
            group.clear();
        }
    }

    void commit_group(std::vector<std::unique_ptr<pending>>& group)
    {
        rocksdb::WriteBatch batch;
        std::unordered_map<std::string, stream_head> staged;
        std::unordered_map<std::string, append_result> staged_commands;
        std::vector<std::optional<result<append_result>>> results(group.size());
        std::vector<bool> written(group.size(), false);
        std::uint64_t pos = next_position_;
        auto now = options_.clock();

        for (std::size_t i = 0; i < group.size(); ++i) {
            auto& req = group[i]->request;
            if (!req.command_id.empty()) {
                if (auto it = staged_commands.find(req.command_id); it != staged_commands.end()) {
                    auto dup = it->second;
                    dup.duplicate = true;
                    results[i] = dup;
                    written[i] = true; // resolved by this batch's outcome
                    continue;
                }
                std::string value;
                auto s = db_->Get(rocksdb::ReadOptions(), cf_commands(), req.command_id, &value);
                if (s.ok()) {
                    auto r = decode_result(value);
                    if (r) {
                        results[i] = *r;
                    } else {
                        results[i] =
                          fail(error::unavailable("log.corrupt", "undecodable command result"));
                    }
                    continue;
                }
                if (!s.IsNotFound()) {
                    results[i] = fail(storage_error(s, "command lookup"));
                    continue;
                }
            }
            auto head = writer_head(req.stream, staged);
            if (!head) {
                results[i] = fail(head.error());
                continue;
            }
            if (head->version > 0 && head->partition_key != req.partition_key) {
                results[i] =
                  fail(error::invalid("log.partition_mismatch",
                                      fmt::format("stream {} belongs to partition key {}, not {}",
                                                  req.stream,
                                                  head->partition_key,
                                                  req.partition_key)));
                continue;
            }
            if (!req.expected.matches(head->version)) {
                results[i] = fail(error::conflict(
                  "log.wrong_expected_version",
                  fmt::format("stream {} is at version {}", req.stream, head->version)));
                continue;
            }
            bool checks_ok = true;
            for (const auto& check : req.checks) {
                auto other = writer_head(check.stream, staged);
                if (!other) {
                    results[i] = fail(other.error());
                    checks_ok = false;
                    break;
                }
                if (other->version > 0 && other->partition_key != req.partition_key) {
                    results[i] =
                      fail(error::invalid("log.partition_mismatch",
                                          fmt::format("checked stream {} belongs to partition key "
                                                      "{}, not {}",
                                                      check.stream,
                                                      other->partition_key,
                                                      req.partition_key)));
                    checks_ok = false;
                    break;
                }
                if (!check.expected.matches(other->version)) {
                    results[i] = fail(error::conflict(
                      "log.wrong_expected_version",
                      fmt::format(
                        "checked stream {} is at version {}", check.stream, other->version)));
                    checks_ok = false;
                    break;
                }
            }
            if (!checks_ok) {
                continue;
            }

            stream_head next = *head;
            next.partition_key = req.partition_key;
            append_result res;
            res.stream = req.stream;
            res.first_version = head->version + 1;
            res.first_position = position{ pos };
            for (const auto& payload : group[i]->payloads) {
                capnp::MallocMessageBuilder builder(512);
                auto env = builder.initRoot<schema::Envelope>();
                auto id = uuid_v7(now);
                env.setEventId(capnp::Data::Reader(id.data(), id.size()));
                env.setStreamId(req.stream);
                env.setStreamVersion(next.version + 1);
                env.setRecordedAt(to_micros(now));
                auto actor = env.initActor();
                actor.setAccountId(req.actor.account_id);
                actor.setRole(static_cast<schema::Role>(req.actor.role));
                actor.setOnBehalfOfCompanyId(req.actor.on_behalf_of_company_id);
                env.setCommandId(req.command_id);
                env.setCorrelationId(
                  capnp::Data::Reader(req.correlation_id.data(), req.correlation_id.size()));
                env.setCausationId(
                  capnp::Data::Reader(req.causation_id.data(), req.causation_id.size()));
                env.setPrevHash(
                  capnp::Data::Reader(reinterpret_cast<const capnp::byte*>(next.last_hash.data()),
                                      next.last_hash.size()));
                env.setSchemaVersion(events::k_schema_version);
                env.setPartitionKey(req.partition_key);
                env.setPayload(payload.reader());
                auto words = capnp::messageToFlatArray(builder);
                std::string_view bytes(reinterpret_cast<const char*>(words.begin()),
                                       words.size() * sizeof(capnp::word));
                next.version += 1;
                batch.Put(cf_events(), position_key(pos), bytes);
                batch.Put(cf_streams(), stream_key(req.stream, next.version), position_key(pos));
                next.last_hash = blake2b_256(bytes);
                ++pos;
            }
            res.last_version = next.version;
            res.last_position = position{ pos - 1 };
            batch.Put(cf_heads(), req.stream, encode_head(next));
            staged[req.stream] = next;
            if (!req.command_id.empty()) {
                batch.Put(cf_commands(), req.command_id, encode_result(res));
                staged_commands[req.command_id] = res;
            }
            results[i] = res;
            written[i] = true;
        }

        if (batch.Count() > 0) {
            auto s = db_->Write(write_options_, &batch);
            if (!s.ok()) {
                spdlog::error(
                  "event log: commit of {} appends failed: {}", group.size(), s.ToString());
                // RocksDB applies a batch atomically or not at all, but a
                // failed sync leaves the outcome unknown to the caller: it
                // retries with the same command id. Reload what is on disk.
                for (std::size_t i = 0; i < group.size(); ++i) {
                    if (written[i]) {
                        results[i] = fail(storage_error(s, "append"));
                    }
                }
                heads_cache_.clear();
                reload_position();
                for (std::size_t i = 0; i < group.size(); ++i) {
                    group[i]->done.set_value(std::move(*results[i]));
                }
                return;
            }
            for (auto& [stream, head] : staged) {
                heads_cache_[stream] = head;
            }
            if (heads_cache_.size() > k_max_cached_heads) {
                heads_cache_.clear();
            }
            next_position_ = pos;
            committed_.store(pos - 1, std::memory_order_release);
            wake_subscribers();
        }
        for (std::size_t i = 0; i < group.size(); ++i) {
            group[i]->done.set_value(std::move(*results[i]));
        }
    }

    void reload_position()
    {
        std::unique_ptr<rocksdb::Iterator> it(
          db_->NewIterator(rocksdb::ReadOptions(), cf_events()));
        it->SeekToLast();
        std::uint64_t last = it->Valid() ? get_be64(it->key().ToStringView()) : 0;
        next_position_ = last + 1;
        committed_.store(last, std::memory_order_release);
    }

    static constexpr std::size_t k_max_cached_heads = 1'000'000;

    embedded_log_options options_;
    std::unique_ptr<rocksdb::DB> db_;
    std::vector<rocksdb::ColumnFamilyHandle*> handles_;
    rocksdb::WriteOptions write_options_;

    std::mutex queue_mu_;
    std::condition_variable queue_cv_;
    std::deque<std::unique_ptr<pending>> queue_;
    bool stopping_ = false;
    std::thread writer_;

    // Owned by the writer thread.
    std::unordered_map<std::string, stream_head> heads_cache_;
    std::uint64_t next_position_ = 1;

    std::atomic<std::uint64_t> committed_{ 0 };
    std::mutex commit_mu_;
    std::condition_variable commit_cv_;

    std::mutex subs_mu_;
    std::list<rocks_subscription*> subscriptions_;
    bool closing_ = false;
};

rocks_subscription::rocks_subscription(rocks_log& log,
                                       position after,
                                       events::event_handler handler)
  : log_(log)
  , after_(after)
  , handler_(std::move(handler))
{
}

void
rocks_subscription::start()
{
    thread_ = std::thread([this] { run(); });
}

void
rocks_subscription::stop()
{
    std::lock_guard lock(join_mu_);
    if (!thread_.joinable()) {
        return;
    }
    stopping_.store(true);
    log_.wake_subscribers();
    thread_.join();
    log_.forget(this);
}

void
rocks_subscription::run()
{
    while (!stopping_.load()) {
        auto batch = log_.read_all(after_, 1024);
        if (!batch) {
            std::lock_guard lock(failure_mu_);
            failure_ = batch.error();
            return;
        }
        if (batch->empty()) {
            log_.wait_for_more(after_, stopping_);
            continue;
        }
        for (const auto& event : *batch) {
            if (stopping_.load()) {
                return;
            }
            auto handled = handler_(event);
            if (!handled) {
                std::lock_guard lock(failure_mu_);
                failure_ = handled.error();
                return;
            }
            after_ = event.position;
        }
    }
}

rocksdb::ColumnFamilyOptions
point_lookup_options()
{
    rocksdb::ColumnFamilyOptions cf;
    rocksdb::BlockBasedTableOptions table;
    table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
    cf.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
    return cf;
}

} // namespace

result<std::unique_ptr<events::event_log>>
open_embedded_log(embedded_log_options options)
{
    crypto_init();
    std::error_code ec;
    std::filesystem::create_directories(options.dir, ec);
    if (ec) {
        return fail(error::unavailable(
          "log.unavailable",
          fmt::format("cannot create {}: {}", options.dir.string(), ec.message())));
    }
    rocksdb::DBOptions db_options;
    db_options.create_if_missing = true;
    db_options.create_missing_column_families = true;
    db_options.IncreaseParallelism(2);
    db_options.max_total_wal_size = 256 << 20;

    rocksdb::ColumnFamilyOptions events_cf;
    events_cf.write_buffer_size = 64 << 20;
    std::vector<rocksdb::ColumnFamilyDescriptor> families = {
        { rocksdb::kDefaultColumnFamilyName, rocksdb::ColumnFamilyOptions() },
        { k_cf_events, events_cf },
        { k_cf_streams, point_lookup_options() },
        { k_cf_heads, point_lookup_options() },
        { k_cf_commands, point_lookup_options() },
    };
    std::vector<rocksdb::ColumnFamilyHandle*> handles;
    rocksdb::DB* raw = nullptr;
    auto s = rocksdb::DB::Open(db_options, options.dir.string(), families, &handles, &raw);
    if (!s.ok()) {
        if (s.IsIOError() && s.ToString().find("lock") != std::string::npos) {
            return fail(error::unavailable("log.locked",
                                           fmt::format("the data directory {} is in use by another "
                                                       "process: {}",
                                                       options.dir.string(),
                                                       s.ToString())));
        }
        return fail(storage_error(s, "open"));
    }
    std::unique_ptr<rocksdb::DB> db(raw);
    std::string format;
    s = db->Get(rocksdb::ReadOptions(), handles[0], k_format_key, &format);
    if (s.IsNotFound()) {
        rocksdb::WriteOptions wo;
        wo.sync = true;
        s = db->Put(wo, handles[0], k_format_key, std::to_string(k_embedded_log_format));
    } else if (s.ok() && std::atoi(format.c_str()) > k_embedded_log_format) {
        for (auto* h : handles) {
            db->DestroyColumnFamilyHandle(h);
        }
        return fail(
          error::invalid("log.newer_format",
                         fmt::format("the data directory {} was written by a newer portal "
                                     "(format {}, this build reads up to {})",
                                     options.dir.string(),
                                     format,
                                     k_embedded_log_format)));
    }
    if (!s.ok()) {
        for (auto* h : handles) {
            db->DestroyColumnFamilyHandle(h);
        }
        return fail(storage_error(s, "format marker"));
    }
    if (!options.sync) {
        spdlog::warn("event log at {}: WAL sync is OFF (development mode): a "
                     "power loss can lose acknowledged appends",
                     options.dir.string());
    }
    return std::unique_ptr<events::event_log>(
      new rocks_log(std::move(options), std::move(db), std::move(handles)));
}

} // namespace portal::infra
