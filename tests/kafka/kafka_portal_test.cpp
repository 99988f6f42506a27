// Many `portal serve --kafka` processes on one real broker (issue 6): the main
// flows with commands sent to either instance and reads from both; failover
// after SIGKILL under command load; a paused-then-resumed old owner; and a
// broker restart under load. Each test has its own topic prefix (so its own
// processors' group) and data directories; nothing acknowledged may be lost
// or applied twice, which the tests check on the events topic itself (kcat),
// with a reader of the Kafka log that verifies every hash chain, and by
// repeating acknowledged commands with their Idempotency-Key.

#include "kafka_nodes.hpp"
#include "portal/events/partition.hpp"
#include "portal/infra/kafka_log.hpp"
#include "portal/infra/secrets.hpp"
#include "portal/infra/verify.hpp"
#include "portal_process.hpp"
#include "process.hpp"
#include "test_support.hpp"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <signal.h>

#include <atomic>
#include <cctype>
#include <cstdlib>
#include <fstream>
#include <map>
#include <mutex>
#include <random>
#include <regex>
#include <set>
#include <thread>

namespace portal::testing {
namespace {

namespace json = boost::json;

using namespace kafka_nodes;

const std::string k_kafka_script = PORTAL_KAFKA_SCRIPT;

class KafkaPortal : public cluster_test
{
  protected:
    void start(node& n) { cluster_test::start(n, { "--workers", "16" }); }

    /// Two started nodes `a` and `b` with a staff account.
    void start_two()
    {
        auto& a = add_node("a");
        add_node("b");
        add_staff(a.dir);
        start(*nodes_[0]);
        start(*nodes_[1]);
    }

    /// Opens a reader of the Kafka log (owns nothing), mirrors everything
    /// committed and verifies every hash chain; returns the streams'
    /// versions.
    std::map<std::string, std::uint64_t> verify_topic()
    {
        infra::kafka_log_options o;
        o.brokers = brokers_;
        o.topic_prefix = prefix_;
        o.partitions = k_partitions;
        o.instance = "verifier";
        o.mirror_dir = dir_.path() / "verifier";
        o.sync = false;
        o.owned = std::vector<std::uint32_t>{};
        auto log = infra::open_kafka_log(o);
        EXPECT_TRUE(log.has_value()) << log.error().message;
        std::map<std::string, std::uint64_t> out;
        if (!log) {
            return out;
        }
        // Every committed event (one record each) is mirrored.
        auto records = events_topic().size();
        EXPECT_TRUE(wait_until([&] { return (*log)->last_position().value >= records; }))
          << (*log)->last_position().value << " of " << records;
        auto all = (*log)->read_all(events::position{}, SIZE_MAX);
        EXPECT_TRUE(all.has_value());
        for (const auto& e : all ? *all : std::vector<events::recorded_event>{}) {
            out[e.stream] = std::max(out[e.stream], e.version);
        }
        auto report = infra::verify_chains(**log);
        EXPECT_TRUE(report.has_value());
        if (report) {
            EXPECT_FALSE(report->first_broken.has_value()) << report->first_broken->reason;
        }
        return out;
    }

    /// Checks that each acknowledged account appears exactly once in the
    /// topic, that no account appears twice, and that the hash chains hold.
    void check_accounts(const std::map<std::string, std::string>& acknowledged_ids)
    {
        std::map<std::string, int> created;
        for (const auto& [key, type] : events_topic()) {
            if (type == "account.created") {
                ++created[key];
            }
        }
        for (const auto& [stream, n] : created) {
            EXPECT_EQ(n, 1) << stream << " created " << n << " times";
        }
        for (const auto& [email, id] : acknowledged_ids) {
            EXPECT_EQ(created.count("account-" + id) + created.count(id), 1U)
              << "acknowledged account " << email << " (" << id << ") is not in the topic";
        }
        verify_topic();
    }
};

/// Clients that create auditor accounts (each with its Idempotency-Key)
/// through the given ports until stopped; what was acknowledged.
class account_load
{
  public:
    struct record
    {
        std::string key;
        std::string email;
        std::string id;
        unsigned short port = 0;
        bool acknowledged = false;
    };

