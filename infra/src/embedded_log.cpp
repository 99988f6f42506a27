#include "portal/infra/embedded_log.hpp"

#include "log_store.hpp"
#include "portal/events/message.hpp"
#include "portal/events/personal_data.hpp"
#include "portal/infra/crypto.hpp"

#include <linux/futex.h>
#include <rocksdb/write_batch.h>
#include <spdlog/spdlog.h>

#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <climits>
#include <condition_variable>
#include <cstdint>
#include <deque>
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

using detail::log_store;

/// One commit group: appends ordered into one WriteBatch, written and
/// synced together by the writer thread.
class commit_group final : public events::durability
{
  public:
    explicit commit_group(std::uint64_t number)
      : seq(number)
    {
    }

    state current() const noexcept override
    {
        return static_cast<state>(state_.load(std::memory_order_acquire));
    }

    result<void> wait() override
    {
        // On the state word itself, with the futex system call: the waiters
        // of a group wake at once, without queueing on a mutex, and sleep at
        // once. (std::atomic::wait of libstdc++ 12 first calls sched_yield
        // about ten times per waiter: 5 % of the gateway's CPU under
        // concurrent writes went to those yields.)
        if (state_.load(std::memory_order_acquire) != k_pending) {
            return outcome_; // immutable once done
        }
        waiters_.fetch_add(1, std::memory_order_seq_cst);
        while (state_.load(std::memory_order_seq_cst) == k_pending) {
            // Returns at once when the word is no longer pending (EAGAIN),
            // on a wake-up, or on a signal: the loop checks again.
            ::syscall(SYS_futex, futex_word(), FUTEX_WAIT_PRIVATE, k_pending, nullptr, nullptr, 0);
        }
        waiters_.fetch_sub(1, std::memory_order_relaxed);
        return outcome_; // immutable once done
    }

    void when_done(std::function<void(const result<void>&)> done) override
    {
        {
            std::lock_guard lock(mu_);
            if (!done_) {
                callbacks_.push_back(std::move(done));
                return;
            }
        }
        done(outcome_); // immutable once done
    }

    /// Completes the group: wakes its waiters and runs its callbacks.
    void finish(result<void> outcome)
    {
        std::vector<std::function<void(const result<void>&)>> callbacks;
        {
            std::lock_guard lock(mu_);
            outcome_ = std::move(outcome);
            done_ = true;
            state_.store(static_cast<std::uint32_t>(outcome_ ? state::durable : state::failed),
                         std::memory_order_seq_cst);
            callbacks.swap(callbacks_);
        }
        // A waiter counts itself before it checks the word (both seq_cst): it
        // either sees the new state or is counted here and woken.
        if (waiters_.load(std::memory_order_seq_cst) != 0) {
            ::syscall(SYS_futex, futex_word(), FUTEX_WAKE_PRIVATE, INT_MAX, nullptr, nullptr, 0);
        }
        for (auto& c : callbacks) {
            c(outcome_);
        }
    }

    // Filled under the log's mutex while the group is open; the writer
    // owns them once the group is sealed.
    const std::uint64_t seq;
    rocksdb::WriteBatch batch;
    std::size_t appends = 0;
    std::uint64_t last_position = 0;
    std::vector<std::string> command_ids;
    std::vector<std::pair<std::string, std::uint64_t>> versions; ///< stream, version after
    std::vector<events::append_pipeline*> pipelines;
    bool erases = false; ///< destroys subject keys

  private:
    static constexpr auto k_pending = static_cast<std::uint32_t>(state::pending);
    static_assert(sizeof(std::atomic<std::uint32_t>) == sizeof(std::uint32_t) &&
                  std::atomic<std::uint32_t>::is_always_lock_free);

    std::uint32_t* futex_word() noexcept { return reinterpret_cast<std::uint32_t*>(&state_); }

