#include "event_log_contract.hpp"
#include "personal_events.hpp"
#include "portal/infra/caching_log.hpp"
#include "portal/infra/embedded_log.hpp"
#include "portal/infra/kv_store.hpp"
#include "portal/infra/personal_seal.hpp"
#include "portal/infra/verify.hpp"

#include <gtest/gtest.h>
#include <rocksdb/db.h>

#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <fstream>
#include <map>
#include <mutex>
#include <random>
#include <sstream>
#include <thread>

using namespace portal;
using namespace portal::testing;
using events::expected_version;

namespace {

/// The column families of the embedded log, for opening its RocksDB directly.
std::vector<rocksdb::ColumnFamilyDescriptor>
log_families()
{
    std::vector<rocksdb::ColumnFamilyDescriptor> cfs;
    for (auto name : { "default", "events", "streams", "heads", "commands", "keys" }) {
        cfs.emplace_back(name, rocksdb::ColumnFamilyOptions());
    }
    return cfs;
}

/// Opens the embedded log on one temporary directory per test.
struct embedded_factory
{
    std::unique_ptr<temp_dir> dir;

    void prepare() { dir = std::make_unique<temp_dir>(); }

    std::unique_ptr<events::event_log> open()
    {
        auto log = infra::open_embedded_log({ .dir = dir->path() / "log" });
        EXPECT_TRUE(log.has_value()) << log.error().message;
        return log ? std::move(*log) : nullptr;
    }
};

} // namespace

namespace portal::testing {
INSTANTIATE_TYPED_TEST_SUITE_P(Embedded, EventLogContract, embedded_factory);
}

