#pragma once

/// The generic command path, written against the event log port: load the
/// aggregate's state, gather facts from other aggregates, decide, append with
/// the expected version, retry (bounded) on a version conflict, and answer a
/// repeated command id with the first result.
///
/// Aggregates plug in by ADL: for a state type `S` in namespace `N`,
/// `N::evolve(S, schema::Event::Reader)` and `N::decide(const S&, const C&,
/// const Ctx&)` must exist (see common/domain.hpp).

#include "common/domain.hpp"
#include "common/snapshot.hpp"
#include "portal/events/event_log.hpp"
#include "portal/events/message.hpp"
#include "portal/events/state_cache.hpp"

#include <kj/exception.h>

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <typeinfo>
#include <utility>
#include <vector>

namespace portal::domain {

/// A state folded from its stream and the stream's version (0: no stream).
template<class State>
struct loaded
{
    State state{};
    std::uint64_t version = 0;
};

/// A folded state shared with the state cache (never changed), and the
/// stream's version (0: no stream).
template<class State>
struct shared_loaded
{
    std::shared_ptr<const State> state;
    std::uint64_t version = 0;
    /// The version of the stream's newest persisted snapshot (0: none).
    std::uint64_t snapshot_version = 0;
};

/// Folds the events of `stream` into a `State` with its `evolve`. When the
/// log also is an `events::state_cache`, starts from the cached state, or
/// else from the stream's persisted snapshot, folds only the newer events,
/// caches the result and persists a new snapshot every
/// `snapshot_interval()` events.
/// Errors: the log's (`log.unavailable`), `codec.malformed` for an event
/// that does not decode.
template<class State>
result<shared_loaded<State>>
load_shared(events::event_log& log, std::string_view stream)
{
    loaded<State> out;
    auto* cache = log.as_state_cache();
    if (auto* pipeline = events::append_pipeline::current()) {
        // A writer lane's own decision whose append is not durable yet: the
        // state after it (what the lane's next append is checked against),
        // and the caller's result waits for that append's durability.
        if (auto p = pipeline->find_pending(stream, typeid(State))) {
            auto now = p->durable->current();
            if (now == events::durability::state::pending) {
                pipeline->defer(std::move(p->durable));
                return shared_loaded<State>{ std::static_pointer_cast<const State>(
                                               std::move(p->state)),
                                             p->version,
                                             p->snapshot_version };
            }
            if (now == events::durability::state::durable && cache != nullptr) {
                cache->store_state(
                  stream, typeid(State), { p->state, p->version, p->snapshot_version });
            }
        }
    }
    std::uint64_t cached_version = 0;
    std::uint64_t snapshot_version = 0;
    std::uint64_t interval = cache != nullptr ? cache->snapshot_interval() : 0;
    // Read before the stream: an event appended after this point moves it.
    const auto seen = log.last_position().value;
    std::shared_ptr<const void> cached_state;
    // What the log says is readable, when it knows (asked on a miss only).
    std::optional<std::uint64_t> readable;
    if (cache != nullptr) {
        if (auto hit = cache->find_state(stream, typeid(State))) {
            if ((hit->checked_at == seen && seen != 0) ||
                log.readable_version(stream) == std::optional<std::uint64_t>(hit->version)) {
                // Nothing was appended anywhere since it was read, or the
                // log knows the stream is still at the cached version.
                return shared_loaded<State>{ std::static_pointer_cast<const State>(
                                               std::move(hit->state)),
                                             hit->version,
                                             hit->snapshot_version };
            }
            out.state = *static_cast<const State*>(hit->state.get());
            out.version = hit->version;
            cached_version = hit->version;
            snapshot_version = hit->snapshot_version;
            cached_state = std::move(hit->state);
        } else {
            // A miss. The log may know the stream's version from a point
            // lookup (no iterator): a stream that does not exist yet (every
            // creating command) needs neither its snapshot nor a read.
            readable = log.readable_version(stream);
            if (interval > 0 && readable != std::optional<std::uint64_t>(0)) {
                if (auto snap = cache->find_snapshot(stream, snapshot::tag<State>())) {
                    if (auto s = snapshot::decode<State>(snap->bytes)) {
                        out.state = std::move(*s);
                        out.version = snap->version;
                        snapshot_version = snap->version;
                    }
                }
            }
        }
    }
    constexpr std::size_t k_chunk = 4096;
    // Nothing newer to read when the log's readable version is the one
    // folded so far (none, or a snapshot of the stream's head).
    for (bool more = readable != std::optional<std::uint64_t>(out.version); more;) {
        auto batch = log.read_stream(stream, out.version + 1, k_chunk);
        if (!batch) {
            return fail(std::move(batch.error()));
        }
        for (const auto& e : *batch) {
            // The log validated the event when it was appended.
            auto env = events::envelope::decode_trusted(e.envelope_bytes);
            if (!env) {
                return fail(std::move(env.error()));
            }
            try {
                out.state = evolve(std::move(out.state), env->reader().getPayload());
            } catch (const kj::Exception& x) {
                return fail(error::invalid("codec.malformed",
                                           std::string("event of ") + std::string(stream) + ": " +
                                             x.getDescription().cStr()));
            }
            out.version = e.version;
        }
        more = batch->size() == k_chunk;
    }
    if (cache == nullptr) {
        return shared_loaded<State>{ std::make_shared<const State>(std::move(out.state)),
                                     out.version };
    }
    if (out.version > cached_version) {
        auto state = std::make_shared<const State>(std::move(out.state));
        if (interval > 0 && out.version - snapshot_version >= interval) {
            cache->store_snapshot(
              stream, snapshot::tag<State>(), { snapshot::encode(*state), out.version });
            snapshot_version = out.version;
        }
        cache->store_state(stream, typeid(State), { state, out.version, snapshot_version, seen });
        return shared_loaded<State>{ std::move(state), out.version, snapshot_version };
    }
    // Unchanged (or an empty stream): confirm the cached state at `seen`.
    if (cached_state != nullptr) {
        cache->store_state(
          stream, typeid(State), { cached_state, out.version, snapshot_version, seen });
        return shared_loaded<State>{ std::static_pointer_cast<const State>(std::move(cached_state)),
                                     out.version,
                                     snapshot_version };
    }
    return shared_loaded<State>{ std::make_shared<const State>(std::move(out.state)), out.version };
}

/// `load_shared`, as a copy the caller may change.
template<class State>
result<loaded<State>>
load(events::event_log& log, std::string_view stream)
{
    auto shared = load_shared<State>(log, stream);
    if (!shared) {
        return fail(std::move(shared.error()));
    }
    return loaded<State>{ *shared->state, shared->version };
}

/// Where a command's events go.
struct target
{
    std::string stream;
    std::string partition_key;
};

/// Who sends a command, when, and its idempotency key.
struct command_meta
{
    std::string command_id; ///< empty: not idempotent
    principal actor;
    timestamp now;
    events::uuid correlation_id{};
    events::uuid causation_id{};
    /// When set, the command applies only to this version of its target
    /// stream (HTTP If-Match): otherwise `<kind>.version_mismatch` (conflict),
    /// checked atomically with the append.
    std::optional<std::uint64_t> expected_version;
};

/// Reads facts for a decision from other aggregates' committed state. Facts
/// from streams of the command's own partition key become version checks of
/// the append, so a decision never rests on a fact that changed meanwhile.
class fact_reader
{
  public:
    fact_reader(events::event_log& log, std::string partition_key)
      : log_(log)
      , partition_key_(std::move(partition_key))
    {
    }

