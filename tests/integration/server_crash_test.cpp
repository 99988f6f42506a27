// Crash test of the whole server (issue #4): `portal serve` is killed with
// SIGKILL at random moments while clients send commands over HTTP. After
// every restart no acknowledged command is lost (it is in the log, and
// repeating it with its Idempotency-Key returns the first result instead of
// a conflict), none is applied twice, and at the end every read model
// equals a rebuild from position 0 and every hash chain verifies.

#include "gateway_env.hpp"
#include "portal/infra/kv_store.hpp"
#include "portal_process.hpp"
#include "process.hpp"
#include "test_support.hpp"

#include <boost/asio.hpp>
#include <gtest/gtest.h>

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <thread>

namespace portal::testing {
namespace {

const std::string k_portal = PORTAL_BINARY;
constexpr const char* k_staff_password = "Crash-Test-Passwort";

std::string
login(unsigned short port)
{
    http_client c(port);
    auto r =
      c.post("/api/v1/session",
             json_text({ { "login", "crash@ihk.example" }, { "password", k_staff_password } }));
    EXPECT_EQ(r.status, 200U) << r.body;
    return r.str("token");
}

/// Every key and value of the read models (`m/` and `c/` keys).
std::map<std::string, std::string>
dump_read_models(const std::filesystem::path& data_dir)
{
    std::map<std::string, std::string> out;
    auto store = infra::open_kv_store({ .dir = data_dir / "read" });
    EXPECT_TRUE(store.has_value());
    if (!store) {
        return out;
    }
    for (auto prefix : { "m/" }) {
        auto scanned = (*store)->scan_prefix(prefix, [&](std::string_view k, std::string_view v) {
            out.emplace(std::string(k), std::string(v));
            return true;
        });
        EXPECT_TRUE(scanned.has_value());
    }
    return out;
}

struct command_record
{
    std::string key;
    std::string email;
    bool acknowledged = false;
    std::string position;
};

TEST(ServerCrash, KilledUnderCommandLoadLosesAndDuplicatesNothing)
{
    temp_dir dir;
    auto staff = run_process(
      k_portal,
      { "staff", "add", "--data-dir", dir.path().string(), "--login", "crash@ihk.example" },
      std::string(k_staff_password) + "\n");
    ASSERT_EQ(staff.exit_code, 0) << staff.err;
    auto port = free_port();
    std::mt19937 rng(20261128);
    std::mutex mu;
    std::vector<command_record> commands;
    std::atomic<int> next{ 0 };
    constexpr int k_rounds = 20;
    constexpr int k_clients = 4;
    for (int round = 0; round < k_rounds; ++round) {
        portal_process server(k_portal, dir.path(), port);
        ASSERT_TRUE(server.wait_ready()) << "round " << round;
        auto token = login(port);
        std::atomic<bool> stop{ false };
        std::vector<std::thread> clients;
        for (int t = 0; t < k_clients; ++t) {
            clients.emplace_back([&] {
                try {
                    http_client c(port);
                    while (!stop.load()) {
                        int n = next.fetch_add(1);
                        command_record rec;
                        rec.key = "crash-" + std::to_string(n);
                        rec.email = "person" + std::to_string(n) + "@firma.example";
                        std::size_t index = 0;
                        {
                            std::lock_guard lock(mu);
                            index = commands.size();
                            commands.push_back(rec);
                        }
                        auto r = c.post("/api/v1/accounts",
                                        json_text({ { "role", "auditor" },
                                                    { "name", "Person " + std::to_string(n) },
                                                    { "email", rec.email } }),
                                        token,
                                        { { "Idempotency-Key", rec.key } });
                        if (r.status == 201) {
                            std::lock_guard lock(mu);
                            commands[index].acknowledged = true;
                            commands[index].position = r.str("position");
                        }
                    }
                } catch (const std::exception&) {
                    // The server died under us: expected.
                }
            });
        }
        std::uniform_int_distribution<int> wait_ms(50, 400);
        std::this_thread::sleep_for(std::chrono::milliseconds{ wait_ms(rng) });
        server.kill_now();
        stop.store(true);
        for (auto& t : clients) {
            t.join();
        }
    }
    // Restart: every command again with its key. Acknowledged ones must come
    // back as their first result; the others are applied at most once.
    std::size_t acknowledged = 0;
    {
        portal_process server(k_portal, dir.path(), port);
        ASSERT_TRUE(server.wait_ready());
        auto token = login(port);
        http_client c(port);
        for (const auto& rec : commands) {
            auto r = c.post(
              "/api/v1/accounts",
              json_text({ { "role", "auditor" }, { "name", "Person" }, { "email", rec.email } }),
              token,
              { { "Idempotency-Key", rec.key } });
            EXPECT_EQ(r.status, 201U) << rec.key << ": " << r.body;
            if (rec.acknowledged) {
                ++acknowledged;
                EXPECT_EQ(r.str("position"), rec.position) << rec.key;
            }
        }
        auto ready = wait_until([&] { return c.get("/readyz").status == 200; });
        EXPECT_TRUE(ready);
        EXPECT_EQ(server.terminate(), 0);
    }
    EXPECT_GT(acknowledged, static_cast<std::size_t>(k_rounds));
    // Each account was created exactly once.
    auto exported = run_process(k_portal, { "export", "--data-dir", dir.path().string() });
    ASSERT_EQ(exported.exit_code, 0) << exported.err;
    std::map<std::string, int> created;
    std::istringstream lines(exported.out);
    std::string line;
    while (std::getline(lines, line)) {
        auto v = boost::json::parse(line);
        if (v.at("name").as_string() == "account.created") {
            ++created[std::string(v.at("envelope").at("streamId").as_string())];
        }
    }
    EXPECT_EQ(created.size(), commands.size() + 1); // + the staff account
    for (const auto& [stream, n] : created) {
        EXPECT_EQ(n, 1) << stream;
    }
    auto verified = run_process(k_portal, { "verify", "--data-dir", dir.path().string() });
    EXPECT_EQ(verified.exit_code, 0) << verified.out << verified.err;
    // The read models equal a rebuild from position 0.
    auto served = dump_read_models(dir.path());
    auto replayed = run_process(k_portal, { "replay", "--data-dir", dir.path().string() });
    ASSERT_EQ(replayed.exit_code, 0) << replayed.err;
    auto rebuilt = dump_read_models(dir.path());
    EXPECT_EQ(served.size(), rebuilt.size());
    EXPECT_TRUE(served == rebuilt);
}

} // namespace
} // namespace portal::testing