namespace {

TEST(EmbeddedLog, ASecondProcessCannotOpenTheSameDirectory)
{
    temp_dir dir;
    auto first = infra::open_embedded_log({ .dir = dir.path() });
    ASSERT_TRUE(first.has_value());
    auto second = infra::open_embedded_log({ .dir = dir.path() });
    ASSERT_FALSE(second.has_value());
    EXPECT_EQ(second.error().code, "log.locked");
    EXPECT_NE(second.error().message.find("in use"), std::string::npos);
}

TEST(EmbeddedLog, ADirectoryOfANewerFormatIsRefused)
{
    temp_dir dir;
    {
        auto log = infra::open_embedded_log({ .dir = dir.path() });
        ASSERT_TRUE(log.has_value());
    }
    {
        rocksdb::DB* raw = nullptr;
        std::vector<rocksdb::ColumnFamilyHandle*> handles;
        auto cfs = log_families();
        ASSERT_TRUE(
          rocksdb::DB::Open(rocksdb::DBOptions(), dir.path().string(), cfs, &handles, &raw).ok());
        ASSERT_TRUE(raw->Put(rocksdb::WriteOptions(), handles[0], "format", "99").ok());
        for (auto* h : handles) {
            raw->DestroyColumnFamilyHandle(h);
        }
        delete raw;
    }
    auto log = infra::open_embedded_log({ .dir = dir.path() });
    ASSERT_FALSE(log.has_value());
    EXPECT_EQ(log.error().code, "log.newer_format");
}

TEST(EmbeddedLog, WorksWithoutSyncForDevelopment)
{
    temp_dir dir;
    auto log = infra::open_embedded_log({ .dir = dir.path(), .sync = false });
    ASSERT_TRUE(log.has_value());
    auto r = (*log)->append(request("s-1", expected_version::any(), "a", 2));
    ASSERT_TRUE(r.has_value());
    EXPECT_EQ(r->last_version, 2U);
}

TEST(EmbeddedLog, UsesTheInjectedClock)
{
    temp_dir dir;
    auto fixed = *parse_rfc3339("2026-11-28T10:00:00Z");
    auto log = infra::open_embedded_log({ .dir = dir.path(), .clock = [fixed] { return fixed; } });
    ASSERT_TRUE(log.has_value());
    ASSERT_TRUE((*log)->append(request("s-1", expected_version::any(), "a")));
    auto e = (*log)->read_stream("s-1");
    auto env = events::envelope::decode(e->at(0).envelope_bytes);
    EXPECT_EQ(env->reader().getRecordedAt(), to_micros(fixed));
}

/// Rewrites the stored envelope at `pos` with `mutate` applied to its bytes.
void
tamper(const std::filesystem::path& dir,
       std::uint64_t pos,
       const std::function<void(std::string&)>& mutate)
{
    rocksdb::DB* raw = nullptr;
    std::vector<rocksdb::ColumnFamilyHandle*> handles;
    auto cfs = log_families();
    ASSERT_TRUE(rocksdb::DB::Open(rocksdb::DBOptions(), dir.string(), cfs, &handles, &raw).ok());
    std::string key(8, '\0');
    for (int i = 0; i < 8; ++i) {
        key[static_cast<std::size_t>(i)] = static_cast<char>(pos >> (8 * (7 - i)));
    }
    std::string value;
    ASSERT_TRUE(raw->Get(rocksdb::ReadOptions(), handles[1], key, &value).ok());
    mutate(value);
    ASSERT_TRUE(raw->Put(rocksdb::WriteOptions(), handles[1], key, value).ok());
    for (auto* h : handles) {
        raw->DestroyColumnFamilyHandle(h);
    }
    delete raw;
}

TEST(EmbeddedLog, VerifyFindsTheFirstTamperedEvent)
{
    temp_dir dir;
    {
        auto log = infra::open_embedded_log({ .dir = dir.path() });
        ASSERT_TRUE(log.has_value());
        for (int i = 0; i < 5; ++i) {
            ASSERT_TRUE((*log)->append(
              request("report-1", expected_version::any(), "e" + std::to_string(i))));
        }
        auto clean = infra::verify_chains(**log);
        ASSERT_TRUE(clean.has_value());
        EXPECT_FALSE(clean->first_broken.has_value());
        EXPECT_EQ(clean->events, 5U);
        EXPECT_EQ(clean->streams, 1U);
    }
    // Change the text of event 3 (same length, still decodes): event 4's
    // prevHash no longer matches.
    tamper(dir.path(), 3, [](std::string& bytes) {
        auto at = bytes.find("e2-0");
        ASSERT_NE(at, std::string::npos);
        bytes[at] = 'X';
    });
    auto log = infra::open_embedded_log({ .dir = dir.path() });
    ASSERT_TRUE(log.has_value());
    auto report = infra::verify_chains(**log);
    ASSERT_TRUE(report.has_value());
    ASSERT_TRUE(report->first_broken.has_value());
    EXPECT_EQ(report->first_broken->position.value, 4U);
    EXPECT_EQ(report->first_broken->stream, "report-1");
    EXPECT_EQ(report->first_broken->version, 4U);
}

TEST(EmbeddedLog, VerifyFindsATamperedLastEventThroughTheHead)
{
    temp_dir dir;
    {
        auto log = infra::open_embedded_log({ .dir = dir.path() });
        ASSERT_TRUE((*log)->append(request("report-1", expected_version::any(), "a", 2)));
    }
    tamper(dir.path(), 2, [](std::string& bytes) {
        auto at = bytes.find("a-1");
        ASSERT_NE(at, std::string::npos);
        bytes[at] = 'Z';
    });
    auto log = infra::open_embedded_log({ .dir = dir.path() });
    auto report = infra::verify_chains(**log);
    ASSERT_TRUE(report.has_value());
    ASSERT_TRUE(report->first_broken.has_value());
    EXPECT_EQ(report->first_broken->stream, "report-1");
}

TEST(EmbeddedLog, VerifyReportsUndecodableGarbage)
{
    temp_dir dir;
    {
        auto log = infra::open_embedded_log({ .dir = dir.path() });
        ASSERT_TRUE((*log)->append(request("report-1", expected_version::any(), "a", 2)));
    }
    tamper(dir.path(), 1, [](std::string& bytes) { bytes = "garbage!"; });
    auto log = infra::open_embedded_log({ .dir = dir.path() });
    auto report = infra::verify_chains(**log);
    ASSERT_TRUE(report.has_value());
    ASSERT_TRUE(report->first_broken.has_value());
    EXPECT_EQ(report->first_broken->position.value, 1U);
}

// ---------------------------------------------------------------------------
// Subscriptions at the same position share their reads of the log (chunks of
// 1024 events, infra/src/log_store.hpp).
// ---------------------------------------------------------------------------

/// The positions one subscription delivered, in delivery order.
struct delivered
{
    std::mutex mu;
    std::vector<std::uint64_t> positions;

