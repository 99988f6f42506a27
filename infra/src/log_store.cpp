#include "log_store.hpp"

#include "portal/infra/crypto.hpp"

#include <capnp/message.h>
#include <capnp/serialize.h>
#include <fmt/format.h>
#include <rocksdb/filter_policy.h>
#include <rocksdb/table.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <thread>

namespace portal::infra::detail {

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
constexpr const char* k_cf_keys = "keys";
constexpr const char* k_format_key = "format";

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

result<std::vector<event_payload>>
validate_append(const append_request& request)
{
    if (request.stream.empty() || request.partition_key.empty() ||
        request.stream.find('\0') != std::string::npos || request.partition_key.size() > 1024 ||
        request.stream.size() > 1024) {
        return fail(error::invalid("log.invalid_request",
                                   "stream and partition key must be non-empty, without NUL, at "
                                   "most 1024 bytes"));
    }
    if (request.payloads.empty()) {
        return fail(error::invalid("log.invalid_request", "an append needs at least one event"));
    }
    std::vector<event_payload> payloads;
    payloads.reserve(request.payloads.size());
    for (const auto& bytes : request.payloads) {
        auto payload = event_payload::decode(bytes);
        if (!payload) {
            return fail(std::move(payload.error()));
        }
        payloads.push_back(std::move(*payload));
    }
    return payloads;
}

result<stream_head>
check_append(const append_request& req, const head_lookup& head_of)
{
    auto head = head_of(req.stream);
    if (!head) {
        return fail(head.error());
    }
    if (head->version > 0 && head->partition_key != req.partition_key) {
        return fail(error::invalid("log.partition_mismatch",
                                   fmt::format("stream {} belongs to partition key {}, not {}",
                                               req.stream,
                                               head->partition_key,
                                               req.partition_key)));
    }
    if (!req.expected.matches(head->version)) {
        return fail(
          error::conflict("log.wrong_expected_version",
                          fmt::format("stream {} is at version {}", req.stream, head->version)));
    }
    for (const auto& check : req.checks) {
        auto other = head_of(check.stream);
        if (!other) {
            return fail(other.error());
        }
        if (other->version > 0 && other->partition_key != req.partition_key) {
            return fail(error::invalid("log.partition_mismatch",
                                       fmt::format("checked stream {} belongs to partition key "
                                                   "{}, not {}",
                                                   check.stream,
                                                   other->partition_key,
                                                   req.partition_key)));
        }
        if (!check.expected.matches(other->version)) {
            return fail(error::conflict(
              "log.wrong_expected_version",
              fmt::format("checked stream {} is at version {}", check.stream, other->version)));
        }
    }
    return head;
}

std::string
build_envelope(const append_request& req,
               const event_payload& payload,
               std::uint64_t version,
               std::string_view prev_hash,
               timestamp now,
               const subject_key_for* keys)
{
    capnp::MallocMessageBuilder builder(512);
    auto env = builder.initRoot<schema::Envelope>();
    auto id = uuid_v7(now);
    env.setEventId(capnp::Data::Reader(id.data(), id.size()));
    env.setStreamId(req.stream);
    env.setStreamVersion(version);
    env.setRecordedAt(to_micros(now));
    auto actor = env.initActor();
    actor.setAccountId(req.actor.account_id);
    actor.setRole(static_cast<schema::Role>(req.actor.role));
    actor.setOnBehalfOfCompanyId(req.actor.on_behalf_of_company_id);
    env.setCommandId(req.command_id);
    env.setCorrelationId(capnp::Data::Reader(req.correlation_id.data(), req.correlation_id.size()));
    env.setCausationId(capnp::Data::Reader(req.causation_id.data(), req.causation_id.size()));
    env.setPrevHash(capnp::Data::Reader(reinterpret_cast<const capnp::byte*>(prev_hash.data()),
                                        prev_hash.size()));
    env.setSchemaVersion(events::k_schema_version);
    env.setPartitionKey(req.partition_key);
    env.setPayload(payload.reader());
    if (keys != nullptr) {
        seal_personal_data(env, *keys);
        if (env.hasSealed()) {
            // The emptied fields leave zeroed space behind: a copy drops it.
            capnp::MallocMessageBuilder compact(builder.sizeInWords() + 8);
            compact.setRoot(env.asReader());
            auto words = capnp::messageToFlatArray(compact);
            return std::string(reinterpret_cast<const char*>(words.begin()),
                               words.size() * sizeof(capnp::word));
        }
    }
    auto words = capnp::messageToFlatArray(builder);
    return std::string(reinterpret_cast<const char*>(words.begin()),
                       words.size() * sizeof(capnp::word));
}

/// A subscription: a thread that reads committed events after its position
/// and waits for more.
class log_subscription final : public events::subscription
{
  public:
    log_subscription(log_store& store, position after, events::event_handler handler)
      : store_(store)
      , after_(after)
      , handler_(std::move(handler))
    {
    }
    ~log_subscription() override { stop(); }