    account_load(std::vector<std::pair<unsigned short, std::string>> targets, std::string tag)
      : targets_(std::move(targets))
      , tag_(std::move(tag))
    {
        for (std::size_t t = 0; t < targets_.size() * 2; ++t) {
            threads_.emplace_back([this, t] { run(targets_[t % targets_.size()]); });
        }
    }
    ~account_load() { stop(); }

    void stop()
    {
        stopping_ = true;
        for (auto& t : threads_) {
            if (t.joinable()) {
                t.join();
            }
        }
    }

    /// Acknowledged so far.
    std::size_t acknowledged() const
    {
        std::lock_guard lock(mu_);
        std::size_t n = 0;
        for (const auto& r : records_) {
            n += r.acknowledged ? 1 : 0;
        }
        return n;
    }

    std::vector<record> records() const
    {
        std::lock_guard lock(mu_);
        return records_;
    }

  private:
    void run(std::pair<unsigned short, std::string> target)
    {
        try {
            http_client c(target.first);
            while (!stopping_) {
                int n = next_.fetch_add(1);
                record rec;
                rec.key = fmt::format("{}-{}", tag_, n);
                rec.email = fmt::format("{}-{}@firma.example", tag_, n);
                rec.port = target.first;
                auto r = c.post("/api/v1/accounts",
                                json_text({ { "role", "auditor" },
                                            { "name", fmt::format("Person {}", n) },
                                            { "email", rec.email } }),
                                target.second,
                                { { "Idempotency-Key", rec.key } });
                if (r.status == 201) {
                    rec.acknowledged = true;
                    rec.id = r.str("id");
                }
                std::lock_guard lock(mu_);
                records_.push_back(std::move(rec));
            }
        } catch (const std::exception&) {
            // The instance died under this client: expected in some tests.
        }
    }