    events::event_handler handler()
    {
        return [this](const events::recorded_event& e) -> result<void> {
            std::lock_guard lock(mu);
            positions.push_back(e.position.value);
            return {};
        };
    }

    std::size_t size()
    {
        std::lock_guard lock(mu);
        return positions.size();
    }

    /// Every position in (after, last] exactly once, in order.
    ::testing::AssertionResult are_all_after(std::uint64_t after, std::uint64_t last)
    {
        std::lock_guard lock(mu);
        if (positions.size() != last - after) {
            return ::testing::AssertionFailure()
                   << positions.size() << " events delivered, " << last - after << " expected";
        }
        for (std::size_t i = 0; i < positions.size(); ++i) {
            if (positions[i] != after + 1 + i) {
                return ::testing::AssertionFailure()
                       << "event " << i << " is position " << positions[i] << ", expected "
                       << after + 1 + i;
            }
        }
        return ::testing::AssertionSuccess();
    }
};

/// 5000 events: four full chunks of 1024 and one of 904.
constexpr std::uint64_t k_shared_events = 5000;
constexpr std::uint64_t k_shared_chunks = 5;

void
append_shared_events(events::event_log& log)
{
    for (std::uint64_t i = 0; i < k_shared_events / 100; ++i) {
        ASSERT_TRUE(
          log.append(request("s-" + std::to_string(i % 7), expected_version::any(), "e", 100)));
    }
    ASSERT_EQ(log.last_position().value, k_shared_events);
}

infra::subscription_read_stats
reads_of(const events::event_log& log)
{
    auto stats = infra::embedded_subscription_reads(log);
    EXPECT_TRUE(stats.has_value());
    return stats.value_or(infra::subscription_read_stats{});
}

TEST(EmbeddedLogSharedReads, SubscriptionsFromTheStartReadEachChunkOnceAndDeliverEveryEventOnce)
{
    temp_dir dir;
    auto log = infra::open_embedded_log({ .dir = dir.path(), .sync = false });
    ASSERT_TRUE(log.has_value());
    append_shared_events(**log);
    constexpr std::size_t k_subscribers = 6;
    std::vector<std::unique_ptr<delivered>> seen;
    std::vector<std::unique_ptr<events::subscription>> subs;
    for (std::size_t i = 0; i < k_subscribers; ++i) {
        seen.push_back(std::make_unique<delivered>());
        auto sub = (*log)->subscribe(events::position{ 0 }, seen.back()->handler());
        ASSERT_TRUE(sub.has_value());
        subs.push_back(std::move(*sub));
    }
    for (auto& s : seen) {
        ASSERT_TRUE(wait_until([&] { return s->size() >= k_shared_events; }));
    }
    auto caught_up = reads_of(**log);
    // Each chunk read from RocksDB once, and taken by the other five.
    EXPECT_EQ(caught_up.log_reads, k_shared_chunks);
    EXPECT_EQ(caught_up.shared_reads, k_shared_chunks * (k_subscribers - 1));

    // Live: each append wakes every subscription at the log's end.
    constexpr std::uint64_t k_live_appends = 8;
    for (std::uint64_t i = 0; i < k_live_appends; ++i) {
        ASSERT_TRUE((*log)->append(request("live", expected_version::any(), "l", 3)));
        auto last = (*log)->last_position().value;
        for (auto& s : seen) {
            ASSERT_TRUE(wait_until([&] { return s->size() >= last; }));
        }
    }
    for (auto& sub : subs) {
        sub->stop();
        EXPECT_FALSE(sub->failure().has_value());
    }
    auto last = (*log)->last_position().value;
    ASSERT_EQ(last, k_shared_events + 3 * k_live_appends);
    for (auto& s : seen) {
        EXPECT_TRUE(s->are_all_after(0, last));
    }
    auto live = reads_of(**log);
    EXPECT_LE(live.log_reads - caught_up.log_reads, k_live_appends);
    EXPECT_LT(live.log_reads, k_subscribers * (k_shared_chunks + k_live_appends));
}

TEST(EmbeddedLogSharedReads, ASubscriptionFromTheMiddleTakesTheChunksAlreadyRead)
{
    temp_dir dir;
    auto log = infra::open_embedded_log({ .dir = dir.path(), .sync = false });
    ASSERT_TRUE(log.has_value());
    append_shared_events(**log);
    delivered first;
    auto from_start = (*log)->subscribe(events::position{ 0 }, first.handler());
    ASSERT_TRUE(from_start.has_value());
    ASSERT_TRUE(wait_until([&] { return first.size() >= k_shared_events; }));
    ASSERT_EQ(reads_of(**log).log_reads, k_shared_chunks);

    // 1500 lies inside the second chunk (1025..2048).
    delivered middle;
    auto from_middle = (*log)->subscribe(events::position{ 1500 }, middle.handler());
    ASSERT_TRUE(from_middle.has_value());
    ASSERT_TRUE(wait_until([&] { return middle.size() >= k_shared_events - 1500; }));
    (*from_middle)->stop();
    (*from_start)->stop();
    EXPECT_TRUE(first.are_all_after(0, k_shared_events));
    EXPECT_TRUE(middle.are_all_after(1500, k_shared_events));
    EXPECT_EQ(reads_of(**log).log_reads, k_shared_chunks);
}

TEST(EmbeddedLogSharedReads, ALaggingSubscriptionStillTakesTheChunksTheFastOneRead)
{
    temp_dir dir;
    auto log = infra::open_embedded_log({ .dir = dir.path(), .sync = false });
    ASSERT_TRUE(log.has_value());
    append_shared_events(**log);
    // The slow one stops at its first event until the fast one is through.
    std::atomic<bool> release{ false };
    delivered slow;
    auto slow_handler = slow.handler();
    auto lagging = (*log)->subscribe(
      events::position{ 0 }, [&](const events::recorded_event& e) -> result<void> {
          while (!release.load()) {
              std::this_thread::sleep_for(std::chrono::milliseconds(1));
          }
          return slow_handler(e);
      });
    ASSERT_TRUE(lagging.has_value());
    delivered fast;
    auto leading = (*log)->subscribe(events::position{ 0 }, fast.handler());
    ASSERT_TRUE(leading.has_value());
    ASSERT_TRUE(wait_until([&] { return fast.size() >= k_shared_events; }));
    release.store(true);
    ASSERT_TRUE(wait_until([&] { return slow.size() >= k_shared_events; }));
    (*leading)->stop();
    (*lagging)->stop();
    EXPECT_TRUE(fast.are_all_after(0, k_shared_events));
    EXPECT_TRUE(slow.are_all_after(0, k_shared_events));
    auto stats = reads_of(**log);
    EXPECT_EQ(stats.log_reads, k_shared_chunks);
    EXPECT_EQ(stats.shared_reads, k_shared_chunks);
}

// ---------------------------------------------------------------------------
// Crash test: a child process appends in a loop and reports each
// acknowledged append on a pipe; the parent kills it with SIGKILL at random
// moments, reopens the log and checks that every acknowledged append is
// there, that no append is partially visible, and that every chain verifies.
// ---------------------------------------------------------------------------

struct acked
{
    std::string command_id;
    std::string stream;
    std::uint64_t first_version = 0;
    std::uint64_t last_version = 0;
    std::uint64_t first_position = 0;
    std::uint64_t last_position = 0;
};

pid_t
spawn_child(const std::filesystem::path& dir, int round, const char* mode, int& read_fd)
{
    int fds[2];
    if (pipe(fds) != 0) {
        return -1;
    }
    pid_t pid = fork();
    if (pid == 0) {
        dup2(fds[1], STDOUT_FILENO);
        close(fds[0]);
        close(fds[1]);
        auto r = std::to_string(round);
        execl(PORTAL_CRASH_CHILD,
              PORTAL_CRASH_CHILD,
              dir.c_str(),
              r.c_str(),
              mode,
              static_cast<char*>(nullptr));
        _exit(127);
    }
    close(fds[1]);
    read_fd = fds[0];
    return pid;
}

/// Rounds of SIGKILL of the crash child (`mode`: null for plain appends,
/// "pipelined" for pipelined lanes of the partitioned executor).
void
crash_rounds(const char* mode)
{
    temp_dir dir;
    std::mt19937 rng(20261128);
    std::vector<acked> all_acked;
    constexpr int k_rounds = 24;
    for (int round = 0; round < k_rounds; ++round) {
        int fd = -1;
        pid_t pid = spawn_child(dir.path(), round, mode, fd);
        ASSERT_GT(pid, 0);
        // Let it run until it acknowledged some appends, then a random while.
        std::string buffer;
        char chunk[4096];
        auto wait_ms = std::uniform_int_distribution<int>(5, 120)(rng);
        auto started = std::chrono::steady_clock::now();
        bool killed = false;
        std::size_t lines_at_start = 0;
        for (;;) {
            auto n = read(fd, chunk, sizeof chunk);
            if (n <= 0) {
                break;
            }
            buffer.append(chunk, static_cast<std::size_t>(n));
            if (!killed) {
                auto lines =
                  static_cast<std::size_t>(std::count(buffer.begin(), buffer.end(), '\n'));
                if (lines_at_start == 0 && lines > 0) {
                    lines_at_start = lines;
                    started = std::chrono::steady_clock::now();
                }
                if (lines_at_start > 0 && std::chrono::steady_clock::now() - started >
                                            std::chrono::milliseconds(wait_ms)) {
                    kill(pid, SIGKILL);
                    killed = true;
                }
            }
        }
        close(fd);
        int status = 0;
        waitpid(pid, &status, 0);
        ASSERT_TRUE(killed) << "child ended by itself in round " << round << " status " << status;
        ASSERT_TRUE(WIFSIGNALED(status));
        std::istringstream in(buffer);
        std::string line;
        while (std::getline(in, line)) {
            if (line.rfind("ack ", 0) != 0) {
                continue; // a torn last line
            }
            std::istringstream fields(line.substr(4));
            acked a;
            fields >> a.command_id >> a.stream >> a.first_version >> a.last_version >>
              a.first_position >> a.last_position;
            if (fields) {
                all_acked.push_back(a);
            }
        }

        auto log = infra::open_embedded_log({ .dir = dir.path() });
        ASSERT_TRUE(log.has_value()) << log.error().message;
        // Every acknowledged append is there, with its positions.
        for (const auto& a : all_acked) {
            auto events =
              (*log)->read_stream(a.stream, a.first_version, a.last_version - a.first_version + 1);
            ASSERT_TRUE(events.has_value());
            ASSERT_EQ(events->size(), a.last_version - a.first_version + 1)
              << a.command_id << " lost in round " << round;
            EXPECT_EQ(events->front().position.value, a.first_position);
            EXPECT_EQ(events->back().position.value, a.last_position);
            for (const auto& e : *events) {
                auto env = events::envelope::decode(e.envelope_bytes);
                ASSERT_TRUE(env.has_value());
                EXPECT_EQ(std::string(env->reader().getCommandId().cStr()), a.command_id);
            }
        }
        // No partial append: each command's events are all there. Tags
        // are "<command>:<k>/<n>".
        std::map<std::string, std::pair<int, int>> per_command;
        events::position after;
        for (;;) {
            auto batch = (*log)->read_all(after, 4096);
            ASSERT_TRUE(batch.has_value());
            if (batch->empty()) {
                break;
            }
            for (const auto& e : *batch) {
                after = e.position;
                auto tag = tag_of(e);
                auto colon = tag.find(':');
                auto slash = tag.find('/');
                ASSERT_NE(slash, std::string::npos) << tag;
                auto& [count, expected] = per_command[tag.substr(0, colon)];
                ++count;
                expected = std::stoi(tag.substr(slash + 1));
            }
        }
        for (const auto& [command, counts] : per_command) {
            EXPECT_EQ(counts.first, counts.second)
              << "partial append " << command << " in round " << round;
        }
        auto report = infra::verify_chains(**log);
        ASSERT_TRUE(report.has_value());
        ASSERT_FALSE(report->first_broken.has_value())
          << report->first_broken->reason << " in round " << round;
    }
    EXPECT_GT(all_acked.size(), static_cast<std::size_t>(k_rounds));
}

TEST(EmbeddedLogCrash, AcknowledgedAppendsSurviveSigkillAndNoneIsPartial)
{
    crash_rounds(nullptr);
}

// The same through pipelined lanes: a task's result is released only once
// its append is durable, though the lane ordered later appends on it.
TEST(EmbeddedLogCrash, PipelinedLanesAcknowledgeOnlyDurableAppends)
{
    crash_rounds("pipelined");
}

} // namespace