    mutable std::mutex mu_; // for the callbacks
    bool done_ = false;
    result<void> outcome_;
    std::atomic<std::uint32_t> state_{ k_pending }; ///< a durability::state
    std::atomic<std::uint32_t> waiters_{ 0 };
    std::vector<std::function<void(const result<void>&)>> callbacks_;
};

struct string_hash
{
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const noexcept
    {
        return std::hash<std::string_view>{}(s);
    }
};

/// The version of each stream that the reads see, kept in memory so that a
/// state cache learns that its state is current without reading the stream:
/// raised by the writer before each commit group becomes readable and
/// filled from the stored heads on a miss (never below what is readable). Only ever raised, so a
/// stale fill loses against a newer commit. Sharded; bounded.
class readable_versions
{
  public:
    std::optional<std::uint64_t> find(std::string_view stream)
    {
        auto& s = shard_of(stream);
        std::lock_guard lock(s.mu);
        if (auto it = s.versions.find(stream); it != s.versions.end()) {
            return it->second;
        }
        return std::nullopt;
    }

    void raise(std::string_view stream, std::uint64_t version)
    {
        auto& s = shard_of(stream);
        std::lock_guard lock(s.mu);
        if (auto it = s.versions.find(stream); it != s.versions.end()) {
            it->second = std::max(it->second, version);
            return;
        }
        if (s.versions.size() >= k_max_per_shard) {
            s.versions.clear();
        }
        s.versions.emplace(std::string(stream), version);
    }

    void clear()
    {
        for (auto& s : shards_) {
            std::lock_guard lock(s.mu);
            s.versions.clear();
        }
    }

  private:
    static constexpr std::size_t k_shards = 32;
    static constexpr std::size_t k_max_per_shard = 1'000'000 / k_shards;

    struct alignas(64) shard
    {
        std::mutex mu;
        std::unordered_map<std::string, std::uint64_t, string_hash, std::equal_to<>> versions;
    };

    shard& shard_of(std::string_view stream)
    {
        return shards_[std::hash<std::string_view>{}(stream) % k_shards];
    }

    std::array<shard, k_shards> shards_;
};

/// The embedded log. Appends are ordered by the appending threads under one
/// mutex (`sequence`): checked against the heads the log has ordered so far
/// (committed or in a pending group), given their positions and envelopes,
/// and put into the open commit group. The writer thread writes and syncs
/// one group after another (group commit); while it syncs one, the next one
/// fills. An append returns when its group is durable, or at once when the
/// calling thread has an `events::append_pipeline` (the durability goes to
/// the pipeline). A failed group fails every group ordered after it (they
/// were checked against its heads) and the log forgets their heads.
class rocks_log final : public events::event_log
{
  public:
    rocks_log(embedded_log_options options, std::unique_ptr<log_store> store)
      : options_(std::move(options))
      , store_(std::move(store))
    {
        if (!options_.clock) {
            options_.clock = detail::system_now;
        }
        next_position_ = store_->last_position().value + 1;
        groups_.push_back(std::make_shared<commit_group>(next_seq_++));
        writer_ = std::thread([this] { write_loop(); });
        completer_ = std::thread([this] { complete_loop(); });
    }

    ~rocks_log() override
    {
        store_->close_subscriptions();
        {
            std::lock_guard lock(mu_);
            stopping_ = true;
        }
        writer_cv_.notify_all();
        writer_.join();
        {
            std::lock_guard lock(done_mu_);
            done_stopping_ = true;
        }
        done_cv_.notify_all();
        completer_.join();
    }

