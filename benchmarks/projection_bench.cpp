// Read side: rebuild throughput of every read model and projection lag under
// a fixed command rate, on the embedded log and the key-value store.
//
// 1. Seeds a realistic log through the application layer (no WAL sync):
//    companies with a trainer and a company account, contracts with a
//    trainee account, and weekly training records (draft, submit, approve)
//    since each contract's start.
// 2. Rebuild: per read model, resets it and runs a `projections::runner`
//    from position 0 to the log's end; then all models at once.
// 3. Lag: with all runners live, drives draft/submit/approve commands
//    through the application layer at fixed rates (open loop: command i is
//    due at t0 + i/rate) and measures, per command, the time from its
//    acknowledgement until each runner committed its position.
//
// Prints a Markdown section to stdout (benchmarks/run appends it to
// docs/benchmarks.md); progress goes to stderr. A plain driver rather than
// Google Benchmark: the lag is a distribution over commands, not a loop time.

#include "app/accounts.hpp"
#include "app/records.hpp"
#include "portal/events/message.hpp"
#include "portal/infra/embedded_log.hpp"
#include "portal/infra/kv_store.hpp"
#include "portal/projections/read_models.hpp"
#include "portal/projections/runner.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

using namespace portal;
using namespace std::chrono;
using domain::command_meta;
using domain::principal;
using events::role;

namespace {

constexpr int k_companies = 50;
constexpr int k_contracts_per_company = 10;
/// Weeks of records seeded per contract (draft, submit, approve each);
/// `--weeks N` sets a smaller log (e.g. for profiling).
int k_seeded_weeks = 202;
/// `--no-lag` skips the lag phases (rebuild only).
bool k_run_lag = true;
/// `--only NAME` rebuilds that read model alone (no "all at once", no lag;
/// for profiling one projector).
std::string k_only;
/// `--batch N` sets the runners' `max_batch_events` (default: the runner's).
std::size_t k_batch = projections::runner_options{}.max_batch_events;
/// `--logged-rebuild` turns `runner_options::unlogged_rebuild` off (A/B).
bool k_unlogged = projections::runner_options{}.unlogged_rebuild;
/// The fixed command rates of the lag phases, and their length.
constexpr int k_rates[] = { 10000, 5000, 2500, 1000 };
constexpr double k_phase_seconds = 3.0;
/// Threads seeding (by company) and driving the lag phases (by company).
constexpr int k_seed_threads = 4;
constexpr int k_driver_threads = 16;

constexpr const char* k_password_hash = "$argon2id$v=19$m=8,t=1,p=1$x$y";

using clock_type = steady_clock;

projections::runner_options
runner_options()
{
    projections::runner_options o;
    o.max_batch_events = k_batch;
    o.unlogged_rebuild = k_unlogged;
    return o;
}

timestamp
real_now()
{
    return time_point_cast<microseconds>(system_clock::now());
}

timestamp
at(sys_days d, int hour)
{
    return timestamp{ d + hours{ hour } };
}

/// Fails the program with a message.
[[noreturn]] void
die(std::string_view what, const error& e)
{
    std::fprintf(stderr,
                 "projection_bench: %.*s: %s (%s)\n",
                 static_cast<int>(what.size()),
                 what.data(),
                 e.message.c_str(),
                 e.code.c_str());
    std::exit(1);
}

template<class T>
T
must(std::string_view what, result<T> r)
{
    if (!r) {
        die(what, r.error());
    }
    if constexpr (!std::is_void_v<T>) {
        return std::move(*r);
    }
}

std::string
account_id_of(std::string_view email)
{
    return "acc-" + std::string(email);
}

struct company_info
{
    std::string id;
    principal actor;
    principal trainer;
    std::string trainer_email;
};

struct contract_info
{
    std::string id;
    int company = 0;
    principal trainee;
};

/// Issues commands of one thread with unique command ids.
class issuer
{
  public:
    issuer(const app::services& s, std::string prefix)
      : services_(s)
      , prefix_(std::move(prefix))
    {
    }

    command_meta as(principal p, timestamp now)
    {
        return command_meta{
            fmt::format("{}-{}", prefix_, ++sequence_), std::move(p), now, {}, {}
        };
    }