// --- Personal data: sealed per subject, erased with its key -------------------

namespace {

std::string
email_in(const events::recorded_event& e)
{
    auto env = events::envelope::decode(e.envelope_bytes);
    EXPECT_TRUE(env.has_value());
    auto p = env->reader().getPayload();
    if (p.which() == schema::Event::ACCOUNT &&
        p.getAccount().which() == schema::AccountEvent::CREATED) {
        return p.getAccount().getCreated().getEmail().cStr();
    }
    return p.getReminder().getSent().getRecipientEmail().cStr();
}

/// Every byte of every file under `dir`.
bool
some_file_contains(const std::filesystem::path& dir, const std::string& needle)
{
    for (const auto& f : std::filesystem::recursive_directory_iterator(dir)) {
        if (!f.is_regular_file()) {
            continue;
        }
        std::ifstream in(f.path(), std::ios::binary);
        std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        if (bytes.find(needle) != std::string::npos) {
            return true;
        }
    }
    return false;
}

/// The stored key of `subject` (the log closed).
std::string
stored_key(const std::filesystem::path& dir, const std::string& subject)
{
    rocksdb::DB* raw = nullptr;
    std::vector<rocksdb::ColumnFamilyHandle*> handles;
    auto cfs = log_families();
    EXPECT_TRUE(
      rocksdb::DB::OpenForReadOnly(rocksdb::DBOptions(), dir.string(), cfs, &handles, &raw).ok());
    std::string value;
    if (raw != nullptr) {
        EXPECT_TRUE(raw->Get(rocksdb::ReadOptions(), handles[5], subject, &value).ok());
        for (auto* h : handles) {
            raw->DestroyColumnFamilyHandle(h);
        }
        delete raw;
    }
    return value;
}

} // namespace

