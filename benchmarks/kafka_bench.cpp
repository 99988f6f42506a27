// Commands per second and command latency through the Kafka event log's
// append path (infra/kafka_log.hpp: decide on the mirror, one transaction
// per group of concurrent appends of a partition, wait until the events are
// back in the local mirror), beside raw librdkafka transactional produce of
// the same bytes with the same batching and the same producer settings (two
// transactional producers per partition taking turns, delivery reports by
// callback; each transaction takes what the clients queued meanwhile, at
// most the same group size) measured in the same run on the same broker.
//
// Needs PORTAL_KAFKA_BROKERS (scripts/kafka start). Prints a Markdown
// section "## Kafka" (benchmarks/kafka_bench.sh puts it into
// docs/benchmarks.md). Arguments: [commands per run] [clients...] (default
// 12800 commands, at 64, 256 and 1024 concurrent clients).
// PORTAL_KAFKA_GROUPS_IN_FLIGHT: the log's `max_groups_in_flight` (default
// the log's, 1; the section names it).

#include "portal/events/message.hpp"
#include "portal/events/partition.hpp"
#include "portal/infra/kafka_log.hpp"

#include <fmt/format.h>
#include <librdkafka/rdkafka.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <filesystem>
#include <future>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <utility>
#include <vector>

using namespace portal;
using clock_type = std::chrono::steady_clock;

namespace {

constexpr std::uint32_t k_partitions = 12;
constexpr std::size_t k_max_group = 1024;

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

struct measured
{
    double seconds = 0;
    std::vector<double> latencies_ms;
    std::size_t failed = 0;

    double per_second() const { return static_cast<double>(latencies_ms.size()) / seconds; }
    double percentile(double p)
    {
        if (latencies_ms.empty()) {
            return 0;
        }
        std::sort(latencies_ms.begin(), latencies_ms.end());
        auto i = static_cast<std::size_t>(p * static_cast<double>(latencies_ms.size() - 1));
        return latencies_ms[i];
    }
};

/// Runs `clients` threads that each call `one(client, i)` `per_client`
/// times; measures each call.
template<class F>
measured
closed_loop(int clients, int per_client, F one)
{
    measured m;
    std::mutex mu;
    std::vector<std::thread> threads;
    auto start = clock_type::now();
    for (int c = 0; c < clients; ++c) {
        threads.emplace_back([&, c] {
            std::vector<double> mine;
            std::size_t failed = 0;
            for (int i = 0; i < per_client; ++i) {
                auto t0 = clock_type::now();
                bool ok = one(c, i);
                auto t1 = clock_type::now();
                if (ok) {
                    mine.push_back(std::chrono::duration<double, std::milli>(t1 - t0).count());
                } else {
                    ++failed;
                }
            }
            std::lock_guard lock(mu);
            m.latencies_ms.insert(m.latencies_ms.end(), mine.begin(), mine.end());
            m.failed += failed;
        });
    }
    for (auto& t : threads) {
        t.join();
    }
    m.seconds = std::chrono::duration<double>(clock_type::now() - start).count();
    return m;
}

std::string
partition_key(int client, int i)
{
    return fmt::format("company-{}", (client * 7 + i) % 97);
}

/// The producer settings of the log's writers (infra/src/kafka_writer.cpp,
/// with the log's default 30 s timeout), applied to the raw baseline as
/// well.
constexpr std::pair<const char*, const char*> producer_settings[] = {
    { "transaction.timeout.ms", "60000" },
    { "message.timeout.ms", "30000" },
    { "socket.timeout.ms", "30000" },
    { "linger.ms", "1" },
};

/// The raw baseline: per partition two transactional producers taking turns
/// (as the log's writers) and a thread that commits what is queued, in
/// groups of at most `k_max_group`.
class raw_writers
{
  public:
    raw_writers(const std::string& brokers, const std::string& topic)
      : topic_(topic)
    {
        for (std::uint32_t p = 0; p < k_partitions; ++p) {
            parts_.push_back(std::make_unique<part>());
            auto& w = *parts_.back();
            w.producers = { make_producer(brokers, fmt::format("{}.raw.{}", topic, p)),
                            make_producer(brokers, fmt::format("{}.raw.{}.alt", topic, p)) };
            w.thread = std::thread([this, &w, p] { loop(w, p); });
        }
    }
    ~raw_writers()
    {
        for (auto& w : parts_) {
            {
                std::lock_guard lock(w->mu);
                w->stopping = true;
            }
            w->cv.notify_all();
            w->thread.join();
            for (auto* producer : w->producers) {
                rd_kafka_destroy(producer);
            }
        }
    }