    /// Creates and activates an account; returns its id.
    std::string account(principal by,
                        timestamp now,
                        const std::string& email,
                        const std::string& name,
                        domain::account::account_role r)
    {
        domain::account::create c;
        c.email = email;
        c.name = name;
        c.role = r;
        c.invitation_token_hash = "h";
        c.invitation_expires_at = now + days{ 14 };
        must("create account", app::create_account(services_, as(by, now), c));
        auto id = services_.account_id_of(email);
        must("activate account",
             app::activate_account(services_,
                                   as(principal{ id, r.kind, "" }, now + hours{ 1 }),
                                   id,
                                   { "h", k_password_hash }));
        return id;
    }

    const app::services& services() const { return services_; }

  private:
    const app::services& services_;
    std::string prefix_;
    std::uint64_t sequence_ = 0;
};

domain::report::draft
make_draft(const std::string& contract_id, sys_days monday, int week_index)
{
    static const std::vector<std::string> activities = {
        "Bauteile nach Zeichnung gefeilt, gebohrt und entgratet",
        "Drehmaschine eingerichtet und Wellen nach Toleranzangaben gedreht",
        "Wartung der Fräsmaschine nach Wartungsplan, Schmierstellen geprüft",
        "Pneumatische Steuerung nach Schaltplan aufgebaut und in Betrieb genommen",
        "REST-Schnittstelle für die Auftragsverwaltung entworfen und getestet",
        "SPS-Programm erweitert und an der Anlage getestet",
    };
    domain::report::draft d;
    d.contract_id = contract_id;
    d.period.kind = schema::PeriodKind::WEEK;
    d.period.week = iso_week_of(date{ monday });
    auto i = static_cast<std::size_t>(week_index);
    d.entries.push_back(
      { schema::EntryKind::COMPANY, activities[i % activities.size()], 24 * 60, "", {} });
    d.entries.push_back({ schema::EntryKind::INSTRUCTION,
                          "Unterweisung Arbeitssicherheit und Qualitätssicherung",
                          2 * 60,
                          "",
                          {} });
    d.entries.push_back({ schema::EntryKind::SCHOOL,
                          "Lernfeld: Technische Kommunikation, Zeichnungen lesen",
                          12 * 60,
                          "",
                          {} });
    return d;
}

/// The calendar of the run: seeded weeks, then the weeks of the lag phases
/// up to the current one.
struct calendar
{
    sys_days first_monday; ///< the first seeded week
    sys_days lag_monday;   ///< the first week of the lag phases
    int lag_weeks = 0;     ///< weeks available to the lag phases
    sys_days contract_end;
};

calendar
make_calendar()
{
    int lag_weeks = 0;
    for (int rate : k_rates) {
        lag_weeks += static_cast<int>(
          (rate * k_phase_seconds + 3 * k_companies * k_contracts_per_company - 1) /
          (3 * k_companies * k_contracts_per_company));
    }
    auto today = sys_days{ day_of(real_now()) };
    auto this_monday = today - days{ weekday{ today }.iso_encoding() - 1 };
    calendar c;
    c.lag_weeks = lag_weeks;
    c.lag_monday = this_monday - weeks{ lag_weeks - 1 };
    c.first_monday = c.lag_monday - weeks{ k_seeded_weeks };
    c.contract_end = today + days{ 365 };
    return c;
}

/// Seeds the companies of thread `t` with their contracts and records.
void
seed_thread(const app::services& s,
            const calendar& cal,
            int t,
            principal staff,
            std::vector<company_info>& companies,
            std::vector<contract_info>& contracts)
{
    issuer is(s, fmt::format("seed{}", t));
    principal system{ "", role::system, "" };
    auto t0 = at(cal.first_monday - days{ 60 }, 9);
    for (int ci = t; ci < k_companies; ci += k_seed_threads) {
        auto& co = companies[static_cast<std::size_t>(ci)];
        domain::company::register_company rc;
        rc.name = fmt::format("Ausbildungsbetrieb {} GmbH", ci);
        rc.member_number = fmt::format("{}", 10000 + ci);
        rc.email = fmt::format("ausbildung@betrieb{}.de", ci);
        rc.address = { fmt::format("Industriestraße {}", ci + 1), "86153", "Augsburg" };
        must("register company", app::register_company(s, is.as(staff, t0), rc));
        co.id = app::company_id_for(rc.member_number);
        auto company_account =
          is.account(system, t0, rc.email, rc.name, { role::company, co.id, "" });
        must("link company account",
             app::link_company_account(s, is.as(system, t0), co.id, { company_account }));
        co.actor = principal{ company_account, role::company, co.id };
        must("record settings",
             app::change_record_settings(s, is.as(co.actor, t0), co.id, { "*", true, false }));
        auto trainer_id = fmt::format("trainer-{}", ci);
        co.trainer_email = fmt::format("ausbilder@betrieb{}.de", ci);
        must("register trainer",
             app::register_trainer(
               s, is.as(co.actor, t0), co.id, { trainer_id, "Ausbilder", co.trainer_email }));
        auto trainer_account = is.account(
          co.actor, t0 + hours{ 1 }, co.trainer_email, "Ausbilder", { role::trainer, co.id, "" });
        must("link trainer account",
             app::link_trainer_account(
               s, is.as(co.actor, t0 + hours{ 3 }), co.id, { trainer_id, trainer_account }));
        co.trainer = principal{ trainer_account, role::trainer, "" };

        for (int k = 0; k < k_contracts_per_company; ++k) {
            auto index = ci * k_contracts_per_company + k;
            auto& c = contracts[static_cast<std::size_t>(index)];
            c.company = ci;
            c.id = fmt::format("contract-{:04}", index);
            auto email = fmt::format("azubi{}@example.de", index);
            domain::contract::register_contract r;
            r.company_id = co.id;
            r.trainee = { fmt::format("Azubi {}", index), "2005-03-14", email };
            r.trainee_number = fmt::format("2022{:04}", index);
            r.occupation = "Industriemechaniker/-in";
            r.start = format_date(date{ cal.first_monday - days{ k % 5 } });
            r.end = format_date(date{ cal.contract_end });
            r.record_form = schema::RecordForm::ELECTRONIC;
            r.trainer_ids = { trainer_id };
            auto registered_at = at(cal.first_monday - days{ 30 }, 10);
            must("register contract",
                 app::register_contract(s, is.as(staff, registered_at), c.id, r));
            auto account = is.account(co.actor,
                                      registered_at + hours{ 1 },
                                      email,
                                      r.trainee.name,
                                      { role::trainee, co.id, c.id });
            must("link trainee account",
                 app::link_trainee_account(
                   s, is.as(system, registered_at + hours{ 3 }), c.id, { account }));
            c.trainee = principal{ account, role::trainee, "" };
        }
        for (int w = 0; w < k_seeded_weeks; ++w) {
            auto monday = cal.first_monday + weeks{ w };
            for (int k = 0; k < k_contracts_per_company; ++k) {
                const auto& c =
                  contracts[static_cast<std::size_t>(ci * k_contracts_per_company + k)];
                auto d = make_draft(c.id, monday, w);
                auto friday = at(monday + days{ 4 }, 15);
                must("draft", app::draft_report(s, is.as(c.trainee, friday), d));
                auto report_id = app::report_id_for(c.id, d.period);
                must("submit",
                     app::submit_report(
                       s, is.as(c.trainee, friday + hours{ 1 }), report_id, { co.trainer_email }));
                must("approve",
                     app::approve_report(
                       s, is.as(co.trainer, at(monday + days{ 7 }, 9)), report_id, { "", false }));
            }
        }
    }
}

double
seconds_since(clock_type::time_point t0)
{
    return duration<double>(clock_type::now() - t0).count();
}

/// CPU seconds of this process so far (every thread, RocksDB's included).
double
cpu_seconds()
{
    timespec t{};
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) / 1e9;
}