    std::vector<std::pair<unsigned short, std::string>> targets_;
    std::string tag_;
    std::atomic<bool> stopping_{ false };
    std::atomic<int> next_{ 0 };
    mutable std::mutex mu_;
    std::vector<record> records_;
    std::vector<std::thread> threads_;
};

/// Repeats every acknowledged creation with its key on `port`: the first
/// result must come back (the survivor knows it); returns email -> id.
std::map<std::string, std::string>
confirm(unsigned short port, const std::string& staff, const std::vector<account_load::record>& rs)
{
    std::map<std::string, std::string> ids;
    http_client c(port);
    for (const auto& rec : rs) {
        if (!rec.acknowledged) {
            continue;
        }
        auto r =
          c.post("/api/v1/accounts",
                 json_text({ { "role", "auditor" }, { "name", "Person" }, { "email", rec.email } }),
                 staff,
                 { { "Idempotency-Key", rec.key } });
        EXPECT_EQ(r.status, 201U) << rec.key << ": " << r.body;
        EXPECT_EQ(r.str("id"), rec.id) << rec.key;
        ids[rec.email] = rec.id;
    }
    return ids;
}

json::object
week(int w)
{
    return json::object{ { "kind", "week" }, { "year", 2026 }, { "week", w } };
}

/// Waits until `path` answers 200 on `port` (the instance's read model has
/// it); returns the last reply.
http_reply
wait_get(unsigned short port,
         const std::string& path,
         const std::string& token,
         const std::function<bool(const http_reply&)>& done = {})
{
    http_reply last;
    bool ok = wait_until(
      [&] {
          http_client c(port);
          last = c.get(path, token);
          return last.status == 200 && (!done || done(last));
      },
      std::chrono::seconds{ 30 });
    EXPECT_TRUE(ok) << "GET " << path << " on " << port << ": " << last.status << " " << last.body;
    return last;
}

TEST_F(KafkaPortal, TwoInstancesServeTheMainFlowWithCommandsToEitherAndReadsFromBoth)
{
    start_two();
    auto& a = at(0);
    auto& b = at(1);
    http_client ca(a.port);
    http_client cb(b.port);

    // Staff registers the company on a, its trainer on b, the contract on a.
    auto company = ca.post("/api/v1/companies",
                           json_text({ { "name", "Muster Maschinenbau GmbH" },
                                       { "memberNumber", "4711" },
                                       { "email", "ausbildung@muster.example" },
                                       { "address",
                                         json::object{ { "street", "Industriestraße 12" },
                                                       { "zip", "86153" },
                                                       { "town", "Augsburg" } } } }),
                           a.staff);
    ASSERT_EQ(company.status, 201U) << company.body;
    auto company_id = company.str("id");
    wait_get(b.port, "/api/v1/companies/" + company_id, b.staff);
    auto trainer =
      cb.post("/api/v1/companies/" + company_id + "/trainers",
              json_text({ { "name", "Thomas Berger" }, { "email", "ausbilder@muster.example" } }),
              b.staff);
    ASSERT_EQ(trainer.status, 201U) << trainer.body;
    auto trainer_id = trainer.str("id");
    wait_get(a.port, "/api/v1/companies/" + company_id, a.staff, [&](const http_reply& r) {
        return r.body.find(trainer_id) != std::string::npos;
    });
    auto contract = ca.post("/api/v1/contracts",
                            json_text({ { "companyId", company_id },
                                        { "trainee",
                                          json::object{ { "name", "Lena Hoffmann" },
                                                        { "birthDate", "2007-03-14" },
                                                        { "email", "azubi@muster.example" } } },
                                        { "occupation", "Industriemechaniker/-in" },
                                        { "start", "2025-09-01" },
                                        { "end", "2028-08-31" },
                                        { "recordForm", "electronic" },
                                        { "trainerIds", json::array{ json::value(trainer_id) } } }),
                            a.staff);
    ASSERT_EQ(contract.status, 201U) << contract.body;
    auto contract_id = contract.str("id");

    // The company account (invited by the contract's registration) is
    // activated on b from b's mail; it creates the trainer's and the
    // trainee's accounts there.
    auto company_token = b.mail_link_token("ausbildung@muster.example", "/activate");
    ASSERT_FALSE(company_token.empty());
    auto activated = cb.post("/api/v1/accounts/activate",
                             json_text({ { "token", company_token }, { "password", k_password } }));
    ASSERT_EQ(activated.status, 200U) << activated.body;
    auto company_session = login(b.port, "ausbildung@muster.example", k_password);
    wait_get(b.port, "/api/v1/contracts/" + contract_id, b.staff);
    auto trainer_account =
      cb.post("/api/v1/companies/" + company_id + "/trainers/" + trainer_id + "/account",
              "",
              company_session);
    ASSERT_EQ(trainer_account.status, 201U) << trainer_account.body;
    auto trainee_account = cb.post("/api/v1/contracts/" + contract_id + "/trainee-account",
                                   R"({"email":"azubi@muster.example"})",
                                   company_session);
    ASSERT_EQ(trainee_account.status, 201U) << trainee_account.body;
    auto settings = cb.put("/api/v1/companies/" + company_id + "/record-settings",
                           R"({"occupation":"*","electronic":true,"reminders":false})",
                           company_session);
    ASSERT_EQ(settings.status, 200U) << settings.body;

    // The trainee activates on a (from a's mail), drafts on a, submits on b.
    auto trainee_token = a.mail_link_token("azubi@muster.example", "/activate");
    ASSERT_FALSE(trainee_token.empty());
    ASSERT_EQ(ca.post("/api/v1/accounts/activate",
                      json_text({ { "token", trainee_token }, { "password", k_password } }))
                .status,
              200U);
    auto trainee_a = login(a.port, "azubi@muster.example", k_password);
    auto trainee_b = login(b.port, "azubi@muster.example", k_password);
    wait_get(a.port, "/api/v1/contracts/" + contract_id, trainee_a);
    wait_get(a.port, "/api/v1/companies/" + company_id, a.staff, [](const http_reply& r) {
        return r.body.find("\"electronic\":true") != std::string::npos;
    });
    auto draft =
      ca.post("/api/v1/contracts/" + contract_id + "/reports",
              json_text({ { "period", week(45) },
                          { "entries",
                            json::array{ json::object{ { "kind", "company" },
                                                       { "text", "Drehmaschine eingerichtet" },
                                                       { "hours", 7.5 } } } },
                          { "absences", json::array{} } }),
              trainee_a);
    ASSERT_EQ(draft.status, 201U) << draft.body;
    auto report_id = draft.str("id");
    wait_get(b.port, "/api/v1/reports/" + report_id, trainee_b);
    auto submitted = cb.post("/api/v1/reports/" + report_id + "/submit",
                             json_text({ { "approverEmail", "ausbilder@muster.example" } }),
                             trainee_b);
    ASSERT_EQ(submitted.status, 200U) << submitted.body;

    // The trainer activates on b and approves on a.
    auto trainer_token = b.mail_link_token("ausbilder@muster.example", "/activate");
    ASSERT_FALSE(trainer_token.empty());
    ASSERT_EQ(cb.post("/api/v1/accounts/activate",
                      json_text({ { "token", trainer_token }, { "password", k_password } }))
                .status,
              200U);
    auto trainer_a = login(a.port, "ausbilder@muster.example", k_password);
    wait_get(a.port, "/api/v1/reports/" + report_id, trainer_a, [](const http_reply& r) {
        return r.str("status") == "submitted";
    });
    auto approved = ca.post("/api/v1/reports/" + report_id + "/approve", "{}", trainer_a);
    ASSERT_EQ(approved.status, 200U) << approved.body;

    // Both instances' read models have the approved record.
    for (auto* n : { &a, &b }) {
        auto token = login(n->port, "azubi@muster.example", k_password);
        auto read = wait_get(n->port, "/api/v1/reports/" + report_id, token, [](const auto& r) {
            return r.str("status") == "approved";
        });
        EXPECT_EQ(read.str("status"), "approved") << n->name;
    }
    verify_topic();
}

TEST_F(KafkaPortal, AWritesPositionTokenMakesEveryInstanceReadIt)
{
    start_two();
    auto& a = at(0);
    auto& b = at(1);
    const std::regex token_re("^[0-9]+:[0-9]+(,[0-9]+:[0-9]+)*$");
    // The token of a write's reply: partition offsets, in the header and
    // the body alike.
    auto token_of = [&](const http_reply& r) {
        auto token = r.header("portal-position");
        EXPECT_TRUE(std::regex_match(token, token_re)) << "'" << token << "'";
        EXPECT_EQ(r.str("position"), token);
        return token;
    };
    std::string last_company;
    // Each round writes on one instance and reads at once on the other with
    // the writer's token, without retrying: the answer includes the write.
    // The company is registered on one instance, its trainer on the other.
    for (int i = 0; i < 30; ++i) {
        auto& w = i % 2 == 0 ? a : b;
        auto& r = i % 2 == 0 ? b : a;
        http_client cw(w.port);
        http_client cr(r.port);
        auto company = cw.post("/api/v1/companies",
                               json_text({ { "name", fmt::format("Firma {} GmbH", i) },
                                           { "memberNumber", fmt::format("{}", 5000 + i) },
                                           { "email", fmt::format("firma{}@muster.example", i) },
                                           { "address",
                                             json::object{ { "street", "Hauptstraße 1" },
                                                           { "zip", "86150" },
                                                           { "town", "Augsburg" } } } }),
                               w.staff);
        ASSERT_EQ(company.status, 201U) << company.body;
        auto id = company.str("id");
        last_company = id;
        auto read = cr.get(
          "/api/v1/companies/" + id, r.staff, { { "Portal-Min-Position", token_of(company) } });
        ASSERT_EQ(read.status, 200U) << "round " << i << " on " << r.name << ": " << read.body;
        EXPECT_NE(read.body.find(fmt::format("Firma {} GmbH", i)), std::string::npos) << read.body;

        auto trainer =
          cr.post("/api/v1/companies/" + id + "/trainers",
                  json_text({ { "name", fmt::format("Trainer {}", i) },
                              { "email", fmt::format("trainer{}@muster.example", i) } }),
                  r.staff);
        ASSERT_EQ(trainer.status, 201U) << trainer.body;
        auto trainer_id = trainer.str("id");
        auto back = cw.get(
          "/api/v1/companies/" + id, w.staff, { { "Portal-Min-Position", token_of(trainer) } });
        ASSERT_EQ(back.status, 200U) << "round " << i << " on " << w.name << ": " << back.body;
        EXPECT_NE(back.body.find(trainer_id), std::string::npos)
          << "round " << i << ": " << w.name << " lacks the trainer " << r.name
          << " registered: " << back.body;
    }

    // What no write returned: 400 at once on either instance.
    for (auto* n : { &a, &b }) {
        http_client c(n->port);
        for (std::string bad : { "soon", "3:", "1:2,1:3", "2:1,1:1", "1:-1", "0:1, 1:2" }) {
            auto r = c.get(
              "/api/v1/companies/" + last_company, n->staff, { { "Portal-Min-Position", bad } });
            EXPECT_EQ(r.status, 400U) << bad << ": " << r.body;
            EXPECT_EQ(r.code(), "validation.position") << bad;
        }
        for (std::string beyond : std::vector<std::string>{
               "0:100000", fmt::format("{}:0", k_partitions), "1:0,3:999999", "99999999" }) {
            auto started = std::chrono::steady_clock::now();
            auto r = c.get(
              "/api/v1/companies/" + last_company, n->staff, { { "Portal-Min-Position", beyond } });
            EXPECT_EQ(r.status, 400U) << beyond << ": " << r.body;
            EXPECT_EQ(r.code(), "validation.position") << beyond;
            EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::milliseconds(1500))
              << beyond << " was waited for";
        }
    }
}

TEST_F(KafkaPortal, ASessionStartedOnOneInstanceWorksAtOnceOnTheOtherAndItsLogoutEverywhere)
{
    start_two();
    auto& a = at(0);
    auto& b = at(1);
    for (int i = 0; i < 6; ++i) {
        auto& in = i % 2 == 0 ? a : b;
        auto& other = i % 2 == 0 ? b : a;
        http_client c_in(in.port);
        http_client c_other(other.port);
        auto signed_in = c_in.post("/api/v1/session",
                                   json_text({ { "login", k_staff }, { "password", k_password } }));
        ASSERT_EQ(signed_in.status, 200U) << signed_in.body;
        auto token = signed_in.str("token");
        // At once on the other instance: no Portal-Min-Position, no retry.
        auto me = c_other.get("/api/v1/me", token);
        ASSERT_EQ(me.status, 200U) << "round " << i << " on " << other.name << ": " << me.body;
        EXPECT_EQ(c_in.get("/api/v1/me", token).status, 200U);
        // A logout on the other instance ends the session where it began
        // as soon as that instance has projected the end.
        EXPECT_EQ(c_other.del("/api/v1/session", token).status, 204U);
        EXPECT_EQ(c_other.get("/api/v1/me", token).status, 401U);
        EXPECT_TRUE(wait_until([&] { return c_in.get("/api/v1/me", token).status == 401U; },
                               std::chrono::seconds{ 10 }))
          << "round " << i << ": " << in.name << " still accepts a token ended on " << other.name;
    }
    // Tokens nobody issued are refused without a long wait.
    for (auto* n : { &a, &b }) {
        http_client c(n->port);
        for (const std::string& bad : { std::string("not-a-token"), std::string(43, 'x') }) {
            auto started = std::chrono::steady_clock::now();
            EXPECT_EQ(c.get("/api/v1/me", bad).status, 401U) << bad;
            EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::milliseconds(1500))
              << bad << " on " << n->name;
        }
    }
}