    result<append_result> append(append_request request) override
    {
        auto payloads = detail::validate_append(request);
        if (!payloads) {
            return fail(std::move(payloads.error()));
        }
        auto* pipeline = events::append_pipeline::current();
        for (;;) {
            auto s = sequence(request, *payloads, pipeline);
            switch (s.what) {
                case sequenced::final:
                    return std::move(s.answer);
                case sequenced::ordered:
                    if (pipeline != nullptr) {
                        pipeline->defer(std::move(s.group));
                        return std::move(s.answer);
                    }
                    if (auto durable = s.group->wait(); !durable) {
                        return fail(durable.error());
                    }
                    return std::move(s.answer);
                case sequenced::after_group:
                    // A duplicate of an append in a pending group, or a
                    // conflict with a head a pending group wrote: answered
                    // once that group is durable; asked again if it failed.
                    if (s.group->wait()) {
                        return std::move(s.answer);
                    }
                    continue;
            }
        }
    }

    result<std::vector<recorded_event>> read_stream(std::string_view stream,
                                                    std::uint64_t from_version,
                                                    std::size_t max) override
    {
        return store_->read_stream(stream, from_version, max);
    }

    result<std::vector<recorded_event>> read_all(position after, std::size_t max) override
    {
        return store_->read_all(after, max);
    }

    result<std::vector<recorded_event>> read_all_stored(position after, std::size_t max) override
    {
        return store_->read_all_stored(after, max);
    }

    std::uint64_t erasure_epoch() const override { return store_->erasure_epoch(); }

    result<std::unique_ptr<events::subscription>> subscribe(position after,
                                                            events::event_handler handler) override
    {
        return store_->subscribe(after, std::move(handler));
    }

    detail::chunk_stats subscription_reads() const { return store_->subscription_reads(); }

    result<stream_head> head(std::string_view stream) override { return store_->head(stream); }

    result<std::optional<append_result>> find_command(std::string_view command_id) override
    {
        std::shared_ptr<commit_group> group;
        append_result first;
        {
            std::lock_guard lock(mu_);
            if (auto it = pending_commands_.find(command_id); it != pending_commands_.end()) {
                group = it->second.group;
                first = it->second.result;
            }
        }
        if (group != nullptr) {
            first.duplicate = true;
            if (auto* pipeline = events::append_pipeline::current()) {
                pipeline->defer(std::move(group));
                return std::optional<append_result>(std::move(first));
            }
            if (group->wait()) {
                return std::optional<append_result>(std::move(first));
            }
            // The group failed: the command is not stored.
        }
        return store_->find_command(command_id);
    }

    position last_position() const override { return store_->last_position(); }

    std::optional<std::uint64_t> readable_version(std::string_view stream) override
    {
        if (auto v = versions_.find(stream)) {
            return v;
        }
        auto h = store_->head(stream);
        if (!h) {
            return std::nullopt;
        }
        versions_.raise(stream, h->version);
        return h->version;
    }

  private:
    /// A head as the log ordered it: committed (group 0 or a finished group)
    /// or written by a pending group.
    struct head_entry
    {
        stream_head head;
        std::uint64_t group = 0;
    };

    /// A command id of a pending group.
    struct pending_command
    {
        append_result result;
        std::shared_ptr<commit_group> group;
    };

    /// What `sequence` did with an append.
    struct sequenced
    {
        enum
        {
            final,       ///< `answer` is final (an error or a stored duplicate)
            ordered,     ///< in `group`: `answer` once the group is durable
            after_group, ///< `answer` once `group` is durable, else ask again
        } what = final;
        result<append_result> answer;
        std::shared_ptr<commit_group> group;
    };

    std::shared_ptr<commit_group> pending_group(std::uint64_t seq) const
    {
        for (const auto& g : groups_) {
            if (g->seq == seq) {
                return g;
            }
        }
        return nullptr;
    }

