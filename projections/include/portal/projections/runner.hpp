#pragma once

/// The projection runner: turns the event log into read models in the
/// key-value store (ARCHITECTURE.md, "Projections").
///
/// Each projector owns the keys under `m/<name>/` and one checkpoint key
/// `c/<name>`. The runner subscribes to the log after the checkpoint, lets the
/// projector stage its changes for one or more events in a batch, and writes
/// the changes together with the new checkpoint in ONE atomic batch: every
/// event takes effect exactly once, also across crashes. A projector whose
/// version differs from the checkpoint's is rebuilt: its keys are deleted and
/// it starts again from position 0.

#include "portal/events/event_log.hpp"
#include "portal/events/message.hpp"
#include "portal/events/time.hpp"
#include "portal/infra/kv_store.hpp"

#include <boost/json.hpp>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

namespace portal::projections {

/// The key prefix of a projector's model: `m/<name>/`.
std::string model_prefix(std::string_view name);

/// The checkpoint key of a projector: `c/<name>`.
std::string checkpoint_key(std::string_view name);

namespace detail {
/// A runner's documents of its current batch (runner.cpp): what `put_json`
/// staged, kept parsed and serialized once when the batch is written, and
/// what `get_json` read, so a document read and changed by several events of
/// one batch is parsed and serialized once.
struct batch_cache;
} // namespace detail

/// Reads one model: its committed state, plus the pending writes of a batch
/// when given one (so a projector sees what it staged for earlier events of
/// the same batch). Keys are relative to the model's prefix. Not thread-safe
/// when it has a pending batch.
class reader
{
  public:
    /// Reads model `name` in `store`; `pending` may be null.
    reader(infra::kv_store& store,
           std::string_view name,
           const infra::write_batch* pending = nullptr);

    /// Reads the model of a runner's batch (committed state, the batch's
    /// pending writes and its cached documents).
    reader(infra::kv_store& store, detail::batch_cache& cache);

    /// The value at `key`; nullopt when absent. Errors: `kv.unavailable`.
    result<std::optional<std::string>> get(std::string_view key) const;

    /// The JSON document at `key`; nullopt when absent. Errors:
    /// `kv.unavailable`, `projection.corrupt` (not a JSON object).
    result<std::optional<boost::json::object>> get_json(std::string_view key) const;

    /// Like `get_json`, for a read-modify-write that puts the document back
    /// (`put_json`) in the same `apply`: in a runner's batch the cached
    /// document is moved out instead of copied.
    result<std::optional<boost::json::object>> take_json(std::string_view key) const;

    /// Visits the keys under `prefix` in order (keys given relative to the
    /// model); return false from `visit` to stop.
    result<void> scan_prefix(std::string_view prefix, const infra::kv_visitor& visit) const;

    /// The keys under `prefix` (relative to the model), in order.
    result<std::vector<std::string>> keys(std::string_view prefix) const;

    /// The JSON documents under `prefix`, in key order (a value that is not
    /// an object is skipped).
    result<std::vector<boost::json::object>> documents(std::string_view prefix) const;

  private:
    const std::string& prefix() const noexcept;

    infra::kv_store& store_;
    std::string prefix_;
    const infra::write_batch* pending_;
    detail::batch_cache* cache_ = nullptr;
};

/// The writes of one model into a shared batch; keys relative to the
/// model's prefix.
class write_batch
{
  public:
    /// Writes model `name` into `batch`.
    write_batch(infra::write_batch& batch, std::string_view name);

    /// Writes into a runner's batch (JSON documents go to its cache and are
    /// serialized once, when the batch is written).
    explicit write_batch(detail::batch_cache& cache);

    /// Puts `value` at `key`.
    void put(std::string_view key, std::string_view value);
    /// Puts a JSON document at `key` (stored as `boost::json::serialize`
    /// renders it).
    void put_json(std::string_view key, const boost::json::value& value);
    /// Puts a JSON document at `key`, taking it (no copy in a runner's batch).
    void put_json(std::string_view key, boost::json::value&& value);
    /// Deletes `key`.
    void erase(std::string_view key);
    /// Deletes every key under `prefix`.
    void erase_prefix(std::string_view prefix);

  private:
    const std::string& prefix() const noexcept;

    infra::write_batch& batch_;
    std::string prefix_;
    detail::batch_cache* cache_ = nullptr;
};

/// One read model's projector. `apply` is called on the runner's thread
/// only, in position order, exactly once per event as far as the committed
/// model is concerned (a failed batch is applied again after a restart).
class projector
{
  public:
    virtual ~projector() = default;

