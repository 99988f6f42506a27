#include "reminder_scheduler.hpp"

#include "app/records.hpp"
#include "portal/projections/read_models.hpp"

#include <spdlog/spdlog.h>

namespace portal::gateway {

namespace {

timestamp
system_now()
{
    return std::chrono::time_point_cast<std::chrono::microseconds>(
      std::chrono::system_clock::now());
}

} // namespace

result<reminder_counts>
run_reminder_day(const app::services& services,
                 infra::kv_store& store,
                 const projections::runner* training,
                 const domain::command_meta& meta,
                 date day,
                 unsigned days_before_approver_reminder,
                 const std::function<bool()>& keep_going)
{
    if (training != nullptr) {
        auto caught_up =
          training->wait_for(services.log.last_position(), k_reminder_read_model_wait);
        if (!caught_up) {
            return fail(caught_up.error());
        }
    }
    auto contracts = projections::reminder_contracts(store, day);
    if (!contracts) {
        return fail(contracts.error());
    }
    reminder_counts counts;
    for (const auto& c : *contracts) {
        if (keep_going && !keep_going()) {
            counts.retry = true;
            break;
        }
        ++counts.contracts;
        auto done =
          app::run_reminders(services, meta, c.contract_id, day, days_before_approver_reminder);
        if (!done) {
            ++counts.failed;
            counts.retry = counts.retry || done.error().cls == error_class::unavailable;
            spdlog::warn("reminders of contract {} on {}: {} ({})",
                         c.contract_id,
                         format_date(day),
                         done.error().message,
                         done.error().code);
            continue;
        }
        if (done->events > 0) {
            ++counts.reminded;
            counts.events += done->events;
        }
    }
    return counts;
}

std::chrono::sys_time<std::chrono::microseconds>
berlin_local(timestamp t)
{
    using namespace std::chrono;
    auto year = year_month_day(floor<days>(t)).year();
    auto summer_from = sys_days(year / March / Sunday[last]) + hours{ 1 };
    auto summer_to = sys_days(year / October / Sunday[last]) + hours{ 1 };
    bool summer = t >= summer_from && t < summer_to;
    return t + hours{ summer ? 2 : 1 };
}

date
reminder_due_day(timestamp now, unsigned hour)
{
    using namespace std::chrono;
    auto local = berlin_local(now);
    auto today = floor<days>(local);
    if (local - today >= hours{ hour }) {
        return date(today);
    }
    return date(today - days{ 1 });
}

reminder_scheduler::reminder_scheduler(const app::services& services,
                                       infra::kv_store& store,
                                       const projections::runner* training,
                                       reminder_options options,
                                       std::function<timestamp()> clock)
  : services_(services)
  , store_(store)
  , training_(training)
  , options_(options)
  , clock_(std::move(clock))
{
}

reminder_scheduler::~reminder_scheduler()
{
    stop();
}

void
reminder_scheduler::start()
{
    std::lock_guard lock(mu_);
    if (thread_.joinable()) {
        return;
    }
    stopping_ = false;
    thread_ = std::thread([this] { run(); });
}

void
reminder_scheduler::stop()
{
    std::thread t;
    {
        std::lock_guard lock(mu_);
        stopping_ = true;
        t = std::move(thread_);
    }
    cv_.notify_all();
    if (t.joinable()) {
        t.join();
    }
}

timestamp
reminder_scheduler::now() const
{
    return clock_ ? clock_() : system_now();
}

result<reminder_counts>
reminder_scheduler::run_now(date day)
{
    domain::command_meta meta;
    meta.actor = domain::principal{ "", events::role::system, "" };
    meta.now = now();
    return run_now(day, meta);
}

result<reminder_counts>
reminder_scheduler::run_now(date day, const domain::command_meta& meta)
{
    return run_reminder_day(
      services_, store_, training_, meta, day, options_.days_before_approver_reminder, {});
}

std::optional<date>
reminder_scheduler::last_day() const
{
    std::lock_guard lock(mu_);
    return last_day_;
}

std::size_t
reminder_scheduler::completed_runs() const
{
    std::lock_guard lock(mu_);
    return completed_;
}

std::size_t
reminder_scheduler::checks() const
{
    std::lock_guard lock(mu_);
    return checks_;
}

void
reminder_scheduler::run()
{
    auto keep_going = [this] {
        std::lock_guard lock(mu_);
        return !stopping_;
    };
    std::unique_lock lock(mu_);
    while (!stopping_) {
        auto at = now();
        auto due = reminder_due_day(at, options_.hour);
        if (!last_day_ || *last_day_ < due) {
            lock.unlock();
            domain::command_meta meta;
            meta.actor = domain::principal{ "", events::role::system, "" };
            meta.now = at;
            auto counts = run_reminder_day(services_,
                                           store_,
                                           training_,
                                           meta,
                                           due,
                                           options_.days_before_approver_reminder,
                                           keep_going);
            if (!counts) {
                spdlog::warn("reminders of {}: {} ({}); retrying",
                             format_date(due),
                             counts.error().message,
                             counts.error().code);
            } else if (!counts->retry) {
                spdlog::info("reminders of {}: {} contracts, {} reminded ({} events), {} failed",
                             format_date(due),
                             counts->contracts,
                             counts->reminded,
                             counts->events,
                             counts->failed);
            }
            lock.lock();
            if (counts && !counts->retry) {
                last_day_ = due;
                ++completed_;
            }
        }
        ++checks_;
        cv_.wait_for(lock, options_.check_interval, [this] { return stopping_; });
    }
}

} // namespace portal::gateway