    /// Orders one append (see the class comment). Any thread.
    sequenced sequence(const append_request& req,
                       const std::vector<event_payload>& payloads,
                       events::append_pipeline* pipeline)
    {
        sequenced out;
        bool wake = false;
        {
            std::lock_guard lock(mu_);
            if (stopping_) {
                out.answer = fail(error::unavailable("log.unavailable", "the log is closing"));
                return out;
            }
            if (pipeline != nullptr && pipeline->broken()) {
                out.answer = fail(error::conflict("log.pipeline_broken",
                                                  "an earlier append of this writer failed"));
                return out;
            }
            if (!req.command_id.empty()) {
                if (auto it = pending_commands_.find(req.command_id);
                    it != pending_commands_.end()) {
                    out.what = sequenced::after_group;
                    out.group = it->second.group;
                    out.answer = it->second.result;
                    out.answer->duplicate = true;
                    return out;
                }
                auto found = store_->find_command(req.command_id);
                if (!found) {
                    out.answer = fail(std::move(found.error()));
                    return out;
                }
                if (*found) {
                    out.answer = **found;
                    return out;
                }
            }
            std::uint64_t newest = 0; // the newest group of a head looked at
            detail::head_lookup head_of = [this, &newest](const std::string& stream) {
                return ordered_head(stream, newest);
            };
            auto head = detail::check_append(req, head_of);
            if (!head) {
                if (head.error().cls == error_class::conflict && newest > done_seq_) {
                    // Judged against a pending group's head: answer the
                    // conflict once that head is durable (a caller that
                    // reloads then sees it), or check again if it failed.
                    out.what = sequenced::after_group;
                    out.group = pending_group(newest);
                }
                out.answer = fail(std::move(head.error()));
                return out;
            }
            out.what = sequenced::ordered;
            out.group = groups_.back();
            out.answer = add(*out.group, req, payloads, std::move(*head), pipeline);
            if (out.group->appends >= options_.max_group) {
                groups_.push_back(std::make_shared<commit_group>(next_seq_++));
            }
            // The writer waits only while the front group is empty.
            wake = out.group->appends == 1 && out.group == groups_.front();
        }
        if (wake) {
            writer_cv_.notify_one();
        }
        return out;
    }

    /// The head of `stream` as ordered so far. Under `mu_`.
    result<stream_head> ordered_head(const std::string& stream, std::uint64_t& newest)
    {
        if (auto it = heads_.find(stream); it != heads_.end()) {
            newest = std::max(newest, it->second.group);
            return it->second.head;
        }
        auto h = store_->head(stream);
        if (h && h->version > 0) {
            heads_.emplace(stream, head_entry{ *h, 0 });
        }
        return h;
    }

    /// Puts a checked append into the open group `g`. Under `mu_`.
    append_result add(commit_group& g,
                      const append_request& req,
                      const std::vector<event_payload>& payloads,
                      stream_head head,
                      events::append_pipeline* pipeline)
    {
        auto now = options_.clock();
        append_result res;
        res.stream = req.stream;
        res.first_version = head.version + 1;
        res.first_position = position{ next_position_ };
        head.partition_key = req.partition_key;
        subject_key_for key_for = [&](const std::string& subject) {
            return subject_key_for_writer(g, subject);
        };
        for (const auto& payload : payloads) {
            if (auto erased = events::erased_subject(req.stream, payload.reader())) {
                // Destroyed in the same batch as the event that erases it.
                g.batch.Put(store_->cf_keys(), *erased, rocksdb::Slice());
                staged_keys_.insert_or_assign(*erased, staged_key{ std::string(), g.seq });
                g.erases = true;
            }
            auto bytes =
              detail::build_envelope(req, payload, head.version + 1, head.last_hash, now, &key_for);
            head.version += 1;
            auto key = detail::position_key(next_position_);
            g.batch.Put(store_->cf_events(), key, bytes);
            g.batch.Put(store_->cf_streams(), detail::stream_key(req.stream, head.version), key);
            head.last_hash = blake2b_256(bytes);
            ++next_position_;
        }
        res.last_version = head.version;
        res.last_position = position{ next_position_ - 1 };
        g.versions.emplace_back(req.stream, head.version);
        g.batch.Put(store_->cf_heads(), req.stream, detail::encode_head(head));
        heads_.insert_or_assign(req.stream, head_entry{ std::move(head), g.seq });
        if (!req.command_id.empty()) {
            g.batch.Put(store_->cf_commands(), req.command_id, detail::encode_result(res));
            pending_commands_.insert_or_assign(req.command_id,
                                               pending_command{ res, groups_.back() });
            g.command_ids.push_back(req.command_id);
        }
        g.last_position = res.last_position.value;
        ++g.appends;
        if (pipeline != nullptr &&
            std::find(g.pipelines.begin(), g.pipelines.end(), pipeline) == g.pipelines.end()) {
            g.pipelines.push_back(pipeline);
        }
        return res;
    }