TEST_F(KafkaPortal, AKilledInstancesPartitionsMoveAndNothingAcknowledgedIsLostOrDuplicated)
{
    start_two();
    auto& a = at(0);
    auto& b = at(1);
    account_load load({ { a.port, a.staff }, { b.port, b.staff } }, "failover");
    ASSERT_TRUE(wait_until([&] { return load.acknowledged() >= 40; }, std::chrono::seconds{ 60 }));
    auto acknowledged_before = load.acknowledged();
    b.process->kill_now();
    auto killed = std::chrono::steady_clock::now();

    // The survivor serves every partition within 30 s: one account per
    // partition, through a.
    std::set<std::uint32_t> served;
    http_client c(a.port);
    for (int i = 0; served.size() < k_partitions && i < 200; ++i) {
        auto email = fmt::format("after-kill-{}@firma.example", i);
        auto p = events::partition_for(account_id(email), k_partitions);
        if (served.contains(p)) {
            continue;
        }
        auto r =
          c.post("/api/v1/accounts",
                 json_text({ { "role", "auditor" }, { "name", "Nach" }, { "email", email } }),
                 a.staff);
        ASSERT_EQ(r.status, 201U) << r.body;
        served.insert(p);
    }
    auto took = std::chrono::steady_clock::now() - killed;
    EXPECT_EQ(served.size(), k_partitions);
    EXPECT_LT(took, std::chrono::seconds{ 30 });
    std::cout << "every partition served by the survivor "
              << std::chrono::duration_cast<std::chrono::milliseconds>(took).count()
              << " ms after the kill\n";
    // The load goes on through the survivor (on a loaded machine that may
    // take a while after the takeover).
    EXPECT_TRUE(wait_until([&] { return load.acknowledged() > acknowledged_before; },
                           std::chrono::seconds{ 60 }));
    load.stop();

    auto records = load.records();
    auto ids = confirm(a.port, a.staff, records);
    EXPECT_GT(ids.size(), acknowledged_before);
    std::cout << ids.size() << " of " << records.size() << " commands acknowledged\n";
    check_accounts(ids);
}