TEST(EmbeddedLogPersonalData, IsSealedOnDiskAndReadBackInTheClear)
{
    temp_dir dir;
    auto log = infra::open_embedded_log({ .dir = dir.path() });
    ASSERT_TRUE(log.has_value());
    ASSERT_TRUE(
      (*log)->append(personal_request("account-a1", account_created("erika@example.org"))));

    auto stream = (*log)->read_stream("account-a1");
    ASSERT_TRUE(stream.has_value());
    EXPECT_EQ(email_in(stream->at(0)), "erika@example.org");
    auto all = (*log)->read_all(events::position{ 0 }, 10);
    EXPECT_EQ(email_in(all->at(0)), "erika@example.org");
    std::mutex mu;
    std::vector<std::string> seen;
    auto sub = (*log)->subscribe(events::position{ 0 }, [&](const events::recorded_event& e) {
        std::lock_guard lock(mu);
        seen.push_back(email_in(e));
        return result<void>{};
    });
    ASSERT_TRUE(sub.has_value());
    ASSERT_TRUE(wait_until([&] {
        std::lock_guard lock(mu);
        return !seen.empty();
    }));
    (*sub)->stop();
    EXPECT_EQ(seen.at(0), "erika@example.org");

    // As stored: sealed, the field empty; what the hash chain covers.
    auto stored = (*log)->read_all_stored(events::position{ 0 }, 10);
    EXPECT_EQ(email_in(stored->at(0)), "");
    EXPECT_EQ(stored->at(0).envelope_bytes.find("erika@example.org"), std::string::npos);
    EXPECT_TRUE(infra::has_sealed_personal_data(stored->at(0).envelope_bytes));
    log->reset();
    EXPECT_FALSE(some_file_contains(dir.path(), "erika@example.org"));
    EXPECT_EQ(stored_key(dir.path(), "account-a1").size(), infra::k_subject_key_bytes);
}