/// Wall and CPU seconds of one measured step.
struct timing
{
    double wall = 0;
    double cpu = 0;
};

template<class F>
timing
measure(F&& step)
{
    auto t0 = clock_type::now();
    auto c0 = cpu_seconds();
    step();
    return { seconds_since(t0), cpu_seconds() - c0 };
}

/// The load average (1, 5, 15 minutes) as in /proc/loadavg.
std::string
load_average()
{
    std::FILE* f = std::fopen("/proc/loadavg", "r");
    if (f == nullptr) {
        return "unknown";
    }
    double a = 0;
    double b = 0;
    double c = 0;
    int n = std::fscanf(f, "%lf %lf %lf", &a, &b, &c);
    std::fclose(f);
    return n == 3 ? fmt::format("{:.1f} / {:.1f} / {:.1f}", a, b, c) : "unknown";
}

std::string
thousands(double v)
{
    auto n = static_cast<long long>(v + 0.5);
    auto s = std::to_string(n);
    for (int i = static_cast<int>(s.size()) - 3; i > 0; i -= 3) {
        s.insert(static_cast<std::size_t>(i), ",");
    }
    return s;
}

/// The value at quantile `q` of sorted `v` (nearest rank).
double
quantile(const std::vector<double>& v, double q)
{
    if (v.empty()) {
        return 0;
    }
    auto rank = static_cast<std::size_t>(q * static_cast<double>(v.size()));
    return v[std::min(rank, v.size() - 1)];
}