    /// The stable name; also the key prefix of the model.
    virtual std::string_view name() const = 0;

    /// The version of the model's shape; a change rebuilds the model.
    virtual std::uint32_t version() const = 0;

    /// Stages the model changes for one event. An error stops the runner
    /// (nothing of the current batch is written).
    virtual result<void> apply(const events::recorded_event& event,
                               schema::Envelope::Reader envelope,
                               write_batch& batch,
                               reader& model) = 0;
};

/// A stored checkpoint.
struct checkpoint
{
    std::uint32_t version = 0;
    events::position position;
    /// `recordedAt` of the event at `position` (0 when none).
    std::int64_t recorded_at = 0;
    /// The model is being rebuilt from position 0 with unlogged writes
    /// (`runner_options::unlogged_rebuild`) and may be incomplete after a
    /// crash: a runner that finds this resets the model and starts again.
    bool rebuilding = false;
};

/// The checkpoint of projector `name`; nullopt when it never ran.
result<std::optional<checkpoint>> read_checkpoint(infra::kv_store& store, std::string_view name);

/// Deletes a model and its checkpoint (the next runner rebuilds it from 0).
result<void> reset_projection(infra::kv_store& store, std::string_view name);

/// Options of a runner.
struct runner_options
{
    /// The most events applied in one batch while catching up. A batch
    /// also ends when it reached the log's last position as of the batch's
    /// first event, so a live event waits for at most one batch of events
    /// that were committed before it. (Larger batches measured slower in
    /// `benchmarks/projection_bench`: the pending writes and cached
    /// documents outgrow the CPU caches.)
    std::size_t max_batch_events = 1024;
    /// Sync the store's WAL per batch (not while rebuilding unlogged).
    bool sync = false;
    /// A rebuild from position 0 (new projector, changed version, reset
    /// model) writes its batches without the store's WAL
    /// (`kv_store::write_unlogged`) under a checkpoint marked `rebuilding`;
    /// once it reached the log's last position the runner flushes the store
    /// and only then writes the plain checkpoint, synced. A crash before
    /// that leaves the mark (or the empty model of the reset), and the next
    /// runner rebuilds from 0; `stop` during a rebuild flushes and keeps
    /// what was written.
    bool unlogged_rebuild = true;
    /// The clock for lag; the system clock if empty.
    std::function<timestamp()> clock;
};

/// How far a projector trails the log.
struct lag
{
    events::position head;       ///< the log's last position
    events::position checkpoint; ///< the projector's committed position
    std::uint64_t events = 0;    ///< head − checkpoint
    /// Age of the oldest event not yet projected (0 when caught up).
    std::chrono::microseconds time{ 0 };
    /// For the last written batch: write time − `recordedAt` of its last
    /// event (the delay a reader saw for that event).
    std::chrono::microseconds last_delay{ 0 };
};

/// Runs one projector on its own subscription thread.
class runner
{
  public:
    /// Reads the checkpoint (rebuilding when the version changed) and starts
    /// the subscription. `log`, `store` and `p` must outlive the runner.
    /// Errors: storage errors of the store or the log.
    static result<std::unique_ptr<runner>> start(events::event_log& log,
                                                 infra::kv_store& store,
                                                 projector& p,
                                                 runner_options options = {});

    ~runner();
    runner(const runner&) = delete;
    runner& operator=(const runner&) = delete;

    /// Stops the subscription (pending, unwritten events are applied again
    /// by the next runner). Idempotent; not from within `apply`.
    void stop();

    /// The committed position. Thread-safe.
    events::position position() const;

    /// Blocks until the committed position is at least `p` (read-your-
    /// writes). Errors: `projection.timeout` (unavailable) after `timeout`;
    /// the runner's failure when it stopped on an error. Thread-safe.
    result<void> wait_for(events::position p, std::chrono::milliseconds timeout) const;

    /// The current lag. Errors: the log's read errors. Thread-safe.
    result<projections::lag> lag() const;

    /// The error that stopped the runner, if any. Thread-safe.
    std::optional<error> failure() const;

    /// The projector's name.
    std::string_view name() const;

  private:
    struct impl;
    explicit runner(std::unique_ptr<impl> i);
    std::unique_ptr<impl> impl_;
};

} // namespace portal::projections