TEST(EmbeddedLogPersonalData, ErasingTheSubjectDestroysItsKeyForEveryReaderAndInTheFiles)
{
    temp_dir dir;
    {
        auto log = infra::open_embedded_log({ .dir = dir.path() });
        ASSERT_TRUE(log.has_value());
        ASSERT_TRUE(
          (*log)->append(personal_request("account-a1", account_created("erika@example.org"))));
        // Another subject stays readable.
        auto other = personal_request("account-b2", account_created("bernd@example.org"));
        ASSERT_TRUE((*log)->append(std::move(other)));
    }
    auto key = stored_key(dir.path(), "account-a1");
    ASSERT_EQ(key.size(), infra::k_subject_key_bytes);
    ASSERT_TRUE(some_file_contains(dir.path(), key));
    {
        auto log = infra::open_embedded_log({ .dir = dir.path() });
        ASSERT_TRUE(log.has_value());
        EXPECT_EQ((*log)->erasure_epoch(), 0U);
        // A subscriber whose chunk is cached before the erasure.
        auto before = (*log)->read_all(events::position{ 0 }, 10);
        EXPECT_EQ(email_in(before->at(0)), "erika@example.org");
        ASSERT_TRUE((*log)->append(personal_request("account-a1", account_erased())));
        EXPECT_EQ((*log)->erasure_epoch(), 1U);

        auto stream = (*log)->read_stream("account-a1");
        EXPECT_EQ(email_in(stream->at(0)), "");
        auto all = (*log)->read_all(events::position{ 0 }, 10);
        EXPECT_EQ(email_in(all->at(0)), "");
        EXPECT_EQ(email_in(all->at(1)), "bernd@example.org");
        std::mutex mu;
        std::vector<std::string> seen;
        auto sub = (*log)->subscribe(events::position{ 0 }, [&](const events::recorded_event& e) {
            std::lock_guard lock(mu);
            seen.push_back(e.stream == "account-a1" && e.version == 1 ? email_in(e) : "-");
            return result<void>{};
        });
        ASSERT_TRUE(wait_until([&] {
            std::lock_guard lock(mu);
            return seen.size() == 3;
        }));
        (*sub)->stop();
        EXPECT_EQ(seen.at(0), "");

        // New personal data of the erased subject is dropped, not sealed anew.
        auto reminder = events::event_payload::build([](schema::Event::Builder e) {
            auto m = e.initReminder().initSent();
            m.setRecipientAccountId("a1");
            m.setRecipientEmail("erika@example.org");
        });
        ASSERT_TRUE((*log)->append(personal_request("reminder-r1", reminder)));
        auto r = (*log)->read_stream("reminder-r1");
        EXPECT_EQ(email_in(r->at(0)), "");
        auto raw = (*log)->read_all_stored(events::position{ 3 }, 1);
        EXPECT_FALSE(infra::has_sealed_personal_data(raw->at(0).envelope_bytes));

        // The chains still verify: they cover the stored, sealed bytes.
        auto report = infra::verify_chains(**log);
        ASSERT_TRUE(report.has_value());
        EXPECT_FALSE(report->first_broken.has_value()) << report->first_broken->reason;
        EXPECT_EQ(report->events, 4U);
    }
    // The key is gone from every file of the log (write-ahead log and
    // tables), the erasure marker stays.
    EXPECT_EQ(stored_key(dir.path(), "account-a1"), "");
    EXPECT_FALSE(some_file_contains(dir.path(), key));
    {
        auto log = infra::open_embedded_log({ .dir = dir.path() });
        ASSERT_TRUE(log.has_value());
        auto stream = (*log)->read_stream("account-a1");
        EXPECT_EQ(email_in(stream->at(0)), "");
        EXPECT_EQ(email_in((*log)->read_stream("account-b2")->at(0)), "bernd@example.org");
    }
}