TEST_F(KafkaPortal, APausedOwnerThatResumesAfterTheTakeoverCannotAppend)
{
    start_two();
    auto& a = at(0);
    auto& b = at(1);
    {
        account_load load({ { a.port, a.staff }, { b.port, b.staff } }, "zombie");
        ASSERT_TRUE(
          wait_until([&] { return load.acknowledged() >= 40; }, std::chrono::seconds{ 60 }));
        // Paused under load: its clients wait, its writers stand still.
        ASSERT_EQ(kill(b.process->pid(), SIGSTOP), 0);
        // a takes over every partition after the session timeout: then a
        // command for each partition succeeds through a alone.
        std::set<std::uint32_t> served;
        http_client c(a.port);
        for (int i = 0; served.size() < k_partitions && i < 200; ++i) {
            auto email = fmt::format("takeover-{}@firma.example", i);
            auto p = events::partition_for(account_id(email), k_partitions);
            if (served.contains(p)) {
                continue;
            }
            auto r =
              c.post("/api/v1/accounts",
                     json_text({ { "role", "auditor" }, { "name", "Neu" }, { "email", email } }),
                     a.staff);
            ASSERT_EQ(r.status, 201U) << r.body;
            served.insert(p);
        }
        ASSERT_EQ(served.size(), k_partitions);
        ASSERT_EQ(kill(b.process->pid(), SIGCONT), 0);
        // The resumed instance still serves: what it had in flight and what
        // it gets now goes to the new owners.
        http_client cb(b.port);
        auto r = cb.post(
          "/api/v1/accounts",
          json_text(
            { { "role", "auditor" }, { "name", "Z" }, { "email", "after-resume@x.example" } }),
          b.staff,
          { { "Idempotency-Key", "after-resume" } });
        EXPECT_EQ(r.status, 201U) << r.body;
        load.stop();
        auto ids = confirm(a.port, a.staff, load.records());
        EXPECT_GT(ids.size(), 40U);
        check_accounts(ids);
    }
    // The zombie's old transactional producers were fenced: b's log shows
    // it, when it had a transaction in flight at the pause, and nothing it
    // wrote after the takeover is in the topic (the checks above: every
    // account once, every chain intact).
    std::ifstream log(b.dir / "serve.log");
    std::string text((std::istreambuf_iterator<char>(log)), std::istreambuf_iterator<char>());
    std::cout << "b's log mentions fencing: " << (text.find("fenced") != std::string::npos) << "\n";
}

