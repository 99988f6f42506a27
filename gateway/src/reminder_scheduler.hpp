#pragma once

/// The daily reminder run of the portal (issue #7): once a day, after a
/// local hour, `app::run_reminders` for every running contract whose company
/// has reminders switched on for the contract's occupation (listed from the
/// `training` read model, `projections::reminder_contracts`).
///
/// Safe with several instances and across restarts without any state of its
/// own: the reminders are events of the stream `reminders-<contractId>`, and
/// a second run of a contract on the same day appends nothing (the reminder
/// aggregate's rule), also when two instances run at once (the append's
/// version check retries the loser, which then decides nothing).
///
/// The scheduler thread wakes every `check_interval` (a condition variable
/// with a timeout, so `stop` is prompt) and runs the due day: today (local
/// time) once the hour has passed, else yesterday. It remembers the last day
/// it completed; on start it has none, so it runs the due day at once, which
/// catches up a day missed while the portal was down (and is a no-op when
/// another instance or an earlier start already ran it).

#include "app/app.hpp"
#include "common/domain.hpp"
#include "portal/events/time.hpp"
#include "portal/infra/kv_store.hpp"
#include "portal/projections/runner.hpp"

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <functional>
#include <mutex>
#include <optional>
#include <thread>

namespace portal::gateway {

/// What one run over all contracts did.
struct reminder_counts
{
    std::size_t contracts = 0; ///< contracts run (reminders switched on)
    std::size_t reminded = 0;  ///< contracts that got at least one reminder event
    std::size_t events = 0;    ///< reminder events appended
    std::size_t failed = 0;    ///< contracts whose run failed (logged)
    /// Some failure was transient (`unavailable`): the day should be retried.
    bool retry = false;
};

/// How long a run waits for the `training` read model to reach the log.
inline constexpr std::chrono::milliseconds k_reminder_read_model_wait{ 10'000 };

/// Runs `app::run_reminders` on `day` for every contract of
/// `projections::reminder_contracts(store, day)`, as `meta.actor` at
/// `meta.now` (the command id is left empty: the reminder stream itself
/// makes a repeated run a no-op). With `training` (the runner of the
/// `training` model), first waits until the model includes the log's last
/// position, so a contract registered just before is listed. A contract's
/// failure is logged and counted; the others still run; `keep_going`
/// (when given) is asked before each contract, and a run it stops counts as
/// `retry`. Errors: the read model's (`kv.unavailable`,
/// `projection.corrupt`, `projection.timeout`).
result<reminder_counts> run_reminder_day(const app::services& services,
                                         infra::kv_store& store,
                                         const projections::runner* training,
                                         const domain::command_meta& meta,
                                         date day,
                                         unsigned days_before_approver_reminder,
                                         const std::function<bool()>& keep_going = {});

/// The local time of Europe/Berlin at `t` (CET, UTC+1; CEST, UTC+2, from
/// the last Sunday of March 01:00 UTC to the last Sunday of October 01:00
/// UTC, the EU rule) as a time point whose date and time of day read as the
/// local wall clock.
std::chrono::sys_time<std::chrono::microseconds> berlin_local(timestamp t);

/// The day a run is due for at `now` with the run `hour` (local time):
/// today once the local time is at or past the hour, else yesterday.
date reminder_due_day(timestamp now, unsigned hour);

/// Configuration of the scheduler.
struct reminder_options
{
    /// The local hour (Europe/Berlin, 0-23) after which a day's run is due.
    unsigned hour = 6;
    /// Days a submitted record waits before its approver is reminded.
    unsigned days_before_approver_reminder = 3;
    /// How often the thread looks at the clock.
    std::chrono::milliseconds check_interval{ 60'000 };
};

/// The scheduler (see the file comment). Thread-safe.
class reminder_scheduler
{
  public:
    /// A scheduler over `services`, the read-model `store` and the runner
    /// of its `training` model (may be null: no waiting) on `clock` (system
    /// clock when empty); not yet running. All must outlive it.
    reminder_scheduler(const app::services& services,
                       infra::kv_store& store,
                       const projections::runner* training,
                       reminder_options options,
                       std::function<timestamp()> clock = {});

    /// Stops the thread.
    ~reminder_scheduler();

    reminder_scheduler(const reminder_scheduler&) = delete;
    reminder_scheduler& operator=(const reminder_scheduler&) = delete;

    /// Starts the thread (idempotent). Its first check happens at once.
    void start();

    /// Stops the thread (idempotent); a run in progress stops after its
    /// current contract (the rest follows on the next start: catch-up).
    void stop();

    /// Runs `day` now (as the system), whatever ran before; the thread's
    /// schedule is unaffected. For tests and for staff by hand.
    result<reminder_counts> run_now(date day);

    /// Runs `day` as `meta.actor` (staff by hand through the API).
    result<reminder_counts> run_now(date day, const domain::command_meta& meta);

    /// The last day the thread completed (nullopt before its first run).
    std::optional<date> last_day() const;

    /// How many days the thread has completed since start (tests wait on it).
    std::size_t completed_runs() const;

    /// How often the thread has looked at the clock since start.
    std::size_t checks() const;

    const reminder_options& options() const { return options_; }

  private:
    void run();
    timestamp now() const;

    const app::services& services_;
    infra::kv_store& store_;
    const projections::runner* training_;
    reminder_options options_;
    std::function<timestamp()> clock_;
    mutable std::mutex mu_;
    std::condition_variable cv_;
    bool stopping_ = false;
    std::optional<date> last_day_;
    std::size_t completed_ = 0;
    std::size_t checks_ = 0;
    std::thread thread_;
};

} // namespace portal::gateway