// --- lag phase --------------------------------------------------------------

struct lag_command
{
    enum class kind
    {
        draft,
        submit,
        approve
    };
    kind what;
    int contract = 0;
    int week = 0; ///< index into the lag weeks
};

struct sample
{
    std::uint64_t position = 0;
    clock_type::time_point due;
    clock_type::time_point ack;
    std::vector<clock_type::time_point> done; ///< per runner
};

struct phase_result
{
    int target_rate = 0;
    std::size_t commands = 0;
    double achieved_rate = 0;
    std::vector<double> lag_ms;                  ///< sorted, over all runners
    std::vector<std::vector<double>> lag_ms_per; ///< sorted, per runner
    std::vector<double> latency_ms;              ///< ack − due, sorted
};

/// Runs one phase: `week_count` lag weeks from `first_week`, at `rate` commands/s.
phase_result
run_phase(const app::services& s,
          const calendar& cal,
          const std::vector<company_info>& companies,
          const std::vector<contract_info>& contracts,
          const std::vector<std::unique_ptr<projections::runner>>& runners,
          int rate,
          int first_week,
          int week_count)
{
    // Per driver thread: its companies' commands, in an order that keeps
    // draft, submit and approve of one record in sequence.
    std::vector<std::vector<lag_command>> plans(k_driver_threads);
    for (int w = first_week; w < first_week + week_count; ++w) {
        for (auto what :
             { lag_command::kind::draft, lag_command::kind::submit, lag_command::kind::approve }) {
            for (std::size_t c = 0; c < contracts.size(); ++c) {
                plans[static_cast<std::size_t>(contracts[c].company % k_driver_threads)].push_back(
                  { what, static_cast<int>(c), w });
            }
        }
    }
    std::size_t total = 0;
    for (const auto& p : plans) {
        total += p.size();
    }
    std::vector<sample> samples(total);
    for (auto& x : samples) {
        x.done.resize(runners.size());
    }

    std::mutex mu;
    std::condition_variable cv;
    std::vector<std::size_t> acked; // indices into samples, in ack order
    bool drivers_done = false;

    // One waiter per runner: when did the runner commit each acked command?
    std::vector<std::thread> waiters;
    for (std::size_t r = 0; r < runners.size(); ++r) {
        waiters.emplace_back([&, r] {
            std::size_t cursor = 0;
            std::vector<std::size_t> batch;
            for (;;) {
                {
                    std::unique_lock lock(mu);
                    cv.wait(lock, [&] { return cursor < acked.size() || drivers_done; });
                    if (cursor == acked.size() && drivers_done) {
                        return;
                    }
                    batch.assign(acked.begin() + static_cast<std::ptrdiff_t>(cursor), acked.end());
                    cursor = acked.size();
                }
                std::sort(batch.begin(), batch.end(), [&](std::size_t a, std::size_t b) {
                    return samples[a].position < samples[b].position;
                });
                for (auto i : batch) {
                    must("wait for the projection",
                         runners[r]->wait_for(events::position{ samples[i].position },
                                              milliseconds{ 60000 }));
                    samples[i].done[r] = clock_type::now();
                }
            }
        });
    }

    const auto t0 = clock_type::now() + milliseconds{ 20 };
    const double period_ns = 1e9 / rate;
    std::atomic<std::size_t> next_slot{ 0 };
    std::vector<std::thread> drivers;
    for (int d = 0; d < k_driver_threads; ++d) {
        drivers.emplace_back([&, d] {
            issuer is(s, fmt::format("lag{}-{}", rate, d));
            for (const auto& cmd : plans[static_cast<std::size_t>(d)]) {
                // Global slots in claim order: the total rate is `rate`.
                auto slot = next_slot.fetch_add(1);
                auto due =
                  t0 +
                  nanoseconds{ static_cast<std::int64_t>(static_cast<double>(slot) * period_ns) };
                std::this_thread::sleep_until(due);
                const auto& c = contracts[static_cast<std::size_t>(cmd.contract)];
                const auto& co = companies[static_cast<std::size_t>(c.company)];
                auto monday = cal.lag_monday + weeks{ cmd.week };
                auto week_index = k_seeded_weeks + cmd.week;
                auto report_id = app::report_id_for(
                  c.id, { schema::PeriodKind::WEEK, iso_week_of(date{ monday }), "" });
                result<domain::outcome> out = fail(error{});
                switch (cmd.what) {
                    case lag_command::kind::draft:
                        out = app::draft_report(
                          s, is.as(c.trainee, real_now()), make_draft(c.id, monday, week_index));
                        break;
                    case lag_command::kind::submit:
                        out = app::submit_report(
                          s, is.as(c.trainee, real_now()), report_id, { co.trainer_email });
                        break;
                    case lag_command::kind::approve:
                        out = app::approve_report(
                          s, is.as(co.trainer, real_now()), report_id, { "", false });
                        break;
                }
                auto ack = clock_type::now();
                auto& x = samples[slot];
                x.position = must("lag command", std::move(out)).position.value;
                x.due = due;
                x.ack = ack;
                {
                    std::lock_guard lock(mu);
                    acked.push_back(slot);
                }
                cv.notify_all();
            }
        });
    }
    for (auto& t : drivers) {
        t.join();
    }
    clock_type::time_point last_ack = t0;
    for (const auto& x : samples) {
        last_ack = std::max(last_ack, x.ack);
    }
    {
        std::lock_guard lock(mu);
        drivers_done = true;
    }
    cv.notify_all();
    for (auto& t : waiters) {
        t.join();
    }

    phase_result res;
    res.target_rate = rate;
    res.commands = total;
    res.achieved_rate = static_cast<double>(total) / duration<double>(last_ack - t0).count();
    res.lag_ms_per.resize(runners.size());
    auto ms = [](clock_type::duration d) {
        return std::max(0.0, duration<double, std::milli>(d).count());
    };
    for (const auto& x : samples) {
        auto last = x.ack;
        for (std::size_t r = 0; r < runners.size(); ++r) {
            res.lag_ms_per[r].push_back(ms(x.done[r] - x.ack));
            last = std::max(last, x.done[r]);
        }
        res.lag_ms.push_back(ms(last - x.ack));
        res.latency_ms.push_back(ms(x.ack - x.due));
    }
    std::sort(res.lag_ms.begin(), res.lag_ms.end());
    std::sort(res.latency_ms.begin(), res.latency_ms.end());
    for (auto& v : res.lag_ms_per) {
        std::sort(v.begin(), v.end());
    }
    return res;
}

} // namespace