/// A port P on 127.0.0.1 with P and P + 1 free (scripts/kafka puts the
/// controller on P + 1), taken below the kernel's ephemeral range (32768 and
/// up) so that the client sockets of the tests running beside this one
/// cannot take P + 1 between this check and the broker's start.
unsigned short
free_port_pair()
{
    namespace ip = boost::asio::ip;
    boost::asio::io_context ioc;
    std::random_device seed;
    std::mt19937 rng(seed());
    std::uniform_int_distribution<int> pick(20000, 32000);
    for (int attempt = 0; attempt < 200; ++attempt) {
        auto port = static_cast<unsigned short>(pick(rng));
        boost::system::error_code ec;
        ip::tcp::acceptor first(ioc);
        ip::tcp::acceptor second(ioc);
        first.open(ip::tcp::v4(), ec);
        if (!ec) {
            first.bind({ ip::make_address("127.0.0.1"), port }, ec);
        }
        if (!ec) {
            second.open(ip::tcp::v4(), ec);
        }
        if (!ec) {
            second.bind({ ip::make_address("127.0.0.1"), static_cast<unsigned short>(port + 1) },
                        ec);
        }
        if (!ec) {
            return port;
        }
    }
    return free_port();
}

TEST_F(KafkaPortal, AnInstanceWithAnotherSecretKeyRefusesToStart)
{
    auto& a = add_node("a");
    auto& b = add_node("b");
    add_staff(a.dir); // records the fingerprint of a's key on the cluster
    auto own_key = infra::load_or_create_key(b.dir / "secret.key");
    ASSERT_TRUE(own_key.has_value());
    ASSERT_NE(*own_key, key_);

    auto args = kafka_args("b");
    args.insert(args.end(), { "--no-reminders", "--web-root", "none" });
    portal_process serve(k_portal, b.dir, b.port, args);
    auto code = serve.wait_exit(std::chrono::seconds{ 60 });
    ASSERT_TRUE(code.has_value()) << "an instance with another secret.key started";
    EXPECT_NE(*code, 0);
    std::ifstream log_in(b.dir / "serve.log", std::ios::binary);
    std::string log((std::istreambuf_iterator<char>(log_in)), std::istreambuf_iterator<char>());
    EXPECT_NE(log.find("secret.key"), std::string::npos) << log;

    std::vector<std::string> staff{ "staff",   "add",           "--data-dir",  b.dir.string(),
                                    "--login", "b@ihk.example", "--log-level", "warn" };
    auto extra = kafka_args("staff-b");
    staff.insert(staff.end(), extra.begin(), extra.end());
    auto r = run_process(k_portal, staff, std::string(k_password) + "\n");
    EXPECT_NE(r.exit_code, 0) << r.out << r.err;
    EXPECT_NE(r.err.find("secret.key"), std::string::npos) << r.err;

    // With a's key, b starts.
    start(b);
    EXPECT_EQ(http_client(b.port).get("/api/v1/me", b.staff).status, 200U);
}