    /// Loads `stream` (whose partition key is `stream_partition_key`).
    template<class State>
    result<loaded<State>> load(std::string_view stream, std::string_view stream_partition_key)
    {
        auto l = domain::load<State>(log_, stream);
        if (l && stream_partition_key == partition_key_) {
            checks_.push_back({ std::string(stream), events::expected_version::exact(l->version) });
        }
        return l;
    }

    /// The log, for reads that need no check (other partition keys).
    events::event_log& log() { return log_; }

    /// The checks gathered so far.
    const std::vector<events::stream_check>& checks() const { return checks_; }

  private:
    events::event_log& log_;
    std::string partition_key_;
    std::vector<events::stream_check> checks_;
};

/// What a command did.
struct outcome
{
    std::string stream;
    /// The stream's version after the command.
    std::uint64_t version = 0;
    /// The position of the command's last event; for a command that
    /// changed nothing, the log's position when it was decided.
    events::position position;
    /// The number of events appended (0: nothing changed).
    std::size_t events = 0;
    /// The command id was seen before: this is the first result.
    bool duplicate = false;
};

/// Encodes a decision's events as an append request.
events::append_request make_append(const target& t,
                                   std::uint64_t expected_version,
                                   const event_list& events,
                                   const command_meta& meta,
                                   std::vector<events::stream_check> checks);

/// `state` with a decision's events folded in; nullopt when an event does
/// not fold (it then is not kept as a pending state).
template<class State>
std::optional<State>
fold_decided(const State& state, const event_list& events)
{
    State next = state;
    try {
        for (const auto& e : events) {
            next = evolve(std::move(next), e.reader());
        }
    } catch (const kj::Exception&) {
        return std::nullopt;
    }
    return next;
}

/// Runs one command on the aggregate `State` at `t`.
///
/// On a writer lane with an `events::append_pipeline`, the append may return
/// before it is durable: the state after it is kept in the pipeline for the
/// lane's next decisions (the lane releases the result once durable), and
/// a conflict first waits for the lane's appends in flight.
///
/// `make_context(const State&, fact_reader&) -> result<Context>` builds the
/// decision's context (reading facts through the reader). Returns the
/// outcome, the decision's error, or `command.conflict` (conflict) when the
/// stream kept changing for `max_attempts` attempts.
template<class State, class Command, class MakeContext>
result<outcome>
execute(events::event_log& log,
        const target& t,
        const Command& command,
        MakeContext&& make_context,
        const command_meta& meta,
        int max_attempts = 8)
{
    if (!meta.command_id.empty()) {
        auto seen = log.find_command(meta.command_id);
        if (!seen) {
            return fail(std::move(seen.error()));
        }
        if (*seen) {
            const auto& r = **seen;
            return outcome{ r.stream,
                            r.last_version,
                            r.last_position,
                            static_cast<std::size_t>(r.last_version - r.first_version + 1),
                            true };
        }
    }
    auto* pipeline = events::append_pipeline::current();
    for (int attempt = 0; attempt < max_attempts; ++attempt) {
        auto current = load_shared<State>(log, t.stream);
        if (!current) {
            return fail(std::move(current.error()));
        }
        if (meta.expected_version && current->version != *meta.expected_version) {
            auto kind = std::string_view(t.stream).substr(0, t.stream.find('-'));
            return fail(error::conflict(std::string(kind) + ".version_mismatch",
                                        "the " + std::string(kind) + " is at version " +
                                          std::to_string(current->version) + ", not " +
                                          std::to_string(*meta.expected_version) + "; reload it"));
        }
        fact_reader facts(log, t.partition_key);
        const State& state = *current->state;
        auto context = make_context(state, facts);
        if (!context) {
            return fail(std::move(context.error()));
        }
        auto decided = decide(state, command, std::as_const(*context));
        if (!decided) {
            return fail(std::move(decided.error()));
        }
        if (decided->empty()) {
            return outcome{ t.stream, current->version, log.last_position(), 0, false };
        }
        const auto deferred_before = pipeline != nullptr ? pipeline->deferred_count() : 0;
        auto appended =
          log.append(make_append(t, current->version, *decided, meta, facts.checks()));
        if (appended && pipeline != nullptr && pipeline->deferred_count() != deferred_before &&
            !appended->duplicate) {
            // The append is ordered, not yet durable: the lane's next
            // decision on this stream starts from the state after it.
            auto next = fold_decided(state, *decided);
            if (next) {
                pipeline->store_pending(t.stream,
                                        typeid(State),
                                        { std::make_shared<const State>(std::move(*next)),
                                          appended->last_version,
                                          current->snapshot_version,
                                          pipeline->last_deferred(),
                                          log.as_state_cache() });
            }
        }
        if (appended) {
            return outcome{ appended->stream,
                            appended->last_version,
                            appended->last_position,
                            static_cast<std::size_t>(appended->last_version -
                                                     appended->first_version + 1),
                            appended->duplicate };
        }
        if (appended.error().cls != error_class::conflict) {
            return fail(std::move(appended.error()));
        }
        if (pipeline != nullptr) {
            // Retry on the durable state: wait for the lane's appends in
            // flight and forget the states decided on them.
            pipeline->recover();
        }
    }
    return fail(error::conflict("command.conflict", "the aggregate kept changing; try again"));
}

} // namespace portal::domain
