// Commands per second through the command path (application layer, domain
// decision, partitioned single writer) on the durable embedded log, beside
// the raw append of the same number of events in the same run.
//
// The command is a successful login (`account.login_succeeded`): one event,
// a decision over the account's folded state. Threads are concurrent
// clients; each waits for its command's result, as a gateway request does.
// The writer lanes pipeline: a lane decides its next command while the
// previous one's commit group is being synced, and a client gets its result
// once its own append is durable.

#include "app/accounts.hpp"
#include "portal/infra/caching_log.hpp"
#include "portal/infra/embedded_log.hpp"
#include "portal/infra/partitioned_executor.hpp"

#include <benchmark/benchmark.h>
#include <fmt/format.h>

#include <atomic>
#include <filesystem>
#include <random>

using namespace portal;

namespace {

constexpr int k_accounts = 20000;

std::filesystem::path g_dir;
std::unique_ptr<events::event_log> g_log;
std::unique_ptr<infra::caching_log> g_cached;
std::unique_ptr<app::services> g_services;
std::unique_ptr<infra::partitioned_executor> g_executor;
std::atomic<std::uint64_t> g_counter{ 0 };

timestamp
now()
{
    return std::chrono::time_point_cast<std::chrono::microseconds>(
      std::chrono::system_clock::now());
}

std::string
account_email(std::uint64_t i)
{
    return fmt::format("azubi{}@example.de", i % k_accounts);
}

/// Opens a fresh log (with `sync`) holding `k_accounts` activated accounts.
bool
setup(bool sync, benchmark::State& state)
{
    g_dir = std::filesystem::temp_directory_path() /
            fmt::format("portal-cmd-bench-{}", std::random_device{}());
    {
        // Seeding without sync, then reopening with the benchmark's policy.
        auto log = infra::open_embedded_log({ .dir = g_dir, .sync = false });
        if (!log) {
            state.SkipWithError(log.error().message.c_str());
            return false;
        }
        app::services svc{ **log, [](std::string_view e) { return "acc-" + std::string(e); } };
        for (int i = 0; i < k_accounts; ++i) {
            domain::command_meta meta{ fmt::format("seed-{}", i),
                                       { "operator", events::role::staff, "" },
                                       now() };
            domain::account::create c;
            c.email = account_email(static_cast<std::uint64_t>(i));
            c.name = "Azubi";
            c.role = { events::role::auditor, "", "" };
            c.invitation_token_hash = "h";
            c.invitation_expires_at = now() + std::chrono::hours{ 24 };
            auto created = app::create_account(svc, meta, c);
            // Another command, so another command id.
            meta.command_id = fmt::format("seed-activate-{}", i);
            auto activated = app::activate_account(
              svc, meta, "acc-" + c.email, { "h", "$argon2id$v=19$m=8,t=1,p=1$x$y" });
            if (!created || !activated) {
                state.SkipWithError("seeding failed");
                return false;
            }
        }
    }
    auto log = infra::open_embedded_log({ .dir = g_dir, .sync = sync });
    if (!log) {
        state.SkipWithError(log.error().message.c_str());
        return false;
    }
    g_log = std::move(*log);
    g_cached = infra::make_caching_log(*g_log, 2 * k_accounts);
    g_services = std::make_unique<app::services>(
      app::services{ *g_cached, [](std::string_view e) { return "acc-" + std::string(e); } });
    g_executor = std::make_unique<infra::partitioned_executor>(16);
    return true;
}

void
teardown()
{
    g_executor.reset();
    g_services.reset();
    g_cached.reset();
    g_log.reset();
    std::filesystem::remove_all(g_dir);
}

void
BM_LoginCommand(benchmark::State& state)
{
    const bool sync = state.range(0) != 0;
    if (state.thread_index() == 0 && !setup(sync, state)) {
        return;
    }
    std::int64_t done = 0;
    for (auto _ : state) {
        auto i = g_counter.fetch_add(1);
        auto id = "acc-" + account_email(i);
        auto result =
          g_executor
            ->submit(id,
                     [&] {
                         domain::command_meta meta{ fmt::format("login-{}", i),
                                                    { id, events::role::trainee, "" },
                                                    now() };
                         // A session hash as the gateway gives one (32 bytes).
                         return app::record_login(*g_services,
                                                  meta,
                                                  id,
                                                  { domain::account::login_method::password,
                                                    true,
                                                    fmt::format("{:032}", i),
                                                    meta.now + std::chrono::hours(12) });
                     })
            .get();
        if (!result) {
            state.SkipWithError(result.error().message.c_str());
            break;
        }
        ++done;
    }
    state.SetItemsProcessed(done);
    if (state.thread_index() == 0) {
        teardown();
    }
}

void
BM_RawAppend(benchmark::State& state)
{
    const bool sync = state.range(0) != 0;
    if (state.thread_index() == 0 && !setup(sync, state)) {
        return;
    }
    auto payload = std::string(events::event_payload::build([](schema::Event::Builder e) {
                                   e.initAccount().initLoginSucceeded();
                               }).bytes());
    std::int64_t done = 0;
    for (auto _ : state) {
        auto i = g_counter.fetch_add(1);
        events::append_request r;
        r.stream = "account-acc-" + account_email(i);
        r.partition_key = r.stream;
        r.payloads = { payload };
        r.command_id = fmt::format("raw-{}", i);
        if (!g_log->append(std::move(r))) {
            state.SkipWithError("append failed");
            break;
        }
        ++done;
    }
    state.SetItemsProcessed(done);
    if (state.thread_index() == 0) {
        teardown();
    }
}

void
args(benchmark::internal::Benchmark* b)
{
    b->Arg(1)->Arg(0)->ArgName("sync");
    b->Threads(1)->Threads(64)->Threads(256)->Threads(1024)->UseRealTime()->MinTime(2.0);
}

} // namespace

BENCHMARK(BM_LoginCommand)->Apply(args);
BENCHMARK(BM_RawAppend)->Apply(args);

BENCHMARK_MAIN();
