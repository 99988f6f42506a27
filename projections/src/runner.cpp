#include "portal/projections/runner.hpp"

#include <fmt/format.h>
#include <kj/exception.h>

#include <map>
#include <unordered_map>

namespace portal::projections {

namespace json = boost::json;

std::string
model_prefix(std::string_view name)
{
    return fmt::format("m/{}/", name);
}

std::string
checkpoint_key(std::string_view name)
{
    return fmt::format("c/{}", name);
}

// --- the batch cache ---

namespace detail {

struct batch_cache
{
    /// A document of the batch: `doc` is nullopt when the key is absent.
    /// A dirty document is not yet in `pending` (it goes there serialized
    /// when the batch is written, or before anything reads `pending` for it).
    struct entry
    {
        std::optional<json::value> doc;
        bool dirty = false;
    };

    struct hash
    {
        using is_transparent = void;
        std::size_t operator()(std::string_view s) const noexcept
        {
            return std::hash<std::string_view>{}(s);
        }
    };

    batch_cache(infra::write_batch& p, std::string_view name)
      : pending(p)
      , prefix(model_prefix(name))
    {
    }

    /// `prefix` + `key`, in a buffer reused until the next call.
    const std::string& full(std::string_view key)
    {
        key_buffer.assign(prefix);
        key_buffer.append(key);
        return key_buffer;
    }

    /// Stages the dirty documents whose (model-relative) key starts with
    /// `under` in `pending`.
    void materialize(std::string_view under = {})
    {
        if (dirty == 0) {
            return;
        }
        for (auto& [key, e] : docs) {
            if (e.dirty && key.starts_with(under)) {
                stage(key, e);
            }
        }
    }

    void stage(std::string_view key, entry& e)
    {
        pending.put(full(key), json::serialize(*e.doc));
        e.dirty = false;
        --dirty;
    }

    void put(std::string_view key, json::value&& doc)
    {
        auto it = docs.find(key);
        if (it == docs.end()) {
            docs.emplace(std::string(key), entry{ std::move(doc), true });
            ++dirty;
            return;
        }
        if (!it->second.dirty) {
            ++dirty;
        }
        it->second.doc = std::move(doc);
        it->second.dirty = true;
    }

    void forget(std::string_view key)
    {
        auto it = docs.find(key);
        if (it != docs.end()) {
            if (it->second.dirty) {
                --dirty;
            }
            docs.erase(it);
        }
    }

    void forget_prefix(std::string_view under)
    {
        for (auto it = docs.begin(); it != docs.end();) {
            if (it->first.starts_with(under)) {
                if (it->second.dirty) {
                    --dirty;
                }
                it = docs.erase(it);
            } else {
                ++it;
            }
        }
    }

    void clear()
    {
        docs.clear();
        dirty = 0;
    }