int
main(int argc, char** argv)
{
    for (int i = 1; i < argc; ++i) {
        std::string_view arg = argv[i];
        if (arg == "--weeks" && i + 1 < argc) {
            k_seeded_weeks = std::max(1, std::atoi(argv[++i]));
        } else if (arg == "--no-lag") {
            k_run_lag = false;
        } else if (arg == "--batch" && i + 1 < argc) {
            k_batch = static_cast<std::size_t>(std::max(1, std::atoi(argv[++i])));
        } else if (arg == "--logged-rebuild") {
            k_unlogged = false;
        } else if (arg == "--only" && i + 1 < argc) {
            k_only = argv[++i];
            k_run_lag = false;
        } else {
            std::fprintf(stderr,
                         "usage: projection_bench [--weeks N] [--no-lag] [--only MODEL] [--batch "
                         "N] [--logged-rebuild]\n");
            return 2;
        }
    }
    const auto load_before = load_average();
    const auto started_at = format_rfc3339(real_now());
    auto dir = std::filesystem::temp_directory_path() /
               fmt::format("portal-projection-bench-{}", std::random_device{}());
    auto log = must("open log", infra::open_embedded_log({ .dir = dir / "log", .sync = false }));
    auto store = must("open store", infra::open_kv_store({ .dir = dir / "read", .sync = false }));
    app::services services{ *log, account_id_of };
    auto cal = make_calendar();

    // --- seed ---
    std::fprintf(stderr, "projection_bench: seeding in %s\n", dir.c_str());
    auto seed_start = clock_type::now();
    std::vector<company_info> companies(k_companies);
    std::vector<contract_info> contracts(k_companies * k_contracts_per_company);
    principal staff;
    {
        issuer is(services, "seed");
        auto t0 = at(cal.first_monday - days{ 90 }, 9);
        auto staff_id = is.account(principal{ "operator", role::staff, "" },
                                   t0,
                                   "sachbearbeitung@ihk.de",
                                   "Sachbearbeitung",
                                   { role::staff, "", "" });
        staff = principal{ staff_id, role::staff, "" };
    }
    {
        std::vector<std::thread> seeders;
        for (int t = 0; t < k_seed_threads; ++t) {
            seeders.emplace_back(
              [&, t] { seed_thread(services, cal, t, staff, companies, contracts); });
        }
        for (auto& t : seeders) {
            t.join();
        }
    }
    const auto seed_seconds = seconds_since(seed_start);
    const auto head = log->last_position();
    const auto events_in_log = static_cast<double>(head.value);
    const auto records = static_cast<std::size_t>(k_seeded_weeks) * contracts.size();
    std::fprintf(stderr,
                 "projection_bench: %llu events seeded in %.1f s\n",
                 static_cast<unsigned long long>(head.value),
                 seed_seconds);

    // --- baselines: reading the log, and reading plus decoding each envelope ---
    enum class decoding
    {
        none,
        full,    // envelope::decode: validates every field and union
        trusted, // what a runner does: structure only, in place
    };
    auto scan_log = [&](decoding decode) {
        return measure([&] {
            events::envelope_decoder decoder;
            std::uint64_t kinds = 0;
            events::position after{ 0 };
            std::size_t seen = 0;
            for (;;) {
                auto batch = must("read log", log->read_all(after, 1024));
                if (batch.empty()) {
                    break;
                }
                for (const auto& e : batch) {
                    if (decode == decoding::full) {
                        must("decode", events::envelope::decode(e.envelope_bytes));
                    } else if (decode == decoding::trusted) {
                        auto env = must("decode", decoder.decode_trusted(e.envelope_bytes));
                        // What every runner reads: the payload's kind and the time.
                        kinds += static_cast<std::uint64_t>(env.getPayload().which()) +
                                 static_cast<std::uint64_t>(env.getRecordedAt() & 1);
                    }
                    ++seen;
                }
                after = batch.back().position;
            }
            if (seen != head.value) {
                die("read log", error::invalid("bench.count", "the log scan missed events"));
            }
            if (decode == decoding::trusted && kinds == 0) {
                die("decode", error::invalid("bench.decode", "no payload decoded"));
            }
        });
    };
    timing read_time;
    timing decode_time;
    timing trusted_time;
    if (k_only.empty()) {
        read_time = scan_log(decoding::none);
        decode_time = scan_log(decoding::full);
        trusted_time = scan_log(decoding::trusted);
    }

    // --- rebuild, one model at a time ---
    auto projectors = projections::all_projectors();
    struct rebuild_row
    {
        std::string name;
        timing time;
    };
    std::vector<rebuild_row> rebuilds;
    for (auto& p : projectors) {
        if (!k_only.empty() && p->name() != k_only) {
            continue;
        }
        must("reset", projections::reset_projection(*store, p->name()));
        std::unique_ptr<projections::runner> r;
        auto t = measure([&] {
            r =
              must("start runner", projections::runner::start(*log, *store, *p, runner_options()));
            must("rebuild", r->wait_for(head, milliseconds{ 600000 }));
        });
        r->stop();
        rebuilds.push_back({ std::string(p->name()), t });
        std::fprintf(stderr,
                     "projection_bench: rebuilt %.*s in %.1f s (%.1f CPU s)\n",
                     static_cast<int>(p->name().size()),
                     p->name().data(),
                     t.wall,
                     t.cpu);
    }

    if (!k_only.empty()) {
        // Profiling one projector: no report.
        store.reset();
        log.reset();
        std::filesystem::remove_all(dir);
        return rebuilds.empty() ? 2 : 0;
    }

    // --- rebuild, all models at once (the runners stay live for the lag) ---
    for (auto& p : projectors) {
        must("reset", projections::reset_projection(*store, p->name()));
    }
    std::vector<std::unique_ptr<projections::runner>> runners;
    const auto reads_before =
      infra::embedded_subscription_reads(*log).value_or(infra::subscription_read_stats{});
    const auto all_time = measure([&] {
        for (auto& p : projectors) {
            runners.push_back(
              must("start runner", projections::runner::start(*log, *store, *p, runner_options())));
        }
        for (auto& r : runners) {
            must("rebuild", r->wait_for(head, milliseconds{ 600000 }));
        }
    });
    const auto reads_after =
      infra::embedded_subscription_reads(*log).value_or(infra::subscription_read_stats{});
    std::fprintf(
      stderr,
      "projection_bench: rebuilt all models in %.1f s (%.1f CPU s); the subscriptions "
      "read %llu chunks from the log and shared %llu\n",
      all_time.wall,
      all_time.cpu,
      static_cast<unsigned long long>(reads_after.log_reads - reads_before.log_reads),
      static_cast<unsigned long long>(reads_after.shared_reads - reads_before.shared_reads));

    // --- lag at fixed command rates ---
    std::vector<phase_result> phases;
    int week = 0;
    const int per_week = 3 * static_cast<int>(contracts.size());
    for (int rate : k_rates) {
        if (!k_run_lag) {
            break;
        }
        auto count = static_cast<int>((rate * k_phase_seconds + per_week - 1) / per_week);
        const auto phase_reads =
          infra::embedded_subscription_reads(*log).value_or(infra::subscription_read_stats{});
        const auto phase_cpu = cpu_seconds();
        phases.push_back(
          run_phase(services, cal, companies, contracts, runners, rate, week, count));
        const auto cpu = cpu_seconds() - phase_cpu;
        const auto reads =
          infra::embedded_subscription_reads(*log).value_or(infra::subscription_read_stats{});
        week += count;
        const auto& ph = phases.back();
        std::fprintf(
          stderr,
          "projection_bench: %d commands/s target: %.0f achieved, lag p50 %.2f ms, "
          "p99 %.2f ms, %.2f CPU s; the subscriptions read %llu chunks from the log "
          "and shared %llu\n",
          rate,
          ph.achieved_rate,
          quantile(ph.lag_ms, 0.5),
          quantile(ph.lag_ms, 0.99),
          cpu,
          static_cast<unsigned long long>(reads.log_reads - phase_reads.log_reads),
          static_cast<unsigned long long>(reads.shared_reads - phase_reads.shared_reads));
    }
    const auto final_events = log->last_position().value;
    const auto load_after = load_average();
    for (auto& r : runners) {
        r->stop();
    }
    runners.clear();
    store.reset();
    log.reset();
    std::filesystem::remove_all(dir);

    // --- report ---
    std::string out;
    out += "\n## Projections: rebuild and lag\n\n";
    out += fmt::format(
      "`benchmarks/projection_bench` (release build), {}, on {} CPUs; load average before / "
      "after the run: {} and {} (other work on the machine, e.g. compiles, takes CPU from "
      "the run: compare the CPU seconds and the same-run baselines).\n\n",
      started_at,
      std::thread::hardware_concurrency(),
      load_before,
      load_after);
    out += fmt::format(
      "The log: {} events seeded through the application layer without WAL sync in {:.1f} s "
      "({} events/s, {} seeding threads): {} companies (company and trainer accounts), {} "
      "contracts (trainee accounts), {} weekly records (drafted, submitted, approved). Read "
      "models in one RocksDB key-value store without sync; every runner with its default batch "
      "of at most {} events.\n\n",
      thousands(events_in_log),
      seed_seconds,
      thousands(events_in_log / seed_seconds),
      k_seed_threads,
      k_companies,
      contracts.size(),
      thousands(static_cast<double>(records)),
      thousands(static_cast<double>(k_batch)));
    out += "Rebuild: the model is reset and a `projections::runner` projects the whole log "
           "from position 0 (decode, `apply`, one atomic write batch with the checkpoint per "
           "batch) until `wait_for` the log's last position returns. CPU s: CPU time of the "
           "whole process (every thread, RocksDB's included) during the row; events per CPU s "
           "is what the row costs independent of other work on the machine.\n\n";
    out += "| read model | rebuild s | events/s | CPU s | events per CPU s |\n"
           "|---|---|---|---|---|\n";
    auto row = [&](std::string_view what, const timing& t, double count) {
        out += fmt::format("| {} | {:.2f} | {} | {:.2f} | {} |\n",
                           what,
                           t.wall,
                           thousands(count / t.wall),
                           t.cpu,
                           thousands(count / t.cpu));
    };
    row("(baseline: `read_all` of the log only)", read_time, events_in_log);
    row("(baseline: `read_all` + `envelope::decode`, full validation)", decode_time, events_in_log);
    row("(baseline: `read_all` + `envelope_decoder::decode_trusted`, as a runner decodes)",
        trusted_time,
        events_in_log);
    for (const auto& r : rebuilds) {
        row(r.name, r.time, events_in_log);
    }
    row(fmt::format("all {} at once (log events/s)", rebuilds.size()), all_time, events_in_log);
    row(fmt::format("all {} at once (model events/s)", rebuilds.size()),
        all_time,
        events_in_log * static_cast<double>(rebuilds.size()));
    out += "\n";
    out += fmt::format(
      "Lag: with all {} runners live, {} client threads issue draft, submit and approve "
      "commands of new weekly records through the application layer at a fixed rate (open "
      "loop: command i is due at t0 + i/rate) for about {:.0f} s per rate. Lag is the time "
      "from a command's acknowledgement until every runner committed its position "
      "(`runner::wait_for`, one waiting thread per runner); latency is acknowledgement minus "
      "due time (it grows when the machine cannot keep the rate). The log grew to {} "
      "events.\n\n",
      rebuilds.size(),
      k_driver_threads,
      k_phase_seconds,
      thousands(static_cast<double>(final_events)));
    out += "| target commands/s | achieved commands/s | commands | lag p50 ms | lag p99 ms | lag "
           "max ms | slowest model (p99 ms) | latency p50 ms | latency p99 ms |\n"
           "|---|---|---|---|---|---|---|---|---|\n";
    for (const auto& ph : phases) {
        std::size_t slowest = 0;
        for (std::size_t r = 1; r < ph.lag_ms_per.size(); ++r) {
            if (quantile(ph.lag_ms_per[r], 0.99) > quantile(ph.lag_ms_per[slowest], 0.99)) {
                slowest = r;
            }
        }
        out += fmt::format("| {} | {} | {} | {:.2f} | {:.2f} | {:.2f} | {} ({:.2f}) | {:.2f} | "
                           "{:.2f} |\n",
                           thousands(ph.target_rate),
                           thousands(ph.achieved_rate),
                           thousands(static_cast<double>(ph.commands)),
                           quantile(ph.lag_ms, 0.5),
                           quantile(ph.lag_ms, 0.99),
                           ph.lag_ms.empty() ? 0.0 : ph.lag_ms.back(),
                           projectors[slowest]->name(),
                           quantile(ph.lag_ms_per[slowest], 0.99),
                           quantile(ph.latency_ms, 0.5),
                           quantile(ph.latency_ms, 0.99));
    }
    out += "\nTargets (issue 4): lag p99 at most 5 ms at 10k commands/s; rebuild at least 1M "
           "events/s.\n";
    std::fputs(out.c_str(), stdout);
    return 0;
}