    void start()
    {
        thread_ = std::thread([this] { run(); });
    }

    void stop() override
    {
        std::lock_guard lock(join_mu_);
        if (!thread_.joinable()) {
            return;
        }
        stopping_.store(true);
        store_.wake_subscribers();
        thread_.join();
        store_.forget(this);
    }

    std::optional<error> failure() const override
    {
        std::lock_guard lock(failure_mu_);
        return failure_;
    }

  private:
    void run()
    {
        while (!stopping_.load()) {
            auto batch = store_.read_shared(after_);
            if (!batch) {
                std::lock_guard lock(failure_mu_);
                failure_ = batch.error();
                return;
            }
            if (batch->events.empty()) {
                store_.wait_for_more(after_, stopping_);
                continue;
            }
            for (const auto& event : batch->events) {
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

    log_store& store_;
    position after_;
    events::event_handler handler_;
    std::atomic<bool> stopping_{ false };
    std::thread thread_;
    std::mutex join_mu_;
    mutable std::mutex failure_mu_;
    std::optional<error> failure_;
};

log_store::log_store(std::unique_ptr<rocksdb::DB> db,
                     std::vector<rocksdb::ColumnFamilyHandle*> handles,
                     bool sync)
  : db_(std::move(db))
  , handles_(std::move(handles))
{
    write_options_.sync = sync;
    committed_.store(stored_last_position());
}

log_store::~log_store()
{
    close_subscriptions();
    {
        std::lock_guard lock(purge_mu_);
        purge_stopping_ = true;
    }
    purge_cv_.notify_all();
    if (purge_thread_.joinable()) {
        purge_thread_.join();
    }
    for (auto* h : handles_) {
        db_->DestroyColumnFamilyHandle(h);
    }
    db_->Close();
}

result<std::unique_ptr<log_store>>
log_store::open(const std::filesystem::path& dir, bool sync, int format)
{
    crypto_init();
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec) {
        return fail(error::unavailable(
          "log.unavailable", fmt::format("cannot create {}: {}", dir.string(), ec.message())));
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
        { k_cf_keys, point_lookup_options() },
    };
    std::vector<rocksdb::ColumnFamilyHandle*> handles;
    rocksdb::DB* raw = nullptr;
    auto s = rocksdb::DB::Open(db_options, dir.string(), families, &handles, &raw);
    if (!s.ok()) {
        if (s.IsIOError() && s.ToString().find("lock") != std::string::npos) {
            return fail(error::unavailable("log.locked",
                                           fmt::format("the data directory {} is in use by another "
                                                       "process: {}",
                                                       dir.string(),
                                                       s.ToString())));
        }
        return fail(storage_error(s, "open"));
    }
    std::unique_ptr<rocksdb::DB> db(raw);
    auto close = [&] {
        for (auto* h : handles) {
            db->DestroyColumnFamilyHandle(h);
        }
    };
    std::string stored;
    s = db->Get(rocksdb::ReadOptions(), handles[0], k_format_key, &stored);
    if (s.IsNotFound()) {
        rocksdb::WriteOptions wo;
        wo.sync = true;
        s = db->Put(wo, handles[0], k_format_key, std::to_string(format));
    } else if (s.ok() && std::atoi(stored.c_str()) < format) {
        // This build writes what older ones cannot read (sealed personal
        // data): they refuse the directory from now on.
        rocksdb::WriteOptions wo;
        wo.sync = true;
        s = db->Put(wo, handles[0], k_format_key, std::to_string(format));
    } else if (s.ok() && std::atoi(stored.c_str()) > format) {
        close();
        return fail(error::invalid("log.newer_format",
                                   fmt::format("the data directory {} was written by a newer "
                                               "portal (format {}, this build reads up to {})",
                                               dir.string(),
                                               stored,
                                               format)));
    }
    if (!s.ok()) {
        close();
        return fail(storage_error(s, "format marker"));
    }
    return std::unique_ptr<log_store>(new log_store(std::move(db), std::move(handles), sync));
}

std::uint64_t
log_store::stored_last_position()
{
    std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), cf_events()));
    it->SeekToLast();
    return it->Valid() ? get_be64(it->key().ToStringView()) : 0;
}