    /// A subject's key for sealing in group `g`: staged by a group not yet
    /// written, else stored, else new (put into `g`'s batch); nullopt once
    /// the subject was erased. Under `mu_`.
    std::optional<std::string> subject_key_for_writer(commit_group& g, const std::string& subject)
    {
        if (auto it = staged_keys_.find(subject); it != staged_keys_.end()) {
            if (it->second.key.empty()) {
                return std::nullopt;
            }
            return it->second.key;
        }
        auto stored = store_->subject_key_of(subject);
        if (stored.st == subject_key::state::erased) {
            return std::nullopt;
        }
        if (stored.st == subject_key::state::present) {
            return std::move(stored.key);
        }
        auto key = new_subject_key();
        g.batch.Put(store_->cf_keys(), subject, key);
        staged_keys_.insert_or_assign(subject, staged_key{ key, g.seq });
        return key;
    }

    void write_loop()
    {
        for (;;) {
            std::shared_ptr<commit_group> g;
            {
                std::unique_lock lock(mu_);
                writer_cv_.wait(lock, [&] { return stopping_ || groups_.front()->appends > 0; });
                if (groups_.front()->appends == 0) {
                    return; // stopping and drained
                }
                g = groups_.front();
                if (g == groups_.back()) {
                    // Seal it: new appends go to the next group.
                    groups_.push_back(std::make_shared<commit_group>(next_seq_++));
                }
            }
            // Raised before the group becomes readable: a state cache that
            // finds its stream at the version it holds must never take it
            // for current once a newer event of the stream is readable (the
            // completer raised it later, and a command outside the lanes
            // retried on the stale state until it gave up). A version raised
            // for a group that then fails only costs a reader a reread; the
            // failure path clears them.
            for (const auto& [stream, version] : g->versions) {
                versions_.raise(stream, version);
            }
            auto committed = options_.before_commit ? options_.before_commit() : result<void>{};
            if (committed) {
                committed = store_->commit(g->batch, g->last_position);
            }
            std::vector<std::shared_ptr<commit_group>> finished; // to complete, in order
            {
                std::lock_guard lock(mu_);
                groups_.pop_front();
                if (committed) {
                    done_seq_ = g->seq;
                    std::erase_if(staged_keys_,
                                  [&](const auto& k) { return k.second.group <= done_seq_; });
                    for (const auto& id : g->command_ids) {
                        auto it = pending_commands_.find(id);
                        if (it != pending_commands_.end() && it->second.group == g) {
                            pending_commands_.erase(it);
                        }
                    }
                    if (heads_.size() > k_max_cached_heads) {
                        std::erase_if(heads_,
                                      [&](const auto& h) { return h.second.group <= done_seq_; });
                    }
                } else {
                    spdlog::error("event log: commit of {} appends failed: {}",
                                  g->appends,
                                  committed.error().message);
                    // RocksDB applies a batch atomically or not at all, but
                    // a failed sync leaves the outcome unknown to the
                    // callers: they retry with the same command id. Every
                    // later group was checked against this one: fail them
                    // too, forget their heads and reload what is on disk.
                    finished.push_back(g);
                    for (auto& later : groups_) {
                        if (later->appends > 0) {
                            finished.push_back(later);
                        }
                    }
                    groups_.clear();
                    groups_.push_back(std::make_shared<commit_group>(next_seq_++));
                    std::erase_if(heads_,
                                  [&](const auto& h) { return h.second.group > done_seq_; });
                    done_seq_ = groups_.back()->seq - 1;
                    pending_commands_.clear();
                    staged_keys_.clear(); // the stored ones are read again
                    versions_.clear();    // a failed write may have left anything readable
                    store_->reload_position();
                    next_position_ = store_->last_position().value + 1;
                    for (auto& f : finished) {
                        for (auto* p : f->pipelines) {
                            p->mark_broken();
                        }
                    }
                }
            }
            if (committed) {
                if (g->erases) {
                    store_->erasures_committed();
                }
                finished.push_back(std::move(g));
            }
            {
                std::lock_guard lock(done_mu_);
                done_.push_back(completion{ std::move(finished), std::move(committed) });
            }
            done_cv_.notify_one();
        }
    }