    infra::write_batch& pending;
    std::string prefix;
    std::unordered_map<std::string, entry, hash, std::equal_to<>> docs;
    std::size_t dirty = 0;
    std::string key_buffer;
};

} // namespace detail

// --- reader ---

reader::reader(infra::kv_store& store, std::string_view name, const infra::write_batch* pending)
  : store_(store)
  , prefix_(model_prefix(name))
  , pending_(pending)
{
}

reader::reader(infra::kv_store& store, detail::batch_cache& cache)
  : store_(store)
  , pending_(&cache.pending)
  , cache_(&cache)
{
}

const std::string&
reader::prefix() const noexcept
{
    return cache_ != nullptr ? cache_->prefix : prefix_;
}

result<std::optional<std::string>>
reader::get(std::string_view key) const
{
    if (cache_ != nullptr) {
        auto it = cache_->docs.find(key);
        if (it != cache_->docs.end() && it->second.dirty) {
            cache_->stage(key, it->second);
        }
    }
    auto full = prefix() + std::string(key);
    if (pending_ != nullptr) {
        std::string value;
        switch (pending_->lookup(full, &value)) {
            case infra::write_batch::state::written:
                return std::optional<std::string>(std::move(value));
            case infra::write_batch::state::erased:
                return std::optional<std::string>{};
            case infra::write_batch::state::untouched:
                break;
        }
    }
    return store_.get(full);
}

result<std::optional<json::object>>
reader::get_json(std::string_view key) const
{
    auto corrupt = [&] {
        return error::unavailable("projection.corrupt",
                                  fmt::format("{}{} is not a JSON object", prefix(), key));
    };
    if (cache_ != nullptr) {
        auto it = cache_->docs.find(key);
        if (it != cache_->docs.end()) {
            const auto& doc = it->second.doc;
            if (!doc) {
                return std::optional<json::object>{};
            }
            if (!doc->is_object()) {
                return fail(corrupt());
            }
            return std::optional<json::object>(doc->as_object());
        }
    }
    auto raw = get(key);
    if (!raw) {
        return fail(raw.error());
    }
    if (!*raw) {
        if (cache_ != nullptr) {
            cache_->docs.emplace(std::string(key), detail::batch_cache::entry{});
        }
        return std::optional<json::object>{};
    }
    boost::system::error_code ec;
    auto value = json::parse(**raw, ec);
    if (ec || !value.is_object()) {
        return fail(corrupt());
    }
    if (cache_ != nullptr) {
        auto copy = value.as_object();
        cache_->docs.emplace(std::string(key), detail::batch_cache::entry{ std::move(value) });
        return std::optional<json::object>(std::move(copy));
    }
    return std::optional<json::object>(std::move(value.as_object()));
}

result<std::optional<json::object>>
reader::take_json(std::string_view key) const
{
    if (cache_ != nullptr) {
        auto it = cache_->docs.find(key);
        if (it != cache_->docs.end() && it->second.doc && it->second.doc->is_object()) {
            std::optional<json::object> doc(std::move(it->second.doc->as_object()));
            cache_->forget(key);
            // A dirty document left the cache: it is in nobody's hands but
            // the caller's until it comes back with put_json.
            return doc;
        }
    }
    return get_json(key);
}

result<void>
reader::scan_prefix(std::string_view prefix, const infra::kv_visitor& visit) const
{
    if (cache_ != nullptr) {
        cache_->materialize(prefix);
    }
    const auto& model = this->prefix();
    auto full = model + std::string(prefix);
    if (pending_ == nullptr || pending_->empty()) {
        return store_.scan_prefix(full, [&](std::string_view key, std::string_view value) {
            return visit(key.substr(model.size()), value);
        });
    }
    // Merge the committed keys with the batch's pending writes.
    std::map<std::string, std::string, std::less<>> merged;
    auto scanned = store_.scan_prefix(full, [&](std::string_view key, std::string_view value) {
        if (!pending_->under_erased_prefix(key)) {
            merged.emplace(std::string(key), std::string(value));
        }
        return true;
    });
    if (!scanned) {
        return scanned;
    }
    const auto& writes = pending_->writes();
    auto end = infra::prefix_end(full);
    for (auto it = writes.lower_bound(full); it != writes.end() && (end.empty() || it->first < end);
         ++it) {
        if (it->second) {
            merged[it->first] = *it->second;
        } else {
            merged.erase(it->first);
        }
    }
    for (const auto& [key, value] : merged) {
        if (!visit(std::string_view(key).substr(model.size()), value)) {
            break;
        }
    }
    return {};
}

result<std::vector<std::string>>
reader::keys(std::string_view prefix) const
{
    std::vector<std::string> out;
    auto scanned = scan_prefix(prefix, [&](std::string_view key, std::string_view) {
        out.emplace_back(key);
        return true;
    });
    if (!scanned) {
        return fail(scanned.error());
    }
    return out;
}

result<std::vector<json::object>>
reader::documents(std::string_view prefix) const
{
    std::vector<json::object> out;
    auto scanned = scan_prefix(prefix, [&](std::string_view, std::string_view value) {
        boost::system::error_code ec;
        auto v = json::parse(value, ec);
        if (!ec && v.is_object()) {
            out.push_back(std::move(v.as_object()));
        }
        return true;
    });
    if (!scanned) {
        return fail(scanned.error());
    }
    return out;
}

// --- write_batch ---

write_batch::write_batch(infra::write_batch& batch, std::string_view name)
  : batch_(batch)
  , prefix_(model_prefix(name))
{
}

write_batch::write_batch(detail::batch_cache& cache)
  : batch_(cache.pending)
  , cache_(&cache)
{
}

const std::string&
write_batch::prefix() const noexcept
{
    return cache_ != nullptr ? cache_->prefix : prefix_;
}

void
write_batch::put(std::string_view key, std::string_view value)
{
    if (cache_ != nullptr) {
        cache_->forget(key);
        batch_.put(cache_->full(key), value);
        return;
    }
    batch_.put(prefix_ + std::string(key), value);
}

void
write_batch::put_json(std::string_view key, const json::value& value)
{
    if (cache_ != nullptr) {
        cache_->put(key, json::value(value));
        return;
    }
    put(key, json::serialize(value));
}

void
write_batch::put_json(std::string_view key, json::value&& value)
{
    if (cache_ != nullptr) {
        cache_->put(key, std::move(value));
        return;
    }
    put(key, json::serialize(value));
}

void
write_batch::erase(std::string_view key)
{
    if (cache_ != nullptr) {
        cache_->forget(key);
        batch_.erase(cache_->full(key));
        return;
    }
    batch_.erase(prefix_ + std::string(key));
}

void
write_batch::erase_prefix(std::string_view prefix)
{
    if (cache_ != nullptr) {
        cache_->forget_prefix(prefix);
        batch_.erase_prefix(cache_->full(prefix));
        return;
    }
    batch_.erase_prefix(prefix_ + std::string(prefix));
}

// --- checkpoints ---

namespace {

std::string
encode_checkpoint(const checkpoint& c)
{
    json::object o{ { "version", c.version },
                    { "position", c.position.value },
                    { "recordedAt", c.recorded_at } };
    if (c.rebuilding) {
        o["rebuilding"] = true;
    }
    return json::serialize(o);
}

result<checkpoint>
decode_checkpoint(std::string_view text)
{
    boost::system::error_code ec;
    auto v = json::parse(text, ec);
    if (ec || !v.is_object()) {
        return fail(error::unavailable("projection.corrupt", "undecodable checkpoint"));
    }
    const auto& o = v.as_object();
    const auto* version = o.if_contains("version");
    const auto* pos = o.if_contains("position");
    const auto* at = o.if_contains("recordedAt");
    if (version == nullptr || pos == nullptr || at == nullptr) {
        return fail(error::unavailable("projection.corrupt", "incomplete checkpoint"));
    }
    checkpoint c;
    c.version = static_cast<std::uint32_t>(version->to_number<std::uint64_t>(ec));
    c.position.value = pos->to_number<std::uint64_t>(ec);
    c.recorded_at = at->to_number<std::int64_t>(ec);
    if (ec) {
        return fail(error::unavailable("projection.corrupt", "checkpoint with bad numbers"));
    }
    if (const auto* rebuilding = o.if_contains("rebuilding")) {
        c.rebuilding = !rebuilding->is_bool() || rebuilding->as_bool();
    }
    return c;
}

timestamp
system_now()
{
    return std::chrono::time_point_cast<std::chrono::microseconds>(
      std::chrono::system_clock::now());
}

} // namespace

result<std::optional<checkpoint>>
read_checkpoint(infra::kv_store& store, std::string_view name)
{
    auto raw = store.get(checkpoint_key(name));
    if (!raw) {
        return fail(raw.error());
    }
    if (!*raw) {
        return std::optional<checkpoint>{};
    }
    auto c = decode_checkpoint(**raw);
    if (!c) {
        return fail(c.error());
    }
    return std::optional<checkpoint>(*c);
}

result<void>
reset_projection(infra::kv_store& store, std::string_view name)
{
    infra::write_batch batch;
    batch.erase_prefix(model_prefix(name));
    batch.erase(checkpoint_key(name));
    return store.write(batch, true);
}

// --- runner ---

struct runner::impl
{
    events::event_log& log;
    infra::kv_store& store;
    projector& proj;
    runner_options options;
    std::string name;