    /// Produces `value` (key `stream`) to `partition` in the next
    /// transaction; true once committed.
    bool write(std::uint32_t partition, std::string stream, std::string value)
    {
        auto it = std::make_unique<item>();
        it->stream = std::move(stream);
        it->value = std::move(value);
        auto done = it->done.get_future();
        auto& w = *parts_[partition];
        {
            std::lock_guard lock(w.mu);
            w.queue.push_back(std::move(it));
        }
        w.cv.notify_one();
        return done.get();
    }

  private:
    /// A transactional producer with the log's settings, initialised.
    static rd_kafka_t* make_producer(const std::string& brokers, const std::string& id)
    {
        char err[512];
        rd_kafka_conf_t* conf = rd_kafka_conf_new();
        rd_kafka_conf_set(conf, "bootstrap.servers", brokers.c_str(), err, sizeof err);
        rd_kafka_conf_set(conf, "transactional.id", id.c_str(), err, sizeof err);
        for (const auto& [name, value] : producer_settings) {
            if (rd_kafka_conf_set(conf, name, value, err, sizeof err) != RD_KAFKA_CONF_OK) {
                std::fprintf(stderr, "raw setting %s: %s\n", name, err);
                std::exit(1);
            }
        }
        // Delivery reports as the log's writer takes them: flush then
        // returns as soon as the last report is served (without a callback,
        // librdkafka 2.0.2's flush sleeps in 10 ms steps).
        rd_kafka_conf_set_dr_msg_cb(conf, on_delivery);
        rd_kafka_t* producer = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
        if (producer == nullptr) {
            std::fprintf(stderr, "raw producer: %s\n", err);
            std::exit(1);
        }
        if (auto* e = rd_kafka_init_transactions(producer, 30'000)) {
            std::fprintf(stderr, "raw init: %s\n", rd_kafka_error_string(e));
            std::exit(1);
        }
        return producer;
    }

    static void on_delivery(rd_kafka_t*, const rd_kafka_message_t* m, void*)
    {
        if (m->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
            static_cast<std::atomic<bool>*>(m->_private)->store(true);
        }
    }

    struct item
    {
        std::string stream;
        std::string value;
        std::promise<bool> done;
    };
    struct part
    {
        /// Taking turns, as the log's writers do.
        std::array<rd_kafka_t*, 2> producers{};
        std::size_t turn = 0;
        std::mutex mu;
        std::condition_variable cv;
        std::deque<std::unique_ptr<item>> queue;
        bool stopping = false;
        std::atomic<bool> undelivered{ false };
        std::thread thread;
    };

    void loop(part& w, std::uint32_t p)
    {
        std::vector<std::unique_ptr<item>> group;
        for (;;) {
            {
                std::unique_lock lock(w.mu);
                w.cv.wait(lock, [&] { return w.stopping || !w.queue.empty(); });
                if (w.stopping) {
                    return;
                }
                while (!w.queue.empty() && group.size() < k_max_group) {
                    group.push_back(std::move(w.queue.front()));
                    w.queue.pop_front();
                }
            }
            auto* producer = w.producers[w.turn];
            w.turn = (w.turn + 1) % w.producers.size();
            bool ok = true;
            if (auto* e = rd_kafka_begin_transaction(producer)) {
                rd_kafka_error_destroy(e);
                ok = false;
            }
            for (auto& it : group) {
                rd_kafka_headers_t* h = rd_kafka_headers_new(8);
                rd_kafka_header_add(h, "type", -1, "report.submitted", -1);
                rd_kafka_header_add(h, "stream", -1, it->stream.data(), -1);
                rd_kafka_header_add(h, "version", -1, "1", -1);
                rd_kafka_header_add(h, "partition-key", -1, "company-1", -1);
                rd_kafka_header_add(h, "command-id", -1, "c-0-0", -1);
                rd_kafka_header_add(h, "append-index", -1, "0", -1);
                rd_kafka_header_add(h, "append-count", -1, "1", -1);
                rd_kafka_header_add(
                  h, "content-type", -1, "application/vnd.portal.envelope+capnp", -1);
                auto err = rd_kafka_producev(producer,
                                             RD_KAFKA_V_TOPIC(topic_.c_str()),
                                             RD_KAFKA_V_PARTITION(static_cast<std::int32_t>(p)),
                                             RD_KAFKA_V_KEY(it->stream.data(), it->stream.size()),
                                             RD_KAFKA_V_VALUE(it->value.data(), it->value.size()),
                                             RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                                             RD_KAFKA_V_HEADERS(h),
                                             RD_KAFKA_V_OPAQUE(&w.undelivered),
                                             RD_KAFKA_V_END);
                if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
                    rd_kafka_headers_destroy(h);
                    ok = false;
                }
            }
            ok = ok && rd_kafka_flush(producer, 30'000) == RD_KAFKA_RESP_ERR_NO_ERROR;
            ok = ok && !w.undelivered.exchange(false);
            if (auto* e = ok ? rd_kafka_commit_transaction(producer, 30'000) : nullptr) {
                rd_kafka_error_destroy(e);
                ok = false;
            }
            if (!ok) {
                if (auto* e = rd_kafka_abort_transaction(producer, 30'000)) {
                    rd_kafka_error_destroy(e);
                }
            }
            for (auto& it : group) {
                it->done.set_value(ok);
            }
            group.clear();
        }
    }

    std::string topic_;
    std::vector<std::unique_ptr<part>> parts_;
};

struct row
{
    std::string path;
    int clients = 0;
    measured m;
};

} // namespace

int
main(int argc, char** argv)
{
    const char* env = std::getenv("PORTAL_KAFKA_BROKERS");
    if (env == nullptr || *env == '\0') {
        std::fprintf(stderr, "kafka_bench: set PORTAL_KAFKA_BROKERS (scripts/kafka start)\n");
        return 2;
    }
    std::string brokers = env;
    int total = argc > 1 ? std::atoi(argv[1]) : 12800;
    std::vector<int> client_counts;
    for (int i = 2; i < argc; ++i) {
        client_counts.push_back(std::max(1, std::atoi(argv[i])));
    }
    if (client_counts.empty()) {
        client_counts = { 64, 256, 1024 };
    }
    auto prefix = fmt::format("portal-bench.{:08x}", std::random_device{}());
    auto dir = std::filesystem::temp_directory_path() / (prefix + ".mirror");
    std::filesystem::remove_all(dir);

    infra::kafka_log_options o;
    o.brokers = brokers;
    o.topic_prefix = prefix;
    o.partitions = k_partitions;
    o.instance = "bench";
    o.mirror_dir = dir;
    o.sync = false;
    o.max_group = k_max_group;
    if (const char* depth = std::getenv("PORTAL_KAFKA_GROUPS_IN_FLIGHT")) {
        o.max_groups_in_flight = static_cast<std::size_t>(std::max(1, std::atoi(depth)));
    }
    auto opened = infra::open_kafka_log(o);
    if (!opened) {
        std::fprintf(stderr, "kafka_bench: %s\n", opened.error().message.c_str());
        return 1;
    }
    auto& log = **opened;
    const auto bytes = payload();

    std::vector<row> rows;
    auto run_log = [&](int n_clients, int n_per_client, const std::string& tag) {
        return closed_loop(n_clients, n_per_client, [&](int c, int i) {
            events::append_request r;
            r.partition_key = partition_key(c, i);
            r.stream = fmt::format("report-{}-{}-{}", tag, c, i);
            r.expected = events::expected_version::no_stream();
            r.payloads = { bytes };
            r.command_id = fmt::format("{}-{}-{}", tag, c, i);
            r.actor = events::actor{ "acc-1", events::role::trainee, "" };
            return log.append(std::move(r)).has_value();
        });
    };
    run_log(8, 20, "warm"); // producers, connections and the mirror warm
    rows.push_back({ "kafka_log append", 1, run_log(1, 200, "seq") });
    for (auto clients : client_counts) {
        rows.push_back(
          { "kafka_log append",
            clients,
            run_log(clients, std::max(1, total / clients), fmt::format("c{}", clients)) });
    }

    // The same bytes: the envelopes the log wrote.
    auto recorded = log.read_all(events::position{}, SIZE_MAX);
    if (!recorded || recorded->empty()) {
        std::fprintf(stderr, "kafka_bench: nothing recorded\n");
        return 1;
    }
    std::vector<std::string> envelopes;
    for (const auto& e : *recorded) {
        envelopes.push_back(e.envelope_bytes);
    }
    // Closed before the raw rows: its mirror would otherwise read every raw
    // record (and log each as a stream version it already has), on the
    // raw rows' CPU.
    opened->reset();
    {
        raw_writers raw(brokers, prefix + ".events");
        auto run_raw = [&](int n_clients, int n_per_client) {
            return closed_loop(n_clients, n_per_client, [&](int c, int i) {
                auto& value =
                  envelopes[static_cast<std::size_t>(c * n_per_client + i) % envelopes.size()];
                auto p = events::partition_for(partition_key(c, i), k_partitions);
                return raw.write(p, fmt::format("report-raw-{}-{}", c, i), value);
            });
        };
        run_raw(8, 20);
        rows.push_back({ "raw transactional produce", 1, run_raw(1, 200) });
        for (auto clients : client_counts) {
            rows.push_back({ "raw transactional produce",
                             clients,
                             run_raw(clients, std::max(1, total / clients)) });
        }
    }
    std::filesystem::remove_all(dir);

    std::printf("\n## Kafka\n\n");
    std::printf(
      "`benchmarks/kafka_bench.sh` (%d commands per row; 200 for one client): commands "
      "through `kafka_log::append` on the single development broker (Kafka 3.9.1, KRaft, one "
      "node on 127.0.0.1, %u partitions), one event (a submitted record, %zu-byte envelope) per "
      "command, each on a new stream with an expected version and a command id, mirror without "
      "fsync (Kafka holds the events). Beside it, in the same run: raw librdkafka transactional "
      "produce of the same envelope bytes and headers with the writers' producer settings, two "
      "transactional producers per partition taking turns (as the log's writers), "
      "each transaction taking what the clients queued meanwhile (at most %zu), acknowledged "
      "after commit. The log also decides on its mirror and waits until the events are back in "
      "it (read-your-writes); its writers keep at most %zu group%s per partition committed and "
      "waiting for the mirror (`max_groups_in_flight`). Closed loop: each client sends its next "
      "command when the last is acknowledged.\n\n",
      total,
      k_partitions,
      envelopes.front().size(),
      k_max_group,
      o.max_groups_in_flight,
      o.max_groups_in_flight == 1 ? "" : "s");
    std::printf("| path | clients | commands/s | p50 ms | p99 ms | failed |\n");
    std::printf("|---|---:|---:|---:|---:|---:|\n");
    for (auto& r : rows) {
        std::printf("| %s | %d | %.0f | %.1f | %.1f | %zu |\n",
                    r.path.c_str(),
                    r.clients,
                    r.m.per_second(),
                    r.m.percentile(0.5),
                    r.m.percentile(0.99),
                    r.m.failed);
    }
    std::printf("\nkafka_log / raw (commands/s):");
    auto half = rows.size() / 2;
    for (std::size_t i = 0; i < half; ++i) {
        std::printf("%s %.2f at %d client%s",
                    i == 0 ? "" : ",",
                    rows[i].m.per_second() / rows[half + i].m.per_second(),
                    rows[i].clients,
                    rows[i].clients == 1 ? "" : "s");
    }
    std::printf(".\n");
    return 0;
}