result<void>
log_store::commit(rocksdb::WriteBatch& batch, std::uint64_t last_position)
{
    auto s = db_->Write(write_options_, &batch);
    if (!s.ok()) {
        return fail(storage_error(s, "append"));
    }
    committed_.store(last_position, std::memory_order_release);
    wake_subscribers();
    return {};
}

void
log_store::reload_position()
{
    committed_.store(stored_last_position(), std::memory_order_release);
    // The shared chunks hold only events at or below the position published
    // when they were read, which no write rewrites, failed or not (nothing
    // deletes committed events; a reopened log has a new store), so they
    // stay valid. Dropped anyway, as failures are rare (a read in flight may
    // still publish its chunk, which is as valid).
    chunks_.clear();
}

result<std::vector<recorded_event>>
log_store::read_stream(std::string_view stream, std::uint64_t from_version, std::size_t max)
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
        auto bytes = unsealed(values[i].ToStringView());
        if (!bytes) {
            return fail(std::move(bytes.error()));
        }
        out.push_back(recorded_event{
          position{ get_be64(keys[i]) }, std::string(stream), versions[i], std::move(*bytes) });
    }
    return out;
}

result<std::string>
log_store::unsealed(std::string_view stored)
{
    if (!has_sealed_personal_data(stored)) {
        return std::string(stored);
    }
    return unseal_envelope(stored,
                           [this](std::string_view subject) { return subject_key_of(subject); });
}

subject_key
log_store::subject_key_of(std::string_view subject)
{
    {
        std::shared_lock lock(keys_mu_);
        if (auto it = key_cache_.find(subject); it != key_cache_.end()) {
            return subject_key{ subject_key::state::present, it->second };
        }
    }
    auto epoch = erasure_epoch_.load(std::memory_order_acquire);
    std::string value;
    auto s = db_->Get(rocksdb::ReadOptions(), cf_keys(), rocksdb::Slice(subject), &value);
    if (!s.ok()) {
        // Not found, or unreadable: either way not a key to decrypt with.
        return subject_key{};
    }
    if (value.empty()) {
        return subject_key{ subject_key::state::erased, {} };
    }
    {
        std::unique_lock lock(keys_mu_);
        if (erasure_epoch_.load(std::memory_order_acquire) == epoch) {
            if (key_cache_.size() >= k_max_cached_keys) {
                key_cache_.clear();
            }
            key_cache_.emplace(std::string(subject), value);
        }
    }
    return subject_key{ subject_key::state::present, std::move(value) };
}

void
log_store::erasures_committed()
{
    {
        std::unique_lock lock(keys_mu_);
        erasure_epoch_.fetch_add(1, std::memory_order_acq_rel);
        key_cache_.clear();
    }
    chunks_.clear();
    std::lock_guard lock(purge_mu_);
    purge_requested_ = true;
    if (!purge_thread_.joinable() && !purge_stopping_) {
        purge_thread_ = std::thread([this] { purge_loop(); });
    }
    purge_cv_.notify_one();
}

void
log_store::purge_loop()
{
    std::unique_lock lock(purge_mu_);
    for (;;) {
        purge_cv_.wait(lock, [&] { return purge_requested_ || purge_stopping_; });
        if (!purge_requested_) {
            return;
        }
        purge_requested_ = false;
        lock.unlock();
        purge_destroyed_keys();
        lock.lock();
    }
}