TEST(EmbeddedLogPersonalData, AnErasureEmptiesTheStateCacheAndTheSnapshots)
{
    temp_dir dir;
    auto log = infra::open_embedded_log({ .dir = dir.path() / "log" });
    ASSERT_TRUE(log.has_value());
    auto store = infra::open_kv_store({ .dir = dir.path() / "read" });
    ASSERT_TRUE(store.has_value());
    auto cached = infra::make_caching_log(**log, 16, { .store = store->get(), .interval = 1 });
    auto state = std::make_shared<const int>(7);
    auto keep = [&](const std::string& stream) {
        EXPECT_FALSE(cached->find_state(stream, typeid(int)).has_value());
        cached->store_state(stream, typeid(int), { state, 1, 0, 0 });
        cached->store_snapshot(stream, "t", { "bytes", 1 });
    };
    keep("account-a1");
    keep("exam-e1"); // may hold the subject's data too (a trainee's name)
    ASSERT_TRUE(cached->find_state("exam-e1", typeid(int)).has_value());
    ASSERT_TRUE(cached->find_snapshot("exam-e1", "t").has_value());

    ASSERT_TRUE(cached->append(personal_request("account-a1", account_erased())));
    EXPECT_FALSE(cached->find_state("exam-e1", typeid(int)).has_value());
    EXPECT_FALSE(cached->find_snapshot("exam-e1", "t").has_value());
    EXPECT_FALSE(cached->find_snapshot("account-a1", "t").has_value());

    // A state looked up before the next erasure and stored after it is not
    // kept (it may have been folded from personal data now erased).
    EXPECT_FALSE(cached->find_state("exam-e1", typeid(int)).has_value());
    ASSERT_TRUE(cached->append(personal_request("account-b2", account_erased())));
    cached->store_state("exam-e1", typeid(int), { state, 1, 0, 0 });
    cached->store_snapshot("exam-e1", "t", { "bytes", 1 });
    EXPECT_FALSE(cached->find_state("exam-e1", typeid(int)).has_value());
    EXPECT_FALSE(cached->find_snapshot("exam-e1", "t").has_value());
    // Stored after a lookup under the current epoch, it is.
    cached->store_state("exam-e1", typeid(int), { state, 1, 0, 0 });
    EXPECT_TRUE(cached->find_state("exam-e1", typeid(int)).has_value());
}
