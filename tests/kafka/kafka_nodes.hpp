#pragma once

// Many `portal serve --kafka` processes on one real broker: the harness of
// kafka_portal_test.cpp and kafka_mail_test.cpp. Each test gets its own topic
// prefix (so its own processors' group) and data directories; every node
// shares the first node's secret.key (the portal refuses another one).

#include "gateway_env.hpp"
#include "kafka_test_env.hpp"
#include "portal/infra/secrets.hpp"
#include "portal_process.hpp"
#include "process.hpp"
#include "test_support.hpp"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <cctype>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <random>
#include <regex>
#include <sstream>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace portal::testing::kafka_nodes {

inline const std::string k_portal = PORTAL_BINARY;
inline constexpr const char* k_password = "Kafka-Test-Passwort";
inline constexpr const char* k_staff = "staff@ihk.example";
inline constexpr std::uint32_t k_partitions = 4;

/// One `portal serve --kafka` instance: its data directory, port, process
/// and signed-in staff token.
struct node
{
    std::string name;
    std::filesystem::path dir;
    unsigned short port = 0;
    std::unique_ptr<portal_process> process;
    std::string staff;

    /// The token of the first mail file to `recipient` with a link to
    /// `path` (instances without --smtp-url write mail files).
    std::string mail_link_token(const std::string& recipient, const std::string& path)
    {
        std::string token;
        const std::regex token_re(path + "\\?token=([A-Za-z0-9_-]+)");
        bool ok = wait_until(
          [&] {
              std::error_code ec;
              for (const auto& f : std::filesystem::directory_iterator(dir / "mail", ec)) {
                  auto text = read_mail_text(f.path());
                  std::smatch m;
                  if (text.find(recipient) != std::string::npos &&
                      std::regex_search(text, m, token_re)) {
                      token = m[1];
                      return true;
                  }
              }
              return false;
          },
          std::chrono::seconds{ 30 });
        EXPECT_TRUE(ok) << "no mail with a " << path << " link to " << recipient << " in " << name;
        return token;
    }
};

/// Signs in on the instance at `port`, waiting until its read models know
/// the account (another instance may have written it a moment ago).
inline std::string
login(unsigned short port, const std::string& email, const std::string& password)
{
    http_reply r;
    wait_until([&] {
        http_client c(port);
        r = c.post("/api/v1/session", json_text({ { "login", email }, { "password", password } }));
        if (r.status == 200U || r.status == 429U) {
            return true;
        }
        // Gently: failed logins count against the rate limit.
        std::this_thread::sleep_for(std::chrono::milliseconds(500));
        return false;
    });
    EXPECT_EQ(r.status, 200U) << email << ": " << r.body;
    return r.str("token");
}

/// The fixture: a topic prefix, a temporary directory and the nodes.
class cluster_test : public ::testing::Test
{
  protected:
    void SetUp() override
    {
        brokers_ = kafka_brokers();
        prefix_ = kafka_topic_prefix();
    }

    /// The Kafka flags of an instance (or of `portal staff add`) `name`.
    std::vector<std::string> kafka_args(const std::string& name) const
    {
        return { "--kafka",
                 brokers_,
                 "--kafka-prefix",
                 prefix_,
                 "--kafka-partitions",
                 std::to_string(k_partitions),
                 "--instance",
                 name,
                 "--kafka-session-timeout-ms",
                 "6000" };
    }

    /// Creates the staff account through Kafka (in the first node's data
    /// directory, whose secret.key every node then shares).
    void add_staff(const std::filesystem::path& first_dir)
    {
        std::vector<std::string> args{ "staff",   "add",   "--data-dir",  first_dir.string(),
                                       "--login", k_staff, "--log-level", "warn" };
        auto extra = kafka_args("staff");
        args.insert(args.end(), extra.begin(), extra.end());
        auto r = run_process(k_portal, args, std::string(k_password) + "\n");
        ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
        std::ifstream key_in(first_dir / "secret.key", std::ios::binary);
        key_ =
          std::string((std::istreambuf_iterator<char>(key_in)), std::istreambuf_iterator<char>());
    }

    /// Adds a node (not started).
    node& add_node(const std::string& name)
    {
        auto& n = nodes_.emplace_back(std::make_unique<node>());
        n->name = name;
        n->dir = dir_.path() / name;
        std::filesystem::create_directories(n->dir);
        n->port = free_port();
        return *n;
    }

    /// Starts `n` with the first node's secret key and `extra` flags, waits
    /// until it is ready and signs the staff account in.
    void start(node& n, const std::vector<std::string>& extra)
    {
        if (n.dir != nodes_.front()->dir) {
            std::filesystem::copy_file(nodes_.front()->dir / "secret.key",
                                       n.dir / "secret.key",
                                       std::filesystem::copy_options::overwrite_existing);
        }
        auto args = kafka_args(n.name);
        args.insert(args.end(), { "--no-reminders", "--web-root", "none" });
        args.insert(args.end(), extra.begin(), extra.end());
        n.process = std::make_unique<portal_process>(k_portal, n.dir, n.port, args);
        ASSERT_TRUE(n.process->wait_ready())
          << n.name << " did not start; see " << (n.dir / "serve.log").string();
        // Its read models have caught up with the log it mirrored at start.
        EXPECT_TRUE(wait_until([&] { return http_client(n.port).get("/readyz").status == 200; }));
        n.staff = login(n.port, k_staff, k_password);
    }

    node& at(std::size_t i) { return *nodes_.at(i); }

    /// The account id of a login (as the portal derives it).
    std::string account_id(const std::string& email) const
    {
        return infra::login_account_id(email, key_);
    }

    /// Every record of the events topic as (key, type header).
    std::vector<std::pair<std::string, std::string>> events_topic() const
    {
        auto r = run_process("/usr/bin/kcat",
                             { "-C",
                               "-b",
                               brokers_,
                               "-t",
                               prefix_ + ".events",
                               "-X",
                               "isolation.level=read_committed",
                               "-e",
                               "-q",
                               "-f",
                               "%k\t%h\n" });
        EXPECT_EQ(r.exit_code, 0) << r.err;
        std::vector<std::pair<std::string, std::string>> out;
        std::istringstream lines(r.out);
        std::string line;
        static const std::regex type_re("(^|,)type=([a-z_.]+)");
        while (std::getline(lines, line)) {
            auto tab = line.find('\t');
            if (tab == std::string::npos) {
                continue;
            }
            std::smatch m;
            auto headers = line.substr(tab + 1);
            std::string type = std::regex_search(headers, m, type_re) ? m[2].str() : "";
            out.emplace_back(line.substr(0, tab), type);
        }
        return out;
    }

    std::string brokers_;
    std::string prefix_;
    std::string key_;
    temp_dir dir_;
    std::vector<std::unique_ptr<node>> nodes_;
};

} // namespace portal::testing::kafka_nodes