    /// Written (or failed) groups, completed in order by the completer
    /// thread, so the writer goes on to the next group at once.
    struct completion
    {
        std::vector<std::shared_ptr<commit_group>> groups;
        result<void> outcome;
    };

    void complete_loop()
    {
        std::deque<completion> batch;
        for (;;) {
            {
                std::unique_lock lock(done_mu_);
                done_cv_.wait(lock, [&] { return done_stopping_ || !done_.empty(); });
                if (done_.empty()) {
                    return; // stopping and drained
                }
                batch.swap(done_);
            }
            for (auto& c : batch) {
                for (auto& g : c.groups) {
                    g->finish(c.outcome);
                }
            }
            batch.clear();
        }
    }

    static constexpr std::size_t k_max_cached_heads = 1'000'000;

    embedded_log_options options_;
    std::unique_ptr<log_store> store_;
    readable_versions versions_;

    // Ordering state, under mu_.
    std::mutex mu_;
    std::condition_variable writer_cv_;
    /// Unfinished groups in order: the front may be being written, the
    /// back is open (possibly empty).
    std::deque<std::shared_ptr<commit_group>> groups_;
    std::uint64_t next_seq_ = 1;
    /// Every group up to this one is finished.
    std::uint64_t done_seq_ = 0;
    std::uint64_t next_position_ = 1;
    std::unordered_map<std::string, head_entry> heads_;
    std::unordered_map<std::string, pending_command, string_hash, std::equal_to<>>
      pending_commands_;
    /// Subject keys made or destroyed by groups not yet written (empty key:
    /// destroyed), with the group.
    struct staged_key
    {
        std::string key;
        std::uint64_t group = 0;
    };
    std::unordered_map<std::string, staged_key> staged_keys_;
    bool stopping_ = false;
    std::thread writer_;

    std::mutex done_mu_;
    std::condition_variable done_cv_;
    std::deque<completion> done_;
    bool done_stopping_ = false;
    std::thread completer_;
};

} // namespace

result<std::unique_ptr<events::event_log>>
open_embedded_log(embedded_log_options options)
{
    auto store = log_store::open(options.dir, options.sync, k_embedded_log_format);
    if (!store) {
        return fail(std::move(store.error()));
    }
    if (!options.sync) {
        spdlog::warn("event log at {}: WAL sync is OFF (development mode): a "
                     "power loss can lose acknowledged appends",
                     options.dir.string());
    }
    return std::unique_ptr<events::event_log>(new rocks_log(std::move(options), std::move(*store)));
}

std::optional<subscription_read_stats>
embedded_subscription_reads(const events::event_log& log)
{
    const auto* rocks = dynamic_cast<const rocks_log*>(&log);
    if (rocks == nullptr) {
        return std::nullopt;
    }
    auto stats = rocks->subscription_reads();
    return subscription_read_stats{ stats.reads, stats.shared };
}

} // namespace portal::infra