void
log_store::purge_destroyed_keys()
{
    // A destroyed key still sits in the write-ahead log and in older files
    // of `keys` until they are rewritten: flush every family (the log file
    // that holds the key becomes obsolete and is deleted), then compact
    // `keys` to its last level, which drops the overwritten values.
    rocksdb::FlushOptions flush;
    flush.wait = true;
    auto s = db_->Flush(flush, handles_);
    if (s.ok()) {
        rocksdb::CompactRangeOptions compact;
        compact.bottommost_level_compaction = rocksdb::BottommostLevelCompaction::kForce;
        s = db_->CompactRange(compact, cf_keys(), nullptr, nullptr);
    }
    if (!s.ok()) {
        spdlog::warn("event log: purging destroyed subject keys from the files failed: {} "
                     "(they go with the next compaction)",
                     s.ToString());
    }
}

result<std::vector<recorded_event>>
log_store::read_all(position after, std::size_t max)
{
    return read_events(after, max, true);
}

result<std::vector<recorded_event>>
log_store::read_all_stored(position after, std::size_t max)
{
    return read_events(after, max, false);
}

result<std::vector<recorded_event>>
log_store::read_events(position after, std::size_t max, bool unseal)
{
    std::vector<recorded_event> out;
    auto limit = committed_.load(std::memory_order_acquire);
    std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), cf_events()));
    for (it->Seek(position_key(after.value + 1)); it->Valid() && out.size() < max; it->Next()) {
        auto pos = get_be64(it->key().ToStringView());
        if (pos > limit) {
            break;
        }
        auto head = events::peek_stream_version(it->value().ToStringView());
        if (!head) {
            return fail(error::unavailable(
              "log.corrupt",
              fmt::format("event at position {} does not decode: {}", pos, head.error().message)));
        }
        std::string bytes;
        if (unseal && head->sealed) {
            auto open =
              unseal_envelope(it->value().ToStringView(),
                              [this](std::string_view subject) { return subject_key_of(subject); });
            if (!open) {
                return fail(std::move(open.error()));
            }
            bytes = std::move(*open);
        } else {
            bytes.assign(it->value().ToStringView());
        }
        out.push_back(recorded_event{
          position{ pos }, std::move(head->stream), head->version, std::move(bytes) });
    }
    if (!it->status().ok()) {
        return fail(storage_error(it->status(), "read_all"));
    }
    return out;
}

namespace {

std::size_t
chunk_bytes(const std::vector<recorded_event>& events)
{
    auto bytes = sizeof(events) + events.capacity() * sizeof(recorded_event);
    for (const auto& e : events) {
        bytes += e.stream.capacity() + e.envelope_bytes.capacity();
    }
    return bytes;
}

} // namespace