    // Owned by the subscription thread.
    infra::write_batch pending;
    detail::batch_cache cache;
    events::envelope_decoder decoder;
    std::size_t pending_events = 0;
    checkpoint staged;
    /// The log's last position when the current batch began: the batch
    /// ends there at the latest (events committed later go to the next).
    events::position batch_end;
    /// Rebuilding from 0 with unlogged writes (see `runner_options`); also
    /// read by `stop` once the subscription thread ended.
    bool rebuilding = false;

    mutable std::mutex mu;
    mutable std::condition_variable cv;
    checkpoint committed;
    std::optional<error> failed;
    std::chrono::microseconds last_delay{ 0 };

    std::unique_ptr<events::subscription> subscription;
    std::mutex stop_mu;

    impl(events::event_log& l, infra::kv_store& s, projector& p, runner_options o)
      : log(l)
      , store(s)
      , proj(p)
      , options(std::move(o))
      , name(p.name())
      , cache(pending, name)
    {
        if (!options.clock) {
            options.clock = system_now;
        }
        if (options.max_batch_events == 0) {
            options.max_batch_events = 1;
        }
    }

    void set_failure(error e)
    {
        {
            std::lock_guard lock(mu);
            failed = std::move(e);
        }
        cv.notify_all();
    }

    /// Makes the unlogged writes of the rebuild durable, then marks the
    /// model complete at `at` (synced): only now may a restart trust it.
    result<void> finish_rebuild(checkpoint at)
    {
        auto flushed = store.flush();
        if (!flushed) {
            return flushed;
        }
        at.rebuilding = false;
        infra::write_batch mark;
        mark.put(checkpoint_key(name), encode_checkpoint(at));
        auto written = store.write(mark, true);
        if (!written) {
            return written;
        }
        rebuilding = false;
        return {};
    }