/// A broker of its own (scripts/kafka with PORTAL_KAFKA_PORT and
/// PORTAL_KAFKA_DIR), which the test may stop and start. The jars come from
/// the shared broker's directory when it has them (symlinked).
class private_broker
{
  public:
    explicit private_broker(const std::filesystem::path& dir)
      : dir_(dir)
      , port_(free_port_pair())
    {
        std::filesystem::create_directories(dir_);
        const char* shared_env = std::getenv("PORTAL_KAFKA_DIR");
        std::filesystem::path shared = shared_env != nullptr
                                         ? shared_env
                                         : std::filesystem::path(PORTAL_SOURCE_DIR) / "build/kafka";
        std::error_code ec;
        for (const auto& entry : std::filesystem::directory_iterator(shared, ec)) {
            if (std::filesystem::exists(entry.path() / "libs" / ".complete")) {
                std::filesystem::create_directory_symlink(
                  entry.path(), dir_ / entry.path().filename(), ec);
            }
        }
    }
    ~private_broker()
    {
        if (started_) {
            run("stop");
        }
    }
    private_broker(const private_broker&) = delete;
    private_broker& operator=(const private_broker&) = delete;

    std::string brokers() const { return fmt::format("127.0.0.1:{}", port_); }

    /// `scripts/kafka start|stop` for this broker; its exit code.
    int run(const std::string& action)
    {
        setenv("PORTAL_KAFKA_PORT", std::to_string(port_).c_str(), 1);
        setenv("PORTAL_KAFKA_DIR", dir_.c_str(), 1);
        auto r = run_process(k_kafka_script, { action });
        if (r.exit_code != 0) {
            ADD_FAILURE() << "scripts/kafka " << action << ": " << r.out << r.err;
        }
        started_ = action == "start" ? r.exit_code == 0 : started_ && action != "stop";
        return r.exit_code;
    }