result<shared_events>
chunk_cache::get(position after, const reader& read)
{
    std::unique_lock lock(mu_);
    for (;;) {
        bool loading = false;
        for (auto& e : entries_) {
            if (!e.chunk) {
                loading = loading || e.after == after;
                continue;
            }
            // Chunks are never empty: this one holds the event after
            // `after` when it starts at or before it and ends after it.
            if (e.after.value <= after.value && after.value < e.last.value) {
                auto first = std::upper_bound(
                  e.chunk->begin(),
                  e.chunk->end(),
                  after,
                  [](position p, const recorded_event& ev) { return p.value < ev.position.value; });
                e.used = ++tick_;
                ++stats_.shared;
                return shared_events{
                    e.chunk, std::span<const recorded_event>(&*first, e.chunk->end() - first)
                };
            }
        }
        if (!loading) {
            break;
        }
        // Another subscription is reading this chunk: take it when it is in.
        loaded_cv_.wait(lock);
    }
    entries_.push_back(entry{ after, after, nullptr, 0, 0 });
    ++stats_.reads;
    auto generation = generation_;
    lock.unlock();
    auto batch = read(after);
    lock.lock();
    auto self = std::find_if(entries_.begin(), entries_.end(), [&](const entry& e) {
        return !e.chunk && e.after == after;
    });
    entries_.erase(self);
    if (!batch || batch->empty()) {
        // Waiters read for themselves (a failure is theirs to see, too).
        loaded_cv_.notify_all();
        if (!batch) {
            return fail(std::move(batch.error()));
        }
        return shared_events{};
    }
    auto bytes = chunk_bytes(*batch);
    auto chunk = std::make_shared<const std::vector<recorded_event>>(std::move(*batch));
    if (generation != generation_) {
        // Cleared while reading (an erasure): the chunk may hold personal
        // data that readers must no longer see; only this reader takes it.
        loaded_cv_.notify_all();
        return shared_events{ chunk, std::span<const recorded_event>(*chunk) };
    }
    entries_.push_back(entry{ after, chunk->back().position, chunk, bytes, ++tick_ });
    bytes_ += bytes;
    // Drop the least recently used until within bounds (a single chunk
    // above the byte bound goes at once: its reader still has it).
    for (;;) {
        std::size_t loaded = 0;
        auto oldest = entries_.end();
        for (auto it = entries_.begin(); it != entries_.end(); ++it) {
            if (!it->chunk) {
                continue;
            }
            ++loaded;
            if (oldest == entries_.end() || it->used < oldest->used) {
                oldest = it;
            }
        }
        if (loaded <= k_max_chunks && bytes_ <= k_max_bytes) {
            break;
        }
        bytes_ -= oldest->bytes;
        entries_.erase(oldest);
    }
    loaded_cv_.notify_all();
    return shared_events{ chunk, std::span<const recorded_event>(*chunk) };
}

void
chunk_cache::clear()
{
    std::lock_guard lock(mu_);
    std::erase_if(entries_, [](const entry& e) { return e.chunk != nullptr; });
    bytes_ = 0;
    ++generation_;
}

chunk_stats
chunk_cache::stats() const
{
    std::lock_guard lock(mu_);
    return stats_;
}

result<shared_events>
log_store::read_shared(position after)
{
    if (committed_.load(std::memory_order_acquire) <= after.value) {
        return shared_events{};
    }
    return chunks_.get(
      after, [this](position from) { return read_all(from, chunk_cache::k_chunk_events); });
}

result<std::unique_ptr<events::subscription>>
log_store::subscribe(position after, events::event_handler handler)
{
    auto sub = std::make_unique<log_subscription>(*this, after, std::move(handler));
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

result<stream_head>
log_store::head(std::string_view stream)
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

result<std::optional<append_result>>
log_store::find_command(std::string_view command_id)
{
    std::string value;
    auto s = db_->Get(rocksdb::ReadOptions(), cf_commands(), rocksdb::Slice(command_id), &value);
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

result<std::optional<position>>
log_store::position_of(std::string_view stream, std::uint64_t version)
{
    std::string value;
    auto s = db_->Get(rocksdb::ReadOptions(), cf_streams(), stream_key(stream, version), &value);
    if (s.IsNotFound()) {
        return std::optional<position>{};
    }
    if (!s.ok() || value.size() != 8) {
        return fail(storage_error(s, "position lookup"));
    }
    return std::optional<position>(position{ get_be64(value) });
}

void
log_store::close_subscriptions()
{
    std::vector<log_subscription*> subs;
    {
        std::lock_guard lock(subs_mu_);
        closing_ = true;
        subs.assign(subscriptions_.begin(), subscriptions_.end());
    }
    for (auto* s : subs) {
        s->stop();
    }
}

void
log_store::wait_for_more(position after, const std::atomic<bool>& stopping)
{
    std::unique_lock lock(commit_mu_);
    commit_cv_.wait(lock, [&] {
        return stopping.load() || committed_.load(std::memory_order_acquire) > after.value;
    });
}

void
log_store::wake_subscribers()
{
    {
        std::lock_guard lock(commit_mu_);
    }
    commit_cv_.notify_all();
}

void
log_store::forget(log_subscription* sub)
{
    std::lock_guard lock(subs_mu_);
    subscriptions_.remove(sub);
}

} // namespace portal::infra::detail