    result<void> flush()
    {
        if (pending_events == 0) {
            return {};
        }
        cache.materialize();
        staged.rebuilding = rebuilding;
        pending.put(checkpoint_key(name), encode_checkpoint(staged));
        auto written =
          rebuilding ? store.write_unlogged(pending) : store.write(pending, options.sync);
        if (!written) {
            return written;
        }
        if (rebuilding && staged.position >= log.last_position()) {
            // Caught up: the rebuild is complete once it is durable, before
            // `wait_for` reports the position.
            auto finished = finish_rebuild(staged);
            if (!finished) {
                return finished;
            }
        }
        auto delay = options.clock() - from_micros(staged.recorded_at);
        {
            std::lock_guard lock(mu);
            committed = staged;
            last_delay = std::chrono::duration_cast<std::chrono::microseconds>(delay);
        }
        cv.notify_all();
        pending.clear();
        cache.clear();
        pending_events = 0;
        return {};
    }

    result<void> handle(const events::recorded_event& event)
    {
        // The log validated the event when it was appended.
        auto env = decoder.decode_trusted(event.envelope_bytes);
        if (!env) {
            return fail(env.error());
        }
        auto envelope = *env;
        if (pending_events == 0) {
            batch_end = log.last_position();
        }
        write_batch batch(cache);
        reader model(store, cache);
        result<void> applied;
        try {
            applied = proj.apply(event, envelope, batch, model);
        } catch (const kj::Exception& x) {
            applied = fail(error::invalid("codec.malformed", x.getDescription().cStr()));
        }
        if (!applied) {
            error e = applied.error();
            e.message = fmt::format(
              "projection {} at position {}: {}", name, event.position.value, e.message);
            set_failure(e);
            return fail(std::move(e));
        }
        staged.position = event.position;
        staged.recorded_at = envelope.getRecordedAt();
        ++pending_events;
        if (pending_events >= options.max_batch_events || event.position >= batch_end) {
            auto flushed = flush();
            if (!flushed) {
                set_failure(flushed.error());
                return flushed;
            }
        }
        return {};
    }
};

runner::runner(std::unique_ptr<impl> i)
  : impl_(std::move(i))
{
}

runner::~runner()
{
    stop();
}

result<std::unique_ptr<runner>>
runner::start(events::event_log& log, infra::kv_store& store, projector& p, runner_options options)
{
    auto i = std::make_unique<impl>(log, store, p, std::move(options));
    auto stored = read_checkpoint(store, i->name);
    if (!stored) {
        return fail(stored.error());
    }
    checkpoint from;
    from.version = p.version();
    if (*stored && (*stored)->version == p.version() && !(*stored)->rebuilding) {
        from = **stored;
    } else {
        // New or changed projector, or a rebuild that did not finish: drop
        // the model and start from 0.
        from.rebuilding = i->options.unlogged_rebuild;
        i->rebuilding = from.rebuilding;
        infra::write_batch batch;
        batch.erase_prefix(model_prefix(i->name));
        batch.put(checkpoint_key(i->name), encode_checkpoint(from));
        auto written = store.write(batch, true);
        if (!written) {
            return fail(written.error());
        }
    }
    i->committed = from;
    i->staged = from;
    auto* raw = i.get();
    auto sub = log.subscribe(from.position,
                             [raw](const events::recorded_event& e) { return raw->handle(e); });
    if (!sub) {
        return fail(sub.error());
    }
    i->subscription = std::move(*sub);
    return std::unique_ptr<runner>(new runner(std::move(i)));
}

void
runner::stop()
{
    if (!impl_ || !impl_->subscription) {
        return;
    }
    std::lock_guard stopping(impl_->stop_mu);
    impl_->subscription->stop();
    // The subscription thread ended: its state is ours now. A stopped
    // rebuild keeps what it wrote (durable, no longer marked) so the next
    // runner goes on from there instead of starting again.
    if (impl_->rebuilding) {
        checkpoint at;
        {
            std::lock_guard lock(impl_->mu);
            if (impl_->failed) {
                return;
            }
            at = impl_->committed;
        }
        if (at.position.value > 0) {
            auto finished = impl_->finish_rebuild(at);
            if (!finished) {
                impl_->set_failure(finished.error());
            }
        }
    }
}

events::position
runner::position() const
{
    std::lock_guard lock(impl_->mu);
    return impl_->committed.position;
}

result<void>
runner::wait_for(events::position p, std::chrono::milliseconds timeout) const
{
    std::unique_lock lock(impl_->mu);
    bool reached = impl_->cv.wait_for(
      lock, timeout, [&] { return impl_->committed.position >= p || impl_->failed.has_value(); });
    if (impl_->committed.position >= p) {
        return {};
    }
    if (impl_->failed) {
        return fail(*impl_->failed);
    }
    (void)reached;
    return fail(
      error::unavailable("projection.timeout",
                         fmt::format("projection {} did not reach position {} within {} ms",
                                     impl_->name,
                                     p.value,
                                     timeout.count())));
}

result<projections::lag>
runner::lag() const
{
    projections::lag out;
    out.head = impl_->log.last_position();
    {
        std::lock_guard lock(impl_->mu);
        out.checkpoint = impl_->committed.position;
        out.last_delay = impl_->last_delay;
    }
    if (out.head <= out.checkpoint) {
        return out;
    }
    out.events = out.head.value - out.checkpoint.value;
    auto next = impl_->log.read_all(out.checkpoint, 1);
    if (!next) {
        return fail(next.error());
    }
    if (!next->empty()) {
        auto env = events::envelope::decode_trusted(next->front().envelope_bytes);
        if (!env) {
            return fail(env.error());
        }
        auto age = impl_->options.clock() - from_micros(env->reader().getRecordedAt());
        out.time = std::max(std::chrono::microseconds{ 0 },
                            std::chrono::duration_cast<std::chrono::microseconds>(age));
    }
    return out;
}

std::optional<error>
runner::failure() const
{
    std::lock_guard lock(impl_->mu);
    return impl_->failed;
}

std::string_view
runner::name() const
{
    return impl_->name;
}

} // namespace portal::projections