  private:
    std::filesystem::path dir_;
    unsigned short port_;
    bool started_ = false;
};

TEST_F(KafkaPortal, ABrokerRestartUnderLoadLosesNothingAcknowledgedAndThePortalRecovers)
{
    private_broker broker(dir_.path() / "kafka");
    ASSERT_EQ(broker.run("start"), 0);
    brokers_ = broker.brokers();
    start_two();
    auto& a = at(0);
    auto& b = at(1);
    account_load load({ { a.port, a.staff }, { b.port, b.staff } }, "restart");
    ASSERT_TRUE(wait_until([&] { return load.acknowledged() >= 30; }, std::chrono::seconds{ 60 }));
    ASSERT_EQ(broker.run("stop"), 0);
    auto before = load.acknowledged();
    ASSERT_EQ(broker.run("start"), 0);
    // The portal recovers by itself: commands are acknowledged again.
    auto restarted = std::chrono::steady_clock::now();
    EXPECT_TRUE(
      wait_until([&] { return load.acknowledged() >= before + 30; }, std::chrono::seconds{ 90 }))
      << load.acknowledged() << " acknowledged, " << before << " before the restart";
    std::cout << "acknowledged again "
              << std::chrono::duration_cast<std::chrono::milliseconds>(
                   std::chrono::steady_clock::now() - restarted)
                   .count()
              << " ms after the broker answered again\n";
    load.stop();
    auto records = load.records();
    auto ids = confirm(a.port, a.staff, records);
    std::cout << ids.size() << " of " << records.size() << " commands acknowledged\n";
    check_accounts(ids);
}

} // namespace
} // namespace portal::testing
