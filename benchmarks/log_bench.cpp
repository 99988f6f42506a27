// Appends per second on the embedded event log, each beside a raw RocksDB
// WriteBatch of the same bytes and sync policy measured in the same run.
//
// Arguments of every benchmark: events per append (1 or 10), sync (0/1).
// Threads: 1 (latency-bound) and 64 (concurrent load: group commit).

#include "portal/events/message.hpp"
#include "portal/infra/embedded_log.hpp"

#include <benchmark/benchmark.h>
#include <fmt/format.h>
#include <rocksdb/db.h>
#include <rocksdb/write_batch.h>

#include <atomic>
#include <filesystem>
#include <random>

using namespace portal;

namespace {

std::filesystem::path
fresh_dir(const std::string& name)
{
    auto dir = std::filesystem::temp_directory_path() /
               fmt::format("portal-bench-{}-{}", name, std::random_device{}());
    std::filesystem::remove_all(dir);
    return dir;
}

/// A realistic event: a submitted training record.
std::string
payload()
{
    return std::string(events::event_payload::build([](schema::Event::Builder e) {
                           auto s = e.initReport().initSubmitted();
                           s.setApproverEmail("ausbilderin.mueller@beispiel-gmbh.de");
                           s.setApproverAccountId("0192f3c1-7a4e-7b2d-9c1e-3f5a6b7c8d9e");
                       }).bytes());
}

std::unique_ptr<events::event_log> g_log;
std::filesystem::path g_dir;
std::atomic<std::uint64_t> g_counter{ 0 };

void
BM_LogAppend(benchmark::State& state)
{
    const auto n = static_cast<int>(state.range(0));
    const bool sync = state.range(1) != 0;
    if (state.thread_index() == 0) {
        g_dir = fresh_dir("log");
        auto log = infra::open_embedded_log({ .dir = g_dir, .sync = sync });
        if (!log) {
            state.SkipWithError(log.error().message.c_str());
            return;
        }
        g_log = std::move(*log);
    }
    auto bytes = payload();
    std::uint64_t i = 0;
    for (auto _ : state) {
        auto id = g_counter.fetch_add(1);
        events::append_request req;
        req.stream = fmt::format("report-{}", id % 100000);
        req.partition_key = fmt::format("company-{}", id % 1000);
        req.command_id = fmt::format("cmd-{}", id);
        req.payloads.assign(static_cast<std::size_t>(n), bytes);
        auto r = g_log->append(std::move(req));
        if (!r) {
            state.SkipWithError(r.error().message.c_str());
            break;
        }
        ++i;
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(i));
    if (state.thread_index() == 0) {
        g_log.reset();
        std::filesystem::remove_all(g_dir);
    }
}

std::unique_ptr<rocksdb::DB> g_raw;
std::vector<rocksdb::ColumnFamilyHandle*> g_handles;

/// The same bytes the log writes for one append (envelopes, stream index,
/// head and command id) into the same column families with the same
/// options, as one WriteBatch, without the log's checks and hashing.
void
BM_RawWriteBatch(benchmark::State& state)
{
    const auto n = static_cast<int>(state.range(0));
    const bool sync = state.range(1) != 0;
    if (state.thread_index() == 0) {
        g_dir = fresh_dir("raw");
        rocksdb::DBOptions options;
        options.create_if_missing = true;
        options.create_missing_column_families = true;
        options.IncreaseParallelism(2);
        options.max_total_wal_size = 256 << 20;
        rocksdb::ColumnFamilyOptions events_cf;
        events_cf.write_buffer_size = 64 << 20;
        std::vector<rocksdb::ColumnFamilyDescriptor> families = {
            { rocksdb::kDefaultColumnFamilyName, rocksdb::ColumnFamilyOptions() },
            { "events", events_cf },
            { "streams", rocksdb::ColumnFamilyOptions() },
            { "heads", rocksdb::ColumnFamilyOptions() },
            { "commands", rocksdb::ColumnFamilyOptions() },
        };
        rocksdb::DB* raw = nullptr;
        auto s = rocksdb::DB::Open(options, g_dir.string(), families, &g_handles, &raw);
        if (!s.ok()) {
            state.SkipWithError(s.ToString().c_str());
            return;
        }
        g_raw.reset(raw);
    }
    // An envelope is the payload plus about 200 bytes of metadata.
    std::string envelope = payload() + std::string(200, 'x');
    rocksdb::WriteOptions wo;
    wo.sync = sync;
    std::uint64_t i = 0;
    for (auto _ : state) {
        auto id = g_counter.fetch_add(1);
        rocksdb::WriteBatch batch;
        for (int k = 0; k < n; ++k) {
            batch.Put(g_handles[1], fmt::format("{:016}{}", id, k), envelope);
            batch.Put(g_handles[2], fmt::format("report-{}-{}", id % 100000, k), "01234567");
        }
        batch.Put(g_handles[3], fmt::format("report-{}", id % 100000), std::string(48, 'h'));
        batch.Put(g_handles[4], fmt::format("cmd-{}", id), std::string(48, 'c'));
        auto s = g_raw->Write(wo, &batch);
        if (!s.ok()) {
            state.SkipWithError(s.ToString().c_str());
            break;
        }
        ++i;
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(i));
    if (state.thread_index() == 0) {
        for (auto* h : g_handles) {
            g_raw->DestroyColumnFamilyHandle(h);
        }
        g_handles.clear();
        g_raw.reset();
        std::filesystem::remove_all(g_dir);
    }
}

void
args(benchmark::internal::Benchmark* b)
{
    for (int sync : { 1, 0 }) {
        for (int n : { 1, 10 }) {
            b->Args({ n, sync });
        }
    }
    b->ArgNames({ "events", "sync" });
    b->Threads(1)->Threads(64)->Threads(256)->UseRealTime()->MinTime(2.0);
}

} // namespace

BENCHMARK(BM_LogAppend)->Apply(args);
BENCHMARK(BM_RawWriteBatch)->Apply(args);

BENCHMARK_MAIN();
